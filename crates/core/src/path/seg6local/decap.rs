//! Decapsulation behaviours: End.DX2, End.DX4, End.DX6, End.DT4, End.DT6, End.DT46.

use lwt_wire::{Ipv4Packet, Ipv6Packet, SrhPacket, ip_proto};

use super::{Next, Reroute, Step, hmac_check};
use crate::dataplane::LinkDpKind;
use crate::drop_reason::DropReason;
use crate::lwt::seg6local::Seg6Local;
use crate::packet::PacketBuf;
use crate::path::Cx;

/// `decap_and_validate`: an SRH, if any, must have SL 0 (and pass the HMAC check); the
/// inner header `proto` must be found; everything before it is removed.
#[inline]
fn decap(cx: &Cx<'_>, pkt: &mut PacketBuf, proto: u8) -> Result<(), DropReason> {
    // The common case: `proto` (never an extension header) right after the IPv6 header.
    // The walks of `decap_walk` stop there at once and agree: no SRH, the inner header
    // at 40.
    if pkt.data().get(6) == Some(&proto) {
        pkt.pull_front(lwt_wire::ipv6::HEADER_LEN);
        return Ok(());
    }
    decap_walk(cx, pkt, proto)
}

/// [`decap`] beyond the common case: the extension header walks. Kept out of line so
/// that the common case inlines without the walks' register saves.
#[inline(never)]
fn decap_walk(cx: &Cx<'_>, pkt: &mut PacketBuf, proto: u8) -> Result<(), DropReason> {
    let ip = Ipv6Packet::new_unchecked(pkt.data());
    if let Some(off) = ip.find_routing_header() {
        let rest = &pkt.data()[off..];
        if let Ok(srh) = SrhPacket::new_checked(rest)
            && srh.validate(srh.header_len(), true)
        {
            if srh.segments_left() > 0 {
                return Err(DropReason::SlNotZero);
            }
            hmac_check(cx, pkt, off)?;
        }
    }
    match Ipv6Packet::new_unchecked(pkt.data()).upper_layer() {
        Ok((p, off)) if p == proto => {
            pkt.pull_front(off);
            Ok(())
        }
        _ => Err(DropReason::WrongInnerHeader),
    }
}

fn inner6(pkt: &PacketBuf) -> Result<(), DropReason> {
    Ipv6Packet::new_checked(pkt.data())
        .ok()
        .filter(|p| p.version() == 6)
        .map(|_| ())
        .ok_or(DropReason::InnerTooShort)
}

fn inner4(pkt: &mut PacketBuf) -> Result<(), DropReason> {
    let total = Ipv4Packet::new_checked(pkt.data())
        .ok()
        .filter(|p| p.version() == 4)
        .map(|p| usize::from(p.total_len()))
        .ok_or(DropReason::InnerTooShort)?;
    pkt.truncate(total);
    Ok(())
}

/// End.DX2: the inner Ethernet frame leaves unchanged on `oif`.
pub(crate) fn dx2<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    decap(cx, pkt, ip_proto::ETHERNET)?;
    let frame = pkt.data();
    if frame.len() < 14 {
        return Err(DropReason::InnerTooShort);
    }
    if u16::from_be_bytes([frame[12], frame[13]]) < 0x0600 {
        return Err(DropReason::Dx2BadEthertype);
    }
    let oif = sl.oif.unwrap_or(0);
    let link = cx
        .dp
        .link(oif)
        .filter(|l| l.up && l.kind == LinkDpKind::Ether)
        .ok_or(DropReason::Dx2OifUnusable)?;
    if frame.len() - 14 > link.mtu as usize {
        return Err(DropReason::Dx2FrameTooBig);
    }
    Ok(Next::Tx(oif))
}

/// End.DX6: decapsulate, then forward to nh6 (or the inner destination).
pub(crate) fn dx6<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    decap(cx, pkt, ip_proto::IPV6)?;
    inner6(pkt)?;
    Ok(match sl.nh6.filter(|a| !a.is_unspecified()) {
        Some(_) => Next::Nexthop6(sl),
        None => Next::Reroute(Reroute::V6 { local_ok: false }),
    })
}

/// End.DX4: decapsulate, then IPv4 input routing keyed by nh4 (or the inner destination).
pub(crate) fn dx4<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    decap(cx, pkt, ip_proto::IPIP)?;
    inner4(pkt)?;
    Ok(Next::Reroute(Reroute::V4 {
        key: sl.nh4.filter(|a| !a.is_unspecified()),
        via: sl.adj.as_ref(),
    }))
}

/// End.DT6: legacy mode looks up the inner destination in `table` (local delivery
/// allowed); VRF mode receives the packet on the VRF device.
pub(crate) fn dt6<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    decap(cx, pkt, ip_proto::IPV6)?;
    inner6(pkt)?;
    Ok(match sl.vrf {
        Some(ifindex) => Next::Reroute(Reroute::Vrf { ifindex, v6: true }),
        None => Next::Table6 {
            table: sl.table_at,
            local_ok: true,
        },
    })
}

/// End.DT4: decapsulate and route the IPv4 packet in the tenant's VRF.
pub(crate) fn dt4<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    decap(cx, pkt, ip_proto::IPIP)?;
    inner4(pkt)?;
    Ok(Next::Reroute(Reroute::Vrf {
        ifindex: sl.vrf.unwrap_or(0),
        v6: false,
    }))
}

/// End.DT46: End.DT4 or End.DT6 (VRF mode) by the inner protocol.
pub(crate) fn dt46<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    match Ipv6Packet::new_unchecked(pkt.data()).upper_layer() {
        Ok((ip_proto::IPIP, _)) => dt4(cx, pkt, sl),
        Ok((ip_proto::IPV6, _)) => {
            decap(cx, pkt, ip_proto::IPV6)?;
            inner6(pkt)?;
            Ok(Next::Reroute(Reroute::Vrf {
                ifindex: sl.vrf.unwrap_or(0),
                v6: true,
            }))
        }
        _ => Err(DropReason::WrongInnerHeader),
    }
}
