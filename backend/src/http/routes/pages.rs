//! The pages the backend serves itself: the demo article at `/` and the
//! moderation page at `/moderate`.

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The widget's and the moderation view's files: from `--widget-dir`
/// (`./dev` writes .br and .gz beside each file at the highest levels), or
/// from inside the binary when it was built with them and no folder is
/// given.
fn bundles(state: &AppState) -> (Router, Router) {
    #[cfg(feature = "embed-widget")]
    if state.settings.widget_dir.is_none() {
        return (
            memory_serve::load!("widget").into_router(),
            memory_serve::load!("moderate").into_router(),
        );
    }
    let dir = state
        .settings
        .widget_dir
        .clone()
        .unwrap_or_else(|| "frontend/dist".into());
    (
        Router::new().fallback_service(ServeDir::new(&dir).precompressed_br().precompressed_gzip()),
        Router::new().fallback_service(ServeDir::new(dir.join("moderate"))),
    )
}

pub fn router(state: &AppState) -> Router<AppState> {
    let (widget, moderation) = bundles(state);
    // The bundle is embedded by other sites: its files are public to every
    // origin (a module script and its WebAssembly are fetched with CORS).
    let widget = widget
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        );
    // The moderation view's own bundle: same origin only, never embedded.
    let moderation = moderation.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ));
    Router::new()
        .route("/", get(demo))
        .route("/demo.js", get(demo_script))
        .route("/moderate", get(moderate))
        .route("/moderate/moderate.js", get(moderate_script))
        .route("/moderate/moderate.css", get(moderate_style))
        .nest_service("/moderate/assets", moderation)
        .nest_service("/widget", widget)
}

/// The moderation view shows hidden text to signed-in moderators: nothing
/// but its own origin may run, load, connect, frame or be framed.
const MODERATION_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn page(html: &'static str) -> Response {
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

async fn demo() -> Response {
    page(include_str!("../../../pages/demo.html"))
}

async fn demo_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../pages/demo.js"),
    )
        .into_response()
}

async fn moderate() -> Response {
    let mut response = Html(include_str!("../../../pages/moderate.html")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MODERATION_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn moderate_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../pages/moderate.js"),
    )
        .into_response()
}

async fn moderate_style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../pages/moderate.css"),
    )
        .into_response()
}
