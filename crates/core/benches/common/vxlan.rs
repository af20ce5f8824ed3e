//! The VXLAN benchmark's routers and frames (also driven by the `profile_case`
//! example). Every pool frame is checked once at setup to be sent on the expected port
//! with the expected VNI.

use std::net::{Ipv4Addr, Ipv6Addr};

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker, process};
use lwt_testkit::frames::{Ipv6, Mac, ethernet_ip};

use crate::common::checksum;

const POOL: usize = 1024;

const H0_MAC: [u8; 6] = [2, 0, 0, 0, 1, 1];
const U0_MAC: [u8; 6] = [2, 0, 0, 0, 2, 1];
const VX0_MAC: [u8; 6] = [2, 0, 0, 0, 3, 1];
const PEER: [u8; 6] = [2, 0, 0, 0, 9, 1];

/// The edge router every case starts from (`lwt_testkit::topology::VXLAN_EDGE`).
const BASE: &str = lwt_testkit::topology::VXLAN_EDGE;

/// Ethernet + IPv4 + UDP (18 bytes of payload: a 60-byte frame).
fn v4_frame(
    dst_mac: [u8; 6],
    src_mac: [u8; 6],
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(64);
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&src_mac);
    f.extend_from_slice(&[0x08, 0x00]);
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&46u16.to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let c = checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&5000u16.to_be_bytes());
    f.extend_from_slice(&26u16.to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&[0xa5; 18]);
    f
}

/// The inner frame of datagram `i`: IPv4 from 20.x.y.7 for the host behind h0.
fn inner_frame(i: u32) -> Vec<u8> {
    v4_frame(
        VX0_MAC,
        [2, 0, 0, 0, 0x0c, 1],
        Ipv4Addr::new(20, (i >> 8) as u8, i as u8, 7),
        Ipv4Addr::new(10, 0, 0, 10),
        1024 + (i as u16 & 0x3fff),
    )
}

/// A VXLAN datagram from 172.16.x.y to 192.168.0.1:4789 (no UDP checksum) around an
/// inner IPv4 frame for the host behind h0.
fn vxlan_frame(vni: u32, i: u32) -> Vec<u8> {
    let inner = inner_frame(i);
    let udp_len = 16 + inner.len();
    let mut f = Vec::with_capacity(100);
    f.extend_from_slice(&U0_MAC);
    f.extend_from_slice(&PEER);
    f.extend_from_slice(&[0x08, 0x00]);
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((20 + udp_len) as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&Ipv4Addr::new(172, 16, (i >> 8) as u8, i as u8).octets());
    ip[16..20].copy_from_slice(&Ipv4Addr::new(192, 168, 0, 1).octets());
    let c = checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&(40000 + (i as u16 & 0xfff)).to_be_bytes());
    f.extend_from_slice(&4789u16.to_be_bytes());
    f.extend_from_slice(&(udp_len as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&[0x08, 0, 0, 0]);
    f.extend_from_slice(&(vni << 8).to_be_bytes());
    f.extend_from_slice(&inner);
    f
}

/// The same over IPv6, from fd00::2:x to fd00::1:4789, with the UDP checksum IPv6
/// requires (a receiver verifies it over the whole datagram).
fn vxlan6_frame(vni: u32, i: u32) -> Vec<u8> {
    let mut payload = vec![0x08, 0, 0, 0];
    payload.extend_from_slice(&(vni << 8).to_be_bytes());
    payload.extend_from_slice(&inner_frame(i));
    let src = Ipv6Addr::from(0xfd00_u128 << 112 | 0x2_0000 | u128::from(i & 0xffff));
    let ip = Ipv6::new(src, Ipv6Addr::from(0xfd00_u128 << 112 | 1));
    let udp = ip.udp(40000 + (i as u16 & 0xfff), 4789, &payload);
    ethernet_ip(Mac(PEER), Mac(U0_MAC), &udp)
}

pub struct Case {
    pub dp: Dataplane,
    pub iif: u32,
    pub frames: Vec<Vec<u8>>,
}

fn endpoint(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(172, 16, (i >> 8) as u8, i as u8)
}

fn prefix(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(20, (i >> 8) as u8, i as u8, 0)
}

/// `routes` `encap ip` routes (VNI 1000+i to endpoint i, `family` underlay), and a pool
/// of frames spread over them.
fn encap(routes: u32, v6: bool, csum: bool) -> Case {
    let mut cfg = String::from(BASE);
    for i in 0..routes {
        let dst = if v6 {
            format!("fd01::{:x}", i + 1)
        } else {
            endpoint(i).to_string()
        };
        cfg.push_str(&format!(
            "route add {}/24 encap {} id {} dst {dst}{} via 10.100.0.2 dev vx0\n",
            prefix(i),
            if v6 { "ip6" } else { "ip" },
            1000 + i,
            if csum { " csum" } else { "" }
        ));
    }
    let frames = (0..POOL as u32)
        .map(|k| {
            let i = k % routes;
            let mut d = prefix(i).octets();
            d[3] = 1 + (k / routes) as u8;
            v4_frame(
                H0_MAC,
                [2, 0, 0, 0, 0x0a, 1],
                Ipv4Addr::new(10, 0, 0, 10),
                d.into(),
                1024 + k as u16,
            )
        })
        .collect();
    build(&cfg, "h0", "u0", frames, |i| {
        Some(1000 + (i as u32 % routes))
    })
}

fn decap(vnis: u32, v6: bool) -> Case {
    let frame = if v6 { vxlan6_frame } else { vxlan_frame };
    let frames = (0..POOL as u32)
        .map(|k| frame(1000 + k % vnis, k))
        .collect();
    build(BASE, "u0", "h0", frames, |_| None)
}

fn build(
    cfg: &str,
    iif: &str,
    oif: &str,
    frames: Vec<Vec<u8>>,
    vni: impl Fn(usize) -> Option<u32>,
) -> Case {
    let lines = lwt_config::parse_batch(cfg).unwrap();
    let mut router = Router::new();
    router
        .apply_all(lines.iter().map(|(_, _, r)| &r.cmd))
        .unwrap_or_else(|(i, e)| panic!("line {}: {e}", lines[i].0));
    let iif = router.link_by_name(iif).unwrap().ifindex;
    let oif = router.link_by_name(oif).unwrap().ifindex;
    let dp = router.dataplane();
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    for (i, f) in frames.iter().enumerate() {
        pkt.load(f, iif);
        let v = process(&dp, &mut w, &mut pkt);
        assert_eq!(v, Verdict::Tx(oif), "frame {i}");
        if let Some(want) = vni(i) {
            let l4 = if pkt.data()[12] == 0x86 { 54 } else { 34 };
            let got = u32::from_be_bytes(pkt.data()[l4 + 12..l4 + 16].try_into().unwrap()) >> 8;
            assert_eq!(got, want, "frame {i}");
        }
    }
    Case { dp, iif, frames }
}

/// The same router forwarding the same frames out of `u0` without VXLAN: what the path
/// costs before the device does anything (Ethernet, IPv4 checks, rules and FIB, TTL,
/// neighbour, Ethernet header).
fn plain_forward() -> Case {
    let cfg = format!("{BASE}route add 20.0.0.0/24 via 192.168.0.2 dev u0\n");
    let frames = (0..POOL as u32)
        .map(|k| {
            v4_frame(
                H0_MAC,
                [2, 0, 0, 0, 0x0a, 1],
                Ipv4Addr::new(10, 0, 0, 10),
                Ipv4Addr::new(20, 0, 0, 1 + (k % 250) as u8),
                1024 + k as u16,
            )
        })
        .collect();
    build(&cfg, "h0", "u0", frames, |_| None)
}

pub type Build = fn() -> Case;

/// The benchmark's cases by name.
pub const CASES: [(&str, Build); 8] = [
    ("forward_v4_baseline/1", plain_forward),
    ("encap_v4_underlay/1", || encap(1, false, false)),
    ("encap_v4_underlay/10000", || encap(10_000, false, false)),
    ("encap_v4_underlay_csum/1", || encap(1, false, true)),
    ("encap_v6_underlay_csum/1", || encap(1, true, true)),
    ("decap_v4_underlay/1", || decap(1, false)),
    ("decap_v4_underlay/10000", || decap(10_000, false)),
    ("decap_v6_underlay_csum/1", || decap(1, true)),
];
