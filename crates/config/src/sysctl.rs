//! `sysctl [-w] [-q] KEY=VALUE` lines (lwt extension, sysctl(8) syntax).

use crate::ast::SysctlCmd;
use crate::error::ParseError;
use crate::words::{Args, Result};

const USAGE: &str = "sysctl [-w] [-q] KEY=VALUE (or KEY = VALUE), or sysctl KEY to read";

pub fn parse_sysctl(args: &mut Args) -> Result<SysctlCmd> {
    let mut quiet = false;
    let mut write = false;
    while let Some(w) = args.peek() {
        match w {
            "-w" => write = true,
            "-q" => quiet = true,
            "-wq" | "-qw" => {
                write = true;
                quiet = true;
            }
            s if s.starts_with('-') => {
                return Err(
                    ParseError::new(format!("sysctl option \"{s}\" is not supported"))
                        .with_hint(USAGE),
                );
            }
            _ => break,
        }
        args.advance();
    }
    let rest: Vec<String> = args.rest().to_vec();
    let joined = rest.join(" ");
    if joined.is_empty() {
        return Err(ParseError::new("sysctl needs a KEY=VALUE").with_hint(USAGE));
    }
    let (key, value) = match joined.find('=') {
        Some(i) => (
            joined[..i].trim().to_string(),
            Some(joined[i + 1..].trim().to_string()),
        ),
        None => {
            if rest.len() != 1 {
                return Err(
                    ParseError::new(format!("\"{joined}\" is not KEY=VALUE")).with_hint(USAGE)
                );
            }
            (joined.trim().to_string(), None)
        }
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(ParseError::new(format!("\"{key}\" is not a sysctl key")).with_hint(USAGE));
    }
    if write && value.is_none() {
        return Err(
            ParseError::new(format!("\"{key}\" must be of the form name=value")).with_hint(USAGE),
        );
    }
    if let Some(v) = &value
        && v.is_empty()
    {
        return Err(ParseError::new(format!("sysctl {key} needs a value")).with_hint(USAGE));
    }
    while args.take().is_some() {}
    Ok(SysctlCmd {
        key: key.replace('/', "."),
        value,
        quiet,
    })
}
