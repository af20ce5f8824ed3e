//! `lwt [-j] [-s] [-4|-6] OBJECT COMMAND ...` and `lwt -batch FILE`: ask the daemon.

use crate::control::{self, Request};
use crate::{Failure, fail};

/// Runs a client command; `args` are the words after `lwt`.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let mut socket = None;
    let mut words = Vec::new();
    let mut it = args.iter();
    let mut batch = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--socket" => {
                socket = Some(
                    it.next()
                        .ok_or_else(|| crate::usage("--socket needs a path"))?
                        .clone(),
                )
            }
            "-batch" | "--batch" | "-b" => {
                batch = Some(
                    it.next()
                        .ok_or_else(|| crate::usage("-batch needs a file"))?
                        .clone(),
                )
            }
            _ => words.push(a.clone()),
        }
    }
    let path = control::socket_path(socket.as_deref());
    let req = match batch {
        Some(file) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| fail(format!("lwt: cannot read {file}: {e}")))?;
            Request::Batch { name: file, text }
        }
        None => Request::Args(words),
    };
    let resp = control::call(&path, &req).map_err(|e| {
        fail(format!(
            "lwt: cannot reach the daemon at {}: {e}\nhint: start it with `lwt daemon --config FILE`, or point at its socket with --socket PATH or LWT_SOCKET",
            path.display()
        ))
    })?;
    print!("{}", resp.output);
    if resp.ok {
        Ok(())
    } else {
        // iproute2 exits 2 when the kernel refuses a request.
        Err(Failure {
            text: resp.error.trim_end().to_string(),
            code: 2,
        })
    }
}
