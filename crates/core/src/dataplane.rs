//! The dataplane snapshot: everything the packet path reads, compiled from the router's
//! configuration and never modified afterwards. A configuration change builds a new
//! snapshot; workers pick it up between batches (readers never wait for writers).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_fib::{Fib4, Fib6};

use crate::lwt::Lwt;
use crate::sysctl::Sysctls;

pub type Mac = [u8; 6];

/// Hash map for the packet path: Fx hashing (fast on small integer keys; the keys are
/// ifindexes, addresses and VNIs chosen by the configuration, not by senders, except the
/// learnt neighbours, whose number is bounded).
pub type FastMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// A link as the packet path sees it.
#[derive(Debug, Clone)]
pub struct LinkDp {
    pub ifindex: u32,
    pub name: String,
    pub mac: Mac,
    pub mtu: u32,
    pub up: bool,
    pub kind: LinkDpKind,
    /// Table of the VRF this link belongs to (its own table for a VRF device): the
    /// l3mdev rule sends lookups for packets received here to that table.
    pub l3_table: Option<u32>,
    /// `l3_table`'s index in the snapshot's tables, once they are built (`None` also
    /// when no route is in that table).
    pub l3_table_at: Option<u32>,
    /// ifindex of the VRF master (or of itself for a VRF device); 0 = default VRF.
    pub l3_dev: u32,
    pub v4: Vec<(Ipv4Addr, u8)>,
    pub v6: Vec<(Ipv6Addr, u8)>,
    pub proxy_arp: bool,
    pub proxy_ndp: bool,
    /// `net.ipv6.conf.IF.seg6_require_hmac`: -1 ignore, 0 check if present, 1 require.
    pub seg6_require_hmac: i8,
    /// IPv6 hop limit used for packets this router originates through the link.
    pub hop_limit: u8,
    /// A VXLAN device's parameters (kind `Vxlan`).
    pub vxlan: Option<Box<crate::vxlan::VxlanDev>>,
}

/// What kind of device a link is, as far as forwarding cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDpKind {
    /// Carries Ethernet frames to the outside (port or tap).
    Ether,
    Loopback,
    /// A dummy device: packets routed to it vanish (like the kernel's dummy xmit).
    Dummy,
    /// An L3 master device: routing to it means looking up again in its table.
    Vrf,
    /// A VXLAN device: an Ethernet device whose frames leave encapsulated in UDP.
    Vxlan,
}

/// A route's type, as configured (an IPv6 unicast route through loopback compiles to
/// `Unreachable`, as `fib6_is_reject` makes it).
pub use lwt_config::RouteType as RouteKind;

/// A compiled next hop.
#[derive(Debug, Clone)]
pub struct NextHopDp {
    pub gateway: Option<IpAddr>,
    pub oif: u32,
    pub weight: u32,
    pub lwt: Option<Lwt>,
    /// Set when this next hop's whole output is known when the snapshot is built.
    pub adj: Option<Adj>,
}

/// A next hop whose output is decided at snapshot time (the kernel's cached hardware
/// header, VPP's rewrite adjacency): an Ethernet link that is up, a gateway with a
/// static neighbour entry, no LWT state. Forwarding through it is a header write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Adj {
    pub oif: u32,
    pub mtu: u32,
    /// Destination then source MAC: the Ethernet header without its type.
    pub macs: [u8; 12],
}

/// The adjacency classes of an LPM's values (a flattened walk's, a table's IPv6 FIB's).
/// Entries whose only work is forwarding to an adjacency are numbered by it, and each
/// value carries its entry's class above bit 24 and the entry's index below. Forwarding
/// reads the class's entry, one of a few hot ones, instead of one per route (a cache
/// miss each at 100k routes); whoever needs the route takes the index.
#[derive(Debug, Clone)]
pub struct AdjClasses<T> {
    /// Class k's entry, at k - 1. Cleared, every value forwards by its own entry.
    pub entries: Vec<T>,
    /// The index's bits of a value: below the class, or (no classes) all of them;
    /// the rest are the class.
    index: u32,
}

/// Where the class starts in a value, leaving the index 24 bits.
const CLASS_SHIFT: u32 = 24;
/// A value's bits without classes: values stay below `lwt_fib`'s `MAX_VALUE`
/// (2^31 - 1), so the index is the whole value and the class reads 0.
const WHOLE_VALUE: u32 = u32::MAX >> 1;
/// The most classes one LPM has (class 127 would make values reach `MAX_VALUE`); an
/// adjacency that comes later has none.
const CLASSES: usize = 126;

impl<T> Default for AdjClasses<T> {
    fn default() -> Self {
        AdjClasses {
            entries: Vec::new(),
            index: WHOLE_VALUE,
        }
    }
}

impl<T> AdjClasses<T> {
    /// Numbers the distinct adjacencies of the entries (`adjs[i]`: entry i's, `None`
    /// when it is more than forwarding to one) and puts each value's class into it
    /// (`values`: entry indices); `entry(i, adj)` makes a class's entry from its first
    /// member `i`. No classes beyond 2^24 entries, whose indices need the bits.
    pub(crate) fn number<'v>(
        adjs: &[Option<Adj>],
        values: impl IntoIterator<Item = &'v mut u32>,
        entry: impl Fn(usize, Adj) -> T,
    ) -> Self {
        if adjs.len() > 1 << CLASS_SHIFT {
            return Self::default();
        }
        let mut entries = Vec::new();
        let mut by_adj: HashMap<Adj, u32> = HashMap::new();
        let mut class_of = vec![0u32; adjs.len()];
        for (i, (c, a)) in class_of.iter_mut().zip(adjs).enumerate() {
            let Some(a) = a else { continue };
            *c = match by_adj.get(a) {
                Some(&k) => k,
                None if entries.len() < CLASSES => {
                    entries.push(entry(i, *a));
                    by_adj.insert(*a, entries.len() as u32);
                    entries.len() as u32
                }
                None => 0,
            };
        }
        for v in values {
            *v |= class_of[*v as usize] << CLASS_SHIFT;
        }
        AdjClasses {
            entries,
            index: (1 << CLASS_SHIFT) - 1,
        }
    }

    /// The index of the entry a value names.
    #[inline(always)]
    pub fn index(&self, v: u32) -> usize {
        (v & self.index) as usize
    }

    /// The entry of a value's class, if it has one.
    #[inline(always)]
    pub fn get(&self, v: u32) -> Option<&T> {
        // Class 0 wraps to an index no class has.
        self.entries
            .get((((v & !self.index) >> CLASS_SHIFT) as usize).wrapping_sub(1))
    }
}

impl Adj {
    /// Prepends the Ethernet header; the packet leaves on `oif`.
    #[inline]
    pub fn push(&self, pkt: &mut crate::packet::PacketBuf, ethertype: u16) -> Option<u32> {
        let h = pkt.push_header::<14>()?;
        h[..12].copy_from_slice(&self.macs);
        h[12..14].copy_from_slice(&ethertype.to_be_bytes());
        Some(self.oif)
    }
}

/// A compiled route: the value a FIB lookup lands on.
#[derive(Debug, Clone)]
pub struct RouteDp {
    pub kind: RouteKind,
    pub nexthops: Vec<NextHopDp>,
    /// Sum of the weights, for hash-threshold ECMP.
    pub total_weight: u32,
    pub prefsrc: Option<IpAddr>,
    /// Counter slot (SID counters), stable across snapshots.
    pub slot: u32,
    /// Which configured route this is: (table, prefix, metric), for `route get`.
    pub origin: (u32, lwt_config::IpPrefix, u32),
}

impl RouteDp {
    /// The adjacency forwarding through this route is, when `dispatch` would go straight
    /// to it: unicast, one next hop, no LWT state.
    pub fn adjacency(&self) -> Option<Adj> {
        match (self.kind, self.nexthops.as_slice()) {
            (RouteKind::Unicast, [nh]) if nh.lwt.is_none() => nh.adj,
            _ => None,
        }
    }
}

/// One routing table: the two LPM structures and the routes they index.
#[derive(Debug, Clone, Default)]
pub struct TableDp {
    pub id: u32,
    pub fib4: Fib4,
    pub fib6: Fib6,
    pub routes4: Vec<RouteDp>,
    pub routes6: Vec<RouteDp>,
    /// Each of `routes6`'s [`RouteDp::adjacency`], kept apart so that a table lookup
    /// landing on one (End.T's, End.DT6's) reads 24 bytes, not the route and then its
    /// next hop: two dependent cache misses at 100k routes.
    pub adj6: Vec<Option<Adj>>,
    /// The adjacency classes of `fib6`'s values, whose indices are into `routes6`.
    pub classes6: AdjClasses<Adj>,
    /// When a VRF owns this table: its L3 domain's flattened rule walk (see
    /// [`crate::flat`]), if the rules allow one.
    pub vrf4: Option<crate::flat::Flat<Fib4>>,
    pub vrf6: Option<crate::flat::Flat<Fib6>>,
}

impl TableDp {
    #[inline]
    pub fn lookup4(&self, dst: Ipv4Addr) -> Option<&RouteDp> {
        self.fib4
            .lookup(u32::from(dst))
            .map(|i| &self.routes4[i as usize])
    }

    #[inline]
    pub fn lookup6(&self, dst: Ipv6Addr) -> Option<&RouteDp> {
        self.fib6
            .lookup(u128::from(dst))
            .map(|v| &self.routes6[self.route6(v)])
    }

    /// The index into `routes6` of a `fib6` value.
    #[inline(always)]
    pub fn route6(&self, v: u32) -> usize {
        self.classes6.index(v)
    }

    /// The adjacency forwarding to a `fib6` value's route is, when that is all it is
    /// ([`RouteDp::adjacency`]): its class's, else the route's own.
    #[inline(always)]
    pub fn adjacency6(&self, v: u32) -> Option<&Adj> {
        (self.classes6.get(v)).or_else(|| self.adj6[self.route6(v)].as_ref())
    }
}

/// A compiled policy rule.
#[derive(Debug, Clone)]
pub struct RuleDp {
    pub priority: u32,
    pub invert: bool,
    pub from: Option<(IpAddr, u8)>,
    pub to: Option<(IpAddr, u8)>,
    pub iif: Option<u32>,
    pub oif: Option<u32>,
    pub fwmark: Option<(u32, u32)>,
    /// `tun_id N` (FRA_TUN_ID): matches the id of received tunnel metadata.
    pub tun_id: Option<u64>,
    pub l3mdev: bool,
    pub action: RuleActionDp,
    /// No selector at all (`from all lookup main`): matching can be skipped.
    pub plain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleActionDp {
    /// Index into `Dataplane::tables` (None: the table does not exist: no match).
    Lookup(Option<usize>),
    Blackhole,
    Unreachable,
    Prohibit,
}

/// The immutable snapshot the packet path runs on.
#[derive(Debug, Clone, Default)]
pub struct Dataplane {
    /// Indexed by ifindex.
    pub links: Vec<Option<LinkDp>>,
    pub tables: Vec<TableDp>,
    pub table_index: FastMap<u32, usize>,
    pub rules4: Vec<RuleDp>,
    pub rules6: Vec<RuleDp>,
    /// Static and learnt neighbours: (ifindex, address) → MAC.
    pub neigh: FastMap<(u32, IpAddr), Mac>,
    /// Proxy neighbour entries (`neigh add proxy ADDR dev IF`).
    pub proxy: FastMap<(u32, IpAddr), ()>,
    pub sysctl: Sysctls,
    /// `sr hmac` keys, for validating received SRHs.
    pub hmac_keys: FastMap<u32, crate::lwt::hmac::HmacKey>,
    /// VXLAN receive sockets of the up VXLAN devices (a handful: scanned).
    pub vxlan_socks: Vec<crate::vxlan::VxlanSock>,
    /// The rule walk of the default L3 domain as one lookup per family, when it
    /// depends on the destination only (see [`crate::flat`]).
    pub flat4: Option<crate::flat::Flat<Fib4>>,
    pub flat6: Option<crate::flat::Flat<Fib6>>,
    /// Route counter slots in use are below this: workers size their SID counters to
    /// it once per batch, so that no packet grows them.
    pub counter_slots: u32,
    /// Some link requires an HMAC on the SRHs it receives (`seg6_require_hmac` 1):
    /// when none does, the common SRH check reads no link.
    pub seg6_hmac_required: bool,
}

impl Dataplane {
    #[inline]
    pub fn link(&self, ifindex: u32) -> Option<&LinkDp> {
        self.links.get(ifindex as usize).and_then(|l| l.as_ref())
    }

    /// The adjacency towards `gw` on `oif`: an Ethernet link that is up and a static
    /// neighbour entry.
    pub fn adjacency(&self, oif: u32, gw: IpAddr) -> Option<Adj> {
        let link = self
            .link(oif)
            .filter(|l| l.up && l.kind == LinkDpKind::Ether)?;
        let mac = self.neigh.get(&(oif, gw))?;
        let mut macs = [0; 12];
        macs[..6].copy_from_slice(mac);
        macs[6..].copy_from_slice(&link.mac);
        Some(Adj {
            oif,
            mtu: link.mtu,
            macs,
        })
    }

    pub fn table(&self, id: u32) -> Option<&TableDp> {
        self.table_index.get(&id).map(|&i| &self.tables[i])
    }

    /// The index in `tables` of table `id`, for state resolved with the snapshot.
    pub(crate) fn table_at_of(&self, id: u32) -> Option<u32> {
        self.table_index.get(&id).map(|&i| i as u32)
    }

    /// The table at an index of `tables` resolved with the snapshot, if any.
    #[inline]
    pub(crate) fn table_at(&self, at: Option<u32>) -> Option<&TableDp> {
        self.tables.get(at? as usize)
    }

    /// Is `addr` configured on any link (`ipv6_chk_addr` / `inet_addr_type` == LOCAL,
    /// across L3 domains as the ICMP source choice uses them)?
    pub fn is_local(&self, addr: IpAddr) -> bool {
        self.links.iter().flatten().any(|l| match addr {
            IpAddr::V4(a) => l.v4.iter().any(|(x, _)| *x == a),
            IpAddr::V6(a) => l.v6.iter().any(|(x, _)| *x == a),
        })
    }
}
