//! `ip addr ...` (ip/ipaddress.c `do_ipaddr`, `ipaddr_modify`,
//! `ipaddr_list_flush_or_save`).

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{PrefixArg, get_prefix};
use crate::names::scope_a2n;
use crate::words::{Args, Result, get_u32, invarg, is_show, matches, modify_verb};

/// `do_ipaddr`: add, change/chg, replace, delete, list/show/lst, flush.
pub fn parse_addr(args: &mut Args, opts: &Options) -> Result<AddrCmd> {
    let Some(verb) = args.take() else {
        return Ok(AddrCmd::Show(AddrFilter::default()));
    };
    let v = verb.as_str();
    if let Some(verb) = modify_verb(v, &[Verb::Add, Verb::Change, Verb::Replace, Verb::Del]) {
        Ok(AddrCmd::Modify {
            verb,
            spec: parse_addr_spec(args, opts)?,
        })
    } else if is_show(v) {
        Ok(AddrCmd::Show(parse_addr_filter(args, opts)?))
    } else if matches(v, "flush") {
        if args.is_empty() {
            return Err(ParseError::new("Flush requires arguments.")
                .with_hint("e.g. `addr flush dev eth0`"));
        }
        Ok(AddrCmd::Flush(parse_addr_filter(args, opts)?))
    } else if matches(v, "help") {
        Err(ParseError::new(
            "Usage: ip address { add | change | replace | del } IFADDR dev IFNAME [ scope SCOPE ] [ nodad ] [ noprefixroute ]",
        ))
    } else {
        Err(ParseError::new(format!(
            "Command \"{v}\" is unknown, try \"ip address help\"."
        ))
        .with_hint("address commands: add, del, change, replace, show, flush"))
    }
}

fn unsupported(kw: &str) -> ParseError {
    ParseError::new(format!(
        "address attribute \"{kw}\" is not supported by lwt"
    ))
    .with_hint(
        "lwt supports: dev, peer, scope, label, metric, nodad, noprefixroute, home, optimistic",
    )
}

/// `ipaddr_modify`.
fn parse_addr_spec(args: &mut Args, opts: &Options) -> Result<AddrSpec> {
    let mut family = opts.family;
    let mut local: Option<PrefixArg> = None;
    let mut peer: Option<PrefixArg> = None;
    let mut dev: Option<String> = None;
    let mut spec = AddrSpec {
        prefix: IpPrefix::default(),
        dev: String::new(),
        peer: None,
        scope: None,
        label: None,
        metric: None,
        nodad: false,
        noprefixroute: false,
        home: false,
        optimistic: false,
    };
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "peer" || k == "remote" {
            let v = args.value()?;
            if peer.is_some() {
                return Err(ParseError::duparg("peer", &v));
            }
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            peer = Some(p);
        } else if matches(k, "broadcast") || k == "brd" || k == "anycast" {
            return Err(unsupported(k));
        } else if k == "scope" {
            let v = args.value()?;
            spec.scope = Some(scope_a2n(&v).ok_or_else(|| {
                invarg("invalid scope value.", &v)
                    .with_hint("scopes: global, site, link, host or a number")
            })?);
        } else if k == "dev" {
            dev = Some(args.value()?);
        } else if k == "label" {
            spec.label = Some(args.value()?);
        } else if matches(k, "metric") || matches(k, "priority") || matches(k, "preference") {
            let v = args.value()?;
            spec.metric =
                Some(get_u32(&v).ok_or_else(|| invarg("\"metric\" value is invalid\n", &v))?);
        } else if matches(k, "valid_lft") || matches(k, "preferred_lft") {
            // lwt addresses never expire: accept "forever" only.
            let v = args.value()?;
            if v != "forever" {
                return Err(unsupported(k)
                    .with_hint("lwt addresses are permanent; use `forever` or omit it"));
            }
        } else if k == "home" {
            spec.home = true;
        } else if k == "nodad" {
            spec.nodad = true;
        } else if k == "optimistic" {
            spec.optimistic = true;
        } else if k == "noprefixroute" {
            spec.noprefixroute = true;
        } else if k == "mngtmpaddr" || k == "autojoin" {
            return Err(unsupported(k));
        } else {
            let mut v = w.clone();
            if k == "local" {
                v = args.value()?;
            }
            if matches(&v, "help") {
                return Err(ParseError::new("Usage: ip address add IFADDR dev IFNAME"));
            }
            if local.is_some() {
                return Err(ParseError::duparg2("local", &v).with_hint(format!(
                    "\"{v}\" is not an address keyword and the address was already given"
                )));
            }
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            local = Some(p);
        }
        args.advance();
    }
    let Some(dev) = dev else {
        return Err(
            ParseError::new("Not enough information: \"dev\" argument is required.")
                .with_hint("`addr add PREFIX dev NAME`"),
        );
    };
    let Some(local) = local else {
        return Err(
            ParseError::new("Not enough information: an address is required.")
                .with_hint("`addr add PREFIX dev NAME`"),
        );
    };
    if local.addr.is_none() {
        return Err(ParseError::new(format!(
            "an address is required rather than \"{}\"",
            if local.len == 0 { "any" } else { "" }
        )));
    }
    let family = family.or(Family::V4);
    spec.prefix = local.resolve(family);
    spec.peer = peer.map(|p| p.resolve(family));
    spec.dev = dev;
    Ok(spec)
}

/// Selectors of `addr show|flush`.
fn parse_addr_filter(args: &mut Args, opts: &Options) -> Result<AddrFilter> {
    let mut f = AddrFilter::default();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        match w.as_str() {
            "to" => {
                let v = args.value()?;
                // A family-less `default` is IPv4.
                f.to = Some(get_prefix(&v, opts.family)?.resolve(Family::V4));
            }
            "scope" => {
                let v = args.value()?;
                f.scope = Some(scope_a2n(&v).ok_or_else(|| invarg("invalid \"scope\"\n", &v))?);
            }
            "up" => f.up = true,
            "label" => f.label = Some(args.value()?),
            "dynamic" | "permanent" | "tentative" | "secondary" | "primary" | "master" | "vrf"
            | "type" => {
                return Err(
                    unsupported(&w).with_hint("filter addresses with dev, to, scope, label or up")
                );
            }
            _ => {
                let mut v = w.clone();
                if w == "dev" {
                    v = args.value()?;
                }
                if f.dev.is_some() {
                    return Err(ParseError::duparg2("dev", &v));
                }
                f.dev = Some(v);
            }
        }
        args.advance();
    }
    Ok(f)
}
