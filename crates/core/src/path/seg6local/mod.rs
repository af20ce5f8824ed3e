//! seg6local behaviours in the packet path (`seg6_local_input`).
//!
//! Each behaviour is a function from the packet to a [`Next`] step or a drop reason;
//! this module runs the step, keeps the SID's counters (by outcome, as the kernel's
//! `count` does) and counts every drop under its reason.

mod binding;
mod decap;
mod end;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_wire::Ipv6Packet;
use lwt_wire::srh::{self, SrhPacket};

use super::lookup::{self, Flow, Pass, Res};
use super::output::Hop;
use super::{Cx, Verdict, icmp, ip4, ip6};
use crate::dataplane::{Adj, Dataplane, LinkDpKind, NextHopDp, RouteKind, TableDp};
use crate::drop_reason::DropReason;
use crate::lwt::hmac;
use crate::lwt::seg6local::{Action, Seg6Local};
use crate::packet::PacketBuf;

/// What to do with the packet once the behaviour has rewritten it. Two words, cheap to
/// return and to keep per packet: what is the SID's stays in its state, by reference.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Next<'a> {
    /// Input routing again (a vector batches these lookups).
    Reroute(Reroute<'a>),
    /// Forward towards the SID's explicit next hop (End.X, End.DX6 with nh6): the
    /// neighbour is that address unless its route has a gateway (the kernel's
    /// KNOWN_NH). [`Seg6Local::adj`]: what that resolves to from the default L3 domain.
    Nexthop6(&'a Seg6Local),
    /// Look up the destination in one table only: the snapshot's tables' `table`-th
    /// ([`Seg6Local::table_at`]; `None`: no such table).
    Table6 { table: Option<u32>, local_ok: bool },
    /// Send the frame unchanged on a link (End.DX2).
    Tx(u32),
}

const _: () = assert!(size_of::<Step<'static>>() == 16);

/// The input routing passes a behaviour can end with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reroute<'a> {
    /// Input lookup of the IPv6 destination; a local result is discarded unless allowed.
    V6 { local_ok: bool },
    /// IPv4 input routing, optionally keyed by another address (End.DX4's nh4); `via`:
    /// where that key leads from the default L3 domain, when the snapshot could tell.
    V4 {
        key: Option<Ipv4Addr>,
        via: Option<&'a Adj>,
    },
    /// Receive the decapsulated packet on a VRF device and route it in its table.
    Vrf { ifindex: u32, v6: bool },
}

pub(crate) type Step<'a> = Result<Next<'a>, DropReason>;

pub(crate) fn input(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &Seg6Local) -> Verdict {
    match begin(cx, pkt, sl) {
        Ok(next) => perform(cx, pkt, next),
        Err(r) => Verdict::Drop(r),
    }
}

/// The behaviour, counted under the SID: what is left to do, or the drop. (A `Step`
/// comes back as is: mapping it to another enum re-encodes it field by field.)
#[inline(always)]
pub(crate) fn begin<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    let len = pkt.len();
    let step = if pkt.data().first().map(|b| b >> 4) != Some(6) {
        Err(DropReason::Ipv6Malformed)
    } else {
        super::seg6::enter(pkt).and_then(|_| behave(cx, pkt, sl))
    };
    match step {
        Ok(_) => cx.w.stats.sid(sl.slot).ok.add(len),
        Err(r) => cx.w.stats.sid_drop(sl.slot, r),
    }
    step
}

/// The dispatch table: action → handler.
fn behave<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    match sl.action {
        Action::End => end::end(cx, pkt, sl),
        Action::EndX => end::end_x(cx, pkt, sl),
        Action::EndT => end::end_t(cx, pkt, sl),
        Action::EndDX2 => decap::dx2(cx, pkt, sl),
        Action::EndDX6 => decap::dx6(cx, pkt, sl),
        Action::EndDX4 => decap::dx4(cx, pkt, sl),
        Action::EndDT6 => decap::dt6(cx, pkt, sl),
        Action::EndDT4 => decap::dt4(cx, pkt, sl),
        Action::EndDT46 => decap::dt46(cx, pkt, sl),
        Action::EndB6 => binding::b6(cx, pkt, sl),
        Action::EndB6Encaps => binding::b6_encaps(cx, pkt, sl),
    }
}

/// The step after the behaviour.
pub(crate) fn perform(cx: &mut Cx<'_>, pkt: &mut PacketBuf, next: Next) -> Verdict {
    match next {
        Next::Reroute(Reroute::V4 { via: Some(a), .. }) if default_domain(cx, pkt) => {
            ip4::forward_hop(cx, pkt, Hop::Adj(a))
        }
        Next::Reroute(r) => match reroute(cx, pkt, r) {
            Ok(pass) => pass.run(cx, pkt),
            Err(r) => Verdict::Drop(r),
        },
        Next::Nexthop6(sl) => toward6(cx, pkt, sl),
        Next::Table6 { table, local_ok } => match cx.dp.table_at(table) {
            Some(t) => {
                let dst = Ipv6Packet::new_unchecked(pkt.data()).dst_addr();
                in_table(cx, pkt, t, t.fib6.lookup(u128::from(dst)), local_ok)
            }
            // A table that does not exist is the blackhole.
            None => Verdict::Drop(DropReason::SidNoRoute),
        },
        Next::Tx(oif) => Verdict::Tx(oif),
    }
}

/// What a lookup in one table only (End.T, End.DT6 legacy mode) does with its answer,
/// `found` (a `t.fib6` value): through the route's adjacency when it has one
/// ([`TableDp::adjacency6`], one fetch), else from the route. A multipath route
/// chooses by the flow hash of the packet as looked up, as `seg6_lookup_any_nexthop`'s
/// flow is (after End.T, the next segment; after End.DT6, the inner packet's header):
/// hashed only then.
#[inline]
pub(crate) fn in_table(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    t: &TableDp,
    found: Option<u32>,
    local_ok: bool,
) -> Verdict {
    if let Some(a) = found.and_then(|v| t.adjacency6(v)) {
        return ip6::forward_hop(cx, pkt, Hop::Adj(a));
    }
    by_route(cx, pkt, t, found, local_ok)
}

/// [`in_table`] for an answer that is no adjacency: from its route (`None`: the table's
/// null entry). Out of line, so that forwarding through an adjacency inlines without
/// its register saves.
#[inline(never)]
pub(crate) fn by_route(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    t: &TableDp,
    found: Option<u32>,
    local_ok: bool,
) -> Verdict {
    match found.map(|v| &t.routes6[t.route6(v)]) {
        // The table's null entry: ICMPv6 no route, as `ip6_pkt_discard` sends.
        None => icmp::error6(
            cx,
            pkt,
            lwt_wire::icmpv6::TYPE_DEST_UNREACH,
            0,
            0,
            DropReason::SidNoRoute,
        ),
        Some(r) if r.kind == RouteKind::Local && !local_ok => {
            Verdict::Drop(DropReason::SidLocalDelivery)
        }
        Some(r) => {
            let hash = super::flow_hash6(pkt.data());
            ip6::dispatch(cx, pkt, r, hash, None)
        }
    }
}

/// The routing pass up to its lookup; `Err` when the VRF device is gone.
pub(crate) fn reroute(
    cx: &Cx<'_>,
    pkt: &mut PacketBuf,
    r: Reroute<'_>,
) -> Result<Pass, DropReason> {
    Ok(match r {
        Reroute::V6 { local_ok } => ip6::pass(cx, pkt, None, local_ok),
        Reroute::V4 { key, .. } => ip4::pass(cx, pkt, key),
        Reroute::Vrf { ifindex, v6 } => {
            if cx
                .dp
                .link(ifindex)
                .is_none_or(|l| l.kind != LinkDpKind::Vrf)
            {
                return Err(DropReason::VrfGone);
            }
            // vrf_l3_rcv: the VRF device becomes the ingress device.
            pkt.meta.iif = ifindex;
            if v6 {
                ip6::pass(cx, pkt, None, true)
            } else {
                ip4::pass(cx, pkt, None)
            }
        }
    })
}

/// `seg6_lookup_any_nexthop` with the SID's explicit next hop, then `ip6_forward`.
fn toward6(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &Seg6Local) -> Verdict {
    if let Some(a) = &sl.adj
        && default_domain(cx, pkt)
    {
        return ip6::forward_hop(cx, pkt, Hop::Adj(a));
    }
    let (nh, oif) = nexthop6(sl);
    let (iif, mark) = (pkt.meta.iif, pkt.meta.mark);
    let link = cx.dp.link(iif);
    let l3_table = link.and_then(|l| l.l3_table);
    let l3_dev = link.map_or(0, |l| l.l3_dev);
    let flow = Flow {
        iif: if l3_dev != 0 { l3_dev } else { iif },
        oif: oif.unwrap_or(0),
        l3_table,
        src: IpAddr::V6(Ipv6Packet::new_unchecked(pkt.data()).src_addr()),
        dst: IpAddr::V6(nh),
        mark,
        tun_id: 0,
    };
    match hop6(cx.dp, &flow, oif) {
        Ok(hop) => ip6::forward(cx, pkt, &hop),
        Err(r) => Verdict::Drop(r),
    }
}

/// The next hop towards `flow.dst` (`seg6_lookup_any_nexthop`): on `oif` directly for a
/// link-local or unspecified address, else through its route (which must be unicast),
/// its gateway if it has one, else the address itself.
fn hop6(dp: &Dataplane, flow: &Flow, oif: Option<u32>) -> Result<NextHopDp, DropReason> {
    let IpAddr::V6(nh) = flow.dst else {
        return Err(DropReason::SidNoRoute);
    };
    let direct = |gateway: IpAddr, oif: u32| NextHopDp {
        gateway: Some(gateway),
        oif,
        weight: 1,
        lwt: None,
        adj: None,
    };
    if let Some(oif) = oif
        && (nh.is_unicast_link_local() || nh.is_unspecified())
    {
        return Ok(direct(flow.dst, oif));
    }
    let route = match lookup::lookup(dp, flow) {
        Res::Route(r) => r,
        _ => return Err(DropReason::SidNoRoute),
    };
    match route.kind {
        RouteKind::Unicast => {}
        RouteKind::Local => return Err(DropReason::SidLocalDelivery),
        _ => return Err(DropReason::SidNoRoute),
    }
    let chosen = oif
        .and_then(|o| route.nexthops.iter().find(|n| n.oif == o))
        .or_else(|| lookup::select_nexthop(route, 0));
    let n = chosen.ok_or(DropReason::SidNoRoute)?;
    Ok(direct(n.gateway.unwrap_or(flow.dst), oif.unwrap_or(n.oif)))
}

/// Whether the packet was received in the default L3 domain (where a SID's adjacency,
/// resolved from there, applies).
fn default_domain(cx: &Cx<'_>, pkt: &PacketBuf) -> bool {
    cx.dp
        .link(pkt.meta.iif)
        .is_some_and(|l| l.l3_table.is_none())
}

/// The adjacency End.X, End.DX6 or End.DX4 (`sl`) forwards to from the default L3
/// domain, when the rule walk there depends on the destination only (so the packet
/// cannot change it): computed with the snapshot, as the route's own adjacencies are.
pub(crate) fn sid_adjacency(dp: &Dataplane, sl: &Seg6Local) -> Option<Adj> {
    if let Some(nh4) = sl
        .nh4
        .filter(|a| sl.action == Action::EndDX4 && !a.is_unspecified())
    {
        // Input routing keyed by nh4 forwards through its result's adjacency, unless that
        // is a host entry's (the neighbour is then the packet's destination).
        let e = lookup::flat_entry(dp, None, IpAddr::V4(nh4))?;
        return e.adj.filter(|_| !e.host);
    }
    let explicit = matches!(sl.action, Action::EndX | Action::EndDX6) && sl.nh6.is_some();
    let (nh, oif) = nexthop6(sl);
    if !explicit || dp.flat6.is_none() || (sl.action == Action::EndDX6 && nh.is_unspecified()) {
        return None;
    }
    let flow = Flow {
        iif: 0,
        oif: oif.unwrap_or(0),
        l3_table: None,
        src: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        dst: IpAddr::V6(nh),
        mark: 0,
        tun_id: 0,
    };
    let hop = hop6(dp, &flow, oif).ok()?;
    dp.adjacency(hop.oif, hop.gateway?)
}

/// The explicit next hop of End.X or End.DX6 (`sl`), and the link End.X is bound to
/// (End.DX6 forwards without one).
fn nexthop6(sl: &Seg6Local) -> (Ipv6Addr, Option<u32>) {
    let nh = sl.nh6.unwrap_or(Ipv6Addr::UNSPECIFIED);
    (nh, sl.oif.filter(|_| sl.action == Action::EndX))
}

/// `seg6_hmac_validate_skb` for the SRH at `off`, with the ingress link's
/// `seg6_require_hmac`.
pub(crate) fn hmac_check(cx: &Cx<'_>, pkt: &PacketBuf, off: usize) -> Result<(), DropReason> {
    let require = cx.dp.link(pkt.meta.iif).map_or(0, |l| l.seg6_require_hmac);
    if require < 0 {
        return Ok(());
    }
    let data = pkt.data();
    let srh = SrhPacket::new_unchecked(&data[off..]);
    let tlv = srh.hmac_tlv().filter(|_| srh.has_hmac_flag());
    let Some(tlv) = tlv else {
        return if require > 0 {
            Err(DropReason::HmacRequired)
        } else {
            Ok(())
        };
    };
    let key = cx
        .dp
        .hmac_keys
        .get(&tlv.key_id())
        .ok_or(DropReason::HmacInvalid)?;
    let src = Ipv6Packet::new_unchecked(data).src_addr();
    let mut text = [0u8; 16 + 6 + 16 * 256];
    let n = srh::hmac_input(&src, &srh, &mut text);
    if hmac::compute(key, &text[..n])[..] != *tlv.hmac() {
        return Err(DropReason::HmacInvalid);
    }
    Ok(())
}

/// `get_and_validate_srh`: the first SRH with SL > 0, valid (reduced form allowed) and
/// passing the HMAC check. Returns its offset.
#[inline]
pub(crate) fn srh_with_sl(cx: &Cx<'_>, pkt: &PacketBuf) -> Result<usize, DropReason> {
    if plain_srh(cx, pkt).is_some() {
        return Ok(lwt_wire::ipv6::HEADER_LEN);
    }
    srh_walk(cx, pkt)
}

/// [`srh_with_sl`], then [`advance`] the SRH it found. In the common case both are a
/// few loads and stores: the SL [`plain_srh`] read is known to be within the segment
/// list, and the list within the packet.
#[inline(always)]
pub(crate) fn next_segment(cx: &Cx<'_>, pkt: &mut PacketBuf) -> Result<(), DropReason> {
    use lwt_wire::ipv6::HEADER_LEN;
    let Some(sl) = plain_srh(cx, pkt) else {
        let off = srh_walk(cx, pkt)?;
        return advance(pkt, off);
    };
    let d = pkt.data_mut();
    let sl = sl - 1;
    let mut srh = SrhPacket::new_unchecked(&mut d[HEADER_LEN..]);
    srh.set_segments_left(sl);
    let at = srh::FIXED_LEN + 16 * usize::from(sl);
    let next: [u8; 16] = srh.into_inner()[at..at + 16].try_into().expect("16 bytes");
    Ipv6Packet::new_unchecked(d).set_dst_addr(next.into());
    Ok(())
}

/// [`srh_with_sl`] beyond the common case: the extension header walk. Kept out of line
/// so that the common case inlines without the walk's register saves.
#[inline(never)]
fn srh_walk(cx: &Cx<'_>, pkt: &PacketBuf) -> Result<usize, DropReason> {
    let ip = Ipv6Packet::new_unchecked(pkt.data());
    let Some(off) = ip.find_routing_header_skip_sl0() else {
        return Err(if ip.find_routing_header().is_some() {
            DropReason::SlZero
        } else {
            DropReason::NoSrh
        });
    };
    valid_srh(pkt, off)?;
    hmac_check(cx, pkt, off)?;
    Ok(off)
}

/// The common case of [`srh_with_sl`], decided by the first eight bytes of the header:
/// an SRH straight after the IPv6 header, inside the payload, with SL > 0 and no TLV,
/// on a link that does not require HMAC. The general path reaches the same answer
/// (offset 40): the walk stops at this header, `valid_srh` holds (type 4, `last_entry`
/// fills the header exactly, SL <= `last_entry` + 1, empty TLV area), and without TLVs
/// there is no HMAC TLV to check. Anything else takes the general path. Returns the
/// header's SL.
#[inline]
fn plain_srh(cx: &Cx<'_>, pkt: &PacketBuf) -> Option<u8> {
    use lwt_wire::ipv6::HEADER_LEN;
    let d = pkt.data();
    let h = d.get(HEADER_LEN..HEADER_LEN + 8)?;
    let total = HEADER_LEN + usize::from(u16::from_be_bytes([d[4], d[5]]));
    let (hdr_ext_len, sl, last_entry) = (usize::from(h[1]), h[3], usize::from(h[4]));
    (d[6] == lwt_wire::ip_proto::ROUTING
        && h[2] == srh::ROUTING_TYPE_SRH
        && sl != 0
        && usize::from(sl) <= last_entry + 1
        && hdr_ext_len == 2 * (last_entry + 1)
        && HEADER_LEN + 8 * (hdr_ext_len + 1) <= total
        && total <= d.len()
        && (!cx.dp.seg6_hmac_required
            || cx
                .dp
                .link(pkt.meta.iif)
                .is_none_or(|l| l.seg6_require_hmac <= 0)))
    .then_some(sl)
}

/// `seg6_validate_srh(reduced = true)` on the routing header at `off`.
pub(crate) fn valid_srh(pkt: &PacketBuf, off: usize) -> Result<(), DropReason> {
    let rest = &pkt.data()[off..];
    let srh = SrhPacket::new_checked(rest).map_err(|_| DropReason::SrhInvalid)?;
    if !srh.validate(srh.header_len(), true) {
        return Err(DropReason::SrhInvalid);
    }
    Ok(())
}

/// `advance_nextseg`: SL -= 1, DA := segments[SL].
#[inline]
pub(crate) fn advance(pkt: &mut PacketBuf, off: usize) -> Result<(), DropReason> {
    let data = pkt.data_mut();
    let next = {
        let mut srh = SrhPacket::new_unchecked(&mut data[off..]);
        let sl = srh.segments_left() - 1;
        srh.set_segments_left(sl);
        srh.segment(usize::from(sl)).ok_or(DropReason::SrhInvalid)?
    };
    Ipv6Packet::new_unchecked(data).set_dst_addr(next);
    Ok(())
}
