//! `ip rule show` rendering (ip/iprule.c `print_rule`, modern form where each
//! field is preceded by a space: `999:\tfrom all to fc00::/16 lookup 90`).

use std::fmt::Write;

use super::json::Json;
use super::render_list;
use super::route::prefix_text;
use crate::ast::*;
use crate::names::{dsfield_n2a, proto_n2a, table_n2a};

fn addr_part(p: &IpPrefix) -> (String, Option<u8>) {
    (
        p.addr.to_string(),
        if p.is_host() { None } else { Some(p.len) },
    )
}

pub fn render_rule(r: &RuleEntry, opts: &Options) -> String {
    let s = &r.spec;
    let mut out = format!("{}:\t", r.priority);
    if s.not {
        out.push_str("not ");
    }
    match &s.from {
        Some(p) if p.len > 0 => {
            let _ = write!(out, "from {}", prefix_text(p));
        }
        _ => out.push_str("from all"),
    }
    if let Some(p) = s.to.as_ref().filter(|p| p.len > 0) {
        let _ = write!(out, " to {}", prefix_text(p));
    }
    if let Some(t) = s.tos.filter(|t| *t != 0) {
        let _ = write!(out, " tos {}", dsfield_n2a(t));
    }
    if s.fwmark.is_some() || s.fwmask.is_some() {
        let _ = write!(out, " fwmark {:#x}", s.fwmark.unwrap_or(0));
        if let Some(m) = s.fwmask.filter(|m| *m != u32::MAX) {
            let _ = write!(out, "/{m:#x}");
        }
    }
    if let Some(i) = &s.iif {
        let _ = write!(out, " iif {i}");
        if r.iif_detached {
            out.push_str(" [detached]");
        }
    }
    if let Some(o) = &s.oif {
        let _ = write!(out, " oif {o}");
        if r.oif_detached {
            out.push_str(" [detached]");
        }
    }
    if s.l3mdev {
        out.push_str(" lookup [l3mdev-table]");
    }
    if let Some(p) = s.ipproto {
        let _ = write!(out, " ipproto {p}");
    }
    for (kw, range) in [("sport", s.sport), ("dport", s.dport)] {
        if let Some((a, b)) = range {
            if a == b {
                let _ = write!(out, " {kw} {a}");
            } else {
                let _ = write!(out, " {kw} {a}-{b}");
            }
        }
    }
    if let Some(t) = s.tun_id {
        let _ = write!(out, " tun_id {t}");
    }
    if let Some(t) = s.table.filter(|t| *t != 0) {
        let _ = write!(out, " lookup {}", table_n2a(t));
        if let Some(pl) = s.suppress_prefixlength.filter(|p| *p != -1) {
            let _ = write!(out, " suppress_prefixlength {pl}");
        }
    }
    match s.action {
        RuleAction::Goto => match s.goto {
            Some(g) => {
                let _ = write!(out, " goto {g}");
            }
            None => out.push_str(" goto none"),
        },
        RuleAction::Nop => out.push_str(" nop"),
        RuleAction::Blackhole => out.push_str(" blackhole"),
        RuleAction::Unreachable => out.push_str(" unreachable"),
        RuleAction::Prohibit => out.push_str(" prohibit"),
        RuleAction::ToTable => {}
    }
    if let Some(p) = s.protocol
        && ((p != 0 && p != RTPROT_KERNEL) || opts.details)
    {
        let _ = write!(out, " proto {}", proto_n2a(p));
    }
    out.push('\n');
    out
}

pub fn rule_json(r: &RuleEntry, opts: &Options) -> Json {
    let s = &r.spec;
    let mut o = Json::obj();
    o.set("priority", r.priority);
    if s.not {
        o.set("not", Json::Null);
    }
    match &s.from {
        Some(p) if p.len > 0 => {
            let (a, l) = addr_part(p);
            o.set("src", a);
            if let Some(l) = l {
                o.set("srclen", l);
            }
        }
        _ => {
            o.set("src", "all");
        }
    }
    if let Some(p) = s.to.as_ref().filter(|p| p.len > 0) {
        let (a, l) = addr_part(p);
        o.set("dst", a);
        if let Some(l) = l {
            o.set("dstlen", l);
        }
    }
    if let Some(t) = s.tos.filter(|t| *t != 0) {
        o.set("tos", dsfield_n2a(t));
    }
    if s.fwmark.is_some() || s.fwmask.is_some() {
        o.set("fwmark", format!("{:#x}", s.fwmark.unwrap_or(0)));
        if let Some(m) = s.fwmask.filter(|m| *m != u32::MAX) {
            o.set("fwmask", format!("{m:#x}"));
        }
    }
    if let Some(i) = &s.iif {
        o.set("iif", i.as_str());
        if r.iif_detached {
            o.set("iif_detached", Json::Null);
        }
    }
    if let Some(x) = &s.oif {
        o.set("oif", x.as_str());
        if r.oif_detached {
            o.set("oif_detached", Json::Null);
        }
    }
    if s.l3mdev {
        o.set("l3mdev", Json::Null);
    }
    if let Some(p) = s.ipproto {
        o.set("ipproto", p.to_string());
    }
    if let Some(t) = s.tun_id {
        o.set("tun_id", t);
    }
    if let Some(t) = s.table.filter(|t| *t != 0) {
        o.set("table", table_n2a(t));
        if let Some(pl) = s.suppress_prefixlength.filter(|p| *p != -1) {
            o.set("suppress_prefixlen", pl);
        }
    }
    match s.action {
        RuleAction::Goto => {
            match s.goto {
                Some(g) => o.set("goto", g),
                None => o.set("goto", "none"),
            };
        }
        RuleAction::Nop => {
            o.set("nop", Json::Null);
        }
        RuleAction::Blackhole => {
            o.set("action", "blackhole");
        }
        RuleAction::Unreachable => {
            o.set("action", "unreachable");
        }
        RuleAction::Prohibit => {
            o.set("action", "prohibit");
        }
        RuleAction::ToTable => {}
    }
    if let Some(p) = s.protocol
        && ((p != 0 && p != RTPROT_KERNEL) || opts.details)
    {
        o.set("protocol", proto_n2a(p));
    }
    o
}

pub fn render_rules(list: &[RuleEntry], opts: &Options) -> String {
    render_list(list, opts, |r| render_rule(r, opts), |r| rule_json(r, opts))
}
