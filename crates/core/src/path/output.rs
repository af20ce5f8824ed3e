//! Output on a device: neighbour resolution and the Ethernet header, or what a dummy or
//! loopback device does with a packet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_wire::icmpv6::Icmpv6Packet;
use lwt_wire::{EthernetAddress, EthernetFrame, Ipv4Packet, Ipv6Packet, ethertype, ip_proto};

use super::{Cx, Verdict};
use crate::dataplane::{LinkDp, LinkDpKind};
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

/// Sends a packet whose data starts at its L3 header out of `oif`, towards the next hop
/// `via` (the gateway, or the destination itself on a connected route).
pub(crate) fn xmit(cx: &mut Cx<'_>, pkt: &mut PacketBuf, oif: u32, via: IpAddr) -> Verdict {
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
        LinkDpKind::Ether => {
            let (mac, et) = match via {
                IpAddr::V6(a) if a.is_multicast() => {
                    (EthernetAddress::from_ipv6_multicast(&a).0, ethertype::IPV6)
                }
                IpAddr::V6(_) => match cx.w.neigh.lookup(cx.dp, oif, via) {
                    Some(m) => (m, ethertype::IPV6),
                    None => return solicit(cx, pkt, link, via),
                },
                IpAddr::V4(a) if a.is_broadcast() => ([0xff; 6], ethertype::IPV4),
                IpAddr::V4(_) => match cx.w.neigh.lookup(cx.dp, oif, via) {
                    Some(m) => (m, ethertype::IPV4),
                    None => return solicit(cx, pkt, link, via),
                },
            };
            // IPv4-in-IPv6 etc. keep the ethertype of what is on top.
            let et = match pkt.data().first().map(|b| b >> 4) {
                Some(4) => ethertype::IPV4,
                Some(6) => ethertype::IPV6,
                _ => et,
            };
            push_eth(pkt, mac, link.mac, et)
                .map_or(Verdict::Drop(DropReason::NoHeadroom), |_| Verdict::Tx(oif))
        }
    }
}

/// Prepends an Ethernet header.
pub(crate) fn push_eth(pkt: &mut PacketBuf, dst: [u8; 6], src: [u8; 6], et: u16) -> Option<()> {
    let data = pkt.push_front(14)?;
    let mut eth = EthernetFrame::new_unchecked(&mut data[..14]);
    eth.set_dst_addr(EthernetAddress(dst));
    eth.set_src_addr(EthernetAddress(src));
    eth.set_ethertype(et);
    Some(())
}

/// No neighbour entry: the packet waits in the neighbour's queue and, when one is due, a
/// solicitation (ARP request or NS) takes its place in the buffer.
fn solicit(cx: &mut Cx<'_>, pkt: &mut PacketBuf, link: &LinkDp, via: IpAddr) -> Verdict {
    let now = cx.w.now_ms;
    let (parked, due) = cx.w.neigh.park(link.ifindex, via, pkt.data(), now);
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
