//! `/mod/…`: sign-in and the moderation routes, all behind one session
//! guard, all state-changing ones behind the own-origin check.

use super::comments::parse_limit;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, ClientAddr};
use crate::http::middleware::own_origin;
use crate::live::events::ModNews;
use crate::service::articles;
use crate::service::moderation::{self, ModListRequest, Moderator};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chime_shared::{AlertChange, AlertSettings, ModEvent, SurgeList, SurgeNotice};
use chime_shared::{
    ArticleChange, ArticleId, ArticleModeration, AuditAction, AuditList, CommentId, Cursor,
    ErrorBody, HideRequest, LoginRequest, MeResponse, ModComment, ModCommentList, ModStateFilter,
    NewNote, NewSanction, PageLimit, ReaderKey, ReaderNote, ReaderProfile, Sanction,
};
use futures_util::stream::StreamExt;
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "chime_mod";

/// The device cookie: proof that this browser has signed in as a name
/// before, so that others' failed guesses at that name do not lock it out
/// (`ratelimit::SignInLimits`).
pub const DEVICE_COOKIE: &str = "chime_device";

/// How long a device cookie is believed.
const DEVICE_DAYS: i64 = 365;

/// What ties a device cookie to a moderator's password as it is now: a new
/// password (or removing the moderator) makes every device cookie for the
/// name worthless.
fn password_mark(state: &AppState, password_hash: &str) -> String {
    state
        .readers
        .sign("device-password", password_hash.as_bytes())
}

/// A device cookie's value for `name`: a random nonce, when it was made,
/// the password's mark, and their signature.
fn device_cookie_value(state: &AppState, name: &str, password_hash: &str) -> String {
    let nonce = crate::service::auth::random_token();
    let made = state.now_ms();
    let mark = password_mark(state, password_hash);
    let signature = state.readers.sign(
        "device",
        format!("{name}\n{nonce}\n{made}\n{mark}").as_bytes(),
    );
    format!("{nonce}.{made}.{mark}.{signature}")
}

/// Whether the browser's device cookie was made for `name`, less than a
/// year ago, under the password the moderator has now. The signature is
/// checked first, so a made-up cookie costs no store read.
async fn known_browser(state: &AppState, jar: &CookieJar, name: &str) -> bool {
    let Some(cookie) = jar.get(DEVICE_COOKIE) else {
        return false;
    };
    let parts: Vec<&str> = cookie.value().split('.').collect();
    let [nonce, made, mark, signature] = parts[..] else {
        return false;
    };
    let signed = format!("{name}\n{nonce}\n{made}\n{mark}");
    if !state.readers.verify("device", signed.as_bytes(), signature) {
        return false;
    }
    let young = made
        .parse::<i64>()
        .is_ok_and(|made| state.now_ms() - made < DEVICE_DAYS * 24 * 3600 * 1000);
    if !young {
        return false;
    }
    match state.store.moderator(name).await {
        Ok(Some(record)) => password_mark(state, &record.password_hash) == mark,
        _ => false,
    }
}

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let mut guarded = OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(my_alerts, set_my_alerts))
        .routes(routes!(list))
        .routes(routes!(hide))
        .routes(routes!(unhide))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(feature))
        .routes(routes!(unfeature))
        .routes(routes!(article, set_article))
        .routes(routes!(audit))
        .routes(routes!(surges))
        .routes(routes!(reader_profile))
        .routes(routes!(add_note))
        .routes(routes!(add_sanction))
        .routes(routes!(lift_sanction))
        .routes(routes!(events))
        .merge(super::admin::router())
        .route_layer(from_fn_with_state(state.clone(), require_moderator));
    crate::http::openapi::moderator_guard(guarded.get_openapi_mut());
    let mut routes = OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .merge(guarded)
        .layer(from_fn_with_state(state.clone(), own_origin))
        // Moderation answers hold hidden text: never kept by a cache.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    crate::http::openapi::moderation_layers(routes.get_openapi_mut());
    routes
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
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[utoipa::path(operation_id = "moderator_sign_in", post, path = "/session", tag = "moderation",
    request_body = LoginRequest,
    responses(
        (status = 204, description = "Signed in: `Set-Cookie` of the session (`chime_mod`) and of this browser's device cookie (`chime_device`).",
            headers(("Set-Cookie" = String))),
        (status = 401, description = "`unauthenticated`: no such name, or another password.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many attempts from this address, or at this name from browsers that never signed in as it.", body = ErrorBody,
            headers(("Retry-After" = u64))),
    ),
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<(CookieJar, StatusCode)> {
    // Before the password is even hashed: guessing stays slow.
    let known = known_browser(&state, &jar, &body.username).await;
    state.sign_in_limits.check(&body.username, addr, known)?;
    // A new session on every sign-in; the old one, if any, ends.
    if let Some(old) = jar.get(SESSION_COOKIE) {
        moderation::sign_out(&state, old.value()).await?;
    }
    let name = body.username.clone();
    let (token, password_hash) = match moderation::sign_in(&state, body).await {
        Ok(signed_in) => signed_in,
        Err(e) => {
            // For the operator's eyes: who is being guessed, from where.
            let shown: String = name.chars().take(64).collect();
            tracing::warn!(name = ?shown, address = ?addr, known_browser = known, "moderator sign-in failed");
            return Err(e.into());
        }
    };
    let ttl =
        time::Duration::try_from(state.settings.session_ttl).unwrap_or(time::Duration::hours(12));
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.https())
        .path("/")
        .max_age(ttl);
    let device = Cookie::build((
        DEVICE_COOKIE,
        device_cookie_value(&state, &name, &password_hash),
    ))
    .http_only(true)
    .same_site(SameSite::Strict)
    .secure(state.settings.https())
    .path("/")
    .max_age(time::Duration::days(DEVICE_DAYS));
    Ok((jar.add(cookie).add(device), StatusCode::NO_CONTENT))
}

#[utoipa::path(operation_id = "moderator_sign_out", delete, path = "/session", tag = "moderation",
    responses((status = 204, description = "Signed out; the session cookie is removed.", headers(("Set-Cookie" = String)))),
)]
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

#[utoipa::path(operation_id = "reader_profile", get, path = "/readers/{reader}", tag = "moderation",
    params(("reader" = ReaderKey, Path)),
    responses((status = 200, description = "The reader's history (empty for a key nobody has).", body = ReaderProfile)),
)]
async fn reader_profile(
    State(state): State<AppState>,
    ApiPath(reader): ApiPath<String>,
) -> ApiResult<Json<chime_shared::ReaderProfile>> {
    let reader = chime_shared::ReaderKey::parse(&reader)?;
    Ok(Json(
        crate::service::history::profile(&state, &reader).await?,
    ))
}

#[utoipa::path(operation_id = "add_reader_note", post, path = "/readers/{reader}/notes", tag = "moderation",
    params(("reader" = ReaderKey, Path)),
    request_body = NewNote,
    responses((status = 201, description = "The note, for moderators (and the reader's own data download).", body = ReaderNote)),
)]
async fn add_note(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(reader): ApiPath<String>,
    ApiJson(body): ApiJson<chime_shared::NewNote>,
) -> ApiResult<(StatusCode, Json<chime_shared::ReaderNote>)> {
    let reader = chime_shared::ReaderKey::parse(&reader)?;
    let note =
        crate::service::history::add_note(&state, &moderator.username, &reader, body).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

#[utoipa::path(operation_id = "add_sanction", post, path = "/readers/{reader}/sanctions", tag = "moderation",
    params(("reader" = ReaderKey, Path)),
    request_body = NewSanction,
    responses((status = 201, description = "The sanction, in force.", body = Sanction)),
)]
async fn add_sanction(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(reader): ApiPath<String>,
    ApiJson(body): ApiJson<chime_shared::NewSanction>,
) -> ApiResult<(StatusCode, Json<chime_shared::Sanction>)> {
    let reader = chime_shared::ReaderKey::parse(&reader)?;
    let sanction =
        crate::service::history::sanction(&state, &moderator.username, &reader, body).await?;
    Ok((StatusCode::CREATED, Json(sanction)))
}

#[utoipa::path(operation_id = "lift_sanction", delete, path = "/readers/{reader}/sanctions/{id}", tag = "moderation",
    params(("reader" = ReaderKey, Path), ("id" = String, Path, description = "The sanction's `id`.")),
    responses(
        (status = 204, description = "Lifted."),
        (status = 404, description = "`not_found`: not this reader's, or lifted already.", body = ErrorBody),
    ),
)]
async fn lift_sanction(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath((reader, id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let reader = chime_shared::ReaderKey::parse(&reader)?;
    crate::service::history::lift(&state, &moderator.username, &reader, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "moderator_me", get, path = "/me", tag = "moderation",
    responses((status = 200, description = "Who is signed in, and as what.", body = MeResponse)),
)]
async fn me(Extension(moderator): Extension<Moderator>) -> Json<MeResponse> {
    Json(MeResponse {
        username: moderator.username,
        role: moderator.role,
    })
}

#[utoipa::path(operation_id = "my_alerts", get, path = "/me/alerts", tag = "moderation",
    responses((status = 200, description = "The e-mails the signed-in moderator asked for.", body = AlertSettings)),
)]
async fn my_alerts(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
) -> ApiResult<Json<AlertSettings>> {
    Ok(Json(
        crate::service::mail::alerts(state.store.outbox(), &moderator.username).await?,
    ))
}

#[utoipa::path(operation_id = "set_my_alerts", put, path = "/me/alerts", tag = "moderation",
    request_body = AlertChange,
    responses(
        (status = 200, description = "The alerts as kept; no address or no events stops them.", body = AlertSettings),
        (status = 400, description = "`validation_failed` naming `email` (not an address, or this server sends no e-mail), `events` or `digest_minutes`.", body = ErrorBody),
    ),
)]
async fn set_my_alerts(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiJson(body): ApiJson<AlertChange>,
) -> ApiResult<Json<AlertSettings>> {
    Ok(Json(
        crate::service::mail::set_alerts(
            state.store.outbox(),
            &moderator.username,
            &body,
            state.mailer.is_some(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    state: Option<String>,
    article: Option<String>,
    author: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(operation_id = "moderation_queue", get, path = "/comments", tag = "moderation",
    params(
        ("state" = Option<ModStateFilter>, Query),
        ("article" = Option<ArticleId>, Query, description = "One article's comments alone."),
        ("author" = Option<ReaderKey>, Query, description = "One reader's comments alone."),
        ("q" = Option<String>, Query, description = "Words the comment or its author's name holds."),
        ("limit" = Option<PageLimit>, Query),
        ("cursor" = Option<Cursor>, Query),
    ),
    responses((status = 200, description = "Comments across all articles, newest first (most reported first for `reported`).", body = ModCommentList)),
)]
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
        author: params
            .author
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(chime_shared::ReaderKey::parse)
            .transpose()?,
        q: params.q,
        limit: parse_limit(params.limit.as_deref())?,
        cursor: params.cursor,
    };
    Ok(Json(moderation::list(&state, request).await?))
}

/// The optional body of `hide`, `reject` and `approve`, as JSON: a body of
/// any other type is refused, as on every JSON route (a cross-site form
/// cannot send JSON).
fn act_body(headers: &HeaderMap, body: &Bytes) -> ApiResult<HideRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(HideRequest::default());
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !json {
        return Err(ApiError::new(
            chime_shared::ErrorCode::UnsupportedMediaType,
            "Send the request body as JSON (Content-Type: application/json).",
        ));
    }
    serde_json::from_slice::<chime_shared::JsonObject<HideRequest>>(body)
        .map(|object| object.0)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))
}

async fn act_with(
    state: AppState,
    moderator: Moderator,
    id: String,
    action: AuditAction,
    body: HideRequest,
) -> ApiResult<Json<ModComment>> {
    Ok(Json(
        moderation::act(&state, &moderator, super::comment_key(&id)?, action, body).await?,
    ))
}

#[utoipa::path(operation_id = "hide_comment", post, path = "/comments/{id}/hide", tag = "moderation",
    params(("id" = CommentId, Path)),
    request_body(content = Option<HideRequest>, description = "`{reason?}`, for the audit log; optional."),
    responses(
        (status = 200, description = "Hidden: readers stop seeing it at once.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
    ),
)]
async fn hide(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ModComment>> {
    let body = act_body(&headers, &body)?;
    act_with(state, moderator, id, AuditAction::Hide, body).await
}

#[utoipa::path(operation_id = "reject_comment", post, path = "/comments/{id}/reject", tag = "moderation",
    params(("id" = CommentId, Path)),
    request_body(content = Option<HideRequest>, description = "`{reason?}`, for the audit log; optional."),
    responses(
        (status = 200, description = "Rejected: a held comment is hidden, a waiting edit dropped.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`conflict`: nothing waits for review.", body = ErrorBody),
    ),
)]
async fn reject(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ModComment>> {
    let body = act_body(&headers, &body)?;
    act_with(state, moderator, id, AuditAction::Reject, body).await
}

#[utoipa::path(operation_id = "unhide_comment", post, path = "/comments/{id}/unhide", tag = "moderation",
    params(("id" = CommentId, Path)),
    responses(
        (status = 200, description = "Shown again.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
    ),
)]
async fn unhide(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ModComment>> {
    act_with(
        state,
        moderator,
        id,
        AuditAction::Unhide,
        HideRequest::default(),
    )
    .await
}

#[utoipa::path(operation_id = "approve_comment", post, path = "/comments/{id}/approve", tag = "moderation",
    params(("id" = CommentId, Path)),
    request_body(content = Option<HideRequest>, description = "`{edit_at?}`: the `edit.at` the moderator was shown, required when an edit waits."),
    responses(
        (status = 200, description = "Approved: readers see it, or its waiting edit, at once.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`conflict`: nothing waits, or its author edited again since `edit_at`.", body = ErrorBody),
    ),
)]
async fn approve(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ModComment>> {
    let body = act_body(&headers, &body)?;
    act_with(state, moderator, id, AuditAction::Approve, body).await
}

#[utoipa::path(operation_id = "article_controls", get, path = "/articles/{article}", tag = "moderation",
    params(("article" = ArticleId, Path)),
    responses((status = 200, description = "What moderators set on the article, and when its comments close.", body = ArticleModeration)),
)]
async fn article(
    State(state): State<AppState>,
    ApiPath(article): ApiPath<String>,
) -> ApiResult<Json<ArticleModeration>> {
    let article = ArticleId::parse(&article)?;
    Ok(Json(articles::controls(&state, &article).await?))
}

#[utoipa::path(operation_id = "set_article_controls", put, path = "/articles/{article}", tag = "moderation",
    params(("article" = ArticleId, Path)),
    request_body = ArticleChange,
    responses((status = 200, description = "The article as changed.", body = ArticleModeration)),
)]
async fn set_article(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(article): ApiPath<String>,
    ApiJson(body): ApiJson<ArticleChange>,
) -> ApiResult<Json<ArticleModeration>> {
    let article = ArticleId::parse(&article)?;
    Ok(Json(
        articles::change(&state, &moderator, &article, body).await?,
    ))
}

#[utoipa::path(operation_id = "feature_comment", post, path = "/comments/{id}/feature", tag = "moderation",
    params(("id" = CommentId, Path)),
    responses(
        (status = 200, description = "Featured: readers see it first.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 409, description = "`conflict`: a reply, a comment readers do not see, or a fourth featured comment on the article.", body = ErrorBody),
    ),
)]
async fn feature(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ModComment>> {
    let id = super::comment_key(&id)?;
    Ok(Json(articles::feature(&state, &moderator, id, true).await?))
}

#[utoipa::path(operation_id = "unfeature_comment", post, path = "/comments/{id}/unfeature", tag = "moderation",
    params(("id" = CommentId, Path)),
    responses(
        (status = 200, description = "Back in its place.", body = ModComment),
        (status = 404, description = "`not_found`.", body = ErrorBody),
    ),
)]
async fn unfeature(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ModComment>> {
    let id = super::comment_key(&id)?;
    Ok(Json(
        articles::feature(&state, &moderator, id, false).await?,
    ))
}

#[utoipa::path(operation_id = "surges", get, path = "/surges", tag = "moderation",
    responses((status = 200, description = "Articles whose new comments the surge guard holds now, newest first.", body = SurgeList)),
)]
async fn surges(State(state): State<AppState>) -> ApiResult<Json<SurgeList>> {
    Ok(Json(crate::service::surge::list(&state).await?))
}

#[derive(Debug, Deserialize)]
struct AuditParams {
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(operation_id = "audit_log", get, path = "/audit", tag = "moderation",
    params(("limit" = Option<PageLimit>, Query), ("cursor" = Option<Cursor>, Query)),
    responses((status = 200, description = "What moderators, admins and the guard did, newest first.", body = AuditList)),
)]
async fn audit(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditList>> {
    let limit = parse_limit(params.limit.as_deref())?;
    Ok(Json(moderation::audit(&state, limit, params.cursor).await?))
}

#[utoipa::path(operation_id = "moderation_events", get, path = "/events", tag = "moderation",
    responses((status = 200, description = "A stream that stays open: `mod_comment` (`ModEvent`), `mod_surge` (`SurgeNotice`) and `resync`.",
        content_type = "text/event-stream", body = String,
            headers(("X-Accel-Buffering" = String, description = "`no`: proxies pass the stream on as it comes")))),
)]
/// `GET /mod/events`: every article's new, edited, deleted, reported,
/// hidden and restored comments, as server-sent events, for the
/// moderation view. Behind the session guard like every route here.
///
/// The stream lasts only as long as its session: signed out, removed,
/// given a new password or expired, the moderator's streams end within
/// `SESSION_CHECK`, on every server (the session is read from the store).
async fn events(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    let token = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let permit = state.streams.open(addr)?;
    let live = BroadcastStream::new(state.events.subscribe_mod()).map(|item| match item {
        Ok(news) => {
            let (name, json) = match &*news {
                ModNews::Comment(event) => (ModEvent::NAME, serde_json::to_string(event)),
                ModNews::Surge(notice) => (SurgeNotice::NAME, serde_json::to_string(notice)),
            };
            Event::default()
                .event(name)
                .data(json.unwrap_or_else(|_| "{}".to_owned()))
        }
        // Fell behind: the view reloads its queue.
        Err(_) => Event::default().event("resync").data("{}"),
    });
    let ended = session_ended(state.clone(), token);
    Ok(super::events::sse(&state, live, permit, ended))
}

/// How often an open moderation stream checks its session.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_millis(500);

/// Resolves when the session of `token` is no longer live. A store that
/// cannot answer for a moment ends nothing.
async fn session_ended(state: AppState, token: String) {
    let mut tick = tokio::time::interval(SESSION_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Ok(None) = moderation::session(&state, &token).await {
            return;
        }
    }
}
