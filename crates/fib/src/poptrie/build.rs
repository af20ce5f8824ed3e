//! Building a [`Poptrie`] from a list of prefixes, top-down in one pass over them.

use core::marker::PhantomData;
use core::ops::Range;

use super::{
    AT_WIDE, DIRECT, DIRECT_DENSITY, FIELD_BITS, FIELD_MASK, KIND_SHIFT, LONG_SKIP_SHIFT, MAX_SKIP,
    MAX_TAIL, MAX_VALUE, MIN_DIRECT, NODE, NONE, Next, Node, POPCOUNT, Poptrie, Root, SINGLE,
    SKIP_MASK, STRIDE, WIDE, Wide, top, top_mask,
};
use crate::key::{Bits, Key};

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
            wide: Vec::new(),
            max_direct,
            _key: PhantomData,
        };
        // Only a default route can have length 0, and it sorts first.
        let (dflt, rest) = match uniq.first() {
            Some(&(_, 0, v)) => (v, &uniq[1..]),
            _ => (NONE, &uniq[..]),
        };
        let root = if rest.is_empty() {
            Root::Leaf(dflt)
        } else {
            let idx = b.alloc(1);
            b.fill(idx, 0, rest, dflt);
            Root::Node(idx)
        };
        // A batched lookup's state word tells slot indices from wide ones by bit 30.
        assert!(
            b.slots.len() <= AT_WIDE as usize,
            "FIB too large: more than 2^30 slots"
        );
        let mut trie = Poptrie {
            root,
            nodes: b.nodes.into(),
            slots: b.slots.into(),
            wide: b.wide.into(),
            len: uniq.len(),
            _key: PhantomData,
        };
        if let Root::Node(idx) = trie.root {
            trie.root = trie.entry(idx);
        }
        trie
    }

    /// How lookups enter root node `idx` (see [`Root`]).
    fn entry(&self, idx: usize) -> Root {
        let n = &self.nodes[idx];
        let (kind, field) = (n.meta >> KIND_SHIFT, n.meta & FIELD_MASK);
        let skip = (n.meta >> FIELD_BITS) & SKIP_MASK;
        match kind {
            // (A wide root is entered through its node, which finds its wide slots.)
            DIRECT if !n.is_long() && field & WIDE == 0 => Root::Direct {
                skip,
                bits: n.skip,
                stride: field,
                base0: n.base0 as usize,
            },
            // Each slot as the node's own step finds it for keys starting with its bits.
            POPCOUNT if skip == 0 => Root::Expanded(Box::new(core::array::from_fn(|i| {
                let mut bits = K::Bits::from_top64((i as u64) << (64 - STRIDE));
                match self.step(n, &mut bits) {
                    Next::Node(j) => NODE | j as u32,
                    Next::Slot(j) => self.slots[j],
                    Next::Leaf(v) => v,
                    Next::Wide(_) => unreachable!("a popcount node's slots are narrow"),
                }
            }))),
            _ => Root::Node(idx),
        }
    }
}

struct Builder<K> {
    nodes: Vec<Node>,
    slots: Vec<u32>,
    wide: Vec<Wide>,
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
    ///
    /// A direct `root` is then widened to up to [`DIRECT_DENSITY`] slots a prefix, even
    /// where its prefixes crowd into fewer slots: the same bound on memory, and every
    /// lookup's first step reads as many bits as that allows. (A
    /// VRF's 100k /24s in 1.0.0.0/2 took a 15-bit root, its skip cut short by the local
    /// table's 127.0.0.0/8, and two nodes below it; an 18-bit root leaves one: 35 fewer
    /// instructions on End.DT4. A root that is not direct stays so: widening a big IPv6
    /// table's popcount root to 16 bits added 62 to End, its prefixes all in 2000::/4.)
    fn direct_stride(&self, root: bool, q: u32, entries: &[(K, u8, u32)]) -> Option<u32> {
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
        match best {
            Some(k) if root => Some(k.max((entries.len() * DIRECT_DENSITY).ilog2().min(max))),
            _ => best,
        }
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
        let shared = (first.common_len(last) - pos).min(min_len - 1 - pos);
        if shared > MAX_SKIP
            && let Some(k) = self.direct_stride(pos == 0, pos + shared, entries)
        {
            return self.fill_direct(idx, pos, shared, k, entries, dflt);
        }
        let skip = shared.min(MAX_SKIP);
        let q = pos + skip;
        match self.direct_stride(pos == 0, q, entries) {
            Some(k) => self.fill_direct(idx, pos, skip, k, entries, dflt),
            None => {
                let skip_bits = first.window(pos) & top_mask(skip);
                self.fill_popcount(idx, q, skip, skip_bits, entries, dflt)
            }
        }
    }

    /// Paints the prefixes ending within `stride` bits of `q` into `paint` (2^stride
    /// slots) and returns the longer ones grouped by slot, as (slot, range) in order.
    fn paint(
        q: u32,
        stride: u32,
        entries: &[(K, u8, u32)],
        paint: &mut [u32],
    ) -> Vec<(usize, Range<usize>)> {
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

    /// A direct node of stride `k` at `pos` behind a skip of `skip` bits: a long one
    /// when the skip is over [`MAX_SKIP`].
    fn fill_direct(
        &mut self,
        idx: usize,
        pos: u32,
        skip: u32,
        k: u32,
        entries: &[(K, u8, u32)],
        dflt: u32,
    ) {
        let q = pos + skip;
        let mut paint = vec![dflt; 1 << k];
        let groups = Self::paint(q, k, entries, &mut paint);
        let base0 = self.slots_base(skip, dflt);
        // The groups a wide slot would hold inline, each saving a dependent miss.
        let tail = |range: &Range<usize>| {
            let len = u32::from(entries[range.start].1) - (q + k);
            (range.len() == 1 && len <= MAX_TAIL).then_some(len)
        };
        // IPv6 only: its single nodes compare 128 bits where a tail compares 64, and
        // its tables sit deeper, below an expanded root; measured, End went 60.4 ->
        // 59.7 ns and ipv6_forward/100000 33.8 -> 33.1. Wide IPv4 tables measured no
        // faster and would make a big table's root four times larger (BENCHMARKS.md).
        // And at most twice the memory: a wide slot takes 12 bytes more, each single
        // node it replaces 32 less (one tail in 8 slots).
        let tails = groups.iter().filter(|g| tail(&g.1).is_some()).count();
        let wide = Poptrie::<K>::WIDE_SLOTS && 8 * tails >= 1 << k;
        let wbase = self.wide.len();
        if wide {
            assert!(
                wbase + (1 << k) < AT_WIDE as usize,
                "FIB too large: more than 2^30 wide slots"
            );
            self.wide.extend(paint.iter().map(|&v| Wide::leaf(v)));
        } else {
            self.slots.extend_from_slice(&paint);
        }
        self.nodes[idx] = if skip > MAX_SKIP {
            let bits = entries[0].0.window128(pos) & !(u128::MAX >> skip);
            Node {
                skip: (bits >> 64) as u64,
                leafvec: bits as u64,
                base0,
                meta: DIRECT << KIND_SHIFT | skip << LONG_SKIP_SHIFT | k,
                ..Node::default()
            }
        } else {
            Node {
                skip: entries[0].0.window(pos) & top_mask(skip),
                base0,
                meta: DIRECT << KIND_SHIFT | skip << FIELD_BITS | k,
                ..Node::default()
            }
        };
        if wide {
            let n = &mut self.nodes[idx];
            (n.vector, n.meta) = (wbase as u64, n.meta | WIDE);
        }
        for (slot, range) in groups {
            if wide && let Some(len) = tail(&range) {
                let (key, _, value) = entries[range.start];
                self.wide[wbase + slot] = Wide {
                    tail: key.window(q + k) & top_mask(len) | u64::from(len),
                    outside: paint[slot],
                    inside: value,
                };
                continue;
            }
            let child = self.alloc(1);
            self.fill(child, q + k, &entries[range], paint[slot]);
            if wide {
                self.wide[wbase + slot] = Wide::node(child);
            } else {
                self.slots[base0 as usize + slot] = NODE | child as u32;
            }
        }
    }
}
