//! A driver for profilers: one case of the `forward`, `seg6local` or `vxlan` benchmark
//! (same routers and frames; seg6local with smaller tables by default so that setup is
//! quick under valgrind), N packets in batches of 32. Not a benchmark: see benches/.
//!
//!     cargo build --release -p lwt-core --example profile_case
//!     valgrind --tool=callgrind --toggle-collect='*profile_case::measured*' \
//!         target/release/examples/profile_case seg6local End 200000 [ROUTES]
//!     ... profile_case vxlan decap_v4_underlay/1 200000
//!     ... profile_case forward ipv4_forward/1000 200000
//!
//! callgrind's total divided by N is the instructions per packet of `process_batch`
//! (toggling on `*process_batch*` instead would also count the forward cases' setup,
//! which checks every frame through `process_batch`, one frame per call).
//!
//! With `--time` as the last argument it also times the run in chunks of 64 vectors
//! and prints the fastest and the median chunk in ns per packet: on a shared machine
//! whose speed drifts, the fastest chunk is the figure least disturbed by other load.

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/forward.rs"]
mod forward_cases;
#[path = "../benches/common/seg6local.rs"]
mod seg6local_cases;
#[path = "../benches/common/vxlan.rs"]
mod vxlan_cases;

use lwt_core::{Dataplane, PacketBuf, Verdict, Worker, process_batch};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let time = args.last().is_some_and(|a| a == "--time");
    if time {
        args.pop();
    }
    let usage = "usage: profile_case seg6local|vxlan|forward CASE [N] [ROUTES] [--time]";
    let (bench, name) = match &args[..] {
        [b, n, ..] => (b.as_str(), n.as_str()),
        _ => panic!("{usage}"),
    };
    let n: usize = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // seg6local only: the size of its tables.
    let routes: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let (dp, iif, frames): (Dataplane, u32, Vec<Vec<u8>>) = match bench {
        "seg6local" => {
            let c = seg6local_cases::cases(routes, &|c| c == name)
                .into_iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no seg6local case named {name:?}"));
            (c.dp, c.iif, c.frames)
        }
        "vxlan" => {
            let (_, build) = vxlan_cases::CASES
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("no vxlan case named {name:?}"));
            let c = build();
            (c.dp, c.iif, c.frames)
        }
        "forward" => {
            let i = forward_cases::SPECS
                .iter()
                .position(|(n, _, size)| format!("{n}/{size}") == name)
                .unwrap_or_else(|| panic!("no forward case named {name:?} (NAME/ROUTES)"));
            let c = forward_cases::build_spec(i);
            (c.dp, c.iif, c.frames)
        }
        _ => panic!("{usage}"),
    };
    let mut w = Worker::new();
    // The counters sized up front, as a daemon's worker has them after its first
    // batch: the profile is of the steady state.
    w.fit(&dp);
    let mut bufs: Vec<PacketBuf> = (0..32).map(|_| PacketBuf::new()).collect();
    let mut verdicts = [Verdict::Consumed; 32];
    let mut tx = 0usize;
    // Nanoseconds per chunk of 64 vectors.
    let mut chunks = Vec::new();
    let mut start = std::time::Instant::now();
    for i in 0..n / 32 {
        for (j, b) in bufs.iter_mut().enumerate() {
            b.load(&frames[(i * 32 + j) % frames.len()], iif);
        }
        measured(&dp, &mut w, &mut bufs, &mut verdicts);
        tx += verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Tx(_)))
            .count();
        if time && i % 64 == 63 {
            chunks.push(start.elapsed().as_nanos() as f64 / (64.0 * 32.0));
            start = std::time::Instant::now();
        }
    }
    assert_eq!(tx, n / 32 * 32, "every packet is forwarded");
    println!("{tx} packets through {bench} {name}");
    if !chunks.is_empty() {
        chunks.sort_by(f64::total_cmp);
        println!(
            "ns/packet (load + process_batch): fastest chunk {:.1}, median {:.1} ({} chunks)",
            chunks[0],
            chunks[chunks.len() / 2],
            chunks.len()
        );
    }
}

/// The measured call, apart from the setup's own checks (which run `process_batch`
/// too): profilers select it with `--toggle-collect='*profile_case::measured*'`.
#[inline(never)]
fn measured(dp: &Dataplane, w: &mut Worker, pkts: &mut [PacketBuf], out: &mut [Verdict]) {
    process_batch(dp, w, pkts, out);
}
