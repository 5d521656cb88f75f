//! `GET /config`: the limits and choices a client needs to know.

use crate::reaction::ReactionKind;
use serde::{Deserialize, Serialize};

/// The server's limits and reaction kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigResponse {
    /// Size limits.
    pub limits: Limits,
    /// The reaction kinds, in display order.
    pub reaction_kinds: Vec<ReactionKindInfo>,
    /// Seconds after posting during which the author may edit.
    pub edit_window_seconds: u64,
    /// Whether readers can sign in with the site's own accounts.
    #[serde(default)]
    pub sign_in: bool,
    /// Who may comment.
    #[serde(default)]
    pub posting: Audience,
    /// Who may react.
    #[serde(default)]
    pub reacting: Audience,
    /// Whether readers may ask for an e-mail when someone replies (the
    /// server can send mail).
    #[serde(default)]
    pub reply_emails: bool,
}

/// Who may do something: every reader, or only those signed in with the
/// site's own accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Audience {
    #[default]
    #[serde(rename = "anyone")]
    Anyone,
    #[serde(rename = "signed-in")]
    SignedIn,
}

impl Audience {
    /// The setting's name in flags and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::SignedIn => "signed-in",
        }
    }

    /// Parses a flag's value.
    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        match raw {
            "anyone" => Ok(Self::Anyone),
            "signed-in" => Ok(Self::SignedIn),
            _ => Err(crate::ParseError::new(
                "audience",
                "Say anyone or signed-in.",
            )),
        }
    }
}

/// Size limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Longest body, in characters after trimming.
    pub body_max_chars: usize,
    /// Longest author name, in characters after trimming.
    pub author_name_max_chars: usize,
    /// Deepest reply level (top-level comments are level 0).
    pub max_reply_depth: u32,
    /// Default page size.
    pub page_default: u32,
    /// Largest page size.
    pub page_max: u32,
    /// Largest request body, in bytes.
    pub request_body_max_bytes: usize,
    /// Most articles in one `/counts` request.
    pub counts_max_articles: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_max_chars: crate::text::BODY_MAX_CHARS,
            author_name_max_chars: crate::text::AUTHOR_NAME_MAX_CHARS,
            max_reply_depth: 6,
            page_default: crate::ids::PageLimit::DEFAULT.get(),
            page_max: crate::ids::PageLimit::MAX,
            // 5,000 characters of any script, even JSON-escaped as surrogate
            // pairs (12 bytes each), plus the name: 16 KiB would refuse
            // 5,000 emoji that the length rule allows.
            request_body_max_bytes: 64 * 1024,
            counts_max_articles: crate::comment::COUNTS_MAX_ARTICLES,
        }
    }
}

/// A reaction kind with its emoji and label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionKindInfo {
    /// The kind.
    pub kind: ReactionKind,
    /// Its emoji.
    pub emoji: String,
    /// A word for screen readers.
    pub label: String,
}

impl From<ReactionKind> for ReactionKindInfo {
    fn from(kind: ReactionKind) -> Self {
        Self {
            kind,
            emoji: kind.emoji().to_owned(),
            label: kind.label().to_owned(),
        }
    }
}
