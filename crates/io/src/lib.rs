//! lwt-io
