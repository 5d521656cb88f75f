//! `/mod/…`: sign-in and the moderation routes, all behind one session
//! guard, all state-changing ones behind the own-origin check.

use super::comments::parse_limit;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientAddr};
use crate::middleware::own_origin;
use crate::service::moderation::{self, ModListRequest, Moderator};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chime_shared::ModEvent;
use chime_shared::{
    ArticleId, ArticleModeration, AuditAction, AuditList, HideRequest, LoginRequest, MeResponse,
    ModComment, ModCommentList, ModStateFilter,
};
use futures_util::stream::{Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::set_header::SetResponseHeaderLayer;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "chime_mod";

pub fn router(state: &AppState) -> Router<AppState> {
    let guarded = Router::new()
        .route("/me", get(me))
        .route("/comments", get(list))
        .route("/comments/{id}/hide", post(hide))
        .route("/comments/{id}/unhide", post(unhide))
        .route("/comments/{id}/approve", post(approve))
        .route("/comments/{id}/reject", post(reject))
        .route("/articles/{article}", get(article).put(set_article))
        .route("/audit", get(audit))
        .route("/events", get(events))
        .route_layer(from_fn_with_state(state.clone(), require_moderator));
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .merge(guarded)
        .layer(from_fn_with_state(state.clone(), own_origin))
        // Moderation answers hold hidden text: never kept by a cache.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// The one guard: a live session cookie, or 401.
async fn require_moderator(
    State(state): State<AppState>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let moderator = match jar.get(SESSION_COOKIE) {
        Some(cookie) => moderation::session(&state, cookie.value()).await,
        None => Ok(None),
    };
    match moderator {
        Ok(Some(moderator)) => {
            request.extensions_mut().insert(moderator);
            next.run(request).await
        }
        Ok(None) => ApiError::unauthenticated().into_response(),
        Err(e) => e.into_response(),
    }
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<(CookieJar, StatusCode)> {
    // Before the password is even hashed: guessing stays slow.
    state.sign_in_limits.check(&body.username, addr)?;
    // A new session on every sign-in; the old one, if any, ends.
    if let Some(old) = jar.get(SESSION_COOKIE) {
        moderation::sign_out(&state, old.value()).await?;
    }
    let token = moderation::sign_in(&state, body).await?;
    let ttl =
        time::Duration::try_from(state.settings.session_ttl).unwrap_or(time::Duration::hours(12));
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.https())
        .path("/")
        .max_age(ttl);
    Ok((jar.add(cookie), StatusCode::NO_CONTENT))
}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        moderation::sign_out(&state, cookie.value()).await?;
    }
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/");
    Ok((jar.remove(gone), StatusCode::NO_CONTENT))
}

async fn me(Extension(moderator): Extension<Moderator>) -> Json<MeResponse> {
    Json(MeResponse {
        username: moderator.username,
        role: moderator.role,
    })
}

#[derive(Debug, Deserialize)]
struct ListParams {
    state: Option<String>,
    article: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<ModCommentList>> {
    let request = ModListRequest {
        state: params
            .state
            .as_deref()
            .map(ModStateFilter::parse)
            .transpose()?
            .unwrap_or_default(),
        article: params
            .article
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(ArticleId::parse)
            .transpose()?,
        q: params.q,
        limit: parse_limit(params.limit.as_deref())?,
        cursor: params.cursor,
    };
    Ok(Json(moderation::list(&state, request).await?))
}

/// `hide` and `reject` take an optional `{reason}`; `unhide` and
/// `approve` take no body.
async fn act_with(
    state: AppState,
    moderator: Moderator,
    id: String,
    action: AuditAction,
    body: &Bytes,
) -> ApiResult<Json<ModComment>> {
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<HideRequest>(body)
            .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))?
            .reason
    };
    Ok(Json(
        moderation::act(&state, &moderator, &id, action, reason).await?,
    ))
}

async fn hide(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<Json<ModComment>> {
    act_with(state, moderator, id, AuditAction::Hide, &body).await
}

async fn reject(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<Json<ModComment>> {
    act_with(state, moderator, id, AuditAction::Reject, &body).await
}

async fn unhide(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ModComment>> {
    act_with(state, moderator, id, AuditAction::Unhide, &Bytes::new()).await
}

async fn approve(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ModComment>> {
    act_with(state, moderator, id, AuditAction::Approve, &Bytes::new()).await
}

async fn article(
    State(state): State<AppState>,
    ApiPath(article): ApiPath<String>,
) -> ApiResult<Json<ArticleModeration>> {
    let article = ArticleId::parse(&article)?;
    Ok(Json(moderation::article(&state, &article).await?))
}

async fn set_article(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(article): ApiPath<String>,
    ApiJson(body): ApiJson<ArticleModeration>,
) -> ApiResult<Json<ArticleModeration>> {
    let article = ArticleId::parse(&article)?;
    Ok(Json(
        moderation::set_article(&state, &moderator, &article, body).await?,
    ))
}

#[derive(Debug, Deserialize)]
struct AuditParams {
    limit: Option<String>,
    cursor: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditList>> {
    let limit = parse_limit(params.limit.as_deref())?;
    Ok(Json(moderation::audit(&state, limit, params.cursor).await?))
}

/// `GET /mod/events`: every article's new, edited, deleted, reported,
/// hidden and restored comments, as server-sent events, for the
/// moderation view. Behind the session guard like every route here.
async fn events(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let permit = state.streams.open(addr)?;
    let live = BroadcastStream::new(state.events.subscribe_mod()).map(|item| match item {
        Ok(event) => Event::default()
            .event(ModEvent::NAME)
            .data(serde_json::to_string(&*event).unwrap_or_else(|_| "{}".to_owned())),
        // Fell behind: the view reloads its queue.
        Err(_) => Event::default().event("resync").data("{}"),
    });
    Ok(super::events::sse(&state, live, permit))
}
