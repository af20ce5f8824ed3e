//! Always-on counters. Each worker owns a `Stats` and updates it without atomics;
//! readers sum the workers' copies.

use crate::drop_reason::DropReason;

/// Packet and byte counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

impl Count {
    #[inline]
    pub fn add(&mut self, bytes: usize) {
        self.add_run(1, bytes as u64);
    }

    /// Adds a run of `packets` packets of `bytes` bytes in all.
    #[inline]
    pub fn add_run(&mut self, packets: u64, bytes: u64) {
        self.packets += packets;
        self.bytes += bytes;
    }
}

/// Per-link counters, as `ip -s link` shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub rx: Count,
    pub tx: Count,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

/// Counters of one SID route (the kernel's seg6local `count` attribute counts by the
/// behaviour's outcome; lwt keeps them for every SID and adds per-reason drops).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SidStats {
    pub ok: Count,
    pub errors: u64,
}

/// One worker's counters.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Indexed by ifindex.
    pub links: Vec<LinkStats>,
    /// Indexed by the route's counter slot (assigned at install, stable across snapshots).
    pub sids: Vec<SidStats>,
    pub drops: Vec<u64>,
    /// Drops per (SID slot, reason), for `lwt stats` per behaviour; kept in (slot,
    /// reason) order, so that it does not depend on the order packets were counted in.
    pub sid_drops: Vec<(u32, DropReason, u64)>,
    pub forwarded: u64,
    pub local: u64,
    pub generated: u64,
    /// Packets parked while their next hop was resolved.
    pub queued: u64,
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            drops: vec![0; DropReason::COUNT],
            ..Default::default()
        }
    }

    /// Makes room for `links` link and `slots` SID counters, so that counting a packet
    /// of the snapshot they come from never allocates (`link` and `sid` still grow the
    /// tables for any other index).
    #[inline]
    pub fn fit(&mut self, links: usize, slots: usize) {
        if self.links.len() < links {
            self.links.resize(links, LinkStats::default());
        }
        if self.sids.len() < slots {
            self.sids.resize(slots, SidStats::default());
        }
    }

    #[inline]
    pub fn link(&mut self, ifindex: u32) -> &mut LinkStats {
        grown_at(&mut self.links, ifindex as usize)
    }

    #[inline]
    pub fn sid(&mut self, slot: u32) -> &mut SidStats {
        grown_at(&mut self.sids, slot as usize)
    }

    #[inline]
    pub fn drop(&mut self, reason: DropReason) {
        if self.drops.len() < DropReason::COUNT {
            self.drops.resize(DropReason::COUNT, 0);
        }
        self.drops[reason as usize] += 1;
    }

    /// Counts a drop that happened inside a SID's behaviour.
    pub fn sid_drop(&mut self, slot: u32, reason: DropReason) {
        self.sid(slot).errors += 1;
        self.add_sid_drops(slot, reason, 1);
    }

    fn add_sid_drops(&mut self, slot: u32, reason: DropReason, n: u64) {
        match (self.sid_drops).binary_search_by_key(&(slot, reason), |&(s, r, _)| (s, r)) {
            Ok(i) => self.sid_drops[i].2 += n,
            Err(i) => self.sid_drops.insert(i, (slot, reason, n)),
        }
    }

    /// Adds another worker's counters into this one.
    pub fn merge(&mut self, other: &Stats) {
        for (i, l) in other.links.iter().enumerate() {
            let m = self.link(i as u32);
            m.rx.packets += l.rx.packets;
            m.rx.bytes += l.rx.bytes;
            m.tx.packets += l.tx.packets;
            m.tx.bytes += l.tx.bytes;
            m.rx_dropped += l.rx_dropped;
            m.tx_dropped += l.tx_dropped;
        }
        for (i, s) in other.sids.iter().enumerate() {
            let m = self.sid(i as u32);
            m.ok.packets += s.ok.packets;
            m.ok.bytes += s.ok.bytes;
            m.errors += s.errors;
        }
        for (i, d) in other.drops.iter().enumerate() {
            if let Some(r) = DropReason::ALL.get(i) {
                self.drops[*r as usize] += d;
            }
        }
        for &(slot, reason, n) in &other.sid_drops {
            self.add_sid_drops(slot, reason, n);
        }
        self.forwarded += other.forwarded;
        self.local += other.local;
        self.generated += other.generated;
        self.queued += other.queued;
    }
}

/// Counter `i` of `v`, made room for if need be. One compare in the common case: the
/// index after it needs no check of its own, which it would after a call that grows.
#[inline(always)]
fn grown_at<T: Clone + Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if i < v.len() {
        return &mut v[i];
    }
    grow(v, i)
}

/// Makes room for counter `i`: out of line, as `fit` leaves the packet path nothing to
/// grow, so the accessors stay small enough to inline.
#[cold]
#[inline(never)]
fn grow<T: Clone + Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    v.resize(i + 1, T::default());
    &mut v[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Once fitted to a snapshot, counting on its links and slots does not reallocate.
    #[test]
    fn fit_makes_room_once() {
        let mut s = Stats::new();
        s.fit(4, 100);
        let before = (s.links.as_ptr(), s.sids.as_ptr());
        s.link(3).rx.add(60);
        s.sid(99).ok.add(60);
        s.fit(4, 100);
        s.fit(2, 10);
        assert_eq!((s.links.as_ptr(), s.sids.as_ptr()), before);
        assert_eq!((s.links.len(), s.sids.len()), (4, 100));
        assert_eq!((s.links[3].rx.packets, s.sids[99].ok.bytes), (1, 60));
    }
}
