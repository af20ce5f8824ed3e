//! "No panic on arbitrary bytes": every checked constructor, every accessor, the
//! extension-header walk, SRH TLV iteration, `validate` and the pretty-printer.

mod common;

use proptest::prelude::*;

/// Bytes that look like headers often enough to get past the first checks: a random prefix
/// template (Ethernet/IPv6/SRH-shaped) overwritten by random bytes.
fn packetish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        // IPv6 with a routing header chain.
        (
            proptest::collection::vec(any::<u8>(), 0..400),
            any::<u8>(),
            any::<u8>()
        )
            .prop_map(|(mut v, plen, nh)| {
                if v.len() >= 48 {
                    v[0] = 0x60;
                    v[4] = 0;
                    v[5] = plen;
                    v[6] = [0u8, 43, 44, 60, 51, 41, 4, 17, 58, 143][usize::from(nh) % 10];
                    v[42] = 4;
                }
                v
            }),
        // Ethernet + IPv4/IPv6/VLAN/MPLS/ARP ethertype.
        (proptest::collection::vec(any::<u8>(), 14..400), 0usize..7).prop_map(|(mut v, i)| {
            let et = [0x0800u16, 0x86dd, 0x8100, 0x88a8, 0x8847, 0x0806, 0x8848][i];
            v[12..14].copy_from_slice(&et.to_be_bytes());
            if v.len() > 14 {
                v[14] = if et == 0x0800 { 0x45 } else { 0x60 };
            }
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in packetish()) {
        common::exercise::exercise(&data);
    }

    #[test]
    fn arbitrary_srh_bytes_never_panic(
        hdr in proptest::array::uniform8(any::<u8>()),
        rest in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut v = hdr.to_vec();
        v[2] = 4;
        v.extend_from_slice(&rest);
        common::exercise::exercise(&v);
    }
}
