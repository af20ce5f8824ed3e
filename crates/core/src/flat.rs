//! The rules and tables of the default L3 domain flattened into one longest-prefix
//! match per family, built with the snapshot.
//!
//! With the kernel's default rules a routing pass is two table lookups (`local`, then
//! `main`); the kernel merges those two tables while no custom rule exists
//! (`fib_unmerge`). lwt goes further: whenever the outcome of the rule walk depends on
//! the destination alone — every rule is selector-free, selects on `to` only, or is the
//! `l3mdev` rule (which never matches outside a VRF) — the whole walk is precomputed.
//!
//! Why one LPM can answer for the walk: every prefix a rule or a table can test is put
//! into one set `U`. Two addresses whose longest covering prefix in `U` is the same
//! prefix `u` are covered by exactly the same prefixes of every table and every `to`
//! selector (prefixes are nested or disjoint), so the walk ends the same way for both.
//! The walk is therefore evaluated once per `u`, with "the longest prefix of table T
//! that covers `u`" for each table lookup, and stored as `u`'s value.

use std::collections::{HashMap, HashSet};

use lwt_fib::{Fib4, Fib6};

use crate::dataplane::{Adj, RouteDp, RouteKind, RuleActionDp, RuleDp, TableDp};

/// What the rule walk decided for a destination (the cases of `lookup::Res`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlatRes {
    /// `dp.tables[table]`'s route number `route` (of the family's route list).
    Route {
        table: u32,
        route: u32,
    },
    NoRoute,
    RuleBlackhole,
    RuleUnreachable,
    RuleProhibit,
}

/// One result of the walk, with what forwarding through it needs when that is a plain
/// forward: then the packet path reads this entry only, not the route.
#[derive(Debug, Clone, Copy)]
pub struct FlatEnt {
    pub res: FlatRes,
    /// Set when the route is unicast with a single next hop that compiled to an
    /// adjacency (no LWT state, static neighbour, Ethernet link up).
    pub adj: Option<Adj>,
}

/// One family's flattened walk: destination → index into `results`.
#[derive(Debug, Clone, Default)]
pub struct Flat<F> {
    pub fib: F,
    pub results: Vec<FlatEnt>,
}

impl Flat<Fib4> {
    #[inline]
    pub fn lookup(&self, dst: u32) -> FlatRes {
        self.fib
            .lookup(dst)
            .map_or(FlatRes::NoRoute, |i| self.results[i as usize].res)
    }
}

impl Flat<Fib6> {
    #[inline]
    pub fn lookup(&self, dst: u128) -> FlatRes {
        self.fib
            .lookup(dst)
            .map_or(FlatRes::NoRoute, |i| self.results[i as usize].res)
    }
}

/// A prefix with its bits left-aligned in a `u128`, whatever the family.
type Pfx = (u128, u8);

/// The LPM entries (prefix → result index) and the results.
type Flattened = (Vec<(Pfx, u32)>, Vec<FlatEnt>);

fn covers(outer: Pfx, inner: Pfx) -> bool {
    outer.1 <= inner.1 && (outer.0 ^ inner.0) & mask(outer.1) == 0
}

fn mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// One table's prefixes, for "longest prefix covering `u`" by probing each length.
struct TableIndex {
    routes: HashMap<Pfx, u32>,
    /// The lengths present, longest first.
    lens: Vec<u8>,
}

impl TableIndex {
    fn new(routes: &[RouteDp], v6: bool) -> Self {
        let mut map = HashMap::with_capacity(routes.len());
        let mut lens = HashSet::new();
        for (i, r) in routes.iter().enumerate() {
            let p = left(r.origin.1.addr, v6);
            let len = r.origin.1.len;
            map.insert((p & mask(len), len), i as u32);
            lens.insert(len);
        }
        let mut lens: Vec<u8> = lens.into_iter().collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        TableIndex { routes: map, lens }
    }

    fn covering(&self, u: Pfx) -> Option<u32> {
        self.lens
            .iter()
            .filter(|&&l| l <= u.1)
            .find_map(|&l| self.routes.get(&(u.0 & mask(l), l)).copied())
    }
}

fn routes_of(t: &TableDp, v6: bool) -> &[RouteDp] {
    if v6 { &t.routes6 } else { &t.routes4 }
}

fn left(a: std::net::IpAddr, v6: bool) -> u128 {
    match a {
        std::net::IpAddr::V4(a) if !v6 => u128::from(u32::from(a)) << 96,
        std::net::IpAddr::V6(a) if v6 => u128::from(a),
        _ => 0,
    }
}

/// Can the walk over `rules` be flattened (its result depends on the destination only,
/// for packets outside any VRF)?
fn flattenable(rules: &[RuleDp]) -> bool {
    rules.iter().all(|r| {
        r.plain
            || (!r.invert
                && r.from.is_none()
                && r.iif.is_none()
                && r.oif.is_none()
                && r.fwmark.is_none()
                && r.tun_id.is_none()
                && (r.to.is_some() != r.l3mdev))
    })
}

/// Flattens one family's rule walk, or `None` when it depends on more than the
/// destination.
fn flatten(rules: &[RuleDp], tables: &[TableDp], v6: bool) -> Option<Flattened> {
    if !flattenable(rules) {
        return None;
    }
    let mut index: HashMap<usize, TableIndex> = HashMap::new();
    let mut set: HashSet<Pfx> = HashSet::new();
    set.insert((0, 0));
    for r in rules.iter().filter(|r| !r.l3mdev) {
        if let Some((a, len)) = r.to {
            set.insert((left(a, v6) & mask(len), len));
        }
        if let RuleActionDp::Lookup(Some(t)) = r.action
            && !index.contains_key(&t)
        {
            let ti = TableIndex::new(routes_of(&tables[t], v6), v6);
            set.extend(ti.routes.keys().copied());
            index.insert(t, ti);
        }
    }
    let mut ids: HashMap<FlatRes, u32> = HashMap::new();
    let mut results = Vec::new();
    let mut entries = Vec::with_capacity(set.len());
    for u in set {
        let res = walk(rules, tables, &index, u, v6);
        let id = *ids.entry(res).or_insert_with(|| {
            results.push(FlatEnt {
                res,
                adj: adjacency(tables, res, v6),
            });
            results.len() as u32 - 1
        });
        entries.push((u, id));
    }
    Some((entries, results))
}

/// The rule walk (`lookup::lookup`) for every address whose longest prefix in the set is `u`.
fn walk(
    rules: &[RuleDp],
    tables: &[TableDp],
    index: &HashMap<usize, TableIndex>,
    u: Pfx,
    v6: bool,
) -> FlatRes {
    for r in rules.iter().filter(|r| !r.l3mdev) {
        if let Some((a, len)) = r.to
            && !covers((left(a, v6) & mask(len), len), u)
        {
            continue;
        }
        let t = match r.action {
            RuleActionDp::Blackhole => return FlatRes::RuleBlackhole,
            RuleActionDp::Unreachable => return FlatRes::RuleUnreachable,
            RuleActionDp::Prohibit => return FlatRes::RuleProhibit,
            RuleActionDp::Lookup(None) => continue,
            RuleActionDp::Lookup(Some(t)) => t,
        };
        let Some(i) = index[&t].covering(u) else {
            continue;
        };
        let route = &routes_of(&tables[t], v6)[i as usize];
        if route.kind != RouteKind::Throw {
            return FlatRes::Route {
                table: t as u32,
                route: i,
            };
        }
    }
    FlatRes::NoRoute
}

/// The adjacency a result forwards to, when input routing would go straight to it
/// (`dispatch`: unicast, one next hop, no input hook).
fn adjacency(tables: &[TableDp], res: FlatRes, v6: bool) -> Option<Adj> {
    let FlatRes::Route { table, route } = res else {
        return None;
    };
    let r = &routes_of(&tables[table as usize], v6)[route as usize];
    match (r.kind, r.nexthops.as_slice()) {
        (RouteKind::Unicast, [nh]) if nh.lwt.is_none() => nh.adj,
        _ => None,
    }
}

pub(crate) fn build4(rules: &[RuleDp], tables: &[TableDp]) -> Option<Flat<Fib4>> {
    let (entries, results) = flatten(rules, tables, false)?;
    let e: Vec<(u32, u8, u32)> = entries
        .into_iter()
        .map(|((p, len), v)| ((p >> 96) as u32, len, v))
        .collect();
    Some(Flat {
        fib: Fib4::build(&e),
        results,
    })
}

pub(crate) fn build6(rules: &[RuleDp], tables: &[TableDp]) -> Option<Flat<Fib6>> {
    let (entries, results) = flatten(rules, tables, true)?;
    let e: Vec<(u128, u8, u32)> = entries
        .into_iter()
        .map(|((p, len), v)| (p, len, v))
        .collect();
    Some(Flat {
        fib: Fib6::build(&e),
        results,
    })
}
