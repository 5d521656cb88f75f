//! `AppState`: what every handler is handed, passed explicitly with `State`.

use crate::clock::Clock;
use crate::config::Settings;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::service::readers::ReaderHasher;
use crate::store::CommentStore;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Shared, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn CommentStore>,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub readers: ReaderHasher,
    pub metrics: Arc<Metrics>,
    pub write_limits: Arc<crate::ratelimit::WriteLimits>,
    /// Cancelled when the server stops, so open event streams end.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Now, in stored milliseconds.
    pub fn now_ms(&self) -> i64 {
        crate::clock::to_millis(self.clock.now())
    }
}
