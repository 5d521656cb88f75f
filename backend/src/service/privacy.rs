//! A reader's data, on their request: everything Chime holds about them,
//! to download, and its erasure. A reader asks for their own (by their
//! device's token, or as the site's signed-in user); an admin asks for a
//! reader who asked the site. Erasure keeps every count right, leaves a
//! "deleted" tombstone where others replied, and is audited with counts,
//! never the erased words. Moderators' notes and sanctions stay: they are
//! the site's record of what it decided.

use super::Outcome;
use super::admin::Actor;
use super::history;
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::{AccountRecord, AdminAudit, CommentRecord, Erasure};
use crate::view::comment_id;
use chime_shared::{
    AccountData, ArticleId, AuditAction, DataComment, DataReaction, DataReport, Erased, LiveEvent,
    ReaderData, ReaderKey, Resync,
};

/// Who the audit log names when a reader erased their own data.
pub const READER: &str = "(the reader)";

/// Moderators' notes included (all of them, in practice).
const NOTES: u32 = 10_000;

fn article(raw: &str) -> Option<ArticleId> {
    ArticleId::parse(raw).ok()
}

fn comment(record: &CommentRecord) -> Option<DataComment> {
    Some(DataComment {
        id: comment_id(record.id),
        article: article(&record.article)?,
        parent_id: record.parent_id.map(comment_id),
        author_name: record.author_name.clone(),
        body: record.body.clone(),
        created_at: from_millis(record.created_at),
        edited_at: record.edited_at.map(from_millis),
        state: record.state,
        edit_waiting: record.proposed.as_ref().map(|e| e.body.clone()),
    })
}

/// The site's account a reader key is: by the key itself, or, for an
/// account not signed in since the key was kept, by their comments.
async fn account_of(state: &AppState, reader: &ReaderKey) -> Outcome<Option<AccountRecord>> {
    let store = &state.store;
    if let Some(account) = store.account_of_reader(reader.as_str()).await? {
        return Ok(Some(account));
    }
    Ok(match store.reader_stats(reader.as_str()).await?.account {
        Some(id) => store.account(id).await?,
        None => None,
    })
}

/// Everything Chime holds about `reader` (and the site's `account` of
/// them, for a signed-in reader).
pub async fn data(
    state: &AppState,
    reader: &ReaderKey,
    account: Option<AccountRecord>,
) -> Outcome<ReaderData> {
    let store = &state.store;
    let records = store.reader_data(reader.as_str()).await?;
    let account = match account {
        Some(account) => Some(account),
        None => account_of(state, reader).await?,
    };
    Ok(ReaderData {
        reader: reader.as_str().to_owned(),
        generated_at: state.clock.now(),
        account: account.map(|a| AccountData {
            site_id: a.site_id,
            name: a.name,
            email: a.email,
            badges: a.badges,
            url: a.url,
        }),
        comments: records.comments.iter().filter_map(comment).collect(),
        reactions: records
            .reactions
            .into_iter()
            .filter_map(|r| {
                Some(DataReaction {
                    article: article(&r.article)?,
                    comment_id: r.comment_id.map(comment_id),
                    kind: r.kind,
                    at: from_millis(r.at),
                })
            })
            .collect(),
        reports: records
            .reports
            .into_iter()
            .map(|r| DataReport {
                comment_id: comment_id(r.comment_id),
                reason: r.reason,
                note: r.note,
                at: from_millis(r.at),
            })
            .collect(),
        notes: store
            .notes(reader.as_str(), NOTES)
            .await?
            .into_iter()
            .map(|n| chime_shared::ReaderNote {
                at: from_millis(n.at),
                moderator: n.moderator,
                body: n.body,
            })
            .collect(),
        sanctions: history::sanctions(state, reader).await?,
        reply_emails: store
            .outbox()
            .subscriptions_of(reader.as_str())
            .await?
            .into_iter()
            .map(|s| chime_shared::DataReplyEmails {
                comment_id: comment_id(s.comment_id),
                email: s.email,
                page_url: s.page_url,
                locale: s.locale,
                confirmed: s.confirmed_at.is_some(),
            })
            .collect(),
    })
}

/// Erases what `reader` wrote and did, as `by` asked (an admin's name, or
/// `READER`); readers on the pages it touched read them again.
pub async fn erase(
    state: &AppState,
    reader: &ReaderKey,
    account: Option<i64>,
    by: &str,
) -> Outcome<Erased> {
    let account = match account {
        Some(id) => Some(id),
        None => account_of(state, reader).await?.map(|a| a.id),
    };
    let now = state.now_ms();
    let key = reader.as_str().to_owned();
    let by = by.to_owned();
    // Counted from what went, never the words.
    let audit = move |erased: &Erasure| AdminAudit {
        reason: Some(format!(
            "{} comments, {} reactions, {} reports",
            erased.removed.len() + erased.emptied.len(),
            erased.reactions,
            erased.reports
        )),
        ..Actor { name: &by, at: now }.audit(AuditAction::Erase, Some(&key))
    };
    let erasure = state
        .store
        .erase_reader(reader.as_str(), account, &audit)
        .await?;
    for key in &erasure.articles {
        if let Some(article) = article(key) {
            state.publish(key, LiveEvent::Resync(Resync { article }));
        }
    }
    tracing::info!(
        reader = reader.as_str(),
        removed = erasure.removed.len(),
        emptied = erasure.emptied.len(),
        reactions = erasure.reactions,
        reports = erasure.reports,
        "a reader's data erased"
    );
    Ok(Erased {
        comments_removed: u64::try_from(erasure.removed.len()).unwrap_or(u64::MAX),
        comments_emptied: u64::try_from(erasure.emptied.len()).unwrap_or(u64::MAX),
        reactions: erasure.reactions,
        reports: erasure.reports,
    })
}
