//! Builders for test frames: Ethernet, IPv4, IPv6 (+SRH), UDP, ICMP, ICMPv6, ARP.
//!
//! Written here, byte by byte, on purpose: test inputs must not come from lwt's own wire
//! crate, or a bug there would build the input and accept the output alike. (The unit
//! tests check these builders against `etherparse`, a third implementation.)
//!
//! IP builders return *packets* (no Ethernet header) so they nest: an IPv4 packet becomes
//! the payload of an IPv6+SRH packet, which becomes the payload of [`ethernet`].
//!
//! ```
//! use lwt_testkit::frames::{ethernet_ip, mac, Ipv6};
//! let pkt = Ipv6::new("2001:db8:1::2".parse().unwrap(), "2001:db8:99::5".parse().unwrap())
//!     .udp(1000, 2000, b"hello");
//! let frame = ethernet_ip(mac("02:00:00:00:01:02"), mac("02:00:00:00:01:01"), &pkt);
//! assert_eq!(frame.len(), 14 + 40 + 8 + 5);
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Error, Result};

/// EtherType IPv4.
pub const ETH_P_IP: u16 = 0x0800;
/// EtherType ARP.
pub const ETH_P_ARP: u16 = 0x0806;
/// EtherType IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// EtherType 802.1Q VLAN tag.
pub const ETH_P_8021Q: u16 = 0x8100;

/// IP protocol numbers used by the builders.
pub mod proto {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// IPv4 in IP.
    pub const IPIP: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 in IP.
    pub const IPV6: u8 = 41;
    /// IPv6 Routing header.
    pub const ROUTING: u8 = 43;
    /// ICMPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 No Next Header.
    pub const NONE: u8 = 59;
    /// Ethernet in IPv6 (SRv6 L2 encapsulation).
    pub const ETHERNET: u8 = 143;
}

/// A MAC address. Parses and prints as `02:00:00:00:01:01`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: Mac = Mac([0xff; 6]);

    /// The Ethernet multicast address an IPv6 multicast group maps to (33:33 + low 32 bits).
    pub fn ipv6_multicast(group: Ipv6Addr) -> Mac {
        let o = group.octets();
        Mac([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    /// The EUI-64 link-local address Linux gives an interface with this MAC
    /// (`addr_gen_mode eui64`, the default).
    pub fn link_local(&self) -> Ipv6Addr {
        let m = self.0;
        Ipv6Addr::from([
            0xfe,
            0x80,
            0,
            0,
            0,
            0,
            0,
            0,
            m[0] ^ 2,
            m[1],
            m[2],
            0xff,
            0xfe,
            m[3],
            m[4],
            m[5],
        ])
    }
}

impl FromStr for Mac {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mac> {
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for b in &mut out {
            let p = parts
                .next()
                .ok_or_else(|| Error::new(format!("bad MAC {s:?}")))?;
            *b = u8::from_str_radix(p, 16).map_err(|_| Error::new(format!("bad MAC {s:?}")))?;
        }
        if parts.next().is_some() {
            return Err(Error::new(format!("bad MAC {s:?}")));
        }
        Ok(Mac(out))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Parse a MAC literal; panics on a typo (test code).
pub fn mac(s: &str) -> Mac {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// Parse an IPv6 literal; panics on a typo (test code).
pub fn ip6(s: &str) -> Ipv6Addr {
    s.parse()
        .unwrap_or_else(|e| panic!("bad IPv6 address {s:?}: {e}"))
}

/// Parse an IPv4 literal; panics on a typo (test code).
pub fn ip4(s: &str) -> Ipv4Addr {
    s.parse()
        .unwrap_or_else(|e| panic!("bad IPv4 address {s:?}: {e}"))
}

/// The Internet checksum (RFC 1071) of `data` added to `initial` (a partial sum).
pub fn checksum(initial: u32, data: &[u8]) -> u16 {
    let mut sum = initial;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn sum16(data: &[u8]) -> u32 {
    data.chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum()
}

/// Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1).
fn pseudo6(src: Ipv6Addr, dst: Ipv6Addr, proto: u8, len: usize) -> u32 {
    sum16(&src.octets()) + sum16(&dst.octets()) + len as u32 + u32::from(proto)
}

/// Partial sum of the IPv4 pseudo-header.
fn pseudo4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> u32 {
    sum16(&src.octets()) + sum16(&dst.octets()) + len as u32 + u32::from(proto)
}

/// A UDP datagram (header + payload) with `checksum` already computed by the caller's
/// pseudo-header sum; a computed 0 is sent as 0xffff (RFC 768).
fn udp_datagram(pseudo: u32, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut d = Vec::with_capacity(len);
    d.extend_from_slice(&sport.to_be_bytes());
    d.extend_from_slice(&dport.to_be_bytes());
    d.extend_from_slice(&(len as u16).to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(payload);
    let mut c = checksum(pseudo, &d);
    if c == 0 {
        c = 0xffff;
    }
    d[6..8].copy_from_slice(&c.to_be_bytes());
    d
}

/// An IPv6 header template; its methods return whole packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6 {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Hop limit (default 64).
    pub hop_limit: u8,
    /// Traffic class (default 0).
    pub traffic_class: u8,
    /// Flow label, 20 bits (default 0).
    pub flow_label: u32,
}

impl Ipv6 {
    /// `src` → `dst`, hop limit 64, traffic class 0, flow label 0.
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr) -> Ipv6 {
        Ipv6 {
            src,
            dst,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
    }

    /// Set the hop limit.
    pub fn hop_limit(mut self, h: u8) -> Ipv6 {
        self.hop_limit = h;
        self
    }

    /// Set the traffic class.
    pub fn traffic_class(mut self, tc: u8) -> Ipv6 {
        self.traffic_class = tc;
        self
    }

    /// Set the flow label (20 bits).
    pub fn flow_label(mut self, fl: u32) -> Ipv6 {
        self.flow_label = fl & 0xfffff;
        self
    }

    /// The 40-byte header for a payload of `payload_len` bytes.
    pub fn header(&self, next_header: u8, payload_len: usize) -> [u8; 40] {
        let mut h = [0u8; 40];
        let vtf = (6u32 << 28) | (u32::from(self.traffic_class) << 20) | self.flow_label;
        h[0..4].copy_from_slice(&vtf.to_be_bytes());
        h[4..6].copy_from_slice(&(payload_len as u16).to_be_bytes());
        h[6] = next_header;
        h[7] = self.hop_limit;
        h[8..24].copy_from_slice(&self.src.octets());
        h[24..40].copy_from_slice(&self.dst.octets());
        h
    }

    /// Header + `payload` (already containing whatever `next_header` announces).
    pub fn packet(&self, next_header: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = self.header(next_header, payload.len()).to_vec();
        p.extend_from_slice(payload);
        p
    }

    /// A UDP packet (checksum over this header's src/dst).
    pub fn udp(&self, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let pseudo = pseudo6(self.src, self.dst, proto::UDP, 8 + payload.len());
        self.packet(proto::UDP, &udp_datagram(pseudo, sport, dport, payload))
    }

    /// An ICMPv6 message of `typ`/`code` whose body (after the checksum) is `body`.
    pub fn icmpv6(&self, typ: u8, code: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![typ, code, 0, 0];
        m.extend_from_slice(body);
        let c = checksum(pseudo6(self.src, self.dst, proto::ICMPV6, m.len()), &m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
        self.packet(proto::ICMPV6, &m)
    }

    /// ICMPv6 echo request.
    pub fn echo_request(&self, id: u16, seq: u16, data: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(4 + data.len());
        body.extend_from_slice(&id.to_be_bytes());
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend_from_slice(data);
        self.icmpv6(128, 0, &body)
    }

    /// A neighbour solicitation for `target` with a source link-layer address option.
    /// (Send it to `target`'s solicited-node group for a real resolution.)
    pub fn neighbour_solicitation(&self, target: Ipv6Addr, src_mac: Mac) -> Vec<u8> {
        let mut body = vec![0u8; 4];
        body.extend_from_slice(&target.octets());
        body.extend_from_slice(&[1, 1]);
        body.extend_from_slice(&src_mac.0);
        self.icmpv6(135, 0, &body)
    }

    /// A packet with a Segment Routing Header (see [`srh`]) in front of `inner`.
    pub fn with_srh(&self, srh: &[u8], inner: &[u8]) -> Vec<u8> {
        let mut payload = srh.to_vec();
        payload.extend_from_slice(inner);
        self.packet(proto::ROUTING, &payload)
    }
}

/// The solicited-node multicast group of `addr` (ff02::1:ffXX:XXXX).
pub fn solicited_node(addr: Ipv6Addr) -> Ipv6Addr {
    let o = addr.octets();
    Ipv6Addr::from([
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15],
    ])
}

/// A Segment Routing Header (RFC 8754) with `segments` in *stored* order
/// (`segments[0]` is the last segment visited), followed by `tlvs` (whose length must
/// keep the header a multiple of 8 bytes). `last_entry` = `segments.len() - 1`.
pub fn srh(next_header: u8, segments_left: u8, segments: &[Ipv6Addr], tlvs: &[u8]) -> Vec<u8> {
    let len = 8 + 16 * segments.len() + tlvs.len();
    assert!(
        len.is_multiple_of(8),
        "SRH length {len} is not a multiple of 8"
    );
    let mut h = vec![
        next_header,
        (len / 8 - 1) as u8,
        4,
        segments_left,
        segments.len().saturating_sub(1) as u8,
        0,
        0,
        0,
    ];
    for s in segments {
        h.extend_from_slice(&s.octets());
    }
    h.extend_from_slice(tlvs);
    h
}

/// An SRH for a path given in *visit* order (as `ip route ... segs S1,S2,...` takes
/// it): stored reversed, segments left = `path.len() - 1`, as iproute2 builds it.
pub fn srh_for_path(next_header: u8, path: &[Ipv6Addr]) -> Vec<u8> {
    let stored: Vec<Ipv6Addr> = path.iter().rev().copied().collect();
    srh(
        next_header,
        path.len().saturating_sub(1) as u8,
        &stored,
        &[],
    )
}

/// An IPv4 header template; its methods return whole packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live (default 64).
    pub ttl: u8,
    /// Type of service / DSCP+ECN (default 0).
    pub tos: u8,
    /// Identification (default 0).
    pub ident: u16,
    /// Don't-fragment flag (default false).
    pub dont_fragment: bool,
}

impl Ipv4 {
    /// `src` → `dst`, TTL 64, TOS 0, ident 0, DF clear.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4 {
        Ipv4 {
            src,
            dst,
            ttl: 64,
            tos: 0,
            ident: 0,
            dont_fragment: false,
        }
    }

    /// Set the TTL.
    pub fn ttl(mut self, ttl: u8) -> Ipv4 {
        self.ttl = ttl;
        self
    }

    /// Set the TOS byte.
    pub fn tos(mut self, tos: u8) -> Ipv4 {
        self.tos = tos;
        self
    }

    /// Set the identification field.
    pub fn ident(mut self, id: u16) -> Ipv4 {
        self.ident = id;
        self
    }

    /// Set or clear DF.
    pub fn dont_fragment(mut self, df: bool) -> Ipv4 {
        self.dont_fragment = df;
        self
    }

    /// The 20-byte header (no options, checksum filled) for `payload_len` bytes.
    pub fn header(&self, protocol: u8, payload_len: usize) -> [u8; 20] {
        let mut h = [0u8; 20];
        h[0] = 0x45;
        h[1] = self.tos;
        h[2..4].copy_from_slice(&((20 + payload_len) as u16).to_be_bytes());
        h[4..6].copy_from_slice(&self.ident.to_be_bytes());
        h[6] = if self.dont_fragment { 0x40 } else { 0 };
        h[8] = self.ttl;
        h[9] = protocol;
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&self.dst.octets());
        let c = checksum(0, &h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h
    }

    /// Header + `payload`.
    pub fn packet(&self, protocol: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = self.header(protocol, payload.len()).to_vec();
        p.extend_from_slice(payload);
        p
    }

    /// A UDP packet.
    pub fn udp(&self, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let pseudo = pseudo4(self.src, self.dst, proto::UDP, 8 + payload.len());
        self.packet(proto::UDP, &udp_datagram(pseudo, sport, dport, payload))
    }

    /// An ICMP message of `typ`/`code` with `body` after the checksum.
    pub fn icmp(&self, typ: u8, code: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![typ, code, 0, 0];
        m.extend_from_slice(body);
        let c = checksum(0, &m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
        self.packet(proto::ICMP, &m)
    }

    /// ICMP echo request.
    pub fn echo_request(&self, id: u16, seq: u16, data: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(4 + data.len());
        body.extend_from_slice(&id.to_be_bytes());
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend_from_slice(data);
        self.icmp(8, 0, &body)
    }
}

/// An Ethernet II frame (no FCS, no padding: veth and pcap carry frames as they are).
pub fn ethernet(src: Mac, dst: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An Ethernet frame around an IP packet, EtherType chosen from the version nibble.
pub fn ethernet_ip(src: Mac, dst: Mac, packet: &[u8]) -> Vec<u8> {
    let ethertype = match packet.first().map(|b| b >> 4) {
        Some(4) => ETH_P_IP,
        Some(6) => ETH_P_IPV6,
        v => panic!("ethernet_ip: not an IP packet (version {v:?})"),
    };
    ethernet(src, dst, ethertype, packet)
}

/// An 802.1Q-tagged frame (`vid` 12 bits, priority 0).
pub fn ethernet_vlan(src: Mac, dst: Mac, vid: u16, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut inner = (vid & 0x0fff).to_be_bytes().to_vec();
    inner.extend_from_slice(&ethertype.to_be_bytes());
    inner.extend_from_slice(payload);
    ethernet(src, dst, ETH_P_8021Q, &inner)
}

/// A broadcast ARP request "who has `target_ip`? tell `sender_ip`".
pub fn arp_request(sender_mac: Mac, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Vec<u8> {
    let mut a = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    a.extend_from_slice(&sender_mac.0);
    a.extend_from_slice(&sender_ip.octets());
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&target_ip.octets());
    ethernet(sender_mac, Mac::BROADCAST, ETH_P_ARP, &a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    #[test]
    fn mac_roundtrip_and_link_local() {
        let m = mac("02:00:00:00:01:01");
        assert_eq!(m.to_string(), "02:00:00:00:01:01");
        assert_eq!(m.link_local(), ip6("fe80::ff:fe00:101"));
        assert!("02:00:00:00:01".parse::<Mac>().is_err());
        assert!("02:00:00:00:01:01:01".parse::<Mac>().is_err());
    }

    #[test]
    fn udp6_checksum_matches_etherparse() {
        let ip = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5")).hop_limit(17);
        let f = ethernet_ip(
            mac("02:00:00:00:01:02"),
            mac("02:00:00:00:01:01"),
            &ip.udp(1, 2, b"xyz"),
        );
        let p = SlicedPacket::from_ethernet(&f).unwrap();
        let Some(NetSlice::Ipv6(v6)) = &p.net else {
            panic!("not ipv6")
        };
        assert_eq!(v6.header().hop_limit(), 17);
        let Some(TransportSlice::Udp(udp)) = &p.transport else {
            panic!("not udp")
        };
        let want = udp
            .to_header()
            .calc_checksum_ipv6(&v6.header().to_header(), udp.payload())
            .unwrap();
        assert_eq!(udp.checksum(), want);
    }

    #[test]
    fn udp4_and_ip_checksums_match_etherparse() {
        let ip = Ipv4::new(ip4("192.0.2.2"), ip4("203.0.113.5")).ident(7);
        let f = ethernet_ip(Mac::default(), Mac::BROADCAST, &ip.udp(5, 6, b"hello"));
        let p = SlicedPacket::from_ethernet(&f).unwrap();
        let Some(NetSlice::Ipv4(v4)) = &p.net else {
            panic!("not ipv4")
        };
        let h = v4.header().to_header();
        assert_eq!(h.header_checksum, h.calc_header_checksum());
        let Some(TransportSlice::Udp(udp)) = &p.transport else {
            panic!("not udp")
        };
        let want = udp
            .to_header()
            .calc_checksum_ipv4(&h, udp.payload())
            .unwrap();
        assert_eq!(udp.checksum(), want);
    }

    #[test]
    fn icmpv6_echo_checksum_verifies() {
        let ip = Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2"));
        let p = ip.echo_request(1, 2, b"ping");
        // Summing the pseudo-header and the message including its checksum gives 0.
        assert_eq!(
            checksum(
                pseudo6(ip.src, ip.dst, proto::ICMPV6, p.len() - 40),
                &p[40..]
            ),
            0
        );
    }

    #[test]
    fn srh_layout() {
        let s = srh_for_path(proto::IPV6, &[ip6("fc00::1"), ip6("fc00::2")]);
        assert_eq!(&s[..8], &[41, 4, 4, 1, 1, 0, 0, 0]);
        assert_eq!(&s[8..24], &ip6("fc00::2").octets());
        assert_eq!(&s[24..40], &ip6("fc00::1").octets());
    }
}
