//! `ip route ...` (ip/iproute.c: `do_iproute`, `iproute_modify`,
//! `parse_nexthops`, `iproute_list_flush_or_save`, `iproute_get`).

use std::net::IpAddr;

use crate::ast::*;
use crate::encap::parse_encap;
use crate::error::ParseError;
use crate::inet::{PrefixArg, get_addr, get_prefix, is_unsupported_family_word, read_family};
use crate::names::{RtnType, dsfield_a2n, proto_a2n, rtntype_a2n, scope_a2n, table_a2n};
use crate::words::{Args, Result, get_u8, get_u32, invarg, is_show, matches, modify_verb};

const ROUTE_USAGE: &str = "ip route { add | del | change | append | replace | prepend } [ TYPE ] PREFIX \
[ table ID | vrf NAME ] [ proto P ] [ scope S ] [ metric N ] [ encap TYPE ... ] [ via ADDR ] [ dev NAME ] \
[ nexthop via ADDR dev NAME weight N ... ]";

/// `do_iproute`: verbs in iproute2's order (so `ip route a` = add, `d` = delete).
pub fn parse_route(args: &mut Args, opts: &Options) -> Result<RouteCmd> {
    let Some(verb) = args.take() else {
        return Ok(RouteCmd::Show(RouteFilter {
            family: opts.family,
            ..Default::default()
        }));
    };
    let v = verb.as_str();
    let verbs = [
        Verb::Add,
        Verb::Change,
        Verb::Replace,
        Verb::Prepend,
        Verb::Append,
        Verb::Test,
        Verb::Del,
    ];
    if let Some(verb) = modify_verb(v, &verbs) {
        Ok(RouteCmd::Modify {
            verb,
            spec: parse_route_spec(args, opts)?,
        })
    } else if is_show(v) {
        Ok(RouteCmd::Show(parse_route_filter(args, opts, false)?))
    } else if matches(v, "get") {
        Ok(RouteCmd::Get(parse_route_get(args, opts)?))
    } else if matches(v, "flush") {
        Ok(RouteCmd::Flush(parse_route_filter(args, opts, true)?))
    } else if ["save", "restore", "showdump"]
        .iter()
        .any(|k| matches(v, k))
    {
        Err(
            ParseError::new(format!("\"ip route {v}\" is not supported by lwt"))
                .with_hint("use `route show` / `-j route show` and replay `route add` lines"),
        )
    } else if matches(v, "help") {
        Err(ParseError::new("Usage: ".to_string() + ROUTE_USAGE))
    } else {
        Err(ParseError::new(format!(
            "Command \"{v}\" is unknown, try \"ip route help\"."
        ))
        .with_hint("route commands: add, del, change, replace, append, prepend, show, get, flush"))
    }
}

fn unsupported(kw: &str) -> ParseError {
    ParseError::new(format!("\"{kw}\" is not supported by lwt"))
        .with_hint("lwt supports: table, vrf, proto, scope, metric, src, from, tos, mtu, advmss, hoplimit, pref, expires, via, dev, onlink, encap, nexthop")
}

fn not_in_multipath() -> ParseError {
    ParseError::new(
        "nexthop groups cannot be combined with a route-level via, dev, onlink or encap",
    )
    .with_hint("put via/dev/encap inside each `nexthop`, or use a single path without `nexthop`")
}

/// A metric value with iproute2's optional `lock` before it: (locked, value).
fn metric_value(args: &mut Args) -> Result<(bool, String)> {
    let v = args.value()?;
    if v == "lock" {
        Ok((true, args.value()?))
    } else {
        Ok((false, v))
    }
}

/// `iproute_modify`: the NODE_SPEC / INFO_SPEC loop. The family is learnt as
/// iproute2 does with `req.r.rtm_family`: the first address that has one fixes it.
pub fn parse_route_spec(args: &mut Args, opts: &Options) -> Result<RouteSpec> {
    let mut family = opts.family;
    let mut spec = RouteSpec::default();
    let mut nh = NextHop::default();
    let mut dst: Option<PrefixArg> = None;
    let mut from: Option<PrefixArg> = None;
    let mut gw_ok = false;
    let mut nhs_ok = false;

    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "src" {
            let v = args.value()?;
            let a = get_addr(&v, family)?;
            family = family.or(Family::of(&a));
            spec.src = Some(a);
        } else if k == "as" {
            return Err(unsupported("as"));
        } else if k == "via" {
            if gw_ok {
                return Err(invarg("use nexthop syntax to specify multiple via\n", k)
                    .with_hint("ECMP: `nexthop via A dev D nexthop via B dev E`"));
            }
            gw_ok = true;
            let mut v = args.value()?;
            let mut fam = family;
            if let Some(f) = read_family(&v) {
                fam = f;
                v = args.value()?;
            } else if is_unsupported_family_word(&v) {
                return Err(ParseError::new(format!(
                    "gateway family \"{v}\" is not supported by lwt"
                )));
            }
            let a = get_addr(&v, fam)?;
            family = family.or(Family::of(&a));
            nh.via = Some(a);
        } else if k == "from" {
            let v = args.value()?;
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            from = Some(p);
        } else if k == "tos" || matches(k, "dsfield") {
            let v = args.value()?;
            spec.tos =
                Some(dsfield_a2n(&v).ok_or_else(|| invarg("\"tos\" value is invalid\n", &v))?);
        } else if k == "expires" {
            let v = args.value()?;
            spec.expires =
                Some(get_u32(&v).ok_or_else(|| invarg("\"expires\" value is invalid\n", &v))?);
        } else if matches(k, "metric") || matches(k, "priority") || k == "preference" {
            let v = args.value()?;
            spec.metric = Some(get_u32(&v).ok_or_else(|| {
                invarg("\"metric\" value is invalid\n", &v).with_hint("metric is 0..4294967295")
            })?);
        } else if k == "scope" {
            let v = args.value()?;
            spec.scope = Some(scope_a2n(&v).ok_or_else(|| {
                invarg("invalid \"scope\" value\n", &v)
                    .with_hint("scopes: global, site, link, host, nowhere or a number")
            })?);
        } else if k == "mtu" {
            let (lock, v) = metric_value(args)?;
            spec.mtu_lock |= lock;
            spec.mtu = Some(get_u32(&v).ok_or_else(|| invarg("\"mtu\" value is invalid\n", &v))?);
        } else if k == "hoplimit" {
            // `lock` is accepted and ignored for hoplimit and advmss.
            let (_, v) = metric_value(args)?;
            spec.hoplimit =
                Some(get_u8(&v).ok_or_else(|| invarg("\"hoplimit\" value is invalid\n", &v))?);
        } else if k == "advmss" {
            let (_, v) = metric_value(args)?;
            spec.advmss =
                Some(get_u32(&v).ok_or_else(|| invarg("\"mss\" value is invalid\n", &v))?);
        } else if matches(k, "reordering")
            || k == "rtt"
            || k == "rto_min"
            || matches(k, "window")
            || matches(k, "cwnd")
            || matches(k, "initcwnd")
            || matches(k, "initrwnd")
            || matches(k, "features")
            || matches(k, "quickack")
            || matches(k, "congctl")
            || matches(k, "rttvar")
            || matches(k, "ssthresh")
            || matches(k, "realms")
        {
            return Err(unsupported(k));
        } else if k == "onlink" {
            nh.onlink = true;
        } else if k == "nexthop" {
            nhs_ok = true;
            break;
        } else if k == "nhid" {
            return Err(unsupported("nhid")
                .with_hint("nexthop objects are not supported; use inline nexthops"));
        } else if matches(k, "protocol") {
            let v = args.value()?;
            spec.proto = Some(proto_a2n(&v).ok_or_else(|| {
                invarg("\"protocol\" value is invalid\n", &v)
                    .with_hint("protocols: kernel, boot, static, ... or a number")
            })?);
        } else if matches(k, "table") {
            let v = args.value()?;
            spec.table = Some(table_a2n(&v).ok_or_else(|| {
                invarg("\"table\" value is invalid\n", &v)
                    .with_hint("a table is main, local, default or a number")
            })?);
        } else if matches(k, "vrf") {
            let v = args.value()?;
            spec.vrf = Some(v);
        } else if k == "dev" || k == "oif" {
            let v = args.value()?;
            nh.dev = Some(v);
        } else if matches(k, "pref") {
            let v = args.value()?;
            spec.pref = Some(match v.as_str() {
                "low" => ICMPV6_ROUTER_PREF_LOW,
                "medium" => ICMPV6_ROUTER_PREF_MEDIUM,
                "high" => ICMPV6_ROUTER_PREF_HIGH,
                _ => get_u8(&v).ok_or_else(|| {
                    invarg("\"pref\" value is invalid\n", &v)
                        .with_hint("pref is low, medium or high")
                })?,
            });
        } else if k == "encap" {
            nh.encap = Some(parse_encap(args)?);
            continue;
        } else if k == "ttl-propagate" || matches(k, "fastopen_no_cookie") {
            return Err(unsupported(k));
        } else {
            // NODE_SPEC: [to] [TYPE] PREFIX
            let mut v = w.clone();
            if v == "to" {
                v = args.value()?;
            }
            let first_is_digit = v.as_bytes().first().is_some_and(|c| c.is_ascii_digit());
            if !first_is_digit && let Some(t) = rtntype_a2n(&v) {
                match t {
                    RtnType::Supported(rt) => {
                        spec.rtype = rt;
                        spec.rtype_given = true;
                    }
                    RtnType::Unsupported(name) => {
                        return Err(ParseError::new(format!(
                            "route type \"{name}\" is not supported by lwt"
                        ))
                        .with_hint(
                            "types: unicast, local, blackhole, unreachable, prohibit, throw",
                        ));
                    }
                }
                v = args.value()?;
            }
            if matches(&v, "help") {
                return Err(ParseError::new("Usage: ".to_string() + ROUTE_USAGE));
            }
            if dst.is_some() {
                return Err(ParseError::duparg2("to", &v).with_hint(format!(
                    "\"{v}\" is not a route keyword here (the destination was already given){}",
                    misplaced_hint(&v)
                )));
            }
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            dst = Some(p);
        }
        args.advance();
    }

    let Some(dst) = dst else {
        return Err(ParseError::new("a destination prefix is required").with_hint(ROUTE_USAGE));
    };
    if nhs_ok {
        spec.nexthops = parse_nexthops(args, &mut family)?;
        spec.multipath = true;
        // iproute2 sends both and lets the kernel compare them; lwt keeps one
        // representation and asks for per-nexthop attributes instead.
        if nh != NextHop::default() {
            return Err(not_in_multipath());
        }
    } else if nh != NextHop::default() {
        spec.nexthops.push(nh);
    }
    let family = family.or(Family::V4);
    spec.family = family;
    spec.dst = dst.resolve(family);
    spec.from = from.map(|p| p.resolve(family));
    Ok(spec)
}

/// Extra hint for words that belong to a clause placed wrongly.
fn misplaced_hint(v: &str) -> &'static str {
    match v {
        "lblen" | "nflen" => {
            "; lblen/nflen must directly follow a flavors list containing next-csid, lblen before nflen"
        }
        "mode" | "segs" | "hmac" | "tunsrc" => "; seg6 options follow `encap seg6`",
        "action" | "nh4" | "nh6" | "vrftable" | "count" | "flavors" | "srh" => {
            "; seg6local options follow `encap seg6local`"
        }
        "weight" => "; `weight` is only valid inside a `nexthop` group",
        _ => "",
    }
}

/// `parse_nexthops` + `parse_one_nh`: `nexthop NH nexthop NH ...` to the end.
fn parse_nexthops(args: &mut Args, family: &mut Family) -> Result<Vec<NextHop>> {
    let mut out = Vec::new();
    while let Some(w) = args.peek() {
        if w != "nexthop" {
            return Err(ParseError::new(format!(
                "\"nexthop\" or end of line is expected instead of \"{w}\""
            ))
            .with_hint(format!(
                "inside a nexthop: via, dev, weight, onlink, encap{}",
                misplaced_hint(w)
            )));
        }
        if args.remaining() <= 1 {
            return Err(ParseError::new("unexpected end of line after \"nexthop\""));
        }
        args.advance();
        let mut nh = NextHop::default();
        while let Some(k) = args.peek() {
            match k {
                "via" => {
                    let mut v = args.value()?;
                    let mut fam = *family;
                    if let Some(f) = read_family(&v) {
                        fam = f;
                        v = args.value()?;
                    }
                    let a = get_addr(&v, fam)?;
                    *family = family.or(Family::of(&a));
                    nh.via = Some(a);
                }
                "dev" => nh.dev = Some(args.value()?),
                "weight" => {
                    let v = args.value()?;
                    let w = get_u32(&v)
                        .filter(|w| (1..=256).contains(w))
                        .ok_or_else(|| {
                            invarg("\"weight\" is invalid\n", &v).with_hint("weight is 1..256")
                        })?;
                    nh.weight = w as u16;
                }
                "onlink" => nh.onlink = true,
                "encap" => {
                    nh.encap = Some(parse_encap(args)?);
                    continue;
                }
                k if matches(k, "realms") || k == "as" => return Err(unsupported(k)),
                _ => break,
            }
            args.advance();
        }
        out.push(nh);
    }
    Ok(out)
}

/// `iproute_list_flush_or_save` selectors.
pub fn parse_route_filter(args: &mut Args, opts: &Options, flush: bool) -> Result<RouteFilter> {
    if flush && args.is_empty() {
        return Err(ParseError::new("\"ip route flush\" requires arguments.")
            .with_hint("e.g. `route flush table 90` or `route flush dev eth0`"));
    }
    let fam = opts.family;
    let mut f = RouteFilter {
        family: fam,
        ..Default::default()
    };
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if matches(k, "table") {
            let v = args.value()?;
            f.table = Some(match table_a2n(&v) {
                Some(t) => TableSel::Id(t),
                None if v == "all" => TableSel::All,
                None if v == "cache" => return Err(unsupported("table cache")),
                None => return Err(invarg("table id value is invalid\n", &v)),
            });
        } else if matches(k, "vrf") {
            f.vrf = Some(args.value()?);
        } else if matches(k, "cached") || matches(k, "cloned") {
            return Err(unsupported(k).with_hint("lwt has no route cache"));
        } else if k == "tos" || matches(k, "dsfield") {
            let v = args.value()?;
            dsfield_a2n(&v).ok_or_else(|| invarg("TOS value is invalid\n", &v))?;
        } else if matches(k, "protocol") {
            let v = args.value()?;
            match proto_a2n(&v) {
                Some(p) => f.proto = Some(p),
                None if v == "all" => f.proto = None,
                None => return Err(invarg("invalid \"protocol\"\n", &v)),
            }
        } else if matches(k, "scope") {
            let v = args.value()?;
            match scope_a2n(&v) {
                Some(s) => f.scope = Some(s),
                None if v == "all" => f.scope = None,
                None => return Err(invarg("invalid \"scope\"\n", &v)),
            }
        } else if matches(k, "type") {
            let v = args.value()?;
            match rtntype_a2n(&v) {
                Some(RtnType::Supported(t)) => f.rtype = Some(t),
                Some(RtnType::Unsupported(n)) => {
                    return Err(ParseError::new(format!(
                        "route type \"{n}\" is not supported by lwt"
                    )));
                }
                None => return Err(invarg("node type value is invalid\n", &v)),
            }
        } else if k == "dev" || k == "oif" {
            f.dev = Some(args.value()?);
        } else if k == "iif" || k == "mark" || matches(k, "realms") {
            return Err(unsupported(k));
        } else if matches(k, "metric") || matches(k, "priority") || k == "preference" {
            let v = args.value()?;
            f.metric =
                Some(get_u32(&v).ok_or_else(|| invarg("\"metric\" value is invalid\n", &v))?);
        } else if k == "via" {
            let mut v = args.value()?;
            let mut family = fam;
            if let Some(ff) = read_family(&v) {
                family = ff;
                v = args.value()?;
            }
            f.via = Some(get_prefix(&v, family)?.resolve(Family::V4));
        } else if k == "src" {
            let v = args.value()?;
            f.src = Some(get_prefix(&v, fam)?.resolve(Family::V4));
        } else if matches(k, "from") {
            return Err(
                unsupported("from").with_hint("source-prefix selectors are not supported in show")
            );
        } else {
            let mut v = w.clone();
            if matches(&v, "to") {
                v = args.value()?;
            }
            let which = if matches(&v, "root") {
                1
            } else if matches(&v, "match") {
                2
            } else if matches(&v, "exact") {
                3
            } else {
                0
            };
            if which != 0 {
                v = args.value()?;
            }
            let p = get_prefix(&v, fam)?.resolve(fam.or(Family::V4));
            match which {
                1 => f.root = Some(p),
                2 => f.matching = Some(p),
                _ => {
                    f.root = Some(p);
                    f.matching = Some(p);
                }
            }
        }
        args.advance();
    }
    Ok(f)
}

/// `iproute_get`.
pub fn parse_route_get(args: &mut Args, opts: &Options) -> Result<RouteGet> {
    let mut family = opts.family;
    let mut g = RouteGet {
        dst: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        from: None,
        iif: None,
        oif: None,
        vrf: None,
        mark: None,
        fibmatch: false,
    };
    let mut found = false;
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "tos" || matches(k, "dsfield") {
            let v = args.value()?;
            dsfield_a2n(&v).ok_or_else(|| invarg("TOS value is invalid\n", &v))?;
        } else if matches(k, "from") {
            let v = args.value()?;
            let a = get_prefix(&v, family)?.resolve(Family::V4).addr;
            family = family.or(Family::of(&a));
            g.from = Some(a);
        } else if matches(k, "iif") {
            g.iif = Some(args.value()?);
        } else if matches(k, "mark") {
            let v = args.value()?;
            g.mark = Some(get_u32(&v).ok_or_else(|| invarg("invalid mark value", &v))?);
        } else if matches(k, "oif") || k == "dev" {
            g.oif = Some(args.value()?);
        } else if matches(k, "vrf") {
            g.vrf = Some(args.value()?);
        } else if matches(k, "fibmatch") {
            g.fibmatch = true;
        } else if matches(k, "notify") || matches(k, "connected") {
            // accepted and ignored (no route cache in lwt)
        } else if matches(k, "uid")
            || matches(k, "sport")
            || matches(k, "dport")
            || matches(k, "ipproto")
            || k == "as"
        {
            return Err(unsupported(k));
        } else {
            let mut v = w.clone();
            if v == "to" {
                v = args.value()?;
            }
            if matches(&v, "help") {
                return Err(ParseError::new(
                    "Usage: ip route get ADDRESS [ from ADDRESS iif STRING ] [ oif STRING ] [ mark NUMBER ] [ vrf NAME ] [ fibmatch ]",
                ));
            }
            let a = get_prefix(&v, family)?.resolve(family.or(Family::V4)).addr;
            family = family.or(Family::of(&a));
            g.dst = a;
            found = true;
        }
        args.advance();
    }
    if !found {
        return Err(
            ParseError::new("need at least a destination address").with_hint("`route get ADDRESS`")
        );
    }
    Ok(g)
}
