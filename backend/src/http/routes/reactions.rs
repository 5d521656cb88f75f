//! Reactions on `/articles/{article}` and `/comments/{id}`.

use crate::http::caching::{self, Policy};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiPath, ClientAddr, MaybeReader, Reader};
use crate::http::openapi::{AsReader, MaybeAsReader, Revalidated};
use crate::service::reactions;
use crate::service::sso::{self, Act, SignedIn};
use crate::state::AppState;
use crate::store::ReaderHash;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;
use chime_shared::{ArticleId, CommentId, ErrorBody, ReactionKind, ReactionsResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A reader who may react: anyone, or (as the site says) only a reader
/// signed in with its accounts; with the hash of their address (a
/// sanction may hold it).
struct Reactor(ReaderHash, Option<String>);

impl FromRequestParts<AppState> for Reactor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Reader(reader) = Reader::from_request_parts(parts, state).await?;
        let signed_in = parts.extensions.get::<SignedIn>().is_some();
        sso::permit(state.settings.reacting, signed_in, Act::React)?;
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddr(None));
        let address = addr.map(|a| state.readers.address(Some(a)));
        Ok(Self(reader, address))
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(article_counts))
        .routes(routes!(add_to_article, take_from_article))
        .routes(routes!(add_to_comment, take_from_comment))
}

#[utoipa::path(operation_id = "article_reactions", get, path = "/articles/{article}/reactions", tag = "reactions",
    params(("article" = ArticleId, Path), MaybeAsReader, Revalidated),
    responses(
        (status = 200, description = "The article's reactions, and the reader's own.", body = ReactionsResponse,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified."),
    ),
)]
async fn article_counts(
    State(state): State<AppState>,
    ApiPath(article): ApiPath<String>,
    MaybeReader(reader): MaybeReader,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let article = ArticleId::parse(&article)?;
    let answer = reactions::for_article(&state, &article, reader.as_ref()).await?;
    let policy = if reader.is_some() {
        Policy::Reader
    } else {
        Policy::Shared
    };
    Ok(caching::json(&headers, &answer, policy))
}

async fn on_article(
    state: AppState,
    article: String,
    kind: String,
    on: bool,
    Reactor(reader, address): Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    let article = ArticleId::parse(&article)?;
    let kind = ReactionKind::parse(&kind)?;
    Ok(Json(
        reactions::set_on_article(&state, &article, kind, on, &reader, address.as_deref()).await?,
    ))
}

#[utoipa::path(operation_id = "react_to_article", put, path = "/articles/{article}/reactions/{kind}", tag = "reactions",
    params(("article" = ArticleId, Path), ("kind" = ReactionKind, Path), AsReader),
    responses(
        (status = 200, description = "The reader reacts (again: nothing changes).", body = ReactionsResponse),
        (status = 403, description = "`sign_in_required`, `banned` or `suspended`.", body = ErrorBody),
    ),
)]
async fn add_to_article(
    State(state): State<AppState>,
    ApiPath((article, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_article(state, article, kind, true, reactor).await
}

#[utoipa::path(operation_id = "unreact_to_article", delete, path = "/articles/{article}/reactions/{kind}", tag = "reactions",
    params(("article" = ArticleId, Path), ("kind" = ReactionKind, Path), AsReader),
    responses(
        (status = 200, description = "The reader takes it back (taken already: nothing changes).", body = ReactionsResponse),
        (status = 403, description = "`sign_in_required`, `banned` or `suspended`.", body = ErrorBody),
    ),
)]
async fn take_from_article(
    State(state): State<AppState>,
    ApiPath((article, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_article(state, article, kind, false, reactor).await
}

async fn on_comment(
    state: AppState,
    id: String,
    kind: String,
    on: bool,
    Reactor(reader, address): Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    let kind = ReactionKind::parse(&kind)?;
    Ok(Json(
        reactions::set_on_comment(
            &state,
            super::comment_key(&id)?,
            kind,
            on,
            &reader,
            address.as_deref(),
        )
        .await?,
    ))
}

#[utoipa::path(operation_id = "react_to_comment", put, path = "/comments/{id}/reactions/{kind}", tag = "reactions",
    params(("id" = CommentId, Path), ("kind" = ReactionKind, Path), AsReader),
    responses(
        (status = 200, description = "The reader reacts (again: nothing changes).", body = ReactionsResponse),
        (status = 403, description = "`sign_in_required`, `banned` or `suspended`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no comment readers can see.", body = ErrorBody),
    ),
)]
async fn add_to_comment(
    State(state): State<AppState>,
    ApiPath((id, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_comment(state, id, kind, true, reactor).await
}

#[utoipa::path(operation_id = "unreact_to_comment", delete, path = "/comments/{id}/reactions/{kind}", tag = "reactions",
    params(("id" = CommentId, Path), ("kind" = ReactionKind, Path), AsReader),
    responses(
        (status = 200, description = "The reader takes it back (taken already: nothing changes).", body = ReactionsResponse),
        (status = 403, description = "`sign_in_required`, `banned` or `suspended`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no comment readers can see.", body = ErrorBody),
    ),
)]
async fn take_from_comment(
    State(state): State<AppState>,
    ApiPath((id, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_comment(state, id, kind, false, reactor).await
}
