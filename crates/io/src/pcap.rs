//! Offline pcap endpoints (classic pcap, Ethernet link type).

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};

/// What went wrong reading or writing a capture file, with the file named.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a readable pcap file: {detail}")]
    Format { path: PathBuf, detail: String },
    #[error("{path}: link type {linktype:?} is not Ethernet; lwt ports carry Ethernet frames")]
    LinkType { path: PathBuf, linktype: DataLink },
}

/// One captured frame with its timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub ts: Duration,
    pub data: Vec<u8>,
}

/// Reads every frame of an Ethernet pcap file.
pub fn read_frames(path: &Path) -> Result<Vec<Frame>, PcapError> {
    let file = File::open(path).map_err(|source| PcapError::Io {
        path: path.into(),
        source,
    })?;
    let format = |e: pcap_file::PcapError| PcapError::Format {
        path: path.into(),
        detail: e.to_string(),
    };
    let mut reader = PcapReader::new(BufReader::new(file)).map_err(format)?;
    let linktype = reader.header().datalink;
    if linktype != DataLink::ETHERNET {
        return Err(PcapError::LinkType {
            path: path.into(),
            linktype,
        });
    }
    let mut frames = Vec::new();
    while let Some(pkt) = reader.next_packet() {
        let pkt = pkt.map_err(format)?;
        frames.push(Frame {
            ts: pkt.timestamp,
            data: pkt.data.into_owned(),
        });
    }
    Ok(frames)
}

/// Writes frames to an Ethernet pcap file as they are transmitted.
pub struct PcapSink {
    path: PathBuf,
    writer: PcapWriter<BufWriter<File>>,
}

impl PcapSink {
    pub fn create(path: &Path) -> Result<Self, PcapError> {
        let file = File::create(path).map_err(|source| PcapError::Io {
            path: path.into(),
            source,
        })?;
        let header = PcapHeader {
            datalink: DataLink::ETHERNET,
            snaplen: 65535,
            ..Default::default()
        };
        let writer = PcapWriter::with_header(BufWriter::new(file), header).map_err(|e| {
            PcapError::Format {
                path: path.into(),
                detail: e.to_string(),
            }
        })?;
        Ok(Self {
            path: path.into(),
            writer,
        })
    }

    pub fn write(&mut self, ts: Duration, data: &[u8]) -> Result<(), PcapError> {
        let pkt = PcapPacket::new(ts, data.len() as u32, data);
        self.writer
            .write_packet(&pkt)
            .map(|_| ())
            .map_err(|e| PcapError::Format {
                path: self.path.clone(),
                detail: e.to_string(),
            })
    }

    /// Flushes buffered frames to disk.
    pub fn finish(self) -> Result<(), PcapError> {
        let path = self.path;
        let mut w = self.writer.into_writer();
        std::io::Write::flush(&mut w).map_err(|source| PcapError::Io { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trip() {
        let dir = std::env::temp_dir().join(format!("lwt-io-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.pcap");
        let mut sink = PcapSink::create(&path).unwrap();
        sink.write(Duration::from_micros(5), &[1, 2, 3]).unwrap();
        sink.write(Duration::from_micros(9), &[4; 60]).unwrap();
        sink.finish().unwrap();
        let frames = read_frames(&path).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].data, vec![1, 2, 3]);
        assert_eq!(frames[1].ts, Duration::from_micros(9));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_frames(Path::new("/nonexistent/lwt.pcap")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/lwt.pcap"));
    }
}
