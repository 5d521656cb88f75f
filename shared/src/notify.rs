//! Reply e-mails (API.md, "Reply e-mails"): a reader asks, with their
//! comment, to be told by e-mail when someone replies to it.

use serde::{Deserialize, Serialize};

/// `NewComment.notify`: e-mail me when someone replies to this comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifyReplies {
    /// Where to write. A reader the site signed in with an address may
    /// leave it out: the site's is used, and needs no confirming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The page the comment is on, where the mails link replies to: on an
    /// origin that may embed the widget.
    pub page_url: String,
    /// The language the mails are written in (the widget's, a BCP 47 tag);
    /// one Chime has no words for is English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// What became of a comment's request for reply e-mails: in the answer to
/// the post that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReplyEmails {
    /// Replies are mailed from now on.
    On,
    /// A mail asks the address's owner to confirm first (or asked a moment
    /// ago: one such mail a day goes to an address).
    Confirm,
}

/// A reader's reply e-mails, in their data (`GET /me/data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataReplyEmails {
    pub comment_id: crate::ids::CommentId,
    pub email: String,
    pub page_url: String,
    pub locale: String,
    /// Whether the address was confirmed (or came from the site).
    pub confirmed: bool,
}
