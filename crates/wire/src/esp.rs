//! The cleartext part of an IPsec ESP packet (RFC 4303 §2): SPI and sequence number.
//! Everything after them is ciphertext; decryption is not wire's business.

use crate::{Result, get_u32, need, set_u32};

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |               Security Parameters Index (SPI)                 |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                      Sequence Number                          |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |   IV + encrypted payload + padding + pad len + next hdr + ICV  |
    //! ```
    pub const SPI: usize = 0;
    pub const SEQ: usize = 4;
    pub const PAYLOAD: usize = 8;
}

/// Length of the ESP header (SPI + sequence number).
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of an ESP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EspPacket<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        EspPacket { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// `Truncated` unless SPI and sequence number are present.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Security Parameters Index.
    #[inline]
    pub fn spi(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::SPI)
    }

    /// Sequence number (low 32 bits of the ESN).
    #[inline]
    pub fn sequence_number(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::SEQ)
    }

    /// IV, ciphertext, trailer and ICV.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EspPacket<T> {
    /// Set the SPI.
    #[inline]
    pub fn set_spi(&mut self, spi: u32) {
        set_u32(self.buffer.as_mut(), field::SPI, spi);
    }

    /// Set the sequence number.
    #[inline]
    pub fn set_sequence_number(&mut self, seq: u32) {
        set_u32(self.buffer.as_mut(), field::SEQ, seq);
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Error;

    static ESP: [u8; 12] = [0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x2a, 1, 2, 3, 4];

    #[test]
    fn deconstruct_and_build() {
        let p = EspPacket::new_checked(&ESP[..]).unwrap();
        assert_eq!(p.spi(), 0x1001);
        assert_eq!(p.sequence_number(), 42);
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        assert_eq!(EspPacket::new_checked(&ESP[..7]), Err(Error::Truncated));
        let mut b = [0xffu8; 12];
        let mut p = EspPacket::new_unchecked(&mut b[..]);
        p.set_spi(0x1001);
        p.set_sequence_number(42);
        p.payload_mut().copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(b, ESP);
    }
}
