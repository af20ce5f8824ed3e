//! `bridge fdb ...` (bridge/fdb.c `do_fdb`, `fdb_modify`, `fdb_show`): the static
//! forwarding entries of VXLAN devices (`bridge fdb add MAC dev vx0 dst A`).
//!
//! lwt has no bridge devices, so only the VXLAN device's own table (`self`, the default)
//! exists; `master` is refused. Words bridge(8) accepts but lwt has no use for (`vlan`,
//! `via`, `use`, `nhid`, `src_vni`) are refused with a hint rather than ignored.

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{get_addr, parse_mac};
use crate::words::{
    Args, Result, get_u16, invarg, is_show, matches, modify_verb, parse_c_unsigned,
};

const USAGE: &str = "Usage: bridge fdb { add | append | del | replace } ADDR dev DEV [ self ] [ router ] [ local | permanent | static | dynamic ] [ dst IPADDR ] [ port PORT ] [ vni VNI ]\n       bridge fdb [ show [ dev DEV ] [ state STATE ] ]";

/// `do_fdb`: the words after `bridge fdb`.
pub fn parse_fdb(args: &mut Args, opts: &Options) -> Result<FdbCmd> {
    let Some(verb) = args.take() else {
        return Ok(FdbCmd::Show(FdbFilter::default()));
    };
    let v = verb.as_str();
    if let Some(verb) = modify_verb(v, &[Verb::Add, Verb::Append, Verb::Replace, Verb::Del]) {
        Ok(FdbCmd::Modify {
            verb,
            spec: parse_spec(args, opts)?,
        })
    } else if is_show(v) {
        Ok(FdbCmd::Show(parse_filter(args)?))
    } else if matches(v, "help") {
        Err(ParseError::new(USAGE))
    } else {
        Err(ParseError::new(format!(
            "Command \"{v}\" is unknown, try \"bridge fdb help\"."
        ))
        .with_hint("fdb commands: add, append, replace, del, show"))
    }
}

/// bridge(8)'s `state_a2n`.
fn state_a2n(s: &str) -> Option<FdbState> {
    if matches(s, "permanent") || matches(s, "local") {
        Some(FdbState::Permanent)
    } else if matches(s, "static") || matches(s, "temp") {
        Some(FdbState::Static)
    } else if matches(s, "reachable") || matches(s, "dynamic") {
        Some(FdbState::Dynamic)
    } else {
        None
    }
}

/// `fdb_modify`: the address is the one word that is not a keyword (`to` may precede
/// it); `self` and `permanent` are the defaults ("Assume self", "Assume permanent").
fn parse_spec(args: &mut Args, opts: &Options) -> Result<FdbSpec> {
    let (mut mac, mut dev, mut dst) = (None::<String>, None, None);
    let (mut port, mut vni) = (None, None);
    let mut state = None;
    let mut router = false;
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "dev" {
            dev = Some(args.value()?);
        } else if k == "dst" {
            let v = args.value()?;
            if dst.is_some() {
                return Err(ParseError::duparg2("dst", &v));
            }
            dst = Some(get_addr(&v, opts.family)?);
        } else if k == "port" || k == "dst_port" {
            let v = args.value()?;
            port = Some(get_u16(&v).ok_or_else(|| invarg("invalid port\n", &v))?);
        } else if k == "vni" {
            let v = args.value()?;
            let n = parse_c_unsigned(&v, 0)
                .filter(|n| n >> 24 == 0)
                .ok_or_else(|| invarg("invalid VNI\n", &v).with_hint("a VNI is 0..16777215"))?;
            vni = Some(n as u32);
        } else if k == "self" {
            // The default: the device's own table.
        } else if matches(k, "master") {
            return Err(ParseError::new(
                "\"master\": lwt has no bridge devices; FDB entries belong to the VXLAN device itself",
            )
            .with_hint("drop `master` (bridge fdb add MAC dev vx0 dst ADDR)"));
        } else if matches(k, "router") {
            router = true;
        } else if let Some(s) = state_a2n(k) {
            state = Some(s);
        } else if [
            "vlan",
            "via",
            "use",
            "nhid",
            "src_vni",
            "extern_learn",
            "sticky",
        ]
        .iter()
        .any(|x| matches(k, x))
        {
            return Err(
                ParseError::new(format!("bridge fdb: \"{k}\" is not supported by lwt"))
                    .with_hint("lwt's FDB entries take dst, port, vni, router and a state"),
            );
        } else {
            let a = if k == "to" { args.value()? } else { w.clone() };
            if matches(&a, "help") {
                return Err(ParseError::new(USAGE));
            }
            if mac.is_some() {
                return Err(ParseError::duparg2("to", &a));
            }
            mac = Some(a);
        }
        args.advance();
    }
    let (Some(dev), Some(mac)) = (dev, mac) else {
        return Err(
            ParseError::new("Device and address are required arguments.")
                .with_hint("bridge fdb add MAC dev DEV dst ADDR"),
        );
    };
    let mac = parse_mac(&mac).map_err(|_| {
        ParseError::new(format!("Invalid mac address {mac}"))
            .with_hint("a MAC address looks like 02:00:00:00:00:01")
    })?;
    Ok(FdbSpec {
        mac,
        dev,
        dst,
        port: port.filter(|p| *p != 0),
        vni,
        state: state.unwrap_or_default(),
        router,
    })
}

/// `fdb_show`: `dev|brport DEV`, `state STATE`; `br` names a bridge lwt does not have.
fn parse_filter(args: &mut Args) -> Result<FdbFilter> {
    let mut f = FdbFilter::default();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        match w.as_str() {
            "dev" | "brport" => f.dev = Some(args.value()?),
            "state" => {
                let v = args.value()?;
                f.state = Some(state_a2n(&v).ok_or_else(|| invarg("invalid state", &v))?);
            }
            "br" => {
                let v = args.value()?;
                return Err(
                    ParseError::new(format!("Cannot find bridge device \"{v}\""))
                        .with_hint("lwt has no bridge devices; use `bridge fdb show dev VXLAN`"),
                );
            }
            k if matches(k, "help") => return Err(ParseError::new(USAGE)),
            other => {
                return Err(
                    ParseError::new(format!("bridge fdb show: unexpected \"{other}\""))
                        .with_hint("filters: dev DEV, state STATE"),
                );
            }
        }
        args.advance();
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<FdbCmd> {
        let words: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse_fdb(&mut Args::new(words), &Options::default())
    }

    #[test]
    fn add_with_defaults() {
        let c = parse("add 02:00:00:00:00:09 dev vx0 dst 10.1.1.2").unwrap();
        let FdbCmd::Modify { verb, spec } = c else {
            panic!()
        };
        assert_eq!(verb, Verb::Add);
        assert_eq!(spec.mac, Mac([2, 0, 0, 0, 0, 9]));
        assert_eq!(spec.dev, "vx0");
        assert_eq!(spec.dst, Some("10.1.1.2".parse().unwrap()));
        assert_eq!(spec.state, FdbState::Permanent);
        assert_eq!((spec.port, spec.vni), (None, None));
    }

    #[test]
    fn every_keyword() {
        let c = parse(
            "append 00:00:00:00:00:00 dev vx0 dst 2001:db8::2 port 4790 vni 7 self static router",
        )
        .unwrap();
        let FdbCmd::Modify { verb, spec } = c else {
            panic!()
        };
        assert_eq!(verb, Verb::Append);
        assert_eq!(spec.port, Some(4790));
        assert_eq!(spec.vni, Some(7));
        assert_eq!(spec.state, FdbState::Static);
        assert!(spec.router);
        assert!(matches!(
            parse("del to 02:00:00:00:00:01 dev vx0").unwrap(),
            FdbCmd::Modify {
                verb: Verb::Del,
                ..
            }
        ));
    }

    #[test]
    fn refusals() {
        let e = parse("add dev vx0 dst 10.0.0.1").unwrap_err();
        assert_eq!(e.message, "Device and address are required arguments.");
        let e = parse("add zz dev vx0").unwrap_err();
        assert_eq!(e.message, "Invalid mac address zz");
        assert!(parse("add 02:00:00:00:00:01 dev vx0 vni 16777216").is_err());
        assert!(parse("add 02:00:00:00:00:01 dev vx0 master").is_err());
        assert!(parse("add 02:00:00:00:00:01 dev vx0 vlan 5").is_err());
        assert!(parse("frob").is_err());
    }

    #[test]
    fn show_filters() {
        assert_eq!(parse("").unwrap(), FdbCmd::Show(FdbFilter::default()));
        assert_eq!(
            parse("show dev vx0 state permanent").unwrap(),
            FdbCmd::Show(FdbFilter {
                dev: Some("vx0".into()),
                state: Some(FdbState::Permanent)
            })
        );
        assert!(parse("show br br0").is_err());
    }
}
