//! The JSON error shape of API.md and its machine-readable codes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The `code` of an API error. Clients match on this, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: malformed JSON, query or path.
    BadRequest,
    /// 400: a field is out of range; `field` names it.
    ValidationFailed,
    /// 400: a write without the `X-Chime-Reader` header.
    MissingReader,
    /// 401: a moderation route without a valid session.
    Unauthenticated,
    /// 401: a site's sign-in token that is not a JWT of JSON parts.
    TokenMalformed,
    /// 401: a site's sign-in token with an `alg` other than HS256.
    TokenAlgorithm,
    /// 401: a site's sign-in token no configured secret signed.
    TokenSignature,
    /// 401: a site's sign-in token past its `exp`.
    TokenExpired,
    /// 401: a site's sign-in token before its `iat` or `nbf`.
    TokenNotYetValid,
    /// 401: a site's sign-in token issued longer ago than the maximum age.
    TokenTooOld,
    /// 401: a site's sign-in token without `user.id`.
    TokenMissingUser,
    /// 401: a site's sign-in token whose `jti` was exchanged before.
    TokenReplayed,
    /// 401: an `X-Chime-Session` that is unknown or has ended.
    SessionExpired,
    /// 403: not yours.
    Forbidden,
    /// 403: the edit window of a comment has closed.
    EditWindowClosed,
    /// 403: the request's `Origin` is not an allowed site.
    OriginNotAllowed,
    /// 403: posting or reacting where only signed-in readers may.
    SignInRequired,
    /// 403: a moderator banned this reader.
    Banned,
    /// 403: a moderator suspended this reader for a while.
    Suspended,
    /// 403: comments on the article are closed.
    Closed,
    /// 404: unknown comment, article or route.
    NotFound,
    /// 404: sign-in with the site's accounts, on a server without a secret.
    SsoOff,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 408: the request took too long.
    Timeout,
    /// 409: the request conflicts with the stored state.
    Conflict,
    /// 413: the body is over the size limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 429: too many writes; see `Retry-After`.
    RateLimited,
    /// 500: a fault of the server; nothing about it is sent.
    Internal,
    /// 503: storage is down; the write was not applied.
    Unavailable,
}

impl ErrorCode {
    /// Every code, for tests and documentation.
    pub const ALL: [ErrorCode; 30] = [
        Self::BadRequest,
        Self::ValidationFailed,
        Self::MissingReader,
        Self::Unauthenticated,
        Self::TokenMalformed,
        Self::TokenAlgorithm,
        Self::TokenSignature,
        Self::TokenExpired,
        Self::TokenNotYetValid,
        Self::TokenTooOld,
        Self::TokenMissingUser,
        Self::TokenReplayed,
        Self::SessionExpired,
        Self::Forbidden,
        Self::EditWindowClosed,
        Self::OriginNotAllowed,
        Self::SignInRequired,
        Self::Banned,
        Self::Suspended,
        Self::Closed,
        Self::NotFound,
        Self::SsoOff,
        Self::MethodNotAllowed,
        Self::Timeout,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
    ];

    /// The code as it is spelled on the wire (and in the widget's
    /// `chime:error` event), without going through a JSON serialiser.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::ValidationFailed => "validation_failed",
            Self::MissingReader => "missing_reader",
            Self::Unauthenticated => "unauthenticated",
            Self::TokenMalformed => "token_malformed",
            Self::TokenAlgorithm => "token_algorithm",
            Self::TokenSignature => "token_signature",
            Self::TokenExpired => "token_expired",
            Self::TokenNotYetValid => "token_not_yet_valid",
            Self::TokenTooOld => "token_too_old",
            Self::TokenMissingUser => "token_missing_user",
            Self::TokenReplayed => "token_replayed",
            Self::SessionExpired => "session_expired",
            Self::Forbidden => "forbidden",
            Self::EditWindowClosed => "edit_window_closed",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::SignInRequired => "sign_in_required",
            Self::Banned => "banned",
            Self::Suspended => "suspended",
            Self::Closed => "closed",
            Self::NotFound => "not_found",
            Self::SsoOff => "sso_off",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Timeout => "timeout",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::ValidationFailed | Self::MissingReader => 400,
            Self::Unauthenticated
            | Self::TokenMalformed
            | Self::TokenAlgorithm
            | Self::TokenSignature
            | Self::TokenExpired
            | Self::TokenNotYetValid
            | Self::TokenTooOld
            | Self::TokenMissingUser
            | Self::TokenReplayed
            | Self::SessionExpired => 401,
            Self::Forbidden
            | Self::EditWindowClosed
            | Self::OriginNotAllowed
            | Self::SignInRequired
            | Self::Banned
            | Self::Suspended
            | Self::Closed => 403,
            Self::NotFound | Self::SsoOff => 404,
            Self::MethodNotAllowed => 405,
            Self::Timeout => 408,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// The code that best describes a bare HTTP status (for failures raised
    /// outside our handlers, such as a timeout).
    pub fn from_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::Timeout,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::RateLimited,
            503 => Self::Unavailable,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

/// The body of every error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// What went wrong, for machines (`code`, `field`) and people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// A sentence a reader can be shown.
    pub message: String,
    /// The request field the error is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// An error body without a field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }
}

/// Why a value could not be parsed into one of the newtypes: the field it
/// belongs to and a sentence for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The request field (as named in API.md) the value came from.
    pub field: &'static str,
    /// A sentence saying what is wrong.
    pub message: String,
}

impl ParseError {
    /// An error about `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_the_wire_spelling() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
