//! The fuzz seed frames (fuzz/seeds/parse_packet) walk all the way down the parser stack;
//! the pretty-printer output pins what each layer reports.

use lwt_wire::PrettyPrinter;

fn dump(frame: &[u8]) -> String {
    format!("{}", PrettyPrinter::new(frame))
}

macro_rules! seed {
    ($name:literal) => {
        include_bytes!(concat!("../fuzz/seeds/parse_packet/", $name))
    };
}

fn assert_contains(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "missing {n:?} in:\n{text}");
    }
    assert!(!text.contains("truncated"), "{text}");
    assert!(!text.contains("malformed"), "{text}");
}

#[test]
fn srv6_encap() {
    let t = dump(seed!("srv6_encap.bin"));
    assert_contains(
        &t,
        &[
            "ipv6 2001:db8::1 > fc00:2::1 nh 43",
            "srh nh 41 hdrlen 6 sl 1 last_entry 2 flags 0x00 tag 0 valid true",
            "segment[1] fc00:2::1 <- active",
            "ipv6 2001:db8:a::1 > 2001:db8:b::1 nh 58",
            "icmpv6 type 128 code 0 csum 0x2432 ok id 1 seq 1",
        ],
    );
}

#[test]
fn srv6_hmac() {
    let t = dump(seed!("srv6_hmac.bin"));
    assert_contains(
        &t,
        &[
            "srh nh 4 hdrlen 9 sl 1 last_entry 1 flags 0x08",
            "tlv type 5 len 38 at 40",
            "hmac key 7",
            "input 54 bytes",
            "ipv4 10.0.0.1 > 10.0.0.2 proto 1",
            "icmp type 8 code 0",
        ],
    );
}

#[test]
fn srv6_l2() {
    let t = dump(seed!("srv6_l2.bin"));
    assert_contains(
        &t,
        &[
            "srh nh 143",
            "tlv type 4 len 6",
            "arp op 2 htype 1 ptype 0x0800 02:00:00:00:00:01 10.0.0.1 > 02:00:00:00:00:02 10.0.0.2",
        ],
    );
}

#[test]
fn vxlan_mpls() {
    let t = dump(seed!("vxlan.bin"));
    assert_contains(
        &t,
        &[
            "vlan vid 10",
            "udp 1234 > 4789",
            "vxlan flags 0x88 vni 42 gbp Some(4718597) (id 5 D 1 A 1) reserved-ok false/true I 1",
            "mpls label 100 tc 0 s 1 ttl 64",
            "ipv6 2001:db8::1 > fc00:2::1 nh 59",
            "no next header",
        ],
    );
}

#[test]
fn ndp_ns() {
    let t = dump(seed!("ndp_ns.bin"));
    assert_contains(
        &t,
        &[
            "icmpv6 type 135",
            "target Some(2001:db8::2)",
            "lladdr Ok(Some(EthernetAddress([2, 0, 0, 0, 0, 1])))",
            "opt 1 len 8",
        ],
    );
}

#[test]
fn ext_chain() {
    let t = dump(seed!("ext_chain.bin"));
    assert_contains(
        &t,
        &[
            "ext 0 at 40 len 8 nh 60",
            "ext 60 at 48 len 8 nh 44",
            "ext 44 at 56 len 8 nh 51",
            "ext 51 at 64 len 12 nh 50",
            "esp spi 0x00001001 seq 1",
        ],
    );
}

#[test]
fn arp_and_icmp_error() {
    assert_contains(
        &dump(seed!("arp.bin")),
        &["arp op 1 htype 1 ptype 0x0800 02:00:00:00:00:01 10.0.0.1 > 00:00:00:00:00:00 10.0.0.2"],
    );
    assert_contains(
        &dump(seed!("icmp_err.bin")),
        &["icmp type 3 code 4", "mtu 1400", "udp 1 > 2 len 8"],
    );
}
