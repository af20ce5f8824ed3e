//! FIB lookup and build benchmarks on synthetic tables shaped like real ones.
//!
//! Each lookup iteration resolves [`ADDRS`] destinations, each a random address inside a
//! random inserted prefix (so nearly all hit a route); criterion's time divided by
//! 65536 is the time per lookup. Table shapes and memory are printed to stderr.
//!
//! Reference run (2-vCPU VM, other builds running, so ±20%), ns per lookup:
//!
//! | table     | lookup | lookup_batch | memory  |
//! |-----------|--------|--------------|---------|
//! | IPv4 1k   | 17     | 16           | 45 KB   |
//! | IPv4 100k | 39     | 30           | 3.5 MB  |
//! | IPv4 1M   | 69     | 31           | 16.3 MB |
//! | IPv6 1k   | 39     | 37           | 43 KB   |
//! | IPv6 100k | 68     | 63           | 4.0 MB  |
//! | IPv6 200k | 71     | 42           | 8.0 MB  |
//!
//! Build: IPv4 100k 10 ms, 1M 138 ms; IPv6 100k 19 ms, 200k 55 ms.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use lwt_fib::{Fib4, Fib6};

/// Destinations per iteration: enough that a big table is not cache-resident.
const ADDRS: usize = 1 << 16;

/// splitmix64: fixed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    fn u128(&mut self) -> u128 {
        u128::from(self.next()) << 64 | u128::from(self.next())
    }
}

fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// IPv4 table: 60% /24, 30% /16-/23, 7% /8-/15, 3% /25-/32, random bits.
fn v4_table(n: usize, rng: &mut Rng) -> Vec<(u32, u8, u32)> {
    (0..n)
        .map(|i| {
            let len = match rng.below(100) {
                0..60 => 24,
                60..90 => 16 + rng.below(8) as u8,
                90..97 => 8 + rng.below(8) as u8,
                _ => 25 + rng.below(8) as u8,
            };
            (rng.next() as u32 & mask4(len), len, i as u32)
        })
        .collect()
}

/// IPv6 table under 4 /16 and 16 /32 blocks: 45% /48, 30% /64, 25% /128 (half random
/// host routes, half SRv6-style SIDs: a /48 locator plus a 16-bit function, zeros after).
fn v6_table(n: usize, rng: &mut Rng) -> Vec<(u128, u8, u32)> {
    let b16: Vec<u128> = (0..4).map(|_| rng.u128() & mask6(16)).collect();
    let b32: Vec<u128> = (0..16)
        .map(|_| b16[rng.below(4) as usize] | (rng.u128() & !mask6(16) & mask6(32)))
        .collect();
    let locators: Vec<u128> = (0..(n / 64).max(1))
        .map(|_| b32[rng.below(16) as usize] | (rng.u128() & !mask6(32) & mask6(48)))
        .collect();
    let mut t: Vec<(u128, u8, u32)> = b16.iter().map(|&p| (p, 16, 0)).collect();
    t.extend(b32.iter().map(|&p| (p, 32, 0)));
    while t.len() < n {
        let block = b32[rng.below(16) as usize];
        let (p, len) = match rng.below(100) {
            0..45 => (block | (rng.u128() & !mask6(32) & mask6(48)), 48),
            45..75 => (block | (rng.u128() & !mask6(32) & mask6(64)), 64),
            75..88 => (block | (rng.u128() & !mask6(32)), 128),
            _ => {
                let loc = locators[rng.below(locators.len() as u64) as usize];
                (loc | u128::from(rng.below(1 << 16) as u16) << 64, 128)
            }
        };
        t.push((p, len, t.len() as u32));
    }
    t
}

fn v4_addrs(t: &[(u32, u8, u32)], rng: &mut Rng) -> Vec<u32> {
    (0..ADDRS)
        .map(|_| {
            let (p, len, _) = t[rng.below(t.len() as u64) as usize];
            p | (rng.next() as u32 & !mask4(len))
        })
        .collect()
}

fn v6_addrs(t: &[(u128, u8, u32)], rng: &mut Rng) -> Vec<u128> {
    (0..ADDRS)
        .map(|_| {
            let (p, len, _) = t[rng.below(t.len() as u64) as usize];
            p | (rng.u128() & !mask6(len))
        })
        .collect()
}

/// A lookup group: throughput is counted in addresses, [`ADDRS`] per iteration.
fn lookup_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(ADDRS as u64));
    g
}

/// Benchmark `id`/`n`: `lookup` on each of `addrs`, one at a time.
fn bench_loop<A: Copy>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    n: usize,
    addrs: &[A],
    lookup: impl Fn(A) -> Option<u32>,
) {
    g.bench_with_input(BenchmarkId::new(id, n), addrs, |b, addrs| {
        b.iter(|| {
            for &a in addrs {
                black_box(lookup(black_box(a)));
            }
        })
    });
}

/// Benchmark `hit_batch`/`n`: `lookup_batch` over all of `addrs`.
fn bench_batch<A>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    addrs: &[A],
    lookup_batch: impl Fn(&[A], &mut [Option<u32>]),
) {
    let mut out = vec![None; ADDRS];
    g.bench_with_input(BenchmarkId::new("hit_batch", n), addrs, |b, addrs| {
        b.iter(|| {
            lookup_batch(black_box(addrs), &mut out);
            black_box(&out);
        })
    });
}

fn lookups(c: &mut Criterion) {
    let mut rng = Rng(0x1d7_f1b5);
    let mut g = lookup_group(c, "fib4_lookup");
    for n in [1_000, 100_000, 1_000_000] {
        let t = v4_table(n, &mut rng);
        let fib = Fib4::build(&t);
        eprintln!("fib4 {n}: {fib:?}");
        let addrs = v4_addrs(&t, &mut rng);
        bench_loop(&mut g, "hit", n, &addrs, |a| fib.lookup(a));
        bench_batch(&mut g, n, &addrs, |a, o| fib.lookup_batch(a, o));
        if n == 1_000_000 {
            let random: Vec<u32> = (0..ADDRS).map(|_| rng.next() as u32).collect();
            bench_loop(&mut g, "random", n, &random, |a| fib.lookup(a));
        }
    }
    g.finish();

    let mut g = lookup_group(c, "fib6_lookup");
    for n in [1_000, 100_000, 200_000] {
        let t = v6_table(n, &mut rng);
        let fib = Fib6::build(&t);
        eprintln!("fib6 {n}: {fib:?}");
        let addrs = v6_addrs(&t, &mut rng);
        bench_loop(&mut g, "hit", n, &addrs, |a| fib.lookup(a));
        bench_batch(&mut g, n, &addrs, |a, o| fib.lookup_batch(a, o));
    }
    g.finish();
}

fn builds(c: &mut Criterion) {
    let mut rng = Rng(0xb01d);
    let mut g = c.benchmark_group("fib_build");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in [100_000, 1_000_000] {
        let t = v4_table(n, &mut rng);
        g.bench_with_input(BenchmarkId::new("v4", n), &t, |b, t| {
            b.iter(|| Fib4::build(black_box(t)))
        });
    }
    for n in [100_000, 200_000] {
        let t = v6_table(n, &mut rng);
        g.bench_with_input(BenchmarkId::new("v6", n), &t, |b, t| {
            b.iter(|| Fib6::build(black_box(t)))
        });
    }
    g.finish();
}

criterion_group!(benches, lookups, builds);
criterion_main!(benches);
