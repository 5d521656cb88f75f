//! Live updates for a reader: the article's event stream (`crate::stream`,
//! open while the page is shown), applied to the listing, which reloads
//! after the stream opens again since events may have been missed.

use super::Ctx;
use crate::api::decode_json;
use crate::logic::reactions::ReactionState;
use crate::stream::{Handlers, Stream};
use chime_shared::{Comment, CommentRemoved, ReactionsChanged};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

const EVENTS: [&str; 7] = [
    "article_updated",
    "comment_created",
    "comment_updated",
    "comment_removed",
    "comment_restored",
    "reactions_changed",
    "resync",
];

thread_local! {
    /// Every widget's stream on the page, kept for the page's life.
    static STREAMS: RefCell<Vec<Rc<Stream>>> = const { RefCell::new(Vec::new()) };
}

/// Opens the article's event stream (when the page is shown) and keeps it
/// open only while it is.
pub fn connect(ctx: Ctx) {
    let url = ctx
        .api
        .with_value(|api| api.events_url(&ctx.article.get_value()));
    let stream = Stream::open(
        url,
        Handlers {
            events: &EVENTS,
            on_event: Box::new(move |name, data| apply(ctx, name, data)),
            on_reopen: Box::new(move || ctx.reload()),
            keep_trying: Box::new(|| true),
            follow_page: true,
        },
    );
    STREAMS.with(|all| all.borrow_mut().push(stream));
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
            if let Some(removed) = decode_json::<CommentRemoved>(data) {
                ctx.change(|l| l.removed(&removed, ctx.sort.get_untracked()));
            }
        }
        "reactions_changed" => {
            let Some(changed) = decode_json::<ReactionsChanged>(data) else {
                return;
            };
            match changed.comment_id {
                Some(id) => ctx.change(|l| l.thread.set_reactions(&id, changed.counts, None)),
                None => ctx.article_reactions.update(|s| {
                    *s = ReactionState {
                        counts: changed.counts,
                        mine: s.mine.clone(),
                    };
                }),
            }
        }
        "article_updated" => {
            if let Ok(status) = js_sys::JSON::parse(data) {
                ctx.set_closing(closes_at(&status));
            }
        }
        "resync" => {
            ctx.reload();
            ctx.load_article_reactions();
        }
        _ => {}
    }
}

/// `ArticleStatus.closes_at`, read with the browser's own parser: a serde
/// decoder for one more type costs the reader's bundle more than this.
fn closes_at(status: &wasm_bindgen::JsValue) -> Option<time::OffsetDateTime> {
    let at = js_sys::Reflect::get(status, &"closes_at".into())
        .ok()?
        .as_string()?;
    time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).ok()
}

fn comment_event(ctx: Ctx, name: &str, comment: Comment) {
    let sort = ctx.sort.get_untracked();
    match name {
        // It comes back where it stood, at once: the reader saw it there
        // before, so nothing new moves in under their eyes.
        "comment_restored" => ctx.change(|l| l.restored(comment, sort)),
        "comment_created" => ctx.change(|l| l.created(comment)),
        // Featured, not shown yet, with replies: the first page brings it
        // with them (and where they go on).
        _ if comment.featured && comment.reply_count > 0 && ctx.get(&comment.id).is_none() => {
            ctx.reload()
        }
        _ => {
            let more = ctx.cursor.with_untracked(Option::is_some);
            ctx.change(|l| l.updated(comment, sort, more))
        }
    }
}
