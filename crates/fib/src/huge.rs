//! Boxed slices for a trie's arrays, on transparent huge pages where they span one.
//!
//! A big table's lookups read a few random lines each: in a 16 MB trie (1M IPv4
//! prefixes) on 4 KiB pages that is 4,000 pages, more than the TLB holds, while 2 MiB
//! pages make it 8. (VPP keeps its FIB on huge pages for the same reason.) Measured
//! with THP off and on (`cargo bench -p lwt-fib`): `fib4_lookup/hit_batch/1000000`
//! about 5 % faster; no change for a 6 MB IPv6 table, whose 1,500 pages the
//! second-level TLB already holds.
//!
//! The kernel backs a region with huge pages when it is 2 MiB-aligned and advised
//! `MADV_HUGEPAGE` before its first touch, and THP is not `never`
//! (/sys/kernel/mm/transparent_hugepage/enabled). Otherwise it stays on small pages:
//! the advice is a hint, and nothing else changes.

use std::alloc::{self, Layout};
use std::ops::Deref;
use std::ptr::NonNull;

/// The huge page size of x86-64 (and of arm64 with 4 KiB pages).
const HUGE: usize = 2 << 20;

/// An immutable boxed slice whose whole 2 MiB spans, if any, are advised onto huge
/// pages (the tail past the last whole span stays on small pages: no memory is added).
pub(crate) struct HugeSlice<T: Copy> {
    ptr: NonNull<T>,
    len: usize,
}

// SAFETY: it owns its elements as a `Box<[T]>` does and hands out only shared
// references to them.
unsafe impl<T: Copy + Send> Send for HugeSlice<T> {}
// SAFETY: as above; no interior mutability.
unsafe impl<T: Copy + Sync> Sync for HugeSlice<T> {}

impl<T: Copy> HugeSlice<T> {
    /// A copy of `items`.
    pub(crate) fn new(items: &[T]) -> Self {
        let Some(layout) = Self::layout(items.len()) else {
            return HugeSlice {
                ptr: NonNull::dangling(),
                len: items.len(),
            };
        };
        // SAFETY: `layout` has a non-zero size.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<T>()) else {
            alloc::handle_alloc_error(layout);
        };
        #[cfg(target_os = "linux")]
        if layout.align() == HUGE {
            // SAFETY: the range lies inside the allocation just made, which nothing
            // references yet; the advice changes no byte of it. Its result is ignored:
            // without THP the slice stays on small pages.
            unsafe {
                libc::madvise(raw.cast(), layout.size() / HUGE * HUGE, libc::MADV_HUGEPAGE);
            }
        }
        // SAFETY: the allocation holds `items.len()` elements of `T`, properly aligned,
        // and cannot overlap `items`; `T: Copy`, so copying bits makes valid values.
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), ptr.as_ptr(), items.len()) };
        HugeSlice {
            ptr,
            len: items.len(),
        }
    }

    /// The allocation for `len` elements: aligned to a huge page when it spans one.
    /// `None` when it holds no byte (no allocation).
    fn layout(len: usize) -> Option<Layout> {
        let layout = Layout::array::<T>(len).expect("slice size overflows");
        let align = if layout.size() >= HUGE {
            HUGE
        } else {
            layout.align()
        };
        let layout = layout.align_to(align).expect("huge page alignment");
        (layout.size() != 0).then_some(layout)
    }
}

impl<T: Copy> Deref for HugeSlice<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialised elements (or is dangling and
        // well-aligned for an empty or zero-sized slice) that live as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Drop for HugeSlice<T> {
    fn drop(&mut self) {
        if let Some(layout) = Self::layout(self.len) {
            // SAFETY: allocated in `new` with this very layout (a function of `len`).
            unsafe { alloc::dealloc(self.ptr.as_ptr().cast(), layout) };
        }
    }
}

impl<T: Copy> Clone for HugeSlice<T> {
    fn clone(&self) -> Self {
        HugeSlice::new(self)
    }
}

impl<T: Copy> Default for HugeSlice<T> {
    fn default() -> Self {
        HugeSlice::new(&[])
    }
}

impl<T: Copy> From<Vec<T>> for HugeSlice<T> {
    fn from(v: Vec<T>) -> Self {
        HugeSlice::new(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_a_copy_at_every_size() {
        for len in [0, 1, 1000, HUGE / 4 - 1, HUGE / 4, 3 * HUGE / 4 + 5] {
            let v: Vec<u32> = (0..len as u32)
                .map(|i| i.wrapping_mul(2_654_435_761))
                .collect();
            let h = HugeSlice::from(v.clone());
            assert_eq!(&*h, &v[..]);
            let c = h.clone();
            drop(h);
            assert_eq!(&*c, &v[..]);
            if len * 4 >= HUGE {
                assert_eq!(c.as_ptr() as usize % HUGE, 0, "a spanning slice is aligned");
            }
        }
        let z = HugeSlice::from(vec![(); 5]);
        assert_eq!(z.len(), 5);
    }

    /// The kernel's verdict on the mapping holding `addr` (`THPeligible` in smaps:
    /// whether a fault there may take a huge page); `None` if it gives none.
    #[cfg(target_os = "linux")]
    fn thp_eligible(addr: usize) -> Option<bool> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split(' ').next().and_then(|r| r.split_once('-'));
            if let Some((Ok(lo), Ok(hi))) =
                range.map(|(lo, hi)| (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16)))
            {
                inside = (lo..hi).contains(&addr);
            } else if inside && let Some(v) = line.strip_prefix("THPeligible:") {
                return Some(v.trim() == "1");
            }
        }
        None
    }

    /// Where THP is on (`always` or `madvise`), a slice spanning a huge page is
    /// eligible for them; in `madvise` mode only the advice makes it so.
    #[cfg(target_os = "linux")]
    #[test]
    fn spanning_slices_are_advised_onto_huge_pages() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .unwrap_or_default();
        if !thp.contains("[always]") && !thp.contains("[madvise]") {
            eprintln!("THP is off here ({}): nothing to check", thp.trim());
            return;
        }
        let h = HugeSlice::from(vec![7u64; 3 * HUGE / 8]);
        match thp_eligible(h.as_ptr() as usize) {
            Some(eligible) => assert!(eligible, "the slice is not eligible for huge pages"),
            None => eprintln!("this kernel's smaps has no THPeligible: nothing to check"),
        }
    }
}
