//! Differential tests of seg6local behaviours against the Linux kernel (byte for byte):
//! End, End.X (global and link-local with oif), End.T, End.DX2, End.DX4, End.DX6,
//! End.DT6 (table mode), End.B6, End.B6.Encaps, the PSP and NEXT-CSID flavors, and the
//! drop cases (no SRH, SL 0, SL > 0 on a decapsulating SID, wrong inner header, hop
//! limit 1). Drops are compared as "nothing comes out" on both sides.
//!
//! The SIDs are installed with `dev in0` (this kernel has no dummy devices, and an IPv6
//! route through `lo` is a reject route, in the kernel and in lwt); packets enter on in0
//! and leave on out0 towards 2001:db8:2::2. Nothing is masked: no ICMPv4 is involved.

use std::net::Ipv6Addr;

use lwt_testkit::frames::{Ipv4, Ipv6, ethernet, ethernet_ip, ip4, ip6, srh, srh_for_path};
use lwt_testkit::{
    LwtRunner, PortSpec, assert_same_frames, frame_count, kernel_seg6_or_skip, root_or_skip,
    run_both,
};

fn ports() -> [PortSpec; 2] {
    [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)]
}

const BASE: &[&str] = &[
    "sysctl -w net.ipv6.auto_flowlabels=0",
    "sysctl -w net.ipv6.icmp.ratelimit=0",
    "addr add 2001:db8:1::1/64 dev in0",
    "addr add 10.0.1.1/24 dev in0",
    "addr add 2001:db8:2::1/64 dev out0",
    "addr add 10.0.2.1/24 dev out0",
    "addr add fe80::1/64 dev out0",
    "neigh add 2001:db8:1::2 lladdr 02:00:00:00:01:02 dev in0",
    "neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0",
    "neigh add 10.0.2.2 lladdr 02:00:00:00:02:02 dev out0",
    "neigh add fe80::2 lladdr 02:00:00:00:02:02 dev out0",
    "neigh add 2001:db8:2::9 lladdr 02:00:00:00:02:02 dev out0",
    "route add fc00::/16 via 2001:db8:2::2 dev out0",
    "route add fcbb::/16 via 2001:db8:2::2 dev out0",
    "route add 2001:db8:99::/64 via 2001:db8:2::2 dev out0",
    "route add 10.99.0.0/16 via 10.0.2.2 dev out0",
    "-6 route add fc00::/16 via 2001:db8:2::2 dev out0 table 100",
    "-6 route add 2001:db8:77::/64 via 2001:db8:2::2 dev out0 table 100",
];

fn frame(packet: &[u8]) -> (&'static str, Vec<u8>) {
    let p = &ports()[0];
    ("in0", ethernet_ip(p.peer_mac, p.mac, packet))
}

fn inner6(dst: &str) -> Vec<u8> {
    Ipv6::new(ip6("2001:db8:1::2"), ip6(dst))
        .hop_limit(40)
        .traffic_class(0x20)
        .flow_label(0xabcde)
        .udp(1000, 2000, b"inner v6 payload")
}

/// A UDP datagram whose checksum is computed for the final destination `dst`.
fn udp_to(dst: &str) -> Vec<u8> {
    Ipv6::new(ip6("2001:db8:1::2"), ip6(dst)).udp(1000, 2000, b"abcd")[40..].to_vec()
}

fn inner4(dst: &str) -> Vec<u8> {
    Ipv4::new(ip4("10.0.1.2"), ip4(dst))
        .ttl(30)
        .udp(1000, 2000, b"inner v4 payload")
}

/// Outer IPv6 (from 2001:db8:1::2) towards `path[0]` with an SRH visiting `path` in order,
/// currently at `path[at]` (SL = len - 1 - at), carrying `inner` of protocol `proto`.
fn srv6(path: &[&str], at: usize, proto: u8, inner: &[u8], hl: u8) -> Vec<u8> {
    let segs: Vec<Ipv6Addr> = path.iter().map(|s| ip6(s)).collect();
    let mut h = srh_for_path(proto, &segs);
    h[3] = (segs.len() - 1 - at) as u8;
    Ipv6::new(ip6("2001:db8:1::2"), segs[at])
        .hop_limit(hl)
        .with_srh(&h, inner)
}

/// Outer IPv6 without SRH carrying `inner` (nexthdr `proto`).
fn plain(dst: &str, proto: u8, inner: &[u8]) -> Vec<u8> {
    Ipv6::new(ip6("2001:db8:1::2"), ip6(dst))
        .hop_limit(64)
        .packet(proto, inner)
}

/// Runs one configuration through both and compares; `expect_output` says whether the
/// kernel must send something (a forwarded packet) or nothing (a drop).
fn differential(name: &str, lines: &[&str], inputs: &[(&str, Vec<u8>)], expect_output: bool) {
    let all: Vec<&str> = BASE.iter().chain(lines).copied().collect();
    let runner = LwtRunner::new(env!("CARGO_BIN_EXE_lwt"));
    let both = run_both(name, &runner, &ports(), &all, inputs);
    let sent = frame_count(&both.kernel);
    assert_eq!(
        sent > 0,
        expect_output,
        "{name}: the kernel sent {sent} frame(s); the case expects {}",
        if expect_output { "output" } else { "a drop" }
    );
    eprintln!("{name}: kernel sent {sent} frame(s)\n{}", both.summary);
    assert_same_frames(&both.kernel, &both.lwt, &[]);
}

const SID: &str = "fc00:1::100";

fn sid_route(behaviour: &str) -> String {
    format!("-6 route add {SID}/128 encap seg6local action {behaviour} dev in0")
}

const UDP: u8 = 17;
const IPV6: u8 = 41;
const IPIP: u8 = 4;
const ETHERNET: u8 = 143;

#[test]
fn end() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let r = sid_route("End");
    let path = [SID, "fc00:2::1", "fc00:3::1"];
    differential(
        "End, SL 2",
        &[&r],
        &[frame(&srv6(&path, 0, IPV6, &inner6("2001:db8:99::1"), 64))],
        true,
    );
    differential(
        "End, last SID (SL 1 → 0)",
        &[&r],
        &[frame(&srv6(
            &[SID, "2001:db8:99::7"],
            0,
            UDP,
            &udp_to("2001:db8:99::7"),
            64,
        ))],
        true,
    );
    differential(
        "End without SRH",
        &[&r],
        &[frame(&plain(SID, IPV6, &inner6("2001:db8:99::1")))],
        false,
    );
    differential(
        "End with SL 0",
        &[&r],
        &[frame(&srv6(
            &["fc00:2::1", SID],
            1,
            IPV6,
            &inner6("2001:db8:99::1"),
            64,
        ))],
        false,
    );
}

#[test]
fn end_hop_limit_one() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let r = sid_route("End");
    differential(
        "End, hop limit 1",
        &[&r],
        &[frame(&srv6(
            &[SID, "fc00:2::1"],
            0,
            IPV6,
            &inner6("2001:db8:99::1"),
            1,
        ))],
        true,
    );
}

#[test]
fn end_x_and_end_t() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let path = [SID, "fc00:2::1", "fc00:3::1"];
    let input = [frame(&srv6(&path, 0, IPV6, &inner6("2001:db8:99::1"), 64))];
    differential(
        "End.X global",
        &[&sid_route("End.X nh6 2001:db8:2::9")],
        &input,
        true,
    );
    differential(
        "End.X link-local with oif",
        &[&sid_route("End.X nh6 fe80::2 oif out0")],
        &input,
        true,
    );
    differential("End.T", &[&sid_route("End.T table 100")], &input, true);
}

#[test]
fn decap_dx2_dx4_dx6() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let inner_frame = ethernet(
        lwt_testkit::frames::mac("02:00:00:00:aa:01"),
        lwt_testkit::frames::mac("02:00:00:00:aa:02"),
        0x0800,
        &inner4("10.99.0.5"),
    );
    differential(
        "End.DX2",
        &[&sid_route("End.DX2 oif out0")],
        &[frame(&plain(SID, ETHERNET, &inner_frame))],
        true,
    );
    differential(
        "End.DX4",
        &[&sid_route("End.DX4 nh4 10.0.2.2")],
        &[frame(&plain(SID, IPIP, &inner4("10.99.3.4")))],
        true,
    );
    differential(
        "End.DX6",
        &[&sid_route("End.DX6 nh6 2001:db8:2::9")],
        &[frame(&srv6(
            &["fc00:9::1", SID],
            1,
            IPV6,
            &inner6("2001:db8:99::1"),
            64,
        ))],
        true,
    );
    differential(
        "End.DX6 with SL > 0",
        &[&sid_route("End.DX6 nh6 2001:db8:2::9")],
        &[frame(&srv6(
            &[SID, "fc00:9::1"],
            0,
            IPV6,
            &inner6("2001:db8:99::1"),
            64,
        ))],
        false,
    );
    differential(
        "End.DX4 with an IPv6 inner packet",
        &[&sid_route("End.DX4 nh4 10.0.2.2")],
        &[frame(&plain(SID, IPV6, &inner6("2001:db8:99::1")))],
        false,
    );
}

#[test]
fn decap_dt6_table_mode() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let r = sid_route("End.DT6 table 100");
    differential(
        "End.DT6 table 100",
        &[&r],
        &[frame(&plain(SID, IPV6, &inner6("2001:db8:77::1")))],
        true,
    );
    differential(
        "End.DT6, no route in table 100",
        &[&r],
        &[frame(&plain(SID, IPV6, &inner6("2001:db8:99::1")))],
        true,
    );
}

#[test]
fn binding_sids() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let input = [frame(&srv6(
        &[SID, "fc00:2::1"],
        0,
        IPV6,
        &inner6("2001:db8:99::1"),
        64,
    ))];
    differential(
        "End.B6",
        &[&sid_route("End.B6 srh segs fc00:5::1,fc00:6::1")],
        &input,
        true,
    );
    differential(
        "End.B6.Encaps",
        &[
            "sr tunsrc set 2001:db8:ffff::1",
            &sid_route("End.B6.Encaps srh segs fc00:5::1,fc00:6::1"),
        ],
        &input,
        true,
    );
}

#[test]
fn flavors_psp_and_next_csid() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let psp = sid_route("End flavors psp");
    differential(
        "PSP at SL 1 pops the SRH",
        &[&psp],
        &[frame(&srv6(
            &["fc00:2::1", SID, "2001:db8:99::1"],
            1,
            UDP,
            &udp_to("2001:db8:99::1"),
            64,
        ))],
        true,
    );
    differential(
        "PSP at SL 2 is plain End",
        &[&psp],
        &[frame(&srv6(
            &[SID, "fc00:2::1", "2001:db8:99::1"],
            0,
            UDP,
            &udp_to("2001:db8:99::1"),
            64,
        ))],
        true,
    );
    let csid = "-6 route add fcbb:0:100::/48 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev in0";
    differential(
        "NEXT-CSID shift",
        &[csid],
        &[frame(&plain(
            "fcbb:0:100:300:200:d46::",
            IPV6,
            &inner6("2001:db8:99::1"),
        ))],
        true,
    );
    let mut h = srh(IPV6, 1, &[ip6("fc00:7::1"), ip6("fcbb:0:100::")], &[]);
    h[3] = 1;
    let with_srh = Ipv6::new(ip6("2001:db8:1::2"), ip6("fcbb:0:100::"))
        .with_srh(&h, &inner6("2001:db8:99::1"));
    differential(
        "NEXT-CSID with a zero argument uses the SRH",
        &[csid],
        &[frame(&with_srh)],
        true,
    );
}
