//! tshark wire checks accept good frames and reject bad checksums and truncation.

use lwt_testkit::frames::{Ipv4, Ipv6, ethernet_ip, ip4, ip6, mac, proto, srh_for_path};
use lwt_testkit::tshark_check_frames;

fn eth(p: &[u8]) -> Vec<u8> {
    ethernet_ip(mac("02:00:00:00:01:02"), mac("02:00:00:00:01:01"), p)
}

#[test]
fn good_frames_pass() {
    let inner = Ipv4::new(ip4("192.0.2.2"), ip4("203.0.113.5")).udp(1, 2, b"hi");
    let srv6 = Ipv6::new(ip6("2001:db8::1"), ip6("fc00::1")).with_srh(
        &srh_for_path(proto::IPIP, &[ip6("fc00::1"), ip6("fc00::2")]),
        &inner,
    );
    let frames = vec![
        eth(&Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(1, 2, b"x")),
        eth(&inner),
        eth(&srv6),
        eth(&Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).echo_request(1, 1, b"ping")),
    ];
    let Some(text) = tshark_check_frames(&frames).unwrap() else {
        return; // skipped (printed): no tshark, not CI
    };
    assert!(
        text.contains("Segment Routing"),
        "SRH not dissected:\n{text}"
    );
}

#[test]
fn bad_checksum_and_truncation_fail() {
    let mut bad_csum = eth(&Ipv4::new(ip4("192.0.2.2"), ip4("203.0.113.5")).udp(1, 2, b"hi"));
    bad_csum[14 + 20 + 6] ^= 0xff;
    match tshark_check_frames(&[bad_csum]) {
        Ok(None) => return, // skipped
        Ok(Some(t)) => panic!("bad UDP checksum accepted:\n{t}"),
        Err(e) => assert!(e.to_string().contains("Frame 1"), "{e}"),
    }
    let mut truncated = eth(&Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(1, 2, b"xyz"));
    truncated.truncate(14 + 40 + 4);
    let e = tshark_check_frames(&[truncated]).unwrap_err().to_string();
    assert!(e.contains("Malformed"), "{e}");
}
