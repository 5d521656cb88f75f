//! A reader's history: opened from any row, it filters the queue to that
//! reader's comments (every state, newest first) and shows who they are,
//! how their comments fared, reports, other readers at their address (a
//! count) and moderators' private notes.

use super::{Room, Tab};
use crate::i18n::moderation::Msg;
use crate::logic::queue::Queue;
use chime_shared::{NewSanction, Sanction, SanctionKind};
use leptos::prelude::*;

/// Opens `reader`'s history.
pub fn open(room: Room, reader: String) {
    room.profile.set(None);
    room.author.set(Some(reader));
    room.article.set(String::new());
    room.text.set(String::new());
    room.tab.set(Tab::Queue(Queue::Recent));
    room.load(false);
}

/// Back to everyone's comments.
fn close(room: Room) {
    room.author.set(None);
    room.profile.set(None);
    room.load(false);
}

/// The history's head, above the reader's comments.
pub fn panel(room: Room) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(key) = room.author.get_untracked() else {
            return;
        };
        let body = note.get_untracked();
        leptos::task::spawn_local(async move {
            match room.api.get_value().add_note(&key, body).await {
                Ok(added) => {
                    error.set(None);
                    note.set(String::new());
                    room.profile.update(|p| {
                        if let Some(p) = p {
                            p.notes.insert(0, added);
                        }
                    });
                    room.say(room.t(Msg::NoteAdded));
                }
                Err(failure) => {
                    error.set(Some(room.refusal(&failure)));
                    room.failed(&failure);
                }
            }
        });
    };
    let t = move |msg| room.t(msg);
    let n = move |n: u64| room.number(n);
    view! {
        <section class="mod-history" data-testid="reader-history" aria-label=t(Msg::ReaderHistory)>
            {move || room.profile.get().map(|p| {
                let counts = p.comments;
                let seen = match (p.first_seen, p.last_seen) {
                    (Some(first), Some(last)) => room.fill(
                        Msg::FirstAndLatest,
                        &[("first", &room.ago(first)), ("latest", &room.ago(last))],
                    ),
                    _ => t(Msg::NoComments),
                };
                let heading = t(Msg::HistoryOf);
                let (before, after) = crate::i18n::around(&heading);
                let (before, after) = (before.to_owned(), after.to_owned());
                view! {
                    <h2>{before}<bdi data-testid="history-name">{p.name.clone()}</bdi>{after}</h2>
                    {p.account.clone().map(|a| view! {
                        <p data-testid="history-account">
                            <bdi>{room.fill(Msg::SignedInBySite, &[("name", &a.name), ("id", &a.site_id)])}</bdi>
                            {(!a.badges.is_empty()).then(|| format!("; {}", a.badges.join(", ")))}
                        </p>
                    })}
                    <p data-testid="history-counts">
                        {room.fill(
                            Msg::HistoryCounts,
                            &[
                                ("total", &n(counts.total)),
                                ("visible", &n(counts.visible)),
                                ("pending", &n(counts.pending)),
                                ("hidden", &n(counts.hidden)),
                                ("deleted", &n(counts.deleted)),
                            ],
                        )}
                        " "
                        {seen}
                    </p>
                    <p data-testid="history-reports">
                        {room.fill(
                            Msg::ReportedTimes,
                            &[("against", &n(p.reports_against)), ("by", &n(p.reports_by))],
                        )}
                        {p.readers_at_same_address.map(|others| format!(" {}", match others {
                            0 => t(Msg::NoOthersAtAddress),
                            others => room.count(Msg::OthersAtAddress, others),
                        }))}
                    </p>
                    <ul class="mod-notes" data-testid="history-notes">
                        {p.notes.into_iter().map(|note| view! {
                            <li data-testid="history-note">
                                <span class="mod-muted">{room.fill(Msg::NoteBy, &[("name", &note.moderator), ("ago", &room.ago(note.at))])}" "</span>
                                <bdi>{note.body}</bdi>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
            {sanctions(room)}
            <form class="mod-inline" data-testid="note-form" on:submit=add novalidate>
                <label class="mod-field">
                    <span>{t(Msg::NoteLabel)}</span>
                    <input type="text" data-testid="note-input" maxlength="500"
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                </label>
                {move || error.get().map(|m| view! { <p class="mod-error" role="alert">{m}</p> })}
                <button type="submit" class="mod-secondary" data-testid="note-save">{t(Msg::AddNote)}</button>
            </form>
            {data(room)}
            <button type="button" class="mod-link" data-testid="close-author" on:click=move |_| close(room)>{t(Msg::BackToEveryone)}</button>
        </section>
    }
}

/// For admins answering a reader's request: their data, to send them, or
/// erased (after a second click).
fn data(room: Room) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let download = move |_| {
        let Some(key) = room.author.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().reader_data(&key).await {
                Ok(json) => {
                    crate::browser::save_file(&format!("chime-reader-{key}.json"), &json);
                    room.say(room.t(Msg::ReaderDataSaved));
                }
                Err(failure) => room.failed(&failure),
            }
        });
    };
    let erase = move |_| {
        let Some(key) = room.author.get_untracked() else {
            return;
        };
        confirming.set(false);
        leptos::task::spawn_local(async move {
            match room.api.get_value().erase_reader_data(&key).await {
                Ok(erased) => {
                    let n = |n: u64| room.number(n);
                    room.say(room.fill(
                        Msg::ReaderErased,
                        &[
                            ("removed", &n(erased.comments_removed)),
                            ("emptied", &n(erased.comments_emptied)),
                            ("reactions", &n(erased.reactions)),
                            ("reports", &n(erased.reports)),
                        ],
                    ));
                    room.load(false);
                }
                Err(failure) => room.failed(&failure),
            }
        });
    };
    let admin = move || {
        room.me.with(|m| {
            m.as_ref()
                .is_some_and(|m| m.role == chime_shared::Role::Admin)
        })
    };
    move || {
        admin().then(|| {
            view! {
                <div class="mod-inline" data-testid="reader-data">
                    <span class="mod-muted">{room.t(Msg::OnRequest)}" "</span>
                    <button type="button" class="mod-secondary" data-testid="reader-data-download" on:click=download>{room.t(Msg::DownloadTheirData)}</button>
                    {move || if confirming.get() {
                        view! {
                            <span role="group" aria-label=room.t(Msg::EraseQuestion)>
                                {room.t(Msg::EraseAsk)}" "
                                <button type="button" class="mod-danger" data-testid="reader-data-erase-confirm" on:click=erase>{room.t(Msg::EraseForGood)}</button>
                                <button type="button" class="mod-link" on:click=move |_| confirming.set(false)>{room.t(Msg::Keep)}</button>
                            </span>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="mod-danger" data-testid="reader-data-erase" on:click=move |_| confirming.set(true)>{room.t(Msg::EraseTheirData)}</button>
                        }.into_any()
                    }}
                </div>
            }
        })
    }
}

/// Reloads the open history (after a sanction changed it).
fn reload(room: Room) {
    room.load(false);
}

/// The reader's sanctions, with a lift for those in force, and the form to
/// add one. Most of its length is markup.
fn sanctions(room: Room) -> impl IntoView {
    let kind = RwSignal::new(SanctionKind::Ban);
    let days = RwSignal::new(String::from("7"));
    let reason = RwSignal::new(String::new());
    let hide_all = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(key) = room.author.get_untracked() else {
            return;
        };
        let kind = kind.get_untracked();
        let until = match kind {
            SanctionKind::Ban => None,
            _ => match days.get_untracked().trim().parse::<u32>() {
                Ok(n) if n > 0 => Some(crate::browser::now() + time::Duration::days(i64::from(n))),
                _ if kind == SanctionKind::Hold => None,
                _ => {
                    error.set(Some(room.t(Msg::SayDays)));
                    return;
                }
            },
        };
        let new = NewSanction {
            kind,
            until,
            reason: Some(reason.get_untracked()).filter(|r| !r.trim().is_empty()),
            hide_all: hide_all.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().sanction(&key, &new).await {
                Ok(made) => {
                    error.set(None);
                    reason.set(String::new());
                    room.say(room.t(match made.kind {
                        SanctionKind::Ban => Msg::Banned,
                        SanctionKind::Suspend => Msg::Suspended,
                        SanctionKind::Hold => Msg::HeldNow,
                    }));
                    reload(room);
                }
                Err(failure) => {
                    error.set(Some(room.refusal(&failure)));
                    room.failed(&failure);
                }
            }
        });
    };
    let lift = move |id: String| {
        let Some(key) = room.author.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().lift(&key, &id).await {
                Ok(()) => {
                    room.say(room.t(Msg::Lifted));
                    reload(room);
                }
                Err(failure) => room.failed(&failure),
            }
        });
    };
    view! {
        <ul class="mod-sanctions" data-testid="history-sanctions">
            {move || room.profile.get().map(|p| p.sanctions.into_iter().map(|s| sanction_line(room, s, lift)).collect_view())}
        </ul>
        <form class="mod-inline" data-testid="sanction-form" on:submit=apply novalidate>
            <label class="mod-field">
                <span>{room.t(Msg::Sanction)}</span>
                <select data-testid="sanction-kind" on:change=move |ev| {
                    if let Ok(k) = SanctionKind::parse(&event_target_value(&ev)) {
                        kind.set(k);
                        // A hold lasts until lifted unless given days.
                        days.set(if k == SanctionKind::Suspend { "7".into() } else { String::new() });
                    }
                }>
                    <option value="ban">{room.t(Msg::BanForGood)}</option>
                    <option value="suspend">{room.t(Msg::SuspendDays)}</option>
                    <option value="hold">{room.t(Msg::HoldEveryComment)}</option>
                </select>
            </label>
            <label class="mod-field" hidden=move || kind.get() == SanctionKind::Ban>
                <span>{room.t(Msg::DaysLabel)}</span>
                <input type="number" min="1" data-testid="sanction-days" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
            </label>
            <label class="mod-field">
                <span>{room.t(Msg::ReasonForLog)}</span>
                <input type="text" maxlength="500" data-testid="sanction-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </label>
            <label class="mod-check">
                <input type="checkbox" data-testid="sanction-hide-all" prop:checked=move || hide_all.get() on:change=move |ev| hide_all.set(event_target_checked(&ev))/>
                " "{room.t(Msg::HideEverything)}
            </label>
            {move || error.get().map(|m| view! { <p class="mod-error" role="alert">{m}</p> })}
            <button type="submit" class="mod-danger" data-testid="sanction-apply">{room.t(Msg::Apply)}</button>
        </form>
    }
}

fn sanction_line(room: Room, s: Sanction, lift: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let what = room.t(match s.kind {
        SanctionKind::Ban => Msg::SanctionBanned,
        SanctionKind::Suspend => Msg::SanctionSuspended,
        SanctionKind::Hold => Msg::SanctionHeld,
    });
    let what = match s.until {
        Some(until) => room.fill(
            Msg::SanctionUntil,
            &[("what", &what), ("date", &room.date(until))],
        ),
        None => what,
    };
    let ago = room
        .words
        .with_value(|w| w.ago(room.now.get_untracked(), s.at));
    let line = room.fill(
        Msg::SanctionLine,
        &[("what", &what), ("name", &s.moderator), ("ago", &ago)],
    );
    let state = if s.active {
        String::new()
    } else if let Some(by) = &s.lifted_by {
        format!(" {}", room.fill(Msg::SanctionLifted, &[("name", by)]))
    } else {
        format!(" {}", room.t(Msg::SanctionEnded))
    };
    let id = s.id.clone();
    view! {
        <li data-testid="history-sanction" data-active=s.active.to_string()>
            {line}
            {s.reason.map(|r| view! { ": "<bdi>{r}</bdi> })}
            {state}
            {s.active.then(|| view! {
                " "
                <button type="button" class="mod-link" data-testid="sanction-lift" on:click=move |_| lift(id.clone())>{room.t(Msg::Lift)}</button>
            })}
        </li>
    }
}
