//! `encap mpls` routes (net/mpls/mpls_iptunnel.c `mpls_xmit`) through an lwt router:
//! golden frames derived from RFC 3032 §2.1 (label, TC 0, bottom of stack on the last
//! entry, the TTL of the already forwarded packet or the route's), ethertype 0x8847,
//! the route MTU less the stack, and every frame dissected by tshark.
//! (This kernel has no MPLS: the differential harness cannot run these.)

mod common;

use common::Sim;
use lwt_testkit::frames::{Ipv4, Ipv6, Mac, ethernet_ip, ip4, ip6};

const HOST: Mac = Mac([2, 0, 0, 0, 0x0a, 1]);
const NEXT: [u8; 6] = [2, 0, 0, 0, 0x0c, 2];

fn router(routes: &str) -> Sim {
    let mut sim = Sim::new();
    sim.router(
        "r",
        &format!(
            "link add in0 address 02:00:00:00:01:01 type port
             link add out0 address 02:00:00:00:02:01 type port
             link set in0 up
             link set out0 up
             addr add 10.0.0.1/24 dev in0
             addr add 2001:db8:1::1/64 dev in0
             addr add 10.9.0.1/24 dev out0
             addr add 2001:db8:9::1/64 dev out0
             neigh add 10.0.0.10 lladdr 02:00:00:00:0a:01 dev in0
             neigh add 2001:db8:1::10 lladdr 02:00:00:00:0a:01 dev in0
             neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0
             neigh add 2001:db8:9::2 lladdr 02:00:00:00:0c:02 dev out0
             {routes}"
        ),
    );
    sim
}

/// The label stack entries RFC 3032 §2.1 describes, for `labels` with `ttl`.
fn stack(labels: &[u32], ttl: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let bos = u32::from(i + 1 == labels.len());
        out.extend_from_slice(&((l << 12) | (bos << 8) | u32::from(ttl)).to_be_bytes());
    }
    out
}

fn forward(sim: &mut Sim, packet: &[u8]) -> Vec<u8> {
    let mac = Mac(sim.mac("r", "in0"));
    let out = sim.inject("r", "in0", ethernet_ip(HOST, mac, packet));
    assert_eq!(out.len(), 1, "{out:#?}");
    out[0].frame.clone()
}

#[test]
fn golden_frames() {
    let mut sim = router(
        "route add 10.50.0.0/16 encap mpls 100/200/300 via 10.9.0.2 dev out0
         route add 10.60.0.0/16 encap mpls 16 ttl 5 via 10.9.0.2 dev out0
         -6 route add 2001:db8:50::/48 encap mpls 1048575 via 2001:db8:9::2 dev out0",
    );
    let out0 = sim.mac("r", "out0");
    let mut frames = Vec::new();

    let p = Ipv4::new(ip4("10.0.0.10"), ip4("10.50.1.2"))
        .ttl(64)
        .udp(1, 2, b"rfc3032");
    let f = forward(&mut sim, &p);
    let mut want = NEXT.to_vec();
    want.extend_from_slice(&out0);
    want.extend_from_slice(&[0x88, 0x47]);
    // The TTL is the forwarded packet's (64 - 1), on every entry.
    want.extend_from_slice(&stack(&[100, 200, 300], 63));
    let mut inner = p.clone();
    inner[8] = 63;
    let c = u16::from_be_bytes([inner[10], inner[11]]) + 0x0100;
    inner[10..12].copy_from_slice(&c.to_be_bytes());
    want.extend_from_slice(&inner);
    assert_eq!(f, want);
    assert_eq!(
        &f[14..26],
        &[
            0x00, 0x06, 0x40, 63, 0x00, 0x0c, 0x80, 63, 0x00, 0x12, 0xc1, 63
        ]
    );
    frames.push(f);

    // `ttl 5`: the route's TTL, not the packet's.
    let p = Ipv4::new(ip4("10.0.0.10"), ip4("10.60.0.1"))
        .ttl(30)
        .udp(1, 2, b"x");
    let f = forward(&mut sim, &p);
    assert_eq!(&f[12..18], &[0x88, 0x47, 0x00, 0x01, 0x01, 5]);
    frames.push(f);

    // IPv6: the decremented hop limit; the largest label.
    let p = Ipv6::new(ip6("2001:db8:1::10"), ip6("2001:db8:50::1"))
        .hop_limit(9)
        .udp(1, 2, b"six");
    let f = forward(&mut sim, &p);
    assert_eq!(&f[12..18], &[0x88, 0x47, 0xff, 0xff, 0xf1, 8]);
    assert_eq!(f[18..], {
        let mut q = p.clone();
        q[7] = 8;
        q
    });
    frames.push(f);
    lwt_testkit::tshark_check_frames(&frames).unwrap();
}

#[test]
fn route_mtu_is_the_device_less_the_stack() {
    let mut sim = router("route add 10.50.0.0/16 encap mpls 100/200 via 10.9.0.2 dev out0");
    // 1500 bytes with DF do not fit 1500 - 8: fragmentation needed, MTU 1492.
    let p = Ipv4::new(ip4("10.0.0.10"), ip4("10.50.0.1"))
        .dont_fragment(true)
        .udp(1, 2, &[0; 1472]);
    let f = forward(&mut sim, &p);
    assert_eq!(f[..6], HOST.0);
    assert_eq!((f[34], f[35]), (3, 4), "ICMP fragmentation needed");
    assert_eq!(u16::from_be_bytes([f[40], f[41]]), 1492);
    // 1492 bytes fit.
    let p = Ipv4::new(ip4("10.0.0.10"), ip4("10.50.0.1"))
        .dont_fragment(true)
        .udp(1, 2, &[0; 1464]);
    let f = forward(&mut sim, &p);
    assert_eq!(f.len(), 14 + 8 + 1492);
}

#[test]
fn kernel_refusals() {
    let mut r = lwt_core::Router::new();
    for (line, msg) in [
        (
            "route add 10.0.0.0/8 encap mpls 3 dev lo",
            "Implicit NULL Label (3) can not be used in encapsulation.",
        ),
        (
            "route add 10.0.0.0/8 encap mpls 16/17/18/19/20/21/22/23/24/25/26/27/28/29/30/31/32/33/34/35/36/37/38/39/40/41/42/43/44/45/46 dev lo",
            "Too many labels.",
        ),
    ] {
        let req = lwt_config::parse_line(line).unwrap().unwrap();
        let e = r.apply(&req.cmd).unwrap_err();
        assert_eq!(e.message, msg);
        assert!(e.hint.is_some());
    }
}
