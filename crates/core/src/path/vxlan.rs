//! The VXLAN device on the packet path (drivers/net/vxlan/vxlan_core.c).
//!
//! - [`rcv`] (`vxlan_rcv`): a UDP datagram to a local address on a VXLAN port is checked
//!   (I flag, VNI, reserved bits), its metadata filled from the outer headers on a
//!   flow-based device, the outer headers pulled, ECN decapsulated, and the inner frame
//!   received again as if it arrived on the VXLAN device.
//! - [`xmit`] (`vxlan_xmit`, `vxlan_xmit_one`): a frame the device is given is
//!   encapsulated in IP + UDP + VXLAN in the headroom — with parameters from the tunnel
//!   metadata (flow-based) or the device and its FDB (classic) — and the outer packet is
//!   routed and sent, as the kernel's `udp_tunnel_xmit_skb` does.
//! - [`templates`]: the outer headers precomputed, per `encap ip` route, at snapshot time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_wire::checksum;
use lwt_wire::{Ipv4Packet, Ipv6Packet, UdpPacket, VxlanHeader, VxlanRepr, ip_proto};

use super::lookup::{self, Flow, Res};
use super::{Cx, Verdict, output};
use crate::dataplane::{Dataplane, LinkDp, LinkDpKind, RouteKind};
use crate::drop_reason::DropReason;
use crate::lwt::Lwt;
use crate::packet::PacketBuf;
use crate::router::LOOPBACK_IFINDEX;
use crate::tunnel::{self, TunFlags, TunnelMeta};
use crate::vxlan::{HDR4, HDR6, VxlanDev, VxlanSock, VxlanTemplate, inner_flow_hash};

const ECN_MASK: u8 = 0x03;
const ECN_ECT1: u8 = 0x01;
const ECN_ECT0: u8 = 0x02;
const ECN_CE: u8 = 0x03;

/// One's-complement 16-bit addition (`csum16_add`).
#[inline]
fn csum16_add(a: u16, b: u16) -> u16 {
    let s = u32::from(a) + u32::from(b);
    ((s & 0xffff) + (s >> 16)) as u16
}

/// `ip_tunnel_get_dsfield` of the inner frame: the IPv4 TOS or IPv6 traffic class, 0 for
/// anything else.
#[inline]
fn inner_dsfield(frame: &[u8]) -> u8 {
    match (frame.get(12..16), frame.len()) {
        (Some([0x08, 0x00, _, tos]), n) if n >= 34 => *tos,
        (Some([0x86, 0xdd, a, b]), n) if n >= 54 => ((a & 0x0f) << 4) | (b >> 4),
        _ => 0,
    }
}

/// `INET_ECN_encapsulate`: the outer DS field keeps the DSCP of `tos` and takes the
/// inner ECN bits, CE becoming ECT(0).
#[inline]
fn ecn_encap(tos: u8, inner: u8) -> u8 {
    let ecn = match inner & ECN_MASK {
        ECN_CE => ECN_ECT0,
        e => e,
    };
    (tos & !ECN_MASK) | ecn
}

/// `INET_ECN_decapsulate` on the inner frame: outer CE marks an ECN-capable inner packet
/// CE, outer ECT(1) turns an inner ECT(0) into ECT(1); false (drop) for outer CE on a
/// non-ECT inner packet. Non-IP frames pass.
fn ecn_decap(outer: u8, frame: &mut [u8]) -> bool {
    let outer = outer & ECN_MASK;
    match (frame.get(12..14), frame.len()) {
        (Some([0x08, 0x00]), n) if n >= 34 => {
            let tos = frame[15];
            if tos & ECN_MASK == 0 {
                return outer != ECN_CE;
            }
            let check = u16::from_be_bytes([frame[24], frame[25]]);
            if outer == ECN_CE {
                // IP_ECN_set_ce
                let ecn = (tos.wrapping_add(1)) & ECN_MASK;
                if ecn & 2 != 0 {
                    let c = csum16_add(check, 0xfffb + u16::from(ecn));
                    frame[24..26].copy_from_slice(&c.to_be_bytes());
                    frame[15] = tos | ECN_CE;
                }
            } else if outer == ECN_ECT1 && tos & ECN_MASK == ECN_ECT0 {
                // IP_ECN_set_ect1
                let c = csum16_add(check, 0x0001);
                frame[24..26].copy_from_slice(&c.to_be_bytes());
                frame[15] = tos ^ ECN_MASK;
            }
            true
        }
        (Some([0x86, 0xdd]), n) if n >= 54 => {
            let ecn = (frame[15] >> 4) & ECN_MASK;
            if ecn == 0 {
                return outer != ECN_CE;
            }
            if outer == ECN_CE {
                frame[15] |= ECN_CE << 4;
            } else if outer == ECN_ECT1 && ecn == ECN_ECT0 {
                frame[15] ^= ECN_MASK << 4;
            }
            true
        }
        _ => true,
    }
}

fn is_local(dp: &Dataplane, a: IpAddr) -> bool {
    dp.links.iter().flatten().any(|l| match a {
        IpAddr::V4(a) => l.v4.iter().any(|(x, _)| *x == a),
        IpAddr::V6(a) => l.v6.iter().any(|(x, _)| *x == a),
    })
}

/// `vxlan_rcv`: a UDP datagram to a local address; `l4` is the offset of its UDP header
/// (the packet starts at the outer IP header). `None` when no VXLAN device listens on
/// the port (the datagram goes on to a port unreachable).
pub(crate) fn rcv(cx: &mut Cx<'_>, pkt: &mut PacketBuf, l4: usize) -> Option<Verdict> {
    let sock = sock(cx.dp, pkt.data(), pkt.meta.iif, l4)?;
    Some(match decap(cx, pkt, l4, sock) {
        Ok(()) => super::receive(cx, pkt),
        Err(r) => Verdict::Drop(r),
    })
}

/// The VXLAN socket a UDP datagram to a local address is for (`ip` starts at its IP
/// header, `l4` is the offset of its UDP header), received on link `iif`.
#[inline]
pub(crate) fn sock<'a>(dp: &'a Dataplane, ip: &[u8], iif: u32, l4: usize) -> Option<&'a VxlanSock> {
    if dp.vxlan_socks.is_empty() {
        return None;
    }
    let v6 = ip.first().is_some_and(|b| b >> 4 == 6);
    let port = ip
        .get(l4 + 2..l4 + 4)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))?;
    let sock = dp
        .vxlan_socks
        .iter()
        .find(|s| s.port == port && s.v6 == v6)?;
    // The sockets are bound to no device: datagrams received in a VRF do not reach them
    // (udp_l3mdev_accept=0).
    if dp.link(iif).is_some_and(|l| l.l3_dev != 0) {
        return None;
    }
    Some(sock)
}

/// The outer header of a received datagram: addresses, TOS/traffic class, TTL/hop
/// limit, and DF (IPv4) or the flow label (IPv6).
#[derive(Clone, Copy)]
enum OuterRx {
    V4(Ipv4Addr, Ipv4Addr, u8, u8, bool),
    V6(Ipv6Addr, Ipv6Addr, u8, u8, u32),
}

/// Checks a datagram for `sock` and strips its outer headers: `Ok` leaves the inner
/// frame in `pkt`, received on its VXLAN device with the metadata filled, for
/// [`super::receive`]; `Err` is why the device drops the datagram.
pub(crate) fn decap(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    l4: usize,
    sock: &VxlanSock,
) -> Result<(), DropReason> {
    let dp = cx.dp;
    let (meta, gbp_hdr, outer_tos, udp_len, ifx) = {
        let data = pkt.data();
        let Ok(udp) = UdpPacket::new_checked(&data[l4..]) else {
            return Err(DropReason::UdpMalformed);
        };
        // The outer header fields `udp_tun_rx_dst` copies.
        let outer = if sock.v6 {
            let ip = Ipv6Packet::new_unchecked(data);
            let (s, d) = (ip.src_addr(), ip.dst_addr());
            if udp.checksum() == 0 {
                // No udp6zerocsumrx in lwt: the kernel's default refuses zero checksums.
                return Err(DropReason::UdpZeroChecksum6);
            }
            if !udp.verify_checksum_v6(&s, &d) {
                return Err(DropReason::UdpBadChecksum);
            }
            OuterRx::V6(s, d, ip.traffic_class(), ip.hop_limit(), ip.flow_label())
        } else {
            let ip = Ipv4Packet::new_unchecked(data);
            let (s, d) = (ip.src_addr(), ip.dst_addr());
            if !udp.verify_checksum_v4(&s, &d) {
                return Err(DropReason::UdpBadChecksum);
            }
            OuterRx::V4(s, d, ip.tos(), ip.ttl(), ip.dont_frag())
        };
        let payload = udp.payload();
        if payload.len() < lwt_wire::vxlan::HEADER_LEN {
            return Err(DropReason::VxlanTooShort);
        }
        let vh = VxlanHeader::new_unchecked(payload);
        if !vh.has_vni_flag() {
            return Err(DropReason::VxlanNoIFlag);
        }
        let vni = vh.vni();
        // vxlan_vs_find_vni: a metadata device takes every VNI.
        let Some(ifx) = sock.external.or_else(|| sock.by_vni.get(&vni).copied()) else {
            return Err(DropReason::VxlanUnknownVni);
        };
        let Some(dev) = dp.link(ifx).and_then(|l| l.vxlan.as_deref()) else {
            return Err(DropReason::VxlanUnknownVni);
        };
        if !vh.reserved_bits_ok(dev.gbp) {
            cx.w.stats.link(ifx).rx_dropped += 1;
            return Err(DropReason::VxlanReservedBits);
        }
        let gbp = if dev.gbp { vh.gbp_metadata() } else { None };
        let ports = (udp.src_port(), udp.dst_port());
        let csum = udp.checksum() != 0;
        let meta = dev.external.then(|| {
            let m = match outer {
                OuterRx::V4(s, d, tos, ttl, df) => {
                    TunnelMeta::rx_v4(vni, s, d, tos, ttl, df, ports, csum)
                }
                OuterRx::V6(s, d, tc, hl, fl) => {
                    TunnelMeta::rx_v6(vni, s, d, tc, hl, fl, ports, csum)
                }
            };
            match gbp {
                Some(g) => m.with_gbp(g),
                None => m,
            }
        });
        let tos = match outer {
            OuterRx::V4(_, _, t, _, _) | OuterRx::V6(_, _, t, _, _) => t,
        };
        (meta, gbp, tos, usize::from(udp.len()), ifx)
    };
    let Some(link) = dp.link(ifx) else {
        return Err(DropReason::LinkDown);
    };
    let dev = link.vxlan.as_deref().expect("VXLAN link");
    // The datagram ends where UDP says (udp_rcv trims the rest).
    pkt.truncate(l4 + udp_len);
    pkt.pull_front(l4 + HDR4 - 20);
    if pkt.len() < lwt_wire::ethernet::HEADER_LEN {
        return Err(DropReason::VxlanInnerTooShort);
    }
    // vxlan_set_mac: a frame from the device's own MAC is a loop.
    if pkt.data()[6..12] == dev.mac {
        return Err(DropReason::VxlanOwnMac);
    }
    if !ecn_decap(outer_tos, pkt.data_mut()) {
        cx.w.stats.link(ifx).rx_dropped += 1;
        return Err(DropReason::VxlanEcn);
    }
    if !link.up {
        cx.w.stats.link(ifx).rx_dropped += 1;
        return Err(DropReason::LinkDown);
    }
    // The nested-tunnel limit the seg6 hooks share.
    super::seg6::enter(pkt)?;
    cx.w.stats.link(ifx).rx.add(pkt.len());
    // A classic device puts GBP in the mark; a metadata device in the metadata.
    if let (false, Some(g)) = (dev.external, gbp_hdr) {
        pkt.meta.mark = g;
    }
    pkt.meta.tun = meta;
    pkt.meta.iif = ifx;
    if let Some(t) = cx.w.trace.as_mut()
        && let Some(m) = &pkt.meta.tun
    {
        t.push(format!("{}: rx {m}", link.name));
    }
    Ok(())
}

/// The outer parameters of one transmission (`vxlan_xmit_one`'s locals).
struct Outer {
    v6: bool,
    /// Source hint (unspecified: the route's choice).
    src: IpAddr,
    dst: IpAddr,
    port: u16,
    vni: u32,
    ttl: u8,
    tos: u8,
    df: bool,
    csum: bool,
    label: u32,
    /// GBP header value when the device has `gbp` (0: none).
    gbp: u32,
}

/// `vxlan_xmit`: the device was given `pkt` (an Ethernet frame). `route` is the state of
/// the route the packet took, read through [`tunnel::tunnel_info`].
pub(crate) fn xmit(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    link: &LinkDp,
    route: Option<&Lwt>,
) -> Verdict {
    let Some(dev) = link.vxlan.as_deref() else {
        return Verdict::Drop(DropReason::LinkDown);
    };
    let len = pkt.len();
    let v = xmit_dev(cx, pkt, link, dev, route);
    let s = cx.w.stats.link(link.ifindex);
    match v {
        Verdict::Drop(_) => s.tx_dropped += 1,
        _ => s.tx.add(len),
    }
    v
}

fn xmit_dev(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    link: &LinkDp,
    dev: &VxlanDev,
    route: Option<&Lwt>,
) -> Verdict {
    // dev_xmit_recursion: nested device transmissions are bounded.
    if let Err(r) = super::seg6::enter(pkt) {
        return Verdict::Drop(r);
    }
    if !dev.external {
        return xmit_classic(cx, pkt, link, dev);
    }
    // The route's precomputed outer headers, when the packet has no metadata of its own.
    if pkt.meta.tun.is_none()
        && pkt.meta.mark == 0
        && cx.w.trace.is_none()
        && let Some(Lwt::IpTun(s)) = route
        && let Some(t) = &s.vxlan
    {
        return xmit_template(cx, pkt, dev, t);
    }
    let Some(info) = tunnel::tunnel_info(&pkt.meta, route) else {
        return Verdict::Drop(DropReason::VxlanNoTxInfo);
    };
    if !info.is_tx() || info.mode() & tunnel::mode::BRIDGE != 0 {
        // No TX metadata: the kernel drops without counting (TUNNEL_TXINFO).
        return Verdict::Drop(DropReason::VxlanNoTxInfo);
    }
    let gbp = match info.vxlan_gbp() {
        Ok(g) => g,
        Err(r) => return Verdict::Drop(r),
    };
    let k = *info.key();
    let v6 = info.is_ipv6();
    if k.dst.is_ipv6() != v6 || k.src.is_ipv6() != v6 {
        return Verdict::Drop(DropReason::VxlanWrongFamily);
    }
    if let Some(t) = cx.w.trace.as_mut() {
        t.push(format!("{}: tx {}", link.name, info.to_meta()));
    }
    let o = Outer {
        v6,
        src: k.src,
        dst: k.dst,
        port: if k.tp_dst != 0 { k.tp_dst } else { dev.port },
        vni: k.vni(),
        ttl: k.ttl,
        tos: k.tos,
        df: k.flags.has(TunFlags::DONT_FRAGMENT),
        csum: k.flags.has(TunFlags::CSUM),
        label: k.label,
        gbp: gbp.unwrap_or(0),
    };
    send(cx, pkt, link, dev, &o)
}

/// A classic device: the remote from the FDB by destination MAC, else the default
/// (all-zeros) entry; everything else from the device.
fn xmit_classic(cx: &mut Cx<'_>, pkt: &mut PacketBuf, link: &LinkDp, dev: &VxlanDev) -> Verdict {
    let dst_mac: [u8; 6] = pkt.data()[..6].try_into().expect("Ethernet header");
    let remote = dev.fdb.get(&dst_mac).or_else(|| dev.fdb.get(&[0; 6]));
    let Some(r) = remote.filter(|r| !r.ip.is_unspecified()) else {
        return Verdict::Drop(DropReason::VxlanNoRemote);
    };
    let tos = match dev.tos {
        1 => inner_dsfield(pkt.data()),
        t => t,
    };
    let ttl = if dev.ttl == 0 && r.ip.is_multicast() {
        1
    } else {
        dev.ttl
    };
    let any = if dev.v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    let o = Outer {
        v6: dev.v6,
        src: dev.local.unwrap_or(any),
        dst: r.ip,
        port: if r.port != 0 { r.port } else { dev.port },
        vni: r.vni.unwrap_or(dev.vni),
        ttl,
        tos,
        df: false,
        // IPv4: `[no]udpcsum`; IPv6: always (no udp6zerocsumtx in lwt).
        csum: dev.v6 || dev.udp_csum,
        label: 0,
        gbp: if dev.gbp { pkt.meta.mark } else { 0 },
    };
    send(cx, pkt, link, dev, &o)
}

/// Writes the outer IP + UDP + VXLAN headers into `h` (HDR4 or HDR6 bytes) for an inner
/// frame of `inner_len` bytes; the UDP checksum is left 0.
#[allow(clippy::too_many_arguments)]
fn write_headers(
    h: &mut [u8],
    dev: &VxlanDev,
    o: &Outer,
    src: IpAddr,
    ttl: u8,
    tos: u8,
    sport: u16,
    inner_len: usize,
) {
    let ip_len = if o.v6 { 40 } else { 20 };
    let udp_len = inner_len + 16;
    match (src, o.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut ip = Ipv4Packet::new_unchecked(&mut h[..20]);
            ip.set_version(4);
            ip.set_header_len(20);
            ip.set_tos(tos);
            ip.set_total_len((20 + udp_len) as u16);
            ip.set_ident(0);
            ip.set_flags_frag(if o.df { 0x4000 } else { 0 });
            ip.set_ttl(ttl);
            ip.set_protocol(ip_proto::UDP);
            ip.set_src_addr(s);
            ip.set_dst_addr(d);
            ip.set_checksum(0);
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut ip = Ipv6Packet::new_unchecked(&mut h[..40]);
            ip.set_version(6);
            ip.set_traffic_class(tos);
            ip.set_flow_label(o.label & 0xf_ffff);
            ip.set_payload_len(udp_len as u16);
            ip.set_next_header(ip_proto::UDP);
            ip.set_hop_limit(ttl);
            ip.set_src_addr(s);
            ip.set_dst_addr(d);
        }
        _ => {}
    }
    {
        let mut udp = UdpPacket::new_unchecked(&mut h[ip_len..ip_len + 8]);
        udp.set_src_port(sport);
        udp.set_dst_port(o.port);
        udp.set_len(udp_len as u16);
        udp.set_checksum(0);
    }
    // vxlan_build_skb: a GBP header only with the device's `gbp` and a non-zero value.
    let gbp = (dev.gbp && o.gbp != 0).then_some(o.gbp & crate::tunnel::VXLAN_GBP_MASK);
    VxlanRepr { vni: o.vni, gbp }
        .emit(&mut h[ip_len + 8..ip_len + 16])
        .ok();
}

/// Fills the per-packet fields of headers just pushed in front of the inner frame: the
/// IPv4 id and header checksum, the UDP checksum if asked for.
fn finish_headers(cx: &mut Cx<'_>, pkt: &mut PacketBuf, v6: bool, csum: bool, ip: bool) {
    let ip_len = if v6 { 40 } else { 20 };
    let data = pkt.data_mut();
    if !v6 && ip {
        // iptunnel_xmit: __ip_select_ident (random in the kernel, a counter here).
        cx.w.ip_id = cx.w.ip_id.wrapping_add(1).max(1);
        let mut ip = Ipv4Packet::new_unchecked(&mut data[..20]);
        ip.set_ident(cx.w.ip_id);
        ip.fill_checksum();
    }
    if csum {
        let (ip, rest) = data.split_at_mut(ip_len);
        let mut udp = UdpPacket::new_unchecked(rest);
        if v6 {
            let ip = Ipv6Packet::new_unchecked(&*ip);
            udp.fill_checksum_v6(&ip.src_addr(), &ip.dst_addr());
        } else {
            let ip = Ipv4Packet::new_unchecked(&*ip);
            udp.fill_checksum_v4(&ip.src_addr(), &ip.dst_addr());
        }
    }
}

/// `vxlan_xmit_one` from the outer route lookup on (`udp_tunnel_dst_lookup`,
/// `udp_tunnel6_dst_lookup`), then `udp_tunnel_xmit_skb` / `udp_tunnel6_xmit_skb`.
fn send(cx: &mut Cx<'_>, pkt: &mut PacketBuf, link: &LinkDp, dev: &VxlanDev, o: &Outer) -> Verdict {
    let dp = cx.dp;
    let inner_ds = inner_dsfield(pkt.data());
    let sport = dev.src_port(inner_flow_hash(pkt.data()));
    // A given source must be ours (ip_route_output_key refuses others).
    if !o.src.is_unspecified() && !is_local(dp, o.src) {
        return Verdict::Drop(DropReason::VxlanSourceNotLocal);
    }
    let flow = Flow {
        iif: LOOPBACK_IFINDEX,
        oif: 0,
        l3_table: None,
        src: o.src,
        dst: o.dst,
        mark: pkt.meta.mark,
        tun_id: 0,
    };
    let route = match lookup::lookup(dp, &flow) {
        Res::Route(r) => r,
        _ => return Verdict::Drop(DropReason::VxlanNoRoute),
    };
    let hash = match (o.src, o.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => super::flow_hash(&s.octets(), &d.octets(), 17),
        (IpAddr::V6(s), IpAddr::V6(d)) => super::flow_hash(&s.octets(), &d.octets(), 17),
        _ => 0,
    };
    let (nh, olink) = match route.kind {
        RouteKind::Unicast => {
            let Some(nh) = lookup::select_nexthop(route, hash) else {
                return Verdict::Drop(DropReason::VxlanNoRoute);
            };
            if nh.oif == link.ifindex {
                // udp_tunnel_dst_lookup: a route back into the device is a loop (-ELOOP).
                return Verdict::Drop(DropReason::VxlanRouteLoop);
            }
            let Some(olink) = dp.link(nh.oif) else {
                return Verdict::Drop(DropReason::VxlanNoRoute);
            };
            (Some(nh), olink)
        }
        // To a local address: delivered to ourselves, as the kernel's loopback does.
        RouteKind::Local => (None, dp.link(LOOPBACK_IFINDEX).unwrap_or(link)),
        _ => return Verdict::Drop(DropReason::VxlanNoRoute),
    };
    let src = if !o.src.is_unspecified() {
        Some(o.src)
    } else if let Some(p) = route.prefsrc.filter(|p| p.is_ipv6() == o.v6) {
        Some(p)
    } else if route.kind == RouteKind::Local {
        Some(o.dst)
    } else {
        match o.dst {
            IpAddr::V4(d) => output::src4_on(olink, d).map(IpAddr::V4),
            IpAddr::V6(d) => output::src6_on(olink, d.is_unicast_link_local()).map(IpAddr::V6),
        }
    };
    let Some(src) = src else {
        return Verdict::Drop(DropReason::VxlanNoRoute);
    };
    // ttl 0: the route's hop limit (ip4_dst_hoplimit / ip6_dst_hoplimit), not the inner.
    let ttl = match (o.ttl, o.v6) {
        (0, false) => dp.sysctl.ip_default_ttl,
        (0, true) => olink.hop_limit,
        (t, _) => t,
    };
    let tos = ecn_encap(o.tos, inner_ds);
    let hdr = if o.v6 { HDR6 } else { HDR4 };
    let inner_len = pkt.len();
    if inner_len + hdr > usize::from(u16::MAX) - 40 {
        return Verdict::Drop(DropReason::FrameTooLarge);
    }
    let Some(h) = pkt.push_front(hdr) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    write_headers(&mut h[..hdr], dev, o, src, ttl, tos, sport, inner_len);
    finish_headers(cx, pkt, o.v6, o.csum, true);
    // The outer packet has the route's dst: no metadata of its own.
    pkt.meta.tun = None;
    let Some(nh) = nh else {
        pkt.meta.iif = LOOPBACK_IFINDEX;
        return rcv(cx, pkt, hdr - 16).unwrap_or(Verdict::Drop(DropReason::LocalNoListener));
    };
    if pkt.len() > olink.mtu as usize && olink.kind == LinkDpKind::Ether {
        return Verdict::Drop(if o.df || o.v6 {
            DropReason::MtuExceeded
        } else {
            DropReason::FragmentationNeeded
        });
    }
    if let Some(l) = &nh.lwt
        && l.has_output()
    {
        return super::seg6::output(cx, pkt, l, hash, LOOPBACK_IFINDEX);
    }
    output::out_nexthop(cx, pkt, nh, o.dst, 0)
}

/// The whole transmission decided at snapshot time (`encap ip` route through a
/// flow-based device to a gateway with a static neighbour entry): the inner Ethernet
/// header and the outer headers come from the template, no lookup at all. `None` when
/// the packet cannot take it (own metadata, a mark, tracing on).
#[inline]
pub(crate) fn xmit_cached(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    oif: u32,
    s: &crate::lwt::IpTunState,
) -> Option<Verdict> {
    let t = s.vxlan.as_deref()?;
    let (dst, src) = t.inner?;
    if pkt.meta.tun.is_some() || pkt.meta.mark != 0 || cx.w.trace.is_some() {
        return None;
    }
    let dev = cx.dp.link(oif)?.vxlan.as_deref()?;
    let et = match pkt.data().first().map(|b| b >> 4) {
        Some(4) => lwt_wire::ethertype::IPV4,
        Some(6) => lwt_wire::ethertype::IPV6,
        _ => return None,
    };
    if let Err(r) = super::seg6::enter(pkt) {
        return Some(Verdict::Drop(r));
    }
    if output::push_eth(pkt, dst, src, et).is_none() {
        return Some(Verdict::Drop(DropReason::NoHeadroom));
    }
    let len = pkt.len();
    let v = xmit_template(cx, pkt, dev, t);
    let st = cx.w.stats.link(oif);
    match v {
        Verdict::Drop(_) => st.tx_dropped += 1,
        _ => st.tx.add(len),
    }
    Some(v)
}

/// The precomputed path: copy the outer headers, patch lengths, ECN, source port, id and
/// checksums, and leave by the cached next hop.
fn xmit_template(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    dev: &VxlanDev,
    t: &VxlanTemplate,
) -> Verdict {
    let inner_ds = inner_dsfield(pkt.data());
    let sport = dev.src_port(inner_flow_hash(pkt.data()));
    let inner_len = pkt.len();
    let total = inner_len + t.len;
    if total > t.mtu as usize {
        let df = t.v6 || t.hdr[6] & 0x40 != 0;
        return Verdict::Drop(if df {
            DropReason::MtuExceeded
        } else {
            DropReason::FragmentationNeeded
        });
    }
    let Some(h) = pkt.push_front(t.len) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    let h = &mut h[..t.len];
    h.copy_from_slice(&t.hdr[..t.len]);
    let udp_len = (inner_len + 16) as u16;
    let ip_len = if t.v6 {
        h[1] |= (ecn_encap(0, inner_ds) & ECN_MASK) << 4;
        h[4..6].copy_from_slice(&udp_len.to_be_bytes());
        40
    } else {
        h[1] |= ecn_encap(0, inner_ds) & ECN_MASK;
        h[2..4].copy_from_slice(&(udp_len + 20).to_be_bytes());
        20
    };
    h[ip_len..ip_len + 2].copy_from_slice(&sport.to_be_bytes());
    h[ip_len + 4..ip_len + 6].copy_from_slice(&udp_len.to_be_bytes());
    if !t.v6 {
        // iptunnel_xmit: __ip_select_ident (random in the kernel, a counter here); the
        // header checksum updated from the template's sum.
        cx.w.ip_id = cx.w.ip_id.wrapping_add(1).max(1);
        let id = cx.w.ip_id;
        h[4..6].copy_from_slice(&id.to_be_bytes());
        let ecn = u16::from(h[1] & ECN_MASK);
        let c = csum16_add(csum16_add(csum16_add(t.ip_sum, udp_len + 20), id), ecn);
        h[10..12].copy_from_slice(&(!c).to_be_bytes());
    }
    if t.csum {
        finish_headers(cx, pkt, t.v6, true, false);
    }
    match t.eth {
        Some((dst, src)) => match output::push_eth(
            pkt,
            dst,
            src,
            if t.v6 {
                lwt_wire::ethertype::IPV6
            } else {
                lwt_wire::ethertype::IPV4
            },
        ) {
            Some(()) => Verdict::Tx(t.oif),
            None => Verdict::Drop(DropReason::NoHeadroom),
        },
        None => output::xmit(cx, pkt, t.oif, t.via),
    }
}

/// Precomputes the outer headers of every `encap ip` / `encap ip6` next hop whose
/// device is a flow-based VXLAN device, when the outer path is fixed by the snapshot:
/// one unicast next hop without an LWT state of its own on an Ethernet device, a local
/// (or route-chosen) source. The general path ([`send`]) gives the same bytes.
pub(crate) fn templates(dp: &mut Dataplane) {
    let mut found = Vec::new();
    for (ti, t) in dp.tables.iter().enumerate() {
        for (v6, routes) in [(false, &t.routes4), (true, &t.routes6)] {
            for (ri, r) in routes.iter().enumerate() {
                for (ni, nh) in r.nexthops.iter().enumerate() {
                    if let Some(Lwt::IpTun(s)) = &nh.lwt
                        && let Some(link) = dp.link(nh.oif).filter(|l| l.up)
                        && let Some(dev) = link.vxlan.as_deref()
                        && let Some(mut tpl) = template(dp, dev, &s.info)
                    {
                        // The inner neighbour too, when it is a static entry (exact: they
                        // win over learnt ones) of the route's gateway.
                        tpl.inner = nh
                            .gateway
                            .and_then(|gw| dp.neigh.get(&(nh.oif, gw)))
                            .map(|m| (*m, link.mac));
                        found.push((ti, v6, ri, ni, tpl));
                    }
                }
            }
        }
    }
    for (ti, v6, ri, ni, tpl) in found {
        let t = &mut dp.tables[ti];
        let r = if v6 {
            &mut t.routes6[ri]
        } else {
            &mut t.routes4[ri]
        };
        if let Some(Lwt::IpTun(s)) = &mut r.nexthops[ni].lwt {
            s.vxlan = Some(Box::new(tpl));
        }
    }
}

fn template(dp: &Dataplane, dev: &VxlanDev, info: &tunnel::TunnelInfo) -> Option<VxlanTemplate> {
    if !dev.external {
        return None;
    }
    let r = tunnel::TunnelRef::Route(info);
    let gbp = r.vxlan_gbp().ok()?;
    let k = &info.key;
    let v6 = r.is_ipv6();
    if k.dst.is_ipv6() != v6 || k.src.is_ipv6() != v6 {
        return None;
    }
    if !k.src.is_unspecified() && !is_local(dp, k.src) {
        return None;
    }
    let flow = Flow {
        iif: LOOPBACK_IFINDEX,
        oif: 0,
        l3_table: None,
        src: k.src,
        dst: k.dst,
        mark: 0,
        tun_id: 0,
    };
    let Res::Route(route) = lookup::lookup(dp, &flow) else {
        return None;
    };
    if route.kind != RouteKind::Unicast || route.nexthops.len() != 1 {
        return None;
    }
    let nh = &route.nexthops[0];
    let olink = dp.link(nh.oif)?;
    if nh.lwt.is_some() || nh.oif == dev.ifindex || olink.kind != LinkDpKind::Ether || !olink.up {
        return None;
    }
    let src = if !k.src.is_unspecified() {
        k.src
    } else if let Some(p) = route.prefsrc.filter(|p| p.is_ipv6() == v6) {
        p
    } else {
        match k.dst {
            IpAddr::V4(d) => IpAddr::V4(output::src4_on(olink, d)?),
            IpAddr::V6(d) => IpAddr::V6(output::src6_on(olink, d.is_unicast_link_local())?),
        }
    };
    let ttl = match (k.ttl, v6) {
        (0, false) => dp.sysctl.ip_default_ttl,
        (0, true) => olink.hop_limit,
        (t, _) => t,
    };
    let o = Outer {
        v6,
        src,
        dst: k.dst,
        port: if k.tp_dst != 0 { k.tp_dst } else { dev.port },
        vni: k.vni(),
        ttl,
        tos: k.tos & !ECN_MASK,
        df: k.flags.has(TunFlags::DONT_FRAGMENT),
        csum: k.flags.has(TunFlags::CSUM),
        label: k.label,
        gbp: gbp.unwrap_or(0),
    };
    let len = if v6 { HDR6 } else { HDR4 };
    let mut hdr = [0u8; HDR6];
    write_headers(&mut hdr[..len], dev, &o, src, ttl, o.tos, 0, 0);
    let ip_sum = if v6 {
        0
    } else {
        hdr[2..4].fill(0);
        checksum::data(&hdr[..20])
    };
    let via = nh.gateway.unwrap_or(k.dst);
    Some(VxlanTemplate {
        hdr,
        len,
        v6,
        csum: o.csum,
        oif: nh.oif,
        via,
        mtu: olink.mtu,
        eth: dp.neigh.get(&(nh.oif, via)).map(|m| (*m, olink.mac)),
        ip_sum,
        inner: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecn_rules() {
        assert_eq!(ecn_encap(0xb8, 0x03), 0xba, "CE inner: ECT(0) outer");
        assert_eq!(ecn_encap(0xb8, 0x01), 0xb9);
        assert_eq!(
            ecn_encap(0xbb, 0x00),
            0xb8,
            "outer ECN bits come from the inner"
        );
        // An IPv4 inner frame with ECT(0); outer CE marks it CE, checksum patched.
        let mut f = vec![0u8; 34];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[15] = 0x02;
        f[22] = 64;
        f[23] = 17;
        {
            let mut ip = Ipv4Packet::new_unchecked(&mut f[14..34]);
            ip.fill_checksum();
        }
        assert!(ecn_decap(0x03, &mut f));
        assert_eq!(f[15], 0x03);
        assert!(Ipv4Packet::new_unchecked(&f[14..34]).verify_checksum());
        // Outer ECT(1) turns ECT(0) into ECT(1).
        f[15] = 0x02;
        Ipv4Packet::new_unchecked(&mut f[14..34]).fill_checksum();
        assert!(ecn_decap(0x01, &mut f));
        assert_eq!(f[15], 0x01);
        assert!(Ipv4Packet::new_unchecked(&f[14..34]).verify_checksum());
        // Outer CE on a non-ECT inner packet is dropped.
        f[15] = 0x00;
        assert!(!ecn_decap(0x03, &mut f));
        assert!(ecn_decap(0x01, &mut f));
        // Non-IP frames pass untouched.
        let mut arp = vec![0u8; 42];
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert!(ecn_decap(0x03, &mut arp));
    }
}
