//! MPLS label stack entries (RFC 3032 §2.1; TC renamed by RFC 5462).
//!
//! A stack is a run of 4-byte entries ending with the one whose S (bottom-of-stack) bit is
//! set; [`MplsStackIter`] walks it and [`emit_stack`] writes one.

use crate::{Error, Result, get_u32, need, set_u32};

/// IPv4 Explicit NULL label.
pub const LABEL_IPV4_EXPLICIT_NULL: u32 = 0;
/// Router Alert label.
pub const LABEL_ROUTER_ALERT: u32 = 1;
/// IPv6 Explicit NULL label.
pub const LABEL_IPV6_EXPLICIT_NULL: u32 = 2;
/// Implicit NULL label (signalling only; never on the wire).
pub const LABEL_IMPLICIT_NULL: u32 = 3;
/// Largest label value.
pub const LABEL_MAX: u32 = 0x000f_ffff;
/// Size of one label stack entry.
pub const ENTRY_LEN: usize = 4;

mod field {
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                Label                  | TC  |S|       TTL     |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    pub const ENTRY: usize = 0;
    pub const PAYLOAD: usize = 4;
}

/// A view of one label stack entry (and whatever follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MplsLabel<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> MplsLabel<T> {
    /// Wrap `buffer` without checking it.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        MplsLabel { buffer }
    }

    /// Wrap `buffer` and [`check_len`](Self::check_len) it.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let l = Self::new_unchecked(buffer);
        l.check_len()?;
        Ok(l)
    }

    /// `Truncated` unless 4 bytes are present.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need(self.buffer.as_ref(), ENTRY_LEN)
    }

    /// The wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The raw 32-bit entry.
    #[inline]
    pub fn raw(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::ENTRY)
    }

    /// Label (20 bits).
    #[inline]
    pub fn label(&self) -> u32 {
        self.entry().label
    }

    /// Traffic class (3 bits).
    #[inline]
    pub fn tc(&self) -> u8 {
        self.entry().tc
    }

    /// Bottom-of-stack bit.
    #[inline]
    pub fn bottom_of_stack(&self) -> bool {
        self.entry().bos
    }

    /// TTL.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.entry().ttl
    }

    /// The entry as an [`MplsEntry`].
    #[inline]
    pub fn entry(&self) -> MplsEntry {
        MplsEntry::from_u32(self.raw())
    }

    /// Bytes after this entry.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> MplsLabel<T> {
    /// Set the raw entry.
    #[inline]
    pub fn set_raw(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), field::ENTRY, v);
    }

    /// Rewrite the entry through its [`MplsEntry`] form (which masks out-of-range fields).
    #[inline]
    fn update(&mut self, f: impl FnOnce(&mut MplsEntry)) {
        let mut e = self.entry();
        f(&mut e);
        self.set_raw(e.to_u32());
    }

    /// Set the label (low 20 bits used).
    #[inline]
    pub fn set_label(&mut self, label: u32) {
        self.update(|e| e.label = label);
    }

    /// Set the traffic class (low 3 bits used).
    #[inline]
    pub fn set_tc(&mut self, tc: u8) {
        self.update(|e| e.tc = tc);
    }

    /// Set or clear the bottom-of-stack bit.
    #[inline]
    pub fn set_bottom_of_stack(&mut self, s: bool) {
        self.update(|e| e.bos = s);
    }

    /// Set the TTL.
    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.update(|e| e.ttl = ttl);
    }

    /// Mutable bytes after this entry.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// The semantic form of a label stack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MplsEntry {
    /// Label (20 bits).
    pub label: u32,
    /// Traffic class (3 bits).
    pub tc: u8,
    /// Bottom of stack.
    pub bos: bool,
    /// TTL.
    pub ttl: u8,
}

impl MplsEntry {
    /// Decode a raw 32-bit entry.
    #[inline]
    pub const fn from_u32(v: u32) -> Self {
        MplsEntry {
            label: v >> 12,
            tc: ((v >> 9) & 7) as u8,
            bos: v & 0x100 != 0,
            ttl: v as u8,
        }
    }

    /// Encode (out-of-range label / TC bits are masked off; [`emit`](Self::emit) rejects
    /// them instead).
    #[inline]
    pub const fn to_u32(self) -> u32 {
        ((self.label & LABEL_MAX) << 12)
            | ((self.tc as u32 & 7) << 9)
            | if self.bos { 0x100 } else { 0 }
            | self.ttl as u32
    }

    /// Write the entry at the start of `buf`; returns 4. `Malformed` if label or TC are out
    /// of range.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.label > LABEL_MAX || self.tc > 7 {
            return Err(Error::Malformed);
        }
        need(buf, ENTRY_LEN)?;
        set_u32(buf, 0, self.to_u32());
        Ok(ENTRY_LEN)
    }
}

/// Iterator over a label stack: yields entries up to and including the bottom of stack,
/// or one `Err(Truncated)` if the buffer ends first.
#[derive(Debug, Clone)]
pub struct MplsStackIter<'a> {
    data: &'a [u8],
    offset: usize,
    done: bool,
    complete: bool,
}

impl<'a> MplsStackIter<'a> {
    /// Walk the stack at the start of `data`.
    #[inline]
    pub const fn new(data: &'a [u8]) -> Self {
        MplsStackIter {
            data,
            offset: 0,
            done: false,
            complete: false,
        }
    }

    /// After the bottom-of-stack entry was yielded: the offset of the payload.
    #[inline]
    pub fn payload_offset(&self) -> Option<usize> {
        self.complete.then_some(self.offset)
    }
}

impl Iterator for MplsStackIter<'_> {
    type Item = Result<MplsEntry>;

    fn next(&mut self) -> Option<Result<MplsEntry>> {
        if self.done {
            return None;
        }
        let Some(b) = self.data.get(self.offset..self.offset + ENTRY_LEN) else {
            self.done = true;
            return Some(Err(Error::Truncated));
        };
        let e = MplsEntry::from_u32(get_u32(b, 0));
        self.offset += ENTRY_LEN;
        if e.bos {
            self.done = true;
            self.complete = true;
        }
        Some(Ok(e))
    }
}

/// Length of the label stack at the start of `data` (offset of the payload).
#[inline]
pub fn stack_len(data: &[u8]) -> Result<usize> {
    let mut it = MplsStackIter::new(data);
    for e in &mut it {
        e?;
    }
    it.payload_offset().ok_or(Error::Truncated)
}

/// Write a label stack (`labels[0]` outermost) with the same `tc` and `ttl` on every entry
/// and S set on the last; returns `4 * labels.len()`. `Malformed` if `labels` is empty or a
/// label / TC is out of range.
pub fn emit_stack(buf: &mut [u8], labels: &[u32], tc: u8, ttl: u8) -> Result<usize> {
    if labels.is_empty() || tc > 7 || labels.iter().any(|&l| l > LABEL_MAX) {
        return Err(Error::Malformed);
    }
    let len = labels.len() * ENTRY_LEN;
    need(buf, len)?;
    for (i, (&label, chunk)) in labels
        .iter()
        .zip(buf.chunks_exact_mut(ENTRY_LEN))
        .enumerate()
    {
        MplsEntry {
            label,
            tc,
            bos: i + 1 == labels.len(),
            ttl,
        }
        .emit(chunk)?;
    }
    Ok(len)
}

#[cfg(test)]
mod test {
    use super::*;

    // Labels 100 (TC 5, TTL 64) and 200 (bottom, TC 0, TTL 64), then an IPv4 header byte.
    static STACK: [u8; 9] = [0x00, 0x06, 0x4a, 0x40, 0x00, 0x0c, 0x81, 0x40, 0x45];

    #[test]
    fn deconstruct() {
        let l = MplsLabel::new_checked(&STACK[..]).unwrap();
        assert_eq!(l.label(), 100);
        assert_eq!(l.tc(), 5);
        assert!(!l.bottom_of_stack());
        assert_eq!(l.ttl(), 64);
        assert_eq!(l.payload().len(), 5);
        let l2 = MplsLabel::new_checked(l.payload()).unwrap();
        assert_eq!(
            l2.entry(),
            MplsEntry {
                label: 200,
                tc: 0,
                bos: true,
                ttl: 64
            }
        );
        assert_eq!(MplsLabel::new_checked(&STACK[..3]), Err(Error::Truncated));
    }

    #[test]
    fn stack_walk() {
        let mut it = MplsStackIter::new(&STACK);
        assert_eq!(it.next().unwrap().unwrap().label, 100);
        assert_eq!(it.payload_offset(), None);
        assert_eq!(it.next().unwrap().unwrap().label, 200);
        assert_eq!(it.next(), None);
        assert_eq!(it.payload_offset(), Some(8));
        assert_eq!(stack_len(&STACK), Ok(8));
        // No bottom of stack before the end.
        assert_eq!(stack_len(&STACK[..6]), Err(Error::Truncated));
        assert_eq!(stack_len(&STACK[..4]), Err(Error::Truncated));
        assert_eq!(stack_len(&[]), Err(Error::Truncated));
    }

    #[test]
    fn emit() {
        let mut buf = [0xffu8; 10];
        assert_eq!(emit_stack(&mut buf, &[100, 200], 0, 64), Ok(8));
        assert_eq!(&buf[..8], &[0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x40]);
        assert_eq!(&buf[8..], &[0xff, 0xff]);
        assert_eq!(emit_stack(&mut buf, &[], 0, 64), Err(Error::Malformed));
        assert_eq!(
            emit_stack(&mut buf, &[1 << 20], 0, 64),
            Err(Error::Malformed)
        );
        assert_eq!(emit_stack(&mut buf, &[1], 8, 64), Err(Error::Malformed));
        assert_eq!(
            emit_stack(&mut buf[..7], &[1, 2], 0, 64),
            Err(Error::Truncated)
        );
        let mut b = [0xffu8; 4];
        let e = MplsEntry {
            label: 100,
            tc: 5,
            bos: false,
            ttl: 64,
        };
        assert_eq!(e.emit(&mut b), Ok(4));
        assert_eq!(b, STACK[..4]);
        assert_eq!(MplsEntry::from_u32(e.to_u32()), e);
        let mut l = MplsLabel::new_unchecked(&mut b[..]);
        l.set_label(LABEL_IPV6_EXPLICIT_NULL);
        l.set_tc(1);
        l.set_bottom_of_stack(true);
        l.set_ttl(1);
        assert_eq!(b, [0x00, 0x00, 0x23, 0x01]);
    }
}
