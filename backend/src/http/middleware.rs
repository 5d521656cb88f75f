//! Cross-cutting layers: origin checks, JSON for every error, metrics, and
//! idempotent replays of writes.

use crate::http::error::{ApiError, error_response};
use crate::metrics::{HttpLabels, RouteLabels};
use crate::state::AppState;
use crate::store::{IdempotencyClaim, IdempotencyTimes, StoredResponse};
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chime_shared::{ErrorCode, IDEMPOTENCY_HEADER, IdempotencyKey, READER_HEADER, ReaderToken};
use sha2::{Digest, Sha256};
use std::time::Instant;

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// A signed-in reader's session (`X-Chime-Session`) is looked up once and
/// handed to the extractors; an unknown or ended one is refused.
pub async fn reader_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let raw = request
        .headers()
        .get(chime_shared::SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Signing in (or out) is where a stale session is replaced: it is not
    // refused there.
    let signing_in = request.uri().path().ends_with("/sso/session");
    if let Some(raw) = raw.filter(|_| !signing_in) {
        match crate::service::sso::session(&state, &raw).await {
            Ok(signed_in) => {
                request.extensions_mut().insert(signed_in);
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    next.run(request).await
}

/// Reader routes: a browser on a site that is not allowed is refused (the
/// CORS layer already keeps such a browser from reading the answer; this
/// keeps it from writing too).
pub async fn reader_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|o| state.settings.origin_allowed(o));
        if !allowed {
            return ApiError::new(
                ErrorCode::OriginNotAllowed,
                "This site is not allowed to use these comments.",
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// Moderation routes: a state-changing request must come from the backend's
/// own pages.
pub async fn own_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_write(request.method()) {
        let own = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_some_and(|o| state.settings.is_own_origin(o));
        if !own {
            return ApiError::new(
                ErrorCode::OriginNotAllowed,
                "Moderation requests must come from the moderation page.",
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// Any error answered without our JSON body (an unknown method, a timeout,
/// a layer's refusal) gets one, so clients only ever see one error shape.
pub async fn json_errors(request: Request, next: Next) -> Response {
    // The pages mailed links open answer in HTML, errors too.
    let page = request.uri().path().starts_with("/api/v1/mail/");
    let response = next.run(request).await;
    let status = response.status();
    let own = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || (page && v.starts_with("text/html")));
    if status.as_u16() < 400 || own {
        return response;
    }
    let code = ErrorCode::from_status(status.as_u16());
    let message = match code {
        ErrorCode::MethodNotAllowed => "This address does not accept that method.",
        ErrorCode::Timeout => "The request took too long.",
        ErrorCode::NotFound => "There is nothing at this address.",
        ErrorCode::PayloadTooLarge => "The request body is too large.",
        ErrorCode::UnsupportedMediaType => "Send the request body as JSON.",
        ErrorCode::Internal => "Something went wrong on our side.",
        _ => "The request could not be handled.",
    };
    let mut json = error_response(code, message, None);
    *json.status_mut() = status;
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            json.headers_mut().insert(name, value.clone());
        }
    }
    // CORS headers were set by an outer layer on the way out; keep them.
    for (name, value) in response.headers() {
        if name.as_str().starts_with("access-control-") {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

/// The method as a metric label: HTTP's own methods by name, anything a
/// client made up as `other`, so that made-up names cannot grow the label
/// set (and the server's memory) without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Counts and times every answer by route.
pub async fn metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state
        .metrics
        .http_requests
        .get_or_create(&HttpLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    state
        .metrics
        .http_seconds
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Writes count against the reader's and the address's allowances.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_write(request.method()) {
        let token = request
            .headers()
            .get(READER_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| ReaderToken::parse(v).ok());
        let addr = state
            .settings
            .trusted_proxies
            .of(request.extensions(), request.headers());
        // A write without a reader (a site's sign-in token exchanged) still
        // counts against its address.
        let checked = match token {
            Some(token) => state.write_limits.check(&state.readers.hash(&token), addr),
            None => state.write_limits.check_address(addr),
        };
        if let Err(e) = checked {
            return crate::http::error::ApiError::from(e).into_response();
        }
    }
    next.run(request).await
}

/// A write retried with the same `Idempotency-Key` by the same reader gets
/// the first answer again and changes nothing.
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_write(request.method()) {
        return next.run(request).await;
    }
    let Some(raw_key) = request.headers().get(IDEMPOTENCY_HEADER) else {
        return next.run(request).await;
    };
    let key = match raw_key
        .to_str()
        .map_err(|_| ())
        .and_then(|k| IdempotencyKey::parse(k).map_err(|_| ()))
    {
        Ok(key) => key,
        Err(()) => {
            return ApiError::Client {
                code: ErrorCode::ValidationFailed,
                message: "The Idempotency-Key must be 1 to 64 printable ASCII characters.".into(),
                field: Some("Idempotency-Key".into()),
            }
            .into_response();
        }
    };
    // Without a valid reader the handler refuses the write anyway.
    let token = request
        .headers()
        .get(READER_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| ReaderToken::parse(v).ok());
    let Some(token) = token else {
        return next.run(request).await;
    };
    // A signed-in reader is their account, as the handler sees them.
    let reader = match request.extensions().get::<crate::service::sso::SignedIn>() {
        Some(signed_in) => signed_in.reader.clone(),
        None => state.readers.hash(&token),
    };

    let (parts, body) = request.into_parts();
    let limit = state.settings.limits.request_body_max_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return error_response(
            ErrorCode::PayloadTooLarge,
            "The request body is too large.",
            None,
        );
    };
    let request_hash = request_hash(&parts, &bytes);
    let now = state.now_ms();
    let times = IdempotencyTimes {
        now,
        stale_before: now - 60_000,
        expired_before: now - 24 * 60 * 60 * 1000,
    };
    let claim = match state
        .store
        .claim_idempotency(&reader, key.as_str(), &request_hash, times)
        .await
    {
        Ok(claim) => claim,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match claim {
        IdempotencyClaim::Done(stored) => replay(&stored),
        IdempotencyClaim::InProgress => ApiError::conflict(
            "A request with this Idempotency-Key is still being handled; try again shortly.",
        )
        .into_response(),
        IdempotencyClaim::Mismatch => {
            ApiError::conflict("This Idempotency-Key was already used for a different request.")
                .into_response()
        }
        IdempotencyClaim::Claimed => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            keep_answer(&state, &reader, &key, response).await
        }
    }
}

/// What tells two requests apart: method, path and body.
fn request_hash(parts: &axum::http::request::Parts, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(b" ");
    hasher.update(parts.uri.path());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Records the first answer to a claimed key (or frees the key, when a
/// retry would be answered otherwise), and passes the answer on.
async fn keep_answer(
    state: &AppState,
    reader: &crate::store::ReaderHash,
    key: &IdempotencyKey,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    // Our answers to writes are small JSON; a failure to read one is
    // treated like a server error (nothing stored, key released).
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    // Only answers that a retry would get again are kept; a 429, a timeout
    // or a server error leave the key free for the retry, and so do a 401
    // or 403 (the reader signs in again, a sanction is lifted or ends: the
    // draft they kept, with its key, must go through then).
    let transient = parts.status.is_server_error()
        || matches!(parts.status.as_u16(), 401 | 403 | 408 | 409 | 429);
    let outcome = if transient {
        state.store.release_idempotency(reader, key.as_str()).await
    } else {
        state
            .store
            .finish_idempotency(reader, key.as_str(), &stored)
            .await
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record an idempotency key");
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body.clone()).into_response();
    let headers = response.headers_mut();
    if stored.body.is_empty() {
        headers.remove(header::CONTENT_TYPE);
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
