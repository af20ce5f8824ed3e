//! Remembering a network namespace and running code inside it later.
//!
//! Control-path work on an interface (sysctls under `/proc/sys/net`, `ip` commands) acts in
//! the namespace of the *calling thread*. A claim made in one namespace may be dropped on a
//! thread that lives in another (a test harness, a daemon's control thread), so the claim
//! keeps a handle on its namespace and restores from a short-lived thread that joined it
//! (`setns(CLONE_NEWNET)` changes only that thread).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

const SELF_NS: &str = "/proc/thread-self/ns/net";

/// A handle on the network namespace of the thread that created it.
#[derive(Debug)]
pub(crate) struct NetnsHandle {
    file: File,
    id: (u64, u64),
}

fn current_id() -> io::Result<(u64, u64)> {
    let m = std::fs::metadata(SELF_NS)?;
    Ok((m.dev(), m.ino()))
}

impl NetnsHandle {
    /// The calling thread's namespace.
    pub(crate) fn current() -> io::Result<NetnsHandle> {
        let file = File::open(SELF_NS)?;
        let m = file.metadata()?;
        Ok(NetnsHandle {
            file,
            id: (m.dev(), m.ino()),
        })
    }

    /// Runs `f` in this namespace: directly if the calling thread is already in it,
    /// otherwise on a scoped thread that joins it first.
    pub(crate) fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> io::Result<R> {
        if current_id()? == self.id {
            return Ok(f());
        }
        let fd = self.file.as_raw_fd();
        std::thread::scope(|s| {
            s.spawn(move || {
                // SAFETY: plain syscall on a namespace fd that lives as long as `self`;
                // it moves only this short-lived thread.
                if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(f())
            })
            .join()
            .map_err(|_| io::Error::other("thread inside the namespace panicked"))?
        })
    }
}
