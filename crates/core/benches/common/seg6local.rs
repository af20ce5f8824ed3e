//! The seg6local benchmark's routers and frames (also driven by the
//! `profile_case` example): a big IPv6 table in main and a big IPv4 table in the
//! tenant VRF (table 100, strict mode), 1024 SIDs in the localsid table 90 reached by
//! `rule to fc00::/16 lookup 90 prio 999`, 4096 frames each to one of the SIDs and, after
//! the behaviour, to a random destination inside the big table. Every frame is checked
//! at setup to be *forwarded* on out0 (not replaced by a neighbour solicitation).

use std::net::{Ipv4Addr, Ipv6Addr};

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker, process};

use crate::common::Rng;

const SIDS: usize = 1024;

const BASE: &str = "\
sysctl -w net.vrf.strict_mode=1
link add in0 address 02:00:00:00:00:01 type port
link add out0 address 02:00:00:00:00:02 type port
link set in0 up
link set out0 up
link add dum0 type dummy
link set dum0 up
link add vrf-100 type vrf table 100
link set vrf-100 up
addr add fd00:1::1/64 dev in0
addr add fd00::1/64 dev out0
addr add 10.9.0.1/24 dev out0
neigh add fd00::2 lladdr 02:00:00:00:0c:02 dev out0
neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0
sr tunsrc set fd00::1
-6 rule add to fc00::/16 lookup 90 prio 999
-6 route add fc00::/16 via fd00::2 dev out0
route add 10.200.0.0/16 via 10.9.0.2 dev out0
";

/// `routes` IPv6 /48s in 2000::/4 via fd00::2, and as many IPv4 /24s in table 100 via 10.9.0.2
/// (a route leak to out0, as an L3VPN PE's VRF points at its CE).
fn tables(rng: &mut Rng, routes: usize) -> (String, Vec<u128>, Vec<u32>) {
    let mut s = String::new();
    let mut v6 = Vec::new();
    let mut v4 = Vec::new();
    for _ in 0..routes {
        let p = ((0x2u128 << 124) | (u128::from(rng.next()) << 60)) & (u128::MAX << 80);
        v6.push(p);
        s += &format!(
            "-6 route replace {}/48 via fd00::2 dev out0\n",
            Ipv6Addr::from(p)
        );
    }
    for _ in 0..routes {
        let p = ((rng.next() as u32) & 0x3fff_ff00) | 0x0100_0000;
        v4.push(p);
        s += &format!(
            "route replace {}/24 vrf vrf-100 via 10.9.0.2 dev out0\n",
            Ipv4Addr::from(p)
        );
    }
    (s, v6, v4)
}

fn sid(i: usize) -> Ipv6Addr {
    Ipv6Addr::new(0xfc00, 0, 1, 0, 0, 0, 0, i as u16)
}

fn eth(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0x0a, 1, 0x86, 0xdd];
    f.extend_from_slice(payload);
    f
}

fn ipv6(dst: Ipv6Addr, nh: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.push(nh);
    p.push(64);
    p.extend_from_slice(&"fd00:1::2".parse::<Ipv6Addr>().unwrap().octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(payload);
    p
}

fn ipv4(dst: u32) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2];
    p.extend_from_slice(&dst.to_be_bytes());
    let sum: u32 = p
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&[0x0f, 0xa0, 0x13, 0x88, 0, 26, 0, 0]);
    p.extend_from_slice(&[0u8; 18]);
    p
}

/// SRH with `segs` in visiting order, SL pointing at the first.
fn srh(nh: u8, segs: &[Ipv6Addr]) -> Vec<u8> {
    let n = segs.len();
    let mut h = vec![nh, (2 * n) as u8, 4, (n - 1) as u8, (n - 1) as u8, 0, 0, 0];
    for s in segs.iter().rev() {
        h.extend_from_slice(&s.octets());
    }
    h
}

pub struct Case {
    pub name: &'static str,
    pub dp: Dataplane,
    pub iif: u32,
    pub frames: Vec<Vec<u8>>,
}

/// Case `name`, when `want`ed.
fn build(
    want: &dyn Fn(&str) -> bool,
    name: &'static str,
    sid_route: &dyn Fn(usize) -> String,
    base: &str,
    frame: &dyn Fn(usize) -> Vec<u8>,
) -> Option<Case> {
    if !want(name) {
        return None;
    }
    let mut text = base.to_string();
    for i in 0..SIDS {
        text += &sid_route(i);
        text.push('\n');
    }
    let lines = lwt_config::parse_batch(&text).unwrap();
    let mut r = Router::new();
    r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd))
        .unwrap_or_else(|(i, e)| panic!("{name}: {}: {e}", lines[i].1));
    let iif = r.link_by_name("in0").unwrap().ifindex;
    let oif = r.link_by_name("out0").unwrap().ifindex;
    let dp = r.dataplane();
    let frames: Vec<Vec<u8>> = (0..4096).map(frame).collect();
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    for (i, f) in frames.iter().enumerate() {
        pkt.load(f, iif);
        let v = process(&dp, &mut w, &mut pkt);
        assert!(
            matches!(v, Verdict::Tx(o) if o == oif),
            "{name}: frame {i}: {v:?} {:02x?}",
            &f[f.len().saturating_sub(48)..]
        );
        // Forwarded, not replaced by a neighbour solicitation.
        let d = pkt.data();
        let et = u16::from_be_bytes([d[12], d[13]]);
        assert!(
            et != 0x0806 && !(et == 0x86dd && d[20] == 58),
            "{name}: frame {i} was not forwarded"
        );
    }
    Some(Case {
        name,
        dp,
        iif,
        frames,
    })
}

/// One case per behaviour whose name `want`s, each router with `routes`-prefix tables
/// (building one takes seconds at 100k routes, minutes under valgrind).
pub fn cases(routes: usize, want: &dyn Fn(&str) -> bool) -> Vec<Case> {
    let mut rng = Rng(0x5eb6);
    let (big, v6, v4) = tables(&mut rng, routes);
    let base = format!("{BASE}{big}");
    let d6 = |i: usize| Ipv6Addr::from(v6[(i * 7919) % routes] | 0x1234);
    let d4 = |i: usize| v4[(i * 7919) % routes] | 7;
    let inner6 = |i: usize| ipv6(d6(i), 17, &[0x0f, 0xa0, 0x13, 0x88, 0, 8, 0, 0]);
    let table = |b: &'static str| {
        move |i: usize| {
            format!(
                "-6 route add {}/128 table 90 encap seg6local action {b} dev dum0",
                sid(i)
            )
        }
    };
    let with_srh = move |i: usize, nh: u8, inner: &[u8]| {
        let s = sid(i % SIDS);
        eth(&ipv6(
            s,
            43,
            &[srh(nh, &[s, d6(i)]), inner.to_vec()].concat(),
        ))
    };
    let plain = move |i: usize, nh: u8, inner: &[u8]| eth(&ipv6(sid(i % SIDS), nh, inner));
    vec![
        build(want, "End", &table("End"), &base, &|i| with_srh(i, 59, &[])),
        build(want, "End.X", &table("End.X nh6 fd00::2"), &base, &|i| {
            with_srh(i, 59, &[])
        }),
        build(want, "End.T", &table("End.T table 254"), &base, &|i| {
            with_srh(i, 59, &[])
        }),
        build(want, "End.DX6", &table("End.DX6 nh6 fd00::2"), &base, &|i| {
            plain(i, 41, &inner6(i))
        }),
        build(want, "End.DX4", &table("End.DX4 nh4 10.200.0.1"), &base, &|i| {
            plain(i, 4, &ipv4(d4(i)))
        }),
        build(
            want,
            "End.DT6 (table)",
            &table("End.DT6 table 254"),
            &base,
            &|i| plain(i, 41, &inner6(i)),
        ),
        build(
            want,
            "End.DT4 (vrftable)",
            &|i| {
                format!(
                    "-6 route add {}/128 table 90 encap seg6local action End.DT4 vrftable 100 dev vrf-100",
                    sid(i)
                )
            },
            &base,
            &|i| plain(i, 4, &ipv4(d4(i))),
        ),
        build(
            want,
            "End.DT46 (IPv4 inner)",
            &|i| {
                format!(
                    "-6 route add {}/128 table 90 encap seg6local action End.DT46 vrftable 100 dev vrf-100",
                    sid(i)
                )
            },
            &base,
            &|i| plain(i, 4, &ipv4(d4(i))),
        ),
        build(
            want,
            "End.B6.Encaps",
            &table("End.B6.Encaps srh segs fc00:2::1,fc00:3::1"),
            &base,
            &|i| with_srh(i, 59, &[]),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}
