//! Reading and writing the pcap files lwt's offline runner consumes and produces.
//!
//! Inputs are classic pcap (microsecond timestamps, `LINKTYPE_ETHERNET`), the format
//! every tool reads. Outputs are read whether lwt writes pcap or pcapng, so the test kit
//! does not pin that choice; only Ethernet link types are accepted, since a comparison
//! of frames with different link headers would be meaningless.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::Path;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::{DataLink, Endianness};

use crate::error::{Context, Error, Result};

/// Write `frames` with their timestamps as an Ethernet pcap.
pub fn write_pcap(path: &Path, frames: &[(Duration, &[u8])]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("create {}", path.display()))?;
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        snaplen: 262_144,
        endianness: Endianness::Little,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(BufWriter::new(file), header)
        .with_context(|| format!("write {}", path.display()))?;
    for (ts, data) in frames {
        w.write_packet(&PcapPacket::new(*ts, data.len() as u32, data))
            .with_context(|| format!("write {}", path.display()))?;
    }
    Ok(())
}

/// Write `frames` 1 ms apart, starting at t = 1 s.
pub fn write_frames(path: &Path, frames: &[Vec<u8>]) -> Result<()> {
    let timed: Vec<(Duration, &[u8])> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                Duration::from_secs(1) + Duration::from_millis(i as u64),
                f.as_slice(),
            )
        })
        .collect();
    write_pcap(path, &timed)
}

/// Read every frame of a pcap or pcapng file with an Ethernet link type.
pub fn read_pcap(path: &Path) -> Result<Vec<Vec<u8>>> {
    read_pcap_inner(path).with_context(|| format!("read {}", path.display()))
}

fn read_pcap_inner(path: &Path) -> Result<Vec<Vec<u8>>> {
    let mut magic = [0u8; 4];
    File::open(path)?.read_exact(&mut magic)?;
    let file = BufReader::new(File::open(path)?);
    let mut out = Vec::new();
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = PcapNgReader::new(file)?;
        let mut linktypes = Vec::new();
        while let Some(block) = r.next_block() {
            match block? {
                Block::InterfaceDescription(idb) => linktypes.push(idb.linktype),
                Block::EnhancedPacket(epb) => {
                    let lt = linktypes.get(epb.interface_id as usize).copied();
                    check_ethernet(lt)?;
                    out.push(epb.data.into_owned());
                }
                Block::SimplePacket(spb) => {
                    check_ethernet(linktypes.first().copied())?;
                    out.push(spb.data.into_owned());
                }
                _ => {}
            }
        }
    } else {
        let mut r = PcapReader::new(file)?;
        check_ethernet(Some(r.header().datalink))?;
        while let Some(p) = r.next_packet() {
            let p = p?;
            if p.data.len() != p.orig_len as usize {
                return Err(Error::new(format!(
                    "frame truncated in capture ({} of {} bytes)",
                    p.data.len(),
                    p.orig_len
                )));
            }
            out.push(p.data.into_owned());
        }
    }
    Ok(out)
}

fn check_ethernet(lt: Option<DataLink>) -> Result<()> {
    match lt {
        Some(DataLink::ETHERNET) => Ok(()),
        other => Err(Error::new(format!(
            "link type {other:?}, expected ETHERNET"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let dir = crate::tmp::TempDir::new("pcap").unwrap();
        let p = dir.path().join("x.pcap");
        let frames = vec![vec![1u8; 60], vec![2u8; 14], vec![]];
        write_frames(&p, &frames).unwrap();
        assert_eq!(read_pcap(&p).unwrap(), frames);
    }
}
