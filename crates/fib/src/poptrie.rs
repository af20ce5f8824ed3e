//! Generic path-compressed poptrie, shared by [`Fib4`](crate::Fib4) (`u32` keys) and
//! [`Fib6`](crate::Fib6) (`u128` keys).
//!
//! # Layout
//!
//! ```text
//!  key bits:  [ 0 .. d ) [ skip ][ 6 ] [ skip ][ 6 ] ...
//!                 │          │     │
//!  direct[2^d] ───┘          │     │      entry = leaf value, or NODE|node index
//!                            │     │
//!  Node ─────────────────────┴─────┘
//!   skip_len, skip   the next skip_len key bits must equal `skip`, else the answer is
//!                    leaves[base0 - 1] (path compression: one node instead of a chain)
//!   vector   u64     bit i set: slot i is a child node  -> nodes[base1 + rank(vector, i)]
//!   leafvec  u64     bit i set: a run of equal leaves starts at slot i
//!                    leaf slot i -> leaves[base0 + rank(leafvec, i)]
//! ```
//!
//! `rank(v, i)` is `popcount(v & bits 0..=i) - 1`. A node's children are contiguous in
//! `nodes`, its leaves contiguous in `leaves`, so a node costs 32 bytes plus 4 bytes per
//! run of equal leaves.
//!
//! Leaves hold the final answer: every prefix's value is "pushed down" into all slots it
//! covers unless a longer prefix covers them, so a lookup never backtracks. Values are
//! `u32` with [`NONE`] meaning "no route"; in `direct`, the top bit [`NODE`] marks node
//! indices, which is why values are limited to [`MAX_VALUE`].
//!
//! The direct-pointing table has `d` bits, chosen from the number of prefixes (`d = 0`
//! for small tables, so an empty table costs one `u32`), capped per family.

use core::fmt;
use core::marker::PhantomData;

/// Largest value a route may carry; larger values are reserved for the encoding.
pub const MAX_VALUE: u32 = 0x7FFF_FFFE;
/// Leaf value meaning "no matching prefix".
const NONE: u32 = 0x7FFF_FFFF;
/// Marks a direct-table entry as a node index rather than a leaf value.
const NODE: u32 = 0x8000_0000;
/// Bits consumed by one node (64 slots = one `u64` bitmap).
const STRIDE: u32 = 6;
/// Longest run of bits one node may skip: skip and slot index come from one 64-bit
/// window of the key.
const MAX_SKIP: u32 = 64 - STRIDE;
/// `base1` shares a `u32` with the 7-bit skip length.
const BASE1_BITS: u32 = 25;
const BASE1_MASK: u32 = (1 << BASE1_BITS) - 1;
/// Tables with at most this many prefixes get no direct table (`d = 0`).
const SMALL: usize = 64;

/// A key type: an unsigned integer read from its most significant bit.
pub(crate) trait Key: Copy + Ord + fmt::Debug + Send + Sync + 'static {
    const BITS: u32;
    /// The 64 key bits from bit `pos` on (bit 0 = most significant), left-aligned; bits
    /// past the end of the key read as zero. Requires `pos < BITS`.
    fn window(self, pos: u32) -> u64;
    /// The key with bits `len..` cleared.
    fn truncate(self, len: u32) -> Self;
    /// Number of leading bits `self` and `other` have in common.
    fn common_len(self, other: Self) -> u32;
}

impl Key for u32 {
    const BITS: u32 = 32;
    #[inline(always)]
    fn window(self, pos: u32) -> u64 {
        (u64::from(self) << 32) << pos
    }
    fn truncate(self, len: u32) -> Self {
        self & u32::MAX.checked_shl(32 - len).unwrap_or(0)
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
    fn truncate(self, len: u32) -> Self {
        self & u128::MAX.checked_shl(128 - len).unwrap_or(0)
    }
    fn common_len(self, other: Self) -> u32 {
        (self ^ other).leading_zeros()
    }
}

/// The top `n` bits of a window, right-aligned (`n <= 63`; 0 gives 0).
#[inline(always)]
fn top(w: u64, n: u32) -> usize {
    ((w >> 1) >> (63 - n)) as usize
}

/// Mask of the top `s` bits of a `u64` (`s <= 63`).
#[inline(always)]
fn top_mask(s: u32) -> u64 {
    !(u64::MAX >> s)
}

/// One internal node: 32 bytes, two per cache line.
#[derive(Clone, Copy, Default, Debug)]
#[repr(C, align(32))]
struct Node {
    vector: u64,
    leafvec: u64,
    /// The skipped bits, left-aligned.
    skip: u64,
    base0: u32,
    /// `base1` in the low [`BASE1_BITS`] bits, skip length (0..=58) above.
    base1_skip: u32,
}

impl Node {
    #[inline(always)]
    fn base1(&self) -> usize {
        (self.base1_skip & BASE1_MASK) as usize
    }
    #[inline(always)]
    fn skip_len(&self) -> u32 {
        self.base1_skip >> BASE1_BITS
    }
}

/// Bits `0..=i` of a `u64`.
#[inline(always)]
fn upto(i: u32) -> u64 {
    u64::MAX >> (63 - i)
}

#[inline(always)]
fn decode(leaf: u32) -> Option<u32> {
    (leaf != NONE).then_some(leaf)
}

#[derive(Clone)]
pub(crate) struct Poptrie<K> {
    direct_bits: u32,
    direct: Box<[u32]>,
    nodes: Box<[Node]>,
    leaves: Box<[u32]>,
    len: usize,
    _key: PhantomData<K>,
}

impl<K: Key> Default for Poptrie<K> {
    fn default() -> Self {
        Poptrie {
            direct_bits: 0,
            direct: Box::new([NONE]),
            nodes: Box::new([]),
            leaves: Box::new([]),
            len: 0,
            _key: PhantomData,
        }
    }
}

impl<K: Key> fmt::Debug for Poptrie<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poptrie")
            .field("prefixes", &self.len)
            .field("direct_bits", &self.direct_bits)
            .field("nodes", &self.nodes.len())
            .field("leaves", &self.leaves.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

impl<K: Key> Poptrie<K> {
    /// Builds the table. `max_direct_bits` caps the direct-pointing table.
    ///
    /// # Panics
    /// If a prefix length exceeds `K::BITS` or a value exceeds [`MAX_VALUE`].
    pub(crate) fn build(entries: &[(K, u8, u32)], max_direct_bits: u32) -> Self {
        let mut sorted: Vec<(K, u8, u32)> = entries
            .iter()
            .map(|&(k, len, v)| {
                assert!(
                    u32::from(len) <= K::BITS,
                    "prefix length {len} > {}",
                    K::BITS
                );
                assert!(v <= MAX_VALUE, "route value {v:#x} > MAX_VALUE");
                (k.truncate(len.into()), len, v)
            })
            .collect();
        // Sorting by (key, len) lists prefixes in pre-order: a prefix comes before every
        // prefix it covers, so "paint in order" lets longer prefixes win. The sort is
        // stable, so among duplicates the last one given is the last one here.
        sorted.sort_by_key(|&(k, len, _)| (k, len));
        let mut uniq: Vec<(K, u8, u32)> = Vec::with_capacity(sorted.len());
        for e in sorted {
            match uniq.last_mut() {
                Some(last) if (last.0, last.1) == (e.0, e.1) => *last = e,
                _ => uniq.push(e),
            }
        }
        let n = uniq.len();
        let d = if n <= SMALL {
            0
        } else {
            (n.ilog2() + 2).min(max_direct_bits)
        };

        let mut b = Builder::<K> {
            nodes: Vec::new(),
            leaves: Vec::new(),
            _key: PhantomData,
        };
        let mut direct = vec![NONE; 1 << d];
        let mut i = 0;
        while i < n {
            let (k, len, v) = uniq[i];
            let slot = top(k.window(0), d);
            if u32::from(len) <= d {
                direct[slot..slot + (1 << (d - u32::from(len)))].fill(v);
                i += 1;
            } else {
                // Everything longer than d under this slot is contiguous (pre-order).
                let start = i;
                while i < n && top(uniq[i].0.window(0), d) == slot {
                    i += 1;
                }
                let idx = b.alloc(1);
                b.fill(idx, d, &uniq[start..i], direct[slot]);
                direct[slot] = NODE | idx as u32;
            }
        }
        Poptrie {
            direct_bits: d,
            direct: direct.into_boxed_slice(),
            nodes: b.nodes.into_boxed_slice(),
            leaves: b.leaves.into_boxed_slice(),
            len: n,
            _key: PhantomData,
        }
    }

    /// Longest-prefix match: the value of the longest prefix covering `key`.
    #[inline]
    pub(crate) fn lookup(&self, key: K) -> Option<u32> {
        let e = self.direct[top(key.window(0), self.direct_bits)];
        if e & NODE == 0 {
            return decode(e);
        }
        let mut idx = (e & !NODE) as usize;
        let mut pos = self.direct_bits;
        loop {
            let n = &self.nodes[idx];
            let w = key.window(pos);
            let s = n.skip_len();
            if (w ^ n.skip) & top_mask(s) != 0 {
                // Off the compressed path: only the inherited value can match.
                return decode(self.leaves[n.base0 as usize - 1]);
            }
            let v = ((w << s) >> (64 - STRIDE)) as u32;
            if n.vector & (1 << v) != 0 {
                idx = n.base1() + (n.vector & upto(v)).count_ones() as usize - 1;
                pos += s + STRIDE;
            } else {
                let leaf = n.base0 as usize + (n.leafvec & upto(v)).count_ones() as usize - 1;
                return decode(self.leaves[leaf]);
            }
        }
    }

    /// Looks up `keys[i]` into `out[i]`.
    #[inline]
    pub(crate) fn lookup_batch(&self, keys: &[K], out: &mut [Option<u32>]) {
        assert_eq!(
            keys.len(),
            out.len(),
            "lookup_batch: slices differ in length"
        );
        for (k, o) in keys.iter().zip(out.iter_mut()) {
            *o = self.lookup(*k);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + size_of_val(&*self.direct)
            + size_of_val(&*self.nodes)
            + size_of_val(&*self.leaves)
    }
}

struct Builder<K> {
    nodes: Vec<Node>,
    leaves: Vec<u32>,
    _key: PhantomData<K>,
}

impl<K: Key> Builder<K> {
    /// Reserves `count` contiguous nodes, returning the first index.
    fn alloc(&mut self, count: usize) -> usize {
        let first = self.nodes.len();
        assert!(
            first + count <= BASE1_MASK as usize,
            "FIB too large: more than 2^{BASE1_BITS} nodes"
        );
        self.nodes.resize(first + count, Node::default());
        first
    }

    /// Fills node `idx`, which starts at key bit `pos`, from `entries`: all longer than
    /// `pos`, all sharing bits `0..pos`, in (key, len) order. `dflt` is the value
    /// inherited from shorter prefixes.
    fn fill(&mut self, idx: usize, pos: u32, entries: &[(K, u8, u32)], dflt: u32) {
        let first = entries[0].0;
        let last = entries[entries.len() - 1].0;
        let min_len = entries
            .iter()
            .map(|e| u32::from(e.1))
            .min()
            .unwrap_or(K::BITS);
        debug_assert!(min_len > pos && first.common_len(last) >= pos);
        // Skip the bits all entries share, but stop before the shortest one ends: it
        // must be painted into slots of this node.
        let skip = (first.common_len(last) - pos)
            .min(min_len - 1 - pos)
            .min(MAX_SKIP);
        let q = pos + skip;
        let end = q + STRIDE;

        // Paint the prefixes ending in this stride; group the longer ones by slot.
        let mut paint = [dflt; 64];
        let mut groups = [(0u32, 0usize, 0usize); 64];
        let mut ngroups = 0;
        let mut i = 0;
        while i < entries.len() {
            let (k, len, v) = entries[i];
            let slot = top(k.window(q), STRIDE);
            if u32::from(len) <= end {
                paint[slot..slot + (1 << (end - u32::from(len)))].fill(v);
                i += 1;
            } else {
                let start = i;
                while i < entries.len() && top(entries[i].0.window(q), STRIDE) == slot {
                    debug_assert!(u32::from(entries[i].1) > end);
                    i += 1;
                }
                groups[ngroups] = (slot as u32, start, i);
                ngroups += 1;
            }
        }
        let groups = &groups[..ngroups];

        let vector = groups.iter().fold(0u64, |acc, g| acc | 1 << g.0);
        if skip > 0 {
            self.leaves.push(dflt);
        }
        let base0 = self.leaves.len();
        let mut leafvec = 0u64;
        let mut prev = None;
        for (slot, &v) in paint.iter().enumerate() {
            if vector & (1 << slot) == 0 && prev != Some(v) {
                leafvec |= 1 << slot;
                self.leaves.push(v);
                prev = Some(v);
            }
        }
        let base1 = self.alloc(ngroups);
        self.nodes[idx] = Node {
            vector,
            leafvec,
            skip: first.window(pos) & top_mask(skip),
            base0: u32::try_from(base0).expect("FIB too large: more than 2^32 leaves"),
            base1_skip: base1 as u32 | skip << BASE1_BITS,
        };
        for (rank, &(slot, start, stop)) in groups.iter().enumerate() {
            self.fill(
                base1 + rank,
                end,
                &entries[start..stop],
                paint[slot as usize],
            );
        }
    }
}
