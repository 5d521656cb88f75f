//! `/mod/moderators` and `/mod/settings`: what only admins may do, behind
//! the moderation routes' session guard and an admin check of its own.

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath};
use crate::service::admin::{self, Actor};
use crate::service::moderation::Moderator;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use chime_shared::{
    Erased, ErrorCode, ModeratorList, ModeratorSummary, NewModerator, NewPassword, ReaderData,
    ReaderKey, Role, ScreeningSettings,
};

/// The admin routes; the caller puts the moderators' guard around them.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moderators", get(moderators).post(add))
        .route("/moderators/{name}", axum::routing::delete(remove))
        .route("/moderators/{name}/password", put(password))
        .route("/settings", get(settings).put(set_settings))
        .route(
            "/readers/{reader}/data",
            get(reader_data).delete(erase_reader),
        )
        .route_layer(from_fn(require_admin))
}

/// A moderator who is not an admin gets 403 on every route here.
async fn require_admin(request: Request, next: Next) -> Response {
    match request.extensions().get::<Moderator>() {
        Some(moderator) if moderator.role == Role::Admin => next.run(request).await,
        Some(_) => ApiError::new(
            ErrorCode::Forbidden,
            "Only an admin may manage moderators, the site's settings and readers' data.",
        )
        .into_response(),
        None => ApiError::unauthenticated().into_response(),
    }
}

fn actor<'a>(state: &AppState, moderator: &'a Moderator) -> Actor<'a> {
    Actor {
        name: &moderator.username,
        at: state.now_ms(),
    }
}

async fn moderators(State(state): State<AppState>) -> ApiResult<Json<ModeratorList>> {
    Ok(Json(admin::moderators(state.store.as_ref()).await?))
}

async fn add(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiJson(body): ApiJson<NewModerator>,
) -> ApiResult<(StatusCode, Json<ModeratorSummary>)> {
    let by = actor(&state, &moderator);
    admin::add_moderator(
        state.store.as_ref(),
        &body.username,
        body.password,
        body.role,
        by,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ModeratorSummary {
            username: body.username,
            role: body.role,
            created_at: crate::clock::from_millis(by.at),
        }),
    ))
}

async fn remove(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let by = actor(&state, &moderator);
    admin::remove_moderator(state.store.as_ref(), &name, by).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn password(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> ApiResult<StatusCode> {
    let by = actor(&state, &moderator);
    admin::set_password(state.store.as_ref(), &name, body.password, by).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn settings(State(state): State<AppState>) -> Json<ScreeningSettings> {
    Json(admin::screening(&state))
}

async fn set_settings(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiJson(body): ApiJson<ScreeningSettings>,
) -> ApiResult<Json<ScreeningSettings>> {
    let by = actor(&state, &moderator);
    Ok(Json(admin::set_screening(&state, by, body).await?))
}

/// A reader's data, for an admin answering their request.
async fn reader_data(
    State(state): State<AppState>,
    ApiPath(reader): ApiPath<String>,
) -> ApiResult<Json<ReaderData>> {
    let reader = ReaderKey::parse(&reader)?;
    Ok(Json(
        crate::service::privacy::data(&state, &reader, None).await?,
    ))
}

/// Erases a reader's data on their request, as an admin.
async fn erase_reader(
    State(state): State<AppState>,
    Extension(admin): Extension<Moderator>,
    ApiPath(reader): ApiPath<String>,
) -> ApiResult<Json<Erased>> {
    let reader = ReaderKey::parse(&reader)?;
    Ok(Json(
        crate::service::privacy::erase(&state, &reader, None, &admin.username).await?,
    ))
}
