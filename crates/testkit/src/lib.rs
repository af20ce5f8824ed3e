//! lwt-testkit: the kernel as the oracle for lwt's integration tests.
//!
//! A test applies the same iproute2 lines to a Linux kernel router in a network namespace
//! ([`KernelRouter`]) and to lwt's offline runner ([`LwtRunner`]), sends the same frames
//! through both ([`run_both`]), and compares what comes out byte for byte
//! ([`compare_frames`]), masking ([`Mask`]) or normalising ([`clear_ipv4_ident`]) only
//! fields the test declares random. lwt's output must also dissect cleanly in tshark
//! ([`tshark_check`]).
//!
//! ```no_run
//! use lwt_testkit::*;
//! use lwt_testkit::frames::{ethernet_ip, ip6, Ipv6};
//!
//! if !root_or_skip() { return; }
//! let ports = [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)];
//! let lines = [
//!     "addr add 2001:db8:1::1/64 dev in0",
//!     "addr add 2001:db8:2::1/64 dev out0",
//!     "neigh add 2001:db8:2::2 lladdr 02:00:00:00:02:02 dev out0",
//!     "route add 2001:db8:99::/64 via 2001:db8:2::2 dev out0",
//! ];
//! let pkt = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5")).udp(1, 2, b"x");
//! let inputs = [("in0", ethernet_ip(ports[0].peer_mac, ports[0].mac, &pkt))];
//!
//! let kernel = KernelRouter::new(&ports).unwrap();
//! kernel.apply(&lines).unwrap();
//! let want = kernel.run(&inputs).unwrap();
//! let (got, _summary) = LwtRunner::new("target/debug/lwt").run(&ports, &lines, &inputs).unwrap();
//! assert_same_frames(&want, &got, &[]);
//! ```
//!
//! Root is needed for namespaces; see [`root_or_skip`].

pub mod compare;
pub mod daemon;
pub mod decode;
pub mod differential;
pub mod error;
pub mod frames;
pub mod kernel;
pub mod lwt;
pub mod netns;
pub mod next_csid;
pub mod pcap;
pub mod rawsock;
pub mod tmp;
pub mod topology;
pub mod tshark;

pub use compare::{
    Mask, PortFrames, assert_same_frames, clear_ipv4_ident, compare_frames, describe_frames,
    hexdump,
};
pub use daemon::{ClientOutput, LwtDaemon, ping};
pub use differential::{BothSides, frame_count, run_both};
pub use error::{Error, Result};
pub use kernel::{KernelRouter, NoiseFilter, PortSpec};
pub use lwt::{LwtOutput, LwtRunner};
pub use netns::{Netns, cleanup_stale, veth};
pub use rawsock::RawSocket;
pub use tshark::{in_ci, tshark_check, tshark_check_frames};

/// Whether this kernel has the SRv6 the differential tests configure: seg6 lightweight
/// tunnels (`CONFIG_IPV6_SEG6_LWTUNNEL`, for `encap seg6` and `encap seg6local` routes)
/// and the HMAC key table (`CONFIG_IPV6_SEG6_HMAC`). Probed once, in a scratch
/// namespace. Call after [`root_or_skip`].
pub fn kernel_has_seg6() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        let ns = Netns::new("seg6probe").expect("a namespace for the seg6 probe");
        ns.ip("-6 route add fc00:ffff::/64 encap seg6 mode encap segs fc00::1 dev lo")
            .is_ok()
            && ns.ip("sr hmac show").is_ok()
    })
}

/// For a test that compares lwt with the kernel's SRv6: `true` when the kernel can run
/// it. Otherwise prints why the comparison is skipped and returns `false` — also in CI:
/// a kernel built without seg6 is a fact of the machine, which no package installs.
///
/// ```no_run
/// if !lwt_testkit::root_or_skip() || !lwt_testkit::kernel_seg6_or_skip() { return; }
/// ```
pub fn kernel_seg6_or_skip() -> bool {
    if kernel_has_seg6() {
        return true;
    }
    eprintln!(
        "skipped: this kernel lacks seg6 lightweight tunnels or SRv6 HMAC \
         (CONFIG_IPV6_SEG6_LWTUNNEL, CONFIG_IPV6_SEG6_HMAC), so it cannot be the oracle here"
    );
    false
}

/// Whether the test may use namespaces: `true` as root. Otherwise prints
/// `skipped: needs root` and returns `false` — unless `CI` is set, where tests must
/// really run, and it panics.
///
/// ```no_run
/// if !lwt_testkit::root_or_skip() { return; }
/// ```
#[track_caller]
pub fn root_or_skip() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if in_ci() {
        panic!("this test needs root and CI is set: run the tests as root");
    }
    eprintln!("skipped: needs root");
    false
}
