//! A reader's history, for moderators deciding what to do about them:
//! how their comments fared, what was reported, who else posts from their
//! address (a count, never the address), and moderators' private notes.
//! Their comments themselves are the moderation listing, filtered by
//! author.

use super::Outcome;
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::NoteRecord;
use chime_shared::{
    CommentCounts, NewNote, Note, ParseError, ReaderAccount, ReaderKey, ReaderNote, ReaderProfile,
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
