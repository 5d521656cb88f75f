//! Stored records turned into the API's Comment object, for readers (with
//! tombstones) and for moderators (everything).

use crate::clock::from_millis;
use crate::store::{CommentRecord, ReaderHash};
use chime_shared::{
    ArticleId, Author, Comment, CommentId, CommentState, ParseError, ReactionCounts, ReactionKind,
};

/// The API id of a stored comment.
pub fn comment_id(id: i64) -> CommentId {
    CommentId::parse(&id.to_string()).expect("decimal digits make a valid comment id")
}

/// The stored id behind an API comment id; `None` for ids we never made.
pub fn stored_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|n| *n > 0)
}

fn article_id(raw: &str) -> ArticleId {
    // Stored article keys were parsed before they were stored.
    ArticleId::parse(raw).unwrap_or_else(|_: ParseError| {
        ArticleId::parse("unknown").expect("a plain word is a valid article id")
    })
}

/// The comment as everyone may see it. Hidden and deleted comments lose
/// author, body, html and reactions: only their place in the thread stays.
/// A comment awaiting review is whole for its author, a tombstone for
/// everyone else. An edit awaiting review is shown to its author alone, as
/// a comment awaiting review (`pending`); everyone else sees the words a
/// moderator let through.
pub fn for_reader(
    record: &CommentRecord,
    reader: Option<&ReaderHash>,
    mine: Vec<ReactionKind>,
) -> Comment {
    let author = reader.is_some_and(|r| r.0 == record.author_reader);
    let visible =
        record.state == CommentState::Visible || (record.state == CommentState::Pending && author);
    let own = visible && author;
    if own && let Some(edit) = &record.proposed {
        let mut comment = for_reader(
            &CommentRecord {
                body: edit.body.clone(),
                html: edit.html.clone(),
                edited_at: Some(edit.at),
                state: CommentState::Pending,
                proposed: None,
                ..record.clone()
            },
            reader,
            mine,
        );
        comment.own = true;
        return comment;
    }
    Comment {
        id: comment_id(record.id),
        article: article_id(&record.article),
        parent_id: record.parent_id.map(comment_id),
        author: if visible {
            Author {
                name: record.author_name.clone(),
                verified: false,
            }
        } else {
            Author::default()
        },
        body: if visible {
            record.body.clone()
        } else {
            String::new()
        },
        html: if visible {
            record.html.clone()
        } else {
            String::new()
        },
        created_at: from_millis(record.created_at),
        edited_at: if visible {
            record.edited_at.map(from_millis)
        } else {
            None
        },
        state: record.state,
        reactions: if visible {
            ReactionCounts::from_array(record.reactions)
        } else {
            ReactionCounts::default()
        },
        mine: if visible { mine } else { Vec::new() },
        own,
        reply_count: u64::try_from(record.visible_descendants).unwrap_or(0),
        replies: Vec::new(),
        replies_cursor: None,
    }
}

/// The comment as moderators see it: author and body whatever its state.
pub fn for_moderator(record: &CommentRecord) -> Comment {
    Comment {
        id: comment_id(record.id),
        article: article_id(&record.article),
        parent_id: record.parent_id.map(comment_id),
        author: Author {
            name: record.author_name.clone(),
            verified: false,
        },
        body: record.body.clone(),
        html: record.html.clone(),
        created_at: from_millis(record.created_at),
        edited_at: record.edited_at.map(from_millis),
        state: record.state,
        reactions: ReactionCounts::from_array(record.reactions),
        mine: Vec::new(),
        own: false,
        reply_count: u64::try_from(record.visible_descendants).unwrap_or(0),
        replies: Vec::new(),
        replies_cursor: None,
    }
}
