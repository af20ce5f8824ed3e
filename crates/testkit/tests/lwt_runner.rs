//! `LwtRunner` against a stand-in for lwt: a shell script that obeys the offline-runner
//! contract (`run --config FILE --in LINK=PCAP ... --out DIR`) by copying in0's input to
//! out0 and printing a summary. This checks the file layout, argument passing, input
//! ordering and output reading without depending on lwt itself. No root needed.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use lwt_testkit::frames::{Ipv6, ethernet_ip, ip6};
use lwt_testkit::tmp::TempDir;
use lwt_testkit::{LwtRunner, PortSpec};

const FAKE_LWT: &str = r#"#!/bin/sh
set -e
[ "$1" = run ] || { echo "usage: run ..." >&2; exit 2; }
shift
ins=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) cfg=$2; shift 2 ;;
    --in) ins="$ins $2"; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "bad argument $1" >&2; exit 2 ;;
  esac
done
grep -q "^link add in0 address 02:00:00:00:01:01 type port$" "$cfg"
grep -q "^link set out0 up$" "$cfg"
grep -q "^route add 2001:db8:99::/64 via 2001:db8:2::2 dev out0$" "$cfg"
if grep -q "^fail$" "$cfg"; then echo "line 5: fail: unknown command" >&2; exit 1; fi
for i in $ins; do
  case "${i%%=*}" in in0) cp "${i#*=}" "$out/out0.pcap" ;; esac
done
echo "ports:$ins"
"#;

fn fake_lwt(dir: &TempDir) -> PathBuf {
    let p = dir.path().join("fake-lwt");
    std::fs::write(&p, FAKE_LWT).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn frame(n: u8) -> Vec<u8> {
    let ip = Ipv6::new(ip6("2001:db8:1::2"), ip6("2001:db8:99::5")).udp(1, 2, &[n]);
    ethernet_ip(
        PortSpec::numbered("in0", 1).peer_mac,
        PortSpec::numbered("in0", 1).mac,
        &ip,
    )
}

const LINES: &[&str] = &["route add 2001:db8:99::/64 via 2001:db8:2::2 dev out0"];

#[test]
fn runs_lwt_with_config_and_pcaps() {
    let bin_dir = TempDir::new("fakebin").unwrap();
    let runner = LwtRunner::new(fake_lwt(&bin_dir));
    let ports = [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)];
    let inputs = [("in0", frame(1)), ("out0", frame(9)), ("in0", frame(2))];
    let (out, summary) = runner.run(&ports, LINES, &inputs).unwrap();
    assert_eq!(out["out0"], vec![frame(1), frame(2)]);
    assert_eq!(
        out["in0"],
        Vec::<Vec<u8>>::new(),
        "missing output file = no frames"
    );
    assert!(
        summary.contains("in0=") && summary.contains("out0="),
        "{summary}"
    );
}

#[test]
fn failure_keeps_the_directory_and_shows_stderr() {
    let bin_dir = TempDir::new("fakebin").unwrap();
    let runner = LwtRunner::new(fake_lwt(&bin_dir));
    let ports = [PortSpec::numbered("in0", 1), PortSpec::numbered("out0", 2)];
    let mut lines = LINES.to_vec();
    lines.push("fail");
    let e = runner
        .run(&ports, &lines, &[("in0", frame(1))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("fail: unknown command"), "{e}");
    let kept = e
        .split("files kept in ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap_or_else(|| panic!("no kept path in {e}"));
    let kept = PathBuf::from(kept);
    assert!(kept.join("config.lwt").exists());
    assert!(kept.join("in0.pcap").exists() && kept.join("out0.pcap").exists());
    std::fs::remove_dir_all(kept).unwrap();
}
