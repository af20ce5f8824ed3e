//! Batched receive: the common case — a unicast IPv4 or IPv6 packet from a link outside
//! any VRF, routed by a flattened rule walk ([`crate::flat`]) — takes its first routing
//! decision for a whole vector of packets at once, so the FIB's cache misses overlap
//! (VPP's vector processing, the kernel's `ip_list_rcv`).
//!
//! ```text
//! 1. classify   read-only checks of L2 and L3 headers; anything unusual → process()
//! 2. look up    Fib::lookup_batch over the destinations of the vector
//! 3. warm       prefetch the results, then what each points to, a link at a time
//! 4. behave     packets routed to a SID: the seg6local behaviour, up to its next
//!               routing pass (or table lookup); VXLAN datagrams to a local address:
//!               the decapsulation, and the inner frames' lookups in one batch
//! 5. look up    those lookups, batched per L3 domain (or table) and family
//! 6. finish     the rest of the path, from the rules' answers, in packet order
//! ```
//!
//! The classification only accepts packets for which the full path would run exactly
//! these checks to the same conclusion, and `finish` continues where the full path's
//! `route_input` would, so both give the same verdicts, bytes and counters (the
//! `batch_equals_single` tests hold them to it). A behaviour or a decapsulation runs
//! before the packets ahead of it finish; that reorders nothing observable, as it only
//! rewrites its own packet and adds to counters (the metadata trace, whose lines would
//! reorder, keeps decapsulation on the full path).

use lwt_wire::{Ipv4Packet, Ipv6Packet, checksum, ethertype, ip_proto};

use super::output::Hop;
use super::seg6local::{self, Next, Reroute};
use super::{Cx, Verdict, Worker, ip4, ip6, lookup, seg6, vxlan};
use crate::dataplane::{
    Adj, Dataplane, LinkDp, LinkDpKind, NextHopDp, RouteDp, RouteKind, TableDp,
};
use crate::flat::{Flat, FlatEnt, FlatRes, NO_ROUTE};
use crate::lwt::Lwt;
use crate::lwt::seg6local::Seg6Local;
use crate::packet::PacketBuf;
use crate::vxlan::VxlanSock;

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
    w.fit(dp);
    for (pkts, out) in pkts.chunks_mut(VECTOR).zip(out.chunks_mut(VECTOR)) {
        vector(dp, w, pkts, out);
    }
}

fn vector<'a>(dp: &'a Dataplane, w: &mut Worker, pkts: &mut [PacketBuf], out: &mut [Verdict]) {
    let n = pkts.len();
    // Said once (a chunk of `process_batch`), so that indexing the per-packet arrays
    // below needs no check of its own.
    assert!(n <= VECTOR && out.len() == n);
    let mut keys = [Key::Full; VECTOR];
    // Destinations of each family, and which packet each belongs to.
    let (mut d4, mut d6) = ([0u32; VECTOR], [0u128; VECTOR]);
    let (mut n4, mut n6) = (0, 0);
    let mut at = [0u8; VECTOR];
    // What each frame was when received, for the accounting.
    let mut rx = [(0u32, 0usize); VECTOR];
    // The ingress link's checks, once per run of packets from one link (a receive
    // queue's vector is one run).
    let mut link: Option<(u32, Option<&LinkDp>)> = None;
    for (i, pkt) in pkts.iter().enumerate() {
        rx[i] = (pkt.meta.iif, pkt.len());
        let iif = pkt.meta.iif;
        let l = match link {
            Some((seen, l)) if seen == iif => l,
            _ => link.insert((iif, rx_link(dp, iif))).1,
        };
        keys[i] = classify(dp, l, pkt);
        // (`% VECTOR`, here and below, on an index already below it: it spares a
        // bounds check the compiler cannot see is needless.)
        match keys[i] {
            Key::V4 => {
                d4[n4 % VECTOR] =
                    u32::from_be_bytes(pkt.data()[30..34].try_into().expect("classified"));
                at[i] = n4 as u8;
                n4 += 1;
            }
            Key::V6 => {
                d6[n6 % VECTOR] =
                    u128::from_be_bytes(pkt.data()[38..54].try_into().expect("classified"));
                at[i] = n6 as u8;
                n6 += 1;
            }
            Key::Full => {}
        }
    }
    let (mut r4, mut r6) = ([None; VECTOR], [None; VECTOR]);
    if let Some(flat) = &dp.flat4 {
        flat.fib.lookup_batch(&d4[..n4], &mut r4[..n4]);
    }
    if let Some(flat) = &dp.flat6 {
        flat.fib.lookup_batch(&d6[..n6], &mut r6[..n6]);
    }
    // The results the vector landed on, fetched together before they are read.
    let mut ents: [Option<&FlatEnt>; VECTOR] = [None; VECTOR];
    let (f4, f6) = (dp.flat4.as_ref(), dp.flat6.as_ref());
    for i in 0..n {
        ents[i] = match keys[i] {
            Key::V4 => landed(f4, r4[usize::from(at[i]) % VECTOR]),
            Key::V6 => landed(f6, r6[usize::from(at[i]) % VECTOR]),
            Key::Full => None,
        };
        if let Some(e) = ents[i] {
            prefetch(e);
        }
    }
    let (to_sids, to_local) = warm(dp, &keys[..n], &ents[..n]);
    // SID behaviours and decapsulations run up to their routing pass, whose lookups
    // then overlap too. (Left uninitialised when the vector holds no such packet: it
    // is a few KiB.)
    let mut early: Option<[Early<'a>; VECTOR]> = None;
    if to_sids | to_local != 0 {
        let early = early.insert([Early::None; VECTOR]);
        let tables = behaviours(dp, w, pkts, &ents, to_sids, early);
        if to_local != 0 && w.trace.is_none() {
            decapsulate(dp, w, pkts, &keys, to_local, early);
        }
        if tables != 0 {
            second_round(early, tables);
        }
    }
    for (i, pkt) in pkts.iter_mut().enumerate() {
        let early = early.as_ref().map_or(&Early::None, |s| &s[i]);
        out[i] = match (early, keys[i]) {
            (Early::None, Key::Full) => finish(dp, w, pkt, super::receive),
            (Early::None, key) => finish(dp, w, pkt, |cx, pkt| {
                let src_mac = enter_l3(pkt);
                from_entry(
                    cx,
                    pkt,
                    key,
                    Some(src_mac),
                    true,
                    ents[i].unwrap_or(&NO_ROUTE),
                )
            }),
            (Early::Done(v), _) => finish(dp, w, pkt, |_, _| *v),
            (Early::Receive, _) => finish(dp, w, pkt, super::receive),
            (Early::Adj(a, Key::V4), _) => {
                finish(dp, w, pkt, |cx, pkt| ip4::forward_hop(cx, pkt, Hop::Adj(a)))
            }
            (Early::Adj(a, _), _) => {
                finish(dp, w, pkt, |cx, pkt| ip6::forward_hop(cx, pkt, Hop::Adj(a)))
            }
            (
                Early::Lookup {
                    key,
                    src_mac,
                    local_ok,
                    found,
                },
                _,
            ) => finish(dp, w, pkt, |cx, pkt| match (found, key) {
                (Some(e), _) => from_entry(cx, pkt, *key, *src_mac, *local_ok, e),
                // Not looked up (no walk to batch in): the full input routing.
                (None, Key::V6) => ip6::route_input_opts(cx, pkt, *src_mac, *local_ok),
                (None, _) => ip4::route_input(cx, pkt),
            }),
            (Early::Step(next), _) => {
                finish(dp, w, pkt, |cx, pkt| seg6local::perform(cx, pkt, *next))
            }
            (
                Early::Table {
                    t, local_ok, found, ..
                },
                _,
            ) => finish(dp, w, pkt, |cx, pkt| {
                seg6local::by_route(cx, pkt, t, *found, *local_ok)
            }),
        };
    }
    super::account(w, &rx[..n], out, pkts);
}

/// The entry a lookup in `flat` that found `r` forwards by.
#[inline(always)]
fn landed<F>(flat: Option<&Flat<F>>, r: Option<u32>) -> Option<&FlatEnt> {
    Some(flat?.forwarding(r?))
}

/// Runs the behaviour of each packet of `mask` (bit i: packet i) whose route is a SID's,
/// up to what follows it. Returns the packets whose table lookup is next
/// ([`Early::Table`]).
fn behaviours<'a>(
    dp: &'a Dataplane,
    w: &mut Worker,
    pkts: &mut [PacketBuf],
    ents: &[Option<&'a FlatEnt>; VECTOR],
    mask: u32,
    early: &mut [Early<'a>; VECTOR],
) -> u32 {
    let mut cx = Cx { dp, w };
    let mut tables = 0;
    // The routing passes to look up in flattened walks, by family.
    let (mut p4, mut p6) = (Passes::<u32>::new(), Passes::<u128>::new());
    for i in members(mask) {
        let pkt = &mut pkts[i];
        let Some(sl) = ents[i].and_then(|e| sid_of(dp, e, pkt)) else {
            continue;
        };
        enter_l3(pkt);
        // Each arm writes its own variant: one `early[i] = match` kept every variant's
        // fields live and stored all of them, byte by byte.
        let e = &mut early[i];
        match seg6local::begin(&mut cx, pkt, sl) {
            Err(r) => *e = Early::Done(Verdict::Drop(r)),
            // End.X, End.DX6 and End.DX4 through the SID's adjacency, which `perform`
            // takes in the default domain.
            Ok(Next::Nexthop6(Seg6Local { adj: Some(a), .. })) => *e = Early::Adj(a, Key::V6),
            Ok(Next::Reroute(Reroute::V4 { via: Some(a), .. })) => *e = Early::Adj(a, Key::V4),
            // End.DX4's nh4 is the same key for every packet of the SID: its lookup
            // is cache-resident, there is nothing to overlap.
            Ok(next @ Next::Reroute(Reroute::V4 { key: Some(_), .. })) => *e = Early::Step(next),
            Ok(Next::Reroute(r)) => match flat_pass(dp, pkt, r) {
                Some((domain, key, local_ok)) => {
                    let d = pkt.data();
                    match key {
                        Key::V6 => p6.push(
                            domain,
                            u128::from_be_bytes(d[24..40].try_into().expect("IPv6")),
                            i,
                        ),
                        _ => p4.push(
                            domain,
                            u32::from_be_bytes(d[16..20].try_into().expect("IPv4")),
                            i,
                        ),
                    }
                    *e = Early::Lookup {
                        key,
                        src_mac: None,
                        local_ok,
                        found: None,
                    };
                }
                // Its domain's walk is not flattened: `perform` routes it.
                None => *e = Early::Step(Next::Reroute(r)),
            },
            Ok(next @ Next::Table6 { table, local_ok }) => match dp.table_at(table) {
                Some(t) => {
                    *e = Early::Table {
                        t,
                        dst: pkt.data()[24..40].try_into().expect("IPv6"),
                        local_ok,
                        found: None,
                    };
                    tables |= 1 << i;
                }
                // `perform` drops it (no such table).
                None => *e = Early::Step(next),
            },
            Ok(next) => *e = Early::Step(next),
        }
    }
    look_up(dp, &p4, &p6, early);
    tables
}

/// The L3 domain (the index of a VRF's table, `None`: the default), family and
/// `local_ok` of the routing pass `r`, when that pass is keyed by the destination alone
/// and its domain's walk is flattened; the VRF device then becomes the ingress, as in
/// `reroute`. (The packet was received in the default domain: it was classified so.)
#[inline]
fn flat_pass(dp: &Dataplane, pkt: &mut PacketBuf, r: Reroute) -> Option<(Option<u32>, Key, bool)> {
    let (domain, v6, local_ok, vrf) = match r {
        Reroute::V6 { local_ok } => (None, true, local_ok, None),
        Reroute::V4 { key: None, .. } => (None, false, true, None),
        Reroute::V4 { .. } => return None,
        Reroute::Vrf { ifindex, v6 } => {
            let link = dp.link(ifindex).filter(|l| l.kind == LinkDpKind::Vrf)?;
            (Some(link.l3_table_at?), v6, true, Some(ifindex))
        }
    };
    let key = if v6 {
        lookup::domain6(dp, domain)?;
        Key::V6
    } else {
        lookup::domain4(dp, domain)?;
        Key::V4
    };
    if let Some(ifindex) = vrf {
        pkt.meta.iif = ifindex;
    }
    Some((domain, key, local_ok))
}

/// Routing passes of one family to look up in flattened walks: each one's destination
/// (as the FIB keys it), packet, and L3 domain (the index of a VRF's table, `None`: the
/// default).
struct Passes<K> {
    dst: [K; VECTOR],
    at: [u8; VECTOR],
    domain: [Option<u32>; VECTOR],
    n: usize,
    /// Packets (bit i: packet i) whose pass is the one pushed just before theirs (a
    /// binding SID's or one flow's packets): they take the entry of packet `lead[i]`.
    same: u32,
    lead: [u8; VECTOR],
}

impl<K: Copy + Default + PartialEq> Passes<K> {
    fn new() -> Self {
        Passes {
            dst: [K::default(); VECTOR],
            at: [0; VECTOR],
            domain: [None; VECTOR],
            n: 0,
            same: 0,
            lead: [0; VECTOR],
        }
    }

    /// Adds packet `i`'s pass to `dst`.
    #[inline]
    fn push(&mut self, domain: Option<u32>, dst: K, i: usize) {
        let n = self.n;
        // The pass before (the modulo spares a bounds check; `n > 0` decides).
        let last = n.wrapping_sub(1) % VECTOR;
        if n > 0 && self.dst[last] == dst && self.domain[last] == domain {
            self.same |= 1 << i;
            self.lead[i] = self.at[last];
            return;
        }
        (self.dst[n], self.at[n], self.domain[n]) = (dst, i as u8, domain);
        self.n += 1;
    }

    /// Looks the passes up, one batch per domain: `walk(domain, keys, out)` looks `keys`
    /// up in that domain's flattened walk and returns that walk (`None`: no such walk;
    /// those packets take the full input routing).
    fn look_up<'a, F: 'a>(
        &self,
        early: &mut [Early<'a>; VECTOR],
        walk: impl Fn(Option<u32>, &[K], &mut [Option<u32>]) -> Option<&'a Flat<F>>,
    ) {
        self.look_up_distinct(early, walk);
        for i in members(self.same) {
            let lead = match early[usize::from(self.lead[i])] {
                Early::Lookup { found, .. } => found,
                _ => None,
            };
            if let Early::Lookup { found, .. } = &mut early[i] {
                *found = lead;
            }
        }
    }

    /// [`Passes::look_up`] without the packets whose pass repeats the one before.
    fn look_up_distinct<'a, F: 'a>(
        &self,
        early: &mut [Early<'a>; VECTOR],
        walk: impl Fn(Option<u32>, &[K], &mut [Option<u32>]) -> Option<&'a Flat<F>>,
    ) {
        let n = self.n;
        let Some(&first) = self.domain[..n].first() else {
            return;
        };
        // The common case, every pass in one domain: no regrouping.
        if self.domain[..n].iter().all(|&d| d == first) {
            return lookup_round(&self.dst[..n], &self.at[..n], first, &walk, early);
        }
        let mut grouped = [false; VECTOR];
        for i in 0..n {
            if grouped[i] {
                continue;
            }
            let domain = self.domain[i];
            let (mut keys, mut at, mut m) = ([K::default(); VECTOR], [0u8; VECTOR], 0);
            for (j, g) in grouped[..n].iter_mut().enumerate().skip(i) {
                if self.domain[j] == domain {
                    *g = true;
                    (keys[m], at[m]) = (self.dst[j], self.at[j]);
                    m += 1;
                }
            }
            lookup_round(&keys[..m], &at[..m], domain, &walk, early);
        }
    }
}

/// Looks up the passes of both families, each in its domain's flattened walk.
fn look_up<'a>(
    dp: &'a Dataplane,
    p4: &Passes<u32>,
    p6: &Passes<u128>,
    early: &mut [Early<'a>; VECTOR],
) {
    p4.look_up(early, |domain, keys, out| {
        let flat = lookup::domain4(dp, domain)?;
        flat.fib.lookup_batch(keys, out);
        Some(flat)
    });
    p6.look_up(early, |domain, keys, out| {
        let flat = lookup::domain6(dp, domain)?;
        flat.fib.lookup_batch(keys, out);
        Some(flat)
    });
}

/// Decapsulates each packet of `mask` (bit i: packet i, routed to a local address)
/// that local delivery hands to a VXLAN socket, as [`vxlan::rcv`] does; the inner
/// frames the batch takes are received as [`super::receive`] receives them, up to
/// their lookup, and looked up together.
fn decapsulate<'a>(
    dp: &'a Dataplane,
    w: &mut Worker,
    pkts: &mut [PacketBuf],
    keys: &[Key; VECTOR],
    mask: u32,
    early: &mut [Early<'a>; VECTOR],
) {
    let mut cx = Cx { dp, w };
    // The inner frames to look up, by family.
    let (mut p4, mut p6) = (Passes::<u32>::new(), Passes::<u128>::new());
    for i in members(mask) {
        let pkt = &mut pkts[i];
        let Some((sock, l4)) = vxlan_target(dp, pkt, keys[i]) else {
            continue;
        };
        enter_l3(pkt);
        early[i] = match vxlan::decap(&mut cx, pkt, l4, sock) {
            Err(r) => Early::Done(Verdict::Drop(r)),
            Ok(()) => {
                // Classified for the default domain, whose walks are flattened.
                let (key, d) = (classify_frame(dp, pkt), pkt.data());
                match key {
                    Key::V4 => p4.push(
                        None,
                        u32::from_be_bytes(d[30..34].try_into().expect("IPv4")),
                        i,
                    ),
                    Key::V6 => p6.push(
                        None,
                        u128::from_be_bytes(d[38..54].try_into().expect("IPv6")),
                        i,
                    ),
                    Key::Full => {
                        early[i] = Early::Receive;
                        continue;
                    }
                }
                Early::Lookup {
                    key,
                    src_mac: Some(enter_l3(pkt)),
                    local_ok: true,
                    found: None,
                }
            }
        };
    }
    look_up(dp, &p4, &p6, early);
}

/// Looks up the destinations `keys` (of packets `at`, each an [`Early::Lookup`]) in
/// `domain`'s flattened walk (see [`Passes::look_up`]), in one batch, and records each
/// one's entry. (Not an entry past a VRF's `l3mdev` rule: that packet takes the full
/// input routing.)
fn lookup_round<'a, K, F: 'a>(
    keys: &[K],
    at: &[u8],
    domain: Option<u32>,
    walk: impl Fn(Option<u32>, &[K], &mut [Option<u32>]) -> Option<&'a Flat<F>>,
    early: &mut [Early<'a>; VECTOR],
) {
    let mut found = [None; VECTOR];
    let Some(flat) = walk(domain, keys, &mut found[..keys.len()]) else {
        return;
    };
    for (&i, r) in at.iter().zip(&found) {
        if let Early::Lookup { found: e, .. } = &mut early[usize::from(i) % VECTOR] {
            let ent = r.map_or(&NO_ROUTE, |v| flat.forwarding(v));
            if matches!(ent.res, FlatRes::PastL3mdev) {
                continue;
            }
            prefetch(ent);
            *e = Some(ent);
        }
    }
}

/// The packets of a vector's `mask` (bit i: packet i), in order.
#[inline(always)]
fn members(mask: u32) -> impl Iterator<Item = usize> {
    let mut bits = mask;
    std::iter::from_fn(move || {
        let i = bits.trailing_zeros() as usize;
        bits &= bits.wrapping_sub(1);
        (i < 32).then_some(i)
    })
}

/// Input routing of a packet at L3 (`key`: its family) from its domain's flattened
/// walk's entry, as `route_input_opts` goes on from it ([`Pass::finish_flat`]):
/// the adjacency, the `encap seg6` state (through what `lwt_input` does: received
/// tunnel metadata dropped), else what the walk decided.
#[inline(always)]
fn from_entry(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    key: Key,
    src_mac: Option<[u8; 6]>,
    local_ok: bool,
    e: &FlatEnt,
) -> Verdict {
    let v6 = matches!(key, Key::V6);
    let hash = |d: &[u8]| if v6 { super::flow_hash6(d) } else { hash4(d) };
    match (&e.adj, e.seg6.as_deref()) {
        (Some(a), _) if v6 => ip6::forward_hop(cx, pkt, Hop::Adj(a)),
        (Some(a), _) => ip4::forward_hop(cx, pkt, Hop::Adj(a)),
        (None, Some(s)) => {
            pkt.meta.tun = None;
            let hash = s.flow_hash(|| hash(pkt.data()));
            seg6::input(cx, pkt, s, hash)
        }
        (None, None) => {
            let (res, hash) = (lookup::res(cx.dp, e.res, v6), hash(pkt.data()));
            if v6 {
                ip6::routed(cx, pkt, res, hash, src_mac, local_ok)
            } else {
                ip4::routed(cx, pkt, res, hash)
            }
        }
    }
}

/// The VXLAN socket and UDP header offset of a classified packet routed to a local
/// address, when local delivery (`ip4::local`, `ip6::local`) would hand it to
/// [`vxlan::rcv`]: UDP, not a fragment, right after an IPv6 header (the rest takes the
/// full path's header walk), to a port a socket listens on.
#[inline]
fn vxlan_target<'a>(
    dp: &'a Dataplane,
    pkt: &PacketBuf,
    key: Key,
) -> Option<(&'a VxlanSock, usize)> {
    let ip = &pkt.data()[14..];
    let (l4, total) = match key {
        Key::V4 => {
            let h = Ipv4Packet::new_unchecked(ip);
            let udp = h.protocol() == ip_proto::UDP && !h.is_fragment();
            (udp.then_some(20)?, usize::from(h.total_len()))
        }
        Key::V6 => {
            let h = Ipv6Packet::new_unchecked(ip);
            let udp = h.next_header() == ip_proto::UDP;
            (udp.then_some(40)?, h.total_len())
        }
        Key::Full => return None,
    };
    // Within the IP packet, as the full path sees it once link-layer padding is gone.
    Some((vxlan::sock(dp, &ip[..total], pkt.meta.iif, l4)?, l4))
}

/// A packet whose first route led to work that runs ahead of its finish: a SID's
/// behaviour, or a VXLAN decapsulation.
#[derive(Clone, Copy)]
enum Early<'a> {
    /// Nothing ran ahead.
    None,
    /// Dropped by the behaviour (already counted under the SID) or the decapsulation.
    Done(Verdict),
    /// A decapsulated frame the batch does not take: received as [`super::receive`]
    /// receives it.
    Receive,
    /// An input routing pass keyed by the packet's destination alone, in a flattened
    /// walk: a decapsulated frame's the batch takes, or a packet's after a behaviour
    /// that routes again ([`flat_pass`]). Its family, its sender's MAC (a received
    /// frame's, for local delivery), whether a local result delivers (false: SID
    /// re-entry, a silent discard), and its entry once its round ran (`None`: it takes
    /// the full input routing).
    Lookup {
        key: Key,
        src_mac: Option<[u8; 6]>,
        local_ok: bool,
        found: Option<&'a FlatEnt>,
    },
    /// Forwarding through the SID's adjacency (of the family `Key`) is next.
    Adj(&'a Adj, Key),
    /// Another step than a batched routing pass is next.
    Step(Next<'a>),
    /// A lookup of the IPv6 destination `dst` in table `t` is next, with the `fib6`
    /// value it found once the vector's round ran (after [`second_round`]: a value
    /// that is no adjacency, those became [`Early::Adj`]).
    Table {
        t: &'a TableDp,
        /// Bytes rather than a `u128`, whose alignment would grow every `Early`.
        dst: [u8; 16],
        local_ok: bool,
        found: Option<u32>,
    },
}

/// The seg6local state, when `e` leads input routing to a SID's behaviour (`routed` →
/// `dispatch` → `unicast` → `lwt_input`).
#[inline]
fn sid_of<'a>(dp: &'a Dataplane, e: &'a FlatEnt, pkt: &PacketBuf) -> Option<&'a Seg6Local> {
    match e.sid.as_deref() {
        // The common case, one next hop: the result leads to the state directly.
        Some(sl) => Some(sl),
        None => {
            let FlatRes::Route { table, route } = e.res else {
                return None;
            };
            let r = &dp.tables[table as usize].routes6[route as usize];
            if e.adj.is_some() || e.seg6.is_some() || r.kind != RouteKind::Unicast {
                return None;
            }
            // The flow hash `route_input` computed, read only to choose among the
            // SID route's next hops.
            let h = if r.nexthops.len() > 1 {
                super::flow_hash6(&pkt.data()[14..])
            } else {
                0
            };
            let Lwt::Seg6Local(sl) = lookup::select_nexthop(r, h)?.lwt.as_ref()? else {
                return None;
            };
            Some(sl)
        }
    }
}

/// The second lookup round of End.T and End.DT6 in table mode, for the packets of
/// `tables` (each an [`Early::Table`]): each table's lookups in one `lookup_batch`. (The
/// routing passes were looked up as their behaviours ran.)
fn second_round(early: &mut [Early<'_>; VECTOR], tables: u32) {
    let mut left = tables;
    while left != 0 {
        left &= match early[left.trailing_zeros() as usize] {
            Early::Table { t, .. } => !table_round(early, left, t),
            _ => left - 1,
        };
    }
    // The table lookups' adjacencies were fetched in their round: a packet with one
    // forwards through it next, as `in_table` would, the others from their route
    // (`by_route`), which is fetched a link further, across the vector (as `warm` does).
    for i in members(tables) {
        if let Early::Table {
            t, found: Some(v), ..
        } = early[i]
        {
            match t.adjacency6(v) {
                Some(a) => early[i] = Early::Adj(a, Key::V6),
                None => prefetch(&t.routes6[t.route6(v)]),
            }
        }
    }
}

/// The lookups in table `t` of the packets of `left` in one batch; returns those packets.
fn table_round(early: &mut [Early<'_>; VECTOR], left: u32, t: &TableDp) -> u32 {
    let (mut idx, mut keys, mut m, mut done) = ([0u8; VECTOR], [0u128; VECTOR], 0, 0);
    for j in members(left) {
        if let Early::Table { t: tj, dst, .. } = early[j]
            && std::ptr::eq(tj, t)
        {
            (idx[m], keys[m]) = (j as u8, u128::from_be_bytes(dst));
            m += 1;
            done |= 1 << j;
        }
    }
    let mut found = [None; VECTOR];
    t.fib6.lookup_batch(&keys[..m], &mut found[..m]);
    for (&j, r) in idx[..m].iter().zip(&found[..m]) {
        if let Early::Table { found: f, .. } = &mut early[usize::from(j)] {
            *f = *r;
            // A class's adjacency is at hand; a route's own is fetched.
            if let Some(v) = r
                && t.classes6.get(*v).is_none()
            {
                prefetch(&t.adj6[t.route6(*v)]);
            }
        }
    }
    done
}

/// For results that are more than an adjacency, the chain the path will read — route,
/// next hop, LWT state, its template (or for an encapsulation, its state and template;
/// for a single-path SID, its state) — is fetched a link at a time across the whole
/// vector, so each link's misses overlap (at 100k routes each is a cache miss).
/// Returns the IPv6 packets (bit i: packet i) whose route's state is a SID's, and the
/// packets whose route is local.
fn warm(dp: &Dataplane, keys: &[Key], ents: &[Option<&FlatEnt>]) -> (u32, u32) {
    let mut routes: [Option<&RouteDp>; VECTOR] = [None; VECTOR];
    let (mut sids, mut any_route) = (0, false);
    for (i, e) in ents.iter().enumerate() {
        match e {
            Some(FlatEnt {
                adj: None,
                seg6: Some(s),
                ..
            }) => s.prefetch(),
            Some(FlatEnt {
                adj: None,
                sid: Some(s),
                ..
            }) if matches!(keys[i], Key::V6) => {
                prefetch(&**s);
                sids |= 1 << i;
            }
            _ => {}
        }
        if let Some(FlatEnt {
            res: FlatRes::Route { table, route },
            adj: None,
            seg6: None,
            sid: None,
            ..
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
            any_route = true;
        }
    }
    if !any_route {
        return (sids, 0);
    }
    let mut hops: [Option<&NextHopDp>; VECTOR] = [None; VECTOR];
    let mut locals = 0;
    for (i, (h, r)) in hops.iter_mut().zip(&routes).enumerate() {
        let Some(r) = r else { continue };
        if r.kind == RouteKind::Local {
            locals |= 1 << i;
        }
        if let Some(nh) = r.nexthops.first() {
            prefetch(nh);
            *h = Some(nh);
        }
    }
    for (i, h) in hops.iter().enumerate() {
        if let Some(l) = h.and_then(|h| h.lwt.as_ref()) {
            l.prefetch();
            if matches!(l, Lwt::Seg6Local(_)) && matches!(keys[i], Key::V6) {
                sids |= 1 << i;
            }
        }
    }
    (sids, locals)
}

/// Asks the CPU to start loading `p`'s cache line.
#[inline(always)]
pub(crate) fn prefetch<T>(p: &T) {
    prefetch_addr((p as *const T).cast());
}

/// Asks the CPU to start loading the cache line of `p`, any address.
#[inline(always)]
pub(crate) fn prefetch_addr(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and reads nothing, whatever the
    // address; SSE is part of the x86-64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Runs the rest of the path as [`super::process`] does (the vector is counted at its
/// end, [`super::account`]).
#[inline]
fn finish(
    dp: &Dataplane,
    w: &mut Worker,
    pkt: &mut PacketBuf,
    rest: impl FnOnce(&mut Cx<'_>, &mut PacketBuf) -> Verdict,
) -> Verdict {
    let v = rest(&mut Cx { dp, w }, pkt);
    if !w.neigh.reinject.is_empty() {
        w.flush_vxlan(dp);
    }
    v
}

/// What the full path does between the checks and routing: the Ethernet header is
/// pulled and link-layer padding dropped. Returns the source MAC.
#[inline]
fn enter_l3(pkt: &mut PacketBuf) -> [u8; 6] {
    // One bounds check for all that is read (a classified frame holds at least this).
    let h: &[u8; 20] = pkt.data()[..20].try_into().expect("classified");
    let src_mac = [h[6], h[7], h[8], h[9], h[10], h[11]];
    let total = if h[14] >> 4 == 4 {
        usize::from(u16::from_be_bytes([h[16], h[17]]))
    } else {
        40 + usize::from(u16::from_be_bytes([h[18], h[19]]))
    };
    pkt.pull_front(14);
    pkt.truncate(total);
    src_mac
}

/// The flow hash IPv4 `route_input` computes.
#[inline(always)]
fn hash4(d: &[u8]) -> u32 {
    super::flow_hash(&d[12..16], &d[16..20], d[9])
}

/// Read-only: is this received frame one the batched path takes (see
/// [`classify_frame`])? Not with tunnel metadata: the encapsulation and SID arms
/// skip `lwt_input`, which drops it. `link`: [`rx_link`] of its ingress.
#[inline]
fn classify(dp: &Dataplane, link: Option<&LinkDp>, pkt: &PacketBuf) -> Key {
    match link {
        Some(link) if pkt.meta.tun.is_none() => classify_on(dp, link, pkt),
        _ => Key::Full,
    }
}

/// Read-only: is this frame one the batched path routes (a unicast IPv4 or IPv6 packet
/// to this link's MAC, outside any VRF, with valid headers and no martian address, its
/// family's walk flattened)? Anything else goes the full way, which also names the
/// reason of a drop. A flattened walk reads neither tunnel metadata nor the mark.
#[inline(always)]
fn classify_frame(dp: &Dataplane, pkt: &PacketBuf) -> Key {
    rx_link(dp, pkt.meta.iif).map_or(Key::Full, |l| classify_on(dp, l, pkt))
}

/// The link `iif`, if the batched path may take its frames: up and outside any VRF.
#[inline(always)]
fn rx_link(dp: &Dataplane, iif: u32) -> Option<&LinkDp> {
    dp.link(iif).filter(|l| l.up && l.l3_table.is_none())
}

/// [`classify_frame`] for a frame from `link`, which [`rx_link`] accepted.
#[inline(always)]
fn classify_on(dp: &Dataplane, link: &LinkDp, pkt: &PacketBuf) -> Key {
    let d = pkt.data();
    if d.len() < 34 {
        return Key::Full;
    }
    // As arrays, compared in two loads (a slice is compared through its length).
    let dst: [u8; 6] = d[..6].try_into().expect("34 bytes");
    if dst != link.mac {
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
