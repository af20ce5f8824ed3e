//! The control protocol between `lwt` commands and a running daemon: one JSON object per
//! line over a Unix socket (mode 0600), one request and one answer per connection.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub const DEFAULT_SOCKET: &str = "/run/lwt/lwt.sock";

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// One command, as words (`-j route show table 90`).
    Args(Vec<String>),
    /// A whole file, applied all or nothing (`lwt -batch FILE`).
    Batch { name: String, text: String },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    /// What to print on stdout.
    pub output: String,
    /// What to print on stderr when `ok` is false.
    pub error: String,
}

/// The socket: `--socket PATH`, else `$LWT_SOCKET`, else the default.
pub fn socket_path(flag: Option<&str>) -> PathBuf {
    flag.map(PathBuf::from)
        .or_else(|| std::env::var_os("LWT_SOCKET").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

/// Sends a request and waits for the answer.
pub fn call(path: &std::path::Path, req: &Request) -> std::io::Result<Response> {
    let mut s = UnixStream::connect(path)?;
    let mut line = serde_json::to_string(req).map_err(std::io::Error::other)?;
    line.push('\n');
    s.write_all(line.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(s).read_line(&mut answer)?;
    serde_json::from_str(&answer).map_err(std::io::Error::other)
}

/// Reads one request from a connection.
pub fn read_request(s: &UnixStream) -> std::io::Result<Request> {
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line)?;
    serde_json::from_str(&line).map_err(std::io::Error::other)
}

pub fn write_response(mut s: &UnixStream, r: &Response) -> std::io::Result<()> {
    let mut line = serde_json::to_string(r).map_err(std::io::Error::other)?;
    line.push('\n');
    s.write_all(line.as_bytes())
}
