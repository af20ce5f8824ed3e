//! Neighbour resolution: a packet for an unknown next hop waits while an ARP request or
//! neighbour solicitation goes out, and leaves when the answer arrives.

mod common;

use common::Sim;
use lwt_testkit::frames::{Ipv4, Ipv6, Mac, ethernet, ethernet_ip, ip4, ip6};

const CONFIG: &str = "
link add in0 address 02:00:00:00:01:01 type port
link add out0 address 02:00:00:00:02:01 type port
link set in0 up
link set out0 up
addr add 10.0.1.1/24 dev in0
addr add 10.0.2.1/24 dev out0
addr add 2001:db8:1::1/64 dev in0
addr add 2001:db8:2::1/64 dev out0
";

const HOST: Mac = Mac([2, 0, 0, 0, 1, 2]);
const PEER: Mac = Mac([2, 0, 0, 0, 2, 2]);

fn arp_reply(ip: &str, to: &str) -> Vec<u8> {
    let mut a = vec![0, 1, 8, 0, 6, 4, 0, 2];
    a.extend_from_slice(&PEER.0);
    a.extend_from_slice(&ip4(ip).octets());
    a.extend_from_slice(&[2, 0, 0, 0, 2, 1]);
    a.extend_from_slice(&ip4(to).octets());
    ethernet(PEER, Mac([2, 0, 0, 0, 2, 1]), 0x0806, &a)
}

#[test]
fn ipv4_packet_waits_for_arp() {
    let mut sim = Sim::new();
    sim.router("r", CONFIG);
    let pkt = Ipv4::new(ip4("10.0.1.2"), ip4("10.0.2.2")).udp(1, 2, b"wait for me");
    let out = sim.inject(
        "r",
        "in0",
        ethernet_ip(HOST, Mac(sim.mac("r", "in0")), &pkt),
    );
    assert_eq!(out.len(), 1, "only the ARP request leaves");
    let req = &out[0].frame;
    assert_eq!(out[0].port, "out0");
    assert_eq!(&req[..6], &[0xff; 6], "broadcast");
    assert_eq!(&req[12..14], &[8, 6]);
    assert_eq!(&req[38..42], &ip4("10.0.2.2").octets(), "target");
    assert_eq!(
        &req[28..32],
        &ip4("10.0.2.1").octets(),
        "sender: out0's address"
    );
    // A second packet while resolving is queued without another request.
    let out = sim.inject(
        "r",
        "in0",
        ethernet_ip(HOST, Mac(sim.mac("r", "in0")), &pkt),
    );
    assert!(out.is_empty());
    // The reply releases both, with the learnt MAC and the TTL decremented.
    let out = sim.inject("r", "out0", arp_reply("10.0.2.2", "10.0.2.1"));
    assert_eq!(out.len(), 2, "both waiting packets leave");
    for d in &out {
        assert_eq!(d.port, "out0");
        assert_eq!(&d.frame[..6], &PEER.0);
        assert_eq!(d.frame[22], 63);
    }
    assert_eq!(sim.nodes[0].worker.stats.queued, 1);
}

#[test]
fn ipv6_packet_waits_for_neighbour_advertisement() {
    let mut sim = Sim::new();
    sim.router("r", CONFIG);
    let pkt = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:2::2")).udp(1, 2, b"wait");
    let out = sim.inject(
        "r",
        "in0",
        ethernet_ip(HOST, Mac(sim.mac("r", "in0")), &pkt),
    );
    assert_eq!(out.len(), 1);
    let ns = &out[0].frame;
    assert_eq!(
        &ns[..6],
        &[0x33, 0x33, 0xff, 0, 0, 2],
        "solicited-node multicast"
    );
    assert_eq!(ns[54], 135, "neighbour solicitation");
    // The peer's solicitation for our address teaches us its MAC too (and is answered).
    let sol = Ipv6::new(ip6("2001:db8:2::2"), ip6("ff02::1:ff00:1"))
        .hop_limit(255)
        .neighbour_solicitation(ip6("2001:db8:2::1"), PEER);
    let out = sim.inject(
        "r",
        "out0",
        ethernet_ip(PEER, Mac([0x33, 0x33, 0xff, 0, 0, 1]), &sol),
    );
    assert_eq!(out.len(), 2, "the advertisement and the released packet");
    assert_eq!(out[0].frame[54], 136, "neighbour advertisement first");
    assert_eq!(&out[1].frame[..6], &PEER.0);
    assert_eq!(out[1].frame[21], 63, "hop limit decremented");
}
