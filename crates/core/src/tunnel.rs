//! Tunnel metadata: the kernel's `struct ip_tunnel_info` / `struct ip_tunnel_key`
//! (include/net/ip_tunnels.h) and the one way devices read it.
//!
//! A flow-based ("external", collect_md) device carries no tunnel parameters of its own:
//! each packet brings them. On receive the device fills [`TunnelMeta`] from the outer
//! headers (`udp_tun_rx_dst`); rules can match its id (`rule add tun_id N`). On transmit
//! the device reads [`tunnel_info`]: the packet's own metadata if it has some (an ARP reply
//! built with `iptunnel_metadata_reply`), else the `encap ip` / `encap ip6` state of the
//! route the packet took — exactly the kernel's `skb_tunnel_info()`.
//!
//! Two representations, one view:
//! - [`TunnelInfo`] (in a route's `encap ip` state, built once at install time) holds the
//!   key, the mode and options of any kind (Geneve, VXLAN GBP, ERSPAN);
//! - [`TunnelMeta`] (beside a packet's bytes, `Copy`, no allocation) holds the key, the
//!   mode and the only option a VXLAN device produces or consumes, the GBP word;
//! - [`TunnelRef`] reads either.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lwt_config as cfg;

use crate::drop_reason::DropReason;
use crate::lwt::Lwt;
use crate::packet::Meta;

/// `tun_flags`, with the kernel's bit numbers (UAPI if_tunnel.h `IP_TUNNEL_*_BIT`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TunFlags(pub u32);

impl TunFlags {
    pub const CSUM: u32 = 0;
    pub const ROUTING: u32 = 1;
    pub const KEY: u32 = 2;
    pub const SEQ: u32 = 3;
    pub const STRICT: u32 = 4;
    pub const REC: u32 = 5;
    pub const VERSION: u32 = 6;
    pub const NO_KEY: u32 = 7;
    pub const DONT_FRAGMENT: u32 = 8;
    pub const OAM: u32 = 9;
    pub const CRIT_OPT: u32 = 10;
    pub const GENEVE_OPT: u32 = 11;
    pub const VXLAN_OPT: u32 = 12;
    pub const NOCACHE: u32 = 13;
    pub const ERSPAN_OPT: u32 = 14;
    pub const GTP_OPT: u32 = 15;
    pub const VTI: u32 = 16;
    pub const PFCP_OPT: u32 = 17;

    /// The option-family bits (`TUNNEL_OPTIONS_PRESENT`): at most one is set, and only
    /// options set them (flags given with `encap ip` have them cleared).
    pub const OPTIONS_PRESENT: u32 = (1 << Self::GENEVE_OPT)
        | (1 << Self::VXLAN_OPT)
        | (1 << Self::ERSPAN_OPT)
        | (1 << Self::GTP_OPT)
        | (1 << Self::PFCP_OPT);

    const NAMES: [(u32, &'static str); 18] = [
        (Self::CSUM, "csum"),
        (Self::ROUTING, "routing"),
        (Self::KEY, "key"),
        (Self::SEQ, "seq"),
        (Self::STRICT, "strict"),
        (Self::REC, "rec"),
        (Self::VERSION, "version"),
        (Self::NO_KEY, "no_key"),
        (Self::DONT_FRAGMENT, "df"),
        (Self::OAM, "oam"),
        (Self::CRIT_OPT, "crit_opt"),
        (Self::GENEVE_OPT, "geneve_opt"),
        (Self::VXLAN_OPT, "vxlan_opt"),
        (Self::NOCACHE, "nocache"),
        (Self::ERSPAN_OPT, "erspan_opt"),
        (Self::GTP_OPT, "gtp_opt"),
        (Self::VTI, "vti"),
        (Self::PFCP_OPT, "pfcp_opt"),
    ];

    #[inline]
    pub const fn has(self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }

    #[inline]
    pub const fn with(self, bit: u32) -> TunFlags {
        TunFlags(self.0 | (1 << bit))
    }

    /// The `key` / `csum` / `seq` words of `encap ip`: iproute2 sends them as the legacy
    /// be16 `TUNNEL_*` values, `1 << bit` for these low bits.
    pub fn from_config(f: &cfg::TunFlags) -> TunFlags {
        TunFlags(u32::from(f.bits()) & !Self::OPTIONS_PRESENT)
    }
}

impl fmt::Debug for TunFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TunFlags({self})")
    }
}

impl fmt::Display for TunFlags {
    /// Comma-separated names, e.g. `key,csum`; `none` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (bit, name) in Self::NAMES {
            if self.has(bit) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// `ip_tunnel_info.mode` bits.
pub mod mode {
    /// Parameters for transmit; absent = metadata of a received packet.
    pub const TX: u8 = 0x01;
    /// The key holds IPv6 addresses.
    pub const IPV6: u8 = 0x02;
    /// Only the tunnel id is meaningful (bridge VLAN-to-tunnel mapping).
    pub const BRIDGE: u8 = 0x04;
}

/// `struct ip_tunnel_key`. `id` is the 64-bit tunnel id as a number (the kernel keeps it
/// big-endian; a 32-bit key or a VNI is its low part, `key32_to_tunnel_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TunnelKey {
    pub id: u64,
    /// Outer source (0 on transmit: chosen by the route to `dst`).
    pub src: IpAddr,
    pub dst: IpAddr,
    pub flags: TunFlags,
    /// IPv6 outer flow label.
    pub label: u32,
    /// FDB nexthop-group id (VXLAN bridge mode; lwt keeps it 0).
    pub nhid: u32,
    /// IPv4 TOS / IPv6 traffic class, all 8 bits.
    pub tos: u8,
    /// TTL / hop limit; 0 = the device's default.
    pub ttl: u8,
    /// Outer UDP ports; 0 = the device's (`tp_dst`) or a hash (`tp_src`).
    pub tp_src: u16,
    pub tp_dst: u16,
}

impl TunnelKey {
    /// An empty key of one family.
    pub fn new(v6: bool) -> TunnelKey {
        let any = if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        TunnelKey {
            id: 0,
            src: any,
            dst: any,
            flags: TunFlags::default(),
            label: 0,
            nhid: 0,
            tos: 0,
            ttl: 0,
            tp_src: 0,
            tp_dst: 0,
        }
    }

    /// `tunnel_id_to_key32`: the 32-bit key a device puts on the wire.
    #[inline]
    pub fn key32(&self) -> u32 {
        self.id as u32
    }

    /// The VXLAN VNI: the low 24 bits of the 32-bit key (`vxlan_vni_field`).
    #[inline]
    pub fn vni(&self) -> u32 {
        self.key32() & 0x00ff_ffff
    }
}

/// One Geneve option in its wire form (`struct geneve_opt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneveOpt {
    pub class: u16,
    pub opt_type: u8,
    /// A multiple of 4 bytes, at most 128 (the netlink policy's limit; the 5-bit wire
    /// length counts 4-byte words).
    pub data: Vec<u8>,
}

/// `struct erspan_metadata`: version 1 carries an index, version 2 a direction and a
/// hardware id (6 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErspanOpt {
    V1 { index: u32 },
    V2 { dir: u8, hwid: u8 },
}

/// Tunnel options, one family at a time (the matching `*_OPT` flag says which).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TunOptions {
    #[default]
    None,
    Geneve(Vec<GeneveOpt>),
    /// `struct vxlan_metadata { u32 gbp; }`: policy id | D << 22 | A << 19.
    Vxlan {
        gbp: u32,
    },
    Erspan(ErspanOpt),
}

/// `VXLAN_GBP_MASK`: what `vxlan_opts` keeps of the value given.
pub const VXLAN_GBP_MASK: u32 = lwt_wire::vxlan::MD_GBP_ID_MASK
    | lwt_wire::vxlan::MD_GBP_DONT_LEARN
    | lwt_wire::vxlan::MD_GBP_POLICY_APPLIED;

/// `IP_TUNNEL_OPTS_MAX`.
pub const OPTS_MAX: usize = 255;

impl TunOptions {
    /// `options_len` as the kernel counts it.
    pub fn len(&self) -> usize {
        match self {
            TunOptions::None => 0,
            TunOptions::Geneve(o) => o.iter().map(|x| 4 + x.data.len()).sum(),
            TunOptions::Vxlan { .. } => 4,
            // struct erspan_metadata: int version + an 8-byte union.
            TunOptions::Erspan(_) => 12,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `*_OPT` flag of this family.
    pub fn flag(&self) -> Option<u32> {
        match self {
            TunOptions::None => None,
            TunOptions::Geneve(_) => Some(TunFlags::GENEVE_OPT),
            TunOptions::Vxlan { .. } => Some(TunFlags::VXLAN_OPT),
            TunOptions::Erspan(_) => Some(TunFlags::ERSPAN_OPT),
        }
    }

    /// Geneve options in wire form (class, type, length in 4-byte words, data).
    pub fn geneve_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let TunOptions::Geneve(list) = self {
            for o in list {
                out.extend_from_slice(&o.class.to_be_bytes());
                out.push(o.opt_type);
                out.push((o.data.len() / 4) as u8 & 0x1f);
                out.extend_from_slice(&o.data);
            }
        }
        out
    }

    /// `ip_tun_parse_opts` on the options iproute2 sends: Geneve data a multiple of 4
    /// bytes and at most 128 (the policy's `.len`), all options at most 255 bytes;
    /// ERSPAN version 1 or 2; the GBP masked with `VXLAN_GBP_MASK`. The error is the
    /// reason the kernel's `-EINVAL` has, for the hint.
    pub fn from_config(o: &cfg::TunOpts) -> Result<TunOptions, String> {
        Ok(match o {
            cfg::TunOpts::Geneve(list) => {
                let mut out = Vec::new();
                for g in list {
                    if g.data.len() % 4 != 0 {
                        return Err(format!(
                            "geneve option {:#x}:{:#x}: data must be a multiple of 4 bytes, not {}",
                            g.class,
                            g.opt_type,
                            g.data.len()
                        ));
                    }
                    if g.data.len() > 128 {
                        return Err(format!(
                            "geneve option {:#x}:{:#x}: at most 128 data bytes, not {}",
                            g.class,
                            g.opt_type,
                            g.data.len()
                        ));
                    }
                    out.push(GeneveOpt {
                        class: g.class,
                        opt_type: g.opt_type,
                        data: g.data.clone(),
                    });
                }
                let t = TunOptions::Geneve(out);
                if t.len() > OPTS_MAX {
                    return Err(format!(
                        "geneve options take {} bytes, at most {OPTS_MAX} fit",
                        t.len()
                    ));
                }
                t
            }
            cfg::TunOpts::Vxlan { gbp } => TunOptions::Vxlan {
                gbp: gbp & VXLAN_GBP_MASK,
            },
            cfg::TunOpts::Erspan {
                ver,
                index,
                dir,
                hwid,
            } => match ver {
                1 => TunOptions::Erspan(ErspanOpt::V1 { index: *index }),
                2 => TunOptions::Erspan(ErspanOpt::V2 {
                    dir: *dir,
                    hwid: hwid & 0x3f,
                }),
                v => return Err(format!("erspan version must be 1 or 2, not {v}")),
            },
        })
    }
}

/// `struct ip_tunnel_info` as a route's `encap ip` / `encap ip6` state holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelInfo {
    pub key: TunnelKey,
    pub mode: u8,
    pub options: TunOptions,
}

impl TunnelInfo {
    /// `ip_tun_build_state`: mode TX, flags from the words with the option bits
    /// replaced by the options' own.
    pub fn from_encap_ip(e: &cfg::IpTunEncap) -> Result<TunnelInfo, String> {
        let options = e
            .opts
            .as_ref()
            .map(TunOptions::from_config)
            .transpose()?
            .unwrap_or_default();
        let mut flags = TunFlags::from_config(&e.flags);
        if let Some(b) = options.flag() {
            flags = flags.with(b);
        }
        Ok(TunnelInfo {
            key: TunnelKey {
                id: e.id.unwrap_or(0),
                src: IpAddr::V4(e.src.unwrap_or(Ipv4Addr::UNSPECIFIED)),
                dst: IpAddr::V4(e.dst.unwrap_or(Ipv4Addr::UNSPECIFIED)),
                flags,
                tos: e.tos.unwrap_or(0),
                ttl: e.ttl.unwrap_or(0),
                ..TunnelKey::new(false)
            },
            mode: mode::TX,
            options,
        })
    }

    /// `ip6_tun_build_state`: mode TX | IPV6; `tc` is the tos, `hoplimit` the ttl.
    pub fn from_encap_ip6(e: &cfg::Ip6TunEncap) -> Result<TunnelInfo, String> {
        let v4 = TunnelInfo::from_encap_ip(&cfg::IpTunEncap {
            id: e.id,
            dst: None,
            src: None,
            tos: e.tc,
            ttl: e.hoplimit,
            flags: e.flags,
            opts: e.opts.clone(),
        })?;
        Ok(TunnelInfo {
            key: TunnelKey {
                src: IpAddr::V6(e.src.unwrap_or(Ipv6Addr::UNSPECIFIED)),
                dst: IpAddr::V6(e.dst.unwrap_or(Ipv6Addr::UNSPECIFIED)),
                ..v4.key
            },
            mode: mode::TX | mode::IPV6,
            options: v4.options,
        })
    }

    /// The per-packet form (the VXLAN GBP word is the only option it keeps).
    pub fn to_meta(&self) -> TunnelMeta {
        TunnelMeta {
            key: self.key,
            mode: self.mode,
            gbp: match self.options {
                TunOptions::Vxlan { gbp } => gbp,
                _ => 0,
            },
        }
    }
}

/// Tunnel metadata beside a packet (the kernel's metadata dst): what a device filled on
/// receive, or transmit parameters a reply was given. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelMeta {
    pub key: TunnelKey,
    pub mode: u8,
    /// `struct vxlan_metadata` (valid when the key has `VXLAN_OPT`).
    pub gbp: u32,
}

impl TunnelMeta {
    /// `udp_tun_rx_dst` for a VXLAN packet received over IPv4 (`ip_tun_rx_dst`): KEY, the
    /// VNI as id, outer addresses, TOS, TTL, ports; CSUM if the UDP checksum was
    /// non-zero; DONT_FRAGMENT if the outer header had DF.
    #[allow(clippy::too_many_arguments)]
    pub fn rx_v4(
        vni: u32,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        tos: u8,
        ttl: u8,
        df: bool,
        ports: (u16, u16),
        udp_csum: bool,
    ) -> TunnelMeta {
        let mut flags = TunFlags::default().with(TunFlags::KEY);
        if udp_csum {
            flags = flags.with(TunFlags::CSUM);
        }
        if df {
            flags = flags.with(TunFlags::DONT_FRAGMENT);
        }
        TunnelMeta {
            key: TunnelKey {
                id: u64::from(vni),
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                flags,
                tos,
                ttl,
                tp_src: ports.0,
                tp_dst: ports.1,
                ..TunnelKey::new(false)
            },
            mode: 0,
            gbp: 0,
        }
    }

    /// `udp_tun_rx_dst` over IPv6 (`ipv6_tun_rx_dst`): mode IPV6, traffic class as tos,
    /// hop limit as ttl, the flow label.
    #[allow(clippy::too_many_arguments)]
    pub fn rx_v6(
        vni: u32,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        tc: u8,
        hop_limit: u8,
        label: u32,
        ports: (u16, u16),
        udp_csum: bool,
    ) -> TunnelMeta {
        let mut m = TunnelMeta::rx_v4(
            vni,
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            tc,
            hop_limit,
            false,
            ports,
            udp_csum,
        );
        m.key.src = IpAddr::V6(src);
        m.key.dst = IpAddr::V6(dst);
        m.key.label = label;
        m.mode = mode::IPV6;
        m
    }

    /// Adds the VXLAN GBP option (`vxlan_parse_gbp_hdr` on a metadata device).
    pub fn with_gbp(mut self, gbp: u32) -> TunnelMeta {
        self.key.flags = self.key.flags.with(TunFlags::VXLAN_OPT);
        self.gbp = gbp;
        self
    }

    #[inline]
    pub fn is_tx(&self) -> bool {
        self.mode & mode::TX != 0
    }

    /// `iptunnel_metadata_reply`: transmit parameters answering received metadata — same
    /// id, flags and options, destination = the sender, everything else left at 0 (the
    /// device's defaults). `None` for metadata that is already TX.
    pub fn reply(&self) -> Option<TunnelMeta> {
        if self.is_tx() {
            return None;
        }
        let v6 = self.mode & mode::IPV6 != 0;
        Some(TunnelMeta {
            key: TunnelKey {
                id: self.key.id,
                dst: self.key.src,
                flags: self.key.flags,
                ..TunnelKey::new(v6)
            },
            mode: self.mode | mode::TX,
            gbp: self.gbp,
        })
    }
}

impl fmt::Display for TunnelMeta {
    /// `tun_id 100 src 192.0.2.1 dst 192.0.2.2 tos 0x0 ttl 64 tp_src 40001 tp_dst 4789
    /// flags key,csum [label 0x0] [gbp 0x10] [rx|tx]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.key;
        write!(
            f,
            "tun_id {} src {} dst {} tos {:#x} ttl {} tp_src {} tp_dst {} flags {}",
            k.id, k.src, k.dst, k.tos, k.ttl, k.tp_src, k.tp_dst, k.flags
        )?;
        if self.mode & mode::IPV6 != 0 {
            write!(f, " label {:#x}", k.label)?;
        }
        if k.flags.has(TunFlags::VXLAN_OPT) {
            write!(f, " gbp {:#x}", self.gbp)?;
        }
        f.write_str(if self.is_tx() { " tx" } else { " rx" })
    }
}

/// What a device reads: the packet's metadata or the route's `encap ip` state.
#[derive(Debug, Clone, Copy)]
pub enum TunnelRef<'a> {
    Packet(&'a TunnelMeta),
    Route(&'a TunnelInfo),
}

impl TunnelRef<'_> {
    #[inline]
    pub fn key(&self) -> &TunnelKey {
        match self {
            TunnelRef::Packet(m) => &m.key,
            TunnelRef::Route(i) => &i.key,
        }
    }

    #[inline]
    pub fn mode(&self) -> u8 {
        match self {
            TunnelRef::Packet(m) => m.mode,
            TunnelRef::Route(i) => i.mode,
        }
    }

    #[inline]
    pub fn is_tx(&self) -> bool {
        self.mode() & mode::TX != 0
    }

    #[inline]
    pub fn is_ipv6(&self) -> bool {
        self.mode() & mode::IPV6 != 0
    }

    /// `options_len` of the metadata.
    pub fn options_len(&self) -> usize {
        match self {
            TunnelRef::Packet(m) => {
                if m.key.flags.has(TunFlags::VXLAN_OPT) {
                    4
                } else {
                    0
                }
            }
            TunnelRef::Route(i) => i.options.len(),
        }
    }

    /// The VXLAN GBP word when the key says a VXLAN option is present; an error when
    /// the flag is set without 4 option bytes (`vxlan_xmit_one` drops such packets).
    pub fn vxlan_gbp(&self) -> Result<Option<u32>, DropReason> {
        if !self.key().flags.has(TunFlags::VXLAN_OPT) {
            return Ok(None);
        }
        match self {
            TunnelRef::Packet(m) => Ok(Some(m.gbp)),
            TunnelRef::Route(i) => match i.options {
                TunOptions::Vxlan { gbp } => Ok(Some(gbp)),
                _ => Err(DropReason::VxlanBadOptions),
            },
        }
    }

    /// The per-packet copy (Geneve and ERSPAN options are not carried).
    pub fn to_meta(&self) -> TunnelMeta {
        match self {
            TunnelRef::Packet(m) => **m,
            TunnelRef::Route(i) => i.to_meta(),
        }
    }
}

/// `skb_tunnel_info()`: the packet's metadata if it has any, else the `encap ip` /
/// `encap ip6` state of the route (next hop) it took, else nothing. Devices read
/// tunnel parameters through this function only.
#[inline]
pub fn tunnel_info<'a>(meta: &'a Meta, route: Option<&'a Lwt>) -> Option<TunnelRef<'a>> {
    if let Some(m) = &meta.tun {
        return Some(TunnelRef::Packet(m));
    }
    match route {
        Some(Lwt::IpTun(s)) => Some(TunnelRef::Route(&s.info)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn flag_bits_are_the_kernels() {
        assert_eq!(TunFlags(0).with(TunFlags::CSUM).0, 0x0001);
        assert_eq!(TunFlags(0).with(TunFlags::KEY).0, 0x0004);
        assert_eq!(TunFlags(0).with(TunFlags::SEQ).0, 0x0008);
        assert_eq!(TunFlags(0).with(TunFlags::DONT_FRAGMENT).0, 0x0100);
        assert_eq!(TunFlags(0).with(TunFlags::OAM).0, 0x0200);
        assert_eq!(TunFlags(0).with(TunFlags::VXLAN_OPT).0, 0x1000);
        assert_eq!(TunFlags(0).with(TunFlags::NOCACHE).0, 0x2000);
        let f = cfg::TunFlags {
            key: true,
            csum: true,
            seq: false,
        };
        assert_eq!(TunFlags::from_config(&f).to_string(), "csum,key");
        assert_eq!(TunFlags(0).to_string(), "none");
    }

    #[test]
    fn encap_ip_state() {
        let e = cfg::IpTunEncap {
            id: Some((1 << 32) | 0x0100_0064),
            dst: Some(v4("172.16.0.2")),
            src: None,
            tos: Some(0x28),
            ttl: None,
            flags: cfg::TunFlags {
                key: true,
                csum: true,
                seq: false,
            },
            opts: Some(cfg::TunOpts::Vxlan { gbp: 0xffff_ffff }),
        };
        let i = TunnelInfo::from_encap_ip(&e).unwrap();
        assert_eq!(i.mode, mode::TX);
        assert_eq!(i.key.key32(), 0x0100_0064);
        assert_eq!(i.key.vni(), 100, "the VNI is the low 24 bits of the key");
        assert!(i.key.flags.has(TunFlags::VXLAN_OPT));
        assert_eq!(
            i.options,
            TunOptions::Vxlan {
                gbp: VXLAN_GBP_MASK
            }
        );
        assert_eq!(i.key.src, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let m = i.to_meta();
        assert_eq!(m.gbp, VXLAN_GBP_MASK);
        let e6 = cfg::Ip6TunEncap {
            id: Some(7),
            dst: Some("2001:db8::2".parse().unwrap()),
            hoplimit: Some(9),
            tc: Some(3),
            ..Default::default()
        };
        let i6 = TunnelInfo::from_encap_ip6(&e6).unwrap();
        assert_eq!(i6.mode, mode::TX | mode::IPV6);
        assert_eq!((i6.key.ttl, i6.key.tos), (9, 3));
    }

    #[test]
    fn option_checks() {
        let g = |len: usize| {
            cfg::TunOpts::Geneve(vec![cfg::GeneveOpt {
                class: 1,
                opt_type: 2,
                data: vec![0; len],
            }])
        };
        assert!(TunOptions::from_config(&g(3)).is_err());
        assert!(TunOptions::from_config(&g(132)).is_err());
        assert!(TunOptions::from_config(&g(128)).is_ok());
        let ok = TunOptions::from_config(&g(8)).unwrap();
        assert_eq!(ok.len(), 12);
        assert_eq!(ok.geneve_bytes()[..4], [0, 1, 2, 2]);
        let bad = cfg::TunOpts::Erspan {
            ver: 3,
            index: 0,
            dir: 0,
            hwid: 0,
        };
        assert!(TunOptions::from_config(&bad).is_err());
        let v2 = cfg::TunOpts::Erspan {
            ver: 2,
            index: 0,
            dir: 1,
            hwid: 0xff,
        };
        assert_eq!(
            TunOptions::from_config(&v2).unwrap(),
            TunOptions::Erspan(ErspanOpt::V2 { dir: 1, hwid: 0x3f })
        );
    }

    #[test]
    fn rx_metadata_and_reply() {
        let rx = TunnelMeta::rx_v4(
            100,
            v4("192.0.2.1"),
            v4("192.0.2.2"),
            0x2a,
            63,
            true,
            (40000, 4789),
            true,
        )
        .with_gbp(0x10);
        assert!(!rx.is_tx());
        assert_eq!(
            rx.to_string(),
            "tun_id 100 src 192.0.2.1 dst 192.0.2.2 tos 0x2a ttl 63 tp_src 40000 tp_dst 4789 flags csum,key,df,vxlan_opt gbp 0x10 rx"
        );
        let r = rx.reply().unwrap();
        assert!(r.is_tx());
        assert_eq!(r.key.id, 100);
        assert_eq!(r.key.dst, IpAddr::V4(v4("192.0.2.1")));
        assert_eq!(r.key.src, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!((r.key.tos, r.key.ttl, r.key.tp_dst), (0, 0, 0));
        assert_eq!(r.key.flags, rx.key.flags);
        assert_eq!(r.gbp, 0x10);
        assert!(r.reply().is_none(), "TX metadata has no reply");
        let rx6 = TunnelMeta::rx_v6(
            5,
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
            0,
            64,
            0x12345,
            (1, 2),
            false,
        );
        assert_eq!(rx6.mode, mode::IPV6);
        assert_eq!(rx6.reply().unwrap().mode, mode::IPV6 | mode::TX);
    }

    #[test]
    fn packet_metadata_wins_over_the_route() {
        let info = TunnelInfo::from_encap_ip(&cfg::IpTunEncap {
            id: Some(9),
            ..Default::default()
        })
        .unwrap();
        let lwt = Lwt::IpTun(Box::new(crate::lwt::ip_tun::IpTunState::new(info)));
        let mut meta = Meta::default();
        assert!(tunnel_info(&meta, None).is_none());
        assert_eq!(tunnel_info(&meta, Some(&lwt)).unwrap().key().id, 9);
        let rx = TunnelMeta::rx_v4(3, v4("1.1.1.1"), v4("2.2.2.2"), 0, 1, false, (1, 2), false);
        meta.tun = Some(rx);
        let t = tunnel_info(&meta, Some(&lwt)).unwrap();
        assert_eq!(t.key().id, 3);
        assert!(
            !t.is_tx(),
            "RX metadata is returned as is; devices refuse it"
        );
    }
}
