//! The seg6 LWT hooks: `seg6_input` (received packets routed to an `encap seg6` route)
//! and `seg6_output` (packets this router originates).

use lwt_wire::{ethertype, ip_proto};

use super::{Cx, Verdict, icmp, ip6};
use crate::drop_reason::DropReason;
use crate::lwt::Lwt;
use crate::lwt::seg6::{Mode, Seg6Encap};
use crate::packet::PacketBuf;

/// The kernel's per-CPU device-xmit recursion limit guards nested LWT hooks.
const RECURSION_LIMIT: u8 = 8;

pub(crate) fn enter(pkt: &mut PacketBuf) -> Result<(), DropReason> {
    if pkt.meta.lwt_depth >= RECURSION_LIMIT {
        return Err(DropReason::LwtRecursion);
    }
    pkt.meta.lwt_depth += 1;
    Ok(())
}

/// Encapsulates according to the mode; the packet's data starts at its L3 header.
fn encap(pkt: &mut PacketBuf, s: &Seg6Encap, hash: u32, received: bool) -> Result<(), DropReason> {
    enter(pkt)?;
    let version = pkt.data().first().map_or(0, |b| b >> 4);
    if s.mode.is_l2() {
        if !received {
            return Err(DropReason::Seg6L2encapLocal);
        }
        // The Ethernet header as received is still in front of the L3 header.
        let frame = pkt.push_header::<14>().ok_or(DropReason::NoHeadroom)?;
        let et = u16::from_be_bytes([frame[12], frame[13]]);
        let v6 = (et == ethertype::IPV6).then_some(14);
        return s.apply(pkt, ip_proto::ETHERNET, v6, hash);
    }
    match version {
        6 => s.apply(pkt, ip_proto::IPV6, Some(0), hash),
        4 if s.mode == Mode::Inline => Err(DropReason::Seg6InlineNotIpv6),
        4 => s.apply(pkt, ip_proto::IPIP, None, hash),
        _ => Err(DropReason::Seg6WrongInner),
    }
}

/// `seg6_input`: encapsulate, then route the new packet as if received (the inner
/// packet's own forwarding, and its TTL decrement, are bypassed as in the kernel).
///
/// Unlike the kernel, an inner packet that would not fit the route's device once
/// encapsulated is answered here, to its sender, with the MTU less the encapsulation
/// (the kernel lets the outer packet fail later and sends the error to itself).
pub(crate) fn input(cx: &mut Cx<'_>, pkt: &mut PacketBuf, s: &Seg6Encap, hash: u32) -> Verdict {
    if !s.mode.is_l2() && pkt.len() > s.inner_mtu() {
        let mtu = s.inner_mtu() as u32;
        return match pkt.data().first().map(|b| b >> 4) {
            Some(6) => icmp::error6(
                cx,
                pkt,
                lwt_wire::icmpv6::TYPE_PKT_TOO_BIG,
                0,
                mtu,
                DropReason::MtuExceeded,
            ),
            Some(4) if lwt_wire::Ipv4Packet::new_unchecked(pkt.data()).dont_frag() => icmp::error4(
                cx,
                pkt,
                (lwt_wire::icmpv4::TYPE_DEST_UNREACH, 4, mtu),
                icmp::Limit::Icmp,
                DropReason::MtuExceeded,
            ),
            _ => Verdict::Drop(DropReason::FragmentationNeeded),
        };
    }
    match encap(pkt, s, hash, true) {
        // The outer route is known: forward without routing again.
        Ok(()) => match &s.post {
            Some(post) => ip6::forward(cx, pkt, post),
            None => ip6::route_input(cx, pkt, None),
        },
        Err(r) => Verdict::Drop(r),
    }
}

/// `seg6_output`: encapsulate a locally generated packet and send it.
pub(crate) fn output(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    lwt: &Lwt,
    hash: u32,
    l3_iif: u32,
) -> Verdict {
    let Lwt::Seg6(s) = lwt else {
        return Verdict::Drop(DropReason::UnknownProtocol);
    };
    match encap(pkt, s, hash, false) {
        Ok(()) => ip6::output_local(cx, pkt, l3_iif),
        Err(r) => Verdict::Drop(r),
    }
}
