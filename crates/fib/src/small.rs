//! Tiny tables (a router's local table, most VRF tables) as a short list scanned from the
//! longest prefix down: a handful of mask-and-compare steps beats walking trie nodes.

use crate::key::Key;

/// Tables up to this many prefixes use the list. A 13-prefix table (an edge router's
/// local and main: addresses, connected routes, a few neighbours' host entries) took 3–4
/// trie steps, 130–170 instructions, per lookup; the scan finds a host entry in a few
/// compares and scans all 16 in about 80.
pub(crate) const SMALL: usize = 16;

/// (network, mask, value), longest prefixes first; the value of a repeated prefix is
/// the last one given, as in the trie.
#[derive(Clone, Debug, Default)]
pub(crate) struct Small<K> {
    entries: Box<[(K, K, u32)]>,
}

impl<K: Key> Small<K> {
    /// `None` when the table is too large for a list.
    pub(crate) fn build(entries: &[(K, u8, u32)]) -> Option<Self> {
        if entries.len() > SMALL {
            return None;
        }
        let mut v: Vec<(K, K, u32)> = Vec::with_capacity(entries.len());
        for &(k, len, val) in entries {
            let mask = K::mask(u32::from(len));
            let net = k & mask;
            match v.iter_mut().find(|e| e.0 == net && e.1 == mask) {
                Some(e) => e.2 = val,
                None => v.push((net, mask, val)),
            }
        }
        // Longest first (a longer prefix's mask is the larger number); then by network,
        // so the order does not depend on the order the entries came in.
        v.sort_by_key(|e| (std::cmp::Reverse(e.1), e.0));
        Some(Small {
            entries: v.into_boxed_slice(),
        })
    }

    /// Looks up `addrs[i]` into `out[i]` (a tiny table is cache-resident: nothing to
    /// overlap).
    ///
    /// # Panics
    /// If the slices differ in length.
    pub(crate) fn lookup_batch(&self, addrs: &[K], out: &mut [Option<u32>]) {
        assert_eq!(
            addrs.len(),
            out.len(),
            "lookup_batch: slices differ in length"
        );
        for (a, o) in addrs.iter().zip(out) {
            *o = self.lookup(*a);
        }
    }

    #[inline]
    pub(crate) fn lookup(&self, addr: K) -> Option<u32> {
        self.entries
            .iter()
            .find(|&&(net, mask, _)| addr & mask == net)
            .map(|e| e.2)
    }
}
