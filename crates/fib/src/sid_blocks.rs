//! A big IPv6 table's SIDs in a hash table looked up before the trie. No prefix is
//! longer than a /128, so a hit is the answer: a packet to one of a thousand SIDs takes
//! one probe instead of four or five trie steps. Misses go on to the trie, which still
//! holds every prefix.
//!
//! Only the /128s of SID blocks are hashed: a /48 holding at least [`BLOCK_MIN`] of
//! them (a node's SIDs under its locator), at most [`BLOCKS`] such /48s. Addresses
//! outside them (forwarded traffic) skip the probe after a few register compares:
//! probing for every address would cost each forwarded packet a probe, and with many
//! scattered host routes a cache miss, to save nothing (a scattered /128's trie walk is
//! no longer than its neighbours').
//!
//! Open addressing with linear probing, at most a quarter full so that a miss (an
//! address in a block that is no SID) reads one or two slots; 32-byte slots, two per
//! cache line, 128 bytes per SID. A probe stops at a free slot, so however the addresses
//! looked up are chosen it reads at most the longest run of taken slots, which the
//! routes alone decide.

/// A /48 needs this many /128s to be a SID block: with fewer, walking the trie to one
/// costs less in all than probing for every address of the /48.
const BLOCK_MIN: usize = 64;

/// Most SID blocks per table (a node has a locator or two).
const BLOCKS: usize = 4;

/// A SID block's bits: the top 48 of an address.
#[inline(always)]
fn block(addr: u128) -> u64 {
    (addr >> 80) as u64
}

/// Marks a free slot (route values stop at `MAX_VALUE`, below it).
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: u128,
    value: u32,
}

#[derive(Clone)]
pub(crate) struct SidBlocks {
    /// The SID blocks; unused entries hold `u64::MAX`, which no 48-bit block equals.
    blocks: [u64; BLOCKS],
    slots: Box<[Slot]>,
    /// Home slot of a key: the top `bits` bits of its hash.
    bits: u32,
}

impl core::fmt::Debug for SidBlocks {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let taken = self.slots.iter().filter(|s| s.value != EMPTY).count();
        f.debug_struct("SidBlocks")
            .field(
                "blocks",
                &self.blocks.iter().filter(|&&b| b != u64::MAX).count(),
            )
            .field("sids", &taken)
            .field("slots", &self.slots.len())
            .finish()
    }
}

/// Multiplicative hashing of both halves: the top bits of each product depend on all
/// of its input, so SIDs that differ only in their low bits (`fc00:0:1::i`) spread out.
#[inline(always)]
fn hash(key: u128) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    ((key as u64).wrapping_mul(K1) ^ (key >> 64) as u64).wrapping_mul(K2)
}

impl SidBlocks {
    /// The /128 routes of `entries` in SID blocks (the last one given wins for a
    /// repeated address), or `None` when no /48 is a SID block.
    pub(crate) fn build(entries: &[(u128, u8, u32)]) -> Option<SidBlocks> {
        let mut per_block: Vec<u64> = entries
            .iter()
            .filter(|e| e.1 == 128)
            .map(|e| block(e.0))
            .collect();
        per_block.sort_unstable();
        let mut counted: Vec<(usize, u64)> = per_block
            .chunk_by(|a, b| a == b)
            .filter(|c| c.len() >= BLOCK_MIN)
            .map(|c| (c.len(), c[0]))
            .collect();
        if counted.is_empty() {
            return None;
        }
        // The biggest blocks; ties by address, so the choice does not depend on order.
        counted.sort_unstable_by(|a, b| b.cmp(a));
        counted.truncate(BLOCKS);
        let mut blocks = [u64::MAX; BLOCKS];
        for (b, &(_, bits)) in blocks.iter_mut().zip(&counted) {
            *b = bits;
        }
        let n: usize = counted.iter().map(|c| c.0).sum();
        let bits = (4 * n).next_power_of_two().trailing_zeros();
        let mut h = SidBlocks {
            blocks,
            slots: vec![
                Slot {
                    key: 0,
                    value: EMPTY
                };
                1 << bits
            ]
            .into_boxed_slice(),
            bits,
        };
        let mask = h.slots.len() - 1;
        for &(key, _, value) in entries
            .iter()
            .filter(|e| e.1 == 128 && blocks.contains(&block(e.0)))
        {
            let mut i = h.home(key);
            while h.slots[i].value != EMPTY && h.slots[i].key != key {
                i = (i + 1) & mask;
            }
            h.slots[i] = Slot { key, value };
        }
        Some(h)
    }

    /// Whether `addr` is in a SID block (else it is not in the table).
    #[inline(always)]
    pub(crate) fn covers(&self, addr: u128) -> bool {
        let b = block(addr);
        self.blocks.iter().fold(false, |hit, &x| hit | (x == b))
    }

    #[inline(always)]
    pub(crate) fn home(&self, key: u128) -> usize {
        (hash(key) >> (64 - self.bits)) as usize
    }

    /// Asks the CPU to load the home slot of a key whose [`home`](Self::home) is `i`.
    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        crate::poptrie::prefetch(self.slots.as_ptr().wrapping_add(i));
    }

    /// The value of host route `key` (whose home slot is `i`), if there is one.
    #[inline(always)]
    pub(crate) fn get_at(&self, key: u128, mut i: usize) -> Option<u32> {
        let mask = self.slots.len() - 1;
        loop {
            let s = &self.slots[i & mask];
            if s.value == EMPTY {
                return None;
            }
            if s.key == key {
                return Some(s.value);
            }
            i += 1;
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, key: u128) -> Option<u32> {
        if !self.covers(key) {
            return None;
        }
        self.get_at(key, self.home(key))
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>() + size_of_val(&*self.slots)
    }
}
