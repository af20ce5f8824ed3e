#[test]
fn smoke() {
    for l in [
        "ip -4 route add 10.0.0.2/32 vrf vrf-100 encap seg6 mode encap segs fc00:12:100::6004 dev veth0",
        "ip -6 route add fc00:12:100::6004/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100",
        "ip -6 rule add to fc00::/16 lookup 90 prio 999",
        "rule add to fc00::/16 lookup 90 prio 999",
        "ip -6 neigh add proxy cafe::2 dev veth-t100",
        "ip link add vrf-100 type vrf table 100",
        "ip link set veth-t100 master vrf-100",
        "ip -6 addr add cafe::254/64 dev veth-t100 nodad",
        "ip -6 route add unreachable default metric 4278198272 vrf vrf-100",
        "ip -6 route add fcbb:0:0100::/48 table 90 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev dum0",
        "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 2 nexthop via 10.1.1.2 dev eth1",
        "ip r a blackhole 10.0.0.0/8",
        "sysctl -w net.vrf.strict_mode=1",
        "ip sr tunsrc set fc00::1",
    ] {
        let r = lwt_config::parse_line(l);
        println!("{l}\n  => {r:?}");
        assert!(r.is_ok(), "{l}");
    }
    for l in [
        "ip -6 route add dead:beaf::/32 table 91 encap seg6local action End flavors next-csid nflen 16 lblen 32 dev dum0",
        "ip -4 route add fc00::/16 dev eth0",
        "ip route add xyz dev eth0",
        "ip route add 10.0.0.0/8 encap seg6 mode foo segs fc00::1 dev eth0",
    ] {
        let r = lwt_config::parse_line(l);
        println!("{l}\n  => {}", r.unwrap_err());
    }
}
