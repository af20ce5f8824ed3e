//! A driver for profilers: one case of the `seg6local` or `vxlan` benchmark (same
//! routers and frames; seg6local with smaller tables so that setup is quick under
//! valgrind), or IPv4 forwarding / H.Encaps over a 1k-route table, N packets in
//! batches of 32. Not a benchmark: see benches/.
//!
//!     cargo build --release -p lwt-core --example profile_case
//!     valgrind --tool=callgrind --toggle-collect='*process_batch*' \
//!         target/release/examples/profile_case seg6local End 200000 [ROUTES]
//!     ... profile_case vxlan decap_v4_underlay/1 200000
//!     ... profile_case forward ipv4|encap 200000 [ROUTES]
//!
//! callgrind's total divided by N is the instructions per packet of `process_batch`.

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/seg6local.rs"]
mod seg6local_cases;
#[path = "../benches/common/vxlan.rs"]
mod vxlan_cases;

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker, process_batch};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: profile_case seg6local|vxlan|forward CASE [N] [ROUTES]";
    let (bench, name) = match &args[..] {
        [b, n, ..] => (b.as_str(), n.as_str()),
        _ => panic!("{usage}"),
    };
    let n: usize = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let routes: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let (dp, iif, frames): (Dataplane, u32, Vec<Vec<u8>>) = match bench {
        "seg6local" => {
            let c = seg6local_cases::cases(routes)
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
        "forward" => forward(name == "encap", routes),
        _ => panic!("{usage}"),
    };
    let mut w = Worker::new();
    let mut bufs: Vec<PacketBuf> = (0..32).map(|_| PacketBuf::new()).collect();
    let mut verdicts = [Verdict::Consumed; 32];
    let mut tx = 0usize;
    for i in 0..n / 32 {
        for (j, b) in bufs.iter_mut().enumerate() {
            b.load(&frames[(i * 32 + j) % frames.len()], iif);
        }
        process_batch(&dp, &mut w, &mut bufs, &mut verdicts);
        tx += verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Tx(_)))
            .count();
    }
    assert_eq!(tx, n / 32 * 32, "every packet is forwarded");
    println!("{tx} packets through {bench} {name}");
}

/// IPv4 packets over a table of `routes` /24s (1k by default): plain forwarding, or
/// (`encap`) H.Encaps with 2 SIDs, one first SID per route.
fn forward(encap: bool, routes: usize) -> (Dataplane, u32, Vec<Vec<u8>>) {
    let mut cfg = String::from(
        "link add in0 address 02:00:00:00:00:01 type port\nlink add out0 address 02:00:00:00:00:02 type port\n\
         link set in0 up\nlink set out0 up\naddr add 10.0.0.1/24 dev in0\naddr add 10.9.0.1/24 dev out0\n\
         neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0\n\
         addr add fd00::1/64 dev out0\nneigh add fd00::2 lladdr 02:00:00:00:0c:02 dev out0\n\
         route add fc00::/16 via fd00::2 dev out0\n",
    );
    let prefix = |i: u32| (0x0A64_0000u32 + (i << 8)).to_be_bytes();
    for i in 0..routes as u32 {
        let via = if encap {
            let sid = std::net::Ipv6Addr::from(0xfc00u128 << 112 | u128::from(i + 16));
            format!("encap seg6 mode encap segs {sid},fc00::2 dev out0")
        } else {
            "via 10.9.0.2 dev out0".into()
        };
        let [a, b, c, _] = prefix(i);
        cfg += &format!("route add {a}.{b}.{c}.0/24 {via}\n");
    }
    let lines = lwt_config::parse_batch(&cfg).unwrap();
    let mut r = Router::new();
    r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)).unwrap();
    let iif = r.link_by_name("in0").unwrap().ifindex;
    let dp = r.dataplane();
    // Spread over the table: a stride coprime with any table size below 7919².
    let frames: Vec<Vec<u8>> = (0..16384u32)
        .map(|i| {
            let [a, b, c, _] = prefix((i * 7919) % routes as u32);
            let dst = [a, b, c, 7];
            let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0x0a, 1, 8, 0];
            let mut ip = vec![0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2];
            ip.extend_from_slice(&dst);
            let sum = ip
                .chunks(2)
                .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
                .sum::<u32>();
            let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            f.extend_from_slice(&ip);
            f.extend_from_slice(&[0x0f, 0xa0, 0x13, 0x88, 0, 26, 0, 0]);
            f.extend_from_slice(&[0u8; 18]);
            f
        })
        .collect();
    (dp, iif, frames)
}
