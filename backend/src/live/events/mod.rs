//! Live-event fan-out. `EventBus` hides how events reach the readers of an
//! article; `LocalBus` is one process's in-memory bus, and `PgBus` carries
//! events between servers on PostgreSQL's LISTEN/NOTIFY.

pub mod postgres;

use chime_shared::{ArticleId, LiveEvent, ModChange, ModEvent, Resync, SurgeNotice};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events buffered per article before a slow reader is told to resync.
const CHANNEL_CAPACITY: usize = 256;

/// Publishes events to, and subscribes to, one article's stream.
pub trait EventBus: Send + Sync + 'static {
    /// Sends an event to everyone watching `article`.
    fn publish(&self, article: &str, event: LiveEvent);
    /// Starts watching `article`.
    fn subscribe(&self, article: &str) -> broadcast::Receiver<Arc<LiveEvent>>;
    /// How many streams are open.
    fn subscribers(&self) -> usize;

    /// Sends an event to every moderator's stream (all articles).
    fn publish_mod(&self, event: ModEvent);

    /// Tells every moderator's stream, on every server, of a surge begun
    /// or ended.
    fn publish_surge(&self, notice: SurgeNotice);

    /// A moderator's stream.
    fn subscribe_mod(&self) -> broadcast::Receiver<Arc<ModNews>>;

    /// How many moderators are watching: with none, events are not built.
    fn mod_subscribers(&self) -> usize;

    /// Tells other servers (if any) that comment `id` changed so, when no
    /// moderator here is watching and the event was not built.
    fn announce_elsewhere(&self, _id: i64, _change: ModChange) {}

    /// Tells other servers (if any) to drop the pages they keep of
    /// `article`: it changed in a way only some of its readers are told of
    /// (a comment or an edit that waits for review is its author's alone).
    fn invalidate_elsewhere(&self, _article: &str) {}

    /// Tells other servers (if any) that the site's settings changed in
    /// the store.
    fn settings_changed_elsewhere(&self) {}

    /// Moves on when another server changed the site's settings, or when
    /// this one may have missed that; `None` where no other server can.
    fn settings_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
}

/// What moderators' streams carry. (Always sent behind an `Arc`: the
/// variants' sizes do not matter.)
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum ModNews {
    /// A comment changed (`mod_comment`).
    Comment(ModEvent),
    /// A surge began or ended (`mod_surge`).
    Surge(SurgeNotice),
}

/// One broadcast channel per watched article, in this process.
#[derive(Debug)]
pub struct LocalBus {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<LiveEvent>>>>,
    moderation: Mutex<broadcast::Sender<Arc<ModNews>>>,
}

impl Default for LocalBus {
    fn default() -> Self {
        Self {
            channels: Mutex::default(),
            moderation: Mutex::new(broadcast::channel(CHANNEL_CAPACITY).0),
        }
    }
}

impl LocalBus {
    /// Tells every open stream it may have missed events: readers' widgets
    /// reload their listing (`resync`), moderators' streams end so that
    /// the view reconnects and reloads.
    pub fn resync_all(&self) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for (article, sender) in channels.iter() {
            if let Ok(article) = ArticleId::parse(article) {
                let _ = sender.send(Arc::new(LiveEvent::Resync(Resync { article })));
            }
        }
        drop(channels);
        let mut moderation = self.moderation.lock().unwrap_or_else(|e| e.into_inner());
        *moderation = broadcast::channel(CHANNEL_CAPACITY).0;
    }

    fn moderation(&self) -> broadcast::Sender<Arc<ModNews>> {
        self.moderation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl EventBus for LocalBus {
    fn publish(&self, article: &str, event: LiveEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(article)
            && sender.send(Arc::new(event)).is_err()
        {
            // Nobody is watching any more: forget the channel.
            channels.remove(article);
        }
    }

    fn subscribe(&self, article: &str) -> broadcast::Receiver<Arc<LiveEvent>> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.retain(|_, sender| sender.receiver_count() > 0);
        channels
            .entry(article.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    fn subscribers(&self) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .values()
            .map(broadcast::Sender::receiver_count)
            .sum()
    }

    fn publish_mod(&self, event: ModEvent) {
        // No receiver is not an error: nobody is moderating right now.
        let _ = self.moderation().send(Arc::new(ModNews::Comment(event)));
    }

    fn publish_surge(&self, notice: SurgeNotice) {
        let _ = self.moderation().send(Arc::new(ModNews::Surge(notice)));
    }

    fn subscribe_mod(&self) -> broadcast::Receiver<Arc<ModNews>> {
        self.moderation().subscribe()
    }

    fn mod_subscribers(&self) -> usize {
        self.moderation().receiver_count()
    }
}
