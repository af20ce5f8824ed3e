//! The packet path: a sans-I/O function of (snapshot, worker state, packet) → verdict.
//!
//! ```text
//! rx → L2 (ARP | IPv4 | IPv6) → IP input checks → rules + FIB (VRF of the ingress link)
//!    → local delivery (echo, NDP, errors, VXLAN decapsulation → rx on the VXLAN device)
//!    | LWT input hook (seg6) | forward
//!    → output: xmit hook (MPLS) → neighbour → Ethernet header → Tx(link)
//!      (a VXLAN device encapsulates and routes the outer packet: output again)
//! ```
//! Every packet yields exactly one verdict; replies and errors are built in place of the
//! packet that caused them, so nothing is allocated per packet.

mod arp;
mod batch;
mod icmp;
mod ip4;
mod ip6;
mod lookup;
mod neigh;
mod output;
mod seg6;
mod seg6local;
mod vxlan;

use lwt_wire::{EthernetFrame, ethertype};

use crate::dataplane::Dataplane;
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;
use crate::stats::Stats;

pub use batch::process_batch;
pub(crate) use batch::{prefetch, prefetch_addr};
pub use icmp::RateLimiter;
pub(crate) use lookup::resolve_plain;
pub use lookup::{GetError, route_get};
pub use neigh::{Learnt, Neighbours, state_name};
pub(crate) use seg6local::sid_adjacency;
pub(crate) use vxlan::templates as vxlan_templates;

/// What happens to a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transmit the buffer (now a complete Ethernet frame) on this link.
    Tx(u32),
    /// Dropped, counted under this reason.
    Drop(DropReason),
    /// Delivered or absorbed (a dummy device, a local packet with nothing to answer).
    Consumed,
    /// Parked until its next hop is resolved; it leaves later through the outbox.
    Queued,
}

/// Mutable per-worker state: counters, neighbours learnt from traffic, ICMP rate limits.
pub struct Worker {
    pub stats: Stats,
    /// Neighbours learnt from ARP / NDP, packets waiting for resolution, frames to send.
    pub neigh: Neighbours,
    pub icmp_limit: RateLimiter,
    /// Milliseconds of the current time base (packet timestamps offline, clock live).
    pub now_ms: u64,
    /// IPv4 identification for packets this router originates.
    pub ip_id: u16,
    /// A buffer for frames released to VXLAN devices outside `process` (allocated once).
    scratch: Option<Box<PacketBuf>>,
    /// When set, the path records what it does with tunnel metadata (the metadata a
    /// VXLAN device received or sent with), one line per event. A debugging aid: lines
    /// are allocated, so leave it `None` on the fast path.
    pub trace: Option<Vec<String>>,
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
            neigh: Neighbours::default(),
            icmp_limit: RateLimiter::new(),
            now_ms: 0,
            ip_id: 1,
            scratch: None,
            trace: None,
        }
    }

    /// Sizes the counters to `dp`'s links and SID slots (a compare when they already
    /// fit), so that no packet of `dp` grows them.
    #[inline]
    pub fn fit(&mut self, dp: &Dataplane) {
        self.stats.fit(dp.links.len(), dp.counter_slots as usize);
    }

    /// Timers: re-solicits unresolved neighbours, drops the queues of those that never
    /// answered, forgets old entries. Call every few hundred milliseconds with `now_ms` set.
    pub fn tick(&mut self, dp: &Dataplane) {
        let mut again = Vec::new();
        let dropped = self.neigh.expire(self.now_ms, &mut again);
        for _ in 0..dropped {
            self.stats.drop(DropReason::NeighbourUnresolved);
        }
        let mut pkt = self.take_scratch();
        for (oif, addr) in again {
            if let Some(link) = dp.link(oif) {
                output::write_solicitation(&mut pkt, link, addr, None);
                if link.kind == crate::dataplane::LinkDpKind::Vxlan {
                    let tun = self.neigh.pending_tun(oif, addr);
                    self.neigh.push_reinject(oif, pkt.data(), tun);
                    continue;
                }
                self.neigh.push_out(oif, pkt.data());
                self.stats.link(oif).tx.add(pkt.len());
            }
        }
        self.scratch = Some(pkt);
        self.flush_vxlan(dp);
    }

    /// The worker's one spare buffer (allocated on first use, then reused).
    fn take_scratch(&mut self) -> Box<PacketBuf> {
        self.scratch
            .take()
            .unwrap_or_else(|| Box::new(PacketBuf::new()))
    }

    /// Announces an address on its link: a gratuitous ARP request for IPv4, an
    /// unsolicited neighbour advertisement (override) to all nodes for IPv6.
    pub fn announce(&mut self, dp: &Dataplane, ifindex: u32, addr: std::net::IpAddr) {
        let Some(link) = dp.link(ifindex) else { return };
        let mut pkt = self.take_scratch();
        output::write_announcement(&mut pkt, link, addr);
        let vxlan = link.kind == crate::dataplane::LinkDpKind::Vxlan;
        if vxlan {
            self.neigh.push_reinject(ifindex, pkt.data(), None);
        } else {
            self.neigh.push_out(ifindex, pkt.data());
        }
        self.scratch = Some(pkt);
        if vxlan {
            self.flush_vxlan(dp);
        }
    }

    /// Frames released to VXLAN devices (parked packets whose inner neighbour got
    /// resolved, re-solicitations) are encapsulated and routed, and join the outbox.
    fn flush_vxlan(&mut self, dp: &Dataplane) {
        // Bounded: an encapsulated frame parks on an Ethernet device, never back here.
        for _ in 0..4 {
            if self.neigh.reinject.is_empty() {
                return;
            }
            let mut list = std::mem::take(&mut self.neigh.reinject);
            let mut pkt = self.take_scratch();
            for (oif, frame, tun) in list.drain(..) {
                if !pkt.load(&frame, 0) {
                    self.stats.drop(DropReason::FrameTooLarge);
                    continue;
                }
                pkt.meta.tun = tun;
                let v = match dp.link(oif) {
                    Some(link) => {
                        let mut cx = Cx { dp, w: self };
                        vxlan::xmit(&mut cx, &mut pkt, link, None)
                    }
                    None => Verdict::Drop(DropReason::LinkDown),
                };
                match v {
                    Verdict::Tx(o) => self.neigh.push_out(o, pkt.data()),
                    Verdict::Drop(r) => self.stats.drop(r),
                    Verdict::Queued => self.stats.queued += 1,
                    Verdict::Consumed => {}
                }
                self.neigh.recycle(frame);
            }
            self.neigh.reinject = list;
            self.scratch = Some(pkt);
        }
    }

    /// Frames released by neighbour resolution or timers, ready to transmit.
    pub fn drain_outbox(&mut self, mut f: impl FnMut(u32, &[u8])) {
        let stats = &mut self.stats;
        self.neigh.drain_outbox(|oif, frame| {
            stats.link(oif).tx.add(frame.len());
            f(oif, frame)
        });
    }
}

/// The context handed down the path.
pub(crate) struct Cx<'a> {
    pub dp: &'a Dataplane,
    pub w: &'a mut Worker,
}

/// Processes one received frame. `pkt.meta.iif` names the ingress link.
pub fn process(dp: &Dataplane, w: &mut Worker, pkt: &mut PacketBuf) -> Verdict {
    w.fit(dp);
    let iif = pkt.meta.iif;
    let len = pkt.len();
    let v = {
        let mut cx = Cx { dp, w };
        receive(&mut cx, pkt)
    };
    account(w, &[(iif, len)], &[v], std::slice::from_ref(pkt));
    if !w.neigh.reinject.is_empty() {
        w.flush_vxlan(dp);
    }
    v
}

/// Counts processed packets: each received as `rx[i]` (link, bytes), then its verdict
/// `out[i]` (sent: `pkts[i]`'s length). A run of packets on one link adds up in
/// registers before it is stored: a vector's packets mostly come in on one link and
/// leave on another.
pub(crate) fn account(w: &mut Worker, rx: &[(u32, usize)], out: &[Verdict], pkts: &[PacketBuf]) {
    // (link, packets, bytes) of the current runs; `u32::MAX` is no link.
    let (mut rx_run, mut tx_run) = ((u32::MAX, 0, 0), (u32::MAX, 0, 0));
    let flush = |w: &mut Worker, (link, packets, bytes): (u32, u64, u64), tx: bool| {
        if packets > 0 {
            let l = w.stats.link(link);
            let c = if tx { &mut l.tx } else { &mut l.rx };
            c.add_run(packets, bytes);
        }
    };
    for ((&(iif, len), v), pkt) in rx.iter().zip(out).zip(pkts) {
        if iif != rx_run.0 {
            flush(w, rx_run, false);
            rx_run = (iif, 0, 0);
        }
        rx_run.1 += 1;
        rx_run.2 += len as u64;
        match *v {
            Verdict::Tx(oif) => {
                if oif != tx_run.0 {
                    flush(w, tx_run, true);
                    tx_run = (oif, 0, 0);
                }
                tx_run.1 += 1;
                tx_run.2 += pkt.len() as u64;
            }
            Verdict::Drop(r) => w.stats.drop(r),
            Verdict::Consumed => w.stats.local += 1,
            Verdict::Queued => w.stats.queued += 1,
        }
    }
    flush(w, rx_run, false);
    flush(w, tx_run, true);
}

/// L2 receive on `pkt.meta.iif` (also the re-entry point of a decapsulated frame).
pub(crate) fn receive(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
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

/// Input through a unicast route: the chosen next hop's LWT input hook (seg6,
/// seg6local), else the family's forwarding.
pub(crate) fn unicast(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    route: &crate::dataplane::RouteDp,
    hash: u32,
    forward: fn(&mut Cx<'_>, &mut PacketBuf, &crate::dataplane::NextHopDp) -> Verdict,
) -> Verdict {
    let Some(nh) = lookup::select_nexthop(route, hash) else {
        return Verdict::Drop(DropReason::NoRoute);
    };
    match &nh.lwt {
        Some(lwt) if lwt.has_input() => lwt_input(cx, pkt, lwt, hash),
        _ => forward(cx, pkt, nh),
    }
}

/// The LWT input hook (`lwtunnel_input`): seg6 encapsulation or a seg6local behaviour.
pub(crate) fn lwt_input(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    lwt: &crate::lwt::Lwt,
    hash: u32,
) -> Verdict {
    // The route replaces any received tunnel metadata (`skb_dst_drop`).
    pkt.meta.tun = None;
    match lwt {
        crate::lwt::Lwt::Seg6(s) => seg6::input(cx, pkt, s, hash),
        crate::lwt::Lwt::Seg6Local(sl) => seg6local::input(cx, pkt, sl),
        // No input redirect: callers check `has_input` first.
        crate::lwt::Lwt::IpTun(_) | crate::lwt::Lwt::Mpls(_) => {
            Verdict::Drop(DropReason::UnknownProtocol)
        }
    }
}

/// A flow hash over addresses and next header (for ECMP and `seg6_flowlabel=1`): a
/// multiply-xorshift over 8-byte words, a few nanoseconds for IPv6. Not keyed: it spreads
/// flows, it is no defence against a sender choosing collisions.
#[inline]
pub(crate) fn flow_hash(src: &[u8], dst: &[u8], proto: u8) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = K ^ u64::from(proto);
    for part in [src, dst] {
        for c in part.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
            h ^= h >> 29;
        }
    }
    (h ^ (h >> 32)) as u32
}

/// The flow hash of an IPv6 header (`ip`, at least 40 bytes), as IPv6 `route_input`
/// computes it: addresses, next header and flow label.
#[inline(always)]
pub(crate) fn flow_hash6(ip: &[u8]) -> u32 {
    let label = u32::from_be_bytes([0, ip[1] & 0x0f, ip[2], ip[3]]);
    flow_hash(&ip[8..24], &ip[24..40], ip[6]) ^ label
}
