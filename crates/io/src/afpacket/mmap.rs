//! The shared-memory mapping of a packet socket's rings.

use std::io;
use std::os::fd::RawFd;
use std::ptr::NonNull;

/// An `mmap` of a packet socket's RX ring followed by its TX ring (the kernel lays the
/// two out back to back in one mapping, RX first). Unmapped on drop.
pub(super) struct RingMap {
    base: NonNull<u8>,
    len: usize,
}

impl RingMap {
    pub(super) fn new(fd: RawFd, len: usize) -> io::Result<RingMap> {
        // SAFETY: a fresh shared mapping of the socket's rings, sized exactly as requested
        // with PACKET_RX_RING/PACKET_TX_RING; no existing memory is affected. The ring
        // pages are kernel memory (never swapped), so MAP_LOCKED would add nothing;
        // MAP_POPULATE maps them all now instead of faulting on first touch.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base =
            NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned NULL"))?;
        Ok(RingMap { base, len })
    }

    /// Pointer to byte `off` of the mapping.
    pub(super) fn at(&self, off: usize) -> *mut u8 {
        debug_assert!(off < self.len);
        // SAFETY: callers only pass offsets inside the mapping (checked in debug builds).
        unsafe { self.base.as_ptr().add(off) }
    }
}

impl Drop for RingMap {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mmap returned; no reference into it
        // outlives the RingMap (the rings only hand out slices during a call).
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.len);
        }
    }
}
