//! No input may panic the dataplane: arbitrary frames, and frames mutated from valid
//! SRv6/IPv4/IPv6/VXLAN packets, go through a router configured with every behaviour.

use lwt_core::{PacketBuf, Router, Verdict, Worker};
use lwt_testkit::frames::{Ipv4, Ipv6, Mac, ethernet_ip, ip4, ip6, srh_for_path};
use proptest::prelude::*;

const CONFIG: &str = "
sysctl -w net.vrf.strict_mode=1
link add in0 address 02:00:00:00:01:01 type port
link add out0 address 02:00:00:00:02:01 type port
link set in0 up
link set out0 up
link add vrf-100 type vrf table 100
link set vrf-100 up
addr add 2001:db8:1::1/64 dev in0
addr add 10.0.1.1/24 dev in0
addr add 2001:db8:2::1/64 dev out0
addr add 10.0.2.1/24 dev out0
neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0
neigh add 10.0.2.2 lladdr 02:00:00:00:02:02 dev out0
sr hmac set 5 sha256 secret
route add fc00::/16 via 2001:db8:2::2 dev out0
route add 10.99.0.0/16 encap seg6 mode encap segs fc00::1,fc00::2 hmac 5 dev out0
-6 route add 2001:db8:99::/64 encap seg6 mode inline segs fc00::1 dev out0
-6 route add 2001:db8:98::/64 encap seg6 mode l2encap.red segs fc00::1,fc00::3 dev out0
-6 route add fc01::1/128 encap seg6local action End flavors psp dev in0
-6 route add fc01::2/128 encap seg6local action End.X nh6 2001:db8:2::2 dev in0
-6 route add fc01::3/128 encap seg6local action End.T table 254 dev in0
-6 route add fc01::4/128 encap seg6local action End.DX2 oif out0 dev in0
-6 route add fc01::5/128 encap seg6local action End.DX4 nh4 10.0.2.2 dev in0
-6 route add fc01::6/128 encap seg6local action End.DX6 nh6 2001:db8:2::2 dev in0
-6 route add fc01::7/128 encap seg6local action End.DT6 table 254 dev in0
-6 route add fc01::8/128 encap seg6local action End.DT46 vrftable 100 dev vrf-100
-6 route add fc01::9/128 encap seg6local action End.B6 srh segs fc00::7,fc00::8 hmac 5 dev in0
-6 route add fc01::a/128 encap seg6local action End.B6.Encaps srh segs fc00::7 dev in0
-6 route add fcbb:0:100::/48 encap seg6local action End flavors next-csid dev in0
-6 route add fc01::b/128 encap seg6local action End count dev in0
link add vx0 address 02:00:00:00:03:01 type vxlan external dstport 4789 gbp
link add vx1 address 02:00:00:00:04:01 type vxlan id 42 remote 10.0.2.2 dstport 4790
link set vx0 up
link set vx1 up
addr add 10.100.0.1/24 dev vx0
addr add 10.101.0.1/24 dev vx1
route add 10.97.0.0/16 encap ip id 7 dst 10.0.2.2 csum via 10.100.0.2 dev vx0
-6 route add 2001:db8:97::/64 encap ip6 id 8 dst 2001:db8:2::2 dev vx0
route add 10.96.0.0/16 encap mpls 100/200 via 10.0.2.2 dev out0
route add 10.95.0.0/16 via 10.101.0.2 dev vx1
rule add tun_id 5 lookup 100
";

fn router() -> (lwt_core::Dataplane, u32) {
    let lines = lwt_config::parse_batch(CONFIG).unwrap();
    let mut r = Router::new();
    r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)).unwrap();
    let iif = r.link_by_name("in0").unwrap().ifindex;
    (r.dataplane(), iif)
}

/// Valid packets the mutations start from: one per behaviour and encap.
fn seeds() -> Vec<Vec<u8>> {
    let (peer, me) = (Mac([2, 0, 0, 0, 1, 2]), Mac([2, 0, 0, 0, 1, 1]));
    let inner6 = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::1")).udp(1, 2, b"payload");
    let inner4 = Ipv4::new(ip4("10.0.1.2"), ip4("10.99.0.1")).udp(1, 2, b"payload");
    let mut out = vec![
        ethernet_ip(peer, me, &inner6),
        ethernet_ip(peer, me, &inner4),
    ];
    // Into the tunnels and MPLS, and VXLAN datagrams to both devices.
    for dst in ["10.97.0.1", "10.96.0.1", "10.95.0.1"] {
        let p = Ipv4::new(ip4("10.0.1.2"), ip4(dst)).udp(1, 2, b"payload");
        out.push(ethernet_ip(peer, me, &p));
    }
    let p = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:97::1")).udp(1, 2, b"payload");
    out.push(ethernet_ip(peer, me, &p));
    for (port, vni, flags) in [(4789u16, 5u32, 0x88u8), (4790, 42, 0x08)] {
        let inner = ethernet_ip(Mac([2, 0, 0, 0, 7, 7]), Mac([2, 0, 0, 0, 3, 1]), &inner4);
        let mut payload = vec![flags, 0, 0, 0x10];
        payload.extend_from_slice(&(vni << 8).to_be_bytes());
        payload.extend_from_slice(&inner);
        let p = Ipv4::new(ip4("10.0.1.2"), ip4("10.0.1.1")).udp(40000, port, &payload);
        out.push(ethernet_ip(peer, me, &p));
        let p = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:1::1")).udp(40000, port, &payload);
        out.push(ethernet_ip(peer, me, &p));
    }
    for i in 1..=0xbu16 {
        let sid = ip6(&format!("fc01::{i:x}"));
        for (proto, inner) in [(41u8, &inner6), (4, &inner4)] {
            let srh = srh_for_path(proto, &[sid, ip6("fc00::9")]);
            let p = Ipv6::new(ip6("2001:db8:1::2"), sid).with_srh(&srh, inner);
            out.push(ethernet_ip(peer, me, &p));
            let plain = Ipv6::new(ip6("2001:db8:1::2"), sid).packet(proto, inner);
            out.push(ethernet_ip(peer, me, &plain));
        }
    }
    out
}

fn run(dp: &lwt_core::Dataplane, iif: u32, frame: &[u8]) {
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    if pkt.load(frame, iif) {
        let v = lwt_core::process(dp, &mut w, &mut pkt);
        if let Verdict::Tx(_) = v {
            assert!(
                pkt.len() >= 14,
                "a transmitted frame has an Ethernet header"
            );
        }
    }
}

#[test]
fn seeds_are_processed() {
    let (dp, iif) = router();
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    let mut sent = 0;
    for f in seeds() {
        pkt.load(&f, iif);
        if let Verdict::Tx(_) = lwt_core::process(&dp, &mut w, &mut pkt) {
            sent += 1;
        }
    }
    assert!(sent >= 12, "most seeds are forwarded ({sent})");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_frames_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (dp, iif) = router();
        run(&dp, iif, &frame);
    }

    #[test]
    fn mutated_srv6_frames_never_panic(
        seed in 0usize..64,
        edits in proptest::collection::vec((0usize..400, any::<u8>()), 1..6),
        cut in 0usize..400,
    ) {
        let (dp, iif) = router();
        let seeds = seeds();
        let mut f = seeds[seed % seeds.len()].clone();
        for (at, b) in edits {
            if !f.is_empty() {
                let i = at % f.len();
                f[i] = b;
            }
        }
        if cut < f.len() && cut > 14 {
            f.truncate(cut);
        }
        run(&dp, iif, &f);
    }
}
