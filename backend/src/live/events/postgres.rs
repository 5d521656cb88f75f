//! Live events between servers on one PostgreSQL: each server delivers its
//! own events to its own readers at once, and sends them to the others with
//! `NOTIFY`; every server `LISTEN`s and delivers what the others send (and
//! drops the article's kept pages, as it does for its own changes).
//!
//! A notification holds at most 8,000 bytes: an event too big for that (a
//! long comment) travels as a reference, and the receiving server reads the
//! comment from the store. When the listening connection drops (PostgreSQL
//! restarted, the network failed), the server reconnects, and because it
//! may have missed events meanwhile, it drops every kept page and tells
//! every open stream to resync (readers' widgets reload their listing; the
//! moderation view reconnects and reloads).
//!
//! Any role that can connect to the database may `NOTIFY` on any channel,
//! and readers' widgets show an event's HTML as it comes. So every
//! notification is signed with the installation's key (which only roles
//! that can read Chime's tables know), and one whose signature does not
//! hold is dropped and logged. The signature covers when it was sent: one
//! older than `FRESH_MS`, or seen before, is a replay (any role may also
//! `LISTEN`) and is dropped too.

use super::{EventBus, LocalBus};
use crate::live::page_cache::PageCache;
use crate::readers::ReaderHasher;
use crate::store::{CommentStore, ModQuery};
use crate::view::{for_reader, mod_comment};
use chime_shared::{LiveEvent, ModChange, ModEvent, SurgeNotice};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// The channel every Chime server listens on.
const CHANNEL: &str = "chime_events";

/// PostgreSQL refuses notifications of 8,000 bytes or more (the signature
/// and the space after it included).
const MAX_PAYLOAD: usize = 7_900;

/// The purpose under which notifications are signed.
const SIGNED_AS: &str = "bus";

/// How old a notification may be (servers' clocks differ a little).
const FRESH_MS: i64 = 60_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// What travels in a notification.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k")]
enum Wire {
    /// A reader event, whole.
    Live { o: String, a: String, e: LiveEvent },
    /// A reader event about comment `id`, to be read from the store.
    LiveRef {
        o: String,
        a: String,
        name: String,
        id: i64,
    },
    /// A moderators' event, whole.
    Mod { o: String, e: ModEvent },
    /// A moderators' event about comment `id`, to be read from the store.
    ModRef {
        o: String,
        change: ModChange,
        id: i64,
    },
    /// Drop the kept pages of article `a`.
    Pages { o: String, a: String },
    /// The site's settings changed in the store: read them again.
    Settings { o: String },
    /// A surge began or ended.
    Surge { o: String, e: SurgeNotice },
}

impl Wire {
    fn origin(&self) -> &str {
        match self {
            Self::Live { o, .. }
            | Self::LiveRef { o, .. }
            | Self::Mod { o, .. }
            | Self::ModRef { o, .. }
            | Self::Pages { o, .. }
            | Self::Surge { o, .. }
            | Self::Settings { o } => o,
        }
    }
}

/// The comment a reader event is about, for the reference form.
fn comment_of(event: &LiveEvent) -> Option<i64> {
    match event {
        LiveEvent::CommentCreated(c)
        | LiveEvent::CommentUpdated(c)
        | LiveEvent::CommentRestored(c) => c.id.as_str().parse().ok(),
        _ => None,
    }
}

/// The bus of a server that shares a PostgreSQL database with others.
pub struct PgBus {
    local: LocalBus,
    /// This server's name in notifications, to skip its own.
    origin: String,
    /// Notifications to send, in order.
    outbox: mpsc::UnboundedSender<String>,
    /// Signs what this server sends and checks what others send.
    keys: ReaderHasher,
    /// Signatures received within `FRESH_MS`, to refuse replays.
    seen: std::sync::Mutex<Seen>,
    /// Moves on when the site's settings must be read again.
    settings: tokio::sync::watch::Sender<u64>,
}

/// Signatures received lately, and when they were last thinned.
#[derive(Debug, Default)]
struct Seen {
    sent_at: std::collections::HashMap<String, i64>,
    thinned_at: i64,
}

impl PgBus {
    /// Starts sending and listening; both stop with `shutdown`.
    pub fn start(
        pool: PgPool,
        store: Arc<dyn CommentStore>,
        pages: Arc<PageCache>,
        keys: ReaderHasher,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let (outbox, queued) = mpsc::unbounded_channel();
        let bus = Arc::new(Self {
            local: LocalBus::default(),
            // Random, so that this server knows its own notifications.
            origin: {
                let mut bytes = [0u8; 16];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
                hex::encode(bytes)
            },
            outbox,
            keys,
            seen: std::sync::Mutex::default(),
            settings: tokio::sync::watch::channel(0).0,
        });
        tokio::spawn(send(pool.clone(), queued, shutdown.clone()));
        tokio::spawn(listen(pool, Arc::downgrade(&bus), store, pages, shutdown));
        bus
    }

    fn notify(&self, wire: &Wire) -> usize {
        let Ok(json) = serde_json::to_string(wire) else {
            return 0;
        };
        let signed = format!("{} {json}", now_ms());
        let signature = self.keys.sign(SIGNED_AS, signed.as_bytes());
        let payload = format!("{signature} {signed}");
        let len = payload.len();
        if len <= MAX_PAYLOAD {
            let _ = self.outbox.send(payload);
        }
        len
    }

    /// The event in a notification, if this installation signed it lately
    /// and it was not received before.
    fn open(&self, payload: &str) -> Option<Wire> {
        let Some((signature, signed)) = payload.split_once(' ') else {
            tracing::warn!("an unsigned notification on {CHANNEL} was dropped");
            return None;
        };
        if !self.keys.verify(SIGNED_AS, signed.as_bytes(), signature) {
            tracing::warn!("a notification on {CHANNEL} with a wrong signature was dropped");
            return None;
        }
        let (sent, json) = signed.split_once(' ')?;
        let sent: i64 = sent.parse().ok()?;
        let now = now_ms();
        if (now - sent).abs() > FRESH_MS {
            tracing::warn!("a stale notification on {CHANNEL} (a replay?) was dropped");
            return None;
        }
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if now - seen.thinned_at > FRESH_MS / 6 {
                seen.sent_at.retain(|_, at| (now - *at).abs() <= FRESH_MS);
                seen.thinned_at = now;
            }
            if seen.sent_at.insert(signature.to_owned(), sent).is_some() {
                tracing::warn!(
                    "a notification on {CHANNEL} received twice (a replay?) was dropped"
                );
                return None;
            }
        }
        match serde_json::from_str::<Wire>(json) {
            Ok(wire) => Some(wire),
            Err(e) => {
                tracing::warn!("an event from another server was not understood: {e}");
                None
            }
        }
    }

    /// Delivers what another server sent.
    async fn receive(&self, wire: Wire, store: &dyn CommentStore, pages: &PageCache) {
        match wire {
            Wire::Live { a, e, .. } => self.deliver(&a, e, pages),
            Wire::LiveRef { a, name, id, .. } => {
                let Ok(Some(record)) = store.comment(id).await else {
                    return;
                };
                let comment = for_reader(&record, None, Vec::new());
                let event = match name.as_str() {
                    "comment_created" => LiveEvent::CommentCreated(comment),
                    "comment_updated" => LiveEvent::CommentUpdated(comment),
                    _ => LiveEvent::CommentRestored(comment),
                };
                self.deliver(&a, event, pages);
            }
            Wire::Mod { e, .. } => self.local.publish_mod(e),
            Wire::Surge { e, .. } => self.local.publish_surge(e),
            Wire::Pages { a, .. } => pages.invalidate(&a),
            Wire::Settings { .. } => self.settings.send_modify(|n| *n += 1),
            Wire::ModRef { change, id, .. } => {
                if self.local.mod_subscribers() == 0 {
                    return;
                }
                if let Ok(records) = store.mod_comments(&ModQuery::one(id)).await
                    && let Some(record) = records.first()
                {
                    self.local.publish_mod(ModEvent {
                        change,
                        comment: mod_comment(record),
                    });
                }
            }
        }
    }

    fn deliver(&self, article: &str, event: LiveEvent, pages: &PageCache) {
        if crate::state::on_pages(&event) {
            pages.invalidate(article);
        }
        self.local.publish(article, event);
    }
}

impl EventBus for PgBus {
    fn publish(&self, article: &str, event: LiveEvent) {
        let id = comment_of(&event);
        let name = event.name();
        let wire = Wire::Live {
            o: self.origin.clone(),
            a: article.to_owned(),
            e: event,
        };
        if self.notify(&wire) > MAX_PAYLOAD
            && let Some(id) = id
        {
            self.notify(&Wire::LiveRef {
                o: self.origin.clone(),
                a: article.to_owned(),
                name: name.to_owned(),
                id,
            });
        }
        if let Wire::Live { e, .. } = wire {
            self.local.publish(article, e);
        }
    }

    fn subscribe(&self, article: &str) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.local.subscribe(article)
    }

    fn subscribers(&self) -> usize {
        self.local.subscribers()
    }

    fn publish_mod(&self, event: ModEvent) {
        let change = event.change;
        let id = event.comment.comment.id.as_str().parse::<i64>().ok();
        let wire = Wire::Mod {
            o: self.origin.clone(),
            e: event,
        };
        if self.notify(&wire) > MAX_PAYLOAD
            && let Some(id) = id
        {
            self.notify(&Wire::ModRef {
                o: self.origin.clone(),
                change,
                id,
            });
        }
        if let Wire::Mod { e, .. } = wire {
            self.local.publish_mod(e);
        }
    }

    fn publish_surge(&self, notice: SurgeNotice) {
        let wire = Wire::Surge {
            o: self.origin.clone(),
            e: notice,
        };
        self.notify(&wire);
        if let Wire::Surge { e, .. } = wire {
            self.local.publish_surge(e);
        }
    }

    fn subscribe_mod(&self) -> broadcast::Receiver<Arc<super::ModNews>> {
        self.local.subscribe_mod()
    }

    fn mod_subscribers(&self) -> usize {
        self.local.mod_subscribers()
    }

    fn invalidate_elsewhere(&self, article: &str) {
        self.notify(&Wire::Pages {
            o: self.origin.clone(),
            a: article.to_owned(),
        });
    }

    fn settings_changed_elsewhere(&self) {
        self.notify(&Wire::Settings {
            o: self.origin.clone(),
        });
    }

    fn settings_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.settings.subscribe())
    }

    fn announce_elsewhere(&self, id: i64, change: ModChange) {
        self.notify(&Wire::ModRef {
            o: self.origin.clone(),
            change,
            id,
        });
    }
}

/// Notifications sent in one statement at most.
const BATCH: usize = 256;

/// Sends the queued notifications in order, as many as are waiting in one
/// statement (so the queue keeps up with any posting rate), retrying a
/// failed batch a few times (a dropped connection is replaced by the pool).
async fn send(pool: PgPool, mut queued: mpsc::UnboundedReceiver<String>, stop: CancellationToken) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = tokio::select! {
            () = stop.cancelled() => return,
            received = queued.recv_many(&mut batch, BATCH) => received,
        };
        if received == 0 {
            return;
        }
        for attempt in 1..=3 {
            let sent = sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS n(payload, i) ORDER BY i")
                .bind(CHANNEL)
                .bind(&batch)
                .execute(&pool)
                .await;
            match sent {
                Ok(_) => break,
                Err(e) if attempt == 3 => {
                    tracing::warn!(
                        "{} live events were not sent to the other servers: {e}",
                        batch.len()
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        batch.clear();
    }
}

/// Listens for the other servers' events, reconnecting whenever the
/// connection drops; after a reconnect, everything kept is refreshed.
async fn listen(
    pool: PgPool,
    bus: std::sync::Weak<PgBus>,
    store: Arc<dyn CommentStore>,
    pages: Arc<PageCache>,
    stop: CancellationToken,
) {
    let mut connected_before = false;
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            () = stop.cancelled() => return,
            made = listener => match made {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::debug!("listening for other servers' events: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            },
        };
        let Some(listening) = bus.upgrade() else {
            return;
        };
        if connected_before {
            tracing::info!("listening for other servers' events again; streams resync");
            pages.clear();
            listening.local.resync_all();
        }
        // A settings change made while nobody here listened (before the
        // first LISTEN, or while reconnecting) is read now.
        listening.settings.send_modify(|n| *n += 1);
        drop(listening);
        connected_before = true;
        loop {
            let next = tokio::select! {
                () = stop.cancelled() => return,
                next = listener.try_recv() => next,
            };
            let notification = match next {
                Ok(Some(notification)) => notification,
                // The connection dropped: make a new one (and resync).
                Ok(None) | Err(_) => break,
            };
            let Some(bus) = bus.upgrade() else {
                return;
            };
            if let Some(wire) = bus.open(notification.payload())
                && wire.origin() != bus.origin
            {
                bus.receive(wire, store.as_ref(), &pages).await;
            }
        }
        tracing::warn!("lost the connection that brings other servers' events; reconnecting");
    }
}
