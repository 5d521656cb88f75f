//! `/counts` (visible comments for many articles at once) and `/config`.

use crate::http::caching::{self, Policy};
use crate::http::error::{ApiError, ApiResult};
use crate::http::openapi::Revalidated;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chime_shared::{ArticleId, ConfigResponse, CountsResponse, ParseError, ReactionKind};
use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(counts))
        .routes(routes!(config))
}

#[utoipa::path(operation_id = "comment_counts", get, path = "/counts", tag = "site",
    params(
        ("article" = Vec<ArticleId>, Query, style = Form, explode,
            description = "Each article whose count is asked for: 1 to 200 of them (`count.js` asks for a list page's headlines at once)."),
        Revalidated,
    ),
    responses(
        (status = 200, description = "Visible comments per article (0 for one nobody commented on).", body = CountsResponse,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified."),
    ),
)]
async fn counts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let max = state.settings.limits.counts_max_articles;
    let mut articles: Vec<ArticleId> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name == "article" {
            if articles.len() == max {
                return Err(ParseError::new(
                    "article",
                    format!("Ask for at most {max} articles at once."),
                )
                .into());
            }
            articles.push(ArticleId::parse(&value)?);
        }
    }
    if articles.is_empty() {
        return Err(ApiError::from(ParseError::new(
            "article",
            "Name at least one article: /counts?article=…",
        )));
    }
    let keys: Vec<String> = articles.iter().map(|a| a.as_str().to_owned()).collect();
    let found: BTreeMap<String, u64> = state
        .store
        .article_counts(&keys)
        .await?
        .into_iter()
        .collect();
    let counts = keys
        .into_iter()
        .map(|k| {
            let n = found.get(&k).copied().unwrap_or(0);
            (k, n)
        })
        .collect();
    Ok(caching::json(
        &headers,
        &CountsResponse { counts },
        Policy::Counts,
    ))
}

#[utoipa::path(operation_id = "config", get, path = "/config", tag = "site",
    params(Revalidated),
    responses(
        (status = 200, description = "Limits, reaction kinds, the edit window and who may post and react.", body = ConfigResponse,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified."),
    ),
)]
async fn config(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let config = ConfigResponse {
        limits: state.settings.limits,
        reaction_kinds: ReactionKind::ALL.into_iter().map(Into::into).collect(),
        edit_window_seconds: state.settings.edit_window.as_secs(),
        sign_in: !state.settings.sso_secrets.is_empty(),
        posting: state.settings.posting,
        reacting: state.settings.reacting,
        reply_emails: crate::service::replies::available(&state),
    };
    caching::json(&headers, &config, Policy::Config)
}
