//! The typed command AST: what a line of iproute2 syntax *means*, before any
//! semantic validation. It plays the role of the netlink request: the parser
//! produces it, the router core validates and applies it (as the kernel does),
//! and the `*Entry` types at the bottom are what the core hands back for `show`.
//!
//! Conventions:
//! - `Option<T>` = "not given on the command line" (the core applies the kernel's
//!   default), never "zero".
//! - Names of devices are kept as strings: resolving them is the core's job
//!   (iproute2 resolves them in userspace, but lwt's devices live in the daemon).
//! - Numeric identifiers use the kernel's widths (table u32, protocol u8, scope u8).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------

/// Address family selected with `-4` / `-6` / `-family`, or deduced from the
/// first address of a command (iproute2's `preferred_family` / `rtm_family`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Family {
    #[default]
    Any,
    V4,
    V6,
}

impl Family {
    /// Family of a concrete address.
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
    /// This family if known, else `fallback`: how a parser learns the family
    /// from the first address (`rtm_family`) and defaults it to IPv4 at the end.
    pub fn or(self, fallback: Family) -> Family {
        if self == Family::Any { fallback } else { self }
    }
    /// iproute2's `family_name()` ("inet", "inet6"); "any valid" for `Any`
    /// (`family_name_verbose`), as used in its error messages.
    pub fn verbose_name(self) -> &'static str {
        match self {
            Family::Any => "any valid",
            Family::V4 => "inet",
            Family::V6 => "inet6",
        }
    }
}

/// Global options that precede the object (`ip [OPTIONS] OBJECT ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Options {
    pub family: Family,
    /// `-j` / `-json`.
    pub json: bool,
    /// `-s` / `-stats` / `-statistics`: a *count*, as in iproute2 (`-s -s` shows
    /// more detail for links); test with `stats > 0`.
    pub stats: u8,
    /// `-d` / `-details` (also a count in iproute2; lwt only needs on/off).
    pub details: bool,
    /// `-p` / `-pretty` (JSON pretty printing).
    pub pretty: bool,
}

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub opts: Options,
    pub cmd: Command,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Link(LinkCmd),
    Addr(AddrCmd),
    Route(RouteCmd),
    Rule(RuleCmd),
    Neigh(NeighCmd),
    /// `bridge fdb ...` (bridge(8), not `ip`): the forwarding database of VXLAN devices.
    Fdb(FdbCmd),
    Sr(SrCmd),
    Sysctl(SysctlCmd),
}

/// Modification verbs shared by all objects (netlink NEW/DEL + NLM_F_* flags).
/// Which verbs an object accepts follows iproute2 (e.g. `rule` has only
/// Add/Del, `route` has all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verb {
    /// NLM_F_CREATE | NLM_F_EXCL
    Add,
    /// DEL
    Del,
    /// NLM_F_CREATE | NLM_F_REPLACE
    Replace,
    /// NLM_F_REPLACE (must exist)
    Change,
    /// NLM_F_CREATE | NLM_F_APPEND (routes: add another ECMP-less path at the end)
    Append,
    /// NLM_F_CREATE (routes: insert in front)
    Prepend,
    /// NLM_F_EXCL only (`ip route test`)
    Test,
}

// ---------------------------------------------------------------------------
// Common value types
// ---------------------------------------------------------------------------

/// An address with a prefix length. A bare address means a host prefix
/// (/32 or /128); `default` means /0; `all` / `any` also /0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpPrefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl Default for IpPrefix {
    /// 0.0.0.0/0
    fn default() -> Self {
        IpPrefix::default_of(false)
    }
}

impl IpPrefix {
    pub fn new(addr: IpAddr, len: u8) -> Self {
        IpPrefix { addr, len }
    }
    pub fn host(addr: IpAddr) -> Self {
        IpPrefix {
            addr,
            len: Self::max_len_of(&addr),
        }
    }
    /// The zero prefix of a family (`default`).
    pub fn default_of(v6: bool) -> Self {
        if v6 {
            IpPrefix {
                addr: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                len: 0,
            }
        } else {
            IpPrefix {
                addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                len: 0,
            }
        }
    }
    pub fn max_len_of(addr: &IpAddr) -> u8 {
        if addr.is_ipv4() { 32 } else { 128 }
    }
    pub fn max_len(&self) -> u8 {
        Self::max_len_of(&self.addr)
    }
    pub fn is_host(&self) -> bool {
        self.len == self.max_len()
    }
    pub fn is_v6(&self) -> bool {
        self.addr.is_ipv6()
    }
    pub fn family(&self) -> Family {
        Family::of(&self.addr)
    }
    /// The network: host bits cleared (what the kernel stores for a route).
    pub fn network(&self) -> IpPrefix {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let m = if self.len == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.len as u32)
                };
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
            }
            IpAddr::V6(a) => {
                let m = if self.len == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.len as u32)
                };
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
            }
        };
        IpPrefix {
            addr,
            len: self.len,
        }
    }
    /// True if host bits are set (the kernel rejects such IPv4 routes with
    /// "Invalid prefix for given prefix length").
    pub fn has_host_bits(&self) -> bool {
        self.network().addr != self.addr
    }
    /// Does `addr` fall inside this prefix?
    pub fn contains(&self, addr: &IpAddr) -> bool {
        if addr.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        IpPrefix {
            addr: *addr,
            len: self.len,
        }
        .network()
        .addr
            == self.network().addr
    }
}

impl std::fmt::Display for IpPrefix {
    /// Always `addr/len` (renderers decide when to drop the length).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// An Ethernet MAC address; displays as `aa:bb:cc:dd:ee:ff` (lower case, as `ip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Mac(pub [u8; 6]);

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

// Well-known numeric ids (kernel UAPI).
pub const RT_TABLE_UNSPEC: u32 = 0;
pub const RT_TABLE_DEFAULT: u32 = 253;
pub const RT_TABLE_MAIN: u32 = 254;
pub const RT_TABLE_LOCAL: u32 = 255;

pub const RTPROT_UNSPEC: u8 = 0;
pub const RTPROT_REDIRECT: u8 = 1;
pub const RTPROT_KERNEL: u8 = 2;
pub const RTPROT_BOOT: u8 = 3;
pub const RTPROT_STATIC: u8 = 4;

pub const RT_SCOPE_UNIVERSE: u8 = 0;
pub const RT_SCOPE_SITE: u8 = 200;
pub const RT_SCOPE_LINK: u8 = 253;
pub const RT_SCOPE_HOST: u8 = 254;
pub const RT_SCOPE_NOWHERE: u8 = 255;

/// Route/nexthop flags (RTNH_F_* and RTM_F_*), as printed by `print_rt_flags`.
pub const RTNH_F_DEAD: u32 = 1;
pub const RTNH_F_PERVASIVE: u32 = 2;
pub const RTNH_F_ONLINK: u32 = 4;
pub const RTNH_F_OFFLOAD: u32 = 8;
pub const RTNH_F_LINKDOWN: u32 = 16;
pub const RTNH_F_UNRESOLVED: u32 = 32;
pub const RTNH_F_TRAP: u32 = 64;
pub const RTM_F_NOTIFY: u32 = 0x100;

/// IPv6 router preference (RTA_PREF values).
pub const ICMPV6_ROUTER_PREF_MEDIUM: u8 = 0;
pub const ICMPV6_ROUTER_PREF_HIGH: u8 = 1;
pub const ICMPV6_ROUTER_PREF_LOW: u8 = 3;

// ---------------------------------------------------------------------------
// link
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkCmd {
    /// `link add [name] NAME ... type KIND ARGS`
    Add(LinkSpec),
    /// `link set|change [dev] NAME ...` (may carry `type KIND ARGS` = changelink)
    Set(LinkSpec),
    /// `link del [dev] NAME [type KIND]`
    Del { name: String },
    /// `link show [dev NAME] [type KIND] [master M] [up]`
    Show(LinkFilter),
}

/// Link attributes from `link add` / `link set`. For `set`, `name` is the device
/// being changed and `new_name` the `name NEW` rename.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkSpec {
    pub name: String,
    pub new_name: Option<String>,
    pub address: Option<Mac>,
    pub mtu: Option<u32>,
    /// `up` (Some(true)) / `down` (Some(false)).
    pub up: Option<bool>,
    /// `master DEV` / `nomaster`.
    pub master: Option<MasterChange>,
    /// `txqueuelen N` / `txqlen N`.
    pub txqlen: Option<u32>,
    /// `type KIND ...`; required for `add`.
    pub kind: Option<LinkKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MasterChange {
    Set(String),
    /// `nomaster`
    Clear,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// lwt extension: attach to an existing Linux interface (`dev` defaults to
    /// the link name).
    Port {
        dev: Option<String>,
        io: Option<PortIo>,
    },
    /// lwt extension: a TAP interface the daemon creates.
    Tap,
    Dummy,
    Vrf {
        table: u32,
    },
    Vxlan(VxlanSpec),
    Xfrm(XfrmLinkSpec),
}

impl LinkKind {
    /// The kind string as `ip -d link` / `type KIND` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            LinkKind::Port { .. } => "port",
            LinkKind::Tap => "tap",
            LinkKind::Dummy => "dummy",
            LinkKind::Vrf { .. } => "vrf",
            LinkKind::Vxlan(_) => "vxlan",
            LinkKind::Xfrm(_) => "xfrm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PortIo {
    AfPacket,
    AfXdp,
}

/// `type vxlan` arguments (ip/iplink_vxlan.c). Unset = kernel default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VxlanSpec {
    /// `id VNI` / `vni VNI` (< 2^24). Required unless `external`.
    pub vni: Option<u32>,
    /// `remote ADDR` (unicast) ...
    pub remote: Option<IpAddr>,
    /// ... or `group ADDR` (multicast).
    pub group: Option<IpAddr>,
    pub local: Option<IpAddr>,
    /// `dev PHYS`
    pub dev: Option<String>,
    /// `dstport PORT` (kernel default 8472).
    pub dstport: Option<u16>,
    /// `srcport MIN MAX`
    pub srcport: Option<(u16, u16)>,
    /// `ttl N` (`inherit` = Some(0)? no: `ttl inherit` is separate in the kernel;
    /// we keep 0 = "auto" as iproute2 does for `ttl auto`).
    pub ttl: Option<u8>,
    /// `tos N` (`inherit` = 1, as iproute2 encodes it).
    pub tos: Option<u8>,
    /// `udpcsum` (Some(true)) / `noudpcsum` (Some(false)).
    pub udpcsum: Option<bool>,
    /// `learning` / `nolearning`.
    pub learning: Option<bool>,
    /// `external` (collect_md) / `noexternal`.
    pub external: bool,
    /// `gbp`
    pub gbp: bool,
}

/// `type xfrm [dev D] [if_id N] [external]` (ip/link_xfrm.c).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XfrmLinkSpec {
    pub dev: Option<String>,
    pub if_id: Option<u32>,
    pub external: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkFilter {
    pub dev: Option<String>,
    /// `type KIND` (kind name as typed).
    pub kind: Option<String>,
    pub master: Option<String>,
    /// `up`: only links that are admin-up.
    pub up: bool,
}

// ---------------------------------------------------------------------------
// addr
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddrCmd {
    /// add / del / replace / change
    Modify {
        verb: Verb,
        spec: AddrSpec,
    },
    Show(AddrFilter),
    Flush(AddrFilter),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrSpec {
    /// `local` address with its prefix length (bare = /32 or /128).
    pub prefix: IpPrefix,
    pub dev: String,
    /// `peer ADDR` (point-to-point).
    pub peer: Option<IpPrefix>,
    /// `scope host|link|global|N`
    pub scope: Option<u8>,
    /// `label NAME`
    pub label: Option<String>,
    /// `metric N` / `priority N`
    pub metric: Option<u32>,
    pub nodad: bool,
    pub noprefixroute: bool,
    pub home: bool,
    pub optimistic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AddrFilter {
    pub dev: Option<String>,
    pub scope: Option<u8>,
    /// `to PREFIX` (match addresses inside it).
    pub to: Option<IpPrefix>,
    pub label: Option<String>,
    /// `up`
    pub up: bool,
}

// ---------------------------------------------------------------------------
// route
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteCmd {
    /// add / del / replace / change / append / prepend / test
    Modify {
        verb: Verb,
        spec: RouteSpec,
    },
    Show(RouteFilter),
    Flush(RouteFilter),
    Get(RouteGet),
}

/// Route types (rtm_type) lwt supports; iproute2 also knows broadcast, anycast,
/// multicast, nat, xresolve, which lwt rejects at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum RouteType {
    #[default]
    Unicast,
    Local,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
}

impl RouteType {
    /// The RTN_* value.
    pub fn rtn(self) -> u8 {
        match self {
            RouteType::Unicast => 1,
            RouteType::Local => 2,
            RouteType::Blackhole => 6,
            RouteType::Unreachable => 7,
            RouteType::Prohibit => 8,
            RouteType::Throw => 9,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            RouteType::Unicast => "unicast",
            RouteType::Local => "local",
            RouteType::Blackhole => "blackhole",
            RouteType::Unreachable => "unreachable",
            RouteType::Prohibit => "prohibit",
            RouteType::Throw => "throw",
        }
    }
    /// Types whose packets are rejected/discarded (no nexthop needed).
    pub fn is_reject(self) -> bool {
        matches!(
            self,
            RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit | RouteType::Throw
        )
    }
}

/// What `ip route add|del|replace|... ROUTE` carries (iproute_modify).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RouteSpec {
    /// Resolved family of the route (from -4/-6 or the first address; V4 if
    /// nothing says otherwise, as iproute2 does). Never `Any` after parsing.
    pub family: Family,
    pub rtype: RouteType,
    /// Leading type keyword given explicitly (e.g. `unicast 10/8`): needed for
    /// delete matching, where an unspecified type matches any.
    pub rtype_given: bool,
    /// Destination, as typed (host bits not cleared; see `IpPrefix::network`).
    pub dst: IpPrefix,
    /// `from PREFIX` (IPv6 source-specific routing).
    pub from: Option<IpPrefix>,
    /// `tos TOS` / `dsfield TOS`.
    pub tos: Option<u8>,
    /// `table ID` (names: main 254, local 255, default 253). None = main (or
    /// local for `local` routes), as iproute2 fills in.
    pub table: Option<u32>,
    /// `vrf NAME`: the core resolves it to the VRF's table.
    pub vrf: Option<String>,
    /// `metric|priority|preference N`.
    pub metric: Option<u32>,
    /// `proto|protocol P` (None = `boot` for add, unspecified for delete).
    pub proto: Option<u8>,
    /// `scope S` (None = iproute2's default, computed by the core: host for
    /// local, link for unicast without gateway, universe otherwise/IPv6).
    pub scope: Option<u8>,
    /// `src ADDR` (preferred source, RTA_PREFSRC).
    pub src: Option<IpAddr>,
    /// `mtu [lock] N`
    pub mtu: Option<u32>,
    pub mtu_lock: bool,
    /// `advmss N`
    pub advmss: Option<u32>,
    /// `hoplimit N` (route metric, not the encap one).
    pub hoplimit: Option<u8>,
    /// `pref low|medium|high|N` (IPv6 router preference, RTA_PREF).
    pub pref: Option<u8>,
    /// `expires SECONDS` (IPv6).
    pub expires: Option<u32>,
    /// One entry for a single-path route (possibly with only `dev`, or empty for
    /// blackhole etc.); several for `nexthop ... nexthop ...`.
    pub nexthops: Vec<NextHop>,
    /// True when the nexthops came from `nexthop` groups (RTA_MULTIPATH), even a
    /// single one.
    pub multipath: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextHop {
    /// `via [inet|inet6] ADDR`. A gateway of the other family (RFC 5549,
    /// RTA_VIA) is represented by its own address family.
    pub via: Option<IpAddr>,
    /// `dev NAME` / `oif NAME`.
    pub dev: Option<String>,
    /// `weight N` (1..=256; default 1). The kernel stores N-1 in rtnh_hops.
    pub weight: u16,
    pub onlink: bool,
    /// `encap TYPE ...`; for a single-path route, the route-level encap.
    pub encap: Option<Encap>,
}

impl Default for NextHop {
    fn default() -> Self {
        NextHop {
            via: None,
            dev: None,
            weight: 1,
            onlink: false,
            encap: None,
        }
    }
}

/// Lightweight tunnel encapsulation (RTA_ENCAP_TYPE + RTA_ENCAP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encap {
    Mpls(MplsEncap),
    Ip(IpTunEncap),
    Ip6(Ip6TunEncap),
    Seg6(Seg6Encap),
    Seg6Local(Seg6LocalEncap),
    Xfrm(XfrmEncap),
}

impl Encap {
    /// The iproute2 name (`format_encap_type`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Encap::Mpls(_) => "mpls",
            Encap::Ip(_) => "ip",
            Encap::Ip6(_) => "ip6",
            Encap::Seg6(_) => "seg6",
            Encap::Seg6Local(_) => "seg6local",
            Encap::Xfrm(_) => "xfrm",
        }
    }
    /// LWTUNNEL_ENCAP_* value.
    pub fn type_id(&self) -> u16 {
        match self {
            Encap::Mpls(_) => 1,
            Encap::Ip(_) => 2,
            Encap::Ip6(_) => 4,
            Encap::Seg6(_) => 5,
            Encap::Seg6Local(_) => 7,
            Encap::Xfrm(_) => 10,
        }
    }
}

/// `encap mpls LABEL[/LABEL...] [ttl N]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MplsEncap {
    /// Outermost first, each < 2^20.
    pub labels: Vec<u32>,
    pub ttl: Option<u8>,
}

/// `key` / `csum` / `seq` keywords of `encap ip|ip6` (TUNNEL_* flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TunFlags {
    pub key: bool,
    pub csum: bool,
    pub seq: bool,
}

impl TunFlags {
    pub fn any(&self) -> bool {
        self.key || self.csum || self.seq
    }
    /// Legacy be16 TUNNEL_* bits as carried in LWTUNNEL_IP_FLAGS.
    pub fn bits(&self) -> u16 {
        (if self.csum { 0x01 } else { 0 })
            | (if self.key { 0x04 } else { 0 })
            | (if self.seq { 0x08 } else { 0 })
    }
}

/// Tunnel options (`geneve_opts` / `vxlan_opts` / `erspan_opts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TunOpts {
    Geneve(Vec<GeneveOpt>),
    Vxlan {
        gbp: u32,
    },
    Erspan {
        ver: u8,
        index: u32,
        dir: u8,
        hwid: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneveOpt {
    pub class: u16,
    pub opt_type: u8,
    pub data: Vec<u8>,
}

/// `encap ip id ID dst A [src A] [tos T] [ttl T] [key] [csum] [seq] [..._opts]`
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IpTunEncap {
    pub id: Option<u64>,
    pub dst: Option<Ipv4Addr>,
    pub src: Option<Ipv4Addr>,
    pub tos: Option<u8>,
    pub ttl: Option<u8>,
    pub flags: TunFlags,
    pub opts: Option<TunOpts>,
}

/// `encap ip6 id ID dst A [src A] [tc T] [hoplimit H] [key] [csum] [seq] [..._opts]`
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ip6TunEncap {
    pub id: Option<u64>,
    pub dst: Option<Ipv6Addr>,
    pub src: Option<Ipv6Addr>,
    pub tc: Option<u8>,
    pub hoplimit: Option<u8>,
    pub flags: TunFlags,
    pub opts: Option<TunOpts>,
}

/// seg6 encapsulation modes (SEG6_IPTUN_MODE_*; the discriminant is the UAPI value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Seg6Mode {
    Inline = 0,
    Encap = 1,
    L2Encap = 2,
    EncapRed = 3,
    L2EncapRed = 4,
}

impl Seg6Mode {
    pub const ALL: [Seg6Mode; 5] = [
        Seg6Mode::Inline,
        Seg6Mode::Encap,
        Seg6Mode::L2Encap,
        Seg6Mode::EncapRed,
        Seg6Mode::L2EncapRed,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Seg6Mode::Inline => "inline",
            Seg6Mode::Encap => "encap",
            Seg6Mode::L2Encap => "l2encap",
            Seg6Mode::EncapRed => "encap.red",
            Seg6Mode::L2EncapRed => "l2encap.red",
        }
    }
    pub fn from_name(s: &str) -> Option<Seg6Mode> {
        Seg6Mode::ALL.into_iter().find(|m| m.name() == s)
    }
    /// The inner packet is an Ethernet frame.
    pub fn is_l2(self) -> bool {
        matches!(self, Seg6Mode::L2Encap | Seg6Mode::L2EncapRed)
    }
    /// The first segment is not carried in an SRH (a single segment: no SRH at all).
    pub fn is_reduced(self) -> bool {
        matches!(self, Seg6Mode::EncapRed | Seg6Mode::L2EncapRed)
    }
}

/// `encap seg6 mode M segs S1,...,Sn [hmac KEYID] [tunsrc ADDR]`.
/// `segs` is in the order typed (first segment visited first); the SRH layout
/// (reversed, extra slot for inline) is built by the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seg6Encap {
    pub mode: Seg6Mode,
    pub segs: Vec<Ipv6Addr>,
    /// HMAC key id; iproute2 treats 0 as "no HMAC", so this is never Some(0).
    pub hmac: Option<u32>,
    /// Per-route tunnel source (iproute2 HEAD / newer than Linux v6.19).
    pub tunsrc: Option<Ipv6Addr>,
}

/// seg6local action names in UAPI order (index = SEG6_LOCAL_ACTION_* value).
pub const SEG6_LOCAL_ACTIONS: [&str; 17] = [
    "",
    "End",
    "End.X",
    "End.T",
    "End.DX2",
    "End.DX6",
    "End.DX4",
    "End.DT6",
    "End.DT4",
    "End.B6",
    "End.B6.Encaps",
    "End.BM",
    "End.S",
    "End.AS",
    "End.AM",
    "End.BPF",
    "End.DT46",
];

/// `srh segs S1,..,Sn [hmac KEYID]` of seg6local (End.B6 / End.B6.Encaps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SrhSpec {
    pub segs: Vec<Ipv6Addr>,
    pub hmac: Option<u32>,
}

/// Flavor operation bits (SEG6_LOCAL_FLV_OP_*).
pub const SEG6_LOCAL_FLV_OP_PSP: u32 = 1 << 1;
pub const SEG6_LOCAL_FLV_OP_USP: u32 = 1 << 2;
pub const SEG6_LOCAL_FLV_OP_USD: u32 = 1 << 3;
pub const SEG6_LOCAL_FLV_OP_NEXT_CSID: u32 = 1 << 4;
/// Flavor names by bit index (`seg6_flavor_names`).
pub const SEG6_FLAVOR_NAMES: [(u32, &str); 4] =
    [(1, "psp"), (2, "usp"), (3, "usd"), (4, "next-csid")];

/// `flavors F1[,F2...] [lblen N] [nflen N]`. The lengths are the raw u8 the
/// user typed: range/alignment checks (B,F in (0,120], multiple of 8, B+F<=128)
/// are the kernel's, hence the core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flavors {
    /// Bit mask of SEG6_LOCAL_FLV_OP_* (bit 1 PSP, 2 USP, 3 USD, 4 NEXT_CSID).
    pub ops: u32,
    pub lblen: Option<u8>,
    pub nflen: Option<u8>,
}

/// `endpoint obj FILE sec SECTION` of End.BPF (kept as written; lwt has no BPF
/// loader, the core rejects it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpfProg {
    pub obj: String,
    pub section: String,
}

/// `encap seg6local action NAME [table T] [vrftable T] [nh4 A] [nh6 A] [iif D]
/// [oif D] [srh segs ...] [endpoint ...] [count] [flavors ...]`. Which
/// attributes an action needs is validated by the core (kernel semantics: extra
/// attributes are silently ignored there).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Seg6LocalEncap {
    /// Canonical name from `SEG6_LOCAL_ACTIONS` (iproute2 matches it exactly).
    pub action: String,
    pub table: Option<u32>,
    pub vrftable: Option<u32>,
    pub nh4: Option<Ipv4Addr>,
    pub nh6: Option<Ipv6Addr>,
    pub iif: Option<String>,
    pub oif: Option<String>,
    pub srh: Option<SrhSpec>,
    pub bpf: Option<BpfProg>,
    /// `count`: enable per-route counters.
    pub count: bool,
    pub flavors: Option<Flavors>,
}

impl Seg6LocalEncap {
    /// SEG6_LOCAL_ACTION_* value of `action` (0 if unknown).
    pub fn action_id(&self) -> u32 {
        SEG6_LOCAL_ACTIONS
            .iter()
            .position(|a| *a == self.action)
            .unwrap_or(0) as u32
    }
}

/// `encap xfrm if_id N [link_dev DEV]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XfrmEncap {
    pub if_id: u32,
    pub link_dev: Option<String>,
}

/// Selector of `route show|list|flush` (iproute_list_flush_or_save).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RouteFilter {
    /// Family from -4/-6 (dumps both if Any).
    pub family: Family,
    /// `table ID|all`: None = main; Some(TableSel::All) = every table.
    pub table: Option<TableSel>,
    pub vrf: Option<String>,
    pub proto: Option<u8>,
    pub scope: Option<u8>,
    pub rtype: Option<RouteType>,
    pub dev: Option<String>,
    pub via: Option<IpPrefix>,
    pub src: Option<IpPrefix>,
    pub metric: Option<u32>,
    /// `root P` (routes covered by P), `match P` (routes covering P),
    /// `exact P` / bare `P` (both).
    pub root: Option<IpPrefix>,
    pub matching: Option<IpPrefix>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableSel {
    Id(u32),
    All,
}

/// `route get ADDR [from ADDR] [iif D] [oif D] [mark M] [vrf V] [fibmatch]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteGet {
    pub dst: IpAddr,
    pub from: Option<IpAddr>,
    pub iif: Option<String>,
    pub oif: Option<String>,
    pub vrf: Option<String>,
    pub mark: Option<u32>,
    pub fibmatch: bool,
}

// ---------------------------------------------------------------------------
// rule
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleCmd {
    /// add / del
    Modify {
        verb: Verb,
        spec: RuleSpec,
    },
    Show(Family),
    Flush(Family),
}

/// The rule action (FR_ACT_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RuleAction {
    /// `lookup|table T` (FR_ACT_TO_TBL); also the default when nothing is given.
    #[default]
    ToTable,
    /// `goto PRIO`
    Goto,
    /// `nop`
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleSpec {
    /// Resolved family (V4 if nothing says otherwise, as iproute2).
    pub family: Family,
    pub not: bool,
    /// `priority|preference|order N`
    pub priority: Option<u32>,
    pub from: Option<IpPrefix>,
    pub to: Option<IpPrefix>,
    /// `iif|dev NAME`
    pub iif: Option<String>,
    pub oif: Option<String>,
    /// `fwmark M[/MASK]`
    pub fwmark: Option<u32>,
    pub fwmask: Option<u32>,
    pub tun_id: Option<u64>,
    pub l3mdev: bool,
    /// `tos|dsfield T`
    pub tos: Option<u8>,
    pub action: RuleAction,
    /// `lookup|table T` (main = 254 ...).
    pub table: Option<u32>,
    /// `goto N` target priority.
    pub goto: Option<u32>,
    /// `protocol P`
    pub protocol: Option<u8>,
    /// `suppress_prefixlength N`
    pub suppress_prefixlength: Option<i32>,
    /// `ipproto P` (numeric or tcp/udp/icmp/...)
    pub ipproto: Option<u8>,
    pub sport: Option<(u16, u16)>,
    pub dport: Option<(u16, u16)>,
}

// ---------------------------------------------------------------------------
// bridge fdb
// ---------------------------------------------------------------------------

/// `bridge fdb { add | append | replace | del } ...` and `bridge fdb show`
/// (bridge/fdb.c `do_fdb`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FdbCmd {
    /// add (Verb::Add), append (Verb::Append), replace (Verb::Replace), del (Verb::Del).
    Modify {
        verb: Verb,
        spec: FdbSpec,
    },
    Show(FdbFilter),
}

/// FDB entry states as bridge(8) names them (`state_a2n` / `state_n2a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum FdbState {
    /// `permanent` / `local` (NUD_PERMANENT): the default of `bridge fdb add`.
    #[default]
    Permanent,
    /// `static` / `temp` (NUD_REACHABLE | NUD_NOARP), printed `static`.
    Static,
    /// `dynamic` (NUD_REACHABLE), printed as nothing.
    Dynamic,
}

impl FdbState {
    /// The word `bridge fdb show` prints ("" for dynamic entries).
    pub fn name(self) -> &'static str {
        match self {
            FdbState::Permanent => "permanent",
            FdbState::Static => "static",
            FdbState::Dynamic => "",
        }
    }
}

/// `bridge fdb add LLADDR dev DEV [dst IPADDR] [port PORT] [vni VNI] [self]
/// [permanent|static|dynamic]` (`fdb_modify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdbSpec {
    pub mac: Mac,
    pub dev: String,
    /// `dst IPADDR`: the remote VTEP (NDA_DST).
    pub dst: Option<IpAddr>,
    /// `port PORT`: the remote UDP port (NDA_PORT), 0 = the device's.
    pub port: Option<u16>,
    /// `vni VNI` (NDA_VNI).
    pub vni: Option<u32>,
    pub state: FdbState,
    /// `router` (NTF_ROUTER).
    pub router: bool,
}

/// `bridge fdb show [dev DEV | brport DEV] [state STATE]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FdbFilter {
    pub dev: Option<String>,
    pub state: Option<FdbState>,
}

/// An FDB entry as dumped (`bridge fdb show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdbEntry {
    pub mac: Mac,
    pub dev: String,
    pub dst: Option<IpAddr>,
    /// Printed only when it differs from the device's port (as the kernel dumps it).
    pub port: Option<u16>,
    /// Printed only when it differs from the device's VNI.
    pub vni: Option<u32>,
    pub state: FdbState,
    pub router: bool,
}

// ---------------------------------------------------------------------------
// neigh
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NeighCmd {
    /// add / del / replace / change
    Modify {
        verb: Verb,
        spec: NeighSpec,
    },
    Show(NeighFilter),
    Flush(NeighFilter),
}

/// Neighbour states (NUD_*), names as iproute2 prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NudState {
    Incomplete,
    Reachable,
    Stale,
    Delay,
    Probe,
    Failed,
    Noarp,
    Permanent,
    None,
}

impl NudState {
    pub fn bits(self) -> u16 {
        match self {
            NudState::Incomplete => 0x01,
            NudState::Reachable => 0x02,
            NudState::Stale => 0x04,
            NudState::Delay => 0x08,
            NudState::Probe => 0x10,
            NudState::Failed => 0x20,
            NudState::Noarp => 0x40,
            NudState::Permanent => 0x80,
            NudState::None => 0x00,
        }
    }
    /// Upper-case as in `ip neigh` text output.
    pub fn name(self) -> &'static str {
        match self {
            NudState::Incomplete => "INCOMPLETE",
            NudState::Reachable => "REACHABLE",
            NudState::Stale => "STALE",
            NudState::Delay => "DELAY",
            NudState::Probe => "PROBE",
            NudState::Failed => "FAILED",
            NudState::Noarp => "NOARP",
            NudState::Permanent => "PERMANENT",
            NudState::None => "NONE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeighSpec {
    /// `to ADDR` / bare ADDR
    pub addr: IpAddr,
    pub lladdr: Option<Mac>,
    /// `dev NAME`; required except for proxy entries (a proxy entry without a
    /// device answers on every device, as in the kernel).
    pub dev: Option<String>,
    /// `nud STATE`; None = kernel/iproute2 default (permanent for add).
    pub state: Option<NudState>,
    /// `proxy`: a proxy ARP/NDP entry (NTF_PROXY).
    pub proxy: bool,
    /// `router` (NTF_ROUTER, IPv6)
    pub router: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NeighFilter {
    pub family: Family,
    pub dev: Option<String>,
    pub to: Option<IpPrefix>,
    /// `proxy`: show proxy entries instead of ordinary ones.
    pub proxy: bool,
    pub state: Option<NudState>,
}

// ---------------------------------------------------------------------------
// sr (ip sr ...)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HmacAlgo {
    Sha1,
    Sha256,
}

impl HmacAlgo {
    pub fn name(self) -> &'static str {
        match self {
            HmacAlgo::Sha1 => "sha1",
            HmacAlgo::Sha256 => "sha256",
        }
    }
    /// SEG6_HMAC_ALGO_* value.
    pub fn id(self) -> u8 {
        match self {
            HmacAlgo::Sha1 => 1,
            HmacAlgo::Sha256 => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SrCmd {
    /// `sr tunsrc set ADDR`
    TunsrcSet(Ipv6Addr),
    /// `sr tunsrc show`
    TunsrcShow,
    /// `sr hmac set KEYID ALGO [SECRET]`.
    ///
    /// iproute2 prompts for the secret on the terminal (`getpass`); lwt takes it
    /// as an extra argument instead, since lines come from files and sockets.
    /// A missing or empty secret removes the key (as an empty password does in
    /// iproute2).
    HmacSet {
        keyid: u32,
        algo: HmacAlgo,
        secret: String,
    },
    /// `sr hmac show`
    HmacShow,
}

// ---------------------------------------------------------------------------
// sysctl (lwt extension)
// ---------------------------------------------------------------------------

/// `sysctl [-w] [-q] KEY=VALUE` (also `KEY = VALUE`), or `sysctl KEY` to read.
/// Keys use dots (slashes are accepted as sysctl(8) does and converted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlCmd {
    pub key: String,
    /// None = read.
    pub value: Option<String>,
    pub quiet: bool,
}

// ---------------------------------------------------------------------------
// Objects handed back by the core for `show` (the "netlink dump" side)
// ---------------------------------------------------------------------------

/// seg6local per-route counters (`count`), shown with `-s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Seg6LocalCounters {
    pub packets: u64,
    pub bytes: u64,
    pub errors: u64,
}

/// One nexthop of a dumped route.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NextHopEntry {
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    /// 1..=256 (printed for multipath only).
    pub weight: u16,
    /// RTNH_F_* bits (onlink, dead, linkdown...).
    pub flags: u32,
    pub encap: Option<Encap>,
    /// Present when the encap is seg6local with `count`.
    pub counters: Option<Seg6LocalCounters>,
}

/// A route as dumped (what `print_route` receives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteEntry {
    /// V4 or V6.
    pub family: Family,
    pub rtype: RouteType,
    /// Network prefix (host bits cleared).
    pub dst: IpPrefix,
    pub from: Option<IpPrefix>,
    pub tos: u8,
    pub table: u32,
    pub protocol: u8,
    pub scope: u8,
    /// RTA_PRIORITY (IPv6 routes always have one, default 1024).
    pub metric: Option<u32>,
    pub prefsrc: Option<IpAddr>,
    /// Route-level flags (for a single-path route the nexthop's flags go here).
    pub flags: u32,
    /// One for single-path routes (printed inline), several for multipath.
    pub nexthops: Vec<NextHopEntry>,
    /// Force the multipath form even with one nexthop.
    pub multipath: bool,
    /// RTA_PREF (IPv6 routes always carry it).
    pub pref: Option<u8>,
    pub mtu: Option<u32>,
    pub mtu_lock: bool,
    pub advmss: Option<u32>,
    pub hoplimit: Option<u8>,
    pub expires: Option<u32>,
}

impl Default for RouteEntry {
    fn default() -> Self {
        RouteEntry {
            family: Family::V4,
            rtype: RouteType::Unicast,
            dst: IpPrefix::default_of(false),
            from: None,
            tos: 0,
            table: RT_TABLE_MAIN,
            protocol: RTPROT_BOOT,
            scope: RT_SCOPE_UNIVERSE,
            metric: None,
            prefsrc: None,
            flags: 0,
            nexthops: Vec::new(),
            multipath: false,
            pref: None,
            mtu: None,
            mtu_lock: false,
            advmss: None,
            hoplimit: None,
            expires: None,
        }
    }
}

/// Link counters (`ip -s link`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkStats {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub rx_missed: u64,
    pub rx_mcast: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
    pub tx_carrier: u64,
    pub tx_collisions: u64,
}

/// A link as dumped (`ip link show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEntry {
    pub ifindex: u32,
    pub name: String,
    /// Kind name (`port`, `tap`, `dummy`, `vrf`, `vxlan`, `xfrm`, `loopback`).
    pub kind: String,
    /// The kind's attributes, printed with `-d`.
    pub kind_info: Option<LinkKind>,
    pub mtu: u32,
    /// None for devices without L2 address (xfrm, `link/none`).
    pub mac: Option<Mac>,
    /// Admin state (IFF_UP).
    pub up: bool,
    /// Carrier (IFF_LOWER_UP); operstate derives from up+carrier.
    pub carrier: bool,
    pub loopback: bool,
    pub master: Option<String>,
    pub qdisc: String,
    pub txqlen: u32,
    pub stats: Option<LinkStats>,
}

impl Default for LinkEntry {
    fn default() -> Self {
        LinkEntry {
            ifindex: 0,
            name: String::new(),
            kind: String::new(),
            kind_info: None,
            mtu: 1500,
            mac: None,
            up: false,
            carrier: false,
            loopback: false,
            master: None,
            qdisc: "noqueue".to_string(),
            txqlen: 1000,
            stats: None,
        }
    }
}

/// One address of a link (`ip addr show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrEntry {
    pub ifindex: u32,
    pub dev: String,
    pub prefix: IpPrefix,
    pub peer: Option<IpPrefix>,
    pub broadcast: Option<std::net::Ipv4Addr>,
    pub scope: u8,
    pub label: Option<String>,
    pub nodad: bool,
    pub noprefixroute: bool,
    /// IFA_F_PERMANENT (statically configured) — prints `valid_lft forever`.
    pub permanent: bool,
    pub tentative: bool,
}

/// A link together with its addresses, which is what `ip addr show` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAddrs {
    pub link: LinkEntry,
    pub addrs: Vec<AddrEntry>,
}

/// A neighbour as dumped (`ip neigh show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeighEntry {
    pub addr: IpAddr,
    pub lladdr: Option<Mac>,
    pub dev: String,
    pub state: NudState,
    pub proxy: bool,
    pub router: bool,
}

/// A rule as dumped (`ip rule show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEntry {
    /// The priority (always set in a dump).
    pub priority: u32,
    pub spec: RuleSpec,
    /// For `l3mdev` / `iif` rules whose device is missing (`[detached]`).
    pub iif_detached: bool,
    pub oif_detached: bool,
}

/// An HMAC key as shown by `ip sr hmac show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HmacEntry {
    pub keyid: u32,
    pub algo: HmacAlgo,
    pub secret: String,
}
