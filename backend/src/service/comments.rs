//! Listing, posting, editing and deleting comments, and reader reports.

use super::cursor::{self, Listing};
use super::moderation;
use super::view::{self, for_reader, stored_id};
use crate::error::{ApiError, ApiResult};
use crate::render::render;
use crate::state::AppState;
use crate::store::{CommentRecord, Keyset, NewCommentRecord, ReaderHash};
use chime_shared::{
    ArticleId, AuthorName, Comment, CommentBody, CommentList, CommentRemoved, CommentState,
    EditComment, ErrorCode, LiveEvent, ModChange, NewComment, NewReport, Note, PageLimit,
    ReactionKind, ReportReason, SortOrder,
};
use std::collections::HashMap;

/// What a thread listing asks for.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub sort: SortOrder,
    pub limit: PageLimit,
    pub cursor: Option<String>,
}

/// One page of an article's thread, replies nested under their parents.
pub async fn list(
    state: &AppState,
    article: &ArticleId,
    request: ListRequest,
    reader: Option<&ReaderHash>,
) -> ApiResult<CommentList> {
    let after = cursor::decode(Listing::Thread(request.sort), request.cursor.as_deref())?;
    let limit = request.limit.get();
    let page = state
        .store
        .thread_page(article.as_str(), request.sort, after, limit, reader)
        .await?;
    let has_more = page.top_level.len() > limit as usize;
    let top_level = &page.top_level[..page.top_level.len().min(limit as usize)];
    let next_cursor = match top_level.last() {
        Some(last) if has_more => Some(cursor::encode(
            Listing::Thread(request.sort),
            Keyset {
                score: last.reaction_total(),
                created_at: last.created_at,
                id: last.id,
            },
        )),
        _ => None,
    };

    let mut mine: HashMap<i64, Vec<ReactionKind>> = HashMap::new();
    for (id, kind) in page.mine {
        mine.entry(id).or_default().push(kind);
    }
    let mut view_of = |record: &CommentRecord| {
        let mut kinds = mine.remove(&record.id).unwrap_or_default();
        kinds.sort();
        for_reader(record, reader, kinds)
    };
    let replies: Vec<Comment> = page.replies.iter().map(&mut view_of).collect();
    let comments = top_level
        .iter()
        .map(|record| nest(view_of(record), &replies))
        .collect();
    Ok(CommentList {
        article: article.clone(),
        total: page.total,
        comments,
        next_cursor,
    })
}

/// Puts every reply under its parent, oldest first, recursively. Replies
/// arrive oldest first, so a stable pass keeps that order.
fn nest(mut comment: Comment, replies: &[Comment]) -> Comment {
    comment.replies = replies
        .iter()
        .filter(|r| r.parent_id.as_ref() == Some(&comment.id))
        .map(|r| nest(r.clone(), replies))
        .collect();
    comment
}

/// Posts a comment or a reply.
pub async fn post(
    state: &AppState,
    article: &ArticleId,
    request: NewComment,
    reader: &ReaderHash,
) -> ApiResult<Comment> {
    let limits = state.settings.limits;
    let author = AuthorName::parse(&request.author_name, limits.author_name_max_chars)?;
    let body = CommentBody::parse(&request.body, limits.body_max_chars)?;
    let (parent_id, root_id, depth) = match request.parent_id.as_deref() {
        None => (None, None, 0),
        Some(raw) => place_reply(state, article, raw).await?,
    };
    let record = state
        .store
        .insert_comment(NewCommentRecord {
            article: article.as_str().to_owned(),
            parent_id,
            root_id,
            depth,
            author_name: author.as_str().to_owned(),
            author_reader: reader.0.clone(),
            body: body.as_str().to_owned(),
            html: render(body.as_str()),
            created_at: state.now_ms(),
        })
        .await?;
    state.metrics.comments_posted.inc();
    state.events.publish(
        article.as_str(),
        LiveEvent::CommentCreated(for_reader(&record, None, Vec::new())),
    );
    moderation::announce(state, record.id, ModChange::Created).await;
    Ok(for_reader(&record, Some(reader), Vec::new()))
}

/// Where a reply goes: under its parent, or, when the parent is at the
/// deepest level, beside it (under the parent's parent), so threads never
/// nest deeper than the limit.
async fn place_reply(
    state: &AppState,
    article: &ArticleId,
    raw_parent: &str,
) -> ApiResult<(Option<i64>, Option<i64>, i64)> {
    let missing = || ApiError::Client {
        code: ErrorCode::NotFound,
        message: "The comment you are replying to does not exist.".into(),
        field: Some("parent_id".into()),
    };
    let parent_id = stored_id(raw_parent).ok_or_else(missing)?;
    let parent = state.store.comment(parent_id).await?.ok_or_else(missing)?;
    if parent.article != article.as_str() {
        return Err(ApiError::conflict(
            "The comment you are replying to belongs to another article.",
        ));
    }
    if parent.state != CommentState::Visible {
        return Err(ApiError::conflict(
            "The comment you are replying to has been removed.",
        ));
    }
    let max_depth = i64::from(state.settings.limits.max_reply_depth);
    if parent.depth >= max_depth && parent.parent_id.is_some() {
        Ok((parent.parent_id, Some(parent.root_id), parent.depth))
    } else {
        Ok((Some(parent.id), Some(parent.root_id), parent.depth + 1))
    }
}

/// A comment the reader can see, by API id.
pub async fn visible(state: &AppState, raw_id: &str) -> ApiResult<CommentRecord> {
    let record = match stored_id(raw_id) {
        Some(id) => state.store.comment(id).await?,
        None => None,
    };
    record
        .filter(|r| r.state == CommentState::Visible)
        .ok_or_else(|| ApiError::not_found("There is no such comment."))
}

fn ensure_own(record: &CommentRecord, reader: &ReaderHash) -> ApiResult<()> {
    if record.author_reader == reader.0 {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "You can only change your own comments.",
        ))
    }
}

/// Edits the reader's own comment inside the edit window.
pub async fn edit(
    state: &AppState,
    raw_id: &str,
    request: EditComment,
    reader: &ReaderHash,
) -> ApiResult<Comment> {
    let record = visible(state, raw_id).await?;
    ensure_own(&record, reader)?;
    let window = i64::try_from(state.settings.edit_window.as_millis()).unwrap_or(i64::MAX);
    let now = state.now_ms();
    if now - record.created_at > window {
        return Err(ApiError::new(
            ErrorCode::EditWindowClosed,
            format!(
                "Comments can only be edited in the first {} minutes after posting.",
                window / 60_000
            ),
        ));
    }
    let body = CommentBody::parse(&request.body, state.settings.limits.body_max_chars)?;
    let updated = state
        .store
        .edit_comment(record.id, body.as_str(), &render(body.as_str()), now)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such comment."))?;
    state.events.publish(
        &updated.article,
        LiveEvent::CommentUpdated(for_reader(&updated, None, Vec::new())),
    );
    moderation::announce(state, updated.id, ModChange::Edited).await;
    let mine = state.store.comment_mine(updated.id, reader).await?;
    Ok(for_reader(&updated, Some(reader), mine))
}

/// Deletes the reader's own comment. Unlike editing, this has no time limit:
/// a reader may always take back what they wrote.
pub async fn delete(state: &AppState, raw_id: &str, reader: &ReaderHash) -> ApiResult<()> {
    let record = match stored_id(raw_id) {
        Some(id) => state.store.comment(id).await?,
        None => None,
    }
    .filter(|r| r.state != CommentState::Deleted)
    .ok_or_else(|| ApiError::not_found("There is no such comment."))?;
    ensure_own(&record, reader)?;
    let change = state
        .store
        .set_state(record.id, CommentState::Deleted, None, None, state.now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such comment."))?;
    if change.before == CommentState::Visible {
        publish_removed(state, &change.after);
    }
    moderation::announce(state, record.id, ModChange::Deleted).await;
    Ok(())
}

/// Tells an article's readers that a comment left their view.
pub fn publish_removed(state: &AppState, record: &CommentRecord) {
    state.events.publish(
        &record.article,
        LiveEvent::CommentRemoved(CommentRemoved {
            id: view::comment_id(record.id),
            article: for_reader(record, None, Vec::new()).article,
            parent_id: record.parent_id.map(view::comment_id),
            state: record.state,
            reply_count: u64::try_from(record.visible_descendants).unwrap_or(0),
        }),
    );
}

/// Files a reader's report; a second report by the same reader changes
/// nothing.
pub async fn report(
    state: &AppState,
    raw_id: &str,
    request: NewReport,
    reader: &ReaderHash,
) -> ApiResult<()> {
    let reason = ReportReason::parse(&request.reason)?;
    let note = Note::parse_optional("note", request.note.as_deref())?;
    let record = visible(state, raw_id).await?;
    let added = state
        .store
        .add_report(
            record.id,
            reader,
            reason,
            note.as_ref().map(Note::as_str),
            state.now_ms(),
        )
        .await?;
    if added {
        state.metrics.reports_filed.inc();
        moderation::announce(state, record.id, ModChange::Reported).await;
    }
    Ok(())
}
