//! HTTP caching of read answers: an `ETag` on every JSON read, `304 Not
//! Modified` when the client already has it, and a `Cache-Control` that says
//! who may keep it and for how long.

use crate::http::error::ApiError;
pub use crate::prepared::{Prepared, Unprepared, etag};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Who may keep an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Shaped by the reader (their own comments and reactions): only their
    /// browser keeps it, and asks again (cheaply, with the ETag) each time.
    Reader,
    /// The same for everyone and changing all the time (listings asked
    /// without a reader): a CDN may keep it for a few seconds.
    Shared,
    /// The same for everyone and changing slowly (counts).
    Counts,
    /// Changes only with a new release or configuration.
    Config,
}

impl Policy {
    fn header(self) -> &'static str {
        match self {
            Self::Reader => "private, no-cache",
            Self::Shared => "public, max-age=5, stale-while-revalidate=30",
            Self::Counts => "public, max-age=30, stale-while-revalidate=60",
            Self::Config => "public, max-age=300",
        }
    }
}

/// Whether `If-None-Match` names `tag` (weak comparison, lists, `*`).
pub fn matches(headers: &HeaderMap, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = bare(tag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == tag)
}

impl From<Unprepared> for ApiError {
    fn from(err: Unprepared) -> Self {
        Self::Internal(err.to_string())
    }
}

impl Prepared {
    /// The answer to a request with these headers: the body, or `304` when
    /// the client has it already.
    pub fn respond(&self, request: &HeaderMap, policy: Policy) -> Response {
        let etag = self.etag();
        let fresh = std::str::from_utf8(&etag).is_ok_and(|tag| matches(request, tag));
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            Response::new(Body::from(self.bytes()))
        };
        let headers = response.headers_mut();
        if !fresh {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Ok(tag) = HeaderValue::from_maybe_shared(etag) {
            headers.insert(header::ETAG, tag);
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(policy.header()),
        );
        // Answers differ by reader (anonymous or signed in); the CORS layer
        // adds `Origin` itself.
        for by in [chime_shared::READER_HEADER, chime_shared::SESSION_HEADER] {
            headers.append(header::VARY, HeaderValue::from_static(by));
        }
        response
    }
}

/// A JSON answer with its ETag, or `304` when the client has it already.
pub fn json<T: Serialize>(request: &HeaderMap, value: &T, policy: Policy) -> Response {
    match Prepared::of(value) {
        Ok(prepared) => prepared.respond(request, policy),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let tag = etag(b"{}");
        assert!(tag.starts_with("W/\""));
        assert!(matches(&asking(&tag), &tag));
        assert!(matches(&asking(tag.trim_start_matches("W/")), &tag));
        assert!(matches(&asking(&format!("\"other\", {tag}")), &tag));
        assert!(matches(&asking("*"), &tag));
        assert!(!matches(&asking("\"other\""), &tag));
        assert!(!matches(&HeaderMap::new(), &tag));
        assert_ne!(etag(b"{}"), etag(b"[]"));
    }
}
