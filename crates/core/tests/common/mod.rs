//! An in-process network of lwt routers for tests: routers built from iproute2 lines,
//! ports wired to each other, frames followed until they leave towards hosts.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};

use lwt_core::{Dataplane, PacketBuf, Router, Verdict, Worker};

pub struct Node {
    pub name: String,
    pub router: Router,
    pub dp: Dataplane,
    pub worker: Worker,
}

/// A frame a router transmitted: towards a host (a port wired to nothing) or onto a
/// wire to another router.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub router: String,
    pub port: String,
    pub frame: Vec<u8>,
    pub wired: bool,
}

#[derive(Default)]
pub struct Sim {
    pub nodes: Vec<Node>,
    wires: HashMap<(usize, u32), (usize, u32)>,
}

impl Sim {
    pub fn new() -> Self {
        Sim::default()
    }

    /// Adds a router configured by `config` (one iproute2 command per line).
    pub fn router(&mut self, name: &str, config: &str) {
        let lines = lwt_config::parse_batch(config)
            .unwrap_or_else(|e| panic!("{name}: config does not parse: {e}"));
        let mut router = Router::new();
        if let Err((i, e)) = router.apply_all(lines.iter().map(|(_, _, r)| &r.cmd)) {
            panic!("{name}: line {}: {}\n{e}", lines[i].0, lines[i].1);
        }
        let dp = router.dataplane();
        self.nodes.push(Node {
            name: name.into(),
            router,
            dp,
            worker: Worker::new(),
        });
    }

    fn node(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .unwrap_or_else(|| panic!("no router {name}"))
    }

    pub fn ifindex(&self, router: &str, port: &str) -> u32 {
        let n = &self.nodes[self.node(router)];
        n.router
            .link_by_name(port)
            .unwrap_or_else(|| panic!("{router} has no link {port}"))
            .ifindex
    }

    pub fn mac(&self, router: &str, port: &str) -> [u8; 6] {
        let n = &self.nodes[self.node(router)];
        n.router.link_by_name(port).unwrap().mac.0
    }

    /// Connects two router ports.
    pub fn wire(&mut self, a: (&str, &str), b: (&str, &str)) {
        let ka = (self.node(a.0), self.ifindex(a.0, a.1));
        let kb = (self.node(b.0), self.ifindex(b.0, b.1));
        self.wires.insert(ka, kb);
        self.wires.insert(kb, ka);
    }

    /// Sends `frame` into `router`'s `port` and follows every frame it causes; returns
    /// every transmission, in order.
    pub fn inject(&mut self, router: &str, port: &str, frame: Vec<u8>) -> Vec<Delivered> {
        let mut queue = VecDeque::from([(self.node(router), self.ifindex(router, port), frame)]);
        let mut out = Vec::new();
        let mut pkt = PacketBuf::new();
        let mut steps = 0;
        while let Some((n, iif, f)) = queue.pop_front() {
            steps += 1;
            assert!(steps < 1000, "forwarding loop in the simulated network");
            let node = &mut self.nodes[n];
            assert!(pkt.load(&f, iif));
            let mut sent = Vec::new();
            if let Verdict::Tx(oif) = lwt_core::process(&node.dp, &mut node.worker, &mut pkt) {
                sent.push((oif, pkt.data().to_vec()));
            }
            node.worker
                .drain_outbox(|oif, frame| sent.push((oif, frame.to_vec())));
            for (oif, data) in sent {
                let peer = self.wires.get(&(n, oif)).copied();
                out.push(Delivered {
                    router: node.name.clone(),
                    port: node.router.link_name(oif),
                    frame: data.clone(),
                    wired: peer.is_some(),
                });
                if let Some((m, peer_if)) = peer {
                    queue.push_back((m, peer_if, data));
                }
            }
        }
        out
    }
}
