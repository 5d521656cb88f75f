//! A reader's history: opened from any row, it filters the queue to that
//! reader's comments (every state, newest first) and shows who they are,
//! how their comments fared, reports, other readers at their address (a
//! count) and moderators' private notes.

use super::{Room, Tab};
use crate::logic::queue::Queue;
use crate::logic::relative_time::{exact_readable, relative};
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
                    room.say("Note added.");
                }
                Err(failure) => {
                    error.set(Some(failure.message.clone()));
                    room.failed(&failure);
                }
            }
        });
    };
    view! {
        <section class="mod-history" data-testid="reader-history" aria-label="A reader's history">
            {move || room.profile.get().map(|p| {
                let counts = p.comments;
                let seen = match (p.first_seen, p.last_seen) {
                    (Some(first), Some(last)) => format!(
                        "First comment {}, latest {}.",
                        relative(room.now.get(), first),
                        relative(room.now.get(), last)
                    ),
                    _ => "No comments.".to_owned(),
                };
                view! {
                    <h2>"History of " <span data-testid="history-name">{p.name.clone()}</span></h2>
                    {p.account.clone().map(|a| view! {
                        <p data-testid="history-account">
                            {format!("Signed in by the site as {} (site id {})", a.name, a.site_id)}
                            {(!a.badges.is_empty()).then(|| format!("; {}", a.badges.join(", ")))}
                        </p>
                    })}
                    <p data-testid="history-counts">
                        {format!(
                            "{} comments: {} shown, {} awaiting review, {} hidden, {} deleted. {}",
                            counts.total, counts.visible, counts.pending, counts.hidden, counts.deleted, seen
                        )}
                    </p>
                    <p data-testid="history-reports">
                        {format!("Reported {} times; made {} reports.", p.reports_against, p.reports_by)}
                        {p.readers_at_same_address.map(|n| match n {
                            0 => " No other reader posted from their address in the last 30 days.".to_owned(),
                            1 => " 1 other reader posted from their address in the last 30 days.".to_owned(),
                            n => format!(" {n} other readers posted from their address in the last 30 days."),
                        })}
                    </p>
                    <ul class="mod-notes" data-testid="history-notes">
                        {p.notes.into_iter().map(|n| view! {
                            <li data-testid="history-note">
                                <span class="mod-muted">{format!("{}, {}: ", n.moderator, relative(room.now.get(), n.at))}</span>
                                {n.body}
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
            {sanctions(room)}
            <form class="mod-inline" data-testid="note-form" on:submit=add novalidate>
                <label class="mod-field">
                    <span>"Note for moderators (the reader sees it if they ask for their data)"</span>
                    <input type="text" data-testid="note-input" maxlength="500"
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                </label>
                {move || error.get().map(|m| view! { <p class="mod-error" role="alert">{m}</p> })}
                <button type="submit" class="mod-secondary" data-testid="note-save">"Add note"</button>
            </form>
            {data(room)}
            <button type="button" class="mod-link" data-testid="close-author" on:click=move |_| close(room)>"Back to everyone's comments"</button>
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
                    room.say("The reader's data is saved.");
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
                    room.say(format!(
                        "Erased: {} comments removed, {} left as deleted under replies, {} reactions, {} reports.",
                        erased.comments_removed, erased.comments_emptied, erased.reactions, erased.reports
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
                    <span class="mod-muted">"On the reader's request: "</span>
                    <button type="button" class="mod-secondary" data-testid="reader-data-download" on:click=download>"Download their data"</button>
                    {move || if confirming.get() {
                        view! {
                            <span role="group" aria-label="Erase this reader's data?">
                                "Erase every comment, reaction and report of theirs? "
                                <button type="button" class="mod-danger" data-testid="reader-data-erase-confirm" on:click=erase>"Erase for good"</button>
                                <button type="button" class="mod-link" on:click=move |_| confirming.set(false)>"Keep"</button>
                            </span>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="mod-danger" data-testid="reader-data-erase" on:click=move |_| confirming.set(true)>"Erase their data…"</button>
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
                    error.set(Some("Say for how many days.".into()));
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
                    room.say(match made.kind {
                        SanctionKind::Ban => "Banned.",
                        SanctionKind::Suspend => "Suspended.",
                        SanctionKind::Hold => "Their comments now wait for review.",
                    });
                    reload(room);
                }
                Err(failure) => {
                    error.set(Some(failure.message.clone()));
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
                    room.say("Lifted.");
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
                <span>"Sanction"</span>
                <select data-testid="sanction-kind" on:change=move |ev| {
                    if let Ok(k) = SanctionKind::parse(&event_target_value(&ev)) {
                        kind.set(k);
                        // A hold lasts until lifted unless given days.
                        days.set(if k == SanctionKind::Suspend { "7".into() } else { String::new() });
                    }
                }>
                    <option value="ban">"Ban for good"</option>
                    <option value="suspend">"Suspend for some days"</option>
                    <option value="hold">"Hold every comment for review"</option>
                </select>
            </label>
            <label class="mod-field" hidden=move || kind.get() == SanctionKind::Ban>
                <span>"Days (a hold without days lasts until lifted)"</span>
                <input type="number" min="1" data-testid="sanction-days" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
            </label>
            <label class="mod-field">
                <span>"Reason (for the audit log)"</span>
                <input type="text" maxlength="500" data-testid="sanction-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </label>
            <label class="mod-check">
                <input type="checkbox" data-testid="sanction-hide-all" prop:checked=move || hide_all.get() on:change=move |ev| hide_all.set(event_target_checked(&ev))/>
                " Hide everything they wrote"
            </label>
            {move || error.get().map(|m| view! { <p class="mod-error" role="alert">{m}</p> })}
            <button type="submit" class="mod-danger" data-testid="sanction-apply">"Apply"</button>
        </form>
    }
}

fn sanction_line(room: Room, s: Sanction, lift: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let what = match s.kind {
        SanctionKind::Ban => "Banned",
        SanctionKind::Suspend => "Suspended",
        SanctionKind::Hold => "Every comment held",
    };
    let until = s
        .until
        .map(|u| format!(" until {}", exact_readable(u)))
        .unwrap_or_default();
    let state = if s.active {
        String::new()
    } else if let Some(by) = &s.lifted_by {
        format!(" (lifted by {by})")
    } else {
        " (ended)".to_owned()
    };
    let id = s.id.clone();
    view! {
        <li data-testid="history-sanction" data-active=s.active.to_string()>
            {format!("{what}{until} by {}, {}{}{}", s.moderator, relative(room.now.get_untracked(), s.at), s.reason.map(|r| format!(": {r}")).unwrap_or_default(), state)}
            {s.active.then(|| view! {
                " "
                <button type="button" class="mod-link" data-testid="sanction-lift" on:click=move |_| lift(id.clone())>"Lift"</button>
            })}
        </li>
    }
}
