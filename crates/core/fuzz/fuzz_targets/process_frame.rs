//! Arbitrary frames through the whole packet path of a router configured with every seg6
//! mode and seg6local behaviour: nothing may panic. The first byte picks the ingress link.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lwt_core::{Dataplane, PacketBuf, Router, Worker};

const CONFIG: &str = include_str!("../router.conf");

fn dataplane() -> &'static (Dataplane, Vec<u32>) {
    static DP: OnceLock<(Dataplane, Vec<u32>)> = OnceLock::new();
    DP.get_or_init(|| {
        let lines = lwt_config::parse_batch(CONFIG).expect("fuzz config parses");
        let mut r = Router::new();
        r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)).expect("fuzz config applies");
        let ports = ["in0", "out0", "vrf-100"]
            .iter()
            .map(|n| r.link_by_name(n).unwrap().ifindex)
            .collect();
        (r.dataplane(), ports)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, frame)) = data.split_first() else { return };
    let (dp, ports) = dataplane();
    let iif = ports[usize::from(*first) % ports.len()];
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    if pkt.load(frame, iif) {
        let _ = lwt_core::process(dp, &mut w, &mut pkt);
        w.tick(dp);
        w.drain_outbox(|_, _| {});
    }
});
