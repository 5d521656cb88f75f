//! Moderation requests and answers.

use crate::comment::{Comment, ReportReason};
use crate::error::ParseError;
use crate::ids::{ArticleId, CommentId, Cursor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// `POST /mod/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The moderator's name.
    pub username: String,
    /// The moderator's password.
    pub password: String,
}

/// A moderator's role. Recorded and shown, not yet enforced: every
/// signed-in moderator may do everything the moderation view offers
/// (managing moderators is done on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the site: made by the first start.
    Admin,
    /// Moderates comments.
    Moderator,
}

impl Role {
    /// The role's name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Moderator => "moderator",
        }
    }

    /// Parses a stored role name.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "admin" => Ok(Self::Admin),
            "moderator" => Ok(Self::Moderator),
            _ => Err(ParseError::new(
                "role",
                "Unknown role; use admin or moderator.",
            )),
        }
    }
}

/// `GET /mod/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    /// The signed-in moderator.
    pub username: String,
    /// Their role.
    pub role: Role,
}

/// The `state` filter of the moderation listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModStateFilter {
    /// Visible comments.
    Visible,
    /// Hidden comments.
    Hidden,
    /// Comments with at least one report.
    Reported,
    /// Comments held for review, oldest first.
    Pending,
    /// Everything, deleted included (default).
    #[default]
    All,
}

impl ModStateFilter {
    /// The filter's name in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "visible",
            Self::Hidden => "hidden",
            Self::Reported => "reported",
            Self::Pending => "pending",
            Self::All => "all",
        }
    }

    /// Parses the `state` query parameter.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "visible" => Ok(Self::Visible),
            "hidden" => Ok(Self::Hidden),
            "reported" => Ok(Self::Reported),
            "pending" => Ok(Self::Pending),
            "all" => Ok(Self::All),
            _ => Err(ParseError::new(
                "state",
                "Unknown state; use visible, hidden, reported, pending or all.",
            )),
        }
    }
}

/// Reports against one comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportSummary {
    /// How many readers reported it.
    pub count: u64,
    /// How many reports per reason.
    pub reasons: BTreeMap<ReportReason, u64>,
}

/// A comment as moderators see it: author and body even when hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModComment {
    /// The comment.
    #[serde(flatten)]
    pub comment: Comment,
    /// Its reports.
    pub reports: ReportSummary,
    /// The reason given when it was hidden, or why it is held for review.
    pub hidden_reason: Option<String>,
    /// The first line of the comment it replies to, for context.
    #[serde(default)]
    pub parent_excerpt: Option<String>,
    /// Its author's edit, waiting for review beside the words readers see
    /// (or, for a held comment, beside the words that were held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<WaitingEdit>,
    /// Its author's key: their history is `GET /mod/readers/{reader}`,
    /// their comments `GET /mod/comments?author={reader}`.
    #[serde(default)]
    pub reader: String,
}

/// An edit that waits for a moderator: approving the comment takes it,
/// rejecting drops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingEdit {
    /// The new text, as typed.
    pub body: String,
    /// Its sanitised rendering.
    pub html: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

/// What just happened to a comment, on the moderation stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModChange {
    /// A reader posted it.
    Created,
    /// Its author edited it.
    Edited,
    /// Its author deleted it.
    Deleted,
    /// A reader reported it.
    Reported,
    /// A moderator hid it.
    Hidden,
    /// A moderator restored it.
    Unhidden,
    /// Chime held it for review (reports, suspect words, pre-moderation…).
    Held,
    /// A moderator approved it: readers see it now.
    Approved,
    /// A moderator rejected it: it stays hidden.
    Rejected,
    /// A moderator featured it, or stopped featuring it (`featured` says
    /// which).
    Featured,
}

/// One event of `GET /mod/events` (SSE event name `mod_comment`): the
/// comment as it is now, and why it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModEvent {
    /// What happened.
    pub change: ModChange,
    /// The comment after it happened.
    pub comment: ModComment,
}

impl ModEvent {
    /// The SSE event name.
    pub const NAME: &'static str = "mod_comment";
}

/// `GET /mod/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModCommentList {
    /// Newest first, across all articles.
    pub comments: Vec<ModComment>,
    /// The cursor of the next page.
    pub next_cursor: Option<Cursor>,
}

/// The body of `POST /mod/comments/{id}/hide`, `reject` and `approve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HideRequest {
    /// Why, for the audit log (up to 500 characters): `hide`, `reject`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
    /// `approve` of a waiting edit: the `at` of the edit the moderator was
    /// shown, so that a later edit is never approved unseen.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub edit_at: Option<time::OffsetDateTime>,
}

/// A moderation act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A comment was hidden.
    Hide,
    /// A hidden comment was restored.
    Unhide,
    /// A comment held for review was held (by Chime itself).
    Hold,
    /// A comment held for review was approved.
    Approve,
    /// A comment held for review was rejected.
    Reject,
    /// An admin added a moderator (`subject`).
    ModeratorAdded,
    /// An admin removed a moderator (`subject`).
    ModeratorRemoved,
    /// An admin set a moderator's password (`subject`).
    PasswordReset,
    /// An admin changed the screening settings (`before`, `after`).
    SettingsChanged,
    /// A reader (`subject`) was banned.
    Ban,
    /// A reader (`subject`) was suspended.
    Suspend,
    /// A reader's (`subject`) comments are all held for review.
    AlwaysHold,
    /// A sanction on a reader (`subject`) was lifted.
    Lift,
    /// Comments on an article (`subject`) were closed.
    Close,
    /// Comments on an article (`subject`) were opened again.
    Reopen,
    /// A comment was featured.
    Feature,
    /// A featured comment stopped being featured.
    Unfeature,
    /// The surge guard began holding an article's (`subject`) new
    /// comments for review (`reason` says why).
    SurgeHold,
    /// It stopped: the surge was over, or a moderator decided.
    SurgeEnd,
    /// A reader's (`subject`) data was erased, on their request (`reason`
    /// counts what went; the words are gone).
    Erase,
}

impl AuditAction {
    /// The action's name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Unhide => "unhide",
            Self::Hold => "hold",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::ModeratorAdded => "moderator_added",
            Self::ModeratorRemoved => "moderator_removed",
            Self::PasswordReset => "password_reset",
            Self::SettingsChanged => "settings_changed",
            Self::Ban => "ban",
            Self::Suspend => "suspend",
            Self::AlwaysHold => "always_hold",
            Self::Lift => "lift",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::Feature => "feature",
            Self::Unfeature => "unfeature",
            Self::SurgeHold => "surge_hold",
            Self::SurgeEnd => "surge_end",
            Self::Erase => "erase",
        }
    }

    /// Parses a stored action name.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "hide" => Ok(Self::Hide),
            "unhide" => Ok(Self::Unhide),
            "hold" => Ok(Self::Hold),
            "approve" => Ok(Self::Approve),
            "reject" => Ok(Self::Reject),
            "moderator_added" => Ok(Self::ModeratorAdded),
            "moderator_removed" => Ok(Self::ModeratorRemoved),
            "password_reset" => Ok(Self::PasswordReset),
            "settings_changed" => Ok(Self::SettingsChanged),
            "ban" => Ok(Self::Ban),
            "suspend" => Ok(Self::Suspend),
            "always_hold" => Ok(Self::AlwaysHold),
            "lift" => Ok(Self::Lift),
            "close" => Ok(Self::Close),
            "reopen" => Ok(Self::Reopen),
            "feature" => Ok(Self::Feature),
            "unfeature" => Ok(Self::Unfeature),
            "surge_hold" => Ok(Self::SurgeHold),
            "surge_end" => Ok(Self::SurgeEnd),
            "erase" => Ok(Self::Erase),
            _ => Err(ParseError::new("action", "Unknown audit action.")),
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub moderator: String,
    /// What.
    pub action: AuditAction,
    /// On which comment (none for what admins do).
    pub comment_id: Option<CommentId>,
    /// Why, if they said.
    pub reason: Option<String>,
    /// The moderator an admin added, removed or gave a new password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The screening settings before and after an admin changed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<crate::admin::ScreeningSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<crate::admin::ScreeningSettings>,
}

/// `GET /mod/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditList {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next page.
    pub next_cursor: Option<Cursor>,
}

/// `GET` and `PUT /mod/articles/{article}`: how an article is moderated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleModeration {
    /// Every new comment waits for a moderator before readers see it.
    pub premoderate: bool,
    /// When a moderator closed comments on it; `None` unless they did.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Days after its first comment when it closes by itself: this
    /// article's own choice (0: never), or `None` for the site's.
    #[serde(default)]
    pub auto_close_days: Option<u32>,
    /// When comments closed or will close, whichever comes first of a
    /// moderator's closing and the automatic one; `None` while it stays
    /// open.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closes_at: Option<OffsetDateTime>,
    /// The featured comments, as readers see them first.
    #[serde(default)]
    pub featured: Vec<CommentId>,
    /// Since when the surge guard holds its new comments for review
    /// (`null`: it does not).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub surge_since: Option<OffsetDateTime>,
}

/// A surge on an article, as moderators hear of it (`GET /mod/surges`,
/// and the `mod_surge` event of `GET /mod/events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurgeNotice {
    /// The article.
    pub article: ArticleId,
    /// Whether its new comments are held for review now (`false`: the
    /// surge is over, or a moderator decided).
    pub active: bool,
    /// Since when they are held.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// What set it off, in words ("34 comments in 5 minutes; usually 2").
    pub reason: String,
}

impl SurgeNotice {
    /// The SSE event name.
    pub const NAME: &'static str = "mod_surge";
}

/// `GET /mod/surges`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurgeList {
    /// Articles whose new comments the surge guard holds now, newest
    /// first.
    pub surges: Vec<SurgeNotice>,
}

/// `PUT /mod/articles/{article}`: what to change; a field left out stays
/// as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleChange {
    /// Hold every new comment for review, or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premoderate: Option<bool>,
    /// Close comments now, or open them again (also when they closed by
    /// themselves: then the article stops closing by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
    /// This article's own days before it closes by itself (0: never), or
    /// `null` to follow the site's setting again.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_close_days: Option<Option<u32>>,
}

/// A field that may be `null`: present (`Some`, null or not) or left out
/// (`None`, by `default`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
