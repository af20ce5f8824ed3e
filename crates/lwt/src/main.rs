//! `lwt`: the command-line front end.
//!
//! ```text
//! lwt run --config FILE --in LINK=FILE.pcap ... --out DIR    offline, no root
//! lwt check --config FILE                                    validate, print `show` lines
//! ```

mod client;
mod control;
mod daemon;
mod load;
mod offline;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  lwt run --config FILE --in LINK=FILE.pcap [--in ...] --out DIR [--trace]
  lwt check --config FILE
  lwt daemon --config FILE [--socket PATH]
  lwt [-j] [-s] [-4|-6] OBJECT COMMAND ...   (talks to a running daemon)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.code)
        }
    }
}

/// A failure to report: the text and the exit code (1 runtime/config, 2 usage).
pub struct Failure {
    pub text: String,
    pub code: u8,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

pub fn usage(msg: &str) -> Failure {
    Failure {
        text: format!("lwt: {msg}\n{USAGE}"),
        code: 2,
    }
}

pub fn fail(text: impl Into<String>) -> Failure {
    Failure {
        text: text.into(),
        code: 1,
    }
}

fn value<'a>(it: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a String, Failure> {
    it.next()
        .ok_or_else(|| usage(&format!("{flag} needs a value")))
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some(cmd) = args.first() else {
        return Err(usage("no command given"));
    };
    match cmd.as_str() {
        "run" => {
            let mut config = None;
            let mut inputs = Vec::new();
            let mut out = None;
            let mut trace = false;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--config" | "-c" => config = Some(PathBuf::from(value(&mut it, a)?)),
                    "--in" | "-i" => {
                        let v = value(&mut it, a)?;
                        let (link, file) = v.split_once('=').ok_or_else(|| {
                            usage(&format!("--in takes LINK=FILE.pcap, not \"{v}\""))
                        })?;
                        inputs.push((link.to_string(), PathBuf::from(file)));
                    }
                    "--out" | "-o" => out = Some(PathBuf::from(value(&mut it, a)?)),
                    "--trace" => trace = true,
                    other => return Err(usage(&format!("unknown option \"{other}\" for run"))),
                }
            }
            let config = config.ok_or_else(|| usage("run needs --config FILE"))?;
            let out = out.ok_or_else(|| usage("run needs --out DIR"))?;
            let summary = offline::run(&config, &inputs, &out, trace)?;
            print!("{summary}");
            Ok(())
        }
        "check" => {
            let mut it = args[1..].iter();
            let mut config = None;
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--config" | "-c" => config = Some(PathBuf::from(value(&mut it, a)?)),
                    other => return Err(usage(&format!("unknown option \"{other}\" for check"))),
                }
            }
            let config = config.ok_or_else(|| usage("check needs --config FILE"))?;
            let loaded = load::load(&config)?;
            print!("{}", loaded.shown);
            println!("{}: configuration is valid", config.display());
            Ok(())
        }
        "daemon" => {
            let mut it = args[1..].iter();
            let (mut config, mut socket) = (None, None);
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--config" | "-c" => config = Some(PathBuf::from(value(&mut it, a)?)),
                    "--socket" => socket = Some(value(&mut it, a)?.clone()),
                    other => return Err(usage(&format!("unknown option \"{other}\" for daemon"))),
                }
            }
            let config = config.ok_or_else(|| usage("daemon needs --config FILE"))?;
            daemon::run(&config, socket.as_deref())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => client::run(args),
    }
}
