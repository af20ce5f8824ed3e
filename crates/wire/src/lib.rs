//! lwt-wire
