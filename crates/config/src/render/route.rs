//! `ip route show` rendering (ip/iproute.c `print_route`,
//! `print_rta_multipath`, `print_rt_flags`), text and JSON, plus the inverse
//! of the parser (`route_cmdline`).

use std::fmt::Write;
use std::net::IpAddr;

use super::encap::{encap_cmdline, encap_json, encap_text};
use super::json::Json;
use super::render_list;
use crate::ast::*;
use crate::names::{dsfield_n2a, proto_n2a, scope_n2a, table_n2a};

/// Which columns a `show` selector hides (iproute2 omits a field that the
/// filter fixed: `table` when a table was selected — which is always, since
/// the default selector is `table main` — `proto`, `scope`, `dev`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteColumns {
    pub hide_table: bool,
    pub hide_proto: bool,
    pub hide_scope: bool,
    pub hide_dev: bool,
    pub hide_metric: bool,
}

impl Default for RouteColumns {
    /// The default `ip route show` (selector `table main`).
    fn default() -> Self {
        RouteColumns {
            hide_table: true,
            hide_proto: false,
            hide_scope: false,
            hide_dev: false,
            hide_metric: false,
        }
    }
}

impl RouteColumns {
    pub fn for_filter(f: &RouteFilter) -> Self {
        RouteColumns {
            hide_table: !matches!(f.table, Some(TableSel::All)),
            hide_proto: f.proto.is_some(),
            hide_scope: f.scope.is_some(),
            hide_dev: f.dev.is_some(),
            hide_metric: f.metric.is_some(),
        }
    }
}

/// `dst` as print_route writes it: `default`, a bare host address, or ADDR/LEN.
pub fn dst_text(p: &IpPrefix) -> String {
    if p.len == 0 {
        "default".to_string()
    } else {
        prefix_text(p)
    }
}

/// A bare address for a host prefix, else ADDR/LEN.
pub(crate) fn prefix_text(p: &IpPrefix) -> String {
    if p.is_host() {
        p.addr.to_string()
    } else {
        p.to_string()
    }
}

const FLAG_NAMES: [(u32, &str); 8] = [
    (RTNH_F_DEAD, "dead"),
    (RTNH_F_ONLINK, "onlink"),
    (RTNH_F_PERVASIVE, "pervasive"),
    (RTNH_F_OFFLOAD, "offload"),
    (RTNH_F_TRAP, "trap"),
    (RTM_F_NOTIFY, "notify"),
    (RTNH_F_LINKDOWN, "linkdown"),
    (RTNH_F_UNRESOLVED, "unresolved"),
];

fn flags_text(out: &mut String, flags: u32) {
    for (bit, name) in FLAG_NAMES {
        if flags & bit != 0 {
            let _ = write!(out, "{name} ");
        }
    }
}

fn flags_json(flags: u32) -> Json {
    Json::Arr(
        FLAG_NAMES
            .iter()
            .filter(|(b, _)| flags & b != 0)
            .map(|(_, n)| Json::from(*n))
            .collect(),
    )
}

fn pref_name(p: u8) -> Option<&'static str> {
    match p {
        ICMPV6_ROUTER_PREF_LOW => Some("low"),
        ICMPV6_ROUTER_PREF_MEDIUM => Some("medium"),
        ICMPV6_ROUTER_PREF_HIGH => Some("high"),
        _ => None,
    }
}

/// `via X ` for a same-family gateway, `via inet6 X ` otherwise (RTA_VIA).
fn via_text(out: &mut String, family: Family, via: &IpAddr) {
    if Family::of(via) == family {
        let _ = write!(out, "via {via} ");
    } else {
        let _ = write!(out, "via {} {via} ", Family::of(via).verbose_name());
    }
}

fn via_json(o: &mut Json, family: Family, via: &IpAddr) {
    if Family::of(via) == family {
        o.set("gateway", via.to_string());
    } else {
        let mut v = Json::obj();
        v.set("family", Family::of(via).verbose_name())
            .set("host", via.to_string());
        o.set("via", v);
    }
}

fn single_nh(e: &RouteEntry) -> Option<&NextHopEntry> {
    if e.multipath || e.nexthops.len() != 1 {
        None
    } else {
        e.nexthops.first()
    }
}

fn is_multipath(e: &RouteEntry) -> bool {
    e.multipath || e.nexthops.len() > 1
}

/// One route in `ip route show` text form, ending with "\n", using the
/// default columns of `ip route show` (table hidden).
pub fn render_route(e: &RouteEntry, opts: &Options) -> String {
    render_route_cols(e, opts, &RouteColumns::default())
}

/// One route in text form with explicit column hiding (see [`RouteColumns`]).
pub fn render_route_cols(e: &RouteEntry, opts: &Options, cols: &RouteColumns) -> String {
    let mut out = String::new();
    if e.rtype != RouteType::Unicast || opts.details {
        let _ = write!(out, "{} ", e.rtype.name());
    }
    let _ = write!(out, "{} ", dst_text(&e.dst));
    if let Some(f) = &e.from {
        let _ = write!(out, "from {} ", prefix_text(f));
    }
    let nh = single_nh(e);
    if let Some(enc) = nh.and_then(|n| n.encap.as_ref()) {
        out.push_str(&encap_text(enc, nh.and_then(|n| n.counters.as_ref()), opts));
    }
    if e.tos != 0 {
        let _ = write!(out, "tos {} ", dsfield_n2a(e.tos));
    }
    if let Some(n) = nh {
        if let Some(v) = &n.via {
            via_text(&mut out, e.family, v);
        }
        if let Some(d) = &n.dev
            && !cols.hide_dev
        {
            let _ = write!(out, "dev {d} ");
        }
    }
    if e.table != 0 && (e.table != RT_TABLE_MAIN || opts.details) && !cols.hide_table {
        let _ = write!(out, "table {} ", table_n2a(e.table));
    }
    if (e.protocol != RTPROT_BOOT || opts.details) && !cols.hide_proto {
        let _ = write!(out, "proto {} ", proto_n2a(e.protocol));
    }
    if (e.scope != RT_SCOPE_UNIVERSE || opts.details) && !cols.hide_scope {
        let _ = write!(out, "scope {} ", scope_n2a(e.scope));
    }
    if let Some(s) = &e.prefsrc {
        let _ = write!(out, "src {s} ");
    }
    if let Some(m) = e.metric
        && !cols.hide_metric
    {
        let _ = write!(out, "metric {m} ");
    }
    flags_text(&mut out, e.flags | nh.map(|n| n.flags).unwrap_or(0));
    if let Some(x) = e.expires {
        let _ = write!(out, "expires {x}sec ");
    }
    if let Some(m) = e.mtu {
        let _ = write!(out, "mtu {}{m} ", if e.mtu_lock { "lock " } else { "" });
    }
    if let Some(m) = e.advmss {
        let _ = write!(out, "advmss {m} ");
    }
    if let Some(h) = e.hoplimit {
        let _ = write!(out, "hoplimit {h} ");
    }
    if let Some(p) = e.pref {
        match pref_name(p) {
            Some(n) => {
                let _ = write!(out, "pref {n}");
            }
            None => {
                let _ = write!(out, "{p}");
            }
        }
    }
    if is_multipath(e) {
        for n in &e.nexthops {
            out.push_str("\n\tnexthop ");
            if let Some(enc) = &n.encap {
                out.push_str(&encap_text(enc, n.counters.as_ref(), opts));
            }
            if let Some(v) = &n.via {
                via_text(&mut out, e.family, v);
            }
            let _ = write!(out, "dev {} ", n.dev.as_deref().unwrap_or("*"));
            let _ = write!(out, "weight {} ", n.weight);
            flags_text(&mut out, n.flags);
        }
    }
    out.push('\n');
    out
}

/// One route as an `ip -j route show` object.
pub fn route_json(e: &RouteEntry, opts: &Options) -> Json {
    route_json_cols(e, opts, &RouteColumns::default())
}

pub fn route_json_cols(e: &RouteEntry, opts: &Options, cols: &RouteColumns) -> Json {
    let mut o = Json::obj();
    if e.rtype != RouteType::Unicast || opts.details {
        o.set("type", e.rtype.name());
    }
    o.set("dst", dst_text(&e.dst));
    if let Some(f) = &e.from {
        o.set("from", prefix_text(f));
    }
    let nh = single_nh(e);
    if let Some(enc) = nh.and_then(|n| n.encap.as_ref()) {
        o.set(
            "encap",
            encap_json(enc, nh.and_then(|n| n.counters.as_ref()), opts),
        );
    }
    if e.tos != 0 {
        o.set("tos", dsfield_n2a(e.tos));
    }
    if let Some(n) = nh {
        if let Some(v) = &n.via {
            via_json(&mut o, e.family, v);
        }
        if let Some(d) = &n.dev
            && !cols.hide_dev
        {
            o.set("dev", d.as_str());
        }
    }
    if e.table != 0 && (e.table != RT_TABLE_MAIN || opts.details) && !cols.hide_table {
        o.set("table", table_n2a(e.table));
    }
    if (e.protocol != RTPROT_BOOT || opts.details) && !cols.hide_proto {
        o.set("protocol", proto_n2a(e.protocol));
    }
    if (e.scope != RT_SCOPE_UNIVERSE || opts.details) && !cols.hide_scope {
        o.set("scope", scope_n2a(e.scope));
    }
    if let Some(s) = &e.prefsrc {
        o.set("prefsrc", s.to_string());
    }
    if let Some(m) = e.metric
        && !cols.hide_metric
    {
        o.set("metric", m);
    }
    o.set(
        "flags",
        flags_json(e.flags | nh.map(|n| n.flags).unwrap_or(0)),
    );
    if let Some(x) = e.expires {
        o.set("expires", x as i32);
    }
    if e.mtu.is_some() || e.advmss.is_some() || e.hoplimit.is_some() {
        let mut m = Json::obj();
        if let Some(v) = e.mtu {
            m.set("mtu", v);
        }
        if let Some(v) = e.advmss {
            m.set("advmss", v);
        }
        if let Some(v) = e.hoplimit {
            m.set("hoplimit", v);
        }
        o.set("metrics", vec![m]);
    }
    if let Some(p) = e.pref {
        match pref_name(p) {
            Some(n) => o.set("pref", n),
            None => o.set("pref", p),
        };
    }
    if is_multipath(e) {
        let list = e
            .nexthops
            .iter()
            .map(|n| {
                let mut j = Json::obj();
                if let Some(enc) = &n.encap {
                    j.set("encap", encap_json(enc, n.counters.as_ref(), opts));
                }
                if let Some(v) = &n.via {
                    via_json(&mut j, e.family, v);
                }
                j.set("dev", n.dev.as_deref().unwrap_or("*"));
                j.set("weight", n.weight);
                j.set("flags", flags_json(n.flags));
                j
            })
            .collect::<Vec<_>>();
        o.set("nexthops", list);
    }
    o
}

/// A whole `route show` answer: text lines, or one JSON array with `-j`.
pub fn render_routes(entries: &[RouteEntry], opts: &Options, filter: &RouteFilter) -> String {
    let cols = RouteColumns::for_filter(filter);
    render_list(
        entries,
        opts,
        |e| render_route_cols(e, opts, &cols),
        |e| route_json_cols(e, opts, &cols),
    )
}

/// What the kernel would dump for a freshly added `spec` (iproute2's
/// defaults for table/protocol/scope, IPv6 metric 1024 and `pref medium`).
/// Devices are kept by name; `vrf NAME` cannot be resolved here, so the table
/// stays main unless `table` was given. Useful for tests and for the core as a
/// starting point.
pub fn entry_from_spec(spec: &RouteSpec) -> RouteEntry {
    let v6 = spec.family == Family::V6;
    let table = spec.table.unwrap_or(if spec.rtype == RouteType::Local {
        RT_TABLE_LOCAL
    } else {
        RT_TABLE_MAIN
    });
    let has_gw = spec.nexthops.iter().any(|n| n.via.is_some()) || spec.multipath;
    let scope = spec.scope.unwrap_or(if v6 {
        RT_SCOPE_UNIVERSE
    } else if spec.rtype == RouteType::Local {
        RT_SCOPE_HOST
    } else if spec.rtype == RouteType::Unicast && !has_gw {
        RT_SCOPE_LINK
    } else {
        RT_SCOPE_UNIVERSE
    });
    RouteEntry {
        family: spec.family,
        rtype: spec.rtype,
        dst: spec.dst.network(),
        from: spec.from.map(|f| f.network()),
        tos: spec.tos.unwrap_or(0),
        table,
        protocol: spec.proto.unwrap_or(RTPROT_BOOT),
        scope,
        metric: spec.metric.or(if v6 { Some(1024) } else { None }),
        prefsrc: spec.src,
        flags: 0,
        nexthops: spec
            .nexthops
            .iter()
            .map(|n| NextHopEntry {
                via: n.via,
                dev: n.dev.clone(),
                weight: n.weight,
                flags: if n.onlink { RTNH_F_ONLINK } else { 0 },
                encap: n.encap.clone(),
                counters: None,
            })
            .collect(),
        multipath: spec.multipath && spec.nexthops.len() > 1,
        pref: spec.pref.or(if v6 {
            Some(ICMPV6_ROUTER_PREF_MEDIUM)
        } else {
            None
        }),
        mtu: spec.mtu,
        mtu_lock: spec.mtu_lock,
        advmss: spec.advmss,
        hoplimit: spec.hoplimit,
        expires: spec.expires,
    }
}

/// The `route add` arguments that re-create `spec` (inverse of the parser):
/// `[TYPE] PREFIX [from P] [tos T] [table T] [vrf V] [proto P] [scope S]
/// [metric M] [src A] [mtu [lock] N] [advmss N] [hoplimit N] [pref P]
/// [expires N] NH | nexthop NH ...`.
pub fn route_cmdline(spec: &RouteSpec) -> String {
    let mut out = String::new();
    if spec.rtype_given || spec.rtype != RouteType::Unicast {
        let _ = write!(out, "{} ", spec.rtype.name());
    }
    if spec.dst.len == 0 {
        out.push_str("default");
    } else {
        let _ = write!(out, "{}", spec.dst);
    }
    if let Some(f) = &spec.from {
        let _ = write!(out, " from {f}");
    }
    if let Some(t) = spec.tos {
        let _ = write!(out, " tos 0x{t:02x}");
    }
    if let Some(t) = spec.table {
        let _ = write!(out, " table {t}");
    }
    if let Some(v) = &spec.vrf {
        let _ = write!(out, " vrf {v}");
    }
    if let Some(p) = spec.proto {
        let _ = write!(out, " proto {p}");
    }
    if let Some(s) = spec.scope {
        let _ = write!(out, " scope {s}");
    }
    if let Some(m) = spec.metric {
        let _ = write!(out, " metric {m}");
    }
    if let Some(s) = &spec.src {
        let _ = write!(out, " src {s}");
    }
    if let Some(m) = spec.mtu {
        let _ = write!(out, " mtu {}{m}", if spec.mtu_lock { "lock " } else { "" });
    }
    if let Some(m) = spec.advmss {
        let _ = write!(out, " advmss {m}");
    }
    if let Some(h) = spec.hoplimit {
        let _ = write!(out, " hoplimit {h}");
    }
    if let Some(p) = spec.pref {
        let _ = write!(out, " pref {p}");
    }
    if let Some(x) = spec.expires {
        let _ = write!(out, " expires {x}");
    }
    let nh_text = |n: &NextHop, multipath: bool| {
        let mut s = String::new();
        if let Some(e) = &n.encap {
            let _ = write!(s, " {}", encap_cmdline(e));
        }
        if let Some(v) = &n.via {
            if Family::of(v) == spec.family {
                let _ = write!(s, " via {v}");
            } else {
                let _ = write!(s, " via {} {v}", Family::of(v).verbose_name());
            }
        }
        if let Some(d) = &n.dev {
            let _ = write!(s, " dev {d}");
        }
        if multipath && n.weight != 1 {
            let _ = write!(s, " weight {}", n.weight);
        }
        if n.onlink {
            s.push_str(" onlink");
        }
        s
    };
    if spec.multipath {
        for n in &spec.nexthops {
            out.push_str(" nexthop");
            out.push_str(&nh_text(n, true));
        }
    } else if let Some(n) = spec.nexthops.first() {
        out.push_str(&nh_text(n, false));
    }
    out
}
