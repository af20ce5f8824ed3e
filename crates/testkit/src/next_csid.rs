//! The NEXT-C-SID container configuration cases of the kernel selftests
//! srv6_end_next_csid_l3vpn_test.sh and srv6_end_x_next_csid_l3vpn_test.sh (spec §6.6,
//! §6.7, `csid_container_cfg_tests`): 20 (lblen, nflen) layouts, 7 the kernel accepts
//! and 13 it refuses (`seg6_chk_next_csid_cfg`: each length in (0, 120] and a multiple
//! of 8, their sum at most 128; the defaults are 32 and 16).
//!
//! One list for the tests that check the same cases at different depths (lwt-config's
//! parser, the core's configuration checks, the live selftests).

/// `(lblen, nflen, accepted)`; `None` leaves the option out (the kernel default).
pub const CASES: [(Option<u8>, Option<u8>, bool); 20] = [
    (None, None, true),
    (None, Some(16), true),
    (Some(16), None, true),
    (Some(16), Some(32), true),
    (Some(32), Some(16), true),
    (Some(48), Some(8), true),
    (Some(8), Some(48), true),
    (None, Some(0), false),
    (Some(0), None, false),
    (Some(32), Some(0), false),
    (Some(0), Some(32), false),
    (Some(17), None, false),
    (None, Some(17), false),
    (Some(120), Some(16), false),
    (Some(16), Some(120), false),
    (Some(0), Some(128), false),
    (Some(128), Some(0), false),
    (Some(130), Some(0), false),
    (Some(0), Some(130), false),
    (Some(0), Some(0), false),
];

/// The behaviours the two scripts try the cases with.
pub const BEHAVIOURS: [&str; 2] = ["End", "End.X nh6 ::"];

/// The scripts' route (iproute2 arguments after `ip`): `-6 route VERB dead:beaf::/32
/// table 91 encap seg6local action BEHAVIOUR flavors next-csid [lblen B] [nflen F] dev
/// dum0`.
pub fn route_line(verb: &str, behaviour: &str, lblen: Option<u8>, nflen: Option<u8>) -> String {
    let mut line = format!(
        "-6 route {verb} dead:beaf::/32 table 91 encap seg6local action {behaviour} flavors next-csid"
    );
    if let Some(b) = lblen {
        line += &format!(" lblen {b}");
    }
    if let Some(f) = nflen {
        line += &format!(" nflen {f}");
    }
    line + " dev dum0"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's rule, restated: the table's verdicts follow it, 7 accepted, 13 not.
    #[test]
    fn verdicts_follow_the_kernel_rule() {
        let ok = |x: u8| x > 0 && x <= 120 && x.is_multiple_of(8);
        for (b, f, accepted) in CASES {
            let (lb, nf) = (b.unwrap_or(32), f.unwrap_or(16));
            let rule = ok(lb) && ok(nf) && u16::from(lb) + u16::from(nf) <= 128;
            assert_eq!(rule, accepted, "lblen {b:?} nflen {f:?}");
        }
        assert_eq!(CASES.iter().filter(|c| c.2).count(), 7);
        assert_eq!(CASES.iter().filter(|c| !c.2).count(), 13);
    }

    #[test]
    fn route_line_leaves_defaults_out() {
        assert_eq!(
            route_line("add", "End.X nh6 ::", None, Some(16)),
            "-6 route add dead:beaf::/32 table 91 encap seg6local action End.X nh6 :: \
             flavors next-csid nflen 16 dev dum0"
        );
        assert_eq!(
            route_line("del", "End", Some(0), None),
            "-6 route del dead:beaf::/32 table 91 encap seg6local action End \
             flavors next-csid lblen 0 dev dum0"
        );
    }
}
