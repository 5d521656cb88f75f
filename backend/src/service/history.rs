//! A reader's history, for moderators deciding what to do about them:
//! how their comments fared, what was reported, who else posts from their
//! address (a count, never the address), and moderators' private notes.
//! Their comments themselves are the moderation listing, filtered by
//! author.

use super::Outcome;
use super::admin::Actor;
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::{Keyset, ModQuery, NoteRecord, SanctionRecord};
use chime_shared::{
    AuditAction, CommentCounts, CommentState, ModStateFilter, NewNote, NewSanction, Note,
    ParseError, ReaderAccount, ReaderKey, ReaderNote, ReaderProfile, Sanction, SanctionKind,
};

/// How far back other readers at the same address are counted; addresses
/// of older comments are forgotten.
pub const ADDRESS_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

/// Notes shown with a history.
const NOTES_SHOWN: u32 = 100;

/// What moderators see of one reader.
pub async fn profile(state: &AppState, reader: &ReaderKey) -> Outcome<ReaderProfile> {
    let store = &state.store;
    let stats = store.reader_stats(reader.as_str()).await?;
    let account = match stats.account {
        Some(id) => store.account(id).await?,
        None => None,
    };
    let readers_at_same_address = match account {
        Some(_) => None,
        None => Some(
            store
                .readers_at_same_address(reader.as_str(), state.now_ms() - ADDRESS_WINDOW_MS)
                .await?,
        ),
    };
    let notes = store.notes(reader.as_str(), NOTES_SHOWN).await?;
    let sanctions = sanctions(state, reader).await?;
    Ok(ReaderProfile {
        reader: reader.as_str().to_owned(),
        name: stats.name,
        account: account.map(|a| ReaderAccount {
            site_id: a.site_id,
            name: a.name,
            badges: a.badges,
        }),
        comments: CommentCounts {
            total: stats.visible + stats.pending + stats.hidden + stats.deleted,
            visible: stats.visible,
            pending: stats.pending,
            hidden: stats.hidden,
            deleted: stats.deleted,
        },
        first_seen: stats.first_at.map(from_millis),
        last_seen: stats.last_at.map(from_millis),
        reports_against: stats.reports_against,
        reports_by: stats.reports_by,
        readers_at_same_address,
        notes: notes.into_iter().map(note_of).collect(),
        sanctions,
    })
}

fn note_of(record: NoteRecord) -> ReaderNote {
    ReaderNote {
        at: from_millis(record.at),
        moderator: record.moderator,
        body: record.body,
    }
}

/// Adds a moderator's private note on a reader (1 to 500 characters).
pub async fn add_note(
    state: &AppState,
    moderator: &str,
    reader: &ReaderKey,
    note: NewNote,
) -> Outcome<ReaderNote> {
    let body = Note::parse_optional("body", Some(&note.body))?
        .ok_or_else(|| ParseError::new("body", "Write the note first."))?;
    let record = NoteRecord {
        at: state.now_ms(),
        moderator: moderator.to_owned(),
        body: body.as_str().to_owned(),
    };
    state.store.add_note(reader.as_str(), &record).await?;
    Ok(note_of(record))
}

/// Sanctions a reader: by their key, their site account (signed in) and,
/// for the sanction's time, the address they last posted from. With
/// `hide_all`, everything they wrote is hidden in the same act (readers'
/// open pages drop it at once). Audited.
pub async fn sanction(
    state: &AppState,
    moderator: &str,
    reader: &ReaderKey,
    request: NewSanction,
) -> Outcome<Sanction> {
    let now = state.now_ms();
    let until = request.until.map(crate::clock::to_millis);
    let until = match (request.kind, until) {
        (SanctionKind::Ban, Some(_)) => {
            return Err(ParseError::new("until", "A ban is for good: leave out `until`.").into());
        }
        (SanctionKind::Suspend, None) => {
            return Err(ParseError::new("until", "Say until when the suspension lasts.").into());
        }
        (_, Some(at)) if at <= now => {
            return Err(ParseError::new("until", "The end must be in the future.").into());
        }
        (_, until) => until,
    };
    let reason =
        Note::parse_optional("reason", request.reason.as_deref())?.map(|n| n.as_str().to_owned());
    let stats = state.store.reader_stats(reader.as_str()).await?;
    let record = SanctionRecord {
        id: 0,
        reader: reader.as_str().to_owned(),
        account_id: stats.account,
        // An anonymous reader makes a new key at will, and a signed-in one
        // may sign out: the address they last wrote from is held to the
        // sanction too, for anonymous writers there.
        address: state.store.latest_address(reader.as_str()).await?,
        kind: request.kind,
        at: now,
        moderator: moderator.to_owned(),
        // An address changes hands (a phone's carrier, an office): it is
        // held for the sanction's time, 30 days at most, then forgotten.
        address_until: Some(
            until.map_or(now + ADDRESS_WINDOW_MS, |u| u.min(now + ADDRESS_WINDOW_MS)),
        ),
        until,
        reason: reason.clone(),
        lifted_at: None,
        lifted_by: None,
    };
    let by = Actor {
        name: moderator,
        at: now,
    };
    let audit = by.audit(
        match request.kind {
            SanctionKind::Ban => AuditAction::Ban,
            SanctionKind::Suspend => AuditAction::Suspend,
            SanctionKind::Hold => AuditAction::AlwaysHold,
        },
        Some(reader.as_str()),
    );
    let id = state.store.add_sanction(&record, &audit).await?;
    tracing::info!(
        moderator,
        reader = reader.as_str(),
        kind = request.kind.as_str(),
        "sanction"
    );
    if request.hide_all {
        hide_everything(state, moderator, reader, reason).await?;
    }
    Ok(sanction_of(SanctionRecord { id, ..record }, now))
}

/// Hides every comment of a reader that readers or moderators still see,
/// page by page from the newest.
async fn hide_everything(
    state: &AppState,
    moderator: &str,
    reader: &ReaderKey,
    reason: Option<String>,
) -> Outcome<()> {
    const PAGE: u32 = 200;
    let reason = reason.or_else(|| Some("Hidden with everything by this reader.".to_owned()));
    let mut after = None;
    loop {
        let page = state
            .store
            .mod_comments(&ModQuery {
                state: ModStateFilter::All,
                only: None,
                article: None,
                author: Some(reader.as_str().to_owned()),
                words: Vec::new(),
                after,
                limit: PAGE,
            })
            .await?;
        for row in &page {
            if matches!(
                row.comment.state,
                CommentState::Visible | CommentState::Pending
            ) {
                super::lifecycle::apply(
                    state,
                    moderator,
                    &row.comment,
                    AuditAction::Hide,
                    reason.clone(),
                )
                .await?;
            }
        }
        let Some(last) = page.last() else {
            return Ok(());
        };
        if page.len() < PAGE as usize {
            return Ok(());
        }
        after = Some(Keyset {
            score: 0,
            created_at: last.comment.created_at,
            id: last.comment.id,
        });
    }
}

/// Lifts a sanction (audited).
pub async fn lift(state: &AppState, moderator: &str, reader: &ReaderKey, id: &str) -> Outcome<()> {
    let id = id
        .parse::<i64>()
        .map_err(|_| super::Error::NoSuchSanction)?;
    let by = Actor {
        name: moderator,
        at: state.now_ms(),
    };
    let audit = by.audit(AuditAction::Lift, Some(reader.as_str()));
    if state
        .store
        .lift_sanction(id, reader.as_str(), &audit)
        .await?
    {
        Ok(())
    } else {
        Err(super::Error::NoSuchSanction)
    }
}

/// A reader's sanctions, as moderators see them.
pub async fn sanctions(state: &AppState, reader: &ReaderKey) -> Outcome<Vec<Sanction>> {
    let now = state.now_ms();
    Ok(state
        .store
        .sanctions(reader.as_str())
        .await?
        .into_iter()
        .map(|r| sanction_of(r, now))
        .collect())
}

fn sanction_of(record: SanctionRecord, now: i64) -> Sanction {
    Sanction {
        id: record.id.to_string(),
        kind: record.kind,
        at: from_millis(record.at),
        moderator: record.moderator,
        until: record.until.map(from_millis),
        reason: record.reason,
        active: record.lifted_at.is_none() && record.until.is_none_or(|u| u > now),
        lifted_at: record.lifted_at.map(from_millis),
        lifted_by: record.lifted_by,
    }
}

/// What a reader may do now, as their sanctions say: refused when banned
/// or suspended; `true` when their comments must wait for review.
pub async fn check(
    state: &AppState,
    reader: &str,
    account: Option<i64>,
    address: Option<&str>,
) -> Outcome<bool> {
    let now = state.now_ms();
    let found = state
        .store
        .sanctions_in_force(reader, account, address, now)
        .await?;
    if found.iter().any(|s| s.kind == SanctionKind::Ban) {
        return Err(super::Error::Banned);
    }
    if let Some(until) = found
        .iter()
        .filter(|s| s.kind == SanctionKind::Suspend)
        .filter_map(|s| s.until)
        .max()
    {
        return Err(super::Error::Suspended { until });
    }
    Ok(found.iter().any(|s| s.kind == SanctionKind::Hold))
}
