//! Address, prefix and MAC parsing with iproute2's rules (lib/utils.c
//! `get_addr_1`, `get_prefix_1`, `get_addr_ipv4`; lib/ll_addr.c).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ast::{Family, IpPrefix, Mac};
use crate::error::ParseError;
use crate::words::Result;

/// An address as iproute2 parses it: `default` / `all` / `any` have no
/// address until the family is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    Addr(IpAddr),
    /// `default` (prefix length fixed to 0, a length suffix is an error).
    Default(Family),
    /// `all` / `any` (length 0).
    Any(Family),
}

/// IPv4 the iproute2 way: `10.8` means 10.8.0.0, each part is a C number
/// (hex `0x..`, octal `0..`) <= 255.
pub fn parse_ipv4_legacy(s: &str) -> Option<Ipv4Addr> {
    let mut out = [0u8; 4];
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    for (i, p) in parts.iter().enumerate() {
        let v = crate::words::parse_c_unsigned(p, 0)?;
        if v > 255 {
            return None;
        }
        out[i] = v as u8;
    }
    Some(Ipv4Addr::from(out))
}

/// `get_addr_1`: parse an address restricted to `family` (Any = either).
pub fn get_addr_1(s: &str, family: Family) -> Option<Parsed> {
    if s == "default" {
        return Some(Parsed::Default(family));
    }
    if s == "all" || s == "any" {
        return Some(Parsed::Any(family));
    }
    if s.contains(':') {
        if family == Family::V4 {
            return None;
        }
        return s
            .parse::<Ipv6Addr>()
            .ok()
            .map(|a| Parsed::Addr(IpAddr::V6(a)));
    }
    if family == Family::V6 {
        return None;
    }
    parse_ipv4_legacy(s).map(|a| Parsed::Addr(IpAddr::V4(a)))
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    }
}

/// `get_addr`: an address of `family`; `default`/`any` give the unspecified
/// address (IPv4 when the family is not known yet).
pub fn get_addr(s: &str, family: Family) -> Result<IpAddr> {
    match get_addr_1(s, family) {
        Some(Parsed::Addr(a)) => Ok(a),
        Some(Parsed::Default(f)) | Some(Parsed::Any(f)) => Ok(unspecified(f)),
        None => Err(addr_error(s, family)),
    }
}

pub fn addr_error(s: &str, family: Family) -> ParseError {
    ParseError::new(format!(
        "{} address is expected rather than \"{s}\".",
        family.verbose_name()
    ))
    .with_hint(match family {
        Family::V4 => "give an IPv4 address like 192.0.2.1",
        Family::V6 => "give an IPv6 address like 2001:db8::1",
        Family::Any => "give an IPv4 or IPv6 address",
    })
}

pub fn get_addr_v4(s: &str) -> Result<Ipv4Addr> {
    match get_addr(s, Family::V4)? {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(_) => Err(addr_error(s, Family::V4)),
    }
}

pub fn get_addr_v6(s: &str) -> Result<Ipv6Addr> {
    match get_addr(s, Family::V6)? {
        IpAddr::V6(a) => Ok(a),
        IpAddr::V4(_) => Err(addr_error(s, Family::V6)),
    }
}

/// A parsed prefix whose address may still be family-less (`default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixArg {
    pub addr: Option<IpAddr>,
    pub len: u8,
    /// The word was `default` / `all` / `any`.
    pub wildcard: bool,
}

impl PrefixArg {
    /// Fix the family of a `default` prefix once it is known.
    pub fn resolve(&self, family: Family) -> IpPrefix {
        match self.addr {
            Some(a) => IpPrefix::new(a, self.len),
            None => IpPrefix::new(unspecified(family), 0),
        }
    }
    pub fn family(&self) -> Family {
        self.addr.map(|a| Family::of(&a)).unwrap_or(Family::Any)
    }
}

/// `get_netmask`: a length, or a dotted IPv4 netmask turned into one.
pub fn get_unsigned_netmask(s: &str) -> Option<u32> {
    if let Some(v) = crate::words::get_u32(s) {
        return Some(v);
    }
    let m = u32::from(parse_ipv4_legacy(s)?);
    let host = !m;
    if host & host.wrapping_add(1) != 0 {
        return None;
    }
    Some(m.count_ones())
}

/// `get_prefix_1`: ADDR[/LEN] where LEN is a number or a dotted netmask;
/// a bare address is a host prefix.
pub fn get_prefix_1(s: &str, family: Family) -> Option<PrefixArg> {
    let (a, l) = match s.find('/') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    match get_addr_1(a, family)? {
        Parsed::Default(f) | Parsed::Any(f) => {
            if l.is_some() {
                return None;
            }
            let addr = if f == Family::Any {
                None
            } else {
                Some(unspecified(f))
            };
            Some(PrefixArg {
                addr,
                len: 0,
                wildcard: true,
            })
        }
        Parsed::Addr(addr) => {
            let max = IpPrefix::max_len_of(&addr) as u32;
            let len = match l {
                None => max,
                Some(l) => {
                    let plen = get_unsigned_netmask(l)?;
                    if plen > max {
                        return None;
                    }
                    plen
                }
            };
            Some(PrefixArg {
                addr: Some(addr),
                len: len as u8,
                wildcard: false,
            })
        }
    }
}

/// `get_prefix` with iproute2's error text.
pub fn get_prefix(s: &str, family: Family) -> Result<PrefixArg> {
    get_prefix_1(s, family).ok_or_else(|| prefix_error(s, family))
}

pub fn prefix_error(s: &str, family: Family) -> ParseError {
    let hint = match family {
        Family::V4 => {
            "an IPv4 prefix looks like 192.0.2.0/24 (-4 or an earlier IPv4 address is in effect)"
        }
        Family::V6 => {
            "an IPv6 prefix looks like 2001:db8::/32 (-6 or an earlier IPv6 address is in effect)"
        }
        Family::Any => "a prefix looks like 192.0.2.0/24, 2001:db8::/32 or default",
    };
    ParseError::new(format!(
        "{} prefix is expected rather than \"{s}\".",
        family.verbose_name()
    ))
    .with_hint(hint)
}

/// `ll_addr_a2n` for Ethernet: six hex bytes separated by `:`.
pub fn parse_mac(s: &str) -> Result<Mac> {
    let bad = || {
        ParseError::new(format!("\"{s}\" is invalid lladdr."))
            .with_hint("a MAC address looks like 02:00:00:00:00:01")
    };
    let mut out = [0u8; 6];
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(bad());
    }
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return Err(bad());
        }
        out[i] = u8::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    Ok(Mac(out))
}

/// iproute2's `read_family`: the optional family word before a gateway.
pub fn read_family(s: &str) -> Option<Family> {
    match s {
        "inet" => Some(Family::V4),
        "inet6" => Some(Family::V6),
        _ => None,
    }
}

/// Family words iproute2 knows but lwt does not route.
pub fn is_unsupported_family_word(s: &str) -> bool {
    matches!(s, "mpls" | "bridge" | "link" | "ipx" | "dnet")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ipv4() {
        assert_eq!(parse_ipv4_legacy("10.8"), Some(Ipv4Addr::new(10, 8, 0, 0)));
        assert_eq!(parse_ipv4_legacy("10"), Some(Ipv4Addr::new(10, 0, 0, 0)));
        assert_eq!(
            parse_ipv4_legacy("0x0a.1.2.3"),
            Some(Ipv4Addr::new(10, 1, 2, 3))
        );
        assert_eq!(parse_ipv4_legacy("1.2.3.256"), None);
        assert_eq!(parse_ipv4_legacy("1.2.3.4.5"), None);
        assert_eq!(parse_ipv4_legacy("xyz"), None);
    }

    #[test]
    fn prefixes() {
        let p = get_prefix("10.0.0.0/8", Family::Any).unwrap();
        assert_eq!(
            p.resolve(Family::V4),
            IpPrefix::new("10.0.0.0".parse().unwrap(), 8)
        );
        let p = get_prefix("10.0.0.1", Family::Any).unwrap();
        assert_eq!(p.len, 32);
        let p = get_prefix("fc00::/16", Family::Any).unwrap();
        assert_eq!(p.len, 16);
        let p = get_prefix("10.0.0.0/255.255.0.0", Family::Any).unwrap();
        assert_eq!(p.len, 16);
        let p = get_prefix("default", Family::Any).unwrap();
        assert_eq!(p.addr, None);
        assert_eq!(p.resolve(Family::V6), IpPrefix::default_of(true));
        assert!(get_prefix("default/0", Family::Any).is_err());
        assert!(get_prefix("10.0.0.0/33", Family::Any).is_err());
        let e = get_prefix("fc00::/16", Family::V4).unwrap_err();
        assert_eq!(
            e.message,
            "inet prefix is expected rather than \"fc00::/16\"."
        );
        let e = get_prefix("xyz", Family::Any).unwrap_err();
        assert_eq!(
            e.message,
            "any valid prefix is expected rather than \"xyz\"."
        );
    }

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("00:00:00:c0:01:02").unwrap().0,
            [0, 0, 0, 0xc0, 1, 2]
        );
        assert!(parse_mac("00:00:00:c0:01").is_err());
        assert!(parse_mac("zz:00:00:c0:01:02").is_err());
    }
}
