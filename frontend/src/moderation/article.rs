//! The filtered article's controls: pre-moderation, closing (now, or by
//! itself some days after its first comment), and featuring comments.

use super::Room;
use crate::logic::closing::is_closed;
use crate::logic::relative_time::exact_readable;
use chime_shared::{ArticleChange, ArticleModeration, CommentId, ModComment};
use leptos::prelude::*;

/// The article's controls, above its rows. Most of its length is markup.
pub fn panel(room: Room) -> impl IntoView {
    move || {
        room.article_controls.get().map(|(article, controls)| {
            let closed = is_closed(controls.closes_at, crate::browser::now());
            let when = match (closed, controls.closes_at) {
                (true, Some(at)) => format!("Comments closed on {}.", exact_readable(at)),
                (false, Some(at)) => format!("Comments close on {}.", exact_readable(at)),
                _ => "Comments are open.".to_owned(),
            };
            let days = controls
                .auto_close_days
                .map(|d| d.to_string())
                .unwrap_or_default();
            view! {
                <fieldset class="mod-article-controls" data-testid="article-controls">
                    <legend>{article.clone()}</legend>
                    <label class="mod-premoderate">
                        <input type="checkbox" data-testid="premoderate" prop:checked=controls.premoderate || controls.surge_since.is_some()
                            on:change=move |ev| change(room, ArticleChange { premoderate: Some(event_target_checked(&ev)), ..ArticleChange::default() })/>
                        "Hold every new comment for review"
                    </label>
                    {controls.surge_since.map(|since| view! {
                        <p class="mod-surge-note" data-testid="article-surge">
                            {format!("The surge guard holds its new comments since {}: untick the box above to let them through (the guard then leaves the article alone for an hour), or use \"Keep holding\" in the banner.", exact_readable(since))}
                        </p>
                    })}
                    <p class="mod-muted" data-testid="article-closing">{when}</p>
                    <button type="button" class=if closed { "mod-secondary" } else { "mod-danger" } data-testid="close-article"
                        on:click=move |_| change(room, ArticleChange { closed: Some(!closed), ..ArticleChange::default() })>
                        {if closed { "Reopen comments" } else { "Close comments" }}
                    </button>
                    <label class="mod-field">
                        <span>"Close by itself, days after the first comment (empty: the site's setting; 0: never)"</span>
                        <input type="number" min="0" max="3650" data-testid="auto-close-days" prop:value=days
                            on:change=move |ev| {
                                let raw = event_target_value(&ev);
                                let days = match raw.trim() {
                                    "" => None,
                                    days => match days.parse::<u32>() {
                                        Ok(days) => Some(days),
                                        Err(_) => {
                                            room.say("Days are a whole number: 0 for never, or leave it empty for the site's setting.");
                                            return;
                                        }
                                    },
                                };
                                change(room, ArticleChange { auto_close_days: Some(days), ..ArticleChange::default() });
                            }/>
                    </label>
                </fieldset>
            }
        })
    }
}

/// Sends a change of the filtered article's controls and shows the answer.
fn change(room: Room, change: ArticleChange) {
    let Some((article, _)) = room.article_controls.get_untracked() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        match api.set_article(&article, &change).await {
            Ok(now) => {
                room.say(said(&article, &change, &now));
                room.article_controls.set(Some((article, now)));
            }
            Err(failure) => {
                // Put the controls back as they are stored.
                if let Ok(stored) = api.article(&article).await {
                    room.article_controls.set(Some((article, stored)));
                }
                room.failed(&failure);
            }
        }
    });
}

fn said(article: &str, change: &ArticleChange, now: &ArticleModeration) -> String {
    match (change.premoderate, change.closed) {
        (Some(true), _) => format!("New comments on {article} now wait for review."),
        (Some(false), _) => format!("New comments on {article} now appear at once."),
        (_, Some(true)) => format!("Comments on {article} are closed."),
        (_, Some(false)) => format!("Comments on {article} are open again."),
        _ => match now.closes_at {
            Some(at) => format!("Comments on {article} close on {}.", exact_readable(at)),
            None => format!("Comments on {article} stay open."),
        },
    }
}

/// Features a comment, or stops featuring it; the row shows the answer.
pub fn feature(room: Room, id: CommentId, on: bool) {
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        let act = if on { "feature" } else { "unfeature" };
        match api.act(id.as_str(), act, None, None).await {
            Ok(row) => {
                room.say(if on {
                    "Featured: readers see it first."
                } else {
                    "No longer featured."
                });
                refresh(room, &row);
                room.desk.update(|d| d.put(row));
            }
            Err(failure) => room.failed(&failure),
        }
    });
}

/// The article's featured list changed: its controls are read again.
fn refresh(room: Room, row: &ModComment) {
    let Some((article, _)) = room.article_controls.get_untracked() else {
        return;
    };
    if row.comment.article.as_str() != article {
        return;
    }
    leptos::task::spawn_local(async move {
        if let Ok(stored) = room.api.get_value().article(&article).await {
            room.article_controls.set(Some((article, stored)));
        }
    });
}
