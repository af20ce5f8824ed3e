//! `encap ip` / `encap ip6` (LWTUNNEL_ENCAP_IP / IP6, net/ipv4/ip_tunnel_core.c
//! `ip_tun_build_state`): no hook of its own. The state is read by the route's device —
//! a flow-based VXLAN device — through [`crate::tunnel::tunnel_info`].

use crate::tunnel::TunnelInfo;
use crate::vxlan::VxlanTemplate;

/// A compiled `encap ip` / `encap ip6` next hop.
#[derive(Debug, Clone)]
pub struct IpTunState {
    pub info: TunnelInfo,
    /// When the next hop's device is a VXLAN device and the outer path is known when the
    /// snapshot is built (route, source, next hop), the outer headers precomputed for it.
    /// Packets with their own metadata, or a mark, take the general path.
    pub vxlan: Option<Box<VxlanTemplate>>,
}

impl IpTunState {
    pub fn new(info: TunnelInfo) -> IpTunState {
        IpTunState { info, vxlan: None }
    }
}
