//! lwt-fib
