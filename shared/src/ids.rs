//! Identifiers and opaque tokens: article ids, comment ids, reader tokens,
//! cursors and idempotency keys. Each can only be built by `parse`.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(value: String) -> Result<Self, ParseError> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// The host site's id for an article page: 1 to 200 characters, no control
    /// characters, no surrounding whitespace.
    ArticleId
);

/// Longest article id, in characters.
pub const ARTICLE_ID_MAX_CHARS: usize = 200;

impl ArticleId {
    /// Parses a decoded article id.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let field = "article";
        let count = raw.chars().count();
        if count == 0 {
            return Err(ParseError::new(field, "The article id is empty."));
        }
        if count > ARTICLE_ID_MAX_CHARS {
            return Err(ParseError::new(
                field,
                format!("The article id is longer than {ARTICLE_ID_MAX_CHARS} characters."),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(ParseError::new(
                field,
                "The article id contains control characters.",
            ));
        }
        if raw.trim() != raw {
            return Err(ParseError::new(
                field,
                "The article id starts or ends with whitespace.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// A comment's id: opaque to clients, 1 to 64 ASCII letters, digits, `-`
    /// or `_`.
    CommentId
);

impl CommentId {
    /// Parses a comment id as a client sent it.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty()
            || raw.len() > 64
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ParseError::new("id", "This is not a comment id."));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// A reader's random 128-bit token: exactly 32 hexadecimal characters,
    /// kept in lower case.
    ReaderToken
);

impl ReaderToken {
    /// Parses the `X-Chime-Reader` header value.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.len() != 32 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError::new(
                "X-Chime-Reader",
                "The reader token must be 32 hexadecimal characters.",
            ));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }
}

string_newtype!(
    /// An opaque page cursor as returned in `next_cursor`: 1 to 200 ASCII
    /// letters, digits, `.`, `-` or `_`.
    Cursor
);

impl Cursor {
    /// Parses a cursor a client sent back.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty()
            || raw.len() > 200
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(ParseError::new("cursor", "The cursor is not valid."));
        }
        Ok(Self(raw.to_owned()))
    }
}

string_newtype!(
    /// An `Idempotency-Key`: 1 to 64 printable ASCII characters.
    IdempotencyKey
);

impl IdempotencyKey {
    /// Parses the `Idempotency-Key` header value.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(ParseError::new(
                "Idempotency-Key",
                "The Idempotency-Key must be 1 to 64 printable ASCII characters.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

/// The size of a page: 1 to 100, 20 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct PageLimit(u32);

impl PageLimit {
    /// The largest page.
    pub const MAX: u32 = 100;
    /// The page size when none is asked for.
    pub const DEFAULT: PageLimit = PageLimit(20);

    /// Parses a requested page size.
    pub fn parse(n: u32) -> Result<Self, ParseError> {
        if n == 0 || n > Self::MAX {
            return Err(ParseError::new(
                "limit",
                format!("The limit must be between 1 and {}.", Self::MAX),
            ));
        }
        Ok(Self(n))
    }

    /// The size as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u32> for PageLimit {
    type Error = ParseError;
    fn try_from(value: u32) -> Result<Self, ParseError> {
        Self::parse(value)
    }
}

impl From<PageLimit> for u32 {
    fn from(value: PageLimit) -> u32 {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_id_accepts_slugs_and_paths() {
        assert!(ArticleId::parse("world/qiyang-forum").is_ok());
        assert!(ArticleId::parse("é").is_ok());
        assert!(ArticleId::parse(&"a".repeat(200)).is_ok());
    }

    #[test]
    fn article_id_rejects_bad_values() {
        for bad in ["", " a", "a ", "a\u{0}b", "a\nb", &"a".repeat(201)] {
            assert!(ArticleId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reader_token_is_32_hex_and_lowercased() {
        let t = ReaderToken::parse("ABCDEF0123456789abcdef0123456789").expect("valid");
        assert_eq!(t.as_str(), "abcdef0123456789abcdef0123456789");
        assert!(ReaderToken::parse("xyz").is_err());
        assert!(ReaderToken::parse("g".repeat(32).as_str()).is_err());
    }

    #[test]
    fn idempotency_key_is_printable_ascii() {
        assert!(IdempotencyKey::parse("abc-123 x").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("é").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(65)).is_err());
    }

    #[test]
    fn page_limit_bounds() {
        assert!(PageLimit::parse(0).is_err());
        assert!(PageLimit::parse(101).is_err());
        assert_eq!(PageLimit::parse(100).map(PageLimit::get), Ok(100));
    }

    #[test]
    fn ids_deserialize_through_parse() {
        let bad: Result<ArticleId, _> = serde_json::from_str("\"\"");
        assert!(bad.is_err());
        let good: CommentId = serde_json::from_str("\"42\"").expect("valid");
        assert_eq!(good.as_str(), "42");
    }
}
