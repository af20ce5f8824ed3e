//! IPv6 FIB: a poptrie over `u128` keys (`u128::from(Ipv6Addr)`).

use crate::poptrie::Poptrie;
use crate::sid_blocks::SidBlocks;
use crate::small::Small;

/// Widest direct node for IPv6: 2^16 slots (256 KiB). IPv6 prefixes cluster in a few
/// blocks, so direct nodes appear below them (e.g. under a busy /32), not at the root;
/// path compression and single-prefix nodes take the long shared or sparse runs.
const MAX_DIRECT_BITS: u32 = 16;

/// Immutable IPv6 longest-prefix-match table mapping prefixes to `u32` values.
///
/// Build a new one whenever the routing table changes and publish it atomically;
/// lookups never lock or allocate.
#[derive(Clone, Debug, Default)]
pub struct Fib6 {
    trie: Poptrie<u128>,
    /// Set for tiny tables, which are looked up by a short scan instead.
    small: Option<Small<u128>>,
    /// The /128s of the table's SID blocks, looked up first.
    sids: Option<SidBlocks>,
}

/// Addresses looked up together: each group's addresses that are no hashed SID go on
/// to the trie in one batch.
const GROUP: usize = 32;

impl Fib6 {
    /// Builds a table from `(prefix, prefix_len, value)` triples. Host bits beyond
    /// `prefix_len` are ignored; for a repeated `(prefix, prefix_len)` the last wins.
    ///
    /// # Panics
    /// If a `prefix_len` exceeds 128 or a value exceeds [`MAX_VALUE`](crate::MAX_VALUE).
    pub fn build(entries: &[(u128, u8, u32)]) -> Fib6 {
        Fib6 {
            trie: Poptrie::build(entries, MAX_DIRECT_BITS),
            small: Small::build(entries),
            sids: SidBlocks::build(entries),
        }
    }

    /// The value of the longest prefix containing `addr`, if any.
    #[inline]
    pub fn lookup(&self, addr: u128) -> Option<u32> {
        match (&self.small, &self.sids) {
            (Some(s), _) => s.lookup(addr),
            (None, Some(h)) => h.get(addr).or_else(|| self.trie.lookup(addr)),
            (None, None) => self.trie.lookup(addr),
        }
    }

    /// Looks up every address of `addrs` into the same position of `out`, with the
    /// same results as [`lookup`](Self::lookup). Overlaps the cache misses of groups of
    /// 32 addresses on big tables; scans a tiny one, as `lookup` does.
    ///
    /// # Panics
    /// If the slices differ in length.
    #[inline]
    pub fn lookup_batch(&self, addrs: &[u128], out: &mut [Option<u32>]) {
        match (&self.small, &self.sids) {
            (Some(s), _) => s.lookup_batch(addrs, out),
            (None, Some(h)) => self.batch_sids_first(h, addrs, out),
            (None, None) => self.trie.lookup_batch(addrs, out),
        }
    }

    /// Probes the SID hash table for a group's addresses in its SID blocks (their home
    /// slots fetched together), then looks the rest up in the trie in one batch.
    fn batch_sids_first(&self, h: &SidBlocks, addrs: &[u128], out: &mut [Option<u32>]) {
        assert_eq!(
            addrs.len(),
            out.len(),
            "lookup_batch: slices differ in length"
        );
        for (addrs, out) in addrs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            // (Iterators, not indices: a chunk's length is not known to be GROUP.)
            let mut in_blocks = 0u32;
            let mut home = [0usize; GROUP];
            for (i, (&a, home)) in addrs.iter().zip(&mut home).enumerate() {
                if h.covers(a) {
                    in_blocks |= 1 << i;
                    *home = h.home(a);
                    h.prefetch(*home);
                }
            }
            if in_blocks == 0 {
                self.trie.lookup_batch(addrs, out);
                continue;
            }
            // The rest: their addresses, and where each one's answer goes.
            let (mut rest, mut at, mut n) = ([0u128; GROUP], [0u8; GROUP], 0);
            for (i, ((&a, o), &home)) in addrs.iter().zip(out.iter_mut()).zip(&home).enumerate() {
                *o = if in_blocks & 1 << i != 0 {
                    h.get_at(a, home)
                } else {
                    None
                };
                if o.is_none() {
                    (rest[n], at[n]) = (a, i as u8);
                    n += 1;
                }
            }
            if n > 0 {
                let mut found = [None; GROUP];
                self.trie.lookup_batch(&rest[..n], &mut found[..n]);
                for (&i, f) in at[..n].iter().zip(found) {
                    out[usize::from(i)] = f;
                }
            }
        }
    }

    /// Number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.trie.len()
    }

    /// True when the table holds no prefix.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap and inline bytes used by the table.
    pub fn memory_bytes(&self) -> usize {
        self.trie.memory_bytes() + self.sids.as_ref().map_or(0, SidBlocks::memory_bytes)
    }
}
