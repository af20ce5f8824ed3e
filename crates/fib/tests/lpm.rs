//! Property tests: Fib4/Fib6 against a naive longest-prefix-match reference.

use lwt_fib::{Fib4, Fib6, MAX_VALUE};
use proptest::prelude::*;

fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// Scans every prefix; on equal length (a duplicate) the later entry wins.
fn ref4(t: &[(u32, u8, u32)], a: u32) -> Option<u32> {
    let mut best: Option<(u8, u32)> = None;
    for &(p, l, v) in t {
        if (a ^ p) & mask4(l) == 0 && best.is_none_or(|(bl, _)| l >= bl) {
            best = Some((l, v));
        }
    }
    best.map(|b| b.1)
}

fn ref6(t: &[(u128, u8, u32)], a: u128) -> Option<u32> {
    let mut best: Option<(u8, u32)> = None;
    for &(p, l, v) in t {
        if (a ^ p) & mask6(l) == 0 && best.is_none_or(|(bl, _)| l >= bl) {
            best = Some((l, v));
        }
    }
    best.map(|b| b.1)
}

/// Addresses at and around every prefix's edges: where off-by-one bugs live.
fn probes4(t: &[(u32, u8, u32)]) -> Vec<u32> {
    let mut out = Vec::new();
    for &(p, l, _) in t {
        let net = p & mask4(l);
        let bcast = net | !mask4(l);
        out.extend([p, net, bcast, net.wrapping_sub(1), bcast.wrapping_add(1)]);
        if l > 0 {
            out.push(net ^ (1 << (32 - l))); // last prefix bit flipped: the sibling
        }
        if l < 32 {
            out.push(net ^ (1 << (31 - l))); // first host bit set
        }
    }
    out
}

fn probes6(t: &[(u128, u8, u32)]) -> Vec<u128> {
    let mut out = Vec::new();
    for &(p, l, _) in t {
        let net = p & mask6(l);
        let bcast = net | !mask6(l);
        out.extend([p, net, bcast, net.wrapping_sub(1), bcast.wrapping_add(1)]);
        if l > 0 {
            out.push(net ^ (1 << (128 - l)));
        }
        if l < 128 {
            out.push(net ^ (1 << (127 - l)));
        }
    }
    out
}

/// A seeded xorshift64 stream, for the big tables' prefixes and probes.
fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Prefix lengths across the whole range, with extra weight on the ends.
fn len4() -> impl Strategy<Value = u8> {
    prop_oneof![4 => 0u8..=32, 1 => Just(0u8), 2 => Just(32u8), 2 => 20u8..=32]
}

fn len6() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => 0u8..=128,
        1 => Just(0u8),
        2 => Just(128u8),
        1 => Just(64u8),
        1 => Just(48u8),
        2 => 100u8..=128,
    ]
}

/// Values are small (so equal neighbours merge into one leaf run) or the maximum.
fn value() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0u32..40, 1 => Just(MAX_VALUE)]
}

/// Each prefix keeps the top `width` bits of one of a few base addresses (so prefixes
/// nest and share long runs of bits), or is random; duplicates arise naturally.
fn table4(max: usize) -> impl Strategy<Value = Vec<(u32, u8, u32)>> {
    prop::collection::vec(any::<u32>(), 1..4).prop_flat_map(move |bases| {
        let nb = bases.len();
        prop::collection::vec((0..=nb, any::<u32>(), 0u32..=32, len4(), value()), 0..max).prop_map(
            move |raw| {
                raw.into_iter()
                    .map(|(b, noise, width, len, v)| {
                        let key = match bases.get(b) {
                            Some(&base) => base ^ noise.checked_shr(width).unwrap_or(0),
                            None => noise,
                        };
                        (key, len, v)
                    })
                    .collect()
            },
        )
    })
}

fn table6(max: usize) -> impl Strategy<Value = Vec<(u128, u8, u32)>> {
    prop::collection::vec(any::<u128>(), 1..4).prop_flat_map(move |bases| {
        let nb = bases.len();
        prop::collection::vec((0..=nb, any::<u128>(), 0u32..=128, len6(), value()), 0..max)
            .prop_map(move |raw| {
                raw.into_iter()
                    .map(|(b, noise, width, len, v)| {
                        let key = match bases.get(b) {
                            Some(&base) => base ^ noise.checked_shr(width).unwrap_or(0),
                            None => noise,
                        };
                        (key, len, v)
                    })
                    .collect()
            })
    })
}

fn check4(t: &[(u32, u8, u32)], random: &[u32]) -> Result<(), TestCaseError> {
    let fib = Fib4::build(t);
    let mut distinct: Vec<(u32, u8)> = t.iter().map(|&(p, l, _)| (p & mask4(l), l)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    prop_assert_eq!(fib.len(), distinct.len());
    prop_assert_eq!(fib.is_empty(), t.is_empty());
    let addrs: Vec<u32> = probes4(t)
        .into_iter()
        .chain(random.iter().copied())
        .collect();
    for &a in &addrs {
        prop_assert_eq!(fib.lookup(a), ref4(t, a), "addr {:#010x}", a);
    }
    let mut out = vec![Some(u32::MAX); addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        prop_assert_eq!(o, ref4(t, a), "batch addr {:#010x}", a);
    }
    Ok(())
}

fn check6(t: &[(u128, u8, u32)], random: &[u128]) -> Result<(), TestCaseError> {
    let fib = Fib6::build(t);
    let mut distinct: Vec<(u128, u8)> = t.iter().map(|&(p, l, _)| (p & mask6(l), l)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    prop_assert_eq!(fib.len(), distinct.len());
    prop_assert_eq!(fib.is_empty(), t.is_empty());
    let addrs: Vec<u128> = probes6(t)
        .into_iter()
        .chain(random.iter().copied())
        .collect();
    for &a in &addrs {
        prop_assert_eq!(fib.lookup(a), ref6(t, a), "addr {:#034x}", a);
    }
    let mut out = vec![Some(u32::MAX); addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        prop_assert_eq!(o, ref6(t, a), "batch addr {:#034x}", a);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn v4_matches_reference(
        t in table4(300),
        random in prop::collection::vec(any::<u32>(), 64),
    ) {
        check4(&t, &random)?;
    }

    #[test]
    fn v6_matches_reference(
        t in table6(300),
        random in prop::collection::vec(any::<u128>(), 64),
    ) {
        check6(&t, &random)?;
    }

    /// Many /128s under a few locators (SID blocks): the SID hash table, looked up
    /// before the trie, with repeated SIDs, prefixes covering them, blocks too small to be
    /// hashed and more blocks than are hashed.
    #[test]
    fn v6_sid_blocks_match_reference(
        t in table6(200),
        blocks in prop::collection::vec(
            (any::<u128>(), prop::collection::vec((0u128..1 << 20, value()), 40..150)),
            1..7,
        ),
        random in prop::collection::vec(any::<u128>(), 64),
    ) {
        let mut t = t;
        for (locator, sids) in &blocks {
            t.push((*locator, 64, 7));
            t.extend(sids.iter().map(|&(i, v)| (locator & mask6(48) | i << 60 | i, 128, v)));
        }
        let fib = Fib6::build(&t);
        let hashed = blocks.iter().any(|b| b.1.len() >= 64);
        prop_assert_eq!(format!("{fib:?}").contains("SidBlocks"), hashed, "{:?}", fib);
        check6(&t, &random)?;
    }

    /// Few prefixes: the no-direct-table path, where most edge cases are reachable.
    #[test]
    fn v4_small_matches_reference(
        t in table4(8),
        random in prop::collection::vec(any::<u32>(), 32),
    ) {
        check4(&t, &random)?;
    }

    #[test]
    fn v6_small_matches_reference(
        t in table6(8),
        random in prop::collection::vec(any::<u128>(), 32),
    ) {
        check6(&t, &random)?;
    }
}

/// Thousands of prefixes (a large direct table), checked at every edge and at random.
#[test]
fn large_tables_match_reference() {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let lens4 = [8u8, 12, 16, 19, 22, 24, 24, 24, 27, 32];
    let t4: Vec<(u32, u8, u32)> = (0..5000)
        .map(|i| (next() as u32 & 0xC0FF_FFFF, lens4[i % 10], (i % 977) as u32))
        .collect();
    let random4: Vec<u32> = (0..2000).map(|_| next() as u32).collect();
    check4(&t4, &random4).unwrap();
    // All under 0.0.0.0/2: a direct root behind a 2-bit skip, which three in four of
    // the random addresses miss.
    let under: Vec<(u32, u8, u32)> = (0..5000)
        .map(|i| (next() as u32 >> 2, lens4[i % 10], i as u32))
        .collect();
    let dbg = format!("{:?}", Fib4::build(&under));
    assert!(dbg.contains("root: \"direct\""), "{dbg}");
    check4(&under, &random4).unwrap();

    let lens6 = [16u8, 32, 48, 48, 56, 64, 64, 96, 127, 128];
    let top = next() as u128;
    let t6: Vec<(u128, u8, u32)> = (0..5000)
        .map(|i| {
            let k = top << 112 | ((next() & 0xF) as u128) << 100 | (next() as u128) << 32;
            (k | next() as u128 & 0xFF, lens6[i % 10], i as u32)
        })
        .collect();
    let random6: Vec<u128> = (0..2000)
        .map(|_| top << 112 | (next() as u128) << 64 | next() as u128)
        .collect();
    check6(&t6, &random6).unwrap();
    // Under 2000::/4 and fd00::/8, as a router's global and local prefixes: a popcount
    // root without skip, which lookups enter through its expanded slots.
    let mut spread = |i: usize| {
        let k = (next() as u128) << 64 | next() as u128;
        match i % 2 {
            0 => 0x2 << 124 | k >> 4,
            _ => 0xfd << 120 | k >> 8,
        }
    };
    let t6: Vec<(u128, u8, u32)> = (0..5000)
        .map(|i| (spread(i), lens6[i % 10], i as u32))
        .collect();
    let random6: Vec<u128> = (0..2000).map(&mut spread).chain(random6).collect();
    let dbg = format!("{:?}", Fib6::build(&t6));
    assert!(dbg.contains("root: \"expanded\""), "{dbg}");
    check6(&t6, &random6).unwrap();
}

/// A VRF's table as lwt builds it: /24s packed in 1.0.0.0/2, with the local table's
/// 127.0.0.0/8 and a /32 beside them, so that the root has no skip to take. Its
/// prefixes fill a quarter of only 2^11 root slots, but the root is widened to the
/// 2^14 slots their number allows (up to four a prefix).
#[test]
fn crowded_direct_root_is_widened() {
    let mut next = xorshift(0x5851_f42d_4c95_7f2d);
    let t4: Vec<(u32, u8, u32)> = (0..4200)
        .map(|i| ((next() as u32 & 0x3fff_ff00) | 0x0100_0000, 24, i))
        .chain([(0x7f00_0000, 8, 5000), (0x0a09_0001, 32, 5001)])
        .collect();
    let dbg = format!("{:?}", Fib4::build(&t4));
    assert!(dbg.contains("root: \"direct\", root_bits: 14,"), "{dbg}");
    let random4: Vec<u32> = (0..2000).map(|_| next() as u32 >> 1).collect();
    check4(&t4, &random4).unwrap();
}

/// Tables too big for cache take the interleaved `lookup_batch` path: it must agree
/// with `lookup` everywhere, including misses and every node kind.
#[test]
fn batch_matches_lookup_on_big_tables() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let lens4 = [8u8, 16, 20, 22, 24, 24, 24, 24, 28, 32];
    let t4: Vec<(u32, u8, u32)> = (0..200_000)
        .map(|i| (next() as u32 & 0xDFFF_FFFF, lens4[i % 10], i as u32))
        .collect();
    let fib = Fib4::build(&t4);
    assert!(fib.memory_bytes() > 2 << 20, "{fib:?}");
    let addrs: Vec<u32> = probes4(&t4[..20_000])
        .into_iter()
        .chain((0..20_000).map(|_| next() as u32))
        .collect();
    let mut out = vec![None; addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        assert_eq!(o, fib.lookup(a), "addr {a:#010x}");
    }
    assert!(out.iter().any(|o| o.is_none()) && out.iter().any(|o| o.is_some()));

    let lens6 = [32u8, 48, 48, 56, 64, 64, 64, 100, 127, 128];
    let t6: Vec<(u128, u8, u32)> = (0..100_000)
        .map(|i| {
            let k = 0x2001_0db8u128 << 96 | (next() as u128) << 64 | next() as u128;
            (k ^ ((next() & 7) as u128) << 100, lens6[i % 10], i as u32)
        })
        .collect();
    let fib = Fib6::build(&t6);
    assert!(fib.memory_bytes() > 2 << 20, "{fib:?}");
    let addrs: Vec<u128> = probes6(&t6[..20_000])
        .into_iter()
        .chain((0..20_000).map(|_| 0x2001_0db8u128 << 96 | next() as u128))
        .collect();
    let mut out = vec![None; addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        assert_eq!(o, fib.lookup(a), "addr {a:#034x}");
    }
    assert!(out.iter().any(|o| o.is_none()) && out.iter().any(|o| o.is_some()));

    // Spread over 2000::/3 (as a global table is), with a default route and fd00::/8
    // beside: an expanded root, which the batched path enters on its own.
    let t6: Vec<(u128, u8, u32)> = (0..100_000)
        .map(|i| {
            let k = 0x2u128 << 124 | ((next() as u128) << 64 | next() as u128) >> 3;
            (k, lens6[i % 10].max(40), i as u32)
        })
        .chain([(0, 0, 100_000), (0xfdu128 << 120, 8, 100_001)])
        .collect();
    let fib = Fib6::build(&t6);
    let dbg = format!("{fib:?}");
    assert!(dbg.contains("root: \"expanded\""), "{dbg}");
    assert!(fib.memory_bytes() > 2 << 20, "{fib:?}");
    let addrs: Vec<u128> = probes6(&t6[..20_000])
        .into_iter()
        .chain((0..20_000).map(|_| 0x2u128 << 124 | (next() as u128) << 61))
        .collect();
    let mut out = vec![None; addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        assert_eq!(o, fib.lookup(a), "addr {a:#034x}");
    }
    // Some fall back to the default route, some take a prefix of the spread.
    assert!(out.contains(&Some(100_000)) && out.iter().any(|o| o.is_some_and(|v| v < 100_000)));
}

/// SIDs: dense /128s under a few locators, with the locators and an aggregate as
/// routes, take long-skip direct nodes (their 100+ shared bits in one step). Checked at
/// every edge (inside, beside and just off the skipped bits) and, in a table too big
/// for cache, through the batched path too.
#[test]
fn dense_sids_match_reference() {
    let locator = |n: u128| 0xfc00u128 << 112 | n << 80;
    let mut t6: Vec<(u128, u8, u32)> = vec![(0xfc00u128 << 112, 16, 1)];
    for n in 1..=4u128 {
        t6.push((locator(n), 48, 10 + n as u32));
        for i in 0..(256 << n) {
            t6.push((locator(n) | i, 128, 1000 + (n as u32) * 10_000 + i as u32));
        }
    }
    // Two far apart /127s under locator 4: the sparse neighbours of a dense block.
    t6.push((locator(4) | 1 << 40, 127, 7));
    t6.push((locator(4) | 1 << 41, 127, 8));
    // Locator 5: dense /120s with /128s under some, so the long node's slots lead to
    // nodes that read the key bits after it.
    for i in 0..512u128 {
        t6.push((locator(5) | i << 8, 120, 60_000 + i as u32));
        if i % 7 == 0 {
            t6.push((locator(5) | i << 8 | 0x5a, 128, 70_000 + i as u32));
            t6.push((locator(5) | i << 8 | 0x80, 121, 80_000 + i as u32));
        }
    }
    let fib = Fib6::build(&t6);
    let shown = format!("{fib:?}");
    assert!(!shown.contains("long_nodes: 0"), "{shown}");
    check6(&t6, &[locator(2) | 1 << 100, locator(9) | 5, 1 << 127]).unwrap();

    // The same SIDs beside 100k other prefixes, through the batched path.
    let mut next = xorshift(0x51d5_51d5_51d5_51d5);
    let mut big = t6.clone();
    big.extend((0..100_000).map(|i| (0x2u128 << 124 | (next() as u128) << 60, 48, i)));
    let fib = Fib6::build(&big);
    assert!(fib.memory_bytes() > 2 << 20, "{fib:?}");
    let addrs = probes6(&t6);
    let mut out = vec![None; addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        assert_eq!(o, ref6(&t6, a), "batch addr {a:#034x}");
        assert_eq!(o, fib.lookup(a), "addr {a:#034x}");
    }
}

/// A sparse big IPv6 table, as the benches' (random /48s): most slots of its direct
/// nodes hold one longer prefix, inline in a wide slot. Checked at every prefix's edges
/// and at random, one by one and batched, against a per-length index (the scanning
/// reference is too slow for 100k prefixes).
#[test]
fn sparse_ipv6_tables_take_wide_slots() {
    use std::collections::HashMap;
    let mut next = xorshift(0x51ed_2701_a3c4_9b85);
    // Longest match by probing each length present, longest first.
    let index = |t: &[(u128, u8, u32)]| {
        let by: HashMap<(u128, u8), u32> =
            t.iter().map(|&(p, l, v)| ((p & mask6(l), l), v)).collect();
        let mut lens: Vec<u8> = t.iter().map(|e| e.1).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        move |a: u128| {
            lens.iter()
                .find_map(|&l| by.get(&(a & mask6(l), l)).copied())
        }
    };

    // 100k /48s and /56s under 2000::/4, below a /12 and a few /20s (values outside
    // the tails), and beside a /3.
    let mut t6: Vec<(u128, u8, u32)> = (0..100_000)
        .map(|i| {
            let k = 0x2 << 124 | (u128::from(next()) << 64 | u128::from(next())) >> 4;
            (k, if i % 4 == 0 { 56 } else { 48 }, i as u32)
        })
        .collect();
    t6.extend([(0x2 << 124, 12, 900_001), (0x6 << 124, 3, 900_002)]);
    t6.extend((0..64).map(|i| ((0x2u128 << 124) | u128::from(next()) << 64, 20, 900_100 + i)));
    let fib = Fib6::build(&t6);
    let dbg = format!("{fib:?}");
    assert!(!dbg.contains("wide_slots: 0"), "{dbg}");
    let r6 = index(&t6);
    let addrs: Vec<u128> = probes6(&t6)
        .into_iter()
        .chain((0..50_000).map(|_| 0x2 << 124 | u128::from(next()) << 60))
        .collect();
    let mut out = vec![Some(u32::MAX); addrs.len()];
    fib.lookup_batch(&addrs, &mut out);
    for (&a, &o) in addrs.iter().zip(&out) {
        let want = r6(a);
        assert_eq!(fib.lookup(a), want, "addr {a:#034x}");
        assert_eq!(o, want, "batch addr {a:#034x}");
    }

    // IPv4 keeps narrow slots and single nodes even so: wide, it measured no faster.
    let t4: Vec<(u32, u8, u32)> = (0..60_000)
        .map(|i| (next() as u32 & 0x3fff_fff0, 24, i))
        .collect();
    let dbg = format!("{:?}", Fib4::build(&t4));
    assert!(
        dbg.contains("wide_slots: 0") && !dbg.contains("single_nodes: 0"),
        "{dbg}"
    );
}
