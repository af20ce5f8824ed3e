//! `bridge fdb` lines: parsing through the line parser, and `bridge fdb show` output
//! compared with what bridge(8) 6.1 printed for the same entries on a Linux 6.18 VXLAN
//! device (`ip link add vx1 type vxlan id 5 remote 10.1.1.1 dstport 4789`, then the two
//! `bridge fdb add` lines below).

use lwt_config::render::render_fdbs;
use lwt_config::*;

fn req(line: &str) -> Request {
    parse_line(line).unwrap().unwrap()
}

fn entries() -> Vec<FdbEntry> {
    let e = |mac: [u8; 6], dst: &str, port, vni, state| FdbEntry {
        mac: Mac(mac),
        dev: "vx1".into(),
        dst: Some(dst.parse().unwrap()),
        port,
        vni,
        state,
        router: false,
    };
    vec![
        // bridge fdb add 02:00:00:00:00:0a dev vx1 dst 10.1.1.3 port 4790 vni 7 static
        e(
            [2, 0, 0, 0, 0, 0x0a],
            "10.1.1.3",
            Some(4790),
            Some(7),
            FdbState::Static,
        ),
        // bridge fdb add 02:00:00:00:00:09 dev vx1 dst 10.1.1.2
        e(
            [2, 0, 0, 0, 0, 9],
            "10.1.1.2",
            None,
            None,
            FdbState::Permanent,
        ),
        // the device's default remote
        e([0; 6], "10.1.1.1", None, None, FdbState::Permanent),
    ]
}

#[test]
fn bridge_lines_parse() {
    let r = req("bridge fdb add 02:00:00:00:00:09 dev vx0 dst 10.1.1.2 self permanent");
    let Command::Fdb(FdbCmd::Modify { verb, spec }) = r.cmd else {
        panic!("{r:?}")
    };
    assert_eq!(verb, Verb::Add);
    assert_eq!(spec.dev, "vx0");
    assert_eq!(spec.state, FdbState::Permanent);
    let r = req("bridge -j fdb show dev vx0");
    assert!(r.opts.json);
    assert!(matches!(r.cmd, Command::Fdb(FdbCmd::Show(_))));
    // Abbreviations as bridge(8) takes them.
    assert!(matches!(
        req("bridge fd del 02:00:00:00:00:09 dev vx0").cmd,
        Command::Fdb(FdbCmd::Modify {
            verb: Verb::Del,
            ..
        })
    ));
    let e = parse_line("bridge vlan add vid 5 dev vx0").unwrap_err();
    assert!(e.message.contains("not supported by lwt"), "{e}");
    assert!(parse_line("bridge fdb add 02:00:00:00:00:09 dev vx0 dst 10.1.1.2 junk").is_err());
}

#[test]
fn show_text_as_bridge_prints_it() {
    let o = Options::default();
    let all = render_fdbs(&entries(), &o, &FdbFilter::default());
    assert_eq!(
        all,
        "02:00:00:00:00:0a dev vx1 dst 10.1.1.3 port 4790 vni 7 self static\n\
         02:00:00:00:00:09 dev vx1 dst 10.1.1.2 self permanent\n\
         00:00:00:00:00:00 dev vx1 dst 10.1.1.1 self permanent\n"
    );
    let f = FdbFilter {
        dev: Some("vx1".into()),
        state: None,
    };
    assert_eq!(
        render_fdbs(&entries(), &o, &f),
        "02:00:00:00:00:0a dst 10.1.1.3 port 4790 vni 7 self static\n\
         02:00:00:00:00:09 dst 10.1.1.2 self permanent\n\
         00:00:00:00:00:00 dst 10.1.1.1 self permanent\n"
    );
    let f = FdbFilter {
        dev: None,
        state: Some(FdbState::Static),
    };
    assert_eq!(render_fdbs(&entries(), &o, &f).lines().count(), 1);
}

#[test]
fn show_json_as_bridge_prints_it() {
    let o = Options {
        json: true,
        ..Options::default()
    };
    let f = FdbFilter {
        dev: Some("vx1".into()),
        state: None,
    };
    assert_eq!(
        render_fdbs(&entries(), &o, &f),
        r#"[{"mac":"02:00:00:00:00:0a","dst":"10.1.1.3","port":4790,"vni":7,"flags":["self"],"state":"static"},{"mac":"02:00:00:00:00:09","dst":"10.1.1.2","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.1.1.1","flags":["self"],"state":"permanent"}]"#
            .to_string()
            + "\n"
    );
    let all = render_fdbs(&entries()[2..], &o, &FdbFilter::default());
    assert_eq!(
        all,
        "[{\"mac\":\"00:00:00:00:00:00\",\"ifname\":\"vx1\",\"dst\":\"10.1.1.1\",\"flags\":[\"self\"],\"state\":\"permanent\"}]\n"
    );
}
