//! Loading a configuration file: parse every line, apply all or nothing, render the
//! `show` lines it contains.

use std::path::Path;

use lwt_config::Command;
use lwt_core::Router;

use crate::{Failure, fail};

pub struct Loaded {
    pub router: Router,
    /// Output of the read-only lines (`route show` ...) of the file.
    pub shown: String,
}

/// Reads and applies a configuration file. Errors name the file, the line and the
/// command, then say what is wrong and what to do.
pub fn load(path: &Path) -> Result<Loaded, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("lwt: cannot read {}: {e}", path.display())))?;
    let lines = lwt_config::parse_batch(&text).map_err(|e| {
        fail(format!(
            "lwt: {}:{}: {}\n{}",
            path.display(),
            e.line,
            e.text.trim(),
            e.error
        ))
    })?;
    let mut router = Router::new();
    let cmds: Vec<&Command> = lines.iter().map(|(_, _, r)| &r.cmd).collect();
    router.apply_all(cmds).map_err(|(i, e)| {
        let (line, text, _) = &lines[i];
        fail(format!(
            "lwt: {}:{}: {}\n{}\nnothing was applied.",
            path.display(),
            line,
            text.trim(),
            e
        ))
    })?;
    let mut shown = String::new();
    for (line, text, req) in &lines {
        let live = lwt_core::show::Live::default();
        match lwt_core::show::answer(&router, req, &live) {
            Ok(t) => shown.push_str(&t),
            Err(e) => {
                return Err(fail(format!(
                    "lwt: {}:{}: {}\n{}",
                    path.display(),
                    line,
                    text.trim(),
                    e
                )));
            }
        }
    }
    Ok(Loaded { router, shown })
}
