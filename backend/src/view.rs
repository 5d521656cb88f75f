//! Stored records turned into the API's Comment object, for readers (with
//! tombstones) and for moderators (everything, with reports and the words
//! replied to). Used by the rules and by the event bus alike.

use crate::clock::from_millis;
use crate::store::{CommentRecord, ModRecord, ReaderHash};
use chime_shared::{
    ArticleId, Author, Comment, CommentId, CommentState, ModComment, ParseError, ReactionCounts,
    ReactionKind, ReportSummary, WaitingEdit,
};

/// The API id of a stored comment.
pub fn comment_id(id: i64) -> CommentId {
    CommentId::parse(&id.to_string()).expect("decimal digits make a valid comment id")
}

/// The stored row behind an API comment id, parsed where a request names
/// it: an id this server never made (anything but a positive decimal
/// number) names no comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredId(i64);

impl StoredId {
    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse::<i64>().ok().filter(|n| *n > 0).map(Self)
    }

    pub fn get(self) -> i64 {
        self.0
    }
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
            author_of(record)
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
        replies_by_email: None,
        featured: record.featured && record.state == CommentState::Visible,
    }
}

/// Who wrote it: verified when a signed-in reader did.
fn author_of(record: &CommentRecord) -> Author {
    Author {
        name: record.author_name.clone(),
        verified: record.author_account.is_some(),
        badges: record.author_badges.clone(),
    }
}

/// The comment as moderators see it: author and body whatever its state.
pub fn for_moderator(record: &CommentRecord) -> Comment {
    Comment {
        id: comment_id(record.id),
        article: article_id(&record.article),
        parent_id: record.parent_id.map(comment_id),
        author: author_of(record),
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
        replies_by_email: None,
        featured: record.featured,
    }
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

/// A comment with its reports, as moderators see it.
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
        reader: record.comment.author_reader.clone(),
    }
}
