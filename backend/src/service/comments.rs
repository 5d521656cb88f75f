//! Listing, posting, editing and deleting comments, and reader reports.

use super::cursor::{self, Listing};
use super::lifecycle::{self, announce};
use super::sso::Act;
use super::{Error, Outcome};
use crate::live::page_cache::{Page, PageKey, Stake};
use crate::prepared::Prepared;
use crate::service::render::{links, render};
use crate::service::screening::{Post, Premoderation};
use crate::state::AppState;
use crate::store::{
    ArticleRecord, CommentRecord, Conflict, EditMode, Keyset, NewCommentRecord, ReaderHash,
    StoreError,
};
use crate::view::{StoredId, for_reader};
use chime_shared::{
    ArticleId, AuthorName, Comment, CommentBody, CommentId, CommentList, CommentState, Cursor,
    EditComment, IdempotencyKey, LiveEvent, ModChange, NewComment, NewReport, Note, PageLimit,
    ReactionKind, ReportReason, SortOrder,
};
use std::collections::HashMap;
use std::sync::Arc;

/// What a thread listing asks for.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub sort: SortOrder,
    pub limit: PageLimit,
    pub cursor: Option<String>,
}

/// Reactions kept per first page before readers' marks are left to the
/// store (a page of very popular comments).
const KEPT_REACTIONS: usize = 20_000;

/// Replies a listing shows per thread; the rest come from
/// `GET /comments/{id}/replies`. A thread of 1,200 replies of 5,000
/// characters is then ~100 KB of a first page, not 12 MB.
pub const REPLIES_PER_THREAD: u32 = 10;

/// Each thread's first `REPLIES_PER_THREAD` replies of those the store
/// read (one more per thread, oldest first), and where each thread with
/// more goes on.
fn first_replies(read: Vec<CommentRecord>) -> (Vec<CommentRecord>, HashMap<i64, Cursor>) {
    let mut shown: HashMap<i64, u32> = HashMap::new();
    let mut more = HashMap::new();
    let mut kept = Vec::with_capacity(read.len());
    for reply in read {
        let n = shown.entry(reply.root_id).or_default();
        if *n < REPLIES_PER_THREAD {
            *n += 1;
            kept.push(reply);
        } else if !more.contains_key(&reply.root_id)
            && let Some(last) = kept.iter().rev().find(|r| r.root_id == reply.root_id)
        {
            more.insert(reply.root_id, replies_cursor(last));
        }
    }
    (kept, more)
}

/// The cursor that continues a thread's replies after `last`.
fn replies_cursor(last: &CommentRecord) -> Cursor {
    cursor::encode(
        Listing::Replies,
        Keyset {
            score: 0,
            created_at: last.created_at,
            id: last.id,
        },
    )
}

/// One page of an article's thread, replies nested under their parents, as
/// JSON ready to send. First pages come from the page cache when they can.
pub async fn list(
    state: &AppState,
    article: &ArticleId,
    request: ListRequest,
    reader: Option<&ReaderHash>,
) -> Outcome<Prepared> {
    let after = cursor::decode(Listing::Thread(request.sort), request.cursor.as_deref())?;
    let limit = request.limit.get();
    if after.is_none() {
        let key = PageKey {
            sort: request.sort,
            limit,
        };
        let page = match state.pages.get(article.as_str(), key) {
            Ok(page) => page,
            Err(ticket) => {
                let page = Arc::new(first_page(state, article, key).await?);
                // An article without comments is not kept: a loop over
                // made-up ids would otherwise push every real one out.
                if !page.top_level.is_empty() {
                    state.pages.put(article.as_str(), key, ticket, page.clone());
                }
                page
            }
        };
        match page.stake(reader) {
            Stake::None => return Ok(page.anonymous.clone()),
            Stake::Known(mine) => {
                return Ok(Prepared::of(&assemble(
                    article,
                    Parts {
                        total: page.total,
                        top_level: &page.top_level,
                        replies: &page.replies,
                        more_replies: &page.more_replies,
                        next_cursor: page.next_cursor.clone(),
                        closes_at: page.closes_at,
                    },
                    mine.iter().copied(),
                    reader,
                ))?);
            }
            Stake::Unknown => {}
        }
    }
    let page = state
        .store
        .thread_page(
            article.as_str(),
            request.sort,
            after,
            REPLIES_PER_THREAD,
            limit,
            reader,
        )
        .await?;
    let (top_level, next_cursor) = cut(&page.top_level, request.sort, limit);
    let top_level = [page.featured.as_slice(), top_level].concat();
    let (replies, more_replies) = first_replies(page.replies);
    Ok(Prepared::of(&assemble(
        article,
        Parts {
            total: page.total,
            top_level: &top_level,
            replies: &replies,
            more_replies: &more_replies,
            next_cursor,
            closes_at: page
                .article
                .closes_at(state.screening.rules().auto_close_days),
        },
        page.mine,
        reader,
    ))?)
}

/// Reads an article's first page from the store, with everyone's reactions
/// on it, for the page cache.
async fn first_page(state: &AppState, article: &ArticleId, key: PageKey) -> Outcome<Page> {
    let page = state
        .store
        .thread_page(
            article.as_str(),
            key.sort,
            None,
            REPLIES_PER_THREAD,
            key.limit,
            None,
        )
        .await?;
    let (top_level, next_cursor) = cut(&page.top_level, key.sort, key.limit);
    let top_level = [page.featured.as_slice(), top_level].concat();
    let closes_at = page
        .article
        .closes_at(state.screening.rules().auto_close_days);
    let (replies, more_replies) = first_replies(page.replies);
    let ids: Vec<i64> = top_level
        .iter()
        .chain(&replies)
        .filter(|c| c.state == CommentState::Visible)
        .map(|c| c.id)
        .collect();
    let reactions = state
        .store
        .reactions_on(&ids, KEPT_REACTIONS)
        .await?
        .map(|all| {
            let mut by_reader: HashMap<String, Vec<(i64, ReactionKind)>> = HashMap::new();
            for (id, reader, kind) in all {
                by_reader.entry(reader).or_default().push((id, kind));
            }
            by_reader
        });
    let authors = top_level
        .iter()
        .chain(&replies)
        .filter(|c| c.state == CommentState::Visible)
        .map(|c| c.author_reader.clone())
        .collect();
    let anonymous = Prepared::of(&assemble(
        article,
        Parts {
            total: page.total,
            top_level: &top_level,
            replies: &replies,
            more_replies: &more_replies,
            next_cursor: next_cursor.clone(),
            closes_at,
        },
        std::iter::empty(),
        None,
    ))?;
    Ok(Page {
        total: page.total,
        top_level,
        replies,
        more_replies,
        next_cursor,
        closes_at,
        reactions,
        authors,
        pending_authors: page.pending_authors.into_iter().collect(),
        anonymous,
    })
}

/// The page's top-level comments (the store reads one more than asked for,
/// to know whether there is a next page) and the cursor to that page.
fn cut(
    top_level: &[CommentRecord],
    sort: SortOrder,
    limit: u32,
) -> (&[CommentRecord], Option<Cursor>) {
    let shown = &top_level[..top_level.len().min(limit as usize)];
    let next_cursor = match shown.last() {
        Some(last) if top_level.len() > shown.len() => Some(cursor::encode(
            Listing::Thread(sort),
            Keyset {
                score: last.reaction_total(),
                created_at: last.created_at,
                id: last.id,
            },
        )),
        _ => None,
    };
    (shown, next_cursor)
}

/// A page's stored comments, before they are shaped for a reader.
struct Parts<'a> {
    total: u64,
    top_level: &'a [CommentRecord],
    replies: &'a [CommentRecord],
    /// Threads with more replies than shown, and where they go on.
    more_replies: &'a HashMap<i64, Cursor>,
    next_cursor: Option<Cursor>,
    closes_at: Option<i64>,
}

/// The listing a reader gets: their reactions marked, replies nested.
fn assemble(
    article: &ArticleId,
    parts: Parts<'_>,
    mine: impl IntoIterator<Item = (i64, ReactionKind)>,
    reader: Option<&ReaderHash>,
) -> CommentList {
    let mut mine_of: HashMap<i64, Vec<ReactionKind>> = HashMap::new();
    for (id, kind) in mine {
        mine_of.entry(id).or_default().push(kind);
    }
    let mut view_of = |record: &CommentRecord| {
        let mut kinds = mine_of.remove(&record.id).unwrap_or_default();
        kinds.sort();
        for_reader(record, reader, kinds)
    };
    let mut children: HashMap<CommentId, Vec<Comment>> = HashMap::new();
    for reply in parts.replies.iter().map(&mut view_of) {
        if let Some(parent) = reply.parent_id.clone() {
            children.entry(parent).or_default().push(reply);
        }
    }
    let comments = parts
        .top_level
        .iter()
        .map(|record| {
            let mut comment = nest(view_of(record), &mut children);
            comment.replies_cursor = parts.more_replies.get(&record.id).cloned();
            comment
        })
        .collect();
    CommentList {
        article: article.clone(),
        total: parts.total,
        comments,
        next_cursor: parts.next_cursor,
        closes_at: parts.closes_at.map(crate::clock::from_millis),
    }
}

/// Puts each reply under its parent, oldest first (they arrive so, and
/// each list keeps that order), in one pass over the replies.
fn nest(mut comment: Comment, children: &mut HashMap<CommentId, Vec<Comment>>) -> Comment {
    if let Some(replies) = children.remove(&comment.id) {
        comment.replies = replies
            .into_iter()
            .map(|reply| nest(reply, children))
            .collect();
    }
    comment
}

/// One thread's further replies, oldest first, flat (each names its
/// parent), after `cursor`: what "show more replies" asks for.
pub async fn replies(
    state: &AppState,
    id: StoredId,
    raw_cursor: Option<&str>,
    limit: PageLimit,
    reader: Option<&ReaderHash>,
) -> Outcome<CommentList> {
    let missing = || Error::NoSuchComment;
    let root = state
        .store
        .comment(id.get())
        .await?
        .filter(|r| r.parent_id.is_none() && r.shown_to_readers())
        .ok_or_else(missing)?;
    let after = cursor::decode(Listing::Replies, raw_cursor)?;
    let limit = limit.get();
    let page = state
        .store
        .replies_page(root.id, after, limit + 1, reader)
        .await?;
    let shown = &page.replies[..page.replies.len().min(limit as usize)];
    let next_cursor = match shown.last() {
        Some(last) if page.replies.len() > shown.len() => Some(replies_cursor(last)),
        _ => None,
    };
    let mut mine_of: HashMap<i64, Vec<ReactionKind>> = HashMap::new();
    for (id, kind) in page.mine {
        mine_of.entry(id).or_default().push(kind);
    }
    Ok(CommentList {
        article: for_reader(&root, None, Vec::new()).article,
        total: u64::try_from(root.visible_descendants).unwrap_or(0),
        comments: shown
            .iter()
            .map(|record| {
                let mut kinds = mine_of.remove(&record.id).unwrap_or_default();
                kinds.sort();
                for_reader(record, reader, kinds)
            })
            .collect(),
        next_cursor,
        closes_at: None,
    })
}

/// Who is posting: their reader hash and their address's.
#[derive(Debug, Clone, Copy)]
pub struct Poster<'a> {
    pub reader: &'a ReaderHash,
    pub address: &'a str,
    /// A signed-in reader's account: they post under the name the site
    /// gives them, verified, with its badges.
    pub account: Option<&'a crate::store::AccountRecord>,
}

/// Posts a comment or a reply. With the post's Idempotency-Key, a retry of
/// a post that was stored but whose answer was lost gets that comment back.
/// A comment screening holds (or on a pre-moderated article) is stored as
/// pending: only its author sees it until a moderator decides.
pub async fn post(
    state: &AppState,
    article: &ArticleId,
    request: NewComment,
    poster: Poster<'_>,
    key: Option<&IdempotencyKey>,
) -> Outcome<Comment> {
    let reader = poster.reader;
    super::sso::permit(state.settings.posting, poster.account.is_some(), Act::Post)?;
    // A sanctioned address stops anonymous writers there; a reader the
    // site signed in is known by their account instead (a colleague
    // behind the same office address is not the one sanctioned).
    let address = Some(poster.address).filter(|a| *a != "unknown" && poster.account.is_none());
    let held_reader =
        super::history::check(state, &reader.0, poster.account.map(|a| a.id), address).await?;
    let limits = state.settings.limits;
    let name = poster
        .account
        .map_or(request.author_name.as_str(), |a| &a.name);
    let author = AuthorName::parse(name, limits.author_name_max_chars)?;
    if poster.account.is_none() && !state.settings.sso_secrets.is_empty() {
        super::names::ensure_free(state, author.as_str()).await?;
    }
    let body = CommentBody::parse(&request.body, limits.body_max_chars)?;
    let notify = request
        .notify
        .as_ref()
        .map(|n| super::replies::check(state, n, poster.account))
        .transpose()?;
    let (parent_id, root_id, depth) = match request.parent_id.as_deref() {
        None => (None, None, 0),
        Some(raw) => place_reply(state, article, raw).await?,
    };
    let now = state.now_ms();
    let html = render(body.as_str());
    let mut hold = state.screening.check(&Post {
        author_name: author.as_str(),
        body: body.as_str(),
        links: links(&html),
        honeypot: request.website.as_deref(),
        form_ms: request.form_ms,
        senders: [&reader.0, poster.address],
        now,
    })?;
    if hold.is_none() && held_reader {
        hold = Some("A moderator holds every comment of this reader for review.".into());
    }
    if hold.is_none()
        && state.screening.rules().premoderation == Premoderation::NewReaders
        && !state.store.reader_is_known(reader).await?
    {
        hold = Some("A new reader's first comment is reviewed before it is shown.".into());
    }
    let inserted = state
        .store
        .insert_comment(NewCommentRecord {
            article: article.as_str().to_owned(),
            parent_id,
            root_id,
            depth,
            author_name: author.as_str().to_owned(),
            author_reader: reader.0.clone(),
            author_account: poster.account.map(|a| a.id),
            author_address: Some(poster.address.to_owned()).filter(|a| a != "unknown"),
            author_badges: poster.account.map(|a| a.badges.clone()).unwrap_or_default(),
            body: body.as_str().to_owned(),
            html,
            created_at: now,
            idempotency_key: key.map(|k| k.as_str().to_owned()),
            hold,
            site_auto_close_days: state.screening.rules().auto_close_days,
        })
        .await;
    let inserted = match inserted {
        Err(StoreError::Conflict(Conflict::Closed)) => {
            let article = state.store.article(article.as_str()).await?;
            return Err(closed(state, &article));
        }
        other => other?,
    };
    let record = inserted.record;
    // Asked again by a retried post too (its first answer may be lost).
    let replies_by_email = match &notify {
        Some(notify) => Some(super::replies::subscribe(state, notify, record.id, &reader.0).await?),
        None => None,
    };
    let answer = |record: &CommentRecord| Comment {
        replies_by_email,
        ..for_reader(record, Some(reader), Vec::new())
    };
    if !inserted.new {
        // Told to everyone the first time.
        return Ok(answer(&record));
    }
    state.metrics.comments_posted.inc();
    if record.state == CommentState::Visible {
        state.publish(
            article.as_str(),
            LiveEvent::CommentCreated(for_reader(&record, None, Vec::new())),
        );
    } else {
        // Nobody else is told; the author's next listing must show it.
        state.metrics.comments_held.inc();
        state.invalidate(article.as_str());
    }
    announce(state, record.id, ModChange::Created).await;
    super::surge::observe(state, article.as_str()).await;
    Ok(answer(&record))
}

/// Why a closed article takes no comment: since when it is closed.
fn closed(state: &AppState, article: &ArticleRecord) -> Error {
    Error::Closed {
        since: article.closes_at(state.screening.rules().auto_close_days),
    }
}

/// Refuses a write to an article whose comments are closed.
fn ensure_open(state: &AppState, article: &ArticleRecord, now: i64) -> Outcome<()> {
    match article.closes_at(state.screening.rules().auto_close_days) {
        Some(at) if at <= now => Err(closed(state, article)),
        _ => Ok(()),
    }
}

/// Where a reply goes: under its parent, or, when the parent is at the
/// deepest level, beside it (under the parent's parent), so threads never
/// nest deeper than the limit.
async fn place_reply(
    state: &AppState,
    article: &ArticleId,
    raw_parent: &str,
) -> Outcome<(Option<i64>, Option<i64>, i64)> {
    let missing = || Error::NoSuchParent;
    let parent_id = StoredId::parse(raw_parent).ok_or_else(missing)?.get();
    let parent = state.store.comment(parent_id).await?.ok_or_else(missing)?;
    if parent.article != article.as_str() {
        return Err(Error::ParentElsewhere);
    }
    if parent.state == CommentState::Pending {
        return Err(Error::ParentPending);
    }
    if parent.state != CommentState::Visible {
        return Err(Error::ParentRemoved);
    }
    let max_depth = i64::from(state.settings.limits.max_reply_depth);
    if parent.depth >= max_depth && parent.parent_id.is_some() {
        Ok((parent.parent_id, Some(parent.root_id), parent.depth))
    } else {
        Ok((Some(parent.id), Some(parent.root_id), parent.depth + 1))
    }
}

/// A comment the reader can see, by API id.
pub async fn visible(state: &AppState, id: StoredId) -> Outcome<CommentRecord> {
    let record = state.store.comment(id.get()).await?;
    record
        .filter(|r| r.state == CommentState::Visible)
        .ok_or(Error::NoSuchComment)
}

fn ensure_own(record: &CommentRecord, reader: &ReaderHash) -> Outcome<()> {
    if record.author_reader == reader.0 {
        Ok(())
    } else {
        Err(Error::NotAuthor)
    }
}

/// Edits the reader's own comment inside the edit window (also while it
/// waits for review). An edit that adds what screening holds sends a
/// visible comment back for review.
pub async fn edit(
    state: &AppState,
    id: StoredId,
    request: EditComment,
    reader: &ReaderHash,
) -> Outcome<Comment> {
    let record = state
        .store
        .comment(id.get())
        .await?
        .filter(|r| {
            r.state == CommentState::Visible
                || (r.state == CommentState::Pending && r.author_reader == reader.0)
        })
        .ok_or(Error::NoSuchComment)?;
    ensure_own(&record, reader)?;
    let held_reader = super::history::check(state, &reader.0, None, None).await?;
    let window = i64::try_from(state.settings.edit_window.as_millis()).unwrap_or(i64::MAX);
    let now = state.now_ms();
    if now - record.created_at > window {
        return Err(Error::EditWindowClosed {
            minutes: window / 60_000,
        });
    }
    let article = state.store.article(&record.article).await?;
    ensure_open(state, &article, now)?;
    let body = CommentBody::parse(&request.body, state.settings.limits.body_max_chars)?;
    let html = render(body.as_str());
    let screened = state.screening.check_edit(body.as_str(), links(&html))?;
    // An edit of words a moderator looks at, or would have looked at,
    // waits for one: readers keep the words let through (or, for a held
    // comment, see nothing), and a reported or held comment keeps what
    // was reported or held for the moderator to compare.
    let review = screened.is_some()
        || held_reader
        || record.state == CommentState::Pending
        || record.report_count > 0
        || state.screening.rules().premoderation == Premoderation::All
        || article.premoderate
        || article.surge.is_some();
    let mut edited = None;
    if !review {
        edited = state
            .store
            .edit_comment(record.id, body.as_str(), &html, now, EditMode::InPlace)
            .await?;
    }
    // Held or reported since it was read: the edit waits after all.
    let review = review || edited.is_none();
    if edited.is_none() {
        edited = state
            .store
            .edit_comment(record.id, body.as_str(), &html, now, EditMode::ForReview)
            .await?;
    }
    let updated = edited.ok_or(Error::NoSuchComment)?;
    if review {
        if let Some(reason) = screened {
            tracing::info!(comment = updated.id, reason, "edit held for review");
        }
        // Only its author sees the edit: their listing must show it.
        state.invalidate(&updated.article);
    } else if updated.state == CommentState::Visible {
        state.publish(
            &updated.article,
            LiveEvent::CommentUpdated(for_reader(&updated, None, Vec::new())),
        );
    }
    announce(state, updated.id, ModChange::Edited).await;
    let mine = state.store.comment_mine(updated.id, reader).await?;
    Ok(for_reader(&updated, Some(reader), mine))
}

/// Deletes the reader's own comment. Unlike editing, this has no time limit:
/// a reader may always take back what they wrote.
pub async fn delete(state: &AppState, id: StoredId, reader: &ReaderHash) -> Outcome<()> {
    let record = state
        .store
        .comment(id.get())
        .await?
        // Others' hidden and waiting comments are not theirs to know of: the
        // same 404 as for no comment at all, not a 403 that says one is there.
        .filter(|r| {
            r.state == CommentState::Visible
                || (r.state != CommentState::Deleted && r.author_reader == reader.0)
        })
        .ok_or(Error::NoSuchComment)?;
    ensure_own(&record, reader)?;
    let change = state
        .store
        .set_state(record.id, CommentState::Deleted, None, None, state.now_ms())
        .await?
        .ok_or(Error::NoSuchComment)?;
    match change.before {
        CommentState::Visible => lifecycle::publish_removed(state, &change.after),
        // Only its author saw it; their listing must drop it.
        CommentState::Pending => state.invalidate(&record.article),
        CommentState::Hidden | CommentState::Deleted => {}
    }
    announce(state, record.id, ModChange::Deleted).await;
    Ok(())
}

/// Files a reader's report; a second report by the same reader changes
/// nothing. When the `hold_after_reports`th address reports a comment, it
/// is held for review: it leaves readers' pages at once and waits in the
/// Pending queue with its reports. Only that report holds it: once a
/// moderator has approved or restored it, more reports leave it up (they
/// still show in the Reported queue). Counting addresses, not readers,
/// keeps one machine minting reader tokens from holding comments alone.
pub async fn report(
    state: &AppState,
    id: StoredId,
    request: NewReport,
    reader: &ReaderHash,
    address: &str,
) -> Outcome<()> {
    let reason = ReportReason::parse(&request.reason)?;
    let note = Note::parse_optional("note", request.note.as_deref())?;
    super::history::check(
        state,
        &reader.0,
        None,
        Some(address).filter(|a| *a != "unknown"),
    )
    .await?;
    let record = visible(state, id).await?;
    let Some(addresses) = state
        .store
        .add_report(
            record.id,
            reader,
            address,
            reason,
            note.as_ref().map(Note::as_str),
            state.now_ms(),
        )
        .await?
    else {
        return Ok(());
    };
    state.metrics.reports_filed.inc();
    announce(state, record.id, ModChange::Reported).await;
    let threshold = u64::from(state.settings.hold_after_reports);
    if threshold > 0 && addresses == threshold {
        let reason = format!("Held for review after reports from {addresses} addresses.");
        if lifecycle::hold(state, &record, reason).await? {
            tracing::info!(comment = record.id, addresses, "held for review");
        }
    }
    super::surge::observe(state, &record.article).await;
    Ok(())
}
