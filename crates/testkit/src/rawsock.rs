//! Raw Ethernet frame I/O inside a namespace, from the test process itself.
//!
//! An `AF_PACKET`/`SOCK_RAW` socket belongs to the network namespace it was created in,
//! whichever thread uses it later. So a short-lived thread enters the namespace
//! ([`Netns::enter`]), creates and binds the socket, and hands the fd back: no helper
//! binary, no `ip netns exec`, and the test's own threads never change namespace.
//!
//! Details that matter for byte-exact comparisons:
//! * The socket is created with protocol 0 (receives nothing) and only then bound to
//!   the interface with `ETH_P_ALL`, so no frame of another interface slips in between.
//! * `PACKET_IGNORE_OUTGOING`: frames we send are not looped back to us.
//! * VLAN: veth offloads the 802.1Q tag into skb metadata, and a raw socket then reads the
//!   frame *without* it. `PACKET_AUXDATA` returns the tag and [`RawSocket::recv`] puts it
//!   back where it was on the wire, as libpcap does.
//! * Checksums of locally generated TCP/UDP are left to the "hardware" on veth: see
//!   [`disable_tx_checksum_offload`].

use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::netns::{Netns, check_ifname};

/// An `AF_PACKET` socket bound to one interface of one namespace; non-blocking.
#[derive(Debug)]
pub struct RawSocket {
    fd: OwnedFd,
    ifname: String,
    ns: String,
}

fn os_err(what: &str) -> Error {
    Error::new(format!("{what}: {}", std::io::Error::last_os_error()))
}

/// `if_nametoindex` in the calling thread's namespace.
fn ifindex(ifname: &str) -> Result<i32> {
    let c = std::ffi::CString::new(ifname).map_err(|_| Error::new("NUL in interface name"))?;
    // SAFETY: valid NUL-terminated string.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 {
        return Err(os_err(&format!("interface {ifname}")));
    }
    Ok(idx as i32)
}

fn setsockopt_int(fd: i32, level: i32, opt: i32, val: i32, what: &str) -> Result<()> {
    // SAFETY: passing a pointer to a live c_int and its size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (&val as *const i32).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err(what));
    }
    Ok(())
}

/// Create and bind the socket; must run inside the target namespace.
fn open_here(ifname: &str) -> Result<OwnedFd> {
    let idx = ifindex(ifname)?;
    // SAFETY: plain socket(2); the fd is owned right away.
    let raw = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if raw < 0 {
        return Err(os_err("socket(AF_PACKET)"));
    }
    // SAFETY: `raw` is a fresh fd nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    setsockopt_int(
        raw,
        libc::SOL_PACKET,
        libc::PACKET_IGNORE_OUTGOING,
        1,
        "PACKET_IGNORE_OUTGOING",
    )?;
    setsockopt_int(
        raw,
        libc::SOL_PACKET,
        libc::PACKET_AUXDATA,
        1,
        "PACKET_AUXDATA",
    )?;
    setsockopt_int(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, 4 << 20, "SO_RCVBUF")?;
    // SAFETY: zeroed sockaddr_ll is a valid value; fields set below.
    let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    sll.sll_ifindex = idx;
    // SAFETY: pointer and length of a live sockaddr_ll.
    let r = unsafe {
        libc::bind(
            raw,
            (&sll as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err(&format!("bind AF_PACKET to {ifname}")));
    }
    Ok(fd)
}

impl RawSocket {
    /// Open a socket on `ifname` inside `ns`. Frames queued before this call are not seen.
    pub fn open(ns: &Netns, ifname: &str) -> Result<RawSocket> {
        check_ifname(ifname)?;
        let name = ifname.to_string();
        let fd = ns
            .enter(move || open_here(&name))?
            .map_err(|e| e.context(format!("raw socket on {ifname} in {}", ns.name())))?;
        Ok(RawSocket {
            fd,
            ifname: ifname.to_string(),
            ns: ns.name().to_string(),
        })
    }

    /// The interface this socket is bound to.
    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// Transmit one complete Ethernet frame (no FCS).
    pub fn send(&self, frame: &[u8]) -> Result<()> {
        // SAFETY: buffer pointer/length of a live slice; socket is bound.
        let n = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        if n < 0 {
            return Err(os_err(&format!("send on {} in {}", self.ifname, self.ns)));
        }
        if n as usize != frame.len() {
            return Err(Error::new(format!(
                "short send on {}: {n}/{}",
                self.ifname,
                frame.len()
            )));
        }
        Ok(())
    }

    /// Receive one frame if one is queued (non-blocking), VLAN tag restored.
    pub fn recv(&self) -> Result<Option<Vec<u8>>> {
        loop {
            let mut buf = vec![0u8; 65536 + 4];
            // Room for the tag we may have to re-insert.
            let data = &mut buf[4..];
            let mut iov = libc::iovec {
                iov_base: data.as_mut_ptr().cast(),
                iov_len: data.len(),
            };
            let mut ctrl = [0u64; 16];
            // SAFETY: zeroed sockaddr_ll/msghdr are valid; pointers set to live buffers.
            let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
            let mut msg: libc::msghdr = unsafe { zeroed() };
            msg.msg_name = (&mut sll as *mut libc::sockaddr_ll).cast();
            msg.msg_namelen = size_of::<libc::sockaddr_ll>() as u32;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = ctrl.as_mut_ptr().cast();
            msg.msg_controllen = size_of::<[u64; 16]>();
            // SAFETY: msg points to live buffers for the duration of the call.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::WouldBlock {
                    return Ok(None);
                }
                return Err(Error::new(format!(
                    "recv on {} in {}: {e}",
                    self.ifname, self.ns
                )));
            }
            let n = n as usize;
            if n > data.len() {
                return Err(Error::new(format!(
                    "frame of {n} bytes truncated on {}",
                    self.ifname
                )));
            }
            // Belt and braces: PACKET_IGNORE_OUTGOING already drops these.
            if sll.sll_pkttype == libc::PACKET_OUTGOING {
                continue;
            }
            let vlan = aux_vlan(&msg);
            let mut frame = buf[4..4 + n].to_vec();
            if let Some((tpid, tci)) = vlan
                && frame.len() >= 12
            {
                let mut tag = tpid.to_be_bytes().to_vec();
                tag.extend_from_slice(&tci.to_be_bytes());
                frame.splice(12..12, tag);
            }
            return Ok(Some(frame));
        }
    }

    /// Throw away everything queued now.
    pub fn drain(&self) -> Result<usize> {
        let mut n = 0;
        while self.recv()?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// Collect frames until none arrives for `quiet`.
    pub fn recv_all(&self, quiet: Duration) -> Result<Vec<Vec<u8>>> {
        let mut all = recv_until_quiet(&[self], quiet, Duration::from_secs(10), |_, _| true)?;
        Ok(all.pop().unwrap_or_default())
    }
}

/// The 802.1Q tag the kernel took out of the frame, from `PACKET_AUXDATA`.
fn aux_vlan(msg: &libc::msghdr) -> Option<(u16, u16)> {
    // SAFETY: iterating the control buffer recvmsg filled in, with the libc macros.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_PACKET && (*c).cmsg_type == libc::PACKET_AUXDATA {
                let aux: libc::tpacket_auxdata =
                    std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                if aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0 {
                    let tpid = if aux.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                        aux.tp_vlan_tpid
                    } else {
                        0x8100
                    };
                    return Some((tpid, aux.tp_vlan_tci));
                }
                return None;
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    None
}

/// Read from all `socks` until, for `quiet`, none of them has received a frame that
/// `counts(socket_index, frame)` accepts (so periodic background noise, such as MLD
/// reports, does not keep the wait going), or until `max` has passed.
///
/// Returns every frame received (counted or not), per socket, in arrival order.
pub fn recv_until_quiet(
    socks: &[&RawSocket],
    quiet: Duration,
    max: Duration,
    counts: impl Fn(usize, &[u8]) -> bool,
) -> Result<Vec<Vec<Vec<u8>>>> {
    let start = Instant::now();
    let mut last = start;
    let mut out = vec![Vec::new(); socks.len()];
    let mut fds: Vec<libc::pollfd> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        let now = Instant::now();
        let deadline = (last + quiet).min(start + max);
        if now >= deadline {
            return Ok(out);
        }
        let wait_ms = (deadline - now).as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: fds is a live array of pollfd of the given length.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::new(format!("poll: {e}")));
        }
        for (i, s) in socks.iter().enumerate() {
            while let Some(f) = s.recv()? {
                if counts(i, &f) {
                    last = Instant::now();
                }
                out[i].push(f);
            }
        }
    }
}

/// Turn off TX checksum offload on `ifname` in `ns` (what `ethtool -K IF tx off` does,
/// through the legacy `ETHTOOL_STXCSUM` ioctl, so ethtool need not be installed).
///
/// Why: a UDP/TCP packet the kernel *generates* (VXLAN outer UDP, a reply) leaves a veth
/// with `CHECKSUM_PARTIAL` — the checksum field holds only the pseudo-header sum, left for
/// "hardware" that veth does not have — and a raw socket on the peer reads it like that.
/// With offload off the stack computes the real checksum in software before sending.
/// Forwarded packets keep the checksum they arrived with either way.
pub fn disable_tx_checksum_offload(ns: &Netns, ifname: &str) -> Result<()> {
    check_ifname(ifname)?;
    let name = ifname.to_string();
    ns.enter(move || set_tx_csum_here(&name, false))?
        .map_err(|e| {
            e.context(format!(
                "tx checksum offload off on {ifname} in {}",
                ns.name()
            ))
        })
}

fn set_tx_csum_here(ifname: &str, on: bool) -> Result<()> {
    const ETHTOOL_STXCSUM: u32 = 0x17;
    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }
    #[repr(C)]
    struct IfreqData {
        name: [libc::c_char; libc::IFNAMSIZ],
        data: *mut libc::c_void,
        _pad: [u8; 16],
    }
    let mut val = EthtoolValue {
        cmd: ETHTOOL_STXCSUM,
        data: u32::from(on),
    };
    let mut ifr = IfreqData {
        name: [0; libc::IFNAMSIZ],
        data: (&mut val as *mut EthtoolValue).cast(),
        _pad: [0; 16],
    };
    for (d, s) in ifr.name.iter_mut().zip(ifname.bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: a datagram socket only used for the ioctl, closed by OwnedFd.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(os_err("socket(AF_INET)"));
    }
    // SAFETY: fresh fd.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ifr and val outlive the call; layout matches struct ifreq with ifr_data.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCETHTOOL, &mut ifr) };
    if r != 0 {
        return Err(os_err("SIOCETHTOOL ETHTOOL_STXCSUM"));
    }
    Ok(())
}
