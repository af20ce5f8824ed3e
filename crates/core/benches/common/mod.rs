//! Shared by the packet-path benchmarks: the batch driver every case is timed with, a
//! seeded random generator and the IPv4 header checksum for building frames.

// Each bench uses a subset.
#![allow(dead_code)]

use std::hint::black_box;

use lwt_core::{Dataplane, PacketBuf, Verdict, Worker, process_batch};

/// Frames per criterion iteration (one `process_batch` call).
pub const BATCH: usize = 32;

/// Cycles a frame pool through the packet path: each iteration copies the next
/// [`BATCH`] frames into its buffers with `load` (part of the measured cost, as for a
/// receive ring that is not zero-copy) and processes them as one batch.
pub struct Driver {
    w: Worker,
    bufs: Vec<PacketBuf>,
    verdicts: [Verdict; BATCH],
    next: usize,
}

impl Driver {
    pub fn new() -> Self {
        Driver {
            w: Worker::new(),
            bufs: (0..BATCH).map(|_| PacketBuf::new()).collect(),
            verdicts: [Verdict::Consumed; BATCH],
            next: 0,
        }
    }

    pub fn run(&mut self, dp: &Dataplane, iif: u32, frames: &[Vec<u8>]) {
        self.load(iif, frames);
        process_batch(dp, &mut self.w, &mut self.bufs, &mut self.verdicts);
        black_box(&self.verdicts);
    }
}

impl Driver {
    /// The `load` copies alone: the part of every figure a zero-copy receive path
    /// would not pay.
    pub fn load(&mut self, iif: u32, frames: &[Vec<u8>]) {
        for pkt in &mut self.bufs {
            pkt.load(black_box(&frames[self.next]), iif);
            self.next = (self.next + 1) % frames.len();
        }
        black_box(&mut self.bufs);
    }
}

/// splitmix64: fixed seed, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    pub fn u128(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }
}

/// The Internet checksum of `data` (RFC 1071), ready to store.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
