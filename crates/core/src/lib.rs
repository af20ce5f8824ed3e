//! lwt-core: the router model, the lightweight-tunnel framework and the packet path.
//!
//! - [`router::Router`]: configuration state (links, addresses, routes, rules,
//!   neighbours, sysctls, SR settings) and the application of typed commands with the
//!   kernel's checks.
//! - [`dataplane::Dataplane`]: the immutable snapshot compiled from it (`Router::dataplane`).
//! - [`path::process`]: the sans-I/O packet path over a snapshot.

pub mod build;
pub mod dataplane;
pub mod drop_reason;
pub mod error;
pub mod flat;
pub mod lwt;
pub mod packet;
pub mod path;
pub mod router;
pub mod show;
pub mod stats;
pub mod sysctl;
pub mod tunnel;
pub mod vxlan;
pub mod vxlan_config;

pub use dataplane::Dataplane;
pub use drop_reason::DropReason;
pub use error::ApplyError;
pub use packet::PacketBuf;
pub use path::{Verdict, Worker, process, process_batch};
pub use router::Router;
