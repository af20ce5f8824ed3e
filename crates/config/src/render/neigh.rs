//! `ip neigh show` rendering (ip/ipneigh.c `print_neigh`, modern spacing:
//! every field followed by one space).

use std::fmt::Write;

use super::json::Json;
use super::render_list;
use crate::ast::*;

/// One neighbour, e.g. `10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT \n`
/// or, for a proxy entry, `cafe::2 dev veth-t100 proxy \n`.
pub fn render_neigh(n: &NeighEntry, _opts: &Options) -> String {
    let mut out = format!("{} ", n.addr);
    if let Some(d) = Some(&n.dev).filter(|d| !d.is_empty()) {
        let _ = write!(out, "dev {d} ");
    }
    if let Some(m) = &n.lladdr {
        let _ = write!(out, "lladdr {m} ");
    }
    if n.router {
        out.push_str("router ");
    }
    if n.proxy {
        out.push_str("proxy ");
    }
    if n.state != NudState::None {
        let _ = write!(out, "{} ", n.state.name());
    }
    out.push('\n');
    out
}

pub fn neigh_json(n: &NeighEntry) -> Json {
    let mut o = Json::obj();
    o.set("dst", n.addr.to_string());
    if !n.dev.is_empty() {
        o.set("dev", n.dev.as_str());
    }
    if let Some(m) = &n.lladdr {
        o.set("lladdr", m.to_string());
    }
    if n.router {
        o.set("router", Json::Null);
    }
    if n.proxy {
        o.set("proxy", Json::Null);
    }
    if n.state != NudState::None {
        o.set("state", vec![Json::from(n.state.name())]);
    }
    o
}

pub fn render_neighs(list: &[NeighEntry], opts: &Options) -> String {
    render_list(list, opts, |n| render_neigh(n, opts), neigh_json)
}
