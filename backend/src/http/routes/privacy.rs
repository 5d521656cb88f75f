//! `/me/data`: a reader's own data, to download or erase.

use crate::http::error::ApiResult;
use crate::http::extract::Reader;
use crate::service::privacy;
use crate::service::sso::SignedIn;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};
use chime_shared::{Erased, ReaderKey};

pub fn router() -> Router<AppState> {
    Router::new().route("/me/data", get(download).delete(erase))
}

/// The reader's key as the history and data speak of it.
fn key(reader: &crate::store::ReaderHash) -> ApiResult<ReaderKey> {
    Ok(ReaderKey::parse(&reader.0)?)
}

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
