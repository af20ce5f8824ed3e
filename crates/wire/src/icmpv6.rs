//! ICMPv6 (RFC 4443): the common header, echo, Packet Too Big, and the checksum over the
//! IPv6 pseudo header. Neighbor Discovery fields and options are in [`crate::ndp`].

use core::net::Ipv6Addr;

use crate::checksum;
use crate::ip_proto::ICMPV6;
use crate::{Result, get_u16, get_u32, need, set_u16, set_u32};

/// Destination unreachable.
pub const TYPE_DEST_UNREACH: u8 = 1;
/// Packet too big.
pub const TYPE_PKT_TOO_BIG: u8 = 2;
/// Time exceeded.
pub const TYPE_TIME_EXCEEDED: u8 = 3;
/// Parameter problem.
pub const TYPE_PARAM_PROBLEM: u8 = 4;
/// Echo request.
pub const TYPE_ECHO_REQUEST: u8 = 128;
/// Echo reply.
pub const TYPE_ECHO_REPLY: u8 = 129;
/// Router solicitation (RFC 4861).
pub const TYPE_ROUTER_SOLICIT: u8 = 133;
/// Router advertisement (RFC 4861).
pub const TYPE_ROUTER_ADVERT: u8 = 134;
/// Neighbor solicitation (RFC 4861).
pub const TYPE_NEIGHBOR_SOLICIT: u8 = 135;
/// Neighbor advertisement (RFC 4861).
pub const TYPE_NEIGHBOR_ADVERT: u8 = 136;
/// Redirect (RFC 4861).
pub const TYPE_REDIRECT: u8 = 137;

/// Destination unreachable: no route.
pub const CODE_NO_ROUTE: u8 = 0;
/// Destination unreachable: administratively prohibited.
pub const CODE_ADMIN_PROHIBITED: u8 = 1;
/// Destination unreachable: address unreachable.
pub const CODE_ADDR_UNREACH: u8 = 3;
/// Destination unreachable: port unreachable.
pub const CODE_PORT_UNREACH: u8 = 4;
/// Destination unreachable: reject route to destination.
pub const CODE_REJECT_ROUTE: u8 = 6;
/// Time exceeded: hop limit exceeded in transit.
pub const CODE_HOP_LIMIT_EXCEEDED: u8 = 0;
/// Parameter problem: erroneous header field.
pub const CODE_ERRONEOUS_HEADER: u8 = 0;
/// Parameter problem: unrecognized next header.
pub const CODE_UNRECOGNIZED_NH: u8 = 1;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |     Type      |     Code      |          Checksum             |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |  Identifier / MTU / Pointer / NDP fields ...                  |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    pub const REST: usize = 4;
    pub const ECHO_IDENT: usize = 4;
    pub const ECHO_SEQ: usize = 6;
    pub const PAYLOAD: usize = 8;
}

/// Length of the ICMPv6 header including the 4-byte message-specific word.
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of an ICMPv6 message. The buffer is the whole message (the upper-layer payload
/// of the IPv6 packet): the checksum covers all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    pub(crate) buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv6Packet { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// `Truncated` unless the 8-byte header is present. NDP messages have longer fixed
    /// parts: see [`check_ndp_len`](Self::check_ndp_len).
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Message type.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Message code.
    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Is this an error message (type < 128)?
    #[inline]
    pub fn is_error(&self) -> bool {
        self.msg_type() < 128
    }

    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The 32-bit message-specific word (bytes 4..8).
    #[inline]
    pub fn rest_of_header(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::REST)
    }

    /// Echo identifier.
    #[inline]
    pub fn echo_ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_IDENT)
    }

    /// Echo sequence number.
    #[inline]
    pub fn echo_seq(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_SEQ)
    }

    /// MTU of a Packet Too Big message.
    #[inline]
    pub fn pkt_too_big_mtu(&self) -> u32 {
        self.rest_of_header()
    }

    /// Pointer of a Parameter Problem message.
    #[inline]
    pub fn param_problem_ptr(&self) -> u32 {
        self.rest_of_header()
    }

    /// Everything after the 8-byte header (echo data, or the invoking packet of an error).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }

    fn sum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> u16 {
        let b = self.buffer.as_ref();
        checksum::combine(&[
            checksum::pseudo_header_v6(src, dst, ICMPV6, b.len() as u32),
            checksum::data(b),
        ])
    }

    /// Does the checksum over the pseudo header and the whole buffer verify?
    #[inline]
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        self.sum(src, dst) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Set the type.
    #[inline]
    pub fn set_msg_type(&mut self, t: u8) {
        self.buffer.as_mut()[field::TYPE] = t;
    }

    /// Set the code.
    #[inline]
    pub fn set_msg_code(&mut self, c: u8) {
        self.buffer.as_mut()[field::CODE] = c;
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, c);
    }

    /// Set the message-specific word.
    #[inline]
    pub fn set_rest_of_header(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), field::REST, v);
    }

    /// Set the echo identifier.
    #[inline]
    pub fn set_echo_ident(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_IDENT, v);
    }

    /// Set the echo sequence number.
    #[inline]
    pub fn set_echo_seq(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_SEQ, v);
    }

    /// Set the MTU of a Packet Too Big message.
    #[inline]
    pub fn set_pkt_too_big_mtu(&mut self, mtu: u32) {
        self.set_rest_of_header(mtu);
    }

    /// Compute and store the checksum over the pseudo header and the whole buffer.
    #[inline]
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let c = checksum::finish(self.sum(src, dst));
        self.set_checksum(c);
    }

    /// Mutable data after the header.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Error;

    fn addrs() -> (Ipv6Addr, Ipv6Addr) {
        (
            "2001:db8:a::1".parse().unwrap(),
            "2001:db8:b::1".parse().unwrap(),
        )
    }

    // Echo request id 1 seq 1, no data; checksum computed independently = 0x2432.
    static ECHO: [u8; 8] = [0x80, 0x00, 0x24, 0x32, 0x00, 0x01, 0x00, 0x01];

    #[test]
    fn deconstruct_echo() {
        let p = Icmpv6Packet::new_checked(&ECHO[..]).unwrap();
        assert_eq!(p.msg_type(), TYPE_ECHO_REQUEST);
        assert_eq!(p.msg_code(), 0);
        assert!(!p.is_error());
        assert_eq!(p.checksum(), 0x2432);
        assert_eq!(p.echo_ident(), 1);
        assert_eq!(p.echo_seq(), 1);
        assert!(p.payload().is_empty());
        let (s, d) = addrs();
        assert!(p.verify_checksum(&s, &d));
        assert!(!p.verify_checksum(&s, &s));
        assert_eq!(Icmpv6Packet::new_checked(&ECHO[..7]), Err(Error::Truncated));
    }

    #[test]
    fn build_packet_too_big() {
        let (s, d) = addrs();
        let mut b = [0xffu8; 8 + 40];
        let mut p = Icmpv6Packet::new_unchecked(&mut b[..]);
        p.set_msg_type(TYPE_PKT_TOO_BIG);
        p.set_msg_code(0);
        p.set_pkt_too_big_mtu(1280);
        p.payload_mut().fill(0);
        p.fill_checksum(&s, &d);
        assert!(p.is_error());
        assert!(p.verify_checksum(&s, &d));
        assert_eq!(p.pkt_too_big_mtu(), 1280);
        assert_eq!(&b[4..8], &[0, 0, 5, 0]);
    }

    #[test]
    fn echo_reply() {
        let (s, d) = addrs();
        let mut b = ECHO;
        let mut p = Icmpv6Packet::new_checked(&mut b[..]).unwrap();
        p.set_msg_type(TYPE_ECHO_REPLY);
        p.fill_checksum(&d, &s);
        assert!(p.verify_checksum(&d, &s));
        // 128 -> 129 lowers the checksum by 0x0100.
        assert_eq!(p.checksum(), 0x2332);
        p.set_echo_ident(2);
        p.set_echo_seq(3);
        assert_eq!(p.rest_of_header(), 0x0002_0003);
        assert_eq!(p.param_problem_ptr(), 0x0002_0003);
    }
}
