//! `ip link ...` (ip/iplink.c `do_iplink`, `iplink_parse`, and the per-kind
//! parsers iplink_vrf.c, iplink_vxlan.c, link_xfrm.c) plus lwt's `port` and
//! `tap` kinds.

use std::net::IpAddr;

use crate::ast::*;
use crate::error::ParseError;
use crate::inet::{Parsed, get_addr_1, parse_mac};
use crate::names::{dsfield_a2n, table_a2n};
use crate::words::{
    Args, Result, get_s32, get_u16, get_u32, invarg, is_show, matches, valid_ifname,
};

const KINDS_HINT: &str = "link kinds lwt supports: port, tap, dummy, vrf, vxlan, xfrm";

/// `do_iplink`: add, set/change, replace, delete, show/lst/list.
pub fn parse_link(args: &mut Args, _opts: &Options) -> Result<LinkCmd> {
    let Some(verb) = args.take() else {
        return Ok(LinkCmd::Show(LinkFilter::default()));
    };
    let v = verb.as_str();
    if matches(v, "add") {
        let spec = parse_link_spec(args, true)?;
        if spec.kind.is_none() {
            return Err(
                ParseError::new("Not enough information: \"type\" argument is required")
                    .with_hint(KINDS_HINT),
            );
        }
        Ok(LinkCmd::Add(spec))
    } else if matches(v, "set") || matches(v, "change") {
        Ok(LinkCmd::Set(parse_link_spec(args, false)?))
    } else if matches(v, "replace") {
        Err(
            ParseError::new("\"ip link replace\" is not supported by lwt")
                .with_hint("delete the link and add it again, or use `link set`"),
        )
    } else if matches(v, "delete") {
        let spec = parse_link_spec(args, false)?;
        Ok(LinkCmd::Del { name: spec.name })
    } else if is_show(v) {
        Ok(LinkCmd::Show(parse_link_filter(args)?))
    } else if matches(v, "help") {
        Err(ParseError::new(
            "Usage: ip link add NAME [ address LLADDR ] [ mtu MTU ] type TYPE [ ARGS ] | ip link set DEV { up | down | address LLADDR | mtu MTU | master DEV | nomaster | name NEWNAME } | ip link del DEV | ip link show [ DEV ]",
        ))
    } else {
        Err(
            ParseError::new(format!("Command \"{v}\" is unknown, try \"ip link help\"."))
                .with_hint("link commands: add, set, del, show"),
        )
    }
}

fn unsupported(kw: &str) -> ParseError {
    ParseError::new(format!("link attribute \"{kw}\" is not supported by lwt"))
        .with_hint("lwt supports: name, address, mtu, txqueuelen, up, down, master, nomaster, type")
}

/// `iplink_parse`: generic attributes, then `type KIND ARGS` to the end.
fn parse_link_spec(args: &mut Args, add: bool) -> Result<LinkSpec> {
    let mut spec = LinkSpec::default();
    let mut name: Option<String> = None;
    let mut dev: Option<String> = None;
    while let Some(w) = args.peek() {
        let w = w.to_string();
        let k = w.as_str();
        if k == "up" {
            spec.up = Some(true);
        } else if k == "down" {
            spec.up = Some(false);
        } else if k == "name" {
            let v = args.value()?;
            if name.is_some() {
                return Err(ParseError::duparg("name", &v));
            }
            if !valid_ifname(&v) {
                return Err(invarg("\"name\" not a valid ifname", &v)
                    .with_hint("an interface name has 1-15 characters, no '/' or spaces"));
            }
            name = Some(v);
        } else if k == "index" || matches(k, "link") || matches(k, "broadcast") || k == "brd" {
            return Err(unsupported(k));
        } else if matches(k, "address") {
            let v = args.value()?;
            spec.address = Some(parse_mac(&v)?);
        } else if matches(k, "txqueuelen") || k == "qlen" || matches(k, "txqlen") {
            let v = args.value()?;
            if spec.txqlen.is_some() {
                return Err(ParseError::duparg("txqueuelen", &v));
            }
            let q = get_s32(&v)
                .filter(|q| *q >= 0)
                .ok_or_else(|| invarg("Invalid \"txqueuelen\" value\n", &v))?;
            spec.txqlen = Some(q as u32);
        } else if k == "mtu" {
            let v = args.value()?;
            if spec.mtu.is_some() {
                return Err(ParseError::duparg("mtu", &v));
            }
            let m = get_s32(&v).filter(|m| *m >= 0).ok_or_else(|| {
                invarg("Invalid \"mtu\" value\n", &v)
                    .with_hint("mtu is a number of bytes, e.g. 1500")
            })?;
            spec.mtu = Some(m as u32);
        } else if [
            "xdpgeneric",
            "xdpdrv",
            "xdpoffload",
            "xdp",
            "netns",
            "multicast",
            "allmulticast",
            "promisc",
            "trailers",
            "arp",
            "carrier",
            "vf",
            "group",
            "mode",
            "state",
        ]
        .contains(&k)
        {
            return Err(unsupported(k));
        } else if matches(k, "master") || k == "vrf" {
            let v = args.value()?;
            spec.master = Some(MasterChange::Set(v));
        } else if matches(k, "nomaster") {
            spec.master = Some(MasterChange::Clear);
        } else if matches(k, "dynamic") {
            return Err(unsupported(k));
        } else if matches(k, "type") {
            // `type KIND ARGS`: everything after belongs to the kind.
            let kind = args.value()?;
            spec.kind = Some(parse_kind(&kind, args)?);
            break;
        } else if matches(k, "alias")
            || matches(k, "numtxqueues")
            || matches(k, "numrxqueues")
            || matches(k, "addrgenmode")
            || matches(k, "link-netns")
            || matches(k, "link-netnsid")
            || matches(k, "protodown")
            || matches(k, "gso_max_size")
            || matches(k, "gso_max_segs")
        {
            return Err(unsupported(k));
        } else {
            if matches(k, "help") {
                return Err(ParseError::new(
                    "Usage: ip link { add | set | del | show } ...",
                ));
            }
            let mut v = w.clone();
            if k == "dev" {
                v = args.value()?;
            }
            if dev.is_some() {
                return Err(ParseError::duparg2("dev", &v).with_hint(format!(
                    "\"{v}\" is not a link attribute and the device was already named"
                )));
            }
            if !valid_ifname(&v) {
                return Err(invarg("\"dev\" not a valid ifname", &v));
            }
            dev = Some(v);
        }
        args.advance();
    }
    // `link add NAME` / `link add name NAME`: the new link's name; for `set`,
    // `dev` names the device and `name` renames it.
    if add {
        spec.name = match (name, dev) {
            (Some(n), Some(d)) if n != d => {
                return Err(ParseError::new(
                    "both \"name\" and \"dev\" cannot be used when creating devices.",
                )
                .with_hint("`link add NAME type KIND ...`"));
            }
            (Some(n), _) => n,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(ParseError::new(
                    "Not enough information: \"dev\" argument is required.",
                )
                .with_hint("`link add NAME type KIND ...`"));
            }
        };
    } else {
        match dev {
            Some(d) => {
                spec.name = d;
                spec.new_name = name;
            }
            None => match name {
                // iproute2: `ip link set name X` with no dev uses X as the device.
                Some(n) => spec.name = n,
                None => {
                    return Err(ParseError::new(
                        "Not enough information: \"dev\" argument is required.",
                    )
                    .with_hint("name the device: `link set dev NAME ...`"));
                }
            },
        }
    }
    Ok(spec)
}

fn garbage(kind: &str, w: &str) -> ParseError {
    ParseError::new(format!("{kind}: unknown option \"{w}\"?"))
}

/// `type KIND ARGS` — consumes to the end of the line.
fn parse_kind(kind: &str, args: &mut Args) -> Result<LinkKind> {
    args.advance();
    match kind {
        "port" => {
            let (mut dev, mut io) = (None, None);
            while let Some(w) = args.peek() {
                match w {
                    "dev" => dev = Some(args.value()?),
                    "io" => {
                        let v = args.value()?;
                        io = Some(match v.as_str() {
                            "af_packet" => PortIo::AfPacket,
                            "af_xdp" => PortIo::AfXdp,
                            _ => {
                                return Err(invarg("\"io\" value is invalid\n", &v)
                                    .with_hint("io is af_packet or af_xdp"));
                            }
                        });
                    }
                    other => {
                        return Err(garbage("port", other)
                            .with_hint("port options: dev LINUXIF, io af_packet|af_xdp"));
                    }
                }
                args.advance();
            }
            Ok(LinkKind::Port { dev, io })
        }
        "tap" | "dummy" => {
            if let Some(w) = args.peek() {
                return Err(ParseError::new(format!(
                    "Garbage instead of arguments \"{w} ...\". Try \"ip link help\"."
                ))
                .with_hint(format!("type {kind} takes no options (\"{w}\")")));
            }
            Ok(if kind == "tap" {
                LinkKind::Tap
            } else {
                LinkKind::Dummy
            })
        }
        "vrf" => {
            let mut table = None;
            while let Some(w) = args.peek() {
                if matches(w, "table") {
                    let v = args.value()?;
                    table = Some(table_a2n(&v).ok_or_else(|| invarg("invalid table ID\n", &v))?);
                } else {
                    return Err(garbage("vrf", w).with_hint("Usage: ... vrf table TABLEID"));
                }
                args.advance();
            }
            match table {
                Some(t) if t != 0 => Ok(LinkKind::Vrf { table: t }),
                Some(_) => {
                    Err(ParseError::new("Invalid VRF table id")
                        .with_hint("use a non-zero table id"))
                }
                None => {
                    Err(ParseError::new("VRF table id is missing").with_hint("`type vrf table N`"))
                }
            }
        }
        "vxlan" => parse_vxlan(args).map(LinkKind::Vxlan),
        "xfrm" => parse_xfrm_link(args).map(LinkKind::Xfrm),
        other => Err(
            ParseError::new(format!("link type \"{other}\" is not supported by lwt"))
                .with_hint(KINDS_HINT),
        ),
    }
}

/// `vxlan_parse_opt` (subset lwt implements; other keywords are refused).
fn parse_vxlan(args: &mut Args) -> Result<VxlanSpec> {
    let mut s = VxlanSpec::default();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        match w.as_str() {
            "id" | "vni" => {
                let v = args.value()?;
                s.vni =
                    Some(get_u32(&v).filter(|v| *v < 1 << 24).ok_or_else(|| {
                        invarg("invalid id", &v).with_hint("a VNI is 0..16777215")
                    })?);
            }
            "group" => s.group = Some(vxlan_addr(&args.value()?, "group", IpAddr::is_multicast)?),
            "remote" => s.remote = Some(vxlan_addr(&args.value()?, "remote", is_unicast)?),
            "local" => s.local = Some(vxlan_addr(&args.value()?, "local", is_unicast)?),
            "dev" => s.dev = Some(args.value()?),
            "ttl" | "hoplimit" => {
                let v = args.value()?;
                s.ttl = Some(if v == "auto" {
                    0
                } else {
                    get_u32(&v)
                        .filter(|t| *t <= 255)
                        .ok_or_else(|| invarg("invalid TTL", &v))? as u8
                });
            }
            "tos" | "dsfield" => {
                let v = args.value()?;
                s.tos = Some(if v == "inherit" {
                    1
                } else {
                    dsfield_a2n(&v).ok_or_else(|| invarg("bad TOS value", &v))?
                });
            }
            "dstport" => {
                let v = args.value()?;
                s.dstport = Some(get_u16(&v).ok_or_else(|| invarg("dstport", &v))?);
            }
            "srcport" | "port" => {
                let lo = args.value()?;
                let min = get_u16(&lo).ok_or_else(|| invarg("min port", &lo))?;
                let hi = args.value()?;
                let max = get_u16(&hi).ok_or_else(|| invarg("max port", &hi))?;
                s.srcport = Some((min, max));
            }
            "udpcsum" => s.udpcsum = Some(true),
            "noudpcsum" => s.udpcsum = Some(false),
            "learning" => s.learning = Some(true),
            "nolearning" => s.learning = Some(false),
            "external" => s.external = true,
            "noexternal" => s.external = false,
            "gbp" => s.gbp = true,
            other => {
                return Err(ParseError::new(format!("vxlan: option \"{other}\" is not supported by lwt")).with_hint(
                    "vxlan options: id, remote, group, local, dev, dstport, srcport, ttl, tos, [no]udpcsum, [no]learning, external, gbp",
                ));
            }
        }
        args.advance();
    }
    if s.vni.is_none() && !s.external {
        return Err(ParseError::new("vxlan: missing virtual network identifier")
            .with_hint("give `id VNI`, or `external` for a flow-based device"));
    }
    if s.external && s.vni.is_some() {
        return Err(
            ParseError::new("vxlan: both 'external' and vni cannot be specified")
                .with_hint("an external device carries every VNI: drop `id`, and give the VNI per route (`encap ip id VNI ...`)"),
        );
    }
    if s.group.is_some() && s.remote.is_some() {
        return Err(ParseError::new(
            "vxlan: both group and remote cannot be specified",
        ));
    }
    Ok(s)
}

/// An address argument of `type vxlan` that `ok` accepts, else iproute2's
/// `invalid WHAT address`.
fn vxlan_addr(v: &str, what: &str, ok: impl Fn(&IpAddr) -> bool) -> Result<IpAddr> {
    match get_addr_1(v, Family::Any) {
        Some(Parsed::Addr(a)) if ok(&a) => Ok(a),
        _ => Err(invarg(&format!("invalid {what} address"), v)),
    }
}

fn is_unicast(a: &IpAddr) -> bool {
    !a.is_multicast() && !a.is_unspecified()
}

/// `xfrm_parse_opt` (link_xfrm.c).
fn parse_xfrm_link(args: &mut Args) -> Result<XfrmLinkSpec> {
    let mut s = XfrmLinkSpec::default();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        if matches(&w, "dev") {
            s.dev = Some(args.value()?);
        } else if matches(&w, "if_id") {
            let v = args.value()?;
            s.if_id = Some(get_u32(&v).ok_or_else(|| invarg("if_id value is invalid", &v))?);
        } else if matches(&w, "external") {
            s.external = true;
        } else {
            return Err(ParseError::new(format!("xfrm: unknown option \"{w}\""))
                .with_hint("Usage: ... xfrm [ if_id IF_ID ] [ dev PHYS_DEV ] [ external ]"));
        }
        args.advance();
    }
    if s.external && (s.if_id.is_some() || s.dev.is_some()) {
        return Err(
            ParseError::new("xfrm: external mode cannot be used with if_id or dev").with_hint(
                "an external xfrm device takes if_id and link from each packet's metadata",
            ),
        );
    }
    if !s.external && s.if_id.unwrap_or(0) == 0 {
        return Err(ParseError::new("must specify an if_id with non-zero value")
            .with_hint("`type xfrm dev PHYS if_id N`, or `type xfrm external`"));
    }
    Ok(s)
}

/// `ipaddr_list_flush_or_save` selectors used by `link show` / `addr show`.
pub fn parse_link_filter(args: &mut Args) -> Result<LinkFilter> {
    let mut f = LinkFilter::default();
    while let Some(w) = args.peek() {
        let w = w.to_string();
        match w.as_str() {
            "up" => f.up = true,
            "master" | "vrf" => f.master = Some(args.value()?),
            "type" => f.kind = Some(args.value()?),
            _ => {
                let mut v = w.clone();
                if w == "dev" {
                    v = args.value()?;
                } else if matches(&w, "help") {
                    return Err(ParseError::new(
                        "Usage: ip link show [ DEVICE | group GROUP ] [ up ] [ master DEV ] [ type TYPE ]",
                    ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn link(s: &str) -> Result<LinkCmd> {
        let mut a = Args::from_strs(&s.split_whitespace().collect::<Vec<_>>());
        parse_link(&mut a, &Options::default())
    }

    #[test]
    fn add_forms() {
        for l in [
            "add vrf-100 type vrf table 100",
            "add name vrf-100 type vrf table 100",
            "add dev vrf-100 type vrf table 100",
        ] {
            match link(l).unwrap() {
                LinkCmd::Add(s) => {
                    assert_eq!(s.name, "vrf-100");
                    assert_eq!(s.kind, Some(LinkKind::Vrf { table: 100 }));
                }
                o => panic!("{o:?}"),
            }
        }
    }

    #[test]
    fn set_master_and_rename() {
        match link("set veth-t100 master vrf-100").unwrap() {
            LinkCmd::Set(s) => {
                assert_eq!(s.name, "veth-t100");
                assert_eq!(s.master, Some(MasterChange::Set("vrf-100".into())));
            }
            o => panic!("{o:?}"),
        }
        match link("set dev a name b up").unwrap() {
            LinkCmd::Set(s) => {
                assert_eq!(
                    (s.name.as_str(), s.new_name.as_deref(), s.up),
                    ("a", Some("b"), Some(true))
                );
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn abbreviations_follow_iplink_order() {
        // `t` is txqueuelen (checked before `type`), `ty` is type, `m` master.
        match link("set eth0 t 5 m vrf-1").unwrap() {
            LinkCmd::Set(s) => assert_eq!(
                (s.txqlen, s.master),
                (Some(5), Some(MasterChange::Set("vrf-1".into())))
            ),
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            link("add d0 ty dummy").unwrap(),
            LinkCmd::Add(LinkSpec {
                kind: Some(LinkKind::Dummy),
                ..
            })
        ));
        assert_eq!(
            link("add name a dev b type dummy").unwrap_err().message,
            "both \"name\" and \"dev\" cannot be used when creating devices."
        );
        assert_eq!(
            link("add d0 type dummy foo bar").unwrap_err().message,
            "Garbage instead of arguments \"foo ...\". Try \"ip link help\"."
        );
    }

    #[test]
    fn xfrm_rules() {
        assert!(link("add x type xfrm external").is_ok());
        assert!(link("add x type xfrm dev eth0 if_id 7").is_ok());
        assert!(link("add x type xfrm external if_id 7").is_err());
        assert!(link("add x type xfrm dev eth0").is_err());
    }
}
