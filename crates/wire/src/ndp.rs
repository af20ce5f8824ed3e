//! IPv6 Neighbor Discovery (RFC 4861): the RS / RA / NS / NA / Redirect fields of an
//! [`Icmpv6Packet`], the options iterator and emitters for NS / NA / RS.
//!
//! Field getters return `Option`: `None` when the message is not of a type that has the
//! field, or is too short for it ([`Icmpv6Packet::check_ndp_len`] tells which).
//!
//! Options (§4.6) are `type, length` with the length in 8-octet units; a zero length is
//! [`Error::Malformed`] (and makes Linux `ndisc_parse_options` drop the message), an option
//! running past the message is [`Error::Truncated`].

use core::net::Ipv6Addr;

use crate::ethernet::EthernetAddress;
use crate::icmpv6::{
    Icmpv6Packet, TYPE_NEIGHBOR_ADVERT, TYPE_NEIGHBOR_SOLICIT, TYPE_REDIRECT, TYPE_ROUTER_ADVERT,
    TYPE_ROUTER_SOLICIT,
};
use crate::{Error, Result, get_ipv6, get_u16, get_u32, need, set_u32};

/// Option: source link-layer address.
pub const OPT_SOURCE_LLADDR: u8 = 1;
/// Option: target link-layer address.
pub const OPT_TARGET_LLADDR: u8 = 2;
/// Option: prefix information.
pub const OPT_PREFIX_INFO: u8 = 3;
/// Option: redirected header.
pub const OPT_REDIRECTED_HDR: u8 = 4;
/// Option: MTU.
pub const OPT_MTU: u8 = 5;

/// NA flag: sender is a router.
pub const NA_FLAG_ROUTER: u8 = 0x80;
/// NA flag: solicited.
pub const NA_FLAG_SOLICITED: u8 = 0x40;
/// NA flag: override.
pub const NA_FLAG_OVERRIDE: u8 = 0x20;
/// RA flag: managed address configuration.
pub const RA_FLAG_MANAGED: u8 = 0x80;
/// RA flag: other configuration.
pub const RA_FLAG_OTHER: u8 = 0x40;
/// Prefix information flag: on-link.
pub const PREFIX_FLAG_ON_LINK: u8 = 0x80;
/// Prefix information flag: autonomous address configuration.
pub const PREFIX_FLAG_AUTONOMOUS: u8 = 0x40;

mod field {
    //! Offsets from the start of the ICMPv6 message.
    //! ```text
    //! RS:       | type | code | checksum | reserved (4)                | options @8
    //! RA:       | type | code | checksum | hop lim | M O | router lt  |
    //!           | reachable time (4) | retrans timer (4)               | options @16
    //! NS:       | type | code | checksum | reserved (4) | target (16)  | options @24
    //! NA:       | type | code | checksum | R S O | reserved | target    | options @24
    //! Redirect: | type | code | checksum | reserved | target | dest     | options @40
    //! ```
    use crate::Field;
    pub const NA_FLAGS: usize = 4;
    pub const TARGET: Field = 8..24;
    pub const REDIRECT_DST: Field = 24..40;
    pub const RA_HOP_LIMIT: usize = 4;
    pub const RA_FLAGS: usize = 5;
    pub const RA_LIFETIME: usize = 6;
    pub const RA_REACHABLE: usize = 8;
    pub const RA_RETRANS: usize = 12;
}

/// Fixed-part length of NDP message type `msg_type` (where its options start), or `None` if
/// it is not an NDP message.
#[inline]
pub const fn ndp_header_len(msg_type: u8) -> Option<usize> {
    match msg_type {
        TYPE_ROUTER_SOLICIT => Some(8),
        TYPE_ROUTER_ADVERT => Some(16),
        TYPE_NEIGHBOR_SOLICIT | TYPE_NEIGHBOR_ADVERT => Some(24),
        TYPE_REDIRECT => Some(40),
        _ => None,
    }
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// `Malformed` unless this is an NDP message (133..=137), `Truncated` if it is shorter
    /// than its fixed part (Linux drops such messages as "packet too short").
    #[inline]
    pub fn check_ndp_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        need(b, 1)?;
        let hl = ndp_header_len(b[0]).ok_or(Error::Malformed)?;
        need(b, hl)
    }

    /// The fixed NDP part is present for message types in `types`?
    #[inline]
    fn ndp_field(&self, types: &[u8]) -> Option<&[u8]> {
        let b = self.buffer.as_ref();
        let t = *b.first()?;
        if !types.contains(&t) {
            return None;
        }
        b.get(..ndp_header_len(t)?)
    }

    /// Target address of an NS, NA or Redirect.
    #[inline]
    pub fn ndp_target(&self) -> Option<Ipv6Addr> {
        let b = self.ndp_field(&[TYPE_NEIGHBOR_SOLICIT, TYPE_NEIGHBOR_ADVERT, TYPE_REDIRECT])?;
        Some(get_ipv6(b, field::TARGET.start))
    }

    /// Destination address of a Redirect.
    #[inline]
    pub fn redirect_destination(&self) -> Option<Ipv6Addr> {
        let b = self.ndp_field(&[TYPE_REDIRECT])?;
        Some(get_ipv6(b, field::REDIRECT_DST.start))
    }

    /// NA flags byte ([`NA_FLAG_ROUTER`], [`NA_FLAG_SOLICITED`], [`NA_FLAG_OVERRIDE`]).
    #[inline]
    pub fn na_flags(&self) -> Option<u8> {
        let b = self.ndp_field(&[TYPE_NEIGHBOR_ADVERT])?;
        Some(b[field::NA_FLAGS])
    }

    /// RA current hop limit.
    #[inline]
    pub fn ra_cur_hop_limit(&self) -> Option<u8> {
        let b = self.ndp_field(&[TYPE_ROUTER_ADVERT])?;
        Some(b[field::RA_HOP_LIMIT])
    }

    /// RA flags byte ([`RA_FLAG_MANAGED`], [`RA_FLAG_OTHER`], ...).
    #[inline]
    pub fn ra_flags(&self) -> Option<u8> {
        let b = self.ndp_field(&[TYPE_ROUTER_ADVERT])?;
        Some(b[field::RA_FLAGS])
    }

    /// RA router lifetime (seconds).
    #[inline]
    pub fn ra_router_lifetime(&self) -> Option<u16> {
        let b = self.ndp_field(&[TYPE_ROUTER_ADVERT])?;
        Some(get_u16(b, field::RA_LIFETIME))
    }

    /// RA reachable time (milliseconds).
    #[inline]
    pub fn ra_reachable_time(&self) -> Option<u32> {
        let b = self.ndp_field(&[TYPE_ROUTER_ADVERT])?;
        Some(get_u32(b, field::RA_REACHABLE))
    }

    /// RA retransmission timer (milliseconds).
    #[inline]
    pub fn ra_retrans_timer(&self) -> Option<u32> {
        let b = self.ndp_field(&[TYPE_ROUTER_ADVERT])?;
        Some(get_u32(b, field::RA_RETRANS))
    }

    /// The options of an NDP message (`None` if not NDP or shorter than its fixed part).
    #[inline]
    pub fn ndp_options(&self) -> Option<NdpOptionIter<'_>> {
        let b = self.buffer.as_ref();
        let hl = ndp_header_len(*b.first()?)?;
        Some(NdpOptionIter::new(b.get(hl..)?))
    }

    /// The link-layer address in the first SLLA (for RS/RA/NS) or TLLA (for NA/Redirect)
    /// option, whichever the message type carries; `Ok(None)` if absent.
    pub fn ndp_lladdr_option(&self) -> Result<Option<EthernetAddress>> {
        let Some(opts) = self.ndp_options() else {
            return Ok(None);
        };
        let want = match self.buffer.as_ref()[0] {
            TYPE_NEIGHBOR_ADVERT | TYPE_REDIRECT => OPT_TARGET_LLADDR,
            _ => OPT_SOURCE_LLADDR,
        };
        for o in opts {
            let o = o?;
            if o.kind() == want {
                return Ok(o.link_layer_addr());
            }
        }
        Ok(None)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Set the target of an NS/NA/Redirect. `Malformed` for other types, `Truncated` if
    /// the buffer is too short.
    #[inline]
    pub fn set_ndp_target(&mut self, a: Ipv6Addr) -> Result<()> {
        let b = self.buffer.as_mut();
        need(b, field::TARGET.end)?;
        if !matches!(
            b[0],
            TYPE_NEIGHBOR_SOLICIT | TYPE_NEIGHBOR_ADVERT | TYPE_REDIRECT
        ) {
            return Err(Error::Malformed);
        }
        b[field::TARGET].copy_from_slice(&a.octets());
        Ok(())
    }

    /// Set the NA flags byte (and clear the reserved bytes after it).
    #[inline]
    pub fn set_na_flags(&mut self, flags: u8) -> Result<()> {
        let b = self.buffer.as_mut();
        need(b, 8)?;
        if b[0] != TYPE_NEIGHBOR_ADVERT {
            return Err(Error::Malformed);
        }
        set_u32(b, field::NA_FLAGS, u32::from(flags) << 24);
        Ok(())
    }
}

/// One NDP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdpOption<'a> {
    bytes: &'a [u8],
}

/// The contents of a Prefix Information option (§4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixInfo {
    /// Prefix length.
    pub prefix_len: u8,
    /// Flags ([`PREFIX_FLAG_ON_LINK`], [`PREFIX_FLAG_AUTONOMOUS`]).
    pub flags: u8,
    /// Valid lifetime (seconds).
    pub valid_lifetime: u32,
    /// Preferred lifetime (seconds).
    pub preferred_lifetime: u32,
    /// The prefix.
    pub prefix: Ipv6Addr,
}

impl<'a> NdpOption<'a> {
    /// Option type.
    #[inline]
    pub fn kind(&self) -> u8 {
        self.bytes[0]
    }

    /// Length in bytes (8 × the length field).
    #[inline]
    pub fn wire_len(&self) -> usize {
        self.bytes.len()
    }

    /// The whole option, type and length included.
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The option after its type and length bytes.
    #[inline]
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[2..]
    }

    /// The Ethernet address of an SLLA / TLLA option.
    #[inline]
    pub fn link_layer_addr(&self) -> Option<EthernetAddress> {
        if !matches!(self.kind(), OPT_SOURCE_LLADDR | OPT_TARGET_LLADDR) {
            return None;
        }
        EthernetAddress::from_slice(self.body().get(..6)?)
    }

    /// The MTU of an MTU option.
    #[inline]
    pub fn mtu(&self) -> Option<u32> {
        if self.kind() != OPT_MTU {
            return None;
        }
        self.bytes.get(4..8).map(|b| get_u32(b, 0))
    }

    /// The contents of a Prefix Information option (needs length 4).
    #[inline]
    pub fn prefix_info(&self) -> Option<PrefixInfo> {
        if self.kind() != OPT_PREFIX_INFO {
            return None;
        }
        let b = self.bytes.get(..32)?;
        Some(PrefixInfo {
            prefix_len: b[2],
            flags: b[3],
            valid_lifetime: get_u32(b, 4),
            preferred_lifetime: get_u32(b, 8),
            prefix: get_ipv6(b, 16),
        })
    }

    /// The IP header + data of a Redirected Header option (after 6 reserved bytes).
    #[inline]
    pub fn redirected_header(&self) -> Option<&'a [u8]> {
        if self.kind() != OPT_REDIRECTED_HDR {
            return None;
        }
        self.bytes.get(8..)
    }
}

/// Iterator over NDP options; yields one `Err` and stops on a zero-length or overrunning
/// option.
#[derive(Debug, Clone)]
pub struct NdpOptionIter<'a> {
    data: &'a [u8],
    done: bool,
}

impl<'a> NdpOptionIter<'a> {
    /// Iterate over the options in `data` (the bytes after an NDP message's fixed part).
    #[inline]
    pub const fn new(data: &'a [u8]) -> Self {
        NdpOptionIter { data, done: false }
    }
}

impl<'a> Iterator for NdpOptionIter<'a> {
    type Item = Result<NdpOption<'a>>;

    fn next(&mut self) -> Option<Result<NdpOption<'a>>> {
        if self.done || self.data.is_empty() {
            return None;
        }
        let err = |s: &mut Self, e| {
            s.done = true;
            Some(Err(e))
        };
        if self.data.len() < 2 {
            return err(self, Error::Truncated);
        }
        let len = usize::from(self.data[1]) * 8;
        if len == 0 {
            return err(self, Error::Malformed);
        }
        if len > self.data.len() {
            return err(self, Error::Truncated);
        }
        let (opt, rest) = self.data.split_at(len);
        self.data = rest;
        Some(Ok(NdpOption { bytes: opt }))
    }
}

/// Write an 8-byte SLLA / TLLA option at the start of `buf`; returns 8.
pub fn emit_lladdr_option(buf: &mut [u8], kind: u8, addr: EthernetAddress) -> Result<usize> {
    need(buf, 8)?;
    buf[0] = kind;
    buf[1] = 1;
    buf[2..8].copy_from_slice(&addr.0);
    Ok(8)
}

fn emit_ns_na(
    buf: &mut [u8],
    msg_type: u8,
    flags: u8,
    target: Ipv6Addr,
    opt: Option<(u8, EthernetAddress)>,
) -> Result<usize> {
    let len = 24 + if opt.is_some() { 8 } else { 0 };
    need(buf, len)?;
    buf[0] = msg_type;
    buf[1] = 0;
    buf[2] = 0;
    buf[3] = 0;
    set_u32(buf, 4, u32::from(flags) << 24);
    buf[field::TARGET].copy_from_slice(&target.octets());
    if let Some((kind, a)) = opt {
        emit_lladdr_option(&mut buf[24..], kind, a)?;
    }
    Ok(len)
}

/// Write a Neighbor Solicitation for `target` with an optional SLLA option; the checksum is
/// left zero (fill it with [`Icmpv6Packet::fill_checksum`]). Returns 24 or 32.
pub fn emit_neighbor_solicit(
    buf: &mut [u8],
    target: Ipv6Addr,
    slla: Option<EthernetAddress>,
) -> Result<usize> {
    emit_ns_na(
        buf,
        TYPE_NEIGHBOR_SOLICIT,
        0,
        target,
        slla.map(|a| (OPT_SOURCE_LLADDR, a)),
    )
}

/// Write a Neighbor Advertisement with `flags` (R/S/O) for `target` and an optional TLLA
/// option; checksum left zero. Returns 24 or 32.
pub fn emit_neighbor_advert(
    buf: &mut [u8],
    flags: u8,
    target: Ipv6Addr,
    tlla: Option<EthernetAddress>,
) -> Result<usize> {
    emit_ns_na(
        buf,
        TYPE_NEIGHBOR_ADVERT,
        flags,
        target,
        tlla.map(|a| (OPT_TARGET_LLADDR, a)),
    )
}

/// Write a Router Solicitation with an optional SLLA option; checksum left zero. Returns 8
/// or 16.
pub fn emit_router_solicit(buf: &mut [u8], slla: Option<EthernetAddress>) -> Result<usize> {
    let len = 8 + if slla.is_some() { 8 } else { 0 };
    need(buf, len)?;
    buf[..8].copy_from_slice(&[TYPE_ROUTER_SOLICIT, 0, 0, 0, 0, 0, 0, 0]);
    if let Some(a) = slla {
        emit_lladdr_option(&mut buf[8..], OPT_SOURCE_LLADDR, a)?;
    }
    Ok(len)
}

#[cfg(test)]
mod test {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    // NS from fe80::1 (02:00:00:00:00:01) for 2001:db8::2, to ff02::1:ff00:2.
    #[rustfmt::skip]
    static NS: [u8; 32] = [
        135, 0, 0x00, 0x00, 0, 0, 0, 0,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        1, 1, 0x02, 0, 0, 0, 0, 0x01,
    ];

    #[test]
    fn neighbor_solicit() {
        let p = Icmpv6Packet::new_checked(&NS[..]).unwrap();
        assert_eq!(p.check_ndp_len(), Ok(()));
        assert_eq!(p.ndp_target(), Some(a("2001:db8::2")));
        assert_eq!(p.na_flags(), None);
        assert_eq!(p.redirect_destination(), None);
        assert_eq!(p.ra_flags(), None);
        let mut opts = p.ndp_options().unwrap();
        let o = opts.next().unwrap().unwrap();
        assert_eq!(o.kind(), OPT_SOURCE_LLADDR);
        assert_eq!(o.wire_len(), 8);
        assert_eq!(
            o.link_layer_addr(),
            Some(EthernetAddress([2, 0, 0, 0, 0, 1]))
        );
        assert_eq!(o.mtu(), None);
        assert!(opts.next().is_none());
        assert_eq!(
            p.ndp_lladdr_option(),
            Ok(Some(EthernetAddress([2, 0, 0, 0, 0, 1])))
        );

        let mut buf = [0xffu8; 34];
        assert_eq!(
            emit_neighbor_solicit(
                &mut buf,
                a("2001:db8::2"),
                Some(EthernetAddress([2, 0, 0, 0, 0, 1]))
            ),
            Ok(32)
        );
        assert_eq!(&buf[..32], &NS);
        assert_eq!(&buf[32..], &[0xff, 0xff]);
        // Checksum can then be filled as for any ICMPv6 message.
        let mut p = Icmpv6Packet::new_checked(&mut buf[..32]).unwrap();
        let (s, d) = (a("fe80::1"), a("ff02::1:ff00:2"));
        p.fill_checksum(&s, &d);
        assert!(p.verify_checksum(&s, &d));
    }

    #[test]
    fn neighbor_advert() {
        let mut buf = [0xffu8; 32];
        let t = a("2001:db8::2");
        let mac = EthernetAddress([2, 0, 0, 0, 0, 2]);
        assert_eq!(
            emit_neighbor_advert(&mut buf, NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE, t, Some(mac)),
            Ok(32)
        );
        assert_eq!(&buf[..8], &[136, 0, 0, 0, 0x60, 0, 0, 0]);
        assert_eq!(&buf[24..], &[2, 1, 2, 0, 0, 0, 0, 2]);
        let mut p = Icmpv6Packet::new_checked(&mut buf[..]).unwrap();
        assert_eq!(p.na_flags(), Some(0x60));
        assert_eq!(p.ndp_target(), Some(t));
        assert_eq!(p.ndp_lladdr_option(), Ok(Some(mac)));
        p.set_na_flags(NA_FLAG_ROUTER).unwrap();
        p.set_ndp_target(a("::1")).unwrap();
        assert_eq!(p.na_flags(), Some(0x80));
        assert_eq!(p.ndp_target(), Some(a("::1")));
        // Without the option.
        let mut buf = [0xffu8; 24];
        assert_eq!(emit_neighbor_advert(&mut buf, 0, t, None), Ok(24));
        assert_eq!(
            emit_neighbor_advert(&mut buf[..23], 0, t, None),
            Err(Error::Truncated)
        );
        assert_eq!(
            emit_neighbor_advert(&mut buf, 0, t, Some(mac)),
            Err(Error::Truncated)
        );
    }

    #[test]
    fn router_advert_with_options() {
        #[rustfmt::skip]
        let ra: [u8; 16 + 32 + 8 + 8] = [
            134, 0, 0, 0, 64, RA_FLAG_MANAGED, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8,
            // Prefix information 2001:db8:1::/64, L+A, valid 86400, preferred 14400
            3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0,
            0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            // MTU 1500
            5, 1, 0, 0, 0, 0, 0x05, 0xdc,
            // SLLA
            1, 1, 2, 0, 0, 0, 0, 9,
        ];
        let p = Icmpv6Packet::new_checked(&ra[..]).unwrap();
        assert_eq!(p.ra_cur_hop_limit(), Some(64));
        assert_eq!(p.ra_flags(), Some(RA_FLAG_MANAGED));
        assert_eq!(p.ra_router_lifetime(), Some(1800));
        assert_eq!(p.ra_reachable_time(), Some(30000));
        assert_eq!(p.ra_retrans_timer(), Some(1000));
        assert_eq!(p.ndp_target(), None);
        let mut it = p.ndp_options().unwrap();
        let pi = it.next().unwrap().unwrap().prefix_info().unwrap();
        assert_eq!(
            pi,
            PrefixInfo {
                prefix_len: 64,
                flags: PREFIX_FLAG_ON_LINK | PREFIX_FLAG_AUTONOMOUS,
                valid_lifetime: 86400,
                preferred_lifetime: 14400,
                prefix: a("2001:db8:1::"),
            }
        );
        assert_eq!(it.next().unwrap().unwrap().mtu(), Some(1500));
        assert_eq!(
            it.next().unwrap().unwrap().link_layer_addr(),
            Some(EthernetAddress([2, 0, 0, 0, 0, 9]))
        );
        assert!(it.next().is_none());
        assert_eq!(
            p.ndp_lladdr_option(),
            Ok(Some(EthernetAddress([2, 0, 0, 0, 0, 9])))
        );
    }

    #[test]
    fn redirect_and_rs() {
        let mut r = [0u8; 40 + 16];
        r[0] = 137;
        r[8..24].copy_from_slice(&a("fe80::2").octets());
        r[24..40].copy_from_slice(&a("2001:db8::9").octets());
        r[40] = OPT_REDIRECTED_HDR;
        r[41] = 2;
        r[48] = 0x60;
        let p = Icmpv6Packet::new_checked(&r[..]).unwrap();
        assert_eq!(p.ndp_target(), Some(a("fe80::2")));
        assert_eq!(p.redirect_destination(), Some(a("2001:db8::9")));
        let o = p.ndp_options().unwrap().next().unwrap().unwrap();
        assert_eq!(o.redirected_header(), Some(&r[48..56]));
        assert_eq!(o.body().len(), 14);
        assert_eq!(o.bytes().len(), 16);
        assert_eq!(p.ndp_lladdr_option(), Ok(None));

        let mut buf = [0xffu8; 16];
        assert_eq!(
            emit_router_solicit(&mut buf, Some(EthernetAddress([2, 0, 0, 0, 0, 1]))),
            Ok(16)
        );
        assert_eq!(&buf, &[133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1]);
        let p = Icmpv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.check_ndp_len(), Ok(()));
        assert_eq!(p.ndp_options().unwrap().count(), 1);
    }

    #[test]
    fn bad_options_and_lengths() {
        // Zero-length option: Malformed, once.
        let mut b = NS;
        b[25] = 0;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        let mut it = p.ndp_options().unwrap();
        assert_eq!(it.next(), Some(Err(Error::Malformed)));
        assert_eq!(it.next(), None);
        assert_eq!(p.ndp_lladdr_option(), Err(Error::Malformed));
        // Overrunning option: Truncated.
        let mut b = NS;
        b[25] = 2;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.ndp_options().unwrap().next(), Some(Err(Error::Truncated)));
        // One stray byte.
        let p = Icmpv6Packet::new_checked(&NS[..25]).unwrap();
        assert_eq!(p.ndp_options().unwrap().next(), Some(Err(Error::Truncated)));
        // NS shorter than its fixed part: fields are None, check_ndp_len says Truncated.
        let p = Icmpv6Packet::new_checked(&NS[..20]).unwrap();
        assert_eq!(p.check_ndp_len(), Err(Error::Truncated));
        assert_eq!(p.ndp_target(), None);
        assert!(p.ndp_options().is_none());
        // Not NDP at all.
        let echo = [128u8, 0, 0, 0, 0, 0, 0, 0];
        let p = Icmpv6Packet::new_checked(&echo[..]).unwrap();
        assert_eq!(p.check_ndp_len(), Err(Error::Malformed));
        assert!(p.ndp_options().is_none());
        let mut e = echo;
        let mut p = Icmpv6Packet::new_unchecked(&mut e[..]);
        assert_eq!(p.set_na_flags(0), Err(Error::Malformed));
        assert_eq!(p.set_ndp_target(a("::1")), Err(Error::Truncated));
    }
}
