//! Why the rules refuse or fail a request, in their own words. Only the
//! HTTP edge (`crate::http::error`) turns these into API.md's answers, so the
//! command line and background work can use the rules too.

use crate::store::StoreError;
use chime_shared::ParseError;

/// A refusal or failure of the rules.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value breaks its own rule (a body too long, a bad cursor).
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// The site's word list refuses a word in a field.
    #[error("the word {word:?} is not allowed in {field}")]
    BannedWord { word: String, field: &'static str },
    /// There is no such comment, or not one this reader may see.
    #[error("there is no such comment")]
    NoSuchComment,
    /// The comment replied to does not exist.
    #[error("the comment replied to does not exist")]
    NoSuchParent,
    /// The comment replied to is under another article.
    #[error("the comment replied to belongs to another article")]
    ParentElsewhere,
    /// The comment replied to waits for review.
    #[error("the comment replied to is waiting for review")]
    ParentPending,
    /// The comment replied to was hidden or deleted.
    #[error("the comment replied to has been removed")]
    ParentRemoved,
    /// Only its author may change a comment.
    #[error("the comment belongs to another reader")]
    NotAuthor,
    /// Edits are allowed for this many minutes after posting.
    #[error("the edit window of {minutes} minutes has closed")]
    EditWindowClosed { minutes: i64 },
    /// Moderators do not hold comments; Chime does.
    #[error("holding is done by Chime, not by moderators")]
    HoldIsAutomatic,
    /// Its author deleted the comment.
    #[error("its author deleted the comment")]
    DeletedByAuthor,
    /// Approve or reject of a comment that does not wait.
    #[error("the comment is not waiting for review")]
    NotAwaitingReview,
    /// The act does not apply to the comment's state.
    #[error("the comment cannot be changed that way")]
    NoSuchChange,
    /// The waiting edit is not the one the moderator saw.
    #[error("the waiting edit changed since it was seen")]
    EditChanged,
    /// A moderator's name and password do not match.
    #[error("the user name and password do not match")]
    WrongCredentials,
    /// Sign-in with the site's accounts is not set up on this server.
    #[error("single sign-on is off")]
    SsoOff,
    /// A site's sign-in token was refused.
    #[error(transparent)]
    Token(#[from] crate::service::sso::Refused),
    /// A site's sign-in token whose `jti` was exchanged before.
    #[error("the token was used before")]
    TokenReplayed,
    /// A moderator banned this reader.
    #[error("the reader is banned")]
    Banned,
    /// A moderator suspended this reader until then (stored millis).
    #[error("the reader is suspended")]
    Suspended { until: i64 },
    /// Comments on the article are closed (since then, if known).
    #[error("comments on the article are closed")]
    Closed { since: Option<i64> },
    /// The article has as many featured comments as it may.
    #[error("the article has as many featured comments as it may")]
    FeaturedFull,
    /// Only visible top-level comments can be featured.
    #[error("only a visible top-level comment can be featured")]
    NotFeaturable,
    /// No such sanction on this reader (or it was lifted already).
    #[error("there is no such sanction")]
    NoSuchSanction,
    /// An anonymous reader's name is a signed-in reader's (folded).
    #[error("the name is a signed-in reader's")]
    NameTaken,
    /// Only readers signed in with the site's accounts may do this.
    #[error("only signed-in readers may {0}")]
    SignInRequired(crate::service::sso::Act),
    /// A reader session that is unknown or has ended.
    #[error("the reader's session has ended")]
    SessionExpired,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not fail did (hashing a password).
    #[error("{0}")]
    Internal(String),
}

/// Results of the rules.
pub type Outcome<T> = Result<T, Error>;

impl From<crate::prepared::Unprepared> for Error {
    fn from(err: crate::prepared::Unprepared) -> Self {
        Self::Internal(err.to_string())
    }
}
