//! Table-driven parse tests: real iproute2 lines (most from the kernel's SRv6
//! selftests, spec §6) must parse, and parse to the right AST.

use std::net::{IpAddr, Ipv6Addr};

use lwt_config::*;

fn route(line: &str) -> (Options, Verb, RouteSpec) {
    match parse_line(line)
        .unwrap_or_else(|e| panic!("{line}\n{e}"))
        .unwrap()
    {
        Request {
            opts,
            cmd: Command::Route(RouteCmd::Modify { verb, spec }),
        } => (opts, verb, spec),
        other => panic!("{line}: not a route modify: {other:?}"),
    }
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn encap_of(spec: &RouteSpec) -> &Encap {
    spec.nexthops[0].encap.as_ref().expect("encap")
}

/// Every selftest-style line lwt must accept.
const ACCEPTED: &[&str] = &[
    // 6.1 End.DT4
    "ip link add vrf-100 type vrf table 100",
    "ip link set vrf-100 up",
    "ip link set veth-t100 master vrf-100",
    "ip addr add 10.0.0.254/24 dev veth-t100",
    "ip -6 addr add fd00::1/64 dev veth0 nodad",
    "ip link set veth0 up",
    "sysctl -wq net.vrf.strict_mode=1",
    "sysctl -w net.ipv4.conf.veth-t100.proxy_arp=1",
    "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap segs fc00:12:100::6004 dev veth0",
    "ip -6 route add fc00:12:100::6004/128 vrf vrf-100 via fd00::2 dev veth0",
    "ip -6 route add fc00:21:100::6004/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100",
    "ip -6 rule add to fc00::/16 lookup 90 prio 999",
    // 6.2 End.DT6
    "ip -6 neigh add proxy cafe::2 dev veth-t100",
    "ip -6 route add cafe::2/128 vrf vrf-100 encap seg6 mode encap segs fc00:12:100::6006 dev veth0",
    "ip -6 route add fc00:21:100::6006/128 table 90 encap seg6local action End.DT6 vrftable 100 dev vrf-100",
    "ip -6 addr add cafe::254/64 dev veth-t100 nodad",
    // 6.3 End.DT46
    "ip -4 route add unreachable default metric 4278198272 vrf vrf-100",
    "ip -6 route add unreachable default metric 4278198272 vrf vrf-100",
    "ip -6 route add fc00:21:100::6046/128 table 90 encap seg6local action End.DT46 vrftable 100 dev vrf-100",
    // 6.4 H.Encaps.Red
    "ip -6 route add fcff:2::/32 table 90 via fcf0:0:1:2::2",
    "ip -6 route add fcff:1::e/128 table 90 encap seg6local action End dev vrf-100",
    "ip -6 route add fcff:1::d46/128 table 90 encap seg6local action End.DT46 vrftable 100 dev vrf-100",
    "ip -6 rule add to fcff::/16 lookup 90 prio 999",
    "ip -6 route add cafe::2/128 vrf vrf-100 encap seg6 mode encap.red segs fcff:3::e,fcff:4::e,fcff:2::d46 dev vrf-100",
    "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap.red segs fcff:2::d46 dev vrf-100",
    // 6.5 H.L2Encaps.Red + End.DX2
    "ip link add dum0 type dummy",
    "ip link set veth-hs address 00:00:00:c0:01:02",
    "ip -6 route add cafe::2/128 encap seg6 mode l2encap.red segs fcff:2::d2 dev dum0",
    "ip -4 route add 10.0.0.2/32 encap seg6 mode l2encap.red segs fcff:4::e,fcff:3::e,fcff:1::d2 dev dum0",
    "ip -6 route add fcff:2::d2/128 table 90 encap seg6local action End.DX2 oif veth-hs dev veth-hs",
    "ip neigh add 10.0.0.2 lladdr 00:00:00:c0:01:02 dev veth0",
    "ip -6 neigh add cafe::2 lladdr 00:00:00:c0:01:02 dev veth0",
    // 6.6 NEXT-CSID
    "ip -6 route add fcbb:0:0100::/48 table 90 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0",
    "ip -6 route add fcbb:0:0200::/48 table 90 via fcf0:0:1:2::2",
    "ip -6 rule add to fcbb::/32 lookup 90 prio 999",
    "ip -6 route add cafe::2/128 vrf vrf-100 encap seg6 mode encap.red segs fcbb:0:0400:0300:0200:d46:: dev vrf-100",
    "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap.red segs fcbb:0:0300::,fcff:2::d46 dev vrf-100",
    "ip -6 route add dead:beaf::/32 table 91 encap seg6local action End flavors next-csid dev dum0",
    "ip -6 route del dead:beaf::/32 table 91",
    // 6.7 End.X NEXT-CSID
    "ip -6 route replace fcbb:0:0300::/48 table 90 encap seg6local action End.X nh6 fcf0:0:3:4::4 flavors next-csid lblen 32 nflen 16 dev dum0",
    "ip -6 route replace fcbb:0:0300::/48 table 90 encap seg6local action End.X nh6 fe80::4:3 oif veth-rt-3-4 flavors next-csid lblen 32 nflen 16 dev dum0",
    "ip -6 addr add fe80::3:4/64 dev veth-rt-3-4 nodad",
    "ip -6 route add dead:beaf::/32 table 91 encap seg6local action End.X nh6 :: flavors next-csid lblen 16 nflen 32 dev dum0",
    // 6.8 PSP + inline
    "ip -6 route add fcff:1::ef1/128 table 90 encap seg6local action End flavors psp dev dum0",
    "ip -6 route add cafe::2/128 encap seg6 mode inline segs fcff:3::e,fcff:4::ef1,fcff:2::ef1 dev dum0",
    "ip -6 route add unreachable default metric 4278198272 dev dum0",
    // 6.9 DX4/DX6
    "ip route add 10.0.0.2/32 encap seg6 mode encap segs fc00:12:100::6004 dev veth0",
    "ip -6 route add fc00:12:100::6004/128 via 2001:11::2 dev veth0",
    "ip -6 route add fc00:12:100::6004/128 encap seg6local action End.DX4 nh4 10.0.0.2 dev veth-t100",
    "ip -6 route add fc00:12:100::6004/128 encap seg6local action End.DX6 nh6 cafe::2 dev veth-t100",
    "sysctl -w net.netfilter.nf_hooks_lwtunnel=1",
    // other encaps and objects
    "ip -6 route add fc00::b6/128 encap seg6local action End.B6 srh segs fc00::1,fc00::2 dev eth0",
    "ip -6 route add fc00::b7/128 encap seg6local action End.B6.Encaps srh segs fc00::1 hmac 7 count dev eth0",
    "ip -6 route add fc00::7/128 encap seg6local action End.T table 100 dev eth0",
    "ip -6 route add fc00::6/128 encap seg6local action End.DT6 table main count dev eth0",
    "ip route add 10.0.0.0/8 encap mpls 100/200 ttl 10 via 10.1.1.1 dev eth0",
    "ip route add 10.1.0.0/16 encap ip id 100 dst 172.16.0.2 ttl 64 key csum dev vxlan0",
    "ip -6 route add 2001:db8::/32 encap ip6 id 7 dst 2001:db8:ffff::1 hoplimit 10 tc 0x10 dev vxlan0",
    "ip route add 192.0.2.0/24 dev xfrm0 encap xfrm if_id 7 link_dev eth0",
    "ip link add vxlan0 type vxlan external dstport 4789",
    "ip link add vxlan1 type vxlan id 42 remote 192.0.2.1 local 192.0.2.2 dstport 4789 srcport 1000 2000 ttl 64 nolearning dev eth0",
    "ip link add xfrm0 type xfrm external",
    "ip link add xfrm1 type xfrm dev eth0 if_id 7",
    "ip link add eth0 type port",
    "ip link add p0 type port dev enp3s0 io af_xdp",
    "ip link add t0 address 02:00:00:00:00:01 mtu 1400 type tap",
    "ip route add 10.0.0.0/24 via 10.1.1.1 dev eth0 proto static metric 10",
    "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 2 nexthop via 10.1.1.2 dev eth1",
    "ip route add default via 10.0.0.1 dev eth0",
    "ip route add blackhole 10.0.0.0/8",
    "ip route add 10.9.0.0/16 via inet6 fe80::1 dev eth0",
    "ip -6 route add 2001:db8::/32 dev eth0 mtu lock 1400 pref high",
    "ip sr tunsrc set fc00::1",
    "ip sr tunsrc show",
    "ip sr hmac set 7 sha256 s3cret",
    "ip sr hmac show",
    "ip rule add l3mdev pref 1000",
    "ip rule add fwmark 0x10/0xff lookup 100 pref 10",
    "ip rule add tun_id 42 lookup 7",
    "ip rule del pref 999",
    "ip rule add from 10.0.0.0/8 blackhole",
    "ip -j route show table 90",
    "ip -s route show",
    "ip -6 route show table all",
    "ip route get 10.0.0.1",
    "ip route flush table 90",
    "ip addr flush dev eth0",
    "ip addr show dev eth0",
    "ip link show",
    "ip link del dum0",
    "ip neigh show",
    "ip -6 neigh flush dev eth0",
    "route add 10.0.0.0/8 dev eth0",
    "  # a comment",
    "",
];

#[test]
fn selftest_lines_parse() {
    for line in ACCEPTED {
        if let Err(e) = parse_line(line) {
            panic!("rejected: {line}\n{e}");
        }
    }
}

#[test]
fn batch_collects_lines() {
    let text = ACCEPTED.join("\n");
    let cmds = parse_batch(&text).unwrap();
    assert_eq!(cmds.len(), ACCEPTED.len() - 2);
    assert_eq!(cmds[0].0, 1);
    assert_eq!(cmds[0].1, "ip link add vrf-100 type vrf table 100");
}

#[test]
fn dt4_encap_route() {
    let (opts, verb, s) = route(
        "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap segs fc00:12:100::6004 dev veth0",
    );
    assert_eq!(opts.family, Family::V4);
    assert_eq!(verb, Verb::Add);
    assert_eq!(s.family, Family::V4);
    assert_eq!(s.dst, IpPrefix::new("10.0.0.2".parse().unwrap(), 32));
    assert_eq!(s.vrf.as_deref(), Some("vrf-100"));
    assert_eq!(s.nexthops.len(), 1);
    assert_eq!(s.nexthops[0].dev.as_deref(), Some("veth0"));
    assert_eq!(
        encap_of(&s),
        &Encap::Seg6(Seg6Encap {
            mode: Seg6Mode::Encap,
            segs: vec![v6("fc00:12:100::6004")],
            hmac: None,
            tunsrc: None
        })
    );
}

#[test]
fn dt4_decap_route() {
    let (_, _, s) = route(
        "ip -6 route add fc00:21:100::6004/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100",
    );
    assert_eq!(s.table, Some(90));
    match encap_of(&s) {
        Encap::Seg6Local(l) => {
            assert_eq!(l.action, "End.DT4");
            assert_eq!(l.vrftable, Some(100));
            assert_eq!(l.action_id(), 8);
            assert!(l.table.is_none() && !l.count && l.flavors.is_none());
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn unreachable_default_in_vrf() {
    let (_, _, s) = route("ip -6 route add unreachable default metric 4278198272 vrf vrf-100");
    assert_eq!(s.rtype, RouteType::Unreachable);
    assert_eq!(s.dst, IpPrefix::default_of(true));
    assert_eq!(s.metric, Some(4278198272));
    assert!(s.nexthops.is_empty());
    // Without -6 and with nothing else saying IPv6, `default` is IPv4.
    let (_, _, s) = route("ip route add unreachable default metric 4278198272 vrf vrf-100");
    assert_eq!(s.dst, IpPrefix::default_of(false));
}

#[test]
fn default_family_comes_from_gateway() {
    let (_, _, s) = route("ip route add default via fe80::1 dev eth0");
    assert_eq!(s.family, Family::V6);
    assert_eq!(s.dst, IpPrefix::default_of(true));
}

#[test]
fn next_csid_flavors() {
    let (_, _, s) = route(
        "ip -6 route add fcbb:0:0100::/48 table 90 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0",
    );
    match encap_of(&s) {
        Encap::Seg6Local(l) => {
            assert_eq!(
                l.flavors,
                Some(Flavors {
                    ops: SEG6_LOCAL_FLV_OP_NEXT_CSID,
                    lblen: Some(32),
                    nflen: Some(16)
                })
            )
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(s.nexthops[0].dev.as_deref(), Some("dum0"));
    // case-insensitive names, several flavors
    let (_, _, s) = route(
        "ip -6 route add fc00::1/128 encap seg6local action End flavors PSP,Next-CSID lblen 0x20 dev dum0",
    );
    match encap_of(&s) {
        Encap::Seg6Local(l) => assert_eq!(
            l.flavors,
            Some(Flavors {
                ops: SEG6_LOCAL_FLV_OP_PSP | SEG6_LOCAL_FLV_OP_NEXT_CSID,
                lblen: Some(32),
                nflen: None
            })
        ),
        e => panic!("{e:?}"),
    }
}

#[test]
fn end_x_link_local() {
    let (_, verb, s) = route(
        "ip -6 route replace fcbb:0:0300::/48 table 90 encap seg6local action End.X nh6 fe80::4:3 oif veth-rt-3-4 flavors next-csid lblen 32 nflen 16 dev dum0",
    );
    assert_eq!(verb, Verb::Replace);
    match encap_of(&s) {
        Encap::Seg6Local(l) => {
            assert_eq!(l.nh6, Some(v6("fe80::4:3")));
            assert_eq!(l.oif.as_deref(), Some("veth-rt-3-4"));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn srh_and_counters() {
    let (_, _, s) = route(
        "ip -6 route add fc00::b7/128 encap seg6local action End.B6.Encaps srh segs fc00::1 hmac 7 count dev eth0",
    );
    match encap_of(&s) {
        Encap::Seg6Local(l) => {
            assert_eq!(
                l.srh,
                Some(SrhSpec {
                    segs: vec![v6("fc00::1")],
                    hmac: Some(7)
                })
            );
            assert!(l.count);
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(s.nexthops[0].dev.as_deref(), Some("eth0"));
}

#[test]
fn inline_and_hmac() {
    let (_, _, s) = route(
        "ip -6 route add cafe::2/128 encap seg6 mode inline segs fcff:3::e,fcff:4::ef1 hmac 0x10 dev dum0",
    );
    assert_eq!(
        encap_of(&s),
        &Encap::Seg6(Seg6Encap {
            mode: Seg6Mode::Inline,
            segs: vec![v6("fcff:3::e"), v6("fcff:4::ef1")],
            hmac: Some(16),
            tunsrc: None
        })
    );
    let (_, _, s) = route(
        "ip -6 route add cafe::3/128 encap seg6 mode encap segs fc00::1 tunsrc fc00::99 dev dum0",
    );
    match encap_of(&s) {
        Encap::Seg6(e) => assert_eq!(e.tunsrc, Some(v6("fc00::99"))),
        e => panic!("{e:?}"),
    }
}

#[test]
fn other_encaps() {
    let (_, _, s) =
        route("ip route add 10.0.0.0/8 encap mpls 100/200 ttl 10 via 10.1.1.1 dev eth0");
    assert_eq!(
        encap_of(&s),
        &Encap::Mpls(MplsEncap {
            labels: vec![100, 200],
            ttl: Some(10)
        })
    );
    assert_eq!(s.nexthops[0].via, Some("10.1.1.1".parse().unwrap()));
    let (_, _, s) =
        route("ip route add 10.1.0.0/16 encap ip id 100 dst 172.16.0.2 ttl 64 key csum dev vxlan0");
    assert_eq!(
        encap_of(&s),
        &Encap::Ip(IpTunEncap {
            id: Some(100),
            dst: Some("172.16.0.2".parse().unwrap()),
            ttl: Some(64),
            flags: TunFlags {
                key: true,
                csum: true,
                seq: false
            },
            ..Default::default()
        })
    );
    let (_, _, s) = route(
        "ip -6 route add 2001:db8::/32 encap ip6 id 7 dst 2001:db8:ffff::1 hoplimit 10 tc 0x10 dev vxlan0",
    );
    match encap_of(&s) {
        Encap::Ip6(e) => assert_eq!((e.id, e.hoplimit, e.tc), (Some(7), Some(10), Some(0x10))),
        e => panic!("{e:?}"),
    }
    let (_, _, s) = route("ip route add 192.0.2.0/24 dev xfrm0 encap xfrm if_id 7 link_dev eth0");
    assert_eq!(
        encap_of(&s),
        &Encap::Xfrm(XfrmEncap {
            if_id: 7,
            link_dev: Some("eth0".into())
        })
    );
    assert_eq!(s.nexthops[0].dev.as_deref(), Some("xfrm0"));
}

#[test]
fn multipath() {
    let (_, _, s) = route(
        "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 2 nexthop via 10.1.1.2 dev eth1",
    );
    assert!(s.multipath);
    assert_eq!(s.nexthops.len(), 2);
    assert_eq!(s.nexthops[0].weight, 2);
    assert_eq!(s.nexthops[1].weight, 1);
    assert_eq!(s.nexthops[1].dev.as_deref(), Some("eth1"));
    let (_, _, s) = route(
        "ip -6 route add fc00::/64 nexthop encap seg6 mode encap segs fc00::1 dev eth0 nexthop encap seg6 mode encap segs fc00::2 dev eth1",
    );
    assert!(s.nexthops.iter().all(|n| n.encap.is_some()));
}

#[test]
fn route_keywords() {
    let (_, _, s) = route("ip route add 10.0.0.0/24 via 10.1.1.1 dev eth0 proto static metric 10");
    assert_eq!((s.proto, s.metric), (Some(RTPROT_STATIC), Some(10)));
    let (_, _, s) =
        route("ip route add 10.0.0.0/24 dev eth0 table main scope link src 10.0.0.1 priority 5");
    assert_eq!(
        (s.table, s.scope, s.metric),
        (Some(254), Some(RT_SCOPE_LINK), Some(5))
    );
    assert_eq!(s.src, Some("10.0.0.1".parse().unwrap()));
    let (_, _, s) = route("ip route add 10.0.0.0/24 dev eth0 table local preference 7");
    assert_eq!((s.table, s.metric), (Some(255), Some(7)));
    let (_, _, s) = route("ip -6 route add 2001:db8::/32 dev eth0 mtu lock 1400 pref high");
    assert_eq!(
        (s.mtu, s.mtu_lock, s.pref),
        (Some(1400), true, Some(ICMPV6_ROUTER_PREF_HIGH))
    );
    let (_, _, s) = route("ip route add 10.9.0.0/16 via inet6 fe80::1 dev eth0");
    assert_eq!(s.family, Family::V4);
    assert_eq!(
        s.nexthops[0].via,
        Some("fe80::1".parse::<IpAddr>().unwrap())
    );
    let (_, _, s) = route("ip route add to local 10.0.0.1 dev lo");
    assert_eq!(s.rtype, RouteType::Local);
    let (_, _, s) = route("ip route add 10.0.0.0/24 dev eth0 onlink via 10.1.1.1");
    assert!(s.nexthops[0].onlink);
}

#[test]
fn abbreviations_follow_iproute2_order() {
    let objs = [
        ("ip r", "route"),
        ("ip ro", "route"),
        ("ip a", "addr"),
        ("ip addr", "addr"),
        ("ip l", "link"),
        ("ip n", "neigh"),
        ("ip neighbour", "neigh"),
        ("ip ru", "rule"),
        ("ip s tunsrc show", "sr"),
    ];
    for (line, want) in objs {
        let r = parse_line(line).unwrap().unwrap();
        let got = match r.cmd {
            Command::Route(_) => "route",
            Command::Addr(_) => "addr",
            Command::Link(_) => "link",
            Command::Neigh(_) => "neigh",
            Command::Rule(_) => "rule",
            Command::Sr(_) => "sr",
            Command::Sysctl(_) => "sysctl",
            Command::Fdb(_) => "fdb",
        };
        assert_eq!(got, want, "{line}");
    }
    // verbs
    assert!(matches!(route("ip r a 10.0.0.0/8 dev eth0").1, Verb::Add));
    assert!(matches!(route("ip r d 10.0.0.0/8").1, Verb::Del));
    assert!(matches!(route("ip r del 10.0.0.0/8").1, Verb::Del));
    assert!(matches!(route("ip r delete 10.0.0.0/8").1, Verb::Del));
    assert!(matches!(
        route("ip r chg 10.0.0.0/8 dev eth0").1,
        Verb::Change
    ));
    assert!(matches!(
        route("ip r app 10.0.0.0/8 dev eth0").1,
        Verb::Append
    ));
    assert!(matches!(
        route("ip r prep 10.0.0.0/8 dev eth0").1,
        Verb::Prepend
    ));
    for l in [
        "ip r",
        "ip r show",
        "ip r list",
        "ip r lst",
        "ip r sh",
        "ip r l",
    ] {
        assert!(
            matches!(
                parse_line(l).unwrap().unwrap().cmd,
                Command::Route(RouteCmd::Show(_))
            ),
            "{l}"
        );
    }
    // keywords: `pro` = protocol, `p` = priority, `t` = table, `bl` = blackhole
    let (_, _, s) = route("ip r a bl 10.0.0.0/8 pro static p 9 t 100");
    assert_eq!(
        (s.rtype, s.proto, s.metric, s.table),
        (RouteType::Blackhole, Some(4), Some(9), Some(100))
    );
}

#[test]
fn options() {
    let r = parse_line("ip -j -s -s -d -6 route show").unwrap().unwrap();
    assert!(r.opts.json && r.opts.details);
    assert_eq!(r.opts.stats, 2);
    assert_eq!(r.opts.family, Family::V6);
    let r = parse_line("-json -statistics -family inet route show")
        .unwrap()
        .unwrap();
    assert!(r.opts.json);
    assert_eq!(r.opts.stats, 1);
    assert_eq!(r.opts.family, Family::V4);
    let r = parse_line("--json route").unwrap().unwrap();
    assert!(r.opts.json);
}

#[test]
fn rules() {
    let r = parse_line("rule add to fc00::/16 lookup 90 prio 999")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Rule(RuleCmd::Modify {
            verb: Verb::Add,
            spec,
        }) => {
            assert_eq!(spec.family, Family::V6);
            assert_eq!(spec.to, Some(IpPrefix::new("fc00::".parse().unwrap(), 16)));
            assert_eq!(
                (spec.table, spec.priority, spec.action),
                (Some(90), Some(999), RuleAction::ToTable)
            );
        }
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip rule add l3mdev pref 1000").unwrap().unwrap();
    match r.cmd {
        Command::Rule(RuleCmd::Modify { spec, .. }) => {
            assert!(spec.l3mdev);
            assert_eq!(spec.table, None);
        }
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip rule add fwmark 0x10/0xff iif eth0 goto 200 pref 10")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Rule(RuleCmd::Modify { spec, .. }) => {
            assert_eq!((spec.fwmark, spec.fwmask), (Some(16), Some(255)));
            assert_eq!((spec.action, spec.goto), (RuleAction::Goto, Some(200)));
            assert_eq!(spec.iif.as_deref(), Some("eth0"));
        }
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip rule add from all unreachable pref 5")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Rule(RuleCmd::Modify { spec, .. }) => {
            assert_eq!(spec.action, RuleAction::Unreachable)
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn neighbours() {
    let r = parse_line("ip -6 neigh add proxy cafe::2 dev veth-t100")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Neigh(NeighCmd::Modify {
            verb: Verb::Add,
            spec,
        }) => {
            assert!(spec.proxy);
            assert_eq!(spec.addr, "cafe::2".parse::<IpAddr>().unwrap());
            assert_eq!(spec.dev.as_deref(), Some("veth-t100"));
        }
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip neigh replace 10.0.0.2 lladdr 00:00:00:c0:01:02 dev veth0 nud p")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Neigh(NeighCmd::Modify {
            verb: Verb::Replace,
            spec,
        }) => {
            assert_eq!(spec.lladdr, Some(Mac([0, 0, 0, 0xc0, 1, 2])));
            assert_eq!(spec.state, Some(NudState::Permanent));
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn links_and_addrs() {
    let r = parse_line("ip link add vxlan0 type vxlan external dstport 4789")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Link(LinkCmd::Add(s)) => match s.kind {
            Some(LinkKind::Vxlan(v)) => {
                assert!(v.external && v.dstport == Some(4789) && v.vni.is_none())
            }
            k => panic!("{k:?}"),
        },
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip link add p0 type port dev enp3s0 io af_xdp")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Link(LinkCmd::Add(s)) => {
            assert_eq!(
                s.kind,
                Some(LinkKind::Port {
                    dev: Some("enp3s0".into()),
                    io: Some(PortIo::AfXdp)
                })
            )
        }
        o => panic!("{o:?}"),
    }
    let r = parse_line("ip -6 addr add cafe::254/64 dev veth-t100 nodad")
        .unwrap()
        .unwrap();
    match r.cmd {
        Command::Addr(AddrCmd::Modify {
            verb: Verb::Add,
            spec,
        }) => {
            assert_eq!(spec.prefix, IpPrefix::new("cafe::254".parse().unwrap(), 64));
            assert!(spec.nodad && !spec.noprefixroute);
            assert_eq!(spec.dev, "veth-t100");
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn sr_and_sysctl() {
    assert_eq!(
        parse_line("ip sr tunsrc set fc00::1").unwrap().unwrap().cmd,
        Command::Sr(SrCmd::TunsrcSet(v6("fc00::1")))
    );
    assert_eq!(
        parse_line("ip sr hmac set 7 sha256 's3c ret'")
            .unwrap()
            .unwrap()
            .cmd,
        Command::Sr(SrCmd::HmacSet {
            keyid: 7,
            algo: HmacAlgo::Sha256,
            secret: "s3c ret".into()
        })
    );
    let want = Command::Sysctl(SysctlCmd {
        key: "net.vrf.strict_mode".into(),
        value: Some("1".into()),
        quiet: false,
    });
    assert_eq!(
        parse_line("sysctl -w net.vrf.strict_mode=1")
            .unwrap()
            .unwrap()
            .cmd,
        want
    );
    assert_eq!(
        parse_line("sysctl net.vrf.strict_mode = 1")
            .unwrap()
            .unwrap()
            .cmd,
        want
    );
    assert_eq!(
        parse_line("sysctl net/vrf/strict_mode=1")
            .unwrap()
            .unwrap()
            .cmd,
        want
    );
}

#[test]
fn prefix_helpers() {
    let p = IpPrefix::new("10.1.2.3".parse().unwrap(), 8);
    assert_eq!(p.network(), IpPrefix::new("10.0.0.0".parse().unwrap(), 8));
    assert!(p.has_host_bits());
    assert!(p.contains(&"10.200.0.1".parse().unwrap()));
    assert!(!p.contains(&"11.0.0.1".parse().unwrap()));
    let q = IpPrefix::new("fcbb:0:0100:ffff::".parse().unwrap(), 48);
    assert_eq!(q.network().addr, "fcbb:0:100::".parse::<IpAddr>().unwrap());
    assert_eq!(
        IpPrefix::default_of(true).network(),
        IpPrefix::default_of(true)
    );
}
