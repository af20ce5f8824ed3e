//! The common interface of live ports, and the constructor the daemon uses.
//!
//! A port moves whole Ethernet frames (no FCS) in batches:
//!
//! * RX: the caller polls [`Port::fd`] for readability and then drains with
//!   [`Port::recv_batch`], which hands each frame to a callback as a borrowed slice
//!   (zero-copy from the AF_PACKET ring) and never blocks.
//! * TX: [`Port::send`] copies a frame into the port's transmit ring; [`Port::flush`]
//!   tells the kernel to transmit everything queued, with one syscall.
//!
//! A port never allocates per packet. See [`crate::afpacket`] and [`crate::tap`] for how
//! each kind keeps that promise.

use std::io;
use std::os::fd::RawFd;

use crate::afpacket::{AfPacketConfig, AfPacketPort};
use crate::tap::TapPort;

/// A batch-oriented live port. Frames are whole Ethernet frames (no FCS).
pub trait Port: Send {
    /// The port's name (the lwt link name).
    fn name(&self) -> &str;
    /// Raw fd to poll for readability (epoll/poll by the caller).
    fn fd(&self) -> RawFd;
    /// Calls `f` for each received frame, up to `max`; returns how many. Never blocks.
    /// The slice is valid only during the call (zero-copy from the ring).
    fn recv_batch(&mut self, max: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<usize>;
    /// Queues one frame for transmission (copied into the TX ring / buffer); false if it
    /// cannot be queued: the ring is full (flush and retry) or the frame is larger than a
    /// TX slot (counted in [`PortStats::tx_oversize`]).
    fn send(&mut self, frame: &[u8]) -> bool;
    /// Kicks the kernel to transmit everything queued (one syscall per batch).
    fn flush(&mut self) -> io::Result<()>;
    /// Whether the underlying interface exists and is up (for recovery).
    fn is_up(&self) -> bool;
    /// Counters kept by the port and the kernel since the previous call (the kernel's
    /// `PACKET_STATISTICS` reset when read, so these are deltas). Costs a syscall: call it
    /// from the control path, not per batch.
    fn stats(&mut self) -> PortStats {
        PortStats::default()
    }
}

/// What a port counted since the previous [`Port::stats`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Frames the kernel dropped because the RX ring was full.
    pub rx_ring_drops: u64,
    /// Frames skipped because they did not fit a ring block (`tp_snaplen < tp_len`).
    pub rx_truncated: u64,
    /// Frames whose TCP/UDP checksum was left for offload (`TP_STATUS_CSUMNOTREADY`) and
    /// was completed in software by the port.
    pub rx_csum_fixed: u64,
    /// Frames the port refused in `send` because the TX ring was full.
    pub tx_ring_full: u64,
    /// Frames the port refused in `send` because they are larger than a TX slot.
    pub tx_oversize: u64,
}

/// Which kind of live port to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// An AF_PACKET socket on an existing Linux interface (`link add NAME type port`).
    AfPacket,
    /// A TAP interface lwt creates and owns (`link add NAME type tap`).
    Tap,
}

/// Opens a live port called `name` (the lwt link name) on Linux interface `dev`.
///
/// * [`PortKind::AfPacket`]: attaches to the existing interface `dev` with
///   [`AfPacketConfig::default`]. Taking the interface away from the kernel's IP stack is
///   a separate step: [`crate::claim::InterfaceClaim`].
/// * [`PortKind::Tap`]: creates the TAP interface `dev` (normally equal to `name`); it
///   disappears when the port is dropped.
///
/// Runs in the network namespace of the calling thread.
pub fn open_port(kind: PortKind, name: &str, dev: &str) -> io::Result<Box<dyn Port>> {
    Ok(match kind {
        // A dataplane port bypasses the qdisc layer on transmit (PACKET_QDISC_BYPASS):
        // lwt queues in its own ring, the kernel's queueing would only add cost.
        PortKind::AfPacket => {
            let cfg = AfPacketConfig {
                qdisc_bypass: true,
                ..AfPacketConfig::default()
            };
            Box::new(AfPacketPort::open(dev, &cfg)?.with_name(name))
        }
        PortKind::Tap => Box::new(TapPort::create(dev)?.with_name(name)),
    })
}
