//! The router's configuration state (what a network namespace is to the kernel) and the
//! application of typed commands to it, with the kernel's checks and error wording.
//!
//! Commands are applied to a copy; the copy replaces the state only when every command
//! of a batch succeeded, so a rejected line changes nothing.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};

use lwt_config as cfg;
use lwt_config::{
    Command, Encap, Family, IpPrefix, LinkCmd, LinkKind, Mac, NeighCmd, NudState, RouteCmd,
    RouteType, RuleAction, RuleCmd, SrCmd, Verb,
};

use crate::error::ApplyError;
use crate::lwt::hmac::HmacKey;
use crate::lwt::{seg6, seg6local};
use crate::sysctl::{self, IfSysctls, SysctlSet, Sysctls};

pub const LOOPBACK_IFINDEX: u32 = 1;
const DEFAULT_MTU: u32 = 1500;

/// A configured link.
#[derive(Debug, Clone)]
pub struct Link {
    pub ifindex: u32,
    pub name: String,
    /// None for the loopback.
    pub kind: Option<LinkKind>,
    pub mac: Mac,
    /// Whether the MAC was configured (`address`), rather than derived.
    pub mac_explicit: bool,
    pub mtu: u32,
    pub up: bool,
    pub master: Option<u32>,
    pub addrs: Vec<IpPrefix>,
}

impl Link {
    pub fn vrf_table(&self) -> Option<u32> {
        match self.kind {
            Some(LinkKind::Vrf { table }) => Some(table),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind.as_ref().map_or("loopback", |k| k.name())
    }
}

/// A configured next hop (device resolved to an ifindex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHopCfg {
    pub via: Option<IpAddr>,
    pub dev: Option<u32>,
    pub weight: u16,
    pub onlink: bool,
    pub encap: Option<Encap>,
    /// VRF device bound when a seg6local End.DT* route was installed.
    pub vrf_bound: Option<u32>,
}

/// A configured route. Identity within a table: (dst, metric, tos).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub family: Family,
    pub rtype: RouteType,
    pub dst: IpPrefix,
    pub tos: u8,
    pub table: u32,
    pub protocol: u8,
    pub scope: u8,
    pub metric: u32,
    pub prefsrc: Option<IpAddr>,
    pub nexthops: Vec<NextHopCfg>,
    pub multipath: bool,
    /// Counter slot for SID routes, stable for the route's life.
    pub slot: u32,
}

/// The identity of a route: (table, destination address, prefix length, metric, tos).
pub type RouteKey = (u32, IpAddr, u8, u32, u8);

impl Route {
    pub fn key(&self) -> RouteKey {
        (
            self.table,
            self.dst.addr,
            self.dst.len,
            self.metric,
            self.tos,
        )
    }
}

/// A configured neighbour entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neigh {
    pub addr: IpAddr,
    pub dev: u32,
    pub lladdr: Option<Mac>,
    pub state: NudState,
    pub proxy: bool,
    pub router: bool,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Router {
    pub links: BTreeMap<u32, Link>,
    next_ifindex: u32,
    /// Configured routes by identity (table, destination, metric, tos).
    pub routes: BTreeMap<RouteKey, Route>,
    pub rules: Vec<cfg::RuleSpec>,
    pub neighs: Vec<Neigh>,
    pub sysctl: Sysctls,
    /// Per-interface sysctls by name, with "all" and "default".
    pub if_sysctl: BTreeMap<String, IfSysctls>,
    pub tunsrc: Option<Ipv6Addr>,
    pub hmac_keys: BTreeMap<u32, HmacKey>,
    /// Static FDB entries of VXLAN devices (`bridge fdb add`), oldest first.
    pub fdb: Vec<crate::vxlan_config::FdbCfg>,
    /// The next route counter slot to hand out: the slots in use are below it.
    pub(crate) next_slot: u32,
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

fn rule(family: Family, priority: u32, table: u32) -> cfg::RuleSpec {
    cfg::RuleSpec {
        family,
        priority: Some(priority),
        table: Some(table),
        ..Default::default()
    }
}

impl Router {
    /// A router with a loopback and the kernel's default rules.
    pub fn new() -> Self {
        let lo = Link {
            ifindex: LOOPBACK_IFINDEX,
            name: "lo".into(),
            kind: None,
            mac: Mac([0; 6]),
            mac_explicit: true,
            mtu: 65536,
            up: true,
            master: None,
            addrs: vec![
                IpPrefix::new("127.0.0.1".parse().unwrap(), 8),
                IpPrefix::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
            ],
        };
        Router {
            links: BTreeMap::from([(LOOPBACK_IFINDEX, lo)]),
            next_ifindex: 2,
            routes: BTreeMap::new(),
            rules: vec![
                rule(Family::V4, 0, cfg::RT_TABLE_LOCAL),
                rule(Family::V4, 32766, cfg::RT_TABLE_MAIN),
                rule(Family::V4, 32767, cfg::RT_TABLE_DEFAULT),
                rule(Family::V6, 0, cfg::RT_TABLE_LOCAL),
                rule(Family::V6, 32766, cfg::RT_TABLE_MAIN),
            ],
            neighs: Vec::new(),
            sysctl: Sysctls::default(),
            if_sysctl: BTreeMap::new(),
            tunsrc: None,
            hmac_keys: BTreeMap::new(),
            fdb: Vec::new(),
            next_slot: 1,
        }
    }

    /// The configured routes to exactly `dst` in `table`, any metric and tos.
    pub fn routes_to<'a>(&'a self, table: u32, dst: &IpPrefix) -> impl Iterator<Item = &'a Route> {
        let lo = (table, dst.addr, dst.len, 0, 0);
        let hi = (table, dst.addr, dst.len, u32::MAX, u8::MAX);
        self.routes.range(lo..=hi).map(|(_, r)| r)
    }

    pub fn link_by_name(&self, name: &str) -> Option<&Link> {
        self.links.values().find(|l| l.name == name)
    }

    pub fn ifindex(&self, name: &str) -> Result<u32, ApplyError> {
        self.link_by_name(name)
            .map(|l| l.ifindex)
            .ok_or_else(|| ApplyError::no_device(name))
    }

    pub fn link_name(&self, ifindex: u32) -> String {
        self.links
            .get(&ifindex)
            .map_or_else(|| format!("if{ifindex}"), |l| l.name.clone())
    }

    /// The sysctls of one interface (explicit values, else `default`).
    pub fn if_sysctl(&self, name: &str) -> IfSysctls {
        self.if_sysctl
            .get(name)
            .or_else(|| self.if_sysctl.get("default"))
            .cloned()
            .unwrap_or_default()
    }

    /// Gives a port the MAC of the Linux interface it is attached to, unless the
    /// configuration chose one.
    pub fn adopt_mac(&mut self, ifindex: u32, mac: [u8; 6]) {
        if let Some(l) = self.links.get_mut(&ifindex)
            && !l.mac_explicit
        {
            l.mac = Mac(mac);
        }
    }

    /// Table id of the VRF named `name`.
    fn vrf_table(&self, name: &str) -> Result<u32, ApplyError> {
        let l = self
            .link_by_name(name)
            .ok_or_else(|| ApplyError::no_device(name))?;
        l.vrf_table().ok_or_else(|| {
            ApplyError::new(format!("\"{name}\" is not a VRF device"))
                .hint("`vrf NAME` takes a device created with `link add NAME type vrf table N`")
        })
    }

    /// Applies commands all or nothing. Read-only commands (`show`) are accepted and
    /// change nothing; the caller renders them.
    pub fn apply_all<'a>(
        &mut self,
        cmds: impl IntoIterator<Item = &'a Command>,
    ) -> Result<(), (usize, ApplyError)> {
        let mut next = self.clone();
        for (i, c) in cmds.into_iter().enumerate() {
            next.apply(c).map_err(|e| (i, e))?;
        }
        *self = next;
        Ok(())
    }

    /// Applies one command. On error the state may be partly changed: callers go through
    /// `apply_all`, which works on a copy.
    pub fn apply(&mut self, cmd: &Command) -> Result<(), ApplyError> {
        match cmd {
            Command::Link(c) => self.apply_link(c),
            Command::Addr(cfg::AddrCmd::Modify { verb, spec }) => self.apply_addr(*verb, spec),
            Command::Addr(cfg::AddrCmd::Flush(f)) => {
                let dev = f.dev.as_deref().map(|d| self.ifindex(d)).transpose()?;
                for l in self.links.values_mut() {
                    if dev.is_none_or(|d| d == l.ifindex) && l.ifindex != LOOPBACK_IFINDEX {
                        l.addrs.clear();
                    }
                }
                Ok(())
            }
            Command::Route(RouteCmd::Modify { verb, spec }) => self.apply_route(*verb, spec),
            Command::Route(RouteCmd::Flush(f)) => {
                let table = match f.table {
                    Some(cfg::TableSel::Id(t)) => Some(t),
                    Some(cfg::TableSel::All) => None,
                    None => Some(cfg::RT_TABLE_MAIN),
                };
                self.routes.retain(|_, r| {
                    !(table.is_none_or(|t| t == r.table)
                        && (f.family == Family::Any || f.family == r.family))
                });
                Ok(())
            }
            Command::Rule(RuleCmd::Modify { verb, spec }) => self.apply_rule(*verb, spec),
            Command::Rule(RuleCmd::Flush(fam)) => {
                // The kernel keeps the default rules (they are re-added here).
                let defaults = Router::new().rules;
                self.rules
                    .retain(|r| *fam != Family::Any && r.family != *fam);
                for d in defaults {
                    if (*fam == Family::Any || d.family == *fam) && !self.rules.contains(&d) {
                        self.rules.push(d);
                    }
                }
                Ok(())
            }
            Command::Neigh(NeighCmd::Modify { verb, spec }) => self.apply_neigh(*verb, spec),
            Command::Neigh(NeighCmd::Flush(f)) => {
                let dev = f.dev.as_deref().map(|d| self.ifindex(d)).transpose()?;
                self.neighs
                    .retain(|n| !(dev.is_none_or(|d| d == n.dev) && n.proxy == f.proxy));
                Ok(())
            }
            Command::Sr(c) => self.apply_sr(c),
            Command::Sysctl(c) => self.apply_sysctl(c),
            Command::Fdb(cfg::FdbCmd::Modify { verb, spec }) => self.apply_fdb(*verb, spec),
            Command::Fdb(cfg::FdbCmd::Show(_)) => Ok(()),
            Command::Route(RouteCmd::Show(_) | RouteCmd::Get(_))
            | Command::Addr(cfg::AddrCmd::Show(_))
            | Command::Rule(RuleCmd::Show(_))
            | Command::Neigh(NeighCmd::Show(_)) => Ok(()),
        }
    }

    fn apply_link(&mut self, c: &LinkCmd) -> Result<(), ApplyError> {
        match c {
            LinkCmd::Add(spec) => {
                if self.link_by_name(&spec.name).is_some() {
                    return Err(ApplyError::exists(&format!("link \"{}\"", spec.name)));
                }
                if spec.name.is_empty() || spec.name.len() > 15 {
                    return Err(ApplyError::new(format!(
                        "argument \"{}\" is wrong: \"name\" not a valid ifname",
                        spec.name
                    ))
                    .hint("interface names are 1 to 15 characters"));
                }
                let kind = spec.kind.clone().ok_or_else(|| {
                    ApplyError::new("Not enough information: \"type\" argument is required").hint(
                        "e.g. `link add eth0 type port`, `link add vrf-100 type vrf table 100`",
                    )
                })?;
                self.check_kind(&kind)?;
                let ifindex = self.next_ifindex;
                self.next_ifindex += 1;
                let mac = spec.address.unwrap_or_else(|| derived_mac(ifindex));
                let vrf = matches!(kind, LinkKind::Vrf { .. });
                let default_mtu = match &kind {
                    LinkKind::Vrf { .. } => 65575,
                    LinkKind::Vxlan(v) => self.vxlan_default_mtu(v),
                    _ => DEFAULT_MTU,
                };
                self.links.insert(
                    ifindex,
                    Link {
                        ifindex,
                        name: spec.name.clone(),
                        kind: Some(kind),
                        mac,
                        mac_explicit: spec.address.is_some(),
                        mtu: spec.mtu.unwrap_or(default_mtu),
                        up: spec.up.unwrap_or(false),
                        master: None,
                        addrs: Vec::new(),
                    },
                );
                if vrf {
                    self.add_l3mdev_rules();
                }
                self.add_default_remote(ifindex);
                self.set_link(ifindex, spec)
            }
            LinkCmd::Set(spec) => {
                let ifindex = self.ifindex(&spec.name)?;
                if spec.kind.is_some() {
                    return Err(
                        ApplyError::new("RTNETLINK answers: Operation not supported")
                            .hint("a link's type cannot be changed; delete and re-add it"),
                    );
                }
                self.set_link(ifindex, spec)
            }
            LinkCmd::Del { name } => {
                let ifindex = self.ifindex(name)?;
                if ifindex == LOOPBACK_IFINDEX {
                    return Err(
                        ApplyError::new("RTNETLINK answers: Operation not supported")
                            .hint("the loopback cannot be deleted"),
                    );
                }
                self.links.remove(&ifindex);
                for l in self.links.values_mut() {
                    if l.master == Some(ifindex) {
                        l.master = None;
                    }
                }
                // As in the kernel, routes through the device and its neighbours go with it.
                self.routes
                    .retain(|_, r| !r.nexthops.iter().any(|n| n.dev == Some(ifindex)));
                self.neighs.retain(|n| n.dev != ifindex);
                self.fdb.retain(|f| f.dev != ifindex);
                Ok(())
            }
            LinkCmd::Show(_) => Ok(()),
        }
    }

    fn check_kind(&self, kind: &LinkKind) -> Result<(), ApplyError> {
        match kind {
            LinkKind::Vrf { table } => {
                if self.sysctl.vrf_strict_mode
                    && self.links.values().any(|l| l.vrf_table() == Some(*table))
                {
                    return Err(ApplyError::new("Table is used by another VRF")
                        .hint(format!(
                            "net.vrf.strict_mode is 1: each table belongs to one VRF; pick another table than {table} or set net.vrf.strict_mode=0"
                        )));
                }
                Ok(())
            }
            LinkKind::Port {
                io: Some(cfg::PortIo::AfXdp),
                ..
            } => Err(ApplyError::new("RTNETLINK answers: Operation not supported")
                .hint("AF_XDP ports are not implemented yet; use `io af_packet` (the default)")),
            LinkKind::Port { .. } | LinkKind::Tap | LinkKind::Dummy => Ok(()),
            LinkKind::Vxlan(v) => self.check_vxlan(v),
            LinkKind::Xfrm(_) => Err(ApplyError::new(
                "link type \"xfrm\" is not supported by lwt",
            )
            .hint("lwt has no IPsec (XFRM) support; it implements port, tap, dummy, vrf and vxlan links")),
        }
    }

    fn add_l3mdev_rules(&mut self) {
        for family in [Family::V4, Family::V6] {
            if !self.rules.iter().any(|r| r.family == family && r.l3mdev) {
                self.rules.push(cfg::RuleSpec {
                    family,
                    priority: Some(1000),
                    l3mdev: true,
                    ..Default::default()
                });
            }
        }
    }

    fn set_link(&mut self, ifindex: u32, spec: &cfg::LinkSpec) -> Result<(), ApplyError> {
        if let Some(new) = &spec.new_name
            && self.link_by_name(new).is_some()
        {
            return Err(ApplyError::exists(&format!("link \"{new}\"")));
        }
        let master = match &spec.master {
            Some(cfg::MasterChange::Set(m)) => {
                let mi = self.ifindex(m)?;
                if self.links[&mi].vrf_table().is_none() {
                    return Err(ApplyError::new(
                        "RTNETLINK answers: Operation not supported".to_string(),
                    )
                    .hint(format!(
                        "\"{m}\" is not a VRF; only VRF devices can be masters in lwt"
                    )));
                }
                if mi == ifindex {
                    return Err(ApplyError::new("RTNETLINK answers: Invalid argument")
                        .hint("a device cannot be its own master"));
                }
                Some(Some(mi))
            }
            Some(cfg::MasterChange::Clear) => Some(None),
            None => None,
        };
        let l = self.links.get_mut(&ifindex).expect("resolved ifindex");
        if let Some(new) = &spec.new_name {
            l.name = new.clone();
        }
        if let Some(mac) = spec.address {
            l.mac = mac;
            l.mac_explicit = true;
        }
        if let Some(mtu) = spec.mtu {
            if mtu < 68 {
                return Err(ApplyError::new("mtu less than device minimum.".to_string())
                    .hint("the minimum MTU is 68"));
            }
            l.mtu = mtu;
        }
        if let Some(up) = spec.up {
            if l.up && !up {
                // addrconf_ifdown with keep_addr_on_down=0: IPv6 addresses go with the link.
                l.addrs.retain(|a| !a.is_v6());
            }
            l.up = up;
        }
        if let Some(m) = master {
            l.master = m;
        }
        if spec.up == Some(true) {
            // vxlan_open: the device's UDP sockets are opened when it comes up.
            self.check_vxlan_sockets(ifindex)?;
        }
        Ok(())
    }

    fn apply_addr(&mut self, verb: Verb, spec: &cfg::AddrSpec) -> Result<(), ApplyError> {
        let ifindex = self.ifindex(&spec.dev)?;
        let l = self.links.get_mut(&ifindex).expect("resolved ifindex");
        let pos = l.addrs.iter().position(|a| a.addr == spec.prefix.addr);
        match verb {
            Verb::Add => {
                if pos.is_some() {
                    return Err(ApplyError::exists(&format!("address {}", spec.prefix.addr)));
                }
                l.addrs.push(spec.prefix);
            }
            Verb::Replace | Verb::Change | Verb::Append | Verb::Prepend | Verb::Test => match pos {
                Some(i) => l.addrs[i] = spec.prefix,
                None if verb == Verb::Change => {
                    return Err(
                        ApplyError::new("RTNETLINK answers: No such file or directory")
                            .hint("`addr change` needs an existing address"),
                    );
                }
                None => l.addrs.push(spec.prefix),
            },
            Verb::Del => match pos {
                Some(i) => {
                    l.addrs.remove(i);
                }
                None => {
                    return Err(ApplyError::new(
                        "RTNETLINK answers: Cannot assign requested address",
                    )
                    .hint(format!("{} has no address {}", spec.dev, spec.prefix.addr)));
                }
            },
        }
        Ok(())
    }

    fn apply_neigh(&mut self, verb: Verb, spec: &cfg::NeighSpec) -> Result<(), ApplyError> {
        let Some(dev) = spec.dev.as_deref() else {
            return Err(
                ApplyError::new("Device and destination are required arguments.")
                    .hint("e.g. `neigh add 10.0.0.1 lladdr aa:bb:cc:dd:ee:ff dev eth0`"),
            );
        };
        let dev = self.ifindex(dev)?;
        let pos = self
            .neighs
            .iter()
            .position(|n| n.dev == dev && n.addr == spec.addr && n.proxy == spec.proxy);
        if verb == Verb::Del {
            return match pos {
                Some(i) => {
                    self.neighs.remove(i);
                    Ok(())
                }
                None => Err(
                    ApplyError::new("RTNETLINK answers: No such file or directory")
                        .hint("no such neighbour entry; check `neigh show`"),
                ),
            };
        }
        if !spec.proxy && spec.lladdr.is_none() {
            return Err(ApplyError::new("Neighbor entry needs lladdr")
                .hint("give the MAC: `neigh add ADDR lladdr aa:bb:cc:dd:ee:ff dev IF`"));
        }
        let n = Neigh {
            addr: spec.addr,
            dev,
            lladdr: spec.lladdr,
            state: spec.state.unwrap_or(NudState::Permanent),
            proxy: spec.proxy,
            router: spec.router,
        };
        match (verb, pos) {
            (Verb::Add, Some(_)) => Err(ApplyError::exists(&format!("neighbour {}", spec.addr))),
            (Verb::Change, None) => Err(ApplyError::new(
                "RTNETLINK answers: No such file or directory",
            )
            .hint("`neigh change` needs an existing entry")),
            (_, Some(i)) => {
                self.neighs[i] = n;
                Ok(())
            }
            (_, None) => {
                self.neighs.push(n);
                Ok(())
            }
        }
    }

    fn apply_rule(&mut self, verb: Verb, spec: &cfg::RuleSpec) -> Result<(), ApplyError> {
        for d in [&spec.iif, &spec.oif].into_iter().flatten() {
            self.ifindex(d)?;
        }
        let mut spec = spec.clone();
        if spec.action == RuleAction::ToTable
            && spec.table.is_none()
            && !spec.l3mdev
            && verb == Verb::Add
        {
            return Err(ApplyError::new("RTNETLINK answers: Invalid argument")
                .hint("a lookup rule needs a table: `rule add ... lookup TABLE`"));
        }
        match verb {
            Verb::Del => {
                let pos = self.rules.iter().position(|r| rule_matches(&spec, r));
                match pos {
                    Some(i) => {
                        self.rules.remove(i);
                        Ok(())
                    }
                    None => Err(
                        ApplyError::new("RTNETLINK answers: No such file or directory")
                            .hint("no rule matches; check `rule show`"),
                    ),
                }
            }
            _ => {
                if spec.priority.is_none() {
                    // The kernel picks one below the lowest non-zero priority.
                    let lowest = self
                        .rules
                        .iter()
                        .filter(|r| r.family == spec.family)
                        .filter_map(|r| r.priority)
                        .filter(|p| *p > 0)
                        .min()
                        .unwrap_or(32766);
                    spec.priority = Some(lowest.saturating_sub(1));
                }
                let mut a = spec.clone();
                a.not = spec.not;
                if self.rules.contains(&a) {
                    return Err(ApplyError::exists("rule"));
                }
                self.rules.push(a);
                Ok(())
            }
        }
    }

    fn apply_sr(&mut self, c: &SrCmd) -> Result<(), ApplyError> {
        match c {
            SrCmd::TunsrcSet(a) => {
                self.tunsrc = (!a.is_unspecified()).then_some(*a);
                Ok(())
            }
            SrCmd::HmacSet {
                keyid,
                algo,
                secret,
            } => {
                if secret.is_empty() {
                    self.hmac_keys.remove(keyid);
                } else {
                    self.hmac_keys.insert(
                        *keyid,
                        HmacKey {
                            id: *keyid,
                            algo: *algo,
                            secret: secret.as_bytes().to_vec(),
                        },
                    );
                }
                Ok(())
            }
            SrCmd::TunsrcShow | SrCmd::HmacShow => Ok(()),
        }
    }

    fn apply_sysctl(&mut self, c: &cfg::SysctlCmd) -> Result<(), ApplyError> {
        let Some(value) = &c.value else {
            return Ok(());
        };
        let set = sysctl::parse(&c.key, value).map_err(|e| {
            ApplyError::new(format!("sysctl: {e}")).hint("see README for the sysctls lwt honours")
        })?;
        match set {
            SysctlSet::Global(f, v) => {
                let strict_before = self.sysctl.vrf_strict_mode;
                let mut next = self.sysctl.clone();
                f(&mut next, v).map_err(|e| ApplyError::new(format!("sysctl: {} {e}", c.key)))?;
                if next.vrf_strict_mode && !strict_before {
                    let mut tables: Vec<u32> =
                        self.links.values().filter_map(|l| l.vrf_table()).collect();
                    tables.sort();
                    if tables.windows(2).any(|w| w[0] == w[1]) {
                        return Err(ApplyError::new(
                            "sysctl: setting key \"net.vrf.strict_mode\": Device or resource busy",
                        )
                        .hint("two VRFs share a table: delete one before enabling strict mode"));
                    }
                }
                self.sysctl = next;
            }
            SysctlSet::PerIf(name, f, v) => {
                if name != "all" && name != "default" {
                    self.ifindex(&name).map_err(|_| {
                        ApplyError::new(format!(
                            "sysctl: cannot stat /proc/sys/{}: No such file or directory",
                            c.key.replace('.', "/")
                        ))
                        .hint(format!("there is no link \"{name}\""))
                    })?;
                }
                let mut cur = self.if_sysctl(&name);
                f(&mut cur, v).map_err(|e| ApplyError::new(format!("sysctl: {} {e}", c.key)))?;
                if name == "all" {
                    // "all" sets every existing interface, as the kernel's conf/all does for
                    // the knobs lwt keeps.
                    for l in self.links.values() {
                        let mut x = self.if_sysctl(&l.name);
                        f(&mut x, v).ok();
                        self.if_sysctl.insert(l.name.clone(), x);
                    }
                }
                self.if_sysctl.insert(name, cur);
            }
            SysctlSet::Ignored(_) => {}
        }
        Ok(())
    }

    fn apply_route(&mut self, verb: Verb, spec: &cfg::RouteSpec) -> Result<(), ApplyError> {
        let table = match (&spec.vrf, spec.table) {
            (Some(v), _) => self.vrf_table(v)?,
            (None, Some(t)) => t,
            (None, None) if spec.rtype == RouteType::Local => cfg::RT_TABLE_LOCAL,
            (None, None) => cfg::RT_TABLE_MAIN,
        };
        let v6 = spec.family == Family::V6;
        let dst = spec.dst.network();
        if !v6 && spec.dst.has_host_bits() {
            return Err(ApplyError::new("Invalid prefix for given prefix length")
                .hint(format!("did you mean {dst}?")));
        }
        let metric = spec.metric.unwrap_or(if v6 { 1024 } else { 0 });
        let tos = spec.tos.unwrap_or(0);
        if verb == Verb::Del {
            let found = self
                .routes_to(table, &dst)
                .find(|r| {
                    spec.metric.is_none_or(|m| m == r.metric)
                        && (!spec.rtype_given || spec.rtype == r.rtype)
                })
                .map(Route::key);
            return match found {
                Some(k) => {
                    self.routes.remove(&k);
                    Ok(())
                }
                None => Err(ApplyError::no_such("route")),
            };
        }
        let mut nexthops = Vec::new();
        for nh in &spec.nexthops {
            nexthops.push(self.resolve_nexthop(spec, nh, table)?);
        }
        if !spec.rtype.is_reject()
            && spec.rtype != RouteType::Local
            && nexthops.iter().all(|n| n.dev.is_none() && n.via.is_none())
        {
            return Err(ApplyError::new("RTNETLINK answers: No such device")
                .hint("a unicast route needs `dev NAME` or `via ADDR`"));
        }
        let scope = spec.scope.unwrap_or(match spec.rtype {
            RouteType::Local => cfg::RT_SCOPE_HOST,
            RouteType::Unicast if !v6 && nexthops.iter().all(|n| n.via.is_none()) => {
                cfg::RT_SCOPE_LINK
            }
            _ => cfg::RT_SCOPE_UNIVERSE,
        });
        let slot = self.next_slot;
        self.next_slot += 1;
        let route = Route {
            family: spec.family,
            rtype: spec.rtype,
            dst,
            tos,
            table,
            protocol: spec.proto.unwrap_or(cfg::RTPROT_BOOT),
            scope,
            metric,
            prefsrc: spec.src,
            nexthops,
            multipath: spec.multipath,
            slot,
        };
        let key = route.key();
        match (verb, self.routes.get(&key).map(|r| r.slot)) {
            (Verb::Add | Verb::Prepend | Verb::Append | Verb::Test, Some(_)) => Err(
                ApplyError::exists(&format!("a route to {dst} in table {table}")),
            ),
            (Verb::Change, None) => Err(ApplyError::no_such("route")),
            (_, Some(slot)) => {
                // A replaced route keeps its counters.
                self.routes.insert(key, Route { slot, ..route });
                Ok(())
            }
            (_, None) => {
                self.routes.insert(key, route);
                Ok(())
            }
        }
    }

    fn resolve_nexthop(
        &self,
        spec: &cfg::RouteSpec,
        nh: &cfg::NextHop,
        table: u32,
    ) -> Result<NextHopCfg, ApplyError> {
        let dev = nh.dev.as_deref().map(|d| self.ifindex(d)).transpose()?;
        if let Some(via) = nh.via {
            if via.is_ipv4() != (spec.family == Family::V4) && spec.family == Family::V4 {
                return Err(
                    ApplyError::new("IPv6 gateways for IPv4 routes are not supported")
                        .hint("use a gateway of the route's family"),
                );
            }
            if !nh.onlink {
                self.check_gateway(via, dev, table)?;
            }
        }
        let vrf_bound = match &nh.encap {
            Some(e) => self.check_encap(spec, e)?,
            None => None,
        };
        Ok(NextHopCfg {
            via: nh.via,
            dev,
            weight: nh.weight,
            onlink: nh.onlink,
            encap: nh.encap.as_ref().map(crate::vxlan_config::canonical_encap),
            vrf_bound,
        })
    }

    /// The kernel refuses gateways it cannot reach directly ("Nexthop has invalid gateway").
    fn check_gateway(&self, via: IpAddr, dev: Option<u32>, table: u32) -> Result<(), ApplyError> {
        if let IpAddr::V6(a) = via
            && a.is_unicast_link_local()
        {
            return match dev {
                Some(_) => Ok(()),
                None => Err(ApplyError::new("Nexthop has invalid gateway")
                    .hint("a link-local gateway needs `dev NAME`")),
            };
        }
        let vrf_of = |l: &Link| l.master.and_then(|m| self.links.get(&m)?.vrf_table());
        let connected = self.links.values().any(|l| {
            dev.is_none_or(|d| d == l.ifindex)
                && (vrf_of(l).unwrap_or(cfg::RT_TABLE_MAIN) == table
                    || table == cfg::RT_TABLE_MAIN
                    || dev.is_some())
                && l.addrs.iter().any(|p| p.contains(&via) && p.addr != via)
        });
        if connected {
            return Ok(());
        }
        // A device route covering the gateway: one range lookup per prefix length.
        let max = IpPrefix::max_len_of(&via);
        let routed = (0..=max).any(|len| {
            self.routes_to(table, &IpPrefix::new(via, len).network())
                .any(|r| {
                    r.rtype == RouteType::Unicast
                        && r.nexthops.iter().all(|n| n.via.is_none())
                        && dev.is_none_or(|d| r.nexthops.iter().any(|n| n.dev == Some(d)))
                })
        });
        if routed {
            return Ok(());
        }
        if self
            .links
            .values()
            .any(|l| l.addrs.iter().any(|p| p.addr == via))
        {
            return Err(ApplyError::new("Gateway can not be a local address")
                .hint("the gateway must be a neighbour's address"));
        }
        Err(ApplyError::new("Nexthop has invalid gateway").hint(format!(
            "no connected subnet contains {via}; add an address on the link first (`addr add`), or use `onlink`"
        )))
    }

    /// Validates an encap as the kernel's `build_state` does; returns the VRF bound by a
    /// seg6local End.DT* route.
    fn check_encap(&self, spec: &cfg::RouteSpec, e: &Encap) -> Result<Option<u32>, ApplyError> {
        match e {
            Encap::Seg6(s) => {
                let mode = s.mode;
                seg6::validate(mode, &s.segs, spec.family == Family::V6)
                    .map_err(|m| ApplyError::new("RTNETLINK answers: Invalid argument").hint(m))?;
                if s.tunsrc.is_some() && mode == seg6::Mode::Inline {
                    return Err(ApplyError::new("RTNETLINK answers: Invalid argument")
                        .hint("tunsrc is not allowed with inline mode"));
                }
                Ok(None)
            }
            Encap::Seg6Local(l) => {
                let vrfs: Vec<(u32, u32)> = self
                    .links
                    .values()
                    .filter_map(|x| x.vrf_table().map(|t| (x.ifindex, t)))
                    .collect();
                let lookup = seg6local::VrfLookup {
                    strict_mode: self.sysctl.vrf_strict_mode,
                    vrfs: &vrfs,
                };
                let (b, bound) = seg6local::validate(l, spec.family == Family::V6, &lookup)?;
                let used = b.required | b.optional;
                if used & seg6local::attr::OIF != 0
                    && let Some(o) = &l.oif
                {
                    self.ifindex(o)?;
                }
                if let Some(srh) = l.srh.as_ref().filter(|_| used & seg6local::attr::SRH != 0) {
                    seg6::validate(seg6::Mode::Encap, &srh.segs, true).map_err(|m| {
                        ApplyError::new("RTNETLINK answers: Invalid argument").hint(m)
                    })?;
                }
                Ok(bound)
            }
            Encap::Ip(_) | Encap::Ip6(_) => {
                crate::vxlan_config::check_encap_ip(e)?;
                Ok(None)
            }
            Encap::Mpls(m) => {
                crate::lwt::mpls::validate(m)
                    .map_err(|msg| ApplyError::new(format!("{msg}.")).hint(
                        "labels are 0..1048575 except 3 (implicit null), at most 30 of them",
                    ))?;
                Ok(None)
            }
            Encap::Xfrm(_) => Err(ApplyError::new(
                "RTNETLINK answers: Operation not supported",
            )
            .hint("lwt has no IPsec (XFRM) support: encap xfrm needs xfrm interfaces; it implements encap seg6, seg6local, ip, ip6 and mpls")),
        }
    }
}

fn rule_matches(want: &cfg::RuleSpec, have: &cfg::RuleSpec) -> bool {
    want.family == have.family
        && want.priority.is_none_or(|p| Some(p) == have.priority)
        && (want.from.is_none() || want.from == have.from)
        && (want.to.is_none() || want.to == have.to)
        && (want.iif.is_none() || want.iif == have.iif)
        && (want.oif.is_none() || want.oif == have.oif)
        && (want.table.is_none() || want.table == have.table)
        && (want.tun_id.is_none() || want.tun_id == have.tun_id)
        && (!want.l3mdev || have.l3mdev)
}

/// A locally administered MAC derived from the ifindex, stable across runs.
fn derived_mac(ifindex: u32) -> Mac {
    let b = ifindex.to_be_bytes();
    Mac([0x02, 0x4c, 0x57, b[1], b[2], b[3]])
}
