//! Symbolic names of numeric ids, as lib/rt_names.c and the default
//! /etc/iproute2 files define them (tables, protocols, scopes, dsfield,
//! route types). lwt has no /etc files: the built-in defaults are the names.

use std::fmt::Display;

use crate::ast::RouteType;
use crate::words::{get_u8, get_u32, parse_c_unsigned};

/// The id `name` stands for in a `(id, name)` table.
fn id_of<T: Copy>(table: &[(T, &str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(id, _)| *id)
}

/// The name of `id` in a `(id, name)` table, else the number itself.
fn name_of<T: Copy + PartialEq + Display>(table: &[(T, &str)], id: T) -> String {
    table
        .iter()
        .find(|(v, _)| *v == id)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| id.to_string())
}

const TABLES: [(u32, &str); 4] = [
    (0, "unspec"),
    (253, "default"),
    (254, "main"),
    (255, "local"),
];

/// `rtnl_rttable_a2n`: a table name or a number (base 0).
pub fn table_a2n(s: &str) -> Option<u32> {
    id_of(&TABLES, s).or_else(|| get_u32(s))
}

/// `rtnl_rttable_n2a`.
pub fn table_n2a(id: u32) -> String {
    name_of(&TABLES, id)
}

/// Protocol names (rtnl_rtprot_tab + etc/iproute2/rt_protos).
const PROTOS: [(u8, &str); 23] = [
    (0, "unspec"),
    (1, "redirect"),
    (2, "kernel"),
    (3, "boot"),
    (4, "static"),
    (8, "gated"),
    (9, "ra"),
    (10, "mrt"),
    (11, "zebra"),
    (12, "bird"),
    (13, "dnrouted"),
    (14, "xorp"),
    (15, "ntk"),
    (16, "dhcp"),
    (17, "mrouted"),
    (18, "keepalived"),
    (42, "babel"),
    (99, "openr"),
    (186, "bgp"),
    (187, "isis"),
    (188, "ospf"),
    (189, "rip"),
    (192, "eigrp"),
];

/// `rtnl_rtprot_a2n`.
pub fn proto_a2n(s: &str) -> Option<u8> {
    id_of(&PROTOS, s).or_else(|| get_u8(s))
}

/// `rtnl_rtprot_n2a`.
pub fn proto_n2a(id: u8) -> String {
    name_of(&PROTOS, id)
}

const SCOPES: [(u8, &str); 5] = [
    (0, "global"),
    (200, "site"),
    (253, "link"),
    (254, "host"),
    (255, "nowhere"),
];

/// `rtnl_rtscope_a2n`.
pub fn scope_a2n(s: &str) -> Option<u8> {
    id_of(&SCOPES, s).or_else(|| get_u8(s))
}

/// `rtnl_rtscope_n2a`.
pub fn scope_n2a(id: u8) -> String {
    name_of(&SCOPES, id)
}

/// `rtnl_dsfield_a2n`: a hex number (base 16, as iproute2) or a DSCP name.
pub fn dsfield_a2n(s: &str) -> Option<u8> {
    const NAMES: [(u8, &str); 21] = [
        (0x00, "CS0"),
        (0x20, "CS1"),
        (0x40, "CS2"),
        (0x60, "CS3"),
        (0x80, "CS4"),
        (0xa0, "CS5"),
        (0xc0, "CS6"),
        (0xe0, "CS7"),
        (0xb8, "EF"),
        (0x28, "AF11"),
        (0x30, "AF12"),
        (0x38, "AF13"),
        (0x48, "AF21"),
        (0x50, "AF22"),
        (0x58, "AF23"),
        (0x68, "AF31"),
        (0x70, "AF32"),
        (0x78, "AF33"),
        (0x88, "AF41"),
        (0x90, "AF42"),
        (0x98, "AF43"),
    ];
    id_of(&NAMES, s).or_else(|| parse_c_unsigned(s, 16).and_then(|v| u8::try_from(v).ok()))
}

/// `rtnl_dsfield_n2a` for the default table: hex `0x%02x`.
pub fn dsfield_n2a(v: u8) -> String {
    format!("0x{v:02x}")
}

/// Result of iproute2's `rtnl_rtntype_a2n` (rtm_map.c), which also knows
/// types lwt does not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtnType {
    Supported(RouteType),
    /// broadcast, anycast, multicast, nat, xresolve or a number lwt lacks.
    Unsupported(&'static str),
}

/// `rtnl_rtntype_a2n`, including its abbreviations (`bl` = blackhole,
/// `u` = unreachable ...), in its order.
pub fn rtntype_a2n(s: &str) -> Option<RtnType> {
    use crate::words::matches;
    use RtnType::*;
    Some(if s == "local" {
        Supported(RouteType::Local)
    } else if s == "nat" {
        Unsupported("nat")
    } else if matches(s, "broadcast") || s == "brd" {
        Unsupported("broadcast")
    } else if matches(s, "anycast") {
        Unsupported("anycast")
    } else if matches(s, "multicast") {
        Unsupported("multicast")
    } else if matches(s, "prohibit") {
        Supported(RouteType::Prohibit)
    } else if matches(s, "unreachable") {
        Supported(RouteType::Unreachable)
    } else if matches(s, "blackhole") {
        Supported(RouteType::Blackhole)
    } else if matches(s, "xresolve") {
        Unsupported("xresolve")
    } else if matches(s, "unicast") {
        Supported(RouteType::Unicast)
    } else if s == "throw" {
        Supported(RouteType::Throw)
    } else {
        let v = parse_c_unsigned(s, 0)?;
        match v {
            1 => Supported(RouteType::Unicast),
            2 => Supported(RouteType::Local),
            6 => Supported(RouteType::Blackhole),
            7 => Supported(RouteType::Unreachable),
            8 => Supported(RouteType::Prohibit),
            9 => Supported(RouteType::Throw),
            0..=255 => Unsupported("numeric"),
            _ => return None,
        }
    })
}

/// IP protocol names for `ipproto` (inet_proto_a2n subset).
pub fn ipproto_a2n(s: &str) -> Option<u8> {
    const NAMES: [(u8, &str); 8] = [
        (1, "icmp"),
        (2, "igmp"),
        (4, "ipip"),
        (6, "tcp"),
        (17, "udp"),
        (41, "ipv6"),
        (47, "gre"),
        (58, "ipv6-icmp"),
    ];
    id_of(&NAMES, s).or_else(|| get_u8(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(table_a2n("main"), Some(254));
        assert_eq!(table_a2n("local"), Some(255));
        assert_eq!(table_a2n("default"), Some(253));
        assert_eq!(table_a2n("90"), Some(90));
        assert_eq!(table_a2n("mian"), None);
        assert_eq!(table_n2a(254), "main");
        assert_eq!(table_n2a(100), "100");
    }

    #[test]
    fn route_types_abbreviate_like_iproute2() {
        assert_eq!(
            rtntype_a2n("bl"),
            Some(RtnType::Supported(RouteType::Blackhole))
        );
        assert_eq!(rtntype_a2n("b"), Some(RtnType::Unsupported("broadcast")));
        assert_eq!(
            rtntype_a2n("unreachable"),
            Some(RtnType::Supported(RouteType::Unreachable))
        );
        assert_eq!(
            rtntype_a2n("un"),
            Some(RtnType::Supported(RouteType::Unreachable))
        );
        assert_eq!(rtntype_a2n("thr"), None);
        assert_eq!(rtntype_a2n("default"), None);
    }

    #[test]
    fn protos_scopes() {
        assert_eq!(proto_a2n("static"), Some(4));
        assert_eq!(proto_a2n("bgp"), Some(186));
        assert_eq!(proto_n2a(3), "boot");
        assert_eq!(proto_n2a(77), "77");
        assert_eq!(scope_a2n("link"), Some(253));
        assert_eq!(scope_n2a(0), "global");
    }
}
