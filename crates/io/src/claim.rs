//! Taking a Linux interface away from the kernel's IP stack while lwt owns it.
//!
//! An AF_PACKET port sees every frame of its interface, but the kernel still sees them
//! too: with addresses and IPv6 on the interface it would answer ARP/NDP, send MLD and
//! router solicitations, reply to pings and forward packets addressed to lwt, in parallel
//! with lwt. [`InterfaceClaim::claim`] records and then changes, on that interface only:
//!
//! | what | set to | why |
//! |---|---|---|
//! | IPv4/IPv6 addresses | flushed | the kernel does not answer for them |
//! | `net.ipv6.conf.IF.disable_ipv6` | 1 | no IPv6 input, no link-local, no NDP/MLD/RS |
//! | `net.ipv4.conf.IF.forwarding` | 0 | IPv4 frames for lwt's addresses are not routed by the kernel (and, with forwarding off, not answered with ICMP errors) |
//! | `net.ipv4.conf.IF.arp_ignore` | 8 | no ARP replies for the host's other addresses |
//! | link | up | lwt needs it running |
//! | rx/tx checksum offload, GRO, LRO | off | see below |
//!
//! Offloads: AF_PACKET sees a frame *after* GRO/LRO (a burst of TCP segments becomes one
//! frame larger than the MTU) and with whatever checksum state the driver left. A frame
//! whose checksum was left to offload (`CHECKSUM_PARTIAL`, reported as
//! `TP_STATUS_CSUMNOTREADY`) carries only a pseudo-header sum. Turning these off makes the
//! frames lwt reads the frames that were on the wire. (On a veth the partial checksums
//! come from the *peer's* tx offload, which a claim cannot reach; the RX ring completes
//! those in software, see `csum.rs`.) The legacy ethtool ioctls are used, so
//! `ethtool` need not be installed; a driver that refuses is left as it is.
//!
//! Promiscuous mode is not touched here: lwt answers for its own MAC addresses, which may
//! differ from the interface's, so the AF_PACKET port joins `PACKET_MR_PROMISC` on its
//! socket (see [`crate::afpacket`]), which the kernel undoes when the socket closes.
//!
//! Addresses are read with `ip -j addr show` and removed with `ip addr flush`; both are
//! control-path operations. Dropping the claim (or [`InterfaceClaim::release`]) restores
//! everything in reverse order, in the namespace the claim was made in, whichever thread
//! drops it. Not restored: routes that went away with the addresses (other than the
//! prefix routes the kernel re-creates), and addresses marked `dynamic` (SLAAC/DHCP
//! re-create those themselves).

use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::Command;

use crate::netns::NetnsHandle;
use crate::sys::{self, ctx, ethtool};

/// One address as `ip -j addr show` reports it, and what `ip addr replace` needs to put it
/// back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAddr {
    /// `inet` or `inet6`.
    pub family: String,
    /// `ADDR/PLEN` as given to `ip addr`.
    pub local: String,
    /// The remaining `ip addr replace` arguments (peer, broadcast, scope, label, flags).
    pub args: Vec<String>,
}

/// A Linux interface taken from the kernel's IP stack; restored on drop.
#[derive(Debug)]
pub struct InterfaceClaim {
    ifname: String,
    ifindex: i32,
    ns: NetnsHandle,
    addrs: Vec<SavedAddr>,
    /// (sysctl path, original value), in the order they were changed.
    sysctls: Vec<(String, String)>,
    /// (ethtool set command, original value), in the order they were changed.
    offloads: Vec<(u32, u32)>,
    was_up: bool,
    /// Whether we added the clsact qdisc that drops what the kernel would process.
    ingress_drop: bool,
    released: bool,
}

/// Frames reach AF_PACKET sockets before tc ingress, so a drop-everything filter there
/// spares the kernel's own IP input (route lookups, allocations) for frames lwt already
/// has — the kernel would otherwise spend about a microsecond on each, on lwt's CPU.
/// Best effort: without `tc`, clsact or matchall the claim works, only slower.
fn ingress_drop(ifname: &str) -> bool {
    if run_tc(&["qdisc", "add", "dev", ifname, "clsact"]).is_err() {
        return false;
    }
    let ok = run_tc(&[
        "filter", "add", "dev", ifname, "ingress", "pref", "1", "matchall", "action", "drop",
    ])
    .is_ok();
    if !ok {
        let _ = run_tc(&["qdisc", "del", "dev", ifname, "clsact"]);
    }
    ok
}

fn run_tc(args: &[&str]) -> io::Result<String> {
    let out = Command::new("tc")
        .args(args)
        .output()
        .map_err(|e| ctx(e, "cannot run `tc`"))?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "`tc {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run_ip(args: &[&str]) -> io::Result<String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| ctx(e, "cannot run `ip`"))?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The addresses of `ip -j addr show dev IF` output worth restoring.
pub fn parse_addrs(json: &str) -> io::Result<Vec<SavedAddr>> {
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("ip -j addr: {e}")))?;
    let mut out = Vec::new();
    let links = v.as_array().map(Vec::as_slice).unwrap_or_default();
    for link in links {
        let ifname = link
            .get("ifname")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let infos = link
            .get("addr_info")
            .and_then(|a| a.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for a in infos {
            let s = |k: &str| a.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let flag = |k: &str| a.get(k).and_then(|x| x.as_bool()).unwrap_or(false);
            let (Some(family), Some(local), Some(plen)) = (
                s("family"),
                s("local"),
                a.get("prefixlen").and_then(|p| p.as_u64()),
            ) else {
                continue;
            };
            if family != "inet" && family != "inet6" {
                continue;
            }
            if flag("dynamic") || flag("temporary") {
                continue;
            }
            let mut args = Vec::new();
            match s("address") {
                // A point-to-point address: `local` is ours, `address` the peer.
                Some(peer) if peer != local => {
                    args.extend(["peer".to_string(), format!("{peer}/{plen}")]);
                }
                _ => {}
            }
            if let Some(b) = s("broadcast") {
                args.extend(["broadcast".to_string(), b]);
            }
            if let Some(sc) = s("scope") {
                args.extend(["scope".to_string(), sc]);
            }
            if family == "inet"
                && let Some(l) = s("label")
                && l != ifname
            {
                args.extend(["label".to_string(), l]);
            }
            if let Some(m) = a.get("metric").and_then(|m| m.as_u64()) {
                args.extend(["metric".to_string(), m.to_string()]);
            }
            for f in ["noprefixroute", "nodad", "home", "mngtmpaddr", "autojoin"] {
                if flag(f) {
                    args.push(f.to_string());
                }
            }
            let lft = |k: &str| {
                a.get(k)
                    .and_then(|x| x.as_u64())
                    .filter(|&v| v != u64::from(u32::MAX))
            };
            if let (Some(valid), preferred) = (lft("valid_life_time"), lft("preferred_life_time")) {
                args.extend(["valid_lft".to_string(), valid.to_string()]);
                args.extend([
                    "preferred_lft".to_string(),
                    preferred.unwrap_or(valid).to_string(),
                ]);
            }
            out.push(SavedAddr {
                family,
                local: format!("{local}/{plen}"),
                args,
            });
        }
    }
    Ok(out)
}

fn read_sysctl(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn write_sysctl(path: &str, val: &str) -> io::Result<()> {
    fs::write(path, format!("{val}\n")).map_err(|e| ctx(e, path))
}

impl InterfaceClaim {
    /// Claims `ifname` in the calling thread's network namespace (see the module docs).
    /// On failure, whatever was already changed is restored.
    pub fn claim(ifname: &str) -> io::Result<Self> {
        let ns = NetnsHandle::current().map_err(|e| ctx(e, "network namespace"))?;
        let ctl = sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let ifindex = sys::if_index(ctl.as_raw_fd(), ifname)?;
        let was_up = sys::if_flags(ctl.as_raw_fd(), ifname)? & libc::IFF_UP != 0;
        let mut claim = InterfaceClaim {
            ifname: ifname.to_string(),
            ifindex,
            ns,
            addrs: Vec::new(),
            sysctls: Vec::new(),
            offloads: Vec::new(),
            was_up,
            ingress_drop: false,
            released: false,
        };
        // On error, `claim` is dropped here and restores what was done so far.
        claim
            .take(&ctl)
            .map_err(|e| ctx(e, format!("claiming {ifname}")))?;
        Ok(claim)
    }

    fn take(&mut self, ctl: &OwnedFd) -> io::Result<()> {
        let ifname = self.ifname.clone();
        // Addresses first: disable_ipv6 deletes the IPv6 ones.
        self.addrs = parse_addrs(&run_ip(&["-j", "addr", "show", "dev", &ifname])?)?;
        for (path, val) in [
            (
                format!("/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6"),
                "1",
            ),
            (format!("/proc/sys/net/ipv4/conf/{ifname}/forwarding"), "0"),
            (format!("/proc/sys/net/ipv4/conf/{ifname}/arp_ignore"), "8"),
        ] {
            // A kernel without IPv6 has no such file: nothing to switch off.
            let Some(old) = read_sysctl(&path) else {
                continue;
            };
            if old != val {
                write_sysctl(&path, val)?;
                self.sysctls.push((path, old));
            }
        }
        run_ip(&["addr", "flush", "dev", &ifname])?;
        sys::set_if_up(ctl.as_raw_fd(), &ifname, true)?;
        self.offloads_off(ctl.as_raw_fd());
        self.ingress_drop = ingress_drop(&ifname);
        Ok(())
    }

    fn offloads_off(&mut self, sock: i32) {
        let ifname = self.ifname.clone();
        for (get, set) in [
            (ethtool::GRXCSUM, ethtool::SRXCSUM),
            (ethtool::GTXCSUM, ethtool::STXCSUM),
            (ethtool::GGRO, ethtool::SGRO),
        ] {
            if let Ok(old) = sys::ethtool_value(sock, &ifname, get, 0)
                && old != 0
                && sys::ethtool_value(sock, &ifname, set, 0).is_ok()
            {
                self.offloads.push((set, old));
            }
        }
        if let Ok(flags) = sys::ethtool_value(sock, &ifname, ethtool::GFLAGS, 0)
            && flags & ethtool::FLAG_LRO != 0
            && sys::ethtool_value(sock, &ifname, ethtool::SFLAGS, flags & !ethtool::FLAG_LRO)
                .is_ok()
        {
            self.offloads.push((ethtool::SFLAGS, flags));
        }
    }

    /// The claimed interface.
    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// The addresses the interface had (and gets back on release).
    pub fn saved_addrs(&self) -> &[SavedAddr] {
        &self.addrs
    }

    /// Restores the interface now, reporting the first failure (drop only prints).
    pub fn release(mut self) -> io::Result<()> {
        self.released = true;
        self.restore()
    }

    fn restore(&self) -> io::Result<()> {
        self.ns.run(|| self.restore_here())?
    }

    fn restore_here(&self) -> io::Result<()> {
        let ctl = sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let sock = ctl.as_raw_fd();
        // Deleted or re-created meanwhile: nothing of ours is left to restore.
        if sys::if_index(sock, &self.ifname).ok() != Some(self.ifindex) {
            return Ok(());
        }
        let mut first_err = None;
        let mut note = |r: io::Result<()>| {
            if let Err(e) = r {
                first_err.get_or_insert(e);
            }
        };
        if self.ingress_drop {
            note(run_tc(&["qdisc", "del", "dev", &self.ifname, "clsact"]).map(drop));
        }
        for &(set, old) in self.offloads.iter().rev() {
            note(sys::ethtool_value(sock, &self.ifname, set, old).map(drop));
        }
        // disable_ipv6 goes back before the addresses: IPv6 ones cannot be added while it
        // is set.
        for (path, old) in self.sysctls.iter().rev() {
            note(write_sysctl(path, old));
        }
        if !self.was_up {
            note(sys::set_if_up(sock, &self.ifname, false));
        }
        for a in &self.addrs {
            let mut argv = vec!["addr", "replace", a.local.as_str()];
            argv.extend(a.args.iter().map(String::as_str));
            argv.extend(["dev", self.ifname.as_str()]);
            note(run_ip(&argv).map(drop));
        }
        first_err.map_or(Ok(()), Err)
    }
}

impl Drop for InterfaceClaim {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Err(e) = self.restore() {
            eprintln!("lwt: restoring interface {}: {e}", self.ifname);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_json_addresses() {
        let json = r#"[{"ifindex":5,"ifname":"eth1","flags":["BROADCAST","UP"],"mtu":1500,
          "addr_info":[
            {"family":"inet","local":"192.0.2.1","prefixlen":24,"broadcast":"192.0.2.255",
             "scope":"global","label":"eth1:a","valid_life_time":4294967295,"preferred_life_time":4294967295},
            {"family":"inet","local":"10.9.0.1","address":"10.9.0.2","prefixlen":32,"scope":"global",
             "label":"eth1","valid_life_time":4294967295,"preferred_life_time":4294967295},
            {"family":"inet6","local":"2001:db8::1","prefixlen":64,"scope":"global","nodad":true,
             "valid_life_time":600,"preferred_life_time":300},
            {"family":"inet6","local":"2001:db8::abcd","prefixlen":64,"scope":"global","dynamic":true,
             "mngtmpaddr":true,"valid_life_time":86400,"preferred_life_time":14400},
            {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link",
             "valid_life_time":4294967295,"preferred_life_time":4294967295}]}]"#;
        let a = parse_addrs(json).unwrap();
        let shown: Vec<String> = a
            .iter()
            .map(|a| format!("{} {} {}", a.family, a.local, a.args.join(" ")))
            .collect();
        assert_eq!(
            shown,
            [
                "inet 192.0.2.1/24 broadcast 192.0.2.255 scope global label eth1:a",
                "inet 10.9.0.1/32 peer 10.9.0.2/32 scope global",
                "inet6 2001:db8::1/64 scope global nodad valid_lft 600 preferred_lft 300",
                "inet6 fe80::1/64 scope link",
            ]
        );
    }
}
