//! Parse errors, worded like iproute2's (`invarg`, `duparg2`, `missarg`,
//! `get_prefix` ...) plus a hint saying what to do.

use std::fmt;

/// A rejected command line. Displays as `Error: <message>` and, if there is
/// one, a second line `hint: <hint>`. The batch caller prefixes `line N: <cmd>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub message: String,
    pub hint: Option<String>,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            hint: None,
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Add a hint unless one is already set (inner errors know better).
    pub fn or_hint(mut self, hint: impl Into<String>) -> Self {
        if self.hint.is_none() {
            self.hint = Some(hint.into());
        }
        self
    }

    /// iproute2 `invarg(msg, arg)`: `argument "ARG" is wrong: MSG`.
    pub fn invarg(msg: &str, arg: &str) -> Self {
        ParseError::new(format!("argument \"{arg}\" is wrong: {msg}"))
    }
    /// iproute2 `duparg2(key, arg)`.
    pub fn duparg2(key: &str, arg: &str) -> Self {
        ParseError::new(format!(
            "either \"{key}\" is duplicate, or \"{arg}\" is a garbage."
        ))
    }
    /// iproute2 `duparg(key, arg)`.
    pub fn duparg(key: &str, arg: &str) -> Self {
        ParseError::new(format!(
            "duplicate \"{key}\": \"{arg}\" is the second value."
        ))
    }
    /// iproute2 `missarg(key)`.
    pub fn missarg(key: &str) -> Self {
        ParseError::new(format!("argument \"{key}\" is required"))
    }
    /// iproute2 `incomplete_command()` (NEXT_ARG past the end).
    pub fn incomplete() -> Self {
        ParseError::new("Command line is not complete. Try option \"help\"")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error: {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

/// A batch failed at `line` (1-based); `text` is the command as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BatchError {
    pub line: usize,
    pub text: String,
    pub error: ParseError,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}\n{}", self.line, self.text, self.error)
    }
}
