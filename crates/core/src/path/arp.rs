//! ARP: answers for our addresses and, with `proxy_arp`, for addresses routed through
//! another link (`arp_process`); learns senders. Over a flow-based VXLAN device the
//! reply carries the request's metadata reversed.

use std::net::IpAddr;

use lwt_wire::arp::{self, ArpPacket};
use lwt_wire::{EthernetAddress, ethertype};

use super::lookup::{self, Flow, Res};
use super::{Cx, Verdict, output};
use crate::dataplane::RouteKind;
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

pub(crate) fn rcv(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
    let iif = pkt.meta.iif;
    let Some(link) = cx.dp.link(iif) else {
        return Verdict::Drop(DropReason::LinkDown);
    };
    let Ok(a) = ArpPacket::new_checked(pkt.data()) else {
        return Verdict::Drop(DropReason::ArpMalformed);
    };
    if a.hardware_type() != arp::HTYPE_ETHERNET || a.protocol_type() != ethertype::IPV4 {
        return Verdict::Drop(DropReason::ArpMalformed);
    }
    let (op, sha, sip, tip) = (
        a.operation(),
        a.sender_hw_addr(),
        a.sender_ip(),
        a.target_ip(),
    );
    if !sip.is_unspecified() {
        let now = cx.w.now_ms;
        cx.w.neigh.learn(cx.dp, iif, IpAddr::V4(sip), sha.0, now);
    }
    if op != arp::OP_REQUEST {
        return Verdict::Consumed;
    }
    let ours = link.v4.iter().any(|(x, _)| *x == tip);
    let proxied = !ours && link.proxy_arp && cx.dp.sysctl.ip_forward && {
        // arp_process: proxy only when the route to the target leaves by another device.
        let flow = Flow {
            iif: if link.l3_dev != 0 { link.l3_dev } else { iif },
            oif: 0,
            l3_table: link.l3_table,
            src: IpAddr::V4(sip),
            dst: IpAddr::V4(tip),
            mark: 0,
            tun_id: pkt.meta.rx_tun_id(),
        };
        match lookup::lookup(cx.dp, &flow) {
            Res::Route(r) if r.kind == RouteKind::Unicast => {
                lookup::select_nexthop(r, 0).is_some_and(|nh| nh.oif != iif)
            }
            _ => false,
        }
    };
    if !ours && !proxied {
        return Verdict::Drop(DropReason::ArpNotForUs);
    }
    let mac = link.mac;
    let buf = pkt.reset(42);
    arp::emit(
        &mut buf[14..],
        arp::OP_REPLY,
        EthernetAddress(mac),
        tip,
        sha,
        sip,
    )
    .ok();
    let _ = buf;
    pkt.pull_front(14);
    output::push_eth(pkt, sha.0, mac, ethertype::ARP);
    // arp_process: a request that came through a flow-based tunnel is answered the way it
    // came (`iptunnel_metadata_reply`).
    pkt.meta.tun = pkt.meta.tun.and_then(|t| t.reply());
    output::emit(cx, pkt, iif)
}
