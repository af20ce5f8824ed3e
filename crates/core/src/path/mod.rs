//! The packet path: a sans-I/O function of (snapshot, worker state, packet) → verdict.
//!
//! ```text
//! rx → L2 (ARP | IPv4 | IPv6) → IP input checks → rules + FIB (VRF of the ingress link)
//!    → local delivery (echo, NDP, errors) | LWT input hook (seg6) | forward
//!    → output: neighbour → Ethernet header → Tx(link)
//! ```
//! Every packet yields exactly one verdict; replies and errors are built in place of the
//! packet that caused them, so nothing is allocated per packet.

mod arp;
mod icmp;
mod ip4;
mod ip6;
mod lookup;
mod output;
mod seg6;
mod seg6local;

use std::collections::HashMap;
use std::net::IpAddr;

use lwt_wire::{EthernetFrame, ethertype};

use crate::dataplane::{Dataplane, Mac};
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;
use crate::stats::Stats;

pub use icmp::RateLimiter;

/// What happens to a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transmit the buffer (now a complete Ethernet frame) on this link.
    Tx(u32),
    /// Dropped, counted under this reason.
    Drop(DropReason),
    /// Delivered or absorbed (a dummy device, a local packet with nothing to answer).
    Consumed,
}

/// Mutable per-worker state: counters, neighbours learnt from traffic, ICMP rate limits.
pub struct Worker {
    pub stats: Stats,
    /// Neighbours learnt from ARP / NDP traffic, per worker (static ones are in the snapshot).
    pub learned: HashMap<(u32, IpAddr), Mac>,
    pub icmp_limit: RateLimiter,
    /// Milliseconds of the current time base (packet timestamps offline, clock live).
    pub now_ms: u64,
    /// IPv4 identification for packets this router originates.
    pub ip_id: u16,
}

impl Default for Worker {
    fn default() -> Self {
        Self::new()
    }
}

impl Worker {
    pub fn new() -> Self {
        Worker {
            stats: Stats::new(),
            learned: HashMap::with_capacity(1024),
            icmp_limit: RateLimiter::new(),
            now_ms: 0,
            ip_id: 1,
        }
    }

    #[inline]
    pub(crate) fn neighbour(&self, dp: &Dataplane, oif: u32, addr: IpAddr) -> Option<Mac> {
        dp.neigh
            .get(&(oif, addr))
            .or_else(|| self.learned.get(&(oif, addr)))
            .copied()
    }

    pub(crate) fn learn(&mut self, dp: &Dataplane, oif: u32, addr: IpAddr, mac: Mac) {
        // Static entries win, as PERMANENT entries do in the kernel.
        if !dp.neigh.contains_key(&(oif, addr)) && self.learned.len() < 1 << 20 {
            self.learned.insert((oif, addr), mac);
        }
    }
}

/// The context handed down the path.
pub(crate) struct Cx<'a> {
    pub dp: &'a Dataplane,
    pub w: &'a mut Worker,
}

/// Processes one received frame. `pkt.meta.iif` names the ingress link.
pub fn process(dp: &Dataplane, w: &mut Worker, pkt: &mut PacketBuf) -> Verdict {
    let iif = pkt.meta.iif;
    let len = pkt.len();
    let v = {
        let mut cx = Cx { dp, w };
        receive(&mut cx, pkt)
    };
    w.stats.link(iif).rx.add(len);
    account(w, &v, pkt.len());
    v
}

fn account(w: &mut Worker, v: &Verdict, len: usize) {
    match *v {
        Verdict::Tx(oif) => w.stats.link(oif).tx.add(len),
        Verdict::Drop(r) => w.stats.drop(r),
        Verdict::Consumed => w.stats.local += 1,
    }
}

fn receive(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
    let Some(link) = cx.dp.link(pkt.meta.iif) else {
        return Verdict::Drop(DropReason::LinkDown);
    };
    if !link.up {
        return Verdict::Drop(DropReason::LinkDown);
    }
    let Ok(eth) = EthernetFrame::new_checked(pkt.data()) else {
        return Verdict::Drop(DropReason::FrameTooShort);
    };
    let dst = eth.dst_addr();
    if !dst.is_multicast() && dst.0 != link.mac {
        return Verdict::Drop(DropReason::NotForUs);
    }
    let src_mac = eth.src_addr().0;
    let et = eth.ethertype();
    pkt.pull_front(lwt_wire::ethernet::HEADER_LEN);
    match et {
        ethertype::IPV6 => ip6::rcv(cx, pkt, src_mac),
        ethertype::IPV4 => ip4::rcv(cx, pkt, src_mac),
        ethertype::ARP => arp::rcv(cx, pkt),
        ethertype::VLAN | ethertype::QINQ => Verdict::Drop(DropReason::VlanNotConfigured),
        _ => Verdict::Drop(DropReason::UnknownEthertype),
    }
}

/// The LWT input hook (`lwtunnel_input`): seg6 encapsulation or a seg6local behaviour.
pub(crate) fn lwt_input(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    lwt: &crate::lwt::Lwt,
    hash: u32,
) -> Verdict {
    match lwt {
        crate::lwt::Lwt::Seg6(_) => seg6::input(cx, pkt, lwt, hash),
        crate::lwt::Lwt::Seg6Local(sl) => seg6local::input(cx, pkt, sl, hash),
    }
}

/// A flow hash over addresses and next header (for ECMP and `seg6_flowlabel=1`).
#[inline]
pub(crate) fn flow_hash(src: &[u8], dst: &[u8], proto: u8) -> u32 {
    // FNV-1a: cheap, stable, good enough to spread flows; not a security boundary.
    let mut h: u32 = 0x811c_9dc5;
    for b in src.iter().chain(dst).chain(core::iter::once(&proto)) {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
