//! The transmit side: a TPACKET_V3 TX ring kicked by one `send(2)` per batch.
//!
//! # Layout
//!
//! The TX ring follows the RX ring in the socket's mapping. It is frame-based even with
//! TPACKET_V3 (block-based transmit is not implemented by the kernel): `frame_count` slots
//! of `frame_size` bytes, `frame_size` dividing the (page-multiple) block size, so slot `i`
//! starts at `i * frame_size`. A slot is a `tpacket3_hdr` followed by the frame data at
//! offset `tp_hdrlen - sizeof(sockaddr_ll)` = 48 (no `PACKET_TX_HAS_OFF`).
//!
//! Slot states (`tp_status`): `AVAILABLE` (ours) → we fill it and set `SEND_REQUEST` →
//! `send()` makes the kernel build an skb from it and set `SENDING` → when the skb is
//! freed the kernel sets `AVAILABLE` again. The kernel walks the ring strictly in order
//! from its own head and stops at the first slot that is not `SEND_REQUEST`, so we fill
//! strictly in order too and call the ring full when the next slot is not `AVAILABLE`
//! (skipping ahead would strand frames behind the hole).
//!
//! `PACKET_LOSS` is set on the socket: a malformed frame (e.g. larger than the MTU) is
//! then dropped and its slot made `AVAILABLE`, instead of being marked `WRONG_FORMAT`,
//! which would stop the ring until we noticed.
//!
//! # Memory ordering
//!
//! * Before reusing a slot we load its status with **Acquire**: seeing `AVAILABLE` means
//!   the kernel has finished reading the old frame (it stores the status after it is
//!   done with the skb).
//! * We write the frame and `tp_len`, then store `SEND_REQUEST` with **Release**, so the
//!   kernel (which reads the status and then, after `smp_rmb()`, the data) sees the
//!   complete frame.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};

use super::mmap::RingMap;

/// Offset of `tp_status` in `tpacket3_hdr`.
const TP_STATUS: usize = 20;
/// Where frame data starts in a TX slot: `TPACKET3_HDRLEN - sizeof(sockaddr_ll)`.
pub(super) const TX_DATA_OFFSET: usize =
    libc::TPACKET3_HDRLEN - std::mem::size_of::<libc::sockaddr_ll>();

pub(super) struct TxRing {
    /// Offset of the TX ring in the mapping.
    start: usize,
    frame_size: usize,
    frame_count: usize,
    /// The next slot we fill.
    head: usize,
    /// Bytes queued since the kernel last took everything; non-zero means "kick".
    pending: usize,
    pub(super) full: u64,
    pub(super) oversize: u64,
}

impl TxRing {
    pub(super) fn new(start: usize, frame_size: usize, frame_count: usize) -> TxRing {
        TxRing {
            start,
            frame_size,
            frame_count,
            head: 0,
            pending: 0,
            full: 0,
            oversize: 0,
        }
    }

    /// The largest frame a slot holds.
    pub(super) fn max_frame(&self) -> usize {
        self.frame_size - TX_DATA_OFFSET
    }

    fn slot(&self, map: &RingMap, i: usize) -> *mut u8 {
        map.at(self.start + i * self.frame_size)
    }

    fn status(slot: *mut u8) -> &'static AtomicU32 {
        // SAFETY: tp_status is 4-byte aligned in a 16-byte aligned slot of the mapping;
        // the reference is only used while the mapping lives (callers hold `&RingMap`).
        // The kernel writes it concurrently, hence the atomic.
        unsafe { AtomicU32::from_ptr(slot.add(TP_STATUS).cast()) }
    }

    pub(super) fn send(&mut self, map: &RingMap, frame: &[u8]) -> bool {
        if frame.len() > self.max_frame() {
            self.oversize += 1;
            return false;
        }
        let slot = self.slot(map, self.head);
        let status = Self::status(slot);
        // Acquire: the kernel is done with the slot's previous contents.
        let st = status.load(Ordering::Acquire);
        if st != libc::TP_STATUS_AVAILABLE && st != libc::TP_STATUS_WRONG_FORMAT {
            self.full += 1;
            return false;
        }
        // SAFETY: the slot is ours (AVAILABLE), `frame.len() <= frame_size - 48`, so the
        // data fits inside the slot; the header fields written are inside it as well.
        unsafe {
            std::ptr::copy_nonoverlapping(frame.as_ptr(), slot.add(TX_DATA_OFFSET), frame.len());
            let h = slot.cast::<libc::tpacket3_hdr>();
            (&raw mut (*h).tp_next_offset).write(0);
            (&raw mut (*h).tp_len).write(frame.len() as u32);
            (&raw mut (*h).tp_snaplen).write(frame.len() as u32);
        }
        // Release: the frame and tp_len are visible before the kernel sees the request.
        status.store(libc::TP_STATUS_SEND_REQUEST, Ordering::Release);
        self.head = (self.head + 1) % self.frame_count;
        self.pending += frame.len();
        true
    }

    /// One `send(fd, NULL, 0, MSG_DONTWAIT)`: the kernel transmits every `SEND_REQUEST`
    /// slot from its head on and returns without waiting for completions.
    ///
    /// The kernel returns the bytes it took. When it stops early (socket send buffer or
    /// device queue full) the remaining slots stay `SEND_REQUEST`; `pending` stays non-zero
    /// so the next flush kicks again even if nothing new was queued. A kick that takes
    /// nothing means nothing is left (frames dropped under `PACKET_LOSS` are not counted
    /// in the return value), and clears it.
    pub(super) fn flush(&mut self, fd: RawFd) -> io::Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        // SAFETY: a zero-length send with a NULL buffer is the documented TX-ring kick.
        let r = unsafe { libc::send(fd, std::ptr::null(), 0, libc::MSG_DONTWAIT) };
        if r < 0 {
            let e = io::Error::last_os_error();
            // Congestion: the slots stay SEND_REQUEST and go out with the next kick.
            return match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::ENOBUFS) | Some(libc::EINTR) => Ok(()),
                _ => Err(e),
            };
        }
        let took = r as usize;
        self.pending = if took == 0 || took >= self.pending {
            0
        } else {
            self.pending - took
        };
        Ok(())
    }
}
