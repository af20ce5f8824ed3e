//! Why a command was refused, in the kernel's words where it has them, and what to do.

use std::fmt;

/// A refused command. The router's state is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError {
    pub message: String,
    pub hint: Option<String>,
}

impl ApplyError {
    pub fn new(message: impl Into<String>) -> Self {
        ApplyError {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// iproute2's wording when a device name does not resolve.
    pub fn no_device(name: &str) -> Self {
        ApplyError::new(format!("Cannot find device \"{name}\""))
            .hint("create it first with `link add NAME type ...`, or check `link show`")
    }

    /// `RTNETLINK answers: File exists` (EEXIST).
    pub fn exists(what: &str) -> Self {
        ApplyError::new("RTNETLINK answers: File exists").hint(format!(
            "{what} already exists; use `replace` to overwrite it"
        ))
    }

    /// `RTNETLINK answers: No such process` (ESRCH), what the kernel says when a route to
    /// delete is not found.
    pub fn no_such(what: &str) -> Self {
        ApplyError::new("RTNETLINK answers: No such process")
            .hint(format!("no {what} matches; check `show`"))
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error: {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplyError {}
