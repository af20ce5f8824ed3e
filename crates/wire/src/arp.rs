//! ARP for Ethernet and IPv4 (RFC 826). Other hardware/protocol combinations are rejected
//! as [`crate::Error::Malformed`] by `new_checked`: lwt never resolves
//! anything else.

use core::net::Ipv4Addr;

use crate::ethernet::EthernetAddress;
use crate::{Error, Result, get_ipv4, get_mac, get_u16, need, set_u16};

/// ARP request.
pub const OP_REQUEST: u16 = 1;
/// ARP reply.
pub const OP_REPLY: u16 = 2;
/// Hardware type Ethernet.
pub const HTYPE_ETHERNET: u16 = 1;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |         Hardware type         |         Protocol type         |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |  HW len (6)   | Proto len (4) |           Operation           |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! | Sender hardware address (6) ...  | Sender protocol addr (4) ...
    //! | Target hardware address (6) ...  | Target protocol addr (4) ...
    //! ```
    use crate::Field;
    pub const HTYPE: usize = 0;
    pub const PTYPE: usize = 2;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: usize = 6;
    pub const SHA: Field = 8..14;
    pub const SPA: Field = 14..18;
    pub const THA: Field = 18..24;
    pub const TPA: Field = 24..28;
}

/// Length of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = field::TPA.end;

/// A view of an Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// `Truncated` unless 28 bytes are present; `Malformed` unless the packet is
    /// Ethernet (1) / IPv4 (0x0800) with address lengths 6 / 4.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, field::OPER)?;
        if get_u16(b, field::HTYPE) != HTYPE_ETHERNET
            || get_u16(b, field::PTYPE) != crate::ethertype::IPV4
            || b[field::HLEN] != 6
            || b[field::PLEN] != 4
        {
            return Err(Error::Malformed);
        }
        need(b, PACKET_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Hardware type (1 for Ethernet after `new_checked`).
    #[inline]
    pub fn hardware_type(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::HTYPE)
    }

    /// Protocol type (0x0800 after `new_checked`).
    #[inline]
    pub fn protocol_type(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::PTYPE)
    }

    /// Operation ([`OP_REQUEST`], [`OP_REPLY`], ...).
    #[inline]
    pub fn operation(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::OPER)
    }

    /// Sender hardware address.
    #[inline]
    pub fn sender_hw_addr(&self) -> EthernetAddress {
        get_mac(self.buffer.as_ref(), field::SHA.start)
    }

    /// Sender protocol address.
    #[inline]
    pub fn sender_ip(&self) -> Ipv4Addr {
        get_ipv4(self.buffer.as_ref(), field::SPA.start)
    }

    /// Target hardware address.
    #[inline]
    pub fn target_hw_addr(&self) -> EthernetAddress {
        get_mac(self.buffer.as_ref(), field::THA.start)
    }

    /// Target protocol address.
    #[inline]
    pub fn target_ip(&self) -> Ipv4Addr {
        get_ipv4(self.buffer.as_ref(), field::TPA.start)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    /// Write the fixed Ethernet/IPv4 preamble (htype 1, ptype 0x0800, hlen 6, plen 4).
    #[inline]
    pub fn set_eth_ipv4_preamble(&mut self) {
        let b = self.buffer.as_mut();
        set_u16(b, field::HTYPE, HTYPE_ETHERNET);
        set_u16(b, field::PTYPE, crate::ethertype::IPV4);
        b[field::HLEN] = 6;
        b[field::PLEN] = 4;
    }

    /// Set the operation.
    #[inline]
    pub fn set_operation(&mut self, op: u16) {
        set_u16(self.buffer.as_mut(), field::OPER, op);
    }

    /// Set the sender hardware address.
    #[inline]
    pub fn set_sender_hw_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::SHA].copy_from_slice(&a.0);
    }

    /// Set the sender protocol address.
    #[inline]
    pub fn set_sender_ip(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::SPA].copy_from_slice(&a.octets());
    }

    /// Set the target hardware address.
    #[inline]
    pub fn set_target_hw_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::THA].copy_from_slice(&a.0);
    }

    /// Set the target protocol address.
    #[inline]
    pub fn set_target_ip(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::TPA].copy_from_slice(&a.octets());
    }
}

/// Write a complete 28-byte Ethernet/IPv4 ARP packet at the start of `buf`; returns 28.
pub fn emit(
    buf: &mut [u8],
    operation: u16,
    sha: EthernetAddress,
    spa: Ipv4Addr,
    tha: EthernetAddress,
    tpa: Ipv4Addr,
) -> Result<usize> {
    need(buf, PACKET_LEN)?;
    let mut p = ArpPacket::new_unchecked(buf);
    p.set_eth_ipv4_preamble();
    p.set_operation(operation);
    p.set_sender_hw_addr(sha);
    p.set_sender_ip(spa);
    p.set_target_hw_addr(tha);
    p.set_target_ip(tpa);
    Ok(PACKET_LEN)
}

#[cfg(test)]
mod test {
    use super::*;

    // Who has 10.0.0.2? Tell 10.0.0.1 (02:00:00:00:00:01).
    static REQUEST: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // preamble, op request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 1, // sender
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 0, 0, 2, // target
    ];

    #[test]
    fn deconstruct() {
        let p = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(p.hardware_type(), 1);
        assert_eq!(p.protocol_type(), 0x0800);
        assert_eq!(p.operation(), OP_REQUEST);
        assert_eq!(p.sender_hw_addr(), EthernetAddress([2, 0, 0, 0, 0, 1]));
        assert_eq!(p.sender_ip(), Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(p.target_hw_addr(), EthernetAddress::UNSPECIFIED);
        assert_eq!(p.target_ip(), Ipv4Addr::new(10, 0, 0, 2));
    }

    #[test]
    fn check_len() {
        assert_eq!(
            ArpPacket::new_checked(&REQUEST[..27]),
            Err(Error::Truncated)
        );
        assert_eq!(ArpPacket::new_checked(&REQUEST[..3]), Err(Error::Truncated));
        let mut bad = REQUEST;
        bad[4] = 8;
        assert_eq!(ArpPacket::new_checked(&bad[..]), Err(Error::Malformed));
        let mut bad = REQUEST;
        bad[3] = 0xdd;
        assert_eq!(ArpPacket::new_checked(&bad[..]), Err(Error::Malformed));
    }

    #[test]
    fn emit_matches() {
        let mut buf = [0xffu8; 30];
        let n = emit(
            &mut buf,
            OP_REQUEST,
            EthernetAddress([2, 0, 0, 0, 0, 1]),
            Ipv4Addr::new(10, 0, 0, 1),
            EthernetAddress::UNSPECIFIED,
            Ipv4Addr::new(10, 0, 0, 2),
        )
        .unwrap();
        assert_eq!(n, 28);
        assert_eq!(&buf[..28], &REQUEST[..]);
        assert_eq!(&buf[28..], &[0xff, 0xff]);
        assert_eq!(
            emit(
                &mut buf[..27],
                OP_REPLY,
                EthernetAddress::UNSPECIFIED,
                Ipv4Addr::UNSPECIFIED,
                EthernetAddress::UNSPECIFIED,
                Ipv4Addr::UNSPECIFIED
            ),
            Err(Error::Truncated)
        );
    }
}
