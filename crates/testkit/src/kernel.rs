//! The reference: a Linux kernel router in a network namespace.
//!
//! Topology: one *router* namespace holding the ports under test, each a veth whose peer
//! (same name) lives in one *tester* namespace. The tester namespace has IPv6 disabled
//! (set before its links exist) and no addresses, so it never emits a frame: whatever
//! arrives on a peer was sent by the router. Test frames are injected and captured on
//! the peers with raw sockets ([`crate::rawsock`]).
//!
//! The tester never answers ARP or NDP. A router that must resolve a next hop (also to
//! send an ICMP error back towards the sender) therefore needs a static `neigh add` for
//! it, exactly as the lwt side of the same test does.
//!
//! The router namespace is set up to keep its own chatter low and its answers
//! unthrottled: forwarding on (IPv4 and IPv6), DAD off, no router solicitations, no RA
//! processing, ICMP rate limits off. Link-local addresses are kept (EUI-64 from the port
//! MAC, as on a real router, see [`crate::frames::Mac::link_local`]), so the kernel
//! still sends MLD reports for its groups; [`NoiseFilter`] removes those from results.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::compare::PortFrames;
use crate::decode::summary;
use crate::error::{Error, Result};
use crate::frames::{ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, Mac};
use crate::netns::{Netns, command, veth};
use crate::rawsock::{RawSocket, disable_tx_checksum_offload, recv_until_quiet};

/// A port of the router under test: its name (also the tester-side peer's name), the
/// router-side MAC and the peer's MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// Interface name, at most 15 bytes.
    pub name: String,
    /// MAC of the router's interface.
    pub mac: Mac,
    /// MAC of the tester-side peer (the "host" on that link).
    pub peer_mac: Mac,
}

impl PortSpec {
    /// A port with explicit MACs.
    pub fn new(name: &str, mac: Mac, peer_mac: Mac) -> PortSpec {
        PortSpec {
            name: name.to_string(),
            mac,
            peer_mac,
        }
    }

    /// A port with the conventional MACs `02:00:00:00:NN:01` (router) and
    /// `02:00:00:00:NN:02` (peer).
    pub fn numbered(name: &str, n: u8) -> PortSpec {
        PortSpec::new(name, Mac([2, 0, 0, 0, n, 1]), Mac([2, 0, 0, 0, n, 2]))
    }
}

/// Which frames the kernel emits on its own, unrelated to the test input, are removed
/// from [`KernelRouter::run`]'s result. Each flag removes one kind when `true`.
///
/// What the kernel sends by itself in the router namespace set up here:
/// * `mld`: MLDv2 reports (ICMPv6 143; also 130/131/132 when set) for the groups each
///   interface joins (solicited-node groups of its addresses, ff02::2 once forwarding),
///   sent when links come up or addresses are added, and repeated for a second or two.
/// * `router_solicitations` (ICMPv6 133): not sent with forwarding on and
///   `router_solicitations=0`, filtered in case.
/// * `dad`: duplicate-address-detection solicitations (NS from `::`), off with
///   `accept_dad=0`, filtered in case.
/// * `ndp`: neighbour solicitations/advertisements (135/136) from a unicast source. The
///   kernel sends NS to resolve a next hop without a static neighbour (the tester never
///   answers) and NA when solicited. A test about NDP turns this flag off
///   ([`NoiseFilter::keep_ndp`]) to see them.
/// * `igmp`: IPv4 IGMP reports (protocol 2); none expected, filtered in case.
///
/// ARP, ICMP errors, redirects and everything else are never filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoiseFilter {
    /// Drop MLD queries/reports/dones (ICMPv6 130, 131, 132, 143).
    pub mld: bool,
    /// Drop router solicitations (ICMPv6 133).
    pub router_solicitations: bool,
    /// Drop DAD neighbour solicitations (ICMPv6 135 from `::`).
    pub dad: bool,
    /// Drop other neighbour solicitations and advertisements (ICMPv6 135/136).
    pub ndp: bool,
    /// Drop IGMP (IPv4 protocol 2).
    pub igmp: bool,
}

impl Default for NoiseFilter {
    fn default() -> Self {
        NoiseFilter::DEFAULT
    }
}

impl NoiseFilter {
    /// Drop every kind of noise listed on [`NoiseFilter`].
    pub const DEFAULT: NoiseFilter = NoiseFilter {
        mld: true,
        router_solicitations: true,
        dad: true,
        ndp: true,
        igmp: true,
    };

    /// Drop nothing: every frame the router sent.
    pub const NONE: NoiseFilter = NoiseFilter {
        mld: false,
        router_solicitations: false,
        dad: false,
        ndp: false,
        igmp: false,
    };

    /// This filter, but keeping NS/NA from unicast sources (for NDP tests).
    pub fn keep_ndp(self) -> NoiseFilter {
        NoiseFilter { ndp: false, ..self }
    }

    /// Whether `frame` is noise under this filter.
    pub fn is_noise(&self, frame: &[u8]) -> bool {
        match classify(frame) {
            Some(Kind::Mld) => self.mld,
            Some(Kind::RouterSolicitation) => self.router_solicitations,
            Some(Kind::Dad) => self.dad,
            Some(Kind::Ndp) => self.ndp,
            Some(Kind::Igmp) => self.igmp,
            None => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Mld,
    RouterSolicitation,
    Dad,
    Ndp,
    Igmp,
}

/// Which kind of self-generated control traffic `frame` is, if any.
fn classify(frame: &[u8]) -> Option<Kind> {
    let mut off = 12;
    let mut et = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    while et == ETH_P_8021Q || et == 0x88a8 {
        off += 4;
        et = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    }
    let l3 = off + 2;
    match et {
        ETH_P_IP => (*frame.get(l3 + 9)? == 2).then_some(Kind::Igmp),
        ETH_P_IPV6 => {
            let src = frame.get(l3 + 8..l3 + 24)?;
            let mut nh = *frame.get(l3 + 6)?;
            let mut o = l3 + 40;
            // Hop-by-hop (MLD carries a router alert) and other extension headers.
            for _ in 0..8 {
                match nh {
                    0 | 43 | 60 => {
                        nh = *frame.get(o)?;
                        o += (usize::from(*frame.get(o + 1)?) + 1) * 8;
                    }
                    58 => break,
                    _ => return None,
                }
            }
            if nh != 58 {
                return None;
            }
            match *frame.get(o)? {
                130 | 131 | 132 | 143 => Some(Kind::Mld),
                133 => Some(Kind::RouterSolicitation),
                135 if src.iter().all(|&b| b == 0) => Some(Kind::Dad),
                135 | 136 => Some(Kind::Ndp),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Sysctls of the router namespace, set before any port exists so `default` applies.
const ROUTER_SYSCTLS: &[(&str, &str)] = &[
    ("net.ipv4.ip_forward", "1"),
    ("net.ipv6.conf.all.forwarding", "1"),
    ("net.ipv6.conf.default.forwarding", "1"),
    ("net.ipv6.conf.all.accept_dad", "0"),
    ("net.ipv6.conf.default.accept_dad", "0"),
    ("net.ipv6.conf.all.router_solicitations", "0"),
    ("net.ipv6.conf.default.router_solicitations", "0"),
    ("net.ipv6.conf.all.accept_ra", "0"),
    ("net.ipv6.conf.default.accept_ra", "0"),
    ("net.ipv4.icmp_ratelimit", "0"),
    ("net.ipv6.icmp.ratelimit", "0"),
];

/// Sysctls that do not exist on every kernel; set when present.
const ROUTER_SYSCTLS_OPTIONAL: &[(&str, &str)] = &[
    // The global ICMP budget (per namespace on recent kernels): out of the way.
    ("net.ipv4.icmp_msgs_per_sec", "1000000"),
    ("net.ipv4.icmp_msgs_burst", "1000000"),
];

/// A kernel router with ports, configured with iproute2 lines, exercised with frames.
/// Both namespaces are deleted on drop (also on panic).
#[derive(Debug)]
pub struct KernelRouter {
    ports: Vec<PortSpec>,
    router: Netns,
    tester: Netns,
    filter: NoiseFilter,
    quiet: Duration,
    gap: Duration,
}

impl KernelRouter {
    /// Create the router and tester namespaces and one veth pair per port (router-side
    /// TX checksum offload off, see [`disable_tx_checksum_offload`]).
    pub fn new(ports: &[PortSpec]) -> Result<KernelRouter> {
        let router = Netns::new("r")?;
        let tester = Netns::new("t")?;
        // Before any link appears in the tester, so none of them ever gets IPv6.
        tester.sysctl("net.ipv6.conf.all.disable_ipv6", "1")?;
        tester.sysctl("net.ipv6.conf.default.disable_ipv6", "1")?;
        for (k, v) in ROUTER_SYSCTLS {
            router.sysctl(k, v)?;
        }
        for (k, v) in ROUTER_SYSCTLS_OPTIONAL {
            let _ = router.sysctl(k, v);
        }
        for p in ports {
            veth(&router, &p.name, p.mac, &tester, &p.name, p.peer_mac)?;
            disable_tx_checksum_offload(&router, &p.name)?;
        }
        Ok(KernelRouter {
            ports: ports.to_vec(),
            router,
            tester,
            filter: NoiseFilter::DEFAULT,
            quiet: Duration::from_millis(200),
            gap: Duration::from_millis(2),
        })
    }

    /// The ports, in creation order.
    pub fn ports(&self) -> &[PortSpec] {
        &self.ports
    }

    /// The port called `name`.
    pub fn port(&self, name: &str) -> Option<&PortSpec> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// The router namespace (for extra commands or inspection).
    pub fn router(&self) -> &Netns {
        &self.router
    }

    /// The tester namespace holding the peers.
    pub fn tester(&self) -> &Netns {
        &self.tester
    }

    /// Use `filter` for later runs.
    pub fn set_filter(&mut self, filter: NoiseFilter) {
        self.filter = filter;
    }

    /// How long no new (non-noise) frame must arrive before a run ends (default 200 ms).
    /// Raise it for behaviour with timers, e.g. neighbour resolution failing (~3 s).
    pub fn set_quiet(&mut self, quiet: Duration) {
        self.quiet = quiet;
    }

    /// Pause between two input frames (default 2 ms), so they are handled in order.
    pub fn set_gap(&mut self, gap: Duration) {
        self.gap = gap;
    }

    /// Apply configuration lines, as lwt accepts them, to the kernel router.
    ///
    /// * iproute2 commands (`route add ...`, `-6 route add ...`, `addr add ...`, `neigh
    ///   add ...`, `sr tunsrc set ...`, an optional leading `ip`) run through `ip -batch`,
    ///   consecutive lines with the same leading options (`-6`, ...) in one process
    ///   (`ip -batch` does not accept options on a line).
    /// * `sr hmac set KEYID ALGO SECRET`: `ip sr hmac set KEYID ALGO` prompts for the
    ///   secret, so it runs on its own with `SECRET` fed to it.
    /// * `sysctl [-w] KEY=VALUE ...` writes `/proc/sys` inside the namespace.
    /// * `bridge ...` (e.g. `bridge fdb add ...`) runs `bridge -n NS ...`.
    /// * Blank lines and `#` comments are skipped.
    ///
    /// Fails on the first line the kernel rejects, naming it.
    pub fn apply(&self, lines: &[&str]) -> Result<()> {
        apply_lines(&self.router, lines)
    }

    /// Send each `(port, frame)` from the peer of `port`, in order, then collect what
    /// the router transmits on every port until quiet. Noise per the filter is removed
    /// (and listed on stderr, which the test harness shows on failure).
    pub fn run(&self, inputs: &[(&str, Vec<u8>)]) -> Result<PortFrames> {
        let all = self.run_unfiltered(inputs)?;
        let mut out = PortFrames::new();
        for (port, frames) in all {
            let (noise, kept): (Vec<_>, Vec<_>) =
                frames.into_iter().partition(|f| self.filter.is_noise(f));
            for f in &noise {
                eprintln!("lwt-testkit: {port}: filtered kernel noise: {}", summary(f));
            }
            out.insert(port, kept);
        }
        Ok(out)
    }

    /// Like [`KernelRouter::run`] but returning every frame, noise included (the filter
    /// still decides when the run is quiet).
    pub fn run_unfiltered(&self, inputs: &[(&str, Vec<u8>)]) -> Result<PortFrames> {
        let socks = self
            .ports
            .iter()
            .map(|p| RawSocket::open(&self.tester, &p.name))
            .collect::<Result<Vec<_>>>()?;
        let index: BTreeMap<&str, usize> = self
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.as_str(), i))
            .collect();
        for (port, _) in inputs {
            if !index.contains_key(port) {
                return Err(Error::new(format!("input for unknown port {port:?}")));
            }
        }
        for s in &socks {
            s.drain()?;
        }
        for (i, (port, frame)) in inputs.iter().enumerate() {
            if i > 0 {
                std::thread::sleep(self.gap);
            }
            socks[index[port]].send(frame)?;
        }
        let refs: Vec<&RawSocket> = socks.iter().collect();
        let got = recv_until_quiet(&refs, self.quiet, Duration::from_secs(30), |_, f| {
            !self.filter.is_noise(f)
        })?;
        Ok(self.ports.iter().map(|p| p.name.clone()).zip(got).collect())
    }
}

/// One `ip` invocation or direct action derived from configuration lines.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// `ip -n NS OPTIONS -batch -` with these lines.
    Batch {
        options: Vec<String>,
        lines: Vec<String>,
    },
    /// `ip -n NS OPTIONS sr hmac set KEYID ALGO`, secret on stdin.
    Hmac {
        options: Vec<String>,
        args: Vec<String>,
        secret: String,
    },
    /// Write these sysctls.
    Sysctl(Vec<(String, String)>),
    /// `bridge -n NS ARGS...` (a `bridge fdb ...` line).
    Bridge(Vec<String>),
}

/// Turn configuration lines into steps (pure, so it is unit-tested).
/// Each step comes with one label (`line N: `text``) per configuration line it holds.
fn plan(lines: &[&str]) -> Result<Vec<(Vec<String>, Step)>> {
    let mut steps: Vec<(Vec<String>, Step)> = Vec::new();
    for (n, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let label = format!("line {}: `{line}`", n + 1);
        let bad = |why: &str| Error::new(format!("{label}: {why}"));
        let mut toks: Vec<&str> = line.split_whitespace().collect();
        if toks.first() == Some(&"ip") {
            toks.remove(0);
        }
        let mut options = Vec::new();
        while let Some(t) = toks.first().filter(|t| t.starts_with('-')) {
            if matches!(*t, "-n" | "-netns" | "-b" | "-batch" | "-force") {
                return Err(bad("this option is not allowed here"));
            }
            options.push(t.to_string());
            toks.remove(0);
        }
        let Some(&object) = toks.first() else {
            return Err(bad("no command"));
        };
        let step = if object == "sysctl" {
            let mut kv = Vec::new();
            for t in &toks[1..] {
                if t.starts_with('-') {
                    continue; // -w, -q
                }
                let (k, v) = t.split_once('=').ok_or_else(|| bad("expected KEY=VALUE"))?;
                kv.push((k.to_string(), v.to_string()));
            }
            if kv.is_empty() {
                return Err(bad("expected KEY=VALUE"));
            }
            Step::Sysctl(kv)
        } else if object == "bridge" {
            Step::Bridge(toks[1..].iter().map(|s| s.to_string()).collect())
        } else if toks.len() >= 3 && toks[..3] == ["sr", "hmac", "set"] {
            if toks.len() < 5 {
                return Err(bad("expected `sr hmac set KEYID ALGO SECRET`"));
            }
            Step::Hmac {
                options,
                args: toks[..5].iter().map(|s| s.to_string()).collect(),
                secret: toks[5..].join(" "),
            }
        } else {
            let text = toks.join(" ");
            if let Some((labels, Step::Batch { options: o, lines })) = steps.last_mut()
                && *o == options
            {
                lines.push(text);
                labels.push(label);
                continue;
            }
            Step::Batch {
                options,
                lines: vec![text],
            }
        };
        steps.push((vec![label], step));
    }
    Ok(steps)
}

/// The 0-based index of the line `ip -batch` reports as failed (`Command failed -:N`).
fn failed_batch_line(msg: &str) -> Option<usize> {
    let n: usize = msg
        .split("Command failed -:")
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    n.checked_sub(1)
}

/// Apply configuration lines to namespace `ns` (see [`KernelRouter::apply`]).
pub fn apply_lines(ns: &Netns, lines: &[&str]) -> Result<()> {
    for (labels, step) in plan(lines)? {
        let r = match &step {
            Step::Batch { options, lines } => {
                let o: Vec<&str> = options.iter().map(String::as_str).collect();
                ns.batch_with_options(&o, lines).map(|_| ())
            }
            Step::Hmac {
                options,
                args,
                secret,
            } => {
                let mut argv = vec!["ip", "-n", ns.name()];
                argv.extend(options.iter().map(String::as_str));
                argv.extend(args.iter().map(String::as_str));
                command(&argv, Some(format!("{secret}\n").as_bytes())).map(|_| ())
            }
            Step::Sysctl(kv) => kv.iter().try_for_each(|(k, v)| ns.sysctl(k, v)),
            Step::Bridge(args) => {
                let mut argv = vec!["bridge", "-n", ns.name()];
                argv.extend(args.iter().map(String::as_str));
                command(&argv, None).map(|_| ())
            }
        };
        r.map_err(|e| {
            let what = failed_batch_line(e.message())
                .and_then(|i| labels.get(i))
                .unwrap_or(&labels[0]);
            e.context(format!("kernel rejects {what}"))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{Ipv6, ethernet_ip, ip6, mac, solicited_node};

    #[test]
    fn plan_groups_by_options() {
        let steps = plan(&[
            "# comment",
            "ip addr add 2001:db8::1/64 dev in0",
            "route add 10.0.0.0/8 dev in0",
            "-6 route add ::/0 dev in0",
            "",
            "sysctl -w net.ipv6.conf.all.seg6_enabled=1",
            "sr hmac set 7 sha256 my secret",
            "sr tunsrc set fc00::1",
        ])
        .unwrap();
        assert_eq!(
            steps[0].0,
            vec![
                "line 2: `ip addr add 2001:db8::1/64 dev in0`",
                "line 3: `route add 10.0.0.0/8 dev in0`"
            ]
        );
        let steps: Vec<Step> = steps.into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            steps,
            vec![
                Step::Batch {
                    options: vec![],
                    lines: vec![
                        "addr add 2001:db8::1/64 dev in0".into(),
                        "route add 10.0.0.0/8 dev in0".into()
                    ]
                },
                Step::Batch {
                    options: vec!["-6".into()],
                    lines: vec!["route add ::/0 dev in0".into()]
                },
                Step::Sysctl(vec![("net.ipv6.conf.all.seg6_enabled".into(), "1".into())]),
                Step::Hmac {
                    options: vec![],
                    args: vec![
                        "sr".into(),
                        "hmac".into(),
                        "set".into(),
                        "7".into(),
                        "sha256".into()
                    ],
                    secret: "my secret".into()
                },
                Step::Batch {
                    options: vec![],
                    lines: vec!["sr tunsrc set fc00::1".into()]
                },
            ]
        );
        let bridge = plan(&["bridge fdb add 02:00:00:00:00:01 dev vx0 dst 10.0.0.2"]).unwrap();
        assert_eq!(
            bridge[0].1,
            Step::Bridge(
                [
                    "fdb",
                    "add",
                    "02:00:00:00:00:01",
                    "dev",
                    "vx0",
                    "dst",
                    "10.0.0.2"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert!(plan(&["-n foo route add"]).is_err());
        assert!(plan(&["sysctl -w"]).is_err());
    }

    #[test]
    fn classifies_noise() {
        let m = mac("02:00:00:00:01:01");
        let mld = Ipv6::new(m.link_local(), ip6("ff02::16")).icmpv6(143, 0, &[0; 4]);
        let ns = Ipv6::new(ip6("2001:db8::1"), solicited_node(ip6("2001:db8::2")))
            .neighbour_solicitation(ip6("2001:db8::2"), m);
        let dad = Ipv6::new(ip6("::"), solicited_node(ip6("2001:db8::2"))).icmpv6(135, 0, &[0; 20]);
        let udp = Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(1, 2, b"");
        let f = |p: &[u8]| ethernet_ip(m, Mac::BROADCAST, p);
        let d = NoiseFilter::DEFAULT;
        assert!(d.is_noise(&f(&mld)));
        assert!(d.is_noise(&f(&ns)));
        assert!(d.is_noise(&f(&dad)));
        assert!(!d.is_noise(&f(&udp)));
        assert!(!d.keep_ndp().is_noise(&f(&ns)));
        assert!(d.keep_ndp().is_noise(&f(&dad)));
        assert!(!NoiseFilter::NONE.is_noise(&f(&mld)));
    }
}
