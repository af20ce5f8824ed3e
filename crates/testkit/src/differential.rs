//! One differential case: the same configuration lines and input frames through a
//! [`KernelRouter`] and through lwt's offline runner, returning what each side sent for
//! the test to compare ([`crate::compare`]) with whatever it declares random.

use crate::compare::PortFrames;
use crate::kernel::{KernelRouter, PortSpec};
use crate::lwt::LwtRunner;

/// What both sides of a case sent, per port, and lwt's counter summary.
#[derive(Debug)]
pub struct BothSides {
    /// The kernel router's frames (noise filtered, see [`crate::NoiseFilter`]).
    pub kernel: PortFrames,
    /// lwt's frames.
    pub lwt: PortFrames,
    /// lwt's stdout: counters and drop reasons.
    pub summary: String,
}

/// Applies `lines` to a kernel router with `ports` and sends `inputs` through it, then
/// does the same with `runner`. The router's namespaces are gone before lwt runs.
/// Panics, naming the case `name`, when the kernel refuses the configuration or either
/// run fails.
#[track_caller]
pub fn run_both(
    name: &str,
    runner: &LwtRunner,
    ports: &[PortSpec],
    lines: &[&str],
    inputs: &[(&str, Vec<u8>)],
) -> BothSides {
    let router = KernelRouter::new(ports).expect("kernel router");
    router
        .apply(lines)
        .unwrap_or_else(|e| panic!("{name}: the kernel refused the configuration: {e}"));
    let kernel = router.run(inputs).expect("kernel run");
    drop(router);
    let (lwt, summary) = runner
        .run(ports, lines, inputs)
        .unwrap_or_else(|e| panic!("{name}: lwt run failed: {e}"));
    BothSides {
        kernel,
        lwt,
        summary,
    }
}

/// How many frames `frames` holds over all ports.
pub fn frame_count(frames: &PortFrames) -> usize {
    frames.values().map(Vec::len).sum()
}
