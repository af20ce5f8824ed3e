//! Output on a device: the route's xmit hook (MPLS), neighbour resolution and the
//! Ethernet header, or what a dummy, loopback or VXLAN device does with a packet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_wire::icmpv6::Icmpv6Packet;
use lwt_wire::{EthernetAddress, EthernetFrame, Ipv4Packet, Ipv6Packet, ethertype, ip_proto};

use super::{Cx, Verdict};
use crate::dataplane::{Adj, LinkDp, LinkDpKind, NextHopDp, RouteKind};
use crate::drop_reason::DropReason;
use crate::lwt::Lwt;
use crate::packet::PacketBuf;

/// Where a forwarded packet goes: through a next hop, or straight to the adjacency it
/// compiled to (the batched path holds the adjacency without the route).
#[derive(Clone, Copy)]
pub(crate) enum Hop<'a> {
    Nh(&'a NextHopDp),
    Adj(&'a Adj),
}

impl<'a> Hop<'a> {
    #[inline]
    pub(crate) fn of(nh: &'a NextHopDp) -> Self {
        nh.adj.as_ref().map_or(Hop::Nh(nh), Hop::Adj)
    }

    /// The route MTU: the device's less an xmit-redirect encapsulation (MPLS labels,
    /// `lwtunnel_headroom`).
    #[inline]
    pub(crate) fn mtu(self, cx: &Cx<'_>) -> usize {
        match self {
            Hop::Adj(a) => a.mtu as usize,
            Hop::Nh(nh) => (cx.dp.link(nh.oif).map_or(1500, |l| l.mtu) as usize)
                .saturating_sub(nh.lwt.as_ref().map_or(0, |l| l.mtu_headroom())),
        }
    }

    /// Output of a forwarded packet (IPv6 if `v6`, else IPv4) towards its destination.
    /// (An adjacency needs only the family: the address is read for a next hop only.)
    #[inline]
    pub(crate) fn output(self, cx: &mut Cx<'_>, pkt: &mut PacketBuf, v6: bool) -> Verdict {
        match self {
            Hop::Adj(a) => {
                let et = if v6 { ethertype::IPV6 } else { ethertype::IPV4 };
                match a.push(pkt, et) {
                    Some(oif) => Verdict::Tx(oif),
                    None => Verdict::Drop(DropReason::NoHeadroom),
                }
            }
            Hop::Nh(nh) => {
                let d = pkt.data();
                let dst = if v6 {
                    IpAddr::V6(Ipv6Packet::new_unchecked(d).dst_addr())
                } else {
                    IpAddr::V4(Ipv4Packet::new_unchecked(d).dst_addr())
                };
                out_nexthop(cx, pkt, nh, dst, 0)
            }
        }
    }
}

/// The end of `ip_forward` / `ip6_forward` once the IP header is updated: counted, the
/// received tunnel metadata dropped (the route replaces it, `skb_dst_drop`), output.
#[inline(always)]
pub(crate) fn forwarded(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hop: Hop<'_>, v6: bool) -> Verdict {
    cx.w.stats.forwarded += 1;
    pkt.meta.tun = None;
    hop.output(cx, pkt, v6)
}

/// Sends a packet whose data starts at its L3 header out of `oif`, towards the next hop
/// `via` (the gateway, or the destination itself on a connected route).
pub(crate) fn xmit(cx: &mut Cx<'_>, pkt: &mut PacketBuf, oif: u32, via: IpAddr) -> Verdict {
    xmit_dev(cx, pkt, oif, via, 0, None)
}

/// Output through a route's next hop (`ip_finish_output2` / `ip6_finish_output2`): an
/// xmit-redirect state (`encap mpls`) runs right before neighbour resolution
/// (`lwtunnel_xmit`); the device reads the next hop's `encap ip` state.
pub(crate) fn xmit_nh(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    nh: &NextHopDp,
    via: IpAddr,
) -> Verdict {
    if let Some(Lwt::Mpls(m)) = &nh.lwt {
        if let Err(r) = super::seg6::enter(pkt) {
            return Verdict::Drop(r);
        }
        // mpls_xmit: the packet must fit the device with its labels (mpls_pkt_too_big).
        let mtu = cx.dp.link(nh.oif).map_or(1500, |l| l.mtu) as usize;
        if pkt.len() + m.headroom() > mtu {
            return Verdict::Drop(DropReason::MplsTooBig);
        }
        if let Err(r) = m.push(pkt) {
            return Verdict::Drop(r);
        }
        return xmit_dev(cx, pkt, nh.oif, via, ethertype::MPLS_UC, None);
    }
    if let Some(Lwt::IpTun(s)) = &nh.lwt
        && let Some(v) = super::vxlan::xmit_cached(cx, pkt, nh.oif, s)
    {
        return v;
    }
    // Fast path: the output was decided when the snapshot was built.
    if let Some(adj) = &nh.adj
        && nh.gateway == Some(via)
    {
        let et = match pkt.data().first().map(|b| b >> 4) {
            Some(4) => ethertype::IPV4,
            _ => ethertype::IPV6,
        };
        return match adj.push(pkt, et) {
            Some(oif) => Verdict::Tx(oif),
            None => Verdict::Drop(DropReason::NoHeadroom),
        };
    }
    xmit_dev(cx, pkt, nh.oif, via, 0, nh.lwt.as_ref())
}

/// Output through a next hop: a VRF device means "look up again in its table" (the
/// VRF driver's xmit), bounded like the kernel's recursion limit.
pub(crate) fn out_nexthop(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    nh: &NextHopDp,
    dst: IpAddr,
    depth: u8,
) -> Verdict {
    if let Some(link) = cx.dp.link(nh.oif)
        && link.kind == LinkDpKind::Vrf
        && depth < 8
    {
        let Some(table) = link.l3_table else {
            return Verdict::Drop(DropReason::NoRoute);
        };
        return match super::lookup::lookup_table(cx.dp, table, dst) {
            Some(r) if r.kind == RouteKind::Unicast => match super::lookup::select_nexthop(r, 0) {
                Some(nh2) if nh2.oif != nh.oif => out_nexthop(cx, pkt, nh2, dst, depth + 1),
                _ => Verdict::Drop(DropReason::NoRoute),
            },
            Some(r) if r.kind == RouteKind::Local => Verdict::Consumed,
            _ => Verdict::Drop(DropReason::NoRoute),
        };
    }
    xmit_nh(cx, pkt, nh, nh.gateway.unwrap_or(dst))
}

/// Transmits a frame that is already complete (a reply built in place) on `oif`; a
/// VXLAN device encapsulates it with the packet's own metadata.
pub(crate) fn emit(cx: &mut Cx<'_>, pkt: &mut PacketBuf, oif: u32) -> Verdict {
    match cx.dp.link(oif) {
        Some(l) if l.kind == LinkDpKind::Vxlan => super::vxlan::xmit(cx, pkt, l, None),
        _ => Verdict::Tx(oif),
    }
}

/// `xmit` with an explicit ethertype (0: IPv4 or IPv6 from the packet's version) and the
/// route's LWT state for the device to read.
fn xmit_dev(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    oif: u32,
    via: IpAddr,
    ethertype: u16,
    route: Option<&Lwt>,
) -> Verdict {
    let Some(link) = cx.dp.link(oif) else {
        return Verdict::Drop(DropReason::NoRoute);
    };
    if !link.up {
        return Verdict::Drop(DropReason::LinkDown);
    }
    match link.kind {
        // The kernel's dummy device frees what it is given (and counts it as sent).
        LinkDpKind::Dummy | LinkDpKind::Loopback | LinkDpKind::Vrf => {
            cx.w.stats.link(oif).tx.add(pkt.len());
            Verdict::Consumed
        }
        LinkDpKind::Ether | LinkDpKind::Vxlan => {
            let (mac, et) = match via {
                IpAddr::V6(a) if a.is_multicast() => {
                    (EthernetAddress::from_ipv6_multicast(&a).0, ethertype::IPV6)
                }
                IpAddr::V6(_) => match cx.w.neigh.lookup(cx.dp, oif, via) {
                    Some(m) => (m, ethertype::IPV6),
                    None => return solicit(cx, pkt, link, via, ethertype, route),
                },
                IpAddr::V4(a) if a.is_broadcast() => ([0xff; 6], ethertype::IPV4),
                IpAddr::V4(_) => match cx.w.neigh.lookup(cx.dp, oif, via) {
                    Some(m) => (m, ethertype::IPV4),
                    None => return solicit(cx, pkt, link, via, ethertype, route),
                },
            };
            // IPv4-in-IPv6 etc. keep the ethertype of what is on top.
            let et = match (ethertype, pkt.data().first().map(|b| b >> 4)) {
                (0, Some(4)) => ethertype::IPV4,
                (0, Some(6)) => ethertype::IPV6,
                (0, _) => et,
                (e, _) => e,
            };
            if push_eth(pkt, mac, link.mac, et).is_none() {
                return Verdict::Drop(DropReason::NoHeadroom);
            }
            if link.kind == LinkDpKind::Vxlan {
                return super::vxlan::xmit(cx, pkt, link, route);
            }
            Verdict::Tx(oif)
        }
    }
}

/// Prepends an Ethernet header.
pub(crate) fn push_eth(pkt: &mut PacketBuf, dst: [u8; 6], src: [u8; 6], et: u16) -> Option<()> {
    let data = pkt.push_header::<14>()?;
    let mut eth = EthernetFrame::new_unchecked(&mut data[..]);
    eth.set_dst_addr(EthernetAddress(dst));
    eth.set_src_addr(EthernetAddress(src));
    eth.set_ethertype(et);
    Some(())
}

/// No neighbour entry: the packet waits in the neighbour's queue and, when one is due, a
/// solicitation (ARP request or NS) takes its place in the buffer. On a VXLAN device the
/// solicitation leaves with the packet's tunnel metadata or its route's (`arp_solicit`
/// keeps the triggering packet's dst on devices that keep dsts, as VXLAN does).
fn solicit(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    link: &LinkDp,
    via: IpAddr,
    ethertype: u16,
    route: Option<&Lwt>,
) -> Verdict {
    let now = cx.w.now_ms;
    let tun = (link.kind == LinkDpKind::Vxlan)
        .then(|| crate::tunnel::tunnel_info(&pkt.meta, route).map(|t| t.to_meta()))
        .flatten();
    let (parked, due) =
        cx.w.neigh
            .park(link.ifindex, via, pkt.data(), (ethertype, tun), now);
    if !parked {
        cx.w.stats.drop(DropReason::NeighbourUnresolved);
    }
    if !due {
        return if parked {
            Verdict::Queued
        } else {
            Verdict::Drop(DropReason::NeighbourUnresolved)
        };
    }
    let src = match via {
        IpAddr::V4(_) => Ipv4Packet::new_checked(pkt.data())
            .ok()
            .map(|p| IpAddr::V4(p.src_addr())),
        IpAddr::V6(_) => Ipv6Packet::new_checked(pkt.data())
            .ok()
            .map(|p| IpAddr::V6(p.src_addr())),
    };
    write_solicitation(pkt, link, via, src);
    if link.kind == LinkDpKind::Vxlan {
        return super::vxlan::xmit(cx, pkt, link, route);
    }
    Verdict::Tx(link.ifindex)
}

/// Writes an ARP request or a neighbour solicitation for `target` out of `link` in place
/// of the packet. The source is the triggering packet's source when it is an address of
/// the link (`arp_solicit`, `ndisc_solicit`), else one of the link's addresses.
pub(crate) fn write_solicitation(
    pkt: &mut PacketBuf,
    link: &LinkDp,
    target: IpAddr,
    packet_src: Option<IpAddr>,
) {
    match target {
        IpAddr::V4(target) => {
            let src = match packet_src {
                Some(IpAddr::V4(s)) if link.v4.iter().any(|(a, _)| *a == s) => Some(s),
                _ => None,
            }
            .or_else(|| src4_on(link, target))
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
            let buf = pkt.reset(42);
            lwt_wire::arp::emit(
                &mut buf[14..],
                lwt_wire::arp::OP_REQUEST,
                EthernetAddress(link.mac),
                src,
                EthernetAddress::UNSPECIFIED,
                target,
            )
            .ok();
            let mut eth = EthernetFrame::new_unchecked(&mut buf[..14]);
            eth.set_dst_addr(EthernetAddress::BROADCAST);
            eth.set_src_addr(EthernetAddress(link.mac));
            eth.set_ethertype(ethertype::ARP);
        }
        IpAddr::V6(target) => {
            let src = match packet_src {
                Some(IpAddr::V6(s)) if link.v6.iter().any(|(a, _)| *a == s) => Some(s),
                _ => None,
            }
            .or_else(|| src6_on(link, true))
            .unwrap_or(Ipv6Addr::UNSPECIFIED);
            let dst = solicited_node(target);
            let mac = link.mac;
            write_ndp(
                pkt,
                mac,
                EthernetAddress::from_ipv6_multicast(&dst).0,
                src,
                dst,
                |mut icmp| {
                    icmp.set_msg_type(lwt_wire::icmpv6::TYPE_NEIGHBOR_SOLICIT);
                    icmp.set_msg_code(0);
                    let b = icmp.into_inner();
                    b[4..8].fill(0);
                    b[8..24].copy_from_slice(&target.octets());
                    b[24] = 1; // source link-layer address option
                    b[25] = 1;
                    b[26..32].copy_from_slice(&mac);
                },
            );
        }
    }
}

/// A gratuitous ARP (sender = target = `addr`) or an unsolicited neighbour advertisement
/// (override, to ff02::1), as the kernel sends when an address comes up.
pub(crate) fn write_announcement(pkt: &mut PacketBuf, link: &LinkDp, addr: IpAddr) {
    match addr {
        IpAddr::V4(a) => {
            let buf = pkt.reset(42);
            lwt_wire::arp::emit(
                &mut buf[14..],
                lwt_wire::arp::OP_REQUEST,
                EthernetAddress(link.mac),
                a,
                EthernetAddress::UNSPECIFIED,
                a,
            )
            .ok();
            let mut eth = EthernetFrame::new_unchecked(&mut buf[..14]);
            eth.set_dst_addr(EthernetAddress::BROADCAST);
            eth.set_src_addr(EthernetAddress(link.mac));
            eth.set_ethertype(ethertype::ARP);
        }
        IpAddr::V6(a) => {
            let all = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
            let mac = link.mac;
            write_ndp(
                pkt,
                mac,
                EthernetAddress::from_ipv6_multicast(&all).0,
                a,
                all,
                |icmp| {
                    let b = icmp.into_inner();
                    b[0] = lwt_wire::icmpv6::TYPE_NEIGHBOR_ADVERT;
                    b[1] = 0;
                    b[4] = 0x80 | 0x20; // router, override
                    b[5..8].fill(0);
                    b[8..24].copy_from_slice(&a.octets());
                    b[24] = 2; // target link-layer address option
                    b[25] = 1;
                    b[26..32].copy_from_slice(&mac);
                },
            );
        }
    }
}

/// Builds an NDP message (32-byte body: 24 bytes + one link-layer address option) in place
/// of the packet, with hop limit 255 and the checksum filled.
pub(crate) fn write_ndp(
    pkt: &mut PacketBuf,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    body: impl FnOnce(Icmpv6Packet<&mut [u8]>),
) {
    let buf = pkt.reset(14 + 40 + 32);
    {
        let mut eth = EthernetFrame::new_unchecked(&mut buf[..14]);
        eth.set_dst_addr(EthernetAddress(dst_mac));
        eth.set_src_addr(EthernetAddress(src_mac));
        eth.set_ethertype(ethertype::IPV6);
    }
    {
        let mut ip = Ipv6Packet::new_unchecked(&mut buf[14..54]);
        ip.set_version(6);
        ip.set_traffic_class(0);
        ip.set_flow_label(0);
        ip.set_payload_len(32);
        ip.set_next_header(ip_proto::ICMPV6);
        ip.set_hop_limit(255);
        ip.set_src_addr(src);
        ip.set_dst_addr(dst);
    }
    body(Icmpv6Packet::new_unchecked(&mut buf[54..86]));
    let mut icmp = Icmpv6Packet::new_unchecked(&mut buf[54..86]);
    icmp.fill_checksum(&src, &dst);
}

/// ff02::1:ffXX:XXXX for a target address.
pub(crate) fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// An IPv4 source on `link` for `dst`: one whose subnet holds it, else the first.
pub(crate) fn src4_on(link: &LinkDp, dst: Ipv4Addr) -> Option<Ipv4Addr> {
    link.v4
        .iter()
        .find(|(a, l)| {
            let m = if *l == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(*l))
            };
            (u32::from(*a) ^ u32::from(dst)) & m == 0
        })
        .or(link.v4.first())
        .map(|(a, _)| *a)
}

/// An IPv6 source on `link`: link-local first when `link_scope`, else global first.
pub(crate) fn src6_on(link: &LinkDp, link_scope: bool) -> Option<Ipv6Addr> {
    let ll = link.v6.iter().find(|(a, _)| a.is_unicast_link_local());
    let global = link
        .v6
        .iter()
        .find(|(a, _)| !a.is_unicast_link_local() && !a.is_loopback());
    if link_scope {
        ll.or(global)
    } else {
        global.or(ll)
    }
    .map(|(a, _)| *a)
}
