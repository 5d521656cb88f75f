//! Live events sent over `GET /articles/{article}/events` (server-sent
//! events): the SSE `event:` line is [`LiveEvent::name`], the `data:` line the
//! JSON of the payload.

use crate::comment::{Comment, CommentState};
use crate::ids::{ArticleId, CommentId};
use crate::reaction::ReactionCounts;
use serde::{Deserialize, Serialize};

/// One live event about an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A comment was posted (reader view: `own` false, `mine` empty).
    CommentCreated(Comment),
    /// A comment's body was edited.
    CommentUpdated(Comment),
    /// A comment was hidden or deleted: drop it, or show a tombstone when it
    /// still has visible replies.
    CommentRemoved(CommentRemoved),
    /// A hidden comment was restored by a moderator.
    CommentRestored(Comment),
    /// Reaction counts changed on the article or one of its comments.
    ReactionsChanged(ReactionsChanged),
    /// The article was closed or opened again (`closes_at`).
    ArticleUpdated(ArticleStatus),
    /// The stream fell behind and skipped events: reload the listing.
    Resync(Resync),
}

impl LiveEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CommentCreated(_) => "comment_created",
            Self::CommentUpdated(_) => "comment_updated",
            Self::CommentRemoved(_) => "comment_removed",
            Self::CommentRestored(_) => "comment_restored",
            Self::ReactionsChanged(_) => "reactions_changed",
            Self::ArticleUpdated(_) => "article_updated",
            Self::Resync(_) => "resync",
        }
    }
}

/// Payload of `comment_removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentRemoved {
    /// The comment removed.
    pub id: CommentId,
    /// Its article.
    pub article: ArticleId,
    /// Its parent, if a reply.
    pub parent_id: Option<CommentId>,
    /// `hidden` or `deleted`.
    pub state: CommentState,
    /// Visible replies beneath it: when above 0 it stands as a tombstone.
    pub reply_count: u64,
}

/// Payload of `reactions_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionsChanged {
    /// The article.
    pub article: ArticleId,
    /// The comment whose counts changed; `None` for the article's own.
    pub comment_id: Option<CommentId>,
    /// The new counts.
    pub counts: ReactionCounts,
}

/// Payload of `article_updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleStatus {
    /// The article.
    pub article: ArticleId,
    /// When comments closed or will close; `None` while it stays open.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closes_at: Option<time::OffsetDateTime>,
}

/// Payload of `resync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resync {
    /// The article.
    pub article: ArticleId,
}
