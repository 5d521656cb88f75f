//! A queue: filters, the reason for hiding, the rows and their actions.

use super::{REASONS, Room};
use crate::logic::queue::{Act, Queue};
use crate::logic::relative_time::{exact, exact_readable, relative};
use chime_shared::{CommentState, ModComment, ReportReason};
use leptos::prelude::*;

/// The open queue: filters, bulk acts, rows and paging. Most of its length
/// is markup.
pub fn view(room: Room) -> impl IntoView {
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        room.load(false);
    };
    let show_waiting = move |_| {
        let n = room.desk.try_update(|d| d.show_waiting()).unwrap_or(0);
        room.say(match n {
            1 => "Showing 1 new comment.".to_owned(),
            n => format!("Showing {n} new comments."),
        });
    };
    view! {
        {move || room.author.with(Option::is_some).then(|| super::history::panel(room))}
        <form class="mod-filters" role="search" on:submit=apply>
            <label class="mod-field">
                <span>"Article"</span>
                <input type="text" data-testid="filter-article" placeholder="any article"
                    prop:value=move || room.article.get()
                    on:input=move |ev| room.article.set(event_target_value(&ev))/>
            </label>
            <label class="mod-field">
                <span>"Words"</span>
                <input type="search" id="mod-search" data-testid="filter-text" placeholder="search text ( / )"
                    prop:value=move || room.text.get()
                    on:input=move |ev| room.text.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="mod-secondary" data-testid="filter-apply">"Filter"</button>
        </form>
        {super::article::panel(room)}
        <div class="mod-toolbar">
            <label class="mod-field">
                <span>"Reason for hiding"</span>
                <select data-testid="hide-reason" on:change=move |ev| room.reason.set(event_target_value(&ev))>
                    <option value="">"No reason given"</option>
                    {REASONS.into_iter().map(|(key, label)| view! { <option value=key>{label}</option> }).collect_view()}
                </select>
            </label>
            {move || (room.reason.get() == "other").then(|| view! {
                <label class="mod-field">
                    <span>"Why"</span>
                    <input type="text" data-testid="hide-reason-text" maxlength="500"
                        prop:value=move || room.reason_text.get()
                        on:input=move |ev| room.reason_text.set(event_target_value(&ev))/>
                </label>
            })}
            <span class="mod-bulk" data-testid="selection">
                {move || match room.desk.with(|d| d.selected.len()) {
                    0 => String::new(),
                    1 => "1 selected".to_owned(),
                    n => format!("{n} selected"),
                }}
            </span>
            {move || room.desk.with(|d| !d.selected.is_empty()).then(|| view! {
                {(room.queue() == Some(Queue::Pending)).then(|| view! {
                    <button type="button" class="mod-primary" data-testid="approve-selected" on:click=move |_| room.act(Act::Approve)>"Approve selected"</button>
                    <button type="button" class="mod-danger" data-testid="reject-selected" on:click=move |_| room.act(Act::Reject)>"Reject selected"</button>
                })}
                <button type="button" class="mod-danger" data-testid="hide-selected" on:click=move |_| room.act(Act::Hide)>"Hide selected"</button>
                <button type="button" class="mod-secondary" data-testid="unhide-selected" on:click=move |_| room.act(Act::Restore)>"Restore selected"</button>
            })}
        </div>
        {move || {
            let n = room.desk.with(|d| d.waiting.len());
            (n > 0).then(|| view! {
                <button type="button" class="mod-new" data-testid="mod-new-button" on:click=show_waiting>
                    {if n == 1 { "1 new comment: show".to_owned() } else { format!("{n} new comments: show") }}
                </button>
            })
        }}
        <ol class="mod-rows" aria-label="Comments" data-testid="mod-rows" aria-busy=move || room.loading.get().to_string()>
            <For
                each=move || room.desk.with(|d| d.rows.clone())
                key=|r| (r.comment.id.clone(), r.comment.state, r.comment.featured, r.reports.count, r.comment.body.clone(), r.hidden_reason.clone(), r.edit.as_ref().map(|e| e.body.clone()))
                let:row
            >
                {row_view(room, row)}
            </For>
        </ol>
        {move || (room.desk.with(|d| d.rows.is_empty()) && !room.loading.get()).then(|| view! {
            <p class="mod-muted" data-testid="mod-empty">"Nothing here."</p>
        })}
        {move || room.cursor.with(Option::is_some).then(|| view! {
            <button type="button" class="mod-secondary" data-testid="mod-more" disabled=move || room.loading.get() on:click=move |_| room.load(true)>"Load more"</button>
        })}
    }
}

fn reports_line(row: &ModComment) -> Option<String> {
    if row.reports.count == 0 {
        return None;
    }
    let reasons: Vec<String> = row
        .reports
        .reasons
        .iter()
        .map(|(reason, n)| format!("{} {n}", reason_label(*reason)))
        .collect();
    let head = match row.reports.count {
        1 => "1 report".to_owned(),
        n => format!("{n} reports"),
    };
    Some(if reasons.is_empty() {
        head
    } else {
        format!("{head}: {}", reasons.join(", "))
    })
}

fn reason_label(reason: ReportReason) -> &'static str {
    match reason {
        ReportReason::Spam => "spam",
        ReportReason::Abuse => "abuse",
        ReportReason::OffTopic => "off topic",
        ReportReason::Other => "other",
    }
}

/// One comment's row: its article, author, state, reports, words and the
/// acts that apply. Most of its length is markup.
fn row_view(room: Room, row: ModComment) -> impl IntoView {
    let id = row.comment.id.clone();
    let current = {
        let id = id.clone();
        move || room.desk.with(|d| d.current.as_ref() == Some(&id))
    };
    let selected = {
        let id = id.clone();
        move || room.desk.with(|d| d.selected.contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |_| room.desk.update(|d| d.toggle(&id))
    };
    let make_current = {
        let id = id.clone();
        move |_| room.desk.update(|d| d.current = Some(id.clone()))
    };
    let act = {
        let id = id.clone();
        move |act: Act| {
            room.desk.update(|d| {
                d.current = Some(id.clone());
                d.selected.clear();
            });
            room.act(act);
        }
    };
    let state = row.comment.state;
    let (state_label, state_key) = match state {
        CommentState::Visible => ("Visible", "visible"),
        CommentState::Hidden => ("Hidden", "hidden"),
        CommentState::Deleted => ("Deleted by its author", "deleted"),
        CommentState::Pending => ("Awaiting review", "pending"),
    };
    let author = row.comment.author.name.clone();
    let created = row.comment.created_at;
    let featured = row.comment.featured;
    let featurable = row.comment.parent_id.is_none();
    let for_feature = id.clone();
    let reader = row.reader.clone();
    // A reader who erased their data left no one to open.
    let erased = reader.is_empty();
    let open_author = move |_| super::history::open(room, reader.clone());
    view! {
        <li
            class="mod-row"
            class:mod-current=current.clone()
            class:mod-selected=selected.clone()
            id=format!("row-{id}")
            tabindex="-1"
            aria-current=move || current().then_some("true")
            data-testid="mod-row"
            data-comment-id=id.to_string()
            data-state=state_key
            on:click=make_current
        >
            <div class="mod-row-head">
                <input type="checkbox" data-testid="row-select" aria-label=format!("Select the comment by {author}") prop:checked=selected.clone() on:change=toggle/>
                <span class="mod-article">{row.comment.article.to_string()}</span>
                {if erased {
                    view! { <span class="mod-muted" data-testid="erased-author">"(erased)"</span> }.into_any()
                } else {
                    view! { <button type="button" class="mod-link mod-author" data-testid="open-author" title="This reader's history" on:click=open_author>{author.clone()}</button> }.into_any()
                }}
                <time datetime=exact(created) title=exact_readable(created)>{move || relative(room.now.get(), created)}</time>
                <span class=format!("mod-badge mod-badge-{state_key}") data-testid="row-state">{state_label}</span>
                {featured.then(|| view! { <span class="mod-badge mod-badge-featured" data-testid="row-featured">"Featured"</span> })}
                {reports_line(&row).map(|line| view! { <span class="mod-reports" data-testid="row-reports">{line}</span> })}
            </div>
            {row.parent_excerpt.clone().map(|p| view! { <p class="mod-context" data-testid="row-context">"In reply to: " {p}</p> })}
            <div class="mod-body" data-testid="row-body" inner_html=row.comment.html.clone()></div>
            {row.edit.clone().map(|e| view! {
                <div class="mod-edit" data-testid="row-edit">
                    <p class="mod-muted">"Edited, awaiting review (readers see the words above until you approve):"</p>
                    <div class="mod-body" inner_html=e.html></div>
                </div>
            })}
            {row.hidden_reason.clone().and_then(|r| match state {
                CommentState::Hidden => Some(view! { <p class="mod-muted">"Hidden: " {r}</p> }),
                CommentState::Pending => Some(view! { <p class="mod-muted" data-testid="row-held">"Held: " {r}</p> }),
                _ => None,
            })}
            <div class="mod-actions">
                {match state {
                    CommentState::Visible if row.edit.is_some() => {
                        let (approve, reject) = (act.clone(), act.clone());
                        view! {
                            <button type="button" class="mod-primary" data-testid="approve-button" on:click=move |_| approve(Act::Approve)>"Approve edit"</button>
                            <button type="button" class="mod-secondary" data-testid="reject-button" on:click=move |_| reject(Act::Reject)>"Reject edit"</button>
                            <button type="button" class="mod-danger" data-testid="hide-button" on:click=move |_| act(Act::Hide)>"Hide"</button>
                        }.into_any()
                    }
                    CommentState::Visible => view! {
                        <button type="button" class="mod-danger" data-testid="hide-button" on:click=move |_| act(Act::Hide)>"Hide"</button>
                        {featurable.then(|| view! {
                            <button type="button" class="mod-secondary" data-testid="feature-button" aria-pressed=featured.to_string()
                                on:click=move |_| super::article::feature(room, for_feature.clone(), !featured)>
                                {if featured { "Stop featuring" } else { "Feature" }}
                            </button>
                        })}
                    }.into_any(),
                    CommentState::Hidden => view! {
                        <button type="button" class="mod-secondary" data-testid="unhide-button" on:click=move |_| act(Act::Restore)>"Restore"</button>
                    }.into_any(),
                    CommentState::Pending => {
                        let reject = act.clone();
                        view! {
                            <button type="button" class="mod-primary" data-testid="approve-button" on:click=move |_| act(Act::Approve)>"Approve"</button>
                            <button type="button" class="mod-danger" data-testid="reject-button" on:click=move |_| reject(Act::Reject)>"Reject"</button>
                        }.into_any()
                    }
                    CommentState::Deleted => ().into_any(),
                }}
            </div>
        </li>
    }
}
