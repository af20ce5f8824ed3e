//! Packet-path benchmarks: ns per packet on one core for plain forwarding and SRv6 headend
//! behaviours, over a synthetic routing table of 1k or 100k routes.
//!
//! Each case builds a router from iproute2-syntax lines (setup, not timed), compiles the
//! snapshot, and pre-builds a pool of [`POOL`] Ethernet frames with distinct random
//! destinations that hit the table. One criterion iteration is one [`common::Driver`]
//! run: [`BATCH`] frames taken in turn from the pool, copied into the driver's buffers
//! with `load` (that copy is part of the measured cost, as it would be for a receive
//! ring that is not zero-copy) and processed by one `process_batch` call. Throughput is
//! reported as elements (packets) per second; ns/packet = 1e9 / that rate.
//!
//! Every pool frame is checked once at setup to yield `Verdict::Tx(out0)`, so a
//! configuration mistake cannot turn the benchmark into a measurement of drops.
//!
//! Setup of a 100k-route table takes about a second, so the large tables are built
//! together on both cores, before anything is timed, when the first one is needed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod common;
#[path = "common/forward.rs"]
mod forward_cases;

use common::{BATCH, Driver};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forward_cases::{Case, SPECS, build_spec};

/// Tables at least this big are built together, on both cores (loading 100k routes
/// takes tens of seconds per table).
const LARGE: usize = 10_000;

/// Cases built on first use, so a name filter skips the setup of the others. The first
/// large case asked for builds every large case, two at a time, before anything is timed.
struct Cases(Vec<Option<Case>>);

impl Cases {
    fn get(&mut self, i: usize) -> &Case {
        if self.0[i].is_none() {
            let jobs: Vec<usize> = if SPECS[i].2 >= LARGE {
                (0..SPECS.len())
                    .filter(|&j| SPECS[j].2 >= LARGE && self.0[j].is_none())
                    .collect()
            } else {
                vec![i]
            };
            let next = AtomicUsize::new(0);
            let built: Vec<(usize, Case)> = std::thread::scope(|s| {
                let workers: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            let mut out = Vec::new();
                            while let Some(&j) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                                out.push((j, build_spec(j)));
                            }
                            out
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|h| h.join().unwrap())
                    .collect()
            });
            for (j, case) in built {
                self.0[j] = Some(case);
            }
        }
        self.0[i].as_ref().unwrap()
    }
}

fn forward(c: &mut Criterion) {
    let mut cases = Cases((0..SPECS.len()).map(|_| None).collect());
    let mut g = c.benchmark_group("forward");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BATCH as u64));
    for (i, &(name, _, n)) in SPECS.iter().enumerate() {
        let mut d = Driver::new();
        g.bench_function(BenchmarkId::new(name, n), |b| {
            let case = cases.get(i);
            b.iter(|| d.run(&case.dp, case.iif, &case.frames))
        });
    }
    // Baseline: the `load` copies alone (60 B IPv4 frames), the part of every row above
    // that a zero-copy receive path would not pay.
    let mut d = Driver::new();
    g.bench_function("load_only/60B", |b| {
        let case = cases.get(0);
        b.iter(|| d.load(case.iif, &case.frames))
    });
    g.finish();
}

criterion_group!(benches, forward);
criterion_main!(benches);
