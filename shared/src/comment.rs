//! The Comment object, thread listings and the reader's comment requests.

use crate::error::ParseError;
use crate::ids::{ArticleId, CommentId, Cursor};
use crate::reaction::{ReactionCounts, ReactionKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Who wrote a comment. Empty for tombstones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    /// The display name as typed.
    pub name: String,
    /// Whether the site vouches for this author: a reader signed in with
    /// the site's own account wrote it, under the name the site gave.
    pub verified: bool,
    /// The site's labels for a signed-in author ("Subscriber", "Staff"),
    /// as they were when the comment was posted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<String>,
}

/// Whether a comment can be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommentState {
    /// Shown to everyone.
    Visible,
    /// Hidden by a moderator.
    Hidden,
    /// Deleted by its author.
    Deleted,
    /// Held for a moderator's review: shown to its author alone until a
    /// moderator approves (visible) or rejects (hidden) it.
    Pending,
}

impl CommentState {
    /// The state's name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "visible",
            Self::Hidden => "hidden",
            Self::Deleted => "deleted",
            Self::Pending => "pending",
        }
    }

    /// Parses a stored state name.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "visible" => Ok(Self::Visible),
            "hidden" => Ok(Self::Hidden),
            "deleted" => Ok(Self::Deleted),
            "pending" => Ok(Self::Pending),
            _ => Err(ParseError::new("state", "Unknown comment state.")),
        }
    }
}

/// A comment as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    /// Opaque id.
    pub id: CommentId,
    /// The article it belongs to.
    pub article: ArticleId,
    /// The comment it replies to (after the depth rule), if any.
    pub parent_id: Option<CommentId>,
    /// Who wrote it; empty for tombstones.
    pub author: Author,
    /// The text exactly as typed (markdown-lite); empty for tombstones.
    pub body: String,
    /// The sanitised HTML rendering of `body`; empty for tombstones.
    pub html: String,
    /// When it was posted.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its author last edited it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    /// Visible, hidden, deleted, or pending (shown to its author alone).
    pub state: CommentState,
    /// Reaction counts.
    pub reactions: ReactionCounts,
    /// The kinds the requesting reader chose.
    pub mine: Vec<ReactionKind>,
    /// Whether the requesting reader wrote it.
    pub own: bool,
    /// Visible replies beneath it, at any depth.
    pub reply_count: u64,
    /// Its replies, oldest first, in listings; empty elsewhere. A thread's
    /// first replies only: see `replies_cursor`.
    // A comment's replies are comments: the schema refers to itself
    // instead of being written out forever.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub replies: Vec<Comment>,
    /// On a top-level comment in a listing whose thread has more replies
    /// than were sent: where `GET /comments/{id}/replies` goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies_cursor: Option<Cursor>,
    /// A moderator put it on top of the article's thread: shown first, in
    /// every order, with a "Featured" label. Only visible top-level
    /// comments are featured.
    #[serde(default, skip_serializing_if = "is_false")]
    pub featured: bool,
    /// In the answer to a post that asked for reply e-mails: whether they
    /// are on, or wait for the address to be confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies_by_email: Option<crate::notify::ReplyEmails>,
}

fn is_false(on: &bool) -> bool {
    !*on
}

/// Order of top-level comments in a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Newest first (default).
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Most reactions first.
    Top,
}

impl SortOrder {
    /// The order's name in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Top => "top",
        }
    }

    /// Parses the `sort` query parameter.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "newest" => Ok(Self::Newest),
            "oldest" => Ok(Self::Oldest),
            "top" => Ok(Self::Top),
            _ => Err(ParseError::new(
                "sort",
                "Unknown sort; use newest, oldest or top.",
            )),
        }
    }
}

/// `GET /articles/{article}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentList {
    /// The article listed.
    pub article: ArticleId,
    /// Visible comments in the whole article.
    pub total: u64,
    /// One page of top-level comments with their replies nested.
    pub comments: Vec<Comment>,
    /// The cursor of the next page, `None` on the last.
    pub next_cursor: Option<Cursor>,
    /// When comments on the article closed, or will close (a moderator
    /// closed it, or it closes by itself some days after its first
    /// comment); absent while it stays open. Readers still read and react.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub closes_at: Option<OffsetDateTime>,
}

/// `POST /articles/{article}/comments`. Fields stay raw text here and are
/// parsed by the server against its configured limits, so each error can
/// name its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewComment {
    /// The author's display name.
    pub author_name: String,
    /// The comment text (markdown-lite).
    pub body: String,
    /// The comment replied to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The widget form's hidden field, which people never see and so leave
    /// empty; form-filling robots fill it. Filled, the comment is held for
    /// review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// How long the widget's form was open before it was sent, in
    /// milliseconds. Faster than a person types, the comment is held for
    /// review. Absent (other clients), nothing is inferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_ms: Option<u64>,
    /// E-mail the author when someone replies (API.md, "Reply e-mails").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<crate::notify::NotifyReplies>,
}

/// `PATCH /comments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditComment {
    /// The new text.
    pub body: String,
}

/// Why a reader reports a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Advertising or junk.
    Spam,
    /// Insults, threats, hate.
    Abuse,
    /// Not about the article.
    OffTopic,
    /// Anything else (see the note).
    Other,
}

impl ReportReason {
    /// Every reason, in menu order.
    pub const ALL: [ReportReason; 4] = [Self::Spam, Self::Abuse, Self::OffTopic, Self::Other];

    /// The reason's name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Abuse => "abuse",
            Self::OffTopic => "off_topic",
            Self::Other => "other",
        }
    }

    /// Parses a reason name.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "reason",
                    "Unknown reason; use spam, abuse, off_topic or other.",
                )
            })
    }
}

/// `POST /comments/{id}/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReport {
    /// spam, abuse, off_topic or other (parsed by the server).
    #[cfg_attr(feature = "openapi", schema(value_type = ReportReason))]
    pub reason: String,
    /// Optional words from the reader, up to 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// `GET /counts`: visible comments per article asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountsResponse {
    /// Article id to visible comment count; 0 for unknown articles.
    pub counts: BTreeMap<String, u64>,
}

/// Most articles one `/counts` request may ask for.
pub const COUNTS_MAX_ARTICLES: usize = 200;
