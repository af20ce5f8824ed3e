//! IPv6 host routes (/128) kept out of the trie when there are many of them, as on an
//! SRv6 node with a SID per service: a /128 is the longest possible match, so one hash
//! probe answers for it, where the trie would walk down all 128 bits (SIDs share a
//! long locator, then differ in the last bits: several path-compressed nodes).

/// At least this many /128s move to the hash table; below it the trie keeps them and
/// lookups pay no probe.
pub(crate) const SPLIT: usize = 32;

/// Marks a free slot (values are at most [`MAX_VALUE`](crate::MAX_VALUE)).
const FREE: u32 = u32::MAX;

#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    key: u128,
    value: u32,
}

/// Open addressing with linear probing, at most half full, so a miss ends within a
/// slot or two.
#[derive(Clone)]
pub(crate) struct Hosts {
    slots: Box<[Slot]>,
    /// `64 - log2(slots.len())`: the hash's top bits index the table.
    shift: u32,
    len: usize,
}

impl core::fmt::Debug for Hosts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hosts")
            .field("prefixes", &self.len)
            .field("slots", &self.slots.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

impl Hosts {
    /// The table of `(address, value)` pairs; for a repeated address the last wins.
    pub(crate) fn build(hosts: &[(u128, u32)]) -> Hosts {
        let cap = (hosts.len() * 2).next_power_of_two().max(2);
        let mut t = Hosts {
            slots: vec![
                Slot {
                    key: 0,
                    value: FREE
                };
                cap
            ]
            .into_boxed_slice(),
            shift: 64 - cap.trailing_zeros(),
            len: 0,
        };
        for &(key, value) in hosts {
            let mask = t.slots.len() - 1;
            let mut i = t.index(key);
            loop {
                let s = &mut t.slots[i];
                if s.value == FREE {
                    *s = Slot { key, value };
                    t.len += 1;
                    break;
                }
                if s.key == key {
                    s.value = value;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        t
    }

    /// Fibonacci hashing of the folded address: SIDs differ in few (often low) bits,
    /// the multiply spreads them over the top bits the index takes.
    #[inline(always)]
    fn index(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64);
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    pub(crate) fn get(&self, key: u128) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = self.index(key);
        loop {
            let s = &self.slots[i];
            if s.key == key && s.value != FREE {
                return Some(s.value);
            }
            if s.value == FREE {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Starts loading the slot `key` hashes to.
    #[inline(always)]
    pub(crate) fn prefetch(&self, key: u128) {
        crate::poptrie::prefetch(self.slots.as_ptr().wrapping_add(self.index(key)));
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>() + size_of_val(&*self.slots)
    }
}
