//! Configuring VXLAN devices, their forwarding database (`bridge fdb`) and `encap ip`
//! routes, with the kernel's checks (`vxlan_config_validate`, `vxlan_vni_in_use`,
//! `vxlan_sock_add`, `vxlan_fdb_add` / `vxlan_fdb_delete`, `ip_tun_build_state`).

use std::net::IpAddr;

use lwt_config as cfg;
use lwt_config::{Encap, FdbState, LinkKind, Mac, Verb};

use crate::error::ApplyError;
use crate::router::{Link, Router};
use crate::tunnel::{TunOptions, TunnelInfo};

/// One FDB entry of a VXLAN device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdbCfg {
    pub mac: Mac,
    pub dev: u32,
    /// None: `bridge fdb add` without `dst` (INADDR_ANY: the kernel drops what it
    /// would send there).
    pub dst: Option<IpAddr>,
    pub port: Option<u16>,
    pub vni: Option<u32>,
    pub state: FdbState,
    pub router: bool,
}

/// VXLAN over IPv4 / IPv6 takes 50 / 70 bytes of the lower device's MTU.
const HEADROOM4: u32 = 50;
const HEADROOM6: u32 = 70;

/// Flags that must match for two devices to share a UDP socket (`VXLAN_F_RCV_FLAGS`
/// restricted to what lwt has: GBP and COLLECT_METADATA).
fn rcv_flags(v: &cfg::VxlanSpec) -> (bool, bool) {
    (v.external, v.gbp)
}

fn vxlan_spec(l: &Link) -> Option<&cfg::VxlanSpec> {
    match &l.kind {
        Some(LinkKind::Vxlan(v)) => Some(v),
        _ => None,
    }
}

/// The families a device opens sockets for (a metadata device opens both).
fn families(v: &cfg::VxlanSpec) -> Vec<bool> {
    if v.external {
        return vec![false, true];
    }
    let v6 = v
        .remote
        .or(v.group)
        .or(v.local)
        .is_some_and(|a| a.is_ipv6());
    vec![v6]
}

fn port_of(v: &cfg::VxlanSpec) -> u16 {
    v.dstport
        .filter(|p| *p != 0)
        .unwrap_or(crate::vxlan::DEFAULT_PORT)
}

impl Router {
    /// `vxlan_config_validate` and iproute2's checks, for `link add NAME type vxlan`.
    pub(crate) fn check_vxlan(&self, v: &cfg::VxlanSpec) -> Result<(), ApplyError> {
        if v.group.is_some() {
            return Err(
                ApplyError::new("vxlan: multicast groups are not supported by lwt").hint(
                    "use `remote ADDR` (unicast) and `bridge fdb add` entries for more remotes",
                ),
            );
        }
        if let (Some(l), Some(r)) = (v.local, v.remote)
            && l.is_ipv6() != r.is_ipv6()
        {
            return Err(
                ApplyError::new("Local and remote address must be from the same family")
                    .hint("give `local` and `remote` both IPv4 or both IPv6"),
            );
        }
        if let Some((lo, hi)) = v.srcport
            && hi < lo
        {
            return Err(ApplyError::new("Invalid source port range")
                .hint("`srcport MIN MAX` with MIN <= MAX"));
        }
        if let Some(d) = &v.dev {
            self.ifindex(d)?;
        }
        // vxlan_vni_in_use: same VNI (0 for metadata devices), port, family and receive
        // flags.
        let fams = families(v);
        let clash = self.links.values().filter_map(vxlan_spec).any(|o| {
            o.vni.unwrap_or(0) == v.vni.unwrap_or(0)
                && port_of(o) == port_of(v)
                && rcv_flags(o) == rcv_flags(v)
                && families(o).iter().any(|f| fams.contains(f))
        });
        if clash {
            return Err(ApplyError::new(
                "A VXLAN device with the specified VNI already exists.",
            )
            .hint(if v.external {
                "one external device takes every VNI of a port; use it (`encap ip id N ... dev` it), or another `dstport`"
            } else {
                "pick another `id` or `dstport`"
            }));
        }
        Ok(())
    }

    /// `vxlan_sock_add` when a device comes up: devices sharing a port and a family must
    /// have the same receive flags, or the second bind fails.
    pub(crate) fn check_vxlan_sockets(&self, ifindex: u32) -> Result<(), ApplyError> {
        let Some(me) = self.links.get(&ifindex).and_then(vxlan_spec) else {
            return Ok(());
        };
        let fams = families(me);
        let other = self.links.values().find(|l| {
            l.ifindex != ifindex
                && l.up
                && vxlan_spec(l).is_some_and(|o| {
                    port_of(o) == port_of(me)
                        && rcv_flags(o) != rcv_flags(me)
                        && families(o).iter().any(|f| fams.contains(f))
                })
        });
        match other {
            Some(o) => Err(ApplyError::new("RTNETLINK answers: Address already in use").hint(
                format!(
                    "{} already receives VXLAN on UDP port {} with other flags (external/gbp); give one of them another `dstport`",
                    o.name,
                    port_of(me)
                ),
            )),
            None => Ok(()),
        }
    }

    /// `vxlan_config_apply`: the lower device's MTU less the encapsulation, else 1500.
    pub(crate) fn vxlan_default_mtu(&self, v: &cfg::VxlanSpec) -> u32 {
        let lower = v.dev.as_deref().and_then(|d| self.link_by_name(d));
        let v6 = families(v) == [true];
        match lower {
            Some(l) => l
                .mtu
                .saturating_sub(if v6 { HEADROOM6 } else { HEADROOM4 })
                .max(68),
            None => 1500,
        }
    }

    /// `remote A` is the all-zeros FDB entry of a classic device (`vxlan_dev_configure`).
    pub(crate) fn add_default_remote(&mut self, ifindex: u32) {
        let Some(v) = self.links.get(&ifindex).and_then(vxlan_spec) else {
            return;
        };
        if let (Some(r), false) = (v.remote, v.external) {
            self.fdb.push(FdbCfg {
                mac: Mac([0; 6]),
                dev: ifindex,
                dst: Some(r),
                port: None,
                vni: None,
                state: FdbState::Permanent,
                router: false,
            });
        }
    }

    /// `bridge fdb add|append|replace|del` on a VXLAN device (`vxlan_fdb_add`,
    /// `vxlan_fdb_delete`).
    pub(crate) fn apply_fdb(&mut self, verb: Verb, spec: &cfg::FdbSpec) -> Result<(), ApplyError> {
        let dev = self.ifindex(&spec.dev)?;
        let link = &self.links[&dev];
        let Some(v) = vxlan_spec(link) else {
            return Err(
                ApplyError::new("RTNETLINK answers: Operation not supported").hint(format!(
                    "\"{}\" is a {} link; lwt keeps FDB entries for VXLAN devices only",
                    spec.dev,
                    link.kind_name()
                )),
            );
        };
        let dev_v6 = families(v) == [true];
        if let Some(d) = spec.dst
            && !v.external
            && d.is_ipv6() != dev_v6
        {
            return Err(ApplyError::new(
                "RTNETLINK answers: Address family not supported by protocol",
            )
            .hint(format!(
                "{} sends over IPv{}; give a `dst` of that family",
                spec.dev,
                if dev_v6 { 6 } else { 4 }
            )));
        }
        let pos = self
            .fdb
            .iter()
            .position(|f| f.dev == dev && f.mac == spec.mac);
        let entry = FdbCfg {
            mac: spec.mac,
            dev,
            dst: spec.dst,
            port: spec.port,
            vni: spec.vni,
            state: spec.state,
            router: spec.router,
        };
        match (verb, pos) {
            (Verb::Del, Some(i)) => {
                if spec.dst.is_some_and(|d| self.fdb[i].dst != Some(d)) {
                    return Err(no_entry());
                }
                self.fdb.remove(i);
                Ok(())
            }
            (Verb::Del, None) => Err(no_entry()),
            (Verb::Add, Some(_)) => Err(ApplyError::exists(&format!(
                "an FDB entry for {} on {}",
                spec.mac, spec.dev
            ))),
            (Verb::Append, Some(i)) if self.fdb[i] != entry => Err(ApplyError::new(
                "RTNETLINK answers: Operation not supported",
            )
            .hint("lwt sends each frame to one remote: several remotes per MAC (head-end replication) are not supported; use `bridge fdb replace`")),
            (Verb::Change, None) => Err(no_entry()),
            (_, Some(i)) => {
                self.fdb[i] = entry;
                Ok(())
            }
            (_, None) => {
                self.fdb.push(entry);
                Ok(())
            }
        }
    }

    /// `bridge fdb show`: newest first, as the kernel happens to list a small table;
    /// port and VNI only where they differ from the device's (`vxlan_fdb_info`).
    pub fn fdb_entries(&self) -> Vec<cfg::FdbEntry> {
        self.fdb
            .iter()
            .rev()
            .filter_map(|f| {
                let l = self.links.get(&f.dev)?;
                let v = vxlan_spec(l)?;
                Some(cfg::FdbEntry {
                    mac: f.mac,
                    dev: l.name.clone(),
                    dst: f.dst.filter(|a| !a.is_unspecified()),
                    port: f.port.filter(|p| *p != port_of(v)),
                    vni: f.vni.filter(|n| Some(*n) != v.vni),
                    state: f.state,
                    router: f.router,
                })
            })
            .collect()
    }
}

fn no_entry() -> ApplyError {
    ApplyError::new("RTNETLINK answers: No such file or directory")
        .hint("no such FDB entry; check `bridge fdb show`")
}

/// `ip_tun_build_state` / `ip6_tun_build_state` checks on the options.
pub(crate) fn check_encap_ip(e: &Encap) -> Result<(), ApplyError> {
    let r = match e {
        Encap::Ip(i) => TunnelInfo::from_encap_ip(i).map(|_| ()),
        Encap::Ip6(i) => TunnelInfo::from_encap_ip6(i).map(|_| ()),
        _ => Ok(()),
    };
    r.map_err(|why| ApplyError::new("RTNETLINK answers: Invalid argument").hint(why))
}

/// The encap as the kernel stores (and dumps) it: `vxlan_opts` masked with
/// `VXLAN_GBP_MASK`, ERSPAN hwid to its 6 bits.
pub(crate) fn canonical_encap(e: &Encap) -> Encap {
    let fix = |o: &Option<cfg::TunOpts>| -> Option<cfg::TunOpts> {
        let o = o.as_ref()?;
        Some(match TunOptions::from_config(o) {
            Ok(TunOptions::Vxlan { gbp }) => cfg::TunOpts::Vxlan { gbp },
            Ok(TunOptions::Erspan(crate::tunnel::ErspanOpt::V2 { dir, hwid })) => {
                cfg::TunOpts::Erspan {
                    ver: 2,
                    index: 0,
                    dir,
                    hwid,
                }
            }
            _ => o.clone(),
        })
    };
    match e {
        Encap::Ip(i) => Encap::Ip(cfg::IpTunEncap {
            opts: fix(&i.opts),
            ..i.clone()
        }),
        Encap::Ip6(i) => Encap::Ip6(cfg::Ip6TunEncap {
            opts: fix(&i.opts),
            ..i.clone()
        }),
        other => other.clone(),
    }
}
