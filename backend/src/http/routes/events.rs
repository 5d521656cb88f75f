//! `/articles/{article}/events`: live events as server-sent events.

use crate::http::error::ApiResult;
use crate::http::extract::{ApiPath, ClientAddr};
use crate::http::ratelimit::StreamPermit;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use chime_shared::{ArticleId, ErrorBody, LiveEvent, Resync};
use futures_util::stream::{self, Stream, StreamExt};
use prometheus_client::metrics::gauge::Gauge;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Keeps the open-streams gauge right however the stream ends.
struct Open(Gauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The `data:` line: the event's payload alone, as API.md says.
fn payload(event: &LiveEvent) -> String {
    let json = match event {
        LiveEvent::CommentCreated(c)
        | LiveEvent::CommentUpdated(c)
        | LiveEvent::CommentRestored(c) => serde_json::to_string(c),
        LiveEvent::CommentRemoved(r) => serde_json::to_string(r),
        LiveEvent::ReactionsChanged(r) => serde_json::to_string(r),
        LiveEvent::ArticleUpdated(a) => serde_json::to_string(a),
        LiveEvent::Resync(r) => serde_json::to_string(r),
    };
    json.unwrap_or_else(|_| "{}".to_owned())
}

fn sse_event(event: &LiveEvent) -> Event {
    Event::default().event(event.name()).data(payload(event))
}

#[utoipa::path(operation_id = "article_events", get, path = "/articles/{article}/events", tag = "live",
    params(("article" = ArticleId, Path)),
    responses(
        (status = 200, description = "A stream that stays open: `comment_created`, `comment_updated`, `comment_restored` (each a Comment), `comment_removed`, `reactions_changed`, `article_updated` and `resync`, each `data:` the event's JSON (`LiveEvent` names each one's shape).",
            content_type = "text/event-stream", body = String,
            headers(("X-Accel-Buffering" = String, description = "`no`: proxies pass the stream on as it comes"))),
        (status = 429, description = "`rate_limited`: this address holds as many streams as it may.", body = ErrorBody,
            headers(("Retry-After" = u64))),
    ),
)]
async fn events(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiPath(article): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let article = ArticleId::parse(&article)?;
    let permit = state.streams.open(addr)?;
    let live = BroadcastStream::new(state.events.subscribe(article.as_str())).map(move |item| {
        match item {
            Ok(event) => sse_event(&event),
            // The reader fell behind: tell the widget to reload rather than
            // silently miss events.
            Err(_) => sse_event(&LiveEvent::Resync(Resync {
                article: article.clone(),
            })),
        }
    });
    Ok(sse(&state, live, permit, std::future::pending()))
}

/// An event-stream answer: a greeting that tells the browser how soon to
/// reconnect after a drop, then `live`, with keep-alives, ended when the
/// server shuts down or `ended` resolves; counted in the open-streams
/// gauge, and holding its client's place (`permit`), while it lasts.
/// Proxies are asked not to buffer it (nginx holds a response back until
/// its buffer fills, which for a quiet stream is never).
pub(super) fn sse<L, E>(
    state: &AppState,
    live: L,
    permit: StreamPermit,
    ended: E,
) -> impl IntoResponse + use<L, E>
where
    L: Stream<Item = Event> + Send + 'static,
    E: std::future::Future<Output = ()> + Send + 'static,
{
    state.metrics.event_streams.inc();
    let open = Open(state.metrics.event_streams.clone());
    let hello = stream::once(async {
        Event::default()
            .retry(Duration::from_secs(3))
            .comment("connected")
    });
    let stream = hello
        .chain(live)
        .map(move |event| {
            let _held = (&open, &permit);
            Ok::<_, Infallible>(event)
        })
        .take_until(futures_util::future::select(
            Box::pin(state.shutdown.clone().cancelled_owned()),
            Box::pin(ended),
        ));
    (
        [("x-accel-buffering", "no")],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}
