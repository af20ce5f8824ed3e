//! Renderers: objects the core hands back, printed the way `ip` prints them
//! (text) and the way `ip -j` prints them (JSON, via the ordered [`Json`]).

pub mod encap;
pub mod fdb;
pub mod json;
pub mod link;
pub mod neigh;
pub mod route;
pub mod rule;
pub mod sr;

pub use encap::{encap_cmdline, encap_json, encap_text};
pub use fdb::{fdb_json, render_fdb, render_fdbs};
pub use json::{Json, json_list};
pub use link::{addr_json, link_json, render_addrs, render_link, render_link_addrs, render_links};
pub use neigh::{neigh_json, render_neigh, render_neighs};
pub use route::{
    RouteColumns, dst_text, entry_from_spec, render_route, render_route_cols, render_routes,
    route_cmdline, route_json, route_json_cols,
};
pub use rule::{render_rule, render_rules, rule_json};
pub use sr::{render_hmac_keys, render_tunsrc};

use crate::ast::Options;

/// A whole `show` answer: each item's text, or with `-j` one JSON array of the
/// items' objects.
fn render_list<T>(
    items: &[T],
    opts: &Options,
    text: impl Fn(&T) -> String,
    json: impl Fn(&T) -> Json,
) -> String {
    if opts.json {
        json_list(items.iter().map(json).collect(), opts.pretty)
    } else {
        items.iter().map(text).collect()
    }
}
