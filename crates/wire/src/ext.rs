//! The IPv6 extension-header walk (RFC 8200 §4, RFC 4302 for AH).
//!
//! Walks the chain Hop-by-Hop → Routing → Fragment → Destination Options → AH in whatever
//! order the packet has them, and stops at the first protocol that is not one of those (the
//! *upper layer*: TCP, UDP, ICMPv6, ESP, IPv6/IPv4-in-IPv6, Ethernet, No Next Header, ...).
//!
//! Lengths: Hop-by-Hop, Routing and Destination Options are `(hdr_ext_len + 1) * 8` bytes;
//! Fragment is always 8; AH is `(payload_len + 2) * 4`. Every step is bounds-checked against
//! the buffer the walk was given, so a truncated chain yields [`Error::Truncated`] and the
//! walk ends; it can never loop (each step advances by at least 8 bytes).
//!
//! Like Linux `ipv6_find_hdr`, the walk does not look past a Fragment header whose fragment
//! offset is non-zero (the bytes after it are the middle of someone else's payload): it ends
//! there, reporting the Fragment header's next header as the upper layer, and
//! [`ExtHeaderIter::is_later_fragment`] becomes true.
//!
//! The walk does not enforce ordering rules (e.g. Hop-by-Hop only first); that is policy.

use crate::ip_proto::{AH, DSTOPTS, FRAGMENT, HOPOPTS, ROUTING};
use crate::{Error, Result, get_u16};

/// Is `next_header` one of the extension headers this walk steps over?
#[inline]
pub const fn is_ext_header(next_header: u8) -> bool {
    matches!(next_header, HOPOPTS | ROUTING | FRAGMENT | DSTOPTS | AH)
}

/// One extension header found by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtHeader {
    /// Its type (the previous header's next-header value).
    pub kind: u8,
    /// Offset of its first byte in the buffer the walk was given.
    pub offset: usize,
    /// Its length in bytes.
    pub len: usize,
    /// Its own next-header field.
    pub next_header: u8,
}

/// Iterator over an extension-header chain. Yields `Ok(ExtHeader)` per header, or one
/// `Err` and then `None` if the chain is cut short. After it returns `None`,
/// [`upper_layer`](Self::upper_layer) tells where the upper-layer header starts.
#[derive(Debug, Clone)]
pub struct ExtHeaderIter<'a> {
    data: &'a [u8],
    next: u8,
    offset: usize,
    finished: bool,
    failed: bool,
    later_fragment: bool,
}

impl<'a> ExtHeaderIter<'a> {
    /// Walk `data` starting at `offset`, where a header of type `first` begins (for an IPv6
    /// packet: the packet bytes, offset 40, the fixed header's next header).
    #[inline]
    pub const fn new(data: &'a [u8], first: u8, offset: usize) -> Self {
        ExtHeaderIter {
            data,
            next: first,
            offset,
            finished: false,
            failed: false,
            later_fragment: false,
        }
    }

    /// Once the iterator has returned `None` without an error: `(protocol, offset)` of the
    /// upper-layer header. `None` while walking or after an error.
    #[inline]
    pub fn upper_layer(&self) -> Option<(u8, usize)> {
        (self.finished && !self.failed).then_some((self.next, self.offset))
    }

    /// Did the walk stop at a Fragment header with a non-zero offset?
    #[inline]
    pub fn is_later_fragment(&self) -> bool {
        self.later_fragment
    }

    fn fail(&mut self, e: Error) -> Option<Result<ExtHeader>> {
        self.finished = true;
        self.failed = true;
        Some(Err(e))
    }
}

impl Iterator for ExtHeaderIter<'_> {
    type Item = Result<ExtHeader>;

    fn next(&mut self) -> Option<Result<ExtHeader>> {
        if self.finished {
            return None;
        }
        if !is_ext_header(self.next) || self.later_fragment {
            self.finished = true;
            return None;
        }
        let kind = self.next;
        let rest = match self.data.get(self.offset..) {
            Some(r) if r.len() >= 8 => r,
            _ => return self.fail(Error::Truncated),
        };
        let len = match kind {
            FRAGMENT => 8,
            AH => (usize::from(rest[1]) + 2) * 4,
            _ => (usize::from(rest[1]) + 1) * 8,
        };
        if rest.len() < len {
            return self.fail(Error::Truncated);
        }
        let hdr = ExtHeader {
            kind,
            offset: self.offset,
            len,
            next_header: rest[0],
        };
        if kind == FRAGMENT && get_u16(rest, 2) & 0xfff8 != 0 {
            self.later_fragment = true;
        }
        self.next = rest[0];
        self.offset += len;
        Some(Ok(hdr))
    }
}

/// Walk the whole chain; `(upper-layer protocol, its offset)` or the first error.
/// (Its one caller, `Ipv6Packet::upper_layer`, answers the common chain, none at all,
/// before bounding the packet this walk reads.)
pub fn walk(data: &[u8], first: u8, offset: usize) -> Result<(u8, usize)> {
    let mut it = ExtHeaderIter::new(data, first, offset);
    for h in &mut it {
        h?;
    }
    it.upper_layer().ok_or(Error::Truncated)
}

/// The first extension header of type `kind`, `Ok(None)` if the chain reaches the upper
/// layer without one, or the error that stopped the walk before one was found.
#[inline]
pub fn find(data: &[u8], first: u8, offset: usize, kind: u8) -> Result<Option<ExtHeader>> {
    for h in ExtHeaderIter::new(data, first, offset) {
        let h = h?;
        if h.kind == kind {
            return Ok(Some(h));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ip_proto::{ESP, NONE, TCP, UDP};

    #[test]
    fn full_chain() {
        // HBH(8) -> DST(16) -> RH(24) -> FRAG(8, first fragment) -> AH(12+4=16) -> UDP
        let mut b = [0u8; 8 + 16 + 24 + 8 + 16 + 8];
        b[0] = DSTOPTS; // HBH: next DST, len 0
        b[8] = ROUTING; // DST: next RH, len 1
        b[9] = 1;
        b[24] = FRAGMENT; // RH: next FRAG, len 2
        b[25] = 2;
        b[26] = 4;
        b[48] = AH; // FRAG: next AH, offset 0, M=1
        b[51] = 1;
        b[56] = UDP; // AH: next UDP, payload len 2 -> (2+2)*4 = 16
        b[57] = 2;
        let mut it = ExtHeaderIter::new(&b, HOPOPTS, 0);
        let got: [ExtHeader; 5] = core::array::from_fn(|_| it.next().unwrap().unwrap());
        assert_eq!(it.next(), None);
        assert_eq!(
            got.map(|h| (h.kind, h.offset, h.len, h.next_header)),
            [
                (HOPOPTS, 0, 8, DSTOPTS),
                (DSTOPTS, 8, 16, ROUTING),
                (ROUTING, 24, 24, FRAGMENT),
                (FRAGMENT, 48, 8, AH),
                (AH, 56, 16, UDP)
            ]
        );
        assert_eq!(it.upper_layer(), Some((UDP, 72)));
        assert!(!it.is_later_fragment());
        assert_eq!(walk(&b, HOPOPTS, 0), Ok((UDP, 72)));
        assert_eq!(
            find(&b, HOPOPTS, 0, ROUTING).unwrap().map(|h| h.offset),
            Some(24)
        );
        assert_eq!(find(&b, HOPOPTS, 0, 99), Ok(None));
    }

    #[test]
    fn no_ext_headers() {
        assert_eq!(walk(&[], TCP, 40), Ok((TCP, 40)));
        assert_eq!(walk(&[], NONE, 40), Ok((NONE, 40)));
        assert_eq!(walk(&[], ESP, 40), Ok((ESP, 40)));
        let mut it = ExtHeaderIter::new(&[], TCP, 0);
        assert_eq!(it.upper_layer(), None);
        assert_eq!(it.next(), None);
        assert_eq!(it.upper_layer(), Some((TCP, 0)));
    }

    #[test]
    fn truncated_chains() {
        // Fewer than 8 bytes for a header.
        assert_eq!(walk(&[UDP, 0, 0, 0], HOPOPTS, 0), Err(Error::Truncated));
        // hdr_ext_len says 16 bytes, only 8 present.
        assert_eq!(
            walk(&[UDP, 1, 0, 0, 0, 0, 0, 0], ROUTING, 0),
            Err(Error::Truncated)
        );
        // Offset beyond the buffer.
        assert_eq!(walk(&[0; 4], DSTOPTS, 9), Err(Error::Truncated));
        let mut it = ExtHeaderIter::new(&[UDP, 1, 0, 0, 0, 0, 0, 0], DSTOPTS, 0);
        assert_eq!(it.next(), Some(Err(Error::Truncated)));
        assert_eq!(it.next(), None);
        assert_eq!(it.upper_layer(), None);
        // AH length uses 4-byte units: payload len 1 -> 12 bytes.
        let mut ah = [0u8; 12];
        ah[0] = TCP;
        ah[1] = 1;
        assert_eq!(walk(&ah, AH, 0), Ok((TCP, 12)));
        assert_eq!(walk(&ah[..11], AH, 0), Err(Error::Truncated));
    }

    #[test]
    fn later_fragment_stops_walk() {
        // FRAG (offset 1) -> "ROUTING" that must not be parsed.
        let b = [ROUTING, 0, 0x00, 0x08, 0, 0, 0, 1, 0xff, 0xff];
        let mut it = ExtHeaderIter::new(&b, FRAGMENT, 0);
        assert_eq!(it.next().unwrap().unwrap().kind, FRAGMENT);
        assert_eq!(it.next(), None);
        assert!(it.is_later_fragment());
        assert_eq!(it.upper_layer(), Some((ROUTING, 8)));
        assert_eq!(find(&b, FRAGMENT, 0, ROUTING), Ok(None));
    }
}
