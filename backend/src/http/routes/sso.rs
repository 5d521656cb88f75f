//! `/sso/session`: a site's signed token exchanged for a reader session,
//! and that session ended.

use crate::http::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::service::sso;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chime_shared::{ErrorBody, SESSION_HEADER, SsoExchange, SsoSession};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(exchange, sign_out))
}

#[utoipa::path(operation_id = "reader_sign_in", post, path = "/sso/session", tag = "readers",
    request_body = SsoExchange,
    responses(
        (status = 200, description = "The reader's session (send it as `X-Chime-Session` from now on) and who they are.", body = SsoSession),
        (status = 401, description = "The site's token is refused: `token_malformed`, `token_algorithm`, `token_signature`, `token_expired`, `token_not_yet_valid`, `token_too_old`, `token_missing_user` or `token_replayed`.", body = ErrorBody),
        (status = 404, description = "`sso_off`: this server signs nobody in.", body = ErrorBody),
    ),
)]
async fn exchange(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SsoExchange>,
) -> ApiResult<Json<SsoSession>> {
    let current = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok());
    Ok(Json(sso::exchange(&state, &body.token, current).await?))
}

#[utoipa::path(operation_id = "reader_sign_out", delete, path = "/sso/session", tag = "readers",
    responses((status = 204, description = "The session sent in `X-Chime-Session` has ended (on every server).")),
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<StatusCode> {
    if let Some(raw) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) {
        sso::sign_out(&state, raw).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
