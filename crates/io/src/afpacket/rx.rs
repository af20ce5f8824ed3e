//! The TPACKET_V3 receive ring.
//!
//! # Layout
//!
//! The RX ring is `block_count` blocks of `block_size` bytes, back to back at the start of
//! the socket's mapping. Each block starts with a `tpacket_block_desc`:
//!
//! ```text
//! block:  version u32 | offset_to_priv u32 | block_status u32 | num_pkts u32
//!         | offset_to_first_pkt u32 | blk_len u32 | seq_num u64 | ts_first | ts_last
//!         ... frames ...
//! frame:  tpacket3_hdr (48 B: tp_next_offset, ..., tp_snaplen, tp_len, tp_status,
//!         tp_mac, tp_net, hv1{rxhash, vlan_tci, vlan_tpid}) | sockaddr_ll (20 B)
//!         | gap | Ethernet frame at tp_mac (82 for SOCK_RAW: netoff 96 - 14)
//! ```
//!
//! The kernel fills blocks in order, many frames per block, and hands a whole block to
//! user space by setting `block_status` to `TP_STATUS_USER`, either when the next frame
//! does not fit or when the block-retire timer (`timeout_ms`) fires on a partly filled
//! block. User space walks blocks in the same order, reads `num_pkts` frames chained by
//! `tp_next_offset`, and gives the block back by writing `TP_STATUS_KERNEL`. A poll on
//! the socket reports readable while a block is waiting for user space.
//!
//! # Memory ordering
//!
//! The block status word is the only synchronisation between the kernel (producer) and
//! us (consumer):
//!
//! * The kernel writes the frames, then `smp_wmb()`, then `block_status = TP_STATUS_USER`.
//!   We load `block_status` with **Acquire**; seeing `TP_STATUS_USER` therefore makes all
//!   the kernel's writes to that block visible to the plain reads that follow.
//! * When we are done with a block (including the in-place edits below), we store
//!   `TP_STATUS_KERNEL` with **Release**, so every read and write of ours to the block
//!   happens before the kernel may see it free and start overwriting it.
//!
//! The status word is accessed through `AtomicU32::from_ptr` (it is 4-byte aligned inside
//! the page-aligned block); everything else in the block is plain memory that only one
//! side owns at a time.
//!
//! # In-place fix-ups
//!
//! Frames are handed out zero-copy. Two cases need the bytes changed, and both are done in
//! the ring, which we own while the block is ours:
//!
//! * **VLAN**: the kernel strips the outer 802.1Q tag into `hv1.tp_vlan_tci` (with
//!   `TP_STATUS_VLAN_VALID`; the TPID in `tp_vlan_tpid` when `TP_STATUS_VLAN_TPID_VALID`).
//!   The tag is put back where it was on the wire by moving the 12 MAC address bytes 4
//!   bytes to the left, into the gap between the `sockaddr_ll` and `tp_mac`, and writing
//!   the tag after them. If a kernel ever left no gap, the frame is rebuilt in a per-port
//!   scratch buffer instead (no allocation either way).
//! * **Checksums**: frames with `TP_STATUS_CSUMNOTREADY` get their TCP/UDP checksum
//!   completed ([`crate::csum`]).

use std::mem::size_of;
use std::sync::atomic::{AtomicU32, Ordering};

use super::mmap::RingMap;
use crate::csum;

/// Offsets inside `tpacket_block_desc` (`version`, `offset_to_priv`, then `hdr.bh1`).
const BLOCK_STATUS: usize = 8;
const BLOCK_NUM_PKTS: usize = 12;
const BLOCK_FIRST_PKT: usize = 16;
/// Where the kernel puts the `sockaddr_ll` after each `tpacket3_hdr`.
const SLL_OFFSET: usize = (size_of::<libc::tpacket3_hdr>() + 15) & !15;
/// First byte after the `sockaddr_ll`: the gap up to `tp_mac` is free.
const HDR_END: usize = SLL_OFFSET + size_of::<libc::sockaddr_ll>();
const VLAN_HLEN: usize = 4;

/// Counters the RX path keeps (reported through `Port::stats`).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RxCounters {
    pub truncated: u64,
    pub csum_fixed: u64,
}

/// Position inside the block currently being read.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    /// Offset of the next frame header from the block start.
    offset: usize,
    /// Frames of this block not yet read.
    left: u32,
}

pub(super) struct RxRing {
    /// Offset of the RX ring in the mapping (0).
    start: usize,
    block_size: usize,
    block_count: usize,
    /// The block to read next.
    cur: usize,
    /// Set while `cur` is ours (TP_STATUS_USER seen) and partly read.
    cursor: Option<Cursor>,
    /// Frames that must be rebuilt out of the ring (block_size + 4 bytes).
    scratch: Box<[u8]>,
    pub(super) counters: RxCounters,
}

impl RxRing {
    pub(super) fn new(start: usize, block_size: usize, block_count: usize) -> RxRing {
        RxRing {
            start,
            block_size,
            block_count,
            cur: 0,
            cursor: None,
            scratch: vec![0; block_size + VLAN_HLEN].into_boxed_slice(),
            counters: RxCounters::default(),
        }
    }

    fn status(&self, map: &RingMap, block: usize) -> &AtomicU32 {
        let p = map.at(self.start + block * self.block_size + BLOCK_STATUS);
        // SAFETY: the status word is 4-byte aligned (blocks are page aligned) and lives as
        // long as `map`, which outlives the returned reference. The kernel writes it
        // concurrently, which is what the atomic type is for.
        unsafe { AtomicU32::from_ptr(p.cast()) }
    }

    /// Delivers up to `max` frames to `f`; returns how many were delivered.
    /// Skipped frames (outgoing, truncated) do not count.
    pub(super) fn recv(&mut self, map: &RingMap, max: usize, f: &mut dyn FnMut(&[u8])) -> usize {
        let mut delivered = 0;
        while delivered < max {
            let cursor = match self.cursor {
                Some(c) => c,
                None => {
                    if self.status(map, self.cur).load(Ordering::Acquire) & libc::TP_STATUS_USER
                        == 0
                    {
                        break;
                    }
                    let block = map.at(self.start + self.cur * self.block_size);
                    // SAFETY: the block is ours (TP_STATUS_USER, acquired above); the
                    // descriptor words are inside it and 4-byte aligned.
                    let (n, first) = unsafe {
                        (
                            block.add(BLOCK_NUM_PKTS).cast::<u32>().read(),
                            block.add(BLOCK_FIRST_PKT).cast::<u32>().read(),
                        )
                    };
                    Cursor {
                        offset: first as usize,
                        left: n,
                    }
                }
            };
            let mut c = cursor;
            while c.left > 0 && delivered < max {
                c.left -= 1;
                match self.frame(map, c.offset, f) {
                    Some((next, got)) => {
                        delivered += usize::from(got);
                        c.offset = next;
                    }
                    None => {
                        // Offsets outside the block: never trust them further.
                        c.left = 0;
                    }
                }
            }
            if c.left == 0 {
                self.cursor = None;
                // Release: all our reads and in-place writes of this block happen before
                // the kernel can see it free.
                self.status(map, self.cur)
                    .store(libc::TP_STATUS_KERNEL, Ordering::Release);
                self.cur = (self.cur + 1) % self.block_count;
            } else {
                self.cursor = Some(c);
            }
        }
        delivered
    }

    /// Handles the frame at `offset` of the current block: returns the next frame's offset
    /// and whether this one was delivered, or None if the header is inconsistent.
    fn frame(
        &mut self,
        map: &RingMap,
        offset: usize,
        f: &mut dyn FnMut(&[u8]),
    ) -> Option<(usize, bool)> {
        let bs = self.block_size;
        if offset + HDR_END > bs {
            return None;
        }
        let block = map.at(self.start + self.cur * bs);
        // SAFETY: the block is ours (see `recv`) and `offset + HDR_END <= block_size`, so
        // the header and the sockaddr_ll after it are inside it; read_unaligned makes no
        // alignment assumption about kernel-provided offsets.
        let (h, pkttype) = unsafe {
            let hp = block.add(offset);
            (
                hp.cast::<libc::tpacket3_hdr>().read_unaligned(),
                hp.add(SLL_OFFSET)
                    .cast::<libc::sockaddr_ll>()
                    .read_unaligned()
                    .sll_pkttype,
            )
        };
        let next = offset + h.tp_next_offset as usize;
        let mac = offset + usize::from(h.tp_mac);
        let len = h.tp_snaplen as usize;
        if usize::from(h.tp_mac) < HDR_END || mac + len > bs {
            return None;
        }
        if h.tp_snaplen < h.tp_len {
            self.counters.truncated += 1;
            return Some((next, false));
        }
        // PACKET_IGNORE_OUTGOING already keeps these out; belt and braces for kernels
        // without it.
        if pkttype == libc::PACKET_OUTGOING {
            return Some((next, false));
        }
        let vlan = (h.tp_status & libc::TP_STATUS_VLAN_VALID != 0).then(|| {
            let tpid = if h.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                h.hv1.tp_vlan_tpid
            } else {
                0x8100
            };
            let mut tag = [0u8; VLAN_HLEN];
            tag[..2].copy_from_slice(&tpid.to_be_bytes());
            tag[2..].copy_from_slice(&(h.hv1.tp_vlan_tci as u16).to_be_bytes());
            tag
        });
        let fix_csum = h.tp_status & libc::TP_STATUS_CSUMNOTREADY != 0;
        let frame: &mut [u8] = match vlan {
            None => {
                // SAFETY: `mac + len <= block_size` (checked above); the block is ours
                // until we release it, and the slice does not outlive this call.
                unsafe { std::slice::from_raw_parts_mut(block.add(mac), len) }
            }
            Some(tag) if len >= 12 && usize::from(h.tp_mac) >= HDR_END + VLAN_HLEN => {
                // SAFETY: `mac - 4 >= offset + HDR_END`, so the 4 bytes before the frame
                // are the unused gap after this frame's sockaddr_ll, and the frame itself
                // is in bounds (checked above). `copy` handles the overlap.
                unsafe {
                    let start = block.add(mac - VLAN_HLEN);
                    std::ptr::copy(block.add(mac), start, 12);
                    std::ptr::copy_nonoverlapping(tag.as_ptr(), start.add(12), VLAN_HLEN);
                    std::slice::from_raw_parts_mut(start, len + VLAN_HLEN)
                }
            }
            Some(tag) => {
                // SAFETY: in bounds as checked above; read only.
                let src = unsafe { std::slice::from_raw_parts(block.add(mac), len) };
                let head = len.min(12);
                let out = &mut self.scratch[..len + VLAN_HLEN];
                out[..head].copy_from_slice(&src[..head]);
                out[head..head + VLAN_HLEN].copy_from_slice(&tag);
                out[head + VLAN_HLEN..].copy_from_slice(&src[head..]);
                out
            }
        };
        if fix_csum && csum::complete_partial(frame) {
            self.counters.csum_fixed += 1;
        }
        f(frame);
        Some((next, true))
    }
}
