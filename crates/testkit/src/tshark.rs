//! Wire checks with tshark: an independent dissector must accept every frame.
//!
//! A byte-exact comparison with the kernel only covers what the kernel can run; tshark
//! covers the rest (VRF, MPLS, ...) and catches mistakes both could share. A frame fails
//! when tshark marks it `[Malformed Packet]` or raises an expert info of severity
//! *Error* — with IPv4/UDP/TCP checksum validation switched on (ICMP checksums are
//! always validated), so a wrong checksum is an error too.
//!
//! tshark is a test dependency (`scripts/install-test-deps.sh`). Where it is absent the
//! check is skipped with a message, except in CI (`CI` set), where that is a failure.

use std::path::Path;

use crate::error::{Error, Result};
use crate::netns::command;
use crate::tmp::TempDir;

/// Preferences that turn on checksum validation (off by default in Wireshark).
const PREFS: [&str; 6] = [
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
];

/// Whether the `CI` environment variable is set (non-empty): then missing tools and
/// missing root are failures instead of skips.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether `tshark` can be run.
pub fn tshark_available() -> bool {
    command(&["tshark", "--version"], None).is_ok()
}

/// Dissect `pcap` fully (`tshark -r FILE -V` with checksum checks) and fail if any frame
/// is malformed or has an expert error. Returns the dissection text, or `None` when
/// tshark is absent outside CI (the skip is printed).
pub fn tshark_check(pcap: &Path) -> Result<Option<String>> {
    if !tshark_available() {
        if in_ci() {
            return Err(Error::new(
                "tshark is not installed (CI is set, so this fails): run scripts/install-test-deps.sh",
            ));
        }
        eprintln!(
            "skipped: tshark check of {} (tshark not installed; run scripts/install-test-deps.sh)",
            pcap.display()
        );
        return Ok(None);
    }
    let path = pcap.to_string_lossy();
    let mut argv = vec!["tshark", "-n", "-r", &path, "-V"];
    argv.extend_from_slice(&PREFS);
    let text = command(&argv, None)?;
    let problems = find_problems(&text);
    if problems.is_empty() {
        return Ok(Some(text));
    }
    Err(Error::new(format!(
        "tshark finds problems in {}:\n{}\n--- full dissection ---\n{text}",
        pcap.display(),
        problems.join("\n")
    )))
}

/// [`tshark_check`] on frames in memory (written to a temporary pcap, deleted after:
/// the error carries the full dissection).
pub fn tshark_check_frames(frames: &[Vec<u8>]) -> Result<Option<String>> {
    let dir = TempDir::new("tshark")?;
    let path = dir.path().join("frames.pcap");
    crate::pcap::write_frames(&path, frames)?;
    tshark_check(&path)
}

/// The `Frame N` headings and offending lines of a `-V` dissection.
fn find_problems(text: &str) -> Vec<String> {
    let mut frame = "";
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("Frame ") {
            frame = line.split(':').next().unwrap_or(line);
        }
        if line.contains("[Malformed Packet") || line.contains("Expert Info (Error/") {
            out.push(format!("{frame}: {}", line.trim()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_malformed_and_errors_only() {
        let text = "Frame 1: 60 bytes\n  [Expert Info (Warning/Protocol): x]\n\
                    Frame 2: 60 bytes\n  [Expert Info (Error/Checksum): bad]\n\
                    Frame 3: 10 bytes\n[Malformed Packet: IPv6]\n";
        let p = find_problems(text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].starts_with("Frame 2: "));
        assert!(p[1].starts_with("Frame 3: "));
    }
}
