//! Surges: a banner over every tab while the surge guard holds an
//! article's new comments, kept live by the moderation stream, with what a
//! moderator may decide.

use super::Room;
use crate::i18n::moderation::Msg;
use crate::logic::queue::Queue;
use chime_shared::{ArticleChange, SurgeNotice};
use leptos::prelude::*;

/// Reads the surges on now (after signing in, and after a reconnect).
pub fn load(room: Room) {
    leptos::task::spawn_local(async move {
        if let Ok(list) = room.api.get_value().surges().await {
            room.surges.set(list.surges);
        }
    });
}

/// A surge began or ended (the stream's `mod_surge`).
pub fn heard(room: Room, notice: SurgeNotice) {
    let article = notice.article.to_string();
    let said = if notice.active {
        Msg::SurgeStarted
    } else {
        Msg::SurgeEnded
    };
    room.say(room.fill(said, &[("article", &article), ("reason", &notice.reason)]));
    let article_shown = room
        .article_controls
        .with_untracked(|c| c.as_ref().is_some_and(|(a, _)| *a == article));
    room.surges.update(|all| {
        // Two servers' news may cross: an end drops only the surge it
        // ended, not a newer one.
        all.retain(|s| s.article != notice.article || (!notice.active && s.since > notice.since));
        if notice.active {
            all.insert(0, notice);
        }
    });
    if article_shown {
        leptos::task::spawn_local(async move {
            if let Ok(stored) = room.api.get_value().article(&article).await {
                room.article_controls.set(Some((article, stored)));
            }
        });
    }
}

/// The banner. Most of its length is markup.
pub fn banner(room: Room) -> impl IntoView {
    move || {
        let surges = room.surges.get();
        (!surges.is_empty()).then(|| {
            view! {
                <section class="mod-surges" aria-label=room.t(Msg::Surges) data-testid="surge-banner">
                    {surges.into_iter().map(|surge| row(room, surge)).collect_view()}
                </section>
            }
        })
    }
}

fn row(room: Room, surge: SurgeNotice) -> impl IntoView {
    let article = surge.article.to_string();
    let show = {
        let article = article.clone();
        move |_| {
            room.article.set(article.clone());
            room.tab.set(super::Tab::Queue(Queue::Pending));
            room.load(false);
        }
    };
    let decide = {
        let article = article.clone();
        move |hold: bool| {
            let article = article.clone();
            leptos::task::spawn_local(async move {
                let change = ArticleChange {
                    premoderate: Some(hold),
                    ..ArticleChange::default()
                };
                match room.api.get_value().set_article(&article, &change).await {
                    Ok(_) => {
                        room.surges
                            .update(|all| all.retain(|s| s.article.as_str() != article));
                        let said = if hold {
                            Msg::SurgeKeeps
                        } else {
                            Msg::SurgeReleased
                        };
                        room.say(room.fill(said, &[("article", &article)]));
                    }
                    Err(failure) => room.failed(&failure),
                }
            });
        }
    };
    let keep = decide.clone();
    let since = surge.since;
    view! {
        <div class="mod-surge" data-testid="surge" data-article=article.clone()>
            <p>
                {room.fill(Msg::SurgeLine, &[("article", &article), ("date", &room.date(since)), ("reason", &surge.reason)])}
            </p>
            <button type="button" class="mod-secondary" data-testid="surge-show" on:click=show>{room.t(Msg::ShowHeld)}</button>
            <button type="button" class="mod-secondary" data-testid="surge-keep" on:click=move |_| keep(true)>{room.t(Msg::KeepHolding)}</button>
            <button type="button" class="mod-danger" data-testid="surge-release" on:click=move |_| decide(false)>{room.t(Msg::LetThrough)}</button>
        </div>
    }
}
