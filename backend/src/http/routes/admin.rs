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
use axum::{Extension, Json};
use chime_shared::{
    Erased, ErrorBody, ErrorCode, ModeratorList, ModeratorSummary, NewModerator, NewPassword,
    ReaderData, ReaderKey, Role, ScreeningSettings,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The admin routes; the caller puts the moderators' guard around them.
pub fn router() -> OpenApiRouter<AppState> {
    let mut routes = OpenApiRouter::new()
        .routes(routes!(moderators, add))
        .routes(routes!(remove))
        .routes(routes!(password))
        .routes(routes!(settings, set_settings))
        .routes(routes!(reader_data, erase_reader))
        .merge(super::webhooks::router())
        .route_layer(from_fn(require_admin));
    crate::http::openapi::admin_guard(routes.get_openapi_mut());
    routes
}

/// A moderator who is not an admin gets 403 on every route here.
async fn require_admin(request: Request, next: Next) -> Response {
    match request.extensions().get::<Moderator>() {
        Some(moderator) if moderator.role == Role::Admin => next.run(request).await,
        Some(_) => ApiError::new(
            ErrorCode::Forbidden,
            "Only an admin may manage moderators, the site's settings, webhooks and readers' data.",
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

#[utoipa::path(operation_id = "list_moderators", get, path = "/moderators", tag = "admin",
    responses((status = 200, description = "Every moderator, by name; never a password.", body = ModeratorList)),
)]
async fn moderators(State(state): State<AppState>) -> ApiResult<Json<ModeratorList>> {
    Ok(Json(admin::moderators(state.store.as_ref()).await?))
}

#[utoipa::path(operation_id = "add_moderator", post, path = "/moderators", tag = "admin",
    request_body = NewModerator,
    responses(
        (status = 201, description = "Added.", body = ModeratorSummary),
        (status = 409, description = "`conflict`: the name is taken.", body = ErrorBody),
    ),
)]
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

#[utoipa::path(operation_id = "remove_moderator", delete, path = "/moderators/{name}", tag = "admin",
    params(("name" = String, Path, description = "A moderator's name.")),
    responses(
        (status = 204, description = "Removed; their sessions and streams end."),
        (status = 404, description = "`not_found`: no such moderator.", body = ErrorBody),
        (status = 409, description = "`conflict`: the last admin.", body = ErrorBody),
    ),
)]
async fn remove(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let by = actor(&state, &moderator);
    admin::remove_moderator(state.store.as_ref(), &name, by).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "set_moderator_password", put, path = "/moderators/{name}/password", tag = "admin",
    params(("name" = String, Path, description = "A moderator's name.")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Set; every session of theirs ends."),
        (status = 404, description = "`not_found`: no such moderator.", body = ErrorBody),
    ),
)]
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

#[utoipa::path(operation_id = "site_settings", get, path = "/settings", tag = "admin",
    responses((status = 200, description = "The screening in force.", body = ScreeningSettings)),
)]
async fn settings(State(state): State<AppState>) -> Json<ScreeningSettings> {
    Json(admin::screening(&state))
}

#[utoipa::path(operation_id = "set_site_settings", put, path = "/settings", tag = "admin",
    request_body = ScreeningSettings,
    responses((status = 200, description = "The settings as stored, in force on every server within a second.", body = ScreeningSettings)),
)]
async fn set_settings(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiJson(body): ApiJson<ScreeningSettings>,
) -> ApiResult<Json<ScreeningSettings>> {
    let by = actor(&state, &moderator);
    Ok(Json(admin::set_screening(&state, by, body).await?))
}

#[utoipa::path(operation_id = "reader_data", get, path = "/readers/{reader}/data", tag = "admin",
    params(("reader" = ReaderKey, Path)),
    responses((status = 200, description = "The reader's data, as their own download gives it.", body = ReaderData)),
)]
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

#[utoipa::path(operation_id = "erase_reader_data", delete, path = "/readers/{reader}/data", tag = "admin",
    params(("reader" = ReaderKey, Path)),
    responses((status = 200, description = "What was erased.", body = Erased)),
)]
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
