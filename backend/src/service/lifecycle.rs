//! A comment's changes of state (hold, approve, reject, hide, restore,
//! remove) and their announcement to readers and moderators: what the
//! comments and the moderation rules both do, owned here so that neither
//! depends on the other.

use super::Outcome;
use crate::state::AppState;
use crate::store::{AuditNote, CommentRecord, ModQuery};
use crate::view::{comment_id, for_reader, mod_comment};
use chime_shared::{
    AuditAction, CommentRemoved, CommentState, LiveEvent, ModChange, ModComment, ModEvent,
};

/// What a moderation act does: the states it applies to, the state it
/// leaves, and what the moderators' stream is told.
pub fn transition(action: AuditAction) -> (&'static [CommentState], CommentState, ModChange) {
    use CommentState::{Hidden, Pending, Visible};
    match action {
        AuditAction::Hide => (&[Visible, Pending], Hidden, ModChange::Hidden),
        AuditAction::Unhide => (&[Hidden, Pending], Visible, ModChange::Unhidden),
        AuditAction::Approve => (&[Pending], Visible, ModChange::Approved),
        AuditAction::Reject => (&[Pending], Hidden, ModChange::Rejected),
        AuditAction::Hold => (&[Visible], Pending, ModChange::Held),
        // Not acts on a comment: they apply to none.
        AuditAction::ModeratorAdded
        | AuditAction::ModeratorRemoved
        | AuditAction::PasswordReset
        | AuditAction::SettingsChanged
        | AuditAction::Ban
        | AuditAction::Suspend
        | AuditAction::AlwaysHold
        | AuditAction::Lift
        | AuditAction::Close
        | AuditAction::Reopen
        | AuditAction::Feature
        | AuditAction::Unfeature
        | AuditAction::SurgeHold
        | AuditAction::SurgeEnd
        | AuditAction::Erase => (&[], Visible, ModChange::Edited),
    }
}

/// One comment as moderators see it.
pub async fn fetch(state: &AppState, id: i64) -> Outcome<Option<ModComment>> {
    let records = state.store.mod_comments(&ModQuery::one(id)).await?;
    Ok(records.first().map(mod_comment))
}

/// Tells the moderators' streams what happened to a comment. Best effort:
/// the change itself is stored already, and a failure here must not undo
/// or fail it (the view reloads on reconnect).
pub async fn announce(state: &AppState, id: i64, change: ModChange) {
    if state.events.mod_subscribers() == 0 {
        // Nobody here is watching; other servers' moderators may be, and
        // they read the comment themselves.
        state.events.announce_elsewhere(id, change);
        return;
    }
    match fetch(state, id).await {
        Ok(Some(comment)) => state.events.publish_mod(ModEvent { change, comment }),
        Ok(None) => {}
        Err(e) => tracing::warn!(comment = id, "moderation event not sent: {e:?}"),
    }
}

/// Counts and logs a moderation act.
pub fn counted(state: &AppState, moderator: &str, action: AuditAction, comment: i64) {
    state.metrics.moderation_actions.inc();
    tracing::info!(moderator, action = action.as_str(), comment, "moderation");
}

/// Holds a visible comment for review on Chime's own account (reports);
/// false when it was not visible any more.
pub async fn hold(state: &AppState, record: &CommentRecord, reason: String) -> Outcome<bool> {
    apply(state, AUTOMATIC, record, AuditAction::Hold, Some(reason)).await
}

/// Who the audit log names for what Chime does by itself; no moderator's
/// name can look like it (names are letters, digits, `-`, `_` and `.`).
pub const AUTOMATIC: &str = "(automatic)";

/// Moves a comment as `action` says, audited, and tells readers and
/// moderators; false when its state does not allow the act.
pub async fn apply(
    state: &AppState,
    moderator: &str,
    current: &CommentRecord,
    action: AuditAction,
    reason: Option<String>,
) -> Outcome<bool> {
    let (from, to, change) = transition(action);
    if !from.contains(&current.state) {
        return Ok(false);
    }
    let Some(changed) = state
        .store
        .set_state(
            current.id,
            to,
            reason.as_deref(),
            Some(AuditNote {
                moderator: moderator.to_owned(),
                action,
                reason: reason.clone(),
            }),
            state.now_ms(),
        )
        .await?
    else {
        return Ok(false);
    };
    counted(state, moderator, action, current.id);
    if changed.after.state == CommentState::Visible {
        state.publish(
            &changed.after.article,
            LiveEvent::CommentRestored(for_reader(&changed.after, None, Vec::new())),
        );
    } else {
        // Readers who saw it drop it; its author stops seeing it pending.
        publish_removed(state, &changed.after);
    }
    announce(state, current.id, change).await;
    Ok(true)
}

/// Tells an article's readers that a comment left their view.
pub fn publish_removed(state: &AppState, record: &CommentRecord) {
    state.publish(
        &record.article,
        LiveEvent::CommentRemoved(CommentRemoved {
            id: comment_id(record.id),
            article: for_reader(record, None, Vec::new()).article,
            parent_id: record.parent_id.map(comment_id),
            state: record.state,
            reply_count: u64::try_from(record.visible_descendants).unwrap_or(0),
        }),
    );
}
