//! RAII network namespaces and the commands run inside them.
//!
//! Every namespace this kit creates is named `lwt-<pid>-<counter>-<tag>`: the pid makes
//! names unique across test binaries running at the same time and lets
//! [`cleanup_stale`] recognise namespaces left behind by a crashed run (their pid is
//! dead); the counter makes them unique between tests running in parallel threads of one
//! binary. A [`Netns`] deletes its namespace on `Drop`, which also runs while a test
//! panics, so a failing test leaves nothing behind.
//!
//! Commands run through `ip -n NS ...` (cheap: only a `setns` in `ip`) rather than
//! `ip netns exec` (which also remounts /sys) wherever `ip` is the program. Sysctls are
//! written to `/proc/sys` from a thread that has entered the namespace, which costs no
//! process at all.

use std::fs;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use crate::error::{Error, Result};
use crate::frames::Mac;

/// Where `ip netns` keeps its namespace handles.
const NETNS_DIR: &str = "/run/netns";
/// Prefix of every namespace this kit creates.
const PREFIX: &str = "lwt-";

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static CLEANUP: Once = Once::new();
/// `ip netns add` makes /run/netns a shared mount the first time it runs; several of them
/// racing on a fresh machine can trip over each other, so one thread adds at a time.
static ADD_LOCK: Mutex<()> = Mutex::new(());

/// Run `argv` (no shell), optionally feeding `stdin`, and return its stdout.
///
/// The child runs in a new session (`setsid`), so it has no controlling terminal: programs
/// that prompt through `/dev/tty` (`ip sr hmac set` uses `getpass`) read `stdin` instead
/// of hanging on the developer's terminal. A non-zero exit becomes an error holding the
/// command line, the exit status and stderr.
pub fn command(argv: &[&str], stdin: Option<&[u8]>) -> Result<String> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| Error::new("command: empty argv"))?;
    let shown = argv.join(" ");
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::new(format!("`{shown}`: cannot start: {e}")))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A child that exits early closes the pipe; its exit status tells the story.
        let _ = pipe.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("`{shown}`: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "`{shown}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout),
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A network namespace that is deleted when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Create `lwt-<pid>-<counter>-<tag>` with its loopback up.
    ///
    /// The first call in a process also runs [`cleanup_stale`].
    pub fn new(tag: &str) -> Result<Netns> {
        CLEANUP.call_once(|| {
            if let Err(e) = cleanup_stale() {
                eprintln!("lwt-testkit: cleanup of stale namespaces failed: {e}");
            }
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}-{tag}", std::process::id());
        {
            let _guard = ADD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
            command(&["ip", "netns", "add", &name], None)?;
        }
        let ns = Netns { name };
        ns.ip("link set lo up")?;
        Ok(ns)
    }

    /// The namespace's name (as `ip netns list` shows it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bind-mounted namespace file, for `setns`.
    pub fn path(&self) -> PathBuf {
        Path::new(NETNS_DIR).join(&self.name)
    }

    /// Whether a namespace called `name` exists.
    pub fn exists(name: &str) -> bool {
        Path::new(NETNS_DIR).join(name).exists()
    }

    /// Run any program inside the namespace (`ip netns exec NS argv...`).
    pub fn run(&self, argv: &[&str]) -> Result<String> {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(argv);
        command(&full, None)
    }

    /// `ip -n NS ARGS`, where `args` is split on whitespace (iproute2 arguments never
    /// need quoting).
    pub fn ip(&self, args: &str) -> Result<String> {
        let argv: Vec<&str> = args.split_whitespace().collect();
        self.ip_args(&argv)
    }

    /// `ip -n NS ARGV...` with the arguments already split.
    pub fn ip_args(&self, argv: &[&str]) -> Result<String> {
        let mut full = vec!["ip", "-n", &self.name];
        full.extend_from_slice(argv);
        command(&full, None)
    }

    /// `ip -n NS -batch -`, feeding `lines` on stdin: one process for many commands.
    /// `ip` stops at the first failing line and names it (`Command failed -:N`).
    pub fn batch<S: AsRef<str>>(&self, lines: &[S]) -> Result<String> {
        self.batch_with_options(&[], lines)
    }

    /// Like [`Netns::batch`] with global options (`-6`, `-4`, ...) applying to every
    /// line: `ip -batch` does not accept options at the start of a line.
    pub fn batch_with_options<S: AsRef<str>>(
        &self,
        options: &[&str],
        lines: &[S],
    ) -> Result<String> {
        let mut text = String::new();
        for l in lines {
            text.push_str(l.as_ref());
            text.push('\n');
        }
        let mut argv = vec!["ip", "-n", &self.name];
        argv.extend_from_slice(options);
        argv.extend_from_slice(&["-batch", "-"]);
        command(&argv, Some(text.as_bytes()))
            .map_err(|e| Error::new(format!("{}--- batch input ---\n{text}", e.message())))
    }

    /// Set a sysctl inside the namespace by writing `/proc/sys` from a thread that entered
    /// it (`/proc/sys/net` shows the namespace of the task that looks it up).
    ///
    /// `key` uses dots (`net.ipv6.conf.all.forwarding`) or slashes; with dots, an
    /// interface name containing a dot must be written with slashes instead.
    pub fn sysctl(&self, key: &str, val: &str) -> Result<()> {
        let path = sysctl_path(key);
        let text = format!("{val}\n");
        self.enter(move || fs::write(&path, text))?
            .map_err(|e| Error::new(format!("sysctl {key}={val} in {}: {e}", self.name)))
    }

    /// Read a sysctl inside the namespace (trimmed).
    pub fn sysctl_get(&self, key: &str) -> Result<String> {
        let path = sysctl_path(key);
        let v = self
            .enter(move || fs::read_to_string(&path))?
            .map_err(|e| Error::new(format!("sysctl {key} in {}: {e}", self.name)))?;
        Ok(v.trim().to_string())
    }

    /// Run `f` on a short-lived thread that has joined this namespace
    /// (`setns(CLONE_NEWNET)`). Sockets it opens stay in the namespace after it returns,
    /// and the calling thread is never moved, so parallel tests do not disturb each other.
    pub fn enter<R: Send>(&self, f: impl FnOnce() -> R + Send) -> Result<R> {
        let path = self.path();
        std::thread::scope(|s| {
            s.spawn(move || -> Result<R> {
                let file = fs::File::open(&path)
                    .map_err(|e| Error::new(format!("open {}: {e}", path.display())))?;
                // SAFETY: plain syscall on a valid fd; affects only this thread.
                if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    let e = std::io::Error::last_os_error();
                    return Err(Error::new(format!("setns {}: {e}", path.display())));
                }
                Ok(f())
            })
            .join()
            .map_err(|_| Error::new("thread inside the namespace panicked"))?
        })
    }

    /// Delete the namespace now, reporting failure (Drop only prints it).
    pub fn delete(mut self) -> Result<()> {
        let name = std::mem::take(&mut self.name);
        command(&["ip", "netns", "del", &name], None).map(|_| ())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        if let Err(e) = command(&["ip", "netns", "del", &self.name], None) {
            eprintln!("lwt-testkit: cannot delete namespace {}: {e}", self.name);
        }
    }
}

fn sysctl_path(key: &str) -> PathBuf {
    let rel = if key.contains('/') {
        key.trim_start_matches('/').to_string()
    } else {
        key.replace('.', "/")
    };
    Path::new("/proc/sys").join(rel)
}

/// Delete the `lwt-<pid>-...` namespaces whose pid is no longer running (left by a test
/// binary that was killed or aborted before its `Drop`s ran). Returns their names.
pub fn cleanup_stale() -> Result<Vec<String>> {
    let entries = match fs::read_dir(NETNS_DIR) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::new(format!("read {NETNS_DIR}: {e}"))),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(pid) = owner_pid(&name) else {
            continue;
        };
        if pid_alive(pid) {
            continue;
        }
        // Another process may be cleaning up at the same time: gone is fine.
        match command(&["ip", "netns", "del", &name], None) {
            Ok(_) => removed.push(name),
            Err(_) if !Netns::exists(&name) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// The pid in `lwt-<pid>-<counter>-<tag>`, if `name` has that shape.
fn owner_pid(name: &str) -> Option<i32> {
    let mut parts = name.strip_prefix(PREFIX)?.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u64>().ok()?;
    parts.next()?;
    Some(pid)
}

fn pid_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Create a veth pair `a_if` (in `a`) <-> `b_if` (in `b`) with fixed MACs, both ends up.
///
/// The pair is created directly across namespaces (`peer ... netns B`), so the two ends
/// may carry the same name.
pub fn veth(a: &Netns, a_if: &str, a_mac: Mac, b: &Netns, b_if: &str, b_mac: Mac) -> Result<()> {
    check_ifname(a_if)?;
    check_ifname(b_if)?;
    let (am, bm) = (a_mac.to_string(), b_mac.to_string());
    a.ip_args(&[
        "link", "add", a_if, "address", &am, "type", "veth", "peer", "name", b_if, "address", &bm,
        "netns", &b.name,
    ])?;
    a.ip_args(&["link", "set", a_if, "up"])?;
    b.ip_args(&["link", "set", b_if, "up"])?;
    wait_link_ready(a, a_if)?;
    wait_link_ready(b, b_if)?;
    Ok(())
}

/// Wait until `ifname` in `ns` can really transmit: carrier up, operstate UP, and its
/// qdisc attached.
///
/// Why: after `link set up`, the kernel's link watcher attaches the real qdisc
/// asynchronously; until then the device has `noop`, which silently drops everything.
/// A frame sent in that window vanishes, which would make a test flaky under load.
pub fn wait_link_ready(ns: &Netns, ifname: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let line = ns.ip_args(&["-o", "link", "show", "dev", ifname])?;
        let ready = line.contains("LOWER_UP")
            && line.contains(" state UP ")
            && !line.contains("qdisc noop");
        if ready {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::new(format!(
                "{ifname} in {} not ready after 5 s: {line}",
                ns.name()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Linux interface names are at most 15 bytes (IFNAMSIZ - 1).
pub fn check_ifname(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', ':']) {
        return Err(Error::new(format!(
            "bad interface name {name:?}: 1-15 bytes, no '/', ' ' or ':'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_parses_only_our_names() {
        assert_eq!(owner_pid("lwt-123-4-r"), Some(123));
        assert_eq!(owner_pid("lwt-123-4-a-b"), Some(123));
        assert_eq!(owner_pid("lwt-123-x-r"), None);
        assert_eq!(owner_pid("lwt-123-4"), None);
        assert_eq!(owner_pid("other-123-4-r"), None);
    }

    #[test]
    fn sysctl_paths() {
        assert_eq!(
            sysctl_path("net.ipv6.conf.all.forwarding"),
            Path::new("/proc/sys/net/ipv6/conf/all/forwarding")
        );
        assert_eq!(
            sysctl_path("net/ipv4/conf/eth0.5/rp_filter"),
            Path::new("/proc/sys/net/ipv4/conf/eth0.5/rp_filter")
        );
    }
}
