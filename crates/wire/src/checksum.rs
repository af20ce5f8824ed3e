//! The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//!
//! All sums here are *folded, non-inverted* 16-bit one's-complement sums. A header's checksum
//! field holds the complement of the sum (`!sum`); a header verifies when the sum over it,
//! checksum field included, is `0xFFFF`.

use core::net::{Ipv4Addr, Ipv6Addr};

/// Fold a wide accumulator into 16 bits with end-around carry.
#[inline]
pub const fn fold(mut sum: u64) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

/// One's-complement sum of `data`, read as big-endian 16-bit words; an odd trailing byte is
/// padded with a zero byte (RFC 1071 §4.1).
#[inline]
pub fn data(data: &[u8]) -> u16 {
    // 32-bit words into a 64-bit accumulator: no carry can be lost for any realistic length
    // (2^32 words), and it is about twice as fast as a 16-bit loop.
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        acc += u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    let mut i = 0;
    while i + 1 < rest.len() {
        acc += u64::from(u16::from_be_bytes([rest[i], rest[i + 1]]));
        i += 2;
    }
    if i < rest.len() {
        acc += u64::from(rest[i]) << 8;
    }
    fold(acc)
}

/// One's-complement sum of several partial sums.
#[inline]
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// Sum of the IPv4 pseudo header (RFC 768 / RFC 793): source, destination, zero, protocol,
/// upper-layer length.
#[inline]
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, protocol: u8, length: u32) -> u16 {
    let mut acc = u64::from(u32::from_be_bytes(src.octets()));
    acc += u64::from(u32::from_be_bytes(dst.octets()));
    acc += u64::from(protocol);
    acc += u64::from(length);
    fold(acc)
}

/// Sum of the IPv6 pseudo header (RFC 8200 §8.1): source, destination, 32-bit upper-layer
/// length, three zero bytes, next header.
#[inline]
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let mut acc = u64::from(data(&src.octets()));
    acc += u64::from(data(&dst.octets()));
    acc += u64::from(length);
    acc += u64::from(next_header);
    fold(acc)
}

/// RFC 1624 eqn. 3 incremental update: the new checksum field value after a 16-bit word of
/// the covered data changed from `old` to `new`, given the old checksum field `hc`.
///
/// `HC' = ~(~HC + ~m + m')`. Unlike eqn. 2 this never produces the "negative zero" 0xFFFF
/// from a correct input checksum unless the recomputed checksum would be 0xFFFF too.
#[inline]
pub const fn update(hc: u16, old: u16, new: u16) -> u16 {
    let sum = (!hc as u64) + (!old as u64) + (new as u64);
    !fold(sum)
}

/// [`update`] for a 32-bit field (e.g. an IPv4 address being rewritten).
#[inline]
pub const fn update32(hc: u16, old: u32, new: u32) -> u16 {
    let hc = update(hc, (old >> 16) as u16, (new >> 16) as u16);
    update(hc, old as u16, new as u16)
}

/// The checksum field value for `sum` (complement, as written on the wire).
#[inline]
pub const fn finish(sum: u16) -> u16 {
    !sum
}

/// UDP's rule (RFC 768): a computed checksum of zero is transmitted as all ones, since zero
/// means "no checksum" (IPv4) or is invalid (IPv6).
#[inline]
pub const fn udp_finish(sum: u16) -> u16 {
    match !sum {
        0 => 0xFFFF,
        c => c,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 numerical example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(data(&bytes), 0xddf2);
        assert_eq!(data(&[]), 0);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(data(&[0x12]), 0x1200);
        assert_eq!(data(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        // 5 bytes exercises the remainder after a 4-byte chunk.
        assert_eq!(data(&[0xff, 0xff, 0xff, 0xff, 0x01]), fold(0x1fffe + 0x100));
    }

    /// The 32-bit word sum equals the plain 16-bit word sum of RFC 1071, for every length
    /// up to 200 bytes (every remainder) and data that carries a lot.
    #[test]
    fn word_sum_equals_16_bit_sum() {
        fn reference(d: &[u8]) -> u16 {
            let mut acc = 0u64;
            for c in d.chunks(2) {
                acc += u64::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
            }
            fold(acc)
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..200 {
            for fill in [None, Some(0xff), Some(0x00)] {
                let mut d = [0u8; 200];
                for b in &mut d[..len] {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *b = fill.unwrap_or(x as u8);
                }
                let d = &d[..len];
                assert_eq!(data(d), reference(d), "{d:02x?}");
            }
        }
    }

    #[test]
    fn ipv4_header_known_good() {
        // A well-known IPv4 header (Wikipedia "IPv4 header checksum" example), checksum b861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(data(&hdr), 0xffff);
        let mut zeroed = hdr;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(finish(data(&zeroed)), 0xb861);
    }

    #[test]
    fn pseudo_headers() {
        let s = pseudo_header_v4(
            &Ipv4Addr::new(192, 168, 0, 1),
            &Ipv4Addr::new(192, 168, 0, 199),
            17,
            0x5f,
        );
        assert_eq!(s, fold(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 17 + 0x5f));
        let a: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8::2".parse().unwrap();
        assert_eq!(
            pseudo_header_v6(&a, &b, 58, 0x10008),
            fold(2 * (0x2001 + 0x0db8) + 1 + 2 + 1 + 8 + 58)
        );
    }

    #[test]
    fn incremental_matches_recompute() {
        let mut hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        let old = u16::from_be_bytes([hdr[8], hdr[9]]);
        hdr[8] = 0x3f;
        let new = u16::from_be_bytes([hdr[8], hdr[9]]);
        let hc = update(0xb861, old, new);
        hdr[10..12].copy_from_slice(&hc.to_be_bytes());
        assert_eq!(hc, 0xb961);
        assert_eq!(data(&hdr), 0xffff);
        // 32-bit variant: rewrite the source address.
        let old32 = u32::from_be_bytes([hdr[12], hdr[13], hdr[14], hdr[15]]);
        let new32 = 0x0a00_0001;
        let hc2 = update32(hc, old32, new32);
        hdr[12..16].copy_from_slice(&new32.to_be_bytes());
        hdr[10..12].copy_from_slice(&hc2.to_be_bytes());
        assert_eq!(data(&hdr), 0xffff);
    }

    #[test]
    fn udp_zero_becomes_ffff() {
        assert_eq!(udp_finish(0xffff), 0xffff);
        assert_eq!(udp_finish(0x1234), !0x1234);
        assert_eq!(combine(&[0xffff, 0x0001]), 0x0001);
    }
}
