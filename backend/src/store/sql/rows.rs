//! The columns a comment is read with, rows decoded into records, and where
//! reactions are kept.

use super::errors::undecodable;
use crate::store::{AccountRecord, CommentRecord, ModeratorRecord, ProposedEdit, SanctionRecord};
use chime_shared::{CommentState, ReactionKind, Role};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// The columns of a comment, with its article's key.
pub const COMMENT_COLUMNS: &str = "c.id, a.key AS article, c.parent_id, c.root_id, c.depth, \
     c.author_name, c.author_reader, c.author_account, c.author_badges, c.body, c.html, c.created_at, c.edited_at, c.state, \
     c.hidden_reason, c.visible_descendants, c.report_count, \
     c.r_like, c.r_love, c.r_laugh, c.r_wow, c.r_sad, c.r_angry, \
     c.proposed_body, c.proposed_html, c.proposed_at, c.featured_at";

pub const COMMENT_FROM: &str = " FROM comments c JOIN articles a ON a.id = c.article_id";

/// Why a comment on a pre-moderated article waits.
pub const PREMODERATED: &str = "Every comment on this article is reviewed before it is shown.";

/// Why a comment on an article in a surge waits.
pub const SURGE_HELD: &str =
    "Held by the surge guard: an unusual rush of comments or reports on this article.";

pub fn reaction_column(kind: ReactionKind) -> &'static str {
    match kind {
        ReactionKind::Like => "r_like",
        ReactionKind::Love => "r_love",
        ReactionKind::Laugh => "r_laugh",
        ReactionKind::Wow => "r_wow",
        ReactionKind::Sad => "r_sad",
        ReactionKind::Angry => "r_angry",
    }
}

pub fn reactions_of<R>(row: &R) -> Result<[u64; 6], sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut out = [0u64; 6];
    for kind in ReactionKind::ALL {
        let n: i64 = row.try_get(reaction_column(kind))?;
        out[kind.index()] = u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

pub fn comment_of<R>(row: &R) -> Result<CommentRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let state: String = row.try_get("state")?;
    let proposed_body: Option<String> = row.try_get("proposed_body")?;
    let proposed = match proposed_body {
        Some(body) => Some(ProposedEdit {
            body,
            html: row
                .try_get::<Option<String>, _>("proposed_html")?
                .unwrap_or_default(),
            at: row.try_get::<Option<i64>, _>("proposed_at")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(CommentRecord {
        id: row.try_get("id")?,
        article: row.try_get("article")?,
        parent_id: row.try_get("parent_id")?,
        root_id: row.try_get("root_id")?,
        depth: row.try_get("depth")?,
        author_name: row.try_get("author_name")?,
        author_reader: row.try_get("author_reader")?,
        author_account: row.try_get("author_account")?,
        author_badges: match row.try_get::<Option<String>, _>("author_badges")? {
            Some(list) => serde_json::from_str(&list).map_err(undecodable)?,
            None => Vec::new(),
        },
        body: row.try_get("body")?,
        html: row.try_get("html")?,
        created_at: row.try_get("created_at")?,
        edited_at: row.try_get("edited_at")?,
        state: CommentState::parse(&state).map_err(undecodable)?,
        hidden_reason: row.try_get("hidden_reason")?,
        visible_descendants: row.try_get("visible_descendants")?,
        report_count: row.try_get("report_count")?,
        reactions: reactions_of(row)?,
        proposed,
        featured: row.try_get::<Option<i64>, _>("featured_at")?.is_some(),
    })
}

pub fn moderator_of<R>(row: &R) -> Result<ModeratorRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let role: String = row.try_get("role")?;
    Ok(ModeratorRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: Role::parse(&role).map_err(undecodable)?,
        created_at: row.try_get("created_at")?,
    })
}

pub fn account_of<R>(row: &R) -> Result<AccountRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let badges: String = row.try_get("badges")?;
    Ok(AccountRecord {
        id: row.try_get("id")?,
        site_id: row.try_get("site_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        badges: serde_json::from_str(&badges).map_err(undecodable)?,
        url: row.try_get("url")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub fn kind_of(raw: &str) -> Result<ReactionKind, sqlx::Error> {
    ReactionKind::parse(raw).map_err(undecodable)
}

/// Where the reactions on one kind of target live.
pub struct ReactionTable {
    /// One row per reader and kind.
    pub rows: &'static str,
    /// The rows' column naming the target.
    pub target: &'static str,
    /// The table holding the kept counts (`id` = target).
    pub counts: &'static str,
    /// Whether `counts` also keeps a `reaction_total` (for the `top` order).
    pub total: bool,
}

pub const ARTICLE_REACTIONS: ReactionTable = ReactionTable {
    rows: "article_reactions",
    target: "article_id",
    counts: "articles",
    total: false,
};

pub const COMMENT_REACTIONS: ReactionTable = ReactionTable {
    rows: "comment_reactions",
    target: "comment_id",
    counts: "comments",
    total: true,
};

pub fn sanction_of<R>(row: &R) -> Result<SanctionRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    Ok(SanctionRecord {
        id: row.try_get("id")?,
        reader: row.try_get("reader")?,
        account_id: row.try_get("account_id")?,
        address: row.try_get("address")?,
        address_until: row.try_get("address_until")?,
        kind: chime_shared::SanctionKind::parse(&kind).map_err(undecodable)?,
        at: row.try_get("at")?,
        moderator: row.try_get("moderator")?,
        until: row.try_get("until")?,
        reason: row.try_get("reason")?,
        lifted_at: row.try_get("lifted_at")?,
        lifted_by: row.try_get("lifted_by")?,
    })
}
