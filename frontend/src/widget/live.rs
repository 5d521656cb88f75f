//! Live updates over server-sent events, reconnecting with back-off after a
//! drop and reloading the listing when events may have been missed.
//!
//! The stream is open only while its page is shown. A browser holds six
//! connections per host over HTTP/1.1; pages left in the back-forward cache
//! and tabs in the background would otherwise keep theirs, until a reader's
//! seventh article waits forever. So the stream closes when the page is
//! hidden or left (`visibilitychange`, `pagehide`) and opens again, with a
//! reload of the listing, when it is shown (`visibilitychange`,
//! `pageshow`).

use super::Ctx;
use crate::api::decode_json;
use crate::logic::reactions::ReactionState;
use chime_shared::{Comment, CommentRemoved, CommentState, ReactionsChanged};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, EventSource, MessageEvent};

const EVENTS: [&str; 6] = [
    "comment_created",
    "comment_updated",
    "comment_removed",
    "comment_restored",
    "reactions_changed",
    "resync",
];

/// One widget's stream, and what it needs to close and open it again.
struct Live {
    ctx: Ctx,
    url: String,
    source: RefCell<Option<EventSource>>,
    /// Bumped whenever the stream is closed: a retry planned before then
    /// is stale.
    generation: Cell<u32>,
    attempt: Cell<u32>,
    /// Closed because the page is not shown.
    paused: Cell<bool>,
    /// Every open after the first may have missed events.
    opened_before: Cell<bool>,
    /// Made once and given to every stream opened (each closure is code in
    /// the bundle, so there are two): one for the named events, one for
    /// the stream's `open` and `error` and the page's showing and hiding.
    on_message: Closure<dyn FnMut(MessageEvent)>,
    on_state: RefCell<Option<Listener>>,
}

type Listener = Closure<dyn FnMut(Event)>;

/// Opens the article's event stream (when the page is shown) and keeps it
/// open only while it is.
pub fn connect(ctx: Ctx) {
    let url = ctx
        .api
        .with_value(|api| api.events_url(&ctx.article.get_value()));
    // A listing loaded in a hidden page may be stale once it is shown.
    let hidden = page_hidden();
    let live = Rc::new(Live {
        ctx,
        url,
        source: RefCell::default(),
        generation: Cell::new(0),
        attempt: Cell::new(0),
        paused: Cell::new(hidden),
        opened_before: Cell::new(hidden),
        on_message: Closure::new(move |event: MessageEvent| {
            let data = event.data().as_string().unwrap_or_default();
            apply(ctx, &event.type_(), &data);
        }),
        on_state: RefCell::default(),
    });
    let this = live.clone();
    let on_state = Listener::new(move |event: Event| {
        match event.type_().as_str() {
            "open" => {
                this.attempt.set(0);
                if this.opened_before.replace(true) {
                    this.ctx.reload();
                }
            }
            // The browser retries by itself while the stream is
            // CONNECTING; once it gives up (CLOSED), we retry with our own
            // back-off.
            "error" => {
                let closed = this
                    .source
                    .borrow()
                    .as_ref()
                    .is_some_and(|s| s.ready_state() == EventSource::CLOSED);
                if closed {
                    this.close();
                    retry(&this);
                }
            }
            "pagehide" => pause(&this),
            // `visibilitychange` and `pageshow`.
            _ if page_hidden() => pause(&this),
            _ => resume(&this),
        }
    });
    // The page's listeners live as long as the page.
    if let Some(window) = web_sys::window() {
        let listener = on_state.as_ref().unchecked_ref();
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("visibilitychange", listener);
        }
        for name in ["pagehide", "pageshow"] {
            let _ = window.add_event_listener_with_callback(name, listener);
        }
    }
    *live.on_state.borrow_mut() = Some(on_state);
    if !hidden {
        open(&live);
    }
}

fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

impl Live {
    /// Closes the open stream, if any, and makes planned retries stale.
    fn close(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }
}

fn pause(live: &Rc<Live>) {
    live.paused.set(true);
    live.close();
}

fn resume(live: &Rc<Live>) {
    if live.paused.replace(false) {
        live.close();
        live.attempt.set(0);
        open(live);
    }
}

fn open(live: &Rc<Live>) {
    let Ok(source) = EventSource::new(&live.url) else {
        return retry(live);
    };
    for name in EVENTS {
        let _ =
            source.add_event_listener_with_callback(name, live.on_message.as_ref().unchecked_ref());
    }
    if let Some(handler) = live.on_state.borrow().as_ref() {
        for name in ["open", "error"] {
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        }
    }
    *live.source.borrow_mut() = Some(source);
}

fn retry(live: &Rc<Live>) {
    let attempt = live.attempt.get() + 1;
    live.attempt.set(attempt);
    // A failed open may have missed events, however it ends.
    live.opened_before.set(true);
    let seconds = 2u64.saturating_pow(attempt.min(5)).min(30);
    let jitter = (js_sys::Math::random() * 1000.0) as u64;
    let generation = live.generation.get();
    let live = live.clone();
    set_timeout(
        move || {
            if live.generation.get() == generation && !live.paused.get() {
                open(&live);
            }
        },
        std::time::Duration::from_millis(seconds * 1000 + jitter),
    );
}

fn apply(ctx: Ctx, name: &str, data: &str) {
    match name {
        "comment_created" | "comment_updated" | "comment_restored" => {
            // One decoding path for the three: each is code in the bundle.
            if let Some(comment) = decode_json::<Comment>(data) {
                comment_event(ctx, name, comment);
            }
        }
        "comment_removed" => {
            let Some(removed) = decode_json::<CommentRemoved>(data) else {
                return;
            };
            let shown = ctx
                .get(&removed.id)
                .is_some_and(|c| c.state == CommentState::Visible);
            let waiting = ctx
                .waiting
                .with_untracked(|w| w.iter().any(|c| c.id == removed.id));
            ctx.waiting.update(|w| w.retain(|c| c.id != removed.id));
            ctx.change(|t| t.remove(&removed));
            if shown || waiting {
                ctx.total.update(|n| *n = n.saturating_sub(1));
            }
        }
        "reactions_changed" => {
            let Some(changed) = decode_json::<ReactionsChanged>(data) else {
                return;
            };
            match changed.comment_id {
                Some(id) => ctx.change(|t| t.set_reactions(&id, changed.counts, None)),
                None => ctx.article_reactions.update(|s| {
                    *s = ReactionState {
                        counts: changed.counts,
                        mine: s.mine.clone(),
                    };
                }),
            }
        }
        "resync" => ctx.reload(),
        _ => {}
    }
}

fn comment_event(ctx: Ctx, name: &str, comment: Comment) {
    let known = ctx.get(&comment.id);
    match name {
        "comment_restored" => {
            // It comes back where it stood, at once: the reader saw it
            // there before, so nothing new moves in under their eyes.
            let shown = known.is_some_and(|c| c.state == CommentState::Visible);
            let sort = ctx.sort.get_untracked();
            ctx.change(|t| t.restore(comment, sort));
            if !shown {
                ctx.total.update(|n| *n += 1);
            }
        }
        "comment_created" if known.is_none() => {
            if ctx
                .waiting
                .with_untracked(|w| w.iter().any(|c| c.id == comment.id))
            {
                return;
            }
            // Others' comments wait behind a button so nothing moves under
            // the reader's eyes.
            ctx.waiting.update(|w| w.push(comment));
            ctx.total.update(|n| *n += 1);
        }
        // An update, or the event of a comment this reader already shows.
        _ => {
            ctx.change(|t| t.update(comment));
        }
    }
}
