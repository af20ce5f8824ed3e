//! Edge cases; the property tests in `tests/lpm.rs` cover random tables.

use crate::{Fib4, Fib6, MAX_VALUE};

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from_be_bytes([a, b, c, d])
}

#[test]
fn empty_table() {
    for fib in [Fib4::default(), Fib4::build(&[])] {
        assert!(fib.is_empty());
        assert_eq!(fib.len(), 0);
        for a in [0, 1, v4(10, 0, 0, 1), u32::MAX] {
            assert_eq!(fib.lookup(a), None);
        }
        assert!(fib.memory_bytes() < 128, "{}", fib.memory_bytes());
    }
    for fib in [Fib6::default(), Fib6::build(&[])] {
        assert!(fib.is_empty());
        assert_eq!(fib.lookup(0), None);
        assert_eq!(fib.lookup(u128::MAX), None);
        assert!(fib.memory_bytes() < 128);
    }
}

#[test]
fn default_route_only() {
    let fib = Fib4::build(&[(0, 0, 7)]);
    assert_eq!(fib.len(), 1);
    for a in [0, v4(192, 0, 2, 1), u32::MAX] {
        assert_eq!(fib.lookup(a), Some(7));
    }
    // Host bits of a /0 are all bits: ignored.
    let fib = Fib6::build(&[(0x2001_0db8 << 96, 0, 3)]);
    assert_eq!(fib.lookup(0), Some(3));
    assert_eq!(fib.lookup(u128::MAX), Some(3));
}

#[test]
fn host_routes() {
    let fib = Fib4::build(&[(v4(10, 0, 0, 1), 32, 1), (v4(10, 0, 0, 0), 24, 2)]);
    assert_eq!(fib.lookup(v4(10, 0, 0, 1)), Some(1));
    assert_eq!(fib.lookup(v4(10, 0, 0, 0)), Some(2));
    assert_eq!(fib.lookup(v4(10, 0, 0, 3)), Some(2));
    assert_eq!(fib.lookup(v4(10, 0, 1, 1)), None);
    let fib = Fib4::build(&[(u32::MAX, 32, 1), (0, 32, 2)]);
    assert_eq!(fib.lookup(u32::MAX), Some(1));
    assert_eq!(fib.lookup(u32::MAX - 1), None);
    assert_eq!(fib.lookup(0), Some(2));
    assert_eq!(fib.lookup(1), None);

    // SRv6: SIDs under a /64 locator share 48 zero bits after the function.
    let loc: u128 = 0xfc00_0000_0001_0000 << 64;
    let fib = Fib6::build(&[(loc, 64, 9), (loc | 0x100, 128, 1), (loc | 0x101, 128, 2)]);
    assert_eq!(fib.lookup(loc | 0x100), Some(1));
    assert_eq!(fib.lookup(loc | 0x101), Some(2));
    assert_eq!(fib.lookup(loc | 0x102), Some(9));
    assert_eq!(fib.lookup(loc | 1 << 63), Some(9));
    assert_eq!(fib.lookup(loc ^ 1 << 64), None);
    assert_eq!(fib.lookup(u128::MAX), None);
}

#[test]
fn adjacent_and_nested_prefixes() {
    let fib = Fib4::build(&[
        (v4(10, 0, 0, 0), 24, 1),
        (v4(10, 0, 1, 0), 24, 2),
        (v4(10, 0, 0, 0), 23, 3),
        (v4(10, 0, 2, 0), 23, 4),
        (v4(10, 0, 0, 0), 8, 5),
        (v4(10, 0, 0, 128), 25, 6),
    ]);
    assert_eq!(fib.lookup(v4(10, 0, 0, 5)), Some(1));
    assert_eq!(fib.lookup(v4(10, 0, 0, 200)), Some(6));
    assert_eq!(fib.lookup(v4(10, 0, 1, 255)), Some(2));
    assert_eq!(fib.lookup(v4(10, 0, 2, 0)), Some(4));
    assert_eq!(fib.lookup(v4(10, 0, 3, 255)), Some(4));
    assert_eq!(fib.lookup(v4(10, 0, 4, 0)), Some(5));
    assert_eq!(fib.lookup(v4(9, 255, 255, 255)), None);
    assert_eq!(fib.lookup(v4(11, 0, 0, 0)), None);
}

#[test]
fn host_bits_ignored_and_last_duplicate_wins() {
    let fib = Fib4::build(&[
        (v4(10, 1, 2, 3), 16, 1),
        (v4(10, 1, 0, 0), 16, 2),
        (v4(10, 1, 255, 255), 16, 3),
    ]);
    assert_eq!(fib.len(), 1);
    assert_eq!(fib.lookup(v4(10, 1, 0, 0)), Some(3));
    assert_eq!(fib.lookup(v4(10, 2, 0, 0)), None);
}

#[test]
fn max_value_round_trips() {
    let fib = Fib4::build(&[(0, 1, MAX_VALUE), (1 << 31, 1, 0)]);
    assert_eq!(fib.lookup(5), Some(MAX_VALUE));
    assert_eq!(fib.lookup(u32::MAX), Some(0));
}

#[test]
#[should_panic(expected = "prefix length")]
fn v4_length_over_32_panics() {
    Fib4::build(&[(0, 33, 1)]);
}

#[test]
#[should_panic(expected = "prefix length")]
fn v6_length_over_128_panics() {
    Fib6::build(&[(0, 129, 1)]);
}

#[test]
#[should_panic(expected = "MAX_VALUE")]
fn reserved_value_panics() {
    Fib4::build(&[(0, 8, MAX_VALUE + 1)]);
}

#[test]
fn small_tables_stay_small() {
    let fib = Fib4::build(&[(v4(10, 0, 0, 0), 8, 1), (v4(10, 1, 0, 0), 16, 2), (0, 0, 3)]);
    assert!(fib.memory_bytes() < 1024, "{}", fib.memory_bytes());
    let fib = Fib6::build(&[
        (0xfc00 << 112, 16, 1),
        (0xfc00_0000_0001 << 80, 48, 2),
        (0xfc00_0000_0001_0001 << 64 | 0x42, 128, 3),
    ]);
    assert!(fib.memory_bytes() < 1024, "{}", fib.memory_bytes());
}

#[test]
fn is_send_sync_clone_debug() {
    fn check<T: Send + Sync + Clone + core::fmt::Debug + Default>() {}
    check::<Fib4>();
    check::<Fib6>();
    let fib = Fib4::build(&[(0, 0, 1)]);
    assert_eq!(fib.clone().lookup(1), Some(1));
    assert!(format!("{fib:?}").contains("prefixes: 1"));
}
