//! Live updates over server-sent events, reconnecting with back-off after a
//! drop and reloading the listing when events may have been missed.

use super::Ctx;
use crate::api::decode_json;
use crate::logic::reactions::ReactionState;
use chime_shared::{Comment, CommentRemoved, CommentState, ReactionsChanged};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

const EVENTS: [&str; 6] = [
    "comment_created",
    "comment_updated",
    "comment_removed",
    "comment_restored",
    "reactions_changed",
    "resync",
];

/// Opens the article's event stream.
pub fn connect(ctx: Ctx) {
    let url = ctx
        .api
        .with_value(|api| api.events_url(&ctx.article.get_value()));
    open(ctx, url, 0);
}

fn open(ctx: Ctx, url: String, attempt: u32) {
    let Ok(source) = EventSource::new(&url) else {
        return retry(ctx, url, attempt);
    };
    for name in EVENTS {
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data().as_string().unwrap_or_default();
            apply(ctx, name, &data);
        });
        let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        // The stream lives as long as the page; so do its handlers.
        handler.forget();
    }
    // Every open after the first (the browser's own quick retry, or ours
    // after a longer drop) may have missed events: reload the listing.
    let opened = std::rc::Rc::new(std::cell::Cell::new(attempt > 0));
    let on_open = Closure::<dyn FnMut()>::new(move || {
        if opened.replace(true) {
            ctx.reload();
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    let failed = source.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        // The browser retries by itself while the stream is CONNECTING;
        // once it gives up (CLOSED), we retry with our own back-off.
        if failed.ready_state() == EventSource::CLOSED {
            retry(ctx, url.clone(), attempt + 1);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

fn retry(ctx: Ctx, url: String, attempt: u32) {
    let seconds = 2u64.saturating_pow(attempt.min(5)).min(30);
    let jitter = (js_sys::Math::random() * 1000.0) as u64;
    set_timeout(
        move || open(ctx, url, attempt),
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
