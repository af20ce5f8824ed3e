//! Binding SIDs: End.B6 (insert a new SRH) and End.B6.Encaps (encapsulate in a new outer
//! header with its SRH).

use lwt_wire::ip_proto;

use super::{Next, Reroute, Step, next_segment, srh_with_sl};
use crate::drop_reason::DropReason;
use crate::lwt::seg6local::Seg6Local;
use crate::packet::PacketBuf;
use crate::path::Cx;

/// End.B6: the configured SRH is inserted after the IPv6 header with segments[0] := the
/// current DA; the existing SRH is not advanced (as in Linux).
pub(crate) fn b6<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    srh_with_sl(cx, pkt)?;
    let srh = sl.srh.as_ref().ok_or(DropReason::SrhInvalid)?;
    srh.apply(pkt, ip_proto::ROUTING, Some(0), 0)?;
    Ok(Next::Reroute(Reroute::V6 { local_ok: false }))
}

/// End.B6.Encaps: next segment of the inner packet, then H.Encaps with the configured SRH.
pub(crate) fn b6_encaps<'a>(cx: &mut Cx<'_>, pkt: &mut PacketBuf, sl: &'a Seg6Local) -> Step<'a> {
    next_segment(cx, pkt)?;
    let srh = sl.srh.as_ref().ok_or(DropReason::SrhInvalid)?;
    let hash = srh.flow_hash(|| {
        let d = pkt.data();
        super::super::flow_hash(&d[8..24], &d[24..40], 41)
    });
    srh.apply(pkt, ip_proto::IPV6, Some(0), hash)?;
    Ok(Next::Reroute(Reroute::V6 { local_ok: false }))
}
