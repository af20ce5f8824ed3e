//! IEEE 802.1Q VLAN tags (and 802.1ad S-tags, which share the layout).
//!
//! The view starts *after* the outer EtherType (0x8100 / 0x88A8), i.e. at the Tag Control
//! Information, and covers TCI + the encapsulated EtherType.

use crate::{Result, get_u16, need, set_u16};

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! | PCP |D|         VID           |    Encapsulated EtherType     |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use crate::Rest;
    pub const TCI: usize = 0;
    pub const ETHERTYPE: usize = 2;
    pub const PAYLOAD: Rest = 4..;
}

/// Length of a VLAN tag as seen by this view (TCI + inner EtherType).
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A view of an 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanHeader<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        VlanHeader { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }

    /// `Truncated` unless the buffer holds 4 bytes.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole 16-bit TCI.
    #[inline]
    pub fn tci(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::TCI)
    }

    /// Priority code point (3 bits).
    #[inline]
    pub fn pcp(&self) -> u8 {
        (self.tci() >> 13) as u8
    }

    /// Drop eligible indicator (formerly CFI).
    #[inline]
    pub fn dei(&self) -> bool {
        self.tci() & 0x1000 != 0
    }

    /// VLAN identifier (12 bits).
    #[inline]
    pub fn vid(&self) -> u16 {
        self.tci() & 0x0fff
    }

    /// EtherType of what follows the tag.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ETHERTYPE)
    }

    /// Everything after the tag.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanHeader<T> {
    /// Set the whole TCI.
    #[inline]
    pub fn set_tci(&mut self, tci: u16) {
        set_u16(self.buffer.as_mut(), field::TCI, tci);
    }

    /// Set the PCP (low 3 bits of `pcp` used).
    #[inline]
    pub fn set_pcp(&mut self, pcp: u8) {
        let t = (self.tci() & 0x1fff) | (u16::from(pcp & 7) << 13);
        self.set_tci(t);
    }

    /// Set the DEI bit.
    #[inline]
    pub fn set_dei(&mut self, dei: bool) {
        let t = (self.tci() & !0x1000) | if dei { 0x1000 } else { 0 };
        self.set_tci(t);
    }

    /// Set the VID (low 12 bits of `vid` used).
    #[inline]
    pub fn set_vid(&mut self, vid: u16) {
        let t = (self.tci() & 0xf000) | (vid & 0x0fff);
        self.set_tci(t);
    }

    /// Set the inner EtherType.
    #[inline]
    pub fn set_ethertype(&mut self, t: u16) {
        set_u16(self.buffer.as_mut(), field::ETHERTYPE, t);
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

/// The semantic form of an 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanRepr {
    /// Priority code point (0..=7).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN id (0..=4095).
    pub vid: u16,
    /// Inner EtherType.
    pub ethertype: u16,
}

impl VlanRepr {
    /// Read a checked tag.
    pub fn parse<T: AsRef<[u8]>>(v: &VlanHeader<T>) -> Result<Self> {
        v.check_len()?;
        Ok(VlanRepr {
            pcp: v.pcp(),
            dei: v.dei(),
            vid: v.vid(),
            ethertype: v.ethertype(),
        })
    }

    /// Write the 4 bytes at the start of `buf`; returns 4. Out-of-range PCP/VID are
    /// [`crate::Error::Malformed`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.pcp > 7 || self.vid > 0x0fff {
            return Err(crate::Error::Malformed);
        }
        need(buf, HEADER_LEN)?;
        let mut v = VlanHeader::new_unchecked(buf);
        v.set_tci((u16::from(self.pcp) << 13) | if self.dei { 0x1000 } else { 0 } | self.vid);
        v.set_ethertype(self.ethertype);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Error;

    // PCP 5, DEI 1, VID 100 (0x064), inner IPv4.
    static TAG: [u8; 6] = [0xb0, 0x64, 0x08, 0x00, 0x45, 0x00];

    #[test]
    fn deconstruct() {
        let v = VlanHeader::new_checked(&TAG[..]).unwrap();
        assert_eq!(v.tci(), 0xb064);
        assert_eq!(v.pcp(), 5);
        assert!(v.dei());
        assert_eq!(v.vid(), 100);
        assert_eq!(v.ethertype(), 0x0800);
        assert_eq!(v.payload(), &[0x45, 0x00]);
        assert_eq!(VlanHeader::new_checked(&TAG[..3]), Err(Error::Truncated));
    }

    #[test]
    fn emit_and_setters() {
        let mut buf = [0xffu8; 6];
        let r = VlanRepr {
            pcp: 5,
            dei: true,
            vid: 100,
            ethertype: 0x0800,
        };
        assert_eq!(r.emit(&mut buf), Ok(4));
        assert_eq!(&buf[..4], &TAG[..4]);
        assert_eq!(&buf[4..], &[0xff, 0xff]);
        let mut v = VlanHeader::new_unchecked(&mut buf[..]);
        v.set_vid(0xfff);
        v.set_dei(false);
        v.set_pcp(1);
        assert_eq!(v.tci(), 0x2fff);
        assert_eq!(
            VlanRepr { vid: 4096, ..r }.emit(&mut [0u8; 4]),
            Err(Error::Malformed)
        );
        assert_eq!(r.emit(&mut [0u8; 3]), Err(Error::Truncated));
    }
}
