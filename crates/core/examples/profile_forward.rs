//! A driver for profilers (`perf record`, `valgrind --tool=callgrind`): IPv4 packets
//! over a 1k-route table, N packets in batches of 32; plain forwarding, or with
//! `encap` H.Encaps with 2 SIDs (one first SID per route). Not a benchmark: see benches/.
//!
//!     cargo build --release -p lwt-core --example profile_forward
//!     perf record -g target/release/examples/profile_forward 5000000 [encap]

use lwt_core::{PacketBuf, Router, Verdict, Worker, process_batch};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let encap = std::env::args().nth(2).as_deref() == Some("encap");
    let mut cfg = String::from(
        "link add in0 address 02:00:00:00:00:01 type port\nlink add out0 address 02:00:00:00:00:02 type port\n\
         link set in0 up\nlink set out0 up\naddr add 10.0.0.1/24 dev in0\naddr add 10.9.0.1/24 dev out0\n\
         neigh add 10.9.0.2 lladdr 02:00:00:00:0c:02 dev out0\n\
         addr add fd00::1/64 dev out0\nneigh add fd00::2 lladdr 02:00:00:00:0c:02 dev out0\n\
         route add fc00::/16 via fd00::2 dev out0\n",
    );
    for i in 0..1000u32 {
        let via = if encap {
            format!(
                "encap seg6 mode encap segs fc00::{:x},fc00::2 dev out0",
                i + 16
            )
        } else {
            "via 10.9.0.2 dev out0".into()
        };
        cfg += &format!("route add 10.{}.{}.0/24 {via}\n", 100 + i / 256, i % 256);
    }
    let lines = lwt_config::parse_batch(&cfg).unwrap();
    let mut r = Router::new();
    r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)).unwrap();
    let iif = r.link_by_name("in0").unwrap().ifindex;
    let dp = r.dataplane();
    let frames: Vec<Vec<u8>> = (0..1024u32)
        .map(|i| {
            let dst = [10u8, 100 + (i % 1000 / 256) as u8, (i % 256) as u8, 7];
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
    println!("{tx} packets forwarded");
}
