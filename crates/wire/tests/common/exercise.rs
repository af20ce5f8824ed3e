//! Feed arbitrary bytes to every checked constructor and call every accessor.
//!
//! Shared by `tests/no_panic.rs` (proptest) and the `parse_packet` fuzz target
//! (`fuzz/fuzz_targets/parse_packet.rs` includes this file with `#[path]`).
//! The only requirement: nothing here may panic, whatever `data` is.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::hint::black_box;

use lwt_wire::*;

struct Sink(usize);

impl std::fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Pretty-print `data` as an Ethernet frame, an IPv4 packet and an IPv6 packet.
pub fn pretty(data: &[u8]) {
    let mut sink = Sink(0);
    let _ = write!(sink, "{}", PrettyPrinter::new(data));
    let _ = write!(sink, "{}", PrettyPrinter::ipv4(data));
    let _ = write!(sink, "{}", PrettyPrinter::ipv6(data));
    black_box(sink.0);
}

/// Every parser directly on `data`, every getter, and length-preserving setters on a copy.
pub fn exercise(data: &[u8]) {
    pretty(data);
    ethernet(data);
    vlan(data);
    arp(data);
    ipv4(data);
    ipv6(data);
    ext_walk(data);
    srh(data);
    udp(data);
    vxlan(data);
    icmpv4(data);
    icmpv6(data);
    esp(data);
    mpls(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = black_box(s.parse::<EthernetAddress>());
    }
}

fn ethernet(data: &[u8]) {
    if let Ok(f) = EthernetFrame::new_checked(data) {
        black_box((f.src_addr(), f.dst_addr(), f.ethertype(), f.payload().len()));
        let a = f.src_addr();
        black_box((
            a.is_broadcast(),
            a.is_multicast(),
            a.is_local(),
            a.to_string(),
        ));
        let _ = black_box(EthernetRepr::parse(&f));
    }
}

fn vlan(data: &[u8]) {
    if let Ok(v) = VlanHeader::new_checked(data) {
        black_box((
            v.tci(),
            v.pcp(),
            v.dei(),
            v.vid(),
            v.ethertype(),
            v.payload(),
        ));
        let _ = black_box(VlanRepr::parse(&v));
    }
}

fn arp(data: &[u8]) {
    if let Ok(a) = ArpPacket::new_checked(data) {
        black_box((a.hardware_type(), a.protocol_type(), a.operation()));
        black_box((
            a.sender_hw_addr(),
            a.sender_ip(),
            a.target_hw_addr(),
            a.target_ip(),
        ));
    }
}

fn ipv4(data: &[u8]) {
    let mut copy = data.to_vec();
    if let Ok(mut p) = Ipv4Packet::new_checked(&mut copy[..]) {
        black_box((
            p.version(),
            p.ihl(),
            p.header_len(),
            p.dscp(),
            p.ecn(),
            p.tos(),
        ));
        black_box((p.total_len(), p.ident(), p.flags_frag(), p.dont_frag()));
        black_box((p.more_frags(), p.frag_offset(), p.is_fragment(), p.ttl()));
        black_box((p.protocol(), p.checksum(), p.src_addr(), p.dst_addr()));
        black_box((p.options(), p.header(), p.verify_checksum(), p.payload()));
        let _ = black_box(Ipv4Repr::parse(&p));
        // Length-preserving setters keep the view valid.
        p.fill_checksum();
        assert!(p.verify_checksum());
        p.dec_ttl_update_checksum();
        p.set_dscp(1);
        p.set_ecn(2);
        p.set_dont_frag(true);
        p.set_more_frags(false);
        p.set_frag_offset(3);
        p.options_mut().fill(1);
        p.payload_mut().fill(2);
        assert!(p.check_len().is_ok());
    }
}

fn ipv6(data: &[u8]) {
    let mut copy = data.to_vec();
    if let Ok(mut p) = Ipv6Packet::new_checked(&mut copy[..]) {
        black_box((
            p.version(),
            p.traffic_class(),
            p.dscp(),
            p.ecn(),
            p.flow_label(),
        ));
        black_box((
            p.payload_len(),
            p.total_len(),
            p.next_header(),
            p.hop_limit(),
        ));
        black_box((p.src_addr(), p.dst_addr(), p.payload(), p.packet()));
        for h in p.ext_headers() {
            let _ = black_box(h);
        }
        let _ = black_box(p.upper_layer());
        let _ = black_box(p.find_ext_header(ip_proto::FRAGMENT));
        black_box((p.find_routing_header(), p.find_routing_header_skip_sl0()));
        if let Some(off) = p.find_routing_header() {
            srh(&p.packet()[off..]);
        }
        let _ = black_box(Ipv6Repr::parse(&p));
        p.set_traffic_class(0xff);
        p.set_flow_label(0xfffff);
        p.set_hop_limit(1);
        p.payload_mut().fill(0);
        assert!(p.check_len().is_ok());
    }
}

fn ext_walk(data: &[u8]) {
    let first = data.first().copied().unwrap_or(0);
    for start in [
        first,
        ip_proto::HOPOPTS,
        ip_proto::ROUTING,
        ip_proto::FRAGMENT,
        ip_proto::AH,
    ] {
        for off in [0, 1, 40] {
            let mut it = ExtHeaderIter::new(data, start, off);
            for h in &mut it {
                let _ = black_box(h);
            }
            black_box((it.upper_layer(), it.is_later_fragment()));
            let _ = black_box(ext::walk(data, start, off));
            let _ = black_box(ext::find(data, start, off, ip_proto::ROUTING));
        }
    }
}

fn srh(data: &[u8]) {
    // validate must be safe on any buffer, checked or not, for any claimed length.
    let raw = SrhPacket::new_unchecked(data);
    for len in [0, 7, 8, data.len(), data.len() + 8, 2048] {
        black_box((raw.validate(len, false), raw.validate(len, true)));
    }
    let mut copy = data.to_vec();
    let Ok(mut s) = SrhPacket::new_checked(&mut copy[..]) else {
        return;
    };
    black_box((
        s.next_header(),
        s.hdr_ext_len(),
        s.header_len(),
        s.routing_type(),
    ));
    black_box((
        s.segments_left(),
        s.last_entry(),
        s.first_segment(),
        s.num_segments(),
    ));
    black_box((s.flags(), s.has_hmac_flag(), s.tag(), s.tlv_offset()));
    for i in 0..=s.num_segments() + 1 {
        black_box(s.segment(i));
    }
    black_box(s.segment(usize::MAX));
    black_box((s.segment_list(), s.tlv_area(), s.header(), s.payload()));
    assert_eq!(s.segments().count(), s.num_segments());
    for t in s.tlvs().chain(s.tlvs_rfc8754()) {
        let _ = black_box(t);
    }
    let hl = s.header_len();
    black_box((s.validate(hl, false), s.validate(hl, true)));
    black_box(s.hmac_tlv_offset());
    if let Some(t) = s.hmac_tlv() {
        black_box((
            t.tlv_type(),
            t.tlv_len(),
            t.reserved(),
            t.key_id(),
            t.hmac(),
        ));
        assert!(srh::HmacTlv::new_checked(t.into_inner()).is_ok());
    }
    let src = std::net::Ipv6Addr::LOCALHOST;
    let mut out = vec![0u8; srh::hmac_input_len(&s)];
    let n = srh::hmac_input(&src, &s, &mut out);
    assert!(n == 0 || n == out.len());
    let half = out.len() / 2;
    black_box(srh::hmac_input_with_key_id(&src, &s, 1, &mut out[..half]));
    // Length-preserving setters.
    let sl = s.segments_left();
    s.set_segments_left(sl.wrapping_sub(1));
    assert!(s.set_segment(0, src).is_ok());
    assert!(s.set_segment(s.num_segments(), src).is_err());
    s.set_tag(1);
    s.set_flags(0xff);
    if let Some(mut t) = s.hmac_tlv_mut() {
        t.set_key_id(5);
        t.hmac_mut().fill(0);
    }
    s.segment_list_mut().fill(0);
    s.tlv_area_mut().fill(0);
    assert!(s.check_len().is_ok());
}

fn udp(data: &[u8]) {
    let mut copy = data.to_vec();
    if let Ok(mut u) = UdpPacket::new_checked(&mut copy[..]) {
        black_box((u.src_port(), u.dst_port(), u.len(), u.checksum()));
        black_box((u.datagram(), u.payload()));
        let (a4, b4) = (std::net::Ipv4Addr::LOCALHOST, std::net::Ipv4Addr::BROADCAST);
        let (a6, b6) = (
            std::net::Ipv6Addr::LOCALHOST,
            std::net::Ipv6Addr::UNSPECIFIED,
        );
        black_box((
            u.verify_checksum_v4(&a4, &b4),
            u.verify_checksum_v6(&a6, &b6),
        ));
        let _ = black_box(UdpRepr::parse(&u));
        u.fill_checksum_v4(&a4, &b4);
        assert!(u.verify_checksum_v4(&a4, &b4));
        u.fill_checksum_v6(&a6, &b6);
        assert!(u.verify_checksum_v6(&a6, &b6));
    }
}

fn vxlan(data: &[u8]) {
    if let Ok(v) = VxlanHeader::new_checked(data) {
        black_box((
            v.flags(),
            v.flags_word(),
            v.has_vni_flag(),
            v.has_gbp_flag(),
        ));
        black_box((v.gbp_flags(), v.gbp_dont_learn(), v.gbp_policy_applied()));
        black_box((v.gbp_policy_id(), v.gbp_metadata(), v.vni(), v.reserved()));
        black_box((
            v.reserved_bits_ok(false),
            v.reserved_bits_ok(true),
            v.payload(),
        ));
        let _ = black_box(VxlanRepr::parse(&v));
    }
}

fn icmpv4(data: &[u8]) {
    let mut copy = data.to_vec();
    if let Ok(mut p) = Icmpv4Packet::new_checked(&mut copy[..]) {
        black_box((p.msg_type(), p.msg_code(), p.checksum(), p.rest_of_header()));
        black_box((p.echo_ident(), p.echo_seq(), p.next_hop_mtu(), p.pointer()));
        black_box((p.payload(), p.verify_checksum()));
        p.fill_checksum();
        assert!(p.verify_checksum());
    }
}

fn icmpv6(data: &[u8]) {
    let mut copy = data.to_vec();
    if let Ok(mut p) = Icmpv6Packet::new_checked(&mut copy[..]) {
        let (a, b) = (
            std::net::Ipv6Addr::LOCALHOST,
            std::net::Ipv6Addr::UNSPECIFIED,
        );
        black_box((p.msg_type(), p.msg_code(), p.is_error(), p.checksum()));
        black_box((p.rest_of_header(), p.echo_ident(), p.echo_seq()));
        black_box((p.pkt_too_big_mtu(), p.param_problem_ptr(), p.payload()));
        black_box(p.verify_checksum(&a, &b));
        let _ = black_box(p.check_ndp_len());
        black_box((p.ndp_target(), p.redirect_destination(), p.na_flags()));
        black_box((p.ra_cur_hop_limit(), p.ra_flags(), p.ra_router_lifetime()));
        black_box((p.ra_reachable_time(), p.ra_retrans_timer()));
        let _ = black_box(p.ndp_lladdr_option());
        if let Some(opts) = p.ndp_options() {
            for o in opts.flatten() {
                black_box((o.kind(), o.wire_len(), o.bytes(), o.body()));
                black_box((o.link_layer_addr(), o.mtu(), o.prefix_info()));
                black_box(o.redirected_header());
            }
        }
        let _ = black_box(p.set_ndp_target(a));
        let _ = black_box(p.set_na_flags(0xe0));
        p.fill_checksum(&a, &b);
        assert!(p.verify_checksum(&a, &b));
    }
    for opt in ndp::NdpOptionIter::new(data) {
        let _ = black_box(opt);
    }
}

fn esp(data: &[u8]) {
    if let Ok(e) = EspPacket::new_checked(data) {
        black_box((e.spi(), e.sequence_number(), e.payload()));
    }
}

fn mpls(data: &[u8]) {
    if let Ok(l) = MplsLabel::new_checked(data) {
        black_box((
            l.raw(),
            l.label(),
            l.tc(),
            l.bottom_of_stack(),
            l.ttl(),
            l.entry(),
        ));
        black_box(l.payload());
    }
    let mut it = mpls::MplsStackIter::new(data);
    for e in &mut it {
        let _ = black_box(e);
    }
    black_box(it.payload_offset());
    let _ = black_box(mpls::stack_len(data));
}
