//! lwt-config: iproute2's language for lwt.
//!
//! It is to lwt what iproute2 is to the kernel: it turns `ip ...` command
//! lines into typed requests ([`Request`], the "netlink message") and renders
//! the objects the router core hands back in `ip`'s text and `ip -j` JSON
//! forms. It rejects what iproute2 rejects at parse time, with iproute2's
//! wording; semantic checks that the kernel makes are the core's job.
//!
//! Entry points: [`parse_line`], [`parse_batch`], [`parse_words`], and the
//! renderers in [`render`].

pub mod addr;
pub mod ast;
pub mod encap;
pub mod error;
pub mod fdb;
pub mod inet;
pub mod line;
pub mod link;
pub mod names;
pub mod neigh;
pub mod render;
pub mod route;
pub mod rule;
pub mod sr;
pub mod sysctl;
pub mod words;

pub use ast::*;
pub use error::{BatchError, ParseError};
pub use line::{parse_batch, parse_line, parse_words};
