//! `/articles/{article}/comments`, `/comments/{id}` and reports.

use crate::http::caching::Policy;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, ClientAddr, MaybeReader, Reader};
use crate::http::openapi::{AsReader, MaybeAsReader, Revalidated};
use crate::service::comments::{self, ListRequest, Poster};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use chime_shared::{
    ArticleId, Comment, CommentId, CommentList, Cursor, EditComment, ErrorBody, IDEMPOTENCY_HEADER,
    IdempotencyKey, NewComment, NewReport, PageLimit, ParseError, SortOrder,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(edit, remove))
        .routes(routes!(report))
        .routes(routes!(replies))
}

#[derive(Debug, Deserialize)]
pub struct RepliesParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// A thread's further replies, after the first ones a listing shows.
#[utoipa::path(operation_id = "list_replies", get, path = "/comments/{id}/replies", tag = "comments",
    params(
        ("id" = CommentId, Path, description = "A top-level comment readers can see."),
        ("cursor" = Option<Cursor>, Query, description = "Where the thread goes on: its `replies_cursor`, then `next_cursor`."),
        ("limit" = Option<PageLimit>, Query),
        MaybeAsReader, Revalidated,
    ),
    responses(
        (status = 200, description = "The thread's further replies, oldest first, flat.", body = CommentList,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified."),
        (status = 404, description = "`not_found`: no top-level comment readers can see.", body = ErrorBody),
    ),
)]
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

#[utoipa::path(operation_id = "list_comments", get, path = "/articles/{article}/comments", tag = "comments",
    params(
        ("article" = ArticleId, Path),
        ("sort" = Option<SortOrder>, Query),
        ("limit" = Option<PageLimit>, Query),
        ("cursor" = Option<Cursor>, Query, description = "The `next_cursor` of the page before."),
        MaybeAsReader, Revalidated,
    ),
    responses(
        (status = 200, description = "A page of the article's top-level comments with their first replies; featured ones first on the first page.", body = CommentList,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified."),
    ),
)]
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

#[utoipa::path(operation_id = "post_comment", post, path = "/articles/{article}/comments", tag = "comments",
    params(("article" = ArticleId, Path), AsReader),
    request_body = NewComment,
    responses(
        (status = 201, description = "The comment, `visible` or `pending` (held for review).", body = Comment),
        (status = 403, description = "`sign_in_required`, `banned`, `suspended` or `closed`.", body = ErrorBody),
        (status = 404, description = "`not_found`: the parent comment does not exist.", body = ErrorBody),
        (status = 409, description = "`conflict`: a reply to a comment of another article, or to a deleted one.", body = ErrorBody),
    ),
)]
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

#[utoipa::path(operation_id = "edit_comment", patch, path = "/comments/{id}", tag = "comments",
    params(("id" = CommentId, Path), AsReader),
    request_body = EditComment,
    responses(
        (status = 200, description = "The comment as edited (`pending` when the edit waits for review).", body = Comment),
        (status = 403, description = "`forbidden` (not yours), `edit_window_closed`, `banned`, `suspended` or `closed`.", body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
    ),
)]
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

#[utoipa::path(operation_id = "delete_comment", delete, path = "/comments/{id}", tag = "comments",
    params(("id" = CommentId, Path), AsReader),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "`forbidden`: someone else's visible comment.", body = ErrorBody),
        (status = 404, description = "`not_found`, also for someone else's hidden or held comment.", body = ErrorBody),
    ),
)]
async fn remove(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    Reader(reader): Reader,
) -> ApiResult<StatusCode> {
    comments::delete(&state, super::comment_key(&id)?, &reader).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "report_comment", post, path = "/comments/{id}/reports", tag = "comments",
    params(("id" = CommentId, Path), AsReader),
    request_body = NewReport,
    responses(
        (status = 202, description = "Reported (once per reader and comment)."),
        (status = 403, description = "`banned` or `suspended`.", body = ErrorBody),
        (status = 404, description = "`not_found`.", body = ErrorBody),
    ),
)]
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
