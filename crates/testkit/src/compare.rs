//! Byte-for-byte comparison of the frames the kernel and lwt sent, per port.
//!
//! The kernel is the oracle, so the default is strict: same number of frames on every
//! port, same order, same bytes. The escapes are a [`Mask`]: a byte range a test
//! declares legitimately random, with the reason written next to it, so every exception
//! is visible in the test that makes it; and a normalisation the test applies to both
//! sides before comparing, for a random field that a checksum covers
//! ([`clear_ipv4_ident`]: the checksum is checked, not masked).
//!
//! When frames differ, the report names the first differing offset and the field it
//! falls in (via [`crate::decode`]), lists every differing field, prints a one-line
//! summary of both frames and an interleaved hex dump with the differences marked.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::ops::Range;

use crate::decode::{decode, summary};
use crate::error::{Error, Result};
use crate::frames::checksum;

/// Frames per port name, in transmit order.
pub type PortFrames = BTreeMap<String, Vec<Vec<u8>>>;

/// Bytes excluded from the comparison, with the reason why they may differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    /// Only frames on this port (all ports if `None`).
    pub port: Option<String>,
    /// Only the frame with this index on the port (all frames if `None`).
    pub frame: Option<usize>,
    /// Byte offsets within the frame.
    pub range: Range<usize>,
    /// Why these bytes are legitimately different.
    pub why: String,
}

impl Mask {
    /// Mask `range` in every frame on every port, because `why`.
    pub fn new(range: Range<usize>, why: impl Into<String>) -> Mask {
        Mask {
            port: None,
            frame: None,
            range,
            why: why.into(),
        }
    }

    /// Restrict the mask to one port.
    pub fn port(mut self, port: &str) -> Mask {
        self.port = Some(port.to_string());
        self
    }

    /// Restrict the mask to the `index`-th frame of its port(s).
    pub fn frame(mut self, index: usize) -> Mask {
        self.frame = Some(index);
        self
    }

    fn covers(&self, port: &str, index: usize, offset: usize) -> bool {
        self.port.as_deref().is_none_or(|p| p == port)
            && self.frame.is_none_or(|f| f == index)
            && self.range.contains(&offset)
    }
}

/// Compare per port; `Err` holds a readable report of every difference.
/// A port missing from one side counts as a port that sent nothing.
pub fn compare_frames(kernel: &PortFrames, lwt: &PortFrames, masks: &[Mask]) -> Result<()> {
    let ports: BTreeSet<&String> = kernel.keys().chain(lwt.keys()).collect();
    let empty = Vec::new();
    let mut report = String::new();
    for port in ports {
        let k = kernel.get(port).unwrap_or(&empty);
        let l = lwt.get(port).unwrap_or(&empty);
        let mut section = String::new();
        if k.len() != l.len() {
            let _ = writeln!(
                section,
                "  kernel sent {} frame(s), lwt sent {}",
                k.len(),
                l.len()
            );
        }
        for i in 0..k.len().max(l.len()) {
            match (k.get(i), l.get(i)) {
                (Some(a), Some(b)) => {
                    if let Some(d) = diff_frame(port, i, a, b, masks) {
                        section.push_str(&d);
                    }
                }
                (Some(a), None) => {
                    let _ = writeln!(
                        section,
                        "  frame {i}: only the kernel sent\n    {}",
                        summary(a)
                    );
                    section.push_str(&indent(&hexdump(a), "    "));
                }
                (None, Some(b)) => {
                    let _ = writeln!(section, "  frame {i}: only lwt sent\n    {}", summary(b));
                    section.push_str(&indent(&hexdump(b), "    "));
                }
                (None, None) => unreachable!(),
            }
        }
        if !section.is_empty() {
            let _ = writeln!(report, "port {port}:");
            report.push_str(&section);
        }
    }
    if report.is_empty() {
        return Ok(());
    }
    if !masks.is_empty() {
        report.push_str("masks in force:\n");
        for m in masks {
            let _ = writeln!(
                report,
                "  bytes {:?} port {} frame {}: {}",
                m.range,
                m.port.as_deref().unwrap_or("*"),
                m.frame.map_or("*".to_string(), |f| f.to_string()),
                m.why
            );
        }
    }
    Err(Error::new(format!(
        "kernel and lwt frames differ\n{report}"
    )))
}

/// [`compare_frames`], panicking with the report.
#[track_caller]
pub fn assert_same_frames(kernel: &PortFrames, lwt: &PortFrames, masks: &[Mask]) {
    if let Err(e) = compare_frames(kernel, lwt, masks) {
        panic!("{e}");
    }
}

/// Sets the identification of the IPv4 header at offset `l3` of `frame` to 0 and
/// recomputes the header checksum, after checking the checksum the header had. This is
/// the normalisation for an identification the kernel draws at random
/// (`__ip_select_ident`), applied to both sides of a comparison: a [`Mask`] would have
/// to hide the checksum as well.
pub fn clear_ipv4_ident(frame: &mut [u8], l3: usize) -> Result<()> {
    let first = *frame
        .get(l3)
        .ok_or_else(|| Error::new(format!("no IPv4 header at offset {l3}")))?;
    let ihl = usize::from(first & 0xf) * 4;
    if first >> 4 != 4 || ihl < 20 {
        return Err(Error::new(format!(
            "not an IPv4 header at offset {l3}: first byte {first:02x}"
        )));
    }
    let header = frame
        .get_mut(l3..l3 + ihl)
        .ok_or_else(|| Error::new(format!("IPv4 header at offset {l3} truncated")))?;
    if checksum(0, header) != 0 {
        return Err(Error::new(format!(
            "wrong IPv4 header checksum {:02x}{:02x}",
            header[10], header[11]
        )));
    }
    header[4..6].fill(0);
    header[10..12].fill(0);
    let c = checksum(0, header);
    header[10..12].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

/// `None` if equal outside the masks; otherwise the report for this frame pair.
fn diff_frame(port: &str, index: usize, k: &[u8], l: &[u8], masks: &[Mask]) -> Option<String> {
    let masked = |o: usize| masks.iter().any(|m| m.covers(port, index, o));
    let n = k.len().max(l.len());
    let differs: Vec<usize> = (0..n)
        .filter(|&o| k.get(o) != l.get(o) && !(o < k.len().min(l.len()) && masked(o)))
        .collect();
    if differs.is_empty() {
        return None;
    }
    let dk = decode(k);
    let name_at = |o: usize| {
        dk.field_at(o)
            .map_or_else(|| "undecoded".to_string(), |f| f.name.clone())
    };
    let first = differs[0];
    let byte = |f: &[u8], o: usize| f.get(o).map_or("--".to_string(), |b| format!("{b:02x}"));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  frame {index}: {} byte(s) differ, first at offset {first} ({}): kernel {}, lwt {}",
        differs.len(),
        name_at(first),
        byte(k, first),
        byte(l, first)
    );
    let mut fields: Vec<String> = Vec::new();
    for &o in &differs {
        let f = name_at(o);
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    let _ = writeln!(s, "    fields: {}", fields.join(", "));
    if k.len() != l.len() {
        let _ = writeln!(s, "    length: kernel {}, lwt {}", k.len(), l.len());
    }
    let _ = writeln!(s, "    kernel: {}", summary(k));
    let _ = writeln!(s, "    lwt:    {}", summary(l));
    s.push_str(&indent(&hexdiff(k, l, &masked), "    "));
    Some(s)
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn hex_row(f: &[u8], start: usize) -> String {
    (start..start + 16)
        .map(|o| f.get(o).map_or("  ".to_string(), |b| format!("{b:02x}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Interleaved dump: equal rows once; differing rows as `k`/`l` pairs with `^^` under
/// differing bytes and `~~` under masked ones that differ.
fn hexdiff(k: &[u8], l: &[u8], masked: &dyn Fn(usize) -> bool) -> String {
    let mut s = String::new();
    let n = k.len().max(l.len());
    for start in (0..n).step_by(16) {
        let kr = k.get(start..(start + 16).min(k.len())).unwrap_or(&[]);
        let lr = l.get(start..(start + 16).min(l.len())).unwrap_or(&[]);
        if kr == lr {
            let _ = writeln!(s, "{start:04x}    {}", hex_row(k, start));
            continue;
        }
        let _ = writeln!(s, "{start:04x} k  {}", hex_row(k, start));
        let _ = writeln!(s, "     l  {}", hex_row(l, start));
        let marks: Vec<&str> = (start..start + 16)
            .map(|o| {
                if k.get(o) == l.get(o) {
                    "  "
                } else if masked(o) {
                    "~~"
                } else {
                    "^^"
                }
            })
            .collect();
        let _ = writeln!(s, "        {}", marks.join(" ").trim_end());
    }
    s
}

/// A classic hex dump, 16 bytes per row.
pub fn hexdump(frame: &[u8]) -> String {
    let mut s = String::new();
    for start in (0..frame.len()).step_by(16) {
        let _ = writeln!(s, "{start:04x}  {}", hex_row(frame, start).trim_end());
    }
    s
}

/// One summary line per frame and port, for printing what was seen.
pub fn describe_frames(frames: &PortFrames) -> String {
    let mut s = String::new();
    for (port, list) in frames {
        let _ = writeln!(s, "{port}: {} frame(s)", list.len());
        for (i, f) in list.iter().enumerate() {
            let _ = writeln!(s, "  {i}: {}", summary(f));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{Ipv4, Ipv6, ethernet_ip, ip4, ip6, mac};

    fn frame(hlim: u8) -> Vec<u8> {
        let ip = Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2"))
            .hop_limit(hlim)
            .udp(1, 2, b"x");
        ethernet_ip(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), &ip)
    }

    fn ports(frames: Vec<Vec<u8>>) -> PortFrames {
        BTreeMap::from([("out0".to_string(), frames)])
    }

    #[test]
    fn equal_and_missing_ports() {
        assert!(compare_frames(&ports(vec![frame(1)]), &ports(vec![frame(1)]), &[]).is_ok());
        let empty = BTreeMap::from([("out0".to_string(), vec![])]);
        assert!(compare_frames(&empty, &PortFrames::new(), &[]).is_ok());
    }

    #[test]
    fn reports_field_of_first_difference() {
        let e = compare_frames(&ports(vec![frame(63)]), &ports(vec![frame(64)]), &[]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("first at offset 21 (ipv6.hop_limit): kernel 3f, lwt 40"),
            "{msg}"
        );
        assert!(msg.contains("^^"), "{msg}");
    }

    #[test]
    fn mask_hides_only_its_bytes() {
        let m = [Mask::new(21..22, "test: hop limit is random here").port("out0")];
        assert!(compare_frames(&ports(vec![frame(63)]), &ports(vec![frame(64)]), &m).is_ok());
        let other_port = [Mask::new(21..22, "wrong port").port("in0")];
        assert!(
            compare_frames(
                &ports(vec![frame(63)]),
                &ports(vec![frame(64)]),
                &other_port
            )
            .is_err()
        );
        let other_frame = [Mask::new(21..22, "wrong frame").frame(1)];
        assert!(
            compare_frames(
                &ports(vec![frame(63)]),
                &ports(vec![frame(64)]),
                &other_frame
            )
            .is_err()
        );
    }

    #[test]
    fn clear_ipv4_ident_checks_and_fixes_the_checksum() {
        let ip = |id: u16| {
            let p = Ipv4::new(ip4("192.0.2.1"), ip4("192.0.2.2"))
                .ident(id)
                .udp(1, 2, b"x");
            ethernet_ip(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), &p)
        };
        let (mut a, mut b) = (ip(0x1234), ip(0xbeef));
        clear_ipv4_ident(&mut a, 14).unwrap();
        clear_ipv4_ident(&mut b, 14).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, ip(0));
        let mut bad = ip(7);
        bad[24] ^= 1;
        let e = clear_ipv4_ident(&mut bad, 14).unwrap_err().to_string();
        assert!(e.contains("wrong IPv4 header checksum"), "{e}");
        assert!(
            clear_ipv4_ident(&mut ip(7), 0).is_err(),
            "not IPv4 at offset 0"
        );
    }

    #[test]
    fn count_mismatch() {
        let e = compare_frames(
            &ports(vec![frame(1), frame(2)]),
            &ports(vec![frame(1)]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("kernel sent 2 frame(s), lwt sent 1"), "{e}");
        assert!(e.contains("frame 1: only the kernel sent"), "{e}");
    }
}
