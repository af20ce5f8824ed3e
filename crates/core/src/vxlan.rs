//! VXLAN devices as the snapshot holds them (drivers/net/vxlan/vxlan_core.c): a classic
//! device (`id VNI remote A ...`, static FDB entries) or a flow-based one (`external`,
//! collect_md) whose every outer parameter comes from tunnel metadata; the table of
//! "sockets" (UDP port → devices) the receive side looks packets up in; and the outer
//! headers precomputed per `encap ip` route.
//!
//! The packet path is in `path/vxlan.rs`.

use std::net::IpAddr;

use crate::dataplane::FastMap;
use lwt_config as cfg;

/// `vxlan_port`: the Linux default destination port (IANA's 4789 only when asked).
pub const DEFAULT_PORT: u16 = lwt_wire::udp::PORT_VXLAN_LINUX;
/// `ip_local_port_range` defaults: the source-port range when `srcport` is not given.
pub const LOCAL_PORT_RANGE: (u16, u16) = (32768, 60999);
/// Outer headers: IPv4 + UDP + VXLAN, and IPv6 + UDP + VXLAN (without the inner Ethernet).
pub const HDR4: usize = 20 + 8 + 8;
pub const HDR6: usize = 40 + 8 + 8;

/// A remote of the FDB (`struct vxlan_rdst`): port 0 and vni None mean the device's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    pub ip: IpAddr,
    pub port: u16,
    pub vni: Option<u32>,
}

/// A compiled VXLAN device.
#[derive(Debug, Clone)]
pub struct VxlanDev {
    pub ifindex: u32,
    pub mac: [u8; 6],
    /// `external`: collect_md.
    pub external: bool,
    /// Classic: the VNI (`id`).
    pub vni: u32,
    /// Destination port (`dstport`, default 8472).
    pub port: u16,
    /// Source-port range, resolved (`srcport MIN MAX`, else the local port range).
    pub port_min: u16,
    pub port_max: u16,
    /// Classic: `ttl` (0 = the route's hop limit, 1 for multicast remotes).
    pub ttl: u8,
    /// Classic: `tos` (1 = inherit the inner DS field).
    pub tos: u8,
    /// Classic over IPv4: UDP checksum (`udpcsum`, the kernel's default) or zero.
    pub udp_csum: bool,
    /// `gbp`: Group Based Policy extension (reserved-bit rules, GBP header).
    pub gbp: bool,
    /// Classic: the address family of the device (of `remote`/`group`/`local`).
    pub v6: bool,
    /// Classic: `local`.
    pub local: Option<IpAddr>,
    /// Classic: static FDB entries by MAC; the all-zeros MAC is the default remote
    /// (`remote A` creates it).
    pub fdb: FastMap<[u8; 6], Remote>,
}

impl VxlanDev {
    /// Compiles `type vxlan ...` plus the device's FDB entries (the default remote of
    /// `remote A` among them, as the all-zeros MAC).
    pub fn compile(
        ifindex: u32,
        mac: [u8; 6],
        s: &cfg::VxlanSpec,
        fdb: impl Iterator<Item = ([u8; 6], Remote)>,
    ) -> VxlanDev {
        let (port_min, port_max) = match s.srcport {
            Some((lo, hi)) if lo < hi => (lo, hi),
            _ => LOCAL_PORT_RANGE,
        };
        let v6 = s
            .remote
            .or(s.group)
            .or(s.local)
            .is_some_and(|a| a.is_ipv6());
        let table: FastMap<[u8; 6], Remote> = fdb.collect();
        VxlanDev {
            ifindex,
            mac,
            external: s.external,
            vni: s.vni.unwrap_or(0),
            port: s.dstport.filter(|p| *p != 0).unwrap_or(DEFAULT_PORT),
            port_min,
            port_max,
            ttl: s.ttl.unwrap_or(0),
            tos: s.tos.unwrap_or(0),
            udp_csum: s.udpcsum.unwrap_or(true),
            gbp: s.gbp,
            v6,
            local: s.local,
            fdb: table,
        }
    }

    /// The families this device receives on: a metadata device opens both sockets.
    pub fn families(&self) -> &'static [bool] {
        if self.external {
            &[false, true]
        } else if self.v6 {
            &[true]
        } else {
            &[false]
        }
    }

    /// `udp_flow_src_port`: `min + ((u64)hash * (max - min) >> 32)` after folding the
    /// hash's low half into its high half (`hash ^= hash << 16`).
    #[inline]
    pub fn src_port(&self, hash: u32) -> u16 {
        let h = hash ^ (hash << 16);
        let span = u64::from(self.port_max - self.port_min);
        self.port_min + ((u64::from(h) * span) >> 32) as u16
    }
}

/// Receive side: the devices listening on one UDP port of one family (a `vxlan_sock`).
#[derive(Debug, Clone, Default)]
pub struct VxlanSock {
    pub port: u16,
    pub v6: bool,
    /// A metadata device takes every VNI (`vxlan_vs_find_vni` maps them all to 0).
    pub external: Option<u32>,
    /// Classic devices by VNI.
    pub by_vni: FastMap<u32, u32>,
}

/// Outer headers precomputed for one `encap ip` / `encap ip6` next hop through a VXLAN
/// device, when everything but the packet-dependent fields is known at snapshot time:
/// the outer route (looked up with mark 0), its next hop and device, the source address,
/// the TTL, and — when the next hop has a static neighbour entry — its MAC.
#[derive(Debug, Clone)]
pub struct VxlanTemplate {
    /// IP + UDP + VXLAN with lengths, ECN, id, source port and checksums to patch.
    pub hdr: [u8; HDR6],
    pub len: usize,
    pub v6: bool,
    /// UDP checksum (the key's CSUM flag).
    pub csum: bool,
    /// Outer next hop: device and neighbour address.
    pub oif: u32,
    pub via: IpAddr,
    /// The outer device's MTU.
    pub mtu: u32,
    /// Static neighbour entry of `via` on `oif` (snapshot entries win over learnt ones,
    /// so caching it is exact), with the outer device's MAC.
    pub eth: Option<([u8; 6], [u8; 6])>,
    /// One's-complement sum of the IPv4 header as templated (length, id, ECN and
    /// checksum 0), so the per-packet checksum is an update.
    pub ip_sum: u16,
    /// The inner Ethernet addresses when the route's gateway on the VXLAN device has a
    /// static neighbour entry: (gateway's MAC, device MAC). The packet then needs no
    /// neighbour lookup at all.
    pub inner: Option<([u8; 6], [u8; 6])>,
}

/// The inner flow hash that picks the UDP source port (the kernel's `skb_get_hash`,
/// whose siphash key is random per boot, cannot be reproduced; this is lwt's): over the
/// inner IPv4/IPv6 source and destination, the protocol and, for TCP, UDP and SCTP, the
/// first four bytes of the transport header (the ports); for any other frame over the 12
/// MAC address bytes and the ethertype, as `udp_flow_src_port` falls back to.
#[inline]
pub fn inner_flow_hash(frame: &[u8]) -> u32 {
    #[inline]
    fn mix(h: u64, w: u64) -> u64 {
        (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29)
    }
    #[inline]
    fn rd(b: &[u8], at: usize) -> u64 {
        b.get(at..at + 8)
            .map_or(0, |x| u64::from_be_bytes(x.try_into().expect("8 bytes")))
    }
    let et = frame
        .get(12..14)
        .map_or(0, |x| u16::from_be_bytes([x[0], x[1]]));
    let ports = |proto: u8, l4: usize| -> u64 {
        match proto {
            6 | 17 | 132 => frame.get(l4..l4 + 4).map_or(0, |p| {
                u64::from(u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
            }),
            _ => 0,
        }
    };
    let h = match et {
        0x0800 if frame.len() >= 34 => {
            let proto = frame[23];
            let ihl = usize::from(frame[14] & 0x0f) * 4;
            let addrs = rd(frame, 26);
            mix(
                mix(0x0800, addrs),
                (u64::from(proto) << 32) | ports(proto, 14 + ihl),
            )
        }
        0x86dd if frame.len() >= 54 => {
            let proto = frame[20];
            let mut h = mix(0x86dd, rd(frame, 22));
            h = mix(h, rd(frame, 30));
            h = mix(h, rd(frame, 38));
            h = mix(h, rd(frame, 46));
            mix(h, (u64::from(proto) << 32) | ports(proto, 54))
        }
        _ => {
            let macs = rd(frame, 0) ^ (rd(frame, 4) << 16);
            mix(mix(u64::from(et), macs), rd(frame, 6))
        }
    };
    let h = (h ^ (h >> 32)) as u32;
    // A zero hash means "none" in the kernel; keep it non-zero.
    h.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(srcport: Option<(u16, u16)>) -> VxlanDev {
        VxlanDev::compile(
            5,
            [2, 0, 0, 0, 0, 5],
            &cfg::VxlanSpec {
                external: true,
                srcport,
                ..Default::default()
            },
            std::iter::empty(),
        )
    }

    #[test]
    fn source_port_formula() {
        let d = dev(None);
        assert_eq!((d.port_min, d.port_max, d.port), (32768, 60999, 8472));
        assert_eq!(d.src_port(0), 32768);
        // hash ^ hash << 16 of 0xffff_ffff is 0xffff, high bits clear.
        assert_eq!(d.src_port(0xffff_ffff), 32768);
        assert_eq!(
            d.src_port(0xffff),
            32768 + ((0xffff_ffffu64 * 28231) >> 32) as u16
        );
        for h in [1u32, 0x1234_5678, 0x8000_0000, 0xdead_beef] {
            let p = d.src_port(h);
            assert!((32768..60999).contains(&p), "{p}");
        }
        let d = dev(Some((1000, 1010)));
        assert!(
            (0..1000u32).all(|h| (1000..1010).contains(&d.src_port(h.wrapping_mul(0x9e37_79b9))))
        );
        // MIN >= MAX falls back to the local port range, as udp_flow_src_port does.
        assert_eq!(dev(Some((5, 5))).port_min, 32768);
    }

    #[test]
    fn classic_default_remote_and_family() {
        let s = cfg::VxlanSpec {
            vni: Some(42),
            remote: Some("2001:db8::2".parse().unwrap()),
            dstport: Some(4789),
            ..Default::default()
        };
        let r = Remote {
            ip: s.remote.unwrap(),
            port: 0,
            vni: None,
        };
        let d = VxlanDev::compile(3, [0; 6], &s, std::iter::once(([0; 6], r)));
        assert!(d.v6 && !d.external);
        assert_eq!(d.families(), &[true]);
        assert_eq!(d.fdb[&[0; 6]], r);
        assert!(d.udp_csum);
    }

    #[test]
    fn flow_hash_uses_the_inner_flow() {
        let mut f = vec![0u8; 60];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[23] = 17;
        f[26..30].copy_from_slice(&[10, 0, 0, 1]);
        f[30..34].copy_from_slice(&[10, 0, 0, 2]);
        f[34..38].copy_from_slice(&[0x10, 0, 0x20, 0]);
        let a = inner_flow_hash(&f);
        f[35] = 1; // another source port
        let b = inner_flow_hash(&f);
        assert_ne!(a, b);
        f[0] = 0xff; // MACs do not matter for IP
        assert_eq!(inner_flow_hash(&f), b);
        f[12..14].copy_from_slice(&[0x08, 0x06]); // ARP: MACs do
        let c = inner_flow_hash(&f);
        f[0] = 0xfe;
        assert_ne!(inner_flow_hash(&f), c);
    }
}
