//! The pages the backend serves itself: the demo article at `/` and the
//! moderation page at `/moderate`.

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(demo))
        .route("/moderate", get(moderate))
}

const PAGE_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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

async fn moderate() -> Response {
    page(include_str!("../../pages/moderate.html"))
}
