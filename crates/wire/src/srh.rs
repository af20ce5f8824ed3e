//! The IPv6 Segment Routing Header (RFC 8754; Linux `struct ipv6_sr_hdr`), its TLVs, the
//! HMAC TLV (draft-ietf-6man-segment-routing-header / Linux `seg6_hmac.c`) and the Linux
//! validation rules (`seg6_validate_srh`).
//!
//! **Segments are stored in reverse order**: `segment(0)` is the *final* segment,
//! `segment(last_entry)` the first one visited. The active segment is `segment(segments_left)`.
//!
//! TLVs: Linux treats every TLV as `2 + len` bytes, including type 0 (RFC 8754's one-byte
//! Pad1). [`SrhPacket::tlvs`] and [`SrhPacket::validate`] follow Linux;
//! [`SrhPacket::tlvs_rfc8754`] implements the RFC's Pad1 for callers that want it.
//!
//! # Example
//!
//! ```
//! use core::net::Ipv6Addr;
//! use lwt_wire::ip_proto;
//! use lwt_wire::srh::{SrhPacket, SrhRepr};
//!
//! // `encap seg6 mode encap segs fc00:1::1,fc00:2::1`: iproute2 lists travel order.
//! let path: [Ipv6Addr; 2] = ["fc00:1::1".parse().unwrap(), "fc00:2::1".parse().unwrap()];
//! let repr = SrhRepr {
//!     next_header: ip_proto::IPV6,
//!     segments_left: 1,
//!     flags: 0,
//!     tag: 0,
//!     segments: &path,
//!     tlv_len: 0,
//! };
//! let mut buf = [0u8; 40];
//! let len = repr.emit_travel_order(&mut buf).unwrap();
//! assert_eq!(len, 40);
//!
//! let mut srh = SrhPacket::new_checked(&mut buf[..len]).unwrap();
//! assert!(srh.validate(len, false));
//! assert_eq!(srh.segment(0), Some(path[1])); // stored reversed: [0] is the final segment
//! assert_eq!(srh.segment(usize::from(srh.segments_left())), Some(path[0])); // active
//!
//! // End: SL -= 1, the new active segment becomes the destination address.
//! let sl = srh.segments_left() - 1;
//! srh.set_segments_left(sl);
//! assert_eq!(srh.segment(usize::from(sl)), Some(path[1]));
//! ```

use core::net::Ipv6Addr;

use crate::{Error, Result, get_ipv6, get_u16, get_u32, need, set_u16, set_u32};

/// Routing type of the SRH.
pub const ROUTING_TYPE_SRH: u8 = 4;
/// The (pre-RFC) HMAC flag Linux checks (`SR6_FLAG1_HMAC`, bit 3 of the flags byte).
pub const SRH_FLAG_HMAC: u8 = 0x08;
/// RFC 8754 Pad1 (one byte, no length) — *not* special-cased by Linux.
pub const TLV_PAD1: u8 = 0;
/// Ingress node TLV (Linux `SR6_TLV_INGRESS`).
pub const TLV_INGRESS: u8 = 1;
/// Egress node TLV (Linux `SR6_TLV_EGRESS`).
pub const TLV_EGRESS: u8 = 2;
/// Opaque container TLV (Linux `SR6_TLV_OPAQUE`).
pub const TLV_OPAQUE: u8 = 3;
/// PadN (Linux `SR6_TLV_PADDING`).
pub const TLV_PADN: u8 = 4;
/// HMAC TLV (Linux `SR6_TLV_HMAC`).
pub const TLV_HMAC: u8 = 5;
/// Size of the HMAC TLV on the wire.
pub const HMAC_TLV_LEN: usize = 40;
/// Size of the HMAC field (SHA-1 results are zero-padded to this).
pub const HMAC_LEN: usize = 32;
/// Linux refuses to compute an HMAC whose input text is this long or longer
/// (`SEG6_HMAC_RING_SIZE`), which limits HMAC'd SRHs to 14 segments.
pub const HMAC_INPUT_LINUX_MAX: usize = 256;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! | Next Header   |  Hdr Ext Len  | Routing Type=4| Segments Left |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |  Last Entry   |     Flags     |              Tag              |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |            Segment List[0] (128 bits, the FINAL segment)      |
    //! //                              ...                            //
    //! |            Segment List[n] (n = Last Entry, the FIRST one)    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! //         Optional TLVs, to (Hdr Ext Len + 1) * 8 bytes       //
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //!
    //! HMAC TLV (40 bytes, last in the SRH):
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |   Type = 5    |  Length = 38  |           RESERVED            |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                      HMAC Key ID (4 octets)                   |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! //                      HMAC (32 octets)                       //
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    pub const NXT_HDR: usize = 0;
    pub const HDR_EXT_LEN: usize = 1;
    pub const ROUTING_TYPE: usize = 2;
    pub const SEG_LEFT: usize = 3;
    pub const LAST_ENTRY: usize = 4;
    pub const FLAGS: usize = 5;
    pub const TAG: usize = 6;
    pub const SEGMENTS: usize = 8;

    /// Byte range of segment `i`.
    pub const fn segment(i: usize) -> core::ops::Range<usize> {
        SEGMENTS + i * 16..SEGMENTS + (i + 1) * 16
    }

    pub const HMAC_TYPE: usize = 0;
    pub const HMAC_LENGTH: usize = 1;
    pub const HMAC_RESERVED: usize = 2;
    pub const HMAC_KEY_ID: usize = 4;
    pub const HMAC_VALUE: core::ops::Range<usize> = 8..40;
}

/// Length of the fixed part of the SRH.
pub const FIXED_LEN: usize = field::SEGMENTS;

/// A view of a Segment Routing Header (also usable to read the common first four bytes of
/// any Routing header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrhPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SrhPacket<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        SrhPacket { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// * fewer than 8 bytes, or fewer than `(hdr_ext_len + 1) * 8` → `Truncated`;
    /// * a segment list (`last_entry + 1` entries) that runs past the header → `Malformed`.
    ///
    /// Routing type, SL and the TLVs are *not* checked: that is [`validate`](Self::validate).
    /// The buffer may extend past the header (the payload follows).
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, FIXED_LEN)?;
        need(b, self.header_len())?;
        if self.tlv_offset() > self.header_len() {
            return Err(Error::Malformed);
        }
        Ok(())
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Next header.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// Hdr Ext Len (8-octet units, excluding the first 8 octets).
    #[inline]
    pub fn hdr_ext_len(&self) -> u8 {
        self.buffer.as_ref()[field::HDR_EXT_LEN]
    }

    /// Header length in bytes: `(hdr_ext_len + 1) * 8`.
    #[inline]
    pub fn header_len(&self) -> usize {
        (usize::from(self.hdr_ext_len()) + 1) * 8
    }

    /// Routing type (4 for an SRH).
    #[inline]
    pub fn routing_type(&self) -> u8 {
        self.buffer.as_ref()[field::ROUTING_TYPE]
    }

    /// Segments Left.
    #[inline]
    pub fn segments_left(&self) -> u8 {
        self.buffer.as_ref()[field::SEG_LEFT]
    }

    /// Last Entry (Linux: `first_segment`): index of the first segment, i.e. the number of
    /// segments minus one.
    #[inline]
    pub fn last_entry(&self) -> u8 {
        self.buffer.as_ref()[field::LAST_ENTRY]
    }

    /// Alias of [`last_entry`](Self::last_entry) using Linux's field name.
    #[inline]
    pub fn first_segment(&self) -> u8 {
        self.last_entry()
    }

    /// Number of segments in the list (`last_entry + 1`).
    #[inline]
    pub fn num_segments(&self) -> usize {
        usize::from(self.last_entry()) + 1
    }

    /// Flags byte.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// Is [`SRH_FLAG_HMAC`] set?
    #[inline]
    pub fn has_hmac_flag(&self) -> bool {
        self.flags() & SRH_FLAG_HMAC != 0
    }

    /// Tag.
    #[inline]
    pub fn tag(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::TAG)
    }

    /// Offset of the TLV area: `8 + 16 * (last_entry + 1)`.
    #[inline]
    pub fn tlv_offset(&self) -> usize {
        field::segment(usize::from(self.last_entry())).end
    }

    /// Segment `i` in stored order (0 = final segment), or `None` if `i > last_entry`.
    #[inline]
    pub fn segment(&self, i: usize) -> Option<Ipv6Addr> {
        if i > usize::from(self.last_entry()) {
            return None;
        }
        let b = self.buffer.as_ref().get(field::segment(i))?;
        Some(get_ipv6(b, 0))
    }

    /// The raw segment list (`16 * (last_entry + 1)` bytes).
    #[inline]
    pub fn segment_list(&self) -> &[u8] {
        &self.buffer.as_ref()[FIXED_LEN..self.tlv_offset()]
    }

    /// The segments in stored order (`segments()[0]` is the final segment).
    #[inline]
    pub fn segments(&self) -> impl ExactSizeIterator<Item = Ipv6Addr> + '_ {
        self.segment_list().chunks_exact(16).map(|c| get_ipv6(c, 0))
    }

    /// The TLV area (after the segment list, to the end of the header).
    #[inline]
    pub fn tlv_area(&self) -> &[u8] {
        &self.buffer.as_ref()[self.tlv_offset()..self.header_len()]
    }

    /// The SRH bytes (`header_len()` of them).
    #[inline]
    pub fn header(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.header_len()]
    }

    /// Iterate over the TLVs the Linux way (every TLV is `2 + len` bytes).
    #[inline]
    pub fn tlvs(&self) -> SrhTlvIter<'_> {
        SrhTlvIter::new(self.tlv_area(), self.tlv_offset(), false)
    }

    /// Iterate over the TLVs the RFC 8754 way (type 0 is a one-byte Pad1).
    #[inline]
    pub fn tlvs_rfc8754(&self) -> SrhTlvIter<'_> {
        SrhTlvIter::new(self.tlv_area(), self.tlv_offset(), true)
    }

    /// Offset of the HMAC TLV, found as Linux `seg6_get_tlv_hmac` does: the HMAC flag must
    /// be set, `hdr_ext_len >= 2 * (last_entry + 1) + 5`, and the last 40 bytes of the header
    /// must start with type 5, length 38.
    #[inline]
    pub fn hmac_tlv_offset(&self) -> Option<usize> {
        if !self.has_hmac_flag() {
            return None;
        }
        if usize::from(self.hdr_ext_len()) < self.num_segments() * 2 + 5 {
            return None;
        }
        let off = self.header_len() - HMAC_TLV_LEN;
        let b = self.buffer.as_ref().get(off..off + 2)?;
        (b[0] == TLV_HMAC && usize::from(b[1]) == HMAC_TLV_LEN - 2).then_some(off)
    }

    /// The HMAC TLV (see [`hmac_tlv_offset`](Self::hmac_tlv_offset)).
    #[inline]
    pub fn hmac_tlv(&self) -> Option<HmacTlv<&[u8]>> {
        let off = self.hmac_tlv_offset()?;
        let b = self.buffer.as_ref().get(off..off + HMAC_TLV_LEN)?;
        Some(HmacTlv::new_unchecked(b))
    }

    /// Linux `seg6_validate_srh(srh, len, reduced)`, where `len` is the number of bytes the
    /// caller believes the SRH occupies:
    ///
    /// * routing type must be 4 and `(hdr_ext_len + 1) * 8 == len`;
    /// * unless `reduced`: `segments_left <= last_entry`;
    /// * always: `last_entry <= hdr_ext_len / 2 - 1` and `segments_left <= last_entry + 1`
    ///   (the latter admits the reduced-SRH form produced by H.Encaps.Red);
    /// * the TLV area must parse exactly as a sequence of `2 + len` TLVs (no Pad1 special
    ///   case).
    ///
    /// Returns `false` (never panics) if the buffer is shorter than `len` or 8 bytes.
    pub fn validate(&self, len: usize, reduced: bool) -> bool {
        let b = self.buffer.as_ref();
        if b.len() < FIXED_LEN || b.len() < len {
            return false;
        }
        if self.routing_type() != ROUTING_TYPE_SRH || self.header_len() != len {
            return false;
        }
        let (sl, le) = (
            i32::from(self.segments_left()),
            i32::from(self.last_entry()),
        );
        if !reduced && sl > le {
            return false;
        }
        let max_last_entry = i32::from(self.hdr_ext_len()) / 2 - 1;
        if le > max_last_entry || sl > le + 1 {
            return false;
        }
        // The checks above keep the TLV area in the buffer: `last_entry <= hdr_ext_len / 2 - 1`
        // puts the segment list inside the `header_len() == len <= b.len()` bytes.
        self.tlvs().all(|t| t.is_ok())
    }

    /// Everything after the SRH.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> SrhPacket<T> {
    /// Set next header.
    #[inline]
    pub fn set_next_header(&mut self, v: u8) {
        self.buffer.as_mut()[field::NXT_HDR] = v;
    }

    /// Set Hdr Ext Len. Invalidates `check_len`.
    #[inline]
    pub fn set_hdr_ext_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::HDR_EXT_LEN] = v;
    }

    /// Set routing type.
    #[inline]
    pub fn set_routing_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::ROUTING_TYPE] = v;
    }

    /// Set Segments Left.
    #[inline]
    pub fn set_segments_left(&mut self, v: u8) {
        self.buffer.as_mut()[field::SEG_LEFT] = v;
    }

    /// Set Last Entry. Invalidates `check_len`.
    #[inline]
    pub fn set_last_entry(&mut self, v: u8) {
        self.buffer.as_mut()[field::LAST_ENTRY] = v;
    }

    /// Set the flags byte.
    #[inline]
    pub fn set_flags(&mut self, v: u8) {
        self.buffer.as_mut()[field::FLAGS] = v;
    }

    /// Set the tag.
    #[inline]
    pub fn set_tag(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::TAG, v);
    }

    /// Set segment `i` (stored order). `Malformed` if `i > last_entry`, `Truncated` if the
    /// buffer ends first (only possible without `check_len`).
    #[inline]
    pub fn set_segment(&mut self, i: usize, addr: Ipv6Addr) -> Result<()> {
        if i > usize::from(self.last_entry()) {
            return Err(Error::Malformed);
        }
        let dst = self
            .buffer
            .as_mut()
            .get_mut(field::segment(i))
            .ok_or(Error::Truncated)?;
        dst.copy_from_slice(&addr.octets());
        Ok(())
    }

    /// Mutable raw segment list.
    #[inline]
    pub fn segment_list_mut(&mut self) -> &mut [u8] {
        let end = self.tlv_offset();
        &mut self.buffer.as_mut()[FIXED_LEN..end]
    }

    /// Mutable TLV area.
    #[inline]
    pub fn tlv_area_mut(&mut self) -> &mut [u8] {
        let (s, e) = (self.tlv_offset(), self.header_len());
        &mut self.buffer.as_mut()[s..e]
    }

    /// Mutable HMAC TLV (to fill in the key id or the HMAC).
    #[inline]
    pub fn hmac_tlv_mut(&mut self) -> Option<HmacTlv<&mut [u8]>> {
        let off = self.hmac_tlv_offset()?;
        let b = self.buffer.as_mut().get_mut(off..off + HMAC_TLV_LEN)?;
        Some(HmacTlv::new_unchecked(b))
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[hl..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for SrhPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// One TLV from the SRH's TLV area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrhTlv<'a> {
    /// TLV type.
    pub kind: u8,
    /// Offset of the TLV's type byte from the start of the SRH.
    pub offset: usize,
    /// Its value (empty for an RFC Pad1).
    pub value: &'a [u8],
    /// Bytes the TLV occupies: 1 for an RFC Pad1, else `2 + value.len()`.
    pub wire_len: usize,
}

/// Iterator over SRH TLVs. Yields `Err(Malformed)` once (then `None`) if a TLV overruns the
/// area.
#[derive(Debug, Clone)]
pub struct SrhTlvIter<'a> {
    area: &'a [u8],
    pos: usize,
    base: usize,
    rfc_pad1: bool,
    done: bool,
}

impl<'a> SrhTlvIter<'a> {
    /// Iterate over `area` (a TLV area that starts `base` bytes into the SRH); `rfc_pad1`
    /// selects RFC 8754 Pad1 handling.
    #[inline]
    pub const fn new(area: &'a [u8], base: usize, rfc_pad1: bool) -> Self {
        SrhTlvIter {
            area,
            pos: 0,
            base,
            rfc_pad1,
            done: false,
        }
    }
}

impl<'a> Iterator for SrhTlvIter<'a> {
    type Item = Result<SrhTlv<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Result<SrhTlv<'a>>> {
        if self.done || self.pos >= self.area.len() {
            return None;
        }
        let rest = &self.area[self.pos..];
        let offset = self.base + self.pos;
        if self.rfc_pad1 && rest[0] == TLV_PAD1 {
            self.pos += 1;
            return Some(Ok(SrhTlv {
                kind: TLV_PAD1,
                offset,
                value: &[],
                wire_len: 1,
            }));
        }
        if rest.len() < 2 || rest.len() < 2 + usize::from(rest[1]) {
            self.done = true;
            return Some(Err(Error::Malformed));
        }
        let len = 2 + usize::from(rest[1]);
        self.pos += len;
        Some(Ok(SrhTlv {
            kind: rest[0],
            offset,
            value: &rest[2..len],
            wire_len: len,
        }))
    }
}

/// A view of the 40-byte HMAC TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HmacTlv<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> HmacTlv<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        HmacTlv { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let t = Self::new_unchecked(buffer);
        t.check_len()?;
        Ok(t)
    }

    /// `Truncated` unless 40 bytes are present; `Malformed` unless type 5, length 38.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, HMAC_TLV_LEN)?;
        if b[field::HMAC_TYPE] != TLV_HMAC || usize::from(b[field::HMAC_LENGTH]) != HMAC_TLV_LEN - 2
        {
            return Err(Error::Malformed);
        }
        Ok(())
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// TLV type (5).
    #[inline]
    pub fn tlv_type(&self) -> u8 {
        self.buffer.as_ref()[field::HMAC_TYPE]
    }

    /// TLV length (38).
    #[inline]
    pub fn tlv_len(&self) -> u8 {
        self.buffer.as_ref()[field::HMAC_LENGTH]
    }

    /// The two reserved bytes.
    #[inline]
    pub fn reserved(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::HMAC_RESERVED)
    }

    /// HMAC key id.
    #[inline]
    pub fn key_id(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::HMAC_KEY_ID)
    }

    /// The 32-byte HMAC.
    #[inline]
    pub fn hmac(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HMAC_VALUE]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> HmacTlv<T> {
    /// Set the key id.
    #[inline]
    pub fn set_key_id(&mut self, id: u32) {
        set_u32(self.buffer.as_mut(), field::HMAC_KEY_ID, id);
    }

    /// Mutable 32-byte HMAC.
    #[inline]
    pub fn hmac_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::HMAC_VALUE]
    }
}

/// Write an HMAC TLV (type 5, length 38, reserved 0, `key_id`, zero HMAC) at the start of
/// `buf`; returns 40.
pub fn emit_hmac_tlv(buf: &mut [u8], key_id: u32) -> Result<usize> {
    need(buf, HMAC_TLV_LEN)?;
    buf[field::HMAC_TYPE] = TLV_HMAC;
    buf[field::HMAC_LENGTH] = (HMAC_TLV_LEN - 2) as u8;
    set_u16(buf, field::HMAC_RESERVED, 0);
    set_u32(buf, field::HMAC_KEY_ID, key_id);
    buf[field::HMAC_VALUE].fill(0);
    Ok(HMAC_TLV_LEN)
}

/// Write a PadN TLV filling `buf` exactly (2..=257 bytes; value bytes zero); returns its
/// length. `Malformed` for other lengths.
pub fn emit_padn_tlv(buf: &mut [u8]) -> Result<usize> {
    if !(2..=257).contains(&buf.len()) {
        return Err(Error::Malformed);
    }
    buf[0] = TLV_PADN;
    buf[1] = (buf.len() - 2) as u8;
    buf[2..].fill(0);
    Ok(buf.len())
}

/// Length of the HMAC input text for `srh`: `16 + 1 + 1 + 4 + 16 * (last_entry + 1)`.
#[inline]
pub fn hmac_input_len<T: AsRef<[u8]>>(srh: &SrhPacket<T>) -> usize {
    22 + 16 * srh.num_segments()
}

/// Write the HMAC input text of Linux `seg6_hmac_compute` into `out`: source address (16)
/// ‖ last_entry (1) ‖ flags (1) ‖ key id (4, big-endian) ‖ every segment in stored order.
/// The key id is taken from the SRH's HMAC TLV ([`SrhPacket::hmac_tlv`]).
///
/// Returns the number of bytes written, or 0 if the SRH has no HMAC TLV, the segment list is
/// not in the buffer, or `out` is shorter than [`hmac_input_len`].
pub fn hmac_input<T: AsRef<[u8]>>(src: &Ipv6Addr, srh: &SrhPacket<T>, out: &mut [u8]) -> usize {
    match srh.hmac_tlv() {
        Some(t) => hmac_input_with_key_id(src, srh, t.key_id(), out),
        None => 0,
    }
}

/// [`hmac_input`] with an explicit key id (e.g. while building an SRH whose TLV is not
/// written yet). Returns 0 if the segment list is not in the buffer or `out` is too short.
pub fn hmac_input_with_key_id<T: AsRef<[u8]>>(
    src: &Ipv6Addr,
    srh: &SrhPacket<T>,
    key_id: u32,
    out: &mut [u8],
) -> usize {
    let b = srh.buffer.as_ref();
    if b.len() < FIXED_LEN {
        return 0;
    }
    let Some(segs) = b.get(FIXED_LEN..srh.tlv_offset()) else {
        return 0;
    };
    let n = hmac_input_len(srh);
    let Some(out) = out.get_mut(..n) else {
        return 0;
    };
    out[..16].copy_from_slice(&src.octets());
    out[16] = srh.last_entry();
    out[17] = srh.flags();
    out[18..22].copy_from_slice(&key_id.to_be_bytes());
    out[22..].copy_from_slice(segs);
    n
}

/// The semantic form of an SRH to emit.
///
/// `segments` is in **stored order** (`segments[0]` = final segment) for
/// [`emit`](Self::emit), and in travel order (first segment first, as iproute2's
/// `segs S1,S2,..` lists them) for [`emit_travel_order`](Self::emit_travel_order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrhRepr<'a> {
    /// Next header.
    pub next_header: u8,
    /// Segments Left (not tied to the segment count: H.Encaps.Red uses `last_entry + 1`).
    pub segments_left: u8,
    /// Flags ([`SRH_FLAG_HMAC`]).
    pub flags: u8,
    /// Tag.
    pub tag: u16,
    /// The segment list; `last_entry` is `segments.len() - 1`.
    pub segments: &'a [Ipv6Addr],
    /// Bytes of TLV area reserved after the segments (a multiple of 8; 40 for an HMAC TLV).
    /// [`emit`](Self::emit) does not write it; use [`emit_hmac_tlv`] / [`emit_padn_tlv`].
    pub tlv_len: usize,
}

impl SrhRepr<'_> {
    /// Total SRH length: `8 + 16 * segments.len() + tlv_len`.
    #[inline]
    pub fn header_len(&self) -> usize {
        FIXED_LEN + 16 * self.segments.len() + self.tlv_len
    }

    /// The Hdr Ext Len this SRH gets, or `Malformed` if it is empty, longer than 256
    /// segments or 2048 bytes, or not a multiple of 8 bytes.
    pub fn hdr_ext_len(&self) -> Result<u8> {
        let len = self.header_len();
        if self.segments.is_empty()
            || self.segments.len() > 256
            || !len.is_multiple_of(8)
            || len > 2048
        {
            return Err(Error::Malformed);
        }
        Ok((len / 8 - 1) as u8)
    }

    fn emit_fixed(&self, buf: &mut [u8]) -> Result<usize> {
        let hdr_ext_len = self.hdr_ext_len()?;
        let len = self.header_len();
        need(buf, len)?;
        let mut p = SrhPacket::new_unchecked(&mut buf[..]);
        p.set_next_header(self.next_header);
        p.set_hdr_ext_len(hdr_ext_len);
        p.set_routing_type(ROUTING_TYPE_SRH);
        p.set_segments_left(self.segments_left);
        p.set_last_entry((self.segments.len() - 1) as u8);
        p.set_flags(self.flags);
        p.set_tag(self.tag);
        Ok(len)
    }

    /// Write the fixed header and the segments (stored order) at the start of `buf`; the
    /// `tlv_len` bytes after them are left untouched. Returns [`header_len`](Self::header_len).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let len = self.emit_fixed(buf)?;
        for (i, s) in self.segments.iter().enumerate() {
            buf[field::segment(i)].copy_from_slice(&s.octets());
        }
        Ok(len)
    }

    /// Like [`emit`](Self::emit), but `segments` is in travel order and is written reversed
    /// (`segments[0]` lands in slot `last_entry`), as iproute2's `parse_srh` does.
    pub fn emit_travel_order(&self, buf: &mut [u8]) -> Result<usize> {
        let len = self.emit_fixed(buf)?;
        let last = self.segments.len() - 1;
        for (i, s) in self.segments.iter().enumerate() {
            buf[field::segment(last - i)].copy_from_slice(&s.octets());
        }
        Ok(len)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ip_proto::{ICMPV6, IPV6, ROUTING};
    use crate::ipv6::Ipv6Packet;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    // `ip -6 route add 2001:db8:b::/64 encap seg6 mode encap segs fc00:1::1,fc00:2::1,fc00:3::1`
    // after the first End (SL 2 -> 1): outer 2001:db8::1 -> fc00:2::1, SRH (3 segments) with
    // an inner IPv6 ICMPv6 echo request 2001:db8:a::1 -> 2001:db8:b::1 (id 1, seq 1).
    #[rustfmt::skip]
    static PACKET: [u8; 40 + 56 + 40 + 8] = [
        // outer IPv6: payload 104, next header 43 (Routing), hop limit 63
        0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x2b, 0x3f,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        // SRH: nh 41, hdrlen 6, type 4, SL 1, last entry 2, flags 0, tag 0
        0x29, 0x06, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00,
        0xfc, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // [0] final
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // [1] active
        0xfc, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // [2] first
        // inner IPv6
        0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        // ICMPv6 echo request
        0x80, 0x00, 0x24, 0x32, 0x00, 0x01, 0x00, 0x01,
    ];

    // An SRH with 2 segments, the HMAC flag and an HMAC TLV (key id 7): hdrlen 9 (80 bytes).
    #[rustfmt::skip]
    fn hmac_srh() -> [u8; 80] {
        let mut b = [0u8; 80];
        b[..8].copy_from_slice(&[0x3a, 0x09, 0x04, 0x01, 0x01, 0x08, 0x12, 0x34]);
        b[8..24].copy_from_slice(&a("fc00:2::1").octets());
        b[24..40].copy_from_slice(&a("fc00:1::1").octets());
        b[40..48].copy_from_slice(&[0x05, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07]);
        for (i, x) in b[48..80].iter_mut().enumerate() {
            *x = i as u8;
        }
        b
    }

    #[test]
    fn deconstruct_captured_packet() {
        let ip = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(ip.next_header(), ROUTING);
        let off = ip.find_routing_header().unwrap();
        assert_eq!(off, 40);
        assert_eq!(ip.upper_layer(), Ok((IPV6, 96)));
        let srh = SrhPacket::new_checked(&PACKET[off..]).unwrap();
        assert_eq!(srh.next_header(), IPV6);
        assert_eq!(srh.hdr_ext_len(), 6);
        assert_eq!(srh.header_len(), 56);
        assert_eq!(srh.routing_type(), 4);
        assert_eq!(srh.segments_left(), 1);
        assert_eq!(srh.last_entry(), 2);
        assert_eq!(srh.first_segment(), 2);
        assert_eq!(srh.num_segments(), 3);
        assert_eq!(srh.flags(), 0);
        assert!(!srh.has_hmac_flag());
        assert_eq!(srh.tag(), 0);
        assert_eq!(srh.segment(0), Some(a("fc00:3::1")));
        assert_eq!(srh.segment(1), Some(a("fc00:2::1")));
        assert_eq!(srh.segment(2), Some(a("fc00:1::1")));
        assert_eq!(srh.segment(3), None);
        // The active segment is the outer destination.
        assert_eq!(
            srh.segment(usize::from(srh.segments_left())),
            Some(ip.dst_addr())
        );
        let mut it = srh.segments();
        assert_eq!(it.len(), 3);
        assert_eq!(it.next(), Some(a("fc00:3::1")));
        assert!(srh.tlv_area().is_empty());
        assert_eq!(srh.tlvs().count(), 0);
        assert!(srh.hmac_tlv().is_none());
        assert!(srh.validate(56, false));
        assert_eq!(srh.payload().len(), 48);
        assert_eq!(srh.payload()[6], ICMPV6);
    }

    #[test]
    fn check_len() {
        let srh = &PACKET[40..96];
        assert_eq!(SrhPacket::new_checked(&srh[..7]), Err(Error::Truncated));
        assert_eq!(SrhPacket::new_checked(&srh[..55]), Err(Error::Truncated));
        let mut b = [0u8; 56];
        b.copy_from_slice(srh);
        b[4] = 3; // 4 segments do not fit in 56 bytes
        assert_eq!(SrhPacket::new_checked(&b[..]), Err(Error::Malformed));
    }

    #[test]
    fn emit_matches_captured_bytes() {
        let segs = [a("fc00:3::1"), a("fc00:2::1"), a("fc00:1::1")];
        let repr = SrhRepr {
            next_header: IPV6,
            segments_left: 1,
            flags: 0,
            tag: 0,
            segments: &segs,
            tlv_len: 0,
        };
        let mut buf = [0xffu8; 58];
        assert_eq!(repr.header_len(), 56);
        assert_eq!(repr.emit(&mut buf), Ok(56));
        assert_eq!(&buf[..56], &PACKET[40..96]);
        assert_eq!(&buf[56..], &[0xff, 0xff]);

        // Travel order gives the same bytes from the iproute2-style list.
        let travel = [a("fc00:1::1"), a("fc00:2::1"), a("fc00:3::1")];
        let mut buf2 = [0xffu8; 58];
        let r2 = SrhRepr {
            segments: &travel,
            ..repr
        };
        assert_eq!(r2.emit_travel_order(&mut buf2), Ok(56));
        assert_eq!(buf, buf2);

        assert_eq!(repr.emit(&mut buf[..55]), Err(Error::Truncated));
        assert_eq!(
            SrhRepr {
                segments: &[],
                ..repr
            }
            .emit(&mut buf),
            Err(Error::Malformed)
        );
        assert_eq!(
            SrhRepr { tlv_len: 4, ..repr }.emit(&mut [0u8; 64]),
            Err(Error::Malformed)
        );
    }

    #[test]
    fn emit_with_hmac_tlv() {
        let segs = [a("fc00:2::1"), a("fc00:1::1")];
        let repr = SrhRepr {
            next_header: 0x3a,
            segments_left: 1,
            flags: SRH_FLAG_HMAC,
            tag: 0x1234,
            segments: &segs,
            tlv_len: HMAC_TLV_LEN,
        };
        let mut buf = [0xffu8; 82];
        let n = repr.emit(&mut buf).unwrap();
        assert_eq!(n, 80);
        // TLV area untouched until written.
        assert_eq!(&buf[40..80], &[0xff; 40]);
        assert_eq!(emit_hmac_tlv(&mut buf[40..], 7), Ok(40));
        let mut expect = hmac_srh();
        expect[48..].fill(0);
        assert_eq!(&buf[..80], &expect);
        assert_eq!(&buf[80..], &[0xff, 0xff]);
        let mut srh = SrhPacket::new_checked(&mut buf[..80]).unwrap();
        assert!(srh.validate(80, false));
        srh.hmac_tlv_mut().unwrap().hmac_mut()[0] = 0xaa;
        assert_eq!(srh.hmac_tlv().unwrap().hmac()[0], 0xaa);
    }

    #[test]
    fn hmac_tlv_and_input() {
        let b = hmac_srh();
        let srh = SrhPacket::new_checked(&b[..]).unwrap();
        assert!(srh.has_hmac_flag());
        assert_eq!(srh.hmac_tlv_offset(), Some(40));
        let t = srh.hmac_tlv().unwrap();
        assert!(HmacTlv::new_checked(t.into_inner()).is_ok());
        assert_eq!(t.tlv_type(), 5);
        assert_eq!(t.tlv_len(), 38);
        assert_eq!(t.reserved(), 0);
        assert_eq!(t.key_id(), 7);
        assert_eq!(t.hmac()[31], 31);
        let tlvs: [SrhTlv<'_>; 1] = [srh.tlvs().next().unwrap().unwrap()];
        assert_eq!(tlvs[0].kind, TLV_HMAC);
        assert_eq!(tlvs[0].offset, 40);
        assert_eq!(tlvs[0].value.len(), 38);
        assert!(srh.validate(80, false));

        let src = a("2001:db8::1");
        let mut out = [0xeeu8; 60];
        assert_eq!(hmac_input_len(&srh), 54);
        assert_eq!(hmac_input(&src, &srh, &mut out), 54);
        let mut expect = [0u8; 54];
        expect[..16].copy_from_slice(&src.octets());
        expect[16] = 1; // last entry
        expect[17] = 0x08; // flags
        expect[18..22].copy_from_slice(&[0, 0, 0, 7]);
        expect[22..38].copy_from_slice(&a("fc00:2::1").octets());
        expect[38..54].copy_from_slice(&a("fc00:1::1").octets());
        assert_eq!(&out[..54], &expect);
        assert_eq!(&out[54..], &[0xee; 6]);
        assert_eq!(hmac_input(&src, &srh, &mut out[..53]), 0);
        assert_eq!(hmac_input_with_key_id(&src, &srh, 9, &mut out), 54);
        assert_eq!(&out[18..22], &[0, 0, 0, 9]);

        // Linux only looks for the TLV when the flag is set...
        let mut nf = b;
        nf[5] = 0;
        let srh = SrhPacket::new_checked(&nf[..]).unwrap();
        assert!(srh.hmac_tlv().is_none());
        assert_eq!(hmac_input(&src, &srh, &mut out), 0);
        // ... when the header is big enough (hdrlen >= 2*(le+1) + 5) ...
        let mut small = b;
        small[4] = 2; // 3 segments: 2*3+5 = 11 > 9
        let srh = SrhPacket::new_unchecked(&small[..]);
        assert!(srh.hmac_tlv().is_none());
        // ... and when the last 40 bytes are type 5 / length 38.
        let mut wrong = b;
        wrong[41] = 37;
        assert!(
            SrhPacket::new_checked(&wrong[..])
                .unwrap()
                .hmac_tlv()
                .is_none()
        );
    }

    /// Build an SRH with the given fields and `n` segment slots, `extra` TLV bytes.
    fn srh_bytes(hdrlen: u8, sl: u8, le: u8, tlvs: &[u8]) -> ([u8; 2048], usize) {
        let mut b = [0u8; 2048];
        let len = (usize::from(hdrlen) + 1) * 8;
        b[..8].copy_from_slice(&[0x29, hdrlen, 4, sl, le, 0, 0, 0]);
        let off = 8 + 16 * (usize::from(le) + 1);
        if off + tlvs.len() <= len {
            b[off..off + tlvs.len()].copy_from_slice(tlvs);
        }
        (b, len)
    }

    fn valid(hdrlen: u8, sl: u8, le: u8, tlvs: &[u8], reduced: bool) -> bool {
        let (b, len) = srh_bytes(hdrlen, sl, le, tlvs);
        SrhPacket::new_unchecked(&b[..len]).validate(len, reduced)
    }

    #[test]
    fn validate_like_linux() {
        // Plain: 3 segments, SL 0..=2.
        for sl in 0..=2 {
            assert!(valid(6, sl, 2, &[], false), "sl {sl}");
        }
        // SL > last_entry: only in reduced mode, and only last_entry + 1.
        assert!(!valid(6, 3, 2, &[], false));
        assert!(valid(6, 3, 2, &[], true));
        assert!(!valid(6, 4, 2, &[], true));
        // Reduced SRH as H.Encaps.Red pushes it: 1 segment stored, SL 1.
        assert!(valid(2, 1, 0, &[], true));
        assert!(!valid(2, 1, 0, &[], false));
        // last_entry > hdrlen/2 - 1.
        assert!(!valid(6, 0, 3, &[], false));
        assert!(!valid(6, 0, 3, &[], true));
        // hdrlen 0 or 1 cannot hold any segment (max_last_entry = -1).
        assert!(!valid(0, 0, 0, &[], false));
        assert!(!valid(1, 0, 0, &[], true));
        // hdrlen odd with room: hdrlen 3 -> max_last_entry 0, 8 bytes of TLVs.
        assert!(valid(3, 0, 0, &[4, 6, 0, 0, 0, 0, 0, 0], false));
        // Wrong routing type.
        let (mut b, len) = srh_bytes(2, 0, 0, &[]);
        b[2] = 0;
        assert!(!SrhPacket::new_unchecked(&b[..len]).validate(len, false));
        // len must equal (hdrlen + 1) * 8.
        let (b, len) = srh_bytes(2, 0, 0, &[]);
        assert!(!SrhPacket::new_unchecked(&b[..]).validate(len + 8, false));
        assert!(!SrhPacket::new_unchecked(&b[..]).validate(len - 8, false));
        // len past the buffer: false, not a panic.
        assert!(!SrhPacket::new_unchecked(&b[..len]).validate(len + 8, false));
        assert!(!SrhPacket::new_unchecked(&b[..4]).validate(24, false));
    }

    #[test]
    fn validate_tlvs_like_linux() {
        // 1 segment + 16 bytes of TLV area (hdrlen 4 -> 40 bytes, TLVs at 24..40).
        // PadN covering all 16 bytes.
        assert!(valid(4, 0, 0, &[4, 14], false));
        // Ingress TLV (2+6) + PadN (2+6).
        assert!(valid(4, 0, 0, &[1, 6, 0, 0, 0, 0, 0, 0, 4, 6], false));
        // Overrun: length 15 needs 17 bytes.
        assert!(!valid(4, 0, 0, &[4, 15], false));
        // Eight RFC Pad1s: Linux reads each 0 0 pair as a 2-byte TLV -> 8 TLVs, fine...
        assert!(valid(4, 0, 0, &[0; 16], false));
        // ...but RFC framing Pad1 | PadN (3 bytes) | Opaque (12 bytes) is rejected: Linux
        // reads type 0 len 4 (6 bytes), then type 0xaa len 0xaa from inside the Opaque value.
        let mut t = [0xaau8; 16];
        t[..6].copy_from_slice(&[TLV_PAD1, TLV_PADN, 1, 0, TLV_OPAQUE, 10]);
        assert!(!valid(4, 0, 0, &t, false));
        let (b, len) = srh_bytes(4, 0, 0, &t);
        let srh = SrhPacket::new_checked(&b[..len]).unwrap();
        // The RFC iterator accepts it.
        let mut it = srh.tlvs_rfc8754();
        let kinds = [(); 3].map(|_| {
            let t = it.next().unwrap().unwrap();
            (t.kind, t.offset, t.wire_len)
        });
        assert_eq!(
            kinds,
            [(TLV_PAD1, 24, 1), (TLV_PADN, 25, 3), (TLV_OPAQUE, 28, 12)]
        );
        assert_eq!(it.next(), None);
        // The Linux iterator reports the overrun once, then stops.
        let mut it = srh.tlvs();
        assert_eq!(it.next().unwrap().unwrap().value.len(), 4);
        assert!(it.any(|t| t == Err(Error::Malformed)));
        // A single trailing byte is an overrun for Linux (trailing < sizeof(sr6_tlv)).
        let (b, len) = srh_bytes(4, 0, 0, &[4, 13]);
        assert!(!SrhPacket::new_unchecked(&b[..len]).validate(len, false));
    }

    #[test]
    fn setters() {
        let mut b = hmac_srh();
        let mut srh = SrhPacket::new_checked(&mut b[..]).unwrap();
        srh.set_segments_left(0);
        srh.set_next_header(41);
        srh.set_tag(7);
        srh.set_flags(0);
        srh.set_routing_type(4);
        assert_eq!(srh.set_segment(0, a("::1")), Ok(()));
        assert_eq!(srh.set_segment(2, a("::1")), Err(Error::Malformed));
        srh.segment_list_mut()[31] = 9;
        srh.tlv_area_mut()[0] = 4;
        assert_eq!(srh.segment(0), Some(a("::1")));
        assert_eq!(srh.segment(1), Some(a("fc00:1::9")));
        assert!(srh.hmac_tlv_mut().is_none());
        srh.set_hdr_ext_len(4);
        srh.set_last_entry(0);
        assert_eq!(srh.header_len(), 40);
        assert_eq!(srh.payload_mut().len(), 40);
        assert_eq!(&b[..8], &[41, 4, 4, 0, 0, 0, 0, 7]);
    }

    #[test]
    fn padn_emit() {
        let mut b = [0xffu8; 6];
        assert_eq!(emit_padn_tlv(&mut b), Ok(6));
        assert_eq!(b, [4, 4, 0, 0, 0, 0]);
        assert_eq!(emit_padn_tlv(&mut b[..1]), Err(Error::Malformed));
        assert_eq!(emit_hmac_tlv(&mut b, 1), Err(Error::Truncated));
    }
}
