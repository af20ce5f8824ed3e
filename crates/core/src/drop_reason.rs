//! Named drop reasons: every packet lwt discards is counted under one of these.
//!
//! The kernel drops many of these silently (or behind a generic `SKB_DROP_REASON`);
//! lwt counts each one and prints its name in `lwt stats` and the run summary.

macro_rules! drop_reasons {
    ($($variant:ident => $name:literal,)*) => {
        /// Why a packet was dropped. `#[repr(u16)]` so counters are a flat array.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum DropReason { $($variant,)* }

        impl DropReason {
            pub const ALL: &'static [DropReason] = &[$(DropReason::$variant,)*];
            pub const COUNT: usize = Self::ALL.len();

            /// The name shown to users.
            pub const fn name(self) -> &'static str {
                match self { $(DropReason::$variant => $name,)* }
            }
        }
    };
}

drop_reasons! {
    FrameTooShort => "frame too short",
    FrameTooLarge => "frame larger than the buffer",
    NotForUs => "destination MAC is not ours",
    LinkDown => "link down",
    UnknownEthertype => "unsupported ethertype",
    VlanNotConfigured => "VLAN tag without a VLAN link",
    ArpMalformed => "malformed ARP",
    ArpNotForUs => "ARP for an address that is not ours",
    Ipv4Malformed => "malformed IPv4 header",
    Ipv4BadChecksum => "bad IPv4 header checksum",
    Ipv4Fragment => "IPv4 fragment to a local address",
    Ipv6Malformed => "malformed IPv6 header",
    MartianSource => "martian source address",
    MartianDestination => "martian destination address",
    TtlExpired => "TTL expired",
    HopLimitExpired => "hop limit expired",
    NoRoute => "no route",
    RouteBlackhole => "blackhole route",
    RouteUnreachable => "unreachable route",
    RouteProhibit => "prohibit route",
    RuleBlackhole => "blackhole rule",
    RuleUnreachable => "unreachable rule",
    RuleProhibit => "prohibit rule",
    MtuExceeded => "packet larger than the link MTU",
    FragmentationNeeded => "fragmentation needed (not supported)",
    NeighbourUnresolved => "neighbour unresolved",
    NoHeadroom => "no headroom to encapsulate",
    LwtRecursion => "recursion limit reached on datapath",
    LocalNoListener => "local delivery: no listener",
    IcmpRateLimited => "ICMP error rate-limited",
    IcmpNotGenerated => "ICMP error not generated",
    NdpMalformed => "malformed NDP message",
    Seg6InlineNotIpv6 => "seg6 inline on a non-IPv6 packet",
    Seg6L2encapLocal => "seg6 l2encap on a locally generated packet",
    Seg6HmacKeyMissing => "seg6 HMAC key id unknown",
    Seg6WrongInner => "seg6 encap: unsupported inner protocol",
    NoSrh => "no SRH",
    SrhInvalid => "invalid SRH",
    SlZero => "SL is 0",
    SlNotZero => "SL > 0 on a decap SID",
    HmacInvalid => "HMAC check failed",
    HmacRequired => "HMAC required",
    WrongInnerHeader => "wrong inner header",
    InnerTooShort => "inner packet too short",
    SidLocalDelivery => "SID result is a local address (blackholed)",
    SidNoRoute => "no route in the SID's table",
    Dx2OifUnusable => "End.DX2 oif unusable",
    Dx2FrameTooBig => "End.DX2 frame larger than oif MTU",
    Dx2BadEthertype => "End.DX2 inner frame has an 802.3 length",
    VrfGone => "VRF device gone",
    VrfFamilyMismatch => "VRF family mismatch",
    PspPopFailed => "PSP: SRH cannot be popped",
    Seg6Disabled => "SRH to a local address (seg6_enabled=0)",
    UnknownProtocol => "unsupported inner protocol",
    UdpMalformed => "malformed UDP header",
    UdpBadChecksum => "bad UDP checksum",
    UdpZeroChecksum6 => "UDP over IPv6 with a zero checksum",
    VxlanTooShort => "VXLAN: header truncated",
    VxlanNoIFlag => "VXLAN: I flag clear",
    VxlanUnknownVni => "VXLAN: unknown VNI",
    VxlanReservedBits => "VXLAN: reserved bits set",
    VxlanInnerTooShort => "VXLAN: inner frame truncated",
    VxlanOwnMac => "VXLAN: inner source MAC is the device's (loop)",
    VxlanEcn => "VXLAN: outer CE on a non-ECT inner packet",
    VxlanNoTxInfo => "VXLAN: no TX tunnel metadata",
    VxlanWrongFamily => "VXLAN: tunnel metadata of another family",
    VxlanBadOptions => "VXLAN: VXLAN_OPT flag without GBP option",
    VxlanNoRemote => "VXLAN: no FDB entry and no default remote",
    VxlanNoRoute => "VXLAN: no route to the remote",
    VxlanRouteLoop => "VXLAN: route to the remote leaves by the device itself",
    VxlanSourceNotLocal => "VXLAN: tunnel source is not a local address",
    MplsTooBig => "MPLS: packet too big for the label stack",
}

impl core::fmt::Display for DropReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_indices_dense() {
        let mut names: Vec<_> = DropReason::ALL.iter().map(|r| r.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DropReason::COUNT);
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
    }
}
