//! Text a reader types: comment bodies and author names. Stored and returned
//! exactly as sent; trimming only decides the length check.

use crate::error::ParseError;
use serde::Serialize;
use std::fmt;

/// Default longest comment body, in characters after trimming.
pub const BODY_MAX_CHARS: usize = 5_000;
/// Default longest author name, in characters after trimming.
pub const AUTHOR_NAME_MAX_CHARS: usize = 50;
/// Longest report note or moderation reason, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// A comment body: 1 to `max` characters after trimming, no control
/// characters other than tab, newline and carriage return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CommentBody(String);

impl CommentBody {
    /// Parses a body against the configured maximum length.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ParseError> {
        check_text("body", "comment", raw, max_chars, true).map(|()| Self(raw.to_owned()))
    }

    /// What keeps `raw` from being a body, for a form to word its own way.
    pub fn problem(raw: &str, max_chars: usize) -> Option<TextProblem> {
        problem(raw, max_chars, true)
    }

    /// The body exactly as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An author's display name: 1 to `max` characters after trimming, no control
/// characters at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AuthorName(String);

impl AuthorName {
    /// Parses a name against the configured maximum length.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ParseError> {
        check_text("author_name", "name", raw, max_chars, false).map(|()| Self(raw.to_owned()))
    }

    /// What keeps `raw` from being a name, for a form to word its own way.
    pub fn problem(raw: &str, max_chars: usize) -> Option<TextProblem> {
        problem(raw, max_chars, false)
    }

    /// The name exactly as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short free-text note (report note, moderation reason): 0 to 500
/// characters, no control characters other than newlines and tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Note(String);

impl Note {
    /// Parses an optional note; empty or all-blank notes become `None`.
    pub fn parse_optional(
        field: &'static str,
        raw: Option<&str>,
    ) -> Result<Option<Self>, ParseError> {
        match raw {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => {
                check_text(field, "note", text, NOTE_MAX_CHARS, true)?;
                Ok(Some(Self(text.to_owned())))
            }
        }
    }

    /// The note as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommentBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for AuthorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why typed text breaks its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Control characters (beyond tab and newlines where lines are allowed).
    Control,
    /// Nothing but blanks.
    Empty,
    /// Longer than the limit, in characters after trimming.
    TooLong { count: usize, max: usize },
}

fn problem(raw: &str, max_chars: usize, multiline: bool) -> Option<TextProblem> {
    let allowed = |c: char| multiline && matches!(c, '\t' | '\n' | '\r');
    if raw.chars().any(|c| c.is_control() && !allowed(c)) {
        return Some(TextProblem::Control);
    }
    match raw.trim().chars().count() {
        0 => Some(TextProblem::Empty),
        count if count > max_chars => Some(TextProblem::TooLong {
            count,
            max: max_chars,
        }),
        _ => None,
    }
}

fn check_text(
    field: &'static str,
    what: &str,
    raw: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<(), ParseError> {
    let message = match problem(raw, max_chars, multiline) {
        None => return Ok(()),
        Some(TextProblem::Control) => format!("The {what} contains control characters."),
        Some(TextProblem::Empty) => format!("The {what} is empty."),
        Some(TextProblem::TooLong { count, max }) => {
            format!("The {what} is {count} characters long; the limit is {max}.")
        }
    };
    Err(ParseError::new(field, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_kept_exactly_but_length_is_trimmed() {
        let body = CommentBody::parse("  hi\n", 5).expect("valid");
        assert_eq!(body.as_str(), "  hi\n");
        assert!(CommentBody::parse(&format!("  {}  ", "x".repeat(5)), 5).is_ok());
        assert!(CommentBody::parse(&"x".repeat(6), 5).is_err());
    }

    #[test]
    fn body_allows_tabs_and_newlines_only() {
        assert!(CommentBody::parse("a\tb\r\nc", 50).is_ok());
        assert!(CommentBody::parse("a\u{0}b", 50).is_err());
        assert!(CommentBody::parse("a\u{1b}[31m", 50).is_err());
        assert!(CommentBody::parse("a\u{85}", 50).is_err());
    }

    #[test]
    fn blank_text_is_empty() {
        let err = CommentBody::parse(" \n\t ", 50).expect_err("blank");
        assert_eq!(err.field, "body");
        assert!(AuthorName::parse("   ", 50).is_err());
    }

    #[test]
    fn names_allow_no_control_characters() {
        assert!(AuthorName::parse("Mei", 50).is_ok());
        assert!(AuthorName::parse("Mei\nLi", 50).is_err());
        assert!(AuthorName::parse("Mei\tLi", 50).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(AuthorName::parse(&"é".repeat(50), 50).is_ok());
        assert!(AuthorName::parse(&"é".repeat(51), 50).is_err());
    }

    #[test]
    fn notes_are_optional() {
        assert_eq!(Note::parse_optional("note", None), Ok(None));
        assert_eq!(Note::parse_optional("note", Some("  ")), Ok(None));
        assert!(Note::parse_optional("note", Some(&"n".repeat(501))).is_err());
    }
}
