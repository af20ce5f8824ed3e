//! `lwt daemon`: the live dataplane.
//!
//! Two threads. The *worker* owns the ports and a [`Worker`]: it receives a batch from
//! each ready port, runs the packet path over the current snapshot, sends what comes out,
//! and releases what neighbour resolution unblocked. The *control* thread owns the
//! configuration: it answers the control socket, applies changes to a copy of the
//! router and publishes the new snapshot atomically; the worker picks it up between
//! batches, so traffic never stops for a change.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::RawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use lwt_config::{Command, LinkKind};
use lwt_core::show::LearntNeighbour;
use lwt_core::stats::Stats;
use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker};
use lwt_io::claim::InterfaceClaim;
use lwt_io::port::{Port, PortKind, open_port};

use crate::control::{self, Request, Response};
use crate::{Failure, fail, load};

/// Frames taken from one port per round.
const BATCH: usize = 64;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// A port as configured: how to (re)open it.
#[derive(Clone)]
struct PortSpec {
    ifindex: u32,
    name: String,
    dev: String,
    kind: PortKind,
}

fn port_specs(router: &Router) -> Vec<PortSpec> {
    router
        .links
        .values()
        .filter_map(|l| {
            let (kind, dev) = match &l.kind {
                Some(LinkKind::Port { dev, .. }) => (
                    PortKind::AfPacket,
                    dev.clone().unwrap_or_else(|| l.name.clone()),
                ),
                Some(LinkKind::Tap) => (PortKind::Tap, l.name.clone()),
                _ => return None,
            };
            Some(PortSpec {
                ifindex: l.ifindex,
                name: l.name.clone(),
                dev,
                kind,
            })
        })
        .collect()
}

/// Counters and learnt neighbours, as the worker sees them now.
struct LiveState {
    stats: Stats,
    neighbours: Vec<LearntNeighbour>,
}

/// What the control thread asks of the worker.
enum ToWorker {
    /// For `show -s`, `neigh show` and `lwt stats`.
    Snapshot(Sender<Box<LiveState>>),
    /// Gratuitous ARP / unsolicited NA for a new address.
    Announce(u32, IpAddr),
    AddPort(u32, Box<dyn Port>, PortSpec),
    RemovePort(u32),
}

struct Shared {
    dp: ArcSwap<Dataplane>,
    generation: AtomicU64,
}

/// One live port in the worker, or the memory of one that went away.
struct Slot {
    spec: PortSpec,
    port: Option<Box<dyn Port>>,
    dirty: bool,
}

/// Runs the daemon in the foreground until SIGINT or SIGTERM.
pub fn run(config: &Path, socket: Option<&str>) -> Result<(), Failure> {
    install_signal_handlers();
    let loaded = load::load(config)?;
    let mut router = loaded.router;
    let path = control::socket_path(socket);
    let mut claims = Vec::new();
    let mut slots = BTreeMap::new();
    for spec in port_specs(&router) {
        let (slot, claim) = open_slot(&spec).map_err(|e| {
            fail(format!(
                "lwt daemon: link {}: cannot attach to {}: {e}\nhint: `type port` attaches to an existing Linux interface (`dev LINUXIF`, default the link name); run as root",
                spec.name, spec.dev
            ))
        })?;
        claims.extend(claim);
        slots.insert(spec.ifindex, slot);
        // A port answers with its interface's MAC; a tap is the far end of its
        // interface and keeps its own.
        if spec.kind == PortKind::AfPacket
            && let Some(mac) = iface_mac(&spec.dev)
        {
            router.adopt_mac(spec.ifindex, mac);
        }
    }
    let shared = Arc::new(Shared {
        dp: ArcSwap::from_pointee(router.dataplane()),
        generation: AtomicU64::new(0),
    });
    let (tx, rx) = mpsc::channel();
    // Announce the configured addresses, as the kernel does when they come up.
    for l in router.links.values() {
        for a in &l.addrs {
            if !a.addr.is_loopback() {
                let _ = tx.send(ToWorker::Announce(l.ifindex, a.addr));
            }
        }
    }
    let listener = bind(&path)?;
    let worker_shared = shared.clone();
    let worker = std::thread::Builder::new()
        .name("lwt-worker".into())
        .spawn(move || worker_loop(&worker_shared, slots, rx))
        .map_err(|e| fail(format!("lwt daemon: cannot start the worker: {e}")))?;
    eprintln!(
        "lwt daemon: running with {} link(s); control socket {}",
        router.links.len(),
        path.display()
    );
    let mut control = Control {
        router,
        shared,
        tx,
        claims,
    };
    control.serve(&listener);
    let _ = worker.join();
    let _ = std::fs::remove_file(&path);
    drop(control);
    eprintln!("lwt daemon: stopped; interfaces given back to the kernel");
    Ok(())
}

fn open_slot(spec: &PortSpec) -> std::io::Result<(Slot, Option<InterfaceClaim>)> {
    let claim = match spec.kind {
        PortKind::AfPacket => Some(InterfaceClaim::claim(&spec.dev)?),
        PortKind::Tap => None,
    };
    let port = open_port(spec.kind, &spec.name, &spec.dev)?;
    Ok((
        Slot {
            spec: spec.clone(),
            port: Some(port),
            dirty: false,
        },
        claim,
    ))
}

fn bind(path: &Path) -> Result<UnixListener, Failure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| fail(format!("lwt daemon: cannot create {}: {e}", dir.display())))?;
    }
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(fail(format!(
                "lwt daemon: another daemon answers on {}\nhint: stop it, or use --socket PATH",
                path.display()
            )));
        }
        let _ = std::fs::remove_file(path);
    }
    let l = UnixListener::bind(path)
        .map_err(|e| fail(format!("lwt daemon: cannot bind {}: {e}", path.display())))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail(format!("lwt daemon: chmod {}: {e}", path.display())))?;
    l.set_nonblocking(true)
        .map_err(|e| fail(format!("lwt daemon: {e}")))?;
    Ok(l)
}

fn worker_loop(shared: &Shared, mut slots: BTreeMap<u32, Slot>, rx: Receiver<ToWorker>) {
    let mut w = Worker::new();
    let mut dp = shared.dp.load_full();
    let mut seen = shared.generation.load(Ordering::Acquire);
    let mut bufs: Vec<PacketBuf> = (0..BATCH).map(|_| PacketBuf::new()).collect();
    let mut verdicts = vec![Verdict::Consumed; BATCH];
    let start = Instant::now();
    let mut next_tick = 0u64;
    let mut next_recover = 0u64;
    let mut fds: Vec<libc::pollfd> = Vec::new();
    let mut order: Vec<u32> = Vec::new();
    while !STOP.load(Ordering::Relaxed) {
        let g = shared.generation.load(Ordering::Acquire);
        if g != seen {
            dp = shared.dp.load_full();
            seen = g;
        }
        fds.clear();
        order.clear();
        for (ifx, s) in &slots {
            if let Some(p) = &s.port {
                fds.push(libc::pollfd {
                    fd: p.fd() as RawFd,
                    events: libc::POLLIN,
                    revents: 0,
                });
                order.push(*ifx);
            }
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 10) };
        w.now_ms = start.elapsed().as_millis() as u64;
        for &ifx in &order {
            let mut n = 0;
            let got = {
                let Some(port) = slots.get_mut(&ifx).and_then(|s| s.port.as_mut()) else {
                    continue;
                };
                port.recv_batch(BATCH, &mut |frame| {
                    if bufs[n].load(frame, ifx) {
                        n += 1;
                    }
                })
            };
            if got.is_err() {
                // The interface went away: forget the port until it returns.
                if let Some(s) = slots.get_mut(&ifx) {
                    s.port = None;
                }
                continue;
            }
            lwt_core::process_batch(&dp, &mut w, &mut bufs[..n], &mut verdicts[..n]);
            for (buf, v) in bufs.iter().zip(&verdicts).take(n) {
                if let Verdict::Tx(oif) = *v
                    && !send(&mut slots, oif, buf.data())
                {
                    w.stats.link(oif).tx_dropped += 1;
                }
            }
        }
        if w.now_ms >= next_tick {
            w.tick(&dp);
            next_tick = w.now_ms + 100;
        }
        let mut lost = Vec::new();
        w.drain_outbox(|oif, frame| {
            if !send(&mut slots, oif, frame) {
                lost.push(oif);
            }
        });
        for oif in lost {
            w.stats.link(oif).tx_dropped += 1;
        }
        for s in slots.values_mut().filter(|s| s.dirty) {
            s.dirty = false;
            if let Some(p) = s.port.as_mut() {
                let _ = p.flush();
            }
        }
        while let Ok(msg) = rx.try_recv() {
            match msg {
                ToWorker::Snapshot(reply) => {
                    let now = w.now_ms;
                    let neigh = w
                        .neigh
                        .learnt
                        .iter()
                        .map(|((ifx, a), e)| (*ifx, *a, e.mac, lwt_core::path::state_name(e, now)))
                        .collect();
                    let _ = reply.send(Box::new(LiveState {
                        stats: w.stats.clone(),
                        neighbours: neigh,
                    }));
                }
                ToWorker::Announce(ifx, addr) => w.announce(&dp, ifx, addr),
                ToWorker::AddPort(ifx, port, spec) => {
                    slots.insert(
                        ifx,
                        Slot {
                            spec,
                            port: Some(port),
                            dirty: false,
                        },
                    );
                }
                ToWorker::RemovePort(ifx) => {
                    slots.remove(&ifx);
                }
            }
        }
        if w.now_ms >= next_recover {
            next_recover = w.now_ms + 1000;
            recover(&mut slots);
            // Frames the kernel could not put in a port's ring are drops too.
            for (ifx, s) in slots.iter_mut() {
                if let Some(p) = s.port.as_mut() {
                    let ps = p.stats();
                    let l = w.stats.link(*ifx);
                    l.rx_dropped += ps.rx_ring_drops + ps.rx_truncated;
                    l.tx_dropped += ps.tx_ring_full + ps.tx_oversize;
                }
            }
        }
    }
}

/// Reopens ports whose interface disappeared, once it is back.
fn recover(slots: &mut BTreeMap<u32, Slot>) {
    for s in slots.values_mut() {
        let gone = match &s.port {
            Some(p) => {
                !p.is_up() && s.spec.kind == PortKind::AfPacket && !iface_exists(&s.spec.dev)
            }
            None => true,
        };
        if gone {
            s.port = None;
            if (iface_exists(&s.spec.dev) || s.spec.kind == PortKind::Tap)
                && let Ok(p) = open_port(s.spec.kind, &s.spec.name, &s.spec.dev)
            {
                eprintln!("lwt daemon: link {} is back on {}", s.spec.name, s.spec.dev);
                s.port = Some(p);
            }
        }
    }
}

/// The MAC of a Linux interface, from sysfs.
fn iface_mac(dev: &str) -> Option<[u8; 6]> {
    let text =
        std::fs::read_to_string(Path::new("/sys/class/net").join(dev).join("address")).ok()?;
    let mut mac = [0u8; 6];
    let mut parts = text.trim().split(':');
    for b in &mut mac {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    Some(mac)
}

fn iface_exists(dev: &str) -> bool {
    Path::new("/sys/class/net").join(dev).exists()
}

/// Queues a frame on a port; false if it could not be sent (port gone, ring full).
#[inline]
fn send(slots: &mut BTreeMap<u32, Slot>, oif: u32, frame: &[u8]) -> bool {
    let Some(s) = slots.get_mut(&oif) else {
        // Dummy, VRF and loopback devices transmit nowhere.
        return true;
    };
    let Some(p) = s.port.as_mut() else {
        return false;
    };
    s.dirty = true;
    if p.send(frame) {
        return true;
    }
    // Ring full: push what is queued out and try once more.
    let _ = p.flush();
    p.send(frame)
}

struct Control {
    router: Router,
    shared: Arc<Shared>,
    tx: Sender<ToWorker>,
    claims: Vec<InterfaceClaim>,
}

impl Control {
    fn serve(&mut self, listener: &UnixListener) {
        while !STOP.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    let resp = match control::read_request(&s) {
                        Ok(req) => self.handle(req),
                        Err(e) => Response {
                            ok: false,
                            output: String::new(),
                            error: format!("Error: bad request: {e}"),
                        },
                    };
                    let _ = control::write_response(&s, &resp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn live(&self) -> Box<LiveState> {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(ToWorker::Snapshot(tx)).is_ok()
            && let Ok(s) = rx.recv_timeout(Duration::from_secs(2))
        {
            return s;
        }
        Box::new(LiveState {
            stats: Stats::new(),
            neighbours: Vec::new(),
        })
    }

    fn handle(&mut self, req: Request) -> Response {
        let (lines, batch_name) = match req {
            Request::Args(words) => {
                if words.first().map(String::as_str) == Some("stats")
                    || (words.len() >= 2 && words[0] == "-j" && words[1] == "stats")
                {
                    let json = words[0] == "-j";
                    let live = self.live();
                    return Response {
                        ok: true,
                        output: lwt_core::show::stats_report(&self.router, &live.stats, json),
                        error: String::new(),
                    };
                }
                let text = words.join(" ");
                match lwt_config::parse_words(words) {
                    Ok(r) => (vec![(1, text, r)], None),
                    Err(e) => return refuse(format!("{e}")),
                }
            }
            Request::Batch { name, text } => match lwt_config::parse_batch(&text) {
                Ok(lines) => (lines, Some(name)),
                Err(e) => {
                    return refuse(format!(
                        "{name}:{}: {}\n{}\nnothing was applied.",
                        e.line,
                        e.text.trim(),
                        e.error
                    ));
                }
            },
        };
        let before = self.router.clone();
        if let Err((i, e)) = self.router.apply_all(lines.iter().map(|(_, _, r)| &r.cmd)) {
            let (line, text, _) = &lines[i];
            let wher = match &batch_name {
                Some(n) => format!("{n}:{line}: {}\n", text.trim()),
                None => String::new(),
            };
            let tail = if batch_name.is_some() {
                "\nnothing was applied."
            } else {
                ""
            };
            return refuse(format!("{wher}{e}{tail}"));
        }
        let changed = lines.iter().any(|(_, _, r)| modifies(&r.cmd));
        if changed {
            if let Err(e) = self.follow(&before) {
                self.router = before;
                return refuse(e);
            }
            self.shared.dp.store(Arc::new(self.router.dataplane()));
            self.shared.generation.fetch_add(1, Ordering::Release);
            announce_new(&before, &self.router, &self.tx);
        }
        let needs_live = lines.iter().any(|(_, _, r)| {
            r.opts.stats > 0 || matches!(r.cmd, Command::Neigh(lwt_config::NeighCmd::Show(_)))
        });
        let live = if needs_live { Some(self.live()) } else { None };
        let mut output = String::new();
        for (_, _, r) in &lines {
            let l = lwt_core::show::Live {
                stats: live.as_ref().map(|b| &b.stats),
                neighbours: live.as_ref().map_or(&[][..], |b| &b.neighbours),
            };
            match lwt_core::show::answer(&self.router, r, &l) {
                Ok(text) => output.push_str(&text),
                Err(e) => {
                    return Response {
                        ok: false,
                        output,
                        error: e.to_string(),
                    };
                }
            }
        }
        Response {
            ok: true,
            output,
            error: String::new(),
        }
    }

    /// Opens ports for new port/tap links and closes those of removed ones.
    fn follow(&mut self, before: &Router) -> Result<(), String> {
        let old: Vec<u32> = port_specs(before).iter().map(|s| s.ifindex).collect();
        let new = port_specs(&self.router);
        for spec in new.iter().filter(|s| !old.contains(&s.ifindex)) {
            let (slot, claim) = open_slot(spec).map_err(|e| {
                format!(
                    "Error: cannot attach link {} to {}: {e}\nhint: `type port` needs an existing Linux interface",
                    spec.name, spec.dev
                )
            })?;
            self.claims.extend(claim);
            if spec.kind == PortKind::AfPacket
                && let Some(mac) = iface_mac(&spec.dev)
            {
                self.router.adopt_mac(spec.ifindex, mac);
            }
            let port = slot.port.expect("just opened");
            let _ = self
                .tx
                .send(ToWorker::AddPort(spec.ifindex, port, spec.clone()));
        }
        for ifx in old.iter().filter(|i| !new.iter().any(|s| s.ifindex == **i)) {
            let _ = self.tx.send(ToWorker::RemovePort(*ifx));
        }
        Ok(())
    }
}

fn modifies(c: &Command) -> bool {
    use lwt_config::{AddrCmd, LinkCmd, NeighCmd, RouteCmd, RuleCmd, SrCmd};
    !matches!(
        c,
        Command::Route(RouteCmd::Show(_) | RouteCmd::Get(_))
            | Command::Link(LinkCmd::Show(_))
            | Command::Addr(AddrCmd::Show(_))
            | Command::Rule(RuleCmd::Show(_))
            | Command::Neigh(NeighCmd::Show(_))
            | Command::Sr(SrCmd::TunsrcShow | SrCmd::HmacShow)
            | Command::Fdb(lwt_config::FdbCmd::Show(_))
    )
}

fn announce_new(before: &Router, after: &Router, tx: &Sender<ToWorker>) {
    for l in after.links.values() {
        let old = before.links.get(&l.ifindex);
        for a in &l.addrs {
            if old.is_none_or(|o| !o.addrs.iter().any(|x| x.addr == a.addr)) {
                let _ = tx.send(ToWorker::Announce(l.ifindex, a.addr));
            }
        }
    }
}

fn refuse(error: String) -> Response {
    Response {
        ok: false,
        output: String::new(),
        error,
    }
}
