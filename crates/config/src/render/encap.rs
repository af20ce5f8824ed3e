//! Encap rendering as `lwt_print_encap` and the `print_encap_*` functions of
//! ip/iproute_lwtunnel.c print it (text: leading " encap TYPE ", each field
//! followed by a space; JSON: an "encap" object with "encap_type" first).

use std::fmt::Write;

use super::json::Json;
use crate::ast::*;
use crate::names::table_n2a;

/// `print_srh`: `segs N [ S1 ... Sn ] ` (plus the `::` slot that iproute2
/// reserves for the original DA when `reserve_da_slot`), then `hmac KEYID `.
fn srh_text(
    out: &mut String,
    segs: &[std::net::Ipv6Addr],
    reserve_da_slot: bool,
    hmac: Option<u32>,
) {
    let n = segs.len() + usize::from(reserve_da_slot);
    let _ = write!(out, "segs {n} [ ");
    for s in segs {
        let _ = write!(out, "{s} ");
    }
    if reserve_da_slot {
        out.push_str(":: ");
    }
    out.push_str("] ");
    if let Some(h) = hmac {
        // print_0xhex with "hmac %llX " in text mode: upper-case hex, no 0x.
        let _ = write!(out, "hmac {h:X} ");
    }
}

fn srh_json(o: &mut Json, segs: &[std::net::Ipv6Addr], reserve_da_slot: bool, hmac: Option<u32>) {
    let mut list: Vec<Json> = segs.iter().map(|s| Json::from(s.to_string())).collect();
    if reserve_da_slot {
        list.push(Json::from("::"));
    }
    o.set("segs", list);
    if let Some(h) = hmac {
        o.set("hmac", format!("{h:#x}"));
    }
}

fn flavor_names(ops: u32) -> Vec<&'static str> {
    SEG6_FLAVOR_NAMES
        .iter()
        .filter(|(b, _)| ops & (1 << b) != 0)
        .map(|(_, n)| *n)
        .collect()
}

fn ip_flags_text(out: &mut String, f: &TunFlags) {
    if f.key {
        out.push_str("key ");
    }
    if f.csum {
        out.push_str("csum ");
    }
    if f.seq {
        out.push_str("seq ");
    }
}

fn ip_flags_json(o: &mut Json, f: &TunFlags) {
    if f.key {
        o.set("key", true);
    }
    if f.csum {
        o.set("csum", true);
    }
    if f.seq {
        o.set("seq", true);
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn opts_text(out: &mut String, opts: &TunOpts) {
    match opts {
        TunOpts::Geneve(list) => {
            out.push_str("\n\tgeneve_opts ");
            for (i, g) in list.iter().enumerate() {
                let sep = if i + 1 < list.len() { "," } else { " " };
                let _ = write!(out, "{}:{}:{}{sep}", g.class, g.opt_type, hex(&g.data));
            }
        }
        TunOpts::Vxlan { gbp } => {
            let _ = write!(out, "\n\tvxlan_opts {gbp} ");
        }
        TunOpts::Erspan {
            ver,
            index,
            dir,
            hwid,
        } => {
            let _ = write!(out, "\n\terspan_opts {ver}:{index}:{dir}:{hwid} ");
        }
    }
}

fn opts_json(o: &mut Json, opts: &TunOpts) {
    match opts {
        TunOpts::Geneve(list) => {
            let arr = list
                .iter()
                .map(|g| {
                    let mut e = Json::obj();
                    e.set("class", g.class)
                        .set("type", g.opt_type)
                        .set("data", hex(&g.data));
                    e
                })
                .collect::<Vec<_>>();
            o.set("geneve_opts", arr);
        }
        TunOpts::Vxlan { gbp } => {
            let mut e = Json::obj();
            e.set("gbp", *gbp);
            o.set("vxlan_opts", vec![e]);
        }
        TunOpts::Erspan {
            ver,
            index,
            dir,
            hwid,
        } => {
            let mut e = Json::obj();
            e.set("ver", *ver)
                .set("index", *index)
                .set("dir", *dir)
                .set("hwid", *hwid);
            o.set("erspan_opts", vec![e]);
        }
    }
}

/// Text form, starting with " encap TYPE " exactly as iproute2 (note the
/// leading space, which gives two spaces after the destination).
/// `counters` are printed only with `-s` (`show_stats`), as iproute2 does.
pub fn encap_text(e: &Encap, counters: Option<&Seg6LocalCounters>, opts: &Options) -> String {
    let mut out = format!(" encap {} ", e.type_name());
    match e {
        Encap::Seg6(s) => {
            let _ = write!(out, "mode {} ", s.mode.name());
            srh_text(&mut out, &s.segs, s.mode == Seg6Mode::Inline, s.hmac);
            if let Some(t) = s.tunsrc {
                let _ = write!(out, "tunsrc {t} ");
            }
        }
        Encap::Seg6Local(l) => {
            let _ = write!(out, "action {} ", l.action);
            if let Some(srh) = &l.srh {
                srh_text(&mut out, &srh.segs, l.action != "End.B6.Encaps", srh.hmac);
            }
            if let Some(t) = l.table {
                let _ = write!(out, "table {} ", table_n2a(t));
            }
            if let Some(t) = l.vrftable {
                let _ = write!(out, "vrftable {} ", table_n2a(t));
            }
            if let Some(a) = l.nh4 {
                let _ = write!(out, "nh4 {a} ");
            }
            if let Some(a) = l.nh6 {
                let _ = write!(out, "nh6 {a} ");
            }
            if let Some(d) = &l.iif {
                let _ = write!(out, "iif {d} ");
            }
            if let Some(d) = &l.oif {
                let _ = write!(out, "oif {d} ");
            }
            if let Some(b) = &l.bpf {
                let _ = write!(out, "endpoint {}:[{}] ", b.obj, b.section);
            }
            if l.count && opts.stats > 0 {
                let c = counters.copied().unwrap_or_default();
                let _ = write!(
                    out,
                    "packets {} bytes {} errors {} ",
                    c.packets, c.bytes, c.errors
                );
            }
            if let Some(f) = &l.flavors {
                let _ = write!(out, "flavors {} ", flavor_names(f.ops).join(","));
                if let Some(b) = f.lblen {
                    let _ = write!(out, "lblen {b} ");
                }
                if let Some(n) = f.nflen {
                    let _ = write!(out, "nflen {n} ");
                }
            }
        }
        Encap::Mpls(m) => {
            let labels: Vec<String> = m.labels.iter().map(|l| l.to_string()).collect();
            let _ = write!(out, " {} ", labels.join("/"));
            if let Some(t) = m.ttl {
                let _ = write!(out, "ttl {t} ");
            }
        }
        Encap::Ip(i) => {
            // The kernel always dumps id, src, dst, ttl, tos.
            let _ = write!(
                out,
                "id {} src {} dst {} ttl {} tos {} ",
                i.id.unwrap_or(0),
                i.src.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
                i.dst.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
                i.ttl.unwrap_or(0),
                i.tos.unwrap_or(0)
            );
            ip_flags_text(&mut out, &i.flags);
            if let Some(o) = &i.opts {
                opts_text(&mut out, o);
            }
        }
        Encap::Ip6(i) => {
            let _ = write!(
                out,
                "id {} src {} dst {} hoplimit {} tc {} ",
                i.id.unwrap_or(0),
                i.src.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
                i.dst.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED),
                i.hoplimit.unwrap_or(0),
                i.tc.unwrap_or(0)
            );
            ip_flags_text(&mut out, &i.flags);
            if let Some(o) = &i.opts {
                opts_text(&mut out, o);
            }
        }
        Encap::Xfrm(x) => {
            let _ = write!(out, "if_id {} ", x.if_id);
            if let Some(d) = &x.link_dev {
                let _ = write!(out, "link_dev {d} ");
            }
        }
    }
    out
}

/// JSON "encap" object.
pub fn encap_json(e: &Encap, counters: Option<&Seg6LocalCounters>, opts: &Options) -> Json {
    let mut o = Json::obj();
    o.set("encap_type", e.type_name());
    match e {
        Encap::Seg6(s) => {
            o.set("mode", s.mode.name());
            srh_json(&mut o, &s.segs, s.mode == Seg6Mode::Inline, s.hmac);
            if let Some(t) = s.tunsrc {
                o.set("tunsrc", t.to_string());
            }
        }
        Encap::Seg6Local(l) => {
            o.set("action", l.action.as_str());
            if let Some(srh) = &l.srh {
                let mut s = Json::obj();
                srh_json(&mut s, &srh.segs, l.action != "End.B6.Encaps", srh.hmac);
                o.set("srh", s);
            }
            if let Some(t) = l.table {
                o.set("table", table_n2a(t));
            }
            if let Some(t) = l.vrftable {
                o.set("vrftable", table_n2a(t));
            }
            if let Some(a) = l.nh4 {
                o.set("nh4", a.to_string());
            }
            if let Some(a) = l.nh6 {
                o.set("nh6", a.to_string());
            }
            if let Some(d) = &l.iif {
                o.set("iif", d.as_str());
            }
            if let Some(d) = &l.oif {
                o.set("oif", d.as_str());
            }
            if let Some(b) = &l.bpf {
                o.set("endpoint", format!("{}:[{}]", b.obj, b.section));
            }
            if l.count && opts.stats > 0 {
                let c = counters.copied().unwrap_or_default();
                let mut s = Json::obj();
                s.set("packets", c.packets)
                    .set("bytes", c.bytes)
                    .set("errors", c.errors);
                o.set("stats64", s);
            }
            if let Some(f) = &l.flavors {
                o.set(
                    "flavors",
                    flavor_names(f.ops)
                        .into_iter()
                        .map(Json::from)
                        .collect::<Vec<_>>(),
                );
                if let Some(b) = f.lblen {
                    o.set("lblen", b);
                }
                if let Some(n) = f.nflen {
                    o.set("nflen", n);
                }
            }
        }
        Encap::Mpls(m) => {
            let labels: Vec<String> = m.labels.iter().map(|l| l.to_string()).collect();
            o.set("dst", labels.join("/"));
            if let Some(t) = m.ttl {
                o.set("ttl", t);
            }
        }
        Encap::Ip(i) => {
            o.set("id", i.id.unwrap_or(0));
            o.set(
                "src",
                i.src.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED).to_string(),
            );
            o.set(
                "dst",
                i.dst.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED).to_string(),
            );
            o.set("ttl", i.ttl.unwrap_or(0));
            o.set("tos", i.tos.unwrap_or(0));
            ip_flags_json(&mut o, &i.flags);
            if let Some(x) = &i.opts {
                opts_json(&mut o, x);
            }
        }
        Encap::Ip6(i) => {
            o.set("id", i.id.unwrap_or(0));
            o.set(
                "src",
                i.src.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED).to_string(),
            );
            o.set(
                "dst",
                i.dst.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED).to_string(),
            );
            o.set("hoplimit", i.hoplimit.unwrap_or(0));
            o.set("tc", i.tc.unwrap_or(0));
            ip_flags_json(&mut o, &i.flags);
            if let Some(x) = &i.opts {
                opts_json(&mut o, x);
            }
        }
        Encap::Xfrm(x) => {
            o.set("if_id", x.if_id);
            if let Some(d) = &x.link_dev {
                o.set("link_dev", d.as_str());
            }
        }
    }
    o
}

/// The encap as a command-line fragment (`encap seg6 mode encap segs A,B`),
/// i.e. what would re-create it; used for round trips and `-batch` dumps.
pub fn encap_cmdline(e: &Encap) -> String {
    let segs = |s: &[std::net::Ipv6Addr]| {
        s.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = format!("encap {}", e.type_name());
    match e {
        Encap::Seg6(s) => {
            let _ = write!(out, " mode {} segs {}", s.mode.name(), segs(&s.segs));
            if let Some(h) = s.hmac {
                let _ = write!(out, " hmac {h}");
            }
            if let Some(t) = s.tunsrc {
                let _ = write!(out, " tunsrc {t}");
            }
        }
        Encap::Seg6Local(l) => {
            let _ = write!(out, " action {}", l.action);
            if let Some(t) = l.table {
                let _ = write!(out, " table {t}");
            }
            if let Some(t) = l.vrftable {
                let _ = write!(out, " vrftable {t}");
            }
            if let Some(a) = l.nh4 {
                let _ = write!(out, " nh4 {a}");
            }
            if let Some(a) = l.nh6 {
                let _ = write!(out, " nh6 {a}");
            }
            if let Some(d) = &l.iif {
                let _ = write!(out, " iif {d}");
            }
            if let Some(d) = &l.oif {
                let _ = write!(out, " oif {d}");
            }
            if let Some(srh) = &l.srh {
                let _ = write!(out, " srh segs {}", segs(&srh.segs));
                if let Some(h) = srh.hmac {
                    let _ = write!(out, " hmac {h}");
                }
            }
            if let Some(b) = &l.bpf {
                let _ = write!(out, " endpoint obj {} sec {}", b.obj, b.section);
            }
            if l.count {
                out.push_str(" count");
            }
            if let Some(f) = &l.flavors {
                let _ = write!(out, " flavors {}", flavor_names(f.ops).join(","));
                if f.ops & SEG6_LOCAL_FLV_OP_NEXT_CSID != 0 {
                    if let Some(b) = f.lblen {
                        let _ = write!(out, " lblen {b}");
                    }
                    if let Some(n) = f.nflen {
                        let _ = write!(out, " nflen {n}");
                    }
                }
            }
        }
        Encap::Mpls(m) => {
            let labels: Vec<String> = m.labels.iter().map(|l| l.to_string()).collect();
            let _ = write!(out, " {}", labels.join("/"));
            if let Some(t) = m.ttl {
                let _ = write!(out, " ttl {t}");
            }
        }
        Encap::Ip(i) => {
            tun_key_cmdline(&mut out, i.id, i.dst, i.src, ("tos", i.tos), ("ttl", i.ttl));
            flags_cmdline(&mut out, &i.flags);
            opts_cmdline(&mut out, i.opts.as_ref());
        }
        Encap::Ip6(i) => {
            tun_key_cmdline(
                &mut out,
                i.id,
                i.dst,
                i.src,
                ("tc", i.tc),
                ("hoplimit", i.hoplimit),
            );
            flags_cmdline(&mut out, &i.flags);
            opts_cmdline(&mut out, i.opts.as_ref());
        }
        Encap::Xfrm(x) => {
            let _ = write!(out, " if_id {}", x.if_id);
            if let Some(d) = &x.link_dev {
                let _ = write!(out, " link_dev {d}");
            }
        }
    }
    out
}

fn flags_cmdline(out: &mut String, f: &TunFlags) {
    for (on, w) in [(f.key, " key"), (f.csum, " csum"), (f.seq, " seq")] {
        if on {
            out.push_str(w);
        }
    }
}

fn opts_cmdline(out: &mut String, o: Option<&TunOpts>) {
    match o {
        Some(TunOpts::Geneve(list)) => {
            let items: Vec<String> = list
                .iter()
                .map(|g| format!("{}:{}:{}", g.class, g.opt_type, hex(&g.data)))
                .collect();
            let _ = write!(out, " geneve_opts {}", items.join(","));
        }
        Some(TunOpts::Vxlan { gbp }) => {
            let _ = write!(out, " vxlan_opts {gbp}");
        }
        Some(TunOpts::Erspan {
            ver,
            index,
            dir,
            hwid,
        }) => {
            let _ = write!(out, " erspan_opts {ver}:{index}:{dir}:{hwid}");
        }
        None => {}
    }
}

/// The key words shared by `encap ip` and `encap ip6` (which name tos/ttl differently).
fn tun_key_cmdline<A: std::fmt::Display>(
    out: &mut String,
    id: Option<u64>,
    dst: Option<A>,
    src: Option<A>,
    (tos_kw, tos): (&str, Option<u8>),
    (ttl_kw, ttl): (&str, Option<u8>),
) {
    if let Some(v) = id {
        let _ = write!(out, " id {v}");
    }
    if let Some(v) = dst {
        let _ = write!(out, " dst {v}");
    }
    if let Some(v) = src {
        let _ = write!(out, " src {v}");
    }
    if let Some(v) = tos {
        let _ = write!(out, " {tos_kw} 0x{v:02x}");
    }
    if let Some(v) = ttl {
        let _ = write!(out, " {ttl_kw} {v}");
    }
}
