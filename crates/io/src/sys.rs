//! Thin, checked wrappers over the few syscalls and ioctls the live ports need.
//!
//! Interface ioctls (`SIOCGIFFLAGS`, `SIOCETHTOOL`, ...) act in the network namespace of
//! the *socket* they are issued on, not of the calling thread. Every port keeps a socket
//! created in its interface's namespace, so its `is_up` keeps answering about the right
//! interface even when called from a thread that lives elsewhere.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Turns a `-1` return into the `errno` error.
pub(crate) fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Adds what was being done to an error, keeping its kind.
pub(crate) fn ctx(e: io::Error, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// `socket(2)` returning an owned, close-on-exec descriptor.
pub(crate) fn socket(
    domain: libc::c_int,
    ty: libc::c_int,
    proto: libc::c_int,
) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = cvt(unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, proto) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt(2)` with a plain-old-data value.
pub(crate) fn setsockopt<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    opt: libc::c_int,
    val: &T,
) -> io::Result<()> {
    // SAFETY: `val` is a live `T` and its exact size is passed; the kernel only reads it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (val as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `getsockopt(2)` into a plain-old-data value.
pub(crate) fn getsockopt<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    opt: libc::c_int,
) -> io::Result<T> {
    // SAFETY: the option types used here (integers, tpacket_stats_v3) are valid when zeroed.
    let mut val: T = unsafe { zeroed() };
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `val` is writable for `len` bytes and `len` is a live socklen_t.
    cvt(unsafe { libc::getsockopt(fd, level, opt, (&mut val as *mut T).cast(), &mut len) })?;
    Ok(val)
}

/// A zeroed `ifreq` naming `ifname` (1..=15 bytes, no NUL).
pub(crate) fn ifreq(ifname: &str) -> io::Result<libc::ifreq> {
    if ifname.is_empty() || ifname.len() >= libc::IFNAMSIZ || ifname.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad interface name {ifname:?}: 1-15 bytes"),
        ));
    }
    // SAFETY: ifreq is a C struct/union of integers, arrays and pointers: all-zero is valid.
    let mut ifr: libc::ifreq = unsafe { zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(ifname.bytes()) {
        *d = s as libc::c_char;
    }
    Ok(ifr)
}

/// The name the kernel wrote back into an `ifreq` (e.g. after `TUNSETIFF` with `tap%d`).
pub(crate) fn ifreq_name(ifr: &libc::ifreq) -> String {
    let bytes: Vec<u8> = ifr
        .ifr_name
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn ioctl_ifreq(sock: RawFd, req: libc::c_ulong, ifr: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: every request used with this helper reads and/or writes one `struct ifreq`,
    // which `ifr` is, live for the duration of the call.
    cvt(unsafe { libc::ioctl(sock, req as _, ifr as *mut libc::ifreq) }).map(drop)
}

/// `SIOCGIFINDEX` in the namespace of `sock`.
pub(crate) fn if_index(sock: RawFd, ifname: &str) -> io::Result<i32> {
    let mut ifr = ifreq(ifname)?;
    ioctl_ifreq(sock, libc::SIOCGIFINDEX, &mut ifr)
        .map_err(|e| ctx(e, format!("interface {ifname}")))?;
    // SAFETY: SIOCGIFINDEX filled the ifindex member of the union.
    Ok(unsafe { ifr.ifr_ifru.ifru_ifindex })
}

/// `SIOCGIFFLAGS` in the namespace of `sock`.
pub(crate) fn if_flags(sock: RawFd, ifname: &str) -> io::Result<libc::c_int> {
    let mut ifr = ifreq(ifname)?;
    ioctl_ifreq(sock, libc::SIOCGIFFLAGS, &mut ifr)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    Ok(libc::c_int::from(unsafe { ifr.ifr_ifru.ifru_flags }) & 0xffff)
}

/// Sets or clears `IFF_UP` (read-modify-write of the interface flags).
pub(crate) fn set_if_up(sock: RawFd, ifname: &str, up: bool) -> io::Result<()> {
    let flags = if_flags(sock, ifname)?;
    let want = if up {
        flags | libc::IFF_UP
    } else {
        flags & !libc::IFF_UP
    };
    if want == flags {
        return Ok(());
    }
    let mut ifr = ifreq(ifname)?;
    ifr.ifr_ifru.ifru_flags = want as libc::c_short;
    ioctl_ifreq(sock, libc::SIOCSIFFLAGS, &mut ifr)
        .map_err(|e| ctx(e, format!("set {ifname} up={up}")))
}

/// Whether `ifname` exists in the namespace of `sock`, still has index `ifindex` (it was
/// not deleted and re-created) and is administratively up.
pub(crate) fn if_is_up(sock: RawFd, ifname: &str, ifindex: i32) -> bool {
    matches!(if_index(sock, ifname), Ok(i) if i == ifindex)
        && matches!(if_flags(sock, ifname), Ok(f) if f & libc::IFF_UP != 0)
}

/// Legacy ethtool commands (`include/uapi/linux/ethtool.h`); still served by every kernel,
/// translated to the feature bits, and need no string-set lookup.
pub(crate) mod ethtool {
    pub const GRXCSUM: u32 = 0x14;
    pub const SRXCSUM: u32 = 0x15;
    pub const GTXCSUM: u32 = 0x16;
    pub const STXCSUM: u32 = 0x17;
    pub const GFLAGS: u32 = 0x25;
    pub const SFLAGS: u32 = 0x26;
    pub const GGRO: u32 = 0x2b;
    pub const SGRO: u32 = 0x2c;
    /// `ETH_FLAG_LRO` in the `GFLAGS`/`SFLAGS` word.
    pub const FLAG_LRO: u32 = 1 << 15;
}

#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// One `SIOCETHTOOL` with a `struct ethtool_value`; returns its `data` afterwards.
pub(crate) fn ethtool_value(sock: RawFd, ifname: &str, cmd: u32, data: u32) -> io::Result<u32> {
    let mut val = EthtoolValue { cmd, data };
    let mut ifr = ifreq(ifname)?;
    ifr.ifr_ifru.ifru_data = (&mut val as *mut EthtoolValue).cast();
    ioctl_ifreq(sock, libc::SIOCETHTOOL, &mut ifr)?;
    Ok(val.data)
}
