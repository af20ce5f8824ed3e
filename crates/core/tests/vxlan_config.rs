//! Configuring VXLAN devices, FDB entries and `encap ip` routes: the kernel's refusals
//! with its wording (checked against Linux 6.18 in a namespace where it has one), and
//! what `route show`, `bridge fdb show` and `link show -d` print back.

use lwt_core::Router;

fn apply(router: &mut Router, text: &str) -> Result<(), String> {
    let lines = lwt_config::parse_batch(text).map_err(|e| format!("parse: {e}"))?;
    router
        .apply_all(lines.iter().map(|(_, _, r)| &r.cmd))
        .map_err(|(_, e)| e.to_string())
}

fn show(router: &Router, line: &str) -> String {
    let req = lwt_config::parse_line(line).unwrap().unwrap();
    lwt_core::show::render(router, &req, None)
}

const BASE: &str = "
link add u0 type port
link set u0 up
addr add 192.168.0.1/24 dev u0
";

fn refused(text: &str) -> String {
    let mut r = Router::new();
    apply(&mut r, BASE).unwrap();
    apply(&mut r, text).expect_err(text)
}

#[test]
fn refusals_in_the_kernels_words() {
    // Two metadata devices on one port (RTNETLINK: EEXIST with this extack).
    let e = refused(
        "link add vx0 type vxlan external dstport 4789\nlink add vx1 type vxlan external dstport 4789",
    );
    assert!(
        e.starts_with("Error: A VXLAN device with the specified VNI already exists.\nhint:"),
        "{e}"
    );
    let e = refused(
        "link add vx0 type vxlan id 5 remote 10.0.0.2 dstport 4789\nlink add vx1 type vxlan id 5 remote 10.0.0.3 dstport 4789",
    );
    assert!(e.contains("already exists"), "{e}");
    // A classic and a metadata device can be created on one port, not both brought up.
    let e = refused(
        "link add vx0 type vxlan id 5 remote 10.0.0.2 dstport 4789\nlink add vx1 type vxlan external dstport 4789\nlink set vx0 up\nlink set vx1 up",
    );
    assert!(
        e.starts_with("Error: RTNETLINK answers: Address already in use"),
        "{e}"
    );
    let e = refused("link add vx0 type vxlan id 5 remote 10.0.0.2 local 2001:db8::1");
    assert!(
        e.contains("Local and remote address must be from the same family"),
        "{e}"
    );
    let e = refused("link add x0 type xfrm if_id 7");
    assert!(
        e.contains("not supported by lwt") && e.contains("hint:"),
        "{e}"
    );
    let e = refused("route add 10.0.0.0/8 encap xfrm if_id 7 dev u0");
    assert!(
        e.contains("Operation not supported") && e.contains("hint:"),
        "{e}"
    );
    // iproute2's own refusal.
    let e = refused("link add vx0 type vxlan external id 5");
    assert!(
        e.contains("both 'external' and vni cannot be specified"),
        "{e}"
    );
    // FDB entries: VXLAN devices only; a duplicate; a missing one.
    let e = refused("bridge fdb add 02:00:00:00:00:01 dev u0 dst 10.0.0.1");
    assert!(
        e.starts_with("Error: RTNETLINK answers: Operation not supported"),
        "{e}"
    );
    let e = refused(
        "link add vx0 type vxlan id 5 dstport 4789\nbridge fdb add 02:00:00:00:00:01 dev vx0 dst 10.0.0.1\nbridge fdb add 02:00:00:00:00:01 dev vx0 dst 10.0.0.2",
    );
    assert!(
        e.starts_with("Error: RTNETLINK answers: File exists"),
        "{e}"
    );
    let e = refused("link add vx0 type vxlan id 5\nbridge fdb del 02:00:00:00:00:01 dev vx0");
    assert!(
        e.starts_with("Error: RTNETLINK answers: No such file or directory"),
        "{e}"
    );
    // encap ip options as ip_tun_build_state checks them.
    let e =
        refused("route add 10.0.0.0/8 encap ip id 1 dst 10.0.0.2 geneve_opts 1:2:abcdef dev u0");
    assert!(
        e.contains("Invalid argument") && e.contains("multiple of 4"),
        "{e}"
    );
    let e = refused("route add 10.0.0.0/8 encap ip id 1 dst 10.0.0.2 erspan_opts 3:1:0:0 dev u0");
    assert!(e.contains("erspan version"), "{e}");
}

#[test]
fn accepted_and_shown_back() {
    let mut r = Router::new();
    apply(
        &mut r,
        &format!(
            "{BASE}
link add vx0 address 02:00:00:00:00:03 type vxlan external dstport 4789
link add vx1 type vxlan id 42 remote 192.168.0.2 local 192.168.0.1 dstport 4790
link set vx0 up
link set vx1 up
bridge fdb add 02:00:00:00:00:09 dev vx1 dst 192.168.0.9
bridge fdb replace 02:00:00:00:00:0a dev vx1 dst 192.168.0.10 port 4791 vni 7 static
route add 10.1.0.0/16 encap ip id 100 dst 192.168.0.2 key csum vxlan_opts 0xffffffff dev vx0
-6 route add 2001:db8:1::/48 encap ip6 id 7 dst fd00::2 hoplimit 3 tc 5 dev vx0
rule add tun_id 100 lookup 100
"
        ),
    )
    .unwrap();
    let routes = show(&r, "route show");
    // The GBP is kept masked, as the kernel stores it.
    assert!(
        routes.contains(
            "10.1.0.0/16  encap ip id 100 src 0.0.0.0 dst 192.168.0.2 ttl 0 tos 0 key csum \n\tvxlan_opts 4784127 dev vx0"
        ),
        "{routes}"
    );
    let routes6 = show(&r, "-6 route show");
    assert!(
        routes6.contains("encap ip6 id 7 src :: dst fd00::2 hoplimit 3 tc 5"),
        "{routes6}"
    );
    assert_eq!(
        show(&r, "bridge fdb show dev vx1"),
        "02:00:00:00:00:0a dst 192.168.0.10 port 4791 vni 7 self static\n\
         02:00:00:00:00:09 dst 192.168.0.9 self permanent\n\
         00:00:00:00:00:00 dst 192.168.0.2 self permanent\n"
    );
    assert!(show(&r, "rule show").contains("tun_id 100 lookup 100"));
    let links = show(&r, "-d link show dev vx0");
    assert!(links.contains("vxlan external dstport 4789"), "{links}");
    // Deleting the device takes its FDB entries along.
    apply(&mut r, "link del vx1").unwrap();
    assert_eq!(show(&r, "bridge fdb show"), "");
}
