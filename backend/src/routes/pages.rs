//! The pages the backend serves itself: the demo article at `/` and the
//! moderation page at `/moderate`.

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: &AppState) -> Router<AppState> {
    // The bundle is embedded by other sites: its files are public to every
    // origin (a module script and its WebAssembly are fetched with CORS).
    let widget = ServiceBuilder::new()
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .service(ServeDir::new(&state.settings.widget_dir));
    Router::new()
        .route("/", get(demo))
        .route("/demo.js", get(demo_script))
        .route("/moderate", get(moderate))
        .nest_service("/widget", widget)
}

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
    page(include_str!("../../pages/demo.html"))
}

async fn demo_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../pages/demo.js"),
    )
        .into_response()
}

async fn moderate() -> Response {
    page(include_str!("../../pages/moderate.html"))
}
