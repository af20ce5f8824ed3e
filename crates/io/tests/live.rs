//! Live ports against the kernel, in network namespaces (needs root; see
//! `lwt_testkit::root_or_skip`).
//!
//! Every test builds its own namespaces (`lwt-<pid>-<n>-io...`, deleted on drop, also when
//! the test panics, together with the veths and TAPs inside them). A port is opened from a
//! thread that entered the namespace (`Netns::enter`); its socket stays there.
//!
//! Test frames use the local-experimental EtherType 0x88b5 and carry a sequence number,
//! so the kernel's own background traffic (MLD, router solicitations) is told apart.
//!
//! The pps benchmark is an ignored test:
//! `cargo test -p lwt-io --release --test live -- --ignored --nocapture bench`.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use lwt_io::{AfPacketConfig, AfPacketPort, InterfaceClaim, Port, PortKind, TapPort, open_port};
use lwt_testkit::frames::Mac;
use lwt_testkit::rawsock::recv_until_quiet;
use lwt_testkit::{Netns, RawSocket, root_or_skip, veth};

const TEST_ETHERTYPE: [u8; 2] = [0x88, 0xb5];
const MAC_PORT: Mac = Mac([0x02, 0x10, 0, 0, 0, 1]);
const MAC_PEER: Mac = Mac([0x02, 0x10, 0, 0, 0, 2]);
/// A unicast MAC that is neither end's: only promiscuous reception sees it.
const MAC_OTHER: Mac = Mac([0x02, 0x10, 0, 0, 0, 0x99]);

/// Two namespaces joined by a veth: `p0` (for the port) in `port_ns`, `p1` in `peer_ns`.
struct Pair {
    port_ns: Netns,
    peer_ns: Netns,
}

fn pair(tag: &str) -> Pair {
    let port_ns = Netns::new(&format!("io{tag}")).unwrap();
    let peer_ns = Netns::new(&format!("io{tag}p")).unwrap();
    veth(&port_ns, "p0", MAC_PORT, &peer_ns, "p1", MAC_PEER).unwrap();
    Pair { port_ns, peer_ns }
}

fn open_af(ns: &Netns, ifname: &str, cfg: AfPacketConfig) -> AfPacketPort {
    let name = ifname.to_string();
    ns.enter(move || AfPacketPort::open(&name, &cfg))
        .unwrap()
        .unwrap()
}

/// A test frame: `len` bytes (≥ 20), optionally 802.1Q-tagged, with `seq` in the payload.
fn test_frame(dst: Mac, src: Mac, seq: u32, len: usize, vlan: Option<u16>) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    if let Some(tci) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&tci.to_be_bytes());
    }
    f.extend_from_slice(&TEST_ETHERTYPE);
    f.extend_from_slice(&seq.to_be_bytes());
    while f.len() < len {
        f.push((f.len() as u32 ^ seq) as u8);
    }
    f
}

fn is_test_frame(f: &[u8]) -> bool {
    f.len() >= 14
        && (f[12..14] == TEST_ETHERTYPE
            || (f[12..14] == [0x81, 0x00] && f.len() >= 18 && f[16..18] == TEST_ETHERTYPE))
}

/// The frames the port sends / the peer sends: sizes cycle from 60 to 1514 bytes, and
/// every 100th frame is VLAN-tagged (VID 100, PCP 5).
fn frames(n: u32, dst: Mac, src: Mac) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = 60 + (i as usize * 97) % (1514 - 60 + 1);
            let vlan = (i % 100 == 7).then_some((5 << 13) | 100);
            test_frame(dst, src, i, len, vlan)
        })
        .collect()
}

fn wait_readable(fd: RawFd, ms: i32) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one live pollfd.
    unsafe { libc::poll(&mut p, 1, ms) };
}

/// Receives from `port` in batches of `batch` until `want` test frames arrived or 10 s
/// passed; returns the test frames in order.
fn recv_test_frames(port: &mut dyn Port, want: usize, batch: usize) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.len() < want && Instant::now() < deadline {
        wait_readable(port.fd(), 50);
        let n = port
            .recv_batch(batch, &mut |f| {
                if is_test_frame(f) {
                    got.push(f.to_vec());
                }
            })
            .unwrap();
        assert!(n <= batch, "recv_batch returned {n} > max {batch}");
    }
    got
}

/// The test frames `sock` holds once nothing more arrived for `quiet`.
fn recv_all_test_frames(sock: &RawSocket, quiet: Duration) -> Vec<Vec<u8>> {
    let all = sock.recv_all(quiet).unwrap();
    all.into_iter().filter(|f| is_test_frame(f)).collect()
}

/// Sends every frame, flushing every `batch` frames and whenever the ring is full.
fn send_all(port: &mut dyn Port, frames: &[Vec<u8>], batch: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, f) in frames.iter().enumerate() {
        while !port.send(f) {
            port.flush().unwrap();
            assert!(Instant::now() < deadline, "TX ring stays full");
            std::thread::sleep(Duration::from_micros(50));
        }
        if (i + 1) % batch == 0 {
            port.flush().unwrap();
        }
    }
    port.flush().unwrap();
}

fn first_difference(want: &[Vec<u8>], got: &[Vec<u8>]) -> String {
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w != g {
            return format!("frame {i} differs:\n want {w:02x?}\n  got {g:02x?}");
        }
    }
    format!("counts differ: want {}, got {}", want.len(), got.len())
}

#[test]
fn afpacket_receives_frames_in_batches_with_vlan_tags_restored() {
    if !root_or_skip() {
        return;
    }
    let p = pair("rx");
    // A 4 MiB ring, and a sender paced every 100 frames: this test checks what arrives,
    // not how fast; on a loaded 2-CPU machine the default 1 MiB ring can overflow.
    let cfg = AfPacketConfig {
        block_count: 16,
        ..AfPacketConfig::default()
    };
    let mut port = open_af(&p.port_ns, "p0", cfg);
    let peer = RawSocket::open(&p.peer_ns, "p1").unwrap();
    // To another MAC than p0's: seen thanks to the socket's promiscuous membership.
    let want = frames(1000, MAC_OTHER, MAC_PEER);
    let got = std::thread::scope(|s| {
        let h = s.spawn(|| {
            for (i, f) in want.iter().enumerate() {
                peer.send(f).unwrap();
                if i % 100 == 99 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        let got = recv_test_frames(&mut port, want.len(), 32);
        h.join().unwrap();
        got
    });
    assert!(got == want, "{}", first_difference(&want, &got));
    assert!(want.iter().filter(|f| f[12] == 0x81).count() >= 10);
    let stats = port.stats();
    assert_eq!(stats.rx_ring_drops, 0, "{stats:?}");
    assert_eq!(stats.rx_truncated, 0, "{stats:?}");
}

#[test]
fn afpacket_transmits_frames_in_batches() {
    if !root_or_skip() {
        return;
    }
    let p = pair("tx");
    // A small ring so that 1000 frames wrap it several times.
    let cfg = AfPacketConfig {
        tx_frames: 64,
        ..AfPacketConfig::default()
    };
    let mut port = open_af(&p.port_ns, "p0", cfg);
    let peer = RawSocket::open(&p.peer_ns, "p1").unwrap();
    assert_eq!(port.max_tx_frame(), 2000);
    let want = frames(1000, MAC_PEER, MAC_PORT);
    send_all(&mut port, &want, 32);
    // The peer reads only now, after the ring was reused many times: frames queued on its
    // socket must not change when their TX slots are refilled.
    let got = recv_all_test_frames(&peer, Duration::from_millis(300));
    assert!(got == want, "{}", first_difference(&want, &got));
    // Too large for a slot: refused, counted, nothing sent.
    assert!(!port.send(&vec![0u8; 2001]));
    let stats = port.stats();
    assert_eq!(stats.tx_oversize, 1, "{stats:?}");
}

#[test]
fn afpacket_qdisc_bypass_and_fanout_options_work() {
    if !root_or_skip() {
        return;
    }
    let p = pair("opt");
    let cfg = AfPacketConfig {
        qdisc_bypass: true,
        fanout: Some(7),
        timeout_ms: 0,
        ..AfPacketConfig::default()
    };
    let mut a = open_af(&p.port_ns, "p0", cfg.clone());
    let mut b = open_af(&p.port_ns, "p0", cfg);
    let peer = RawSocket::open(&p.peer_ns, "p1").unwrap();
    let want = frames(50, MAC_PEER, MAC_PORT);
    send_all(&mut a, &want, 16);
    let got = recv_all_test_frames(&peer, Duration::from_millis(200));
    assert!(got == want, "{}", first_difference(&want, &got));
    // Fanout: the group's two sockets share what arrives; together they see each frame once.
    let back = frames(200, MAC_PORT, MAC_PEER);
    for f in &back {
        peer.send(f).unwrap();
    }
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.len() < back.len() && Instant::now() < deadline {
        for port in [&mut a, &mut b] {
            port.recv_batch(64, &mut |f| {
                if is_test_frame(f) {
                    seen.push(f.to_vec())
                }
            })
            .unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    seen.sort();
    let mut sorted = back.clone();
    sorted.sort();
    // (The ports' counters say, if this fails, whether the kernel dropped the frames.)
    assert!(
        seen == sorted,
        "fanout: {}; ports: {:?}, {:?}",
        first_difference(&sorted, &seen),
        a.stats(),
        b.stats()
    );
}

/// Full TCP/UDP checksum check over IPv4 (pseudo-header included).
fn udp4_checksum_ok(f: &[u8]) -> bool {
    let l3 = 14;
    let ihl = usize::from(f[l3] & 15) * 4;
    let total = usize::from(u16::from_be_bytes([f[l3 + 2], f[l3 + 3]]));
    let seg = &f[l3 + ihl..l3 + total];
    let mut words: Vec<u8> = f[l3 + 12..l3 + 20].to_vec();
    words.extend_from_slice(&[0, f[l3 + 9]]);
    words.extend_from_slice(&(seg.len() as u16).to_be_bytes());
    words.extend_from_slice(seg);
    if words.len() % 2 == 1 {
        words.push(0);
    }
    let mut acc: u32 = words
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc == 0xffff
}

#[test]
fn afpacket_completes_checksums_left_to_offload_by_a_veth_peer() {
    if !root_or_skip() {
        return;
    }
    let p = pair("csum");
    let mut port = open_af(&p.port_ns, "p0", AfPacketConfig::default());
    p.peer_ns.ip("addr add 10.1.0.2/24 dev p1").unwrap();
    p.peer_ns
        .ip(&format!("neigh add 10.1.0.1 lladdr {MAC_PORT} dev p1"))
        .unwrap();
    // The peer's kernel sends UDP with tx checksum offload on (the veth default).
    p.peer_ns
        .enter(|| {
            let s = UdpSocket::bind("10.1.0.2:0").unwrap();
            s.send_to(
                b"checksum me, please",
                SocketAddrV4::new(Ipv4Addr::new(10, 1, 0, 1), 9),
            )
            .unwrap();
        })
        .unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.is_empty() && Instant::now() < deadline {
        wait_readable(port.fd(), 50);
        port.recv_batch(16, &mut |f| {
            if f.len() > 23 && f[12..14] == [0x08, 0x00] && f[23] == 17 {
                got.push(f.to_vec());
            }
        })
        .unwrap();
    }
    assert_eq!(got.len(), 1, "the UDP datagram did not arrive");
    assert!(
        udp4_checksum_ok(&got[0]),
        "bad UDP checksum: {:02x?}",
        got[0]
    );
    assert_eq!(port.stats().rx_csum_fixed, 1);
}

#[test]
fn afpacket_is_up_follows_the_interface() {
    if !root_or_skip() {
        return;
    }
    let p = pair("up");
    let name = "p0".to_string();
    let port = p
        .port_ns
        .enter(move || open_port(PortKind::AfPacket, "lan0", &name))
        .unwrap()
        .unwrap();
    assert_eq!(port.name(), "lan0");
    // Asked from this thread, which is in another namespace: the socket's counts.
    assert!(port.is_up());
    p.port_ns.ip("link set p0 down").unwrap();
    assert!(!port.is_up());
    p.port_ns.ip("link set p0 up").unwrap();
    assert!(port.is_up());
    p.port_ns.ip("link del p0").unwrap();
    assert!(!port.is_up());
}

#[test]
fn tap_port_exchanges_frames_with_the_kernel_and_vanishes_on_drop() {
    if !root_or_skip() {
        return;
    }
    let ns = Netns::new("iotap").unwrap();
    let mut tap = ns.enter(|| TapPort::create("lwt-tap0")).unwrap().unwrap();
    assert_eq!(tap.ifname(), "lwt-tap0");
    assert!(tap.is_up());
    let link = ns.ip("-o link show dev lwt-tap0").unwrap();
    assert!(link.contains("UP"), "{link}");

    // Kernel → lwt: frames transmitted on the TAP by a raw socket, and the kernel's own
    // IPv6 traffic (MLD/DAD for a new address).
    let host = RawSocket::open(&ns, "lwt-tap0").unwrap();
    let want = frames(100, MAC_PORT, MAC_PEER);
    for f in &want {
        host.send(f).unwrap();
    }
    ns.ip("addr add 2001:db8::1/64 dev lwt-tap0").unwrap();
    let mut got = Vec::new();
    let mut ipv6 = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while (got.len() < want.len() || ipv6 == 0) && Instant::now() < deadline {
        wait_readable(tap.fd(), 50);
        tap.recv_batch(32, &mut |f| {
            if is_test_frame(f) {
                got.push(f.to_vec());
            } else if f.len() > 14 && f[12..14] == [0x86, 0xdd] {
                ipv6 += 1;
            }
        })
        .unwrap();
    }
    assert!(got == want, "{}", first_difference(&want, &got));
    assert!(ipv6 > 0, "no IPv6 frame from the kernel seen on the TAP");

    // lwt → kernel.
    let back = frames(100, MAC_PEER, MAC_PORT);
    send_all(&mut tap, &back, 16);
    let seen = recv_until_quiet(
        &[&host],
        Duration::from_millis(200),
        Duration::from_secs(5),
        |_, f| is_test_frame(f),
    )
    .unwrap()
    .remove(0);
    let seen: Vec<Vec<u8>> = seen.into_iter().filter(|f| is_test_frame(f)).collect();
    assert!(seen == back, "{}", first_difference(&back, &seen));

    drop(host);
    drop(tap);
    assert!(
        ns.ip("link show dev lwt-tap0").is_err(),
        "TAP still exists after drop"
    );
}

#[test]
fn tap_create_refuses_an_existing_name() {
    if !root_or_skip() {
        return;
    }
    let ns = Netns::new("iotap2").unwrap();
    let _first = ns.enter(|| TapPort::create("dup0")).unwrap().unwrap();
    let second = ns.enter(|| TapPort::create("dup0")).unwrap();
    assert_eq!(
        second.unwrap_err().kind(),
        std::io::ErrorKind::AlreadyExists
    );
    let port = ns
        .enter(|| open_port(PortKind::Tap, "host0", "tapx"))
        .unwrap()
        .unwrap();
    assert_eq!(port.name(), "host0");
}

fn addrs(ns: &Netns, dev: &str) -> Vec<String> {
    let out = ns.ip(&format!("-o addr show dev {dev}")).unwrap();
    let mut v: Vec<String> = out
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            format!("{} {}", w[2], w[3])
        })
        .collect();
    v.sort();
    v
}

fn ethtool_feature(ns: &Netns, dev: &str, name: &str) -> String {
    let out = ns.run(&["ethtool", "-k", dev]).unwrap();
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .unwrap_or_default()
}

#[test]
fn interface_claim_takes_addresses_and_ipv6_and_restores_them_on_drop() {
    if !root_or_skip() {
        return;
    }
    let p = pair("claim");
    let ns = &p.port_ns;
    // Down first: taking a link down deletes its IPv6 addresses.
    ns.ip("link set p0 down").unwrap();
    ns.ip("addr add 192.0.2.1/24 dev p0").unwrap();
    ns.ip("addr add 198.51.100.1/32 peer 198.51.100.2/32 dev p0")
        .unwrap();
    ns.ip("addr add 2001:db8:1::1/64 dev p0 nodad").unwrap();
    let before = addrs(ns, "p0");
    assert!(
        before.iter().any(|a| a.starts_with("inet6 2001:db8:1::1")),
        "{before:?}"
    );
    let has_ethtool = ns.run(&["ethtool", "-k", "p0"]).is_ok();
    let rx_before = if has_ethtool {
        ethtool_feature(ns, "p0", "rx-checksumming")
    } else {
        String::new()
    };

    let claim = ns.enter(|| InterfaceClaim::claim("p0")).unwrap().unwrap();
    assert_eq!(claim.ifname(), "p0");
    assert_eq!(addrs(ns, "p0"), Vec::<String>::new());
    assert_eq!(ns.sysctl_get("net/ipv6/conf/p0/disable_ipv6").unwrap(), "1");
    assert_eq!(ns.sysctl_get("net/ipv4/conf/p0/forwarding").unwrap(), "0");
    assert_eq!(ns.sysctl_get("net/ipv4/conf/p0/arp_ignore").unwrap(), "8");
    assert!(ns.ip("-o link show dev p0").unwrap().contains(",UP"));
    if has_ethtool {
        assert_eq!(ethtool_feature(ns, "p0", "rx-checksumming"), "off");
        assert_eq!(ethtool_feature(ns, "p0", "tx-checksumming"), "off");
        assert_eq!(ethtool_feature(ns, "p0", "generic-receive-offload"), "off");
    }

    // Dropped on this thread, which is not in the namespace.
    drop(claim);
    assert_eq!(ns.sysctl_get("net/ipv6/conf/p0/disable_ipv6").unwrap(), "0");
    assert_eq!(ns.sysctl_get("net/ipv4/conf/p0/arp_ignore").unwrap(), "0");
    assert!(!ns.ip("-o link show dev p0").unwrap().contains(",UP"));
    let after = addrs(ns, "p0");
    let global = |v: &[String]| {
        v.iter()
            .filter(|a| !a.contains("fe80"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(global(&after), global(&before));
    if has_ethtool {
        assert_eq!(ethtool_feature(ns, "p0", "rx-checksumming"), rx_before);
    }
}

#[test]
fn interface_claim_of_a_missing_interface_fails_cleanly() {
    if !root_or_skip() {
        return;
    }
    let ns = Netns::new("ioclaim2").unwrap();
    let err = ns
        .enter(|| InterfaceClaim::claim("nope0"))
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("nope0"), "{err}");
}

/// Packets per second over a veth, RX and TX, for both TX designs. Not a timed assertion:
/// run with `--release -- --ignored --nocapture`.
///
/// A generator in the peer namespace transmits batches of 64 for 2 s; with `rx` an
/// AfPacketPort on the other end counts what it receives. Without `rx` nothing listens, so
/// the TX figure is the cost of the TX path alone (the kernel drops the frames on input).
#[test]
#[ignore = "benchmark; run with --release -- --ignored --nocapture"]
fn bench_veth_pps() {
    if !root_or_skip() {
        return;
    }
    for len in [64, 1500] {
        for bypass in [false, true] {
            for rx in [false, true] {
                let p = pair("bench");
                let cfg = AfPacketConfig {
                    qdisc_bypass: bypass,
                    ..AfPacketConfig::default()
                };
                let frame = test_frame(MAC_PORT, MAC_PEER, 1, len, None);
                let mut tx = open_af(&p.peer_ns, "p1", cfg.clone());
                let ring = measure(&p, rx, &mut || {
                    let mut n = 0;
                    while n < 64 && tx.send(&frame) {
                        n += 1;
                    }
                    tx.flush().unwrap();
                    n
                });
                drop(tx);
                let mut mmsg = Mmsg::open(&p.peer_ns, "p1", bypass);
                let mm = measure(&p, rx, &mut || mmsg.send(&frame));
                let what = format!("{len:>4} B, qdisc bypass {bypass:<5}, rx port {rx:<5}");
                println!("{what}: TX ring {ring}; sendmmsg {mm}");
            }
        }
    }
}

/// Pins the calling thread to one CPU (the generator and the kernel's softirq work on 0,
/// the receiver on 1), which steadies the figures on a small VM.
fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is empty; CPU_SET and sched_setaffinity get a live set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
    }
}

fn unpin() {
    // SAFETY: as in pin_to_cpu, with every CPU in the set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in 0..libc::CPU_SETSIZE as usize {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Runs `tx_batch` for 2 s (with an RX port on p0 if `rx`) and formats the rates.
fn measure(p: &Pair, rx: bool, tx_batch: &mut dyn FnMut() -> u64) -> String {
    let dur = Duration::from_secs(2);
    let mut port = rx.then(|| open_af(&p.port_ns, "p0", AfPacketConfig::default()));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (sent, received) = std::thread::scope(|s| {
        let stop = &stop;
        let h = s.spawn(move || {
            pin_to_cpu(1);
            let Some(port) = port.as_mut() else {
                return (0u64, 0u64);
            };
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                wait_readable(port.fd(), 10);
                n += port
                    .recv_batch(256, &mut |f| {
                        std::hint::black_box(f);
                    })
                    .unwrap() as u64;
            }
            (n, port.stats().rx_ring_drops)
        });
        pin_to_cpu(0);
        let start = Instant::now();
        let mut sent = 0u64;
        while start.elapsed() < dur {
            sent += tx_batch();
        }
        unpin();
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (sent, h.join().unwrap())
    });
    let kpps = |n: u64| n as f64 / dur.as_secs_f64() / 1e3;
    if rx {
        format!(
            "{:>4.0} kpps (rx {:>4.0} kpps, ring drops {})",
            kpps(sent),
            kpps(received.0),
            received.1
        )
    } else {
        format!("{:>4.0} kpps", kpps(sent))
    }
}

/// The alternative TX design, for comparison: frames copied into preallocated buffers and
/// handed to the kernel with one sendmmsg(2) per batch of 64.
struct Mmsg {
    fd: std::os::fd::OwnedFd,
    bufs: Vec<[u8; 2048]>,
    iovs: Vec<libc::iovec>,
    msgs: Vec<libc::mmsghdr>,
}

impl Mmsg {
    fn open(ns: &Netns, ifname: &str, bypass: bool) -> Mmsg {
        let name = std::ffi::CString::new(ifname).unwrap();
        let fd = ns
            .enter(move || {
                use std::os::fd::FromRawFd;
                // SAFETY: socket setup for the benchmark; every pointer is to a live local.
                unsafe {
                    let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, 0);
                    assert!(fd >= 0);
                    let one: libc::c_int = 1;
                    let int = size_of::<libc::c_int>() as libc::socklen_t;
                    if bypass {
                        libc::setsockopt(
                            fd,
                            libc::SOL_PACKET,
                            libc::PACKET_QDISC_BYPASS,
                            (&one as *const libc::c_int).cast(),
                            int,
                        );
                    }
                    let buf: libc::c_int = 4 << 20;
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_SNDBUFFORCE,
                        (&buf as *const libc::c_int).cast(),
                        int,
                    );
                    let mut sll: libc::sockaddr_ll = std::mem::zeroed();
                    sll.sll_family = libc::AF_PACKET as u16;
                    sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
                    sll.sll_ifindex = libc::if_nametoindex(name.as_ptr()) as i32;
                    let r = libc::bind(
                        fd,
                        (&sll as *const libc::sockaddr_ll).cast(),
                        size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                    );
                    assert_eq!(r, 0);
                    std::os::fd::OwnedFd::from_raw_fd(fd)
                }
            })
            .unwrap();
        let mut m = Mmsg {
            fd,
            bufs: vec![[0u8; 2048]; 64],
            iovs: Vec::with_capacity(64),
            msgs: Vec::with_capacity(64),
        };
        for b in m.bufs.iter_mut() {
            m.iovs.push(libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: 0,
            });
        }
        for iov in m.iovs.iter_mut() {
            // SAFETY: an all-zero mmsghdr is valid.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
            m.msgs.push(h);
        }
        m
    }

    /// Copies `frame` into all 64 buffers (as a TX queue would) and sends them at once.
    fn send(&mut self, frame: &[u8]) -> u64 {
        use std::os::fd::AsRawFd;
        for (b, iov) in self.bufs.iter_mut().zip(self.iovs.iter_mut()) {
            b[..frame.len()].copy_from_slice(frame);
            iov.iov_len = frame.len();
        }
        // SAFETY: msgs → iovs → bufs are live, never reallocated, and consistent.
        let r = unsafe {
            libc::sendmmsg(
                self.fd.as_raw_fd(),
                self.msgs.as_mut_ptr(),
                self.msgs.len() as u32,
                libc::MSG_DONTWAIT,
            )
        };
        r.max(0) as u64
    }
}
