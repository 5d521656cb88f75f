//! The HTTP surface: one module per resource, each with its own `router()`,
//! put together here with the layers every route shares.

mod admin;
mod comments;
mod counts;
mod events;
mod mail;
mod moderation;
mod ops;
mod pages;
mod privacy;
mod reactions;
mod sso;
mod webhooks;

use crate::http::error::ApiError;
use crate::http::{middleware, openapi};
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use chime_shared::{IDEMPOTENCY_HEADER, READER_HEADER, SESSION_HEADER};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let api = OpenApiRouter::new()
        .merge(reader_api(&state))
        .merge(mail::router())
        .nest("/mod", moderation::router(&state));
    let (api, doc) = OpenApiRouter::new()
        .nest(chime_shared::API_BASE, api)
        .split_for_parts();
    let document = match openapi::Document::new(&openapi::finish(doc)) {
        Ok(document) => document,
        // Made of types alone: a document that cannot be written is a
        // bug the tests meet before any release.
        Err(e) => panic!("the OpenAPI document cannot be written: {e}"),
    };
    Router::new()
        .merge(api)
        .route(
            openapi::DOCUMENT_PATH,
            axum::routing::get(move |headers: HeaderMap| async move { document.respond(&headers) }),
        )
        .merge(ops::router())
        .merge(pages::router(&state))
        .fallback(not_found)
        // (No method_not_allowed_fallback: it would replace each route's own
        // 405 answer, which the CORS layer must see to answer preflights.
        // `json_errors` gives 405s their JSON body instead.)
        //
        // One `ServiceBuilder`, so each request clones one stack of plain
        // services: every `Router::layer` call would box (and allocate, per
        // request) another layer around every route.
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                // JSON and the bundle go out brotli- or gzip-encoded when
                // the client takes it (event streams never: the default
                // predicate skips them, and files compressed at build time
                // are sent as they are).
                .layer(CompressionLayer::new())
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(CatchPanicLayer::custom(|_| {
                    ApiError::Internal("a handler panicked".into()).into_response_checked()
                }))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    state.settings.request_timeout,
                ))
                .layer(DefaultBodyLimit::max(
                    state.settings.limits.request_body_max_bytes,
                ))
                .layer(axum::middleware::from_fn(middleware::json_errors))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::metrics,
                )),
        )
        .with_state(state)
}

/// The routes readers' widgets call, open to the allowed sites.
fn reader_api(state: &AppState) -> OpenApiRouter<AppState> {
    let settings = state.settings.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin.to_str().is_ok_and(|o| settings.origin_allowed(o))
        }))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static(READER_HEADER),
            HeaderName::from_static(SESSION_HEADER),
            HeaderName::from_static(IDEMPOTENCY_HEADER),
        ])
        .expose_headers([header::RETRY_AFTER, header::ETAG])
        .max_age(Duration::from_secs(600));
    let mut routes = OpenApiRouter::new()
        .merge(comments::router())
        .merge(reactions::router())
        .merge(events::router())
        .merge(counts::router())
        .merge(sso::router())
        .merge(privacy::router())
        .layer(
            ServiceBuilder::new()
                .layer(cors)
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::reader_origin,
                ))
                // The rate limit first: a write it refuses costs the store
                // nothing (not even an idempotency key's claim).
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::rate_limit,
                ))
                // The session before the key: a signed-in reader's keys
                // are their account's, on every device (and go when they
                // erase their data).
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::reader_session,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::idempotency,
                )),
        );
    openapi::reader_layers(routes.get_openapi_mut());
    routes
}

async fn not_found() -> ApiError {
    ApiError::not_found("There is nothing at this address.")
}

/// The stored comment a path names; no comment for an id this server never
/// made.
pub(super) fn comment_key(raw: &str) -> Result<crate::view::StoredId, crate::service::Error> {
    crate::view::StoredId::parse(raw).ok_or(crate::service::Error::NoSuchComment)
}
