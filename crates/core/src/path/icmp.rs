//! ICMP and ICMPv6 messages this router originates: errors (time exceeded, unreachable,
//! packet too big) built in place around the offending packet, and echo replies.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_wire::checksum;
use lwt_wire::{Ipv4Packet, Ipv6Packet, icmpv4, icmpv6, ip_proto};

use super::lookup::{self, Flow, Res};
use super::{Cx, Verdict, ip4, ip6, output};
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

const SLOTS: usize = 256;
/// Tokens a peer may bank, in units of the interval (the kernel's XRLIM_BURST_FACTOR).
const BURST: i64 = 6;

/// Which of the kernel's two limits applies to an IPv4 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `icmp_send` → `icmpv4_xrlim_allow`: `net.ipv4.icmp_ratelimit` per peer.
    Icmp,
    /// `ip_error` (no route, unreachable, prohibit): `route.error_cost` 1 s with a 5 s
    /// burst, in the same per-peer bucket.
    RouteError,
}

/// Per-peer token buckets for ICMP errors, modelled on the kernel's `inet_peer`
/// (`rate_tokens`, `rate_last` in milliseconds): fixed size, no allocation per packet.
pub struct RateLimiter {
    slots: Box<[(u128, i64, i64)]>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    pub fn new() -> Self {
        RateLimiter {
            slots: vec![(u128::MAX, 0, 0); SLOTS].into_boxed_slice(),
        }
    }

    fn slot(&mut self, peer: u128, now_ms: u64) -> &mut (u128, i64, i64) {
        let i = (peer as usize ^ (peer >> 64) as usize).wrapping_mul(0x9E37_79B9) % SLOTS;
        let s = &mut self.slots[i];
        if s.0 != peer {
            // A new peer starts as if last charged a minute ago (`inet_getpeer`).
            *s = (peer, 0, now_ms as i64 - 60_000);
        }
        s
    }

    /// `inet_peer_xrlim_allow`: may an error go to `peer` now? 0 ms means unlimited.
    pub fn allow(&mut self, peer: u128, now_ms: u64, interval_ms: u32) -> bool {
        let timeout = i64::from(interval_ms);
        let now = now_ms as i64;
        let s = self.slot(peer, now_ms);
        let mut token = s.1 + (now - s.2).max(0);
        s.2 = now;
        token = token.min(BURST * timeout);
        let ok = token >= timeout;
        if ok {
            token -= timeout;
        }
        s.1 = token;
        ok
    }

    /// `ip_error`'s limit: cost 1000 ms, burst 5000 ms.
    pub fn allow_route_error(&mut self, peer: u128, now_ms: u64) -> bool {
        const COST: i64 = 1000;
        const BURST_MS: i64 = 5000;
        let now = now_ms as i64;
        let s = self.slot(peer, now_ms);
        s.1 = (s.1 + (now - s.2).max(0)).min(BURST_MS);
        s.2 = now;
        if s.1 >= COST {
            s.1 -= COST;
            true
        } else {
            false
        }
    }
}

/// `icmp_send`: an ICMP error about the IPv4 packet in `pkt` (data at its IP header).
/// The packet itself is dropped under `reason`; the error replaces it when one is due.
pub(crate) fn error4(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    (typ, code, info): (u8, u8, u32),
    limit: Limit,
    reason: DropReason,
) -> Verdict {
    let (src, dst, tos, hlen, proto, frag_off) = {
        let ip = Ipv4Packet::new_unchecked(pkt.data());
        (
            ip.src_addr(),
            ip.dst_addr(),
            ip.tos(),
            ip.header_len(),
            ip.protocol(),
            ip.frag_offset(),
        )
    };
    // Never about: non-unicast sources, later fragments, ICMP errors.
    let about_error = proto == ip_proto::ICMP
        && pkt
            .data()
            .get(hlen)
            .is_some_and(|t| !matches!(*t, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18));
    if src.is_unspecified()
        || src.is_broadcast()
        || src.is_multicast()
        || frag_off != 0
        || about_error
        || dst.is_multicast()
        || dst.is_broadcast()
    {
        return Verdict::Drop(reason);
    }
    let peer = u128::from(u32::from(src));
    let allowed = match limit {
        Limit::Icmp => {
            cx.w.icmp_limit
                .allow(peer, cx.w.now_ms, cx.dp.sysctl.icmp_ratelimit_ms)
        }
        Limit::RouteError => cx.w.icmp_limit.allow_route_error(peer, cx.w.now_ms),
    };
    if !allowed {
        cx.w.stats.drop(reason);
        return Verdict::Drop(DropReason::IcmpRateLimited);
    }
    cx.w.stats.drop(reason);
    // The error comes from the address the packet was sent to if it was ours, else from
    // the address selected towards the sender.
    let from = if cx.dp.is_local(IpAddr::V4(dst)) {
        dst
    } else {
        Ipv4Addr::UNSPECIFIED
    };
    pkt.truncate(576 - 28);
    let qlen = pkt.len();
    let id = next_id(cx);
    let ttl = cx.dp.sysctl.ip_default_ttl;
    let Some(buf) = pkt.push_front(28) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    {
        let (hdr, icmp) = buf.split_at_mut(20);
        let mut ip = Ipv4Packet::new_unchecked(&mut hdr[..]);
        ip.set_version(4);
        ip.set_header_len(20);
        ip.set_tos((tos & 0x1e) | 0xc0);
        ip.set_total_len((28 + qlen) as u16);
        ip.set_ident(id);
        ip.set_flags_frag(0);
        ip.set_ttl(ttl);
        ip.set_protocol(ip_proto::ICMP);
        ip.set_src_addr(from);
        ip.set_dst_addr(src);
        ip.fill_checksum();
        icmp[0] = typ;
        icmp[1] = code;
        icmp[2..4].fill(0);
        icmp[4..8].copy_from_slice(&info.to_be_bytes());
        let c = checksum::finish(checksum::data(icmp));
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
    }
    let iif = pkt.meta.iif;
    ip4::output_local(cx, pkt, iif)
}

fn next_id(cx: &mut Cx<'_>) -> u16 {
    cx.w.ip_id = cx.w.ip_id.wrapping_add(1).max(1);
    cx.w.ip_id
}

/// Source for a packet this router sends to `dst` from the L3 domain of `l3_iif`:
/// a global address of the output link, else one of the domain.
fn select_src6(cx: &Cx<'_>, l3_iif: u32, dst: Ipv6Addr) -> Option<Ipv6Addr> {
    let link = cx.dp.link(l3_iif)?;
    let flow = Flow {
        iif: crate::router::LOOPBACK_IFINDEX,
        oif: link.l3_dev,
        l3_table: link.l3_table,
        src: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        dst: IpAddr::V6(dst),
        mark: 0,
        tun_id: 0,
    };
    let oif = match lookup::lookup(cx.dp, &flow) {
        Res::Route(r) => lookup::select_nexthop(r, 0).map(|n| n.oif),
        _ => None,
    };
    let ll = dst.is_unicast_link_local();
    oif.and_then(|o| cx.dp.link(o))
        .and_then(|l| output::src6_on(l, ll))
        .or_else(|| {
            cx.dp
                .links
                .iter()
                .flatten()
                .filter(|l| l.l3_dev == link.l3_dev && l.ifindex != 1)
                .find_map(|l| output::src6_on(l, ll))
        })
}

/// `icmp6_send`: an ICMPv6 error about the IPv6 packet in `pkt`.
pub(crate) fn error6(
    cx: &mut Cx<'_>,
    pkt: &mut PacketBuf,
    typ: u8,
    code: u8,
    info: u32,
    reason: DropReason,
) -> Verdict {
    let (src, dst, upper) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (ip.src_addr(), ip.dst_addr(), ip.upper_layer())
    };
    let about_error = matches!(upper, Ok((ip_proto::ICMPV6, off))
        if pkt.data().get(off).is_some_and(|t| *t < 128));
    let mcast_ok =
        typ == icmpv6::TYPE_PKT_TOO_BIG || (typ == icmpv6::TYPE_PARAM_PROBLEM && code == 2);
    if src.is_unspecified()
        || src.is_multicast()
        || about_error
        || (dst.is_multicast() && !mcast_ok)
    {
        return Verdict::Drop(reason);
    }
    let limited = typ != icmpv6::TYPE_PKT_TOO_BIG;
    if limited
        && !cx.w.icmp_limit.allow(
            u128::from(src),
            cx.w.now_ms,
            cx.dp.sysctl.icmp6_ratelimit_ms,
        )
    {
        cx.w.stats.drop(reason);
        return Verdict::Drop(DropReason::IcmpRateLimited);
    }
    cx.w.stats.drop(reason);
    let iif = pkt.meta.iif;
    let from = if cx.dp.is_local(IpAddr::V6(dst)) {
        Some(dst)
    } else {
        select_src6(cx, iif, src)
    };
    let Some(from) = from else {
        return Verdict::Drop(DropReason::IcmpNotGenerated);
    };
    let hop_limit = cx.dp.link(iif).map_or(64, |l| l.hop_limit);
    pkt.truncate(1280 - 48);
    let plen = 8 + pkt.len();
    let Some(buf) = pkt.push_front(48) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    {
        let (hdr, icmp) = buf.split_at_mut(40);
        let mut ip = Ipv6Packet::new_unchecked(&mut hdr[..]);
        ip.set_version(6);
        ip.set_traffic_class(0);
        ip.set_flow_label(0);
        ip.set_payload_len(plen as u16);
        ip.set_next_header(ip_proto::ICMPV6);
        ip.set_hop_limit(hop_limit);
        ip.set_src_addr(from);
        ip.set_dst_addr(src);
        icmp[0] = typ;
        icmp[1] = code;
        icmp[2..4].fill(0);
        icmp[4..8].copy_from_slice(&info.to_be_bytes());
        fill_icmp6_checksum(icmp, &from, &src);
    }
    ip6::output_local(cx, pkt, iif)
}

fn fill_icmp6_checksum(icmp: &mut [u8], src: &Ipv6Addr, dst: &Ipv6Addr) {
    icmp[2..4].fill(0);
    let c = checksum::finish(checksum::combine(&[
        checksum::pseudo_header_v6(src, dst, ip_proto::ICMPV6, icmp.len() as u32),
        checksum::data(icmp),
    ]));
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
}

/// `icmp_echo` → `icmp_reply`: same id, sequence and data, from the address asked.
pub(crate) fn echo_reply4(cx: &mut Cx<'_>, pkt: &mut PacketBuf, hlen: usize) -> Verdict {
    let (src, dst, tos) = {
        let ip = Ipv4Packet::new_unchecked(pkt.data());
        (ip.src_addr(), ip.dst_addr(), ip.tos())
    };
    if !pkt.pull_front(hlen) {
        return Verdict::Drop(DropReason::Ipv4Malformed);
    }
    {
        let icmp = pkt.data_mut();
        if icmp.len() < 8 {
            return Verdict::Drop(DropReason::Ipv4Malformed);
        }
        icmp[0] = icmpv4::TYPE_ECHO_REPLY;
        icmp[2..4].fill(0);
        let c = checksum::finish(checksum::data(icmp));
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
    }
    let id = next_id(cx);
    let ttl = cx.dp.sysctl.ip_default_ttl;
    let total = pkt.len() + 20;
    let Some(buf) = pkt.push_front(20) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    let mut ip = Ipv4Packet::new_unchecked(&mut buf[..20]);
    ip.set_version(4);
    ip.set_header_len(20);
    ip.set_tos(tos);
    ip.set_total_len(total as u16);
    ip.set_ident(id);
    ip.set_flags_frag(0);
    ip.set_ttl(ttl);
    ip.set_protocol(ip_proto::ICMP);
    ip.set_src_addr(dst);
    ip.set_dst_addr(src);
    ip.fill_checksum();
    let iif = pkt.meta.iif;
    ip4::output_local(cx, pkt, iif)
}

/// `icmpv6_echo_reply`: from the address asked, traffic class and flow label copied.
pub(crate) fn echo_reply6(cx: &mut Cx<'_>, pkt: &mut PacketBuf, off: usize) -> Verdict {
    let (src, dst, tc, label) = {
        let ip = Ipv6Packet::new_unchecked(pkt.data());
        (
            ip.src_addr(),
            ip.dst_addr(),
            ip.traffic_class(),
            ip.flow_label(),
        )
    };
    let iif = pkt.meta.iif;
    let hop_limit = cx.dp.link(iif).map_or(64, |l| l.hop_limit);
    // Extension headers of the request are not echoed.
    if !pkt.pull_front(off) || pkt.len() < 8 {
        return Verdict::Drop(DropReason::Ipv6Malformed);
    }
    let plen = pkt.len();
    pkt.data_mut()[0] = icmpv6::TYPE_ECHO_REPLY;
    let Some(buf) = pkt.push_front(40) else {
        return Verdict::Drop(DropReason::NoHeadroom);
    };
    let (hdr, icmp) = buf.split_at_mut(40);
    let mut ip = Ipv6Packet::new_unchecked(&mut hdr[..]);
    ip.set_version(6);
    ip.set_traffic_class(tc);
    ip.set_flow_label(label);
    ip.set_payload_len(plen as u16);
    ip.set_next_header(ip_proto::ICMPV6);
    ip.set_hop_limit(hop_limit);
    ip.set_src_addr(dst);
    ip.set_dst_addr(src);
    fill_icmp6_checksum(icmp, &dst, &src);
    ip6::output_local(cx, pkt, iif)
}
