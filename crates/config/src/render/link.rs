//! `ip link show` / `ip addr show` rendering (ip/ipaddress.c
//! `print_linkinfo`, `print_link_flags`, `print_link_stats64`,
//! `print_addrinfo`, `print_ifa_flags`).

use std::fmt::Write;

use super::json::Json;
use super::render_list;
use crate::ast::*;
use crate::names::scope_n2a;

/// Device flags as `print_link_flags` lists them (the kind decides the static
/// ones the kernel sets: BROADCAST/MULTICAST for Ethernet-like devices, NOARP
/// for dummy/vrf/xfrm, MASTER for VRF, LOOPBACK for lo).
pub fn link_flags(l: &LinkEntry) -> Vec<&'static str> {
    let mut f = Vec::new();
    if l.up && !l.carrier {
        f.push("NO-CARRIER");
    }
    let kind = l.kind.as_str();
    if l.loopback || kind == "loopback" {
        f.push("LOOPBACK");
    }
    let (broadcast, multicast, noarp, master) = match kind {
        "loopback" => (false, false, false, false),
        "dummy" => (true, false, true, false),
        "vrf" => (false, false, true, true),
        "xfrm" => (false, false, true, false),
        _ => (true, true, false, false),
    };
    if broadcast && !l.loopback {
        f.push("BROADCAST");
    }
    if multicast && !l.loopback {
        f.push("MULTICAST");
    }
    if noarp {
        f.push("NOARP");
    }
    if master {
        f.push("MASTER");
    }
    if l.up {
        f.push("UP");
        if l.carrier {
            f.push("LOWER_UP");
        }
    }
    f
}

/// RFC 2863 operstate as the kernel reports it for each kind.
pub fn operstate(l: &LinkEntry) -> &'static str {
    if !l.up || !l.carrier {
        return "DOWN";
    }
    match l.kind.as_str() {
        "loopback" | "dummy" | "vxlan" | "xfrm" | "tap" => "UNKNOWN",
        _ if l.loopback => "UNKNOWN",
        _ => "UP",
    }
}

fn link_type(l: &LinkEntry) -> &'static str {
    if l.loopback || l.kind == "loopback" {
        "loopback"
    } else if l.kind == "xfrm" || l.mac.is_none() {
        "none"
    } else {
        "ether"
    }
}

fn broadcast(l: &LinkEntry) -> Option<Mac> {
    match link_type(l) {
        "ether" => Some(Mac([0xff; 6])),
        "loopback" => Some(Mac([0; 6])),
        _ => None,
    }
}

/// First line + link line, without the final newline. `with_mode`: `ip link`
/// prints `mode DEFAULT`, `ip addr` does not.
fn link_head(out: &mut String, l: &LinkEntry, opts: &Options, with_mode: bool) {
    let _ = write!(
        out,
        "{}: {}: <{}> mtu {} qdisc {} ",
        l.ifindex,
        l.name,
        link_flags(l).join(","),
        l.mtu,
        l.qdisc
    );
    if let Some(m) = &l.master {
        let _ = write!(out, "master {m} ");
    }
    let _ = write!(out, "state {} ", operstate(l));
    if with_mode {
        out.push_str("mode DEFAULT ");
    }
    out.push_str("group default ");
    if l.txqlen != 0 {
        let _ = write!(out, "qlen {}", l.txqlen);
    }
    let _ = write!(out, "\n    link/{} ", link_type(l));
    if let Some(mac) = &l.mac
        && link_type(l) != "none"
    {
        let _ = write!(out, "{mac}");
        if let Some(b) = broadcast(l) {
            let _ = write!(out, " brd {b}");
        }
    }
    if opts.details {
        out.push_str(" promiscuity 0 ");
        if let Some(k) = &l.kind_info {
            let _ = write!(out, "\n    {}", kind_details(k));
        }
    }
    if opts.stats > 0 {
        out.push_str(&stats_text(&l.stats.unwrap_or_default()));
    }
}

/// `-d` kind line (`print_linktype` + the kind's print_opt), e.g. `vrf table 100 `.
fn kind_details(k: &LinkKind) -> String {
    let mut s = format!("{} ", k.name());
    match k {
        LinkKind::Vrf { table } => {
            let _ = write!(s, "table {table} ");
        }
        LinkKind::Vxlan(v) => {
            if v.external {
                s.push_str("external ");
            }
            if let Some(id) = v.vni {
                let _ = write!(s, "id {id} ");
            }
            if let Some(r) = v.remote {
                let _ = write!(s, "remote {r} ");
            }
            if let Some(g) = v.group {
                let _ = write!(s, "group {g} ");
            }
            if let Some(l) = v.local {
                let _ = write!(s, "local {l} ");
            }
            if let Some(d) = &v.dev {
                let _ = write!(s, "dev {d} ");
            }
            if let Some((a, b)) = v.srcport {
                let _ = write!(s, "srcport {a} {b} ");
            }
            let _ = write!(s, "dstport {} ", v.dstport.unwrap_or(8472));
            if v.learning == Some(false) {
                s.push_str("nolearning ");
            }
            if let Some(t) = v.ttl {
                let _ = write!(s, "ttl {t} ");
            }
            if v.gbp {
                s.push_str("gbp ");
            }
        }
        LinkKind::Xfrm(x) => {
            if x.external {
                s.push_str("external ");
            }
            if let Some(i) = x.if_id {
                let _ = write!(s, "if_id {i:#x} ");
            }
        }
        LinkKind::Port { dev, .. } => {
            if let Some(d) = dev {
                let _ = write!(s, "dev {d} ");
            }
        }
        LinkKind::Tap | LinkKind::Dummy => {}
    }
    s
}

/// `print_link_stats64` (text): two header/value pairs with iproute2's
/// column sizing (minimum widths from its longest labels, widened to fit).
fn stats_text(s: &LinkStats) -> String {
    let mut cols = [10usize, 7, 6, 7, 7, 7, 10];
    let rx = [
        s.rx_bytes,
        s.rx_packets,
        s.rx_errors,
        s.rx_dropped,
        s.rx_missed,
        s.rx_mcast,
    ];
    let tx = [
        s.tx_bytes,
        s.tx_packets,
        s.tx_errors,
        s.tx_dropped,
        s.tx_carrier,
        s.tx_collisions,
    ];
    for v in rx.iter().chain(tx.iter()).enumerate() {
        let i = v.0 % 6;
        cols[i] = cols[i].max(v.1.to_string().len());
    }
    let mut out = String::new();
    for (label, names, vals) in [
        (
            "RX",
            ["bytes", "packets", "errors", "dropped", "missed", "mcast"],
            rx,
        ),
        (
            "TX",
            [
                "bytes", "packets", "errors", "dropped", "carrier", "collsns",
            ],
            tx,
        ),
    ] {
        let _ = write!(
            out,
            "\n    {label}: {:>w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {:>w5$} {:>w6$}\n    ",
            names[0],
            names[1],
            names[2],
            names[3],
            names[4],
            names[5],
            "",
            w0 = cols[0] - 4,
            w1 = cols[1],
            w2 = cols[2],
            w3 = cols[3],
            w4 = cols[4],
            w5 = cols[5],
            w6 = cols[6],
        );
        for (i, v) in vals.iter().enumerate() {
            let _ = write!(out, "{:>w$} ", v, w = cols[i]);
        }
    }
    out
}

fn stats_json(s: &LinkStats) -> Json {
    let mut rx = Json::obj();
    rx.set("bytes", s.rx_bytes)
        .set("packets", s.rx_packets)
        .set("errors", s.rx_errors)
        .set("dropped", s.rx_dropped)
        .set("over_errors", s.rx_missed)
        .set("multicast", s.rx_mcast);
    let mut tx = Json::obj();
    tx.set("bytes", s.tx_bytes)
        .set("packets", s.tx_packets)
        .set("errors", s.tx_errors)
        .set("dropped", s.tx_dropped)
        .set("carrier_errors", s.tx_carrier)
        .set("collisions", s.tx_collisions);
    let mut o = Json::obj();
    o.set("rx", rx).set("tx", tx);
    o
}

/// One link in `ip link show` form (two lines, newline-terminated).
pub fn render_link(l: &LinkEntry, opts: &Options) -> String {
    let mut out = String::new();
    link_head(&mut out, l, opts, true);
    out.push('\n');
    out
}

fn link_json_inner(l: &LinkEntry, opts: &Options, with_mode: bool) -> Json {
    let mut o = Json::obj();
    o.set("ifindex", l.ifindex).set("ifname", l.name.as_str());
    o.set(
        "flags",
        link_flags(l)
            .into_iter()
            .map(Json::from)
            .collect::<Vec<_>>(),
    );
    o.set("mtu", l.mtu).set("qdisc", l.qdisc.as_str());
    if let Some(m) = &l.master {
        o.set("master", m.as_str());
    }
    o.set("operstate", operstate(l));
    if with_mode {
        o.set("linkmode", "DEFAULT");
    }
    o.set("group", "default");
    if l.txqlen != 0 {
        o.set("txqlen", l.txqlen);
    }
    o.set("link_type", link_type(l));
    if let Some(mac) = &l.mac
        && link_type(l) != "none"
    {
        o.set("address", mac.to_string());
        if let Some(b) = broadcast(l) {
            o.set("broadcast", b.to_string());
        }
    }
    if opts.details
        && let Some(k) = &l.kind_info
    {
        let mut li = Json::obj();
        li.set("info_kind", k.name());
        let mut data = Json::obj();
        match k {
            LinkKind::Vrf { table } => {
                data.set("table", *table);
            }
            LinkKind::Vxlan(v) => {
                if v.external {
                    data.set("external", true);
                }
                if let Some(id) = v.vni {
                    data.set("id", id);
                }
                if let Some(r) = v.remote {
                    data.set("remote", r.to_string());
                }
                if let Some(l) = v.local {
                    data.set("local", l.to_string());
                }
                data.set("port", v.dstport.unwrap_or(8472));
            }
            LinkKind::Xfrm(x) => {
                if x.external {
                    data.set("external", true);
                }
                if let Some(i) = x.if_id {
                    data.set("if_id", i);
                }
            }
            _ => {}
        }
        li.set("info_data", data);
        o.set("linkinfo", li);
    }
    if opts.stats > 0 {
        o.set("stats64", stats_json(&l.stats.unwrap_or_default()));
    }
    o
}

/// One link as an `ip -j link show` object.
pub fn link_json(l: &LinkEntry, opts: &Options) -> Json {
    link_json_inner(l, opts, true)
}

pub fn render_links(links: &[LinkEntry], opts: &Options) -> String {
    render_list(
        links,
        opts,
        |l| render_link(l, opts),
        |l| link_json(l, opts),
    )
}

fn addr_text(out: &mut String, a: &AddrEntry) {
    let fam = a.prefix.family().verbose_name();
    let _ = write!(out, "    {fam} {}", a.prefix.addr);
    if let Some(p) = &a.peer {
        let _ = write!(out, " peer {}", p.addr);
    }
    let _ = write!(out, "/{} ", a.prefix.len);
    if let Some(b) = a.broadcast {
        let _ = write!(out, "brd {b} ");
    }
    let _ = write!(out, "scope {} ", scope_n2a(a.scope));
    for name in ifa_flags(a) {
        let _ = write!(out, "{name} ");
    }
    if let Some(l) = label(a) {
        out.push_str(&l);
    }
    out.push_str("\n       valid_lft forever preferred_lft forever\n");
}

/// `print_ifa_flags` order for the flags lwt tracks.
fn ifa_flags(a: &AddrEntry) -> Vec<&'static str> {
    let mut v = Vec::new();
    if a.prefix.is_v6() && a.nodad {
        v.push("nodad");
    }
    if a.prefix.is_v6() && a.tentative {
        v.push("tentative");
    }
    if !a.permanent {
        v.push("dynamic");
    }
    if a.noprefixroute {
        v.push("noprefixroute");
    }
    v
}

/// IPv4 addresses carry a label (the device name by default); IPv6 ones none.
fn label(a: &AddrEntry) -> Option<String> {
    if a.prefix.is_v6() {
        None
    } else {
        Some(a.label.clone().unwrap_or_else(|| a.dev.clone()))
    }
}

pub fn addr_json(a: &AddrEntry) -> Json {
    let mut o = Json::obj();
    o.set("family", a.prefix.family().verbose_name());
    o.set("local", a.prefix.addr.to_string());
    if let Some(p) = &a.peer {
        o.set("address", p.addr.to_string());
    }
    o.set("prefixlen", a.prefix.len);
    if let Some(b) = a.broadcast {
        o.set("broadcast", b.to_string());
    }
    o.set("scope", scope_n2a(a.scope));
    for f in ifa_flags(a) {
        o.set(f, true);
    }
    if let Some(l) = label(a) {
        o.set("label", l);
    }
    o.set("valid_life_time", u32::MAX)
        .set("preferred_life_time", u32::MAX);
    o
}

/// One link with its addresses in `ip addr show` form.
pub fn render_link_addrs(la: &LinkAddrs, opts: &Options) -> String {
    let mut out = String::new();
    link_head(&mut out, &la.link, opts, false);
    out.push('\n');
    for a in shown_addrs(la, opts) {
        addr_text(&mut out, a);
    }
    out
}

/// The link's addresses of the family selected with -4/-6.
fn shown_addrs<'a>(la: &'a LinkAddrs, opts: &Options) -> impl Iterator<Item = &'a AddrEntry> {
    let fam = opts.family;
    la.addrs
        .iter()
        .filter(move |a| fam == Family::Any || fam == a.prefix.family())
}

/// A whole `addr show` answer (text, or JSON array with `addr_info` lists).
pub fn render_addrs(list: &[LinkAddrs], opts: &Options) -> String {
    render_list(
        list,
        opts,
        |la| render_link_addrs(la, opts),
        |la| {
            let mut o = link_json_inner(&la.link, opts, false);
            let infos = shown_addrs(la, opts).map(addr_json).collect::<Vec<_>>();
            o.set("addr_info", infos);
            o
        },
    )
}
