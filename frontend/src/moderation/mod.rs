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
mod live;
mod queue;
mod signin;
mod surge;

use crate::api::ApiFailure;
use crate::api::moderation::{ModApi, ModFilter};
use crate::browser;
use crate::logic::queue::{Act, Desk, Queue};
use chime_shared::{AuditEntry, ErrorCode, MeResponse, Role};
use leptos::prelude::*;

/// Which tab is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Queue(Queue),
    Audit,
    /// Admins only.
    Moderators,
    /// Admins only.
    Settings,
}

/// Canned reasons for hiding, offered first; "other" takes free text.
pub const REASONS: [(&str, &str); 5] = [
    ("spam", "Spam or advertising"),
    ("abuse", "Abuse or harassment"),
    ("personal", "Personal information"),
    ("off_topic", "Off topic"),
    ("other", "Other (say why)"),
];

/// Everything the view's parts share. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct Room {
    pub api: StoredValue<ModApi>,
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
    /// Whose history is open: the queue shows that reader's comments.
    pub author: RwSignal<Option<String>>,
    pub profile: RwSignal<Option<chime_shared::ReaderProfile>>,
}

impl Room {
    fn new() -> Self {
        Self {
            api: StoredValue::new(ModApi::new()),
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
            author: RwSignal::new(None),
            profile: RwSignal::new(None),
        }
    }

    /// Says something in the status line (read out by screen readers).
    pub fn say(&self, message: impl Into<String>) {
        self.status.set(message.into());
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
            self.say("Your session has ended. Sign in again to carry on where you were.");
        } else {
            self.say(failure.message.clone());
        }
    }

    /// The queue that is open, if a queue is.
    pub fn queue(&self) -> Option<Queue> {
        match self.tab.get_untracked() {
            Tab::Queue(queue) => Some(queue),
            Tab::Audit | Tab::Moderators | Tab::Settings => None,
        }
    }

    /// Loads the open tab from the start (or, with `more`, its next page).
    pub fn load(&self, more: bool) {
        let room = *self;
        match room.tab.get_untracked() {
            Tab::Queue(queue) => room.load_queue(queue, more),
            Tab::Audit => audit::load(room, more),
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
                        room.say(match n {
                            0 => format!("{}: nothing here.", queue.label()),
                            1 => format!("{}: 1 comment.", queue.label()),
                            n => format!("{}: {n} comments.", queue.label()),
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
        REASONS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, label)| (*label).to_owned())
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
        room.say(act.said(count));
    }
}

/// Mounts the moderation view into `target`.
pub fn mount(target: web_sys::HtmlElement) {
    leptos::mount::mount_to(target, || {
        let room = Room::new();
        view! { <Moderation room=room/> }
    })
    .forget();
}

#[component]
fn Moderation(room: Room) -> impl IntoView {
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
    view! {
        <div class="mod" data-testid="moderation-root">
            {move || {
                if room.checking.get() {
                    view! { <p class="mod-muted">"Checking your session…"</p> }.into_any()
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
            room.say("Signed out.");
        });
    };
    let tab_button = move |tab: Tab, label: &'static str, key: &'static str| {
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
    view! {
        <header class="mod-header">
            <h1>"Chime moderation"</h1>
            <span class="mod-me">
                "Signed in as "
                <strong data-testid="mod-user">{move || room.me.with(|m| m.as_ref().map(|m| m.username.clone()).unwrap_or_default())}</strong>
                " "
                <button type="button" class="mod-link" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
                " "
                <button type="button" class="mod-link" data-testid="help-button" aria-expanded=move || room.help.get().to_string() on:click=move |_| room.help.update(|h| *h = !*h)>"Shortcuts (?)"</button>
            </span>
        </header>
        {move || room.help.get().then(keys::help)}
        {surge::banner(room)}
        <nav class="mod-tabs" role="tablist" aria-label="Queues">
            {Queue::ALL.into_iter().map(|q| tab_button(Tab::Queue(q), q.label(), q.key())).collect_view()}
            {tab_button(Tab::Audit, "Audit log", "audit")}
            {move || room.me.with(|m| m.as_ref().is_some_and(|m| m.role == Role::Admin)).then(|| view! {
                {tab_button(Tab::Moderators, "Moderators", "moderators")}
                {tab_button(Tab::Settings, "Settings", "settings")}
            })}
        </nav>
        {move || match room.tab.get() {
            Tab::Queue(_) => queue::view(room).into_any(),
            Tab::Audit => audit::view(room).into_any(),
            Tab::Moderators => admin::moderators(room).into_any(),
            Tab::Settings => admin::settings(room).into_any(),
        }}
    }
}
