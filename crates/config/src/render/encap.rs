//! Encap rendering as `lwt_print_encap` and the `print_encap_*` functions of
//! ip/iproute_lwtunnel.c print it (text: leading " encap TYPE ", each field
//! followed by a space; JSON: an "encap" object with "encap_type" first).

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::json::Json;
use crate::ast::*;
use crate::names::table_n2a;

/// `print_srh`: `segs N [ S1 ... Sn ] ` (plus the `::` slot that iproute2
/// reserves for the original DA when `reserve_da_slot`), then `hmac KEYID `.
fn srh_text(out: &mut String, segs: &[Ipv6Addr], reserve_da_slot: bool, hmac: Option<u32>) {
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

fn srh_json(o: &mut Json, segs: &[Ipv6Addr], reserve_da_slot: bool, hmac: Option<u32>) {
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

/// The `key` / `csum` / `seq` words that are set, in iproute2's order.
fn flag_names(f: &TunFlags) -> impl Iterator<Item = &'static str> {
    [(f.key, "key"), (f.csum, "csum"), (f.seq, "seq")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
}

/// What `encap ip` and `encap ip6` share, so that each renderer handles both
/// at once; ip6 calls tos and ttl `tc` and `hoplimit`.
struct TunKey<'a> {
    id: Option<u64>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    /// The family's unspecified address, printed for a missing src/dst.
    unspecified: IpAddr,
    tos: (&'static str, Option<u8>),
    ttl: (&'static str, Option<u8>),
    flags: &'a TunFlags,
    opts: Option<&'a TunOpts>,
}

impl<'a> TunKey<'a> {
    fn v4(i: &'a IpTunEncap) -> Self {
        TunKey {
            id: i.id,
            src: i.src.map(IpAddr::V4),
            dst: i.dst.map(IpAddr::V4),
            unspecified: Ipv4Addr::UNSPECIFIED.into(),
            tos: ("tos", i.tos),
            ttl: ("ttl", i.ttl),
            flags: &i.flags,
            opts: i.opts.as_ref(),
        }
    }

    fn v6(i: &'a Ip6TunEncap) -> Self {
        TunKey {
            id: i.id,
            src: i.src.map(IpAddr::V6),
            dst: i.dst.map(IpAddr::V6),
            unspecified: Ipv6Addr::UNSPECIFIED.into(),
            tos: ("tc", i.tc),
            ttl: ("hoplimit", i.hoplimit),
            flags: &i.flags,
            opts: i.opts.as_ref(),
        }
    }

    /// Text form: the kernel always dumps id, src, dst, ttl and tos.
    fn text(&self, out: &mut String) {
        let ((tos_kw, tos), (ttl_kw, ttl)) = (self.tos, self.ttl);
        let _ = write!(
            out,
            "id {} src {} dst {} {ttl_kw} {} {tos_kw} {} ",
            self.id.unwrap_or(0),
            self.src.unwrap_or(self.unspecified),
            self.dst.unwrap_or(self.unspecified),
            ttl.unwrap_or(0),
            tos.unwrap_or(0)
        );
        for name in flag_names(self.flags) {
            let _ = write!(out, "{name} ");
        }
        if let Some(o) = self.opts {
            opts_text(out, o);
        }
    }

    fn json(&self, o: &mut Json) {
        let ((tos_kw, tos), (ttl_kw, ttl)) = (self.tos, self.ttl);
        o.set("id", self.id.unwrap_or(0));
        o.set("src", self.src.unwrap_or(self.unspecified).to_string());
        o.set("dst", self.dst.unwrap_or(self.unspecified).to_string());
        o.set(ttl_kw, ttl.unwrap_or(0));
        o.set(tos_kw, tos.unwrap_or(0));
        for name in flag_names(self.flags) {
            o.set(name, true);
        }
        if let Some(x) = self.opts {
            opts_json(o, x);
        }
    }

    /// Command-line form: only what was given.
    fn cmdline(&self, out: &mut String) {
        let ((tos_kw, tos), (ttl_kw, ttl)) = (self.tos, self.ttl);
        if let Some(v) = self.id {
            let _ = write!(out, " id {v}");
        }
        if let Some(v) = self.dst {
            let _ = write!(out, " dst {v}");
        }
        if let Some(v) = self.src {
            let _ = write!(out, " src {v}");
        }
        if let Some(v) = tos {
            let _ = write!(out, " {tos_kw} 0x{v:02x}");
        }
        if let Some(v) = ttl {
            let _ = write!(out, " {ttl_kw} {v}");
        }
        for name in flag_names(self.flags) {
            let _ = write!(out, " {name}");
        }
        if let Some(o) = self.opts {
            opts_cmdline(out, o);
        }
    }
}

/// `LABEL/LABEL/...`
fn mpls_labels(m: &MplsEncap) -> String {
    let labels: Vec<String> = m.labels.iter().map(|l| l.to_string()).collect();
    labels.join("/")
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
            let _ = write!(out, " {} ", mpls_labels(m));
            if let Some(t) = m.ttl {
                let _ = write!(out, "ttl {t} ");
            }
        }
        Encap::Ip(i) => TunKey::v4(i).text(&mut out),
        Encap::Ip6(i) => TunKey::v6(i).text(&mut out),
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
            o.set("dst", mpls_labels(m));
            if let Some(t) = m.ttl {
                o.set("ttl", t);
            }
        }
        Encap::Ip(i) => TunKey::v4(i).json(&mut o),
        Encap::Ip6(i) => TunKey::v6(i).json(&mut o),
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
    let segs = |s: &[Ipv6Addr]| {
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
            let _ = write!(out, " {}", mpls_labels(m));
            if let Some(t) = m.ttl {
                let _ = write!(out, " ttl {t}");
            }
        }
        Encap::Ip(i) => TunKey::v4(i).cmdline(&mut out),
        Encap::Ip6(i) => TunKey::v6(i).cmdline(&mut out),
        Encap::Xfrm(x) => {
            let _ = write!(out, " if_id {}", x.if_id);
            if let Some(d) = &x.link_dev {
                let _ = write!(out, " link_dev {d}");
            }
        }
    }
    out
}

fn opts_cmdline(out: &mut String, o: &TunOpts) {
    match o {
        TunOpts::Geneve(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|g| format!("{}:{}:{}", g.class, g.opt_type, hex(&g.data)))
                .collect();
            let _ = write!(out, " geneve_opts {}", items.join(","));
        }
        TunOpts::Vxlan { gbp } => {
            let _ = write!(out, " vxlan_opts {gbp}");
        }
        TunOpts::Erspan {
            ver,
            index,
            dir,
            hwid,
        } => {
            let _ = write!(out, " erspan_opts {ver}:{index}:{dir}:{hwid}");
        }
    }
}
