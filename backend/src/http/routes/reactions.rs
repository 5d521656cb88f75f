//! Reactions on `/articles/{article}` and `/comments/{id}`.

use crate::http::caching::{self, Policy};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiPath, ClientAddr, MaybeReader, Reader};
use crate::service::reactions;
use crate::service::sso::{self, Act, SignedIn};
use crate::state::AppState;
use crate::store::ReaderHash;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Json, Router};
use chime_shared::{ArticleId, ReactionKind, ReactionsResponse};

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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles/{article}/reactions", get(article_counts))
        .route(
            "/articles/{article}/reactions/{kind}",
            put(add_to_article).delete(take_from_article),
        )
        .route(
            "/comments/{id}/reactions/{kind}",
            put(add_to_comment).delete(take_from_comment),
        )
}

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

async fn add_to_article(
    State(state): State<AppState>,
    ApiPath((article, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_article(state, article, kind, true, reactor).await
}

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

async fn add_to_comment(
    State(state): State<AppState>,
    ApiPath((id, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_comment(state, id, kind, true, reactor).await
}

async fn take_from_comment(
    State(state): State<AppState>,
    ApiPath((id, kind)): ApiPath<(String, String)>,
    reactor: Reactor,
) -> ApiResult<Json<ReactionsResponse>> {
    on_comment(state, id, kind, false, reactor).await
}
