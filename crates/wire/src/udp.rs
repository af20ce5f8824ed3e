//! UDP datagrams (RFC 768) and their checksums over the IPv4 / IPv6 pseudo header
//! (RFC 768, RFC 8200 §8.1).

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum;
use crate::ip_proto::UDP;
use crate::{Error, Result, get_u16, need, set_u16};

/// The IANA VXLAN port.
pub const PORT_VXLAN: u16 = 4789;
/// Linux's default VXLAN port (`vxlan` module parameter `udp_port`).
pub const PORT_VXLAN_LINUX: u16 = 8472;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |          Source Port          |       Destination Port        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |            Length             |           Checksum            |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
    pub const CHECKSUM: usize = 6;
    pub const PAYLOAD: usize = 8;
}

/// Length of a UDP header.
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of a UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// `Truncated` if the 8-byte header or the `length` field's bytes are missing;
    /// `Malformed` if `length < 8`. The buffer may be longer than `length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, HEADER_LEN)?;
        let len = usize::from(self.len());
        if len < HEADER_LEN {
            return Err(Error::Malformed);
        }
        need(b, len)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::SRC_PORT)
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::DST_PORT)
    }

    /// Length field (header + payload).
    #[inline]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The datagram (header + payload) up to `length`.
    #[inline]
    pub fn datagram(&self) -> &[u8] {
        &self.buffer.as_ref()[..usize::from(self.len())]
    }

    /// The payload (8 .. length).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.len())]
    }

    fn sum_v4(&self, src: &Ipv4Addr, dst: &Ipv4Addr) -> u16 {
        checksum::combine(&[
            checksum::pseudo_header_v4(src, dst, UDP, u32::from(self.len())),
            checksum::data(self.datagram()),
        ])
    }

    fn sum_v6(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> u16 {
        checksum::combine(&[
            checksum::pseudo_header_v6(src, dst, UDP, u32::from(self.len())),
            checksum::data(self.datagram()),
        ])
    }

    /// Verify over IPv4. A zero checksum means "not computed" and verifies.
    #[inline]
    pub fn verify_checksum_v4(&self, src: &Ipv4Addr, dst: &Ipv4Addr) -> bool {
        self.checksum() == 0 || self.sum_v4(src, dst) == 0xffff
    }

    /// Verify over IPv6. A zero checksum does *not* verify (RFC 8200 §8.1; Linux accepts it
    /// only on sockets with `udp6zerocsumrx`, which the caller decides).
    #[inline]
    pub fn verify_checksum_v6(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        self.checksum() != 0 && self.sum_v6(src, dst) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Set source port.
    #[inline]
    pub fn set_src_port(&mut self, p: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, p);
    }

    /// Set destination port.
    #[inline]
    pub fn set_dst_port(&mut self, p: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, p);
    }

    /// Set the length field. Invalidates `check_len`.
    #[inline]
    pub fn set_len(&mut self, l: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, l);
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, c);
    }

    /// Compute and store the checksum over IPv4 (0 is sent as 0xFFFF).
    #[inline]
    pub fn fill_checksum_v4(&mut self, src: &Ipv4Addr, dst: &Ipv4Addr) {
        self.set_checksum(0);
        let c = checksum::udp_finish(self.sum_v4(src, dst));
        self.set_checksum(c);
    }

    /// Compute and store the checksum over IPv6 (0 is sent as 0xFFFF).
    #[inline]
    pub fn fill_checksum_v6(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let c = checksum::udp_finish(self.sum_v6(src, dst));
        self.set_checksum(c);
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let l = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..l]
    }
}

/// The semantic form of a UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length (the length field is `8 + payload_len`).
    pub payload_len: usize,
}

impl UdpRepr {
    /// Read a checked datagram's header.
    pub fn parse<T: AsRef<[u8]>>(p: &UdpPacket<T>) -> Result<Self> {
        p.check_len()?;
        Ok(UdpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: usize::from(p.len()) - HEADER_LEN,
        })
    }

    /// Write the 8-byte header with a zero checksum at the start of `buf`; returns 8. Fill
    /// the checksum after writing the payload. `Malformed` if the length exceeds 65535.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.payload_len > usize::from(u16::MAX) - HEADER_LEN {
            return Err(Error::Malformed);
        }
        need(buf, HEADER_LEN)?;
        let mut p = UdpPacket::new_unchecked(buf);
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_len((HEADER_LEN + self.payload_len) as u16);
        p.set_checksum(0);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // DNS-like datagram 192.168.0.1:1024 -> 192.168.0.199:53, payload "abcd".
    // Checksum computed independently (Python) = 0xb4c1.
    static V4: [u8; 12] = [
        0x04, 0x00, 0x00, 0x35, 0x00, 0x0c, 0xb4, 0xc1, b'a', b'b', b'c', b'd',
    ];

    fn v4_addrs() -> (Ipv4Addr, Ipv4Addr) {
        (
            Ipv4Addr::new(192, 168, 0, 1),
            Ipv4Addr::new(192, 168, 0, 199),
        )
    }

    #[test]
    fn deconstruct() {
        let p = UdpPacket::new_checked(&V4[..]).unwrap();
        assert_eq!(p.src_port(), 1024);
        assert_eq!(p.dst_port(), 53);
        assert_eq!(p.len(), 12);
        assert_eq!(p.checksum(), 0xb4c1);
        assert_eq!(p.payload(), b"abcd");
        let (s, d) = v4_addrs();
        assert!(p.verify_checksum_v4(&s, &d));
        assert!(!p.verify_checksum_v4(&d, &Ipv4Addr::new(1, 1, 1, 1)));
    }

    #[test]
    fn check_len() {
        assert_eq!(UdpPacket::new_checked(&V4[..7]), Err(Error::Truncated));
        assert_eq!(UdpPacket::new_checked(&V4[..11]), Err(Error::Truncated));
        let mut b = V4;
        b[5] = 7;
        assert_eq!(UdpPacket::new_checked(&b[..]), Err(Error::Malformed));
        // Buffer longer than the length field: payload stops at length.
        let mut b = [0u8; 14];
        b[..12].copy_from_slice(&V4);
        assert_eq!(UdpPacket::new_checked(&b[..]).unwrap().payload(), b"abcd");
    }

    #[test]
    fn emit_and_fill() {
        let mut buf = [0xffu8; 12];
        let r = UdpRepr {
            src_port: 1024,
            dst_port: 53,
            payload_len: 4,
        };
        assert_eq!(r.emit(&mut buf), Ok(8));
        assert_eq!(&buf[..8], &[0x04, 0x00, 0x00, 0x35, 0x00, 0x0c, 0, 0]);
        assert_eq!(&buf[8..], &[0xff; 4]);
        let mut p = UdpPacket::new_checked(&mut buf[..]).unwrap();
        p.payload_mut().copy_from_slice(b"abcd");
        let (s, d) = v4_addrs();
        p.fill_checksum_v4(&s, &d);
        assert_eq!(buf, V4);
        assert_eq!(UdpRepr::parse(&UdpPacket::new_unchecked(&V4[..])), Ok(r));
        assert_eq!(r.emit(&mut buf[..7]), Err(Error::Truncated));
    }

    #[test]
    fn v6_checksum_and_zero_rules() {
        let s: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let d: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut b = V4;
        let mut p = UdpPacket::new_unchecked(&mut b[..]);
        p.fill_checksum_v6(&s, &d);
        assert!(p.verify_checksum_v6(&s, &d));
        p.set_checksum(0);
        assert!(!p.verify_checksum_v6(&s, &d));
        assert!(p.verify_checksum_v4(&Ipv4Addr::UNSPECIFIED, &Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn zero_sum_is_sent_as_ffff() {
        // Find a payload whose checksum would compute to 0: choose the last word so that the
        // total sum is 0xffff.
        let (s, d) = v4_addrs();
        let mut b = [0x04, 0x00, 0x00, 0x35, 0x00, 0x0a, 0, 0, 0, 0];
        let partial = checksum::combine(&[
            checksum::pseudo_header_v4(&s, &d, UDP, 10),
            checksum::data(&b),
        ]);
        b[8..10].copy_from_slice(&(!partial).to_be_bytes());
        let mut p = UdpPacket::new_checked(&mut b[..]).unwrap();
        p.fill_checksum_v4(&s, &d);
        assert_eq!(p.checksum(), 0xffff);
        assert!(p.verify_checksum_v4(&s, &d));
    }
}
