//! A nested, human-readable dump of an Ethernet frame, walking every parser in this crate:
//! Ethernet → VLAN/QinQ → ARP | IPv4 | IPv6 (+ extension headers, SRH with TLVs) | MPLS →
//! UDP → VXLAN → inner Ethernet, ICMPv4, ICMPv6 (+ NDP options), ESP, IP-in-IP ...
//!
//! It is the packet tracer's formatter and the fuzzing entry point (as smoltcp's
//! `PrettyPrinter` is): it must never panic, whatever the bytes. Nesting is bounded by
//! [`MAX_DEPTH`] encapsulation levels.
//!
//! ```
//! use lwt_wire::PrettyPrinter;
//! let frame = [0xffu8; 14];
//! let text = format!("{}", PrettyPrinter::new(&frame));
//! assert!(text.starts_with("eth ff:ff:ff:ff:ff:ff > ff:ff:ff:ff:ff:ff type 0xffff"));
//! ```

use core::fmt::{self, Write as _};
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::arp::ArpPacket;
use crate::esp::EspPacket;
use crate::ethernet::EthernetFrame;
use crate::ext::ExtHeader;
use crate::icmpv4::{self, Icmpv4Packet};
use crate::icmpv6::Icmpv6Packet;
use crate::ip_proto;
use crate::ipv4::Ipv4Packet;
use crate::ipv6::Ipv6Packet;
use crate::mpls::MplsStackIter;
use crate::ndp;
use crate::srh::{self, SrhPacket};
use crate::udp::{self, UdpPacket};
use crate::vlan::VlanHeader;
use crate::vxlan::VxlanHeader;
use crate::{Error, ethertype};

/// Maximum number of nested encapsulations the printer follows.
pub const MAX_DEPTH: usize = 8;

/// Formats an Ethernet frame (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct PrettyPrinter<'a> {
    frame: &'a [u8],
    start: Start,
}

#[derive(Debug, Clone, Copy)]
enum Start {
    Ethernet,
    Ipv4,
    Ipv6,
}

impl<'a> PrettyPrinter<'a> {
    /// Print `frame`, an Ethernet frame.
    pub const fn new(frame: &'a [u8]) -> Self {
        PrettyPrinter {
            frame,
            start: Start::Ethernet,
        }
    }

    /// Print `packet`, an IPv4 packet without L2 header.
    pub const fn ipv4(packet: &'a [u8]) -> Self {
        PrettyPrinter {
            frame: packet,
            start: Start::Ipv4,
        }
    }

    /// Print `packet`, an IPv6 packet without L2 header.
    pub const fn ipv6(packet: &'a [u8]) -> Self {
        PrettyPrinter {
            frame: packet,
            start: Start::Ipv6,
        }
    }
}

impl fmt::Display for PrettyPrinter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer { f, depth: 0 };
        match self.start {
            Start::Ethernet => p.ethernet(self.frame, 0),
            Start::Ipv4 => p.ipv4(self.frame, 0),
            Start::Ipv6 => p.ipv6(self.frame, 0),
        }
    }
}

#[derive(Clone, Copy)]
enum Pseudo {
    V4(Ipv4Addr, Ipv4Addr),
    V6(Ipv6Addr, Ipv6Addr),
}

struct Printer<'f, 'g> {
    f: &'f mut fmt::Formatter<'g>,
    depth: usize,
}

impl Printer<'_, '_> {
    fn line(&mut self, ind: usize, args: fmt::Arguments<'_>) -> fmt::Result {
        for _ in 0..ind {
            self.f.write_str("  ")?;
        }
        self.f.write_fmt(args)?;
        self.f.write_char('\n')
    }

    fn err(&mut self, ind: usize, what: &str, e: Error) -> fmt::Result {
        self.line(ind, format_args!("{what}: {e}"))
    }

    /// Enter one more encapsulation level; false (after saying so) when too deep.
    fn enter(&mut self, ind: usize) -> Result<bool, fmt::Error> {
        if self.depth >= MAX_DEPTH {
            self.line(ind, format_args!("... (nesting limit)"))?;
            return Ok(false);
        }
        self.depth += 1;
        Ok(true)
    }

    fn ethernet(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        if !self.enter(ind)? {
            return Ok(());
        }
        let eth = match EthernetFrame::new_checked(data) {
            Ok(e) => e,
            Err(e) => return self.err(ind, "eth", e),
        };
        self.line(
            ind,
            format_args!(
                "eth {} > {} type {:#06x}",
                eth.src_addr(),
                eth.dst_addr(),
                eth.ethertype()
            ),
        )?;
        self.l3(eth.ethertype(), eth.payload(), ind + 1)
    }

    fn l3(&mut self, et: u16, data: &[u8], ind: usize) -> fmt::Result {
        match et {
            ethertype::VLAN | ethertype::QINQ => self.vlan(data, ind),
            ethertype::IPV4 => self.ipv4(data, ind),
            ethertype::IPV6 => self.ipv6(data, ind),
            ethertype::ARP => self.arp(data, ind),
            ethertype::MPLS_UC | ethertype::MPLS_MC => self.mpls(data, ind),
            _ => self.line(ind, format_args!("payload {} bytes", data.len())),
        }
    }

    fn vlan(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        if !self.enter(ind)? {
            return Ok(());
        }
        let v = match VlanHeader::new_checked(data) {
            Ok(v) => v,
            Err(e) => return self.err(ind, "vlan", e),
        };
        self.line(
            ind,
            format_args!(
                "vlan vid {} pcp {} dei {} type {:#06x}",
                v.vid(),
                v.pcp(),
                u8::from(v.dei()),
                v.ethertype()
            ),
        )?;
        self.l3(v.ethertype(), v.payload(), ind + 1)
    }

    fn arp(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        let a = match ArpPacket::new_checked(data) {
            Ok(a) => a,
            Err(e) => return self.err(ind, "arp", e),
        };
        self.line(
            ind,
            format_args!(
                "arp op {} htype {} ptype {:#06x} {} {} > {} {}",
                a.operation(),
                a.hardware_type(),
                a.protocol_type(),
                a.sender_hw_addr(),
                a.sender_ip(),
                a.target_hw_addr(),
                a.target_ip()
            ),
        )
    }

    fn mpls(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        if !self.enter(ind)? {
            return Ok(());
        }
        let mut it = MplsStackIter::new(data);
        for e in &mut it {
            match e {
                Ok(e) => self.line(
                    ind,
                    format_args!(
                        "mpls label {} tc {} s {} ttl {}",
                        e.label,
                        e.tc,
                        u8::from(e.bos),
                        e.ttl
                    ),
                )?,
                Err(e) => return self.err(ind, "mpls", e),
            }
        }
        let Some(off) = it.payload_offset() else {
            return Ok(());
        };
        let payload = data.get(off..).unwrap_or_default();
        // No next-protocol field: guess from the version nibble, as Linux mpls_forward does
        // for the explicit-null / pop cases.
        match payload.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(payload, ind + 1),
            Some(6) => self.ipv6(payload, ind + 1),
            _ => self.line(ind + 1, format_args!("payload {} bytes", payload.len())),
        }
    }

    fn ipv4(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        if !self.enter(ind)? {
            return Ok(());
        }
        let ip = match Ipv4Packet::new_checked(data) {
            Ok(p) => p,
            Err(e) => return self.err(ind, "ipv4", e),
        };
        self.line(
            ind,
            format_args!(
                "ipv{} {} > {} proto {} ttl {} len {} ihl {} id {} dscp {} ecn {}{}{} frag {} csum {:#06x} {}",
                ip.version(),
                ip.src_addr(),
                ip.dst_addr(),
                ip.protocol(),
                ip.ttl(),
                ip.total_len(),
                ip.ihl(),
                ip.ident(),
                ip.dscp(),
                ip.ecn(),
                if ip.dont_frag() { " DF" } else { "" },
                if ip.more_frags() { " MF" } else { "" },
                ip.frag_offset(),
                ip.checksum(),
                if ip.verify_checksum() { "ok" } else { "BAD" },
            ),
        )?;
        if !ip.options().is_empty() {
            self.line(
                ind + 1,
                format_args!("options {} bytes", ip.options().len()),
            )?;
        }
        if ip.frag_offset() != 0 {
            return self.line(
                ind + 1,
                format_args!("fragment data {} bytes", ip.payload().len()),
            );
        }
        let pseudo = Pseudo::V4(ip.src_addr(), ip.dst_addr());
        self.upper(ip.protocol(), ip.payload(), pseudo, ind + 1)
    }

    fn ipv6(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        if !self.enter(ind)? {
            return Ok(());
        }
        let ip = match Ipv6Packet::new_checked(data) {
            Ok(p) => p,
            Err(e) => return self.err(ind, "ipv6", e),
        };
        self.line(
            ind,
            format_args!(
                "ipv{} {} > {} nh {} hlim {} plen {} tc {:#04x} (dscp {} ecn {}) flow {:#07x}",
                ip.version(),
                ip.src_addr(),
                ip.dst_addr(),
                ip.next_header(),
                ip.hop_limit(),
                ip.payload_len(),
                ip.traffic_class(),
                ip.dscp(),
                ip.ecn(),
                ip.flow_label()
            ),
        )?;
        let pkt = ip.packet();
        let mut it = ip.ext_headers();
        for h in &mut it {
            match h {
                Ok(h) => self.ext_header(pkt, &h, ip.src_addr(), ind + 1)?,
                Err(e) => return self.err(ind + 1, "ext header", e),
            }
        }
        let later = it.is_later_fragment();
        let Some((proto, off)) = it.upper_layer() else {
            return Ok(());
        };
        let payload = pkt.get(off..).unwrap_or_default();
        if later {
            return self.line(
                ind + 1,
                format_args!("fragment data {} bytes", payload.len()),
            );
        }
        // Also exercise the helpers the dataplane uses.
        let rh = ip.find_routing_header();
        let rh_active = ip.find_routing_header_skip_sl0();
        if rh.is_some() || rh_active.is_some() {
            self.line(
                ind + 1,
                format_args!("first rh at {rh:?}, first rh with sl>0 at {rh_active:?}"),
            )?;
        }
        let pseudo = Pseudo::V6(ip.src_addr(), ip.dst_addr());
        self.upper(proto, payload, pseudo, ind + 1)
    }

    fn ext_header(&mut self, pkt: &[u8], h: &ExtHeader, src: Ipv6Addr, ind: usize) -> fmt::Result {
        self.line(
            ind,
            format_args!(
                "ext {} at {} len {} nh {}",
                h.kind, h.offset, h.len, h.next_header
            ),
        )?;
        if h.kind != ip_proto::ROUTING {
            return Ok(());
        }
        let bytes = pkt.get(h.offset..h.offset + h.len).unwrap_or_default();
        let s = match SrhPacket::new_checked(bytes) {
            Ok(s) => s,
            Err(e) => return self.err(ind + 1, "rh", e),
        };
        if s.routing_type() != srh::ROUTING_TYPE_SRH {
            return self.line(
                ind + 1,
                format_args!("rh type {} sl {}", s.routing_type(), s.segments_left()),
            );
        }
        self.line(
            ind + 1,
            format_args!(
                "srh nh {} hdrlen {} sl {} last_entry {} flags {:#04x} tag {} valid {} reduced-valid {}",
                s.next_header(),
                s.hdr_ext_len(),
                s.segments_left(),
                s.last_entry(),
                s.flags(),
                s.tag(),
                s.validate(h.len, false),
                s.validate(h.len, true),
            ),
        )?;
        for (i, seg) in s.segments().enumerate() {
            let mark = if i == usize::from(s.segments_left()) {
                " <- active"
            } else {
                ""
            };
            self.line(ind + 2, format_args!("segment[{i}] {seg}{mark}"))?;
        }
        if let Some(seg) = s.segment(usize::from(s.segments_left())) {
            debug_assert!(s.segments().any(|x| x == seg));
        }
        for t in s.tlvs() {
            match t {
                Ok(t) => self.line(
                    ind + 2,
                    format_args!("tlv type {} len {} at {}", t.kind, t.value.len(), t.offset),
                )?,
                Err(e) => self.err(ind + 2, "tlv", e)?,
            }
        }
        let rfc_count = s.tlvs_rfc8754().count();
        if let Some(t) = s.hmac_tlv() {
            let mut text = [0u8; 22 + 16 * 256];
            let n = srh::hmac_input(&src, &s, &mut text);
            self.line(
                ind + 2,
                format_args!(
                    "hmac key {} reserved {} first byte {:#04x} input {} bytes (rfc tlvs {})",
                    t.key_id(),
                    t.reserved(),
                    t.hmac().first().copied().unwrap_or(0),
                    n,
                    rfc_count
                ),
            )?;
        }
        Ok(())
    }

    fn upper(&mut self, proto: u8, data: &[u8], pseudo: Pseudo, ind: usize) -> fmt::Result {
        match proto {
            ip_proto::UDP => self.udp(data, pseudo, ind),
            ip_proto::ICMP => self.icmpv4(data, ind),
            ip_proto::ICMPV6 => self.icmpv6(data, pseudo, ind),
            ip_proto::IPIP => self.ipv4(data, ind),
            ip_proto::IPV6 => self.ipv6(data, ind),
            ip_proto::ETHERNET => self.ethernet(data, ind),
            ip_proto::MPLS => self.mpls(data, ind),
            ip_proto::ESP => match EspPacket::new_checked(data) {
                Ok(e) => self.line(
                    ind,
                    format_args!(
                        "esp spi {:#010x} seq {} payload {} bytes",
                        e.spi(),
                        e.sequence_number(),
                        e.payload().len()
                    ),
                ),
                Err(e) => self.err(ind, "esp", e),
            },
            ip_proto::NONE => self.line(ind, format_args!("no next header")),
            p => self.line(ind, format_args!("proto {p} payload {} bytes", data.len())),
        }
    }

    fn udp(&mut self, data: &[u8], pseudo: Pseudo, ind: usize) -> fmt::Result {
        let u = match UdpPacket::new_checked(data) {
            Ok(u) => u,
            Err(e) => return self.err(ind, "udp", e),
        };
        let ok = match pseudo {
            Pseudo::V4(s, d) => u.verify_checksum_v4(&s, &d),
            Pseudo::V6(s, d) => u.verify_checksum_v6(&s, &d),
        };
        self.line(
            ind,
            format_args!(
                "udp {} > {} len {} csum {:#06x} {}",
                u.src_port(),
                u.dst_port(),
                u.len(),
                u.checksum(),
                if ok { "ok" } else { "BAD" }
            ),
        )?;
        if matches!(u.dst_port(), udp::PORT_VXLAN | udp::PORT_VXLAN_LINUX) {
            self.vxlan(u.payload(), ind + 1)
        } else {
            Ok(())
        }
    }

    fn vxlan(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        let v = match VxlanHeader::new_checked(data) {
            Ok(v) => v,
            Err(e) => return self.err(ind, "vxlan", e),
        };
        self.line(
            ind,
            format_args!(
                "vxlan flags {:#04x} vni {} gbp {:?} (id {} D {} A {}) reserved-ok {}/{} I {}",
                v.flags(),
                v.vni(),
                v.gbp_metadata(),
                v.gbp_policy_id(),
                u8::from(v.gbp_dont_learn()),
                u8::from(v.gbp_policy_applied()),
                v.reserved_bits_ok(false),
                v.reserved_bits_ok(true),
                u8::from(v.has_vni_flag()),
            ),
        )?;
        self.ethernet(v.payload(), ind + 1)
    }

    fn icmpv4(&mut self, data: &[u8], ind: usize) -> fmt::Result {
        let p = match Icmpv4Packet::new_checked(data) {
            Ok(p) => p,
            Err(e) => return self.err(ind, "icmp", e),
        };
        self.line(
            ind,
            format_args!(
                "icmp type {} code {} csum {:#06x} {} id {} seq {} mtu {} ptr {} rest {:#010x}",
                p.msg_type(),
                p.msg_code(),
                p.checksum(),
                if p.verify_checksum() { "ok" } else { "BAD" },
                p.echo_ident(),
                p.echo_seq(),
                p.next_hop_mtu(),
                p.pointer(),
                p.rest_of_header()
            ),
        )?;
        if matches!(
            p.msg_type(),
            icmpv4::TYPE_DEST_UNREACH
                | icmpv4::TYPE_REDIRECT
                | icmpv4::TYPE_TIME_EXCEEDED
                | icmpv4::TYPE_PARAM_PROBLEM
        ) {
            self.ipv4(p.payload(), ind + 1)
        } else {
            Ok(())
        }
    }

    fn icmpv6(&mut self, data: &[u8], pseudo: Pseudo, ind: usize) -> fmt::Result {
        let p = match Icmpv6Packet::new_checked(data) {
            Ok(p) => p,
            Err(e) => return self.err(ind, "icmpv6", e),
        };
        let ok = match pseudo {
            Pseudo::V6(s, d) => p.verify_checksum(&s, &d),
            Pseudo::V4(..) => false,
        };
        self.line(
            ind,
            format_args!(
                "icmpv6 type {} code {} csum {:#06x} {} id {} seq {} mtu/ptr {}",
                p.msg_type(),
                p.msg_code(),
                p.checksum(),
                if ok { "ok" } else { "BAD" },
                p.echo_ident(),
                p.echo_seq(),
                p.pkt_too_big_mtu(),
            ),
        )?;
        if ndp::ndp_header_len(p.msg_type()).is_some() {
            self.line(
                ind + 1,
                format_args!(
                    "ndp len {:?} target {:?} dst {:?} na-flags {:?} ra {:?}/{:?}/{:?}/{:?}/{:?} lladdr {:?}",
                    p.check_ndp_len(),
                    p.ndp_target(),
                    p.redirect_destination(),
                    p.na_flags(),
                    p.ra_cur_hop_limit(),
                    p.ra_flags(),
                    p.ra_router_lifetime(),
                    p.ra_reachable_time(),
                    p.ra_retrans_timer(),
                    p.ndp_lladdr_option(),
                ),
            )?;
            for o in p.ndp_options().into_iter().flatten() {
                match o {
                    Ok(o) => self.line(
                        ind + 2,
                        format_args!(
                            "opt {} len {} lladdr {:?} mtu {:?} prefix {:?} redirected {:?}",
                            o.kind(),
                            o.wire_len(),
                            o.link_layer_addr(),
                            o.mtu(),
                            o.prefix_info(),
                            o.redirected_header().map(<[u8]>::len),
                        ),
                    )?,
                    Err(e) => self.err(ind + 2, "ndp option", e)?,
                }
            }
        } else if p.is_error() {
            self.ipv6(p.payload(), ind + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn vxlan_in_ipv4_in_vlan() {
        #[rustfmt::skip]
        let frame: [u8; 14 + 4 + 20 + 8 + 8 + 14] = [
            // eth
            2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00,
            // vlan 10 -> ipv4
            0x00, 0x0a, 0x08, 0x00,
            // ipv4 10.0.0.1 -> 10.0.0.2 udp, total 50
            0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            // udp 1234 -> 4789 len 30 csum 0
            0x04, 0xd2, 0x12, 0xb5, 0, 30, 0, 0,
            // vxlan vni 42
            0x08, 0, 0, 0, 0, 0, 42, 0,
            // inner eth
            2, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 3, 0x88, 0xb5,
        ];
        let s = format!("{}", PrettyPrinter::new(&frame));
        assert!(s.contains("vlan vid 10"), "{s}");
        assert!(s.contains("ipv4 10.0.0.1 > 10.0.0.2 proto 17"), "{s}");
        assert!(s.contains("csum 0x0000 BAD"), "{s}");
        assert!(s.contains("udp 1234 > 4789 len 30 csum 0x0000 ok"), "{s}");
        assert!(s.contains("vxlan flags 0x08 vni 42"), "{s}");
        assert!(
            s.contains("eth 02:00:00:00:00:03 > 02:00:00:00:00:04 type 0x88b5"),
            "{s}"
        );
        assert!(s.contains("payload 0 bytes"), "{s}");
    }

    #[test]
    fn srv6_packet() {
        // IPv6 -> SRH(1 segment + HMAC TLV) -> IPv4 header cut short.
        let mut p = [0u8; 40 + 64 + 4];
        p[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 68, 43, 64]);
        p[40..48].copy_from_slice(&[4, 7, 4, 0, 0, 0x08, 0, 0]);
        p[64..72].copy_from_slice(&[5, 38, 0, 0, 0, 0, 0, 9]);
        p[104] = 0x45;
        let s = format!("{}", PrettyPrinter::ipv6(&p));
        assert!(s.contains("srh nh 4 hdrlen 7 sl 0 last_entry 0"), "{s}");
        assert!(s.contains("valid true"), "{s}");
        assert!(s.contains("segment[0] :: <- active"), "{s}");
        assert!(s.contains("hmac key 9"), "{s}");
        assert!(s.contains("input 38 bytes"), "{s}");
        assert!(s.contains("ipv4: truncated packet"), "{s}");
    }

    #[test]
    fn nesting_is_bounded() {
        // IPv6 in IPv6 nested deeper than MAX_DEPTH.
        let n = MAX_DEPTH + 2;
        let mut p = [0u8; 40 * (MAX_DEPTH + 2)];
        for i in 0..n {
            let rest = (40 * (n - i - 1)) as u16;
            p[40 * i..40 * i + 8].copy_from_slice(&[
                0x60,
                0,
                0,
                0,
                (rest >> 8) as u8,
                rest as u8,
                41,
                64,
            ]);
        }
        let s = format!("{}", PrettyPrinter::ipv6(&p));
        assert!(s.contains("nesting limit"), "{s}");
        assert_eq!(s.matches("ipv6 ").count(), MAX_DEPTH);
        let s = format!("{}", PrettyPrinter::ipv4(&[0x45]));
        assert_eq!(s, "ipv4: truncated packet\n");
    }
}
