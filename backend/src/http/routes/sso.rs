//! `/sso/session`: a site's signed token exchanged for a reader session,
//! and that session ended.

use crate::http::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::service::sso;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chime_shared::{SESSION_HEADER, SsoExchange, SsoSession};

pub fn router() -> Router<AppState> {
    Router::new().route("/sso/session", post(exchange).delete(sign_out))
}

async fn exchange(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SsoExchange>,
) -> ApiResult<Json<SsoSession>> {
    let current = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok());
    Ok(Json(sso::exchange(&state, &body.token, current).await?))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<StatusCode> {
    if let Some(raw) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) {
        sso::sign_out(&state, raw).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
