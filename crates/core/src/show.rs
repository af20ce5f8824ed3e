//! The router's objects as `show` dumps them (the config crate's `*Entry` types), with
//! counters summed from the workers.

use lwt_config as cfg;
use lwt_config::{Family, IpPrefix, NudState};

use crate::router::{Link, Route, Router};
use crate::stats::Stats;

impl Router {
    fn route_entry(&self, r: &Route, stats: Option<&Stats>) -> cfg::RouteEntry {
        let v6 = r.family == Family::V6;
        cfg::RouteEntry {
            family: r.family,
            rtype: r.rtype,
            dst: r.dst,
            from: None,
            tos: r.tos,
            table: r.table,
            protocol: r.protocol,
            scope: r.scope,
            metric: (v6 || r.metric != 0).then_some(r.metric),
            prefsrc: r.prefsrc,
            flags: 0,
            nexthops: r
                .nexthops
                .iter()
                .map(|n| cfg::NextHopEntry {
                    via: n.via,
                    dev: n.dev.map(|d| self.link_name(d)),
                    weight: n.weight,
                    flags: if n.onlink { cfg::RTNH_F_ONLINK } else { 0 },
                    encap: n.encap.clone(),
                    counters: match &n.encap {
                        Some(cfg::Encap::Seg6Local(s)) if s.count => Some(
                            stats
                                .and_then(|st| st.sids.get(r.slot as usize))
                                .map(|c| cfg::Seg6LocalCounters {
                                    packets: c.ok.packets,
                                    bytes: c.ok.bytes,
                                    errors: c.errors,
                                })
                                .unwrap_or_default(),
                        ),
                        _ => None,
                    },
                })
                .collect(),
            multipath: r.multipath,
            pref: v6.then_some(cfg::ICMPV6_ROUTER_PREF_MEDIUM),
            mtu: None,
            mtu_lock: false,
            advmss: None,
            hoplimit: None,
            expires: None,
        }
    }

    /// Configured and kernel-derived routes, in table then family then prefix order.
    pub fn route_entries(&self, stats: Option<&Stats>) -> Vec<cfg::RouteEntry> {
        let mut all: Vec<Route> = self
            .routes
            .values()
            .cloned()
            .chain(self.kernel_routes())
            .collect();
        all.sort_by(|a, b| {
            (
                a.table,
                a.family == Family::V6,
                a.dst.addr,
                a.dst.len,
                a.metric,
            )
                .cmp(&(
                    b.table,
                    b.family == Family::V6,
                    b.dst.addr,
                    b.dst.len,
                    b.metric,
                ))
        });
        all.iter().map(|r| self.route_entry(r, stats)).collect()
    }

    fn link_entry(&self, l: &Link, stats: Option<&Stats>) -> cfg::LinkEntry {
        let loopback = l.kind.is_none();
        cfg::LinkEntry {
            ifindex: l.ifindex,
            name: l.name.clone(),
            kind: l.kind_name().to_string(),
            kind_info: l.kind.clone(),
            mtu: l.mtu,
            mac: Some(l.mac),
            up: l.up,
            carrier: l.up,
            loopback,
            master: l.master.map(|m| self.link_name(m)),
            qdisc: "noqueue".to_string(),
            txqlen: 1000,
            stats: stats.map(|s| {
                let c = s.links.get(l.ifindex as usize).copied().unwrap_or_default();
                cfg::LinkStats {
                    rx_bytes: c.rx.bytes,
                    rx_packets: c.rx.packets,
                    rx_dropped: c.rx_dropped,
                    tx_bytes: c.tx.bytes,
                    tx_packets: c.tx.packets,
                    tx_dropped: c.tx_dropped,
                    ..Default::default()
                }
            }),
        }
    }

    pub fn link_entries(&self, stats: Option<&Stats>) -> Vec<cfg::LinkEntry> {
        self.links
            .values()
            .map(|l| self.link_entry(l, stats))
            .collect()
    }

    pub fn addr_entries(&self) -> Vec<cfg::LinkAddrs> {
        self.links
            .values()
            .map(|l| cfg::LinkAddrs {
                link: self.link_entry(l, None),
                addrs: l.addrs.iter().map(|p| addr_entry(l, p)).collect(),
            })
            .collect()
    }

    pub fn neigh_entries(&self) -> Vec<cfg::NeighEntry> {
        self.neighs
            .iter()
            .map(|n| cfg::NeighEntry {
                addr: n.addr,
                lladdr: n.lladdr,
                dev: self.link_name(n.dev),
                state: if n.proxy { NudState::None } else { n.state },
                proxy: n.proxy,
                router: n.router,
            })
            .collect()
    }

    pub fn rule_entries(&self) -> Vec<cfg::RuleEntry> {
        let mut rules: Vec<_> = self.rules.clone();
        rules.sort_by_key(|r| (r.family == Family::V6, r.priority.unwrap_or(0)));
        rules
            .into_iter()
            .map(|spec| cfg::RuleEntry {
                priority: spec.priority.unwrap_or(0),
                iif_detached: spec
                    .iif
                    .as_deref()
                    .is_some_and(|d| self.link_by_name(d).is_none()),
                oif_detached: spec
                    .oif
                    .as_deref()
                    .is_some_and(|d| self.link_by_name(d).is_none()),
                spec,
            })
            .collect()
    }

    pub fn hmac_entries(&self) -> Vec<cfg::HmacEntry> {
        self.hmac_keys
            .values()
            .map(|k| cfg::HmacEntry {
                keyid: k.id,
                algo: k.algo,
                secret: String::from_utf8_lossy(&k.secret).into_owned(),
            })
            .collect()
    }
}

fn addr_entry(l: &Link, p: &IpPrefix) -> cfg::AddrEntry {
    let scope = match p.addr {
        std::net::IpAddr::V6(a) if a.is_loopback() => cfg::RT_SCOPE_HOST,
        std::net::IpAddr::V6(a) if a.is_unicast_link_local() => cfg::RT_SCOPE_LINK,
        std::net::IpAddr::V4(a) if a.is_loopback() => cfg::RT_SCOPE_HOST,
        _ => cfg::RT_SCOPE_UNIVERSE,
    };
    cfg::AddrEntry {
        ifindex: l.ifindex,
        dev: l.name.clone(),
        prefix: *p,
        peer: None,
        broadcast: None,
        scope,
        label: None,
        nodad: false,
        noprefixroute: false,
        permanent: true,
        tentative: false,
    }
}

/// Keeps the routes a `route show` filter selects (iproute2 filters the dump likewise).
fn route_selected(
    r: &cfg::RouteEntry,
    f: &cfg::RouteFilter,
    table: Option<u32>,
    dev: Option<&str>,
) -> bool {
    let prefix_ok =
        |sel: &Option<IpPrefix>, pick: &dyn Fn(&IpPrefix) -> bool| sel.as_ref().is_none_or(pick);
    (f.family == Family::Any || f.family == r.family)
        && table.is_none_or(|t| t == r.table)
        && f.proto.is_none_or(|p| p == r.protocol)
        && f.scope.is_none_or(|s| s == r.scope)
        && f.rtype.is_none_or(|t| t == r.rtype)
        && f.metric.is_none_or(|m| Some(m) == r.metric)
        && dev.is_none_or(|d| r.nexthops.iter().any(|n| n.dev.as_deref() == Some(d)))
        && prefix_ok(&f.root, &|p| p.len <= r.dst.len && p.contains(&r.dst.addr))
        && prefix_ok(&f.matching, &|p| {
            r.dst.len <= p.len && r.dst.contains(&p.addr)
        })
}

/// A neighbour the dataplane learnt: (ifindex, address, MAC, state name).
pub type LearntNeighbour = (u32, std::net::IpAddr, [u8; 6], &'static str);

/// What the running dataplane knows beyond the configuration: counters and the
/// neighbours it learnt.
#[derive(Default)]
pub struct Live<'a> {
    pub stats: Option<&'a Stats>,
    pub neighbours: &'a [LearntNeighbour],
}

/// Renders the answer to a read-only request (`show`, `sr ... show`), in text or JSON.
/// Modifying requests render nothing.
pub fn render(router: &Router, req: &cfg::Request, stats: Option<&Stats>) -> String {
    render_live(
        router,
        req,
        &Live {
            stats,
            neighbours: &[],
        },
    )
}

/// `render` with the dataplane's live state.
pub fn render_live(router: &Router, req: &cfg::Request, live: &Live<'_>) -> String {
    let stats = live.stats;
    use lwt_config::render as r;
    use lwt_config::{AddrCmd, Command, LinkCmd, NeighCmd, RouteCmd, RuleCmd, SrCmd};
    let opts = &req.opts;
    let stats = stats.filter(|_| opts.stats > 0);
    match &req.cmd {
        Command::Route(RouteCmd::Show(f)) => {
            let mut f = f.clone();
            if f.family == Family::Any {
                f.family = if opts.family == Family::Any {
                    Family::V4
                } else {
                    opts.family
                };
            }
            let table = match (&f.vrf, f.table) {
                (Some(v), _) => router.link_by_name(v).and_then(|l| l.vrf_table()),
                (None, Some(cfg::TableSel::Id(t))) => Some(t),
                (None, Some(cfg::TableSel::All)) => None,
                (None, None) => Some(cfg::RT_TABLE_MAIN),
            };
            let entries: Vec<_> = router
                .route_entries(stats)
                .into_iter()
                .filter(|e| route_selected(e, &f, table, f.dev.as_deref()))
                .collect();
            r::render_routes(&entries, opts, &f)
        }
        Command::Link(LinkCmd::Show(f)) => {
            let links: Vec<_> = router
                .link_entries(stats)
                .into_iter()
                .filter(|l| f.dev.as_ref().is_none_or(|d| *d == l.name))
                .filter(|l| f.kind.as_ref().is_none_or(|k| *k == l.kind))
                .filter(|l| f.master.is_none() || f.master == l.master)
                .filter(|l| !f.up || l.up)
                .collect();
            r::render_links(&links, opts)
        }
        Command::Addr(AddrCmd::Show(f)) => {
            let list: Vec<_> = router
                .addr_entries()
                .into_iter()
                .filter(|a| f.dev.as_ref().is_none_or(|d| *d == a.link.name))
                .map(|mut a| {
                    a.addrs.retain(|x| match opts.family {
                        Family::V4 => !x.prefix.is_v6(),
                        Family::V6 => x.prefix.is_v6(),
                        Family::Any => true,
                    });
                    a
                })
                .collect();
            r::render_addrs(&list, opts)
        }
        Command::Neigh(NeighCmd::Show(f)) => {
            let learnt = live
                .neighbours
                .iter()
                .map(|(ifx, addr, mac, state)| cfg::NeighEntry {
                    addr: *addr,
                    lladdr: Some(cfg::Mac(*mac)),
                    dev: router.link_name(*ifx),
                    state: if *state == "REACHABLE" {
                        NudState::Reachable
                    } else {
                        NudState::Stale
                    },
                    proxy: false,
                    router: false,
                });
            let list: Vec<_> = router
                .neigh_entries()
                .into_iter()
                .chain(learnt)
                .filter(|n| n.proxy == f.proxy)
                .filter(|n| f.dev.as_ref().is_none_or(|d| *d == n.dev))
                .filter(|n| {
                    let fam = if f.family == Family::Any {
                        opts.family
                    } else {
                        f.family
                    };
                    fam == Family::Any || fam == Family::of(&n.addr)
                })
                .collect();
            r::render_neighs(&list, opts)
        }
        Command::Rule(RuleCmd::Show(fam)) => {
            let fam = match (*fam, opts.family) {
                (Family::Any, Family::Any) => Family::V4,
                (Family::Any, f) | (f, _) => f,
            };
            let list: Vec<_> = router
                .rule_entries()
                .into_iter()
                .filter(|x| x.spec.family == fam)
                .collect();
            r::render_rules(&list, opts)
        }
        Command::Sr(SrCmd::TunsrcShow) => r::render_tunsrc(
            &router.tunsrc.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
            opts,
        ),
        Command::Sr(SrCmd::HmacShow) => r::render_hmac_keys(&router.hmac_entries(), opts),
        Command::Fdb(cfg::FdbCmd::Show(f)) => r::render_fdbs(&router.fdb_entries(), opts, f),
        _ => String::new(),
    }
}

/// `lwt stats`: per-link counters, every drop reason that occurred, and every SID route
/// with its counters and its drops by reason. JSON with `json`.
pub fn stats_report(router: &Router, s: &Stats, json: bool) -> String {
    use std::fmt::Write as _;
    let links: Vec<_> = router
        .links
        .values()
        .map(|l| {
            let c = s.links.get(l.ifindex as usize).copied().unwrap_or_default();
            (l.name.clone(), c)
        })
        .collect();
    let drops: Vec<(&'static str, u64)> = crate::DropReason::ALL
        .iter()
        .filter_map(|r| {
            let n = s.drops.get(*r as usize).copied().unwrap_or(0);
            (n > 0).then_some((r.name(), n))
        })
        .collect();
    let sids: Vec<_> = router
        .routes
        .values()
        .filter_map(|r| {
            let action = r.nexthops.iter().find_map(|n| match &n.encap {
                Some(cfg::Encap::Seg6Local(e)) => Some(e.action.clone()),
                _ => None,
            })?;
            let c = s.sids.get(r.slot as usize).copied().unwrap_or_default();
            let reasons: Vec<(&'static str, u64)> = s
                .sid_drops
                .iter()
                .filter(|(slot, _, _)| *slot == r.slot)
                .map(|(_, reason, n)| (reason.name(), *n))
                .collect();
            Some((r.dst, r.table, action, c, reasons))
        })
        .collect();
    if json {
        let links: Vec<_> = links
            .iter()
            .map(|(n, c)| {
                serde_json::json!({"ifname": n, "rx_packets": c.rx.packets, "rx_bytes": c.rx.bytes,
                    "tx_packets": c.tx.packets, "tx_bytes": c.tx.bytes,
                    "rx_dropped": c.rx_dropped, "tx_dropped": c.tx_dropped})
            })
            .collect();
        let drops: serde_json::Map<_, _> = drops
            .iter()
            .map(|(n, c)| (n.to_string(), serde_json::json!(c)))
            .collect();
        let sids: Vec<_> = sids
            .iter()
            .map(|(dst, table, action, c, reasons)| {
                let r: serde_json::Map<_, _> = reasons
                    .iter()
                    .map(|(n, c)| (n.to_string(), serde_json::json!(c)))
                    .collect();
                serde_json::json!({"dst": dst.to_string(), "table": table, "action": action,
                    "packets": c.ok.packets, "bytes": c.ok.bytes, "errors": c.errors, "drops": r})
            })
            .collect();
        return serde_json::json!({"links": links, "forwarded": s.forwarded, "originated": s.generated,
            "local": s.local, "queued": s.queued, "drops": drops, "sids": sids})
        .to_string()
            + "\n";
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<16} {:>10} {:>12} {:>10} {:>12} {:>9} {:>9}",
        "link", "rx pkts", "rx bytes", "tx pkts", "tx bytes", "rx drop", "tx drop"
    );
    for (n, c) in &links {
        let _ = writeln!(
            t,
            "{:<16} {:>10} {:>12} {:>10} {:>12} {:>9} {:>9}",
            n, c.rx.packets, c.rx.bytes, c.tx.packets, c.tx.bytes, c.rx_dropped, c.tx_dropped
        );
    }
    let dropped: u64 = drops.iter().map(|(_, n)| n).sum::<u64>()
        + links
            .iter()
            .map(|(_, c)| c.rx_dropped + c.tx_dropped)
            .sum::<u64>();
    let _ = writeln!(
        t,
        "forwarded {}, originated {}, delivered locally {}, queued for resolution {}, dropped {}",
        s.forwarded, s.generated, s.local, s.queued, dropped
    );
    if !drops.is_empty() {
        let _ = writeln!(t, "drops by reason:");
        for (n, c) in &drops {
            let _ = writeln!(t, "  {n:<44} {c}");
        }
    }
    if !sids.is_empty() {
        let _ = writeln!(t, "SIDs:");
        for (dst, table, action, c, reasons) in &sids {
            let _ = writeln!(
                t,
                "  {dst} table {table} {action}: packets {} bytes {} errors {}",
                c.ok.packets, c.ok.bytes, c.errors
            );
            for (n, c) in reasons {
                let _ = writeln!(t, "    {n:<42} {c}");
            }
        }
    }
    t
}

/// `route get ADDR [from A] [iif D] [oif D] [vrf V] [mark M] [fibmatch]`: the route the
/// dataplane would use, or the kernel's error for it.
pub fn route_get(
    router: &Router,
    g: &cfg::RouteGet,
    opts: &cfg::Options,
) -> Result<String, crate::ApplyError> {
    use crate::ApplyError;
    let dev = |n: &Option<String>| n.as_deref().map(|d| router.ifindex(d)).transpose();
    let iif = dev(&g.iif)?;
    let oif = match &g.vrf {
        Some(v) => Some(router.ifindex(v)?),
        None => dev(&g.oif)?,
    };
    let dp = router.dataplane();
    let origin = crate::path::route_get(&dp, g.dst, g.from, iif, oif, g.mark.unwrap_or(0))
        .map_err(|e| {
            let (msg, hint) = match e {
                crate::path::GetError::NoRoute => (
                    "Network is unreachable",
                    "no rule or table has a route to it",
                ),
                crate::path::GetError::Unreachable => {
                    ("No route to host", "an unreachable route or rule matches")
                }
                crate::path::GetError::Prohibit => {
                    ("Permission denied", "a prohibit route or rule matches")
                }
                crate::path::GetError::Blackhole => {
                    ("Invalid argument", "a blackhole route or rule matches")
                }
            };
            ApplyError::new(format!("RTNETLINK answers: {msg}")).hint(hint)
        })?;
    let mut entry = router
        .route_entries(None)
        .into_iter()
        .find(|e| (e.table, e.dst, e.metric.unwrap_or(0)) == origin)
        .ok_or_else(|| ApplyError::new("RTNETLINK answers: No such process"))?;
    if !g.fibmatch {
        entry.dst = cfg::IpPrefix::host(g.dst);
    }
    Ok(cfg::render::render_route(&entry, opts))
}

/// The answer to any read-only request: `route get` (which can fail as in the kernel) or
/// a `show`.
pub fn answer(
    router: &Router,
    req: &cfg::Request,
    live: &Live<'_>,
) -> Result<String, crate::ApplyError> {
    match &req.cmd {
        cfg::Command::Route(cfg::RouteCmd::Get(g)) => route_get(router, g, &req.opts),
        _ => Ok(render_live(router, req, live)),
    }
}
