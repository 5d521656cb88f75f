//! The server's connection policy: how many connections it holds, and how
//! long one may sit idle. A connection that sends nothing (or only the
//! HTTP/2 preface) is closed after `first_request` time; one that has been
//! answered and asks nothing more, after `idle`. A request being handled,
//! or an answer still being sent (a live event stream is one long answer),
//! keeps its connection busy, never idle. One client network may hold only
//! so many of the places (trusted proxies, which carry everyone's
//! connections, are not counted).

use axum::body::Body;
use axum::http::Response;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

/// The limits, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Connections held at once; more are answered 503 and closed.
    pub max: usize,
    /// Time to the first request of a connection.
    pub first_request: Duration,
    /// Time between the end of one answer and the next request.
    pub idle: Duration,
}

/// Places for open connections.
#[derive(Debug, Clone)]
pub struct Slots(Arc<Semaphore>);

impl Slots {
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max.max(1))))
    }

    /// A place for one more connection, if one is free.
    pub fn take(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// Refusals being written at once; past it, a connection over the cap is
/// closed without an answer (the refusal must not cost more than the cap).
pub const REFUSALS_AT_ONCE: usize = 64;

/// The answer to a connection over the cap: a plain HTTP/1.1 503 in API.md's
/// error shape, written without reading the request, then the connection
/// closes. A client that does not read it within a second is dropped.
pub async fn refuse(mut stream: TcpStream) {
    const BODY: &str = r#"{"error":{"code":"unavailable","message":"The server is at its limit of open connections; try again shortly."}}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

/// What one connection is doing: how many requests are in hand (handled or
/// still being answered), and since when it has had none.
#[derive(Debug, Clone)]
pub struct Activity(Arc<watch::Sender<State>>);

#[derive(Debug, Clone, Copy)]
struct State {
    busy: usize,
    idle_since: Instant,
    served: bool,
}

/// A request in hand; dropped when its answer has been sent (or dropped).
#[derive(Debug)]
pub struct Busy(Activity);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.0.send_modify(|s| {
            s.busy = s.busy.saturating_sub(1);
            if s.busy == 0 {
                s.idle_since = Instant::now();
            }
        });
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

impl Activity {
    pub fn new() -> Self {
        let (sender, _) = watch::channel(State {
            busy: 0,
            idle_since: Instant::now(),
            served: false,
        });
        Self(Arc::new(sender))
    }

    /// Marks a request as begun.
    pub fn begin(&self) -> Busy {
        self.0.send_modify(|s| {
            s.busy += 1;
            s.served = true;
        });
        Busy(self.clone())
    }

    /// An answer that keeps the connection busy until it has been sent.
    pub fn hold(busy: Busy, response: Response<Body>) -> Response<Body> {
        response.map(|body| {
            Body::new(body.map_frame(move |frame| {
                let _busy = &busy;
                frame
            }))
        })
    }

    /// Resolves once the connection has been idle for longer than the
    /// policy allows.
    pub async fn idle_too_long(&self, policy: Policy) {
        let mut changes = self.0.subscribe();
        loop {
            let state = *changes.borrow_and_update();
            if state.busy > 0 {
                if changes.changed().await.is_err() {
                    return;
                }
                continue;
            }
            let limit = if state.served {
                policy.idle
            } else {
                policy.first_request
            };
            tokio::select! {
                () = tokio::time::sleep_until(state.idle_since + limit) => {
                    if changes.has_changed().unwrap_or(false) {
                        continue;
                    }
                    return;
                }
                changed = changes.changed() => if changed.is_err() { return },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            max: 10,
            first_request: Duration::from_secs(2),
            idle: Duration::from_secs(5),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_idle_after_the_first_request_time() {
        let activity = Activity::new();
        let started = Instant::now();
        activity.idle_too_long(policy()).await;
        assert_eq!(started.elapsed().as_secs(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_is_never_idle_and_the_clock_starts_when_it_is_done() {
        let activity = Activity::new();
        let busy = activity.begin();
        let watcher = activity.clone();
        let idle = tokio::spawn(async move { watcher.idle_too_long(policy()).await });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!idle.is_finished(), "a long answer keeps it busy");
        let done = Instant::now();
        drop(busy);
        idle.await.expect("joins");
        assert_eq!(done.elapsed().as_secs(), 5, "then the idle limit applies");
    }
}
