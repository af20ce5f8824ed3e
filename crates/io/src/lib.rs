//! Packet I/O for lwt: where frames come from and go to.
//!
//! `pcap` is the offline endpoint used by `lwt run`: one file of received frames per link
//! in, one file of transmitted frames per link out. Live ports (AF_PACKET, TAP) live here too.

pub mod pcap;
