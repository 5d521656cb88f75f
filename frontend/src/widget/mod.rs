//! The reader widget: mounted by `chime.js` into the shadow root of one
//! `<chime-comments>` element.

pub mod comment;
pub mod form;
mod live;
mod privacy;
pub mod reactions;
pub mod sso;

use crate::api::Api;
use crate::browser;
use crate::i18n::Words;
use crate::i18n::widget::Msg;
use crate::logic::listing::Listing;
use crate::logic::thread::{Changes, ListKey};
use chime_shared::{Comment, CommentId, Cursor, Limits, SortOrder};
use leptos::prelude::*;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// The signals the page draws from: one per shown comment and one per list
/// of children, made on first use.
#[derive(Default)]
struct Signals {
    comments: HashMap<CommentId, RwSignal<Comment>>,
    lists: HashMap<ListKey, RwSignal<Vec<CommentId>>>,
}

/// Everything the widget's parts share. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub api: StoredValue<Api>,
    pub article: StoredValue<String>,
    /// The language readers write in (the page's): set on what they wrote,
    /// so screen readers pronounce it right.
    pub lang: StoredValue<String>,
    /// The widget's own words (its locale, which a site may set apart).
    pub words: StoredValue<Words, LocalStorage>,
    pub host: StoredValue<web_sys::HtmlElement, LocalStorage>,
    pub limits: RwSignal<Limits>,
    /// Who may post and react, and whether readers can sign in.
    pub access: RwSignal<sso::Access>,
    /// The reader the site signed in, if any.
    pub me: RwSignal<Option<chime_shared::SignedInReader>>,
    /// The element's latest `sso-token`.
    pub token: StoredValue<Option<String>>,
    pub edit_window_secs: RwSignal<u64>,
    listing: StoredValue<Listing>,
    signals: StoredValue<Signals>,
    /// The widget's root owner: per-comment signals live as long as the
    /// widget, not as long as the row that first drew them, so a comment
    /// that leaves and comes back (a reload, a restore) keeps working.
    owner: StoredValue<Owner>,
    pub sort: RwSignal<SortOrder>,
    /// The listing's count of shown comments (kept by `Listing`).
    pub total: RwSignal<u64>,
    pub cursor: RwSignal<Option<Cursor>>,
    pub loading: RwSignal<bool>,
    pub load_error: RwSignal<Option<String>>,
    /// How many of others' new comments are held back until asked for
    /// (kept by `Listing`).
    pub waiting: RwSignal<usize>,
    /// The article's own reactions.
    pub article_reactions: RwSignal<crate::logic::reactions::ReactionState>,
    /// The `aria-live` status line.
    pub status: RwSignal<String>,
    /// Ticks so relative times stay true.
    pub now: RwSignal<time::OffsetDateTime>,
    /// When comments on the article close (or closed).
    pub closes_at: RwSignal<Option<time::OffsetDateTime>>,
    /// The comment the page's address names (`#chime-{id}`, a reply
    /// e-mail's link), until it is shown.
    linked: StoredValue<Option<String>>,
}

impl Ctx {
    /// A fresh context for `article`, talking to the backend at `api`, for
    /// the element `host`. Call inside a reactive owner (a mount).
    pub fn new(api: &str, article: String, host: web_sys::HtmlElement, words: Words) -> Self {
        Ctx {
            api: StoredValue::new(Api::new(api, browser::reader_token())),
            article: StoredValue::new(article),
            lang: StoredValue::new(String::new()),
            words: StoredValue::new_local(words),
            host: StoredValue::new_local(host),
            limits: RwSignal::new(Limits::default()),
            access: RwSignal::new(sso::Access::default()),
            me: RwSignal::new(None),
            token: StoredValue::new(None),
            edit_window_secs: RwSignal::new(15 * 60),
            listing: StoredValue::new(Listing::default()),
            signals: StoredValue::new(Signals::default()),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            sort: RwSignal::new(SortOrder::default()),
            total: RwSignal::new(0),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(true),
            load_error: RwSignal::new(None),
            waiting: RwSignal::new(0),
            article_reactions: RwSignal::new(Default::default()),
            status: RwSignal::new(String::new()),
            now: RwSignal::new(browser::now()),
            closes_at: RwSignal::new(None),
            linked: StoredValue::new(browser::linked_comment()),
        }
    }

    /// Scrolls to the comment the page's address names, and marks it, once
    /// it is drawn (on the first page; one further down is not fetched).
    fn reveal_linked(&self) {
        let Some(id) = self.linked.get_value() else {
            return;
        };
        self.linked.set_value(None);
        let host = self.host;
        leptos::prelude::set_timeout(
            move || {
                let Some(root) = host.with_value(|h| h.shadow_root()) else {
                    return;
                };
                let selector = format!("[data-comment-id=\"{id}\"]");
                if let Ok(Some(comment)) = root.query_selector(&selector) {
                    comment.scroll_into_view();
                    let _ = comment.class_list().add_1("chime-target");
                }
            },
            std::time::Duration::ZERO,
        );
    }

    /// A message in the widget's locale.
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

    /// What a refusal from the server (or none at all) says to the reader.
    /// The server's own sentences are English and name details (which word
    /// a site bans, until when a suspension runs) the codes do not carry;
    /// these say what the code means, in the reader's language.
    pub fn refusal(&self, failure: &crate::api::ApiFailure) -> String {
        if failure.offline {
            return self.t(Msg::ErrOffline);
        }
        let msg = match failure.code.as_str() {
            "forbidden" => Msg::ErrNotYours,
            "edit_window_closed" => Msg::ErrEditWindow,
            "origin_not_allowed" => Msg::ErrOrigin,
            "sign_in_required" => Msg::ErrSignInRequired,
            "banned" => Msg::ErrBanned,
            "suspended" => Msg::ErrSuspended,
            "closed" => Msg::ErrClosed,
            "not_found" => Msg::ErrNotFound,
            "session_expired" => Msg::ErrSessionEnded,
            "rate_limited" => Msg::ErrRateLimited,
            code if code.starts_with("token_") || code == "sso_off" => Msg::ErrSignIn,
            // A banned word, a name a signed-in reader holds, a limit the
            // site lowered since the page was read.
            "validation_failed" if failure.field.as_deref() == Some("author_name") => {
                Msg::ErrNameRefused
            }
            "validation_failed" | "payload_too_large" => Msg::ErrBodyRefused,
            "bad_request"
            | "missing_reader"
            | "conflict"
            | "unsupported_media_type"
            | "method_not_allowed" => Msg::ErrRefused,
            _ => Msg::ErrServer,
        };
        self.t(msg)
    }

    /// What a reader is told of text that breaks its rule: `words` are the
    /// field's messages for control characters, nothing, and too much.
    pub fn problem(&self, problem: chime_shared::TextProblem, words: [Msg; 3]) -> String {
        use chime_shared::TextProblem;
        let [invalid, empty, too_long] = words;
        match problem {
            TextProblem::Control => self.t(invalid),
            TextProblem::Empty => self.t(empty),
            TextProblem::TooLong { count, max } => self.words.with_value(|w| {
                w.fill(
                    too_long,
                    &[
                        ("count", &w.number(count as u64)),
                        ("max", &w.number(max as u64)),
                    ],
                )
            }),
        }
    }

    /// Whether comments on the article are closed (now).
    pub fn closed(&self) -> bool {
        crate::logic::closing::is_closed(self.closes_at.get(), self.now.get())
    }

    /// When comments close, as the server says; the clock reads the time
    /// again so that the form shows it at once.
    pub fn set_closing(&self, at: Option<time::OffsetDateTime>) {
        self.now.set(browser::now());
        self.closes_at.set(at);
    }

    /// The signal of one comment (made from the thread on first use).
    pub fn comment(&self, id: &CommentId) -> Option<RwSignal<Comment>> {
        if let Some(signal) = self.signals.with_value(|s| s.comments.get(id).copied()) {
            return Some(signal);
        }
        let comment = self.listing.with_value(|l| l.thread.get(id).cloned())?;
        let signal = self
            .owner
            .with_value(|owner| owner.with(|| RwSignal::new(comment)));
        self.signals.update_value(|s| {
            s.comments.insert(id.clone(), signal);
        });
        Some(signal)
    }

    /// The signal of a list of children.
    pub fn list(&self, key: &ListKey) -> RwSignal<Vec<CommentId>> {
        if let Some(signal) = self.signals.with_value(|s| s.lists.get(key).copied()) {
            return signal;
        }
        let children = self.listing.with_value(|l| l.thread.children(key));
        let signal = self
            .owner
            .with_value(|owner| owner.with(|| RwSignal::new(children)));
        self.signals.update_value(|s| {
            s.lists.insert(key.clone(), signal);
        });
        signal
    }

    /// Changes the listing and redraws what the change touched.
    pub fn change(&self, f: impl FnOnce(&mut Listing) -> Changes) {
        let mut changes = Changes::default();
        let mut counts = (0, 0);
        self.listing.update_value(|l| {
            changes = f(l);
            counts = (l.total(), l.waiting());
        });
        if self.total.get_untracked() != counts.0 {
            self.total.set(counts.0);
        }
        if self.waiting.get_untracked() != counts.1 {
            self.waiting.set(counts.1);
        }
        for id in &changes.comments {
            let latest = self.listing.with_value(|l| l.thread.get(id).cloned());
            let signal = self.signals.with_value(|s| s.comments.get(id).copied());
            if let (Some(comment), Some(signal)) = (latest, signal) {
                signal.set(comment);
            }
        }
        for key in &changes.lists {
            let children = self.listing.with_value(|l| l.thread.children(key));
            if let Some(signal) = self.signals.with_value(|s| s.lists.get(key).copied()) {
                signal.set(children);
            }
        }
    }

    /// A comment as the thread has it now.
    pub fn get(&self, id: &CommentId) -> Option<Comment> {
        self.listing.with_value(|l| l.thread.get(id).cloned())
    }

    /// Visible replies shown beneath a comment.
    pub fn shown_below(&self, id: &CommentId) -> u64 {
        self.listing.with_value(|l| l.thread.shown_below(id))
    }

    /// How deep a comment sits.
    pub fn depth(&self, id: &CommentId) -> usize {
        self.listing.with_value(|l| l.thread.depth(id))
    }

    /// Says something in the status line (read out by screen readers).
    pub fn say(&self, message: impl Into<String>) {
        self.status.set(message.into());
    }

    /// Tells the page about a failure too.
    pub fn failed(&self, failure: &crate::api::ApiFailure) {
        if failure.code == "session_expired" {
            sso::session_ended(*self);
        }
        if failure.code == "closed" {
            // Closed since the page was read: the form says so.
            self.set_closing(Some(browser::now()));
        }
        let message = self.refusal(failure);
        self.say(message.clone());
        let code = failure.code.as_str();
        self.host.with_value(|host| {
            browser::dispatch(
                host,
                "error",
                &[
                    ("code", JsValue::from_str(code)),
                    ("message", JsValue::from_str(&message)),
                ],
            )
        });
    }

    /// Loads the first page (again) in the current order.
    pub fn reload(&self) {
        let ctx = *self;
        ctx.loading.set(true);
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            let article = ctx.article.get_value();
            match api.list(&article, ctx.sort.get_untracked(), None).await {
                Ok(page) => {
                    ctx.load_error.set(None);
                    ctx.set_closing(page.closes_at);
                    ctx.change(|l| l.first_page(page.comments, page.total));
                    ctx.cursor.set(page.next_cursor);
                    ctx.host.with_value(|host| {
                        browser::dispatch(
                            host,
                            "loaded",
                            &[("total", JsValue::from_f64(page.total as f64))],
                        )
                    });
                    ctx.reveal_linked();
                }
                Err(failure) => {
                    ctx.load_error.set(Some(ctx.refusal(&failure)));
                    ctx.failed(&failure);
                }
            }
            ctx.loading.set(false);
        });
    }

    /// Loads the article's reactions (again: after signing in, "mine"
    /// changes).
    pub fn load_article_reactions(&self) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            if let Ok(r) = api.article_reactions(&ctx.article.get_value()).await {
                ctx.article_reactions
                    .set(crate::logic::reactions::ReactionState {
                        counts: r.counts,
                        mine: r.mine,
                    });
            }
        });
    }

    /// Loads the next page.
    pub fn load_more(&self) {
        let ctx = *self;
        let Some(cursor) = ctx.cursor.get_untracked() else {
            return;
        };
        ctx.loading.set(true);
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            let article = ctx.article.get_value();
            match api
                .list(&article, ctx.sort.get_untracked(), Some(cursor.as_str()))
                .await
            {
                Ok(page) => {
                    ctx.change(|l| l.next_page(page.comments, page.total));
                    ctx.cursor.set(page.next_cursor);
                }
                Err(failure) => ctx.failed(&failure),
            }
            ctx.loading.set(false);
        });
    }
}

/// Mounts the widget into `target` (inside the shadow root of `host`).
/// Exported to `chime.js` by the `chime-widget` binary.
///
/// `locale` is the widget's (the element's `locale`, else its language);
/// `words` its locale file as `chime.js` fetched it, with the site's own
/// laid over it (`null` for English).
///
/// Returns what `chime.js` calls when the element's `sso-token` changes.
#[allow(clippy::too_many_arguments)]
pub fn mount(
    target: web_sys::HtmlElement,
    host: web_sys::HtmlElement,
    article: String,
    api: String,
    sort: String,
    theme: String,
    lang: String,
    locale: String,
    words: JsValue,
) -> JsValue {
    let theme = match theme.as_str() {
        "light" | "dark" => theme,
        _ => "auto".to_owned(),
    };
    let mounted = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = mounted.clone();
    leptos::mount::mount_to(target, move || {
        let words = Words::new(if locale.is_empty() { "en" } else { &locale }, words);
        let ctx = Ctx::new(&api, article, host, words);
        slot.set(Some(ctx));
        ctx.sort.set(SortOrder::parse(&sort).unwrap_or_default());
        ctx.lang.set_value(lang);
        view! { <Widget ctx=ctx theme=theme/> }
    })
    .forget();
    Closure::<dyn Fn(Option<String>)>::new(move |token: Option<String>| {
        if let Some(ctx) = mounted.get() {
            sso::set_token(ctx, token);
        }
    })
    .into_js_value()
}

/// The widget: header with the count and the article's reactions, the
/// form, the sort, the listing and its paging. Most of its length is
/// markup.
#[component]
fn Widget(ctx: Ctx, theme: String) -> impl IntoView {
    sso::start(ctx);
    live::connect(ctx);
    leptos::task::spawn_local(async move {
        if let Ok(config) = ctx.api.get_value().config().await {
            ctx.limits.set(config.limits);
            ctx.edit_window_secs.set(config.edit_window_seconds);
            ctx.access.set(sso::Access {
                sign_in: config.sign_in,
                posting: config.posting,
                reacting: config.reacting,
                reply_emails: config.reply_emails,
            });
        }
    });
    // Relative times are redrawn twice a minute.
    if let Ok(handle) = set_interval_with_handle(
        move || ctx.now.set(browser::now()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    let sort_changed = move |ev: leptos::ev::Event| {
        if let Ok(sort) = SortOrder::parse(&event_target_value(&ev)) {
            ctx.sort.set(sort);
            ctx.reload();
        }
    };
    let show_waiting = move |_| {
        let first = ctx.sort.get_untracked() != SortOrder::Oldest;
        let mut n = 0;
        ctx.change(|l| {
            let (changes, shown) = l.show_waiting(first);
            n = shown;
            changes
        });
        ctx.say(ctx.count(Msg::ShowingNew, n as u64));
    };
    let top = ctx.list(&None);
    let t = move |msg| ctx.t(msg);
    let tag = ctx.words.with_value(|w| w.tag().to_owned());
    let dir = if crate::i18n::right_to_left(&tag) {
        "rtl"
    } else {
        "ltr"
    };
    view! {
        <div class=format!("chime theme-{theme}") lang=tag dir=dir data-testid="chime-root">
            <header class="chime-header">
                <h3 class="chime-count" data-testid="comment-count" aria-live="polite">
                    {move || ctx.count(Msg::CommentCount, ctx.total.get())}
                </h3>
                <reactions::ArticleReactions ctx=ctx/>
            </header>
            <form::CommentForm ctx=ctx parent=None/>
            <div class="chime-toolbar">
                <label class="chime-sort">
                    {t(Msg::SortBy)}" "
                    <select data-testid="sort-select" on:change=sort_changed prop:value=move || ctx.sort.get().as_str()>
                        <option value="newest">{t(Msg::SortNewest)}</option>
                        <option value="oldest">{t(Msg::SortOldest)}</option>
                        <option value="top">{t(Msg::SortTop)}</option>
                    </select>
                </label>
                <Show when=move || ctx.waiting.get() != 0>
                    <button type="button" class="chime-new" data-testid="new-comments-button" on:click=show_waiting>
                        {move || ctx.count(Msg::ShowNew, ctx.waiting.get() as u64)}
                    </button>
                </Show>
            </div>
            <Show when=move || ctx.load_error.get().is_some()>
                <p class="chime-error" role="alert">
                    {move || ctx.load_error.get().unwrap_or_default()}
                    " "
                    <button type="button" on:click=move |_| ctx.reload()>{t(Msg::TryAgain)}</button>
                </p>
            </Show>
            <div class="chime-list" aria-busy=move || ctx.loading.get().to_string()>
                <For each=move || top.get() key=|id| id.clone() let:id>
                    {comment::item(ctx, id)}
                </For>
                <Show when=move || !ctx.loading.get() && ctx.load_error.get().is_none() && top.with(Vec::is_empty)>
                    <p class="chime-empty">{t(Msg::NoComments)}</p>
                </Show>
            </div>
            <Show when=move || ctx.cursor.get().is_some()>
                <button type="button" class="chime-more" data-testid="load-more" disabled=move || ctx.loading.get() on:click=move |_| ctx.load_more()>
                    {move || t(if ctx.loading.get() { Msg::Loading } else { Msg::LoadMore })}
                </button>
            </Show>
            <p class="chime-status" data-testid="status-message" role="status" aria-live="polite">{move || ctx.status.get()}</p>
            {privacy::view(ctx)}
        </div>
    }
}
