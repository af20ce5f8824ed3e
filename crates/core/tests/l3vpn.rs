//! The kernel's SRv6 L3VPN selftests (spec §6.1–6.4) replayed through lwt routers:
//! srv6_end_dt4_l3vpn, srv6_end_dt6_l3vpn, srv6_end_dt46_l3vpn and srv6_hencap_red_l3vpn,
//! with the same addresses, SIDs, VRFs and checks. Hosts are modelled by the frames they
//! would send (echo requests and replies to the router's MAC); a ping succeeds when the
//! request reaches the target host's port and the reply reaches the sender's.
//!
//! The kernel on this machine has no VRF devices, so these run in-process; the
//! differential tests (crates/lwt/tests) cover what the kernel can run.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::{Delivered, Sim};
use lwt_testkit::frames::{Ipv4, Ipv6, Mac, arp_request, ethernet_ip};

/// A host: its MAC, addresses, and the router port it hangs off.
#[derive(Clone)]
struct Host {
    name: String,
    mac: Mac,
    v4: Ipv4Addr,
    v6: Ipv6Addr,
    router: String,
    port: String,
}

fn host_mac(i: u8) -> Mac {
    Mac([0x02, 0, 0, 0, 0x0a, i])
}

fn router_mac(x: u8, port: u8) -> String {
    format!("02:00:00:0{x}:{port:02x}:00")
}

/// Echo request or reply between two addresses of one family.
fn echo(src: IpAddr, dst: IpAddr, reply: bool) -> Vec<u8> {
    let body = [0u8, 7, 0, 1, b'l', b'w', b't', b'!'];
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Ipv4::new(s, d).icmp(if reply { 0 } else { 8 }, 0, &body),
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            Ipv6::new(s, d).icmpv6(if reply { 129 } else { 128 }, 0, &body)
        }
        _ => panic!("mixed families"),
    }
}

fn ip_dst(frame: &[u8]) -> Option<IpAddr> {
    match u16::from_be_bytes([frame[12], frame[13]]) {
        0x0800 => Some(IpAddr::V4(Ipv4Addr::new(
            frame[30], frame[31], frame[32], frame[33],
        ))),
        0x86dd => {
            let b: [u8; 16] = frame[38..54].try_into().ok()?;
            Some(IpAddr::V6(b.into()))
        }
        _ => None,
    }
}

/// Does a frame from `h`'s point of view arrive at it: on its port, to its MAC, for `dst`?
fn arrives(out: &[Delivered], h: &Host, dst: IpAddr) -> bool {
    out.iter().any(|d| {
        d.router == h.router
            && d.port == h.port
            && d.frame[..6] == h.mac.0
            && ip_dst(&d.frame) == Some(dst)
    })
}

fn host_addr(h: &Host, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(h.v6)
    } else {
        IpAddr::V4(h.v4)
    }
}

/// `ping -c 1` from `from` to `to` (a host, or a router address when `to` is None).
fn ping(sim: &mut Sim, from: &Host, to: IpAddr, target: Option<&Host>) -> bool {
    let src = if to.is_ipv6() {
        IpAddr::V6(from.v6)
    } else {
        IpAddr::V4(from.v4)
    };
    let gw = Mac(sim.mac(&from.router, &from.port));
    let out = sim.inject(
        &from.router,
        &from.port,
        ethernet_ip(from.mac, gw, &echo(src, to, false)),
    );
    let Some(t) = target else {
        // The router answers itself.
        return arrives(&out, from, src);
    };
    if !arrives(&out, t, to) {
        return false;
    }
    let tgw = Mac(sim.mac(&t.router, &t.port));
    let back = sim.inject(
        &t.router,
        &t.port,
        ethernet_ip(t.mac, tgw, &echo(to, src, true)),
    );
    arrives(&back, from, src)
}

/// The DT4/DT6/DT46 topology (§6.1–6.3): rt-1 —veth0— rt-2, tenants 100 and 200, hosts
/// 1 and 3 on rt-1, 2 and 4 on rt-2.
fn dt_topology(v4: bool, v6: bool, behaviour: &str, suffix: &str) -> (Sim, Vec<Host>) {
    let mut sim = Sim::new();
    let hosts: Vec<Host> = (1..=4u8)
        .map(|i| {
            let x = if i % 2 == 1 { 1 } else { 2 };
            let t = if i <= 2 { 100 } else { 200 };
            Host {
                name: format!("hs-t{t}-{i}"),
                mac: host_mac(i),
                v4: Ipv4Addr::new(10, 0, 0, i),
                v6: format!("cafe::{i}").parse().unwrap(),
                router: format!("rt-{x}"),
                port: format!("veth-t{t}"),
            }
        })
        .collect();
    for x in 1..=2u8 {
        let y = 3 - x;
        let mut c = vec![
            "sysctl -w net.vrf.strict_mode=1".to_string(),
            format!("link add veth0 address {} type port", router_mac(x, 0)),
            "link set veth0 up".into(),
            format!("addr add fd00::{x}/64 dev veth0"),
            format!("neigh add fd00::{y} lladdr {} dev veth0", router_mac(y, 0)),
            "-6 rule add to fc00::/16 lookup 90 prio 999".into(),
        ];
        for (k, t) in [(1u8, 100u32), (2, 200)] {
            let (h, d) = match (x, t) {
                (1, 100) => (1, 2),
                (2, 100) => (2, 1),
                (1, _) => (3, 4),
                _ => (4, 3),
            };
            let port = format!("veth-t{t}");
            let out_sid = format!("fc00:{h}{d}:{t}::{suffix}");
            let in_sid = format!("fc00:{d}{h}:{t}::{suffix}");
            c.extend([
                format!("link add vrf-{t} type vrf table {t}"),
                format!("link set vrf-{t} up"),
                format!("link add {port} address {} type port", router_mac(x, k)),
                format!("link set {port} master vrf-{t}"),
                format!("link set {port} up"),
                format!("-6 route add {out_sid}/128 vrf vrf-{t} via fd00::{y} dev veth0"),
                format!(
                    "-6 route add {in_sid}/128 table 90 encap seg6local action {behaviour} vrftable {t} dev vrf-{t}"
                ),
            ]);
            if v4 {
                c.extend([
                    format!("addr add 10.0.0.254/24 dev {port}"),
                    format!("sysctl -w net.ipv4.conf.{port}.proxy_arp=1"),
                    format!("neigh add 10.0.0.{h} lladdr {} dev {port}", host_mac(h)),
                    format!(
                        "-4 route add 10.0.0.{d}/32 vrf vrf-{t} encap seg6 mode encap segs {out_sid} dev veth0"
                    ),
                ]);
            }
            if v6 {
                c.extend([
                    format!("addr add cafe::254/64 dev {port} nodad"),
                    format!("sysctl -w net.ipv6.conf.{port}.proxy_ndp=1"),
                    format!("neigh add cafe::{h} lladdr {} dev {port}", host_mac(h)),
                    format!("-6 neigh add proxy cafe::{d} dev {port}"),
                    format!(
                        "-6 route add cafe::{d}/128 vrf vrf-{t} encap seg6 mode encap segs {out_sid} dev veth0"
                    ),
                ]);
            }
            if v4 && v6 {
                c.extend([
                    format!("-4 route add unreachable default metric 4278198272 vrf vrf-{t}"),
                    format!("-6 route add unreachable default metric 4278198272 vrf vrf-{t}"),
                ]);
            }
        }
        sim.router(&format!("rt-{x}"), &c.join("\n"));
    }
    sim.wire(("rt-1", "veth0"), ("rt-2", "veth0"));
    (sim, hosts)
}

/// rt-2 → fd00::1 and rt-1 → fd00::2 over veth0.
fn routers_ping_each_other(sim: &mut Sim) {
    for (x, y) in [(1u8, 2u8), (2, 1)] {
        let sender = Host {
            name: format!("rt-{y}"),
            mac: Mac(sim.mac(&format!("rt-{y}"), "veth0")),
            v4: Ipv4Addr::UNSPECIFIED,
            v6: format!("fd00::{y}").parse().unwrap(),
            router: format!("rt-{x}"),
            port: "veth0".into(),
        };
        let to: IpAddr = format!("fd00::{x}").parse().unwrap();
        assert!(ping(sim, &sender, to, None), "rt-{y} cannot ping rt-{x}");
    }
}

/// The checks of §6.1–6.3 for one family.
fn dt_checks(sim: &mut Sim, hosts: &[Host], v6: bool) {
    let gw: IpAddr = if v6 {
        "cafe::254".parse().unwrap()
    } else {
        "10.0.0.254".parse().unwrap()
    };
    for h in hosts {
        assert!(
            ping(sim, h, gw, None),
            "{} cannot ping its gateway {gw}",
            h.name
        );
    }
    for (a, b) in [(0, 1), (1, 0), (2, 3), (3, 2)] {
        let (s, t) = (&hosts[a], &hosts[b]);
        assert!(
            ping(sim, s, host_addr(t, v6), Some(t)),
            "{} cannot reach {} ({})",
            s.name,
            t.name,
            host_addr(t, v6)
        );
    }
    // Isolation: a tenant-100 host never reaches a tenant-200 host, nor the reverse.
    for (a, b) in [
        (0, 2),
        (0, 3),
        (1, 2),
        (1, 3),
        (2, 0),
        (2, 1),
        (3, 0),
        (3, 1),
    ] {
        let (s, t) = (&hosts[a], &hosts[b]);
        assert!(
            !ping(sim, s, host_addr(t, v6), Some(t)),
            "isolation broken: {} reached {}",
            s.name,
            t.name
        );
    }
}

#[test]
fn srv6_end_dt4_l3vpn() {
    let (mut sim, hosts) = dt_topology(true, false, "End.DT4", "6004");
    routers_ping_each_other(&mut sim);
    dt_checks(&mut sim, &hosts, false);
    // Proxy ARP answers for the remote tenant host, not for a foreign one on the same link.
    let gw = &hosts[0];
    let who = |sim: &mut Sim, ip: &str| {
        sim.inject(
            &gw.router,
            &gw.port,
            arp_request(gw.mac, gw.v4, ip.parse().unwrap()),
        )
        .iter()
        .any(|d| d.frame.len() >= 42 && d.frame[12..14] == [8, 6] && d.frame[21] == 2)
    };
    assert!(who(&mut sim, "10.0.0.2"), "proxy ARP for 10.0.0.2");
    assert!(
        !who(&mut sim, "10.0.0.3"),
        "proxy ARP must not answer for 10.0.0.3"
    );
    assert!(who(&mut sim, "10.0.0.254"), "ARP for the gateway");
}

#[test]
fn srv6_end_dt6_l3vpn() {
    let (mut sim, hosts) = dt_topology(false, true, "End.DT6", "6006");
    routers_ping_each_other(&mut sim);
    dt_checks(&mut sim, &hosts, true);
}

#[test]
fn srv6_end_dt46_l3vpn() {
    let (mut sim, hosts) = dt_topology(true, true, "End.DT46", "6046");
    routers_ping_each_other(&mut sim);
    dt_checks(&mut sim, &hosts, true);
    dt_checks(&mut sim, &hosts, false);
}

/// The SID counters count what the decapsulating SIDs processed (`count`-style, always on).
#[test]
fn dt4_sid_counters_and_drop_reasons() {
    let (mut sim, hosts) = dt_topology(true, false, "End.DT4", "6004");
    assert!(ping(
        &mut sim,
        &hosts[0],
        host_addr(&hosts[1], false),
        Some(&hosts[1])
    ));
    let rt2 = &sim.nodes[1];
    let ok: u64 = rt2.worker.stats.sids.iter().map(|s| s.ok.packets).sum();
    assert_eq!(ok, 1, "rt-2 decapsulated one packet");
    // A packet for the SID with an SRH whose SL > 0 is dropped and counted by reason.
    let sid: Ipv6Addr = "fc00:12:100::6004".parse().unwrap();
    let srh = lwt_testkit::frames::srh_for_path(4, &[sid, "fc00::99".parse().unwrap()]);
    let inner = Ipv4::new(hosts[0].v4, hosts[1].v4).udp(1, 2, b"x");
    let pkt = Ipv6::new("fd00::1".parse().unwrap(), sid).with_srh(&srh, &inner);
    let frame = ethernet_ip(
        Mac(sim.mac("rt-1", "veth0")),
        Mac(sim.mac("rt-2", "veth0")),
        &pkt,
    );
    assert!(
        sim.inject("rt-2", "veth0", frame).is_empty(),
        "nothing leaves rt-2"
    );
    let rt2 = &sim.nodes[1];
    let reasons: Vec<_> = rt2
        .worker
        .stats
        .sid_drops
        .iter()
        .map(|(_, r, n)| (r.name(), *n))
        .collect();
    assert_eq!(reasons, vec![("SL > 0 on a decap SID", 1)]);
}

/// §6.4: four routers in a full mesh, H.Encaps.Red policies through End SIDs, End.DT46
/// decapsulation into vrf-100.
#[test]
fn srv6_hencap_red_l3vpn() {
    let mut sim = Sim::new();
    let hosts: Vec<Host> = (1..=4u8)
        .map(|i| Host {
            name: format!("hs-{i}"),
            mac: host_mac(i),
            v4: Ipv4Addr::new(10, 0, 0, i),
            v6: format!("cafe::{i}").parse().unwrap(),
            router: format!("rt-{i}"),
            port: "veth-t100".into(),
        })
        .collect();
    let ifname = |x: u8, y: u8| format!("veth-rt-{x}-{y}");
    let net = |x: u8, y: u8| (x.min(y), x.max(y));
    let policies: [(u8, &str, &str); 6] = [
        (1, "cafe::2", "fcff:3::e,fcff:4::e,fcff:2::d46"),
        (1, "10.0.0.2", "fcff:2::d46"),
        (2, "cafe::1", "fcff:1::d46"),
        (2, "10.0.0.1", "fcff:4::e,fcff:3::e,fcff:1::d46"),
        (3, "cafe::4", "fcff:2::e,fcff:4::d46"),
        (4, "cafe::3", "fcff:1::e,fcff:3::d46"),
    ];
    for x in 1..=4u8 {
        let mut c = vec![
            "sysctl -w net.vrf.strict_mode=1".to_string(),
            "link add vrf-100 type vrf table 100".into(),
            "link set vrf-100 up".into(),
            format!(
                "link add veth-t100 address {} type port",
                router_mac(x, 0x64)
            ),
            "link set veth-t100 master vrf-100".into(),
            "link set veth-t100 up".into(),
            "addr add cafe::254/64 dev veth-t100 nodad".into(),
            "addr add 10.0.0.254/24 dev veth-t100".into(),
            "sysctl -w net.ipv6.conf.veth-t100.proxy_ndp=1".into(),
            "sysctl -w net.ipv4.conf.veth-t100.proxy_arp=1".into(),
            format!("neigh add cafe::{x} lladdr {} dev veth-t100", host_mac(x)),
            format!("neigh add 10.0.0.{x} lladdr {} dev veth-t100", host_mac(x)),
            "-6 rule add to fcff::/16 lookup 90 prio 999".into(),
            format!("-6 route add fcff:{x}::e/128 table 90 encap seg6local action End dev vrf-100"),
            format!(
                "-6 route add fcff:{x}::d46/128 table 90 encap seg6local action End.DT46 vrftable 100 dev vrf-100"
            ),
            "-4 route add unreachable default metric 4278198272 vrf vrf-100".into(),
            "-6 route add unreachable default metric 4278198272 vrf vrf-100".into(),
        ];
        for y in (1..=4u8).filter(|y| *y != x) {
            let (a, b) = net(x, y);
            let port = ifname(x, y);
            c.extend([
                format!("link add {port} address 02:00:00:{x:02x}:{y:02x}:00 type port"),
                format!("link set {port} up"),
                format!("addr add fcf0:0:{a}:{b}::{x}/64 dev {port} nodad"),
                format!(
                    "neigh add fcf0:0:{a}:{b}::{y} lladdr 02:00:00:{y:02x}:{x:02x}:00 dev {port}"
                ),
                format!("-6 route add fcff:{y}::/32 table 90 via fcf0:0:{a}:{b}::{y} dev {port}"),
            ]);
        }
        for (_, dst, segs) in policies.iter().filter(|p| p.0 == x) {
            let fam = if dst.contains(':') { "-6" } else { "-4" };
            c.push(format!(
                "{fam} route add {dst} vrf vrf-100 encap seg6 mode encap.red segs {segs} dev vrf-100"
            ));
            if fam == "-6" {
                c.push(format!("-6 neigh add proxy {dst} dev veth-t100"));
            }
        }
        sim.router(&format!("rt-{x}"), &c.join("\n"));
    }
    for x in 1..=4u8 {
        for y in (x + 1)..=4u8 {
            sim.wire(
                (&format!("rt-{x}"), &ifname(x, y)),
                (&format!("rt-{y}"), &ifname(y, x)),
            );
        }
    }
    // Router mesh: each router reaches its neighbours' link addresses.
    for x in 1..=4u8 {
        for y in (1..=4u8).filter(|y| *y != x) {
            let (a, b) = net(x, y);
            let me = Host {
                name: format!("rt-{y} (as sender)"),
                mac: Mac(sim.mac(&format!("rt-{y}"), &ifname(y, x))),
                v4: Ipv4Addr::UNSPECIFIED,
                v6: format!("fcf0:0:{a}:{b}::{y}").parse().unwrap(),
                router: format!("rt-{x}"),
                port: ifname(x, y),
            };
            let to: IpAddr = format!("fcf0:0:{a}:{b}::{x}").parse().unwrap();
            assert!(
                ping(&mut sim, &me, to, None),
                "rt-{y} cannot ping rt-{x} at {to}"
            );
        }
    }
    let gw6: IpAddr = "cafe::254".parse().unwrap();
    let gw4: IpAddr = "10.0.0.254".parse().unwrap();
    for h in &hosts {
        assert!(ping(&mut sim, h, gw6, None), "{} → gateway v6", h.name);
        assert!(ping(&mut sim, h, gw4, None), "{} → gateway v4", h.name);
    }
    let (h1, h2, h3, h4) = (&hosts[0], &hosts[1], &hosts[2], &hosts[3]);
    assert!(
        ping(&mut sim, h1, host_addr(h2, true), Some(h2)),
        "hs-1 → hs-2 v6"
    );
    assert!(
        ping(&mut sim, h2, host_addr(h1, true), Some(h1)),
        "hs-2 → hs-1 v6"
    );
    assert!(
        ping(&mut sim, h1, host_addr(h2, false), Some(h2)),
        "hs-1 → hs-2 v4"
    );
    assert!(
        ping(&mut sim, h2, host_addr(h1, false), Some(h1)),
        "hs-2 → hs-1 v4"
    );
    assert!(
        ping(&mut sim, h3, host_addr(h4, true), Some(h4)),
        "hs-3 → hs-4 v6"
    );
    assert!(
        ping(&mut sim, h4, host_addr(h3, true), Some(h3)),
        "hs-4 → hs-3 v6"
    );
    for (s, t) in [
        (h1, h3),
        (h1, h4),
        (h2, h3),
        (h2, h4),
        (h3, h1),
        (h3, h2),
        (h4, h1),
        (h4, h2),
    ] {
        for v6 in [true, false] {
            assert!(
                !ping(&mut sim, s, host_addr(t, v6), Some(t)),
                "isolation {} → {}",
                s.name,
                t.name
            );
        }
    }
    assert!(
        !ping(&mut sim, h2, host_addr(h4, false), Some(h4)),
        "extra IPv4 isolation 2 → 4"
    );
    // The reduced encapsulations on the wire leaving rt-1.
    let gw = Mac(sim.mac("rt-1", "veth-t100"));
    let first_hop = |sim: &mut Sim, pkt: Vec<u8>| -> Vec<u8> {
        let out = sim.inject("rt-1", "veth-t100", ethernet_ip(h1.mac, gw, &pkt));
        out.into_iter()
            .find(|d| d.router == "rt-1" && d.wired)
            .expect("rt-1 sent it on")
            .frame
    };
    // 10.0.0.2 → fcff:2::d46 alone: no SRH, next header 4, towards rt-2.
    let f = first_hop(&mut sim, echo(IpAddr::V4(h1.v4), IpAddr::V4(h2.v4), false));
    assert_eq!(f[20], 4, "IPv4 in IPv6 without SRH");
    assert_eq!(ip_dst(&f), Some("fcff:2::d46".parse().unwrap()));
    // cafe::2 → fcff:3::e, SRH [fcff:2::d46, fcff:4::e] with SL 2 and last entry 1.
    let f = first_hop(&mut sim, echo(IpAddr::V6(h1.v6), IpAddr::V6(h2.v6), false));
    assert_eq!(ip_dst(&f), Some("fcff:3::e".parse().unwrap()));
    assert_eq!(
        &f[54..58],
        &[41, 4, 4, 2],
        "SRH: nh 41, hdrlen 4, type 4, SL 2"
    );
    assert_eq!(f[58], 1, "last entry 1");
    let seg =
        |i: usize| Ipv6Addr::from(<[u8; 16]>::try_from(&f[62 + 16 * i..78 + 16 * i]).unwrap());
    assert_eq!(seg(0), "fcff:2::d46".parse::<Ipv6Addr>().unwrap());
    assert_eq!(seg(1), "fcff:4::e".parse::<Ipv6Addr>().unwrap());
}
