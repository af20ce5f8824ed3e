//! The SRH checks of End (`get_and_validate_srh`: the walk to the first SRH with SL > 0,
//! `seg6_validate_srh`, the HMAC check under the ingress link's `seg6_require_hmac`),
//! over SRH shapes on both sides of the common-case shortcut (SRH right after the IPv6
//! header, no TLV) and each `seg6_require_hmac` value; every frame goes through
//! `process` and `process_batch` with the same outcome.

use std::net::Ipv6Addr;

use lwt_core::{Dataplane, DropReason, PacketBuf, Router, Verdict, Worker, process, process_batch};
use lwt_testkit::frames::{Ipv6, Mac, ethernet_ip, ip6, srh};

const IN_MAC: Mac = Mac([0x02, 0, 0, 0, 0, 0x01]);
const HOST: Mac = Mac([0x02, 0, 0, 0, 0x0a, 0x01]);
const HOPOPTS: u8 = 0;
const UDP: u8 = 17;
const ROUTING: u8 = 43;

/// The dataplane and the ifindexes of in0 and out0.
fn router(require_hmac: i8) -> (Dataplane, u32, u32) {
    let mut cfg = String::from(
        "link add in0 address 02:00:00:00:00:01 type port
link add out0 address 02:00:00:00:00:02 type port
link set in0 up
link set out0 up
addr add 2001:db8::1/64 dev in0
addr add fd00::1/64 dev out0
neigh add fd00::2 lladdr 02:00:00:00:0c:02 dev out0
route add fc00::/16 via fd00::2 dev out0
sr hmac set 7 sha256 s3cret
",
    );
    cfg += &format!("sysctl -w net.ipv6.conf.in0.seg6_require_hmac={require_hmac}\n");
    for i in 0..40 {
        cfg += &format!("route add fc00:1::{i:x}/128 encap seg6local action End dev out0\n");
    }
    let lines = lwt_config::parse_batch(&cfg).expect("config parses");
    let mut r = Router::new();
    if let Err((i, e)) = r.apply_all(lines.iter().map(|(_, _, q)| &q.cmd)) {
        panic!("line {}: {}: {e}", lines[i].0, lines[i].1);
    }
    let idx = |n| r.link_by_name(n).expect("link exists").ifindex;
    (r.dataplane(), idx("in0"), idx("out0"))
}

const SID: &str = "fc00:1::5";
const NEXT: &str = "fc00:2::1";

/// An IPv6 packet to the SID with `ext` (extension headers, SRH included) in front of a
/// UDP payload; `nh` names the first of them.
fn frame(nh: u8, ext: &[u8]) -> Vec<u8> {
    let mut payload = ext.to_vec();
    payload.extend_from_slice(&[0x12, 0x34, 0x56, 0x78, 0, 12, 0, 0, 1, 2, 3, 4]);
    let ip = Ipv6::new(ip6("2001:db8::9"), ip6(SID)).packet(nh, &payload);
    ethernet_ip(HOST, IN_MAC, &ip)
}

/// The SRH the shortcut takes: [NEXT, SID] in visit order, SL 1.
fn plain() -> Vec<u8> {
    srh(UDP, 1, &[ip6(NEXT), ip6(SID)], &[])
}

/// The same SRH with flags (byte 5) set to `flags` and `tlvs` appended.
fn with(flags: u8, tlvs: &[u8]) -> Vec<u8> {
    let mut h = srh(UDP, 1, &[ip6(NEXT), ip6(SID)], tlvs);
    h[5] = flags;
    h
}

/// A correct HMAC TLV for `plain()`'s segments with the HMAC flag, from 2001:db8::9
/// (RFC 8754 §2.1.2.1: source, last entry, flags, key id, segments).
fn hmac_tlv(key_id: u32, corrupt: bool) -> Vec<u8> {
    use hmac::{KeyInit, Mac as _};
    let segs = [ip6(NEXT), ip6(SID)];
    let mut text = ip6("2001:db8::9").octets().to_vec();
    text.extend_from_slice(&[1, 0x08]);
    text.extend_from_slice(&key_id.to_be_bytes());
    for s in &segs {
        text.extend_from_slice(&s.octets());
    }
    let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
    m.update(&text);
    let mut sum = m.finalize().into_bytes().to_vec();
    if corrupt {
        sum[0] ^= 1;
    }
    let mut t = vec![5, 38, 0, 0];
    t.extend_from_slice(&key_id.to_be_bytes());
    t.extend_from_slice(&sum);
    t
}

/// `Ok(())`: forwarded on out0 with the next segment as destination and SL 0.
fn outcome((dp, in0, out0): &(Dataplane, u32, u32), f: &[u8]) -> Result<(), DropReason> {
    let mut w = Worker::new();
    let mut pkt = PacketBuf::new();
    pkt.load(f, *in0);
    let single = process(dp, &mut w, &mut pkt);
    let mut bufs = [PacketBuf::new()];
    bufs[0].load(f, *in0);
    let mut batch = [Verdict::Consumed];
    process_batch(dp, &mut Worker::new(), &mut bufs, &mut batch);
    assert_eq!(
        format!("{single:?}"),
        format!("{:?}", batch[0]),
        "batch differs"
    );
    assert_eq!(pkt.data(), bufs[0].data(), "batch bytes differ");
    match single {
        Verdict::Tx(oif) if oif == *out0 => {
            let d = pkt.data();
            assert_eq!(
                &d[38..54],
                &ip6(NEXT).octets(),
                "destination is the next SID"
            );
            Ok(())
        }
        Verdict::Drop(r) => Err(r),
        v => panic!("unexpected verdict {v:?}"),
    }
}

#[test]
fn srh_shapes_and_hmac_policy() {
    let (pad8, hmac_ok, hmac_bad) = (
        [4u8, 6, 0, 0, 0, 0, 0, 0],
        hmac_tlv(7, false),
        hmac_tlv(7, true),
    );
    let hbh = |next: &[u8]| {
        let mut h = vec![ROUTING, 0, 1, 4, 0, 0, 0, 0];
        h.extend_from_slice(next);
        h
    };
    // plain() with one byte changed: 1 Hdr Ext Len, 2 Routing Type, 3 SL, 4 Last Entry.
    let patched = |at: usize, v: u8| {
        let mut h = plain();
        h[at] = v;
        h
    };
    let (sl_too_big, sl_zero, wrong_type) = (patched(3, 3), patched(3, 0), patched(2, 3));
    let (too_long, le_too_small) = (patched(1, 10), patched(4, 0));
    // Last Entry is 1 (two segments): SL 2 is the reduced form.
    let sl_le_plus_one = patched(3, 2);
    let cut = {
        let ip = Ipv6::new(ip6("2001:db8::9"), ip6(SID)).packet(ROUTING, &plain()[..32]);
        ethernet_ip(HOST, IN_MAC, &ip)
    };
    let ok = Ok(());
    let invalid = Err(DropReason::SrhInvalid);
    let required = Err(DropReason::HmacRequired);
    let failed = Err(DropReason::HmacInvalid);
    // (frame, outcome with seg6_require_hmac -1, 0, 1)
    type Outcomes = [Result<(), DropReason>; 3];
    let cases: Vec<(&str, Vec<u8>, Outcomes)> = vec![
        ("plain", frame(ROUTING, &plain()), [ok, ok, required]),
        (
            "PadN TLV",
            frame(ROUTING, &with(0, &pad8)),
            [ok, ok, required],
        ),
        (
            "after hop-by-hop",
            frame(HOPOPTS, &hbh(&plain())),
            [ok, ok, required],
        ),
        (
            "HMAC flag, no TLV",
            frame(ROUTING, &with(0x08, &[])),
            [ok, ok, required],
        ),
        (
            "valid HMAC",
            frame(ROUTING, &with(0x08, &hmac_ok)),
            [ok, ok, ok],
        ),
        (
            "wrong HMAC",
            frame(ROUTING, &with(0x08, &hmac_bad)),
            [ok, failed, failed],
        ),
        (
            "SL > last_entry + 1",
            frame(ROUTING, &sl_too_big),
            [invalid; 3],
        ),
        (
            "SL 0",
            frame(ROUTING, &sl_zero),
            [Err(DropReason::SlZero); 3],
        ),
        ("routing type 3", frame(ROUTING, &wrong_type), [invalid; 3]),
        (
            "last_entry short of the header",
            frame(ROUTING, &le_too_small),
            [invalid; 3],
        ),
        (
            "header past the payload",
            frame(ROUTING, &too_long),
            [Err(DropReason::NoSrh); 3],
        ),
        (
            "payload ends 8 bytes into the SRH",
            cut,
            [Err(DropReason::NoSrh); 3],
        ),
        // The reduced form (SL = last_entry + 1) is valid: its "next" segment is
        // segments[1], the SID itself, whose second pass then goes on to NEXT.
        (
            "reduced",
            frame(ROUTING, &sl_le_plus_one),
            [ok, ok, required],
        ),
    ];
    for (i, require) in [-1i8, 0, 1].into_iter().enumerate() {
        let dp = router(require);
        for (name, f, want) in &cases {
            assert_eq!(outcome(&dp, f), want[i], "{name}, require_hmac {require}");
        }
    }
}

/// An address next to the SIDs is not one of them: it falls to the covering route.
#[test]
fn neighbouring_addresses_are_not_sids() {
    let (dp, in0, out0) = router(0);
    let f = {
        let ip = Ipv6::new(
            ip6("2001:db8::9"),
            "fc00:1::41".parse::<Ipv6Addr>().unwrap(),
        )
        .packet(UDP, &[0x12, 0x34, 0x56, 0x78, 0, 8, 0, 0]);
        ethernet_ip(HOST, IN_MAC, &ip)
    };
    let mut pkt = PacketBuf::new();
    pkt.load(&f, in0);
    // No SRH needed: fc00::/16 forwards it as any packet.
    let v = process(&dp, &mut Worker::new(), &mut pkt);
    assert!(matches!(v, Verdict::Tx(o) if o == out0), "{v:?}");
}
