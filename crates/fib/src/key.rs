//! Key types: IPv4 and IPv6 addresses as unsigned integers, read from the most
//! significant bit, as the trie consumes them.

use core::fmt;

/// A key type: an unsigned integer read from its most significant bit.
pub(crate) trait Key:
    Copy + Ord + fmt::Debug + Send + Sync + 'static + core::ops::BitAnd<Output = Self>
{
    const BITS: u32;
    /// The 64 key bits from bit `pos` on (bit 0 = most significant), left-aligned; bits
    /// past the end of the key read as zero. Requires `pos < BITS`.
    fn window(self, pos: u32) -> u64;
    /// The same with 128 bits.
    fn window128(self, pos: u32) -> u128;
    /// The mask of a prefix of length `len`: bits `0..len` set.
    fn mask(len: u32) -> Self;
    /// The key with bits `len..` cleared.
    #[inline]
    fn truncate(self, len: u32) -> Self {
        self & Self::mask(len)
    }
    /// Number of leading bits `self` and `other` have in common.
    fn common_len(self, other: Self) -> u32;
}

impl Key for u32 {
    const BITS: u32 = 32;
    #[inline(always)]
    fn window(self, pos: u32) -> u64 {
        (u64::from(self) << 32) << pos
    }
    #[inline(always)]
    fn window128(self, pos: u32) -> u128 {
        (u128::from(self) << 96) << pos
    }
    #[inline]
    fn mask(len: u32) -> Self {
        u32::MAX.checked_shl(32 - len).unwrap_or(0)
    }
    fn common_len(self, other: Self) -> u32 {
        (self ^ other).leading_zeros()
    }
}

impl Key for u128 {
    const BITS: u32 = 128;
    #[inline(always)]
    fn window(self, pos: u32) -> u64 {
        ((self << pos) >> 64) as u64
    }
    #[inline(always)]
    fn window128(self, pos: u32) -> u128 {
        self << pos
    }
    #[inline]
    fn mask(len: u32) -> Self {
        u128::MAX.checked_shl(128 - len).unwrap_or(0)
    }
    fn common_len(self, other: Self) -> u32 {
        (self ^ other).leading_zeros()
    }
}
