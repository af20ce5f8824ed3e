//! VXLAN benchmarks: ns per packet on one core through the whole packet path
//! (`process_batch`), for encapsulation (a frame routed by `encap ip` into a flow-based
//! device, leaving as IP + UDP + VXLAN on the underlay port) and decapsulation (a VXLAN
//! datagram to a local address, IPv4 or IPv6, its inner frame routed out of a host
//! port).
//!
//! Encapsulation runs over 1 and 10,000 `encap ip` routes (one VNI and one remote
//! endpoint each), so the second shows what a large flow-based table costs beyond the
//! FIB lookup. Each criterion iteration processes [`BATCH`] frames taken in turn from a
//! pool of pre-built frames (distinct destinations, so distinct routes and VNIs when the
//! table is large), each copied into a reused `PacketBuf` first, as a receive ring
//! that is not zero-copy would. Every pool frame is checked once at setup to be sent on
//! the expected port with the expected VNI.

use std::time::Duration;

mod common;
#[path = "common/vxlan.rs"]
mod vxlan_cases;

use common::{BATCH, Driver};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use vxlan_cases::{CASES, Case};

fn vxlan(c: &mut Criterion) {
    let mut g = c.benchmark_group("vxlan");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BATCH as u64));
    for (name, build) in CASES {
        let mut case = None;
        let mut d = Driver::new();
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            // Built on first use, so a name filter skips the others' setup.
            let case: &Case = case.get_or_insert_with(build);
            b.iter(|| d.run(&case.dp, case.iif, &case.frames))
        });
    }
    g.finish();
}

criterion_group!(benches, vxlan);
criterion_main!(benches);
