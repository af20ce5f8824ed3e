//! The rules and tables of an L3 domain flattened into one longest-prefix match per
//! family, built with the snapshot: one for the default domain, one per VRF.
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
//!
//! A VRF's domain differs only at the `l3mdev` rule, which looks up the VRF's table. Its
//! flattened walk stops there: a miss in that table answers [`FlatRes::PastL3mdev`], and
//! the default domain's flattened walk answers instead. That is exact because every rule
//! before the `l3mdev` rule went on for this destination in both domains (they test the
//! destination only), a later `l3mdev` rule misses again in the same table, and the other
//! later rules are the default domain's. So a VRF's LPM holds its own table and the rules
//! before it, not a copy of `main`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use lwt_fib::{Fib4, Fib6};

use crate::dataplane::{
    Adj, AdjClasses, Dataplane, RouteDp, RouteKind, RuleActionDp, RuleDp, TableDp,
};
use crate::lwt::Lwt;
use crate::lwt::seg6::Seg6Encap;
use crate::lwt::seg6local::Seg6Local;

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
    /// In a VRF's walk only: the VRF's table had no route; the walk goes on past the
    /// `l3mdev` rule, where the default domain's flattened walk answers.
    PastL3mdev,
}

/// One result of the walk, with what input routing through it needs when that is a
/// plain forward or an SRv6 encapsulation: then the packet path reads this entry (and
/// the encapsulation) only, not the route and its next hops. One cache line each
/// (aligned): at 56 bytes, three entries in four straddled two lines, and the path,
/// which reads all its fields, missed on both.
#[derive(Debug, Clone)]
#[repr(align(64))]
pub struct FlatEnt {
    pub res: FlatRes,
    /// Set when the route is unicast with a single next hop that compiled to an
    /// adjacency (no LWT state, static neighbour, Ethernet link up), or, in a static
    /// neighbour's host entry, when it is a connected route to that neighbour's link:
    /// the neighbour's adjacency.
    pub adj: Option<Adj>,
    /// The adjacency is a host entry's: valid for packets to that address only, not for
    /// a lookup keyed by it (End.DX4's nh4).
    pub host: bool,
    /// Set when the route is unicast with a single next hop whose state is `encap seg6`.
    pub seg6: Option<Arc<Seg6Encap>>,
    /// Likewise with a SID's state (`encap seg6local`).
    pub sid: Option<Arc<Seg6Local>>,
}

/// One family's flattened walk: destination → value: the index of its entry in
/// `results`, with its adjacency class ([`AdjClasses`]).
#[derive(Debug, Clone, Default)]
pub struct Flat<F> {
    pub fib: F,
    pub results: Vec<FlatEnt>,
    /// The results that forward to an adjacency (a plain unicast route with one next
    /// hop, not a host entry), by adjacency: each class's entry is its first member's,
    /// whose `res` is that route's: read its `adj` only.
    pub classes: AdjClasses<FlatEnt>,
}

/// The entry of a lookup that matched no prefix.
pub static NO_ROUTE: FlatEnt = FlatEnt {
    res: FlatRes::NoRoute,
    adj: None,
    host: false,
    seg6: None,
    sid: None,
};

impl<F> Flat<F> {
    /// The entry a lookup's answer names ([`NO_ROUTE`] for none).
    #[inline]
    pub fn entry(&self, found: Option<u32>) -> &FlatEnt {
        found.map_or(&NO_ROUTE, |v| &self.results[self.classes.index(v)])
    }

    /// The entry to forward by for a lookup's answer `v`: its adjacency class's, if
    /// it has one, else its own.
    #[inline(always)]
    pub fn forwarding(&self, v: u32) -> &FlatEnt {
        (self.classes.get(v)).unwrap_or_else(|| &self.results[self.classes.index(v)])
    }
}

impl Flat<Fib4> {
    #[inline]
    pub fn lookup(&self, dst: u32) -> &FlatEnt {
        self.entry(self.fib.lookup(dst))
    }
}

impl Flat<Fib6> {
    #[inline]
    pub fn lookup(&self, dst: u128) -> &FlatEnt {
        self.entry(self.fib.lookup(dst))
    }
}

/// A prefix with its bits left-aligned in a `u128`, whatever the family.
type Pfx = (u128, u8);

/// The LPM entries (prefix → value), the results and the adjacency classes.
type Flattened = (Vec<(Pfx, u32)>, Vec<FlatEnt>, AdjClasses<FlatEnt>);

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
/// in any one L3 domain)?
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

/// The rules a domain's walk can reach: outside a VRF every rule but `l3mdev` ones;
/// in the VRF whose table is `vrf`, the rules up to the first `l3mdev` rule.
fn reachable(rules: &[RuleDp], vrf: Option<usize>) -> impl Iterator<Item = &RuleDp> {
    let end = match vrf {
        Some(_) => rules
            .iter()
            .position(|r| r.l3mdev)
            .map_or(rules.len(), |i| i + 1),
        None => rules.len(),
    };
    rules[..end]
        .iter()
        .filter(move |r| vrf.is_some() || !r.l3mdev)
}

/// The table a rule looks up in the domain (`None`: it looks up nothing).
fn rule_table(r: &RuleDp, vrf: Option<usize>) -> Option<usize> {
    match r.action {
        RuleActionDp::Lookup(_) if r.l3mdev => vrf,
        RuleActionDp::Lookup(t) => t,
        _ => None,
    }
}

/// Flattens one family's rule walk in the default domain (`vrf` `None`) or in the VRF
/// whose table is `tables[vrf]`, or `None` when it depends on more than the destination.
///
/// Each static neighbour's address is a prefix of its own (a host entry): when the walk
/// ends on a connected route through the neighbour's link, its result carries the
/// neighbour's adjacency, so forwarding to it needs no neighbour lookup (VPP's
/// adjacency per neighbour; gateways get theirs from the route's next hop).
fn flatten(dp: &Dataplane, v6: bool, vrf: Option<usize>) -> Option<Flattened> {
    let (rules, tables) = (if v6 { &dp.rules6 } else { &dp.rules4 }, &dp.tables);
    if !flattenable(rules) {
        return None;
    }
    let full = if v6 { 128 } else { 32 };
    let mut index: HashMap<usize, TableIndex> = HashMap::new();
    let mut set: HashSet<Pfx> = HashSet::new();
    set.insert((0, 0));
    for r in reachable(rules, vrf) {
        if let Some((a, len)) = r.to {
            set.insert((left(a, v6) & mask(len), len));
        }
        if let Some(t) = rule_table(r, vrf)
            && !index.contains_key(&t)
        {
            let ti = TableIndex::new(routes_of(&tables[t], v6), v6);
            set.extend(ti.routes.keys().copied());
            index.insert(t, ti);
        }
    }
    let hosts: HashMap<u128, Vec<u32>> = (dp.neigh.keys()).filter(|(_, a)| a.is_ipv6() == v6).fold(
        HashMap::new(),
        |mut m, &(oif, a)| {
            m.entry(left(a, v6)).or_default().push(oif);
            m
        },
    );
    set.extend(hosts.keys().map(|&h| (h, full)));
    let mut ids: HashMap<FlatRes, u32> = HashMap::new();
    let mut results = Vec::new();
    let mut entries = Vec::with_capacity(set.len());
    for u in set {
        let res = walk(rules, tables, &index, u, v6, vrf);
        let host = hosts
            .get(&u.0)
            .filter(|_| u.1 == full)
            .and_then(|oifs| host_adjacency(dp, res, v6, u.0, oifs));
        if let Some(adj) = host {
            results.push(FlatEnt {
                res,
                adj: Some(adj),
                host: true,
                seg6: None,
                sid: None,
            });
            entries.push((u, results.len() as u32 - 1));
            continue;
        }
        let id = *ids.entry(res).or_insert_with(|| {
            results.push(FlatEnt {
                res,
                adj: adjacency(tables, res, v6),
                host: false,
                seg6: None,
                sid: None,
            });
            results.len() as u32 - 1
        });
        entries.push((u, id));
    }
    let adjs: Vec<Option<Adj>> = results.iter().map(|e| e.adj.filter(|_| !e.host)).collect();
    let classes = AdjClasses::number(&adjs, entries.iter_mut().map(|(_, v)| v), |i, _| {
        results[i].clone()
    });
    Some((entries, results, classes))
}

/// The rule walk (`lookup::lookup`) for every address whose longest prefix in the set is `u`.
fn walk(
    rules: &[RuleDp],
    tables: &[TableDp],
    index: &HashMap<usize, TableIndex>,
    u: Pfx,
    v6: bool,
    vrf: Option<usize>,
) -> FlatRes {
    for r in reachable(rules, vrf) {
        if let Some((a, len)) = r.to
            && !covers((left(a, v6) & mask(len), len), u)
        {
            continue;
        }
        let t = match r.action {
            RuleActionDp::Blackhole => return FlatRes::RuleBlackhole,
            RuleActionDp::Unreachable => return FlatRes::RuleUnreachable,
            RuleActionDp::Prohibit => return FlatRes::RuleProhibit,
            RuleActionDp::Lookup(_) => rule_table(r, vrf),
        };
        let hit = t.and_then(|t| index[&t].covering(u).map(|i| (t, i)));
        if let Some((t, i)) = hit
            && routes_of(&tables[t], v6)[i as usize].kind != RouteKind::Throw
        {
            return FlatRes::Route {
                table: t as u32,
                route: i,
            };
        }
        if r.l3mdev {
            return FlatRes::PastL3mdev;
        }
    }
    FlatRes::NoRoute
}

/// The adjacency of the static neighbour `host` (left-aligned; on one of `oifs`) when
/// `res` is a connected route through its link: input routing forwards to it directly.
fn host_adjacency(dp: &Dataplane, res: FlatRes, v6: bool, host: u128, oifs: &[u32]) -> Option<Adj> {
    let FlatRes::Route { table, route } = res else {
        return None;
    };
    let r = &routes_of(&dp.tables[table as usize], v6)[route as usize];
    match (r.kind, r.nexthops.as_slice()) {
        (RouteKind::Unicast, [nh])
            if nh.lwt.is_none() && nh.gateway.is_none() && oifs.contains(&nh.oif) =>
        {
            let addr = if v6 {
                std::net::IpAddr::V6(host.into())
            } else {
                std::net::IpAddr::V4(((host >> 96) as u32).into())
            };
            dp.adjacency(nh.oif, addr)
        }
        _ => None,
    }
}

/// The adjacency a result forwards to, when input routing would go straight to it
/// (`dispatch`: unicast, one next hop, no input hook).
fn adjacency(tables: &[TableDp], res: FlatRes, v6: bool) -> Option<Adj> {
    let FlatRes::Route { table, route } = res else {
        return None;
    };
    routes_of(&tables[table as usize], v6)[route as usize].adjacency()
}

/// Points the results that input routing takes to an `encap seg6` or a SID's state at
/// that state (see [`FlatEnt::seg6`], [`FlatEnt::sid`]); run once the states are final.
pub(crate) fn attach_states(dp: &mut Dataplane) {
    fn attach<F>(flat: &mut Option<Flat<F>>, tables: &[TableDp], v6: bool) {
        for e in flat.iter_mut().flat_map(|f| f.results.iter_mut()) {
            let FlatRes::Route { table, route } = e.res else {
                continue;
            };
            let r = &routes_of(&tables[table as usize], v6)[route as usize];
            if let (RouteKind::Unicast, [nh]) = (r.kind, r.nexthops.as_slice()) {
                match &nh.lwt {
                    Some(Lwt::Seg6(s)) => e.seg6 = Some(Arc::clone(s)),
                    Some(Lwt::Seg6Local(s)) => e.sid = Some(Arc::clone(s)),
                    _ => {}
                }
            }
        }
    }
    let (mut f4, mut f6) = (dp.flat4.take(), dp.flat6.take());
    attach(&mut f4, &dp.tables, false);
    attach(&mut f6, &dp.tables, true);
    (dp.flat4, dp.flat6) = (f4, f6);
    for t in 0..dp.tables.len() {
        let (mut v4, mut v6) = (dp.tables[t].vrf4.take(), dp.tables[t].vrf6.take());
        attach(&mut v4, &dp.tables, false);
        attach(&mut v6, &dp.tables, true);
        (dp.tables[t].vrf4, dp.tables[t].vrf6) = (v4, v6);
    }
}

/// The flattened walk of the default domain (`vrf` `None`) or of the VRF whose table
/// is `tables[vrf]`.
pub(crate) fn build4(dp: &Dataplane, vrf: Option<usize>) -> Option<Flat<Fib4>> {
    let (entries, results, classes) = flatten(dp, false, vrf)?;
    let e: Vec<(u32, u8, u32)> = entries
        .into_iter()
        .map(|((p, len), v)| ((p >> 96) as u32, len, v))
        .collect();
    Some(Flat {
        fib: Fib4::build(&e),
        results,
        classes,
    })
}

/// As [`build4`], for IPv6.
pub(crate) fn build6(dp: &Dataplane, vrf: Option<usize>) -> Option<Flat<Fib6>> {
    let (entries, results, classes) = flatten(dp, true, vrf)?;
    let e: Vec<(u128, u8, u32)> = entries
        .into_iter()
        .map(|((p, len), v)| (p, len, v))
        .collect();
    Some(Flat {
        fib: Fib6::build(&e),
        results,
        classes,
    })
}
