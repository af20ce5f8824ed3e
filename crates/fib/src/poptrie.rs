//! Generic path-compressed poptrie with adaptive direct nodes, shared by
//! [`Fib4`](crate::Fib4) (`u32` keys) and [`Fib6`](crate::Fib6) (`u128` keys).
//!
//! # Layout
//!
//! ```text
//!  key bits:   [ skip ][ stride ][ skip ][ stride ] ...      (bit 0 = most significant)
//!                 │        │
//!  root: u32 ─► Node (32 bytes, in `nodes`)
//!    skip_len, skip   the next skip_len key bits must equal `skip`, else the answer is
//!                     slots[base0 - 1] (path compression: one node, not a chain)
//!    popcount node (stride 6):
//!      vector  u64    bit i set: slot i is a child -> nodes[base1 + rank(vector, i)]
//!      leafvec u64    bit i set: a run of equal leaves starts at slot i
//!                     leaf slot i -> slots[base0 + rank(leafvec, i)]
//!    direct node (stride k = 8..=18, for dense subtrees):
//!                     slot i -> slots[base0 + i]
//!
//!  slots: [u32]      leaf value, NONE, or NODE | node index (direct nodes only)
//! ```
//!
//! `rank(v, i)` is `popcount(v & bits 0..=i) - 1`. A popcount node's children are
//! contiguous in `nodes`, its leaves contiguous in `slots`, so it costs 32 bytes plus
//! 4 bytes per run of equal leaves: memory follows the number of prefixes. Where a
//! subtree is dense (a quarter of the 2^k slots below it hold prefixes), a direct node
//! of stride k replaces several popcount levels for at most 16 bytes per prefix; the
//! root of a big IPv4 table is one (2^18 slots, like the poptrie paper's direct
//! pointing), the root of a small table is a popcount node, and an empty table has none.
//!
//! Leaves hold the final answer: each prefix's value is pushed down into every slot it
//! covers unless a longer prefix covers it, so a lookup never backtracks. Values are
//! `u32`; the top bit marks node references, and [`NONE`] means "no route", hence
//! [`MAX_VALUE`].

use core::fmt;
use core::marker::PhantomData;

/// Largest value a route may carry; larger values are reserved for the encoding.
pub const MAX_VALUE: u32 = 0x7FFF_FFFE;
/// Leaf value meaning "no matching prefix".
const NONE: u32 = 0x7FFF_FFFF;
/// Marks a root or slot entry as a node index rather than a leaf value.
const NODE: u32 = 0x8000_0000;
/// Tables smaller than this are assumed cache-resident by `lookup_batch`.
const CACHED: usize = 1 << 20;
/// Bits consumed by one popcount node (64 slots = one `u64` bitmap).
const STRIDE: u32 = 6;
/// Longest run of bits one node may skip: skip and slot index come from one 64-bit
/// window of the key.
const MAX_SKIP: u32 = 64 - STRIDE;
/// Smallest direct node: below this a popcount node is as fast and much smaller.
const MIN_DIRECT: u32 = 8;
/// A direct node of stride k needs this many of its 2^k slots to hold prefixes.
const DIRECT_DENSITY: usize = 4;
/// `meta` packs base1 (popcount) or the stride (direct) in the low bits, the skip
/// length (0..=58) above, and the node kind on top.
const FIELD_BITS: u32 = 24;
const FIELD_MASK: u32 = (1 << FIELD_BITS) - 1;
const SKIP_MASK: u32 = 0x3F;
const KIND_SHIFT: u32 = 30;
const POPCOUNT: u32 = 0;
const DIRECT: u32 = 1;
/// A subtree holding a single prefix, checked in one step: `skip` and `leafvec` hold
/// the next 128 key bits it needs, `meta` how many, `vector` = outside | inside << 32.
/// Ends most lookups in sparse regions without reading a slot, however long the tail.
const SINGLE: u32 = 2;

/// A key type: an unsigned integer read from its most significant bit.
pub(crate) trait Key: Copy + Ord + fmt::Debug + Send + Sync + 'static {
    const BITS: u32;
    /// The 64 key bits from bit `pos` on (bit 0 = most significant), left-aligned; bits
    /// past the end of the key read as zero. Requires `pos < BITS`.
    fn window(self, pos: u32) -> u64;
    /// The same with 128 bits.
    fn window128(self, pos: u32) -> u128;
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
    #[inline(always)]
    fn window128(self, pos: u32) -> u128 {
        (u128::from(self) << 96) << pos
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
    #[inline(always)]
    fn window128(self, pos: u32) -> u128 {
        self << pos
    }
    fn truncate(self, len: u32) -> Self {
        self & u128::MAX.checked_shl(128 - len).unwrap_or(0)
    }
    fn common_len(self, other: Self) -> u32 {
        (self ^ other).leading_zeros()
    }
}

/// The top `n` bits of a window, right-aligned (`1 <= n <= 63`).
#[inline(always)]
fn top(w: u64, n: u32) -> usize {
    (w >> (64 - n)) as usize
}

/// Mask of the top `s` bits of a `u64` (`s <= 63`).
#[inline(always)]
fn top_mask(s: u32) -> u64 {
    !(u64::MAX >> s)
}

/// Bits `0..=i` of a `u64`.
#[inline(always)]
fn upto(i: u32) -> u64 {
    u64::MAX >> (63 - i)
}

#[inline(always)]
fn prefetch<T>(p: *const T) {
    // SAFETY: prefetching is a hint; it never faults, whatever the address.
    unsafe { core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast()) }
}

#[inline(always)]
fn decode(leaf: u32) -> Option<u32> {
    (leaf != NONE).then_some(leaf)
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
    meta: u32,
}

/// Where one step of a lookup leads.
enum Next {
    /// Another node: `nodes[i]`.
    Node(usize),
    /// A slot, `slots[i]`: a leaf value, or (below a direct node) a node reference.
    Slot(usize),
    /// The answer (from a single-prefix node).
    Leaf(u32),
}

#[derive(Clone)]
pub(crate) struct Poptrie<K> {
    /// A leaf value, or `NODE |` the root node's index.
    root: u32,
    nodes: Box<[Node]>,
    slots: Box<[u32]>,
    len: usize,
    _key: PhantomData<K>,
}

impl<K: Key> Default for Poptrie<K> {
    fn default() -> Self {
        Poptrie {
            root: NONE,
            nodes: Box::new([]),
            slots: Box::new([]),
            len: 0,
            _key: PhantomData,
        }
    }
}

impl<K: Key> fmt::Debug for Poptrie<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = |k| {
            self.nodes
                .iter()
                .filter(|n| n.meta >> KIND_SHIFT == k)
                .count()
        };
        f.debug_struct("Poptrie")
            .field("prefixes", &self.len)
            .field("nodes", &self.nodes.len())
            .field("direct_nodes", &kind(DIRECT))
            .field("single_nodes", &kind(SINGLE))
            .field("slots", &self.slots.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

impl<K: Key> Poptrie<K> {
    /// Builds the table; direct nodes have a stride of at most `max_direct` bits.
    ///
    /// # Panics
    /// If a prefix length exceeds `K::BITS` or a value exceeds [`MAX_VALUE`].
    pub(crate) fn build(entries: &[(K, u8, u32)], max_direct: u32) -> Self {
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

        let mut b = Builder::<K> {
            nodes: Vec::new(),
            slots: Vec::new(),
            max_direct,
            _key: PhantomData,
        };
        // Only a default route can have length 0, and it sorts first.
        let (dflt, rest) = match uniq.first() {
            Some(&(_, 0, v)) => (v, &uniq[1..]),
            _ => (NONE, &uniq[..]),
        };
        let root = if rest.is_empty() {
            dflt
        } else {
            let idx = b.alloc(1);
            b.fill(idx, 0, rest, dflt);
            NODE | idx as u32
        };
        Poptrie {
            root,
            nodes: b.nodes.into_boxed_slice(),
            slots: b.slots.into_boxed_slice(),
            len: uniq.len(),
            _key: PhantomData,
        }
    }

    /// Reads node `n` for `key` at bit `pos`, advancing `pos` past what it consumed.
    #[inline(always)]
    fn step(&self, n: &Node, key: K, pos: &mut u32) -> Next {
        let w = key.window(*pos);
        let s = (n.meta >> FIELD_BITS) & SKIP_MASK;
        let kind = n.meta >> KIND_SHIFT;
        if (w ^ n.skip) & top_mask(s) != 0 {
            // Off the compressed path: only the inherited value can match.
            return Next::Slot(n.base0 as usize - 1);
        }
        let w = w << s;
        let field = n.meta & FIELD_MASK;
        match kind {
            POPCOUNT => {
                let v = top(w, STRIDE) as u32;
                if n.vector & (1 << v) != 0 {
                    *pos += s + STRIDE;
                    let rank = (n.vector & upto(v)).count_ones() as usize - 1;
                    Next::Node(field as usize + rank)
                } else {
                    let rank = (n.leafvec & upto(v)).count_ones() as usize - 1;
                    Next::Slot(n.base0 as usize + rank)
                }
            }
            DIRECT => {
                *pos += s + field;
                Next::Slot(n.base0 as usize + top(w, field))
            }
            _ => {
                let want = u128::from(n.skip) << 64 | u128::from(n.leafvec);
                let inside = (key.window128(*pos) ^ want) >> (128 - field) == 0;
                Next::Leaf((n.vector >> (32 * u32::from(inside))) as u32)
            }
        }
    }

    /// Longest-prefix match: the value of the longest prefix covering `key`.
    #[inline]
    pub(crate) fn lookup(&self, key: K) -> Option<u32> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, just checked.
            return unsafe { self.lookup_popcnt(key) };
        }
        self.walk(key)
    }

    /// [`walk`](Self::walk) compiled with the popcnt instruction, which the baseline
    /// x86-64 target lacks: `count_ones` is otherwise a dozen dependent instructions
    /// per node, measured at about a third of a cache-resident lookup.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn lookup_popcnt(&self, key: K) -> Option<u32> {
        self.walk(key)
    }

    #[inline(always)]
    fn walk(&self, key: K) -> Option<u32> {
        let mut r = self.root;
        let mut pos = 0;
        while r & NODE != 0 {
            let mut idx = (r & !NODE) as usize;
            r = loop {
                match self.step(&self.nodes[idx], key, &mut pos) {
                    Next::Node(i) => idx = i,
                    Next::Slot(i) => break self.slots[i],
                    Next::Leaf(v) => return decode(v),
                }
            };
        }
        decode(r)
    }

    /// Looks up `keys[i]` into `out[i]`.
    pub(crate) fn lookup_batch(&self, keys: &[K], out: &mut [Option<u32>]) {
        assert_eq!(
            keys.len(),
            out.len(),
            "lookup_batch: slices differ in length"
        );
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, just checked.
            return unsafe { self.batch_popcnt(keys, out) };
        }
        self.batch(keys, out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn batch_popcnt(&self, keys: &[K], out: &mut [Option<u32>]) {
        self.batch(keys, out);
    }

    /// Overlaps the cache misses of a group of lookups ("group prefetching"): each
    /// round advances every unfinished lookup of the group by one node or slot and
    /// prefetches the next, so a round's misses are in flight together instead of one
    /// after another. Lookups of one round tend to be at the same kind of step, which
    /// keeps branches predictable (interleaving lookups at arbitrary stages measured
    /// slower). Tables that fit in cache have no misses to overlap: plain loop.
    #[inline(always)]
    fn batch(&self, keys: &[K], out: &mut [Option<u32>]) {
        const GROUP: usize = 32;
        if self.root & NODE == 0 || self.memory_bytes() < CACHED {
            for (k, o) in keys.iter().zip(out.iter_mut()) {
                *o = self.walk(*k);
            }
            return;
        }
        let root = (self.root & !NODE) as usize;
        for (keys, out) in keys.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            // Per lookup: where it is (a `nodes` index, or a `slots` index when
            // `in_slots`), its bit position, and whether it is done.
            let mut at = [root; GROUP];
            let mut pos = [0u32; GROUP];
            let mut in_slots = [false; GROUP];
            let mut done = [false; GROUP];
            let mut live = keys.len();
            while live > 0 {
                for (i, &key) in keys.iter().enumerate() {
                    if done[i] {
                        continue;
                    }
                    if in_slots[i] {
                        let r = self.slots[at[i]];
                        if r & NODE != 0 {
                            (at[i], in_slots[i]) = ((r & !NODE) as usize, false);
                            prefetch(self.nodes.as_ptr().wrapping_add(at[i]));
                            continue;
                        }
                        out[i] = decode(r);
                    } else {
                        match self.step(&self.nodes[at[i]], key, &mut pos[i]) {
                            Next::Node(j) => {
                                at[i] = j;
                                prefetch(self.nodes.as_ptr().wrapping_add(j));
                                continue;
                            }
                            Next::Slot(j) => {
                                (at[i], in_slots[i]) = (j, true);
                                prefetch(self.slots.as_ptr().wrapping_add(j));
                                continue;
                            }
                            Next::Leaf(v) => out[i] = decode(v),
                        }
                    }
                    done[i] = true;
                    live -= 1;
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>() + size_of_val(&*self.nodes) + size_of_val(&*self.slots)
    }
}

struct Builder<K> {
    nodes: Vec<Node>,
    slots: Vec<u32>,
    max_direct: u32,
    _key: PhantomData<K>,
}

impl<K: Key> Builder<K> {
    /// Reserves `count` contiguous nodes, returning the first index.
    fn alloc(&mut self, count: usize) -> usize {
        let first = self.nodes.len();
        assert!(
            first + count <= FIELD_MASK as usize,
            "FIB too large: more than 2^{FIELD_BITS} nodes"
        );
        self.nodes.resize(first + count, Node::default());
        first
    }

    /// Starts a node's slots: the fallback for a skip mismatch first, if it skips.
    fn slots_base(&mut self, skip: u32, dflt: u32) -> u32 {
        if skip > 0 {
            self.slots.push(dflt);
        }
        u32::try_from(self.slots.len()).expect("FIB too large: more than 2^32 slots")
    }

    /// The stride of a direct node for `entries` at bit `q`, if one is worth it: the
    /// largest k whose 2^k slots are at least 1/[`DIRECT_DENSITY`] occupied.
    fn direct_stride(&self, q: u32, entries: &[(K, u8, u32)]) -> Option<u32> {
        let max = self.max_direct.min(K::BITS - q);
        if max < MIN_DIRECT || entries.len() * DIRECT_DENSITY < 1 << MIN_DIRECT {
            return None;
        }
        // Entries are sorted, so the number of distinct k-bit slots they fall in is one
        // plus the number of neighbours that differ within those k bits.
        let mut differ_at = [0usize; 64];
        for pair in entries.windows(2) {
            let common = pair[0].0.common_len(pair[1].0).min(q + max) - q;
            differ_at[common as usize] += 1;
        }
        let mut distinct = 1 + differ_at[..MIN_DIRECT as usize - 1].iter().sum::<usize>();
        let mut best = None;
        for k in MIN_DIRECT..=max {
            // differ_at[k - 1] pairs first differ at bit k - 1: a new k-bit slot.
            distinct += differ_at[k as usize - 1];
            if distinct * DIRECT_DENSITY >= 1 << k {
                best = Some(k);
            }
        }
        best
    }

    /// Fills node `idx`, which starts at key bit `pos`, from `entries`: all longer than
    /// `pos`, all sharing bits `0..pos`, in (key, len) order. `dflt` is the value
    /// inherited from shorter prefixes.
    fn fill(&mut self, idx: usize, pos: u32, entries: &[(K, u8, u32)], dflt: u32) {
        if let [(key, len, value)] = *entries {
            let want = key.window128(pos);
            self.nodes[idx] = Node {
                vector: u64::from(dflt) | u64::from(value) << 32,
                leafvec: want as u64,
                skip: (want >> 64) as u64,
                base0: 0,
                meta: SINGLE << KIND_SHIFT | (u32::from(len) - pos),
            };
            return;
        }
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
        let skip_bits = first.window(pos) & top_mask(skip);
        match self.direct_stride(q, entries) {
            Some(k) => self.fill_direct(idx, q, k, skip, skip_bits, entries, dflt),
            None => self.fill_popcount(idx, q, skip, skip_bits, entries, dflt),
        }
    }

    /// Paints the prefixes ending within `stride` bits of `q` into `paint` (2^stride
    /// slots) and returns the longer ones grouped by slot, as (slot, range) in order.
    fn paint(
        q: u32,
        stride: u32,
        entries: &[(K, u8, u32)],
        paint: &mut [u32],
    ) -> Vec<(usize, core::ops::Range<usize>)> {
        let end = q + stride;
        let mut groups = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let (k, len, v) = entries[i];
            let slot = top(k.window(q), stride);
            if u32::from(len) <= end {
                paint[slot..slot + (1 << (end - u32::from(len)))].fill(v);
                i += 1;
            } else {
                // The longer prefixes of a slot are contiguous: any shorter prefix
                // covering the slot sorts before them.
                let start = i;
                while i < entries.len() && top(entries[i].0.window(q), stride) == slot {
                    debug_assert!(u32::from(entries[i].1) > end);
                    i += 1;
                }
                groups.push((slot, start..i));
            }
        }
        groups
    }

    fn fill_popcount(
        &mut self,
        idx: usize,
        q: u32,
        skip: u32,
        skip_bits: u64,
        entries: &[(K, u8, u32)],
        dflt: u32,
    ) {
        let mut paint = [dflt; 64];
        let groups = Self::paint(q, STRIDE, entries, &mut paint);
        let vector = groups.iter().fold(0u64, |acc, g| acc | 1 << g.0);
        let base0 = self.slots_base(skip, dflt);
        let mut leafvec = 0u64;
        let mut prev = None;
        for (slot, &v) in paint.iter().enumerate() {
            // A run of equal leaves continues across child slots.
            if vector & (1 << slot) == 0 && prev != Some(v) {
                leafvec |= 1 << slot;
                self.slots.push(v);
                prev = Some(v);
            }
        }
        let base1 = self.alloc(groups.len());
        self.nodes[idx] = Node {
            vector,
            leafvec,
            skip: skip_bits,
            base0,
            meta: POPCOUNT << KIND_SHIFT | skip << FIELD_BITS | base1 as u32,
        };
        for (rank, (slot, range)) in groups.into_iter().enumerate() {
            self.fill(base1 + rank, q + STRIDE, &entries[range], paint[slot]);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_direct(
        &mut self,
        idx: usize,
        q: u32,
        k: u32,
        skip: u32,
        skip_bits: u64,
        entries: &[(K, u8, u32)],
        dflt: u32,
    ) {
        let mut paint = vec![dflt; 1 << k];
        let groups = Self::paint(q, k, entries, &mut paint);
        let base0 = self.slots_base(skip, dflt);
        self.slots.extend_from_slice(&paint);
        self.nodes[idx] = Node {
            skip: skip_bits,
            base0,
            meta: DIRECT << KIND_SHIFT | skip << FIELD_BITS | k,
            ..Node::default()
        };
        for (slot, range) in groups {
            let child = self.alloc(1);
            self.fill(child, q + k, &entries[range], paint[slot]);
            self.slots[base0 as usize + slot] = NODE | child as u32;
        }
    }
}
