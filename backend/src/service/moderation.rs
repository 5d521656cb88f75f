//! Moderation: sign-in, the cross-article listing, hide and restore,
//! approve and reject, with an audit trail.

use super::auth::{random_token, token_hash, verify_password};
use super::cursor::{self, Listing};
use super::lifecycle::{announce, apply, counted, fetch, transition};
use super::{Error, Outcome};
use crate::clock::{from_millis, to_millis};
use crate::state::AppState;
use crate::store::{AuditNote, CommentRecord, Keyset, ModQuery, ModeratorRecord};
use crate::view::{StoredId, comment_id, for_reader, mod_comment};
use chime_shared::{
    ArticleId, AuditAction, AuditEntry, AuditList, CommentState, HideRequest, LiveEvent,
    LoginRequest, ModChange, ModComment, ModCommentList, ModStateFilter, Note, PageLimit, Role,
};

/// A signed-in moderator, as the guard hands it to handlers.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

impl From<ModeratorRecord> for Moderator {
    fn from(record: ModeratorRecord) -> Self {
        Self {
            id: record.id,
            username: record.username,
            role: record.role,
        }
    }
}

/// Checks credentials and starts a session; returns the cookie's token and
/// the moderator's password hash as stored (device cookies are tied to
/// it). The error never says which half was wrong.
pub async fn sign_in(state: &AppState, request: LoginRequest) -> Outcome<(String, String)> {
    if request.username.len() > 100 || request.password.len() > 1024 {
        return Err(Error::WrongCredentials);
    }
    let record = state.store.moderator(&request.username).await?;
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    if !verify_password(request.password, stored).await? {
        return Err(Error::WrongCredentials);
    }
    let record = record.ok_or(Error::WrongCredentials)?;
    let token = random_token();
    let now = state.now_ms();
    let ttl = i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX);
    state
        .store
        .create_session(&token_hash(&token), record.id, now, now.saturating_add(ttl))
        .await?;
    tracing::info!(moderator = %record.username, "moderator signed in");
    Ok((token, record.password_hash))
}

/// The moderator of a session token, if it is live.
pub async fn session(state: &AppState, token: &str) -> Outcome<Option<Moderator>> {
    Ok(state
        .store
        .session(&token_hash(token), state.now_ms())
        .await?
        .map(Moderator::from))
}

/// Ends a session.
pub async fn sign_out(state: &AppState, token: &str) -> Outcome<()> {
    state.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// What the moderation listing asks for.
#[derive(Debug, Clone, Default)]
pub struct ModListRequest {
    pub state: ModStateFilter,
    pub article: Option<ArticleId>,
    /// Just one reader's comments (their history).
    pub author: Option<chime_shared::ReaderKey>,
    pub q: Option<String>,
    pub limit: PageLimit,
    pub cursor: Option<String>,
}

/// Comments across all articles, newest first (the reported queue: most
/// reports first).
pub async fn list(state: &AppState, request: ModListRequest) -> Outcome<ModCommentList> {
    let listing = if request.state == ModStateFilter::Reported {
        Listing::ModerationReported
    } else {
        Listing::Moderation
    };
    let after = cursor::decode(listing, request.cursor.as_deref())?;
    let words: Vec<String> = request
        .q
        .as_deref()
        .unwrap_or("")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(10)
        .map(str::to_owned)
        .collect();
    let limit = request.limit.get();
    let records = state
        .store
        .mod_comments(&ModQuery {
            state: request.state,
            only: None,
            article: request.article.map(String::from),
            author: request.author.map(|a| a.as_str().to_owned()),
            words,
            after,
            limit: limit + 1,
        })
        .await?;
    let has_more = records.len() > limit as usize;
    let page = &records[..records.len().min(limit as usize)];
    let next_cursor = match page.last() {
        Some(last) if has_more => Some(cursor::encode(
            listing,
            Keyset {
                score: last.comment.report_count,
                created_at: last.comment.created_at,
                id: last.comment.id,
            },
        )),
        _ => None,
    };
    Ok(ModCommentList {
        comments: page.iter().map(mod_comment).collect(),
        next_cursor,
    })
}

/// A moderator's act on a comment: hide (readers lose it at once) or
/// restore it, approve or reject one held for review; with the reason given,
/// for the audit log.
pub async fn act(
    state: &AppState,
    moderator: &Moderator,
    id: StoredId,
    action: AuditAction,
    body: HideRequest,
) -> Outcome<ModComment> {
    if action == AuditAction::Hold {
        return Err(Error::HoldIsAutomatic);
    }
    let reason = Note::parse_optional("reason", body.reason.as_deref())?;
    let seen_edit = body.edit_at.map(to_millis);
    change_state(
        state,
        moderator,
        id,
        action,
        reason.as_ref().map(|n| n.as_str().to_owned()),
        seen_edit,
    )
    .await
}

async fn change_state(
    state: &AppState,
    moderator: &Moderator,
    id: StoredId,
    action: AuditAction,
    reason: Option<String>,
    seen_edit: Option<i64>,
) -> Outcome<ModComment> {
    let id = id.get();
    let current = state.store.comment(id).await?.ok_or(Error::NoSuchComment)?;
    let (_, to, _) = transition(action);
    if current.state == CommentState::Deleted {
        return Err(Error::DeletedByAuthor);
    }
    if matches!(action, AuditAction::Approve | AuditAction::Reject) && current.proposed.is_some() {
        settle(
            state,
            &moderator.username,
            &current,
            action,
            reason,
            seen_edit,
        )
        .await?;
        return fetch(state, id).await?.ok_or(Error::NoSuchComment);
    }
    // Hiding a hidden comment (or restoring a visible one) is already done.
    if current.state != to {
        if !apply(state, &moderator.username, &current, action, reason).await? {
            return Err(match action {
                AuditAction::Approve | AuditAction::Reject => Error::NotAwaitingReview,
                _ => Error::NoSuchChange,
            });
        }
    } else {
        announce(state, id, transition(action).2).await;
    }
    fetch(state, id).await?.ok_or(Error::NoSuchComment)
}

/// Approves or rejects a comment whose author's edit waits for review. On a
/// shown comment only the edit is judged: approved, readers get the new
/// words at once; rejected, they keep the old ones. On a held comment the
/// edit goes with it: approved, readers get the comment with the new
/// words; rejected, it is hidden and the edit dropped. Approving names the
/// edit the moderator saw (`seen_edit`, its time): an edit made since is
/// never approved unseen.
async fn settle(
    state: &AppState,
    moderator: &str,
    current: &CommentRecord,
    action: AuditAction,
    reason: Option<String>,
    seen_edit: Option<i64>,
) -> Outcome<()> {
    let accept = action == AuditAction::Approve;
    let gone = || Error::NotAwaitingReview;
    let changed = || Error::EditChanged;
    let waiting_at = current.proposed.as_ref().map(|e| e.at);
    if accept && (seen_edit.is_none() || seen_edit != waiting_at) {
        return Err(changed());
    }
    let expected = if accept { seen_edit } else { None };
    let now = state.now_ms();
    if current.state == CommentState::Pending {
        if accept {
            state
                .store
                .settle_edit(current.id, true, expected, None, now)
                .await?
                .ok_or_else(changed)?;
        }
        let current = state.store.comment(current.id).await?.ok_or_else(gone)?;
        if !apply(state, moderator, &current, action, reason).await? {
            return Err(gone());
        }
        if !accept {
            state
                .store
                .settle_edit(current.id, false, None, None, now)
                .await?;
        }
        return Ok(());
    }
    let note = AuditNote {
        moderator: moderator.to_owned(),
        action,
        reason,
    };
    let after = state
        .store
        .settle_edit(current.id, accept, expected, Some(note), now)
        .await?
        .ok_or_else(if accept { changed } else { gone })?;
    counted(state, moderator, action, current.id);
    // Readers get the words now shown (the same ones, after a rejection:
    // then it is its author's widget that drops the edit it showed).
    if after.state == CommentState::Visible {
        state.publish(
            &after.article,
            LiveEvent::CommentUpdated(for_reader(&after, None, Vec::new())),
        );
    } else {
        state.invalidate(&after.article);
    }
    let change = if accept {
        ModChange::Approved
    } else {
        ModChange::Rejected
    };
    announce(state, current.id, change).await;
    Ok(())
}

/// Settings as an audit entry keeps them.
fn settings_of(json: Option<&str>) -> Option<chime_shared::ScreeningSettings> {
    serde_json::from_str(json?).ok()
}

/// The audit log, newest first.
pub async fn audit(
    state: &AppState,
    limit: PageLimit,
    raw_cursor: Option<String>,
) -> Outcome<AuditList> {
    let before = cursor::decode(Listing::Audit, raw_cursor.as_deref())?.map(|k| k.id);
    let limit = limit.get();
    let records = state.store.audit(before, limit + 1).await?;
    let has_more = records.len() > limit as usize;
    let page = &records[..records.len().min(limit as usize)];
    let next_cursor = match page.last() {
        Some(last) if has_more => Some(cursor::encode(
            Listing::Audit,
            Keyset {
                score: 0,
                created_at: last.at,
                id: last.id,
            },
        )),
        _ => None,
    };
    Ok(AuditList {
        entries: page
            .iter()
            .map(|r| AuditEntry {
                at: from_millis(r.at),
                moderator: r.moderator.clone(),
                action: r.action,
                comment_id: r.comment_id.map(comment_id),
                reason: r.reason.clone(),
                subject: r.subject.clone(),
                before: settings_of(r.settings_before.as_deref()),
                after: settings_of(r.settings_after.as_deref()),
            })
            .collect(),
        next_cursor,
    })
}
