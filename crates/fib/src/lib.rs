//! lwt-fib: immutable longest-prefix-match tables for the dataplane.
//!
//! [`Fib4`] (IPv4, `u32` keys) and [`Fib6`] (IPv6, `u128` keys) map prefixes to `u32`
//! values (indices into the owner's route array). They are built from scratch from the
//! RIB in one call and never modified: the owner publishes each new table atomically,
//! readers look up without locks.
//!
//! Both are a poptrie (Asai & Ohara, SIGCOMM 2015): 64-way nodes indexed by popcount
//! over bitmaps, values pushed down into run-length compressed leaves so a lookup walks
//! down once without backtracking; plus path compression, wide direct-indexed nodes
//! where prefixes are dense (the root of a big IPv4 table, like the paper's direct
//! pointing) and one-step nodes for subtrees holding a single prefix (long IPv6 tails).
//! Memory follows the number of prefixes: an empty table allocates nothing, a few
//! routes cost a few hundred bytes; a big table's arrays sit on transparent huge pages
//! where they span one, so that the random reads of one too big for the TLB's reach
//! miss it less (`src/huge.rs`).
//! Layout: `src/poptrie.rs`; benchmarks: `benches/lookup.rs` (`cargo bench -p lwt-fib`).
//!
//! A big IPv6 table also keeps the /128s of its SID blocks (a /48 holding many, a
//! node's SIDs under its locator) in a hash table looked up first: one probe instead of
//! a walk to the trie's deepest leaves (`src/sid_blocks.rs`).
//!
//! [`Fib4::lookup_batch`] and [`Fib6::lookup_batch`] resolve many addresses at once,
//! overlapping their cache misses; on tables bigger than the caches they are about
//! twice as fast per address as a loop of `lookup`.
//!
//! ```
//! use lwt_fib::Fib4;
//! let fib = Fib4::build(&[(0x0a00_0000, 8, 1), (0x0a01_0000, 16, 2)]);
//! assert_eq!(fib.lookup(0x0a01_0203), Some(2));
//! assert_eq!(fib.lookup(0x0a02_0203), Some(1));
//! assert_eq!(fib.lookup(0x0b00_0000), None);
//! ```

mod huge;
mod key;
mod poptrie;
mod sid_blocks;
mod small;
mod v4;
mod v6;

pub use poptrie::MAX_VALUE;
pub use v4::Fib4;
pub use v6::Fib6;

#[cfg(test)]
mod tests;
