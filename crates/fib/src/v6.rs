//! IPv6 FIB: a poptrie over `u128` keys (`u128::from(Ipv6Addr)`).

use crate::hosts::{self, Hosts};
use crate::poptrie::Poptrie;
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
    /// The /128s, when there are many: probed first (see `hosts.rs`); the trie then
    /// holds the other prefixes only.
    pub(crate) hosts: Option<Hosts>,
}

impl Fib6 {
    /// Builds a table from `(prefix, prefix_len, value)` triples. Host bits beyond
    /// `prefix_len` are ignored; for a repeated `(prefix, prefix_len)` the last wins.
    ///
    /// # Panics
    /// If a `prefix_len` exceeds 128 or a value exceeds [`MAX_VALUE`](crate::MAX_VALUE).
    pub fn build(entries: &[(u128, u8, u32)]) -> Fib6 {
        let host = |e: &&(u128, u8, u32)| e.1 == 128;
        if entries.iter().filter(host).count() < hosts::SPLIT {
            return Fib6 {
                trie: Poptrie::build(entries, MAX_DIRECT_BITS),
                small: Small::build(entries),
                hosts: None,
            };
        }
        let (h, rest): (Vec<_>, Vec<_>) = entries.iter().partition(host);
        let h: Vec<(u128, u32)> = h.iter().map(|&(a, _, v)| (a, v)).collect();
        Fib6 {
            trie: Poptrie::build(&rest, MAX_DIRECT_BITS),
            small: None,
            hosts: Some(Hosts::build(&h)),
        }
    }

    /// The value of the longest prefix containing `addr`, if any.
    #[inline]
    pub fn lookup(&self, addr: u128) -> Option<u32> {
        if let Some(v) = self.hosts.as_ref().and_then(|h| h.get(addr)) {
            return Some(v);
        }
        match &self.small {
            Some(s) => s.lookup(addr),
            None => self.trie.lookup(addr),
        }
    }

    /// Looks up every address of `addrs` into the same position of `out`, with the
    /// same results as [`lookup`](Self::lookup). Overlaps the cache misses of groups of
    /// 32 addresses: meant for packet batches on big tables.
    ///
    /// # Panics
    /// If the slices differ in length.
    #[inline]
    pub fn lookup_batch(&self, addrs: &[u128], out: &mut [Option<u32>]) {
        let Some(hosts) = &self.hosts else {
            return self.trie.lookup_batch(addrs, out);
        };
        assert_eq!(
            addrs.len(),
            out.len(),
            "lookup_batch: slices differ in length"
        );
        const GROUP: usize = 32;
        for (addrs, out) in addrs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            for &a in addrs {
                hosts.prefetch(a);
            }
            // The misses go down the trie together.
            let (mut miss, mut at) = ([0u128; GROUP], [0u8; GROUP]);
            let mut n = 0;
            for (i, (&a, o)) in addrs.iter().zip(out.iter_mut()).enumerate() {
                *o = hosts.get(a);
                if o.is_none() {
                    (miss[n], at[n]) = (a, i as u8);
                    n += 1;
                }
            }
            let mut found = [None; GROUP];
            self.trie.lookup_batch(&miss[..n], &mut found[..n]);
            for (&i, f) in at[..n].iter().zip(&found[..n]) {
                out[usize::from(i)] = *f;
            }
        }
    }

    /// Number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.trie.len() + self.hosts.as_ref().map_or(0, Hosts::len)
    }

    /// True when the table holds no prefix.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap and inline bytes used by the table.
    pub fn memory_bytes(&self) -> usize {
        self.trie.memory_bytes() + self.hosts.as_ref().map_or(0, Hosts::memory_bytes)
    }
}
