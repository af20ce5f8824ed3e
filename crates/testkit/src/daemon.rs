//! Live lwt daemons inside network namespaces, and the hosts' `ping`.
//!
//! [`LwtDaemon::start`] writes a configuration to a temporary directory and runs
//! `ip netns exec NS lwt daemon --config FILE --socket SOCK` with its stdout and stderr
//! in files next to it. It returns once the control socket answers (`lwt --socket SOCK
//! link show`), or fails with the daemon's stderr. Dropping the value stops the daemon
//! with SIGTERM (the daemon then gives its interfaces back to the kernel), waits for it
//! and kills it if it does not exit in time; this also happens while a test panics, so a
//! failing test leaves no daemon behind. Drop every daemon *before* the [`Netns`] it runs
//! in: declare the daemons before the namespaces in a struct, or after them among locals.
//!
//! The daemon also gets `PR_SET_PDEATHSIG(SIGTERM)`: if the test process dies without
//! unwinding, the kernel stops the daemon (the death signal follows the *thread* that
//! started it, so start daemons from the test's own thread).
//!
//! ```no_run
//! use lwt_testkit::{LwtDaemon, Netns, ping, veth};
//! use lwt_testkit::frames::mac;
//! use std::path::Path;
//!
//! let rt = Netns::new("rt").unwrap();
//! let hs = Netns::new("hs").unwrap();
//! veth(&rt, "veth0", mac("02:00:00:00:00:01"), &hs, "veth0", mac("02:00:00:00:00:02")).unwrap();
//! hs.ip("addr add 10.0.0.1/24 dev veth0").unwrap();
//! let d = LwtDaemon::start(&rt, Path::new("target/debug/lwt"), "
//!     link add veth0 type port
//!     link set veth0 up
//!     addr add 10.0.0.254/24 dev veth0
//! ").unwrap();
//! assert!(ping(&hs, "10.0.0.254", 2));
//! println!("{}", d.cmd(&["stats"]).unwrap());
//! ```

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Context, Error, Result};
use crate::netns::{Netns, command};
use crate::tmp::TempDir;

/// How long [`LwtDaemon::start`] waits for the control socket to answer.
const START_TIMEOUT: Duration = Duration::from_secs(5);
/// How long Drop waits after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// What one client command produced.
#[derive(Debug, Clone)]
pub struct ClientOutput {
    /// The exit code (`None` if killed by a signal). lwt, like iproute2, exits 2 when the
    /// daemon refuses a request.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl ClientOutput {
    /// Exit status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// An `lwt daemon` running in a namespace; stopped (SIGTERM) when dropped.
#[derive(Debug)]
pub struct LwtDaemon {
    child: Option<Child>,
    bin: PathBuf,
    socket: PathBuf,
    ns: String,
    dir: Option<TempDir>,
}

impl LwtDaemon {
    /// Write `config` to a temp dir and run `lwt daemon` on it inside `ns`; return once
    /// its control socket answers (at most ~5 s). On failure the error holds the
    /// daemon's stderr, and the directory is kept for inspection.
    pub fn start(ns: &Netns, bin: &Path, config: &str) -> Result<LwtDaemon> {
        let dir = TempDir::new(&format!("daemon-{}", ns.name()))?;
        let conf = dir.path().join("lwt.conf");
        std::fs::write(&conf, config).with_context(|| format!("write {}", conf.display()))?;
        let socket = dir.path().join("lwt.sock");
        let out = File::create(dir.path().join("stdout")).context("daemon stdout file")?;
        let err = File::create(dir.path().join("stderr")).context("daemon stderr file")?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns.name()])
            .arg(bin)
            .arg("daemon")
            .arg("--config")
            .arg(&conf)
            .arg("--socket")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", bin.display())))?;
        let mut d = LwtDaemon {
            child: Some(child),
            bin: bin.to_path_buf(),
            socket,
            ns: ns.name().to_string(),
            dir: Some(dir),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(c) = d.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                d.child = None;
                return Err(d.start_failure(&format!("the daemon exited ({status})")));
            }
            if d.socket.exists()
                && let Ok(o) = d.client(&["link", "show"])
                && o.success()
            {
                return Ok(d);
            }
            if Instant::now() > deadline {
                return Err(d.start_failure("its control socket did not answer within 5 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn start_failure(&mut self, why: &str) -> Error {
        self.stop();
        let stderr = self.stderr();
        let kept = self.dir.take().map(TempDir::keep);
        Error::new(format!(
            "lwt daemon in {}: {why}\n--- daemon stderr ---\n{stderr}--- (files kept in {}) ---",
            self.ns,
            kept.map(|p| p.display().to_string()).unwrap_or_default()
        ))
    }

    /// The control socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The namespace the daemon runs in.
    pub fn netns(&self) -> &str {
        &self.ns
    }

    /// The daemon's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What the daemon has written to stderr so far.
    pub fn stderr(&self) -> String {
        self.dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.path().join("stderr")).ok())
            .unwrap_or_default()
    }

    /// Run `lwt --socket SOCK ARGS...` and return its exit code and output, whatever
    /// the exit code.
    pub fn client(&self, args: &[&str]) -> Result<ClientOutput> {
        let out = Command::new(&self.bin)
            .arg("--socket")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::new(format!("cannot run {}: {e}", self.bin.display())))?;
        Ok(ClientOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Run `lwt --socket SOCK ARGS...` and return its stdout; a non-zero exit is an
    /// error holding the command line and stderr.
    pub fn cmd(&self, args: &[&str]) -> Result<String> {
        let o = self.client(args)?;
        if o.success() {
            return Ok(o.stdout);
        }
        Err(Error::new(format!(
            "`lwt {}` (daemon in {}) failed ({}):\n{}{}",
            args.join(" "),
            self.ns,
            o.code.map_or("killed".to_string(), |c| format!("exit {c}")),
            o.stderr,
            o.stdout
        )))
    }

    /// Stop the daemon now (SIGTERM, bounded wait, then SIGKILL). Idempotent; Drop calls it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        // SAFETY: signalling our own child, which has not been reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!(
            "lwt-testkit: lwt daemon in {} ignored SIGTERM for {STOP_TIMEOUT:?}; killing it",
            self.ns
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for LwtDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `ip netns exec NS ping -c 1 -W TIMEOUT ADDR` (`-6` when `addr` contains a colon);
/// whether a reply came back.
pub fn ping(ns: &Netns, addr: &str, timeout_s: u32) -> bool {
    let family = if addr.contains(':') { "-6" } else { "-4" };
    let w = timeout_s.to_string();
    command(
        &[
            "ip",
            "netns",
            "exec",
            ns.name(),
            "ping",
            family,
            "-c",
            "1",
            "-W",
            &w,
            addr,
        ],
        None,
    )
    .is_ok()
}
