//! Emit random field values, parse them back, get the same values. Emitters write into
//! buffers pre-filled with 0xFF so that any byte they forget shows up.

use std::net::{Ipv4Addr, Ipv6Addr};

use lwt_wire::*;
use proptest::prelude::*;

fn mac() -> impl Strategy<Value = EthernetAddress> {
    any::<[u8; 6]>().prop_map(EthernetAddress)
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn ethernet_roundtrip(src in mac(), dst in mac(), et in any::<u16>()) {
        let repr = EthernetRepr { src, dst, ethertype: et };
        let mut buf = [0xffu8; 16];
        prop_assert_eq!(repr.emit(&mut buf), Ok(14));
        prop_assert_eq!(&buf[14..], &[0xff, 0xff]);
        let f = EthernetFrame::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(EthernetRepr::parse(&f), Ok(repr));
        prop_assert_eq!(src.to_string().parse::<EthernetAddress>(), Ok(src));
    }

    #[test]
    fn vlan_roundtrip(pcp in 0u8..8, dei in any::<bool>(), vid in 0u16..4096, et in any::<u16>()) {
        let repr = VlanRepr { pcp, dei, vid, ethertype: et };
        let mut buf = [0xffu8; 5];
        prop_assert_eq!(repr.emit(&mut buf), Ok(4));
        prop_assert_eq!(buf[4], 0xff);
        prop_assert_eq!(VlanRepr::parse(&VlanHeader::new_checked(&buf[..]).unwrap()), Ok(repr));
    }

    #[test]
    fn arp_roundtrip(op in any::<u16>(), sha in mac(), spa in v4(), tha in mac(), tpa in v4()) {
        let mut buf = [0xffu8; 29];
        prop_assert_eq!(arp::emit(&mut buf, op, sha, spa, tha, tpa), Ok(28));
        prop_assert_eq!(buf[28], 0xff);
        let p = ArpPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(
            (p.operation(), p.sender_hw_addr(), p.sender_ip(), p.target_hw_addr(), p.target_ip()),
            (op, sha, spa, tha, tpa)
        );
    }

    #[test]
    fn ipv4_roundtrip(
        src in v4(), dst in v4(), protocol in any::<u8>(), payload_len in 0usize..1600,
        ttl in any::<u8>(), dscp in 0u8..64, ecn in 0u8..4, ident in any::<u16>(),
        dont_frag in any::<bool>(),
    ) {
        let repr = Ipv4Repr { src, dst, protocol, payload_len, ttl, dscp, ecn, ident, dont_frag };
        let mut buf = vec![0xffu8; 20 + payload_len + 1];
        prop_assert_eq!(repr.emit(&mut buf), Ok(20));
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        prop_assert!(p.verify_checksum());
        prop_assert_eq!(p.version(), 4);
        prop_assert_eq!(p.frag_offset(), 0);
        prop_assert!(!p.more_frags());
        prop_assert_eq!(p.payload().len(), payload_len);
        prop_assert_eq!(Ipv4Repr::parse(&p), Ok(repr));
    }

    /// The incremental TTL decrement gives exactly the recomputed checksum, for any header
    /// that had a correct checksum (the kernel never produces 0xFFFF, neither does a fresh
    /// computation over a non-zero header).
    #[test]
    fn dec_ttl_equals_recompute(
        hdr in proptest::array::uniform20(any::<u8>()), ttl in 1u8..=255,
    ) {
        let mut b = hdr;
        b[0] = 0x45;
        b[2] = 0;
        b[3] = 20;
        b[8] = ttl;
        let mut p = Ipv4Packet::new_checked(&mut b[..]).unwrap();
        p.fill_checksum();
        prop_assert_eq!(p.dec_ttl_update_checksum(), ttl - 1);
        prop_assert!(p.verify_checksum());
        let incremental = p.checksum();
        p.fill_checksum();
        prop_assert_eq!(incremental, p.checksum());
    }

    /// RFC 1624 eqn. 3 matches a full recomputation for any 16-bit word change.
    #[test]
    fn rfc1624_update_equals_recompute(
        mut data in proptest::collection::vec(any::<u8>(), 2..64), idx in any::<usize>(),
        new in any::<u16>(),
    ) {
        data[0] |= 0x80; // never all zeros
        let words = data.len() / 2;
        let i = 2 * (idx % words);
        let hc = checksum::finish(checksum::data(&data));
        let old = u16::from_be_bytes([data[i], data[i + 1]]);
        data[i..i + 2].copy_from_slice(&new.to_be_bytes());
        if data.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let updated = checksum::update(hc, old, new);
        let mut with = data.clone();
        with.extend_from_slice(&updated.to_be_bytes());
        if with.len() % 2 == 1 {
            // keep the checksum word aligned
            with.insert(data.len(), 0);
        }
        prop_assert_eq!(checksum::data(&with), 0xffff);
    }

    #[test]
    fn checksum_split_combines(
        a in proptest::collection::vec(any::<u8>(), 0..64),
        b in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut a = a;
        if a.len() % 2 == 1 { a.push(0); }
        let mut all = a.clone();
        all.extend_from_slice(&b);
        let whole = checksum::data(&all);
        let parts = checksum::combine(&[checksum::data(&a), checksum::data(&b)]);
        // 0x0000 and 0xFFFF are the same one's-complement value.
        prop_assert!(whole == parts || (whole % 0xffff == parts % 0xffff));
    }

    #[test]
    fn ipv6_roundtrip(
        src in v6(), dst in v6(), next_header in any::<u8>(), payload_len in 0usize..1600,
        hop_limit in any::<u8>(), traffic_class in any::<u8>(), flow_label in 0u32..(1 << 20),
    ) {
        let repr = Ipv6Repr { src, dst, next_header, payload_len, hop_limit, traffic_class, flow_label };
        let mut buf = vec![0xffu8; 40 + payload_len];
        prop_assert_eq!(repr.emit(&mut buf), Ok(40));
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(p.version(), 6);
        prop_assert_eq!(Ipv6Repr::parse(&p), Ok(repr));
    }

    #[test]
    fn udp_roundtrip(
        src_port in any::<u16>(), dst_port in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        s4 in v4(), d4 in v4(), s6 in v6(), d6 in v6(),
    ) {
        let repr = UdpRepr { src_port, dst_port, payload_len: payload.len() };
        let mut buf = vec![0xffu8; 8 + payload.len()];
        prop_assert_eq!(repr.emit(&mut buf), Ok(8));
        prop_assert_eq!(&buf[6..8], &[0, 0]);
        let mut p = UdpPacket::new_checked(&mut buf[..]).unwrap();
        p.payload_mut().copy_from_slice(&payload);
        prop_assert_eq!(UdpRepr::parse(&p), Ok(repr));
        p.fill_checksum_v4(&s4, &d4);
        prop_assert!(p.checksum() != 0);
        prop_assert!(p.verify_checksum_v4(&s4, &d4));
        p.fill_checksum_v6(&s6, &d6);
        prop_assert!(p.checksum() != 0);
        prop_assert!(p.verify_checksum_v6(&s6, &d6));
        prop_assert_eq!(p.payload(), &payload[..]);
    }

    #[test]
    fn vxlan_roundtrip(
        vni in 0u32..(1 << 24), gbp in proptest::option::of(any::<u32>()),
    ) {
        let gbp = gbp.map(|g| g & (vxlan::MD_GBP_ID_MASK | vxlan::MD_GBP_DONT_LEARN | vxlan::MD_GBP_POLICY_APPLIED));
        let repr = VxlanRepr { vni, gbp };
        let mut buf = [0xffu8; 9];
        prop_assert_eq!(repr.emit(&mut buf), Ok(8));
        prop_assert_eq!(buf[8], 0xff);
        let h = VxlanHeader::new_checked(&buf[..]).unwrap();
        prop_assert!(h.has_vni_flag());
        prop_assert!(h.reserved_bits_ok(true));
        prop_assert_eq!(h.reserved_bits_ok(false), gbp.is_none());
        prop_assert_eq!(VxlanRepr::parse(&h), Ok(repr));
    }

    #[test]
    fn mpls_roundtrip(
        labels in proptest::collection::vec(0u32..(1 << 20), 1..12), tc in 0u8..8, ttl in any::<u8>(),
    ) {
        let mut buf = vec![0xffu8; 4 * labels.len() + 1];
        prop_assert_eq!(mpls::emit_stack(&mut buf, &labels, tc, ttl), Ok(4 * labels.len()));
        prop_assert_eq!(*buf.last().unwrap(), 0xff);
        let mut it = mpls::MplsStackIter::new(&buf);
        let got: Vec<_> = (&mut it).map(|e| e.unwrap()).collect();
        prop_assert_eq!(got.len(), labels.len());
        for (i, e) in got.iter().enumerate() {
            prop_assert_eq!(e.label, labels[i]);
            prop_assert_eq!(e.tc, tc);
            prop_assert_eq!(e.ttl, ttl);
            prop_assert_eq!(e.bos, i + 1 == labels.len());
            prop_assert_eq!(MplsEntry::from_u32(e.to_u32()), *e);
        }
        prop_assert_eq!(it.payload_offset(), Some(4 * labels.len()));
    }

    #[test]
    fn icmp_echo_roundtrip(
        ident in any::<u16>(), seq in any::<u16>(), data in proptest::collection::vec(any::<u8>(), 0..64),
        s in v6(), d in v6(),
    ) {
        let mut buf = vec![0xffu8; 8 + data.len()];
        let mut p = Icmpv4Packet::new_checked(&mut buf[..]).unwrap();
        p.set_msg_type(icmpv4::TYPE_ECHO_REQUEST);
        p.set_msg_code(0);
        p.set_echo_ident(ident);
        p.set_echo_seq(seq);
        p.payload_mut().copy_from_slice(&data);
        p.fill_checksum();
        prop_assert!(p.verify_checksum());
        prop_assert_eq!((p.echo_ident(), p.echo_seq(), p.payload()), (ident, seq, &data[..]));

        let mut p = Icmpv6Packet::new_checked(&mut buf[..]).unwrap();
        p.set_msg_type(icmpv6::TYPE_ECHO_REQUEST);
        p.fill_checksum(&s, &d);
        prop_assert!(p.verify_checksum(&s, &d));
        prop_assert_eq!((p.echo_ident(), p.echo_seq()), (ident, seq));
    }

    #[test]
    fn ndp_roundtrip(target in v6(), mac in mac(), flags in any::<u8>(), with_opt in any::<bool>()) {
        let opt = with_opt.then_some(mac);
        let mut buf = [0xffu8; 33];
        let n = ndp::emit_neighbor_advert(&mut buf, flags, target, opt).unwrap();
        prop_assert_eq!(n, if with_opt { 32 } else { 24 });
        prop_assert_eq!(buf[n], 0xff);
        let p = Icmpv6Packet::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(p.check_ndp_len(), Ok(()));
        prop_assert_eq!(p.na_flags(), Some(flags));
        prop_assert_eq!(&buf[5..8], &[0, 0, 0]);
        prop_assert_eq!(p.ndp_target(), Some(target));
        prop_assert_eq!(p.ndp_lladdr_option(), Ok(opt));

        let n = ndp::emit_neighbor_solicit(&mut buf, target, opt).unwrap();
        let p = Icmpv6Packet::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(&buf[4..8], &[0, 0, 0, 0]);
        prop_assert_eq!(p.ndp_target(), Some(target));
        prop_assert_eq!(p.ndp_lladdr_option(), Ok(opt));
    }

    /// SRH: emit random fields and segments, parse back; `validate` agrees with the rules;
    /// travel-order emission is the reverse; the HMAC text has the documented layout.
    #[test]
    fn srh_roundtrip(
        next_header in any::<u8>(), flags in any::<u8>(), tag in any::<u16>(),
        segs in proptest::collection::vec(v6(), 1..16), sl_seed in any::<u8>(),
        tlv_words in 0usize..6, src in v6(), key_id in any::<u32>(),
    ) {
        let le = segs.len() - 1;
        let segments_left = (usize::from(sl_seed) % (segs.len() + 2)) as u8;
        let with_hmac = tlv_words == 5;
        let tlv_len = tlv_words * 8;
        let repr = srh::SrhRepr { next_header, segments_left, flags, tag, segments: &segs, tlv_len };
        let len = 8 + 16 * segs.len() + tlv_len;
        prop_assert_eq!(repr.header_len(), len);
        let mut buf = vec![0xffu8; len + 3];
        prop_assert_eq!(repr.emit(&mut buf), Ok(len));
        prop_assert!(buf[len..].iter().all(|&b| b == 0xff));
        prop_assert!(buf[8 + 16 * segs.len()..len].iter().all(|&b| b == 0xff));
        if with_hmac {
            srh::emit_hmac_tlv(&mut buf[len - 40..len], key_id).unwrap();
        } else if tlv_len > 0 {
            srh::emit_padn_tlv(&mut buf[8 + 16 * segs.len()..len]).unwrap();
        }
        let s = SrhPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(s.next_header(), next_header);
        prop_assert_eq!(s.header_len(), len);
        prop_assert_eq!(s.routing_type(), 4);
        prop_assert_eq!(s.segments_left(), segments_left);
        prop_assert_eq!(usize::from(s.last_entry()), le);
        prop_assert_eq!(s.flags(), flags);
        prop_assert_eq!(s.tag(), tag);
        prop_assert_eq!(s.segments().collect::<Vec<_>>(), segs.clone());
        for (i, a) in segs.iter().enumerate() {
            prop_assert_eq!(s.segment(i), Some(*a));
        }
        prop_assert_eq!(s.segment(segs.len()), None);
        prop_assert_eq!(s.payload(), &[0xff, 0xff, 0xff]);
        let sl = usize::from(segments_left);
        prop_assert_eq!(s.validate(len, false), sl <= le);
        prop_assert_eq!(s.validate(len, true), sl <= le + 1);
        prop_assert!(!s.validate(len + 8, true));
        prop_assert!(s.tlvs().all(|t| t.is_ok()));

        // HMAC TLV found iff flag set, TLV present and the header is big enough.
        let expect_hmac = with_hmac && flags & srh::SRH_FLAG_HMAC != 0;
        prop_assert_eq!(s.hmac_tlv().is_some(), expect_hmac);
        let mut text = vec![0xeeu8; srh::hmac_input_len(&s) + 1];
        let n = srh::hmac_input(&src, &s, &mut text);
        if expect_hmac {
            prop_assert_eq!(n, 22 + 16 * segs.len());
            prop_assert_eq!(&text[..16], &src.octets()[..]);
            prop_assert_eq!(text[16] as usize, le);
            prop_assert_eq!(text[17], flags);
            prop_assert_eq!(&text[18..22], &key_id.to_be_bytes()[..]);
            for (i, a) in segs.iter().enumerate() {
                prop_assert_eq!(&text[22 + 16 * i..38 + 16 * i], &a.octets()[..]);
            }
            prop_assert_eq!(text[n], 0xee);
        } else {
            prop_assert_eq!(n, 0);
        }

        // Travel order: same header, segments reversed.
        let travel: Vec<_> = segs.iter().rev().copied().collect();
        let r2 = srh::SrhRepr { segments: &travel, ..repr };
        let mut buf2 = vec![0xffu8; len + 3];
        prop_assert_eq!(r2.emit_travel_order(&mut buf2), Ok(len));
        prop_assert_eq!(&buf2[..8 + 16 * segs.len()], &buf[..8 + 16 * segs.len()]);
    }
}
