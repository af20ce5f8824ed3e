//! Completing TCP/UDP checksums that were left for offload (`CHECKSUM_PARTIAL`).
//!
//! A frame the kernel hands to AF_PACKET with `TP_STATUS_CSUMNOTREADY` was generated on
//! this machine with checksum offload on (typically by a host in a namespace behind a
//! veth): its TCP/UDP checksum field holds only the folded pseudo-header sum, and the
//! "hardware" was meant to add the sum over the L4 bytes and store its complement. A veth
//! has no hardware, so a frame lwt forwards unchanged would reach the next kernel with a
//! wrong checksum. The port does the hardware's job here, in place.
//!
//! The kernel does not tell AF_PACKET where the checksum starts (`csum_start`), so it is
//! found by parsing: Ethernet (+ 802.1Q/802.1ad tags), IPv4 / IPv6 (+ extension headers),
//! through IP-in-IP / SRv6 encapsulation to the innermost IP header, then TCP or UDP.
//! Only one checksum per packet can be partial, and encapsulating kernel code (seg6, ip6ip6,
//! ipip) leaves the inner one partial, so the innermost is the right one. UDP tunnels
//! (VXLAN, Geneve) are the exception: `udp_set_csum` leaves the *outer* UDP checksum
//! partial when the inner packet had none pending, recognisable by the field holding
//! exactly the folded pseudo-header sum; that one is completed. Frames with anything else
//! (fragments, GRE, UDP tunnels whose outer checksum was computed by
//! local-checksum-offload) are left alone and reported as not fixed.

const ETH_P_8021Q: u16 = 0x8100;
const ETH_P_8021AD: u16 = 0x88a8;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_IPIP: u8 = 4;
const IPPROTO_IPV6: u8 = 41;
/// UDP ports of tunnels (VXLAN, VXLAN-GPE, Geneve, Linux's old VXLAN port) whose inner
/// packet, not the outer UDP header, carries the partial checksum.
const UDP_TUNNEL_PORTS: [u16; 4] = [4789, 4790, 6081, 8472];

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Finishes the partial TCP/UDP checksum of an Ethernet frame in place.
/// Returns whether a checksum was written.
pub fn complete_partial(frame: &mut [u8]) -> bool {
    let Some((l3, l4, len, proto)) = locate_l4(frame) else {
        return false;
    };
    let field = match proto {
        IPPROTO_TCP => 16,
        _ => 6,
    };
    if len < field + 2 || l4 + len > frame.len() {
        return false;
    }
    let seg = &frame[l4..l4 + len];
    if proto == IPPROTO_UDP
        && let Some(dport) = be16(seg, 2)
        && UDP_TUNNEL_PORTS.contains(&dport)
        && be16(seg, 6) != Some(pseudo_header_sum(frame, l3, len as u32, proto))
    {
        return false;
    }
    // The field already holds the folded pseudo-header sum: summing the whole segment
    // with it in place is exactly the hardware's computation.
    let mut sum = ones_complement_sum(seg);
    sum = !sum;
    if proto == IPPROTO_UDP && sum == 0 {
        sum = 0xffff;
    }
    frame[l4 + field..l4 + field + 2].copy_from_slice(&sum.to_be_bytes());
    true
}

/// The folded 16-bit one's-complement sum of `data` (odd length padded with a zero byte).
fn ones_complement_sum(data: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes(c.try_into().expect("8 bytes"));
        // Add the four 16-bit words at once: fold the 64-bit value into 32-bit halves.
        acc += (w >> 32) + (w & 0xffff_ffff);
    }
    let mut rest = chunks.remainder().chunks_exact(2);
    for c in &mut rest {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = rest.remainder() {
        acc += u64::from(*b) << 8;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The folded (not complemented) pseudo-header sum of the IPv4 or IPv6 header at `l3`
/// for an upper-layer segment of `len` bytes: what a partial checksum field holds.
fn pseudo_header_sum(f: &[u8], l3: usize, len: u32, proto: u8) -> u16 {
    let addrs = match f.get(l3).map(|b| b >> 4) {
        Some(4) => f.get(l3 + 12..l3 + 20),
        _ => f.get(l3 + 8..l3 + 40),
    };
    let mut acc = u64::from(ones_complement_sum(addrs.unwrap_or(&[])));
    acc += u64::from(proto) + u64::from(len);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Finds the innermost TCP/UDP header: (offset of its IP header, its offset, length up
/// to the end of its IP packet, protocol).
fn locate_l4(f: &[u8]) -> Option<(usize, usize, usize, u8)> {
    let mut off = 12;
    let mut ethertype = be16(f, off)?;
    while ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD {
        off += 4;
        ethertype = be16(f, off)?;
    }
    off += 2;
    let mut proto = match ethertype {
        ETH_P_IP => IPPROTO_IPIP,
        ETH_P_IPV6 => IPPROTO_IPV6,
        _ => return None,
    };
    // Bounded: a frame cannot nest more IP headers than this usefully.
    for _ in 0..4 {
        let (next, l4, end) = match proto {
            IPPROTO_IPIP => ipv4(f, off)?,
            IPPROTO_IPV6 => ipv6(f, off)?,
            _ => return None,
        };
        match next {
            IPPROTO_TCP | IPPROTO_UDP => return Some((off, l4, end.checked_sub(l4)?, next)),
            IPPROTO_IPIP | IPPROTO_IPV6 => {
                proto = next;
                off = l4;
            }
            _ => return None,
        }
    }
    None
}

/// IPv4 header at `off`: (protocol, payload offset, packet end). Fragments → None.
fn ipv4(f: &[u8], off: usize) -> Option<(u8, usize, usize)> {
    let vihl = *f.get(off)?;
    if vihl >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(vihl & 0x0f) * 4;
    let total = usize::from(be16(f, off + 2)?);
    let frag = be16(f, off + 6)?;
    if ihl < 20 || total < ihl || frag & 0x3fff != 0 || off + total > f.len() {
        return None;
    }
    Some((*f.get(off + 9)?, off + ihl, off + total))
}

/// IPv6 header at `off`, extension headers skipped: (upper protocol, its offset, end).
fn ipv6(f: &[u8], off: usize) -> Option<(u8, usize, usize)> {
    if *f.get(off)? >> 4 != 6 {
        return None;
    }
    let end = off + 40 + usize::from(be16(f, off + 4)?);
    if end > f.len() {
        return None;
    }
    let mut next = *f.get(off + 6)?;
    let mut at = off + 40;
    loop {
        match next {
            // Hop-by-hop, routing (SRH), destination options.
            0 | 43 | 60 => {
                let len = (usize::from(*f.get(at + 1)?) + 1) * 8;
                next = *f.get(at)?;
                at += len;
            }
            // Authentication header.
            51 => {
                let len = (usize::from(*f.get(at + 1)?) + 2) * 4;
                next = *f.get(at)?;
                at += len;
            }
            _ => break,
        }
        if at > end {
            return None;
        }
    }
    Some((next, at, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full verification: pseudo-header + segment must sum to 0xffff.
    fn verifies_v4(f: &[u8], l3: usize) -> bool {
        let ihl = usize::from(f[l3] & 15) * 4;
        let total = usize::from(u16::from_be_bytes([f[l3 + 2], f[l3 + 3]]));
        let seg = &f[l3 + ihl..l3 + total];
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&f[l3 + 12..l3 + 20]);
        pseudo.extend_from_slice(&[0, f[l3 + 9]]);
        pseudo.extend_from_slice(&(seg.len() as u16).to_be_bytes());
        let mut all = pseudo;
        all.extend_from_slice(seg);
        ones_complement_sum(&all) == 0xffff
    }

    fn pseudo_v4(f: &[u8], l3: usize, len: u16) -> u16 {
        let mut p = Vec::new();
        p.extend_from_slice(&f[l3 + 12..l3 + 20]);
        p.extend_from_slice(&[0, f[l3 + 9]]);
        p.extend_from_slice(&len.to_be_bytes());
        ones_complement_sum(&p)
    }

    /// Ethernet + IPv4 + UDP with an odd payload and Ethernet padding after it.
    fn udp4_partial(vlan: bool) -> (Vec<u8>, usize) {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        if vlan {
            f.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
        }
        f.extend_from_slice(&[0x08, 0x00]);
        let l3 = f.len();
        let payload = b"hello";
        let udp_len = 8 + payload.len() as u16;
        let total = 20 + udp_len;
        f.extend_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0]);
        f[l3 + 2..l3 + 4].copy_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[0x30, 0x39, 0x00, 0x35]);
        f.extend_from_slice(&udp_len.to_be_bytes());
        let p = pseudo_v4(&f, l3, udp_len);
        f.extend_from_slice(&p.to_be_bytes());
        f.extend_from_slice(payload);
        f.resize(64, 0xee); // padding must not be summed
        (f, l3)
    }

    #[test]
    fn completes_udp4_with_padding() {
        let (mut f, l3) = udp4_partial(false);
        assert!(!verifies_v4(&f, l3));
        assert!(complete_partial(&mut f));
        assert!(verifies_v4(&f, l3));
    }

    #[test]
    fn completes_behind_vlan_tag() {
        let (mut f, l3) = udp4_partial(true);
        assert!(complete_partial(&mut f));
        assert!(verifies_v4(&f, l3));
    }

    #[test]
    fn vxlan_outer_checksum_only_when_it_is_the_partial_one() {
        // Destination port 4789: the outer UDP header of a VXLAN packet.
        let (mut f, l3) = udp4_partial(false);
        f[l3 + 22..l3 + 24].copy_from_slice(&4789u16.to_be_bytes());
        let udp_len = u16::from_be_bytes([f[l3 + 24], f[l3 + 25]]);
        let p = pseudo_v4(&f, l3, udp_len);
        f[l3 + 26..l3 + 28].copy_from_slice(&p.to_be_bytes());
        assert!(
            complete_partial(&mut f),
            "the field holds the pseudo-header sum"
        );
        assert!(verifies_v4(&f, l3));
        // A complete outer checksum (the inner one was the partial one) is left alone.
        let before = f.clone();
        assert!(!complete_partial(&mut f));
        assert_eq!(f, before);
    }

    #[test]
    fn leaves_fragments_and_non_ip_alone() {
        let (mut f, l3) = udp4_partial(false);
        f[l3 + 6] = 0x20; // MF
        let before = f.clone();
        assert!(!complete_partial(&mut f));
        assert_eq!(f, before);
        let mut arp = vec![0u8; 60];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assert!(!complete_partial(&mut arp));
    }

    #[test]
    fn completes_tcp6_inside_srv6_encap() {
        // Outer IPv6 + SRH(1 segment) + inner IPv6 + TCP (20 bytes) + 3 payload bytes.
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x86, 0xdd];
        let inner_len = 40 + 20 + 3;
        let srh_len = 8 + 16;
        let mut outer = vec![0x60, 0, 0, 0];
        outer.extend_from_slice(&((srh_len + inner_len) as u16).to_be_bytes());
        outer.extend_from_slice(&[43, 64]);
        outer.extend_from_slice(&[0x20; 32]);
        f.extend_from_slice(&outer);
        f.extend_from_slice(&[41, 2, 4, 0, 0, 0, 0, 0]);
        f.extend_from_slice(&[0x30; 16]);
        let inner_l3 = f.len();
        f.extend_from_slice(&[0x60, 0, 0, 0, 0, 23, 6, 64]);
        let src: Vec<u8> = (1..=16).collect();
        let dst: Vec<u8> = (17..=32).collect();
        f.extend_from_slice(&src);
        f.extend_from_slice(&dst);
        let l4 = f.len();
        let mut tcp = vec![0u8; 20];
        tcp[0..4].copy_from_slice(&[0x04, 0xd2, 0x00, 0x50]);
        tcp[12] = 0x50;
        tcp[13] = 0x18;
        f.extend_from_slice(&tcp);
        f.extend_from_slice(b"abc");
        let mut pseudo = src.clone();
        pseudo.extend_from_slice(&dst);
        pseudo.extend_from_slice(&[0, 0, 0, 23, 0, 0, 0, 6]);
        let p = ones_complement_sum(&pseudo);
        f[l4 + 16..l4 + 18].copy_from_slice(&p.to_be_bytes());
        assert!(complete_partial(&mut f));
        let mut all = pseudo;
        all.extend_from_slice(&f[l4..]);
        assert_eq!(ones_complement_sum(&all), 0xffff);
        assert_eq!(inner_l3 + 40, l4);
    }

    #[test]
    fn sum_matches_reference_for_odd_lengths() {
        for n in 0..40usize {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let mut acc: u32 = 0;
            for c in data.chunks(2) {
                let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
                acc += u32::from(w);
            }
            while acc > 0xffff {
                acc = (acc & 0xffff) + (acc >> 16);
            }
            assert_eq!(ones_complement_sum(&data), acc as u16, "n={n}");
        }
    }
}
