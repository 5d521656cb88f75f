//! `/me/data`: a reader's own data, to download or erase.

use crate::http::error::ApiResult;
use crate::http::extract::Reader;
use crate::http::openapi::AsReader;
use crate::service::privacy;
use crate::service::sso::SignedIn;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chime_shared::{Erased, ReaderData, ReaderKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(download, erase))
}

/// The reader's key as the history and data speak of it.
fn key(reader: &crate::store::ReaderHash) -> ApiResult<ReaderKey> {
    Ok(ReaderKey::parse(&reader.0)?)
}

#[utoipa::path(operation_id = "download_my_data", get, path = "/me/data", tag = "readers",
    params(AsReader),
    responses((status = 200, description = "Everything Chime holds about the reader (as an attachment, never kept by a cache).", body = ReaderData,
        headers(("Content-Disposition" = String), ("Cache-Control" = String)))),
)]
async fn download(
    State(state): State<AppState>,
    Reader(reader): Reader,
    signed_in: Option<Extension<SignedIn>>,
) -> ApiResult<impl IntoResponse> {
    let account = signed_in.map(|s| s.0.account);
    let data = privacy::data(&state, &key(&reader)?, account).await?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"chime-my-data.json\"",
            ),
        ],
        Json(data),
    ))
}

#[utoipa::path(operation_id = "erase_my_data", delete, path = "/me/data", tag = "readers",
    params(AsReader),
    responses(
        (status = 200, description = "What was erased.", body = Erased),
        (status = 403, description = "`banned` or `suspended`.", body = chime_shared::ErrorBody),
    ),
)]
async fn erase(
    State(state): State<AppState>,
    Reader(reader): Reader,
    signed_in: Option<Extension<SignedIn>>,
) -> ApiResult<Json<Erased>> {
    let account = signed_in.map(|s| s.0.account.id);
    Ok(Json(
        privacy::erase(&state, &key(&reader)?, account, privacy::READER).await?,
    ))
}
