//! Moderation: sign-in, the cross-article listing, hide and restore,
//! approve and reject, with an audit trail, and managing moderators.

use super::auth::{hash_password_blocking, random_token, token_hash, verify_password};
use super::comments::publish_removed;
use super::cursor::{self, Listing};
use super::view::{comment_id, for_moderator, for_reader, stored_id};
use crate::clock::{from_millis, to_millis};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{
    AuditNote, CommentRecord, CommentStore, Keyset, ModQuery, ModRecord, ModeratorRecord,
    StoreError,
};
use chime_shared::{
    ArticleId, ArticleModeration, AuditAction, AuditEntry, AuditList, CommentState, HideRequest,
    LiveEvent, LoginRequest, ModChange, ModComment, ModCommentList, ModEvent, ModStateFilter, Note,
    PageLimit, ReportSummary, Role, WaitingEdit,
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
pub async fn sign_in(state: &AppState, request: LoginRequest) -> ApiResult<(String, String)> {
    if request.username.len() > 100 || request.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    let record = state.store.moderator(&request.username).await?;
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    if !verify_password(request.password, stored).await? {
        return Err(wrong_credentials());
    }
    let record = record.ok_or_else(wrong_credentials)?;
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

fn wrong_credentials() -> ApiError {
    ApiError::new(
        chime_shared::ErrorCode::Unauthenticated,
        "That user name and password do not match.",
    )
}

/// The moderator of a session token, if it is live.
pub async fn session(state: &AppState, token: &str) -> ApiResult<Option<Moderator>> {
    Ok(state
        .store
        .session(&token_hash(token), state.now_ms())
        .await?
        .map(Moderator::from))
}

/// Ends a session.
pub async fn sign_out(state: &AppState, token: &str) -> ApiResult<()> {
    state.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// What the moderation listing asks for.
#[derive(Debug, Clone, Default)]
pub struct ModListRequest {
    pub state: ModStateFilter,
    pub article: Option<ArticleId>,
    pub q: Option<String>,
    pub limit: PageLimit,
    pub cursor: Option<String>,
}

/// Comments across all articles, newest first (the reported queue: most
/// reports first).
pub async fn list(state: &AppState, request: ModListRequest) -> ApiResult<ModCommentList> {
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

/// The longest reply context shown, in characters.
const EXCERPT_CHARS: usize = 120;

/// The first non-empty line of a body, shortened.
fn excerpt(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() > EXCERPT_CHARS {
        let cut: String = line.chars().take(EXCERPT_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    }
}

pub fn mod_comment(record: &ModRecord) -> ModComment {
    ModComment {
        comment: for_moderator(&record.comment),
        reports: ReportSummary {
            count: u64::try_from(record.comment.report_count).unwrap_or(0),
            reasons: record.reports.iter().copied().collect(),
        },
        hidden_reason: record.comment.hidden_reason.clone(),
        parent_excerpt: record.parent_body.as_deref().map(excerpt),
        edit: record.comment.proposed.as_ref().map(|e| WaitingEdit {
            body: e.body.clone(),
            html: e.html.clone(),
            at: from_millis(e.at),
        }),
    }
}

/// One comment as moderators see it.
async fn fetch(state: &AppState, id: i64) -> ApiResult<Option<ModComment>> {
    let records = state
        .store
        .mod_comments(&ModQuery {
            state: ModStateFilter::All,
            only: Some(id),
            article: None,
            words: Vec::new(),
            after: None,
            limit: 1,
        })
        .await?;
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

/// A moderator's act on a comment: hide (readers lose it at once) or
/// restore it, approve or reject one held for review; with the reason given,
/// for the audit log.
pub async fn act(
    state: &AppState,
    moderator: &Moderator,
    raw_id: &str,
    action: AuditAction,
    body: HideRequest,
) -> ApiResult<ModComment> {
    if action == AuditAction::Hold {
        return Err(ApiError::bad_request(
            "Comments are held by Chime itself, not by moderators.",
        ));
    }
    let reason = Note::parse_optional("reason", body.reason.as_deref())?;
    let seen_edit = body.edit_at.map(to_millis);
    change_state(
        state,
        moderator,
        raw_id,
        action,
        reason.as_ref().map(|n| n.as_str().to_owned()),
        seen_edit,
    )
    .await
}

/// What a moderation act does: the states it applies to, the state it
/// leaves, and what the moderators' stream is told.
fn transition(action: AuditAction) -> (&'static [CommentState], CommentState, ModChange) {
    use CommentState::{Hidden, Pending, Visible};
    match action {
        AuditAction::Hide => (&[Visible, Pending], Hidden, ModChange::Hidden),
        AuditAction::Unhide => (&[Hidden, Pending], Visible, ModChange::Unhidden),
        AuditAction::Approve => (&[Pending], Visible, ModChange::Approved),
        AuditAction::Reject => (&[Pending], Hidden, ModChange::Rejected),
        AuditAction::Hold => (&[Visible], Pending, ModChange::Held),
    }
}

async fn change_state(
    state: &AppState,
    moderator: &Moderator,
    raw_id: &str,
    action: AuditAction,
    reason: Option<String>,
    seen_edit: Option<i64>,
) -> ApiResult<ModComment> {
    let not_found = || ApiError::not_found("There is no such comment.");
    let id = stored_id(raw_id).ok_or_else(not_found)?;
    let current = state.store.comment(id).await?.ok_or_else(not_found)?;
    let (_, to, _) = transition(action);
    if current.state == CommentState::Deleted {
        return Err(ApiError::conflict("Its author deleted this comment."));
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
        return fetch(state, id).await?.ok_or_else(not_found);
    }
    // Hiding a hidden comment (or restoring a visible one) is already done.
    if current.state != to {
        if !apply(state, &moderator.username, &current, action, reason).await? {
            return Err(ApiError::conflict(match action {
                AuditAction::Approve | AuditAction::Reject => {
                    "This comment is not waiting for review."
                }
                _ => "This comment cannot be changed that way.",
            }));
        }
    } else {
        announce(state, id, transition(action).2).await;
    }
    fetch(state, id).await?.ok_or_else(not_found)
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
) -> ApiResult<()> {
    let accept = action == AuditAction::Approve;
    let gone = || ApiError::conflict("This comment is not waiting for review.");
    let changed = || {
        ApiError::conflict(
            "Its author changed the edit since you looked at it (or the request did not say \
             which edit you saw): look at it again.",
        )
    };
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

/// Counts and logs a moderation act.
fn counted(state: &AppState, moderator: &str, action: AuditAction, comment: i64) {
    state.metrics.moderation_actions.inc();
    tracing::info!(moderator, action = action.as_str(), comment, "moderation");
}

/// Holds a visible comment for review on Chime's own account (reports);
/// false when it was not visible any more.
pub async fn hold(state: &AppState, record: &CommentRecord, reason: String) -> ApiResult<bool> {
    apply(state, AUTOMATIC, record, AuditAction::Hold, Some(reason)).await
}

/// Who the audit log names for what Chime does by itself; no moderator's
/// name can look like it (names are letters, digits, `-`, `_` and `.`).
pub const AUTOMATIC: &str = "(automatic)";

/// Moves a comment as `action` says, audited, and tells readers and
/// moderators; false when its state does not allow the act.
async fn apply(
    state: &AppState,
    moderator: &str,
    current: &CommentRecord,
    action: AuditAction,
    reason: Option<String>,
) -> ApiResult<bool> {
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

/// How an article is moderated.
pub async fn article(state: &AppState, article: &ArticleId) -> ApiResult<ArticleModeration> {
    Ok(ArticleModeration {
        premoderate: state.store.article_premoderated(article.as_str()).await?,
    })
}

/// Turns an article's pre-moderation on or off: from now on its new
/// comments wait for a moderator (those already shown stay).
pub async fn set_article(
    state: &AppState,
    moderator: &Moderator,
    article: &ArticleId,
    settings: ArticleModeration,
) -> ApiResult<ArticleModeration> {
    state
        .store
        .set_article_premoderated(article.as_str(), settings.premoderate, state.now_ms())
        .await?;
    tracing::info!(moderator = %moderator.username, article = article.as_str(), premoderate = settings.premoderate, "article moderation");
    Ok(settings)
}

/// The audit log, newest first.
pub async fn audit(
    state: &AppState,
    limit: PageLimit,
    raw_cursor: Option<String>,
) -> ApiResult<AuditList> {
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
                comment_id: comment_id(r.comment_id),
                reason: r.reason.clone(),
            })
            .collect(),
        next_cursor,
    })
}

/// Why a moderator could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ModeratorError {
    #[error("a moderator name is 1 to 50 letters, digits, '.', '-' or '_'")]
    BadName,
    #[error("a password needs at least 10 characters")]
    WeakPassword,
    #[error("there is already a moderator called {0}")]
    Taken(String),
    #[error("there is no moderator called {0}")]
    Unknown(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Hash(String),
}

fn check_name(name: &str) -> Result<(), ModeratorError> {
    let ok = !name.is_empty()
        && name.len() <= 50
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(ModeratorError::BadName)
    }
}

async fn hash_checked(password: String) -> Result<String, ModeratorError> {
    if password.chars().count() < 10 {
        return Err(ModeratorError::WeakPassword);
    }
    hash_password_blocking(password)
        .await
        .map_err(|e| ModeratorError::Hash(e.to_string()))
}

/// Adds a moderator.
pub async fn add_moderator(
    store: &dyn CommentStore,
    name: &str,
    password: String,
    role: Role,
    now: i64,
) -> Result<(), ModeratorError> {
    check_name(name)?;
    let hash = hash_checked(password).await?;
    if store.add_moderator(name, &hash, role, now).await? {
        Ok(())
    } else {
        Err(ModeratorError::Taken(name.to_owned()))
    }
}

/// Sets a moderator's password and signs them out everywhere.
pub async fn set_password(
    store: &dyn CommentStore,
    name: &str,
    password: String,
) -> Result<(), ModeratorError> {
    let hash = hash_checked(password).await?;
    if store.set_moderator_password(name, &hash).await? {
        Ok(())
    } else {
        Err(ModeratorError::Unknown(name.to_owned()))
    }
}

/// On a store with no moderator, makes `admin` with a random password and
/// returns the password (to be printed once).
pub async fn bootstrap_admin(
    store: &dyn CommentStore,
    now: i64,
) -> Result<Option<String>, ModeratorError> {
    if !store.moderators().await?.is_empty() {
        return Ok(None);
    }
    let password = super::auth::random_password();
    match add_moderator(store, "admin", password.clone(), Role::Admin, now).await {
        Ok(()) => Ok(Some(password)),
        // Another server sharing the database made it first.
        Err(ModeratorError::Taken(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
