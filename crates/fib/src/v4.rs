//! IPv4 FIB: a poptrie over `u32` keys (`u32::from(Ipv4Addr)`).

use crate::poptrie::Poptrie;
use crate::small::Small;

/// Widest direct node for IPv4: 2^18 slots (1 MiB), the root of tables of about 100k
/// prefixes and up. A /24 is then one popcount node below the root, as in the poptrie
/// paper.
const MAX_DIRECT_BITS: u32 = 18;

/// Immutable IPv4 longest-prefix-match table mapping prefixes to `u32` values.
///
/// Build a new one whenever the routing table changes and publish it atomically;
/// lookups never lock or allocate.
#[derive(Clone, Debug, Default)]
pub struct Fib4 {
    trie: Poptrie<u32>,
    /// Set for tiny tables, which are looked up by a short scan instead.
    small: Option<Small<u32>>,
}

impl Fib4 {
    /// Builds a table from `(prefix, prefix_len, value)` triples. Host bits beyond
    /// `prefix_len` are ignored; for a repeated `(prefix, prefix_len)` the last wins.
    ///
    /// # Panics
    /// If a `prefix_len` exceeds 32 or a value exceeds [`MAX_VALUE`](crate::MAX_VALUE).
    pub fn build(entries: &[(u32, u8, u32)]) -> Fib4 {
        Fib4 {
            trie: Poptrie::build(entries, MAX_DIRECT_BITS),
            small: Small::build(entries),
        }
    }

    /// The value of the longest prefix containing `addr`, if any.
    #[inline]
    pub fn lookup(&self, addr: u32) -> Option<u32> {
        match &self.small {
            Some(s) => s.lookup(addr),
            None => self.trie.lookup(addr),
        }
    }

    /// Looks up every address of `addrs` into the same position of `out`, with the
    /// same results as [`lookup`](Self::lookup). Overlaps the cache misses of groups of
    /// 32 addresses on big tables; scans a tiny one, as `lookup` does.
    ///
    /// # Panics
    /// If the slices differ in length.
    #[inline]
    pub fn lookup_batch(&self, addrs: &[u32], out: &mut [Option<u32>]) {
        match &self.small {
            Some(s) => s.lookup_batch(addrs, out),
            None => self.trie.lookup_batch(addrs, out),
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
        self.trie.memory_bytes()
    }
}
