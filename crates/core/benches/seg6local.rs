//! ns/packet for each SRv6 endpoint behaviour, one core, with a 100k-prefix IPv6 table
//! (and a 100k-prefix IPv4 table in the tenant VRF for the IPv4 decapsulations).
//!
//!     cargo bench -p lwt-core --bench seg6local
//!
//! Each element is `PacketBuf::load` of a pre-built frame (its copy is included) and
//! its share of one `process_batch` call over the iteration's frames. Frames go to 1024
//! distinct SIDs (one SID route per frame group) and, after the behaviour, to random
//! destinations inside the big table. Every frame is checked at setup to leave on out0,
//! so no row measures drops.

use std::time::Duration;

mod common;
#[path = "common/seg6local.rs"]
mod seg6local_cases;

use common::{BATCH, Driver};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Prefixes in each big table.
const ROUTES: usize = 100_000;

fn seg6local(c: &mut Criterion) {
    let cases = seg6local_cases::cases(ROUTES, &|_| true);
    let mut g = c.benchmark_group("seg6local");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BATCH as u64));
    for case in &cases {
        let mut d = Driver::new();
        g.bench_function(case.name, |b| {
            b.iter(|| d.run(&case.dp, case.iif, &case.frames))
        });
    }
    // The VM's speed drifts: this row (the frames' `load` copies alone, 80-90 B) is the
    // reference to read the others against.
    let mut d = Driver::new();
    g.bench_function("load_only", |b| {
        b.iter(|| d.load(cases[0].iif, &cases[0].frames))
    });
    g.finish();
}

criterion_group!(benches, seg6local);
criterion_main!(benches);
