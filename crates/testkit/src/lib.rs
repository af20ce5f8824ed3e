//! lwt-testkit
