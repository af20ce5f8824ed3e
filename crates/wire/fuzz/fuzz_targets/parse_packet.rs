//! Walk arbitrary bytes through every lwt-wire parser: the pretty-printer's nested walk
//! (eth → vlan → ipv4/ipv6 → ext headers → srh → udp → vxlan → inner eth ...) plus every
//! checked constructor and accessor applied directly. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    exercise::exercise(data);
});
