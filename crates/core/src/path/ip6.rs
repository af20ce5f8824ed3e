//! IPv6 input, local delivery (echo, NDP), forwarding and locally generated output.

use std::net::{IpAddr, Ipv6Addr};

use lwt_wire::icmpv6::{self, Icmpv6Packet};
use lwt_wire::{Ipv6Packet, ip_proto};

use super::lookup::{self, Flow, Pass, Res};
use super::output::{self, Hop, forwarded};
use super::{Cx, Verdict, icmp};
use crate::dataplane::{NextHopDp, RouteDp, RouteKind};
use crate::drop_reason::DropReason;
use crate::packet::{Meta, PacketBuf};

/// `ip6_rcv`: header checks, then NDP for multicast, else routing.
pub(crate) fn rcv(cx: &mut Cx<'_>, pkt: &mut PacketBuf, src_mac: [u8; 6]) -> Verdict {
    let Ok(ip) = Ipv6Packet::new_checked(pkt.data()) else {
        return Verdict::Drop(DropReason::Ipv6Malformed);
    };
    if ip.version() != 6 {
        return Verdict::Drop(DropReason::Ipv6Malformed);
    }
    let total = ip.total_len();
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    // Link-layer padding is not part of the packet.
    pkt.truncate(total);
    if src.is_multicast() {
        return Verdict::Drop(DropReason::MartianSource);
    }
    if dst.is_multicast() {
        return multicast(cx, pkt, src_mac);
    }
    route_input(cx, pkt, Some(src_mac))
}

fn ingress_flow(cx: &Cx<'_>, meta: &Meta, src: Ipv6Addr, dst: Ipv6Addr) -> Flow {
    let link = cx.dp.link(meta.iif);
    let l3_dev = link.map_or(0, |l| l.l3_dev);
    Flow {
        iif: if l3_dev != 0 { l3_dev } else { meta.iif },
        oif: 0,
        l3_table: link.and_then(|l| l.l3_table),
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        mark: meta.mark,
        tun_id: meta.rx_tun_id(),
    }
}

/// Input route lookup and dispatch (`ip6_route_input` + `dst_input`). Also the re-entry
/// point after an encapsulation or a SID behaviour rewrote the packet.
pub(crate) fn route_input(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    src_mac: Option<[u8; 6]>,
) -> Verdict {
    route_input_opts(cx, pkt, src_mac, true)
}

/// Input routing where `local_ok` false turns a local result into a silent discard
/// (`seg6_lookup_nexthop` without local delivery: the blackhole route).
pub(crate) fn route_input_opts(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    src_mac: Option<[u8; 6]>,
    local_ok: bool,
) -> Verdict {
    pass(cx, pkt, src_mac, local_ok).run(cx, pkt)
}

/// The input routing pass of the packet as it is now.
pub(crate) fn pass(cx: &Cx<'_>, pkt: &PacketBuf, src_mac: Option<[u8; 6]>, local_ok: bool) -> Pass {
    let ip = Ipv6Packet::new_unchecked(pkt.data());
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    Pass {
        flow: ingress_flow(cx, &pkt.meta, src, dst),
        proto: ip.next_header(),
        label: ip.flow_label(),
        local_ok,
        src_mac,
        keyed: false,
    }
}

/// What input routing does with the rules' answer.
pub(crate) fn routed(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    res: Res<'_>,
    hash: u32,
    src_mac: Option<[u8; 6]>,
    local_ok: bool,
) -> Verdict {
    match res {
        Res::Route(route) => {
            if route.kind == RouteKind::Local && !local_ok {
                return Verdict::Drop(DropReason::SidLocalDelivery);
            }
            dispatch(cx, pkt, route, hash, src_mac)
        }
        Res::RuleBlackhole => Verdict::Drop(DropReason::RuleBlackhole),
        Res::RuleUnreachable => icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            0,
            0,
            DropReason::RuleUnreachable,
        ),
        Res::RuleProhibit => icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            1,
            0,
            DropReason::RuleProhibit,
        ),
        Res::NoRoute => icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            0,
            0,
            DropReason::NoRoute,
        ),
    }
}

pub(crate) fn dispatch(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    route: &RouteDp,
    hash: u32,
    src_mac: Option<[u8; 6]>,
) -> Verdict {
    match route.kind {
        RouteKind::Local => local(cx, pkt, src_mac),
        RouteKind::Blackhole => Verdict::Drop(DropReason::RouteBlackhole),
        RouteKind::Unreachable | RouteKind::Throw => icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            0,
            0,
            DropReason::RouteUnreachable,
        ),
        RouteKind::Prohibit => icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            1,
            0,
            DropReason::RouteProhibit,
        ),
        RouteKind::Unicast => super::unicast(cx, pkt, route, hash, forward),
    }
}

/// `ip6_forward`: forwarding enabled, hop limit, MTU, then decrement and output.
pub(crate) fn forward(cx: &mut Cx<'_>, pkt: &mut PacketBuf, nh: &NextHopDp) -> Verdict {
    forward_hop(cx, pkt, Hop::of(nh))
}

/// `ip6_forward` through `hop`. The common case inlines: through an adjacency, a
/// packet that passes every check (which [`forward_checked`] makes in full, with the
/// same outcome for it).
#[inline]
pub(crate) fn forward_hop(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hop: Hop<'_>) -> Verdict {
    if let Hop::Adj(a) = hop
        && cx.dp.sysctl.ip6_forward
        && pkt.len() <= a.mtu as usize
        && let Some(h) = pkt.data_mut().get_mut(..24)
        && h[7] > 1
        && !(h[8] == 0xfe && h[9] & 0xc0 == 0x80)
    {
        h[7] -= 1;
        return forwarded(cx, pkt, hop, true);
    }
    forward_checked(cx, pkt, hop)
}

/// [`forward_hop`] in full: each check in turn, and its ICMPv6 error.
#[inline(never)]
fn forward_checked(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hop: Hop<'_>) -> Verdict {
    if !cx.dp.sysctl.ip6_forward {
        return Verdict::Drop(DropReason::NoRoute);
    }
    let (hl, src) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (ip.hop_limit(), ip.src_addr())
    };
    if src.is_unicast_link_local() {
        // A link-local source cannot leave its link (ICMPv6 "beyond scope").
        return icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_DEST_UNREACH,
            2,
            0,
            DropReason::MartianSource,
        );
    }
    if hl <= 1 {
        return icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_TIME_EXCEEDED,
            0,
            0,
            DropReason::HopLimitExpired,
        );
    }
    let mtu = hop.mtu(cx);
    if pkt.len() > mtu {
        return icmp::error6(
            cx,
            pkt,
            icmpv6::TYPE_PKT_TOO_BIG,
            0,
            mtu as u32,
            DropReason::MtuExceeded,
        );
    }
    Ipv6Packet::new_unchecked(pkt.data_mut()).set_hop_limit(hl - 1);
    forwarded(cx, pkt, hop, true)
}

/// Sends a packet this router originates (echo reply, ICMP error): output route lookup in
/// the L3 domain of `l3_dev`, LWT output hook, then the device.
pub(crate) fn output_local(cx: &mut Cx<'_>, pkt: &mut PacketBuf, l3_iif: u32) -> Verdict {
    if pkt.meta.lwt_depth >= 8 {
        return Verdict::Drop(DropReason::LwtRecursion);
    }
    // An output route replaces any tunnel metadata the packet was built from.
    pkt.meta.tun = None;
    let (src, dst, nh) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (ip.src_addr(), ip.dst_addr(), ip.next_header())
    };
    let link = cx.dp.link(l3_iif);
    let l3_dev = link.map_or(0, |l| l.l3_dev);
    let flow = Flow {
        iif: crate::router::LOOPBACK_IFINDEX,
        oif: l3_dev,
        l3_table: link.and_then(|l| l.l3_table),
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        mark: pkt.meta.mark,
        tun_id: 0,
    };
    let route = match lookup::lookup(cx.dp, &flow) {
        Res::Route(r) => r,
        _ => return Verdict::Drop(DropReason::NoRoute),
    };
    let hash = super::flow_hash(&src.octets(), &dst.octets(), nh);
    match route.kind {
        RouteKind::Unicast => {}
        RouteKind::Local => return Verdict::Consumed,
        _ => return Verdict::Drop(DropReason::NoRoute),
    }
    let Some(nh) = lookup::select_nexthop(route, hash) else {
        return Verdict::Drop(DropReason::NoRoute);
    };
    if let Some(lwt) = &nh.lwt
        && lwt.has_output()
    {
        return super::seg6::output(cx, pkt, lwt, hash, l3_iif);
    }
    cx.w.stats.generated += 1;
    output::out_nexthop(cx, pkt, nh, IpAddr::V6(dst), 0)
}

/// Local delivery (`ip6_input_finish`): echo, NDP, errors for what nobody listens to.
fn local(cx: &mut Cx<'_>, pkt: &mut PacketBuf, src_mac: Option<[u8; 6]>) -> Verdict {
    let (nh, upper) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (ip.next_header(), ip.upper_layer())
    };
    if nh == ip_proto::ROUTING {
        // Native SRH processing for local addresses (seg6_enabled) is not lwt's: as with the
        // default seg6_enabled=0, the packet is dropped.
        return Verdict::Drop(DropReason::Seg6Disabled);
    }
    let Ok((proto, off)) = upper else {
        return Verdict::Drop(DropReason::Ipv6Malformed);
    };
    match proto {
        ip_proto::ICMPV6 => {
            let Ok(msg) = Icmpv6Packet::new_checked(&pkt.data()[off..]) else {
                return Verdict::Drop(DropReason::Ipv6Malformed);
            };
            match msg.msg_type() {
                icmpv6::TYPE_ECHO_REQUEST => icmp::echo_reply6(cx, pkt, off),
                icmpv6::TYPE_NEIGHBOR_SOLICIT | icmpv6::TYPE_NEIGHBOR_ADVERT => {
                    ndp(cx, pkt, off, src_mac.unwrap_or([0; 6]))
                }
                _ => Verdict::Consumed,
            }
        }
        ip_proto::UDP => match super::vxlan::rcv(cx, pkt, off) {
            Some(v) => v,
            None => icmp::error6(
                cx,
                pkt,
                icmpv6::TYPE_DEST_UNREACH,
                4,
                0,
                DropReason::LocalNoListener,
            ),
        },
        ip_proto::TCP => Verdict::Drop(DropReason::LocalNoListener),
        ip_proto::NONE => Verdict::Consumed,
        _ => {
            // Unrecognised next header: parameter problem pointing at the next-header field.
            icmp::error6(
                cx,
                pkt,
                icmpv6::TYPE_PARAM_PROBLEM,
                1,
                6,
                DropReason::UnknownProtocol,
            )
        }
    }
}

/// Multicast destinations: only NDP is handled.
fn multicast(cx: &mut Cx<'_>, pkt: &mut PacketBuf, src_mac: [u8; 6]) -> Verdict {
    let upper = Ipv6Packet::new_unchecked(pkt.data()).upper_layer();
    match upper {
        Ok((ip_proto::ICMPV6, off)) => {
            let t = pkt.data().get(off).copied().unwrap_or(0);
            if t == icmpv6::TYPE_NEIGHBOR_SOLICIT || t == icmpv6::TYPE_NEIGHBOR_ADVERT {
                ndp(cx, pkt, off, src_mac)
            } else {
                Verdict::Consumed
            }
        }
        _ => Verdict::Consumed,
    }
}

/// Neighbour solicitations for our addresses (or proxied ones) get an advertisement;
/// solicitations and advertisements teach us the sender's MAC.
fn ndp(cx: &mut Cx<'_>, pkt: &mut PacketBuf, off: usize, src_mac: [u8; 6]) -> Verdict {
    let iif = pkt.meta.iif;
    let Some(link) = cx.dp.link(iif) else {
        return Verdict::Drop(DropReason::LinkDown);
    };
    let (src, hl) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (ip.src_addr(), ip.hop_limit())
    };
    let msg = &pkt.data()[off..];
    // RFC 4861 §7.1.1: hop limit 255, code 0, at least 24 bytes.
    if hl != 255 || msg.len() < 24 || msg[1] != 0 {
        return Verdict::Drop(DropReason::NdpMalformed);
    }
    let target = Ipv6Addr::from(<[u8; 16]>::try_from(&msg[8..24]).expect("24 bytes checked"));
    let mut lladdr = None;
    let mut opts = &msg[24..];
    while opts.len() >= 8 {
        let olen = usize::from(opts[1]) * 8;
        if olen == 0 || olen > opts.len() {
            return Verdict::Drop(DropReason::NdpMalformed);
        }
        if (opts[0] == 1 || opts[0] == 2) && olen >= 8 {
            lladdr = Some(<[u8; 6]>::try_from(&opts[2..8]).expect("8-byte option"));
        }
        opts = &opts[olen..];
    }
    if msg[0] == icmpv6::TYPE_NEIGHBOR_ADVERT {
        if let Some(mac) = lladdr {
            let now = cx.w.now_ms;
            cx.w.neigh.learn(cx.dp, iif, IpAddr::V6(target), mac, now);
        }
        return Verdict::Consumed;
    }
    // Solicitation.
    if !src.is_unspecified() {
        let now = cx.w.now_ms;
        cx.w.neigh
            .learn(cx.dp, iif, IpAddr::V6(src), lladdr.unwrap_or(src_mac), now);
    }
    let ours = link.v6.iter().any(|(a, _)| *a == target);
    let proxied = !ours
        && cx.dp.sysctl.ip6_forward
        && link.proxy_ndp
        && cx.dp.proxy.contains_key(&(iif, IpAddr::V6(target)));
    if !ours && !proxied {
        return Verdict::Consumed;
    }
    // ndisc_send_na: solicited; override only for our own addresses; router flag since
    // this is a router (for proxies, as the proxy entry says: lwt entries have no flag).
    let router = ours;
    let (dst, dst_mac) = if src.is_unspecified() {
        let all = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
        (all, lwt_wire::EthernetAddress::from_ipv6_multicast(&all).0)
    } else {
        (src, lladdr.unwrap_or(src_mac))
    };
    let na_src = if ours {
        target
    } else {
        output::src6_on(link, dst.is_unicast_link_local()).unwrap_or(target)
    };
    let mac = link.mac;
    let flags: u8 = (if router { 0x80 } else { 0 })
        | (if !src.is_unspecified() { 0x40 } else { 0 })
        | (if ours { 0x20 } else { 0 });
    // Over a flow-based VXLAN device the answer goes back the way the solicitation came
    // (`iptunnel_metadata_reply`; the kernel does this for ARP only, lwt for NDP too).
    let reply = pkt.meta.tun.and_then(|t| t.reply());
    output::write_ndp(pkt, mac, dst_mac, na_src, dst, |icmp| {
        let b = icmp.into_inner();
        b[0] = icmpv6::TYPE_NEIGHBOR_ADVERT;
        b[1] = 0;
        b[4] = flags;
        b[5..8].fill(0);
        b[8..24].copy_from_slice(&target.octets());
        b[24] = 2; // target link-layer address option
        b[25] = 1;
        b[26..32].copy_from_slice(&mac);
    });
    pkt.meta.tun = reply;
    output::emit(cx, pkt, iif)
}
