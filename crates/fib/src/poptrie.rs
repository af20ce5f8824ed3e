//! The lookup structure behind [`Fib4`](crate::Fib4) and [`Fib6`](crate::Fib6): a
//! poptrie (Asai & Ohara, SIGCOMM 2015) with path compression, wide "direct" nodes
//! where prefixes are dense, and one-step nodes for subtrees holding a single prefix.
//! Generic over the key width ([`Key`]); building is in [`build`].
//!
//! # Layout
//!
//! ```text
//!  key bits:  [skip][ stride ][skip][ stride ] ... [ single-prefix check ]
//!                                                   (bit 0 = most significant)
//!  root ──► a leaf value; the root popcount node's 64 slots, expanded; a direct
//!           root's skip, stride and base0; or the index of a 32-byte Node in `nodes`
//!
//!  Node: skip (the next s key bits must equal it, else the answer is slots[base0 - 1]:
//!        path compression, one node instead of a chain) then, by kind:
//!   POPCOUNT  stride 6, 64 slots:
//!              vector  u64  bit i: slot i is a child   -> nodes[base1 + rank(vector, i)]
//!              leafvec u64  bit i: a run of equal leaves starts at slot i
//!                           leaf slot i                -> slots[base0 + rank(leafvec, i)]
//!   DIRECT    stride k (8..=18), dense subtrees:  slot i -> slots[base0 + i]
//!             or, for a wide one, slot i -> wide[vector + i]: its leaf value, its node,
//!             or the one prefix below it inline (tail bits, inside and outside values)
//!   SINGLE    one prefix of length pos + L below: key bits [pos, pos + L) == stored
//!              128 bits ? inside value : outside value      (both in the node)
//!             (a DIRECT node may skip 59..=127 bits, IPv6: stored as 128, as SINGLE)
//!
//!  slots: [u32]   leaf values, NONE, and (below DIRECT nodes) NODE | node index
//!  wide:  [Wide]  the slots of wide DIRECT nodes, 16 bytes each
//! ```
//!
//! `rank(v, i)` is `popcount(v & bits 0..=i) - 1`. A popcount node's children are
//! contiguous in `nodes` and its leaves contiguous in `slots`: 32 bytes plus 4 per run
//! of equal leaves. A direct node of stride k is only built where a quarter of its 2^k
//! slots hold prefixes (a direct root is then widened to up to four slots a prefix),
//! so it costs at most 16 bytes per prefix; the root of a big IPv4 table is one (2^18
//! slots, like the poptrie paper's direct pointing), the root of a small table is a
//! popcount or single node, an empty table has no node. Memory thus follows the number
//! of prefixes, and a tiny table costs a few hundred bytes.
//!
//! Leaves hold the final answer: each prefix's value is pushed down into every slot it
//! covers unless a longer prefix covers it, so a lookup walks down once and never
//! backtracks. Values are `u32`; the top bit marks node references and [`NONE`] means
//! "no route", hence [`MAX_VALUE`].

use core::fmt;
use core::marker::PhantomData;

use crate::huge::HugeSlice;
use crate::key::{Bits, Key};

mod build;

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
/// A long direct node (IPv6 only) skips more than [`MAX_SKIP`] bits: its field is
/// `k | skip << LONG_SKIP_SHIFT`, `skip` and `leafvec` hold the skipped bits as 128,
/// and its meta skip is 0. Dense SIDs under one locator (`fc00:0:1::i/128`) share 100+
/// bits: one step where capped skips take two.
const LONG_SKIP_SHIFT: u32 = 8;
/// In a direct node's field: its slots are [`Wide`], from `wide[vector]`.
const WIDE: u32 = 1 << 16;
/// Longest prefix tail a [`Wide`] slot holds: the tail's length takes the low 6 bits.
const MAX_TAIL: u32 = 58;
/// In a batched lookup's state word: a `wide` index (neither flag: a `slots` index).
const AT_WIDE: u32 = 1 << 30;

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

/// Asks the CPU to start loading `p`'s cache line. Measured to halve batched lookups
/// on tables larger than the caches; plain loads cannot be issued early this way.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and reads nothing, whatever the
    // address; the SSE it needs is part of the x86-64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
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

impl Node {
    /// The 128 bits a long direct or a single node compares: `skip:leafvec`.
    #[inline(always)]
    fn bits128(&self) -> u128 {
        u128::from(self.skip) << 64 | u128::from(self.leafvec)
    }

    /// A direct node with a skip of its own beyond `MAX_SKIP`.
    fn is_long(&self) -> bool {
        self.meta >> KIND_SHIFT == DIRECT
            && (self.meta & FIELD_MASK & !WIDE) >> LONG_SKIP_SHIFT != 0
    }
}

/// A slot of a wide direct node. Where one prefix lies below the slot (its subtree's
/// only one, at most [`MAX_TAIL`] bits longer), the slot holds it, so that the lookup
/// ends here instead of one more dependent miss away in a single node. Sparse big
/// tables are made of such slots: 100k random /48s leave 0.4 of one per slot of a
/// stride-16 node.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct Wide {
    /// `0`: `outside` is `NODE |` the subtree's node. Else the prefix's next bits,
    /// left-aligned, with its length in the low 6 bits (a leaf slot: length 1 and both
    /// values equal).
    tail: u64,
    /// The value for keys outside the prefix (the slot's painted value).
    outside: u32,
    /// The prefix's value.
    inside: u32,
}

impl Wide {
    /// A slot holding leaf value `v`.
    fn leaf(v: u32) -> Wide {
        Wide {
            tail: 1,
            outside: v,
            inside: v,
        }
    }

    /// A slot leading to node `i`.
    fn node(i: usize) -> Wide {
        let r = NODE | i as u32;
        Wide {
            tail: 0,
            outside: r,
            inside: r,
        }
    }
}

/// Where one step of a lookup leads.
enum Next {
    /// Another node: `nodes[i]`.
    Node(usize),
    /// A slot, `slots[i]`: a leaf value, or (below a direct node) a node reference.
    Slot(usize),
    /// A wide slot, `wide[i]`, to read with the key bits after its node's.
    Wide(usize),
    /// The answer (from a single-prefix node).
    Leaf(u32),
}

/// How a lookup enters the trie, decided when it is built, so that no lookup reads and
/// decodes the root node (every lookup's first step).
#[derive(Clone)]
enum Root {
    /// No node (an empty table, or a default route alone): this leaf value for all.
    Leaf(u32),
    /// A popcount root without skip, expanded: its 64 slots as a slot holds them (a leaf
    /// value, or `NODE |` a child), so the step is one load and no rank.
    Expanded(Box<[u32; 64]>),
    /// A direct root that is neither long nor wide (a big IPv4 table's), as its node
    /// has it: the key's top `skip` bits must equal `bits`, then `stride` bits index
    /// the slots.
    Direct {
        skip: u32,
        bits: u64,
        stride: u32,
        base0: usize,
    },
    /// Any other root: `nodes[i]`.
    Node(usize),
}

impl Root {
    fn kind(&self) -> &'static str {
        match self {
            Root::Leaf(_) => "leaf",
            Root::Expanded(_) => "expanded",
            Root::Direct { .. } => "direct",
            Root::Node(_) => "node",
        }
    }

    /// Key bits its step reads before any node (none when it is a node).
    fn bits(&self) -> u32 {
        match self {
            Root::Expanded(_) => STRIDE,
            &Root::Direct { stride, .. } => stride,
            Root::Leaf(_) | Root::Node(_) => 0,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Poptrie<K> {
    root: Root,
    nodes: HugeSlice<Node>,
    slots: HugeSlice<u32>,
    wide: HugeSlice<Wide>,
    len: usize,
    _key: PhantomData<K>,
}

impl<K: Key> Default for Poptrie<K> {
    fn default() -> Self {
        Poptrie {
            root: Root::Leaf(NONE),
            nodes: HugeSlice::default(),
            slots: HugeSlice::default(),
            wide: HugeSlice::default(),
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
            .field("root", &self.root.kind())
            .field("root_bits", &self.root.bits())
            .field("nodes", &self.nodes.len())
            .field("direct_nodes", &kind(DIRECT))
            .field("single_nodes", &kind(SINGLE))
            .field(
                "long_nodes",
                &self.nodes.iter().filter(|n| n.is_long()).count(),
            )
            .field("slots", &self.slots.len())
            .field("wide_slots", &self.wide.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

impl<K: Key> Poptrie<K> {
    /// Whether direct nodes may have [`Wide`] slots: IPv6 only (see `fill_direct`).
    /// A constant, so that IPv4 lookups carry no test for them.
    const WIDE_SLOTS: bool = K::BITS == 128;

    /// Reads node `n` for the unconsumed key bits `key`, consuming what it reads.
    #[inline(always)]
    fn step(&self, n: &Node, key: &mut K::Bits) -> Next {
        let field = n.meta & FIELD_MASK;
        let kind = n.meta >> KIND_SHIFT;
        if kind == SINGLE {
            // No skip of its own: the compared bits are all in `wide`; an IPv4 node
            // compares at most 32, all in its top half.
            let inside = if K::BITS <= 64 {
                (key.top64() ^ n.skip) >> (64 - field) == 0
            } else {
                (key.top128() ^ n.bits128()) >> (128 - field) == 0
            };
            return Next::Leaf((n.vector >> (32 * u32::from(inside))) as u32);
        }
        let w = key.top64();
        let s = (n.meta >> FIELD_BITS) & SKIP_MASK;
        if (w ^ n.skip) & top_mask(s) != 0 {
            // Off the compressed path: only the inherited value can match.
            return Next::Slot(n.base0 as usize - 1);
        }
        let w = w << s;
        if kind == POPCOUNT {
            let v = top(w, STRIDE) as u32;
            return if n.vector & (1 << v) != 0 {
                *key = key.consume(s + STRIDE);
                let rank = (n.vector & upto(v)).count_ones() as usize - 1;
                Next::Node(field as usize + rank)
            } else {
                let rank = (n.leafvec & upto(v)).count_ones() as usize - 1;
                Next::Slot(n.base0 as usize + rank)
            };
        }
        let (ls, k) = ((field & !WIDE) >> LONG_SKIP_SHIFT, field & 0xFF);
        if ls == 0 {
            *key = key.consume(s + k);
            return Self::direct_slot(n, top(w, k));
        }
        // Long direct: its own skip (MAX_SKIP < ls < 128), then k bits index the slots.
        let w = key.top128();
        if (w ^ n.bits128()) >> (128 - ls) != 0 {
            return Next::Slot(n.base0 as usize - 1);
        }
        // Two shifts: ls + k may reach the key's full width.
        *key = key.consume(ls).consume(k);
        Self::direct_slot(n, ((w << ls) >> (128 - k)) as usize)
    }

    /// Slot `i` of direct node `n`.
    #[inline(always)]
    fn direct_slot(n: &Node, i: usize) -> Next {
        if Self::WIDE_SLOTS && n.meta & WIDE != 0 {
            Next::Wide(n.vector as usize + i)
        } else {
            Next::Slot(n.base0 as usize + i)
        }
    }

    /// Reads a wide slot for the key bits after its node's.
    #[inline(always)]
    fn tail(s: &Wide, key: K::Bits) -> Next {
        if s.tail == 0 {
            return Next::Node((s.outside & !NODE) as usize);
        }
        let len = (s.tail & 0x3F) as u32;
        let inside = (key.top64() ^ s.tail) >> (64 - len) == 0;
        Next::Leaf(if inside { s.inside } else { s.outside })
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

    /// The step at the root, for a table with nodes.
    #[inline(always)]
    fn first_step(&self, key: &mut K::Bits) -> Next {
        match &self.root {
            Root::Expanded(first) => Self::expanded_step(first, key),
            &Root::Direct {
                skip,
                bits,
                stride,
                base0,
            } => {
                let w = key.top64();
                if (w ^ bits) & top_mask(skip) != 0 {
                    return Next::Slot(base0 - 1);
                }
                *key = key.consume(skip + stride);
                Next::Slot(base0 + top(w << skip, stride))
            }
            &Root::Node(i) => self.step(&self.nodes[i], key),
            &Root::Leaf(v) => Next::Leaf(v),
        }
    }

    /// The first step at an expanded root: one load, no rank.
    #[inline(always)]
    fn expanded_step(first: &[u32; 64], key: &mut K::Bits) -> Next {
        let r = first[top(key.top64(), STRIDE)];
        if r & NODE == 0 {
            return Next::Leaf(r);
        }
        *key = key.consume(STRIDE);
        Next::Node((r & !NODE) as usize)
    }

    #[inline(always)]
    fn walk(&self, key: K) -> Option<u32> {
        let mut bits = key.bits();
        let mut next = self.first_step(&mut bits);
        loop {
            match next {
                Next::Leaf(v) => return decode(v),
                n => next = self.advance(n, &mut bits),
            }
        }
    }

    /// One step of a lookup at `next` (not a leaf), for its unconsumed key bits.
    #[inline(always)]
    fn advance(&self, next: Next, bits: &mut K::Bits) -> Next {
        match next {
            Next::Node(i) => self.step(&self.nodes[i], bits),
            Next::Slot(i) => match self.slots[i] {
                r if r & NODE != 0 => Next::Node((r & !NODE) as usize),
                leaf => Next::Leaf(leaf),
            },
            Next::Wide(i) => Self::tail(&self.wide[i], *bits),
            leaf @ Next::Leaf(_) => leaf,
        }
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
    /// slower). The first `HOT` node steps, in the few nodes below the root that every
    /// lookup shares, miss nothing and are taken at once. (Taking more measured no
    /// faster on deeper cached paths, and would serialise misses in sparse tables.)
    /// Tables that fit in cache have no misses to overlap: plain loop.
    ///
    /// A group is 16 lookups, as many misses as an L1 has fill buffers on recent x86
    /// cores: a 17th prefetch waits for one to free, stalling the loop that issues it.
    /// (Of 8, 12, 16, 24 and 32, only 16 measured faster than 32 for both End and
    /// End.DT46 on the seg6local bench; see BENCHMARKS.md.)
    #[inline(always)]
    fn batch(&self, keys: &[K], out: &mut [Option<u32>]) {
        // (A table without nodes is far below `CACHED`.)
        if self.memory_bytes() < CACHED {
            for (k, o) in keys.iter().zip(out.iter_mut()) {
                *o = self.walk(*k);
            }
            return;
        }
        // An expanded root (a big IPv6 table's) is entered the same way by every
        // lookup: decided once here, not for each key.
        match &self.root {
            Root::Expanded(first) => self.groups(keys, out, Some(first)),
            _ => self.groups(keys, out, None),
        }
    }

    /// [`batch`](Self::batch) for a table beyond the caches; `expanded`: its root, when
    /// that is an expanded one (a constant where this is inlined).
    #[inline(always)]
    fn groups(&self, keys: &[K], out: &mut [Option<u32>], expanded: Option<&[u32; 64]>) {
        const GROUP: usize = 16;
        const HOT: u32 = 2;
        for (keys, out) in keys.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            // Per lookup: where it is, as a slot holds it (`NODE |` a `nodes` index,
            // or a `slots` index), and its unconsumed key bits. `live`: one bit per
            // unfinished lookup.
            let mut at = [0; GROUP];
            let mut bits = [K::Bits::default(); GROUP];
            let mut live = 0u32;
            for (i, key) in keys.iter().enumerate() {
                let mut b = key.bits();
                let mut next = match expanded {
                    Some(first) => Self::expanded_step(first, &mut b),
                    None => self.first_step(&mut b),
                };
                for _ in 1..HOT {
                    match next {
                        Next::Node(j) => next = self.step(&self.nodes[j], &mut b),
                        _ => break,
                    }
                }
                match self.park(next) {
                    Ok(a) => (at[i], bits[i], live) = (a, b, live | 1 << i),
                    Err(v) => out[i] = decode(v),
                }
            }
            while live != 0 {
                let mut round = live;
                while round != 0 {
                    // (`live` has no bit from GROUP up: `%` only tells the compiler.)
                    let i = round.trailing_zeros() as usize % GROUP;
                    round &= round - 1;
                    let next = self.advance(Self::unpark(at[i]), &mut bits[i]);
                    match self.park(next) {
                        Ok(a) => at[i] = a,
                        Err(v) => {
                            out[i] = decode(v);
                            live &= !(1 << i);
                        }
                    }
                }
            }
        }
    }

    /// The position a state word of [`park`](Self::park) holds.
    #[inline(always)]
    fn unpark(a: u32) -> Next {
        if a & NODE != 0 {
            Next::Node((a & !NODE) as usize)
        } else if Self::WIDE_SLOTS && a & AT_WIDE != 0 {
            Next::Wide((a & !AT_WIDE) as usize)
        } else {
            Next::Slot(a as usize)
        }
    }

    /// Where a batched lookup waits after `next`: its state word (`NODE |` a node
    /// index, `AT_WIDE |` a wide slot index, or a slot index), that line being
    /// fetched; or its answer.
    #[inline(always)]
    fn park(&self, next: Next) -> Result<u32, u32> {
        match next {
            Next::Node(j) => {
                prefetch(self.nodes.as_ptr().wrapping_add(j));
                Ok(NODE | j as u32)
            }
            Next::Slot(j) => {
                prefetch(self.slots.as_ptr().wrapping_add(j));
                Ok(j as u32)
            }
            Next::Wide(j) => {
                prefetch(self.wide.as_ptr().wrapping_add(j));
                Ok(AT_WIDE | j as u32)
            }
            Next::Leaf(v) => Err(v),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        let first = match &self.root {
            Root::Expanded(f) => size_of_val(&**f),
            _ => 0,
        };
        size_of::<Self>()
            + first
            + size_of_val(&*self.nodes)
            + size_of_val(&*self.slots)
            + size_of_val(&*self.wide)
    }
}
