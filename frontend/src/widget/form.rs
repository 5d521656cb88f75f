//! The comment form, for new comments and inline replies. The draft is kept
//! per article (and per reply) until the server has it; retries reuse one
//! idempotency key, so nothing is posted twice.

use super::Ctx;
use crate::browser;
use crate::logic::draft::{self, Draft, NAME_KEY};
use chime_shared::{AuthorName, CommentBody, CommentId, CommentState, NewComment, SortOrder};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

#[component]
pub fn CommentForm(
    ctx: Ctx,
    parent: Option<CommentId>,
    #[prop(optional)] open: Option<RwSignal<bool>>,
) -> impl IntoView {
    let key = draft::key(
        &ctx.article.get_value(),
        parent.as_ref().map(CommentId::as_str),
    );
    let stored = Draft::load(browser::load(&key).as_deref()).unwrap_or_default();
    let key = StoredValue::new(key);
    let name = RwSignal::new(browser::load(NAME_KEY).unwrap_or_default());
    let body = RwSignal::new(stored.body.clone());
    let idempotency = StoredValue::new(stored.idempotency_key);
    let sending = RwSignal::new(false);
    // Robots fill every field and send at once; people never see the trap
    // field and take a moment. Both only hold a comment for review.
    let opened = js_sys::Date::now();
    let trap = RwSignal::new(String::new());
    let error: RwSignal<Option<(String, String)>> = RwSignal::new(None);
    let parent = StoredValue::new(parent);
    let is_reply = parent.with_value(Option::is_some);
    // A reply form opens where the reader asked for it: the focus goes to
    // its text box, so keyboard and screen-reader users land in it.
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    if is_reply {
        Effect::new(move || {
            if let Some(el) = textarea.get() {
                let _ = el.focus();
            }
        });
    }

    let keep_draft = move || {
        let text = body.get_untracked();
        if text.trim().is_empty() {
            browser::forget(&key.get_value());
            return;
        }
        if idempotency.with_value(String::is_empty) {
            idempotency.set_value(browser::random_hex(16));
        }
        let draft = Draft {
            body: text,
            idempotency_key: idempotency.get_value(),
        };
        browser::save(&key.get_value(), &draft.store());
    };
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| f == field).map(
                |(_, message)| view! { <p class="chime-field-error" role="alert">{message}</p> },
            )
        }
    };
    let count = move || body.with(|b| b.trim().chars().count());
    let max = move || ctx.limits.with(|l| l.body_max_chars);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let limits = ctx.limits.get_untracked();
        let author = match AuthorName::parse(&name.get_untracked(), limits.author_name_max_chars) {
            Ok(a) => a,
            Err(e) => return error.set(Some((e.field.to_owned(), e.message))),
        };
        let text = match CommentBody::parse(&body.get_untracked(), limits.body_max_chars) {
            Ok(b) => b,
            Err(e) => return error.set(Some((e.field.to_owned(), e.message))),
        };
        error.set(None);
        keep_draft();
        sending.set(true);
        let request = NewComment {
            author_name: author.as_str().to_owned(),
            body: text.as_str().to_owned(),
            parent_id: parent.get_value().map(String::from),
            website: Some(trap.get_untracked()).filter(|t| !t.is_empty()),
            form_ms: Some((js_sys::Date::now() - opened).max(0.0) as u64),
        };
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            let article = ctx.article.get_value();
            match api.post(&article, &request, &idempotency.get_value()).await {
                Ok(comment) => {
                    browser::forget(&key.get_value());
                    idempotency.set_value(String::new());
                    body.set(String::new());
                    let id = comment.id.clone();
                    // The live stream may have brought it first.
                    let was_waiting = ctx.waiting.with_untracked(|w| w.iter().any(|c| c.id == id));
                    ctx.waiting.update(|w| w.retain(|c| c.id != id));
                    let first = ctx.sort.get_untracked() != SortOrder::Oldest;
                    let known = ctx.get(&id).is_some();
                    let held = comment.state == CommentState::Pending;
                    if known {
                        ctx.change(|t| t.update(comment));
                    } else {
                        ctx.change(|t| t.add(comment, first));
                        if !was_waiting && !held {
                            ctx.total.update(|n| *n += 1);
                        }
                    }
                    ctx.say(match (held, is_reply) {
                        (true, _) => "Thank you. Your comment will appear once a moderator has reviewed it; until then only you can see it.",
                        (false, true) => "Your reply is posted.",
                        (false, false) => "Your comment is posted.",
                    });
                    ctx.host.with_value(|host| {
                        browser::dispatch(host, "posted", &[("id", JsValue::from_str(id.as_str()))])
                    });
                    if let Some(open) = open {
                        open.set(false);
                    }
                }
                Err(failure) => {
                    match failure.field.clone() {
                        Some(field) if field == "author_name" || field == "body" => {
                            error.set(Some((field, failure.message.clone())))
                        }
                        _ => error.set(Some(("form".into(), failure.message.clone()))),
                    }
                    ctx.failed(&failure);
                }
            }
            sending.set(false);
        });
    };

    view! {
        <form
            class="chime-form"
            class:chime-reply-form=is_reply
            data-testid=if is_reply { "reply-form" } else { "comment-form" }
            on:submit=submit
            novalidate
        >
            <label class="chime-field">
                <span class="chime-label">"Your name"</span>
                <input
                    type="text"
                    data-testid="author-name-input"
                    autocomplete="nickname"
                    maxlength="200"
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        browser::save(NAME_KEY, &value);
                        name.set(value);
                    }
                />
            </label>
            {field_error("author_name")}
            <label class="chime-field">
                <span class="chime-label">{if is_reply { "Your reply" } else { "Your comment" }}</span>
                <textarea
                    node_ref=textarea
                    data-testid="comment-body-input"
                    rows=if is_reply { "3" } else { "4" }
                    prop:value=move || body.get()
                    on:input=move |ev| {
                        body.set(event_target_value(&ev));
                        keep_draft();
                    }
                ></textarea>
            </label>
            {field_error("body")}
            <label class="chime-trap" aria-hidden="true">
                "Leave this empty"
                <input type="text" name="website" tabindex="-1" autocomplete="off" data-testid="trap-input" on:input=move |ev| trap.set(event_target_value(&ev))/>
            </label>
            <div class="chime-form-foot">
                <span class="chime-hint">"*italic*, **bold**, `code`, > quote, - list, [link](https://…)"</span>
                <span class="chime-counter" class:chime-over={move || count() > max()}>{move || format!("{} / {}", count(), max())}</span>
            </div>
            {field_error("form")}
            <div class="chime-form-actions">
                <button
                    type="submit"
                    class="chime-primary"
                    data-testid="submit-comment"
                    disabled=move || sending.get() || count() == 0
                >
                    {move || match (sending.get(), is_reply) {
                        (true, _) => "Sending…",
                        (false, true) => "Reply",
                        (false, false) => "Post comment",
                    }}
                </button>
                {open.map(|open| view! {
                    <button type="button" class="chime-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
