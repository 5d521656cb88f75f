//! A reader's data (API.md, "A reader's data"): everything Chime holds
//! about one reader, for them (or an admin, on their request) to download,
//! and what erasing it did.

use crate::comment::{CommentState, ReportReason};
use crate::history::{ReaderNote, Sanction};
use crate::ids::{ArticleId, CommentId};
use crate::reaction::ReactionKind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `GET /me/data` and `GET /mod/readers/{reader}/data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderData {
    /// The reader's key (a keyed hash of their device's token, or of the
    /// site's account id).
    pub reader: String,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// What the site's token said of a reader it signed in.
    pub account: Option<AccountData>,
    /// Every comment they wrote, in every state, oldest first.
    pub comments: Vec<DataComment>,
    /// Their reactions to articles and comments.
    pub reactions: Vec<DataReaction>,
    /// The reports they made.
    pub reports: Vec<DataReport>,
    /// Moderators' notes about them.
    pub notes: Vec<ReaderNote>,
    /// Moderators' sanctions on them.
    pub sanctions: Vec<Sanction>,
    /// Their requests for reply e-mails.
    #[serde(default)]
    pub reply_emails: Vec<crate::notify::DataReplyEmails>,
}

/// A signed-in reader's account, as the site's last token said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountData {
    pub site_id: String,
    pub name: String,
    pub email: Option<String>,
    pub badges: Vec<String>,
    pub url: Option<String>,
}

/// One of their comments, whole, whatever its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataComment {
    pub id: CommentId,
    pub article: ArticleId,
    pub parent_id: Option<CommentId>,
    pub author_name: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    pub state: CommentState,
    /// An edit of theirs that waits for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_waiting: Option<String>,
}

/// One of their reactions: to an article, or to a comment in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataReaction {
    pub article: ArticleId,
    pub comment_id: Option<CommentId>,
    pub kind: ReactionKind,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One of their reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataReport {
    pub comment_id: CommentId,
    pub reason: ReportReason,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// `DELETE /me/data` and `DELETE /mod/readers/{reader}/data`: what
/// erasing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erased {
    /// Comments removed whole.
    pub comments_removed: u64,
    /// Comments left as "deleted" tombstones, their words and name gone,
    /// because others replied to them.
    pub comments_emptied: u64,
    pub reactions: u64,
    pub reports: u64,
}
