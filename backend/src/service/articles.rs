//! An article's controls: pre-moderation, closing (by a moderator, or by
//! itself some days after its first comment) and featured comments.

use super::admin::Actor;
use super::lifecycle::{announce, counted, fetch};
use super::moderation::Moderator;
use super::{Error, Outcome, surge};
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::{AdminAudit, ArticleControls, ArticleRecord, AuditNote, Featuring};
use crate::view::{StoredId, comment_id, for_reader};
use chime_shared::{
    ArticleChange, ArticleId, ArticleModeration, ArticleStatus, AuditAction, LiveEvent, ModChange,
    ModComment,
};

/// How an article is run.
pub async fn controls(state: &AppState, article: &ArticleId) -> Outcome<ArticleModeration> {
    let record = state.store.article(article.as_str()).await?;
    Ok(view(state, &record))
}

fn view(state: &AppState, record: &ArticleRecord) -> ArticleModeration {
    ArticleModeration {
        premoderate: record.premoderate,
        closed_at: record.closed_at.map(from_millis),
        auto_close_days: record.auto_close_days,
        closes_at: closes_at(state, record).map(from_millis),
        featured: record.featured.iter().copied().map(comment_id).collect(),
        surge_since: record.surge.as_ref().map(|s| from_millis(s.since)),
    }
}

fn closes_at(state: &AppState, record: &ArticleRecord) -> Option<i64> {
    record.closes_at(state.screening.rules().auto_close_days)
}

/// Changes what the moderator asked for and keeps the rest. Opening an
/// article that closed by itself also stops it closing by itself: the
/// moderator wants it open now. Closing and opening are audited, and
/// readers on the page are told at once.
pub async fn change(
    state: &AppState,
    moderator: &Moderator,
    article: &ArticleId,
    change: ArticleChange,
) -> Outcome<ArticleModeration> {
    let days = match change.auto_close_days {
        Some(Some(days)) => Some(Some(chime_shared::auto_close_days(days)?)),
        other => other,
    };
    let now = state.now_ms();
    let site_days = state.screening.rules().auto_close_days;
    let closed_at = move |r: &ArticleRecord| r.closes_at(site_days).is_some_and(|at| at <= now);
    let name = moderator.username.clone();
    let key = article.as_str().to_owned();
    let decide = move |before: &ArticleRecord| {
        let mut after = ArticleRecord {
            premoderate: change.premoderate.unwrap_or(before.premoderate),
            closed_at: match change.closed {
                Some(true) => before.closed_at.or(Some(now)),
                Some(false) => None,
                None => before.closed_at,
            },
            auto_close_days: days.unwrap_or(before.auto_close_days),
            ..before.clone()
        };
        if change.closed == Some(false) && closed_at(&after) {
            after.auto_close_days = Some(0);
        }
        let by = Actor {
            name: &name,
            at: now,
        };
        let mut audit = match (closed_at(before), closed_at(&after)) {
            (false, true) => vec![by.audit(AuditAction::Close, Some(&key))],
            (true, false) => vec![by.audit(AuditAction::Reopen, Some(&key))],
            _ => Vec::new(),
        };
        // A moderator's word on pre-moderation during a surge ends it:
        // holding on is theirs now (pinned), or letting comments through
        // is, and the guard leaves the article alone for a while.
        let end_surge = before.surge.is_some() && change.premoderate.is_some();
        let snooze = end_surge && change.premoderate == Some(false);
        if end_surge {
            audit.push(AdminAudit {
                reason: Some(if snooze {
                    "A moderator let new comments through.".to_owned()
                } else {
                    "A moderator holds every new comment now.".to_owned()
                }),
                ..by.audit(AuditAction::SurgeEnd, Some(&key))
            });
        }
        let controls = ArticleControls {
            premoderate: after.premoderate,
            closed_at: after.closed_at,
            auto_close_days: after.auto_close_days,
            end_surge,
            surge_snoozed_until: snooze.then_some(now + surge::SNOOZE_MS),
        };
        (controls, audit)
    };
    let (before, after) = state
        .store
        .change_article(article.as_str(), now, &decide)
        .await?;
    let is_closed = closed_at(&after);
    tracing::info!(
        moderator = %moderator.username,
        article = article.as_str(),
        premoderate = after.premoderate,
        closed = is_closed,
        "article controls"
    );
    if let (Some(surge), None) = (&before.surge, &after.surge) {
        surge::tell(
            state,
            article.as_str(),
            false,
            surge.since,
            "A moderator decided.".to_owned(),
        );
    }
    if closes_at(state, &before) != closes_at(state, &after) {
        state.publish(
            article.as_str(),
            LiveEvent::ArticleUpdated(ArticleStatus {
                article: article.clone(),
                closes_at: closes_at(state, &after).map(from_millis),
            }),
        );
    }
    Ok(view(state, &after))
}

/// Features a comment (shown first to every reader, at once), or stops
/// featuring it (it goes back to its place).
pub async fn feature(
    state: &AppState,
    moderator: &Moderator,
    id: StoredId,
    on: bool,
) -> Outcome<ModComment> {
    let action = if on {
        AuditAction::Feature
    } else {
        AuditAction::Unfeature
    };
    let note = AuditNote {
        moderator: moderator.username.clone(),
        action,
        reason: None,
    };
    let record = match state
        .store
        .set_featured(id.get(), on, &note, state.now_ms())
        .await?
    {
        Featuring::Done(record) => record,
        // Nothing to tell anyone (and a comment readers do not see is
        // not theirs to hear about).
        Featuring::Unchanged(record) => {
            return fetch(state, record.id).await?.ok_or(Error::NoSuchComment);
        }
        Featuring::Full => return Err(Error::FeaturedFull),
        Featuring::NotFeaturable => return Err(Error::NotFeaturable),
        Featuring::Missing => return Err(Error::NoSuchComment),
    };
    counted(state, &moderator.username, action, record.id);
    state.publish(
        &record.article,
        LiveEvent::CommentUpdated(for_reader(&record, None, Vec::new())),
    );
    announce(state, record.id, ModChange::Featured).await;
    fetch(state, record.id).await?.ok_or(Error::NoSuchComment)
}
