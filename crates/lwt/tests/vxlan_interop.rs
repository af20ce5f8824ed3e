//! Live interoperation with the kernel's VXLAN devices: a kernel host behind a kernel
//! VTEP, and a kernel host behind an lwt VTEP (`lwt daemon` in its namespace), pinging
//! each other through a VXLAN tunnel between the two VTEPs.
//!
//! ```text
//!  ha ── h0 [kv: kernel, vxlan0 external / vx1 classic] u0 ══ u0 [lw: lwt daemon] h0 ── hb
//!  10.1.0.10      10.100.0.1  10.101.0.1      192.168.0.1 ══ 192.168.0.2  10.100.0.2   10.2.0.10
//!                 fc00:100::1                 fd00::1        fd00::2      fc00:100::2
//! ```
//!
//! * Flow-based, both ways: the kernel's routes `encap ip id 100 dst 192.168.0.2 ... dev
//!   vxlan0` reach lwt's external `vx0`, and lwt's `encap ip id 100 dst 192.168.0.1 ...
//!   dev vx0` reach the kernel. IPv4 between the VTEPs (`encap ip`) and IPv6 (`encap ip6
//!   ... csum`: both sides refuse zero UDP checksums over IPv6, as the kernel does
//!   without `udp6zerocsumrx`). The inner ARP crosses the tunnel with the routes'
//!   metadata and is answered with reply metadata, on both sides.
//! * IPv6 between the hosts over the flow-based tunnel (static neighbours on the VXLAN
//!   devices: the kernel's NDP does not carry tunnel metadata).
//! * Classic devices (`id 42 remote ... local ... dstport 4790`) both ways, IPv4 and IPv6
//!   (NDP across the tunnel).

use std::path::Path;
use std::sync::Mutex;

use lwt_testkit::frames::mac;
use lwt_testkit::kernel::apply_lines;
use lwt_testkit::{LwtDaemon, Netns, ping, root_or_skip, veth};

const LWT: &str = env!("CARGO_BIN_EXE_lwt");

/// One lab at a time: the pings have 2 s to succeed on two shared cores.
static SERIAL: Mutex<()> = Mutex::new(());

/// The kernel VTEP's and lwt's VXLAN device MACs (needed by the static IPv6 neighbours).
const KV_VX0: &str = "02:00:00:00:0f:01";
const LW_VX0: &str = "02:00:00:00:0f:02";

/// Namespaces and the daemon; the daemon is declared first so it stops (and gives its
/// interfaces back) before the namespaces go.
struct Lab {
    daemon: Option<LwtDaemon>,
    ha: Netns,
    kv: Netns,
    /// The lwt VTEP's namespace: kept until the lab goes.
    _lw: Netns,
    hb: Netns,
}

fn host(ns: &Netns, v4: &str, gw4: &str, v6: &str, gw6: &str) {
    apply_lines(
        ns,
        &[
            &format!("addr add {v4}/24 dev eth0"),
            &format!("addr add {v6}/64 dev eth0 nodad"),
            &format!("route add default via {gw4}"),
            &format!("-6 route add default via {gw6}"),
        ],
    )
    .unwrap();
}

impl Lab {
    /// `underlay6`: the VTEPs talk over IPv6 (`encap ip6`).
    fn new(underlay6: bool) -> Lab {
        let ha = Netns::new("ha").unwrap();
        let kv = Netns::new("kv").unwrap();
        let lw = Netns::new("lw").unwrap();
        let hb = Netns::new("hb").unwrap();
        for ns in [&ha, &kv, &hb] {
            ns.sysctl("net.ipv6.conf.all.accept_dad", "0").unwrap();
            ns.sysctl("net.ipv6.conf.default.accept_dad", "0").unwrap();
        }
        veth(
            &ha,
            "eth0",
            mac("02:00:00:00:0a:10"),
            &kv,
            "h0",
            mac("02:00:00:00:0a:01"),
        )
        .unwrap();
        veth(
            &kv,
            "u0",
            mac("02:00:00:00:0e:01"),
            &lw,
            "u0",
            mac("02:00:00:00:0e:02"),
        )
        .unwrap();
        veth(
            &lw,
            "h0",
            mac("02:00:00:00:0b:01"),
            &hb,
            "eth0",
            mac("02:00:00:00:0b:10"),
        )
        .unwrap();
        host(
            &ha,
            "10.1.0.10",
            "10.1.0.1",
            "2001:db8:a::10",
            "2001:db8:a::1",
        );
        host(
            &hb,
            "10.2.0.10",
            "10.2.0.1",
            "2001:db8:b::10",
            "2001:db8:b::1",
        );

        let (fam, peer_of_kv, peer_of_lw, csum) = if underlay6 {
            ("ip6", "fd00::2", "fd00::1", " csum")
        } else {
            ("ip", "192.168.0.2", "192.168.0.1", "")
        };
        // The same lines configure both VTEPs, apart from their own addresses: lwt speaks
        // iproute2 (plus `type port` for its interfaces).
        let vtep = |me: u8, peer: &str, host_net: &str, far_net: &str, far6: &str| -> Vec<String> {
            let other = 3 - me;
            vec![
                "sysctl -w net.ipv4.ip_forward=1".into(),
                "sysctl -w net.ipv6.conf.all.forwarding=1".into(),
                format!("addr add 192.168.0.{me}/24 dev u0"),
                format!("addr add fd00::{me}/64 dev u0 nodad"),
                format!("addr add {host_net}.1/24 dev h0"),
                format!(
                    "addr add 2001:db8:{}::1/64 dev h0 nodad",
                    if me == 1 { "a" } else { "b" }
                ),
                format!(
                    "link add vx0 address {} type vxlan external dstport 4789",
                    if me == 1 { KV_VX0 } else { LW_VX0 }
                ),
                "link set vx0 up".into(),
                format!("addr add 10.100.0.{me}/24 dev vx0"),
                format!("addr add fc00:100::{me}/64 dev vx0 nodad"),
                format!(
                    "neigh add fc00:100::{other} lladdr {} dev vx0",
                    if me == 1 { LW_VX0 } else { KV_VX0 }
                ),
                format!(
                    "route add {far_net}.0/24 encap {fam} id 100 dst {peer}{csum} via 10.100.0.{other} dev vx0"
                ),
                format!(
                    "route add 10.100.0.{other}/32 encap {fam} id 100 dst {peer}{csum} dev vx0"
                ),
                format!(
                    "-6 route add {far6}/64 encap {fam} id 100 dst {peer}{csum} via fc00:100::{other} dev vx0"
                ),
                format!(
                    "link add vx1 type vxlan id 42 remote 192.168.0.{other} local 192.168.0.{me} dstport 4790"
                ),
                "link set vx1 up".into(),
                format!("addr add 10.101.0.{me}/24 dev vx1"),
                format!("addr add fc00:101::{me}/64 dev vx1 nodad"),
            ]
        };
        let kv_lines = vtep(1, peer_of_kv, "10.1.0", "10.2.0", "2001:db8:b::");
        let refs: Vec<&str> = kv_lines.iter().map(String::as_str).collect();
        apply_lines(&kv, &refs).unwrap_or_else(|e| panic!("kernel VTEP: {e}"));

        let mut text = String::from(
            "link add u0 type port\nlink add h0 type port\nlink set u0 up\nlink set h0 up\n",
        );
        for l in vtep(2, peer_of_lw, "10.2.0", "10.1.0", "2001:db8:a::") {
            text.push_str(&l);
            text.push('\n');
        }
        let daemon = LwtDaemon::start(&lw, Path::new(LWT), &text)
            .unwrap_or_else(|e| panic!("lwt VTEP: {e}\n--- config ---\n{text}"));
        Lab {
            daemon: Some(daemon),
            ha,
            kv,
            _lw: lw,
            hb,
        }
    }

    /// `ping` with up to three tries (the first one also resolves neighbours across the
    /// tunnel on both sides).
    fn ping(&self, from: &Netns, addr: &str) -> bool {
        (0..3).any(|_| ping(from, addr, 2))
    }

    fn stats(&self) -> String {
        self.daemon
            .as_ref()
            .and_then(|d| d.cmd(&["stats"]).ok())
            .unwrap_or_default()
    }
}

/// Prints a selftest-style line; collects failures.
fn check(failed: &mut Vec<String>, what: &str, ok: bool) {
    let line = format!("TEST: {what:<60} [{}]", if ok { " OK " } else { "FAIL" });
    println!("{line}");
    if !ok {
        failed.push(line);
    }
}

fn run(underlay6: bool) {
    if !root_or_skip() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let lab = Lab::new(underlay6);
    let u = if underlay6 { "IPv6" } else { "IPv4" };
    let mut failed = Vec::new();
    let checks: [(String, &Netns, &str); 7] = [
        (
            format!("external, {u} underlay: kernel host -> lwt host"),
            &lab.ha,
            "10.2.0.10",
        ),
        (
            format!("external, {u} underlay: lwt host -> kernel host"),
            &lab.hb,
            "10.1.0.10",
        ),
        (
            format!("external, {u} underlay: kernel VTEP -> lwt VTEP"),
            &lab.kv,
            "10.100.0.2",
        ),
        (
            format!("external, {u} underlay: IPv6 hosts, a -> b"),
            &lab.ha,
            "2001:db8:b::10",
        ),
        (
            format!("external, {u} underlay: IPv6 hosts, b -> a"),
            &lab.hb,
            "2001:db8:a::10",
        ),
        (
            "classic: kernel VTEP -> lwt VTEP (IPv4)".into(),
            &lab.kv,
            "10.101.0.2",
        ),
        (
            "classic: kernel VTEP -> lwt VTEP (IPv6, NDP across)".into(),
            &lab.kv,
            "fc00:101::2",
        ),
    ];
    for (what, from, addr) in checks {
        let ok = lab.ping(from, addr);
        check(&mut failed, &what, ok);
    }
    if !failed.is_empty() {
        panic!(
            "{} check(s) failed:\n{}\n--- lwt stats ---\n{}\n--- kernel VTEP ---\n{}",
            failed.len(),
            failed.join("\n"),
            lab.stats(),
            lab.kv.ip("-s -d link show").unwrap_or_default()
        );
    }
    println!("{}", lab.stats());
}

#[test]
fn interop_ipv4_underlay() {
    run(false);
}

#[test]
fn interop_ipv6_underlay() {
    run(true);
}
