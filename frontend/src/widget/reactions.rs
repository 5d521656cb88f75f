//! Reaction toggles on the article and on comments: optimistic, rolled back
//! with a message when the server refuses.

use super::Ctx;
use crate::api::ReactionTarget;
use crate::i18n::widget::Msg;
use crate::logic::reactions::ReactionState;
use chime_shared::{CommentId, ReactionKind};
use leptos::prelude::*;

/// One toggle: emoji, count, pressed state.
fn button(
    ctx: Ctx,
    kind: ReactionKind,
    testid: String,
    state: Signal<ReactionState>,
    toggle: impl Fn(ReactionKind) + Copy + 'static,
) -> impl IntoView {
    let count = move || state.with(|s| s.counts.get(kind));
    let label = ctx.t(match kind {
        ReactionKind::Like => Msg::ReactionLike,
        ReactionKind::Love => Msg::ReactionLove,
        ReactionKind::Laugh => Msg::ReactionLaugh,
        ReactionKind::Wow => Msg::ReactionWow,
        ReactionKind::Sad => Msg::ReactionSad,
        ReactionKind::Angry => Msg::ReactionAngry,
    });
    let title = label.clone();
    view! {
        <button
            type="button"
            class="chime-reaction"
            data-testid=testid
            aria-pressed=move || state.with(|s| s.has(kind)).to_string()
            aria-label=move || ctx.words.with_value(|w| w.fill(Msg::ReactionCount, &[("reaction", &label), ("count", &w.number(count()))]))
            title=title
            on:click=move |_| toggle(kind)
        >
            <span class="chime-emoji" aria-hidden="true">{kind.emoji()}</span>
            <span class="chime-reaction-count" aria-hidden="true">{move || match count() { 0 => String::new(), n => ctx.words.with_value(|w| w.number(n)) }}</span>
        </button>
    }
}

fn may_react(ctx: Ctx) -> bool {
    super::sso::may(ctx, |a| a.reacting, Msg::SignInToReactSay)
}

/// The article's reactions bar.
#[component]
pub fn ArticleReactions(ctx: Ctx) -> impl IntoView {
    ctx.load_article_reactions();
    let toggle = move |kind: ReactionKind| {
        if !may_react(ctx) {
            return;
        }
        let before = ctx.article_reactions.get_untracked();
        let (after, adding) = before.toggled(kind);
        ctx.article_reactions.set(after);
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            let article = ctx.article.get_value();
            match api
                .react(ReactionTarget::Article(&article), kind, adding)
                .await
            {
                Ok(r) => ctx.article_reactions.set(ReactionState {
                    counts: r.counts,
                    mine: r.mine,
                }),
                Err(failure) => {
                    ctx.article_reactions.set(before);
                    ctx.failed(&failure);
                }
            }
        });
    };
    let state: Signal<ReactionState> = ctx.article_reactions.into();
    view! {
        <div class="chime-reactions" role="group" aria-label=ctx.t(Msg::ReactArticle)>
            {ReactionKind::ALL.into_iter().map(|kind| button(ctx, kind, format!("article-reaction-{kind}"), state, toggle)).collect_view()}
        </div>
    }
}

/// A comment's reactions.
pub fn comment_reactions(
    ctx: Ctx,
    id: CommentId,
    data: RwSignal<chime_shared::Comment>,
) -> impl IntoView {
    let state = Signal::derive(move || {
        data.with(|c| ReactionState {
            counts: c.reactions.clone(),
            mine: c.mine.clone(),
        })
    });
    let id = StoredValue::new(id);
    let toggle = move |kind: ReactionKind| {
        if !may_react(ctx) {
            return;
        }
        let before = state.get_untracked();
        let (after, adding) = before.toggled(kind);
        let target = id.get_value();
        ctx.change(|l| {
            l.thread
                .set_reactions(&target, after.counts.clone(), Some(after.mine.clone()))
        });
        leptos::task::spawn_local(async move {
            let api = ctx.api.get_value();
            match api
                .react(ReactionTarget::Comment(target.as_str()), kind, adding)
                .await
            {
                Ok(r) => ctx.change(|l| l.thread.set_reactions(&target, r.counts, Some(r.mine))),
                Err(failure) => {
                    ctx.change(|l| {
                        l.thread
                            .set_reactions(&target, before.counts, Some(before.mine))
                    });
                    ctx.failed(&failure);
                }
            }
        });
    };
    view! {
        <div class="chime-reactions chime-reactions-small" role="group" aria-label=ctx.t(Msg::ReactComment)>
            {ReactionKind::ALL.into_iter().map(|kind| button(ctx, kind, format!("comment-reaction-{kind}"), state, toggle)).collect_view()}
        </div>
    }
}
