//! Golden strings: objects rendered as `ip` / `ip -j` print them
//! (iproute2's spacing kept, including its trailing spaces).

use lwt_config::render::*;
use lwt_config::*;

fn opts() -> Options {
    Options::default()
}

fn spec(line: &str) -> RouteSpec {
    match parse_line(line).unwrap().unwrap().cmd {
        Command::Route(RouteCmd::Modify { spec, .. }) => spec,
        c => panic!("{c:?}"),
    }
}

fn entry(line: &str) -> RouteEntry {
    entry_from_spec(&spec(line))
}

#[test]
fn ipv4_routes() {
    let o = opts();
    assert_eq!(
        render_route(
            &entry("route add 10.0.0.0/24 via 10.1.1.1 dev eth0 proto static metric 10"),
            &o
        ),
        "10.0.0.0/24 via 10.1.1.1 dev eth0 proto static metric 10 \n"
    );
    assert_eq!(
        render_route(&entry("route add blackhole 10.0.0.0/8"), &o),
        "blackhole 10.0.0.0/8 \n"
    );
    assert_eq!(
        render_route(&entry("route add default via 10.0.0.1 dev eth0"), &o),
        "default via 10.0.0.1 dev eth0 \n"
    );
    assert_eq!(
        render_route(&entry("route add 10.0.0.0/24 dev eth0"), &o),
        "10.0.0.0/24 dev eth0 scope link \n"
    );
    // host bits are cleared in the dump, /32 printed as a bare address
    assert_eq!(
        render_route(&entry("route add 10.1.2.3/8 dev eth0"), &o),
        "10.0.0.0/8 dev eth0 scope link \n"
    );
    assert_eq!(
        render_route(&entry("route add 10.0.0.2/32 dev eth0"), &o),
        "10.0.0.2 dev eth0 scope link \n"
    );
    assert_eq!(
        render_route(
            &entry("route add 10.0.0.2/32 encap seg6 mode encap segs fc00:12:100::6004 dev veth0"),
            &o
        ),
        "10.0.0.2  encap seg6 mode encap segs 1 [ fc00:12:100::6004 ] dev veth0 scope link \n"
    );
    assert_eq!(
        render_route(
            &entry(
                "route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 2 nexthop via 10.1.1.2 dev eth1"
            ),
            &o
        ),
        "10.0.0.0/8 \n\tnexthop via 10.1.1.1 dev eth0 weight 2 \n\tnexthop via 10.1.1.2 dev eth1 weight 1 \n"
    );
    assert_eq!(
        render_route(
            &entry("route add 10.0.0.0/8 encap mpls 100/200 ttl 10 via 10.1.1.1 dev eth0"),
            &o
        ),
        "10.0.0.0/8  encap mpls  100/200 ttl 10 via 10.1.1.1 dev eth0 \n"
    );
    assert_eq!(
        render_route(
            &entry("route add 10.1.0.0/16 encap ip id 100 dst 172.16.0.2 key dev vxlan0"),
            &o
        ),
        "10.1.0.0/16  encap ip id 100 src 0.0.0.0 dst 172.16.0.2 ttl 0 tos 0 key dev vxlan0 scope link \n"
    );
    assert_eq!(
        render_route(
            &entry("route add 10.9.0.0/16 via inet6 fe80::1 dev eth0"),
            &o
        ),
        "10.9.0.0/16 via inet6 fe80::1 dev eth0 \n"
    );
}

#[test]
fn table_column() {
    let e = entry("route add 10.0.0.0/8 dev eth0 table 90");
    // the default `route show` selects table main, which hides the column
    assert_eq!(
        render_route(&e, &opts()),
        "10.0.0.0/8 dev eth0 scope link \n"
    );
    let all = RouteFilter {
        table: Some(TableSel::All),
        ..Default::default()
    };
    assert_eq!(
        render_routes(std::slice::from_ref(&e), &opts(), &all),
        "10.0.0.0/8 dev eth0 table 90 scope link \n"
    );
    let d = Options {
        details: true,
        ..opts()
    };
    let main = entry("route add 10.0.0.0/8 dev eth0");
    assert_eq!(
        render_routes(&[main], &d, &all),
        "unicast 10.0.0.0/8 dev eth0 table main proto boot scope link \n"
    );
}

#[test]
fn ipv6_and_srv6_routes() {
    let o = opts();
    assert_eq!(
        render_route(&entry("-6 route add fc00::/16 dev eth0"), &o),
        "fc00::/16 dev eth0 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry(
                "-6 route add fc00:21:100::6004/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100"
            ),
            &o
        ),
        "fc00:21:100::6004  encap seg6local action End.DT4 vrftable 100 dev vrf-100 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry(
                "-6 route add cafe::2/128 encap seg6 mode inline segs fcff:3::e,fcff:4::ef1,fcff:2::ef1 dev dum0"
            ),
            &o
        ),
        "cafe::2  encap seg6 mode inline segs 4 [ fcff:3::e fcff:4::ef1 fcff:2::ef1 :: ] dev dum0 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry(
                "-6 route add cafe::2/128 encap seg6 mode encap.red segs fcff:3::e,fcff:2::d46 hmac 31 dev vrf-100"
            ),
            &o
        ),
        "cafe::2  encap seg6 mode encap.red segs 2 [ fcff:3::e fcff:2::d46 ] hmac 1F dev vrf-100 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry(
                "-6 route add fcbb:0:0100::/48 table 90 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0"
            ),
            &o
        ),
        "fcbb:0:100::/48  encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry(
                "-6 route add fc00::b6/128 encap seg6local action End.B6 srh segs fc00::1,fc00::2 dev eth0"
            ),
            &o
        ),
        "fc00::b6  encap seg6local action End.B6 segs 3 [ fc00::1 fc00::2 :: ] dev eth0 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry("-6 route add fc00::6/128 encap seg6local action End.DT6 table 254 dev eth0"),
            &o
        ),
        "fc00::6  encap seg6local action End.DT6 table main dev eth0 metric 1024 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry("-6 route add unreachable default metric 4278198272 dev lo"),
            &o
        ),
        "unreachable default dev lo metric 4278198272 pref medium\n"
    );
    assert_eq!(
        render_route(
            &entry("-6 route add 2001:db8::/32 dev eth0 mtu lock 1400 pref high"),
            &o
        ),
        "2001:db8::/32 dev eth0 metric 1024 mtu lock 1400 pref high\n"
    );
}

#[test]
fn seg6local_counters_need_dash_s() {
    let mut e = entry("-6 route add fc00::1/128 encap seg6local action End count dev dum0");
    e.nexthops[0].counters = Some(Seg6LocalCounters {
        packets: 10,
        bytes: 1000,
        errors: 1,
    });
    assert_eq!(
        render_route(&e, &opts()),
        "fc00::1  encap seg6local action End dev dum0 metric 1024 pref medium\n"
    );
    let s = Options { stats: 1, ..opts() };
    assert_eq!(
        render_route(&e, &s),
        "fc00::1  encap seg6local action End packets 10 bytes 1000 errors 1 dev dum0 metric 1024 pref medium\n"
    );
    let j = route_json(
        &e,
        &Options {
            json: true,
            stats: 1,
            ..opts()
        },
    );
    assert_eq!(
        j.to_string(),
        r#"{"dst":"fc00::1","encap":{"encap_type":"seg6local","action":"End","stats64":{"packets":10,"bytes":1000,"errors":1}},"dev":"dum0","metric":1024,"flags":[],"pref":"medium"}"#
    );
}

#[test]
fn route_json_fields() {
    let j = |l: &str| {
        route_json(
            &entry(l),
            &Options {
                json: true,
                ..opts()
            },
        )
        .to_string()
    };
    assert_eq!(
        j("route add 10.0.0.0/24 via 10.1.1.1 dev eth0 proto static metric 10"),
        r#"{"dst":"10.0.0.0/24","gateway":"10.1.1.1","dev":"eth0","protocol":"static","metric":10,"flags":[]}"#
    );
    assert_eq!(
        j("route add blackhole 10.0.0.0/8"),
        r#"{"type":"blackhole","dst":"10.0.0.0/8","flags":[]}"#
    );
    assert_eq!(
        j("route add 10.0.0.2/32 encap seg6 mode encap segs fc00:12:100::6004 dev veth0"),
        r#"{"dst":"10.0.0.2","encap":{"encap_type":"seg6","mode":"encap","segs":["fc00:12:100::6004"]},"dev":"veth0","scope":"link","flags":[]}"#
    );
    assert_eq!(
        j("-6 route add fc00::1/128 encap seg6local action End.DT46 vrftable 100 dev vrf-100"),
        r#"{"dst":"fc00::1","encap":{"encap_type":"seg6local","action":"End.DT46","vrftable":"100"},"dev":"vrf-100","metric":1024,"flags":[],"pref":"medium"}"#
    );
    assert_eq!(
        j(
            "-6 route add fcbb::/48 encap seg6local action End.X nh6 fc00::9 flavors next-csid,psp lblen 32 nflen 16 dev dum0"
        ),
        r#"{"dst":"fcbb::/48","encap":{"encap_type":"seg6local","action":"End.X","nh6":"fc00::9","flavors":["psp","next-csid"],"lblen":32,"nflen":16},"dev":"dum0","metric":1024,"flags":[],"pref":"medium"}"#
    );
    assert_eq!(
        j(
            "route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 onlink nexthop via 10.1.1.2 dev eth1"
        ),
        r#"{"dst":"10.0.0.0/8","flags":[],"nexthops":[{"gateway":"10.1.1.1","dev":"eth0","weight":1,"flags":["onlink"]},{"gateway":"10.1.1.2","dev":"eth1","weight":1,"flags":[]}]}"#
    );
    assert_eq!(
        j("route add 192.0.2.0/24 dev xfrm0 encap xfrm if_id 7 link_dev eth0"),
        r#"{"dst":"192.0.2.0/24","encap":{"encap_type":"xfrm","if_id":7,"link_dev":"eth0"},"dev":"xfrm0","scope":"link","flags":[]}"#
    );
    let list = render_routes(
        &[entry("route add blackhole 10.0.0.0/8")],
        &Options {
            json: true,
            ..opts()
        },
        &RouteFilter::default(),
    );
    assert_eq!(
        list,
        "[{\"type\":\"blackhole\",\"dst\":\"10.0.0.0/8\",\"flags\":[]}]\n"
    );
}

fn vrf_link() -> LinkEntry {
    LinkEntry {
        ifindex: 3,
        name: "vrf-100".into(),
        kind: "vrf".into(),
        kind_info: Some(LinkKind::Vrf { table: 100 }),
        mtu: 65575,
        mac: Some(Mac([2, 0, 0, 0, 0, 1])),
        up: true,
        carrier: true,
        ..Default::default()
    }
}

fn veth_link() -> LinkEntry {
    LinkEntry {
        ifindex: 4,
        name: "veth-t100".into(),
        kind: "port".into(),
        mtu: 1500,
        mac: Some(Mac([0x52, 0x54, 0, 0x12, 0x34, 0x56])),
        up: true,
        carrier: true,
        master: Some("vrf-100".into()),
        ..Default::default()
    }
}

#[test]
fn links() {
    assert_eq!(
        render_link(&vrf_link(), &opts()),
        "3: vrf-100: <NOARP,MASTER,UP,LOWER_UP> mtu 65575 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    );
    assert_eq!(
        render_link(&veth_link(), &opts()),
        "4: veth-t100: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master vrf-100 state UP mode DEFAULT group default qlen 1000\n    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n"
    );
    let dummy = LinkEntry {
        ifindex: 5,
        name: "dum0".into(),
        kind: "dummy".into(),
        mac: Some(Mac([2; 6])),
        ..Default::default()
    };
    assert_eq!(
        render_link(&dummy, &opts()),
        "5: dum0: <BROADCAST,NOARP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n    link/ether 02:02:02:02:02:02 brd ff:ff:ff:ff:ff:ff\n"
    );
    let xfrm = LinkEntry {
        ifindex: 6,
        name: "xfrm0".into(),
        kind: "xfrm".into(),
        up: true,
        carrier: true,
        txqlen: 0,
        ..Default::default()
    };
    assert_eq!(
        render_link(&xfrm, &opts()),
        "6: xfrm0: <NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default \n    link/none \n"
    );
    assert_eq!(
        link_json(&veth_link(), &opts()).to_string(),
        r#"{"ifindex":4,"ifname":"veth-t100","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"vrf-100","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"52:54:00:12:34:56","broadcast":"ff:ff:ff:ff:ff:ff"}"#
    );
}

#[test]
fn link_stats() {
    let mut l = veth_link();
    l.stats = Some(LinkStats {
        rx_bytes: 1234,
        rx_packets: 12,
        tx_bytes: 99,
        tx_packets: 1,
        ..Default::default()
    });
    let s = render_link(&l, &Options { stats: 1, ..opts() });
    assert!(s.ends_with(
        "brd ff:ff:ff:ff:ff:ff\n    RX:  bytes packets errors dropped  missed   mcast           \n          1234      12      0       0       0       0 \n    TX:  bytes packets errors dropped carrier collsns           \n            99       1      0       0       0       0 \n"
    ), "{s:?}");
}

#[test]
fn addresses() {
    let la = LinkAddrs {
        link: veth_link(),
        addrs: vec![
            AddrEntry {
                ifindex: 4,
                dev: "veth-t100".into(),
                prefix: IpPrefix::new("10.0.0.254".parse().unwrap(), 24),
                peer: None,
                broadcast: None,
                scope: 0,
                label: None,
                nodad: false,
                noprefixroute: false,
                permanent: true,
                tentative: false,
            },
            AddrEntry {
                ifindex: 4,
                dev: "veth-t100".into(),
                prefix: IpPrefix::new("cafe::254".parse().unwrap(), 64),
                peer: None,
                broadcast: None,
                scope: 0,
                label: None,
                nodad: true,
                noprefixroute: false,
                permanent: true,
                tentative: false,
            },
        ],
    };
    assert_eq!(
        render_link_addrs(&la, &opts()),
        "4: veth-t100: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master vrf-100 state UP group default qlen 1000\n    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n    inet 10.0.0.254/24 scope global veth-t100\n       valid_lft forever preferred_lft forever\n    inet6 cafe::254/64 scope global nodad \n       valid_lft forever preferred_lft forever\n"
    );
    let six = Options {
        family: Family::V6,
        ..opts()
    };
    assert!(!render_link_addrs(&la, &six).contains("inet 10."));
    assert_eq!(
        addr_json(&la.addrs[1]).to_string(),
        r#"{"family":"inet6","local":"cafe::254","prefixlen":64,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}"#
    );
    let j = render_addrs(
        std::slice::from_ref(&la),
        &Options {
            json: true,
            ..opts()
        },
    );
    assert!(j.starts_with("[{\"ifindex\":4,\"ifname\":\"veth-t100\""));
    assert!(j.contains("\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.254\",\"prefixlen\":24,\"scope\":\"global\",\"label\":\"veth-t100\""));
}

#[test]
fn neighbours() {
    let n = NeighEntry {
        addr: "10.0.0.1".parse().unwrap(),
        lladdr: Some(Mac([2, 0, 0, 0, 0, 1])),
        dev: "eth0".into(),
        state: NudState::Permanent,
        proxy: false,
        router: false,
    };
    assert_eq!(
        render_neigh(&n, &opts()),
        "10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT \n"
    );
    assert_eq!(
        neigh_json(&n).to_string(),
        r#"{"dst":"10.0.0.1","dev":"eth0","lladdr":"02:00:00:00:00:01","state":["PERMANENT"]}"#
    );
    let p = NeighEntry {
        addr: "cafe::2".parse().unwrap(),
        lladdr: None,
        dev: "veth-t100".into(),
        state: NudState::None,
        proxy: true,
        router: false,
    };
    assert_eq!(render_neigh(&p, &opts()), "cafe::2 dev veth-t100 proxy \n");
    assert_eq!(
        neigh_json(&p).to_string(),
        r#"{"dst":"cafe::2","dev":"veth-t100","proxy":null}"#
    );
}

fn rule_entry(line: &str, prio: u32) -> RuleEntry {
    match parse_line(line).unwrap().unwrap().cmd {
        Command::Rule(RuleCmd::Modify { spec, .. }) => RuleEntry {
            priority: spec.priority.unwrap_or(prio),
            spec,
            iif_detached: false,
            oif_detached: false,
        },
        c => panic!("{c:?}"),
    }
}

#[test]
fn rules() {
    let o = opts();
    assert_eq!(
        render_rule(
            &rule_entry("-6 rule add to fc00::/16 lookup 90 prio 999", 0),
            &o
        ),
        "999:\tfrom all to fc00::/16 lookup 90\n"
    );
    assert_eq!(
        render_rule(&rule_entry("rule add l3mdev pref 1000", 0), &o),
        "1000:\tfrom all lookup [l3mdev-table]\n"
    );
    assert_eq!(
        render_rule(&rule_entry("rule add lookup main pref 32766", 0), &o),
        "32766:\tfrom all lookup main\n"
    );
    assert_eq!(
        render_rule(&rule_entry("rule add lookup local pref 0", 0), &o),
        "0:\tfrom all lookup local\n"
    );
    assert_eq!(
        render_rule(
            &rule_entry(
                "rule add not from 10.0.0.0/8 to 10.1.1.1 fwmark 0x10/0xff iif eth0 lookup 100 pref 5",
                0
            ),
            &o
        ),
        "5:\tnot from 10.0.0.0/8 to 10.1.1.1 fwmark 0x10/0xff iif eth0 lookup 100\n"
    );
    assert_eq!(
        render_rule(
            &rule_entry("rule add from 10.0.0.1 blackhole pref 7", 0),
            &o
        ),
        "7:\tfrom 10.0.0.1 blackhole\n"
    );
    assert_eq!(
        render_rule(&rule_entry("rule add goto 100 pref 8", 0), &o),
        "8:\tfrom all goto 100\n"
    );
    assert_eq!(
        render_rule(&rule_entry("rule add tun_id 42 lookup 7 pref 9", 0), &o),
        "9:\tfrom all tun_id 42 lookup 7\n"
    );
    assert_eq!(
        rule_json(
            &rule_entry("-6 rule add to fc00::/16 lookup 90 prio 999", 0),
            &o
        )
        .to_string(),
        r#"{"priority":999,"src":"all","dst":"fc00::","dstlen":16,"table":"90"}"#
    );
    assert_eq!(
        rule_json(&rule_entry("rule add l3mdev pref 1000", 0), &o).to_string(),
        r#"{"priority":1000,"src":"all","l3mdev":null}"#
    );
}

#[test]
fn sr_show() {
    assert_eq!(
        render_tunsrc(&"fc00::1".parse().unwrap(), &opts()),
        "tunsrc addr fc00::1\n"
    );
    let k = HmacEntry {
        keyid: 7,
        algo: HmacAlgo::Sha256,
        secret: "s3cret".into(),
    };
    assert_eq!(
        render_hmac_keys(&[k], &opts()),
        "hmac 7 algo sha256 secret \"s3cret\"\n"
    );
}
