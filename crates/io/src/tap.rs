//! TAP ports: a Linux TAP interface that lwt creates and owns.
//!
//! `open("/dev/net/tun")` + `TUNSETIFF(IFF_TAP | IFF_NO_PI)` creates the interface; the
//! kernel side of it behaves like a host attached to lwt's link. It is not persistent, so
//! the kernel deletes it when the descriptor closes: when the port is dropped, or when the
//! process dies.
//!
//! Without `IFF_VNET_HDR` every read returns exactly one complete Ethernet frame (the
//! kernel segments GSO packets, completes checksums and inserts offloaded VLAN tags before
//! queueing to a TAP without offloads) and every write injects one. A TAP offers no batch
//! syscall for that, so the port reads into one preallocated buffer, frame by frame, and
//! `send` writes the frame straight away (the `write` is the copy the trait promises;
//! `flush` has nothing left to do). That is one syscall per frame: TAP links are for
//! attaching local hosts and tests, AF_PACKET ports for rate.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::port::{Port, PortStats};
use crate::sys::{self, ctx};

/// Largest frame read from the TAP: a 64 KiB IP packet plus Ethernet and two VLAN tags.
const RX_BUF: usize = 65536 + 14 + 8;

/// A live port on a TAP interface created for it.
#[derive(Debug)]
pub struct TapPort {
    name: String,
    ifname: String,
    ifindex: i32,
    tun: OwnedFd,
    /// An AF_INET datagram socket in the TAP's namespace, for interface ioctls.
    ctl: OwnedFd,
    buf: Box<[u8]>,
    tx_full: u64,
}

impl TapPort {
    /// Creates TAP interface `name` in the calling thread's network namespace and sets it
    /// up. A name containing `%d` lets the kernel pick the number (see [`TapPort::ifname`]).
    /// Fails if an interface called `name` already exists.
    pub fn create(name: &str) -> io::Result<Self> {
        Self::create_inner(name).map_err(|e| ctx(e, format!("TAP interface {name}")))
    }

    fn create_inner(name: &str) -> io::Result<Self> {
        let mut ifr = sys::ifreq(name)?;
        let ctl = sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        if !name.contains('%') && sys::if_index(ctl.as_raw_fd(), name).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "an interface with this name exists",
            ));
        }
        // SAFETY: NUL-terminated path literal; the returned fd is owned right below.
        let fd = sys::cvt(unsafe {
            libc::open(
                c"/dev/net/tun".as_ptr(),
                libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        })
        .map_err(|e| ctx(e, "open /dev/net/tun"))?;
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let tun = unsafe { OwnedFd::from_raw_fd(fd) };
        ifr.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes one struct ifreq, live for the call.
        sys::cvt(unsafe {
            libc::ioctl(
                tun.as_raw_fd(),
                libc::TUNSETIFF as _,
                &mut ifr as *mut libc::ifreq,
            )
        })
        .map_err(|e| ctx(e, "TUNSETIFF"))?;
        let ifname = sys::ifreq_name(&ifr);
        let ifindex = sys::if_index(ctl.as_raw_fd(), &ifname)?;
        sys::set_if_up(ctl.as_raw_fd(), &ifname, true)?;
        Ok(TapPort {
            name: ifname.clone(),
            ifname,
            ifindex,
            tun,
            ctl,
            buf: vec![0; RX_BUF].into_boxed_slice(),
            tx_full: 0,
        })
    }

    /// Renames the port (the lwt link name); the interface is unchanged.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The interface's name as the kernel knows it.
    pub fn ifname(&self) -> &str {
        &self.ifname
    }
}

impl Port for TapPort {
    fn name(&self) -> &str {
        &self.name
    }

    fn fd(&self) -> RawFd {
        self.tun.as_raw_fd()
    }

    fn recv_batch(&mut self, max: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<usize> {
        let mut n = 0;
        while n < max {
            // SAFETY: `buf` is writable for its whole length.
            let r = unsafe {
                libc::read(
                    self.tun.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                )
            };
            if r < 0 {
                let e = io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::EAGAIN) => break,
                    Some(libc::EINTR) => continue,
                    _ => return Err(e),
                }
            }
            f(&self.buf[..r as usize]);
            n += 1;
        }
        Ok(n)
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        // SAFETY: pointer and length of a live slice, only read.
        let r = unsafe { libc::write(self.tun.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
        if r < 0 {
            self.tx_full += 1;
            return false;
        }
        true
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn is_up(&self) -> bool {
        sys::if_is_up(self.ctl.as_raw_fd(), &self.ifname, self.ifindex)
    }

    fn stats(&mut self) -> PortStats {
        let s = PortStats {
            tx_ring_full: self.tx_full,
            ..PortStats::default()
        };
        self.tx_full = 0;
        s
    }
}
