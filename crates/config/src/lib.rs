//! lwt-config
