//! One comment with its actions and, beneath it, its replies.

use super::Ctx;
use super::form::CommentForm;
use super::reactions::comment_reactions;
use crate::i18n::widget::Msg;
use crate::logic::relative_time::exact;
use chime_shared::{Comment, CommentId, CommentState, EditComment, NewReport, ReportReason};
use leptos::prelude::*;

/// Visual indentation stops here; deeper replies line up at this level.
const MAX_INDENT: usize = 6;

/// A comment and its replies. Type-erased: comments nest. Most of its
/// length is markup; what it does is in the functions below.
pub fn item(ctx: Ctx, id: CommentId) -> AnyView {
    let Some(data) = ctx.comment(&id) else {
        return ().into_any();
    };
    let depth = ctx.depth(&id).min(MAX_INDENT);
    let children = ctx.list(&Some(id.clone()));
    let replying = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let reporting = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // A comment awaiting review reaches this reader only if it is theirs:
    // shown whole, marked, with nothing to do on it but edit or delete.
    let live = move || data.with(|c| c.state == CommentState::Visible);
    let pending = move || data.with(|c| c.state == CommentState::Pending && c.own);
    let visible = move || live() || pending();
    let stored_id = StoredValue::new(id.clone());
    // What readers wrote is in the page's language (when it says).
    let lang = StoredValue::new(Some(ctx.lang.get_value()).filter(|l| !l.is_empty()));

    let fetching = StoredValue::new(false);
    let more_replies = move |_| load_more_replies(ctx, data, fetching);

    view! {
        <article
            class=move || {
                let mut class = format!("chime-comment chime-depth-{depth}");
                for (on, name) in [
                    (!visible(), " chime-tombstone"),
                    (data.with(|c| c.featured), " chime-is-featured"),
                ] {
                    if on {
                        class.push_str(name);
                    }
                }
                class
            }
            data-testid="comment"
            data-comment-id=id.to_string()
        >
            <Show
                when=visible
                fallback=move || view! {
                    <p class="chime-removed">
                        {move || ctx.t(match data.with(|c| c.state) {
                            CommentState::Deleted => Msg::WasDeleted,
                            CommentState::Pending => Msg::WasHeld,
                            _ => Msg::WasRemoved,
                        })}
                    </p>
                }
            >
                {meta(ctx, data, lang)}
                <Show
                    when=move || editing.get()
                    fallback=move || view! {
                        <div class="chime-body" data-testid="comment-body" lang=lang.get_value() dir="auto" inner_html=move || data.with(|c| c.html.clone())></div>
                    }
                >
                    {edit_form(ctx, data, editing)}
                </Show>
                <Show when=pending>
                    <p class="chime-pending" data-testid="pending-note">{ctx.t(Msg::PendingNote)}</p>
                </Show>
                {actions(ctx, data, Flags { replying, editing, reporting, confirming })}
                <Show when=move || reporting.get()>
                    {report_form(ctx, stored_id.get_value(), reporting)}
                </Show>
                <Show when=move || replying.get()>
                    <CommentForm ctx=ctx parent=Some(stored_id.get_value()) open=replying/>
                </Show>
            </Show>
            <div class="chime-replies">
                <For each=move || children.get() key=|id| id.clone() let:child>
                    {item(ctx, child)}
                </For>
            </div>
            {move || data.with(|c| c.replies_cursor.is_some()).then(|| {
                let n = data.with(|c| c.reply_count).saturating_sub(ctx.shown_below(&stored_id.get_value()));
                view! {
                    <button type="button" class="chime-link chime-more-replies" data-testid="more-replies" on:click=more_replies>
                        {match n {
                            0 => ctx.t(Msg::MoreReplies),
                            n => ctx.count(Msg::MoreRepliesCount, n),
                        }}
                    </button>
                }
            })}
        </article>
    }
    .into_any()
}

/// The switches of one comment's forms.
#[derive(Clone, Copy)]
struct Flags {
    replying: RwSignal<bool>,
    editing: RwSignal<bool>,
    reporting: RwSignal<bool>,
    confirming: RwSignal<bool>,
}

/// Who wrote it and when.
fn meta(ctx: Ctx, data: RwSignal<Comment>, lang: StoredValue<Option<String>>) -> impl IntoView {
    view! {
        <header class="chime-meta">
            <bdi class="chime-author" lang=lang.get_value()>{move || data.with(|c| c.author.name.clone())}</bdi>
            {data.with_untracked(|c| super::sso::marks(ctx, c.author.verified, c.author.badges.clone()))}
            // Shown (by the style) while the comment is featured: a
            // reactive part here would cost the bundle more.
            <span class="chime-badge chime-featured" data-testid="featured">{ctx.t(Msg::Featured)}</span>
            <time
                tabindex="0"
                datetime=move || data.with(|c| exact(c.created_at))
                title=move || data.with(|c| ctx.words.with_value(|w| w.date(c.created_at, true)))
                aria-label=move || data.with(|c| ctx.words.with_value(|w| w.fill(Msg::PostedAt, &[("ago", &w.ago(ctx.now.get(), c.created_at)), ("date", &w.date(c.created_at, true))])))
            >
                {move || data.with(|c| ctx.words.with_value(|w| w.ago(ctx.now.get(), c.created_at)))}
            </time>
            <Show when=move || data.with(|c| c.edited_at.is_some())>
                <span class="chime-edited">{ctx.t(Msg::Edited)}</span>
            </Show>
        </header>
    }
}

/// React, reply, report; and on the reader's own comment, edit (in the
/// edit window) and delete (after a confirmation).
fn actions(ctx: Ctx, data: RwSignal<Comment>, flags: Flags) -> impl IntoView {
    let Flags {
        replying,
        editing,
        reporting,
        confirming,
    } = flags;
    let live = move || data.with(|c| c.state == CommentState::Visible);
    let own = move || {
        data.with(|c| {
            c.own && (c.state == CommentState::Visible || c.state == CommentState::Pending)
        })
    };
    let can_edit = move || {
        let window =
            time::Duration::seconds(i64::try_from(ctx.edit_window_secs.get()).unwrap_or(0));
        own() && ctx.now.get() - data.with(|c| c.created_at) < window
    };
    let delete = move |_| delete_own(ctx, data);
    view! {
                <div class="chime-actions">
                    <Show when=live>
                        {comment_reactions(ctx, data.with_untracked(|c| c.id.clone()), data)}
                        <button type="button" class="chime-link chime-reply" data-testid="reply-button" aria-expanded=move || replying.get().to_string() on:click=move |_| replying.update(|r| *r = !*r)>
                            {ctx.t(Msg::Reply)}
                        </button>
                        <button type="button" class="chime-link" data-testid="report-button" aria-expanded=move || reporting.get().to_string() on:click=move |_| reporting.update(|r| *r = !*r)>
                            {ctx.t(Msg::Report)}
                        </button>
                    </Show>
                    <Show when=can_edit>
                        <button type="button" class="chime-link chime-edit" data-testid="edit-button" on:click=move |_| editing.set(true)>{ctx.t(Msg::Edit)}</button>
                    </Show>
                    <Show when=own>
                        <Show
                            when=move || confirming.get()
                            fallback=move || view! {
                                <button type="button" class="chime-link" data-testid="delete-button" on:click=move |_| confirming.set(true)>{ctx.t(Msg::Delete)}</button>
                            }
                        >
                            <span class="chime-confirm" role="group" aria-label=ctx.t(Msg::DeleteQuestion)>
                                {ctx.t(Msg::DeleteAsk)}" "
                                <button type="button" class="chime-danger" data-testid="confirm-delete" on:click=delete>{ctx.t(Msg::Delete)}</button>
                                <button type="button" class="chime-link" on:click=move |_| confirming.set(false)>{ctx.t(Msg::Keep)}</button>
                            </span>
                        </Show>
                    </Show>
                </div>
    }
}

/// Deletes the reader's own comment; it leaves the listing at once.
fn delete_own(ctx: Ctx, data: RwSignal<Comment>) {
    let id = data.with_untracked(|c| c.id.clone());
    leptos::task::spawn_local(async move {
        let api = ctx.api.get_value();
        match api.delete(id.as_str()).await {
            Ok(()) => {
                let removed = data.with_untracked(|c| chime_shared::CommentRemoved {
                    id: c.id.clone(),
                    article: c.article.clone(),
                    parent_id: c.parent_id.clone(),
                    state: CommentState::Deleted,
                    reply_count: c.reply_count,
                });
                ctx.change(|l| l.removed(&removed, ctx.sort.get_untracked()));
                ctx.say(ctx.t(Msg::Deleted));
            }
            Err(failure) => ctx.failed(&failure),
        }
    });
}

/// The thread's next replies, hung beneath their parents; one request at
/// a time.
fn load_more_replies(ctx: Ctx, data: RwSignal<Comment>, fetching: StoredValue<bool>) {
    let Some(cursor) = data.with_untracked(|c| c.replies_cursor.clone()) else {
        return;
    };
    if fetching.get_value() {
        return;
    }
    fetching.set_value(true);
    let id = data.with_untracked(|c| c.id.clone());
    leptos::task::spawn_local(async move {
        let api = ctx.api.get_value();
        match api.replies(id.as_str(), cursor.as_str()).await {
            Ok(page) => ctx.change(|l| {
                l.thread
                    .append_replies(&id, &cursor, page.comments, page.next_cursor)
            }),
            Err(failure) => ctx.failed(&failure),
        }
        fetching.set_value(false);
    });
}

fn edit_form(
    ctx: Ctx,
    data: RwSignal<chime_shared::Comment>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let text = RwSignal::new(data.with_untracked(|c| c.body.clone()));
    let saving = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = data.with_untracked(|c| c.id.clone());
        let body = text.get_untracked();
        let max = ctx.limits.with_untracked(|l| l.body_max_chars);
        if let Some(problem) = chime_shared::CommentBody::problem(&body, max) {
            let words = [Msg::BodyInvalid, Msg::BodyEmpty, Msg::BodyTooLong];
            error.set(Some(ctx.problem(problem, words)));
            return;
        }
        saving.set(true);
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            match api.edit(id.as_str(), &EditComment { body }).await {
                Ok(updated) => {
                    ctx.change(|l| l.updated(updated, ctx.sort.get_untracked(), false));
                    editing.set(false);
                    ctx.say(ctx.t(Msg::Updated));
                }
                Err(failure) => {
                    error.set(Some(ctx.refusal(&failure)));
                    ctx.failed(&failure);
                }
            }
            saving.set(false);
        });
    };
    view! {
        <form class="chime-form chime-edit-form" data-testid="edit-form" on:submit=save>
            <label class="chime-field">
                <span class="chime-label">{ctx.t(Msg::EditLabel)}</span>
                <textarea data-testid="comment-body-input" rows="3" dir="auto" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|m| view! { <p class="chime-field-error" role="alert">{m}</p> })}
            <div class="chime-form-actions">
                <button type="submit" class="chime-primary" data-testid="save-edit" disabled=move || saving.get()>{ctx.t(Msg::Save)}</button>
                <button type="button" class="chime-secondary" on:click=move |_| editing.set(false)>{ctx.t(Msg::Cancel)}</button>
            </div>
        </form>
    }
}

fn report_form(ctx: Ctx, id: CommentId, open: RwSignal<bool>) -> impl IntoView {
    let reason = RwSignal::new(ReportReason::Spam);
    let note = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let report = NewReport {
            reason: reason.get_untracked().as_str().to_owned(),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            match api.report(id.get_value().as_str(), &report).await {
                Ok(()) => {
                    open.set(false);
                    ctx.say(ctx.t(Msg::Reported));
                }
                Err(failure) => ctx.failed(&failure),
            }
        });
    };
    view! {
        <form class="chime-form chime-report-form" data-testid="report-form" on:submit=send>
            <label class="chime-field">
                <span class="chime-label">{ctx.t(Msg::ReportWhy)}</span>
                <select data-testid="report-reason" on:change=move |ev| {
                    if let Ok(r) = ReportReason::parse(&event_target_value(&ev)) {
                        reason.set(r);
                    }
                }>
                    <option value="spam">{ctx.t(Msg::ReasonSpam)}</option>
                    <option value="abuse">{ctx.t(Msg::ReasonAbuse)}</option>
                    <option value="off_topic">{ctx.t(Msg::ReasonOffTopic)}</option>
                    <option value="other">{ctx.t(Msg::ReasonOther)}</option>
                </select>
            </label>
            <label class="chime-field">
                <span class="chime-label">{ctx.t(Msg::ReportNote)}</span>
                <input type="text" maxlength="500" dir="auto" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
            </label>
            <div class="chime-form-actions">
                <button type="submit" class="chime-primary" data-testid="send-report">{ctx.t(Msg::SendReport)}</button>
                <button type="button" class="chime-secondary" on:click=move |_| open.set(false)>{ctx.t(Msg::Cancel)}</button>
            </div>
        </form>
    }
}
