//! `encap seg6`: SRv6 headend (H.Insert, H.Encaps, H.Encaps.Red, H.L2Encaps[.Red]).
//!
//! The SRH is built exactly as iproute2's `parse_srh` builds it (segments reversed,
//! inline mode reserving segments[0] for the original DA), validated as the kernel's
//! `seg6_build_state` does, and compiled into a header template at snapshot time: outer
//! IPv6 header with the source resolved, the SRH (reduced for `.red`), and the HMAC
//! precomputed when it does not depend on the packet. Per packet the path copies the
//! template and patches length, traffic class, flow label, hop limit and next header.

use std::net::Ipv6Addr;

use lwt_wire::ip_proto;
use lwt_wire::ipv6::Ipv6Packet;
use lwt_wire::srh::{self, SrhPacket};

use super::hmac::{self, HmacKey};
use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

/// `seg6_iptunnel` modes (the discriminant is the UAPI value): the configuration's type.
pub use lwt_config::Seg6Mode as Mode;

const HMAC_TLV_LEN: usize = 40;

/// Builds the SRH iproute2 sends for `segs S1,..,Sn [hmac KEYID]`: S1 is visited first,
/// so it is stored last. `reserve_first` adds segments[0] for the original DA (inline mode
/// and every seg6local `srh` except End.B6.Encaps).
pub fn build_srh(segs: &[Ipv6Addr], reserve_first: bool, hmac_key: Option<u32>) -> Vec<u8> {
    let n = segs.len() + usize::from(reserve_first);
    let len = 8 + 16 * n + if hmac_key.is_some() { HMAC_TLV_LEN } else { 0 };
    let mut buf = vec![0u8; len];
    {
        let mut s = SrhPacket::new_unchecked(&mut buf[..]);
        s.set_next_header(0);
        s.set_hdr_ext_len((len / 8 - 1) as u8);
        s.set_routing_type(srh::ROUTING_TYPE_SRH);
        s.set_segments_left((n - 1) as u8);
        s.set_last_entry((n - 1) as u8);
        s.set_flags(if hmac_key.is_some() {
            srh::SRH_FLAG_HMAC
        } else {
            0
        });
        s.set_tag(0);
        for (i, seg) in segs.iter().enumerate() {
            s.set_segment(n - 1 - i, *seg)
                .expect("buffer sized for n segments");
        }
    }
    if let Some(key) = hmac_key {
        let t = &mut buf[len - HMAC_TLV_LEN..];
        t[0] = srh::TLV_HMAC;
        t[1] = (HMAC_TLV_LEN - 2) as u8;
        t[4..8].copy_from_slice(&key.to_be_bytes());
    }
    buf
}

/// Why `encap seg6` was refused at install time.
pub fn validate(mode: Mode, segs: &[Ipv6Addr], ipv6_route: bool) -> Result<(), String> {
    if segs.is_empty() {
        return Err("segment list is empty".into());
    }
    if mode == Mode::Inline && !ipv6_route {
        return Err("seg6 inline mode is only valid on IPv6 routes".into());
    }
    // iproute2 builds at most what hdrlen (u8, in 8-octet units) can describe.
    if 8 + 16 * (segs.len() + 1) + HMAC_TLV_LEN > 2048 {
        return Err("too many segments for one SRH".into());
    }
    Ok(())
}

/// How the HMAC TLV is filled.
#[derive(Debug, Clone)]
enum HmacFill {
    None,
    /// Constant per route (encap modes): already in the template.
    Precomputed,
    /// Depends on the packet (inline: segments[0] and the source come from the packet).
    PerPacket(Box<HmacKey>),
    /// The key id is not configured: the kernel drops every packet (-ENOENT).
    MissingKey,
}

/// Template bytes kept inside the state: the outer header and an SRH of up to 4
/// segments, or 2 with the HMAC TLV.
const INLINE: usize = 120;

/// The bytes the path writes in front of a packet: inline when short, so they share
/// the state's cache lines (fetched together, not after a pointer chase).
#[derive(Clone)]
enum Template {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Template {
    fn new(v: Vec<u8>) -> Template {
        if v.len() > INLINE {
            return Template::Heap(v.into_boxed_slice());
        }
        let mut bytes = [0; INLINE];
        bytes[..v.len()].copy_from_slice(&v);
        Template::Inline {
            len: v.len() as u8,
            bytes,
        }
    }
}

impl std::ops::Deref for Template {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Template::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Template::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A compiled `encap seg6` nexthop. What the path reads per packet (the scalars, the
/// outer next hop's reference, the template) lies in the state's first three cache
/// lines, which the batched path fetches at once.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Seg6Encap {
    pub mode: Mode,
    /// Hop limit for an outer header whose inner packet is not IPv6.
    hop_limit: u8,
    /// `net.ipv6.seg6_flowlabel` at compile time.
    flowlabel: i8,
    /// Offset in `template` of the byte that names the inner protocol.
    proto_off: u8,
    /// MTU of the route's device: an inner packet longer than this minus the headroom
    /// cannot leave encapsulated.
    pub mtu: u32,
    /// Full SRH length plus the outer header (the kernel's headroom for MTU purposes).
    pub headroom: usize,
    /// The route of the outer packet, resolved when the snapshot is built (the kernel's
    /// per-route `dst_cache`), when it cannot depend on the ingress: set only for a plain
    /// single-nexthop forward and rules that select on addresses at most. Shared by the
    /// states whose outer packets take the same next hop, so it stays in cache.
    pub post: Option<std::sync::Arc<crate::dataplane::NextHopDp>>,
    hmac: HmacFill,
    /// Encap modes: outer IPv6 header + SRH (possibly reduced or absent).
    /// Inline: the SRH to insert.
    template: Template,
}

impl Seg6Encap {
    /// Starts loading the state's cache lines (a hint: reads nothing).
    #[inline]
    pub(crate) fn prefetch(&self) {
        let p = (self as *const Self).cast::<u8>();
        for line in 0..size_of::<Self>().div_ceil(64) {
            crate::path::prefetch_addr(p.wrapping_add(64 * line));
        }
    }
}

/// Inputs to compile a seg6 state at snapshot time.
pub struct Seg6Compile<'a> {
    pub mode: Mode,
    pub segs: &'a [Ipv6Addr],
    pub hmac_key_id: Option<u32>,
    /// Outer source: per-route tunsrc, else `sr tunsrc`, else source selection.
    pub src: Ipv6Addr,
    pub key: Option<&'a HmacKey>,
    pub hop_limit: u8,
    pub flowlabel: i8,
    /// MTU of the route's device.
    pub mtu: u32,
}

impl Seg6Encap {
    pub fn compile(c: &Seg6Compile<'_>) -> Seg6Encap {
        let inline = c.mode == Mode::Inline;
        let full = build_srh(c.segs, inline, c.hmac_key_id);
        let headroom = full.len() + if inline { 0 } else { 40 };
        let mut hmac = match (c.hmac_key_id, c.key) {
            (None, _) => HmacFill::None,
            (Some(_), None) => HmacFill::MissingKey,
            (Some(_), Some(k)) if inline => HmacFill::PerPacket(Box::new(k.clone())),
            (Some(_), Some(_)) => HmacFill::Precomputed,
        };
        if inline {
            return Seg6Encap {
                mode: c.mode,
                post: None,
                template: Template::new(full),
                proto_off: 0,
                hmac,
                hop_limit: c.hop_limit,
                flowlabel: c.flowlabel,
                headroom,
                mtu: c.mtu,
            };
        }
        let srh = if c.mode.is_reduced() {
            reduce(full, c.hmac_key_id.is_some())
        } else {
            Some(full)
        };
        let first = c.segs[0];
        let mut t = vec![0u8; 40 + srh.as_ref().map_or(0, |s| s.len())];
        {
            let mut ip = Ipv6Packet::new_unchecked(&mut t[..40]);
            ip.set_version(6);
            ip.set_next_header(if srh.is_some() { ip_proto::ROUTING } else { 0 });
            ip.set_src_addr(c.src);
            ip.set_dst_addr(first);
        }
        let proto_off = match &srh {
            Some(s) => {
                t[40..].copy_from_slice(s);
                40u8
            }
            None => 6,
        };
        if let (HmacFill::Precomputed, Some(key)) = (&hmac, c.key)
            && !fill_hmac(&mut t[40..], &c.src, key)
        {
            hmac = HmacFill::MissingKey;
        }
        Seg6Encap {
            mode: c.mode,
            post: None,
            template: Template::new(t),
            proto_off,
            hmac,
            hop_limit: c.hop_limit,
            flowlabel: c.flowlabel,
            headroom,
            mtu: c.mtu,
        }
    }

    /// The largest inner packet that still fits the route's device once encapsulated.
    pub fn inner_mtu(&self) -> usize {
        (self.mtu as usize).saturating_sub(self.headroom)
    }

    /// The flow hash to give [`apply`](Self::apply): `hash()` when the outer flow
    /// label is derived from it (`seg6_make_flowlabel` hashes only then), else 0,
    /// unread. For callers whose hash would serve nothing else.
    #[inline]
    pub fn flow_hash(&self, hash: impl FnOnce() -> u32) -> u32 {
        if self.flowlabel > 0 { hash() } else { 0 }
    }

    /// The outer destination (first segment) for encap modes.
    pub fn outer_dst(&self) -> Option<Ipv6Addr> {
        (self.mode != Mode::Inline)
            .then(|| Ipv6Packet::new_unchecked(&self.template[..40]).dst_addr())
    }

    /// The outer source for encap modes.
    pub fn outer_src(&self) -> Option<Ipv6Addr> {
        (self.mode != Mode::Inline)
            .then(|| Ipv6Packet::new_unchecked(&self.template[..40]).src_addr())
    }

    /// Applies the encapsulation to a packet whose data starts at its L3 header (or at its
    /// Ethernet header for the l2 modes). `inner` is the protocol of what follows the outer
    /// header: 41, 4 or 143. `ipv6_inner` is the offset of an IPv6 header whose traffic
    /// class, hop limit and flow label are copied (None when the inner is not IPv6).
    pub fn apply(
        &self,
        pkt: &mut PacketBuf,
        inner: u8,
        ipv6_inner: Option<usize>,
        flow_hash: u32,
    ) -> Result<(), DropReason> {
        if matches!(self.hmac, HmacFill::MissingKey) {
            return Err(DropReason::Seg6HmacKeyMissing);
        }
        if self.mode == Mode::Inline {
            return self.apply_inline(pkt, flow_hash);
        }
        let (tc, hlim, label) = match ipv6_inner {
            Some(off) => {
                let ip = Ipv6Packet::new_checked(&pkt.data()[off..])
                    .map_err(|_| DropReason::Ipv6Malformed)?;
                (ip.traffic_class(), ip.hop_limit(), ip.flow_label())
            }
            None => (0, self.hop_limit, 0),
        };
        let label = match self.flowlabel {
            f if f > 0 => flow_hash.rotate_left(16) & 0xF_FFFF,
            0 => label,
            _ => 0,
        };
        let payload = pkt.len() + self.template.len() - 40;
        if payload > usize::from(u16::MAX) {
            return Err(DropReason::FrameTooLarge);
        }
        let data = pkt
            .push_front(self.template.len())
            .ok_or(DropReason::NoHeadroom)?;
        data[..self.template.len()].copy_from_slice(&self.template);
        data[usize::from(self.proto_off)] = inner;
        let mut ip = Ipv6Packet::new_unchecked(&mut data[..40]);
        ip.set_traffic_class(tc);
        ip.set_flow_label(label);
        ip.set_hop_limit(hlim);
        ip.set_payload_len(payload as u16);
        Ok(())
    }

    fn apply_inline(&self, pkt: &mut PacketBuf, _flow_hash: u32) -> Result<(), DropReason> {
        let srh_len = self.template.len();
        let (old_nh, old_da, src) = {
            let ip = Ipv6Packet::new_checked(pkt.data()).map_err(|_| DropReason::Ipv6Malformed)?;
            (ip.next_header(), ip.dst_addr(), ip.src_addr())
        };
        if !pkt.insert_gap(40, srh_len) {
            return Err(DropReason::NoHeadroom);
        }
        let data = pkt.data_mut();
        let (hdr, rest) = data.split_at_mut(40);
        let s = &mut rest[..srh_len];
        s.copy_from_slice(&self.template);
        let first = {
            let mut srh = SrhPacket::new_unchecked(&mut s[..]);
            srh.set_next_header(old_nh);
            srh.set_segment(0, old_da)
                .map_err(|_| DropReason::SrhInvalid)?;
            let last = usize::from(srh.last_entry());
            srh.segment(last).ok_or(DropReason::SrhInvalid)?
        };
        if let HmacFill::PerPacket(key) = &self.hmac
            && !fill_hmac(s, &src, key)
        {
            return Err(DropReason::Seg6HmacKeyMissing);
        }
        let mut ip = Ipv6Packet::new_unchecked(hdr);
        let plen = ip.payload_len() as usize + srh_len;
        ip.set_payload_len(plen as u16);
        ip.set_next_header(ip_proto::ROUTING);
        ip.set_dst_addr(first);
        Ok(())
    }
}

/// H.Encaps.Red: drop the first segment (segments[last_entry]) from the SRH, keep SL.
/// A single-segment list without HMAC needs no SRH at all.
fn reduce(mut full: Vec<u8>, hmac: bool) -> Option<Vec<u8>> {
    let last = usize::from(full[4]);
    if last == 0 && !hmac {
        return None;
    }
    if last == 0 {
        return Some(full);
    }
    let at = 8 + 16 * last;
    full.drain(at..at + 16);
    full[1] -= 2;
    full[4] -= 1;
    Some(full)
}

/// Writes the HMAC of an SRH in place (its HMAC TLV must be the last 40 bytes).
fn fill_hmac(srh_bytes: &mut [u8], src: &Ipv6Addr, key: &HmacKey) -> bool {
    let mut text = [0u8; 16 + 6 + 16 * 128];
    let n = {
        let s = SrhPacket::new_unchecked(&*srh_bytes);
        srh::hmac_input(src, &s, &mut text)
    };
    let mac = hmac::compute(key, &text[..n]);
    let len = srh_bytes.len();
    srh_bytes[len - 32..].copy_from_slice(&mac);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn srh_as_iproute2_builds_it() {
        let s = build_srh(&[a("fc00::1"), a("fc00::2")], false, None);
        assert_eq!(s.len(), 40);
        assert_eq!(&s[..8], &[0, 4, 4, 1, 1, 0, 0, 0]);
        assert_eq!(&s[8..24], &a("fc00::2").octets());
        assert_eq!(&s[24..40], &a("fc00::1").octets());
        let inl = build_srh(&[a("fc00::1")], true, Some(7));
        assert_eq!(inl.len(), 8 + 32 + 40);
        assert_eq!(&inl[..8], &[0, 9, 4, 1, 1, srh::SRH_FLAG_HMAC, 0, 0]);
        assert_eq!(&inl[8..24], &[0u8; 16]);
        assert_eq!(&inl[24..40], &a("fc00::1").octets());
        assert_eq!(&inl[40..48], &[5, 38, 0, 0, 0, 0, 0, 7]);
    }

    #[test]
    fn reduced_forms() {
        let full = build_srh(&[a("fc00::1"), a("fc00::2"), a("fc00::3")], false, None);
        let r = reduce(full, false).unwrap();
        assert_eq!(r.len(), 8 + 32);
        assert_eq!(
            &r[..8],
            &[0, 4, 4, 2, 1, 0, 0, 0],
            "SL kept, last_entry reduced"
        );
        assert_eq!(&r[8..24], &a("fc00::3").octets());
        assert_eq!(&r[24..40], &a("fc00::2").octets());
        assert!(reduce(build_srh(&[a("fc00::1")], false, None), false).is_none());
        assert!(reduce(build_srh(&[a("fc00::1")], false, Some(1)), true).is_some());
    }

    /// Short templates live inside the state, long ones on the heap; both encapsulate
    /// the same way (outer header, then the SRH as built, inner protocol patched).
    #[test]
    fn inline_and_heap_templates_apply_alike() {
        for n in [1usize, 2, 4, 5, 9] {
            let segs: Vec<Ipv6Addr> = (1..=n).map(|i| a(&format!("fc00::{i}"))).collect();
            let s = Seg6Encap::compile(&Seg6Compile {
                mode: Mode::Encap,
                segs: &segs,
                hmac_key_id: None,
                src: a("2001:db8::1"),
                key: None,
                hop_limit: 64,
                flowlabel: 0,
                mtu: 1500,
            });
            let len = 40 + 8 + 16 * n;
            assert_eq!(
                matches!(s.template, Template::Inline { .. }),
                len <= INLINE,
                "{n} segments"
            );
            let mut pkt = PacketBuf::new();
            let inner = [
                0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            ];
            pkt.load(&inner, 1);
            s.apply(&mut pkt, ip_proto::IPIP, None, 0).unwrap();
            let d = pkt.data();
            assert_eq!(d.len(), len + 20, "{n} segments");
            assert_eq!(&d[8..24], &a("2001:db8::1").octets());
            assert_eq!(
                &d[24..40],
                &segs[0].octets(),
                "first segment is the outer DA"
            );
            assert_eq!(d[40], ip_proto::IPIP, "inner protocol");
            assert_eq!(&d[41..len], &build_srh(&segs, false, None)[1..]);
            assert_eq!(&d[len..], &inner);
        }
    }

    #[test]
    fn validation() {
        assert!(validate(Mode::Inline, &[a("fc00::1")], false).is_err());
        assert!(validate(Mode::Inline, &[a("fc00::1")], true).is_ok());
        assert!(validate(Mode::Encap, &[], true).is_err());
    }
}
