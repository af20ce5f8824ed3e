//! Word-level helpers shared by every object parser: the argument cursor
//! (iproute2's `argc/argv` with NEXT_ARG), the keyword abbreviation rule
//! (`matches`), and C-compatible number parsing (`get_u8`, `get_u32`, ...).

use crate::ast::Verb;
use crate::error::ParseError;

pub type Result<T> = std::result::Result<T, ParseError>;

/// iproute2's `matches(prefix, word)`: `prefix` is a non-empty prefix of
/// `word`. Callers test keywords in iproute2's own order so that an
/// abbreviation picks the same keyword `ip` would.
pub fn matches(prefix: &str, word: &str) -> bool {
    !prefix.is_empty() && word.starts_with(prefix)
}

/// First entry of `list` (in order) that `prefix` abbreviates.
pub fn first_match<'a>(prefix: &str, list: &[&'a str]) -> Option<&'a str> {
    list.iter().copied().find(|w| matches(prefix, w))
}

/// The modification verb `word` selects among `verbs`, which are tried in the
/// object's own order (so `a` is whichever of add/append comes first). The
/// keywords are iproute2's: `delete` for Del, and `chg` also means change.
pub fn modify_verb(word: &str, verbs: &[Verb]) -> Option<Verb> {
    verbs.iter().copied().find(|&verb| {
        let keyword = match verb {
            Verb::Add => "add",
            Verb::Del => "delete",
            Verb::Replace => "replace",
            Verb::Change => "change",
            Verb::Append => "append",
            Verb::Prepend => "prepend",
            Verb::Test => "test",
        };
        matches(word, keyword) || (verb == Verb::Change && word == "chg")
    })
}

/// `list` / `show` / `lst`, the listing verb every object accepts.
pub fn is_show(word: &str) -> bool {
    matches(word, "list") || matches(word, "show") || matches(word, "lst")
}

/// iproute2's `check_ifname`: 1-15 characters, no '/' or whitespace.
pub fn valid_ifname(s: &str) -> bool {
    !s.is_empty() && s.len() < 16 && !s.contains('/') && !s.chars().any(char::is_whitespace)
}

/// The argument cursor. `peek` is iproute2's `*argv`, `next_arg` its
/// `NEXT_ARG()` (fails with "Command line is not complete" at the end).
#[derive(Debug, Clone)]
pub struct Args {
    words: Vec<String>,
    pos: usize,
}

impl Args {
    pub fn new(words: Vec<String>) -> Self {
        Args { words, pos: 0 }
    }
    pub fn from_strs(words: &[&str]) -> Self {
        Args::new(words.iter().map(|s| s.to_string()).collect())
    }
    /// Current word, if any.
    pub fn peek(&self) -> Option<&str> {
        self.words.get(self.pos).map(|s| s.as_str())
    }
    /// Word `n` positions after the current one.
    pub fn peek_at(&self, n: usize) -> Option<&str> {
        self.words.get(self.pos + n).map(|s| s.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.words.len()
    }
    /// Number of words left including the current one (iproute2's argc).
    pub fn remaining(&self) -> usize {
        self.words.len().saturating_sub(self.pos)
    }
    /// Consume and return the current word.
    pub fn take(&mut self) -> Option<String> {
        let w = self.words.get(self.pos).cloned();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }
    /// Skip the current word (iproute2's `argc--; argv++`).
    pub fn advance(&mut self) {
        if self.pos < self.words.len() {
            self.pos += 1;
        }
    }
    /// Step back one word (`PREV_ARG`).
    pub fn back(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }
    /// iproute2's `NEXT_ARG()`: move to the next word and return it (the
    /// cursor stays on it, so the caller's loop-end `advance` passes it).
    /// Errors with "Command line is not complete" when there is none.
    pub fn value(&mut self) -> Result<String> {
        if self.pos + 1 >= self.words.len() {
            self.pos = self.words.len();
            return Err(ParseError::incomplete());
        }
        self.pos += 1;
        Ok(self.words[self.pos].clone())
    }
    /// Like [`value`](Self::value) but names the keyword in the hint.
    pub fn value_for(&mut self, key: &str) -> Result<String> {
        self.value()
            .map_err(|e| e.with_hint(format!("\"{key}\" needs a value")))
    }
    /// The words not consumed yet.
    pub fn rest(&self) -> &[String] {
        &self.words[self.pos.min(self.words.len())..]
    }
}

/// C `strtoul`/`strtoull` with iproute2's checks: the whole word must be a
/// number; base 0 means `0x` hex, leading `0` octal, else decimal.
/// A leading sign is refused (strtoul would wrap `-1` to ULONG_MAX).
pub fn parse_c_unsigned(s: &str, base: u32) -> Option<u64> {
    let (digits, radix) = match base {
        0 => {
            if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                (h, 16)
            } else if s.len() > 1 && s.starts_with('0') {
                (&s[1..], 8)
            } else {
                (s, 10)
            }
        }
        16 => (
            s.strip_prefix("0x")
                .or_else(|| s.strip_prefix("0X"))
                .unwrap_or(s),
            16,
        ),
        b => (s, b),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

pub fn get_u64(s: &str) -> Option<u64> {
    parse_c_unsigned(s, 0)
}
pub fn get_u32(s: &str) -> Option<u32> {
    parse_c_unsigned(s, 0).and_then(|v| u32::try_from(v).ok())
}
pub fn get_u16(s: &str) -> Option<u16> {
    parse_c_unsigned(s, 0).and_then(|v| u16::try_from(v).ok())
}
pub fn get_u8(s: &str) -> Option<u8> {
    parse_c_unsigned(s, 0).and_then(|v| u8::try_from(v).ok())
}
/// C `strtol` base 0 for signed ints (`get_s32`).
pub fn get_s32(s: &str) -> Option<i32> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = parse_c_unsigned(body, 0)? as i64;
    let v = if neg { -v } else { v };
    i32::try_from(v).ok()
}

/// Strip the trailing "\n" iproute2 puts in its invarg messages.
pub fn msg(s: &str) -> &str {
    s.trim_end_matches('\n')
}

/// `invarg` with iproute2's message text (trailing newline tolerated).
pub fn invarg(m: &str, arg: &str) -> ParseError {
    ParseError::invarg(msg(m), arg)
}

/// Split a line like iproute2's `makeargs`: whitespace separated, `'...'` and
/// `"..."` quote a word. `#` starts a comment anywhere (iproute2 strips it in
/// `getcmdline`).
pub fn split_words(line: &str) -> Result<Vec<String>> {
    let line = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        if c == '\'' || c == '"' {
            chars.next();
            let mut w = String::new();
            let mut closed = false;
            for ch in chars.by_ref() {
                if ch == c {
                    closed = true;
                    break;
                }
                w.push(ch);
            }
            if !closed {
                return Err(ParseError::new("Unterminated quoted string")
                    .with_hint(format!("close the {c} quote")));
            }
            out.push(w);
        } else {
            let mut w = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_ascii_whitespace() {
                    break;
                }
                w.push(ch);
                chars.next();
            }
            out.push(w);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_is_prefix_rule() {
        assert!(matches("r", "route"));
        assert!(matches("route", "route"));
        assert!(!matches("routes", "route"));
        assert!(!matches("", "route"));
        assert_eq!(
            first_match("ne", &["neighbor", "neighbour", "ntable"]),
            Some("neighbor")
        );
    }

    #[test]
    fn c_numbers() {
        assert_eq!(get_u32("10"), Some(10));
        assert_eq!(get_u32("0x10"), Some(16));
        assert_eq!(get_u32("010"), Some(8));
        assert_eq!(get_u32("08"), None);
        assert_eq!(get_u32("0"), Some(0));
        assert_eq!(get_u32("4294967296"), None);
        assert_eq!(get_u8("255"), Some(255));
        assert_eq!(get_u8("256"), None);
        assert_eq!(get_u8("-1"), None);
        assert_eq!(get_u8(""), None);
        assert_eq!(get_u8("1a"), None);
        assert_eq!(get_s32("-3"), Some(-3));
    }

    #[test]
    fn words_split_like_makeargs() {
        assert_eq!(
            split_words("  a  b\t'c d' \"e\" # comment").unwrap(),
            ["a", "b", "c d", "e"]
        );
        assert!(split_words("a 'b").is_err());
        assert!(split_words("# only").unwrap().is_empty());
    }
}
