//! Key types: IPv4 and IPv6 addresses as unsigned integers, read from the most
//! significant bit, as the trie consumes them.

use core::fmt;

/// A key type: an unsigned integer read from its most significant bit.
pub(crate) trait Key:
    Copy + Ord + fmt::Debug + Send + Sync + 'static + core::ops::BitAnd<Output = Self>
{
    const BITS: u32;
    /// What a lookup keeps of the key: the bits not yet consumed, left-aligned.
    type Bits: Bits;
    /// The 64 key bits from bit `pos` on (bit 0 = most significant), left-aligned; bits
    /// past the end of the key read as zero. Requires `pos < BITS`.
    fn window(self, pos: u32) -> u64;
    /// The same with 128 bits.
    fn window128(self, pos: u32) -> u128;
    /// The key left-aligned in the word a lookup consumes as it walks down.
    fn bits(self) -> Self::Bits;
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

/// The unconsumed bits of a key during a lookup, read from the most significant bit;
/// consumed bits shift out and zeros shift in. Carrying them (rather than a bit
/// position) makes each read a plain load, and a step pays one shift.
pub(crate) trait Bits: Copy + Default {
    /// The bits whose next 64 are `w`, the rest zero.
    fn from_top64(w: u64) -> Self;
    /// The next 64 bits.
    fn top64(self) -> u64;
    /// The next 128 bits.
    fn top128(self) -> u128;
    /// Drops the next `n` bits (`n < 128`, and `n < 64` for a 64-bit word).
    fn consume(self, n: u32) -> Self;
}

impl Bits for u64 {
    #[inline(always)]
    fn from_top64(w: u64) -> Self {
        w
    }
    #[inline(always)]
    fn top64(self) -> u64 {
        self
    }
    #[inline(always)]
    fn top128(self) -> u128 {
        u128::from(self) << 64
    }
    #[inline(always)]
    fn consume(self, n: u32) -> Self {
        self << n
    }
}

impl Bits for u128 {
    #[inline(always)]
    fn from_top64(w: u64) -> Self {
        u128::from(w) << 64
    }
    #[inline(always)]
    fn top64(self) -> u64 {
        (self >> 64) as u64
    }
    #[inline(always)]
    fn top128(self) -> u128 {
        self
    }
    #[inline(always)]
    fn consume(self, n: u32) -> Self {
        self << n
    }
}

impl Key for u32 {
    const BITS: u32 = 32;
    // An IPv4 walk consumes fewer than 32 + 18 bits (a node below bit 32 may read past
    // the end by a stride), so 64 bits hold it.
    type Bits = u64;
    #[inline(always)]
    fn bits(self) -> u64 {
        u64::from(self) << 32
    }
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
    type Bits = u128;
    #[inline(always)]
    fn bits(self) -> u128 {
        self
    }
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
