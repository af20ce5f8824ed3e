//! Differential tests against the Linux kernel: the same iproute2 lines configure a
//! kernel router (in network namespaces) and `lwt run`; the same frames go through both;
//! the output frames must be identical byte for byte.
//!
//! Covered: every seg6 encap mode × 1, 2, 3 segments × IPv4 and IPv6 inner packets, HMAC
//! (sha256 and sha1), `sr tunsrc`, `seg6_flowlabel` 0 and -1, outer source selection,
//! plain IPv4/IPv6 forwarding, TTL and hop-limit expiry, unreachable destinations, echo.
//!
//! Normalised: only the IPv4 identification of ICMP messages the router originates (the
//! kernel draws it from a hashed random generator), set to 0 on both sides with the
//! header checksum recomputed after checking it ([`clear_ipv4_ident`]). Everything else,
//! including that checksum and ICMPv6 errors, is compared exactly (`auto_flowlabels=0`
//! keeps the kernel's ICMPv6 flow label at 0, as lwt's).

use lwt_testkit::frames::{ETH_P_IP, Ipv4, Ipv6, ethernet_ip, ip4, ip6, proto};
use lwt_testkit::{
    LwtRunner, PortFrames, PortSpec, assert_same_frames, clear_ipv4_ident, frame_count,
    kernel_seg6_or_skip, root_or_skip, run_both,
};

fn ports() -> [PortSpec; 2] {
    [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)]
}

/// Addresses on both sides and static neighbours (the tester never answers ARP/NDP).
const BASE: &[&str] = &[
    "sysctl -w net.ipv6.auto_flowlabels=0",
    "addr add 2001:db8:1::1/64 dev in0",
    "addr add 10.0.1.1/24 dev in0",
    "addr add 2001:db8:2::1/64 dev out0",
    "addr add 10.0.2.1/24 dev out0",
    "neigh add 2001:db8:1::2 lladdr 02:00:00:00:01:02 dev in0",
    "neigh add 10.0.1.2 lladdr 02:00:00:00:01:02 dev in0",
    "neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0",
    "neigh add 10.0.2.2 lladdr 02:00:00:00:02:02 dev out0",
    "route add fc00::/16 via 2001:db8:2::2 dev out0",
];

fn from_in0(packet: &[u8]) -> (&'static str, Vec<u8>) {
    let p = &ports()[0];
    ("in0", ethernet_ip(p.peer_mac, p.mac, packet))
}

fn v4_packet(dst: &str, ttl: u8) -> Vec<u8> {
    v4_from("10.0.1.2", dst, ttl)
}

fn v4_from(src: &str, dst: &str, ttl: u8) -> Vec<u8> {
    Ipv4::new(ip4(src), ip4(dst))
        .ttl(ttl)
        .tos(0x28)
        .udp(4000, 5000, b"lwt differential v4")
}

fn v6_packet(dst: &str, hl: u8) -> Vec<u8> {
    Ipv6::new(ip6("2001:db8:1::2"), ip6(dst))
        .hop_limit(hl)
        .traffic_class(0xb8)
        .flow_label(0x12345)
        .udp(4000, 5000, b"lwt differential v6")
}

/// Runs one configuration through both and compares. With `originates_icmp4` the
/// router's ICMPv4 messages are normalised ([`icmp4_ident_cleared`]).
fn differential(name: &str, lines: &[&str], inputs: &[(&str, Vec<u8>)], originates_icmp4: bool) {
    let all: Vec<&str> = BASE.iter().chain(lines).copied().collect();
    let runner = LwtRunner::new(env!("CARGO_BIN_EXE_lwt"));
    let mut both = run_both(name, &runner, &ports(), &all, inputs);
    let sent = frame_count(&both.kernel);
    assert!(
        sent > 0,
        "{name}: the kernel sent nothing; the case tests nothing"
    );
    eprintln!("{name}: {sent} frame(s) compared\n{}", both.summary);
    if originates_icmp4 {
        icmp4_ident_cleared(&mut both.kernel, &format!("{name}: kernel"));
        icmp4_ident_cleared(&mut both.lwt, &format!("{name}: lwt"));
    }
    assert_same_frames(&both.kernel, &both.lwt, &[]);
}

const SEGS: [&str; 3] = [
    "fc00::a1",
    "fc00::a1,fc00::b2",
    "fc00::a1,fc00::b2,fc00::c3",
];

/// One mode with 1, 2 and 3 segments: an IPv4 route and an IPv6 route (inline mode only
/// exists for IPv6 routes), one packet each.
fn mode(m: &str) {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    for segs in SEGS {
        let v4 = format!("route add 10.99.0.0/16 encap seg6 mode {m} segs {segs} dev out0");
        let v6 = format!("-6 route add 2001:db8:99::/64 encap seg6 mode {m} segs {segs} dev out0");
        let mut lines = vec![v6.as_str()];
        let mut inputs = vec![from_in0(&v6_packet("2001:db8:99::5", 64))];
        if m != "inline" {
            lines.push(v4.as_str());
            inputs.push(from_in0(&v4_packet("10.99.1.2", 64)));
        }
        differential(&format!("mode {m} segs {segs}"), &lines, &inputs, false);
    }
}

#[test]
fn seg6_inline() {
    mode("inline");
}

#[test]
fn seg6_encap() {
    mode("encap");
}

#[test]
fn seg6_encap_red() {
    mode("encap.red");
}

#[test]
fn seg6_l2encap() {
    mode("l2encap");
}

#[test]
fn seg6_l2encap_red() {
    mode("l2encap.red");
}

#[test]
fn seg6_hmac_sha256_and_sha1() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let cases = [
        ("encap", SEGS[1]),
        ("encap.red", SEGS[2]),
        ("encap.red", SEGS[0]),
        ("inline", SEGS[1]),
    ];
    for (m, segs) in cases {
        let v6 = format!(
            "-6 route add 2001:db8:99::/64 encap seg6 mode {m} segs {segs} hmac 7 dev out0"
        );
        let v4 =
            format!("route add 10.99.0.0/16 encap seg6 mode encap segs {segs} hmac 9 dev out0");
        let lines = [
            "sr hmac set 7 sha256 lwt-secret-7",
            "sr hmac set 9 sha1 another-secret",
            v6.as_str(),
            v4.as_str(),
        ];
        let inputs = [
            from_in0(&v6_packet("2001:db8:99::5", 64)),
            from_in0(&v4_packet("10.99.1.2", 64)),
        ];
        differential(
            &format!("hmac mode {m} segs {segs}"),
            &lines,
            &inputs,
            false,
        );
    }
}

#[test]
fn seg6_tunsrc_and_flowlabel() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let route6 =
        "-6 route add 2001:db8:99::/64 encap seg6 mode encap segs fc00::a1,fc00::b2 dev out0";
    let route4 = "route add 10.99.0.0/16 encap seg6 mode encap.red segs fc00::a1,fc00::b2 dev out0";
    let inputs = [
        from_in0(&v6_packet("2001:db8:99::5", 64)),
        from_in0(&v4_packet("10.99.1.2", 64)),
    ];
    differential(
        "sr tunsrc",
        &["sr tunsrc set 2001:db8:ffff::1", route6, route4],
        &inputs,
        false,
    );
    differential(
        "seg6_flowlabel -1",
        &["sysctl -w net.ipv6.seg6_flowlabel=-1", route6, route4],
        &inputs,
        false,
    );
    differential(
        "seg6_flowlabel 0",
        &["sysctl -w net.ipv6.seg6_flowlabel=0", route6, route4],
        &inputs,
        false,
    );
}

/// Without tunsrc the encap route's own device chooses the outer source: a route on in0
/// whose post-encap next hop is on out0 takes in0's address, as the kernel does.
#[test]
fn seg6_source_from_route_device() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    differential(
        "source selection",
        &["-6 route add 2001:db8:99::/64 encap seg6 mode encap segs fc00::a1 dev in0"],
        &[from_in0(&v6_packet("2001:db8:99::5", 64))],
        false,
    );
}

/// The identification of every ICMPv4 message on in0 set to 0 (checksum checked and
/// recomputed): the kernel randomises it. Only on in0, where every frame the router sends
/// back is one it originated; forwarded frames (out0) are compared whole.
fn icmp4_ident_cleared(frames: &mut PortFrames, who: &str) {
    for f in frames.get_mut("in0").into_iter().flatten() {
        let icmp4 = f.len() > 23 && f[12..14] == ETH_P_IP.to_be_bytes() && f[23] == proto::ICMP;
        if icmp4 {
            clear_ipv4_ident(f, 14).unwrap_or_else(|e| panic!("{who}: {e}"));
        }
    }
}

/// Errors go to several senders: the kernel's `ip_error` (no route, unreachable,
/// prohibit) charges a per-peer token bucket (`route.error_cost` 1 s, burst 5 s, a global
/// sysctl a namespace cannot change) shared with `icmp_send`'s; lwt models the same bucket.
#[test]
fn forwarding_and_errors_v4() {
    if !root_or_skip() {
        return;
    }
    let lines = [
        "sysctl -w net.ipv4.icmp_ratelimit=0",
        "neigh add 10.0.1.3 lladdr 02:00:00:00:01:02 dev in0",
        "neigh add 10.0.1.4 lladdr 02:00:00:00:01:02 dev in0",
        "neigh add 10.0.1.5 lladdr 02:00:00:00:01:02 dev in0",
        "neigh add 10.0.1.6 lladdr 02:00:00:00:01:02 dev in0",
        "route add 10.50.0.0/16 via 10.0.2.2 dev out0",
        "route add 10.60.0.0/16 via 10.0.2.2",
        "route add blackhole 10.70.0.0/16",
        "route add unreachable 10.71.0.0/16",
        "route add prohibit 10.72.0.0/16",
    ];
    let inputs = [
        from_in0(&v4_packet("10.50.1.1", 64)),
        from_in0(&v4_packet("10.60.1.1", 2)),
        from_in0(&v4_packet("10.0.2.2", 64)),
        from_in0(&v4_packet("10.50.1.1", 1)),
        from_in0(&v4_from("10.0.1.3", "198.51.100.1", 64)),
        from_in0(&v4_from("10.0.1.4", "10.70.0.1", 64)),
        from_in0(&v4_from("10.0.1.4", "10.71.0.1", 64)),
        from_in0(&v4_from("10.0.1.5", "10.72.0.1", 64)),
        from_in0(&Ipv4::new(ip4("10.0.1.2"), ip4("10.0.1.1")).echo_request(7, 1, b"ping")),
        from_in0(&v4_from("10.0.1.6", "10.0.2.1", 64)),
        // A second route error to the same peer right away: within the burst for both.
        from_in0(&v4_from("10.0.1.3", "198.51.100.2", 64)),
    ];
    differential("IPv4 forwarding and errors", &lines, &inputs, true);
}

#[test]
fn forwarding_and_errors_v6() {
    if !root_or_skip() {
        return;
    }
    let lines = [
        "sysctl -w net.ipv6.icmp.ratelimit=0",
        "-6 route add 2001:db8:50::/48 via 2001:db8:2::2 dev out0",
        "-6 route add 2001:db8:60::/48 via 2001:db8:2::2",
        "-6 route add blackhole 2001:db8:70::/48",
        "-6 route add unreachable 2001:db8:71::/48",
        "-6 route add prohibit 2001:db8:72::/48",
    ];
    let inputs = [
        from_in0(&v6_packet("2001:db8:50::1", 64)),
        from_in0(&v6_packet("2001:db8:60::1", 2)),
        from_in0(&v6_packet("2001:db8:2::2", 64)),
        from_in0(&v6_packet("2001:db8:50::1", 1)),
        from_in0(&v6_packet("2001:db8:dead::1", 64)),
        from_in0(&v6_packet("2001:db8:70::1", 64)),
        from_in0(&v6_packet("2001:db8:71::1", 64)),
        from_in0(&v6_packet("2001:db8:72::1", 64)),
        from_in0(
            &Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:1::1")).echo_request(7, 1, b"ping"),
        ),
        from_in0(&v6_packet("2001:db8:2::1", 64)),
    ];
    differential("IPv6 forwarding and errors", &lines, &inputs, false);
}
