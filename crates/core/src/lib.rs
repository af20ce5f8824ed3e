//! lwt-core
