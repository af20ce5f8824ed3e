//! Lines iproute2 rejects at parse time must be rejected with iproute2's
//! wording (the message), plus a hint.

use lwt_config::*;

fn err(line: &str) -> ParseError {
    match parse_line(line) {
        Ok(r) => panic!("accepted: {line}\n{r:?}"),
        Err(e) => e,
    }
}

/// (line, exact message)
const CASES: &[(&str, &str)] = &[
    (
        "ip route add xyz dev eth0",
        "any valid prefix is expected rather than \"xyz\".",
    ),
    (
        "ip -4 route add xyz dev eth0",
        "inet prefix is expected rather than \"xyz\".",
    ),
    (
        "ip -4 route add fc00::/16 dev eth0",
        "inet prefix is expected rather than \"fc00::/16\".",
    ),
    (
        "ip -6 route add 10.0.0.0/8 dev eth0",
        "inet6 prefix is expected rather than \"10.0.0.0/8\".",
    ),
    (
        "ip route add 10.0.0.0/33 dev eth0",
        "any valid prefix is expected rather than \"10.0.0.0/33\".",
    ),
    (
        "ip route add default/0 dev eth0",
        "any valid prefix is expected rather than \"default/0\".",
    ),
    (
        "ip route add 10.0.0.0/8 via fe80::1 dev eth0",
        "inet address is expected rather than \"fe80::1\".",
    ),
    (
        "ip route add 10.0.0.0/8 dev eth0 foo",
        "either \"to\" is duplicate, or \"foo\" is a garbage.",
    ),
    (
        "ip route add 10.0.0.0/8 10.1.0.0/16",
        "either \"to\" is duplicate, or \"10.1.0.0/16\" is a garbage.",
    ),
    (
        "ip route add 10.0.0.0/8 via 10.1.1.1 via 10.1.1.2",
        "argument \"via\" is wrong: use nexthop syntax to specify multiple via",
    ),
    (
        "ip route add 10.0.0.0/8 metric x dev eth0",
        "argument \"x\" is wrong: \"metric\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 table mian dev eth0",
        "argument \"mian\" is wrong: \"table\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 proto nope dev eth0",
        "argument \"nope\" is wrong: \"protocol\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 scope nope dev eth0",
        "argument \"nope\" is wrong: invalid \"scope\" value",
    ),
    (
        "ip route add 10.0.0.0/8 dev",
        "Command line is not complete. Try option \"help\"",
    ),
    (
        "ip route frob 10.0.0.0/8",
        "Command \"frob\" is unknown, try \"ip route help\".",
    ),
    (
        "ip frob show",
        "Object \"frob\" is unknown, try \"ip help\".",
    ),
    (
        "ip -x route show",
        "Option \"-x\" is unknown, try \"ip -help\".",
    ),
    (
        "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 weight 0",
        "argument \"0\" is wrong: \"weight\" is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 nexthop via 10.1.1.1 dev eth0 metric 5",
        "\"nexthop\" or end of line is expected instead of \"metric\"",
    ),
    (
        "ip route add 10.0.0.0/8 dev eth0 nexthop",
        "unexpected end of line after \"nexthop\"",
    ),
    // encap
    (
        "ip route add 10.0.0.0/8 encap foo bar baz",
        "argument \"foo\" is wrong: \"encap type\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 mode",
        "argument \"encap type\" is required",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 mode foo segs fc00::1 dev eth0",
        "argument \"foo\" is wrong: \"mode\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 segs fc00::1 mode encap dev eth0",
        "argument \"fc00::1\" is wrong: \"segs\" provided before \"mode\"",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 mode encap mode inline segs fc00::1 dev eth0",
        "either \"mode\" is duplicate, or \"inline\" is a garbage.",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 mode encap segs fc00::1,10.0.0.1 dev eth0",
        "inet6 address is expected rather than \"10.0.0.1\".",
    ),
    (
        "ip route add 10.0.0.0/8 encap seg6 mode encap segs",
        "Command line is not complete. Try option \"help\"",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6 mode inline segs fc00::2 tunsrc fc00::3 dev eth0",
        "argument \"tunsrc\" is wrong: \"tunsrc\" is not supported with inline mode",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End.Foo dev eth0",
        "argument \"End.Foo\" is wrong: \"action\" value is invalid",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action end dev eth0",
        "argument \"end\" is wrong: \"action\" value is invalid",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local table 100 dev eth0",
        "Missing action type",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End.T table x dev eth0",
        "argument \"x\" is wrong: invalid table id",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End.DT4 vrftable x dev eth0",
        "argument \"x\" is wrong: invalid vrf table id",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End count count dev eth0",
        "either \"count\" is duplicate, or \"count\" is a garbage.",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End.DX4 nh4 fc00::1 dev eth0",
        "inet address is expected rather than \"fc00::1\".",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End.B6 srh fc00::1 dev eth0",
        "argument \"fc00::1\" is wrong: missing \"segs\" attribute for srh",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End flavors foo dev eth0",
        "argument \"foo\" is wrong: invalid \"flavors\" attribute",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End flavors psp,psp dev eth0",
        "argument \"psp,psp\" is wrong: invalid \"flavors\" attribute",
    ),
    (
        "ip -6 route add fc00::1/128 encap seg6local action End flavors psp lblen 32 dev eth0",
        "either \"to\" is duplicate, or \"lblen\" is a garbage.",
    ),
    (
        "ip route add 10.0.0.0/8 encap mpls 1048576 dev eth0",
        "an inet address is expected rather than \"1048576\".",
    ),
    (
        "ip route add 10.0.0.0/8 encap ip id x dst 1.2.3.4 dev eth0",
        "argument \"x\" is wrong: \"id\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 encap xfrm if_id 0 dev eth0",
        "argument \"0\" is wrong: \"if_id\" value is invalid",
    ),
    (
        "ip route add 10.0.0.0/8 encap bpf in obj x.o dev eth0",
        "encap type \"bpf\" is not supported by lwt",
    ),
    // link / addr / neigh / rule / sr
    (
        "ip link add foo",
        "Not enough information: \"type\" argument is required",
    ),
    ("ip link add vrf-1 type vrf", "VRF table id is missing"),
    (
        "ip link add vrf-1 type vrf table x",
        "argument \"x\" is wrong: invalid table ID",
    ),
    (
        "ip link add x type bridge",
        "link type \"bridge\" is not supported by lwt",
    ),
    (
        "ip link set eth0 mtu x",
        "argument \"x\" is wrong: Invalid \"mtu\" value",
    ),
    (
        "ip link set eth0 address 00:11",
        "\"00:11\" is invalid lladdr.",
    ),
    (
        "ip link add v type vxlan remote 10.0.0.1",
        "vxlan: missing virtual network identifier",
    ),
    (
        "ip link add v type vxlan id 16777216",
        "argument \"16777216\" is wrong: invalid id",
    ),
    (
        "ip link add x type xfrm dev eth0",
        "must specify an if_id with non-zero value",
    ),
    (
        "ip addr add 10.0.0.1/24",
        "Not enough information: \"dev\" argument is required.",
    ),
    (
        "ip addr add 10.0.0.1/24 dev eth0 scope nope",
        "argument \"nope\" is wrong: invalid scope value.",
    ),
    ("ip addr flush", "Flush requires arguments."),
    (
        "ip neigh add 10.0.0.1 lladdr 00:11:22:33:44:55",
        "Device and destination are required arguments.",
    ),
    (
        "ip neigh add 10.0.0.1 dev eth0 nud bogus",
        "argument \"bogus\" is wrong: nud state is bad",
    ),
    (
        "ip rule add lookup 90 pref x",
        "argument \"x\" is wrong: preference value is invalid",
    ),
    (
        "ip rule add l3mdev table 100",
        "table can not be specified for l3mdev rules",
    ),
    ("ip rule del", "\"ip rule del\" requires arguments."),
    (
        "ip rule add foo",
        "argument \"foo\" is wrong: Failed to parse rule type",
    ),
    (
        "ip sr hmac set 0 sha1 x",
        "argument \"0\" is wrong: hmac KEYID value is invalid",
    ),
    (
        "ip sr hmac set 1 md5 x",
        "argument \"md5\" is wrong: hmac ALGO value is invalid",
    ),
    (
        "ip sr tunsrc set 10.0.0.1",
        "inet6 address is expected rather than \"10.0.0.1\".",
    ),
    ("ip route flush", "\"ip route flush\" requires arguments."),
    ("ip route get", "need at least a destination address"),
    (
        "sysctl -w net.vrf.strict_mode",
        "\"net.vrf.strict_mode\" must be of the form name=value",
    ),
    (
        "ip route add 10.0.0.0/8 dev 'eth0",
        "Unterminated quoted string",
    ),
    (
        "ip tunnel show",
        "Object \"tunnel\" is not supported by lwt",
    ),
];

#[test]
fn rejections_use_iproute2_words() {
    let mut failures = Vec::new();
    for (line, want) in CASES {
        match parse_line(line) {
            Ok(r) => failures.push(format!("ACCEPTED {line}\n  {r:?}")),
            Err(e) if e.message != *want => {
                failures.push(format!("{line}\n  want: {want}\n  got:  {}", e.message))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_rejection_has_a_hint_or_iproute2_text() {
    // Display: "Error: ..." then "hint: ..." on its own line when there is one.
    let e = err("ip route add 10.0.0.0/8 encap seg6 mode foo segs fc00::1 dev eth0");
    assert_eq!(
        e.to_string(),
        "Error: argument \"foo\" is wrong: \"mode\" value is invalid\nhint: valid modes: inline, encap, l2encap, encap.red, l2encap.red"
    );
    let e = err("ip -6 route add fc00::1/128 encap seg6local action Foo dev eth0");
    assert!(e.hint.as_deref().unwrap().contains("End.DT46"));
}

#[test]
fn batch_error_names_line_and_command() {
    let text = "# setup\nlink add dum0 type dummy\n\nroute add 10.0.0.0/8 dev dum0 bogus\nroute add 10.1.0.0/16 dev dum0\n";
    let e = parse_batch(text).unwrap_err();
    assert_eq!(e.line, 4);
    assert_eq!(e.text, "route add 10.0.0.0/8 dev dum0 bogus");
    assert!(e.to_string().starts_with(
        "line 4: route add 10.0.0.0/8 dev dum0 bogus\nError: either \"to\" is duplicate, or \"bogus\" is a garbage."
    ));
}

#[test]
fn continuation_lines() {
    let cmds = parse_batch("route add 10.0.0.0/8 \\\n  dev eth0\nroute add 10.1.0.0/16 dev eth0\n")
        .unwrap();
    assert_eq!(cmds.len(), 2);
    assert_eq!(cmds[0].0, 1);
    assert_eq!(cmds[1].0, 3);
}
