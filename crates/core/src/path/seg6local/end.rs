//! End, End.X and End.T, with the PSP and NEXT-CSID flavors (RFC 8986, RFC 9800).

use lwt_wire::srh::SrhPacket;
use lwt_wire::{Ipv6Packet, ip_proto};

use super::{Next, Reroute, Step, advance, hmac_check, next_segment, valid_srh};
use crate::drop_reason::DropReason;
use crate::lwt::seg6local::Seg6Local;
use crate::packet::PacketBuf;
use crate::path::Cx;

/// End: next segment, then input lookup without local delivery.
pub(crate) fn end<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    if let Some((b, f)) = sl.csid {
        if csid_shift(pkt, b, f) {
            return Ok(Next::Reroute(Reroute::V6 { local_ok: false }));
        }
    } else if sl.psp {
        return end_psp(cx, pkt);
    }
    next_segment(cx, pkt)?;
    Ok(Next::Reroute(Reroute::V6 { local_ok: false }))
}

/// End.X: as End, then towards the configured adjacency.
pub(crate) fn end_x<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    let next = Next::Nexthop6(sl);
    if let Some((b, f)) = sl.csid
        && csid_shift(pkt, b, f)
    {
        return Ok(next);
    }
    next_segment(cx, pkt)?;
    Ok(next)
}

/// End.T: as End, then a lookup in the configured table only.
pub(crate) fn end_t<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    next_segment(cx, pkt)?;
    Ok(Next::Table6 {
        table: sl.table_at,
        local_ok: false,
    })
}

/// NEXT-CSID: if the argument (DA bytes after locator block + node function) is not zero,
/// shift it left over the node function and zero the tail. Returns false when the
/// argument is zero (the caller then performs the plain behaviour with the SRH).
fn csid_shift(pkt: &mut PacketBuf, b: u8, f: u8) -> bool {
    let (b, f) = (usize::from(b), usize::from(f));
    let mut da = Ipv6Packet::new_unchecked(pkt.data()).dst_addr().octets();
    if b + f >= 16 || da[b + f..].iter().all(|x| *x == 0) {
        return false;
    }
    da.copy_within(b + f..16, b);
    da[16 - f..].fill(0);
    Ipv6Packet::new_unchecked(pkt.data_mut()).set_dst_addr(da.into());
    true
}

/// End with PSP (`end_flv8986_core`): at SL 1 the SRH is popped after the update.
fn end_psp(cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Step<'static> {
    let ip = Ipv6Packet::new_unchecked(pkt.data());
    let Some(off) = ip.find_routing_header() else {
        return Err(DropReason::NoSrh);
    };
    // The header before the SRH, and whether a Fragment or AH header precedes it.
    let mut prev_nh_at = 6;
    let mut blocked = false;
    for h in ip.ext_headers().flatten() {
        if h.offset == off {
            break;
        }
        prev_nh_at = h.offset;
        blocked |= h.kind == ip_proto::FRAGMENT || h.kind == ip_proto::AH;
    }
    valid_srh(pkt, off)?;
    hmac_check(cx, pkt, off)?;
    let (sl, len, nh) = {
        let s = SrhPacket::new_unchecked(&pkt.data()[off..]);
        (s.segments_left(), s.header_len(), s.next_header())
    };
    match sl {
        0 => Err(DropReason::SlZero),
        1 => {
            advance(pkt, off)?;
            if blocked {
                return Err(DropReason::PspPopFailed);
            }
            let data = pkt.data_mut();
            data[prev_nh_at] = nh;
            let mut ip = Ipv6Packet::new_unchecked(&mut data[..]);
            let plen = usize::from(ip.payload_len()).saturating_sub(len);
            ip.set_payload_len(plen as u16);
            if !pkt.remove_gap(off, len) {
                return Err(DropReason::PspPopFailed);
            }
            Ok(Next::Reroute(Reroute::V6 { local_ok: false }))
        }
        _ => {
            advance(pkt, off)?;
            Ok(Next::Reroute(Reroute::V6 { local_ok: false }))
        }
    }
}
