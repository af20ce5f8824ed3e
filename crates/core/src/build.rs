//! Compiles the router's configuration into a dataplane snapshot: derived kernel routes,
//! resolved next hops, policy rules with table indices, compiled LWT state.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use lwt_config as cfg;
use lwt_config::{Encap, Family, IpPrefix, RouteType, RuleAction};
use lwt_fib::{Fib4, Fib6};

use crate::dataplane::*;
use crate::lwt::Lwt;
use crate::lwt::ip_tun::IpTunState;
use crate::lwt::mpls::MplsEncap;
use crate::lwt::seg6::{self, Seg6Compile, Seg6Encap};
use crate::lwt::seg6local::{self, Seg6Local};
use crate::router::{Link, NextHopCfg, Route, Router};
use crate::tunnel::TunnelInfo;
use crate::vxlan::{Remote, VxlanDev, VxlanSock};

impl Router {
    /// The L3 domain of a link: (VRF device ifindex or 0, table of that domain).
    pub fn l3_domain(&self, l: &Link) -> (u32, Option<u32>) {
        if let Some(t) = l.vrf_table() {
            return (l.ifindex, Some(t));
        }
        match l.master.and_then(|m| self.links.get(&m)) {
            Some(m) => (m.ifindex, m.vrf_table()),
            None => (0, None),
        }
    }

    /// Routes the kernel derives from addresses on up links (local and connected).
    pub fn kernel_routes(&self) -> Vec<Route> {
        let mut out = Vec::new();
        for l in self.links.values().filter(|l| l.up) {
            let (_, vrf) = self.l3_domain(l);
            let main = vrf.unwrap_or(cfg::RT_TABLE_MAIN);
            let local = vrf.unwrap_or(cfg::RT_TABLE_LOCAL);
            for p in &l.addrs {
                let v6 = p.is_v6();
                let family = if v6 { Family::V6 } else { Family::V4 };
                let nh = NextHopCfg {
                    via: None,
                    dev: Some(l.ifindex),
                    weight: 1,
                    onlink: false,
                    encap: None,
                    vrf_bound: None,
                };
                let base = Route {
                    family,
                    rtype: RouteType::Local,
                    dst: IpPrefix::host(p.addr),
                    tos: 0,
                    table: local,
                    protocol: cfg::RTPROT_KERNEL,
                    scope: if v6 {
                        cfg::RT_SCOPE_UNIVERSE
                    } else {
                        cfg::RT_SCOPE_HOST
                    },
                    metric: 0,
                    prefsrc: (!v6).then_some(p.addr),
                    nexthops: vec![nh],
                    multipath: false,
                    slot: 0,
                };
                if l.ifindex == crate::router::LOOPBACK_IFINDEX {
                    // The loopback's whole prefix is local (127.0.0.0/8 in table local).
                    if !p.is_host() {
                        out.push(Route {
                            dst: p.network(),
                            ..base.clone()
                        });
                    }
                } else if !p.is_host() {
                    out.push(Route {
                        rtype: RouteType::Unicast,
                        dst: p.network(),
                        table: main,
                        scope: if v6 {
                            cfg::RT_SCOPE_UNIVERSE
                        } else {
                            cfg::RT_SCOPE_LINK
                        },
                        metric: if v6 { 256 } else { 0 },
                        ..base.clone()
                    });
                }
                out.push(base);
            }
        }
        out
    }

    /// Builds the snapshot the packet path runs on.
    pub fn dataplane(&self) -> Dataplane {
        let mut dp = Dataplane {
            sysctl: self.sysctl.clone(),
            counter_slots: self.next_slot,
            hmac_keys: self
                .hmac_keys
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            ..Default::default()
        };
        let max = self.links.keys().max().copied().unwrap_or(0) as usize;
        dp.links = vec![None; max + 1];
        for l in self.links.values() {
            let (l3_dev, l3_table) = self.l3_domain(l);
            let s = self.if_sysctl(&l.name);
            let kind = link_kind(l);
            let vxlan = match &l.kind {
                Some(cfg::LinkKind::Vxlan(v)) => Some(Box::new(self.compile_vxlan(l, v))),
                _ => None,
            };
            dp.links[l.ifindex as usize] = Some(LinkDp {
                ifindex: l.ifindex,
                name: l.name.clone(),
                mac: l.mac.0,
                mtu: l.mtu,
                up: l.up,
                kind,
                l3_table,
                l3_table_at: None,
                l3_dev,
                v4: l
                    .addrs
                    .iter()
                    .filter_map(|p| match p.addr {
                        IpAddr::V4(a) => Some((a, p.len)),
                        _ => None,
                    })
                    .collect(),
                v6: l
                    .addrs
                    .iter()
                    .filter_map(|p| match p.addr {
                        IpAddr::V6(a) => Some((a, p.len)),
                        _ => None,
                    })
                    .collect(),
                proxy_arp: s.proxy_arp,
                proxy_ndp: s.proxy_ndp,
                seg6_require_hmac: s.seg6_require_hmac,
                hop_limit: s.hop_limit.unwrap_or(64),
                vxlan,
            });
        }
        dp.vxlan_socks = vxlan_socks(&dp);
        dp.seg6_hmac_required = dp.links.iter().flatten().any(|l| l.seg6_require_hmac > 0);

        for n in &self.neighs {
            if n.proxy {
                dp.proxy.insert((n.dev, n.addr), ());
            } else if let Some(mac) = n.lladdr {
                dp.neigh.insert((n.dev, n.addr), mac.0);
            }
        }

        // Routes grouped by table; the lowest metric wins per destination.
        let mut by_table: BTreeMap<u32, Vec<Route>> = BTreeMap::new();
        for r in self.routes.values().cloned().chain(self.kernel_routes()) {
            by_table.entry(r.table).or_default().push(r);
        }
        for (&id, routes) in &mut by_table {
            routes.sort_by_key(|r| (r.dst.len, r.metric));
            let mut t = TableDp {
                id,
                ..Default::default()
            };
            let mut seen: HashMap<IpPrefix, ()> = HashMap::new();
            let (mut e4, mut e6) = (Vec::new(), Vec::new());
            for r in routes.iter() {
                if seen.insert(r.dst, ()).is_some() {
                    continue;
                }
                let rd = self.compile_route(r, &dp);
                match r.dst.addr {
                    IpAddr::V4(a) => {
                        e4.push((u32::from(a), r.dst.len, t.routes4.len() as u32));
                        t.routes4.push(rd);
                    }
                    IpAddr::V6(a) => {
                        e6.push((u128::from(a), r.dst.len, t.routes6.len() as u32));
                        t.routes6.push(rd);
                    }
                }
            }
            t.adj6 = t.routes6.iter().map(RouteDp::adjacency).collect();
            t.classes6 = AdjClasses::number(&t.adj6, e6.iter_mut().map(|e| &mut e.2), |_, a| a);
            t.fib4 = Fib4::build(&e4);
            t.fib6 = Fib6::build(&e6);
            dp.table_index.insert(id, dp.tables.len());
            dp.tables.push(t);
        }
        for i in 0..dp.links.len() {
            let at = dp.links[i]
                .as_ref()
                .and_then(|l| dp.table_at_of(l.l3_table?));
            if let Some(l) = &mut dp.links[i] {
                l.l3_table_at = at;
            }
        }

        let mut rules: Vec<&cfg::RuleSpec> = self.rules.iter().collect();
        rules.sort_by_key(|r| r.priority.unwrap_or(0));
        for r in rules {
            let mut rd = RuleDp {
                priority: r.priority.unwrap_or(0),
                invert: r.not,
                from: r.from.map(|p| (p.addr, p.len)),
                to: r.to.map(|p| (p.addr, p.len)),
                // A rule naming a device that does not exist is detached: it matches
                // nothing (u32::MAX is no ifindex).
                iif: r
                    .iif
                    .as_deref()
                    .map(|n| self.link_by_name(n).map_or(u32::MAX, |l| l.ifindex)),
                oif: r
                    .oif
                    .as_deref()
                    .map(|n| self.link_by_name(n).map_or(u32::MAX, |l| l.ifindex)),
                fwmark: r.fwmark.map(|m| (m, r.fwmask.unwrap_or(u32::MAX))),
                // fib_rule_match: a zero tun_id is no selector.
                tun_id: r.tun_id.filter(|t| *t != 0),
                l3mdev: r.l3mdev,
                action: match r.action {
                    RuleAction::Blackhole => RuleActionDp::Blackhole,
                    RuleAction::Unreachable => RuleActionDp::Unreachable,
                    RuleAction::Prohibit => RuleActionDp::Prohibit,
                    _ => {
                        RuleActionDp::Lookup(r.table.and_then(|t| dp.table_index.get(&t).copied()))
                    }
                },
                plain: false,
            };
            rd.plain = !rd.invert
                && rd.from.is_none()
                && rd.to.is_none()
                && rd.iif.is_none()
                && rd.oif.is_none()
                && rd.fwmark.is_none()
                && rd.tun_id.is_none()
                && !rd.l3mdev;
            match r.family {
                Family::V6 => dp.rules6.push(rd),
                _ => dp.rules4.push(rd),
            }
        }

        dp.flat4 = crate::flat::build4(&dp, None);
        dp.flat6 = crate::flat::build6(&dp, None);
        let mut vrf_tables: Vec<usize> = (dp.links.iter().flatten())
            .filter_map(|l| dp.table_index.get(&l.l3_table?).copied())
            .collect();
        vrf_tables.sort_unstable();
        vrf_tables.dedup();
        for t in vrf_tables {
            let v4 = crate::flat::build4(&dp, Some(t));
            let v6 = crate::flat::build6(&dp, Some(t));
            (dp.tables[t].vrf4, dp.tables[t].vrf6) = (v4, v6);
        }
        crate::path::vxlan_templates(&mut dp);
        resolve_seg6_outer_routes(&mut dp);
        resolve_sids(&mut dp);
        crate::flat::attach_states(&mut dp);
        dp
    }

    /// A VXLAN device with its FDB entries.
    fn compile_vxlan(&self, l: &Link, v: &cfg::VxlanSpec) -> VxlanDev {
        let fdb = self
            .fdb
            .iter()
            .filter(|f| f.dev == l.ifindex)
            .filter_map(|f| {
                let ip = f.dst?;
                Some((
                    f.mac.0,
                    Remote {
                        ip,
                        port: f.port.unwrap_or(0),
                        vni: f.vni,
                    },
                ))
            });
        VxlanDev::compile(l.ifindex, l.mac.0, v, fdb)
    }

    /// `dp`: the snapshot's links and static neighbours, which give gateways their
    /// adjacency.
    fn compile_route(&self, r: &Route, dp: &Dataplane) -> RouteDp {
        // fib6_is_reject: an IPv6 unicast route through the loopback is a reject route.
        let through_lo = r.family == Family::V6
            && r.rtype == RouteType::Unicast
            && r.nexthops
                .iter()
                .any(|n| n.dev == Some(crate::router::LOOPBACK_IFINDEX))
            && !matches!(r.dst.addr, IpAddr::V6(a) if a.is_loopback());
        let kind = if through_lo {
            RouteKind::Unreachable
        } else {
            r.rtype
        };
        let nexthops: Vec<NextHopDp> = r
            .nexthops
            .iter()
            .map(|nh| {
                let oif = nh
                    .dev
                    .or_else(|| nh.via.and_then(|g| self.connected_link(g, r.table)))
                    .unwrap_or(0);
                let lwt = nh
                    .encap
                    .as_ref()
                    .and_then(|e| self.compile_lwt(e, nh, oif, r.slot));
                let adj = match (&lwt, nh.via) {
                    (None, Some(g)) => dp.adjacency(oif, g),
                    _ => None,
                };
                NextHopDp {
                    gateway: nh.via,
                    oif,
                    adj,
                    weight: u32::from(nh.weight.max(1)),
                    lwt,
                }
            })
            .collect();
        RouteDp {
            kind,
            total_weight: nexthops.iter().map(|n| n.weight).sum(),
            nexthops,
            prefsrc: r.prefsrc,
            slot: r.slot,
            origin: (r.table, r.dst, r.metric),
        }
    }

    /// The link whose subnet holds a gateway, preferring the table's L3 domain.
    fn connected_link(&self, gw: IpAddr, table: u32) -> Option<u32> {
        let mut best: Option<(u8, bool, u32)> = None;
        for l in self.links.values() {
            let in_domain = self.l3_domain(l).1.unwrap_or(cfg::RT_TABLE_MAIN) == table;
            for p in &l.addrs {
                if p.contains(&gw) && !p.is_host() {
                    let cand = (p.len, in_domain, l.ifindex);
                    if best.is_none_or(|b| (cand.1, cand.0) > (b.1, b.0)) {
                        best = Some(cand);
                    }
                }
            }
        }
        best.map(|b| b.2)
    }

    fn compile_lwt(&self, e: &Encap, nh: &NextHopCfg, oif: u32, slot: u32) -> Option<Lwt> {
        match e {
            Encap::Seg6Local(l) => {
                let b = seg6local::behaviour(&l.action)?;
                let vrf = nh.vrf_bound.map(|v| {
                    // Bound at install: if that VRF is gone, packets are dropped.
                    let alive = self.links.get(&v).and_then(|x| x.vrf_table()) == l.vrftable;
                    if alive { v } else { 0 }
                });
                let srh = l.srh.as_ref().map(|s| {
                    let (mode, src) = match b.action {
                        seg6local::Action::EndB6Encaps => (
                            seg6::Mode::Encap,
                            self.tunsrc
                                .or_else(|| self.select_src6(oif, s.segs[0]))
                                .unwrap_or(Ipv6Addr::UNSPECIFIED),
                        ),
                        _ => (seg6::Mode::Inline, Ipv6Addr::UNSPECIFIED),
                    };
                    Seg6Encap::compile(&Seg6Compile {
                        mode,
                        segs: &s.segs,
                        hmac_key_id: s.hmac,
                        src,
                        key: s.hmac.and_then(|k| self.hmac_keys.get(&k)),
                        hop_limit: 64,
                        flowlabel: self.sysctl.seg6_flowlabel,
                        mtu: self.links.get(&oif).map_or(1500, |l| l.mtu),
                    })
                });
                let oif = l
                    .oif
                    .as_deref()
                    .and_then(|n| self.link_by_name(n))
                    .map(|x| x.ifindex);
                Some(Lwt::Seg6Local(Arc::new(Seg6Local::new(
                    b, l, oif, vrf, srh, slot,
                ))))
            }
            Encap::Seg6(s) => {
                let src = s
                    .tunsrc
                    .or(self.tunsrc)
                    .or_else(|| self.select_src6(oif, s.segs[0]))
                    .unwrap_or(Ipv6Addr::UNSPECIFIED);
                let hop_limit = self
                    .links
                    .get(&oif)
                    .map(|l| self.if_sysctl(&l.name).hop_limit.unwrap_or(64))
                    .unwrap_or(64);
                Some(Lwt::Seg6(std::sync::Arc::new(Seg6Encap::compile(
                    &Seg6Compile {
                        mode: s.mode,
                        segs: &s.segs,
                        hmac_key_id: s.hmac,
                        src,
                        key: s.hmac.and_then(|k| self.hmac_keys.get(&k)),
                        hop_limit,
                        flowlabel: self.sysctl.seg6_flowlabel,
                        mtu: self.links.get(&oif).map_or(1500, |l| l.mtu),
                    },
                ))))
            }
            Encap::Ip(e) => Some(Lwt::IpTun(Box::new(IpTunState::new(
                TunnelInfo::from_encap_ip(e).ok()?,
            )))),
            Encap::Ip6(e) => Some(Lwt::IpTun(Box::new(IpTunState::new(
                TunnelInfo::from_encap_ip6(e).ok()?,
            )))),
            Encap::Mpls(m) => Some(Lwt::Mpls(Box::new(MplsEncap::compile(
                m,
                self.sysctl.mpls_ip_ttl_propagate,
                self.sysctl.mpls_default_ttl,
            )))),
            Encap::Xfrm(_) => None,
        }
    }

    /// IPv6 source address selection (RFC 6724 as `ipv6_dev_get_saddr` applies it):
    /// candidates from the L3 domain of `dev` (only `dev` itself for link-local
    /// destinations); prefer an appropriate scope, the outgoing interface, then the
    /// longest matching prefix.
    pub fn select_src6(&self, dev: u32, dst: Ipv6Addr) -> Option<Ipv6Addr> {
        let out = self.links.get(&dev)?;
        let domain = self.l3_domain(out).0;
        let dst_ll = dst.is_unicast_link_local() || dst.is_multicast();
        let mut best: Option<(bool, bool, u32, Ipv6Addr)> = None;
        for l in self.links.values() {
            if l.ifindex == crate::router::LOOPBACK_IFINDEX && domain != 0 {
                continue;
            }
            let same = l.ifindex == dev;
            if dst_ll && !same {
                continue;
            }
            if !dst_ll && self.l3_domain(l).0 != domain {
                continue;
            }
            for p in &l.addrs {
                let IpAddr::V6(a) = p.addr else { continue };
                if a.is_loopback() {
                    continue;
                }
                // Scope: a global destination wants a global source.
                let scope_ok = dst_ll || !a.is_unicast_link_local();
                let common = (u128::from(a) ^ u128::from(dst)).leading_zeros();
                let cand = (scope_ok, same, common, a);
                if best.is_none_or(|b| (cand.0, cand.1, cand.2) > (b.0, b.1, b.2)) {
                    best = Some(cand);
                }
            }
        }
        best.filter(|b| b.0).map(|b| b.3)
    }

    /// IPv4 source selection (`inet_select_addr`): an address of `dev` whose subnet holds
    /// `dst`, else the first of `dev`, else one from the same L3 domain.
    pub fn select_src4(&self, dev: u32, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let out = self.links.get(&dev)?;
        let v4 = |l: &Link| -> Vec<IpPrefix> {
            l.addrs.iter().filter(|p| !p.is_v6()).copied().collect()
        };
        let mine = v4(out);
        let pick = mine
            .iter()
            .find(|p| p.contains(&IpAddr::V4(dst)))
            .or(mine.first())
            .map(|p| p.addr);
        let pick = pick.or_else(|| {
            let domain = self.l3_domain(out).0;
            self.links
                .values()
                .filter(|l| self.l3_domain(l).0 == domain && l.ifindex != 1)
                .flat_map(v4)
                .next()
                .map(|p| p.addr)
        });
        match pick {
            Some(IpAddr::V4(a)) => Some(a),
            _ => None,
        }
    }
}

/// The receive sockets of the up VXLAN devices: one per (port, family).
/// What a link is to the packet path.
fn link_kind(l: &Link) -> LinkDpKind {
    match &l.kind {
        None => LinkDpKind::Loopback,
        Some(cfg::LinkKind::Dummy) => LinkDpKind::Dummy,
        Some(cfg::LinkKind::Vrf { .. }) => LinkDpKind::Vrf,
        Some(cfg::LinkKind::Vxlan(_)) => LinkDpKind::Vxlan,
        Some(_) => LinkDpKind::Ether,
    }
}

fn vxlan_socks(dp: &Dataplane) -> Vec<VxlanSock> {
    let mut socks: Vec<VxlanSock> = Vec::new();
    for l in dp.links.iter().flatten().filter(|l| l.up) {
        let Some(d) = &l.vxlan else { continue };
        for &v6 in d.families() {
            let i = match socks.iter().position(|s| s.port == d.port && s.v6 == v6) {
                Some(i) => i,
                None => {
                    socks.push(VxlanSock {
                        port: d.port,
                        v6,
                        ..Default::default()
                    });
                    socks.len() - 1
                }
            };
            if d.external {
                socks[i].external = Some(d.ifindex);
            } else {
                socks[i].by_vni.insert(d.vni, d.ifindex);
            }
        }
    }
    socks
}

/// Sets on each next hop's state what `derive` finds for it in the snapshot as it is
/// (all derivations first, then all updates: the snapshot is read while unchanged).
fn derive_states<T>(
    dp: &mut Dataplane,
    derive: impl Fn(&Dataplane, &Lwt) -> Option<T>,
    mut set: impl FnMut(&mut Lwt, T),
) {
    let mut found = Vec::new();
    for (ti, t) in dp.tables.iter().enumerate() {
        for (v6, routes) in [(false, &t.routes4), (true, &t.routes6)] {
            for (ri, r) in routes.iter().enumerate() {
                for (ni, nh) in r.nexthops.iter().enumerate() {
                    if let Some(v) = nh.lwt.as_ref().and_then(|l| derive(dp, l)) {
                        found.push((ti, v6, ri, ni, v));
                    }
                }
            }
        }
    }
    for (ti, v6, ri, ni, v) in found {
        let t = &mut dp.tables[ti];
        let routes = if v6 { &mut t.routes6 } else { &mut t.routes4 };
        if let Some(l) = &mut routes[ri].nexthops[ni].lwt {
            set(l, v);
        }
    }
}

/// SID states resolved in the snapshot: End.X / End.DX6 / End.DX4 next hops to their
/// adjacency (see [`crate::path::sid_adjacency`]), End.T / End.DT6 tables to their
/// index (no table lookup by id per packet).
fn resolve_sids(dp: &mut Dataplane) {
    derive_states(
        dp,
        |dp, l| {
            let Lwt::Seg6Local(sl) = l else { return None };
            let adj = crate::path::sid_adjacency(dp, sl);
            let table_at = sl.table.and_then(|id| dp.table_at_of(id));
            (adj.is_some() || table_at.is_some()).then_some((adj, table_at))
        },
        |l, (adj, table_at)| {
            if let Lwt::Seg6Local(sl) = l {
                // Not yet shared: the flattened results attach it afterwards.
                let sl = Arc::make_mut(sl);
                sl.adj = adj;
                sl.table_at = table_at;
            }
        },
    );
}

/// Resolves, once per snapshot, the route each seg6 encapsulation's outer packet takes
/// (its destination is the first segment, a constant), as the kernel caches it per route
/// state. Only when no IPv6 rule looks at the ingress, the mark or tunnel metadata (the
/// result then depends on nothing per packet) and the result is a plain forward.
fn resolve_seg6_outer_routes(dp: &mut Dataplane) {
    if dp.rules6.iter().any(|r| {
        r.iif.is_some() || r.oif.is_some() || r.fwmark.is_some() || r.tun_id.is_some() || r.l3mdev
    }) {
        return;
    }
    // One shared copy per distinct next hop: thousands of routes into one tunnel then
    // read the same cache line. (No LWT state: `resolve_plain` returns plain next hops.)
    type Key = (Option<IpAddr>, u32, u32, Option<Adj>);
    let mut shared: HashMap<Key, Arc<NextHopDp>> = HashMap::new();
    derive_states(
        dp,
        |dp, l| {
            let Lwt::Seg6(s) = l else { return None };
            let src = s
                .outer_src()
                .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), IpAddr::V6);
            crate::path::resolve_plain(dp, src, IpAddr::V6(s.outer_dst()?))
        },
        |l, post| {
            let key = (post.gateway, post.oif, post.weight, post.adj);
            let post = Arc::clone(shared.entry(key).or_insert_with(|| Arc::new(post)));
            // Not shared yet (the flattened walk's results take their references
            // later), so this does not copy.
            if let Lwt::Seg6(s) = l {
                Arc::make_mut(s).post = Some(post);
            }
        },
    );
}
