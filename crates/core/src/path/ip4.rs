//! IPv4 input, local delivery (echo), forwarding and locally generated output.

use std::net::{IpAddr, Ipv4Addr};

use lwt_wire::icmpv4;
use lwt_wire::{Ipv4Packet, ip_proto};

use super::icmp::Limit;
use super::lookup::{self, Flow, Pass, Res};
use super::output::{self, Hop, forwarded};
use super::{Cx, Verdict, icmp};
use crate::dataplane::{NextHopDp, RouteDp, RouteKind};
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

/// `ip_rcv`: header checks (length, version, checksum), then routing.
pub(crate) fn rcv(cx: &mut Cx<'_>, pkt: &mut PacketBuf, _src_mac: [u8; 6]) -> Verdict {
    let Ok(ip) = Ipv4Packet::new_checked(pkt.data()) else {
        return Verdict::Drop(DropReason::Ipv4Malformed);
    };
    if ip.version() != 4 {
        return Verdict::Drop(DropReason::Ipv4Malformed);
    }
    if !ip.verify_checksum() {
        return Verdict::Drop(DropReason::Ipv4BadChecksum);
    }
    let total = usize::from(ip.total_len());
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    pkt.truncate(total);
    // ip_route_input_slow: martians are dropped without an ICMP error.
    if src.is_multicast() || src.is_broadcast() || src.is_loopback() {
        return Verdict::Drop(DropReason::MartianSource);
    }
    if dst.is_multicast() || dst.is_broadcast() || dst.is_unspecified() || dst.is_loopback() {
        return Verdict::Drop(DropReason::MartianDestination);
    }
    route_input(cx, pkt)
}

/// Input route lookup and dispatch; also the re-entry point after decapsulation.
pub(crate) fn route_input(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
    route_input_key(cx, pkt, None)
}

/// Input routing with another lookup key than the destination (End.DX4's nh4 selects
/// the route; the neighbour is still the gateway or the packet's destination).
pub(crate) fn route_input_key(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    key: Option<Ipv4Addr>,
) -> Verdict {
    pass(cx, pkt, key).run(cx, pkt)
}

/// The input routing pass of the packet as it is now, by `key` or its destination.
pub(crate) fn pass(cx: &Cx<'_>, pkt: &PacketBuf, key: Option<Ipv4Addr>) -> Pass {
    let ip = Ipv4Packet::new_unchecked(pkt.data());
    let (src, dst) = (ip.src_addr(), key.unwrap_or(ip.dst_addr()));
    let iif = pkt.meta.iif;
    let link = cx.dp.link(iif);
    let l3_dev = link.map_or(0, |l| l.l3_dev);
    Pass {
        flow: Flow {
            iif: if l3_dev != 0 { l3_dev } else { iif },
            oif: 0,
            l3_table: link.and_then(|l| l.l3_table),
            src: IpAddr::V4(src),
            dst: IpAddr::V4(dst),
            mark: pkt.meta.mark,
            tun_id: pkt.meta.rx_tun_id(),
        },
        proto: ip.protocol(),
        label: 0,
        local_ok: true,
        src_mac: None,
        keyed: key.is_some(),
    }
}

/// What input routing does with the rules' answer.
pub(crate) fn routed(cx: &mut Cx<'_>, pkt: &mut PacketBuf, res: Res<'_>, hash: u32) -> Verdict {
    match res {
        Res::Route(route) => dispatch(cx, pkt, route, hash),
        Res::RuleBlackhole => Verdict::Drop(DropReason::RuleBlackhole),
        // ip_error: EHOSTUNREACH → host unreachable, EACCES → filtered, ENETUNREACH → net.
        Res::RuleUnreachable => unreachable(cx, pkt, 1, DropReason::RuleUnreachable),
        Res::RuleProhibit => unreachable(cx, pkt, 13, DropReason::RuleProhibit),
        Res::NoRoute => unreachable(cx, pkt, 0, DropReason::NoRoute),
    }
}

/// `ip_error`: an input route error answered with a destination unreachable.
fn unreachable(cx: &mut Cx<'_>, pkt: &mut PacketBuf, code: u8, r: DropReason) -> Verdict {
    icmp::error4(
        cx,
        pkt,
        (icmpv4::TYPE_DEST_UNREACH, code, 0),
        Limit::RouteError,
        r,
    )
}

fn dispatch(cx: &mut Cx<'_>, pkt: &mut PacketBuf, route: &RouteDp, hash: u32) -> Verdict {
    match route.kind {
        RouteKind::Local => local(cx, pkt),
        RouteKind::Blackhole => Verdict::Drop(DropReason::RouteBlackhole),
        RouteKind::Unreachable | RouteKind::Throw => {
            unreachable(cx, pkt, 1, DropReason::RouteUnreachable)
        }
        RouteKind::Prohibit => unreachable(cx, pkt, 13, DropReason::RouteProhibit),
        RouteKind::Unicast => super::unicast(cx, pkt, route, hash, forward),
    }
}

/// `ip_forward`: TTL, DF and MTU, decrement with an incremental checksum update, output.
pub(crate) fn forward(cx: &mut Cx<'_>, pkt: &mut PacketBuf, nh: &NextHopDp) -> Verdict {
    forward_hop(cx, pkt, Hop::of(nh))
}

/// `ip_forward` through `hop`. The common case inlines: through an adjacency, a
/// packet that passes every check (which [`forward_checked`] makes in full, with the
/// same outcome for it).
#[inline]
pub(crate) fn forward_hop(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hop: Hop<'_>) -> Verdict {
    if let Hop::Adj(a) = hop
        && cx.dp.sysctl.ip_forward
        && pkt.len() <= a.mtu as usize
        && let Some(h) = pkt.data_mut().get_mut(..20)
        && h[8] > 1
    {
        Ipv4Packet::new_unchecked(h).dec_ttl_update_checksum();
        return forwarded(cx, pkt, hop, false);
    }
    forward_checked(cx, pkt, hop)
}

/// [`forward_hop`] in full: each check in turn, and its ICMP error.
#[inline(never)]
fn forward_checked(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hop: Hop<'_>) -> Verdict {
    if !cx.dp.sysctl.ip_forward {
        return Verdict::Drop(DropReason::NoRoute);
    }
    let (ttl, df) = {
        let ip = Ipv4Packet::new_unchecked(pkt.data());
        (ip.ttl(), ip.dont_frag())
    };
    if ttl <= 1 {
        return icmp::error4(
            cx,
            pkt,
            (icmpv4::TYPE_TIME_EXCEEDED, 0, 0),
            Limit::Icmp,
            DropReason::TtlExpired,
        );
    }
    let mtu = hop.mtu(cx);
    if pkt.len() > mtu {
        if df {
            return icmp::error4(
                cx,
                pkt,
                (icmpv4::TYPE_DEST_UNREACH, 4, mtu as u32),
                Limit::Icmp,
                DropReason::MtuExceeded,
            );
        }
        return Verdict::Drop(DropReason::FragmentationNeeded);
    }
    Ipv4Packet::new_unchecked(pkt.data_mut()).dec_ttl_update_checksum();
    forwarded(cx, pkt, hop, false)
}

/// Sends a packet this router originates, from the L3 domain of link `l3_iif`.
pub(crate) fn output_local(cx: &mut Cx<'_>, pkt: &mut PacketBuf, l3_iif: u32) -> Verdict {
    // An output route replaces any tunnel metadata the packet was built from.
    pkt.meta.tun = None;
    let (src, dst, proto) = {
        let ip = Ipv4Packet::new_unchecked(pkt.data());
        (ip.src_addr(), ip.dst_addr(), ip.protocol())
    };
    let link = cx.dp.link(l3_iif);
    let flow = Flow {
        iif: crate::router::LOOPBACK_IFINDEX,
        oif: link.map_or(0, |l| l.l3_dev),
        l3_table: link.and_then(|l| l.l3_table),
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        mark: pkt.meta.mark,
        tun_id: 0,
    };
    let route = match lookup::lookup(cx.dp, &flow) {
        Res::Route(r) => r,
        _ => return Verdict::Drop(DropReason::NoRoute),
    };
    match route.kind {
        RouteKind::Unicast => {}
        RouteKind::Local => return Verdict::Consumed,
        _ => return Verdict::Drop(DropReason::NoRoute),
    }
    let hash = super::flow_hash(&src.octets(), &dst.octets(), proto);
    let Some(nh) = lookup::select_nexthop(route, hash) else {
        return Verdict::Drop(DropReason::NoRoute);
    };
    if src.is_unspecified() {
        // Source selection on the output device (route prefsrc first).
        let s = match route.prefsrc {
            Some(IpAddr::V4(a)) => Some(a),
            _ => cx.dp.link(nh.oif).and_then(|l| output::src4_on(l, dst)),
        }
        .unwrap_or(Ipv4Addr::UNSPECIFIED);
        let mut ip = Ipv4Packet::new_unchecked(pkt.data_mut());
        ip.set_src_addr(s);
        ip.fill_checksum();
    }
    if let Some(lwt) = &nh.lwt
        && lwt.has_output()
    {
        return super::seg6::output(cx, pkt, lwt, hash, l3_iif);
    }
    cx.w.stats.generated += 1;
    output::out_nexthop(cx, pkt, nh, IpAddr::V4(dst), 0)
}

/// Local delivery (`ip_local_deliver`): echo requests are answered; UDP gets a port
/// unreachable and unknown protocols a protocol unreachable, as the kernel sends them.
fn local(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
    let (proto, hlen, frag) = {
        let ip = Ipv4Packet::new_unchecked(pkt.data());
        (ip.protocol(), ip.header_len(), ip.is_fragment())
    };
    if frag {
        return Verdict::Drop(DropReason::Ipv4Fragment);
    }
    match proto {
        ip_proto::ICMP => {
            let t = pkt.data().get(hlen).copied();
            if t == Some(icmpv4::TYPE_ECHO_REQUEST) {
                icmp::echo_reply4(cx, pkt, hlen)
            } else {
                Verdict::Consumed
            }
        }
        ip_proto::UDP => match super::vxlan::rcv(cx, pkt, hlen) {
            Some(v) => v,
            None => icmp::error4(
                cx,
                pkt,
                (icmpv4::TYPE_DEST_UNREACH, 3, 0),
                Limit::Icmp,
                DropReason::LocalNoListener,
            ),
        },
        ip_proto::TCP => Verdict::Drop(DropReason::LocalNoListener),
        _ => icmp::error4(
            cx,
            pkt,
            (icmpv4::TYPE_DEST_UNREACH, 2, 0),
            Limit::Icmp,
            DropReason::UnknownProtocol,
        ),
    }
}
