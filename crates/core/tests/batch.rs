//! `process_batch` must be `process` applied to each frame in turn: same verdicts, same
//! bytes out, same counters, same frames released later. Checked over routers whose
//! rule walks flatten (and one whose walk does not) with a mix of well-formed, corrupted
//! and unusual frames: every fast-path condition and every way out of it.

use std::net::{Ipv4Addr, Ipv6Addr};

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker, process, process_batch};
use lwt_testkit::frames::{Ipv4, Ipv6, Mac, arp_request, checksum, ethernet_ip, srh_for_path};

const IN_MAC: Mac = Mac([0x02, 0, 0, 0, 0, 0x01]);
const HOST: Mac = Mac([0x02, 0, 0, 0, 0x0a, 0x01]);

/// Everything the fast path meets: local and main with a `to` rule to a SID table,
/// static and unresolved neighbours, ECMP, seg6 and seg6local routes, reject routes, a
/// throw route falling through to another table, a VRF with an enslaved port, an ECMP
/// SID (End or End.T by the flow hash), a
/// flow-based and a classic VXLAN device with routes through them.
const BASE: &str = "\
link add in0 address 02:00:00:00:00:01 type port
link add out0 address 02:00:00:00:00:02 type port
link add out1 address 02:00:00:00:00:03 type port
link add in1 address 02:00:00:00:00:04 type port
link add vrf-100 type vrf table 100
link set in1 master vrf-100
link set in0 up
link set out0 up
link set out1 up
link set in1 up
link set vrf-100 up
addr add 10.0.0.1/24 dev in0
addr add 10.9.0.1/24 dev out0
addr add 10.8.0.1/24 dev out1
addr add 10.7.0.1/24 dev in1
addr add 2001:db8::1/64 dev in0
addr add fd00::1/64 dev out0
addr add fd01::1/64 dev out1
neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0
neigh add fd00::2 lladdr 02:00:00:00:0c:03 dev out0
neigh add 10.8.0.2 lladdr 02:00:00:00:0c:04 dev out1
neigh add fd01::2 lladdr 02:00:00:00:0c:05 dev out1
route add 10.109.0.0/16 via 10.9.0.7 dev out0
route add 2001:db8:109::/48 via fd00::7 dev out0
route add 10.100.0.0/16 via 10.9.0.2 dev out0
route add 10.101.0.0/16 via 10.8.0.2 dev out1
route add 10.102.0.0/16 nexthop via 10.9.0.2 dev out0 nexthop via 10.8.0.2 dev out1
route add blackhole 10.103.0.0/16
route add unreachable 10.104.0.0/16
route add prohibit 10.105.0.0/16
route add throw 10.106.0.0/16
route add 10.106.0.0/16 via 10.9.0.2 dev out0 table 200
route add 10.107.0.0/16 encap seg6 mode encap segs fc00::1,fc00::2 dev out0
route add 10.108.0.0/16 via 10.9.0.2 dev out0 table 100
route add 2001:db8:100::/48 via fd00::2 dev out0
route add 2001:db8:101::/48 via fd01::2 dev out1
route add 2001:db8:102::/48 nexthop via fd00::2 dev out0 nexthop via fd01::2 dev out1
route add blackhole 2001:db8:103::/48
route add 2001:db8:107::/48 encap seg6 mode encap.red segs fc00::1 dev out0
route add 2001:db8:108::/48 encap seg6 mode inline segs fc00::3 dev out0
route add fc00::/16 via fd00::2 dev out0
route add fc00:1::100/128 encap seg6local action End dev out0 table 90
route add fc00:1::4/128 encap seg6local action End.DT4 vrftable 100 dev vrf-100 table 90
sysctl -w net.vrf.strict_mode=1
route add fc00:1::5/128 encap seg6local action End.T table 254 dev out0 table 90
route add fc00:1::6/128 encap seg6local action End.DX4 nh4 10.9.0.2 dev out0 table 90
route add fc00:1::7/128 encap seg6local action End.DT6 table 254 dev out0 table 90
route add fc00:1::8/128 encap seg6local action End.DT46 vrftable 100 dev vrf-100 table 90
route add fc00:1::9/128 encap seg6local action End.X nh6 fd00::2 dev out0 table 90
route add fc00:1::a/128 encap seg6local action End.DX6 nh6 :: dev out0 table 90
route add fc00:1::b/128 encap seg6local action End.DX6 nh6 2001:db8:101::9 dev out0 table 90
neigh add fe80::2 lladdr 02:00:00:00:0c:06 dev out1
route add fc00:1::c/128 encap seg6local action End.X nh6 fe80::2 oif out1 dev out1 table 90
route add fc00:1::d/128 encap seg6local action End.DX4 nh4 10.100.0.9 dev out0 table 90
route add 2001:db8:100::/48 via fd01::2 dev out1 table 100
route add fc00:1::e/128 table 90 nexthop encap seg6local action End dev out0 nexthop encap seg6local action End.T table 254 dev out0
route add fc00:1::f/128 encap seg6local action End.B6.Encaps srh segs fc00:1::100,2001:db8:100::1 dev out0 table 90
route add fc00:1::10/128 encap seg6local action End.DX4 nh4 0.0.0.0 dev out0 table 90
link add vx0 address 02:00:00:00:00:05 type vxlan external dstport 4789
link add vx1 address 02:00:00:00:00:06 type vxlan id 42 remote 10.9.0.2 dstport 4790
link set vx0 up
link set vx1 up
addr add 10.66.0.1/24 dev vx0
addr add 10.67.0.1/24 dev vx1
neigh add 10.66.0.2 lladdr 02:00:00:00:0c:07 dev vx0
neigh add 10.67.0.2 lladdr 02:00:00:00:0c:08 dev vx1
route add 10.110.0.0/16 encap ip id 100 dst 10.9.0.2 dev vx0
route add 10.111.0.0/16 via 10.67.0.2 dev vx1
";

const VX0: Mac = Mac([0x02, 0, 0, 0, 0, 0x05]);
const VX1: Mac = Mac([0x02, 0, 0, 0, 0, 0x06]);

fn router(extra: &str) -> (Router, Dataplane) {
    let cfg = format!("{BASE}{extra}");
    let lines = lwt_config::parse_batch(&cfg).expect("config parses");
    let mut r = Router::new();
    if let Err((i, e)) = r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)) {
        panic!("line {}: {}: {e}", lines[i].0, lines[i].1);
    }
    let dp = r.dataplane();
    (r, dp)
}

/// xorshift64*: deterministic frames without a dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn v4_dst(rng: &mut Rng) -> Ipv4Addr {
    let picks = [
        [
            10,
            100 + rng.below(12) as u8,
            rng.next() as u8,
            rng.next() as u8,
        ],
        [10, 0, 0, 1],
        [10, 9, 0, rng.below(4) as u8],
        [10, 0, 0, 255],
        [224, 0, 0, 5],
        [127, 0, 0, 1],
        [0, 0, 0, 0],
        [192, 0, 2, 1],
        [255, 255, 255, 255],
        [240, 0, 0, 1],
    ];
    if rng.below(2) == 0 {
        return Ipv4Addr::from(picks[0]);
    }
    Ipv4Addr::from(picks[rng.below(picks.len())])
}

fn v6_dst(rng: &mut Rng) -> Ipv6Addr {
    let picks = [
        format!(
            "2001:db8:{:x}::{:x}",
            0x100 + rng.below(10),
            rng.next() as u16
        ),
        "2001:db8::1".into(),
        "fd00::2".into(),
        "fc00:1::100".into(),
        "fc00:1::4".into(),
        format!("fc00:1::{:x}", 5 + rng.below(12)),
        format!("fc00::{:x}", rng.next() as u16),
        "ff02::1".into(),
        "fe80::1".into(),
        "3fff::1".into(),
        // The ECMP route: which next hop is the flow hash's choice.
        format!("2001:db8:102::{:x}", rng.next() as u16),
        format!("2001:db8:102::{:x}", rng.next() as u16),
    ];
    let i = if rng.below(2) == 0 {
        0
    } else {
        rng.below(picks.len())
    };
    picks[i].parse().expect("address")
}

/// A frame to in0 (or in1, the VRF port), valid or damaged in one of many ways.
fn frame(rng: &mut Rng) -> Vec<u8> {
    let mut f = match rng.below(3) {
        0..2 => packet(rng, HOST, IN_MAC),
        _ => vxlan(rng),
    };
    damage(rng, &mut f);
    f
}

/// A VXLAN datagram to a local address, the port of either device or another, around
/// an inner frame for either device (or neither), itself sometimes a datagram again;
/// the header, ECN and checksum right or not.
fn vxlan(rng: &mut Rng) -> Vec<u8> {
    // Mostly frames the flow-based device takes, and every way not to.
    let inner_dst = [VX0, VX0, VX0, VX0, VX1, HOST, Mac::BROADCAST][rng.below(7)];
    let inner_src = [HOST, HOST, HOST, HOST, HOST, VX0][rng.below(6)];
    let mut inner = match rng.below(8) {
        0 => arp_request(
            inner_src,
            Ipv4Addr::new(10, 66, 0, 9),
            Ipv4Addr::new(10, 66, 0, 1),
        ),
        1 => vxlan(rng),
        _ => packet(rng, inner_src, inner_dst),
    };
    damage(rng, &mut inner);
    let flags = [0x08, 0x08, 0x08, 0x08, 0x08, 0x00, 0x0c][rng.below(7)];
    let vni: u32 = [100, 42, 7][rng.below(3)];
    let mut payload = vec![flags, 0, 0, 0];
    payload.extend_from_slice(&(vni << 8).to_be_bytes());
    if rng.below(10) == 0 {
        payload[7] = 1;
    }
    payload.extend_from_slice(&inner);
    let port = [4789, 4789, 4789, 4789, 4789, 4790, 5000][rng.below(7)];
    let tos = [0, 0, 3, 1][rng.below(4)];
    let outer = if rng.below(3) == 0 {
        let dst = ["2001:db8::1", "fd00::1", "2001:db8::1"][rng.below(3)];
        let ip = Ipv6::new("2001:db8::2".parse().expect("a"), dst.parse().expect("a"))
            .traffic_class(tos);
        let mut p = ip.udp(40000 + rng.below(100) as u16, port, &payload);
        if rng.below(8) == 0 {
            p[46..48].copy_from_slice(&[0, 0]);
        }
        p
    } else {
        let dst = [[10, 0, 0, 1], [10, 9, 0, 1], [10, 0, 0, 1]][rng.below(3)];
        let ip = Ipv4::new(Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::from(dst))
            .tos(tos)
            .dont_fragment(rng.below(2) == 0);
        let mut p = ip.udp(40000 + rng.below(100) as u16, port, &payload);
        match rng.below(8) {
            0 => p[26..28].copy_from_slice(&[0, 0]),
            1 => p[6] |= 0x20,
            _ => {}
        }
        if p[6] & 0x20 != 0 {
            // A fragment: the header checksum made right again.
            p[10..12].copy_from_slice(&[0, 0]);
            let c = checksum(0, &p[..20]);
            p[10..12].copy_from_slice(&c.to_be_bytes());
        }
        p
    };
    ethernet_ip(HOST, IN_MAC, &outer)
}

/// An IP packet (IPv4, IPv6 or SRv6) in a frame from `src` to `dst`.
fn packet(rng: &mut Rng, src_mac: Mac, dst_mac: Mac) -> Vec<u8> {
    let body = [0u8; 18];
    match rng.below(4) {
        0 | 1 => {
            let src = [
                Ipv4Addr::new(10, 0, 0, 2),
                Ipv4Addr::new(127, 0, 0, 1),
                Ipv4Addr::new(224, 1, 1, 1),
            ][[1, 2, 0, 0, 0, 0, 0, 0][rng.below(8)]];
            let ip = Ipv4::new(src, v4_dst(rng))
                .ttl([64, 1, 0, 2][rng.below(4)])
                .dont_fragment(rng.below(2) == 0);
            let payload = if rng.below(10) == 0 {
                vec![0u8; 1600]
            } else {
                body.to_vec()
            };
            let pkt = match rng.below(3) {
                0 => ip.echo_request(1, 1, &payload),
                _ => ip.udp(4000, 5000, &payload),
            };
            ethernet_ip(src_mac, dst_mac, &pkt)
        }
        2 => {
            let src: Ipv6Addr = ["2001:db8::2", "fe80::2", "ff02::2"]
                [[1, 2, 0, 0, 0, 0][rng.below(6)]]
            .parse()
            .expect("address");
            let ip = Ipv6::new(src, v6_dst(rng))
                .hop_limit([64, 1, 0, 2][rng.below(4)])
                .flow_label(rng.next() as u32 & 0xfffff);
            let pkt = match rng.below(3) {
                0 => ip.echo_request(1, 1, &body),
                _ => ip.udp(4000, 5000, &body),
            };
            ethernet_ip(src_mac, dst_mac, &pkt)
        }
        _ => {
            // An SRv6 packet towards a SID, with an IPv4 or IPv6 inner packet.
            let sid = |s: &str| s.parse::<Ipv6Addr>().expect("sid");
            let decap = format!("fc00:1::{:x}", [4, 6, 7, 8, 10, 11, 13][rng.below(7)]);
            let transit = ["fc00:1::5", "fc00:1::9", "fc00:1::c", "fc00:1::e"][rng.below(4)];
            let segs = match rng.below(5) {
                0 => vec![sid(&decap)],
                1 => vec![sid("fc00:1::100"), sid(&decap)],
                2 | 3 => vec![sid(transit), v6_dst(rng)],
                _ => vec![sid("fc00:1::100"), v6_dst(rng)],
            };
            let (next, inner) = if rng.below(2) == 0 {
                let ip = Ipv4::new(Ipv4Addr::new(10, 0, 0, 2), v4_dst(rng));
                (4, ip.udp(1, 2, &body))
            } else {
                let ip = Ipv6::new("2001:db8::2".parse().expect("a"), v6_dst(rng));
                (41, ip.udp(1, 2, &body))
            };
            let srh = srh_for_path(next, &segs);
            let outer = Ipv6::new("2001:db8::2".parse().expect("a"), segs[0])
                .hop_limit([64, 1][rng.below(2)])
                .flow_label(rng.next() as u32 & 0xfffff);
            ethernet_ip(src_mac, dst_mac, &outer.with_srh(&srh, &inner))
        }
    }
}

/// Damage, now and then: a flipped byte anywhere, a shorter frame, padding, another MAC.
fn damage(rng: &mut Rng, f: &mut Vec<u8>) {
    match rng.below(12) {
        0 => {
            let i = rng.below(f.len());
            f[i] ^= 1 << rng.below(8);
        }
        1 => {
            let n = rng.below(f.len());
            f.truncate(n);
        }
        2 => f.extend_from_slice(&[0; 7]),
        3 => f[..6].copy_from_slice(&[0xff; 6]),
        _ => {}
    }
}

/// Everything observable after a run.
#[derive(Debug, PartialEq)]
struct Seen {
    out: Vec<(Verdict, Vec<u8>)>,
    released: Vec<(u32, Vec<u8>)>,
    stats: String,
}

fn run(dp: &Dataplane, frames: &[(u32, Vec<u8>)], batched: bool, rng: &mut Rng) -> Seen {
    let mut w = Worker::new();
    let mut out = Vec::new();
    let mut released = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let n = (1 + rng.below(70)).min(frames.len() - i);
        let mut bufs: Vec<PacketBuf> = (0..n).map(|_| PacketBuf::new()).collect();
        for (b, (iif, f)) in bufs.iter_mut().zip(&frames[i..i + n]) {
            assert!(b.load(f, *iif));
        }
        if batched {
            let mut v = vec![Verdict::Consumed; n];
            process_batch(dp, &mut w, &mut bufs, &mut v);
            out.extend(v.into_iter().zip(bufs.iter().map(|b| b.data().to_vec())));
        } else {
            for b in &mut bufs {
                let v = process(dp, &mut w, b);
                out.push((v, b.data().to_vec()));
            }
        }
        w.drain_outbox(|oif, f| released.push((oif, f.to_vec())));
        i += n;
    }
    Seen {
        out,
        released,
        stats: format!("{:?}", w.stats),
    }
}

fn check(extra: &str, seed: u64, expect_flat: bool) {
    check_repeating(extra, seed, expect_flat, 1);
}

/// As [`check`], each frame sent 1 to `repeats` times in a row (a flow's packets: their
/// routing passes after a behaviour repeat too).
fn check_repeating(extra: &str, seed: u64, expect_flat: bool, repeats: usize) {
    let (r, dp) = router(extra);
    assert_eq!(dp.flat4.is_some(), expect_flat, "IPv4 walk flattened");
    assert_eq!(dp.flat6.is_some(), expect_flat, "IPv6 walk flattened");
    let in0 = r.link_by_name("in0").expect("in0").ifindex;
    let in1 = r.link_by_name("in1").expect("in1").ifindex;
    let mut rng = Rng::new(seed);
    let frames: Vec<(u32, Vec<u8>)> = (0..9000)
        .map(|_| {
            let iif = if rng.below(8) == 0 { in1 } else { in0 };
            let mut f = frame(&mut rng);
            // Mostly to in1's MAC; else to in0's, which in1 must not take for its own
            // (nor take in0's checks for in1's, when both are in one vector).
            if iif == in1 && f.len() >= 6 && rng.below(4) != 0 {
                f[5] = 4;
            }
            (iif, f)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|f| std::iter::repeat_n(f, 1 + rng.below(repeats)))
        .collect();
    let single = run(&dp, &frames, false, &mut Rng::new(seed ^ 1));
    let batched = run(&dp, &frames, true, &mut Rng::new(seed ^ 1));
    for (k, (a, b)) in single.out.iter().zip(&batched.out).enumerate() {
        assert_eq!(a, b, "frame {k}: {:02x?}", frames[k].1);
    }
    assert_eq!(single, batched);
    let tx = single
        .out
        .iter()
        .filter(|(v, _)| matches!(v, Verdict::Tx(_)))
        .count();
    let mut kinds = std::collections::BTreeMap::new();
    for (v, _) in &single.out {
        *kinds.entry(format!("{v:?}")).or_insert(0) += 1;
    }
    assert!(
        tx > 700,
        "enough frames are forwarded to mean something: {kinds:?}"
    );
}

#[test]
fn batch_equals_single_with_repeated_frames() {
    check_repeating("rule add to fc00:1::/32 lookup 90 prio 999\n", 13, true, 3);
}

#[test]
fn batch_equals_single_default_rules() {
    check("", 1, true);
}

#[test]
fn batch_equals_single_with_sid_table_rule() {
    check(
        "rule add to 10.106.0.0/16 lookup 200 prio 100\n\
         rule add to fc00:1::/32 lookup 90 prio 999\n\
         rule add to 10.108.0.0/16 blackhole prio 998\n\
         route add unreachable default table 100\n",
        2,
        true,
    );
}

/// With enough SIDs under fc00:1::/48 for the FIBs to hash them (a SID block), the
/// SIDs the frames go to are found by the hash table, in vectors mixing them with
/// forwarded traffic.
#[test]
fn batch_equals_single_with_a_hashed_sid_block() {
    let mut extra = String::from("rule add to fc00:1::/32 lookup 90 prio 999\n");
    for i in 0..64 {
        extra += &format!(
            "route add fc00:1::1:{i:x}/128 encap seg6local action End dev out0 table 90\n"
        );
    }
    let (_, dp) = router(&extra);
    let fib = &dp.flat6.as_ref().expect("flattened").fib;
    assert!(format!("{fib:?}").contains("SidBlocks"), "{fib:?}");
    check(&extra, 4, true);
}

#[test]
fn batch_equals_single_when_the_walk_depends_on_more_than_the_destination() {
    check(
        "rule add from 10.0.0.0/8 lookup 200 prio 100\n\
         -6 rule add from 2001:db8::/32 lookup 90 prio 999\n",
        3,
        false,
    );
}

/// The flattened walk gives what the walk gives, for any address (here: every /16 of
/// the configured space and random addresses), with `to` rules, a throw route and
/// reject rules in play.
#[test]
fn flattened_walk_equals_rule_walk() {
    let extra = "rule add to 10.106.0.0/16 lookup 200 prio 100\n\
                 rule add to 10.108.128.0/17 prohibit prio 101\n\
                 rule add to fc00:1::/32 lookup 90 prio 999\n\
                 rule add to 2001:db8:200::/40 unreachable prio 1000\n\
                 route add 10.106.7.0/24 via 10.8.0.2 dev out1 table 200\n\
                 route add default via 10.9.0.2 dev out0 table 200\n";
    let (r, dp) = router(extra);
    let (_, mut walked) = router(extra);
    let in0 = r.link_by_name("in0").expect("in0").ifindex;
    let in1 = r.link_by_name("in1").expect("in1").ifindex;
    walked.flat4 = None;
    walked.flat6 = None;
    for t in &mut walked.tables {
        (t.vrf4, t.vrf6) = (None, None);
    }
    assert!(
        dp.tables
            .iter()
            .any(|t| t.vrf4.is_some() && t.vrf6.is_some()),
        "the VRF's walk is flattened"
    );
    let mut rng = Rng::new(9);
    for _ in 0..20_000 {
        let a4 = Ipv4Addr::from(match rng.below(3) {
            0 => rng.next() as u32,
            1 => 0x0a00_0000 | (rng.next() as u32 & 0x00ff_ffff),
            _ => 0x0a64_0000 | (rng.next() as u32 & 0x000f_ffff),
        });
        let a6 = match rng.below(2) {
            0 => v6_dst(&mut rng),
            _ => Ipv6Addr::from(
                0x2001_0db8_0000u128 << 80
                    | u128::from(rng.next()) << 40
                    | u128::from(rng.next() as u16),
            ),
        };
        for a in [std::net::IpAddr::V4(a4), std::net::IpAddr::V6(a6)] {
            // From in0 (the default domain) and from in1 (the VRF's).
            for iif in [in0, in1] {
                let flat = lwt_core::path::route_get(&dp, a, None, Some(iif), None, 0);
                let walk = lwt_core::path::route_get(&walked, a, None, Some(iif), None, 0);
                assert_eq!(flat, walk, "{a} from {iif}");
            }
        }
    }
}

/// End.T and End.DT6 look up table 254, whose routes forward through two adjacencies:
/// each packet leaves through its own route's, batched or not, whatever the order (the
/// table's values carry adjacency classes; see `TableDp::adjacency6`).
#[test]
fn table_lookups_forward_through_each_routes_adjacency() {
    let extra = "rule add to fc00:1::/32 lookup 90 prio 999\n";
    let (r, dp) = router(extra);
    let in0 = r.link_by_name("in0").expect("in0").ifindex;
    let out = |name: &str| r.link_by_name(name).expect("link").ifindex;
    let a: Ipv6Addr = "2001:db8::2".parse().expect("a");
    let body = [0u8; 8];
    // (frame, the link it leaves by, the neighbour's MAC)
    let mut cases = Vec::new();
    for (i, (dst, oif, mac)) in [
        ("2001:db8:100::9", out("out0"), [2, 0, 0, 0, 0x0c, 0x03]),
        ("2001:db8:101::9", out("out1"), [2, 0, 0, 0, 0x0c, 0x05]),
    ]
    .into_iter()
    .cycle()
    .take(12)
    .enumerate()
    {
        let dst: Ipv6Addr = dst.parse().expect("a");
        let frame = if i % 4 < 2 {
            // End.T: the SRH's next segment.
            let sid: Ipv6Addr = "fc00:1::5".parse().expect("a");
            let srh = srh_for_path(59, &[sid, dst]);
            ethernet_ip(HOST, IN_MAC, &Ipv6::new(a, sid).with_srh(&srh, &[]))
        } else {
            // End.DT6: the inner packet.
            let inner = Ipv6::new(a, dst).udp(1, 2, &body);
            let outer = Ipv6::new(a, "fc00:1::7".parse().expect("a"));
            ethernet_ip(HOST, IN_MAC, &outer.packet(41, &inner))
        };
        cases.push((frame, oif, mac));
    }
    let mut w = Worker::new();
    let mut bufs: Vec<PacketBuf> = cases.iter().map(|_| PacketBuf::new()).collect();
    for (b, (f, ..)) in bufs.iter_mut().zip(&cases) {
        assert!(b.load(f, in0));
    }
    let mut batched = vec![Verdict::Consumed; cases.len()];
    process_batch(&dp, &mut w, &mut bufs, &mut batched);
    for (k, ((f, oif, mac), b)) in cases.iter().zip(&bufs).enumerate() {
        assert_eq!(batched[k], Verdict::Tx(*oif), "batched, frame {k}");
        assert_eq!(b.data()[..6], mac[..], "batched, frame {k}");
        let mut one = PacketBuf::new();
        assert!(one.load(f, in0));
        assert_eq!(
            process(&dp, &mut w, &mut one),
            Verdict::Tx(*oif),
            "frame {k}"
        );
        assert_eq!(one.data()[..6], mac[..], "frame {k}");
    }
}

/// End.T and End.DT6 (table mode) resolve their table with the snapshot: to a table that
/// does not exist the packet is dropped (the kernel's blackhole), and once a route
/// creates the table the next snapshot forwards by it.
#[test]
fn table_behaviours_follow_their_table_into_each_snapshot() {
    let sids = "rule add to fc00:1::/32 lookup 90 prio 999\n\
         route add fc00:1::20/128 encap seg6local action End.T table 77 dev out0 table 90\n\
         route add fc00:1::21/128 encap seg6local action End.DT6 table 77 dev out0 table 90\n";
    let a: Ipv6Addr = "2001:db8::2".parse().expect("a");
    let dst: Ipv6Addr = "2001:db8:100::9".parse().expect("a");
    let frames = [
        {
            let sid: Ipv6Addr = "fc00:1::20".parse().expect("a");
            let srh = srh_for_path(59, &[sid, dst]);
            ethernet_ip(HOST, IN_MAC, &Ipv6::new(a, sid).with_srh(&srh, &[]))
        },
        {
            let inner = Ipv6::new(a, dst).udp(1, 2, &[0; 8]);
            let outer = Ipv6::new(a, "fc00:1::21".parse().expect("a"));
            ethernet_ip(HOST, IN_MAC, &outer.packet(41, &inner))
        },
    ];
    let table77 = "route add 2001:db8:100::/48 via fd01::2 dev out1 table 77\n";
    for (extra, want) in [
        (String::from(sids), None),
        (format!("{sids}{table77}"), Some("out1")),
    ] {
        let (r, dp) = router(&extra);
        let in0 = r.link_by_name("in0").expect("in0").ifindex;
        let want = match want {
            Some(l) => Verdict::Tx(r.link_by_name(l).expect("link").ifindex),
            None => Verdict::Drop(lwt_core::DropReason::SidNoRoute),
        };
        for (k, v) in batched_and_single(&dp, in0, &frames).iter().enumerate() {
            assert_eq!(*v, want, "frame {k}");
        }
    }
}

/// The verdicts of `frames` received on `iif`, in one batch; asserts that each frame
/// alone gets the same.
fn batched_and_single(dp: &Dataplane, iif: u32, frames: &[Vec<u8>]) -> Vec<Verdict> {
    let mut w = Worker::new();
    let mut bufs: Vec<PacketBuf> = frames.iter().map(|_| PacketBuf::new()).collect();
    for (b, f) in bufs.iter_mut().zip(frames) {
        assert!(b.load(f, iif));
    }
    let mut batched = vec![Verdict::Consumed; frames.len()];
    process_batch(dp, &mut w, &mut bufs, &mut batched);
    for (k, (f, v)) in frames.iter().zip(&batched).enumerate() {
        let mut one = PacketBuf::new();
        assert!(one.load(f, iif));
        assert_eq!(process(dp, &mut w, &mut one), *v, "frame {k} alone");
    }
    batched
}

/// After End.T and End.DT6 (table mode) a multipath route chooses its next hop by the
/// packet as the table looks it up (`seg6_lookup_any_nexthop`'s flow): the next
/// segment, the inner packet. So one tunnel's flows (one outer header) spread over
/// both paths, batched and single alike.
#[test]
fn table_multipath_hashes_the_packet_as_looked_up() {
    let extra = "rule add to fc00:1::/32 lookup 90 prio 999\n";
    let (r, dp) = router(extra);
    let in0 = r.link_by_name("in0").expect("in0").ifindex;
    let a: Ipv6Addr = "2001:db8::2".parse().expect("a");
    for (behaviour, sid) in [("End.T", "fc00:1::5"), ("End.DT6", "fc00:1::7")] {
        let sid: Ipv6Addr = sid.parse().expect("a");
        // 16 flows to the multipath 2001:db8:102::/48, under one outer header.
        let frames: Vec<Vec<u8>> = (1..=16u16)
            .map(|n| {
                let dst = Ipv6Addr::new(0x2001, 0xdb8, 0x102, 0, 0, 0, 0, n);
                let packet = if behaviour == "End.T" {
                    Ipv6::new(a, sid).with_srh(&srh_for_path(59, &[sid, dst]), &[])
                } else {
                    Ipv6::new(a, sid).packet(41, &Ipv6::new(a, dst).udp(1, 2, &[0; 8]))
                };
                ethernet_ip(HOST, IN_MAC, &packet)
            })
            .collect();
        let mut links = std::collections::BTreeSet::new();
        for (k, v) in batched_and_single(&dp, in0, &frames)
            .into_iter()
            .enumerate()
        {
            let Verdict::Tx(oif) = v else {
                panic!("{behaviour}, frame {k}: {v:?}")
            };
            links.insert(oif);
        }
        assert_eq!(links.len(), 2, "{behaviour}: 16 flows over both next hops");
    }
}

/// Adjacencies decided with the snapshot — a flattened result's (a gateway's or a
/// static neighbour's host entry), End.X's, End.DX6's and End.DX4's — forward exactly
/// as resolving the neighbour per packet does; also packets too long for the link
/// (its MTU lowered to 1280), which an adjacency's fast forwarding must leave to the
/// full checks.
#[test]
fn precomputed_adjacencies_equal_per_packet_resolution() {
    let extra = "rule add to fc00:1::/32 lookup 90 prio 999\n\
                 link set out0 mtu 1280\nlink set out1 mtu 1280\n";
    let (r, dp) = router(extra);
    let (_, mut per_packet) = router(extra);
    let mut sids = 0;
    for t in &mut per_packet.tables {
        for nh in t.routes6.iter_mut().flat_map(|r| r.nexthops.iter_mut()) {
            if let Some(lwt_core::lwt::Lwt::Seg6Local(sl)) = &mut nh.lwt {
                sids += usize::from(std::sync::Arc::make_mut(sl).adj.take().is_some());
            }
        }
    }
    assert_eq!(
        sids, 4,
        "End.X (global, link-local), End.DX6 nh6 and End.DX4 nh4 via a gateway resolved"
    );
    let hosts = |dp: &Dataplane| {
        dp.flat4
            .iter()
            .flat_map(|f| &f.results)
            .filter(|e| e.adj.is_some() && matches!(e.res, lwt_core::flat::FlatRes::Route { .. }))
            .count()
    };
    assert!(hosts(&per_packet) > 2, "flattened results with adjacencies");
    // Forwarding by each result's own entry, not its adjacency class's.
    for f in per_packet.flat4.iter_mut() {
        f.classes.entries.clear();
    }
    for f in per_packet.flat6.iter_mut() {
        f.classes.entries.clear();
    }
    for e in per_packet.flat4.iter_mut().flat_map(|f| &mut f.results) {
        e.adj = None;
    }
    for e in per_packet.flat6.iter_mut().flat_map(|f| &mut f.results) {
        // The SIDs' states the results share still have their adjacencies.
        (e.adj, e.sid) = (None, None);
    }
    let in0 = r.link_by_name("in0").expect("in0").ifindex;
    let mut rng = Rng::new(11);
    let mut frames: Vec<(u32, Vec<u8>)> = (0..9000).map(|_| (in0, frame(&mut rng))).collect();
    // Around the MTU: through a gateway's adjacency, IPv4 with and without DF, and End.X.
    let (a6, a4): (Ipv6Addr, Ipv4Addr) = ("2001:db8::2".parse().expect("a"), [10, 0, 0, 2].into());
    let sid: Ipv6Addr = "fc00:1::9".parse().expect("sid");
    for len in [1180, 1232, 1233, 1240, 1400] {
        let d6 = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 9);
        let body = vec![0; len];
        let packets = [
            Ipv6::new(a6, d6).udp(1, 2, &body),
            Ipv4::new(a4, [10, 100, 0, 9].into()).udp(1, 2, &body),
            Ipv4::new(a4, [10, 100, 0, 9].into())
                .dont_fragment(true)
                .udp(1, 2, &body),
            Ipv6::new(a6, sid).with_srh(&srh_for_path(59, &[sid, d6]), &body),
        ];
        frames.extend(packets.iter().map(|p| (in0, ethernet_ip(HOST, IN_MAC, p))));
    }
    for batched in [false, true] {
        let a = run(&dp, &frames, batched, &mut Rng::new(12));
        let b = run(&per_packet, &frames, batched, &mut Rng::new(12));
        assert_eq!(a, b, "batched: {batched}");
        // Of the frames around the MTU, 11 fit: all four at 1180 bytes of payload,
        // IPv4 up to 1240 and IPv6 up to 1232 (End.X's has an SRH of 40 bytes more).
        // The rest are answered (the answers wait for the sender's neighbour) or, IPv4
        // without DF, dropped.
        let fit = a.out[9000..]
            .iter()
            .filter(|(v, _)| matches!(v, Verdict::Tx(_)))
            .count();
        assert_eq!(
            fit,
            11,
            "{:?}",
            a.out[9000..].iter().map(|o| o.0).collect::<Vec<_>>()
        );
    }
}

/// With `seg6_flowlabel` 1 an encapsulation's outer flow label is the flow's hash
/// (`seg6_make_flowlabel`), with 0 the inner IPv6 packet's (0 for IPv4): for `encap
/// seg6` routes (IPv4 and IPv6 inner) and End.B6.Encaps, batched and single alike.
#[test]
fn outer_flow_labels_follow_seg6_flowlabel() {
    let a: Ipv6Addr = "2001:db8::2".parse().expect("a");
    let sid: Ipv6Addr = "fc00:1::f".parse().expect("sid");
    let mut frames = Vec::new();
    for n in 1..=16u16 {
        let d6 = Ipv6Addr::new(0x2001, 0xdb8, 0x107, 0, 0, 0, 0, n);
        frames.push(Ipv6::new(a, d6).flow_label(7).udp(1, 2, &[0; 8]));
        let d4 = Ipv4Addr::new(10, 107, 0, n as u8);
        frames.push(Ipv4::new(Ipv4Addr::new(10, 0, 0, 2), d4).udp(1, 2, &[0; 8]));
        let d6 = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, n);
        frames.push(
            Ipv6::new(a, sid)
                .flow_label(7)
                .with_srh(&srh_for_path(59, &[sid, d6]), &[]),
        );
    }
    // The outer IPv6 header's flow label, by frame kind (encap.red of IPv6, encap of
    // IPv4, End.B6.Encaps), over every frame forwarded.
    let labels = |flowlabel: i8| {
        let extra = format!(
            "rule add to fc00:1::/32 lookup 90 prio 999\nsysctl -w net.ipv6.seg6_flowlabel={flowlabel}\n"
        );
        let (r, dp) = router(&extra);
        let in0 = r.link_by_name("in0").expect("in0").ifindex;
        let frames: Vec<(u32, Vec<u8>)> = frames
            .iter()
            .map(|p| (in0, ethernet_ip(HOST, IN_MAC, p)))
            .collect();
        let single = run(&dp, &frames, false, &mut Rng::new(5));
        let batched = run(&dp, &frames, true, &mut Rng::new(5));
        for (k, (a, b)) in single.out.iter().zip(&batched.out).enumerate() {
            assert_eq!(a, b, "seg6_flowlabel {flowlabel}, frame {k}");
        }
        assert_eq!(single, batched, "seg6_flowlabel {flowlabel}");
        let mut kinds = [const { Vec::new() }; 3];
        for (k, (v, f)) in single.out.iter().enumerate() {
            assert!(matches!(v, Verdict::Tx(_)), "frame {k}: {v:?}");
            assert_eq!(f[12..14], [0x86, 0xdd], "frame {k}: an IPv6 outer header");
            kinds[k % 3].push(u32::from_be_bytes([0, f[15] & 0xf, f[16], f[17]]));
        }
        kinds
    };
    for (kind, labels) in labels(1).iter().enumerate() {
        let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
        assert!(distinct.len() > 8, "kind {kind}: hashed labels {labels:x?}");
    }
    assert_eq!(labels(0), [vec![7; 16], vec![0; 16], vec![7; 16]]);
    assert_eq!(labels(-1), [vec![0; 16], vec![0; 16], vec![0; 16]]);
}
