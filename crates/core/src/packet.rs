//! Packet buffers with headroom, so encapsulation prepends in place and decapsulation
//! only moves the start offset.

/// Bytes reserved in front of a received frame: room for an outer IPv6 header, an SRH
/// with several segments, a new Ethernet header, or an ICMP error header.
pub const HEADROOM: usize = 256;
/// Largest frame a buffer holds after the headroom (a 9000-byte jumbo frame fits).
pub const MAX_FRAME: usize = 9216;

/// One packet: the bytes live in `buf[head..tail]`.
///
/// Buffers are allocated once (by the I/O layer's pool) and reused; processing never
/// allocates. Prepending beyond the headroom is refused rather than reallocated.
pub struct PacketBuf {
    buf: Box<[u8]>,
    /// `head <= tail <= buf.len()`, kept by every method that moves either, so that
    /// [`data`](Self::data) needs no bounds check: it is called a dozen times a packet.
    head: usize,
    tail: usize,
    /// Per-packet state that travels beside the bytes.
    pub meta: Meta,
}

/// Per-packet state beside the bytes (the kernel keeps it in the skb).
#[derive(Debug, Clone, Copy, Default)]
pub struct Meta {
    /// ifindex of the link the packet was received on (0 for locally generated packets).
    pub iif: u32,
    /// Firewall mark, matched by `fwmark` rules.
    pub mark: u32,
    /// How many lightweight-tunnel hooks have run on this packet (the kernel's
    /// recursion limit is 8).
    pub lwt_depth: u8,
    /// Tunnel metadata (the kernel's metadata dst): filled from the outer headers by a
    /// flow-based device on receive, or transmit parameters given to a reply. Routing a
    /// packet replaces it by the route's own (`encap ip`), as `skb_dst_drop` does.
    pub tun: Option<crate::tunnel::TunnelMeta>,
}

impl Meta {
    /// The id of received tunnel metadata, for `tun_id` rules (route input copies it
    /// into `flowi_tun_key.tun_id`; transmit metadata is never matched).
    #[inline]
    pub fn rx_tun_id(&self) -> u64 {
        match &self.tun {
            Some(t) if !t.is_tx() => t.key.id,
            _ => 0,
        }
    }
}

impl Default for PacketBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketBuf {
    pub fn new() -> Self {
        PacketBuf {
            buf: vec![0u8; HEADROOM + MAX_FRAME].into_boxed_slice(),
            head: HEADROOM,
            tail: HEADROOM,
            meta: Meta::default(),
        }
    }

    /// Resets the buffer to hold `frame` after the standard headroom.
    /// Returns false (and holds nothing) when the frame is larger than `MAX_FRAME`.
    pub fn load(&mut self, frame: &[u8], iif: u32) -> bool {
        self.meta = Meta {
            iif,
            ..Meta::default()
        };
        self.head = HEADROOM;
        if frame.len() > MAX_FRAME {
            self.tail = HEADROOM;
            return false;
        }
        self.tail = HEADROOM + frame.len();
        self.buf[HEADROOM..self.tail].copy_from_slice(frame);
        true
    }

    #[inline]
    pub fn data(&self) -> &[u8] {
        debug_assert!(self.head <= self.tail && self.tail <= self.buf.len());
        // SAFETY: `head <= tail <= buf.len()` (the fields' invariant).
        unsafe { self.buf.get_unchecked(self.head..self.tail) }
    }

    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        debug_assert!(self.head <= self.tail && self.tail <= self.buf.len());
        // SAFETY: `head <= tail <= buf.len()` (the fields' invariant).
        unsafe { self.buf.get_unchecked_mut(self.head..self.tail) }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.tail - self.head
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.tail == self.head
    }

    #[inline]
    pub fn headroom(&self) -> usize {
        self.head
    }

    /// Grows the packet at the front by `n` bytes (uninitialised content) and returns
    /// the whole packet; `None` if the headroom is exhausted.
    #[inline]
    pub fn push_front(&mut self, n: usize) -> Option<&mut [u8]> {
        if n > self.head {
            return None;
        }
        self.head -= n;
        Some(self.data_mut())
    }

    /// [`push_front`](Self::push_front) of a header of a size known when compiling:
    /// the header's bytes, which its writer then indexes without checks.
    #[inline]
    pub fn push_header<const N: usize>(&mut self) -> Option<&mut [u8; N]> {
        self.push_front(N)?.first_chunk_mut()
    }

    /// Removes `n` bytes from the front (decapsulation).
    #[inline]
    pub fn pull_front(&mut self, n: usize) -> bool {
        if n > self.len() {
            return false;
        }
        self.head += n;
        true
    }

    /// Shortens the packet to `len` bytes (drops link-layer padding, truncates ICMP quotes).
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.tail = self.head + len;
        }
    }

    /// Opens a gap of `n` bytes at offset `at`, moving the first `at` bytes towards the
    /// front (insertion of an SRH after the IPv6 header moves 14+40 bytes, not the payload).
    #[inline]
    pub fn insert_gap(&mut self, at: usize, n: usize) -> bool {
        if n > self.head || at > self.len() {
            return false;
        }
        let old = self.head;
        self.head -= n;
        self.buf.copy_within(old..old + at, self.head);
        true
    }

    /// Removes `n` bytes at offset `at`, moving the first `at` bytes towards the back.
    #[inline]
    pub fn remove_gap(&mut self, at: usize, n: usize) -> bool {
        // (Checked: a sum that wrapped would pass and move `head` past `tail`.)
        if at.checked_add(n).is_none_or(|end| end > self.len()) {
            return false;
        }
        let old = self.head;
        self.head += n;
        self.buf.copy_within(old..old + at, self.head);
        true
    }
}

impl PacketBuf {
    /// Replaces the content with `len` fresh bytes after the standard headroom (a reply or
    /// a solicitation built in place of the packet that triggered it).
    pub fn reset(&mut self, len: usize) -> &mut [u8] {
        self.head = HEADROOM;
        self.tail = HEADROOM + len.min(MAX_FRAME);
        self.data_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pull_and_gaps() {
        let mut p = PacketBuf::new();
        assert!(p.load(&[1, 2, 3, 4, 5], 7));
        assert_eq!(p.meta.iif, 7);
        p.push_front(2).unwrap()[..2].copy_from_slice(&[9, 9]);
        assert_eq!(p.data(), &[9, 9, 1, 2, 3, 4, 5]);
        assert!(p.pull_front(2));
        assert!(p.insert_gap(2, 3));
        assert_eq!(&p.data()[..2], &[1, 2]);
        assert_eq!(&p.data()[5..], &[3, 4, 5]);
        assert!(p.remove_gap(2, 3));
        assert_eq!(p.data(), &[1, 2, 3, 4, 5]);
        assert!(p.push_front(HEADROOM + 1).is_none());
        assert!(!p.pull_front(6));
        p.truncate(1);
        assert_eq!(p.data(), &[1]);
        assert!(!p.load(&vec![0; MAX_FRAME + 1], 1));
        assert!(p.is_empty());
    }

    /// Every refusal leaves `head <= tail <= buf.len()`, which `data` relies on (and
    /// checks in debug builds).
    #[test]
    fn refused_moves_keep_the_bounds() {
        let mut p = PacketBuf::new();
        assert!(p.load(&[1, 2, 3], 1));
        assert!(!p.remove_gap(2, 2));
        assert!(!p.remove_gap(1, usize::MAX));
        assert!(!p.insert_gap(4, 1));
        assert!(!p.insert_gap(0, HEADROOM + 1));
        assert!(!p.pull_front(4));
        assert!(p.push_front(HEADROOM + 1).is_none());
        assert_eq!(p.data(), &[1, 2, 3]);
        assert!(p.pull_front(3));
        assert!(p.data().is_empty());
        assert_eq!(p.reset(MAX_FRAME + 100).len(), MAX_FRAME);
        assert_eq!(
            p.push_front(HEADROOM).map(|d| d.len()),
            Some(HEADROOM + MAX_FRAME)
        );
        assert_eq!(p.data_mut().len(), HEADROOM + MAX_FRAME);
    }

    #[test]
    fn push_header_writes_the_new_front() {
        let mut p = PacketBuf::new();
        assert!(p.load(&[1, 2, 3], 1));
        *p.push_header::<2>().unwrap() = [8, 9];
        assert_eq!(p.data(), &[8, 9, 1, 2, 3]);
        assert!(p.push_header::<{ HEADROOM - 1 }>().is_none());
        assert_eq!(p.data(), &[8, 9, 1, 2, 3]);
        assert!(p.push_header::<{ HEADROOM - 2 }>().is_some());
        assert_eq!(p.headroom(), 0);
    }
}
