//! Policy rules and FIB lookups (`fib_rules_lookup` + `fib_table_lookup`).

use std::net::IpAddr;

use lwt_fib::{Fib4, Fib6};

use super::output::Hop;
use super::{Cx, Verdict, ip4, ip6};
use crate::dataplane::{Dataplane, NextHopDp, RouteDp, RouteKind, RuleActionDp, RuleDp};
use crate::flat::{Flat, FlatEnt, FlatRes};
use crate::packet::PacketBuf;

/// The keys of one lookup (the kernel's `flowi`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flow {
    /// Ingress device as rules see it: the VRF device for links enslaved to a VRF
    /// (the VRF's l3_rcv makes it the ingress), or loopback for local output.
    pub iif: u32,
    pub oif: u32,
    /// Table of the L3 domain (for the `l3mdev` rule).
    pub l3_table: Option<u32>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub mark: u32,
    /// The id of received tunnel metadata (`flowi_tun_key.tun_id`), 0 without.
    pub tun_id: u64,
}

/// An input routing pass (`ip_route_input` + `dst_input`) split at its lookup: what
/// `route_input` computed before it, and what it does with the answer
/// ([`Pass::finish`]). (The batched path keys passes in flattened walks by their
/// destination alone and finishes them as [`Pass::finish_flat`] does.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pass {
    pub flow: Flow,
    /// With the flow's addresses, the input of the flow hash ECMP and `seg6_flowlabel`
    /// use: the protocol (next header) and the IPv6 flow label.
    pub proto: u8,
    pub label: u32,
    /// Whether a local result delivers (false: SID re-entry, a silent discard).
    pub local_ok: bool,
    /// The sender's MAC, for a received IPv6 packet (NDP replies).
    pub src_mac: Option<[u8; 6]>,
    /// Looked up by another address than the packet's destination (End.DX4's nh4).
    pub keyed: bool,
}

impl Pass {
    /// The flow hash `route_input` computes, only when the route needs it (a pass that
    /// ends at an adjacency does not).
    fn hash(&self) -> u32 {
        match (self.flow.src, self.flow.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                super::flow_hash(&s.octets(), &d.octets(), self.proto)
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                super::flow_hash(&s.octets(), &d.octets(), self.proto) ^ self.label
            }
            // A flow's addresses are of one family.
            _ => 0,
        }
    }

    /// Looks up and finishes the pass.
    pub(crate) fn run(&self, cx: &mut Cx<'_>, pkt: &mut PacketBuf) -> Verdict {
        match flat_entry(cx.dp, self.flow.l3_table, self.flow.dst) {
            Some(e) => self.finish_flat(cx, pkt, e),
            None => self.finish(cx, pkt, lookup(cx.dp, &self.flow)),
        }
    }

    /// Finishes with the flattened walk's entry: straight to its adjacency when it has
    /// one. (Not a host entry's for a keyed pass: that is the looked-up address's own,
    /// not where the packet goes.)
    pub(crate) fn finish_flat(&self, cx: &mut Cx<'_>, pkt: &mut PacketBuf, e: &FlatEnt) -> Verdict {
        let v6 = self.flow.dst.is_ipv6();
        match &e.adj {
            Some(a) if !(self.keyed && e.host) => {
                if v6 {
                    ip6::forward_hop(cx, pkt, Hop::Adj(a))
                } else {
                    ip4::forward_hop(cx, pkt, Hop::Adj(a))
                }
            }
            _ => self.finish(cx, pkt, res(cx.dp, e.res, v6)),
        }
    }

    /// What input routing does with the rules' answer.
    pub(crate) fn finish(&self, cx: &mut Cx<'_>, pkt: &mut PacketBuf, res: Res<'_>) -> Verdict {
        if self.flow.dst.is_ipv6() {
            ip6::routed(cx, pkt, res, self.hash(), self.src_mac, self.local_ok)
        } else {
            ip4::routed(cx, pkt, res, self.hash())
        }
    }
}

/// What the rules and tables decided.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Res<'a> {
    Route(&'a RouteDp),
    NoRoute,
    RuleBlackhole,
    RuleUnreachable,
    RuleProhibit,
}

fn in_prefix(p: &(IpAddr, u8), a: &IpAddr) -> bool {
    match (p.0, a) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let m = if p.1 == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(p.1))
            };
            (u32::from(n) ^ u32::from(*a)) & m == 0
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let m = if p.1 == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(p.1))
            };
            (u128::from(n) ^ u128::from(*a)) & m == 0
        }
        _ => false,
    }
}

fn rule_matches(r: &RuleDp, f: &Flow) -> bool {
    let m = r.from.as_ref().is_none_or(|p| in_prefix(p, &f.src))
        && r.to.as_ref().is_none_or(|p| in_prefix(p, &f.dst))
        && r.iif.is_none_or(|i| i == f.iif)
        && r.oif.is_none_or(|o| o == f.oif)
        && r.fwmark.is_none_or(|(v, mask)| f.mark & mask == v)
        && r.tun_id.is_none_or(|t| t == f.tun_id)
        && (!r.l3mdev || f.l3_table.is_some());
    m != r.invert
}

/// Runs the rules in priority order; a lookup rule whose table has no match (or hits a
/// `throw` route) falls through to the next rule, as in the kernel.
pub(crate) fn lookup<'a>(dp: &'a Dataplane, f: &Flow) -> Res<'a> {
    if let Some(e) = flat_entry(dp, f.l3_table, f.dst) {
        return res(dp, e.res, f.dst.is_ipv6());
    }
    let rules = if f.dst.is_ipv6() {
        &dp.rules6
    } else {
        &dp.rules4
    };
    for r in rules {
        if !r.plain && !rule_matches(r, f) {
            continue;
        }
        let table = match r.action {
            RuleActionDp::Blackhole => return Res::RuleBlackhole,
            RuleActionDp::Unreachable => return Res::RuleUnreachable,
            RuleActionDp::Prohibit => return Res::RuleProhibit,
            RuleActionDp::Lookup(_) if r.l3mdev => f.l3_table.and_then(|t| dp.table(t)),
            RuleActionDp::Lookup(t) => t.map(|i| &dp.tables[i]),
        };
        let Some(table) = table else { continue };
        let found = match f.dst {
            IpAddr::V4(a) => table.lookup4(a),
            IpAddr::V6(a) => table.lookup6(a),
        };
        match found {
            Some(route) if route.kind != RouteKind::Throw => return Res::Route(route),
            _ => continue,
        }
    }
    Res::NoRoute
}

/// The answer of the flattened walk of the L3 domain (`l3_table`: a VRF's), in one
/// lookup, when that domain's walk was flattened.
#[inline]
pub(crate) fn flat_entry(dp: &Dataplane, l3_table: Option<u32>, dst: IpAddr) -> Option<&FlatEnt> {
    let at = match l3_table {
        Some(t) => Some(dp.table_at_of(t)?),
        None => None,
    };
    let e = match dst {
        IpAddr::V4(a) => domain4(dp, at)?.lookup(a.into()),
        IpAddr::V6(a) => domain6(dp, at)?.lookup(a.into()),
    };
    past_l3mdev(dp, e, dst)
}

/// A domain's entry for `dst`, or, past a VRF's `l3mdev` rule, the default domain's.
#[inline]
pub(crate) fn past_l3mdev<'a>(
    dp: &'a Dataplane,
    e: &'a FlatEnt,
    dst: IpAddr,
) -> Option<&'a FlatEnt> {
    match e.res {
        FlatRes::PastL3mdev => flat_entry(dp, None, dst),
        _ => Some(e),
    }
}

/// The flattened IPv4 walk of the default L3 domain or of a VRF's (`at`: the index of
/// its table in the snapshot's tables).
#[inline]
pub(crate) fn domain4(dp: &Dataplane, at: Option<u32>) -> Option<&Flat<Fib4>> {
    match at {
        None => dp.flat4.as_ref(),
        Some(i) => dp.tables.get(i as usize)?.vrf4.as_ref(),
    }
}

/// The flattened IPv6 walk of the default L3 domain or of a VRF's (`at`, as for
/// [`domain4`]).
#[inline]
pub(crate) fn domain6(dp: &Dataplane, at: Option<u32>) -> Option<&Flat<Fib6>> {
    match at {
        None => dp.flat6.as_ref(),
        Some(i) => dp.tables.get(i as usize)?.vrf6.as_ref(),
    }
}

/// A flattened walk's answer as the walk gives it (`PastL3mdev` already resolved).
#[inline]
pub(crate) fn res(dp: &Dataplane, r: FlatRes, v6: bool) -> Res<'_> {
    match r {
        FlatRes::Route { table, route } => {
            let t = &dp.tables[table as usize];
            let routes = if v6 { &t.routes6 } else { &t.routes4 };
            Res::Route(&routes[route as usize])
        }
        FlatRes::NoRoute | FlatRes::PastL3mdev => Res::NoRoute,
        FlatRes::RuleBlackhole => Res::RuleBlackhole,
        FlatRes::RuleUnreachable => Res::RuleUnreachable,
        FlatRes::RuleProhibit => Res::RuleProhibit,
    }
}

/// Looks up directly in one table (End.T, End.DT6 legacy mode, VRF device output).
pub(crate) fn lookup_table(dp: &Dataplane, table: u32, dst: IpAddr) -> Option<&RouteDp> {
    let t = dp.table(table)?;
    match dst {
        IpAddr::V4(a) => t.lookup4(a),
        IpAddr::V6(a) => t.lookup6(a),
    }
}

/// Hash-threshold ECMP over weighted next hops.
#[inline]
pub(crate) fn select_nexthop(route: &RouteDp, hash: u32) -> Option<&NextHopDp> {
    match route.nexthops.len() {
        0 => None,
        1 => route.nexthops.first(),
        _ => {
            let mut point = hash % route.total_weight.max(1);
            for nh in &route.nexthops {
                if point < nh.weight {
                    return Some(nh);
                }
                point -= nh.weight;
            }
            route.nexthops.last()
        }
    }
}

/// Why `route get` found no usable route (the kernel's errno for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// ENETUNREACH: no route.
    NoRoute,
    /// EHOSTUNREACH: an unreachable route or rule.
    Unreachable,
    /// EACCES: a prohibit route or rule.
    Prohibit,
    /// EINVAL: a blackhole route or rule.
    Blackhole,
}

/// The route an input (`iif`) or output lookup would use, as `ip route get` asks it:
/// (table, prefix, metric) of the configured route.
pub fn route_get(
    dp: &Dataplane,
    dst: IpAddr,
    src: Option<IpAddr>,
    iif: Option<u32>,
    oif: Option<u32>,
    mark: u32,
) -> Result<(u32, lwt_config::IpPrefix, u32), GetError> {
    let unspec = if dst.is_ipv6() {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    };
    let dev = iif.or(oif).and_then(|i| dp.link(i));
    let l3_dev = dev.map_or(0, |l| l.l3_dev);
    let flow = Flow {
        iif: match iif {
            Some(_) if l3_dev != 0 => l3_dev,
            Some(i) => i,
            None => crate::router::LOOPBACK_IFINDEX,
        },
        // An output lookup through an enslaved device is made in its VRF.
        oif: match (iif, oif) {
            (None, Some(_)) if l3_dev != 0 => l3_dev,
            (None, Some(o)) => o,
            _ => 0,
        },
        l3_table: dev.and_then(|l| l.l3_table),
        src: src.unwrap_or(unspec),
        dst,
        mark,
        tun_id: 0,
    };
    match lookup(dp, &flow) {
        Res::Route(r) => match r.kind {
            RouteKind::Unreachable | RouteKind::Throw => Err(GetError::Unreachable),
            RouteKind::Prohibit => Err(GetError::Prohibit),
            RouteKind::Blackhole => Err(GetError::Blackhole),
            RouteKind::Unicast | RouteKind::Local => Ok(r.origin),
        },
        Res::NoRoute => Err(GetError::NoRoute),
        Res::RuleBlackhole => Err(GetError::Blackhole),
        Res::RuleUnreachable => Err(GetError::Unreachable),
        Res::RuleProhibit => Err(GetError::Prohibit),
    }
}

/// The next hop a packet from `src` to `dst` would be forwarded through, when that does
/// not depend on the packet's ingress (the caller checked the rules): a unicast route
/// with one next hop, no LWT state, not through a VRF device.
pub(crate) fn resolve_plain(dp: &Dataplane, src: IpAddr, dst: IpAddr) -> Option<NextHopDp> {
    let flow = Flow {
        iif: 0,
        oif: 0,
        l3_table: None,
        src,
        dst,
        mark: 0,
        tun_id: 0,
    };
    let Res::Route(r) = lookup(dp, &flow) else {
        return None;
    };
    match (r.kind, r.nexthops.as_slice()) {
        (RouteKind::Unicast, [nh])
            if nh.lwt.is_none()
                && dp
                    .link(nh.oif)
                    .is_some_and(|l| l.kind == crate::dataplane::LinkDpKind::Ether) =>
        {
            Some(nh.clone())
        }
        _ => None,
    }
}
