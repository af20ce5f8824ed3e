//! Differential tests against the Linux kernel's VXLAN devices: the same iproute2 (and
//! `bridge fdb`) lines configure a kernel router in a network namespace and `lwt run`;
//! the same frames go through both; the output frames must be identical byte for byte
//! after one normalisation:
//!
//! * the outer UDP **source port** is set to 0 and the UDP checksum recomputed, after
//!   checking that both sides' source ports lie in the local port range (32768..60999)
//!   and that their checksums were right. The kernel picks the port from the inner flow
//!   hash (`udp_flow_src_port` over `skb_get_hash`, a siphash with a random per-boot
//!   key); lwt hashes the inner IPv4/IPv6 addresses, protocol and the first four bytes
//!   of a TCP/UDP/SCTP header (the ports), or for non-IP frames the two MAC addresses and
//!   the ethertype, with the same `min + ((u64)hash * (max - min) >> 32)` formula;
//! * the outer **IPv4 identification** is set to 0 and the header checksum recomputed,
//!   after checking it: `iptunnel_xmit` always draws it from `__ip_select_ident`
//!   (hashed, random per boot), even with DF.
//!
//! Everything else — outer addresses, TOS with the inner ECN, TTL, DF, flow label, UDP
//! length, VXLAN flags, VNI, GBP, the inner frame — is compared exactly.
//!
//! Covered: external (collect_md) devices fed by `encap ip` and `encap ip6` routes
//! (IPv4 and IPv6 underlay, with and without `csum`, `tos`/`ttl`/`tc`/`hoplimit`, ECN,
//! IPv4 and IPv6 inner packets), receive and decapsulation (IPv4 and IPv6 underlay, ECN
//! decapsulation), `tun_id` rules steering two VNIs into two tables, ARP over an external
//! device answered with reply metadata, the receive checks (I flag, reserved bits), and
//! classic devices (`id VNI remote local dstport`, FDB entries, receive).

use std::collections::BTreeMap;

use lwt_testkit::compare::PortFrames;
use lwt_testkit::frames::{
    Ipv4, Ipv6, arp_request, checksum, ethernet, ethernet_ip, ip4, ip6, mac,
};
use lwt_testkit::{
    LwtRunner, NoiseFilter, PortSpec, assert_same_frames, clear_ipv4_ident, frame_count,
    root_or_skip, run_both,
};

fn ports() -> [PortSpec; 2] {
    [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)]
}

const VX0_MAC: &str = "02:00:00:00:03:01";
const VX1_MAC: &str = "02:00:00:00:04:01";

/// Addresses on both sides, static neighbours (the tester answers nothing), an external
/// device `vx0` and a classic device `vx1`.
const BASE: &[&str] = &[
    "sysctl -w net.ipv6.auto_flowlabels=0",
    "addr add 10.0.1.1/24 dev in0",
    "addr add 2001:db8:1::1/64 dev in0",
    "addr add 10.0.2.1/24 dev out0",
    "addr add 2001:db8:2::1/64 dev out0",
    "neigh add 10.0.1.2 lladdr 02:00:00:00:01:02 dev in0",
    "neigh add 2001:db8:1::2 lladdr 02:00:00:00:01:02 dev in0",
    "neigh add 10.0.2.2 lladdr 02:00:00:00:02:02 dev out0",
    "neigh add 10.0.2.3 lladdr 02:00:00:00:02:03 dev out0",
    "neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0",
    "link add vx0 address 02:00:00:00:03:01 type vxlan external dstport 4789",
    "link set vx0 up",
    "addr add 10.100.0.1/24 dev vx0",
    "neigh add 10.100.0.2 lladdr 02:00:00:00:03:02 dev vx0",
    "neigh add 2001:db8:99::5 lladdr 02:00:00:00:03:02 dev vx0",
    "link add vx1 address 02:00:00:00:04:01 type vxlan id 42 remote 10.0.2.2 local 10.0.2.1 dstport 4790",
    "link set vx1 up",
    "addr add 10.101.0.1/24 dev vx1",
    "neigh add 10.101.0.2 lladdr 02:00:00:00:04:02 dev vx1",
];

fn from(port: &str, packet: &[u8]) -> (&'static str, Vec<u8>) {
    let p = ports();
    let (name, spec) = if port == "in0" {
        ("in0", &p[0])
    } else {
        ("out0", &p[1])
    };
    (name, ethernet_ip(spec.peer_mac, spec.mac, packet))
}

fn v4(dst: &str, tos: u8) -> Vec<u8> {
    Ipv4::new(ip4("10.0.1.2"), ip4(dst))
        .tos(tos)
        .udp(4000, 5000, b"lwt vxlan differential v4")
}

fn v6(dst: &str, tc: u8) -> Vec<u8> {
    Ipv6::new(ip6("2001:db8:1::2"), ip6(dst))
        .traffic_class(tc)
        .flow_label(0x12345)
        .udp(4000, 5000, b"lwt vxlan differential v6")
}

/// A VXLAN datagram to the router's out0 address (IPv4 underlay).
fn vxlan_in(
    dport: u16,
    vni: u32,
    flags: [u8; 4],
    outer_tos: u8,
    inner: &[u8],
) -> (&'static str, Vec<u8>) {
    let mut payload = flags.to_vec();
    payload.extend_from_slice(&(vni << 8).to_be_bytes());
    payload.extend_from_slice(inner);
    let p = Ipv4::new(ip4("10.0.2.2"), ip4("10.0.2.1"))
        .tos(outer_tos)
        .udp(41000, dport, &payload);
    from("out0", &p)
}

fn inner_eth(dst_mac: &str, packet: &[u8]) -> Vec<u8> {
    ethernet_ip(mac("02:00:00:00:03:02"), mac(dst_mac), packet)
}

const I: [u8; 4] = [0x08, 0, 0, 0];

/// The normalisation the module documentation describes; a frame that is not VXLAN
/// comes back unchanged. Panics when a checksum was wrong or a port out of range.
fn normalise(frame: &[u8], who: &str) -> Vec<u8> {
    let mut f = frame.to_vec();
    let et = u16::from_be_bytes([f[12], f[13]]);
    let (l4, v6) = match et {
        0x0800 if f.len() >= 42 && f[23] == 17 => (14 + usize::from(f[14] & 0xf) * 4, false),
        0x86dd if f.len() >= 62 && f[20] == 17 => (54, true),
        _ => return f,
    };
    let dport = u16::from_be_bytes([f[l4 + 2], f[l4 + 3]]);
    if ![4789, 4790, 8472].contains(&dport) {
        return f;
    }
    let udp_len = usize::from(u16::from_be_bytes([f[l4 + 4], f[l4 + 5]]));
    let addrs = if v6 { 22..54 } else { 26..34 };
    // The pseudo-header's partial sum (addresses, protocol, length).
    let pseudo = f[addrs]
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum::<u32>()
        + 17
        + udp_len as u32;
    let sport = u16::from_be_bytes([f[l4], f[l4 + 1]]);
    assert!(
        (32768..60999).contains(&sport),
        "{who}: UDP source port {sport} outside the local port range"
    );
    let had_csum = f[l4 + 6] != 0 || f[l4 + 7] != 0;
    if had_csum {
        assert_eq!(
            checksum(pseudo, &f[l4..l4 + udp_len]),
            0,
            "{who}: wrong UDP checksum"
        );
    }
    f[l4..l4 + 2].fill(0);
    if had_csum {
        f[l4 + 6..l4 + 8].fill(0);
        let c = match checksum(pseudo, &f[l4..l4 + udp_len]) {
            0 => 0xffff,
            c => c,
        };
        f[l4 + 6..l4 + 8].copy_from_slice(&c.to_be_bytes());
    }
    if !v6 {
        clear_ipv4_ident(&mut f, 14).unwrap_or_else(|e| panic!("{who}: outer {e}"));
    }
    f
}

/// The kernel's own chatter carried by a classic device (MLD reports of its link-local
/// address to the default remote), which the outer-frame noise filter cannot see.
fn encapsulated_noise(frame: &[u8]) -> bool {
    let l4 = match u16::from_be_bytes([frame[12], frame[13]]) {
        0x0800 if frame.len() > 42 && frame[23] == 17 => 34,
        0x86dd if frame.len() > 62 && frame[20] == 17 => 54,
        _ => return false,
    };
    frame.len() > l4 + 16 + 14 && NoiseFilter::DEFAULT.is_noise(&frame[l4 + 16..])
}

/// Every frame normalised; with `kernel`, the kernel's encapsulated chatter removed
/// first (lwt's output is compared whole: it has none).
fn normalise_all(frames: &PortFrames, who: &str, kernel: bool) -> PortFrames {
    frames
        .iter()
        .map(|(p, list)| {
            let kept = list.iter().filter(|f| !(kernel && encapsulated_noise(f)));
            (p.clone(), kept.map(|f| normalise(f, who)).collect())
        })
        .collect::<BTreeMap<_, _>>()
}

/// Runs one configuration through both and compares (after normalisation).
fn differential(name: &str, lines: &[&str], inputs: &[(&str, Vec<u8>)], tshark: bool) {
    let all: Vec<&str> = BASE.iter().chain(lines).copied().collect();
    let runner = LwtRunner::new(env!("CARGO_BIN_EXE_lwt")).check_wire(tshark);
    let both = run_both(name, &runner, &ports(), &all, inputs);
    let want = normalise_all(&both.kernel, &format!("{name}: kernel"), true);
    let sent = frame_count(&want);
    assert!(
        sent > 0,
        "{name}: the kernel sent nothing; the case tests nothing"
    );
    eprintln!("{name}: {sent} frame(s) compared\n{}", both.summary);
    let got = normalise_all(&both.lwt, &format!("{name}: lwt"), false);
    assert_same_frames(&want, &got, &[]);
}

#[test]
fn external_tx_ipv4_underlay() {
    if !root_or_skip() {
        return;
    }
    let inputs = [
        from("in0", &v4("10.99.1.2", 0x28)),
        // CE inner: ECT(0) outer.
        from("in0", &v4("10.99.1.3", 0x2b)),
        from("in0", &v4("10.98.1.2", 0x01)),
        from("in0", &v6("2001:db8:99::5", 0xb9)),
    ];
    differential(
        "encap ip, defaults",
        &[
            "route add 10.99.0.0/16 encap ip id 100 dst 10.0.2.2 via 10.100.0.2 dev vx0",
            "route add 10.98.0.0/16 encap ip id 16777317 dst 10.0.2.2 dev vx0",
            "neigh add 10.98.1.2 lladdr 02:00:00:00:03:03 dev vx0",
            "-6 route add 2001:db8:99::/64 encap ip id 300 dst 10.0.2.3 dev vx0",
        ],
        &inputs,
        true,
    );
    differential(
        "encap ip, csum key tos ttl src",
        &[
            "route add 10.99.0.0/16 encap ip id 100 src 10.0.1.1 dst 10.0.2.2 tos 0xb8 ttl 9 key csum via 10.100.0.2 dev vx0",
            "route add 10.98.0.0/16 encap ip id 7 dst 10.0.2.2 tos 0x10 csum dev vx0",
            "neigh add 10.98.1.2 lladdr 02:00:00:00:03:03 dev vx0",
            "-6 route add 2001:db8:99::/64 encap ip id 300 dst 10.0.2.3 csum dev vx0",
        ],
        &inputs,
        true,
    );
}

#[test]
fn external_tx_ipv6_underlay() {
    if !root_or_skip() {
        return;
    }
    let inputs = [
        from("in0", &v4("10.99.1.2", 0x2a)),
        from("in0", &v6("2001:db8:99::5", 0x03)),
    ];
    differential(
        "encap ip6 csum",
        &[
            "route add 10.99.0.0/16 encap ip6 id 100 dst 2001:db8:2::2 csum via 10.100.0.2 dev vx0",
            "-6 route add 2001:db8:99::/64 encap ip6 id 200 dst 2001:db8:2::2 tc 0xb8 hoplimit 7 csum dev vx0",
        ],
        &inputs,
        true,
    );
    // Without `csum` both send a zero UDP checksum over IPv6, which tshark calls illegal
    // (RFC 6935 allows it for tunnels): no wire check for this run.
    differential(
        "encap ip6 without csum",
        &["route add 10.99.0.0/16 encap ip6 id 100 dst 2001:db8:2::2 via 10.100.0.2 dev vx0"],
        &inputs[..1],
        false,
    );
}

#[test]
fn external_rx_decapsulation_and_checks() {
    if !root_or_skip() {
        return;
    }
    let to_host = |tos: u8| {
        inner_eth(
            VX0_MAC,
            &Ipv4::new(ip4("10.100.0.2"), ip4("10.0.1.2"))
                .tos(tos)
                .udp(7, 8, b"decapsulated"),
        )
    };
    let v6_inner = inner_eth(
        VX0_MAC,
        &Ipv6::new(ip6("2001:db8:99::5"), ip6("2001:db8:1::2")).udp(7, 8, b"six"),
    );
    let mut reserved = I;
    reserved[1] = 0x40;
    let inputs = vec![
        vxlan_in(4789, 100, I, 0, &to_host(0)),
        // Outer CE: an ECT(0) inner packet becomes CE; a not-ECT one is dropped.
        vxlan_in(4789, 5, I, 0x03, &to_host(0x02)),
        vxlan_in(4789, 5, I, 0x03, &to_host(0x00)),
        // Outer ECT(1) over inner ECT(0): ECT(1).
        vxlan_in(4789, 6, I, 0x01, &to_host(0x02)),
        vxlan_in(4789, 7, I, 0, &v6_inner),
        // Dropped by both: the I flag clear, a reserved bit set.
        vxlan_in(4789, 100, [0, 0, 0, 0], 0, &to_host(0)),
        vxlan_in(4789, 100, reserved, 0, &to_host(0)),
        // Over IPv6 (with a UDP checksum: zero ones are refused by both).
        {
            let mut payload = I.to_vec();
            payload.extend_from_slice(&(9u32 << 8).to_be_bytes());
            payload.extend_from_slice(&to_host(0));
            from(
                "out0",
                &Ipv6::new(ip6("2001:db8:2::2"), ip6("2001:db8:2::1"))
                    .traffic_class(0x02)
                    .udp(41000, 4789, &payload),
            )
        },
    ];
    differential("rx", &[], &inputs, true);
}

#[test]
fn tun_id_rules_steer_vnis_into_tables() {
    if !root_or_skip() {
        return;
    }
    let inner = inner_eth(
        VX0_MAC,
        &Ipv4::new(ip4("10.100.0.2"), ip4("10.77.0.5")).udp(7, 8, b"steered"),
    );
    differential(
        "tun_id rules",
        &[
            "rule add tun_id 100 lookup 100",
            "rule add tun_id 200 lookup 200",
            "route add 10.77.0.0/24 via 10.0.1.2 dev in0 table 100",
            "route add 10.77.0.0/24 via 10.0.2.3 dev out0 table 200",
        ],
        &[
            vxlan_in(4789, 100, I, 0, &inner),
            vxlan_in(4789, 200, I, 0, &inner),
            // No rule for 300 and no route in main: the ICMP unreachable the router
            // originates back through vx0 has no tunnel metadata; neither side sends it.
            vxlan_in(4789, 300, I, 0, &inner),
        ],
        true,
    );
}

#[test]
fn arp_over_external_is_answered_with_reply_metadata() {
    if !root_or_skip() {
        return;
    }
    let req = arp_request(
        mac("02:00:00:00:03:09"),
        ip4("10.100.0.9"),
        ip4("10.100.0.1"),
    );
    differential(
        "arp reply metadata",
        &[],
        &[vxlan_in(4789, 55, I, 0, &req)],
        true,
    );
}

#[test]
fn classic_device_tx_rx_and_fdb() {
    if !root_or_skip() {
        return;
    }
    let to_host = inner_eth(
        VX1_MAC,
        &Ipv4::new(ip4("10.101.0.2"), ip4("10.0.1.2")).udp(7, 8, b"classic rx"),
    );
    let other = ethernet(
        mac("02:00:00:00:04:02"),
        mac(VX1_MAC),
        0x0800,
        &Ipv4::new(ip4("10.101.0.2"), ip4("10.0.1.2"))
            .ttl(2)
            .udp(7, 8, b"x"),
    );
    differential(
        "classic",
        &["route add 10.97.0.0/16 via 10.101.0.2 dev vx1"],
        &[
            from("in0", &v4("10.97.0.1", 0x2b)),
            vxlan_in(4790, 42, I, 0, &to_host),
            vxlan_in(4790, 42, I, 0, &other),
            // Unknown VNI on the classic port: dropped by both.
            vxlan_in(4790, 43, I, 0, &to_host),
        ],
        true,
    );
    differential(
        "classic fdb entry",
        &[
            "route add 10.97.0.0/16 via 10.101.0.2 dev vx1",
            "bridge fdb add 02:00:00:00:04:02 dev vx1 dst 10.0.2.3",
        ],
        &[from("in0", &v4("10.97.0.1", 0))],
        true,
    );
}
