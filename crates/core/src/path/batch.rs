//! Batched receive: the common case — a unicast IPv4 or IPv6 packet from a link outside
//! any VRF, routed by a flattened rule walk ([`crate::flat`]) — takes its first routing
//! decision for a whole vector of packets at once, so the FIB's cache misses overlap
//! (VPP's vector processing, the kernel's `ip_list_rcv`).
//!
//! ```text
//! 1. classify   read-only checks of L2 and L3 headers; anything unusual → process()
//! 2. look up    Fib::lookup_batch over the destinations of the vector
//! 3. warm       prefetch the results, then what each points to, a link at a time
//! 4. finish     the rest of the path, from the rules' answer, in packet order
//! ```
//!
//! The classification only accepts packets for which the full path would run exactly
//! these checks to the same conclusion, and `finish` continues where the full path's
//! `route_input` would, so both give the same verdicts, bytes and counters (the
//! `batch_equals_single` tests hold them to it).

use lwt_wire::{checksum, ethertype};

use super::output::Hop;
use super::{Cx, Verdict, Worker, ip4, ip6, lookup};
use crate::dataplane::{Dataplane, NextHopDp, RouteDp};
use crate::flat::{FlatEnt, FlatRes};
use crate::lwt::Lwt;
use crate::packet::PacketBuf;

/// Packets whose lookups overlap (the FIB's `lookup_batch` group).
const VECTOR: usize = 32;

/// The destination a classified packet is looked up by.
#[derive(Clone, Copy)]
enum Key {
    /// Not for the batched path: run through [`super::process`].
    Full,
    V4,
    V6,
}

/// Processes received frames (each buffer's `meta.iif` names its link): `out[i]` gets
/// the verdict of `pkts[i]`, exactly as [`super::process`] would give it.
///
/// # Panics
/// If the slices differ in length.
pub fn process_batch(dp: &Dataplane, w: &mut Worker, pkts: &mut [PacketBuf], out: &mut [Verdict]) {
    assert_eq!(
        pkts.len(),
        out.len(),
        "process_batch: slices differ in length"
    );
    for (pkts, out) in pkts.chunks_mut(VECTOR).zip(out.chunks_mut(VECTOR)) {
        vector(dp, w, pkts, out);
    }
}

fn vector<'a>(dp: &'a Dataplane, w: &mut Worker, pkts: &mut [PacketBuf], out: &mut [Verdict]) {
    let mut keys = [Key::Full; VECTOR];
    // Destinations of each family, and which packet each belongs to.
    let (mut d4, mut d6) = ([0u32; VECTOR], [0u128; VECTOR]);
    let (mut n4, mut n6) = (0, 0);
    let mut at = [0u8; VECTOR];
    for (i, pkt) in pkts.iter().enumerate() {
        keys[i] = classify(dp, pkt);
        match keys[i] {
            Key::V4 => {
                d4[n4] = u32::from_be_bytes(pkt.data()[30..34].try_into().expect("classified"));
                at[i] = n4 as u8;
                n4 += 1;
            }
            Key::V6 => {
                d6[n6] = u128::from_be_bytes(pkt.data()[38..54].try_into().expect("classified"));
                at[i] = n6 as u8;
                n6 += 1;
            }
            Key::Full => {}
        }
    }
    let (mut r4, mut r6) = ([None; VECTOR], [None; VECTOR]);
    let (mut e4, mut e6): (&[FlatEnt], &[FlatEnt]) = (&[], &[]);
    if let Some(flat) = &dp.flat4 {
        flat.fib.lookup_batch(&d4[..n4], &mut r4[..n4]);
        e4 = &flat.results;
    }
    if let Some(flat) = &dp.flat6 {
        flat.fib.lookup_batch(&d6[..n6], &mut r6[..n6]);
        e6 = &flat.results;
    }
    // The results the vector landed on, fetched together before they are read.
    let entry = |results: &'a [FlatEnt], r: Option<u32>| r.map(|v| &results[v as usize]);
    let mut ents: [Option<&FlatEnt>; VECTOR] = [None; VECTOR];
    for i in 0..pkts.len() {
        ents[i] = match keys[i] {
            Key::V4 => entry(e4, r4[usize::from(at[i])]),
            Key::V6 => entry(e6, r6[usize::from(at[i])]),
            Key::Full => None,
        };
        if let Some(e) = ents[i] {
            prefetch(e);
        }
    }
    warm(dp, &keys[..pkts.len()], &ents[..pkts.len()]);
    for (i, pkt) in pkts.iter_mut().enumerate() {
        let res = ents[i].map_or(FlatRes::NoRoute, |e| e.res);
        let adj = ents[i].and_then(|e| e.adj.as_ref());
        out[i] = match keys[i] {
            Key::Full => super::process(dp, w, pkt),
            Key::V4 => finish(dp, w, pkt, |cx, pkt| {
                enter_l3(pkt);
                match adj {
                    Some(a) => ip4::forward_hop(cx, pkt, Hop::Adj(a)),
                    None => {
                        let hash = hash4(pkt.data());
                        ip4::routed(cx, pkt, lookup::res(cx.dp, res, false), hash)
                    }
                }
            }),
            Key::V6 => finish(dp, w, pkt, |cx, pkt| {
                let src_mac = enter_l3(pkt);
                match adj {
                    Some(a) => ip6::forward_hop(cx, pkt, Hop::Adj(a)),
                    None => {
                        let hash = hash6(pkt.data());
                        let res = lookup::res(cx.dp, res, true);
                        ip6::routed(cx, pkt, res, hash, Some(src_mac), true)
                    }
                }
            }),
        };
    }
}

/// For results that are more than an adjacency, the chain the path will read — route,
/// next hop, LWT state, its template — is fetched a link at a time across the whole
/// vector, so each link's misses overlap (at 100k routes each is a cache miss).
fn warm(dp: &Dataplane, keys: &[Key], ents: &[Option<&FlatEnt>]) {
    let mut routes: [Option<&RouteDp>; VECTOR] = [None; VECTOR];
    for (i, e) in ents.iter().enumerate() {
        if let Some(FlatEnt {
            res: FlatRes::Route { table, route },
            adj: None,
        }) = e
        {
            let t = &dp.tables[*table as usize];
            let list = if matches!(keys[i], Key::V6) {
                &t.routes6
            } else {
                &t.routes4
            };
            let r = &list[*route as usize];
            prefetch(r);
            routes[i] = Some(r);
        }
    }
    let mut hops: [Option<&NextHopDp>; VECTOR] = [None; VECTOR];
    for (h, r) in hops.iter_mut().zip(&routes) {
        if let Some(nh) = r.and_then(|r| r.nexthops.first()) {
            prefetch(nh);
            *h = Some(nh);
        }
    }
    let mut states: [Option<&Lwt>; VECTOR] = [None; VECTOR];
    for (s, h) in states.iter_mut().zip(&hops) {
        if let Some(l) = h.and_then(|h| h.lwt.as_ref()) {
            l.prefetch();
            *s = Some(l);
        }
    }
    for l in states.iter().flatten() {
        l.prefetch_data();
    }
}

/// Asks the CPU to start loading `p`'s cache line.
#[inline(always)]
pub(crate) fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and reads nothing; SSE is part of
    // the x86-64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (p as *const T).cast(),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Runs the rest of the path as [`super::process`] does, with its accounting.
#[inline]
fn finish(
    dp: &Dataplane,
    w: &mut Worker,
    pkt: &mut PacketBuf,
    rest: impl FnOnce(&mut Cx<'_>, &mut PacketBuf) -> Verdict,
) -> Verdict {
    let (iif, len) = (pkt.meta.iif, pkt.len());
    let v = rest(&mut Cx { dp, w }, pkt);
    super::account(w, iif, len, &v, pkt.len());
    if !w.neigh.reinject.is_empty() {
        w.flush_vxlan(dp);
    }
    v
}

/// What the full path does between the checks and routing: the Ethernet header is
/// pulled and link-layer padding dropped. Returns the source MAC.
#[inline]
fn enter_l3(pkt: &mut PacketBuf) -> [u8; 6] {
    let src_mac: [u8; 6] = pkt.data()[6..12].try_into().expect("classified");
    pkt.pull_front(14);
    let d = pkt.data();
    let total = if d[0] >> 4 == 4 {
        usize::from(u16::from_be_bytes([d[2], d[3]]))
    } else {
        40 + usize::from(u16::from_be_bytes([d[4], d[5]]))
    };
    pkt.truncate(total);
    src_mac
}

/// The flow hash IPv4 `route_input` computes.
#[inline]
fn hash4(d: &[u8]) -> u32 {
    super::flow_hash(&d[12..16], &d[16..20], d[9])
}

/// The flow hash IPv6 `route_input` computes (with the flow label).
#[inline]
fn hash6(d: &[u8]) -> u32 {
    let label = u32::from_be_bytes([0, d[1] & 0x0f, d[2], d[3]]);
    super::flow_hash(&d[8..24], &d[24..40], d[6]) ^ label
}

/// Read-only: is this frame one the batched path takes (a unicast IPv4 or IPv6 packet
/// to this link's MAC, outside any VRF, with valid headers and no martian address, its
/// family's walk flattened)? Anything else goes the full way, which also names the
/// reason of a drop.
#[inline]
fn classify(dp: &Dataplane, pkt: &PacketBuf) -> Key {
    let d = pkt.data();
    let Some(link) = dp.link(pkt.meta.iif) else {
        return Key::Full;
    };
    if !link.up || link.l3_table.is_some() || pkt.meta.tun.is_some() || d.len() < 34 {
        return Key::Full;
    }
    if d[..6] != link.mac {
        return Key::Full;
    }
    match u16::from_be_bytes([d[12], d[13]]) {
        ethertype::IPV4 if dp.flat4.is_some() => {
            let ip = &d[14..];
            // No options (their checks are the full path's), lengths as `ip_rcv_core`.
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            if ip[0] != 0x45 || total < 20 || total > ip.len() {
                return Key::Full;
            }
            if checksum::data(&ip[..20]) != 0xffff {
                return Key::Full;
            }
            let (s, t) = (ip[12], ip[16]);
            let src_bad = s >= 224 || s == 127;
            let dst_bad = t >= 224 || t == 127 || ip[16..20] == [0; 4];
            if src_bad || dst_bad {
                return Key::Full;
            }
            Key::V4
        }
        ethertype::IPV6 if dp.flat6.is_some() && d.len() >= 54 => {
            let ip = &d[14..];
            let total = 40 + usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            if ip[0] >> 4 != 6 || total > ip.len() || ip[8] == 0xff || ip[24] == 0xff {
                return Key::Full;
            }
            Key::V6
        }
        _ => Key::Full,
    }
}
