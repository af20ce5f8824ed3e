//! Running lwt's offline runner on the same configuration and frames as the kernel.
//!
//! `lwt run --config FILE --in LINK=FILE.pcap ... --out DIR` (design §4) needs no root and
//! no network: every port becomes a pcap endpoint. [`LwtRunner::run`] lays out a temporary
//! directory:
//!
//! ```text
//! config.lwt     link add <port> address <mac> type port / link set <port> up, per port,
//!                then the test's lines unchanged
//! <port>.pcap    the input frames of each port (every port gets a file, maybe empty)
//! out/<port>.pcap  written by lwt; a missing file means the port sent nothing
//! ```
//!
//! Input timestamps increase by 1 ms in the order of the `inputs` slice *across* ports,
//! so lwt, which processes frames in timestamp order, sees them in the same order as the
//! kernel did. The directory is deleted after a successful run and kept (path printed)
//! after a failure, or always with `LWT_TESTKIT_KEEP=1`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::compare::PortFrames;
use crate::error::{Context, Error, Result};
use crate::kernel::PortSpec;
use crate::pcap::{read_pcap, write_pcap};
use crate::tmp::TempDir;
use crate::tshark::tshark_check;

/// Runs the `lwt` binary offline.
#[derive(Clone, Debug)]
pub struct LwtRunner {
    bin: PathBuf,
    check_wire: bool,
}

/// Everything one offline run produced.
#[derive(Debug)]
pub struct LwtOutput {
    /// Frames written per port (every port present, maybe empty).
    pub frames: PortFrames,
    /// lwt's stdout: the counters and drop-reason summary.
    pub stdout: String,
    /// lwt's stderr.
    pub stderr: String,
}

impl LwtRunner {
    /// A runner for the binary at `bin` (integration tests of the `lwt` crate pass
    /// `env!("CARGO_BIN_EXE_lwt")`). Wire checks are on.
    pub fn new(bin: impl Into<PathBuf>) -> LwtRunner {
        LwtRunner {
            bin: bin.into(),
            check_wire: true,
        }
    }

    /// Whether every run also dissects all output frames with tshark
    /// ([`crate::tshark::tshark_check`]; skipped outside CI when tshark is absent).
    /// On by default: design §6 wants every pcap lwt writes to dissect cleanly.
    pub fn check_wire(mut self, on: bool) -> LwtRunner {
        self.check_wire = on;
        self
    }

    /// Run lwt with `ports`, configuration `lines` and `inputs` `(port, frame)`; return
    /// the frames sent per port and lwt's stdout summary.
    pub fn run(
        &self,
        ports: &[PortSpec],
        lines: &[&str],
        inputs: &[(&str, Vec<u8>)],
    ) -> Result<(PortFrames, String)> {
        let out = self.run_full(ports, lines, inputs)?;
        Ok((out.frames, out.stdout))
    }

    /// Like [`LwtRunner::run`], returning stderr as well.
    pub fn run_full(
        &self,
        ports: &[PortSpec],
        lines: &[&str],
        inputs: &[(&str, Vec<u8>)],
    ) -> Result<LwtOutput> {
        let dir = TempDir::new("lwt")?;
        match self.run_in(dir.path(), ports, lines, inputs) {
            Ok(out) => Ok(out),
            Err(e) => {
                let kept = dir.keep();
                Err(e.context(format!("lwt run (files kept in {})", kept.display())))
            }
        }
    }

    fn run_in(
        &self,
        dir: &Path,
        ports: &[PortSpec],
        lines: &[&str],
        inputs: &[(&str, Vec<u8>)],
    ) -> Result<LwtOutput> {
        let config = dir.join("config.lwt");
        std::fs::write(&config, config_text(ports, lines))
            .with_context(|| format!("write {}", config.display()))?;

        let mut per_port: BTreeMap<&str, Vec<(Duration, &[u8])>> = ports
            .iter()
            .map(|p| (p.name.as_str(), Vec::new()))
            .collect();
        for (i, (port, frame)) in inputs.iter().enumerate() {
            let ts = Duration::from_secs(1) + Duration::from_millis(i as u64);
            per_port
                .get_mut(port)
                .ok_or_else(|| Error::new(format!("input for unknown port {port:?}")))?
                .push((ts, frame.as_slice()));
        }
        let out_dir = dir.join("out");
        std::fs::create_dir_all(&out_dir)?;

        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(dir).arg("run").arg("--config").arg(&config);
        for p in ports {
            let pcap = dir.join(format!("{}.pcap", p.name));
            write_pcap(&pcap, &per_port[p.name.as_str()])?;
            cmd.arg("--in")
                .arg(format!("{}={}", p.name, pcap.display()));
        }
        cmd.arg("--out").arg(&out_dir);
        let shown = format!("{cmd:?}");
        let output = cmd
            .output()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", self.bin.display())))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if !output.status.success() {
            return Err(Error::new(format!(
                "{shown} failed ({}):\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
                output.status
            )));
        }

        let mut frames = PortFrames::new();
        for p in ports {
            let path = out_dir.join(format!("{}.pcap", p.name));
            let list = if path.exists() {
                read_pcap(&path)?
            } else {
                Vec::new()
            };
            frames.insert(p.name.clone(), list);
        }
        if self.check_wire {
            wire_check(&out_dir, &frames)?;
        }
        Ok(LwtOutput {
            frames,
            stdout,
            stderr,
        })
    }
}

/// The `config.lwt` text: the ports, then the test's lines unchanged.
pub fn config_text(ports: &[PortSpec], lines: &[&str]) -> String {
    let mut s = String::new();
    for p in ports {
        let _ = writeln!(s, "link add {} address {} type port", p.name, p.mac);
        let _ = writeln!(s, "link set {} up", p.name);
    }
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// One tshark run over all output frames (tshark starts slowly, ports are many); the
/// error maps frame numbers back to ports.
fn wire_check(out_dir: &Path, frames: &PortFrames) -> Result<()> {
    let mut all: Vec<(Duration, &[u8])> = Vec::new();
    let mut legend = String::new();
    for (port, list) in frames {
        for (i, f) in list.iter().enumerate() {
            let _ = writeln!(legend, "  Frame {} = {port} frame {i}", all.len() + 1);
            all.push((Duration::from_millis(all.len() as u64), f.as_slice()));
        }
    }
    if all.is_empty() {
        return Ok(());
    }
    let path = out_dir.join("all-ports.pcap");
    write_pcap(&path, &all)?;
    tshark_check(&path)
        .map(|_| ())
        .map_err(|e| e.context(format!("wire check of lwt's output\n{legend}")))
}
