//! Packet I/O for lwt: where frames come from and go to.
//!
//! * [`pcap`] is the offline endpoint used by `lwt run`: one file of received frames per
//!   link in, one file of transmitted frames per link out.
//! * Live ports implement [`Port`]: [`AfPacketPort`] attaches to an existing Linux
//!   interface through TPACKET_V3 rings (`link add NAME type port dev IF`), [`TapPort`]
//!   creates a TAP interface (`link add NAME type tap`). [`open_port`] opens either.
//! * [`InterfaceClaim`] takes an interface away from the kernel's IP stack while lwt owns
//!   it, and gives it back on drop.

pub mod afpacket;
pub mod claim;
mod csum;
mod netns;
pub mod pcap;
pub mod port;
mod sys;
pub mod tap;

pub use afpacket::{AfPacketConfig, AfPacketPort};
pub use claim::InterfaceClaim;
pub use port::{Port, PortKind, PortStats, open_port};
pub use tap::TapPort;
