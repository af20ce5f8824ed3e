//! IPv4 headers (RFC 791), with options skipped via IHL, the header checksum (RFC 1071) and
//! the forwarding TTL decrement with an incremental checksum patch (RFC 1141/1624), bit-exact
//! with Linux `ip_decrease_ttl`.

use core::net::Ipv4Addr;

use crate::checksum;
use crate::{Error, Result, get_ipv4, get_u16, need, set_u16};

/// "Don't fragment" flag in the flags/fragment-offset word.
pub const FLAG_DF: u16 = 0x4000;
/// "More fragments" flag in the flags/fragment-offset word.
pub const FLAG_MF: u16 = 0x2000;
/// Reserved (evil) bit.
pub const FLAG_RESERVED: u16 = 0x8000;
/// Mask of the 13-bit fragment offset.
pub const FRAG_OFFSET_MASK: u16 = 0x1fff;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |Version|  IHL  |   DSCP    |ECN|          Total Length         |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |         Identification        |Flags|      Fragment Offset    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |  Time to Live |    Protocol   |         Header Checksum       |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                       Source Address                          |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                    Destination Address                        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                    Options (IHL > 5)                          |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use crate::Field;
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLG_OFF: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC: Field = 12..16;
    pub const DST: Field = 16..20;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST.end;

/// A view of an IPv4 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Validate the length fields against the buffer, as Linux `ip_rcv_core` does:
    /// * fewer than 20 bytes, `IHL*4` or `total_len` past the buffer → `Truncated`;
    /// * `IHL < 5` or `total_len < IHL*4` → `Malformed`.
    ///
    /// The version nibble is not checked (that is a protocol decision, not a length one).
    /// The buffer may be longer than `total_len` (Ethernet padding); [`payload`](Self::payload)
    /// stops at `total_len`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, HEADER_LEN)?;
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return Err(Error::Malformed);
        }
        need(b, hl)?;
        let tl = usize::from(self.total_len());
        if tl < hl {
            return Err(Error::Malformed);
        }
        need(b, tl)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version nibble (4 for a valid packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// IHL, in 32-bit words.
    #[inline]
    pub fn ihl(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] & 0x0f
    }

    /// Header length in bytes (`IHL * 4`), options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// DSCP (6 bits).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// ECN (2 bits).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// The whole TOS byte (DSCP << 2 | ECN).
    #[inline]
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN]
    }

    /// Total length (header + payload).
    #[inline]
    pub fn total_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::IDENT)
    }

    /// The raw flags + fragment offset word.
    #[inline]
    pub fn flags_frag(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLG_OFF)
    }

    /// DF flag.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & FLAG_DF != 0
    }

    /// MF flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.flags_frag() & FLAG_MF != 0
    }

    /// Fragment offset in 8-byte units.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        self.flags_frag() & FRAG_OFFSET_MASK
    }

    /// MF set or a non-zero offset: this is a fragment.
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.flags_frag() & (FLAG_MF | FRAG_OFFSET_MASK) != 0
    }

    /// Time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol ([`crate::ip_proto`]).
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Header checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        get_ipv4(self.buffer.as_ref(), field::SRC.start)
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        get_ipv4(self.buffer.as_ref(), field::DST.start)
    }

    /// The option bytes (empty when IHL is 5).
    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// The header, options included.
    #[inline]
    pub fn header(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.header_len()]
    }

    /// Does the header checksum verify?
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::data(self.header()) == 0xffff
    }

    /// The payload: from the end of the options to `total_len`.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Set version (4 bits).
    #[inline]
    pub fn set_version(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (v << 4);
    }

    /// Set the IHL from a header length in bytes (must be a multiple of 4, 20..=60).
    /// Invalidates `check_len`.
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) as u8 & 0x0f);
    }

    /// Set DSCP (6 bits).
    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0x03) | (dscp << 2);
    }

    /// Set ECN (2 bits).
    #[inline]
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0xfc) | (ecn & 0x03);
    }

    /// Set the whole TOS byte.
    #[inline]
    pub fn set_tos(&mut self, tos: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = tos;
    }

    /// Set total length. Invalidates `check_len`.
    #[inline]
    pub fn set_total_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, len);
    }

    /// Set identification.
    #[inline]
    pub fn set_ident(&mut self, id: u16) {
        set_u16(self.buffer.as_mut(), field::IDENT, id);
    }

    /// Set the raw flags + fragment offset word.
    #[inline]
    pub fn set_flags_frag(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::FLG_OFF, v);
    }

    /// Set or clear DF.
    #[inline]
    pub fn set_dont_frag(&mut self, df: bool) {
        let v = (self.flags_frag() & !FLAG_DF) | if df { FLAG_DF } else { 0 };
        self.set_flags_frag(v);
    }

    /// Set or clear MF.
    #[inline]
    pub fn set_more_frags(&mut self, mf: bool) {
        let v = (self.flags_frag() & !FLAG_MF) | if mf { FLAG_MF } else { 0 };
        self.set_flags_frag(v);
    }

    /// Set the fragment offset (8-byte units, 13 bits).
    #[inline]
    pub fn set_frag_offset(&mut self, off: u16) {
        let v = (self.flags_frag() & !FRAG_OFFSET_MASK) | (off & FRAG_OFFSET_MASK);
        self.set_flags_frag(v);
    }

    /// Set TTL (checksum not updated).
    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    /// Set protocol.
    #[inline]
    pub fn set_protocol(&mut self, p: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = p;
    }

    /// Set the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM.start, c);
    }

    /// Set source address.
    #[inline]
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.octets());
    }

    /// Set destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.octets());
    }

    /// Recompute the header checksum over `header_len()` bytes.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::finish(checksum::data(self.header()));
        self.set_checksum(c);
    }

    /// Decrement the TTL and patch the checksum incrementally; returns the new TTL.
    ///
    /// Byte-for-byte what Linux `ip_decrease_ttl` writes on little-endian hosts:
    /// the checksum field, read as a little-endian u32, gets `htons(0x0100)` added and an
    /// end-around carry when the result is `>= 0xFFFF` (so it never produces 0xFFFF).
    /// Callers check `ttl() > 1` first, as `ip_forward` does; a TTL of 0 wraps to 255.
    #[inline]
    pub fn dec_ttl_update_checksum(&mut self) -> u8 {
        let b = self.buffer.as_mut();
        let c = field::CHECKSUM.start;
        // On x86 the kernel adds htons(0x0100) == 0x0001 to the field read as a
        // little-endian integer; doing the same on the LE view is host-independent.
        let check = u32::from(u16::from_le_bytes([b[c], b[c + 1]])) + 0x0001;
        let check = check + u32::from(check >= 0xffff);
        b[c..c + 2].copy_from_slice(&(check as u16).to_le_bytes());
        let ttl = b[field::TTL].wrapping_sub(1);
        b[field::TTL] = ttl;
        ttl
    }

    /// Mutable options.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..hl]
    }

    /// Mutable payload (to `total_len`).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (hl, tl) = (self.header_len(), usize::from(self.total_len()));
        &mut self.buffer.as_mut()[hl..tl]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The semantic form of an option-less IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol.
    pub protocol: u8,
    /// Payload length (total length − 20).
    pub payload_len: usize,
    /// TTL.
    pub ttl: u8,
    /// DSCP (6 bits).
    pub dscp: u8,
    /// ECN (2 bits).
    pub ecn: u8,
    /// Identification.
    pub ident: u16,
    /// DF flag.
    pub dont_frag: bool,
}

impl Ipv4Repr {
    /// Read a checked packet's header (options, MF and the fragment offset are ignored;
    /// `payload_len` is `total_len - header_len`).
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) -> Result<Self> {
        p.check_len()?;
        Ok(Ipv4Repr {
            src: p.src_addr(),
            dst: p.dst_addr(),
            protocol: p.protocol(),
            payload_len: usize::from(p.total_len()) - p.header_len(),
            ttl: p.ttl(),
            dscp: p.dscp(),
            ecn: p.ecn(),
            ident: p.ident(),
            dont_frag: p.dont_frag(),
        })
    }

    /// Bytes of header [`emit`](Self::emit) writes (20).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write a 20-byte header (version 4, IHL 5, checksum filled) at the start of `buf`;
    /// returns 20. The payload is not touched. `Malformed` if DSCP/ECN are out of range or
    /// the total length would exceed 65535.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.dscp > 63 || self.ecn > 3 || self.payload_len > usize::from(u16::MAX) - HEADER_LEN {
            return Err(Error::Malformed);
        }
        need(buf, HEADER_LEN)?;
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..HEADER_LEN]);
        p.buffer[field::VER_IHL] = 0x45;
        p.set_tos((self.dscp << 2) | self.ecn);
        p.set_total_len((HEADER_LEN + self.payload_len) as u16);
        p.set_ident(self.ident);
        p.set_flags_frag(if self.dont_frag { FLAG_DF } else { 0 });
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src);
        p.set_dst_addr(self.dst);
        p.fill_checksum();
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // 192.168.0.1 -> 192.168.0.199, UDP, total length 0x73, DF, TTL 64, checksum 0xb861.
    static HDR: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    fn packet_with_payload() -> [u8; 0x73 + 2] {
        let mut p = [0xaau8; 0x73 + 2];
        p[..20].copy_from_slice(&HDR);
        p
    }

    #[test]
    fn deconstruct() {
        let buf = packet_with_payload();
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.ihl(), 5);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.dscp(), 0);
        assert_eq!(p.ecn(), 0);
        assert_eq!(p.total_len(), 0x73);
        assert_eq!(p.ident(), 0);
        assert!(p.dont_frag());
        assert!(!p.more_frags());
        assert!(!p.is_fragment());
        assert_eq!(p.frag_offset(), 0);
        assert_eq!(p.ttl(), 64);
        assert_eq!(p.protocol(), crate::ip_proto::UDP);
        assert_eq!(p.checksum(), 0xb861);
        assert_eq!(p.src_addr(), Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(p.dst_addr(), Ipv4Addr::new(192, 168, 0, 199));
        assert!(p.verify_checksum());
        assert!(p.options().is_empty());
        // Payload stops at total_len, not at the (padded) buffer end.
        assert_eq!(p.payload().len(), 0x73 - 20);
    }

    #[test]
    fn check_len_rules() {
        let buf = packet_with_payload();
        assert_eq!(Ipv4Packet::new_checked(&buf[..19]), Err(Error::Truncated));
        // total_len past the buffer.
        assert_eq!(Ipv4Packet::new_checked(&buf[..0x72]), Err(Error::Truncated));
        // IHL < 5.
        let mut b = buf;
        b[0] = 0x44;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Error::Malformed));
        // IHL*4 past the buffer.
        let mut b = [0u8; 40];
        b[..20].copy_from_slice(&HDR);
        b[0] = 0x4f;
        b[3] = 40;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Error::Truncated));
        // total_len < header_len.
        let mut b = buf;
        b[0] = 0x46;
        b[2] = 0;
        b[3] = 20;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Error::Malformed));
    }

    #[test]
    fn options_are_skipped() {
        // IHL 6 with a 4-byte option (Router Alert 94 04 00 00), ICMP, 4 bytes payload.
        let mut b = [
            0x46, 0x00, 0x00, 28, 0x12, 0x34, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10,
            0, 0, 2, 0x94, 0x04, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
        ];
        let mut p = Ipv4Packet::new_checked(&mut b[..]).unwrap();
        p.fill_checksum();
        assert!(p.verify_checksum());
        assert_eq!(p.options(), &[0x94, 0x04, 0, 0]);
        assert_eq!(p.payload(), &[0xde, 0xad, 0xbe, 0xef]);
        p.payload_mut()[0] = 0;
        p.options_mut()[0] = 1;
        assert_eq!(b[20], 1);
        assert_eq!(b[24], 0);
    }

    #[test]
    fn checksum_fill_and_verify() {
        let mut buf = packet_with_payload();
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
        p.set_checksum(0);
        assert!(!p.verify_checksum());
        p.fill_checksum();
        assert_eq!(p.checksum(), 0xb861);
    }

    #[test]
    fn dec_ttl_like_linux() {
        let mut buf = packet_with_payload();
        let mut p = Ipv4Packet::new_checked(&mut buf[..]).unwrap();
        assert_eq!(p.dec_ttl_update_checksum(), 63);
        assert_eq!(p.ttl(), 63);
        assert_eq!(p.checksum(), 0xb961);
        assert!(p.verify_checksum());

        // The kernel's edge cases, computed on the little-endian view of the field:
        // LE 0xfffe (bytes fe ff) + 1 = 0xffff -> end-around -> 0x0000.
        let mut b = HDR;
        b[10] = 0xfe;
        b[11] = 0xff;
        Ipv4Packet::new_unchecked(&mut b[..]).dec_ttl_update_checksum();
        assert_eq!(&b[10..12], &[0x00, 0x00]);
        // LE 0xffff (bytes ff ff) + 1 = 0x10000 -> +1 -> 0x0001 (bytes 01 00).
        b[10] = 0xff;
        b[11] = 0xff;
        Ipv4Packet::new_unchecked(&mut b[..]).dec_ttl_update_checksum();
        assert_eq!(&b[10..12], &[0x01, 0x00]);
        // Carry from the first byte into the second: bytes ff 12 -> 00 13.
        b[10] = 0xff;
        b[11] = 0x12;
        Ipv4Packet::new_unchecked(&mut b[..]).dec_ttl_update_checksum();
        assert_eq!(&b[10..12], &[0x00, 0x13]);
        // A plain one: bytes 12 34 -> 13 34.
        b[10] = 0x12;
        b[11] = 0x34;
        Ipv4Packet::new_unchecked(&mut b[..]).dec_ttl_update_checksum();
        assert_eq!(&b[10..12], &[0x13, 0x34]);
    }

    #[test]
    fn emit_repr() {
        let repr = Ipv4Repr {
            src: Ipv4Addr::new(192, 168, 0, 1),
            dst: Ipv4Addr::new(192, 168, 0, 199),
            protocol: 17,
            payload_len: 0x73 - 20,
            ttl: 64,
            dscp: 0,
            ecn: 0,
            ident: 0,
            dont_frag: true,
        };
        let mut buf = [0xffu8; 22];
        assert_eq!(repr.emit(&mut buf), Ok(20));
        assert_eq!(&buf[..20], &HDR);
        assert_eq!(&buf[20..], &[0xff, 0xff]);
        assert_eq!(repr.emit(&mut buf[..19]), Err(Error::Truncated));
        assert_eq!(
            Ipv4Repr {
                payload_len: 65516,
                ..repr
            }
            .emit(&mut buf),
            Err(Error::Malformed)
        );
        let full = packet_with_payload();
        assert_eq!(
            Ipv4Repr::parse(&Ipv4Packet::new_unchecked(&full[..])),
            Ok(repr)
        );
    }

    #[test]
    fn setters() {
        let mut b = [0xffu8; 20];
        let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
        p.set_version(4);
        p.set_header_len(20);
        p.set_dscp(46);
        p.set_ecn(1);
        p.set_flags_frag(0);
        p.set_more_frags(true);
        p.set_frag_offset(0x1234);
        p.set_dont_frag(true);
        assert_eq!(p.version(), 4);
        assert_eq!(p.ihl(), 5);
        assert_eq!(p.dscp(), 46);
        assert_eq!(p.ecn(), 1);
        assert_eq!(p.tos(), 0xb9);
        assert!(p.more_frags() && p.dont_frag() && p.is_fragment());
        assert_eq!(p.frag_offset(), 0x1234);
        assert_eq!(p.flags_frag(), 0x7234);
    }
}
