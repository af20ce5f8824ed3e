//! parse -> render -> parse round trips: `route_cmdline` is the inverse of
//! the route parser, checked on real lines and on generated RouteSpecs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_config::render::{encap_cmdline, route_cmdline};
use lwt_config::*;
use proptest::prelude::*;

fn parse_route(line: &str) -> RouteSpec {
    match parse_line(line)
        .unwrap_or_else(|e| panic!("{line}\n{e}"))
        .unwrap()
        .cmd
    {
        Command::Route(RouteCmd::Modify { spec, .. }) => spec,
        c => panic!("{c:?}"),
    }
}

fn fam_opt(f: Family) -> &'static str {
    if f == Family::V6 { "-6" } else { "-4" }
}

fn roundtrip(spec: &RouteSpec) -> RouteSpec {
    let line = format!(
        "ip {} route add {}",
        fam_opt(spec.family),
        route_cmdline(spec)
    );
    parse_route(&line)
}

#[test]
fn real_lines_round_trip() {
    for line in [
        "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap segs fc00:12:100::6004 dev veth0",
        "ip -6 route add fc00:21:100::6004/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100",
        "ip -6 route add unreachable default metric 4278198272 vrf vrf-100",
        "ip -6 route add fcbb:0:0100::/48 table 90 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0",
        "ip -6 route add fcbb:0:0300::/48 table 90 encap seg6local action End.X nh6 fe80::4:3 oif veth-rt-3-4 flavors next-csid lblen 32 nflen 16 dev dum0",
        "ip -6 route add fc00::b7/128 encap seg6local action End.B6.Encaps srh segs fc00::1 hmac 7 count dev eth0",
        "ip -6 route add cafe::2/128 encap seg6 mode inline segs fcff:3::e,fcff:4::ef1,fcff:2::ef1 hmac 9 dev dum0",
        "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 2 nexthop via 10.1.1.2 dev eth1 onlink",
        "ip route add 10.0.0.0/8 encap mpls 100/200 ttl 10 via 10.1.1.1 dev eth0",
        "ip route add 10.1.0.0/16 encap ip id 100 dst 172.16.0.2 src 172.16.0.1 tos 0x10 ttl 64 key csum seq vxlan_opts 5 dev vxlan0",
        "ip -6 route add 2001:db8::/32 encap ip6 id 7 dst 2001:db8:ffff::1 hoplimit 10 tc 0x10 geneve_opts 1:2:0a0b0c0d dev vxlan0",
        "ip route add 192.0.2.0/24 dev xfrm0 encap xfrm if_id 7 link_dev eth0",
        "ip route add 10.9.0.0/16 via inet6 fe80::1 dev eth0 proto static scope global metric 5 src 10.0.0.1",
        "ip -6 route add 2001:db8::/32 from 2001:db8:1::/48 dev eth0 mtu lock 1400 advmss 1300 hoplimit 9 pref high expires 30",
        "ip route add local 10.0.0.1 dev lo table local",
        "ip route add blackhole default tos 0x10",
    ] {
        let a = parse_route(line);
        let b = roundtrip(&a);
        assert_eq!(a, b, "{line}\n=> {}", route_cmdline(&a));
    }
}

// ---- generators ----------------------------------------------------------

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}
fn v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<u128>().prop_map(Ipv6Addr::from)
}
fn ifname() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,9}".prop_filter("not a keyword", |s| {
        ![
            "dev", "via", "src", "from", "tos", "table", "vrf", "proto", "scope", "metric",
            "encap", "onlink", "nexthop", "weight", "mode", "segs", "hmac", "action", "count",
            "flavors", "srh", "lblen", "nflen", "nh4", "nh6", "iif", "oif", "mtu", "pref", "to",
            "as", "realms", "expires", "id", "dst", "ttl", "key", "csum", "seq", "tunsrc",
            "link_dev", "if_id", "vrftable", "endpoint", "hoplimit", "tc", "advmss", "help",
            "default", "all", "any",
        ]
        .contains(&s.as_str())
            && ![
                "p", "pr", "pri", "prio", "m", "me", "t", "ta", "v", "d", "re", "w", "c", "i", "q",
                "r", "s", "f", "e", "l",
            ]
            .iter()
            .any(|k| s.starts_with(k))
    })
}

fn seg6() -> impl Strategy<Value = Encap> {
    (
        prop::sample::select(Seg6Mode::ALL.to_vec()),
        prop::collection::vec(v6(), 1..5),
        prop::option::of(1u32..),
        prop::option::of(v6()),
    )
        .prop_map(|(mode, segs, hmac, tunsrc)| {
            let tunsrc = if mode == Seg6Mode::Inline {
                None
            } else {
                tunsrc
            };
            Encap::Seg6(Seg6Encap {
                mode,
                segs,
                hmac,
                tunsrc,
            })
        })
}

fn seg6local() -> impl Strategy<Value = Encap> {
    (
        prop::sample::select(SEG6_LOCAL_ACTIONS[1..].to_vec()),
        (
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
            prop::option::of(v4()),
            prop::option::of(v6()),
        ),
        (prop::option::of(ifname()), prop::option::of(ifname())),
        prop::option::of((prop::collection::vec(v6(), 1..4), prop::option::of(1u32..))),
        any::<bool>(),
        prop::option::of((
            1u32..16,
            prop::option::of(any::<u8>()),
            prop::option::of(any::<u8>()),
        )),
    )
        .prop_map(
            |(action, (table, vrftable, nh4, nh6), (iif, oif), srh, count, flv)| {
                let flavors = flv.map(|(bits, lb, nf)| {
                    let ops = bits << 1;
                    let csid = ops & SEG6_LOCAL_FLV_OP_NEXT_CSID != 0;
                    Flavors {
                        ops,
                        lblen: lb.filter(|_| csid),
                        nflen: nf.filter(|_| csid),
                    }
                });
                Encap::Seg6Local(Seg6LocalEncap {
                    action: action.to_string(),
                    table,
                    vrftable,
                    nh4,
                    nh6,
                    iif,
                    oif,
                    srh: srh.map(|(segs, hmac)| SrhSpec { segs, hmac }),
                    bpf: None,
                    count,
                    flavors,
                })
            },
        )
}

fn other_encap() -> impl Strategy<Value = Encap> {
    prop_oneof![
        (
            prop::collection::vec(0u32..(1 << 20), 1..4),
            prop::option::of(any::<u8>())
        )
            .prop_map(|(labels, ttl)| Encap::Mpls(MplsEncap { labels, ttl })),
        (1u32.., prop::option::of(ifname()))
            .prop_map(|(if_id, link_dev)| Encap::Xfrm(XfrmEncap { if_id, link_dev })),
        (
            prop::option::of(any::<u64>()),
            prop::option::of(v4()),
            prop::option::of(any::<u8>()),
            any::<(bool, bool, bool)>()
        )
            .prop_map(|(id, dst, ttl, (key, csum, seq))| Encap::Ip(IpTunEncap {
                id,
                dst,
                ttl,
                flags: TunFlags { key, csum, seq },
                ..Default::default()
            })),
    ]
}

fn encap() -> impl Strategy<Value = Encap> {
    prop_oneof![seg6(), seg6local(), other_encap()]
}

fn nexthop(v6fam: bool, multipath: bool) -> impl Strategy<Value = NextHop> {
    let via: BoxedStrategy<Option<IpAddr>> = if v6fam {
        prop::option::of(v6().prop_map(IpAddr::V6)).boxed()
    } else {
        prop::option::of(v4().prop_map(IpAddr::V4)).boxed()
    };
    (
        via,
        ifname(),
        1u16..=256,
        any::<bool>(),
        prop::option::of(encap()),
    )
        .prop_map(move |(via, dev, weight, onlink, encap)| NextHop {
            via,
            dev: Some(dev),
            weight: if multipath { weight } else { 1 },
            onlink,
            encap,
        })
}

fn route_spec() -> impl Strategy<Value = RouteSpec> {
    any::<bool>().prop_flat_map(|is6| {
        let addr: BoxedStrategy<IpAddr> = if is6 {
            v6().prop_map(IpAddr::V6).boxed()
        } else {
            v4().prop_map(IpAddr::V4).boxed()
        };
        let maxlen = if is6 { 128u8 } else { 32 };
        let rtype = prop::sample::select(vec![
            RouteType::Unicast,
            RouteType::Local,
            RouteType::Blackhole,
            RouteType::Unreachable,
            RouteType::Prohibit,
            RouteType::Throw,
        ]);
        let nhs = prop_oneof![
            Just(Vec::new()).prop_map(|v| (false, v)),
            nexthop(is6, false).prop_map(|n| (false, vec![n])),
            prop::collection::vec(nexthop(is6, true), 1..4).prop_map(|v| (true, v)),
        ];
        let src: BoxedStrategy<Option<IpAddr>> = if is6 {
            prop::option::of(v6().prop_map(IpAddr::V6)).boxed()
        } else {
            prop::option::of(v4().prop_map(IpAddr::V4)).boxed()
        };
        (
            (addr, 0..=maxlen, rtype),
            (
                prop::option::of(any::<u32>()),
                prop::option::of(ifname()),
                prop::option::of(any::<u32>()),
            ),
            (
                prop::option::of(any::<u8>()),
                prop::option::of(any::<u8>()),
                src,
                prop::option::of(any::<u8>()),
            ),
            (
                prop::option::of(any::<u32>()),
                any::<bool>(),
                prop::option::of(any::<u8>()),
                prop::option::of(any::<u8>()),
            ),
            nhs,
        )
            .prop_map(
                move |(
                    (addr, len, rtype),
                    (table, vrf, metric),
                    (proto, scope, src, tos),
                    (mtu, lock, hl, pref),
                    (mp, nexthops),
                )| {
                    let dst = if len == 0 {
                        IpPrefix::default_of(is6)
                    } else {
                        IpPrefix::new(addr, len)
                    };
                    RouteSpec {
                        family: if is6 { Family::V6 } else { Family::V4 },
                        rtype,
                        rtype_given: rtype != RouteType::Unicast,
                        dst,
                        from: None,
                        tos,
                        table,
                        vrf,
                        metric,
                        proto,
                        scope,
                        src,
                        mtu,
                        mtu_lock: lock && mtu.is_some(),
                        advmss: None,
                        hoplimit: hl,
                        pref,
                        expires: None,
                        nexthops,
                        multipath: mp,
                    }
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_routes_round_trip(spec in route_spec()) {
        let line = route_cmdline(&spec);
        let back = roundtrip(&spec);
        prop_assert_eq!(&spec, &back, "line: {}", line);
    }

    #[test]
    fn encaps_round_trip(e in encap()) {
        let line = format!("ip -6 route add fc00::/64 {} dev eth0", encap_cmdline(&e));
        let spec = parse_route(&line);
        prop_assert_eq!(spec.nexthops[0].encap.as_ref(), Some(&e), "line: {}", line);
    }

    /// No input line may panic the parser.
    #[test]
    fn arbitrary_lines_never_panic(words in prop::collection::vec(prop_oneof![
        Just("ip".to_string()), Just("route".to_string()), Just("add".to_string()), Just("encap".to_string()),
        Just("seg6".to_string()), Just("seg6local".to_string()), Just("action".to_string()), Just("End".to_string()),
        Just("flavors".to_string()), Just("next-csid".to_string()), Just("lblen".to_string()), Just("nflen".to_string()),
        Just("mode".to_string()), Just("segs".to_string()), Just("dev".to_string()), Just("via".to_string()),
        Just("nexthop".to_string()), Just("default".to_string()), Just("link".to_string()), Just("type".to_string()),
        Just("rule".to_string()), Just("neigh".to_string()), Just("proxy".to_string()), Just("srh".to_string()),
        Just("10.0.0.0/8".to_string()), Just("fc00::1".to_string()), Just("32".to_string()), "[ -~]{0,12}",
    ], 0..14)) {
        let _ = parse_line(&words.join(" "));
    }
}
