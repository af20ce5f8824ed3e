//! Tiny tables (a router's local table, most VRF tables) as a short list scanned from the
//! longest prefix down: a handful of mask-and-compare steps beats walking trie nodes.

use crate::key::Key;

/// Tables up to this many prefixes use the list.
pub(crate) const SMALL: usize = 8;

/// (network, prefix length, value), longest prefixes first; the value of a repeated
/// prefix is the last one given, as in the trie.
#[derive(Clone, Debug, Default)]
pub(crate) struct Small<K> {
    entries: Box<[(K, u32, u32)]>,
}

impl<K: Key> Small<K> {
    /// `None` when the table is too large for a list.
    pub(crate) fn build(entries: &[(K, u8, u32)]) -> Option<Self> {
        if entries.len() > SMALL {
            return None;
        }
        let mut v: Vec<(K, u32, u32)> = Vec::with_capacity(entries.len());
        for &(k, len, val) in entries {
            let len = u32::from(len);
            let net = k.truncate(len);
            match v.iter_mut().find(|e| e.0 == net && e.1 == len) {
                Some(e) => e.2 = val,
                None => v.push((net, len, val)),
            }
        }
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        Some(Small {
            entries: v.into_boxed_slice(),
        })
    }

    #[inline]
    pub(crate) fn lookup(&self, addr: K) -> Option<u32> {
        self.entries
            .iter()
            .find(|(net, len, _)| addr.truncate(*len) == *net)
            .map(|e| e.2)
    }
}
