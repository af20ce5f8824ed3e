//! A temporary directory that removes itself unless asked to stay.
//!
//! Kept directories are how a failing lwt run is debugged: the config, the input pcaps and
//! whatever lwt wrote are all there. Setting `LWT_TESTKIT_KEEP=1` keeps every directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Context, Result};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory under the system temp dir, deleted on drop unless [`TempDir::keep`] was
/// called or `LWT_TESTKIT_KEEP` is set.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    /// Create `$TMPDIR/lwt-test-<pid>-<counter>-<tag>`.
    pub fn new(tag: &str) -> Result<TempDir> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("lwt-test-{}-{n}-{tag}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).with_context(|| format!("remove {}", path.display()))?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("create {}", path.display()))?;
        let keep = std::env::var_os("LWT_TESTKIT_KEEP").is_some_and(|v| !v.is_empty() && v != "0");
        Ok(TempDir { path, keep })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Do not delete the directory; returns its path.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.path.clone()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("lwt-testkit: kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
