//! A small, forgiving frame decoder for *explaining* differences, not for validating.
//!
//! It maps byte offsets to field names (`ipv6.hop_limit`, `srh.segments[1]`,
//! `inner.ipv4.ttl`, `icmp_inner.ipv4.ident`) and renders a one-line summary per frame,
//! so a failed comparison says "offset 21 (ipv6.hop_limit): kernel 3f, lwt 40" instead of
//! leaving the reader to count hex bytes. Truncated or unknown data simply ends the walk.
//! Correctness of frames is tshark's job ([`crate::tshark`]).

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// A named byte range of a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Byte offsets within the frame.
    pub range: Range<usize>,
    /// Dotted name, prefixed by the nesting (`inner.`, `icmp_inner.`).
    pub name: String,
}

/// The fields and per-layer summaries of one frame.
#[derive(Clone, Debug, Default)]
pub struct Decoded {
    /// Named byte ranges in frame order.
    pub fields: Vec<Field>,
    /// One short description per layer, outermost first.
    pub layers: Vec<String>,
}

impl Decoded {
    /// The field containing byte `offset`, if the decoder got that far.
    pub fn field_at(&self, offset: usize) -> Option<&Field> {
        self.fields.iter().find(|f| f.range.contains(&offset))
    }
}

/// Decode an Ethernet frame as far as it goes.
pub fn decode(frame: &[u8]) -> Decoded {
    let mut w = Walker {
        d: frame,
        out: Decoded::default(),
    };
    w.eth(0, "");
    w.out
}

/// One line: the layers of `frame` separated by ` | `.
pub fn summary(frame: &[u8]) -> String {
    let d = decode(frame);
    format!("[{} bytes] {}", frame.len(), d.layers.join(" | "))
}

struct Walker<'a> {
    d: &'a [u8],
    out: Decoded,
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn v6(b: &[u8]) -> Ipv6Addr {
    Ipv6Addr::from(<[u8; 16]>::try_from(&b[..16]).unwrap())
}

fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl<'a> Walker<'a> {
    /// Name `len` bytes at `off` and return them, or name what is left as truncated.
    fn take(&mut self, p: &str, name: &str, off: usize, len: usize) -> Option<&'a [u8]> {
        let d = self.d;
        if off + len <= d.len() {
            self.out.fields.push(Field {
                range: off..off + len,
                name: format!("{p}{name}"),
            });
            Some(&d[off..off + len])
        } else {
            if off < d.len() {
                self.out.fields.push(Field {
                    range: off..d.len(),
                    name: format!("{p}{name} (truncated)"),
                });
            }
            self.out.layers.push(format!("{p}{name}: truncated"));
            None
        }
    }

    fn rest(&mut self, p: &str, name: &str, off: usize, end: usize) {
        let end = end.min(self.d.len());
        if off < end {
            self.out.fields.push(Field {
                range: off..end,
                name: format!("{p}{name}"),
            });
        }
    }

    fn eth(&mut self, off: usize, p: &str) -> Option<()> {
        let dst = mac(self.take(p, "eth.dst", off, 6)?);
        let src = mac(self.take(p, "eth.src", off + 6, 6)?);
        let mut o = off + 12;
        let mut et = be16(self.take(p, "eth.type", o, 2)?);
        let mut line = format!("{p}eth {src} > {dst}");
        while et == 0x8100 || et == 0x88a8 {
            // The field just named "eth.type" is really the tag's TPID.
            if let Some(f) = self.out.fields.last_mut() {
                f.name = format!("{p}vlan.tpid");
            }
            let tci = be16(self.take(p, "vlan.tci", o + 2, 2)?);
            let _ = write!(line, " vlan {} prio {}", tci & 0xfff, tci >> 13);
            o += 4;
            et = be16(self.take(p, "eth.type", o, 2)?);
        }
        let _ = write!(line, " type {et:#06x}");
        self.out.layers.push(line);
        let end = self.d.len();
        match et {
            0x0800 => self.ipv4(o + 2, p),
            0x86dd => self.ipv6(o + 2, p),
            0x0806 => self.arp(o + 2, p),
            _ => {
                self.rest(p, "eth.payload", o + 2, end);
                Some(())
            }
        }
    }

    fn arp(&mut self, off: usize, p: &str) -> Option<()> {
        self.take(p, "arp.htype_ptype", off, 4)?;
        self.take(p, "arp.hlen_plen", off + 4, 2)?;
        let op = be16(self.take(p, "arp.op", off + 6, 2)?);
        let sha = mac(self.take(p, "arp.sha", off + 8, 6)?);
        let spa = v4(self.take(p, "arp.spa", off + 14, 4)?);
        let tha = mac(self.take(p, "arp.tha", off + 18, 6)?);
        let tpa = v4(self.take(p, "arp.tpa", off + 24, 4)?);
        self.out
            .layers
            .push(format!("{p}arp op {op} {sha} {spa} -> {tha} {tpa}"));
        let end = self.d.len();
        self.rest(p, "eth.padding", off + 28, end);
        Some(())
    }

    fn ipv4(&mut self, off: usize, p: &str) -> Option<()> {
        let vihl = self.take(p, "ipv4.version_ihl", off, 1)?[0];
        let tos = self.take(p, "ipv4.tos", off + 1, 1)?[0];
        let total = be16(self.take(p, "ipv4.total_length", off + 2, 2)?) as usize;
        let id = be16(self.take(p, "ipv4.ident", off + 4, 2)?);
        let ff = be16(self.take(p, "ipv4.flags_fragment", off + 6, 2)?);
        let ttl = self.take(p, "ipv4.ttl", off + 8, 1)?[0];
        let proto = self.take(p, "ipv4.protocol", off + 9, 1)?[0];
        self.take(p, "ipv4.checksum", off + 10, 2)?;
        let src = v4(self.take(p, "ipv4.src", off + 12, 4)?);
        let dst = v4(self.take(p, "ipv4.dst", off + 16, 4)?);
        let ihl = usize::from(vihl & 0xf) * 4;
        if ihl > 20 {
            self.take(p, "ipv4.options", off + 20, ihl - 20)?;
        }
        self.out.layers.push(format!(
            "{p}ipv4 {src} > {dst} ttl {ttl} tos {tos:#04x} id {id:#06x} flags/frag {ff:#06x} proto {proto} len {total}"
        ));
        let end = (off + total).min(self.d.len());
        if ff & 0x1fff != 0 {
            self.rest(p, "ipv4.fragment_data", off + ihl.max(20), end);
            return Some(());
        }
        self.next(proto, off + ihl.max(20), end, p)?;
        if p.is_empty() {
            self.rest(p, "eth.padding", off + total, self.d.len());
        }
        Some(())
    }

    fn ipv6(&mut self, off: usize, p: &str) -> Option<()> {
        let vtf = be32(self.take(p, "ipv6.version_tclass_flowlabel", off, 4)?);
        let plen = be16(self.take(p, "ipv6.payload_length", off + 4, 2)?) as usize;
        let nh = self.take(p, "ipv6.next_header", off + 6, 1)?[0];
        let hl = self.take(p, "ipv6.hop_limit", off + 7, 1)?[0];
        let src = v6(self.take(p, "ipv6.src", off + 8, 16)?);
        let dst = v6(self.take(p, "ipv6.dst", off + 24, 16)?);
        self.out.layers.push(format!(
            "{p}ipv6 {src} > {dst} hlim {hl} tc {:#04x} flow {:#07x} nh {nh} plen {plen}",
            (vtf >> 20) & 0xff,
            vtf & 0xfffff
        ));
        let end = (off + 40 + plen).min(self.d.len());
        self.next(nh, off + 40, end, p)?;
        if p.is_empty() {
            self.rest(p, "eth.padding", off + 40 + plen, self.d.len());
        }
        Some(())
    }

    /// Decode what protocol number `proto` announces at `off`, up to `end`.
    fn next(&mut self, proto: u8, off: usize, end: usize, p: &str) -> Option<()> {
        match proto {
            0 | 60 => {
                let name = if proto == 0 { "hbh" } else { "dstopts" };
                let nh = self.take(p, &format!("{name}.next_header"), off, 1)?[0];
                let len =
                    (usize::from(self.take(p, &format!("{name}.length"), off + 1, 1)?[0]) + 1) * 8;
                self.take(p, &format!("{name}.options"), off + 2, len - 2)?;
                self.out.layers.push(format!("{p}{name} len {len}"));
                self.next(nh, off + len, end, p)
            }
            43 => self.routing(off, end, p),
            44 => {
                let nh = self.take(p, "frag.next_header", off, 1)?[0];
                self.take(p, "frag.reserved", off + 1, 1)?;
                let of = be16(self.take(p, "frag.offset_flags", off + 2, 2)?);
                let id = be32(self.take(p, "frag.ident", off + 4, 4)?);
                self.out.layers.push(format!(
                    "{p}frag offset {} more {} id {id:#x}",
                    of >> 3,
                    of & 1
                ));
                if of >> 3 == 0 {
                    self.next(nh, off + 8, end, p)
                } else {
                    self.rest(p, "frag.data", off + 8, end);
                    Some(())
                }
            }
            4 => self.ipv4(off, &format!("{p}inner.")),
            41 => self.ipv6(off, &format!("{p}inner.")),
            143 => self.eth(off, &format!("{p}inner.")),
            17 => self.udp(off, end, p),
            6 => self.tcp(off, end, p),
            1 => self.icmp(off, end, p),
            58 => self.icmpv6(off, end, p),
            50 => {
                let spi = be32(self.take(p, "esp.spi", off, 4)?);
                let seq = be32(self.take(p, "esp.seq", off + 4, 4)?);
                self.out
                    .layers
                    .push(format!("{p}esp spi {spi:#x} seq {seq}"));
                self.rest(p, "esp.data", off + 8, end);
                Some(())
            }
            59 => {
                self.out.layers.push(format!("{p}no-next-header"));
                self.rest(p, "payload", off, end);
                Some(())
            }
            other => {
                self.out.layers.push(format!("{p}proto {other}"));
                self.rest(p, &format!("proto{other}.payload"), off, end);
                Some(())
            }
        }
    }

    fn routing(&mut self, off: usize, end: usize, p: &str) -> Option<()> {
        let nh = self.take(p, "rh.next_header", off, 1)?[0];
        let hdrlen = usize::from(self.take(p, "rh.hdr_ext_len", off + 1, 1)?[0]);
        let typ = self.take(p, "rh.type", off + 2, 1)?[0];
        let sl = self.take(p, "rh.segments_left", off + 3, 1)?[0];
        let len = (hdrlen + 1) * 8;
        if typ != 4 {
            self.take(p, "rh.data", off + 4, len - 4)?;
            self.out
                .layers
                .push(format!("{p}routing type {typ} sl {sl}"));
            return self.next(nh, off + len, end, p);
        }
        // Rename the generic fields now that we know it is an SRH.
        let n = self.out.fields.len();
        for f in &mut self.out.fields[n - 4..] {
            f.name = f.name.replacen("rh.", "srh.", 1);
        }
        let le = self.take(p, "srh.last_entry", off + 4, 1)?[0];
        let flags = self.take(p, "srh.flags", off + 5, 1)?[0];
        let tag = be16(self.take(p, "srh.tag", off + 6, 2)?);
        let mut segs = Vec::new();
        let mut o = off + 8;
        for i in 0..=usize::from(le) {
            if o + 16 > off + len {
                break;
            }
            segs.push(v6(self.take(p, &format!("srh.segments[{i}]"), o, 16)?).to_string());
            o += 16;
        }
        while o + 2 <= off + len {
            let t = self.d.get(o).copied()?;
            if t == 0 {
                self.take(p, "srh.tlv.pad1", o, 1)?;
                o += 1;
                continue;
            }
            let l = usize::from(*self.d.get(o + 1)?);
            let name = match t {
                1 => "srh.tlv.ingress".to_string(),
                2 => "srh.tlv.egress".to_string(),
                4 => "srh.tlv.padn".to_string(),
                5 => "srh.tlv.hmac".to_string(),
                _ => format!("srh.tlv[type {t}]"),
            };
            self.take(p, &name, o, 2 + l)?;
            o += 2 + l;
        }
        self.rest(p, "srh.trailing", o, off + len);
        self.out.layers.push(format!(
            "{p}srh sl {sl} last_entry {le} flags {flags:#04x} tag {tag} nh {nh} [{}]",
            segs.join(", ")
        ));
        self.next(nh, off + len, end, p)
    }

    fn udp(&mut self, off: usize, end: usize, p: &str) -> Option<()> {
        let sport = be16(self.take(p, "udp.sport", off, 2)?);
        let dport = be16(self.take(p, "udp.dport", off + 2, 2)?);
        let len = be16(self.take(p, "udp.length", off + 4, 2)?);
        let csum = be16(self.take(p, "udp.checksum", off + 6, 2)?);
        self.out.layers.push(format!(
            "{p}udp {sport} > {dport} len {len} csum {csum:#06x}"
        ));
        if dport == 4789 {
            let flags = self.take(p, "vxlan.flags", off + 8, 4)?;
            let gbp = if flags[0] & 0x80 != 0 {
                format!(" gbp {:#06x}", be16(&flags[2..4]))
            } else {
                String::new()
            };
            let vni = self.take(p, "vxlan.vni", off + 12, 3)?;
            let vni = u32::from_be_bytes([0, vni[0], vni[1], vni[2]]);
            self.take(p, "vxlan.reserved", off + 15, 1)?;
            self.out.layers.push(format!("{p}vxlan vni {vni}{gbp}"));
            return self.eth(off + 16, &format!("{p}inner."));
        }
        self.rest(p, "udp.payload", off + 8, end);
        Some(())
    }

    fn tcp(&mut self, off: usize, end: usize, p: &str) -> Option<()> {
        let sport = be16(self.take(p, "tcp.sport", off, 2)?);
        let dport = be16(self.take(p, "tcp.dport", off + 2, 2)?);
        self.take(p, "tcp.seq", off + 4, 4)?;
        self.take(p, "tcp.ack", off + 8, 4)?;
        let of = be16(self.take(p, "tcp.offset_flags", off + 12, 2)?);
        self.take(p, "tcp.window", off + 14, 2)?;
        self.take(p, "tcp.checksum", off + 16, 2)?;
        self.take(p, "tcp.urgent", off + 18, 2)?;
        let hl = usize::from(of >> 12) * 4;
        if hl > 20 {
            self.take(p, "tcp.options", off + 20, hl - 20)?;
        }
        self.out.layers.push(format!(
            "{p}tcp {sport} > {dport} flags {:#05x}",
            of & 0x1ff
        ));
        self.rest(p, "tcp.payload", off + hl.max(20), end);
        Some(())
    }

    fn icmp(&mut self, off: usize, end: usize, p: &str) -> Option<()> {
        let t = self.take(p, "icmp.type", off, 1)?[0];
        let c = self.take(p, "icmp.code", off + 1, 1)?[0];
        self.take(p, "icmp.checksum", off + 2, 2)?;
        self.out.layers.push(format!("{p}icmp type {t} code {c}"));
        match t {
            0 | 8 => {
                self.take(p, "icmp.id", off + 4, 2)?;
                self.take(p, "icmp.seq", off + 6, 2)?;
                self.rest(p, "icmp.data", off + 8, end);
            }
            3 | 5 | 11 | 12 => {
                self.take(p, "icmp.rest_of_header", off + 4, 4)?;
                return self.ipv4(off + 8, &format!("{p}icmp_inner."));
            }
            _ => self.rest(p, "icmp.body", off + 4, end),
        }
        Some(())
    }

    fn icmpv6(&mut self, off: usize, end: usize, p: &str) -> Option<()> {
        let t = self.take(p, "icmpv6.type", off, 1)?[0];
        let c = self.take(p, "icmpv6.code", off + 1, 1)?[0];
        self.take(p, "icmpv6.checksum", off + 2, 2)?;
        let name = match t {
            1 => "dest-unreachable",
            2 => "packet-too-big",
            3 => "time-exceeded",
            4 => "parameter-problem",
            128 => "echo-request",
            129 => "echo-reply",
            130 => "mld-query",
            131 => "mld-report",
            132 => "mld-done",
            133 => "router-solicitation",
            134 => "router-advertisement",
            135 => "neighbour-solicitation",
            136 => "neighbour-advertisement",
            137 => "redirect",
            143 => "mldv2-report",
            _ => "",
        };
        let mut line = format!("{p}icmpv6 type {t} code {c} {name}");
        match t {
            1..=4 => {
                let v = be32(self.take(p, "icmpv6.param", off + 4, 4)?);
                let _ = write!(line, " param {v}");
                self.out.layers.push(line);
                return self.ipv6(off + 8, &format!("{p}icmp_inner."));
            }
            128 | 129 => {
                self.take(p, "icmpv6.id", off + 4, 2)?;
                self.take(p, "icmpv6.seq", off + 6, 2)?;
                self.rest(p, "icmpv6.data", off + 8, end);
            }
            135 | 136 => {
                self.take(p, "icmpv6.flags_reserved", off + 4, 4)?;
                let target = v6(self.take(p, "icmpv6.target", off + 8, 16)?);
                let _ = write!(line, " target {target}");
                self.rest(p, "icmpv6.options", off + 24, end);
            }
            _ => self.rest(p, "icmpv6.body", off + 4, end),
        }
        self.out.layers.push(line);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{Ipv4, Ipv6, ethernet_ip, ip4, ip6, mac, proto, srh_for_path};

    #[test]
    fn names_ipv6_fields() {
        let ip = Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(1, 2, b"x");
        let f = ethernet_ip(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), &ip);
        let d = decode(&f);
        assert_eq!(d.field_at(21).unwrap().name, "ipv6.hop_limit");
        assert_eq!(d.field_at(14 + 40 + 6).unwrap().name, "udp.checksum");
        assert_eq!(d.field_at(14 + 40 + 8).unwrap().name, "udp.payload");
        assert!(summary(&f).contains("udp 1 > 2"), "{}", summary(&f));
    }

    #[test]
    fn names_srh_and_inner() {
        let inner = Ipv4::new(ip4("10.0.0.1"), ip4("10.0.0.2")).udp(1, 2, b"");
        let outer = Ipv6::new(ip6("fc00::a"), ip6("fc00::1")).with_srh(
            &srh_for_path(proto::IPIP, &[ip6("fc00::1"), ip6("fc00::2")]),
            &inner,
        );
        let f = ethernet_ip(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), &outer);
        let d = decode(&f);
        assert_eq!(d.field_at(14 + 40 + 3).unwrap().name, "srh.segments_left");
        assert_eq!(
            d.field_at(14 + 40 + 8 + 16).unwrap().name,
            "srh.segments[1]"
        );
        assert_eq!(d.field_at(14 + 40 + 40 + 8).unwrap().name, "inner.ipv4.ttl");
    }

    #[test]
    fn truncated_does_not_panic() {
        let ip = Ipv6::new(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(1, 2, b"x");
        let f = ethernet_ip(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), &ip);
        for n in 0..f.len() {
            let _ = summary(&f[..n]);
        }
    }
}
