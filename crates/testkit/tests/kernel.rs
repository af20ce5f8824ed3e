//! The kernel reference router works: frames go in, the expected frames come out, and
//! no namespace survives a test, even one that panics.
//!
//! Expected frames are built by hand from the RFCs, independently of both the kernel and
//! lwt, and compared byte for byte (no masks: forwarding and seg6 encap produce no random
//! bytes).
//!
//! These tests need root (namespaces); without root they print "skipped: needs root",
//! unless CI is set, where they fail.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use lwt_testkit::frames::{
    ETH_P_8021Q, ETH_P_IPV6, Ipv4, Ipv6, ethernet, ethernet_ip, ethernet_vlan, ip4, ip6, mac,
    proto, srh_for_path,
};
use lwt_testkit::netns::veth;
use lwt_testkit::{
    KernelRouter, Netns, NoiseFilter, PortFrames, PortSpec, RawSocket, assert_same_frames,
    describe_frames, kernel_seg6_or_skip, root_or_skip,
};

/// in0 = 02:00:00:00:01:01 (peer ..:01:02), out0 = 02:00:00:00:02:01 (peer ..:02:02).
fn two_ports() -> [PortSpec; 2] {
    [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)]
}

const V6_BASE: &[&str] = &[
    "addr add 2001:db8:1::1/64 dev in0",
    "addr add 2001:db8:2::1/64 dev out0",
    "neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0",
];

fn namespaces(r: &KernelRouter) -> Vec<String> {
    vec![r.router().name().to_string(), r.tester().name().to_string()]
}

fn assert_gone(names: &[String]) {
    for n in names {
        assert!(!Netns::exists(n), "namespace {n} still exists");
    }
    let list = lwt_testkit::netns::command(&["ip", "netns", "list"], None).unwrap();
    for n in names {
        assert!(
            !list.contains(n.as_str()),
            "`ip netns list` still shows {n}:\n{list}"
        );
    }
}

fn only_out0(frame: Vec<u8>) -> PortFrames {
    BTreeMap::from([
        ("in0".to_string(), vec![]),
        ("out0".to_string(), vec![frame]),
    ])
}

/// A two-port router configured with `lines` forwards `packet`, entering on in0, as
/// exactly `want` on out0 (and nothing on in0); its namespaces are gone once it is.
fn forwards(lines: &[&str], packet: &[u8], want: &[u8]) {
    let ports = two_ports();
    let r = KernelRouter::new(&ports).unwrap();
    let names = namespaces(&r);
    r.apply(lines).unwrap();
    let input = ethernet_ip(ports[0].peer_mac, ports[0].mac, packet);
    let got = r.run(&[("in0", input)]).unwrap();
    eprintln!("{}", describe_frames(&got));
    let want = ethernet_ip(ports[1].mac, ports[1].peer_mac, want);
    assert_same_frames(&only_out0(want), &got, &[]);
    drop(r);
    assert_gone(&names);
}

#[test]
fn ipv6_forward_decrements_hop_limit_and_rewrites_macs() {
    if !root_or_skip() {
        return;
    }
    let mut lines = V6_BASE.to_vec();
    lines.push("route add 2001:db8:99::/64 via 2001:db8:2::2 dev out0");
    let ip = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5")).flow_label(0x12345);
    forwards(
        &lines,
        &ip.udp(1000, 2000, b"hello"),
        &ip.hop_limit(63).udp(1000, 2000, b"hello"),
    );
}

#[test]
fn ipv4_forward_decrements_ttl_and_fixes_checksum() {
    if !root_or_skip() {
        return;
    }
    let lines = [
        "ip addr add 192.0.2.1/24 dev in0",
        "ip addr add 198.51.100.1/24 dev out0",
        "ip neigh add 198.51.100.2 lladdr 02:00:00:00:02:02 dev out0",
        "ip route add 203.0.113.0/24 via 198.51.100.2 dev out0",
    ];
    let ip = Ipv4::new(ip4("192.0.2.2"), ip4("203.0.113.5"))
        .ident(0x4242)
        .tos(0x10);
    forwards(
        &lines,
        &ip.udp(1000, 2000, b"hello"),
        &ip.ttl(63).udp(1000, 2000, b"hello"),
    );
}

#[test]
fn seg6_encap_pushes_outer_ipv6_and_srh() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let mut lines = V6_BASE.to_vec();
    lines.extend([
        "-6 route add 2001:db8:99::/64 encap seg6 mode encap segs fc00::1,fc00::2 dev out0",
        "route add fc00::/16 via 2001:db8:2::2 dev out0",
    ]);
    let inner = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5"))
        .traffic_class(0x28)
        .flow_label(0xabcde)
        .udp(1000, 2000, b"hello");
    // Spec §4.1 H.Encaps on the input path: outer traffic class and hop limit copied
    // from the inner header, flow label copied (seg6_flowlabel=0), then ip6_forward
    // decrements the *outer* hop limit; the inner packet is untouched. Outer source: no
    // tunsrc, so source selection on out0 for fc00::1 picks out0's global address.
    let outer = Ipv6::new(ip6("2001:db8:2::1"), ip6("fc00::1"))
        .hop_limit(63)
        .traffic_class(0x28)
        .flow_label(0xabcde)
        .with_srh(
            &srh_for_path(proto::IPV6, &[ip6("fc00::1"), ip6("fc00::2")]),
            &inner,
        );
    forwards(&lines, &inner, &outer);
}

#[test]
fn seg6_encap_uses_tunsrc_when_set() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let mut lines = V6_BASE.to_vec();
    lines.extend([
        "sr tunsrc set 2001:db8:ffff::1",
        "-6 route add 2001:db8:99::/64 encap seg6 mode encap segs fc00::1 dev out0",
        "route add fc00::/16 via 2001:db8:2::2 dev out0",
    ]);
    let inner = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5")).udp(1, 2, b"");
    let outer = Ipv6::new(ip6("2001:db8:ffff::1"), ip6("fc00::1"))
        .hop_limit(63)
        .with_srh(&srh_for_path(proto::IPV6, &[ip6("fc00::1")]), &inner);
    forwards(&lines, &inner, &outer);
}

#[test]
fn apply_handles_hmac_sysctl_and_reports_errors() {
    if !root_or_skip() || !kernel_seg6_or_skip() {
        return;
    }
    let r = KernelRouter::new(&two_ports()).unwrap();
    r.apply(&[
        "sr hmac set 7 sha256 s3cret",
        "sysctl -w net.ipv6.conf.all.seg6_enabled=1",
        "sysctl net.ipv6.conf.in0.seg6_require_hmac=1",
    ])
    .unwrap();
    let shown = r.router().ip("sr hmac show").unwrap();
    assert!(
        shown.contains("hmac 7 algo sha256 secret \"s3cret\""),
        "{shown}"
    );
    assert_eq!(
        r.router()
            .sysctl_get("net.ipv6.conf.all.seg6_enabled")
            .unwrap(),
        "1"
    );
    assert_eq!(
        r.router()
            .sysctl_get("net.ipv6.conf.in0.seg6_require_hmac")
            .unwrap(),
        "1"
    );

    let e = r
        .apply(&[
            "addr add 2001:db8:1::1/64 dev in0",
            "route add 2001:db8:5::/64 via 2001:db8:77::1",
        ])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("kernel rejects line 2: `route add 2001:db8:5::/64"),
        "{e}"
    );
    assert!(e.contains("Command failed"), "{e}");
    let e = r
        .apply(&["sysctl -w net.ipv6.nonexistent=1"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("net.ipv6.nonexistent"), "{e}");
}

#[test]
fn noise_is_filtered_but_visible_unfiltered() {
    if !root_or_skip() {
        return;
    }
    let ports = two_ports();
    let mut r = KernelRouter::new(&ports).unwrap();
    // A fresh address makes the kernel join its solicited-node group: MLD reports.
    r.apply(&["addr add 2001:db8:7::1/64 dev out0"]).unwrap();
    r.set_quiet(std::time::Duration::from_millis(300));
    let all = r.run_unfiltered(&[]).unwrap();
    eprintln!("unfiltered:\n{}", describe_frames(&all));
    assert!(
        all.values().any(|l| !l.is_empty()),
        "no noise unfiltered: the filter below is not exercised"
    );
    assert!(
        all.values()
            .flatten()
            .all(|f| NoiseFilter::DEFAULT.is_noise(f)),
        "unexpected frame without input"
    );
    let filtered = r.run(&[]).unwrap();
    assert!(
        filtered.values().all(Vec::is_empty),
        "{}",
        describe_frames(&filtered)
    );
}

#[test]
fn namespaces_are_deleted_when_a_test_panics() {
    if !root_or_skip() {
        return;
    }
    let names = Mutex::new(Vec::new());
    let result = catch_unwind(AssertUnwindSafe(|| {
        let r = KernelRouter::new(&two_ports()).unwrap();
        names.lock().unwrap().extend(namespaces(&r));
        for n in names.lock().unwrap().iter() {
            assert!(Netns::exists(n));
        }
        panic!("on purpose, while holding a KernelRouter");
    }));
    assert!(result.is_err());
    let names = names.into_inner().unwrap();
    assert_eq!(names.len(), 2);
    assert_gone(&names);
}

#[test]
fn netns_helpers_report_command_and_stderr() {
    if !root_or_skip() {
        return;
    }
    let ns = Netns::new("h").unwrap();
    let out = ns.run(&["ip", "link", "show", "lo"]).unwrap();
    assert!(out.contains("LOOPBACK"), "{out}");
    let e = ns.ip("link set nosuchdev up").unwrap_err().to_string();
    assert!(e.contains("link set nosuchdev up"), "{e}");
    assert!(e.contains("nosuchdev"), "{e}");
    let e = ns
        .batch(&["link show lo", "link show nosuchdev"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("Command failed -:2"), "{e}");
    ns.sysctl("net.ipv6.conf.lo.hop_limit", "17").unwrap();
    assert_eq!(ns.sysctl_get("net.ipv6.conf.lo.hop_limit").unwrap(), "17");
    // The namespace's own value, not the host's.
    assert_ne!(
        std::fs::read_to_string("/proc/sys/net/ipv6/conf/lo/hop_limit")
            .unwrap()
            .trim(),
        "17"
    );
    let name = ns.name().to_string();
    ns.delete().unwrap();
    assert_gone(&[name]);
}

#[test]
fn raw_sockets_carry_frames_exactly_including_vlan_tags() {
    if !root_or_skip() {
        return;
    }
    let a = Netns::new("a").unwrap();
    let b = Netns::new("b").unwrap();
    for ns in [&a, &b] {
        ns.sysctl("net.ipv6.conf.all.disable_ipv6", "1").unwrap();
        ns.sysctl("net.ipv6.conf.default.disable_ipv6", "1")
            .unwrap();
    }
    let (ma, mb) = (mac("02:00:00:00:0a:01"), mac("02:00:00:00:0b:01"));
    veth(&a, "va", ma, &b, "vb", mb).unwrap();
    let sa = RawSocket::open(&a, "va").unwrap();
    let sb = RawSocket::open(&b, "vb").unwrap();
    let plain = ethernet(ma, mb, 0x88b5, b"local experimental ethertype");
    let tagged = ethernet_vlan(
        ma,
        mb,
        42,
        ETH_P_IPV6,
        &Ipv6::new(ip6("::1"), ip6("::2")).udp(1, 2, b""),
    );
    assert_eq!(u16::from_be_bytes([tagged[12], tagged[13]]), ETH_P_8021Q);
    sa.send(&plain).unwrap();
    sa.send(&tagged).unwrap();
    let got = sb.recv_all(std::time::Duration::from_millis(100)).unwrap();
    assert_eq!(got, vec![plain, tagged]);
    // Our own transmissions are not looped back to the sender's socket.
    assert!(
        sa.recv_all(std::time::Duration::from_millis(50))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn cleanup_stale_removes_namespaces_of_dead_pids_only() {
    if !root_or_skip() {
        return;
    }
    // A pid that surely is dead: a child we already reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = format!("lwt-{dead}-0-stale");
    lwt_testkit::netns::command(&["ip", "netns", "add", &stale], None).unwrap();
    let live = Netns::new("live").unwrap();

    // Other tests (their first Netns::new) or processes may clean up concurrently, so
    // check the outcome rather than who removed it.
    lwt_testkit::cleanup_stale().unwrap();
    assert!(!Netns::exists(&stale));
    assert!(
        Netns::exists(live.name()),
        "a live process's namespace was removed"
    );
}
