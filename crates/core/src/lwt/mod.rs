//! Lightweight-tunnel state attached to routes (the kernel's `lwtunnel_state`).
//!
//! One enum over the encap types. Each variant is validated when the route is installed
//! and compiled when a snapshot is built (templates, resolved sources, precomputed HMACs),
//! so the packet path only copies and patches.

pub mod hmac;
pub mod ip_tun;
pub mod mpls;
pub mod seg6;
pub mod seg6local;

pub use ip_tun::IpTunState;
pub use mpls::MplsEncap;
pub use seg6::Seg6Encap;
pub use seg6local::Seg6Local;

/// Compiled per-nexthop encapsulation state.
#[derive(Debug, Clone)]
pub enum Lwt {
    /// Shared with the flattened walk's results, which lead to it directly.
    Seg6(std::sync::Arc<Seg6Encap>),
    /// Shared likewise (a SID's result leads to its behaviour).
    Seg6Local(std::sync::Arc<Seg6Local>),
    /// `encap ip` / `encap ip6`: inert, read by the device (no redirect flags).
    IpTun(Box<IpTunState>),
    /// `encap mpls`: the xmit hook (XMIT_REDIRECT).
    Mpls(Box<MplsEncap>),
}

impl Lwt {
    /// Starts loading the state (the batched path warms it before use).
    #[inline]
    pub(crate) fn prefetch(&self) {
        use crate::path::prefetch;
        match self {
            Lwt::Seg6(s) => s.prefetch(),
            Lwt::Seg6Local(s) => prefetch(&**s),
            Lwt::IpTun(s) => prefetch(&**s),
            Lwt::Mpls(s) => prefetch(&**s),
        }
    }

    /// Whether the state replaces forwarding of received packets (INPUT_REDIRECT).
    pub fn has_input(&self) -> bool {
        matches!(self, Lwt::Seg6(_) | Lwt::Seg6Local(_))
    }

    /// Whether the state replaces output of locally generated packets (OUTPUT_REDIRECT).
    /// seg6 has it for every mode except l2encap (l2encap.red keeps it, as in Linux).
    pub fn has_output(&self) -> bool {
        match self {
            Lwt::Seg6(s) => s.mode != seg6::Mode::L2Encap,
            // seg6local is INPUT_REDIRECT only: locally generated packets to a SID are
            // routed normally.
            Lwt::Seg6Local(_) => false,
            Lwt::IpTun(_) | Lwt::Mpls(_) => false,
        }
    }

    /// Whether the state hooks transmission right before neighbour resolution
    /// (XMIT_REDIRECT).
    pub fn has_xmit(&self) -> bool {
        matches!(self, Lwt::Mpls(_))
    }

    /// `lwtunnel_headroom`: what the route MTU loses to the encapsulation (only states
    /// with an output or xmit redirect count).
    pub fn mtu_headroom(&self) -> usize {
        match self {
            Lwt::Mpls(m) => m.headroom(),
            _ => 0,
        }
    }
}
