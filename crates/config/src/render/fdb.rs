//! `bridge fdb show` rendering (bridge/fdb.c `print_fdb`): text and `bridge -j` JSON.

use std::fmt::Write;

use super::json::Json;
use super::render_list;
use crate::ast::*;

/// One entry, e.g. `02:00:00:00:00:09 dev vx0 dst 10.1.1.2 self permanent\n`. With a
/// `dev` filter the device is not printed (`!filter_index && r->ndm_ifindex`).
pub fn render_fdb(e: &FdbEntry, dev_filtered: bool) -> String {
    let mut out = format!("{} ", e.mac);
    if !dev_filtered {
        let _ = write!(out, "dev {} ", e.dev);
    }
    if let Some(d) = e.dst {
        let _ = write!(out, "dst {d} ");
    }
    if let Some(p) = e.port {
        let _ = write!(out, "port {p} ");
    }
    if let Some(v) = e.vni {
        let _ = write!(out, "vni {v} ");
    }
    out.push_str("self ");
    if e.router {
        out.push_str("router ");
    }
    let _ = writeln!(out, "{}", e.state.name());
    out
}

/// The `bridge -j fdb show` object of one entry.
pub fn fdb_json(e: &FdbEntry, dev_filtered: bool) -> Json {
    let mut o = Json::obj();
    o.set("mac", e.mac.to_string());
    if !dev_filtered {
        o.set("ifname", e.dev.as_str());
    }
    if let Some(d) = e.dst {
        o.set("dst", d.to_string());
    }
    if let Some(p) = e.port {
        o.set("port", u64::from(p));
    }
    if let Some(v) = e.vni {
        o.set("vni", u64::from(v));
    }
    let mut flags = vec![Json::from("self")];
    if e.router {
        flags.push(Json::from("router"));
    }
    o.set("flags", flags);
    if !e.state.name().is_empty() {
        o.set("state", e.state.name());
    }
    o
}

/// The whole dump, filtered as `bridge fdb show [dev DEV] [state S]` filters it.
pub fn render_fdbs(list: &[FdbEntry], opts: &Options, f: &FdbFilter) -> String {
    let sel: Vec<&FdbEntry> = list
        .iter()
        .filter(|e| f.dev.as_ref().is_none_or(|d| *d == e.dev))
        .filter(|e| f.state.is_none_or(|s| s == e.state))
        .collect();
    let filtered = f.dev.is_some();
    render_list(
        &sel,
        opts,
        |e| render_fdb(e, filtered),
        |e| fdb_json(e, filtered),
    )
}
