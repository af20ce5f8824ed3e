//! The kernel's refusals, through the whole configuration path (iproute2 syntax → checks):
//! the 20 NEXT-CSID length cases of srv6_end_next_csid_l3vpn (spec §6.6), VRF strict mode
//! (spec §5, vrf_strict_mode_test.sh), End.DT* bindings, and "a refused line changes
//! nothing".

use lwt_core::Router;
use lwt_testkit::next_csid;

fn apply(router: &mut Router, text: &str) -> Result<(), String> {
    let lines = lwt_config::parse_batch(text).map_err(|e| format!("parse: {e}"))?;
    router
        .apply_all(lines.iter().map(|(_, _, r)| &r.cmd))
        .map_err(|(_, e)| e.to_string())
}

const BASE: &str = "
link add dum0 type dummy
link set dum0 up
";

#[test]
fn next_csid_lengths_as_the_selftest_checks_them() {
    for behaviour in next_csid::BEHAVIOURS {
        let mut r = Router::new();
        apply(&mut r, BASE).unwrap();
        for (b, f, ok) in next_csid::CASES {
            let line = next_csid::route_line("add", behaviour, b, f);
            let res = apply(&mut r, &line);
            assert_eq!(res.is_ok(), ok, "{line}: {res:?}");
            if let Err(e) = res {
                assert!(
                    e.contains("Invalid Locator Block/Node Function lengths"),
                    "{line}: {e}"
                );
            } else {
                apply(&mut r, "-6 route del dead:beaf::/32 table 91").unwrap();
            }
        }
    }
}

#[test]
fn vrf_strict_mode() {
    let mut r = Router::new();
    // lwt's default is strict mode on: a second VRF on table 100 is refused (EBUSY).
    apply(&mut r, "link add vrf-100 type vrf table 100").unwrap();
    let e = apply(&mut r, "link add vrf-101 type vrf table 100").unwrap_err();
    assert!(e.contains("Table is used by another VRF"), "{e}");
    // With strict mode off it is allowed...
    apply(
        &mut r,
        "sysctl -w net.vrf.strict_mode=0\nlink add vrf-101 type vrf table 100",
    )
    .unwrap();
    // ...and strict mode cannot come back while two VRFs share the table.
    let e = apply(&mut r, "sysctl -w net.vrf.strict_mode=1").unwrap_err();
    assert!(e.contains("Device or resource busy"), "{e}");
    apply(&mut r, "link del vrf-101\nsysctl -w net.vrf.strict_mode=1").unwrap();
}

#[test]
fn end_dt_bindings() {
    let mut r = Router::new();
    apply(
        &mut r,
        "sysctl -w net.vrf.strict_mode=0\nlink add vrf-100 type vrf table 100",
    )
    .unwrap();
    for action in ["End.DT4", "End.DT46", "End.DT6"] {
        let line = format!(
            "-6 route add fc00::1/128 encap seg6local action {action} vrftable 100 dev vrf-100"
        );
        let e = apply(&mut r, &line).unwrap_err();
        assert!(
            e.contains("Strict mode for VRF is disabled"),
            "{action}: {e}"
        );
    }
    apply(&mut r, "sysctl -w net.vrf.strict_mode=1").unwrap();
    let e = apply(
        &mut r,
        "-6 route add fc00::1/128 encap seg6local action End.DT4 vrftable 200 dev vrf-100",
    )
    .unwrap_err();
    assert!(e.contains("Table has no associated VRF device"), "{e}");
    let e = apply(
        &mut r,
        "-6 route add fc00::1/128 encap seg6local action End.DT6 dev vrf-100",
    )
    .unwrap_err();
    assert!(e.contains("table or vrftable must be specified"), "{e}");
    apply(
        &mut r,
        "-6 route add fc00::1/128 encap seg6local action End.DT46 vrftable 100 dev vrf-100",
    )
    .unwrap();
    // IPv4 routes cannot carry seg6local; End.DT4 needs vrftable.
    assert!(
        apply(
            &mut r,
            "route add 10.0.0.0/8 encap seg6local action End dev vrf-100"
        )
        .is_err()
    );
    let e = apply(
        &mut r,
        "-6 route add fc00::2/128 encap seg6local action End.DT4 dev vrf-100",
    )
    .unwrap_err();
    assert!(e.contains("missing: vrftable"), "{e}");
}

#[test]
fn refused_line_changes_nothing() {
    let mut r = Router::new();
    apply(&mut r, BASE).unwrap();
    let before = format!("{:?}", r.routes);
    let err = apply(
        &mut r,
        "-6 route add fc00::1/128 encap seg6local action End dev dum0\n\
         -6 route add fc00::2/128 encap seg6local action End.X dev dum0",
    )
    .unwrap_err();
    assert!(err.contains("End.X requires nh6"), "{err}");
    assert_eq!(
        format!("{:?}", r.routes),
        before,
        "the first line was not kept"
    );
    for refused in ["End.BM", "End.S", "End.AS", "End.AM", "End.BPF"] {
        let line = format!("-6 route add fc00::9/128 encap seg6local action {refused} dev dum0");
        assert!(apply(&mut r, &line).is_err(), "{refused} must be refused");
    }
}

#[test]
fn seg6local_counters_are_shown_with_s() {
    let mut r = Router::new();
    apply(
        &mut r,
        &format!("{BASE}\n-6 route add fc00::1/128 encap seg6local action End count dev dum0"),
    )
    .unwrap();
    let req = lwt_config::parse_line("-s -6 route show").unwrap().unwrap();
    let mut stats = lwt_core::stats::Stats::new();
    let slot = r.routes.values().next().unwrap().slot;
    stats.sid(slot).ok.add(100);
    stats.sid(slot).errors = 3;
    let text = lwt_core::show::render(&r, &req, Some(&stats));
    assert!(text.contains("packets 1 bytes 100 errors 3"), "{text}");
    let req = lwt_config::parse_line("-s -j -6 route show")
        .unwrap()
        .unwrap();
    let json = lwt_core::show::render(&r, &req, Some(&stats));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // iproute2 nests the encap (since 6.3): {"encap": {"encap_type": ..., "stats64": ...}}.
    assert_eq!(v[0]["encap"]["encap_type"], "seg6local");
    assert_eq!(v[0]["encap"]["action"], "End");
    assert_eq!(v[0]["encap"]["stats64"]["packets"], 1, "{json}");
    assert_eq!(v[0]["encap"]["stats64"]["errors"], 3, "{json}");
}
