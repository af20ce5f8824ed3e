//! The 20 (lblen, nflen) cases of srv6_end_next_csid_l3vpn_test.sh /
//! srv6_end_x_next_csid_l3vpn_test.sh (spec §6.6/§6.7).
//!
//! iproute2 parses lblen/nflen with `get_u8` (any C number 0..=255), so every
//! one of the 20 cases passes iproute2's parser; the 13 rejected cases are all
//! rejected by the kernel (`seg6_chk_next_csid_cfg`: B,F in (0,120], multiple
//! of 8, B+F <= 128 -> EINVAL, iproute2 exits 2). lwt mirrors that split: the
//! parser accepts them, the core must reject them. This file pins the parser
//! half and documents the kernel half with a reference check.

use lwt_config::*;

// None = default (keyword omitted); shared with the core's checks and the live selftests.
use lwt_testkit::next_csid::{BEHAVIOURS, CASES, route_line};

/// The kernel's rule (for documentation; the core owns the real check).
fn kernel_accepts(b: Option<u8>, f: Option<u8>) -> bool {
    let b = b.unwrap_or(32) as u32;
    let f = f.unwrap_or(16) as u32;
    let ok = |x: u32| x > 0 && x <= 120 && x.is_multiple_of(8);
    ok(b) && ok(f) && b + f <= 128
}

fn line(action: &str, b: Option<u8>, f: Option<u8>) -> String {
    format!("ip {}", route_line("add", action, b, f))
}

#[test]
fn twenty_cases_parse_as_iproute2_parses_them() {
    assert_eq!(CASES.len(), 20);
    for action in BEHAVIOURS {
        for (b, f, expect) in CASES {
            let l = line(action, b, f);
            let req = parse_line(&l)
                .unwrap_or_else(|e| panic!("iproute2 accepts this: {l}\n{e}"))
                .unwrap();
            let Command::Route(RouteCmd::Modify { spec, .. }) = req.cmd else {
                panic!()
            };
            let Some(Encap::Seg6Local(enc)) = &spec.nexthops[0].encap else {
                panic!()
            };
            let fl = enc.flavors.unwrap();
            assert_eq!(
                (fl.ops, fl.lblen, fl.nflen),
                (SEG6_LOCAL_FLV_OP_NEXT_CSID, b, f),
                "{l}"
            );
            assert_eq!(kernel_accepts(fl.lblen, fl.nflen), expect, "{l}");
        }
    }
}

#[test]
fn what_iproute2_itself_rejects() {
    let cases = [
        (
            "lblen 256",
            "argument \"256\" is wrong: \"locator-block length\" value is invalid",
        ),
        (
            "lblen -1",
            "argument \"-1\" is wrong: \"locator-block length\" value is invalid",
        ),
        (
            "lblen 32b",
            "argument \"32b\" is wrong: \"locator-block length\" value is invalid",
        ),
        (
            "nflen 0x100",
            "argument \"0x100\" is wrong: \"locator-node function length\" value is invalid",
        ),
        (
            "lblen 32 nflen sixteen",
            "argument \"sixteen\" is wrong: \"locator-node function length\" value is invalid",
        ),
        // order matters: nflen then lblen leaves `lblen` for the route parser
        (
            "nflen 16 lblen 32",
            "either \"to\" is duplicate, or \"lblen\" is a garbage.",
        ),
        (
            "lblen 32 lblen 32",
            "either \"to\" is duplicate, or \"lblen\" is a garbage.",
        ),
    ];
    for (tail, want) in cases {
        let l = format!(
            "ip -6 route add dead:beaf::/32 encap seg6local action End flavors next-csid {tail} dev dum0"
        );
        let e = parse_line(&l).unwrap_err();
        assert_eq!(e.message, want, "{l}");
    }
    // lblen/nflen without next-csid in the list
    let e = parse_line(
        "ip -6 route add dead:beaf::/32 encap seg6local action End flavors psp nflen 16 dev dum0",
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "either \"to\" is duplicate, or \"nflen\" is a garbage."
    );
    // C number syntax is accepted like get_u8 does
    let r = parse_line("ip -6 route add dead:beaf::/32 encap seg6local action End flavors next-csid lblen 0x20 nflen 020 dev d")
        .unwrap()
        .unwrap();
    let Command::Route(RouteCmd::Modify { spec, .. }) = r.cmd else {
        panic!()
    };
    let Some(Encap::Seg6Local(enc)) = &spec.nexthops[0].encap else {
        panic!()
    };
    assert_eq!(
        (enc.flavors.unwrap().lblen, enc.flavors.unwrap().nflen),
        (Some(32), Some(16))
    );
}
