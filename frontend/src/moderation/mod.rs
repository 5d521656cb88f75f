//! The moderation view at `/moderate`: sign in, the queues (reported,
//! awaiting review, recent, hidden) across all articles, hide and restore,
//! approve and reject, per-article pre-moderation, the audit log, live
//! updates and keyboard shortcuts; for admins, the moderators and the
//! site's screening settings.

mod admin;
mod article;
mod audit;
mod history;
mod keys;
mod language;
mod live;
mod notify;
mod queue;
mod signin;
mod surge;

use crate::api::ApiFailure;
use crate::api::moderation::{ModApi, ModFilter};
use crate::browser;
use crate::i18n::moderation::Msg;
use crate::i18n::{Message, Words};
use crate::logic::queue::{Act, Desk, Queue};
use chime_shared::{AuditEntry, ErrorCode, MeResponse, Role};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// Which tab is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Queue(Queue),
    Audit,
    /// Every moderator's alerts; admins also see the webhooks.
    Notifications,
    /// Admins only.
    Moderators,
    /// Admins only.
    Settings,
}

/// Canned reasons for hiding, offered first; "other" takes free text.
pub const REASONS: [(&str, Msg); 5] = [
    ("spam", Msg::ReasonSpam),
    ("abuse", Msg::ReasonAbuse),
    ("personal", Msg::ReasonPersonal),
    ("off_topic", Msg::ReasonOffTopic),
    ("other", Msg::ReasonOther),
];

/// Everything the view's parts share. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct Room {
    pub api: StoredValue<ModApi>,
    /// The view's words, in the moderator's language.
    pub words: StoredValue<Words, LocalStorage>,
    /// Who is signed in; `None` shows the sign-in form.
    pub me: RwSignal<Option<MeResponse>>,
    /// Still asking the server whether a session is open.
    pub checking: RwSignal<bool>,
    pub tab: RwSignal<Tab>,
    pub article: RwSignal<String>,
    pub text: RwSignal<String>,
    pub desk: RwSignal<Desk>,
    pub cursor: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub audit: RwSignal<Vec<AuditEntry>>,
    pub audit_cursor: RwSignal<Option<String>>,
    /// The reason every hide uses: a canned key, and the text for "other".
    pub reason: RwSignal<String>,
    pub reason_text: RwSignal<String>,
    pub help: RwSignal<bool>,
    /// The `aria-live` status line.
    pub status: RwSignal<String>,
    pub now: RwSignal<time::OffsetDateTime>,
    /// Articles whose new comments the surge guard holds now.
    pub surges: RwSignal<Vec<chime_shared::SurgeNotice>>,
    /// The filtered article and its controls.
    pub article_controls: RwSignal<Option<(String, chime_shared::ArticleModeration)>>,
    /// The admin tabs' data.
    pub admin: admin::Desk,
    /// The notifications tab's data.
    pub notify: notify::Board,
    /// Whose history is open: the queue shows that reader's comments.
    pub author: RwSignal<Option<String>>,
    pub profile: RwSignal<Option<chime_shared::ReaderProfile>>,
}

impl Room {
    fn new(words: Words) -> Self {
        Self {
            api: StoredValue::new(ModApi::new()),
            words: StoredValue::new_local(words),
            me: RwSignal::new(None),
            checking: RwSignal::new(true),
            tab: RwSignal::new(Tab::Queue(Queue::Reported)),
            article: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
            desk: RwSignal::new(Desk::default()),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(false),
            audit: RwSignal::new(Vec::new()),
            audit_cursor: RwSignal::new(None),
            reason: RwSignal::new(String::new()),
            reason_text: RwSignal::new(String::new()),
            help: RwSignal::new(false),
            status: RwSignal::new(String::new()),
            now: RwSignal::new(browser::now()),
            article_controls: RwSignal::new(None),
            surges: RwSignal::new(Vec::new()),
            admin: admin::Desk::new(),
            notify: notify::Board::new(),
            author: RwSignal::new(None),
            profile: RwSignal::new(None),
        }
    }

    /// Says something in the status line (read out by screen readers).
    pub fn say(&self, message: impl Into<String>) {
        self.status.set(message.into());
    }

    /// A message in the moderator's language.
    pub fn t(&self, msg: Msg) -> String {
        self.words.with_value(|w| w.text(msg))
    }

    /// A message with its `{name}`s filled.
    pub fn fill(&self, msg: Msg, args: &[(&str, &str)]) -> String {
        self.words.with_value(|w| w.fill(msg, args))
    }

    /// A count's form for `n`.
    pub fn count(&self, msg: Msg, n: u64) -> String {
        self.words.with_value(|w| w.count(msg, n))
    }

    /// A number as the language writes it.
    pub fn number(&self, n: u64) -> String {
        self.words.with_value(|w| w.number(n))
    }

    /// How long ago `at` was, redrawn as the clock ticks.
    pub fn ago(&self, at: time::OffsetDateTime) -> String {
        let now = self.now.get();
        self.words.with_value(|w| w.ago(now, at))
    }

    /// A moment in UTC, date and time.
    pub fn date(&self, at: time::OffsetDateTime) -> String {
        self.words.with_value(|w| w.date(at, true))
    }

    /// A reason as stored: a canned one in this moderator's language.
    pub fn reason_shown(&self, stored: &str) -> String {
        REASONS
            .iter()
            .find(|(_, label)| english(*label) == stored)
            .map_or_else(|| stored.to_owned(), |(_, label)| self.t(*label))
    }

    /// Who did something, as the audit log names them: Chime's own
    /// stand-ins in this moderator's language.
    pub fn actor(&self, name: &str) -> String {
        let msg = match name {
            "(automatic)" => Msg::ByAutomatic,
            "(command line)" => Msg::ByCommandLine,
            "(first start)" => Msg::ByFirstStart,
            "(the reader)" => Msg::ByReader,
            _ => return name.to_owned(),
        };
        self.t(msg)
    }

    /// A queue's tab name.
    pub fn queue_name(&self, queue: Queue) -> String {
        self.t(match queue {
            Queue::Reported => Msg::TabReported,
            Queue::Pending => Msg::TabPending,
            Queue::Recent => Msg::TabRecent,
            Queue::Hidden => Msg::TabHidden,
        })
    }

    /// What a refusal from the server (or none at all) says to the
    /// moderator, by its code (the server's own sentence is English).
    pub fn refusal(&self, failure: &ApiFailure) -> String {
        if failure.offline {
            return self.t(Msg::ErrOffline);
        }
        self.t(match failure.code.as_str() {
            // Signed in already, a session that ended; else a wrong pair.
            "unauthenticated" if self.me.with_untracked(Option::is_some) => Msg::SessionEnded,
            "unauthenticated" => Msg::ErrWrongSignIn,
            "origin_not_allowed" => Msg::ErrOrigin,
            "closed" => Msg::ErrClosed,
            "forbidden" => Msg::ErrForbidden,
            "not_found" => Msg::ErrNotFound,
            "conflict" => Msg::ErrConflict,
            "rate_limited" => Msg::ErrRateLimited,
            "validation_failed" => match failure.field.as_deref() {
                Some("username") => Msg::ErrUsername,
                Some("password") => Msg::ErrPasswordRule,
                _ => Msg::ErrValue,
            },
            "payload_too_large" => Msg::ErrValue,
            "bad_request" | "missing_reader" | "unsupported_media_type" | "method_not_allowed" => {
                Msg::ErrRefused
            }
            _ => Msg::ErrServer,
        })
    }

    /// A failed call: an ended session goes back to the sign-in form
    /// (the queue, filters and place are kept for after); anything else is
    /// said plainly.
    pub fn failed(&self, failure: &ApiFailure) {
        if failure.is(ErrorCode::Unauthenticated) {
            // The stream ended with the session; signing in again opens
            // a new one.
            live::disconnect();
            self.me.set(None);
            self.say(self.t(Msg::SessionEnded));
        } else {
            self.say(self.refusal(failure));
        }
    }

    /// The queue that is open, if a queue is.
    pub fn queue(&self) -> Option<Queue> {
        match self.tab.get_untracked() {
            Tab::Queue(queue) => Some(queue),
            Tab::Audit | Tab::Notifications | Tab::Moderators | Tab::Settings => None,
        }
    }

    /// Loads the open tab from the start (or, with `more`, its next page).
    pub fn load(&self, more: bool) {
        let room = *self;
        match room.tab.get_untracked() {
            Tab::Queue(queue) => room.load_queue(queue, more),
            Tab::Audit => audit::load(room, more),
            Tab::Notifications => notify::load(room),
            tab @ (Tab::Moderators | Tab::Settings) => admin::load(room, tab),
        }
    }

    fn load_queue(&self, queue: Queue, more: bool) {
        let room = *self;
        let cursor = if more {
            match room.cursor.get_untracked() {
                Some(cursor) => Some(cursor),
                None => return,
            }
        } else {
            None
        };
        let filter = ModFilter {
            state: queue.filter(),
            article: room.article.get_untracked(),
            text: room.text.get_untracked(),
            author: room.author.get_untracked().unwrap_or_default(),
        };
        let filter_author = filter.author.clone();
        room.loading.set(true);
        leptos::task::spawn_local(async move {
            let api = room.api.get_value();
            // A late answer for a reader the moderator has left is dropped.
            let still = move || room.author.get_untracked().unwrap_or_default() == filter_author;
            if !more && !filter.author.is_empty() {
                match api.reader(&filter.author).await {
                    Ok(profile) if still() => room.profile.set(Some(profile)),
                    Ok(_) => {}
                    Err(failure) => room.failed(&failure),
                }
            }
            if !more {
                let article = filter.article.trim().to_owned();
                let controls = if article.is_empty() {
                    None
                } else {
                    api.article(&article).await.ok().map(|a| (article, a))
                };
                room.article_controls.set(controls);
            }
            match api.comments(&filter, cursor.as_deref()).await {
                // A late answer for a tab the moderator has left is dropped.
                Ok(page) if room.tab.get_untracked() == Tab::Queue(queue) && still() => {
                    let n = page.comments.len();
                    room.desk.update(|d| {
                        if more {
                            d.append(page.comments)
                        } else {
                            d.reset(page.comments)
                        }
                    });
                    room.cursor.set(page.next_cursor.map(String::from));
                    if !more {
                        let name = room.queue_name(queue);
                        room.say(match n {
                            0 => room.fill(Msg::QueueEmpty, &[("queue", &name)]),
                            n => crate::i18n::fill(
                                &room.count(Msg::QueueCount, n as u64),
                                &[("queue", &name)],
                            ),
                        });
                    }
                }
                Ok(_) => {}
                Err(failure) => room.failed(&failure),
            }
            room.loading.set(false);
        });
    }

    /// The reason the moderator chose, as sent with a hide.
    fn reason(&self) -> Option<String> {
        let key = self.reason.get_untracked();
        if key == "other" {
            return Some(self.reason_text.get_untracked().trim().to_owned())
                .filter(|r| !r.is_empty());
        }
        // The audit log keeps the English, the same whoever hid it; the
        // view shows it in each moderator's language (`reason_shown`).
        REASONS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, label)| english(*label).to_owned())
    }

    /// Acts on the selected comments, or the current one (those the act
    /// fits). Each row changes at once and is put back if the server
    /// refuses.
    pub fn act(&self, act: Act) {
        let room = *self;
        let targets: Vec<_> = room.desk.with_untracked(|d| {
            d.targets()
                .into_iter()
                .filter(|id| d.get(id).is_some_and(|r| act.applies_to(r)))
                .collect()
        });
        let reason = match act {
            Act::Hide | Act::Reject => room.reason(),
            Act::Restore | Act::Approve => None,
        };
        let count = targets.len();
        room.desk.update(|d| d.selected.clear());
        for id in targets {
            let Some(before) = room
                .desk
                .try_update(|d| {
                    let to = act.to(d.get(&id)?);
                    d.set_state(&id, to)
                })
                .flatten()
            else {
                continue;
            };
            let reason = reason.clone();
            // The edit on screen is the one approved, never a later one.
            let edit_at = before.edit.as_ref().map(|e| e.at);
            leptos::task::spawn_local(async move {
                let api = room.api.get_value();
                let answer = match act {
                    Act::Hide => api.hide(id.as_str(), reason).await,
                    Act::Restore => api.act(id.as_str(), "unhide", None, None).await,
                    Act::Approve => api.act(id.as_str(), "approve", None, edit_at).await,
                    Act::Reject => api.act(id.as_str(), "reject", reason, None).await,
                };
                match answer {
                    Ok(row) => room.desk.update(|d| d.put(row)),
                    Err(failure) => {
                        room.desk.update(|d| d.put(before));
                        room.failed(&failure);
                    }
                }
            });
        }
        room.say(self.said(act, count));
    }

    /// What the status line says once `n` comments were acted on (`0`:
    /// none could be).
    fn said(&self, act: Act, n: usize) -> String {
        let (none, one, many) = match act {
            Act::Hide => (Msg::NothingToHide, Msg::HiddenOne, Msg::HiddenMany),
            Act::Restore => (Msg::NothingToRestore, Msg::RestoredOne, Msg::RestoredMany),
            Act::Approve => (Msg::NothingToReview, Msg::ApprovedOne, Msg::ApprovedMany),
            Act::Reject => (Msg::NothingToReview, Msg::RejectedOne, Msg::RejectedMany),
        };
        match n {
            0 => self.t(none),
            1 => self.t(one),
            n => self.count(many, n as u64),
        }
    }
}

/// A message's English text.
fn english(msg: Msg) -> &'static str {
    match msg.english() {
        crate::i18n::English::Text(text) | crate::i18n::English::Plural { other: text, .. } => text,
    }
}

/// Mounts the moderation view into `target`, speaking `locale` with
/// `table` (its locale file; `null` for English) as `moderate.js` chose
/// and fetched them; `locales` are those it offers in its switch.
pub fn mount(target: web_sys::HtmlElement, locale: String, table: JsValue, locales: Vec<String>) {
    leptos::mount::mount_to(target, move || {
        let words = Words::new(&locale, table);
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&words.text(Msg::Title));
            // The page around the view speaks its language too.
            if let Some(html) = document.document_element() {
                let rtl = crate::i18n::right_to_left(words.tag());
                let _ = html.set_attribute("lang", words.tag());
                let _ = html.set_attribute("dir", if rtl { "rtl" } else { "ltr" });
            }
        }
        let room = Room::new(words);
        view! { <Moderation room=room locales=locales/> }
    })
    .forget();
}

#[component]
fn Moderation(room: Room, locales: Vec<String>) -> impl IntoView {
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        if let Ok(me) = api.me().await {
            room.me.set(Some(me));
        }
        room.checking.set(false);
    });
    // Whenever someone signs in, the open tab loads and the stream opens.
    Effect::new(move |_| {
        if room.me.with(Option::is_some) {
            room.load(false);
            surge::load(room);
            live::connect(room);
        }
    });
    if let Ok(handle) = set_interval_with_handle(
        move || room.now.set(browser::now()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    keys::listen(room);
    let tag = room.words.with_value(|w| w.tag().to_owned());
    let dir = if crate::i18n::right_to_left(&tag) {
        "rtl"
    } else {
        "ltr"
    };
    view! {
        <div class="mod" data-testid="moderation-root" lang=tag dir=dir>
            {language::switch(room, locales)}
            {move || {
                if room.checking.get() {
                    view! { <p class="mod-muted">{room.t(Msg::CheckingSession)}</p> }.into_any()
                } else if room.me.with(Option::is_none) {
                    signin::form(room).into_any()
                } else {
                    desk(room).into_any()
                }
            }}
            <p class="mod-status" data-testid="mod-status" role="status" aria-live="polite">{move || room.status.get()}</p>
        </div>
    }
}

fn desk(room: Room) -> impl IntoView {
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = room.api.get_value().sign_out().await;
            live::disconnect();
            room.me.set(None);
            room.say(room.t(Msg::SignedOut));
        });
    };
    let tab_button = move |tab: Tab, label: String, key: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="mod-tab"
                data-testid=format!("tab-{key}")
                aria-selected=move || (room.tab.get() == tab).to_string()
                on:click=move |_| {
                    room.tab.set(tab);
                    room.load(false);
                }
            >
                {label}
            </button>
        }
    };
    let signed_in = room.t(Msg::SignedInAs);
    let (before, after) = crate::i18n::around(&signed_in);
    let (before, after) = (before.to_owned(), after.to_owned());
    view! {
        <header class="mod-header">
            <h1>{room.t(Msg::Title)}</h1>
            <span class="mod-me">
                {before}
                <strong data-testid="mod-user"><bdi>{move || room.me.with(|m| m.as_ref().map(|m| m.username.clone()).unwrap_or_default())}</bdi></strong>
                {after}
                " "
                <button type="button" class="mod-link" data-testid="sign-out" on:click=sign_out>{room.t(Msg::SignOut)}</button>
                " "
                <button type="button" class="mod-link" data-testid="help-button" aria-expanded=move || room.help.get().to_string() on:click=move |_| room.help.update(|h| *h = !*h)>{room.t(Msg::ShortcutsButton)}</button>
            </span>
        </header>
        {move || room.help.get().then(|| keys::help(room))}
        {surge::banner(room)}
        <nav class="mod-tabs" role="tablist" aria-label=room.t(Msg::Queues)>
            {Queue::ALL.into_iter().map(|q| tab_button(Tab::Queue(q), room.queue_name(q), q.key())).collect_view()}
            {tab_button(Tab::Audit, room.t(Msg::TabAudit), "audit")}
            {tab_button(Tab::Notifications, room.t(Msg::TabNotifications), "notifications")}
            {move || room.me.with(|m| m.as_ref().is_some_and(|m| m.role == Role::Admin)).then(|| view! {
                {tab_button(Tab::Moderators, room.t(Msg::TabModerators), "moderators")}
                {tab_button(Tab::Settings, room.t(Msg::TabSettings), "settings")}
            })}
        </nav>
        {move || match room.tab.get() {
            Tab::Queue(_) => queue::view(room).into_any(),
            Tab::Audit => audit::view(room).into_any(),
            Tab::Notifications => notify::view(room).into_any(),
            Tab::Moderators => admin::moderators(room).into_any(),
            Tab::Settings => admin::settings(room).into_any(),
        }}
    }
}
