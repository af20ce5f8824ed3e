//! The forward benchmark's routers and frames (also driven by the `profile_case`
//! example): a synthetic table of 1k or 100k routes, plain forwarding or an SRv6
//! headend, and a pool of frames with distinct random destinations that hit it. Every
//! frame is checked at setup to be forwarded on out0.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker, process_batch};

use crate::common::{Rng, checksum};

/// Pre-built frames with distinct destinations, cycled.
const POOL: usize = 4096;
/// UDP payload bytes: the IPv4 frames are 60 B, the IPv6 frames 80 B (no FCS).
const PAYLOAD: usize = 18;

const IN_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0a, 0x01];

fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// The first `n` distinct values `draw` gives (`None`: a rejected draw).
fn distinct<T: Copy + Eq + std::hash::Hash>(
    n: usize,
    rng: &mut Rng,
    mut draw: impl FnMut(&mut Rng) -> Option<T>,
) -> Vec<T> {
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if let Some(v) = draw(rng)
            && seen.insert(v)
        {
            out.push(v);
        }
    }
    out
}

/// `n` distinct IPv4 prefixes, unicast and away from the configured 10/8 subnets:
/// 60% /24, 30% /16-/23, 10% /25-/32.
fn v4_prefixes(n: usize, rng: &mut Rng) -> Vec<(u32, u8)> {
    distinct(n, rng, |rng| {
        let len = match rng.below(100) {
            0..60 => 24,
            60..90 => 16 + rng.below(8) as u8,
            _ => 25 + rng.below(8) as u8,
        };
        let p = rng.next() as u32 & mask4(len);
        let first = p >> 24;
        let bad = first == 0 || first == 10 || first == 127 || first >= 224;
        (!bad).then_some((p, len))
    })
}

/// `n` distinct IPv6 prefixes in 2000::/4: 50% /48, 20% /56, 30% /64.
fn v6_prefixes(n: usize, rng: &mut Rng) -> Vec<(u128, u8)> {
    distinct(n, rng, |rng| {
        let len = match rng.below(10) {
            0..5 => 48,
            5..7 => 56,
            _ => 64,
        };
        Some((((0x2u128 << 124) | (rng.u128() >> 4)) & mask6(len), len))
    })
}

/// [`POOL`] distinct destinations, each a random address inside a random prefix.
fn v4_dsts(t: &[(u32, u8)], rng: &mut Rng) -> Vec<u32> {
    distinct(POOL, rng, |rng| {
        let (p, len) = t[rng.below(t.len() as u64) as usize];
        Some(p | (rng.next() as u32 & !mask4(len)))
    })
}

fn v6_dsts(t: &[(u128, u8)], rng: &mut Rng) -> Vec<u128> {
    distinct(POOL, rng, |rng| {
        let (p, len) = t[rng.below(t.len() as u64) as usize];
        Some(p | (rng.u128() & !mask6(len)))
    })
}

fn eth(out: &mut Vec<u8>, ethertype: u16) {
    out.extend_from_slice(&IN_MAC);
    out.extend_from_slice(&SRC_MAC);
    out.extend_from_slice(&ethertype.to_be_bytes());
}

fn udp(out: &mut Vec<u8>, seed: u32) {
    out.extend_from_slice(&(1024 + (seed & 0x3fff) as u16).to_be_bytes());
    out.extend_from_slice(&4789u16.to_be_bytes());
    out.extend_from_slice(&((8 + PAYLOAD) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend(std::iter::repeat_n(0xa5, PAYLOAD));
}

/// Ethernet + IPv4 (valid header checksum) + UDP from 10.0.0.1 to `dst`.
fn v4_frame(dst: u32) -> Vec<u8> {
    let mut f = Vec::with_capacity(64);
    eth(&mut f, 0x0800);
    let total = (20 + 8 + PAYLOAD) as u16;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[4..6].copy_from_slice(&(dst as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&Ipv4Addr::new(10, 0, 0, 1).octets());
    ip[16..20].copy_from_slice(&dst.to_be_bytes());
    let c = checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    udp(&mut f, dst);
    f
}

/// Ethernet + IPv6 + UDP from 2001:db8:a::10 to `dst`.
fn v6_frame(dst: u128) -> Vec<u8> {
    let mut f = Vec::with_capacity(96);
    eth(&mut f, 0x86dd);
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&((8 + PAYLOAD) as u16).to_be_bytes());
    f.push(17);
    f.push(64);
    f.extend_from_slice(&"2001:db8:a::10".parse::<Ipv6Addr>().unwrap().octets());
    f.extend_from_slice(&dst.to_be_bytes());
    udp(&mut f, dst as u32);
    f
}

/// Links, addresses, neighbours and the SID route shared by every case.
const BASE: &str = "\
link add in0 address 02:00:00:00:00:01 type port
link add out0 address 02:00:00:00:00:02 type port
link set in0 up
link set out0 up
addr add 10.0.0.254/24 dev in0
addr add 2001:db8:a::1/64 dev in0
addr add 10.9.0.1/24 dev out0
addr add fd00::1/64 dev out0
neigh add 10.0.0.1 lladdr 02:00:00:00:0a:01 dev in0
neigh add 2001:db8:a::10 lladdr 02:00:00:00:0a:01 dev in0
neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0
neigh add fd00::2 lladdr 02:00:00:00:0c:02 dev out0
sr tunsrc set fd00::1
route add fc00::/16 via fd00::2 dev out0
";

/// One benchmark case: a compiled snapshot, the ingress ifindex and the frame pool.
pub struct Case {
    pub dp: Dataplane,
    pub iif: u32,
    pub frames: Vec<Vec<u8>>,
}

impl Case {
    /// Builds the router from `BASE` plus `routes`, then checks every frame once.
    fn new(name: &str, routes: &str, frames: Vec<Vec<u8>>) -> Case {
        let text = format!("{BASE}{routes}");
        let t0 = Instant::now();
        let lines = lwt_config::parse_batch(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let t1 = Instant::now();
        let mut router = Router::new();
        router
            .apply_all(lines.iter().map(|(_, _, r)| &r.cmd))
            .unwrap_or_else(|(i, e)| panic!("{name}: line {}: {e:?}", lines[i].0));
        let iif = router.link_by_name("in0").unwrap().ifindex;
        let oif = router.link_by_name("out0").unwrap().ifindex;
        let t2 = Instant::now();
        let dp = router.dataplane();
        let t3 = Instant::now();
        let mut w = Worker::new();
        let mut pkt = [PacketBuf::new()];
        let mut v = [Verdict::Consumed];
        let mut tx_len = 0;
        for (i, f) in frames.iter().enumerate() {
            assert!(pkt[0].load(f, iif));
            process_batch(&dp, &mut w, &mut pkt, &mut v);
            let [v] = v;
            assert!(
                matches!(v, Verdict::Tx(o) if o == oif),
                "{name}: frame {i} gave {v:?}, expected Tx({oif})"
            );
            tx_len = pkt[0].len();
        }
        eprintln!(
            "{name}: {} frames of {} B in, {tx_len} B out; parse {:.1?}, apply {:.1?}, \
             compile {:.1?}",
            frames.len(),
            frames[0].len(),
            t1 - t0,
            t2 - t1,
            t3 - t2
        );
        Case { dp, iif, frames }
    }
}

fn route_lines<T>(prefixes: &[T], mut line: impl FnMut(usize, &T) -> String) -> String {
    let mut s = String::with_capacity(prefixes.len() * 64);
    for (i, p) in prefixes.iter().enumerate() {
        let _ = writeln!(s, "{}", line(i, p));
    }
    s
}

fn v4(p: u32, len: u8) -> String {
    format!("{}/{len}", Ipv4Addr::from(p))
}

fn v6(p: u128, len: u8) -> String {
    format!("{}/{len}", Ipv6Addr::from(p))
}

/// A case over `n` random IPv4 prefixes: `line(i, prefix)` is route i's line.
fn v4_case(name: &str, n: usize, rng: &mut Rng, line: impl Fn(usize, String) -> String) -> Case {
    let t = v4_prefixes(n, rng);
    let routes = route_lines(&t, |i, &(p, l)| line(i, v4(p, l)));
    let frames = v4_dsts(&t, rng).into_iter().map(v4_frame).collect();
    Case::new(name, &routes, frames)
}

/// The same over IPv6 prefixes.
fn v6_case(name: &str, n: usize, rng: &mut Rng, line: impl Fn(usize, String) -> String) -> Case {
    let t = v6_prefixes(n, rng);
    let routes = route_lines(&t, |i, &(p, l)| line(i, v6(p, l)));
    let frames = v6_dsts(&t, rng).into_iter().map(v6_frame).collect();
    Case::new(name, &routes, frames)
}

/// Plain IPv4 forwarding over `n` routes via 10.9.0.2.
fn ipv4_forward(n: usize, rng: &mut Rng) -> Case {
    v4_case("ipv4_forward", n, rng, |_, p| {
        format!("route add {p} via 10.9.0.2 dev out0")
    })
}

/// Plain IPv6 forwarding over `n` routes via fd00::2.
fn ipv6_forward(n: usize, rng: &mut Rng) -> Case {
    v6_case("ipv6_forward", n, rng, |_, p| {
        format!("-6 route add {p} via fd00::2 dev out0")
    })
}

/// H.Encaps of IPv4 traffic, 2 SIDs (so an SRH), one SID list per route.
fn h_encaps_v4(n: usize, rng: &mut Rng) -> Case {
    v4_case("h_encaps_v4_2sid", n, rng, |i, p| {
        let f = i & 0xffff;
        format!("route add {p} encap seg6 mode encap segs fc00:2::{f:x}:d4,fc00:3::d4 dev out0")
    })
}

/// H.Encaps.Red of IPv6 traffic, 1 SID (so no SRH).
fn h_encaps_red_v6(n: usize, rng: &mut Rng) -> Case {
    v6_case("h_encaps_red_v6_1sid", n, rng, |i, p| {
        let f = i & 0xffff;
        format!("-6 route add {p} encap seg6 mode encap.red segs fc00:2::{f:x}:d6 dev out0")
    })
}

/// H.Insert (inline SRH) into IPv6 traffic, 1 SID.
fn h_insert_v6(n: usize, rng: &mut Rng) -> Case {
    v6_case("h_insert_v6_1sid", n, rng, |i, p| {
        let f = i & 0xffff;
        format!("-6 route add {p} encap seg6 mode inline segs fc00:2::{f:x}:e dev out0")
    })
}

pub type Build = fn(usize, &mut Rng) -> Case;

/// The cases: name, builder, table size.
pub const SPECS: [(&str, Build, usize); 8] = [
    ("ipv4_forward", ipv4_forward, 1_000),
    ("ipv4_forward", ipv4_forward, 100_000),
    ("ipv6_forward", ipv6_forward, 1_000),
    ("ipv6_forward", ipv6_forward, 100_000),
    ("h_encaps_v4_2sid", h_encaps_v4, 1_000),
    ("h_encaps_v4_2sid", h_encaps_v4, 100_000),
    ("h_encaps_red_v6_1sid", h_encaps_red_v6, 1_000),
    ("h_insert_v6_1sid", h_insert_v6, 1_000),
];

/// Builds `SPECS[i]`; the seed depends only on the case, so filtered runs see the same
/// tables and frames.
pub fn build_spec(i: usize) -> Case {
    let (name, build, n) = SPECS[i];
    let t = Instant::now();
    let mut rng = Rng(0x5256_6c77_7462 ^ ((i as u64) << 32));
    let case = build(n, &mut rng);
    eprintln!("{name}/{n}: setup {:.1?}", t.elapsed());
    case
}
