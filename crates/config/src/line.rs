//! The command line: `[ip] [OPTIONS] OBJECT COMMAND ...` one per line, as in
//! `ip -batch` (ip/ip.c `main`, `do_cmd`, `batch`), plus lwt's `sysctl`.

use crate::ast::*;
use crate::error::{BatchError, ParseError};
use crate::words::{Args, Result, first_match, matches, split_words};

/// ip.c's object table, in its order: an abbreviation picks the first entry
/// it prefixes (`ip r` = route, `ip n` = neighbor, `ip s` = sr).
pub const IP_OBJECTS: [&str; 34] = [
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "help",
    "stats",
];

const OBJECTS_HINT: &str =
    "objects lwt supports: link, address, route, rule, neigh, sr (and sysctl lines)";

/// Parse `-4 -6 -j -s -d ...` (ip.c main loop). Stops at the first word not
/// starting with '-'.
fn parse_options(args: &mut Args) -> Result<Options> {
    let mut o = Options::default();
    while let Some(w) = args.peek() {
        if w == "--" {
            args.advance();
            break;
        }
        if !w.starts_with('-') {
            break;
        }
        let w = w.to_string();
        // `--json` is accepted like `-json`.
        let opt = if w.starts_with("--") {
            &w[1..]
        } else {
            w.as_str()
        };
        if matches(opt, "-family") {
            let v = args.value()?;
            o.family = match v.as_str() {
                "inet" => Family::V4,
                "inet6" => Family::V6,
                _ => {
                    return Err(ParseError::invarg("invalid protocol family", &v)
                        .with_hint("families: inet, inet6"));
                }
            };
        } else if opt == "-4" {
            o.family = Family::V4;
        } else if opt == "-6" {
            o.family = Family::V6;
        } else if matches(opt, "-stats") || matches(opt, "-statistics") {
            o.stats = o.stats.saturating_add(1);
        } else if matches(opt, "-details") {
            o.details = true;
        } else if matches(opt, "-json") {
            o.json = true;
        } else if matches(opt, "-pretty") {
            o.pretty = true;
        } else if matches(opt, "-oneline")
            || matches(opt, "-resolve")
            || matches(opt, "-color")
            || matches(opt, "-Numeric")
        {
            // presentation options lwt ignores
        } else if matches(opt, "-batch") || matches(opt, "-force") || matches(opt, "-netns") {
            return Err(ParseError::new(format!(
                "option \"{w}\" is not valid inside a command line"
            ))
            .with_hint(
                "-batch/-force/-netns belong to the lwt command, not to a configuration line",
            ));
        } else {
            return Err(
                ParseError::new(format!("Option \"{w}\" is unknown, try \"ip -help\"."))
                    .with_hint("options: -4, -6, -family inet|inet6, -s, -d, -j, -p"),
            );
        }
        args.advance();
    }
    Ok(o)
}

/// Parse one command given as words (e.g. from a command line's argv).
pub fn parse_words(words: Vec<String>) -> Result<Request> {
    let mut args = Args::new(words);
    if args.peek() == Some("bridge") {
        args.advance();
        return parse_bridge(args);
    }
    if args.peek() == Some("ip") {
        args.advance();
    }
    let opts = parse_options(&mut args)?;
    let obj = args.take().ok_or_else(|| {
        ParseError::new("an object is required")
            .with_hint("e.g. `route add ...`; ".to_string() + OBJECTS_HINT)
    })?;
    if obj == "sysctl" {
        let cmd = crate::sysctl::parse_sysctl(&mut args)?;
        return Ok(Request {
            opts,
            cmd: Command::Sysctl(cmd),
        });
    }
    let Some(full) = first_match(&obj, &IP_OBJECTS) else {
        return Err(
            ParseError::new(format!("Object \"{obj}\" is unknown, try \"ip help\"."))
                .with_hint(OBJECTS_HINT),
        );
    };
    let cmd = match full {
        "address" => Command::Addr(crate::addr::parse_addr(&mut args, &opts)?),
        "route" => Command::Route(crate::route::parse_route(&mut args, &opts)?),
        "rule" => Command::Rule(crate::rule::parse_rule(&mut args, &opts)?),
        "neighbor" | "neighbour" => Command::Neigh(crate::neigh::parse_neigh(&mut args, &opts)?),
        "link" => Command::Link(crate::link::parse_link(&mut args, &opts)?),
        "sr" => Command::Sr(crate::sr::parse_sr(&mut args, &opts)?),
        "help" => {
            return Err(
                ParseError::new("Usage: [ip] [ OPTIONS ] OBJECT { COMMAND | help }")
                    .with_hint(OBJECTS_HINT),
            );
        }
        other => {
            return Err(
                ParseError::new(format!("Object \"{other}\" is not supported by lwt"))
                    .with_hint(OBJECTS_HINT),
            );
        }
    };
    finish(&args, opts, cmd)
}

/// The request, once the object parser is done: it consumes its whole line,
/// so anything left is junk.
fn finish(args: &Args, opts: Options, cmd: Command) -> Result<Request> {
    if let Some(w) = args.peek() {
        return Err(ParseError::new(format!(
            "unexpected \"{w}\" at the end of the command"
        )));
    }
    Ok(Request { opts, cmd })
}

/// bridge(8)'s objects, in its order (bridge.c `cmds`); lwt implements `fdb`.
const BRIDGE_OBJECTS: [&str; 6] = ["link", "fdb", "mdb", "vlan", "vni", "monitor"];

/// `bridge [OPTIONS] fdb ...` (bridge/bridge.c `main`, `do_cmd`).
fn parse_bridge(mut args: Args) -> Result<Request> {
    let opts = parse_options(&mut args)?;
    let obj = args.take().ok_or_else(|| {
        ParseError::new("an object is required after \"bridge\"")
            .with_hint("e.g. `bridge fdb add 02:00:00:00:00:09 dev vx0 dst 192.0.2.2`")
    })?;
    match first_match(&obj, &BRIDGE_OBJECTS) {
        Some("fdb") => {}
        Some(other) => {
            return Err(ParseError::new(format!(
                "Object \"{other}\" of bridge is not supported by lwt"
            ))
            .with_hint("lwt implements `bridge fdb` (static entries of VXLAN devices)"));
        }
        None => {
            return Err(ParseError::new(format!(
                "Object \"{obj}\" is unknown, try \"bridge help\"."
            ))
            .with_hint("lwt implements `bridge fdb`"));
        }
    }
    let cmd = Command::Fdb(crate::fdb::parse_fdb(&mut args, &opts)?);
    finish(&args, opts, cmd)
}

/// Parse one line. Blank lines and `#` comments give `Ok(None)`.
pub fn parse_line(text: &str) -> std::result::Result<Option<Request>, ParseError> {
    let words = split_words(text)?;
    if words.is_empty() {
        return Ok(None);
    }
    parse_words(words).map(Some)
}

/// Parse a whole batch (`ip -batch` style), all or nothing: returns every
/// command with its 1-based line number and text, or the first error. A line
/// ending in `\` continues on the next one (as iproute2's `getcmdline`).
pub fn parse_batch(text: &str) -> std::result::Result<Vec<(usize, String, Request)>, BatchError> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let lineno = i + 1;
        let mut full = line.to_string();
        while full.ends_with('\\') {
            full.pop();
            match lines.next() {
                Some((_, next)) => {
                    full.push(' ');
                    full.push_str(next);
                }
                None => break,
            }
        }
        match parse_line(&full) {
            Ok(Some(req)) => out.push((lineno, full.trim().to_string(), req)),
            Ok(None) => {}
            Err(error) => {
                return Err(BatchError {
                    line: lineno,
                    text: full.trim().to_string(),
                    error,
                });
            }
        }
    }
    Ok(out)
}
