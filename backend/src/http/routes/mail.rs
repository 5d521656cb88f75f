//! `/mail/confirm/{token}` and `/mail/unsubscribe/{token}`: the pages the
//! links in reply e-mails open. Opening one only asks (mail scanners
//! fetch links); its button, or a mail program's one-click unsubscribe
//! (RFC 8058, a POST to the `List-Unsubscribe` address), does it.

use crate::service::replies::{self, Words};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask_confirm, confirm))
        .routes(routes!(ask_unsubscribe, unsubscribe))
}

#[utoipa::path(operation_id = "reply_emails_confirm_page", get, path = "/mail/confirm/{token}", tag = "readers",
    params(("token" = String, Path, pattern = "^[0-9a-f]{64}$", description = "From the link mailed to the address.")),
    responses(
        (status = 200, description = "A page that asks whether to confirm (opening the link changes nothing).", content_type = "text/html", body = String),
        (status = 404, description = "A page saying the link is unknown or has expired.", content_type = "text/html", body = String),
    ),
)]
async fn ask_confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    ask(&state, &token, "PageConfirmAsk", "PageConfirmButton").await
}

#[utoipa::path(operation_id = "reply_emails_confirm", post, path = "/mail/confirm/{token}", tag = "readers",
    params(("token" = String, Path, pattern = "^[0-9a-f]{64}$", description = "From the link mailed to the address.")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "The page's button sends an empty form; anything is taken."),
    responses(
        (status = 200, description = "Confirmed: replies are mailed from now on (the reader's other requests to the same address too).", content_type = "text/html", body = String),
        (status = 404, description = "A page saying the link is unknown or has expired.", content_type = "text/html", body = String),
    ),
)]
async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !plausible(&token) {
        return unknown();
    }
    let store = state.store.outbox();
    let found = match store.subscription(&token).await {
        Ok(found) => found,
        Err(e) => return failed(&e),
    };
    let Some(subscription) = found else {
        return unknown();
    };
    if let Err(e) = store.confirm_subscription(&token, state.now_ms()).await {
        return failed(&e);
    }
    let words = replies::words(replies::locale(Some(&subscription.locale)));
    page(
        StatusCode::OK,
        &words,
        &words.text("PageConfirmed", &[]),
        None,
    )
}

#[utoipa::path(operation_id = "reply_emails_unsubscribe_page", get, path = "/mail/unsubscribe/{token}", tag = "readers",
    params(("token" = String, Path, pattern = "^[0-9a-f]{64}$", description = "From the link in a reply e-mail.")),
    responses(
        (status = 200, description = "A page that asks whether to stop the e-mails (opening the link changes nothing).", content_type = "text/html", body = String),
        (status = 404, description = "A page saying the link is unknown or has expired.", content_type = "text/html", body = String),
    ),
)]
async fn ask_unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    ask(
        &state,
        &token,
        "PageUnsubscribeAsk",
        "PageUnsubscribeButton",
    )
    .await
}

#[utoipa::path(operation_id = "reply_emails_unsubscribe", post, path = "/mail/unsubscribe/{token}", tag = "readers",
    params(("token" = String, Path, pattern = "^[0-9a-f]{64}$", description = "From the link in a reply e-mail.")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "`List-Unsubscribe=One-Click` (RFC 8058), or the page's button; anything is taken."),
    responses(
        (status = 200, description = "No more e-mails about replies to that comment (already none: the same).", content_type = "text/html", body = String),
    ),
)]
async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !plausible(&token) {
        // Nothing to stop: done, as for a link already used.
        let words = replies::words("en");
        return page(
            StatusCode::OK,
            &words,
            &words.text("PageUnsubscribed", &[]),
            None,
        );
    }
    let store = state.store.outbox();
    let locale = match store.subscription(&token).await {
        Ok(found) => found.map(|s| s.locale),
        Err(e) => return failed(&e),
    };
    if let Err(e) = store.unsubscribe(&token).await {
        return failed(&e);
    }
    let words = replies::words(replies::locale(locale.as_deref()));
    page(
        StatusCode::OK,
        &words,
        &words.text("PageUnsubscribed", &[]),
        None,
    )
}

/// A token as mailed links carry one: 64 hex digits. Anything else is
/// unknown without asking the store.
fn plausible(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The page a link opens: the question, and a button that does it.
async fn ask(state: &AppState, token: &str, question: &str, button: &str) -> Response {
    if !plausible(token) {
        return unknown();
    }
    match state.store.outbox().subscription(token).await {
        Ok(Some(subscription)) => {
            let words = replies::words(replies::locale(Some(&subscription.locale)));
            let question = words.text(question, &[("email", &subscription.email)]);
            let button = words.text(button, &[]);
            page(StatusCode::OK, &words, &question, Some(&button))
        }
        Ok(None) => unknown(),
        Err(e) => failed(&e),
    }
}

fn unknown() -> Response {
    let words = replies::words("en");
    page(
        StatusCode::NOT_FOUND,
        &words,
        &words.text("PageUnknown", &[]),
        None,
    )
}

fn failed(error: &crate::store::StoreError) -> Response {
    tracing::error!("a reply e-mail link could not be answered: {error}");
    crate::http::error::ApiError::Internal(error.to_string()).into_response()
}

/// A small page of its own: no script, nothing fetched, no referrer (the
/// address holds the token), never cached.
fn page(status: StatusCode, words: &Words, text: &str, button: Option<&str>) -> Response {
    let escape = |s: &str| html_escape::encode_text(s).into_owned();
    let form = button.map_or(String::new(), |b| {
        format!(
            "<form method=\"post\"><button type=\"submit\">{}</button></form>",
            escape(b)
        )
    });
    let html = format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font:1.1rem/1.5 system-ui,sans-serif;\
         max-width:36rem;margin:3rem auto;padding:0 1rem;color-scheme:light dark}}\
         button{{font:inherit;padding:.5rem 1.2rem;cursor:pointer}}</style></head>\
         <body><h1>{title}</h1><p>{text}</p>{form}</body></html>",
        lang = words.tag(),
        dir = if words.rtl() { "rtl" } else { "ltr" },
        title = escape(&words.text("PageTitle", &[])),
        text = escape(text),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        html,
    )
        .into_response()
}
