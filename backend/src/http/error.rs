//! `ApiError`: the one error type of the server, answered as API.md's JSON
//! error shape. Internal causes are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chime_shared::{ErrorBody, ErrorCode, ErrorDetail, ParseError};

use crate::service::Error as ServiceError;
use crate::service::sso::Act;
use crate::store::{Conflict, StoreError};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client error with a code, a message and perhaps a field.
    #[error("{message}")]
    Client {
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
    /// Too many requests; retry after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Storage could not be reached; the write was not applied.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A client error without a field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// 409 `conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please sign in as a moderator.")
    }

    /// The code this error is sent with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(err: ParseError) -> Self {
        Self::Client {
            code: ErrorCode::ValidationFailed,
            message: err.message,
            field: Some(err.field.to_owned()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        use ErrorCode::{Conflict, EditWindowClosed, Forbidden, NotFound, Unauthenticated};
        let (code, message) = match err {
            ServiceError::Invalid(e) => return e.into(),
            ServiceError::Store(e) => return e.into(),
            ServiceError::Internal(cause) => return Self::Internal(cause),
            ServiceError::BannedWord { word, field } => {
                return Self::Client {
                    code: ErrorCode::ValidationFailed,
                    message: format!("This site does not allow “{word}” in comments."),
                    field: Some(field.into()),
                };
            }
            ServiceError::NoSuchParent => {
                return Self::Client {
                    code: NotFound,
                    message: "The comment you are replying to does not exist.".into(),
                    field: Some("parent_id".into()),
                };
            }
            ServiceError::EditWindowClosed { minutes } => (
                EditWindowClosed,
                format!(
                    "Comments can only be edited in the first {minutes} minutes after posting."
                ),
            ),
            ServiceError::NoSuchComment => (NotFound, "There is no such comment.".into()),
            ServiceError::ParentElsewhere => (
                Conflict,
                "The comment you are replying to belongs to another article.".into(),
            ),
            ServiceError::ParentPending => (
                Conflict,
                "The comment you are replying to is waiting for a moderator's review.".into(),
            ),
            ServiceError::ParentRemoved => (
                Conflict,
                "The comment you are replying to has been removed.".into(),
            ),
            ServiceError::NotAuthor => (Forbidden, "You can only change your own comments.".into()),
            ServiceError::HoldIsAutomatic => (
                ErrorCode::BadRequest,
                "Comments are held by Chime itself, not by moderators.".into(),
            ),
            ServiceError::DeletedByAuthor => (Conflict, "Its author deleted this comment.".into()),
            ServiceError::NotAwaitingReview => {
                (Conflict, "This comment is not waiting for review.".into())
            }
            ServiceError::NoSuchChange => {
                (Conflict, "This comment cannot be changed that way.".into())
            }
            ServiceError::EditChanged => (
                Conflict,
                "Its author changed the edit since you looked at it (or the request did not say \
                 which edit you saw): look at it again."
                    .into(),
            ),
            ServiceError::SsoOff => (
                ErrorCode::SsoOff,
                "This site does not sign readers in with its own accounts.".into(),
            ),
            ServiceError::Token(refused) => token_refusal(&refused),
            ServiceError::TokenReplayed => (
                ErrorCode::TokenReplayed,
                "This sign-in token was used before; sign in again.".into(),
            ),
            ServiceError::Banned => (
                ErrorCode::Banned,
                "A moderator has stopped you from commenting and reacting here.".into(),
            ),
            ServiceError::Suspended { until } => (
                ErrorCode::Suspended,
                format!(
                    "A moderator has suspended you from commenting and reacting here until {}.",
                    readable(until)
                ),
            ),
            ServiceError::Closed { since } => (
                ErrorCode::Closed,
                match since {
                    Some(at) => format!(
                        "Comments on this article closed on {}. You can still read and react.",
                        readable(at)
                    ),
                    None => {
                        "Comments on this article are closed. You can still read and react.".into()
                    }
                },
            ),
            ServiceError::FeaturedFull => (
                ErrorCode::Conflict,
                format!(
                    "This article has {} featured comments already; stop featuring one first.",
                    crate::store::FEATURED_MAX
                ),
            ),
            ServiceError::NotFeaturable => (
                ErrorCode::Conflict,
                "Only a visible comment that is not a reply can be featured.".into(),
            ),
            ServiceError::NoSuchSanction => (
                ErrorCode::NotFound,
                "This reader has no such sanction in force.".into(),
            ),
            ServiceError::NameTaken => {
                return Self::Client {
                    code: ErrorCode::ValidationFailed,
                    message: "That name belongs to a reader signed in with this site's account; \
                              please choose another."
                        .into(),
                    field: Some("author_name".into()),
                };
            }
            ServiceError::SignInRequired(act) => (
                ErrorCode::SignInRequired,
                match act {
                    Act::Post => "Sign in to comment on this site.",
                    Act::React => "Sign in to react on this site.",
                }
                .into(),
            ),
            ServiceError::SessionExpired => (
                ErrorCode::SessionExpired,
                "Your sign-in has ended; sign in again.".into(),
            ),
            ServiceError::WrongCredentials => (
                Unauthenticated,
                "That user name and password do not match.".into(),
            ),
        };
        Self::new(code, message)
    }
}

impl From<crate::service::admin::ModeratorError> for ApiError {
    fn from(err: crate::service::admin::ModeratorError) -> Self {
        use crate::service::admin::ModeratorError;
        let field = |field: &str, message: String| Self::Client {
            code: ErrorCode::ValidationFailed,
            message,
            field: Some(field.into()),
        };
        match err {
            ModeratorError::BadName => field(
                "username",
                "A moderator's name is 1 to 50 letters, digits, '.', '-' or '_' (not only dots)."
                    .into(),
            ),
            ModeratorError::WeakPassword => field(
                "password",
                "A password needs at least 10 characters.".into(),
            ),
            ModeratorError::Taken(name) => {
                Self::conflict(format!("There is already a moderator called {name}."))
            }
            ModeratorError::Unknown(name) => Self::new(
                ErrorCode::NotFound,
                format!("There is no moderator called {name}."),
            ),
            ModeratorError::Store(e) => e.into(),
            ModeratorError::Hash(e) => Self::Internal(e),
        }
    }
}

impl From<crate::http::ratelimit::Limited> for ApiError {
    fn from(limited: crate::http::ratelimit::Limited) -> Self {
        Self::RateLimited {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

/// A moment as readers read it: "5 December 2026, 14:00 UTC".
fn readable(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:long] [year], [hour]:[minute] UTC"
    );
    crate::clock::from_millis(ms)
        .format(&format)
        .unwrap_or_else(|_| "later".into())
}

/// The code and words for a refused sign-in token.
fn token_refusal(refused: &crate::service::sso::Refused) -> (ErrorCode, String) {
    use crate::service::sso::Refused;
    let (code, words) = match refused {
        Refused::Malformed => (
            ErrorCode::TokenMalformed,
            "The sign-in token is not a valid token.",
        ),
        Refused::Algorithm(_) => (
            ErrorCode::TokenAlgorithm,
            "The sign-in token is not signed with HS256.",
        ),
        Refused::Signature => (
            ErrorCode::TokenSignature,
            "The sign-in token's signature does not match this site's secret.",
        ),
        Refused::Expired => (ErrorCode::TokenExpired, "The sign-in token has expired."),
        Refused::NotYetValid => (
            ErrorCode::TokenNotYetValid,
            "The sign-in token is not valid yet.",
        ),
        Refused::TooOld { .. } => (
            ErrorCode::TokenTooOld,
            "The sign-in token was issued too long ago.",
        ),
        Refused::MissingUser => (
            ErrorCode::TokenMissingUser,
            "The sign-in token does not name the reader (user.id).",
        ),
    };
    (code, words.to_owned())
}

impl From<crate::service::mail::AlertError> for ApiError {
    fn from(err: crate::service::mail::AlertError) -> Self {
        use crate::service::mail::AlertError;
        let field = |field: &str, message: String| Self::Client {
            code: ErrorCode::ValidationFailed,
            message,
            field: Some(field.into()),
        };
        match err {
            AlertError::Email(message) => field("email", message),
            AlertError::Events(message) => field("events", message),
            e @ AlertError::Digest => field("digest_minutes", e.to_string()),
            e @ AlertError::Unknown(_) => Self::not_found(e.to_string()),
            AlertError::Store(e) => e.into(),
        }
    }
}

impl From<crate::service::webhooks::WebhookError> for ApiError {
    fn from(err: crate::service::webhooks::WebhookError) -> Self {
        use crate::service::webhooks::WebhookError;
        let field = |field: &str, message: String| Self::Client {
            code: ErrorCode::ValidationFailed,
            message,
            field: Some(field.into()),
        };
        match err {
            WebhookError::Url(message) => field("url", message),
            WebhookError::Events(message) => field("events", message),
            e @ WebhookError::Description => field("description", e.to_string()),
            e @ WebhookError::Unknown(_) => Self::not_found(e.to_string()),
            WebhookError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(Conflict::KeyReused) => {
                Self::conflict("This Idempotency-Key was already used for another comment.")
            }
            StoreError::Conflict(Conflict::LastAdmin) => Self::conflict(
                "This is the last admin: make another admin before removing this one.",
            ),
            StoreError::Conflict(Conflict::Closed) => Self::Client {
                code: ErrorCode::Closed,
                message: "Comments on this article are closed.".into(),
                field: None,
            },
            StoreError::Unavailable(_) => Self::Unavailable(err.to_string()),
            StoreError::Internal(_) => Self::Internal(err.to_string()),
        }
    }
}

/// The JSON error response for a code and message.
pub fn error_response(code: ErrorCode, message: &str, field: Option<String>) -> Response {
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ErrorBody {
        error: ErrorDetail {
            code,
            message: message.to_owned(),
            field,
        },
    };
    let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, json).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Client {
                code,
                message,
                field,
            } => error_response(code, &message, field),
            Self::RateLimited { retry_after_secs } => {
                let mut response = error_response(
                    ErrorCode::RateLimited,
                    "Too many requests. Please wait a moment and try again.",
                    None,
                );
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Self::Unavailable(cause) => {
                tracing::error!(%cause, "storage unavailable");
                error_response(
                    ErrorCode::Unavailable,
                    "Comments are unavailable right now; nothing was changed. Please try again.",
                    None,
                )
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                error_response(
                    ErrorCode::Internal,
                    "Something went wrong on our side.",
                    None,
                )
            }
        }
    }
}

/// Results of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The response, for layers that need a concrete body type.
    pub fn into_response_checked(self) -> Response {
        self.into_response()
    }
}
