//! Neighbours learnt from traffic, and packets waiting for resolution.
//!
//! Static entries live in the snapshot; what ARP and NDP teach lives here, per worker,
//! with the time it was confirmed (REACHABLE for 30 s, then STALE but still used, as in
//! Linux). A packet whose next hop is unknown is parked in a bounded queue while a
//! solicitation goes out (at most one per second per neighbour, three in all); when the
//! answer arrives the queue is released through the worker's outbox. Buffers are recycled,
//! so a steady state allocates nothing.

use std::net::IpAddr;

use crate::dataplane::{Dataplane, FastMap, LinkDpKind, Mac};
use crate::tunnel::TunnelMeta;

/// How long a confirmed entry counts as REACHABLE (`base_reachable_time`).
pub const REACHABLE_MS: u64 = 30_000;
/// Solicitations per unresolved neighbour before its queue is dropped (`mcast_solicit`).
pub const SOLICITS: u8 = 3;
/// Time between solicitations (`retrans_time`).
pub const RETRANS_MS: u64 = 1_000;
/// Packets parked per neighbour and in all.
pub const QUEUE_PER_NEIGH: usize = 64;
pub const QUEUE_TOTAL: usize = 1024;
/// Entries not used or confirmed for this long are forgotten (`gc_stale_time`).
pub const GC_MS: u64 = 60_000;

/// A learnt neighbour.
#[derive(Debug, Clone, Copy)]
pub struct Learnt {
    pub mac: Mac,
    pub confirmed_ms: u64,
}

/// A parked packet: its bytes from the L3 header (or the MPLS label stack) on, the
/// ethertype it leaves with (0: IPv4 or IPv6 by its version) and, on a VXLAN device, the
/// tunnel metadata it was to be sent with (the kernel's parked skb keeps its dst).
#[derive(Debug, Default)]
pub(crate) struct Parked {
    pub bytes: Vec<u8>,
    pub ethertype: u16,
    pub tun: Option<TunnelMeta>,
}

/// A neighbour being resolved: parked packets.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub packets: Vec<Parked>,
    pub solicits: u8,
    pub last_solicit_ms: u64,
    /// Metadata of the last packet parked (re-solicitations on a VXLAN device use it).
    pub tun: Option<TunnelMeta>,
}

/// The worker's neighbour state.
#[derive(Debug, Default)]
pub struct Neighbours {
    pub learnt: FastMap<(u32, IpAddr), Learnt>,
    pub(crate) pending: FastMap<(u32, IpAddr), Pending>,
    parked: usize,
    /// Frames ready to send: (link, Ethernet frame).
    outbox: Vec<(u32, Vec<u8>)>,
    /// Frames for VXLAN devices, to be encapsulated before they join the outbox:
    /// (device, inner Ethernet frame, tunnel metadata).
    pub(crate) reinject: Vec<(u32, Vec<u8>, Option<TunnelMeta>)>,
    spare: Vec<Vec<u8>>,
}

/// The state `neigh show` prints for a learnt entry.
pub fn state_name(e: &Learnt, now_ms: u64) -> &'static str {
    if now_ms.saturating_sub(e.confirmed_ms) < REACHABLE_MS {
        "REACHABLE"
    } else {
        "STALE"
    }
}

impl Neighbours {
    #[inline]
    pub fn lookup(&self, dp: &Dataplane, oif: u32, addr: IpAddr) -> Option<Mac> {
        dp.neigh
            .get(&(oif, addr))
            .copied()
            .or_else(|| self.learnt.get(&(oif, addr)).map(|e| e.mac))
    }

    fn buffer(&mut self, data: &[u8]) -> Vec<u8> {
        let mut b = self.spare.pop().unwrap_or_default();
        b.clear();
        b.extend_from_slice(data);
        b
    }

    /// Parks an L3 packet for `(oif, addr)`. Returns whether a solicitation is due now.
    pub(crate) fn park(
        &mut self,
        oif: u32,
        addr: IpAddr,
        l3: &[u8],
        (ethertype, tun): (u16, Option<TunnelMeta>),
        now_ms: u64,
    ) -> (bool, bool) {
        let full = self.parked >= QUEUE_TOTAL
            || self
                .pending
                .get(&(oif, addr))
                .is_some_and(|p| p.packets.len() >= QUEUE_PER_NEIGH);
        let parked = !full;
        if parked {
            let bytes = self.buffer(l3);
            self.parked += 1;
            self.pending
                .entry((oif, addr))
                .or_default()
                .packets
                .push(Parked {
                    bytes,
                    ethertype,
                    tun,
                });
        }
        let p = self.pending.entry((oif, addr)).or_default();
        p.tun = tun;
        let due = p.solicits == 0 || now_ms.saturating_sub(p.last_solicit_ms) >= RETRANS_MS;
        if due && p.solicits < SOLICITS {
            p.solicits += 1;
            p.last_solicit_ms = now_ms;
            return (parked, true);
        }
        (parked, false)
    }

    /// Records what ARP or NDP taught and releases the packets that waited for it.
    pub(crate) fn learn(&mut self, dp: &Dataplane, oif: u32, addr: IpAddr, mac: Mac, now_ms: u64) {
        // Static entries win, as PERMANENT entries do in the kernel.
        if dp.neigh.contains_key(&(oif, addr)) {
            return;
        }
        if self.learnt.len() < 1 << 20 || self.learnt.contains_key(&(oif, addr)) {
            self.learnt.insert(
                (oif, addr),
                Learnt {
                    mac,
                    confirmed_ms: now_ms,
                },
            );
        }
        let Some(p) = self.pending.remove(&(oif, addr)) else {
            return;
        };
        let src = dp.link(oif).map_or([0; 6], |l| l.mac);
        let vxlan = dp.link(oif).is_some_and(|l| l.kind == LinkDpKind::Vxlan);
        for Parked {
            bytes: mut l3,
            ethertype,
            tun,
        } in p.packets
        {
            self.parked -= 1;
            let et: u16 = match ethertype {
                0 if l3.first().map(|b| b >> 4) == Some(4) => 0x0800,
                0 => 0x86dd,
                e => e,
            };
            let mut hdr = [0u8; 14];
            hdr[..6].copy_from_slice(&mac);
            hdr[6..12].copy_from_slice(&src);
            hdr[12..].copy_from_slice(&et.to_be_bytes());
            l3.splice(0..0, hdr);
            if vxlan {
                self.reinject.push((oif, l3, tun));
            } else {
                self.outbox.push((oif, l3));
            }
        }
    }

    /// Neighbours whose solicitations went unanswered: their queues are dropped.
    /// Returns how many packets were dropped, and the keys that need another
    /// solicitation now.
    pub(crate) fn expire(&mut self, now_ms: u64, resolicit: &mut Vec<(u32, IpAddr)>) -> usize {
        let mut dropped = 0;
        let mut dead = Vec::new();
        for (k, p) in &mut self.pending {
            if now_ms.saturating_sub(p.last_solicit_ms) < RETRANS_MS {
                continue;
            }
            if p.solicits >= SOLICITS {
                dead.push(*k);
            } else {
                p.solicits += 1;
                p.last_solicit_ms = now_ms;
                resolicit.push(*k);
            }
        }
        for k in dead {
            if let Some(p) = self.pending.remove(&k) {
                dropped += p.packets.len();
                self.parked -= p.packets.len();
                self.spare.extend(p.packets.into_iter().map(|x| x.bytes));
            }
        }
        self.learnt
            .retain(|_, e| now_ms.saturating_sub(e.confirmed_ms) < GC_MS);
        dropped
    }

    /// Hands every ready frame to `f`, then keeps the buffers for reuse.
    pub fn drain_outbox(&mut self, mut f: impl FnMut(u32, &[u8])) {
        for (oif, frame) in self.outbox.drain(..) {
            f(oif, &frame);
            if self.spare.len() < QUEUE_TOTAL {
                self.spare.push(frame);
            }
        }
    }

    pub(crate) fn push_out(&mut self, oif: u32, frame: &[u8]) {
        let b = self.buffer(frame);
        self.outbox.push((oif, b));
    }

    /// Queues a frame for a VXLAN device (encapsulated by the worker before it leaves).
    pub(crate) fn push_reinject(&mut self, oif: u32, frame: &[u8], tun: Option<TunnelMeta>) {
        let b = self.buffer(frame);
        self.reinject.push((oif, b, tun));
    }

    /// Gives a buffer back for reuse.
    pub(crate) fn recycle(&mut self, b: Vec<u8>) {
        if self.spare.len() < QUEUE_TOTAL {
            self.spare.push(b);
        }
    }

    /// The metadata a pending resolution on `(oif, addr)` solicits with.
    pub(crate) fn pending_tun(&self, oif: u32, addr: IpAddr) -> Option<TunnelMeta> {
        self.pending.get(&(oif, addr)).and_then(|p| p.tun)
    }

    pub fn has_output(&self) -> bool {
        !self.outbox.is_empty()
    }
}
