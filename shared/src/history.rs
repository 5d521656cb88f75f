//! A reader's history, for moderators (API.md, "A reader's history"):
//! who they are, how their comments fared, what was reported, and
//! moderators' notes. Their comments themselves are the moderation
//! listing filtered by `author`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `GET /mod/readers/{reader}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderProfile {
    /// The reader's key (every `ModComment` carries its author's).
    pub reader: String,
    /// The name of their latest comment.
    pub name: String,
    /// The site's account, for a reader the site signed in.
    pub account: Option<ReaderAccount>,
    pub comments: CommentCounts,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_seen: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
    /// Reports readers made against their comments.
    pub reports_against: u64,
    /// Reports they made.
    pub reports_by: u64,
    /// Other readers who posted from an address they posted from in the
    /// last 30 days: a count, never an address. `None` for a signed-in
    /// reader.
    pub readers_at_same_address: Option<u64>,
    /// Moderators' notes, newest first.
    pub notes: Vec<ReaderNote>,
    /// Sanctions, newest first, lifted and ended ones too.
    #[serde(default)]
    pub sanctions: Vec<Sanction>,
}

/// The site's account of a signed-in reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderAccount {
    /// The site's own id for them.
    pub site_id: String,
    pub name: String,
    #[serde(default)]
    pub badges: Vec<String>,
}

/// How a reader's comments fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentCounts {
    pub total: u64,
    pub visible: u64,
    pub pending: u64,
    pub hidden: u64,
    pub deleted: u64,
}

/// A moderator's private note on a reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderNote {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub moderator: String,
    pub body: String,
}

/// `POST /mod/readers/{reader}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewNote {
    /// 1 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub body: String,
}

/// A reader's key, as `ModComment.reader` gives it: the stored hash of
/// their token (or of their site account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReaderKey(String);

impl ReaderKey {
    /// Parses a key: 1 to 64 ASCII letters and digits.
    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(crate::ParseError::new(
                "reader",
                "A reader's key is the `reader` of one of their comments.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a sanction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// No more comments, edits, reactions or reports, for good.
    Ban,
    /// The same, until `until`.
    Suspend,
    /// Every new comment waits for review.
    Hold,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ban => "ban",
            Self::Suspend => "suspend",
            Self::Hold => "hold",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::ParseError> {
        match raw {
            "ban" => Ok(Self::Ban),
            "suspend" => Ok(Self::Suspend),
            "hold" => Ok(Self::Hold),
            _ => Err(crate::ParseError::new("kind", "Use ban, suspend or hold.")),
        }
    }
}

/// `POST /mod/readers/{reader}/sanctions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSanction {
    pub kind: SanctionKind,
    /// When it ends: required for `suspend`, optional for `hold`, none for
    /// `ban`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    #[serde(default)]
    pub reason: Option<String>,
    /// Hide everything the reader wrote, in the same act.
    #[serde(default)]
    pub hide_all: bool,
}

/// A sanction on a reader, as moderators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sanction {
    pub id: String,
    pub kind: SanctionKind,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub moderator: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    pub reason: Option<String>,
    /// Whether it holds now (not lifted, not ended).
    pub active: bool,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub lifted_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub lifted_by: Option<String>,
}
