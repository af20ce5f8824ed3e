//! lwt-wire: typed zero-copy views and emitters for the headers the lwt dataplane touches.
//!
//! The layout follows smoltcp's `wire` module:
//!
//! * every header has a view `Xxx<T: AsRef<[u8]>>` over a byte buffer, with getters for
//!   `T: AsRef<[u8]>` and setters for `T: AsMut<[u8]>`;
//! * `new_unchecked` wraps any buffer; `check_len` validates it; `new_checked` does both;
//! * field offsets live in a private `field` module next to the RFC header diagram;
//! * small `Repr` structs (where useful) carry the semantic form and `emit` it into a buffer.
//!
//! # The panic-freedom contract
//!
//! Once `new_checked` (or `check_len`) has succeeded on a buffer, **no getter of that view can
//! panic**, whatever the bytes are. Getters whose meaning depends on the message type (NDP
//! fields of an ICMPv6 message, the HMAC TLV of an SRH, segment `i` of an SRH, ...) return
//! `Option` instead. Setters that change a length field (`set_header_len`, `set_total_len`,
//! `set_payload_len`, `set_hdr_ext_len`, `set_last_entry`, `set_len`) may invalidate the
//! guarantee; call `check_len` again after using them. Views built with `new_unchecked` on a
//! buffer that was never checked may panic on access: that is a programmer error.
//!
//! Emitters (`Repr::emit`, `emit_*` functions) never panic either: they return
//! [`Error::Truncated`] when the destination buffer is too small and [`Error::Malformed`]
//! when the requested header cannot be represented.
//!
//! Everything is `no_std` and allocation-free; this crate has no dependencies.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

pub mod arp;
pub mod checksum;
pub mod esp;
pub mod ethernet;
pub mod ext;
pub mod icmpv4;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod mpls;
pub mod ndp;
pub mod pretty;
pub mod srh;
pub mod udp;
pub mod vlan;
pub mod vxlan;

pub use arp::ArpPacket;
pub use esp::EspPacket;
pub use ethernet::{EthernetAddress, EthernetFrame, EthernetRepr};
pub use ext::{ExtHeader, ExtHeaderIter};
pub use icmpv4::Icmpv4Packet;
pub use icmpv6::Icmpv6Packet;
pub use ipv4::{Ipv4Packet, Ipv4Repr};
pub use ipv6::{Ipv6Packet, Ipv6Repr};
pub use mpls::{MplsEntry, MplsLabel};
pub use ndp::{NdpOption, NdpOptionIter};
pub use pretty::PrettyPrinter;
pub use srh::{HmacTlv, SrhPacket, SrhRepr, SrhTlv, SrhTlvIter};
pub use udp::{UdpPacket, UdpRepr};
pub use vlan::{VlanHeader, VlanRepr};
pub use vxlan::{VxlanHeader, VxlanRepr};

/// Why a buffer was rejected.
///
/// Deliberately tiny and `Copy`: the dataplane maps it onto its own drop reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The buffer is shorter than the header (or than a length field says it is), or an
    /// emitter's destination buffer is too small.
    Truncated,
    /// A field has a value that makes the header unusable (IHL < 5, zero-length NDP option,
    /// SRH segment list running past the header, ...).
    Malformed,
}

impl Error {
    /// A short, stable, lower-case name (suitable for counters and logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            Error::Truncated => "truncated",
            Error::Malformed => "malformed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Truncated => "truncated packet",
            Error::Malformed => "malformed packet",
        })
    }
}

impl core::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// EtherType values (IEEE registry) used by lwt.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// IPv6.
    pub const IPV6: u16 = 0x86DD;
    /// 802.1Q VLAN tag (C-tag).
    pub const VLAN: u16 = 0x8100;
    /// 802.1ad QinQ (S-tag).
    pub const QINQ: u16 = 0x88A8;
    /// MPLS unicast.
    pub const MPLS_UC: u16 = 0x8847;
    /// MPLS multicast.
    pub const MPLS_MC: u16 = 0x8848;
}

/// IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers").
pub mod ip_proto {
    /// IPv6 Hop-by-Hop Options.
    pub const HOPOPTS: u8 = 0;
    /// ICMP (IPv4).
    pub const ICMP: u8 = 1;
    /// IPv4-in-IP encapsulation.
    pub const IPIP: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulation.
    pub const IPV6: u8 = 41;
    /// IPv6 Routing header.
    pub const ROUTING: u8 = 43;
    /// IPv6 Fragment header.
    pub const FRAGMENT: u8 = 44;
    /// Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMPv6.
    pub const ICMPV6: u8 = 58;
    /// No next header.
    pub const NONE: u8 = 59;
    /// IPv6 Destination Options.
    pub const DSTOPTS: u8 = 60;
    /// MPLS-in-IP (RFC 4023).
    pub const MPLS: u8 = 137;
    /// Ethernet (RFC 8986, used by SRv6 L2 encapsulation).
    pub const ETHERNET: u8 = 143;
}

/// A byte range inside a header.
pub(crate) type Field = core::ops::Range<usize>;
/// "From here to the end".
pub(crate) type Rest = core::ops::RangeFrom<usize>;

// Big-endian accessors. Callers index with ranges that `check_len` has validated; the
// indexing panics only when that contract is broken (a `new_unchecked` misuse).

#[inline]
pub(crate) fn get_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn set_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
pub(crate) fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn get_ipv4(b: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
}

#[inline]
pub(crate) fn get_ipv6(b: &[u8], at: usize) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(&b[at..at + 16]);
    Ipv6Addr::from(o)
}

#[inline]
pub(crate) fn get_mac(b: &[u8], at: usize) -> EthernetAddress {
    let mut o = [0u8; 6];
    o.copy_from_slice(&b[at..at + 6]);
    EthernetAddress(o)
}

/// Check that `buf` holds at least `len` bytes.
#[inline]
pub(crate) fn need(buf: &[u8], len: usize) -> Result<()> {
    if buf.len() < len {
        Err(Error::Truncated)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn error_display_and_names() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Error::Truncated.to_string(), "truncated packet");
        assert_eq!(Error::Malformed.to_string(), "malformed packet");
        assert_eq!(Error::Truncated.as_str(), "truncated");
        assert_eq!(Error::Malformed.as_str(), "malformed");
    }

    #[test]
    fn codepoints_are_pinned() {
        assert_eq!(
            [
                ethertype::IPV4,
                ethertype::ARP,
                ethertype::IPV6,
                ethertype::VLAN,
                ethertype::QINQ,
                ethertype::MPLS_UC,
                ethertype::MPLS_MC
            ],
            [0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8, 0x8847, 0x8848]
        );
        assert_eq!(
            [
                ip_proto::HOPOPTS,
                ip_proto::ICMP,
                ip_proto::IPIP,
                ip_proto::TCP,
                ip_proto::UDP,
                ip_proto::IPV6,
                ip_proto::ROUTING,
                ip_proto::FRAGMENT,
                ip_proto::ESP,
                ip_proto::AH,
                ip_proto::ICMPV6,
                ip_proto::NONE,
                ip_proto::DSTOPTS,
                ip_proto::ETHERNET,
                ip_proto::MPLS
            ],
            [0, 1, 4, 6, 17, 41, 43, 44, 50, 51, 58, 59, 60, 143, 137]
        );
    }
}
