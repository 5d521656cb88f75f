//! `/articles/{article}/comments`, `/comments/{id}` and reports.

use crate::http::caching::Policy;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, ClientAddr, MaybeReader, Reader};
use crate::service::comments::{self, ListRequest, Poster};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chime_shared::{
    ArticleId, Comment, EditComment, IDEMPOTENCY_HEADER, IdempotencyKey, NewComment, NewReport,
    PageLimit, ParseError, SortOrder,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles/{article}/comments", get(list).post(create))
        .route("/comments/{id}", patch(edit).delete(remove))
        .route("/comments/{id}/reports", post(report))
        .route("/comments/{id}/replies", get(replies))
}

#[derive(Debug, Deserialize)]
pub struct RepliesParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// A thread's further replies, after the first ones a listing shows.
async fn replies(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<RepliesParams>,
    MaybeReader(reader): MaybeReader,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let limit = parse_limit(params.limit.as_deref())?;
    let list = comments::replies(
        &state,
        super::comment_key(&id)?,
        params.cursor.as_deref(),
        limit,
        reader.as_ref(),
    )
    .await?;
    let policy = if reader.is_some() {
        Policy::Reader
    } else {
        Policy::Shared
    };
    Ok(crate::http::caching::Prepared::of(&list)?.respond(&headers, policy))
}

/// Query parameters stay text here so each bad one gets its own message.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Parses `limit`; absent means the default.
pub fn parse_limit(raw: Option<&str>) -> Result<PageLimit, ParseError> {
    match raw {
        None => Ok(PageLimit::DEFAULT),
        Some(text) => text
            .parse::<u32>()
            .map_err(|_| {
                ParseError::new("limit", "The limit must be a whole number from 1 to 100.")
            })
            .and_then(PageLimit::parse),
    }
}

async fn list(
    State(state): State<AppState>,
    ApiPath(article): ApiPath<String>,
    ApiQuery(params): ApiQuery<ListParams>,
    MaybeReader(reader): MaybeReader,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let article = ArticleId::parse(&article)?;
    let request = ListRequest {
        sort: params
            .sort
            .as_deref()
            .map(SortOrder::parse)
            .transpose()?
            .unwrap_or_default(),
        limit: parse_limit(params.limit.as_deref())?,
        cursor: params.cursor,
    };
    let page = comments::list(&state, &article, request, reader.as_ref()).await?;
    let policy = if reader.is_some() {
        Policy::Reader
    } else {
        Policy::Shared
    };
    Ok(page.respond(&headers, policy))
}

async fn create(
    State(state): State<AppState>,
    ApiPath(article): ApiPath<String>,
    Reader(reader): Reader,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    signed_in: Option<axum::Extension<crate::service::sso::SignedIn>>,
    ApiJson(body): ApiJson<NewComment>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let article = ArticleId::parse(&article)?;
    // The idempotency layer has refused a malformed key already.
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| IdempotencyKey::parse(v).ok());
    let address = state.readers.address(addr);
    let poster = Poster {
        reader: &reader,
        address: &address,
        account: signed_in.as_ref().map(|s| &s.account),
    };
    let comment = comments::post(&state, &article, body, poster, key.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

async fn edit(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    Reader(reader): Reader,
    ApiJson(body): ApiJson<EditComment>,
) -> ApiResult<Json<Comment>> {
    Ok(Json(
        comments::edit(&state, super::comment_key(&id)?, body, &reader).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    Reader(reader): Reader,
) -> ApiResult<StatusCode> {
    comments::delete(&state, super::comment_key(&id)?, &reader).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn report(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    Reader(reader): Reader,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<NewReport>,
) -> ApiResult<StatusCode> {
    let address = state.readers.address(addr);
    comments::report(&state, super::comment_key(&id)?, body, &reader, &address).await?;
    Ok(StatusCode::ACCEPTED)
}
