//! `AppState`: what every handler is handed, passed explicitly with `State`.

use crate::clock::Clock;
use crate::live::events::EventBus;
use crate::live::page_cache::PageCache;
use crate::metrics::Metrics;
use crate::readers::ReaderHasher;
use crate::startup::config::Settings;
use crate::store::CommentStore;
use chime_shared::LiveEvent;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every handler shares; one pointer, so every layer's clone of it
/// is a single reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Arc<dyn CommentStore>,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub readers: ReaderHasher,
    pub metrics: Arc<Metrics>,
    pub write_limits: Arc<crate::http::ratelimit::WriteLimits>,
    /// Moderator sign-in attempts.
    pub sign_in_limits: crate::http::ratelimit::SignInLimits,
    /// Live streams open per client address.
    pub streams: crate::http::ratelimit::StreamLimits,
    /// First pages of recently read threads.
    pub pages: Arc<PageCache>,
    /// What new comments go through.
    pub screening: Arc<crate::service::screening::Screening>,
    /// When the surge guard last counted each article here.
    pub surge: crate::service::surge::Guard,
    /// The operator's SMTP server; `None`: this server sends no e-mail.
    pub mailer: Option<Arc<crate::service::mail::Mailer>>,
    /// Cancelled when the server stops, so open event streams end.
    pub shutdown: CancellationToken,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// Now, in stored milliseconds.
    pub fn now_ms(&self) -> i64 {
        crate::clock::to_millis(self.clock.now())
    }

    /// Tells an article's readers about a change, after dropping the pages
    /// of it that are kept (so the next listing, the writer's own included,
    /// shows it). Article reactions are not on comment pages.
    pub fn publish(&self, article: &str, event: LiveEvent) {
        if on_pages(&event) {
            self.pages.invalidate(article);
        }
        self.events.publish(article, event);
    }
}

impl AppState {
    /// Drops the kept pages of an article that changed for some readers
    /// only (nobody is sent an event), here and on every other server.
    pub fn invalidate(&self, article: &str) {
        self.pages.invalidate(article);
        self.events.invalidate_elsewhere(article);
    }
}

/// Whether an event changes an article's comment pages (its own reactions
/// are not on them).
pub fn on_pages(event: &LiveEvent) -> bool {
    !matches!(
        event,
        LiveEvent::ReactionsChanged(change) if change.comment_id.is_none()
    )
}
