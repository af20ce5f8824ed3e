//! The sysctls lwt honours, with the kernel's names and defaults.

/// Router-wide knobs (per-interface ones live on the link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctls {
    /// `net.ipv4.ip_forward` (lwt default 1: it is a router).
    pub ip_forward: bool,
    /// `net.ipv6.conf.all.forwarding` (lwt default 1).
    pub ip6_forward: bool,
    /// `net.vrf.strict_mode` (lwt default 1, see design.md §4).
    pub vrf_strict_mode: bool,
    /// `net.ipv6.seg6_flowlabel`: -1 zero, 0 copy from inner IPv6, 1 hash.
    pub seg6_flowlabel: i8,
    /// `net.ipv4.ip_default_ttl`.
    pub ip_default_ttl: u8,
    /// `net.ipv4.icmp_ratelimit` (ms) and `net.ipv6.icmp.ratelimit` (ms); 0 = unlimited.
    pub icmp_ratelimit_ms: u32,
    pub icmp6_ratelimit_ms: u32,
    /// `net.ipv6.auto_flowlabels`: whether lwt-originated IPv6 packets get a flow label.
    pub auto_flowlabels: bool,
    /// `net.mpls.ip_ttl_propagate`: `encap mpls` routes without `ttl` copy the IP TTL.
    pub mpls_ip_ttl_propagate: bool,
    /// `net.mpls.default_ttl`: their label TTL otherwise.
    pub mpls_default_ttl: u8,
}

impl Default for Sysctls {
    fn default() -> Self {
        Sysctls {
            ip_forward: true,
            ip6_forward: true,
            vrf_strict_mode: true,
            seg6_flowlabel: 0,
            ip_default_ttl: 64,
            icmp_ratelimit_ms: 1000,
            icmp6_ratelimit_ms: 1000,
            auto_flowlabels: false,
            mpls_ip_ttl_propagate: true,
            mpls_default_ttl: 255,
        }
    }
}

/// Per-interface knobs set through `net.ipv{4,6}.conf.IF.KEY`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IfSysctls {
    pub proxy_arp: bool,
    pub proxy_ndp: bool,
    pub seg6_enabled: bool,
    pub seg6_require_hmac: i8,
    pub hop_limit: Option<u8>,
}

/// A parsed sysctl assignment.
#[derive(Debug, Clone)]
pub enum SysctlSet {
    Global(fn(&mut Sysctls, i64) -> Result<(), String>, i64),
    /// (interface name or "all"/"default", setter, value)
    PerIf(String, fn(&mut IfSysctls, i64) -> Result<(), String>, i64),
    /// Accepted for compatibility and ignored (e.g. accept_dad): the reason is kept.
    Ignored(&'static str),
}

fn boolean(v: i64) -> Result<bool, String> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(format!("value {v} is out of range (0 or 1)")),
    }
}

/// Resolves `key=value` into what to change. Keys use dots or slashes, as sysctl does.
pub fn parse(key: &str, value: &str) -> Result<SysctlSet, String> {
    let key = key.trim().replace('/', ".");
    let v: i64 = value.trim().parse().map_err(|_| {
        format!(
            "invalid value \"{}\" for {key}: a number is expected",
            value.trim()
        )
    })?;
    let g = |f: fn(&mut Sysctls, i64) -> Result<(), String>| Ok(SysctlSet::Global(f, v));
    match key.as_str() {
        "net.ipv4.ip_forward" | "net.ipv4.conf.all.forwarding" => g(|s, v| {
            s.ip_forward = boolean(v)?;
            Ok(())
        }),
        "net.ipv6.conf.all.forwarding" => g(|s, v| {
            s.ip6_forward = boolean(v)?;
            Ok(())
        }),
        "net.vrf.strict_mode" => g(|s, v| {
            s.vrf_strict_mode = boolean(v)?;
            Ok(())
        }),
        "net.ipv6.seg6_flowlabel" => g(|s, v| {
            if !(-1..=1).contains(&v) {
                return Err(format!("value {v} is out of range (-1, 0 or 1)"));
            }
            s.seg6_flowlabel = v as i8;
            Ok(())
        }),
        "net.ipv4.ip_default_ttl" => g(|s, v| {
            if !(1..=255).contains(&v) {
                return Err(format!("value {v} is out of range (1..255)"));
            }
            s.ip_default_ttl = v as u8;
            Ok(())
        }),
        "net.ipv4.icmp_ratelimit" => g(|s, v| {
            s.icmp_ratelimit_ms = u32::try_from(v).map_err(|_| "negative ratelimit".to_string())?;
            Ok(())
        }),
        "net.ipv6.icmp.ratelimit" => g(|s, v| {
            s.icmp6_ratelimit_ms =
                u32::try_from(v).map_err(|_| "negative ratelimit".to_string())?;
            Ok(())
        }),
        "net.ipv6.auto_flowlabels" => g(|s, v| {
            s.auto_flowlabels = v != 0;
            Ok(())
        }),
        "net.mpls.ip_ttl_propagate" => g(|s, v| {
            s.mpls_ip_ttl_propagate = boolean(v)?;
            Ok(())
        }),
        "net.mpls.default_ttl" => g(|s, v| {
            if !(1..=255).contains(&v) {
                return Err(format!("value {v} is out of range (1..255)"));
            }
            s.mpls_default_ttl = v as u8;
            Ok(())
        }),
        _ => per_if(&key, v),
    }
}

fn per_if(key: &str, v: i64) -> Result<SysctlSet, String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() == 5 && parts[0] == "net" && parts[2] == "conf" {
        let ifname = parts[3].to_string();
        let setter: fn(&mut IfSysctls, i64) -> Result<(), String> = match (parts[1], parts[4]) {
            ("ipv4", "proxy_arp") => |s, v| {
                s.proxy_arp = boolean(v)?;
                Ok(())
            },
            ("ipv6", "proxy_ndp") => |s, v| {
                s.proxy_ndp = boolean(v)?;
                Ok(())
            },
            ("ipv6", "seg6_enabled") => |s, v| {
                s.seg6_enabled = boolean(v)?;
                Ok(())
            },
            ("ipv6", "seg6_require_hmac") => |s, v| {
                if !(-1..=1).contains(&v) {
                    return Err(format!("value {v} is out of range (-1, 0 or 1)"));
                }
                s.seg6_require_hmac = v as i8;
                Ok(())
            },
            ("ipv6", "hop_limit") => |s, v| {
                if !(1..=255).contains(&v) {
                    return Err(format!("value {v} is out of range (1..255)"));
                }
                s.hop_limit = Some(v as u8);
                Ok(())
            },
            ("ipv6", "forwarding") if ifname == "all" => {
                return Ok(SysctlSet::Ignored("per-interface forwarding"));
            }
            ("ipv6", "accept_dad" | "disable_ipv6" | "autoconf" | "accept_ra" | "forwarding")
            | ("ipv4", "rp_filter" | "forwarding" | "accept_local" | "send_redirects") => {
                return Ok(SysctlSet::Ignored("has no effect in lwt"));
            }
            _ => return Err(unknown(key)),
        };
        return Ok(SysctlSet::PerIf(ifname, setter, v));
    }
    Err(unknown(key))
}

fn unknown(key: &str) -> String {
    format!(
        "cannot stat /proc/sys/{}: No such file or directory (lwt does not know this key)",
        key.replace('.', "/")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_and_per_interface_keys() {
        let mut s = Sysctls::default();
        match parse("net.ipv6.seg6_flowlabel", "-1").unwrap() {
            SysctlSet::Global(f, v) => f(&mut s, v).unwrap(),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.seg6_flowlabel, -1);
        match parse("net/ipv4/conf/veth0/proxy_arp", "1").unwrap() {
            SysctlSet::PerIf(name, f, v) => {
                assert_eq!(name, "veth0");
                let mut i = IfSysctls::default();
                f(&mut i, v).unwrap();
                assert!(i.proxy_arp);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse("net.ipv6.seg6_flowlabel", "x").is_err());
        assert!(
            parse("net.bogus.key", "1")
                .unwrap_err()
                .contains("No such file")
        );
        match parse("net.vrf.strict_mode", "2").unwrap() {
            SysctlSet::Global(f, v) => assert!(f(&mut s, v).is_err()),
            other => panic!("{other:?}"),
        }
    }
}
