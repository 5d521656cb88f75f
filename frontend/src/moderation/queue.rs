//! A queue: filters, the reason for hiding, the rows and their actions.

use super::{REASONS, Room};
use crate::i18n::moderation::Msg;
use crate::logic::queue::{Act, Queue};
use crate::logic::relative_time::exact;
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
        room.say(room.count(Msg::ShowingNew, n as u64));
    };
    view! {
        {move || room.author.with(Option::is_some).then(|| super::history::panel(room))}
        <form class="mod-filters" role="search" on:submit=apply>
            <label class="mod-field">
                <span>{room.t(Msg::Article)}</span>
                <input type="text" data-testid="filter-article" placeholder=room.t(Msg::AnyArticle)
                    prop:value=move || room.article.get()
                    on:input=move |ev| room.article.set(event_target_value(&ev))/>
            </label>
            <label class="mod-field">
                <span>{room.t(Msg::Words)}</span>
                <input type="search" id="mod-search" data-testid="filter-text" placeholder=room.t(Msg::SearchPlaceholder)
                    prop:value=move || room.text.get()
                    on:input=move |ev| room.text.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="mod-secondary" data-testid="filter-apply">{room.t(Msg::Filter)}</button>
        </form>
        {super::article::panel(room)}
        <div class="mod-toolbar">
            <label class="mod-field">
                <span>{room.t(Msg::ReasonForHiding)}</span>
                <select data-testid="hide-reason" on:change=move |ev| room.reason.set(event_target_value(&ev))>
                    <option value="">{room.t(Msg::NoReason)}</option>
                    {REASONS.into_iter().map(|(key, label)| view! { <option value=key>{room.t(label)}</option> }).collect_view()}
                </select>
            </label>
            {move || (room.reason.get() == "other").then(|| view! {
                <label class="mod-field">
                    <span>{room.t(Msg::Why)}</span>
                    <input type="text" data-testid="hide-reason-text" maxlength="500"
                        prop:value=move || room.reason_text.get()
                        on:input=move |ev| room.reason_text.set(event_target_value(&ev))/>
                </label>
            })}
            <span class="mod-bulk" data-testid="selection">
                {move || match room.desk.with(|d| d.selected.len()) {
                    0 => String::new(),
                    n => room.count(Msg::Selected, n as u64),
                }}
            </span>
            {move || room.desk.with(|d| !d.selected.is_empty()).then(|| view! {
                {(room.queue() == Some(Queue::Pending)).then(|| view! {
                    <button type="button" class="mod-primary" data-testid="approve-selected" on:click=move |_| room.act(Act::Approve)>{room.t(Msg::ApproveSelected)}</button>
                    <button type="button" class="mod-danger" data-testid="reject-selected" on:click=move |_| room.act(Act::Reject)>{room.t(Msg::RejectSelected)}</button>
                })}
                <button type="button" class="mod-danger" data-testid="hide-selected" on:click=move |_| room.act(Act::Hide)>{room.t(Msg::HideSelected)}</button>
                <button type="button" class="mod-secondary" data-testid="unhide-selected" on:click=move |_| room.act(Act::Restore)>{room.t(Msg::RestoreSelected)}</button>
            })}
        </div>
        {move || {
            let n = room.desk.with(|d| d.waiting.len());
            (n > 0).then(|| view! {
                <button type="button" class="mod-new" data-testid="mod-new-button" on:click=show_waiting>
                    {room.count(Msg::NewComments, n as u64)}
                </button>
            })
        }}
        <ol class="mod-rows" aria-label=room.t(Msg::Comments) data-testid="mod-rows" aria-busy=move || room.loading.get().to_string()>
            <For
                each=move || room.desk.with(|d| d.rows.clone())
                key=|r| (r.comment.id.clone(), r.comment.state, r.comment.featured, r.reports.count, r.comment.body.clone(), r.hidden_reason.clone(), r.edit.as_ref().map(|e| e.body.clone()))
                let:row
            >
                {row_view(room, row)}
            </For>
        </ol>
        {move || (room.desk.with(|d| d.rows.is_empty()) && !room.loading.get()).then(|| view! {
            <p class="mod-muted" data-testid="mod-empty">{room.t(Msg::NothingHere)}</p>
        })}
        {move || room.cursor.with(Option::is_some).then(|| view! {
            <button type="button" class="mod-secondary" data-testid="mod-more" disabled=move || room.loading.get() on:click=move |_| room.load(true)>{room.t(Msg::LoadMore)}</button>
        })}
    }
}

fn reports_line(room: Room, row: &ModComment) -> Option<String> {
    if row.reports.count == 0 {
        return None;
    }
    let reasons: Vec<String> = row
        .reports
        .reasons
        .iter()
        .map(|(reason, n)| {
            let label = room.t(match reason {
                ReportReason::Spam => Msg::ReportSpam,
                ReportReason::Abuse => Msg::ReportAbuse,
                ReportReason::OffTopic => Msg::ReportOffTopic,
                ReportReason::Other => Msg::ReportOther,
            });
            room.fill(
                Msg::ReportReasonCount,
                &[("reason", &label), ("count", &room.number(*n))],
            )
        })
        .collect();
    let head = room.count(Msg::Reports, row.reports.count);
    Some(if reasons.is_empty() {
        head
    } else {
        room.fill(
            Msg::ReportsWhy,
            &[("reports", &head), ("reasons", &reasons.join(", "))],
        )
    })
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
        CommentState::Visible => (Msg::StateVisible, "visible"),
        CommentState::Hidden => (Msg::StateHidden, "hidden"),
        CommentState::Deleted => (Msg::StateDeleted, "deleted"),
        CommentState::Pending => (Msg::StatePending, "pending"),
    };
    let t = move |msg| room.t(msg);
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
                <input type="checkbox" data-testid="row-select" aria-label=room.fill(Msg::SelectComment, &[("name", &author)]) prop:checked=selected.clone() on:change=toggle/>
                <span class="mod-article">{row.comment.article.to_string()}</span>
                {if erased {
                    view! { <span class="mod-muted" data-testid="erased-author">{t(Msg::Erased)}</span> }.into_any()
                } else {
                    view! { <button type="button" class="mod-link mod-author" data-testid="open-author" title=t(Msg::HistoryTitle) on:click=open_author><bdi>{author.clone()}</bdi></button> }.into_any()
                }}
                <time datetime=exact(created) title=room.date(created)>{move || room.ago(created)}</time>
                <span class=format!("mod-badge mod-badge-{state_key}") data-testid="row-state">{t(state_label)}</span>
                {featured.then(|| view! { <span class="mod-badge mod-badge-featured" data-testid="row-featured">{t(Msg::Featured)}</span> })}
                {reports_line(room, &row).map(|line| view! { <span class="mod-reports" data-testid="row-reports">{line}</span> })}
            </div>
            {row.parent_excerpt.clone().map(|p| view! { <p class="mod-context" data-testid="row-context">{t(Msg::InReplyTo)}" " <bdi>{p}</bdi></p> })}
            <div class="mod-body" data-testid="row-body" inner_html=row.comment.html.clone()></div>
            {row.edit.clone().map(|e| view! {
                <div class="mod-edit" data-testid="row-edit">
                    <p class="mod-muted">{t(Msg::EditAwaiting)}</p>
                    <div class="mod-body" inner_html=e.html></div>
                </div>
            })}
            {row.hidden_reason.clone().and_then(|r| match state {
                CommentState::Hidden => Some(view! { <p class="mod-muted">{t(Msg::HiddenBecause)}" " <bdi>{room.reason_shown(&r)}</bdi></p> }),
                CommentState::Pending => Some(view! { <p class="mod-muted" data-testid="row-held">{t(Msg::HeldBecause)}" " <bdi>{r}</bdi></p> }),
                _ => None,
            })}
            <div class="mod-actions">
                {match state {
                    CommentState::Visible if row.edit.is_some() => {
                        let (approve, reject) = (act.clone(), act.clone());
                        view! {
                            <button type="button" class="mod-primary" data-testid="approve-button" on:click=move |_| approve(Act::Approve)>{t(Msg::ApproveEdit)}</button>
                            <button type="button" class="mod-secondary" data-testid="reject-button" on:click=move |_| reject(Act::Reject)>{t(Msg::RejectEdit)}</button>
                            <button type="button" class="mod-danger" data-testid="hide-button" on:click=move |_| act(Act::Hide)>{t(Msg::Hide)}</button>
                        }.into_any()
                    }
                    CommentState::Visible => view! {
                        <button type="button" class="mod-danger" data-testid="hide-button" on:click=move |_| act(Act::Hide)>{t(Msg::Hide)}</button>
                        {featurable.then(|| view! {
                            <button type="button" class="mod-secondary" data-testid="feature-button" aria-pressed=featured.to_string()
                                on:click=move |_| super::article::feature(room, for_feature.clone(), !featured)>
                                {t(if featured { Msg::StopFeaturing } else { Msg::Feature })}
                            </button>
                        })}
                    }.into_any(),
                    CommentState::Hidden => view! {
                        <button type="button" class="mod-secondary" data-testid="unhide-button" on:click=move |_| act(Act::Restore)>{t(Msg::Restore)}</button>
                    }.into_any(),
                    CommentState::Pending => {
                        let reject = act.clone();
                        view! {
                            <button type="button" class="mod-primary" data-testid="approve-button" on:click=move |_| act(Act::Approve)>{t(Msg::Approve)}</button>
                            <button type="button" class="mod-danger" data-testid="reject-button" on:click=move |_| reject(Act::Reject)>{t(Msg::Reject)}</button>
                        }.into_any()
                    }
                    CommentState::Deleted => ().into_any(),
                }}
            </div>
        </li>
    }
}
