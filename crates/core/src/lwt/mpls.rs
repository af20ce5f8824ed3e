//! `encap mpls LABEL[/LABEL...] [ttl N]` (net/mpls/mpls_iptunnel.c): an XMIT_REDIRECT
//! state. `mpls_xmit` runs after forwarding and fragmentation, right before neighbour
//! resolution: it pushes the label stack (first label outermost, bottom-of-stack on the
//! last, TC 0), every entry with the same TTL, and the frame leaves with ethertype 0x8847
//! towards the route's gateway.

use lwt_config as cfg;
use lwt_wire::mpls;

use crate::drop_reason::DropReason;
use crate::packet::PacketBuf;

/// `MAX_NEW_LABELS` (net/mpls/internal.h).
pub const MAX_NEW_LABELS: usize = 30;

/// Where the label TTL comes from (`ttl_propagate` / `default_ttl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MplsTtl {
    /// From the IP header (already decremented when forwarded).
    Propagate,
    Fixed(u8),
}

/// A compiled `encap mpls` next hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MplsEncap {
    pub labels: Vec<u32>,
    pub ttl: MplsTtl,
}

/// `nla_get_labels` on what iproute2 sends: at most 30 labels, none of them implicit
/// null. Returns the kernel's message.
pub fn validate(e: &cfg::MplsEncap) -> Result<(), &'static str> {
    if e.labels.is_empty() {
        return Err("MPLS_IPTUNNEL_DST attribute is missing");
    }
    if e.labels.len() > MAX_NEW_LABELS {
        return Err("Too many labels");
    }
    if e.labels.contains(&mpls::LABEL_IMPLICIT_NULL) {
        return Err("Implicit NULL Label (3) can not be used in encapsulation");
    }
    Ok(())
}

impl MplsEncap {
    /// `mpls_build_state`: `ttl 0` propagates, `ttl N` fixes; without `ttl` the
    /// namespace default applies (`net.mpls.ip_ttl_propagate`, `net.mpls.default_ttl`),
    /// resolved here as the snapshot is built.
    pub fn compile(e: &cfg::MplsEncap, ip_ttl_propagate: bool, default_ttl: u8) -> MplsEncap {
        let ttl = match e.ttl {
            Some(0) => MplsTtl::Propagate,
            Some(t) => MplsTtl::Fixed(t),
            None if ip_ttl_propagate => MplsTtl::Propagate,
            None => MplsTtl::Fixed(default_ttl),
        };
        MplsEncap {
            labels: e.labels.clone(),
            ttl,
        }
    }

    /// `lwtstate->headroom`: route MTUs shrink by the stack.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.labels.len() * mpls::ENTRY_LEN
    }

    /// Pushes the stack in front of the IP packet in `pkt` (data at its IP header).
    pub fn push(&self, pkt: &mut PacketBuf) -> Result<(), DropReason> {
        let ip_ttl = match pkt.data().first().map(|b| b >> 4) {
            Some(4) => pkt.data().get(8).copied(),
            Some(6) => pkt.data().get(7).copied(),
            _ => None,
        }
        .ok_or(DropReason::UnknownProtocol)?;
        let ttl = match self.ttl {
            MplsTtl::Propagate => ip_ttl,
            MplsTtl::Fixed(t) => t,
        };
        let n = self.headroom();
        let data = pkt.push_front(n).ok_or(DropReason::NoHeadroom)?;
        mpls::emit_stack(&mut data[..n], &self.labels, 0, ttl)
            .map_err(|_| DropReason::UnknownProtocol)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encap(labels: &[u32], ttl: Option<u8>) -> cfg::MplsEncap {
        cfg::MplsEncap {
            labels: labels.to_vec(),
            ttl,
        }
    }

    /// RFC 3032 §2.1: Label (20 bits) | TC (3, "Exp") | S (1) | TTL (8), the top of the
    /// stack first and S set only on the bottom entry.
    #[test]
    fn rfc3032_label_stack_entries() {
        let mut pkt = PacketBuf::new();
        // An IPv4 header whose TTL (byte 8) is 63.
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[8] = 63;
        pkt.load(&ip, 1);
        let m = MplsEncap::compile(&encap(&[100, 200, 0xfffff], None), true, 255);
        m.push(&mut pkt).unwrap();
        assert_eq!(
            &pkt.data()[..12],
            &[
                0x00, 0x06, 0x40, 63, // 100 << 4, TC 0, S 0
                0x00, 0x0c, 0x80, 63, // 200
                0xff, 0xff, 0xf1, 63, // 1048575, S 1
            ]
        );
        assert_eq!(&pkt.data()[12..], &ip);
    }

    #[test]
    fn ttl_rules() {
        let mut pkt = PacketBuf::new();
        let mut ip6 = [0u8; 40];
        ip6[0] = 0x60;
        ip6[7] = 9;
        for (ttl, propagate, want) in [
            (Some(0), false, 9),
            (Some(17), true, 17),
            (None, true, 9),
            (None, false, 255),
        ] {
            pkt.load(&ip6, 1);
            MplsEncap::compile(&encap(&[16], ttl), propagate, 255)
                .push(&mut pkt)
                .unwrap();
            assert_eq!(pkt.data()[..4], [0, 1, 1, want], "ttl {ttl:?} {propagate}");
        }
    }

    #[test]
    fn kernel_checks() {
        assert_eq!(
            validate(&encap(&[3], None)),
            Err("Implicit NULL Label (3) can not be used in encapsulation")
        );
        assert_eq!(validate(&encap(&[16; 31], None)), Err("Too many labels"));
        assert!(validate(&encap(&[0, 2, 16], None)).is_ok());
    }
}
