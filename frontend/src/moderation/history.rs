//! A reader's history: opened from any row, it filters the queue to that
//! reader's comments (every state, newest first) and shows who they are,
//! how their comments fared, reports, other readers at their address (a
//! count) and moderators' private notes.

use super::{Room, Tab};
use crate::logic::queue::Queue;
use crate::logic::relative_time::relative;
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
            <form class="mod-inline" data-testid="note-form" on:submit=add novalidate>
                <label class="mod-field">
                    <span>"Private note for moderators"</span>
                    <input type="text" data-testid="note-input" maxlength="500"
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                </label>
                {move || error.get().map(|m| view! { <p class="mod-error" role="alert">{m}</p> })}
                <button type="submit" class="mod-secondary" data-testid="note-save">"Add note"</button>
            </form>
            <button type="button" class="mod-link" data-testid="close-author" on:click=move |_| close(room)>"Back to everyone's comments"</button>
        </section>
    }
}
