//! VXLAN headers (RFC 7348) with the Group Based Policy extension
//! (draft-smith-vxlan-group-policy, Linux `struct vxlanhdr_gbp`).
//!
//! Linux is stricter than RFC 7348 on receive: the I flag must be set, and every bit that no
//! enabled extension uses must be zero ([`VxlanHeader::reserved_bits_ok`]).

use crate::{Error, Result, get_u16, get_u32, need, set_u16, set_u32};

/// I flag: the VNI is valid (`VXLAN_HF_VNI`, first byte).
pub const FLAG_I: u8 = 0x08;
/// G flag: a GBP header is present (`VXLAN_HF_GLBP`, first byte).
pub const FLAG_G: u8 = 0x80;
/// GBP "Don't Learn" bit (second byte).
pub const GBP_D: u8 = 0x40;
/// GBP "Policy Applied" bit (second byte).
pub const GBP_A: u8 = 0x08;
/// Linux metadata encoding of the D bit (`VXLAN_GBP_DONT_LEARN`, bit 22 of `md->gbp`).
pub const MD_GBP_DONT_LEARN: u32 = 1 << 22;
/// Linux metadata encoding of the A bit (`VXLAN_GBP_POLICY_APPLIED`, bit 19 of `md->gbp`).
pub const MD_GBP_POLICY_APPLIED: u32 = 1 << 19;
/// Mask of the policy id in the Linux metadata encoding.
pub const MD_GBP_ID_MASK: u32 = 0xffff;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |          VXLAN Network Identifier (VNI)       |   Reserved    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    //! Without GBP, everything but I and the VNI is reserved.
    pub const FLAGS: usize = 0;
    pub const GBP_FLAGS: usize = 1;
    pub const POLICY_ID: usize = 2;
    pub const VNI: usize = 4;
    pub const RESERVED: usize = 7;
    pub const PAYLOAD: usize = 8;
}

/// Length of a VXLAN header.
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of a VXLAN header and the Ethernet frame after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VxlanHeader<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        VxlanHeader { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let h = Self::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// `Truncated` unless 8 bytes are present. Flag semantics are checked separately.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The first (flags) byte.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// The first 32-bit word (flags, GBP flags, policy id).
    #[inline]
    pub fn flags_word(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::FLAGS)
    }

    /// I flag (VNI valid) set?
    #[inline]
    pub fn has_vni_flag(&self) -> bool {
        self.flags() & FLAG_I != 0
    }

    /// G flag (GBP present) set?
    #[inline]
    pub fn has_gbp_flag(&self) -> bool {
        self.flags() & FLAG_G != 0
    }

    /// The GBP flags byte (D, A).
    #[inline]
    pub fn gbp_flags(&self) -> u8 {
        self.buffer.as_ref()[field::GBP_FLAGS]
    }

    /// GBP D (Don't Learn) bit.
    #[inline]
    pub fn gbp_dont_learn(&self) -> bool {
        self.gbp_flags() & GBP_D != 0
    }

    /// GBP A (Policy Applied) bit.
    #[inline]
    pub fn gbp_policy_applied(&self) -> bool {
        self.gbp_flags() & GBP_A != 0
    }

    /// GBP policy id (bytes 2..4).
    #[inline]
    pub fn gbp_policy_id(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::POLICY_ID)
    }

    /// The GBP value as Linux puts it in `md->gbp` (policy id | D << 22 | A << 19), or
    /// `None` without the G flag (`vxlan_parse_gbp_hdr`).
    #[inline]
    pub fn gbp_metadata(&self) -> Option<u32> {
        if !self.has_gbp_flag() {
            return None;
        }
        let mut md = u32::from(self.gbp_policy_id());
        if self.gbp_dont_learn() {
            md |= MD_GBP_DONT_LEARN;
        }
        if self.gbp_policy_applied() {
            md |= MD_GBP_POLICY_APPLIED;
        }
        Some(md)
    }

    /// The 24-bit VNI.
    #[inline]
    pub fn vni(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VNI) >> 8
    }

    /// The reserved last byte.
    #[inline]
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED]
    }

    /// Linux `vxlan_rcv`'s reserved-bit check (done after the separate I-flag check): with
    /// `gbp_enabled` (device flag `gbp`), the G bit and bytes 1..4 are in use; otherwise every
    /// bit except I is reserved. The byte after the VNI is always reserved.
    #[inline(always)]
    pub fn reserved_bits_ok(&self, gbp_enabled: bool) -> bool {
        let mut used = u32::from(FLAG_I) << 24;
        if gbp_enabled {
            used |= (u32::from(FLAG_G) << 24) | 0x00ff_ffff;
        }
        self.flags_word() & !used == 0 && self.reserved() == 0
    }

    /// The encapsulated frame.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VxlanHeader<T> {
    /// Set the flags byte.
    #[inline]
    pub fn set_flags(&mut self, f: u8) {
        self.buffer.as_mut()[field::FLAGS] = f;
    }

    /// Set the GBP flags byte.
    #[inline]
    pub fn set_gbp_flags(&mut self, f: u8) {
        self.buffer.as_mut()[field::GBP_FLAGS] = f;
    }

    /// Set the GBP policy id.
    #[inline]
    pub fn set_gbp_policy_id(&mut self, id: u16) {
        set_u16(self.buffer.as_mut(), field::POLICY_ID, id);
    }

    /// Set the VNI (low 24 bits) and clear the reserved byte.
    #[inline]
    pub fn set_vni(&mut self, vni: u32) {
        set_u32(self.buffer.as_mut(), field::VNI, (vni & 0x00ff_ffff) << 8);
    }

    /// Set the reserved byte.
    #[inline]
    pub fn set_reserved(&mut self, r: u8) {
        self.buffer.as_mut()[field::RESERVED] = r;
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// The semantic form of a VXLAN header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VxlanRepr {
    /// 24-bit VNI.
    pub vni: u32,
    /// GBP in Linux metadata form (policy id | [`MD_GBP_DONT_LEARN`] |
    /// [`MD_GBP_POLICY_APPLIED`]); `Some` sets the G bit. (Linux only builds a GBP header
    /// when the device has `gbp` and the value is non-zero: that choice is the caller's.)
    pub gbp: Option<u32>,
}

impl VxlanRepr {
    /// Read a header (the I flag and reserved bits are not checked here).
    pub fn parse<T: AsRef<[u8]>>(h: &VxlanHeader<T>) -> Result<Self> {
        h.check_len()?;
        Ok(VxlanRepr {
            vni: h.vni(),
            gbp: h.gbp_metadata(),
        })
    }

    /// Write the 8-byte header (I flag, VNI, optional GBP) at the start of `buf`; returns 8.
    /// `Malformed` if the VNI exceeds 24 bits or the GBP value has bits other than the policy
    /// id, D and A.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.vni > 0x00ff_ffff {
            return Err(Error::Malformed);
        }
        if let Some(g) = self.gbp
            && g & !(MD_GBP_ID_MASK | MD_GBP_DONT_LEARN | MD_GBP_POLICY_APPLIED) != 0
        {
            return Err(Error::Malformed);
        }
        need(buf, HEADER_LEN)?;
        let mut h = VxlanHeader::new_unchecked(buf);
        match self.gbp {
            None => {
                h.set_flags(FLAG_I);
                h.set_gbp_flags(0);
                h.set_gbp_policy_id(0);
            }
            Some(g) => {
                h.set_flags(FLAG_I | FLAG_G);
                let mut f = 0;
                if g & MD_GBP_DONT_LEARN != 0 {
                    f |= GBP_D;
                }
                if g & MD_GBP_POLICY_APPLIED != 0 {
                    f |= GBP_A;
                }
                h.set_gbp_flags(f);
                h.set_gbp_policy_id((g & MD_GBP_ID_MASK) as u16);
            }
        }
        h.set_vni(self.vni);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    static PLAIN: [u8; 10] = [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0x00, 0xaa, 0xbb];
    static GBP: [u8; 8] = [0x88, 0x48, 0x01, 0x02, 0x00, 0x00, 0x64, 0x00];

    #[test]
    fn deconstruct_plain() {
        let h = VxlanHeader::new_checked(&PLAIN[..]).unwrap();
        assert!(h.has_vni_flag());
        assert!(!h.has_gbp_flag());
        assert_eq!(h.vni(), 0x123456);
        assert_eq!(h.reserved(), 0);
        assert_eq!(h.gbp_metadata(), None);
        assert_eq!(h.payload(), &[0xaa, 0xbb]);
        assert!(h.reserved_bits_ok(false));
        assert!(h.reserved_bits_ok(true));
        assert_eq!(VxlanHeader::new_checked(&PLAIN[..7]), Err(Error::Truncated));
    }

    #[test]
    fn deconstruct_gbp() {
        let h = VxlanHeader::new_checked(&GBP[..]).unwrap();
        assert!(h.has_vni_flag() && h.has_gbp_flag());
        assert!(h.gbp_dont_learn());
        assert!(h.gbp_policy_applied());
        assert_eq!(h.gbp_policy_id(), 0x0102);
        assert_eq!(h.vni(), 100);
        assert_eq!(
            h.gbp_metadata(),
            Some(0x0102 | MD_GBP_DONT_LEARN | MD_GBP_POLICY_APPLIED)
        );
        // GBP bits are reserved unless the device enables GBP.
        assert!(!h.reserved_bits_ok(false));
        assert!(h.reserved_bits_ok(true));
    }

    #[test]
    fn reserved_bits() {
        for (byte, val) in [(0usize, 0x01u8), (0, 0x40), (7, 0x01)] {
            let mut b = PLAIN;
            b[byte] |= val;
            let h = VxlanHeader::new_unchecked(&b[..]);
            assert!(!h.reserved_bits_ok(false), "byte {byte} {val:#x}");
            assert!(!h.reserved_bits_ok(true), "byte {byte} {val:#x}");
        }
        // A stray bit in the policy id field is fine only with GBP enabled, even without
        // the G flag (Linux clears the GBP-used bits unconditionally).
        let mut b = PLAIN;
        b[3] = 1;
        let h = VxlanHeader::new_unchecked(&b[..]);
        assert!(!h.reserved_bits_ok(false));
        assert!(h.reserved_bits_ok(true));
        // Missing I flag is not a reserved-bit problem but is visible separately.
        let mut b = PLAIN;
        b[0] = 0;
        let h = VxlanHeader::new_unchecked(&b[..]);
        assert!(!h.has_vni_flag());
    }

    #[test]
    fn emit() {
        let mut buf = [0xffu8; 10];
        assert_eq!(
            VxlanRepr {
                vni: 0x123456,
                gbp: None
            }
            .emit(&mut buf),
            Ok(8)
        );
        assert_eq!(&buf[..8], &PLAIN[..8]);
        assert_eq!(&buf[8..], &[0xff, 0xff]);
        let r = VxlanRepr {
            vni: 100,
            gbp: Some(0x0102 | MD_GBP_DONT_LEARN | MD_GBP_POLICY_APPLIED),
        };
        let mut buf = [0xffu8; 8];
        assert_eq!(r.emit(&mut buf), Ok(8));
        assert_eq!(buf, GBP);
        assert_eq!(
            VxlanRepr::parse(&VxlanHeader::new_unchecked(&buf[..])),
            Ok(r)
        );
        assert_eq!(
            VxlanRepr {
                vni: 1 << 24,
                gbp: None
            }
            .emit(&mut buf),
            Err(Error::Malformed)
        );
        assert_eq!(
            VxlanRepr {
                vni: 1,
                gbp: Some(1 << 16)
            }
            .emit(&mut buf),
            Err(Error::Malformed)
        );
        assert_eq!(r.emit(&mut buf[..7]), Err(Error::Truncated));
    }
}
