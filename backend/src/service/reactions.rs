//! Reactions on articles and comments: one per kind per reader, idempotent.

use super::comments::visible;
use super::{Error, Outcome};
use crate::state::AppState;
use crate::store::ReaderHash;
use crate::view::{StoredId, comment_id};
use chime_shared::{
    ArticleId, LiveEvent, ReactionCounts, ReactionKind, ReactionsChanged, ReactionsResponse,
};

/// An article's counts and the reader's choices.
pub async fn for_article(
    state: &AppState,
    article: &ArticleId,
    reader: Option<&ReaderHash>,
) -> Outcome<ReactionsResponse> {
    let (counts, mine) = state
        .store
        .article_reactions(article.as_str(), reader)
        .await?;
    Ok(ReactionsResponse {
        counts: ReactionCounts::from_array(counts),
        mine,
    })
}

/// Adds (`on`) or takes back a reaction on an article.
pub async fn set_on_article(
    state: &AppState,
    article: &ArticleId,
    kind: ReactionKind,
    on: bool,
    reader: &ReaderHash,
    address: Option<&str>,
) -> Outcome<ReactionsResponse> {
    super::history::check(state, &reader.0, None, address).await?;
    let (counts, mine, changed) = state
        .store
        .set_article_reaction(article.as_str(), reader, kind, on, state.now_ms())
        .await?;
    let counts = ReactionCounts::from_array(counts);
    if changed {
        state.metrics.reactions_changed.inc();
        state.publish(
            article.as_str(),
            LiveEvent::ReactionsChanged(ReactionsChanged {
                article: article.clone(),
                comment_id: None,
                counts: counts.clone(),
            }),
        );
    }
    Ok(ReactionsResponse { counts, mine })
}

/// Adds or takes back a reaction on a visible comment.
pub async fn set_on_comment(
    state: &AppState,
    id: StoredId,
    kind: ReactionKind,
    on: bool,
    reader: &ReaderHash,
    address: Option<&str>,
) -> Outcome<ReactionsResponse> {
    super::history::check(state, &reader.0, None, address).await?;
    let record = visible(state, id).await?;
    let (counts, mine, changed) = state
        .store
        .set_comment_reaction(record.id, reader, kind, on, state.now_ms())
        .await?
        .ok_or_else(|| Error::NoSuchComment)?;
    let counts = ReactionCounts::from_array(counts);
    if changed {
        state.metrics.reactions_changed.inc();
        let article = crate::view::for_moderator(&record).article;
        state.publish(
            &record.article,
            LiveEvent::ReactionsChanged(ReactionsChanged {
                article,
                comment_id: Some(comment_id(record.id)),
                counts: counts.clone(),
            }),
        );
    }
    Ok(ReactionsResponse { counts, mine })
}
