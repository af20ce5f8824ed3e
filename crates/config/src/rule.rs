//! `ip rule ...` (ip/iprule.c `do_iprule`, `iprule_modify`).

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{PrefixArg, get_prefix};
use crate::names::{RtnType, dsfield_a2n, ipproto_a2n, proto_a2n, rtntype_a2n, table_a2n};
use crate::words::{
    Args, Result, get_s32, get_u16, get_u32, get_u64, invarg, is_show, matches, modify_verb,
    valid_ifname,
};

const RULE_USAGE: &str = "ip rule { add | del } [ not ] [ from PREFIX ] [ to PREFIX ] [ iif DEV ] [ oif DEV ] \
[ fwmark MARK[/MASK] ] [ tun_id ID ] [ pref N ] [ l3mdev ] [ lookup TABLE | goto N | blackhole | unreachable | prohibit ]";

/// `do_iprule`: list/lst/show, save, restore, add, delete, flush (that order).
pub fn parse_rule(args: &mut Args, opts: &Options) -> Result<RuleCmd> {
    let Some(verb) = args.take() else {
        return Ok(RuleCmd::Show(opts.family));
    };
    let v = verb.as_str();
    if is_show(v) {
        if let Some(w) = args.peek() {
            return Err(ParseError::new(format!(
                "rule selectors (\"{w}\") are not supported by lwt"
            ))
            .with_hint("`rule show` lists all rules; use -4/-6 to choose the family"));
        }
        Ok(RuleCmd::Show(opts.family))
    } else if matches(v, "save") || matches(v, "restore") {
        Err(ParseError::new(format!(
            "\"ip rule {v}\" is not supported by lwt"
        )))
    } else if let Some(verb) = modify_verb(v, &[Verb::Add, Verb::Del]) {
        if args.is_empty() {
            let name = if verb == Verb::Add { "add" } else { "del" };
            return Err(
                ParseError::new(format!("\"ip rule {name}\" requires arguments."))
                    .with_hint(RULE_USAGE),
            );
        }
        Ok(RuleCmd::Modify {
            verb,
            spec: parse_rule_spec(args, opts, verb)?,
        })
    } else if matches(v, "flush") {
        if args.peek().is_some() {
            return Err(ParseError::new(
                "\"ip rule flush\" does not take any arguments.",
            ));
        }
        Ok(RuleCmd::Flush(opts.family))
    } else if matches(v, "help") {
        Err(ParseError::new("Usage: ".to_string() + RULE_USAGE))
    } else {
        Err(
            ParseError::new(format!("Command \"{v}\" is unknown, try \"ip rule help\"."))
                .with_hint("rule commands: add, del, show, flush"),
        )
    }
}

fn port_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => Some((get_u16(a)?, get_u16(b)?)),
        None => get_u16(s).map(|p| (p, p)),
    }
}

/// `iprule_modify`.
fn parse_rule_spec(args: &mut Args, opts: &Options, verb: Verb) -> Result<RuleSpec> {
    let mut s = RuleSpec {
        family: opts.family,
        ..Default::default()
    };
    let mut family = opts.family;
    let mut from: Option<PrefixArg> = None;
    let mut to: Option<PrefixArg> = None;
    let mut action_given = false;
    // lwt learns the family from the first address (iproute2 keeps AF_INET
    // unless -6 is given, which silently truncates an IPv6 selector).
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "not" {
            s.not = true;
        } else if k == "from" {
            let v = args.value()?;
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            from = Some(p);
        } else if k == "to" {
            let v = args.value()?;
            let p = get_prefix(&v, family)?;
            family = family.or(p.family());
            to = Some(p);
        } else if matches(k, "preference") || matches(k, "order") || matches(k, "priority") {
            let v = args.value()?;
            s.priority =
                Some(get_u32(&v).ok_or_else(|| invarg("preference value is invalid\n", &v))?);
        } else if k == "tos" || matches(k, "dsfield") {
            let v = args.value()?;
            s.tos = Some(dsfield_a2n(&v).ok_or_else(|| invarg("TOS value is invalid\n", &v))?);
        } else if k == "fwmark" {
            let v = args.value()?;
            let (m, mask) = match v.split_once('/') {
                Some((m, mask)) => (m, Some(mask)),
                None => (v.as_str(), None),
            };
            s.fwmark = Some(get_u32(m).ok_or_else(|| invarg("fwmark value is invalid\n", m))?);
            if let Some(mask) = mask {
                s.fwmask =
                    Some(get_u32(mask).ok_or_else(|| invarg("fwmask value is invalid\n", mask))?);
            }
        } else if matches(k, "realms") {
            return Err(
                ParseError::new(format!("rule attribute \"{k}\" is not supported by lwt"))
                    .with_hint(RULE_USAGE),
            );
        } else if matches(k, "protocol") {
            let v = args.value()?;
            s.protocol =
                Some(proto_a2n(&v).ok_or_else(|| invarg("\"protocol\" value is invalid\n", &v))?);
        } else if matches(k, "tun_id") {
            let v = args.value()?;
            s.tun_id =
                Some(get_u64(&v).ok_or_else(|| invarg("\"tun_id\" value is invalid\n", &v))?);
        } else if matches(k, "table") || k == "lookup" {
            let v = args.value()?;
            s.table = Some(table_a2n(&v).ok_or_else(|| invarg("invalid table ID\n", &v))?);
            s.action = RuleAction::ToTable;
            action_given = true;
        } else if matches(k, "suppress_prefixlength") || k == "sup_pl" {
            let v = args.value()?;
            s.suppress_prefixlength = Some(
                get_s32(&v)
                    .filter(|p| *p >= 0)
                    .ok_or_else(|| invarg("suppress_prefixlength value is invalid\n", &v))?,
            );
        } else if matches(k, "suppress_ifgroup") || k == "sup_group" {
            return Err(ParseError::new(
                "rule attribute \"suppress_ifgroup\" is not supported by lwt",
            ));
        } else if k == "dev" || k == "iif" {
            let v = args.value()?;
            if !valid_ifname(&v) {
                return Err(invarg("\"iif\"/\"dev\" not a valid ifname", &v));
            }
            s.iif = Some(v);
        } else if k == "oif" {
            let v = args.value()?;
            if !valid_ifname(&v) {
                return Err(invarg("\"oif\" not a valid ifname", &v));
            }
            s.oif = Some(v);
        } else if k == "l3mdev" {
            s.l3mdev = true;
            action_given = true;
        } else if k == "uidrange" || k == "nat" || matches(k, "map-to") {
            return Err(
                ParseError::new(format!("rule attribute \"{k}\" is not supported by lwt"))
                    .with_hint(RULE_USAGE),
            );
        } else if k == "ipproto" {
            let v = args.value()?;
            s.ipproto =
                Some(ipproto_a2n(&v).ok_or_else(|| invarg("Invalid \"ipproto\" value\n", &v))?);
        } else if k == "sport" {
            let v = args.value()?;
            s.sport = Some(port_range(&v).ok_or_else(|| invarg("invalid port range\n", &v))?);
        } else if k == "dport" {
            let v = args.value()?;
            s.dport = Some(port_range(&v).ok_or_else(|| invarg("invalid dport range\n", &v))?);
        } else {
            let mut v = w.clone();
            if k == "type" {
                v = args.value()?;
            }
            if matches(&v, "help") {
                return Err(ParseError::new("Usage: ".to_string() + RULE_USAGE));
            } else if matches(&v, "goto") {
                let t = args.value()?;
                s.goto = Some(get_u32(&t).ok_or_else(|| invarg("invalid target\n", &t))?);
                s.action = RuleAction::Goto;
            } else if matches(&v, "nop") {
                s.action = RuleAction::Nop;
            } else {
                s.action = match rtntype_a2n(&v) {
                    Some(RtnType::Supported(RouteType::Blackhole)) => RuleAction::Blackhole,
                    Some(RtnType::Supported(RouteType::Unreachable)) => RuleAction::Unreachable,
                    Some(RtnType::Supported(RouteType::Prohibit)) => RuleAction::Prohibit,
                    Some(RtnType::Supported(RouteType::Unicast)) => RuleAction::ToTable,
                    _ => {
                        return Err(invarg("Failed to parse rule type", &v).with_hint(RULE_USAGE));
                    }
                };
            }
            action_given = true;
        }
        args.advance();
    }
    if s.l3mdev && s.table.is_some_and(|t| t != 0) {
        return Err(
            ParseError::new("table can not be specified for l3mdev rules")
                .with_hint("`rule add l3mdev pref 1000` looks up the table of the ingress VRF"),
        );
    }
    let family = family.or(Family::V4);
    s.family = family;
    s.from = from.map(|p| p.resolve(family));
    s.to = to.map(|p| p.resolve(family));
    // iproute2: an add without any action looks up main.
    if verb == Verb::Add && !action_given && s.table.is_none() {
        s.table = Some(RT_TABLE_MAIN);
    }
    Ok(s)
}
