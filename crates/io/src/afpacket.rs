//! AF_PACKET ports: an mmap'd TPACKET_V3 RX ring and a TX ring on one socket.
//!
//! One `SOCK_RAW` packet socket per port carries both rings in a single mapping (RX blocks
//! first, TX slots after them). Receiving costs no syscall at all: frames are read from
//! the ring in place. Transmitting costs one `send(2)` per batch, which makes the kernel
//! take every queued slot of the TX ring. Nothing is allocated per packet. The ring
//! layouts and the memory-ordering reasoning are documented in `afpacket/rx.rs` and
//! `afpacket/tx.rs`.
//!
//! # Why a TX ring rather than `sendmmsg`
//!
//! Both make one syscall per batch, and over a veth on the 2-core development VM they
//! measured the same within run-to-run noise (64-byte frames, TX path alone: 0.8–1.6 Mpps
//! for either; see the `bench_veth_pps` ignored test). The ring was kept because the kernel
//! builds its skbs with the frame data referenced from the ring pages (no per-frame copy
//! into an skb, which matters for large frames on real NICs), the kick takes no arguments,
//! completions need no bookkeeping on our side, and RX and TX share one socket per port.
//! A test fills a 64-slot ring 15 times over before the peer reads anything, and every
//! frame arrives intact.
//!
//! Socket setup, in this order (each step matters):
//!
//! 1. `socket(AF_PACKET, SOCK_RAW, 0)`: protocol 0 receives nothing yet, so no frame of
//!    another interface slips into the ring before `bind`.
//! 2. `PACKET_VERSION = TPACKET_V3`, `PACKET_IGNORE_OUTGOING` (frames sent on the interface,
//!    ours or the kernel's, are not looped back into our RX ring), `PACKET_LOSS` (a bad TX
//!    frame is dropped instead of stalling the TX ring), `PACKET_QDISC_BYPASS` if asked.
//! 3. `PACKET_RX_RING` and `PACKET_TX_RING`, then one `mmap` of both.
//! 4. `bind` to the interface with `ETH_P_ALL`.
//! 5. `PACKET_ADD_MEMBERSHIP` / `PACKET_MR_PROMISC`: lwt answers for its own MACs, which
//!    may differ from the interface's. The membership belongs to the socket (the kernel
//!    counts promiscuity users), so the interface's own flag is left alone and the
//!    kernel drops the membership when the socket closes, even if lwt crashes.
//! 6. `PACKET_FANOUT` (hash mode) if a group id is configured, so several workers, each
//!    with its own port on the same interface, share the load per flow.
//!
//! Interface ioctls (`is_up`) go through this socket, so they are answered in the
//! namespace the port was opened in, whichever thread asks.

mod mmap;
mod rx;
mod tx;

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::port::{Port, PortStats};
use crate::sys::{self, ctx};
use mmap::RingMap;
use rx::RxRing;
use tx::TxRing;

/// Ring geometry and socket options of an [`AfPacketPort`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfPacketConfig {
    /// Bytes per RX block: a multiple of the page size (a power of two wastes nothing).
    /// Also the largest frame that can be received.
    pub block_size: usize,
    /// Number of RX blocks.
    pub block_count: usize,
    /// Bytes per TX slot, header (48 B) included: a multiple of 16. `frame_size - 48` is
    /// the largest frame `send` accepts.
    pub frame_size: usize,
    /// Number of TX slots (rounded up to fill whole TX blocks).
    pub tx_frames: usize,
    /// How long (ms) the kernel holds a partly filled RX block before handing it over:
    /// the worst-case added latency at low rates. 0 lets the kernel choose (~8 ms).
    pub timeout_ms: u32,
    /// Join `PACKET_FANOUT` group `id` in hash mode (one port per worker).
    pub fanout: Option<u16>,
    /// `PACKET_QDISC_BYPASS`: transmit straight to the driver, skipping the qdisc (and
    /// the taps: tcpdump on the interface no longer sees lwt's frames).
    pub qdisc_bypass: bool,
}

impl Default for AfPacketConfig {
    /// Sized for a small VM: 4 × 256 KiB RX blocks (about 2,800 minimum-size frames or
    /// 650 full-size ones in flight), 512 TX slots of 2 KiB, 1 ms block timeout.
    fn default() -> Self {
        AfPacketConfig {
            block_size: 256 << 10,
            block_count: 4,
            frame_size: 2048,
            tx_frames: 512,
            timeout_ms: 1,
            fanout: None,
            qdisc_bypass: false,
        }
    }
}

/// A live port on an existing Linux interface through AF_PACKET rings.
pub struct AfPacketPort {
    name: String,
    ifname: String,
    ifindex: i32,
    rx: RxRing,
    tx: TxRing,
    /// Declared before `fd`: unmapped before the socket closes.
    map: RingMap,
    fd: OwnedFd,
    promisc: bool,
}

// SAFETY: the port exclusively owns its socket and mapping; the raw pointer inside
// `RingMap` refers to that mapping, which is valid from any thread. Nothing is tied to
// the creating thread (the socket keeps its namespace by itself).
unsafe impl Send for AfPacketPort {}

fn bad_config(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The kernel's page size.
fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as usize } else { 4096 }
}

/// TX ring geometry derived from the config: (block size, block count, slots).
fn tx_geometry(cfg: &AfPacketConfig, page: usize) -> (usize, usize, usize) {
    let block = cfg.frame_size.next_power_of_two().max(page);
    let per_block = block / cfg.frame_size;
    let blocks = cfg.tx_frames.div_ceil(per_block);
    (block, blocks, blocks * per_block)
}

fn validate(cfg: &AfPacketConfig, page: usize) -> io::Result<()> {
    if cfg.block_size == 0
        || !cfg.block_size.is_multiple_of(page)
        || cfg.block_size > u32::MAX as usize
    {
        return Err(bad_config(format!(
            "block_size {} is not a multiple of the page size {page}",
            cfg.block_size
        )));
    }
    if cfg.block_count == 0 {
        return Err(bad_config("block_count must be at least 1".into()));
    }
    if cfg.frame_size < libc::TPACKET3_HDRLEN + 64
        || !cfg.frame_size.is_multiple_of(16)
        || cfg.frame_size > cfg.block_size
    {
        return Err(bad_config(format!(
            "frame_size {} must be a multiple of 16 between {} and block_size",
            cfg.frame_size,
            libc::TPACKET3_HDRLEN + 64
        )));
    }
    if cfg.tx_frames == 0 {
        return Err(bad_config("tx_frames must be at least 1".into()));
    }
    Ok(())
}

fn set_int(
    fd: RawFd,
    level: libc::c_int,
    opt: libc::c_int,
    val: libc::c_int,
    what: &str,
) -> io::Result<()> {
    sys::setsockopt(fd, level, opt, &val).map_err(|e| ctx(e, what))
}

fn ring_req(
    block_size: usize,
    blocks: usize,
    frame_size: usize,
    timeout_ms: u32,
) -> libc::tpacket_req3 {
    libc::tpacket_req3 {
        tp_block_size: block_size as u32,
        tp_block_nr: blocks as u32,
        tp_frame_size: frame_size as u32,
        tp_frame_nr: ((block_size / frame_size) * blocks) as u32,
        tp_retire_blk_tov: timeout_ms,
        tp_sizeof_priv: 0,
        tp_feature_req_word: 0,
    }
}

impl AfPacketPort {
    /// Attaches to `ifname` in the calling thread's network namespace.
    pub fn open(ifname: &str, cfg: &AfPacketConfig) -> io::Result<Self> {
        Self::open_inner(ifname, cfg).map_err(|e| ctx(e, format!("AF_PACKET port on {ifname}")))
    }

    fn open_inner(ifname: &str, cfg: &AfPacketConfig) -> io::Result<Self> {
        let page = page_size();
        validate(cfg, page)?;
        let fd = sys::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, 0)?;
        let raw = fd.as_raw_fd();
        let ifindex = sys::if_index(raw, ifname)?;

        let v3 = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        set_int(
            raw,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            v3,
            "PACKET_VERSION",
        )?;
        match set_int(
            raw,
            libc::SOL_PACKET,
            libc::PACKET_IGNORE_OUTGOING,
            1,
            "PACKET_IGNORE_OUTGOING",
        ) {
            // Before Linux 4.20: the RX path checks sll_pkttype instead.
            Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
            r => r?,
        }
        set_int(raw, libc::SOL_PACKET, libc::PACKET_LOSS, 1, "PACKET_LOSS")?;
        if cfg.qdisc_bypass {
            set_int(
                raw,
                libc::SOL_PACKET,
                libc::PACKET_QDISC_BYPASS,
                1,
                "PACKET_QDISC_BYPASS",
            )?;
        }
        // Frames in flight on the TX ring are charged to the send buffer; the default
        // (~200 KiB) would stall a full ring. SO_SNDBUFFORCE needs CAP_NET_ADMIN.
        let (tx_block, tx_blocks, tx_slots) = tx_geometry(cfg, page);
        let sndbuf = (tx_slots * (cfg.frame_size + 1024)).min(i32::MAX as usize) as libc::c_int;
        if set_int(
            raw,
            libc::SOL_SOCKET,
            libc::SO_SNDBUFFORCE,
            sndbuf,
            "SO_SNDBUFFORCE",
        )
        .is_err()
        {
            set_int(raw, libc::SOL_SOCKET, libc::SO_SNDBUF, sndbuf, "SO_SNDBUF")?;
        }

        let rx_req = ring_req(
            cfg.block_size,
            cfg.block_count,
            cfg.frame_size,
            cfg.timeout_ms,
        );
        sys::setsockopt(raw, libc::SOL_PACKET, libc::PACKET_RX_RING, &rx_req)
            .map_err(|e| ctx(e, "PACKET_RX_RING"))?;
        let tx_req = ring_req(tx_block, tx_blocks, cfg.frame_size, 0);
        sys::setsockopt(raw, libc::SOL_PACKET, libc::PACKET_TX_RING, &tx_req)
            .map_err(|e| ctx(e, "PACKET_TX_RING"))?;
        let rx_len = cfg.block_size * cfg.block_count;
        let map = RingMap::new(raw, rx_len + tx_block * tx_blocks)
            .map_err(|e| ctx(e, "mmap of the rings"))?;

        // SAFETY: all-zero is a valid sockaddr_ll; the fields that matter are set below.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex;
        // SAFETY: pointer to and size of a live sockaddr_ll.
        sys::cvt(unsafe {
            libc::bind(
                raw,
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })
        .map_err(|e| ctx(e, "bind"))?;

        let mut port = AfPacketPort {
            name: ifname.to_string(),
            ifname: ifname.to_string(),
            ifindex,
            rx: RxRing::new(0, cfg.block_size, cfg.block_count),
            tx: TxRing::new(rx_len, cfg.frame_size, tx_slots),
            map,
            fd,
            promisc: false,
        };
        port.set_promiscuous(true)?;
        if let Some(id) = cfg.fanout {
            let arg = libc::c_int::from(id) | ((libc::PACKET_FANOUT_HASH as libc::c_int) << 16);
            set_int(
                raw,
                libc::SOL_PACKET,
                libc::PACKET_FANOUT,
                arg,
                "PACKET_FANOUT",
            )?;
        }
        Ok(port)
    }

    /// Renames the port (the lwt link name); the interface is unchanged.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The Linux interface the port is bound to.
    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// The largest frame [`Port::send`] accepts.
    pub fn max_tx_frame(&self) -> usize {
        self.tx.max_frame()
    }

    /// Receive frames for every destination MAC (on by default), through a
    /// `PACKET_MR_PROMISC` membership of this socket rather than the interface flag.
    pub fn set_promiscuous(&mut self, on: bool) -> io::Result<()> {
        if on == self.promisc {
            return Ok(());
        }
        let mreq = libc::packet_mreq {
            mr_ifindex: self.ifindex,
            mr_type: libc::PACKET_MR_PROMISC as u16,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        let opt = if on {
            libc::PACKET_ADD_MEMBERSHIP
        } else {
            libc::PACKET_DROP_MEMBERSHIP
        };
        sys::setsockopt(self.fd.as_raw_fd(), libc::SOL_PACKET, opt, &mreq)
            .map_err(|e| ctx(e, "PACKET_MR_PROMISC"))?;
        self.promisc = on;
        Ok(())
    }
}

impl Port for AfPacketPort {
    fn name(&self) -> &str {
        &self.name
    }

    fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn recv_batch(&mut self, max: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<usize> {
        Ok(self.rx.recv(&self.map, max, f))
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        self.tx.send(&self.map, frame)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tx.flush(self.fd.as_raw_fd())
    }

    fn is_up(&self) -> bool {
        sys::if_is_up(self.fd.as_raw_fd(), &self.ifname, self.ifindex)
    }

    fn stats(&mut self) -> PortStats {
        let kernel: libc::tpacket_stats_v3 = sys::getsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
        )
        .unwrap_or(libc::tpacket_stats_v3 {
            tp_packets: 0,
            tp_drops: 0,
            tp_freeze_q_cnt: 0,
        });
        let s = PortStats {
            rx_ring_drops: u64::from(kernel.tp_drops),
            rx_truncated: self.rx.counters.truncated,
            rx_csum_fixed: self.rx.counters.csum_fixed,
            tx_ring_full: self.tx.full,
            tx_oversize: self.tx.oversize,
        };
        self.rx.counters = Default::default();
        self.tx.full = 0;
        self.tx.oversize = 0;
        s
    }
}

impl std::fmt::Debug for AfPacketPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfPacketPort")
            .field("name", &self.name)
            .field("ifname", &self.ifname)
            .field("ifindex", &self.ifindex)
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid_and_tx_geometry_fills_blocks() {
        let cfg = AfPacketConfig::default();
        validate(&cfg, 4096).unwrap();
        assert_eq!(tx_geometry(&cfg, 4096), (4096, 256, 512));
        let odd = AfPacketConfig {
            frame_size: 2048 + 16,
            tx_frames: 5,
            ..cfg.clone()
        };
        // 2064-byte slots in 4 KiB blocks: one slot per block.
        assert_eq!(tx_geometry(&odd, 4096), (4096, 5, 5));
    }

    #[test]
    fn bad_configs_are_rejected() {
        let cfg = AfPacketConfig::default();
        for bad in [
            AfPacketConfig {
                block_size: 1000,
                ..cfg.clone()
            },
            AfPacketConfig {
                block_count: 0,
                ..cfg.clone()
            },
            AfPacketConfig {
                frame_size: 2050,
                ..cfg.clone()
            },
            AfPacketConfig {
                tx_frames: 0,
                ..cfg.clone()
            },
        ] {
            assert!(validate(&bad, 4096).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tx_data_offset_matches_the_kernel() {
        // tp_hdrlen (68 for V3) - sizeof(sockaddr_ll) (20).
        assert_eq!(tx::TX_DATA_OFFSET, 48);
    }
}
