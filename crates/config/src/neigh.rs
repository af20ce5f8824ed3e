//! `ip neigh ...` (ip/ipneigh.c `do_ipneigh`, `ipneigh_modify`,
//! `do_show_or_flush`).

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{get_addr, get_prefix, parse_mac};
use crate::words::{Args, Result, invarg, is_show, matches, modify_verb, parse_c_unsigned};

/// `do_ipneigh`: add, change/chg, replace, delete, get, show/lst/list, flush.
pub fn parse_neigh(args: &mut Args, opts: &Options) -> Result<NeighCmd> {
    let Some(verb) = args.take() else {
        return Ok(NeighCmd::Show(NeighFilter {
            family: opts.family,
            ..Default::default()
        }));
    };
    let v = verb.as_str();
    if let Some(verb) = modify_verb(v, &[Verb::Add, Verb::Change, Verb::Replace, Verb::Del]) {
        Ok(NeighCmd::Modify {
            verb,
            spec: parse_neigh_spec(args, opts)?,
        })
    } else if matches(v, "get") {
        Err(ParseError::new("\"ip neigh get\" is not supported by lwt")
            .with_hint("use `neigh show to ADDR dev NAME`"))
    } else if is_show(v) {
        Ok(NeighCmd::Show(parse_neigh_filter(args, opts)?))
    } else if matches(v, "flush") {
        if args.is_empty() {
            return Err(ParseError::new("Flush requires arguments.")
                .with_hint("e.g. `neigh flush dev eth0`"));
        }
        Ok(NeighCmd::Flush(parse_neigh_filter(args, opts)?))
    } else if matches(v, "help") {
        Err(ParseError::new(
            "Usage: ip neigh { add | del | change | replace } { ADDR [ lladdr LLADDR ] [ nud STATE ] | proxy ADDR } [ dev DEV ] [ router ]",
        ))
    } else {
        Err(ParseError::new(format!(
            "Command \"{v}\" is unknown, try \"ip neigh help\"."
        ))
        .with_hint("neigh commands: add, del, change, replace, show, flush"))
    }
}

/// `nud_state_a2n`, in iproute2's order (so `p` = permanent, `r` = reachable).
pub fn nud_state_a2n(s: &str) -> Option<NudState> {
    Some(if matches(s, "permanent") {
        NudState::Permanent
    } else if matches(s, "reachable") {
        NudState::Reachable
    } else if s == "noarp" {
        NudState::Noarp
    } else if s == "none" {
        NudState::None
    } else if s == "stale" {
        NudState::Stale
    } else if s == "incomplete" {
        NudState::Incomplete
    } else if s == "delay" {
        NudState::Delay
    } else if s == "probe" {
        NudState::Probe
    } else if matches(s, "failed") {
        NudState::Failed
    } else {
        let v = parse_c_unsigned(s, 0)?;
        let all = [
            NudState::Incomplete,
            NudState::Reachable,
            NudState::Stale,
            NudState::Delay,
            NudState::Probe,
            NudState::Failed,
            NudState::Noarp,
            NudState::Permanent,
            NudState::None,
        ];
        return all.into_iter().find(|st| st.bits() as u64 == v);
    })
}

/// `ipneigh_modify`.
fn parse_neigh_spec(args: &mut Args, opts: &Options) -> Result<NeighSpec> {
    let mut addr = None;
    let mut lladdr = None;
    let mut dev = None;
    let mut state = None;
    let (mut proxy, mut router) = (false, false);
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if matches(k, "lladdr") {
            let v = args.value()?;
            if lladdr.is_some() {
                return Err(ParseError::duparg("lladdr", &v));
            }
            lladdr = Some(parse_mac(&v)?);
        } else if k == "nud" {
            let v = args.value()?;
            state = Some(nud_state_a2n(&v).ok_or_else(|| {
                invarg("nud state is bad", &v)
                    .with_hint("states: permanent, noarp, reachable, stale, none, ...")
            })?);
        } else if matches(k, "proxy") {
            let v = args.value()?;
            if addr.is_some() {
                return Err(ParseError::duparg("address", &v));
            }
            addr = Some(get_addr(&v, opts.family)?);
            proxy = true;
        } else if k == "router" {
            router = true;
        } else if matches(k, "extern_learn")
            || matches(k, "protocol")
            || k == "managed"
            || k == "use"
        {
            return Err(ParseError::new(format!(
                "neigh attribute \"{k}\" is not supported by lwt"
            )));
        } else if k == "dev" {
            dev = Some(args.value()?);
        } else {
            let mut v = w.clone();
            if k == "to" {
                v = args.value()?;
            }
            if addr.is_some() {
                return Err(ParseError::duparg2("to", &v).with_hint(format!(
                    "\"{v}\" is not a neigh keyword and the address was already given"
                )));
            }
            addr = Some(get_addr(&v, opts.family)?);
        }
        args.advance();
    }
    let Some(addr) = addr else {
        return Err(
            ParseError::new("Device and destination are required arguments.").with_hint(
                "`neigh add ADDR lladdr MAC dev NAME` or `neigh add proxy ADDR dev NAME`",
            ),
        );
    };
    if dev.is_none() && !proxy {
        return Err(
            ParseError::new("Device and destination are required arguments.")
                .with_hint("add `dev NAME`"),
        );
    }
    Ok(NeighSpec {
        addr,
        lladdr,
        dev,
        state,
        proxy,
        router,
    })
}

/// Selectors of `neigh show|flush`.
fn parse_neigh_filter(args: &mut Args, opts: &Options) -> Result<NeighFilter> {
    let mut f = NeighFilter {
        family: opts.family,
        ..Default::default()
    };
    while let Some(w) = args.peek() {
        let w = w.to_string();
        match w.as_str() {
            "dev" => f.dev = Some(args.value()?),
            "proxy" => f.proxy = true,
            "nud" => {
                let v = args.value()?;
                if v != "all" {
                    f.state =
                        Some(nud_state_a2n(&v).ok_or_else(|| invarg("nud state is bad", &v))?);
                }
            }
            "unused" | "vrf" | "master" | "nomaster" => {
                return Err(ParseError::new(format!(
                    "neigh selector \"{w}\" is not supported by lwt"
                )));
            }
            _ => {
                let mut v = w.clone();
                if w == "to" {
                    v = args.value()?;
                }
                // A family-less `default` is IPv4.
                f.to = Some(get_prefix(&v, opts.family)?.resolve(Family::V4));
            }
        }
        args.advance();
    }
    Ok(f)
}
