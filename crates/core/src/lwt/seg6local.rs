//! `encap seg6local`: SRv6 endpoint behaviours, described by one table as Linux's
//! `seg6_action_table` does. The table drives validation at route install (required and
//! optional attributes, anything else silently ignored as in the kernel), the dump, and
//! dispatch in the packet path.

use std::net::{Ipv4Addr, Ipv6Addr};

use lwt_config as cfg;
use lwt_config::Seg6LocalEncap;

use super::seg6::Seg6Encap;
use crate::error::ApplyError;

/// Attribute bits (`SEG6_LOCAL_*`).
pub mod attr {
    pub const SRH: u16 = 1 << 0;
    pub const TABLE: u16 = 1 << 1;
    pub const NH4: u16 = 1 << 2;
    pub const NH6: u16 = 1 << 3;
    pub const IIF: u16 = 1 << 4;
    pub const OIF: u16 = 1 << 5;
    pub const BPF: u16 = 1 << 6;
    pub const VRFTABLE: u16 = 1 << 7;
    pub const COUNTERS: u16 = 1 << 8;
    pub const FLAVORS: u16 = 1 << 9;
}

/// The behaviours (UAPI action numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    End = 1,
    EndX = 2,
    EndT = 3,
    EndDX2 = 4,
    EndDX6 = 5,
    EndDX4 = 6,
    EndDT6 = 7,
    EndDT4 = 8,
    EndB6 = 9,
    EndB6Encaps = 10,
    EndDT46 = 16,
}

/// One row of the behaviour table.
#[derive(Debug)]
pub struct Behaviour {
    pub action: Action,
    pub name: &'static str,
    pub required: u16,
    pub optional: u16,
    /// Flavor operations the behaviour supports (SEG6_LOCAL_FLV_OP_* bits).
    pub flavors: u32,
}

use attr::*;
const PSP: u32 = cfg::SEG6_LOCAL_FLV_OP_PSP;
const NEXT_CSID: u32 = cfg::SEG6_LOCAL_FLV_OP_NEXT_CSID;

/// The behaviour table. End.DT6 takes TABLE or VRFTABLE (exactly one), checked apart.
pub const BEHAVIOURS: &[Behaviour] = &[
    Behaviour {
        action: Action::End,
        name: "End",
        required: 0,
        optional: COUNTERS | FLAVORS,
        flavors: PSP | NEXT_CSID,
    },
    Behaviour {
        action: Action::EndX,
        name: "End.X",
        required: NH6,
        optional: OIF | COUNTERS | FLAVORS,
        flavors: NEXT_CSID,
    },
    Behaviour {
        action: Action::EndT,
        name: "End.T",
        required: TABLE,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDX2,
        name: "End.DX2",
        required: OIF,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDX6,
        name: "End.DX6",
        required: NH6,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDX4,
        name: "End.DX4",
        required: NH4,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDT6,
        name: "End.DT6",
        required: 0,
        optional: TABLE | VRFTABLE | COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDT4,
        name: "End.DT4",
        required: VRFTABLE,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndB6,
        name: "End.B6",
        required: SRH,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndB6Encaps,
        name: "End.B6.Encaps",
        required: SRH,
        optional: COUNTERS,
        flavors: 0,
    },
    Behaviour {
        action: Action::EndDT46,
        name: "End.DT46",
        required: VRFTABLE,
        optional: COUNTERS,
        flavors: 0,
    },
];

/// Default NEXT-CSID lengths in bits (`SEG6_LOCAL_LCBLOCK_DBITS`, `_LCNODE_FN_DBITS`).
pub const LCBLOCK_DBITS: u8 = 32;
pub const LCNODE_FN_DBITS: u8 = 16;

pub fn behaviour(name: &str) -> Option<&'static Behaviour> {
    BEHAVIOURS.iter().find(|b| b.name == name)
}

fn given(e: &Seg6LocalEncap) -> u16 {
    let mut m = 0;
    let mut set = |b: bool, bit: u16| {
        if b {
            m |= bit;
        }
    };
    set(e.srh.is_some(), SRH);
    set(e.table.is_some(), TABLE);
    set(e.nh4.is_some(), NH4);
    set(e.nh6.is_some(), NH6);
    set(e.iif.is_some(), IIF);
    set(e.oif.is_some(), OIF);
    set(e.bpf.is_some(), BPF);
    set(e.vrftable.is_some(), VRFTABLE);
    set(e.count, COUNTERS);
    set(e.flavors.is_some(), FLAVORS);
    m
}

fn attr_names(bits: u16) -> String {
    let names = [
        (SRH, "srh"),
        (TABLE, "table"),
        (NH4, "nh4"),
        (NH6, "nh6"),
        (IIF, "iif"),
        (OIF, "oif"),
        (BPF, "endpoint"),
        (VRFTABLE, "vrftable"),
    ];
    names
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn einval(hint: impl Into<String>) -> ApplyError {
    ApplyError::new("RTNETLINK answers: Invalid argument").hint(hint)
}

/// NEXT-CSID lengths in bytes after the kernel's checks (`seg6_chk_next_csid_cfg`).
pub fn csid_lengths(f: &cfg::Flavors) -> Result<(u8, u8), ApplyError> {
    let b = f.lblen.unwrap_or(LCBLOCK_DBITS);
    let n = f.nflen.unwrap_or(LCNODE_FN_DBITS);
    let ok = |x: u8| x > 0 && x <= 120 && x.is_multiple_of(8);
    if !ok(b) || !ok(n) || u16::from(b) + u16::from(n) > 128 {
        return Err(ApplyError::new("Invalid Locator Block/Node Function lengths").hint(
            "lblen and nflen are multiples of 8 in (0, 120] with lblen + nflen <= 128 (defaults 32 and 16)",
        ));
    }
    Ok((b / 8, n / 8))
}

/// The VRF binding decided when an End.DT4/DT6/DT46 route is installed.
pub struct VrfLookup<'a> {
    pub strict_mode: bool,
    /// VRF devices (ifindex, table).
    pub vrfs: &'a [(u32, u32)],
}

/// Validates a seg6local encap like `seg6_local_build_state`; returns the behaviour and,
/// for the VRF modes, the VRF device bound now (the binding is not re-evaluated later).
pub fn validate(
    e: &Seg6LocalEncap,
    ipv6_route: bool,
    vrf: &VrfLookup<'_>,
) -> Result<(&'static Behaviour, Option<u32>), ApplyError> {
    if !ipv6_route {
        return Err(einval(
            "seg6local routes are IPv6 routes: use `-6 route add SID/128 ...`",
        ));
    }
    let b = match e.action.as_str() {
        "End.BM" | "End.S" | "End.AS" | "End.AM" => {
            return Err(einval(format!(
                "{} exists only as a UAPI number: Linux does not implement it, nor does lwt",
                e.action
            )));
        }
        "End.BPF" => {
            return Err(
                ApplyError::new("RTNETLINK answers: Operation not supported")
                    .hint("End.BPF is not supported by lwt (it runs no BPF programs)"),
            );
        }
        name => behaviour(name).ok_or_else(|| einval(format!("unknown action \"{name}\"")))?,
    };
    let have = given(e);
    if have & b.required != b.required {
        return Err(einval(format!(
            "{} requires {}; missing: {}",
            b.name,
            attr_names(b.required),
            attr_names(b.required & !have)
        )));
    }
    let mut bound = None;
    if b.optional & FLAVORS != 0
        && let Some(f) = &e.flavors
    {
        if f.ops & !b.flavors != 0 {
            return Err(
                ApplyError::new("Unsupported Flavor operation(s)").hint(format!(
                    "{} supports only: {}",
                    b.name,
                    flavor_names(b.flavors)
                )),
            );
        }
        if f.ops & NEXT_CSID != 0 {
            csid_lengths(f)?;
        }
    }
    let vrf_mode = match b.action {
        Action::EndDT4 | Action::EndDT46 => true,
        Action::EndDT6 => match (e.table.is_some(), e.vrftable.is_some()) {
            (true, false) => false,
            (false, true) => true,
            _ => {
                return Err(ApplyError::new("table or vrftable must be specified")
                    .hint("End.DT6 takes exactly one: `table T` (legacy) or `vrftable T` (VRF)"));
            }
        },
        _ => false,
    };
    if vrf_mode {
        let t = e.vrftable.expect("required or checked above");
        if !vrf.strict_mode {
            return Err(ApplyError::new("Strict mode for VRF is disabled").hint(
                "End.DT4/DT6/DT46 in VRF mode need net.vrf.strict_mode=1 (`sysctl -w net.vrf.strict_mode=1`)",
            ));
        }
        bound = Some(
            vrf.vrfs
                .iter()
                .find(|(_, table)| *table == t)
                .map(|(ifindex, _)| *ifindex)
                .ok_or_else(|| {
                    ApplyError::new("Table has no associated VRF device").hint(format!(
                        "create one first: `link add vrf-{t} type vrf table {t}` and `link set vrf-{t} up`"
                    ))
                })?,
        );
    }
    Ok((b, bound))
}

fn flavor_names(ops: u32) -> String {
    cfg::SEG6_FLAVOR_NAMES
        .iter()
        .filter(|(bit, _)| ops & (1 << bit) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A compiled seg6local nexthop. Laid out in declaration order (`repr(C)`): what the
/// behaviours read per packet comes first and fills the first cache line, the one the
/// batched path fetches ahead (End.DX6's nh6 alone does not fit: it is in the second);
/// the binding SIDs' encapsulation, three lines of its own, comes last. (Rust's own
/// order put it first, and the action, slot and VRF two and three lines further.)
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Seg6Local {
    pub action: Action,
    pub psp: bool,
    /// NEXT-CSID (locator block, node function) lengths in bytes.
    pub csid: Option<(u8, u8)>,
    /// The route's counter slot.
    pub slot: u32,
    /// VRF device for the VRF modes (0 if it is gone).
    pub vrf: Option<u32>,
    /// End.T / End.DT6 legacy mode: `table`'s index in the snapshot's tables, set with
    /// the snapshot (`None`: no such table).
    pub table_at: Option<u32>,
    pub nh4: Option<Ipv4Addr>,
    /// End.X / End.DX6 / End.DX4: the adjacency nh6 (nh4) leads to from the default L3
    /// domain, set with the snapshot (`path::sid_adjacency`).
    pub adj: Option<crate::dataplane::Adj>,
    pub nh6: Option<Ipv6Addr>,
    pub table: Option<u32>,
    pub oif: Option<u32>,
    /// End.B6 (inserted like inline mode) / End.B6.Encaps (pushed like encap mode).
    pub srh: Option<Seg6Encap>,
}

/// The fields read per packet, up to End.X's, End.DX4's and End.DX6's adjacency, lie
/// in the first cache line.
const _: () = assert!(
    std::mem::offset_of!(Seg6Local, adj) + size_of::<Option<crate::dataplane::Adj>>() <= 64
);

impl Seg6Local {
    /// Compiles a validated encap; name resolution is done by the caller.
    pub fn new(
        b: &Behaviour,
        e: &Seg6LocalEncap,
        oif: Option<u32>,
        vrf: Option<u32>,
        srh: Option<Seg6Encap>,
        slot: u32,
    ) -> Seg6Local {
        let use_attr = |bit: u16| (b.required | b.optional) & bit != 0;
        let flavors = e.flavors.filter(|_| use_attr(FLAVORS));
        let csid = flavors
            .filter(|f| f.ops & NEXT_CSID != 0)
            .and_then(|f| csid_lengths(&f).ok());
        Seg6Local {
            action: b.action,
            table: e.table.filter(|_| use_attr(TABLE)),
            vrf,
            nh4: e.nh4.filter(|_| use_attr(NH4)),
            nh6: e.nh6.filter(|_| use_attr(NH6)),
            oif: oif.filter(|_| use_attr(OIF)),
            srh,
            psp: csid.is_none() && flavors.is_some_and(|f| f.ops & PSP != 0),
            csid,
            slot,
            adj: None,
            table_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(action: &str) -> Seg6LocalEncap {
        Seg6LocalEncap {
            action: action.into(),
            ..Default::default()
        }
    }

    const NO_VRF: VrfLookup<'static> = VrfLookup {
        strict_mode: true,
        vrfs: &[],
    };

    #[test]
    fn required_attributes_and_refused_actions() {
        assert!(validate(&enc("End"), true, &NO_VRF).is_ok());
        assert!(validate(&enc("End"), false, &NO_VRF).is_err());
        let e = validate(&enc("End.X"), true, &NO_VRF).unwrap_err();
        assert!(e.hint.unwrap().contains("missing: nh6"));
        for a in ["End.BM", "End.S", "End.AS", "End.AM"] {
            assert_eq!(
                validate(&enc(a), true, &NO_VRF).unwrap_err().message,
                "RTNETLINK answers: Invalid argument"
            );
        }
        assert!(
            validate(&enc("End.BPF"), true, &NO_VRF)
                .unwrap_err()
                .hint
                .unwrap()
                .contains("not supported")
        );
        // Unknown attributes are ignored, as the kernel ignores them.
        let mut e = enc("End");
        e.table = Some(5);
        e.iif = Some("x".into());
        assert!(validate(&e, true, &NO_VRF).is_ok());
    }

    #[test]
    fn vrf_modes() {
        let mut e = enc("End.DT4");
        e.vrftable = Some(100);
        let off = VrfLookup {
            strict_mode: false,
            vrfs: &[(5, 100)],
        };
        assert_eq!(
            validate(&e, true, &off).unwrap_err().message,
            "Strict mode for VRF is disabled"
        );
        assert_eq!(
            validate(&e, true, &NO_VRF).unwrap_err().message,
            "Table has no associated VRF device"
        );
        let on = VrfLookup {
            strict_mode: true,
            vrfs: &[(5, 100)],
        };
        assert_eq!(validate(&e, true, &on).unwrap().1, Some(5));
        let mut dt6 = enc("End.DT6");
        assert_eq!(
            validate(&dt6, true, &on).unwrap_err().message,
            "table or vrftable must be specified"
        );
        dt6.table = Some(100);
        assert_eq!(validate(&dt6, true, &on).unwrap().1, None);
        dt6.vrftable = Some(100);
        assert!(validate(&dt6, true, &on).is_err());
    }

    /// spec §6.6: the 20 (lblen, nflen) cases; 7 accepted, 13 refused (by iproute2's
    /// parser or here).
    #[test]
    fn next_csid_lengths() {
        let ok = [
            (None, None),
            (None, Some(16)),
            (Some(16), None),
            (Some(16), Some(32)),
            (Some(32), Some(16)),
            (Some(48), Some(8)),
            (Some(8), Some(48)),
        ];
        let bad = [
            (None, Some(0)),
            (Some(0), None),
            (Some(32), Some(0)),
            (Some(0), Some(32)),
            (Some(17), None),
            (None, Some(17)),
            (Some(120), Some(16)),
            (Some(16), Some(120)),
            (Some(0), Some(128)),
            (Some(128), Some(0)),
            (Some(130), Some(0)),
            (Some(0), Some(130)),
            (Some(0), Some(0)),
        ];
        let f = |b, n| cfg::Flavors {
            ops: NEXT_CSID,
            lblen: b,
            nflen: n,
        };
        for (b, n) in ok {
            assert!(csid_lengths(&f(b, n)).is_ok(), "{b:?} {n:?}");
        }
        for (b, n) in bad {
            assert!(csid_lengths(&f(b, n)).is_err(), "{b:?} {n:?}");
        }
        let mut e = enc("End.X");
        e.nh6 = Some(Ipv6Addr::UNSPECIFIED);
        e.flavors = Some(cfg::Flavors {
            ops: PSP,
            lblen: None,
            nflen: None,
        });
        assert_eq!(
            validate(&e, true, &NO_VRF).unwrap_err().message,
            "Unsupported Flavor operation(s)"
        );
    }
}
