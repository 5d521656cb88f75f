//! `/mod/webhooks`: the endpoints Chime sends what happens to comments,
//! set up by admins (the admin routes' guard is around them).

use super::comments::parse_limit;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::service::moderation::Moderator;
use crate::service::webhooks;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chime_shared::{
    DeliveryList, ErrorBody, NewWebhook, PageLimit, Webhook, WebhookChange, WebhookList,
    WebhookSecret,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(change, remove))
        .routes(routes!(rotate))
        .routes(routes!(deliveries))
}

/// An endpoint's id; one that cannot be one names none.
fn webhook_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(format!("There is no webhook {raw:?}.")))
}

#[utoipa::path(operation_id = "list_webhooks", get, path = "/webhooks", tag = "admin",
    responses((status = 200, description = "Every endpoint, oldest first; never a secret.", body = WebhookList)),
)]
async fn list(State(state): State<AppState>) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList {
        webhooks: webhooks::list(state.store.outbox()).await?,
    }))
}

#[utoipa::path(operation_id = "add_webhook", post, path = "/webhooks", tag = "admin",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Set up; its secret is shown here only.", body = WebhookSecret),
        (status = 400, description = "`validation_failed` naming `url`, `events` or `description`.", body = ErrorBody),
    ),
)]
async fn add(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookSecret>)> {
    let made = webhooks::add(
        state.store.outbox(),
        &body,
        state.settings.webhook_private_targets,
        state.now_ms(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(operation_id = "change_webhook", patch, path = "/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id.")),
    request_body = WebhookChange,
    responses(
        (status = 200, description = "Changed.", body = Webhook),
        (status = 400, description = "`validation_failed` naming the field.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such endpoint.", body = ErrorBody),
    ),
)]
async fn change(
    State(state): State<AppState>,
    Extension(moderator): Extension<Moderator>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<WebhookChange>,
) -> ApiResult<Json<Webhook>> {
    let id = webhook_id(&id)?;
    Ok(Json(
        webhooks::change(
            state.store.outbox(),
            id,
            &body,
            state.settings.webhook_private_targets,
            state.now_ms(),
            &moderator.username,
        )
        .await?,
    ))
}

#[utoipa::path(operation_id = "remove_webhook", delete, path = "/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id.")),
    responses(
        (status = 204, description = "Removed, with the messages it had not taken."),
        (status = 404, description = "`not_found`: no such endpoint.", body = ErrorBody),
    ),
)]
async fn remove(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    webhooks::remove(state.store.outbox(), webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "rotate_webhook_secret", post, path = "/webhooks/{id}/secret", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id.")),
    responses(
        (status = 200, description = "A new secret, shown here only; messages are signed with it from now on.", body = WebhookSecret),
        (status = 404, description = "`not_found`: no such endpoint.", body = ErrorBody),
    ),
)]
async fn rotate(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookSecret>> {
    Ok(Json(
        webhooks::rotate_secret(state.store.outbox(), webhook_id(&id)?).await?,
    ))
}

#[derive(Debug, Deserialize)]
struct DeliveryParams {
    limit: Option<String>,
}

#[utoipa::path(operation_id = "webhook_deliveries", get, path = "/webhooks/{id}/deliveries", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id."), ("limit" = Option<PageLimit>, Query)),
    responses(
        (status = 200, description = "Its latest messages, newest first.", body = DeliveryList),
        (status = 404, description = "`not_found`: no such endpoint.", body = ErrorBody),
    ),
)]
async fn deliveries(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<DeliveryParams>,
) -> ApiResult<Json<DeliveryList>> {
    let limit = parse_limit(params.limit.as_deref())?;
    Ok(Json(DeliveryList {
        deliveries: webhooks::deliveries(state.store.outbox(), webhook_id(&id)?, limit.get())
            .await?,
    }))
}
