//! IPv6 fixed headers (RFC 8200 §3) and access to the extension-header chain
//! ([`crate::ext`]).

use core::net::Ipv6Addr;

use crate::ext::{self, ExtHeader, ExtHeaderIter};
use crate::ip_proto::ROUTING;
use crate::srh::SrhPacket;
use crate::{Error, Result, get_ipv6, get_u16, get_u32, need, set_u16, set_u32};

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |Version| Traffic Class |           Flow Label                  |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |         Payload Length        |  Next Header  |   Hop Limit   |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                                                               |
    //! +                      Source Address (16)                      +
    //! |                                                               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                                                               |
    //! +                   Destination Address (16)                    +
    //! |                                                               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use crate::Field;
    pub const VER_TC_FLOW: usize = 0;
    pub const LENGTH: usize = 4;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Field = 8..24;
    pub const DST: Field = 24..40;
}

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = field::DST.end;

/// A view of an IPv6 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// `Truncated` unless the buffer holds the 40-byte header and `payload_len` more bytes.
    /// The buffer may be longer (Ethernet padding). The version nibble is not checked.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, HEADER_LEN)?;
        need(b, self.total_len())
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version nibble (6 for a valid packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// Traffic class (8 bits).
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (get_u16(self.buffer.as_ref(), field::VER_TC_FLOW) >> 4) as u8
    }

    /// DSCP (upper 6 bits of the traffic class).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }

    /// ECN (low 2 bits of the traffic class).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.traffic_class() & 3
    }

    /// Flow label (20 bits).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VER_TC_FLOW) & 0x000f_ffff
    }

    /// Payload length (everything after the 40-byte header).
    #[inline]
    pub fn payload_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// `40 + payload_len`.
    #[inline]
    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.payload_len())
    }

    /// Next header.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// Hop limit.
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv6Addr {
        get_ipv6(self.buffer.as_ref(), field::SRC.start)
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv6Addr {
        get_ipv6(self.buffer.as_ref(), field::DST.start)
    }

    /// The payload (bytes 40 .. 40 + payload_len).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.total_len()]
    }

    /// The packet bytes up to `40 + payload_len` (trailing padding excluded).
    #[inline]
    pub fn packet(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.total_len()]
    }

    /// Iterate over the extension headers. Offsets are relative to the start of the IPv6
    /// header, and the walk is bounded by `payload_len`.
    #[inline]
    pub fn ext_headers(&self) -> ExtHeaderIter<'_> {
        ExtHeaderIter::new(self.packet(), self.next_header(), HEADER_LEN)
    }

    /// `(upper-layer protocol, offset from the start of the IPv6 header)`.
    #[inline]
    pub fn upper_layer(&self) -> Result<(u8, usize)> {
        let first = self.next_header();
        // The common chain, none at all, answered inline and before bounding the
        // packet, which only the walk (out of line) reads.
        if !ext::is_ext_header(first) {
            return Ok((first, HEADER_LEN));
        }
        ext::walk(self.packet(), first, HEADER_LEN)
    }

    /// The first extension header of type `kind` (see [`ext::find`]).
    #[inline]
    pub fn find_ext_header(&self, kind: u8) -> Result<Option<ExtHeader>> {
        ext::find(self.packet(), self.next_header(), HEADER_LEN, kind)
    }

    /// Offset of the first Routing header, if the chain has one before any error.
    #[inline]
    pub fn find_routing_header(&self) -> Option<usize> {
        self.find_ext_header(ROUTING)
            .ok()
            .flatten()
            .map(|h| h.offset)
    }

    /// Offset of the first Routing header whose Segments Left is non-zero, skipping those
    /// with SL == 0 — Linux `ipv6_find_hdr(.., NEXTHDR_ROUTING, .., IP6_FH_F_SKIP_RH)`, as used
    /// by `seg6_get_srh` for End-like behaviours.
    #[inline]
    pub fn find_routing_header_skip_sl0(&self) -> Option<usize> {
        let p = self.packet();
        for h in self.ext_headers() {
            let h = h.ok()?;
            // Routing headers are >= 8 bytes, so Segments Left is in range.
            if h.kind == ROUTING && SrhPacket::new_unchecked(&p[h.offset..]).segments_left() != 0 {
                return Some(h.offset);
            }
        }
        None
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Set the version nibble.
    #[inline]
    pub fn set_version(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[0];
        *b = (*b & 0x0f) | (v << 4);
    }

    /// Set the traffic class.
    #[inline]
    pub fn set_traffic_class(&mut self, tc: u8) {
        let b = self.buffer.as_mut();
        let w = get_u32(b, 0);
        set_u32(b, 0, (w & 0xf00f_ffff) | (u32::from(tc) << 20));
    }

    /// Set the flow label (low 20 bits used).
    #[inline]
    pub fn set_flow_label(&mut self, fl: u32) {
        let b = self.buffer.as_mut();
        let w = get_u32(b, 0);
        set_u32(b, 0, (w & 0xfff0_0000) | (fl & 0x000f_ffff));
    }

    /// Set the payload length. Invalidates `check_len`.
    #[inline]
    pub fn set_payload_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, len);
    }

    /// Set the next header.
    #[inline]
    pub fn set_next_header(&mut self, nh: u8) {
        self.buffer.as_mut()[field::NXT_HDR] = nh;
    }

    /// Set the hop limit.
    #[inline]
    pub fn set_hop_limit(&mut self, hl: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = hl;
    }

    /// Set the source address.
    #[inline]
    pub fn set_src_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.octets());
    }

    /// Set the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.octets());
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// Mutable packet bytes up to `40 + payload_len`.
    #[inline]
    pub fn packet_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        &mut self.buffer.as_mut()[..end]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The semantic form of a fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Next header.
    pub next_header: u8,
    /// Payload length.
    pub payload_len: usize,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// Read a checked packet's fixed header.
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv6Packet<T>) -> Result<Self> {
        p.check_len()?;
        Ok(Ipv6Repr {
            src: p.src_addr(),
            dst: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: usize::from(p.payload_len()),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
        })
    }

    /// Bytes [`emit`](Self::emit) writes (40).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the 40-byte header at the start of `buf`; returns 40. `Malformed` if the flow
    /// label exceeds 20 bits or the payload length 65535.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.flow_label > 0x000f_ffff || self.payload_len > usize::from(u16::MAX) {
            return Err(Error::Malformed);
        }
        need(buf, HEADER_LEN)?;
        set_u32(
            buf,
            0,
            (6 << 28) | (u32::from(self.traffic_class) << 20) | self.flow_label,
        );
        let mut p = Ipv6Packet::new_unchecked(&mut buf[..HEADER_LEN]);
        p.set_payload_len(self.payload_len as u16);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src);
        p.set_dst_addr(self.dst);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ip_proto::{DSTOPTS, HOPOPTS, ICMPV6, UDP};

    // 2001:db8::1 -> 2001:db8::2, TC 0xb8, flow 0x12345, hop limit 64, HBH -> DST -> UDP.
    fn packet() -> [u8; 40 + 8 + 8 + 8 + 3] {
        let mut p = [0u8; 40 + 8 + 8 + 8 + 3];
        p[..8].copy_from_slice(&[0x6b, 0x81, 0x23, 0x45, 0x00, 24, HOPOPTS, 64]);
        p[8..24].copy_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        p[24..40].copy_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
        p[40] = DSTOPTS;
        p[48] = UDP;
        p[56..64].copy_from_slice(&[0x12, 0x34, 0x56, 0x78, 0, 8, 0, 0]);
        p
    }

    #[test]
    fn deconstruct() {
        let b = packet();
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0xb8);
        assert_eq!(p.dscp(), 46);
        assert_eq!(p.ecn(), 0);
        assert_eq!(p.flow_label(), 0x12345);
        assert_eq!(p.payload_len(), 24);
        assert_eq!(p.next_header(), HOPOPTS);
        assert_eq!(p.hop_limit(), 64);
        assert_eq!(p.src_addr(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.dst_addr(), "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.payload().len(), 24);
        assert_eq!(p.upper_layer(), Ok((UDP, 56)));
        assert_eq!(p.find_routing_header(), None);
        assert_eq!(p.ext_headers().count(), 2);
    }

    #[test]
    fn check_len() {
        let b = packet();
        assert_eq!(Ipv6Packet::new_checked(&b[..39]), Err(Error::Truncated));
        assert_eq!(Ipv6Packet::new_checked(&b[..63]), Err(Error::Truncated));
        assert!(Ipv6Packet::new_checked(&b[..64]).is_ok());
    }

    #[test]
    fn walk_bounded_by_payload_len() {
        // Payload length says 8 bytes (only the HBH), so DST beyond it is "truncated" even
        // though the buffer holds it.
        let mut b = packet();
        b[5] = 8;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Err(Error::Truncated));
    }

    #[test]
    fn routing_header_lookup() {
        // IPv6 -> RH (SL 0) -> RH (SL 1) -> ICMPv6
        let mut b = [0u8; 40 + 24 + 24];
        b[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 48, ROUTING, 64]);
        b[40..44].copy_from_slice(&[ROUTING, 2, 4, 0]);
        b[64..68].copy_from_slice(&[ICMPV6, 2, 4, 1]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.find_routing_header(), Some(40));
        assert_eq!(p.find_routing_header_skip_sl0(), Some(64));
        assert_eq!(p.upper_layer(), Ok((ICMPV6, 88)));
        b[67] = 0;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.find_routing_header_skip_sl0(), None);
    }

    #[test]
    fn emit_repr() {
        let repr = Ipv6Repr {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
            next_header: HOPOPTS,
            payload_len: 24,
            hop_limit: 64,
            traffic_class: 0xb8,
            flow_label: 0x12345,
        };
        let mut buf = [0xffu8; 42];
        assert_eq!(repr.emit(&mut buf), Ok(40));
        assert_eq!(&buf[..40], &packet()[..40]);
        assert_eq!(&buf[40..], &[0xff, 0xff]);
        assert_eq!(repr.emit(&mut buf[..39]), Err(Error::Truncated));
        assert_eq!(
            Ipv6Repr {
                flow_label: 1 << 20,
                ..repr
            }
            .emit(&mut buf),
            Err(Error::Malformed)
        );
        assert_eq!(
            Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&packet()[..])),
            Ok(repr)
        );
    }

    #[test]
    fn setters() {
        let mut b = [0xffu8; 40];
        let mut p = Ipv6Packet::new_unchecked(&mut b[..]);
        p.set_version(6);
        p.set_traffic_class(0x01);
        p.set_flow_label(0xabcde);
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0x01);
        assert_eq!(p.flow_label(), 0xabcde);
        p.set_traffic_class(0xfe);
        assert_eq!(p.flow_label(), 0xabcde);
        assert_eq!(&b[..4], &[0x6f, 0xea, 0xbc, 0xde]);
    }
}
