//! Ethernet II frames (IEEE 802.3, "DIX" framing) and MAC addresses.
//!
//! No FCS: frames are seen as the NIC/TAP delivers them. 802.1Q tags are a separate view
//! ([`crate::vlan::VlanHeader`]) placed at [`EthernetFrame::payload`] when the EtherType is
//! [`crate::ethertype::VLAN`] or [`crate::ethertype::QINQ`].

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use crate::{Error, Result, get_mac, get_u16, need, set_u16};

/// A 48-bit IEEE MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const UNSPECIFIED: EthernetAddress = EthernetAddress([0; 6]);

    /// The address in `bytes`, or `None` unless `bytes` is exactly 6 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<EthernetAddress> {
        <[u8; 6]>::try_from(bytes).ok().map(EthernetAddress)
    }

    /// The six octets.
    #[inline]
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// ff:ff:ff:ff:ff:ff?
    #[inline]
    pub const fn is_broadcast(&self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// Group bit set (this includes broadcast)?
    #[inline]
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Individual (unicast) address?
    #[inline]
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// Locally administered (U/L bit set)?
    #[inline]
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// All zeros?
    #[inline]
    pub const fn is_unspecified(&self) -> bool {
        matches!(self.0, [0, 0, 0, 0, 0, 0])
    }

    /// The MAC an IPv6 multicast group maps to: `33:33` followed by the low 32 bits of the
    /// group address (RFC 2464 §7). Callers should check `addr.is_multicast()` first; the
    /// mapping is applied to any address.
    #[inline]
    pub const fn from_ipv6_multicast(addr: &Ipv6Addr) -> EthernetAddress {
        let o = addr.octets();
        EthernetAddress([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    /// The MAC an IPv4 multicast group maps to: `01:00:5e` followed by the low 23 bits of the
    /// group address (RFC 1112 §6.4).
    #[inline]
    pub const fn from_ipv4_multicast(addr: &Ipv4Addr) -> EthernetAddress {
        let o = addr.octets();
        EthernetAddress([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }
}

impl From<[u8; 6]> for EthernetAddress {
    fn from(b: [u8; 6]) -> Self {
        EthernetAddress(b)
    }
}

impl fmt::Display for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for EthernetAddress {
    type Err = Error;

    /// Parses `aa:bb:cc:dd:ee:ff` (also with `-` separators, as `ip` accepts); each group is
    /// one or two hex digits. Anything else is [`Error::Malformed`].
    fn from_str(s: &str) -> Result<Self> {
        let mut out = [0u8; 6];
        let sep = if s.contains('-') { '-' } else { ':' };
        let mut n = 0;
        for part in s.split(sep) {
            if n == 6 || part.is_empty() || part.len() > 2 {
                return Err(Error::Malformed);
            }
            out[n] = u8::from_str_radix(part, 16).map_err(|_| Error::Malformed)?;
            // from_str_radix accepts a leading '+'.
            if part.starts_with('+') {
                return Err(Error::Malformed);
            }
            n += 1;
        }
        if n != 6 {
            return Err(Error::Malformed);
        }
        Ok(EthernetAddress(out))
    }
}

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                  Destination MAC (6 bytes)                    |
    //! +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                               |                               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    Source MAC (6 bytes)       +
    //! |                                                               |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |           EtherType           |   Payload ...
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    use crate::{Field, Rest};
    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: usize = 12;
    pub const PAYLOAD: Rest = 14..;
}

/// Length of an Ethernet II header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A view of an Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let f = Self::new_unchecked(buffer);
        f.check_len()?;
        Ok(f)
    }

    /// `Truncated` unless the buffer holds the 14-byte header.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Header length (always 14).
    #[inline]
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    /// Destination MAC.
    #[inline]
    pub fn dst_addr(&self) -> EthernetAddress {
        get_mac(self.buffer.as_ref(), field::DESTINATION.start)
    }

    /// Source MAC.
    #[inline]
    pub fn src_addr(&self) -> EthernetAddress {
        get_mac(self.buffer.as_ref(), field::SOURCE.start)
    }

    /// EtherType.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ETHERTYPE)
    }

    /// Everything after the 14-byte header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Set the destination MAC.
    #[inline]
    pub fn set_dst_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&a.0);
    }

    /// Set the source MAC.
    #[inline]
    pub fn set_src_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&a.0);
    }

    /// Set the EtherType.
    #[inline]
    pub fn set_ethertype(&mut self, t: u16) {
        set_u16(self.buffer.as_mut(), field::ETHERTYPE, t);
    }

    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The semantic form of an Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Source MAC.
    pub src: EthernetAddress,
    /// Destination MAC.
    pub dst: EthernetAddress,
    /// EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Read the header of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(f: &EthernetFrame<T>) -> Result<Self> {
        f.check_len()?;
        Ok(EthernetRepr {
            src: f.src_addr(),
            dst: f.dst_addr(),
            ethertype: f.ethertype(),
        })
    }

    /// Bytes [`emit`](Self::emit) writes (14).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the 14-byte header at the start of `buf`; returns 14.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        need(buf, HEADER_LEN)?;
        let mut f = EthernetFrame::new_unchecked(buf);
        f.set_dst_addr(self.dst);
        f.set_src_addr(self.src);
        f.set_ethertype(self.ethertype);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    extern crate std;
    use std::string::ToString;

    static FRAME: [u8; 18] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, // src
        0x86, 0xdd, // IPv6
        0x60, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn deconstruct() {
        let f = EthernetFrame::new_checked(&FRAME[..]).unwrap();
        assert_eq!(f.dst_addr(), EthernetAddress([0x33, 0x33, 0, 0, 0, 1]));
        assert_eq!(f.src_addr().to_string(), "02:00:00:00:00:0a");
        assert_eq!(f.ethertype(), crate::ethertype::IPV6);
        assert_eq!(f.payload(), &[0x60, 0, 0, 0]);
        assert!(f.dst_addr().is_multicast());
        assert!(!f.dst_addr().is_broadcast());
        assert!(f.src_addr().is_local() && f.src_addr().is_unicast());
    }

    #[test]
    fn check_len() {
        assert_eq!(
            EthernetFrame::new_checked(&FRAME[..13]).unwrap_err(),
            Error::Truncated
        );
        assert!(EthernetFrame::new_checked(&FRAME[..14]).is_ok());
    }

    #[test]
    fn emit() {
        let mut buf = [0xffu8; 18];
        let repr = EthernetRepr {
            dst: EthernetAddress([0x33, 0x33, 0, 0, 0, 1]),
            src: EthernetAddress([2, 0, 0, 0, 0, 0x0a]),
            ethertype: 0x86dd,
        };
        assert_eq!(repr.emit(&mut buf).unwrap(), 14);
        assert_eq!(&buf[..14], &FRAME[..14]);
        assert_eq!(&buf[14..], &[0xff; 4]);
        assert_eq!(repr.emit(&mut buf[..13]), Err(Error::Truncated));
        assert_eq!(
            EthernetRepr::parse(&EthernetFrame::new_unchecked(&buf[..])).unwrap(),
            repr
        );
    }

    #[test]
    fn address_parse_and_map() {
        let a: EthernetAddress = "aa:bb:cc:dd:ee:ff".parse().unwrap();
        assert_eq!(a.0, [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
        assert_eq!(a.to_string(), "aa:bb:cc:dd:ee:ff");
        assert_eq!(
            "0:1:2:3:4:5".parse::<EthernetAddress>().unwrap().0,
            [0, 1, 2, 3, 4, 5]
        );
        assert_eq!("AA-BB-CC-DD-EE-FF".parse::<EthernetAddress>().unwrap(), a);
        for bad in [
            "",
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:ff:00",
            "aa:bb:cc:dd:ee:fff",
            "aa::cc:dd:ee:ff",
            "aa:bb:cc:dd:ee:gg",
            "+a:bb:cc:dd:ee:ff",
        ] {
            assert_eq!(
                bad.parse::<EthernetAddress>(),
                Err(Error::Malformed),
                "{bad}"
            );
        }
        let g: Ipv6Addr = "ff02::1:ff12:3456".parse().unwrap();
        assert_eq!(
            EthernetAddress::from_ipv6_multicast(&g).to_string(),
            "33:33:ff:12:34:56"
        );
        assert_eq!(
            EthernetAddress::from_ipv4_multicast(&Ipv4Addr::new(239, 255, 1, 2)).to_string(),
            "01:00:5e:7f:01:02"
        );
        assert!(EthernetAddress::BROADCAST.is_broadcast());
        assert!(EthernetAddress::BROADCAST.is_multicast());
        assert!(EthernetAddress::UNSPECIFIED.is_unspecified());
        assert_eq!(EthernetAddress::from_slice(&[1, 2, 3]), None);
        assert_eq!(
            EthernetAddress::from_slice(&[1, 2, 3, 4, 5, 6]),
            Some(EthernetAddress([1, 2, 3, 4, 5, 6]))
        );
    }
}
