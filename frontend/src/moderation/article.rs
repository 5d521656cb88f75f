//! The filtered article's controls: pre-moderation, closing (now, or by
//! itself some days after its first comment), and featuring comments.

use super::Room;
use crate::i18n::moderation::Msg;
use crate::logic::closing::is_closed;
use chime_shared::{ArticleChange, ArticleModeration, CommentId, ModComment};
use leptos::prelude::*;

/// The article's controls, above its rows. Most of its length is markup.
pub fn panel(room: Room) -> impl IntoView {
    move || {
        room.article_controls.get().map(|(article, controls)| {
            let closed = is_closed(controls.closes_at, crate::browser::now());
            let when = match (closed, controls.closes_at) {
                (true, Some(at)) => room.fill(Msg::ClosedOn, &[("date", &room.date(at))]),
                (false, Some(at)) => room.fill(Msg::ClosesOn, &[("date", &room.date(at))]),
                _ => room.t(Msg::Open),
            };
            let days = controls
                .auto_close_days
                .map(|d| d.to_string())
                .unwrap_or_default();
            view! {
                <fieldset class="mod-article-controls" data-testid="article-controls">
                    <legend><bdi>{article.clone()}</bdi></legend>
                    <label class="mod-premoderate">
                        <input type="checkbox" data-testid="premoderate" prop:checked=controls.premoderate || controls.surge_since.is_some()
                            on:change=move |ev| change(room, ArticleChange { premoderate: Some(event_target_checked(&ev)), ..ArticleChange::default() })/>
                        {room.t(Msg::HoldEvery)}
                    </label>
                    {controls.surge_since.map(|since| view! {
                        <p class="mod-surge-note" data-testid="article-surge">
                            {room.fill(Msg::SurgeHolds, &[("date", &room.date(since))])}
                        </p>
                    })}
                    <p class="mod-muted" data-testid="article-closing">{when}</p>
                    <button type="button" class=if closed { "mod-secondary" } else { "mod-danger" } data-testid="close-article"
                        on:click=move |_| change(room, ArticleChange { closed: Some(!closed), ..ArticleChange::default() })>
                        {room.t(if closed { Msg::ReopenComments } else { Msg::CloseComments })}
                    </button>
                    <label class="mod-field">
                        <span>{room.t(Msg::CloseAfterDays)}</span>
                        <input type="number" min="0" max="3650" data-testid="auto-close-days" prop:value=days
                            on:change=move |ev| {
                                let raw = event_target_value(&ev);
                                let days = match raw.trim() {
                                    "" => None,
                                    days => match days.parse::<u32>() {
                                        Ok(days) => Some(days),
                                        Err(_) => {
                                            room.say(room.t(Msg::DaysWhole));
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
                room.say(said(room, &article, &change, &now));
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

fn said(room: Room, article: &str, change: &ArticleChange, now: &ArticleModeration) -> String {
    let msg = match (change.premoderate, change.closed) {
        (Some(true), _) => Msg::NowHeld,
        (Some(false), _) => Msg::NowOpen,
        (_, Some(true)) => Msg::NowClosed,
        (_, Some(false)) => Msg::NowReopened,
        _ if now.closes_at.is_some() => Msg::NowClosesOn,
        _ => Msg::StaysOpen,
    };
    let date = now.closes_at.map(|at| room.date(at)).unwrap_or_default();
    room.fill(msg, &[("article", article), ("date", &date)])
}

/// Features a comment, or stops featuring it; the row shows the answer.
pub fn feature(room: Room, id: CommentId, on: bool) {
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        let act = if on { "feature" } else { "unfeature" };
        match api.act(id.as_str(), act, None, None).await {
            Ok(row) => {
                room.say(room.t(if on {
                    Msg::FeaturedNow
                } else {
                    Msg::NoLongerFeatured
                }));
                refresh(room, &row);
                room.desk.update(|d| d.put(row));
            }
            // Three featured already (or the row changed meanwhile).
            Err(failure) if on && failure.code == "conflict" => {
                room.say(room.t(Msg::ErrFeaturedFull))
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
