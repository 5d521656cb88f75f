//! `CommentStore`: everything the server keeps, behind one trait so that the
//! SQLite default and a PostgreSQL store can stand in for each other.

pub mod outbox;
pub mod postgres;
pub mod sql;
pub mod sqlite;

pub use sql::PREMODERATED;

use async_trait::async_trait;
use chime_shared::{
    AuditAction, CommentState, ModStateFilter, ReactionKind, ReportReason, Role, SortOrder,
};

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is busy: nothing was written, and
    /// the same request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The write contradicts what is stored.
    #[error("{0}")]
    Conflict(Conflict),
    /// Anything else: a failed statement, a row this version cannot read,
    /// a file that cannot be written.
    #[error("storage error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// An internal failure described in words (no error to keep).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into().into())
    }
}

/// What a write contradicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// The reader used this idempotency key for another comment.
    #[error("the idempotency key was used for another comment")]
    KeyReused,
    /// Removing the only admin would leave nobody to manage moderators.
    #[error("the last admin cannot be removed")]
    LastAdmin,
    /// Comments on the article are closed.
    #[error("comments on the article are closed")]
    Closed,
}

/// Store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// A keyed hash of a reader token; the token itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReaderHash(pub String);

/// Featured comments an article may have at once.
pub const FEATURED_MAX: usize = 3;

/// A comment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    pub id: i64,
    pub article: String,
    pub parent_id: Option<i64>,
    pub root_id: i64,
    pub depth: i64,
    pub author_name: String,
    pub author_reader: String,
    /// The site's account that wrote it (a signed-in reader), if any.
    pub author_account: Option<i64>,
    /// That account's badges when it was posted.
    pub author_badges: Vec<String>,
    pub body: String,
    pub html: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub state: CommentState,
    pub hidden_reason: Option<String>,
    pub visible_descendants: i64,
    pub report_count: i64,
    pub reactions: [u64; 6],
    /// An edit waiting for a moderator's review, beside the words readers
    /// see.
    pub proposed: Option<ProposedEdit>,
    /// A moderator featured it (a visible top-level comment).
    pub featured: bool,
}

/// An author's edit that waits for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedEdit {
    pub body: String,
    pub html: String,
    pub at: i64,
}

/// How an edit is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditMode {
    /// The words readers see change at once (any waiting edit is dropped).
    InPlace,
    /// The edit waits beside them for a moderator (replacing an earlier
    /// waiting edit).
    ForReview,
}

impl CommentRecord {
    /// Sum of all reactions: the `top` order.
    pub fn reaction_total(&self) -> i64 {
        i64::try_from(self.reactions.iter().sum::<u64>()).unwrap_or(i64::MAX)
    }

    /// Whether readers see it, as itself or as a tombstone.
    pub fn shown_to_readers(&self) -> bool {
        self.state == CommentState::Visible || self.visible_descendants > 0
    }
}

/// A new comment, already parsed, rendered and placed in its thread.
#[derive(Debug, Clone)]
pub struct NewCommentRecord {
    pub article: String,
    pub parent_id: Option<i64>,
    pub root_id: Option<i64>,
    pub depth: i64,
    pub author_name: String,
    pub author_reader: String,
    /// The site's account posting it (a signed-in reader), if any.
    pub author_account: Option<i64>,
    /// The hash of the address it came from (`None` when unknown).
    pub author_address: Option<String>,
    /// That account's badges now.
    pub author_badges: Vec<String>,
    pub body: String,
    pub html: String,
    pub created_at: i64,
    /// The post's Idempotency-Key, when it had one.
    pub idempotency_key: Option<String>,
    /// Why it waits for a moderator, when it does. A comment on an article
    /// under pre-moderation waits whatever this says.
    pub hold: Option<String>,
    /// The site's days after an article's first comment when it closes by
    /// itself (0: never), for articles without their own: a closed
    /// article takes nothing (`Conflict::Closed`).
    pub site_auto_close_days: u32,
}

/// How an article is run, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleRecord {
    pub premoderate: bool,
    /// When a moderator closed it.
    pub closed_at: Option<i64>,
    /// Its own days before it closes by itself (0: never); `None`: the
    /// site's.
    pub auto_close_days: Option<u32>,
    /// When its first comment was posted.
    pub first_comment_at: Option<i64>,
    /// Its featured comments, most recently featured first.
    pub featured: Vec<i64>,
    /// How many are featured (read where the ids are not).
    pub featured_count: i64,
    /// The surge guard holds its new comments, since then.
    pub surge: Option<SurgeRecord>,
    /// A moderator let its comments through during a surge: the guard
    /// leaves it alone until then.
    pub surge_snoozed_until: Option<i64>,
}

/// What the surge guard counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurgeKind {
    Posts,
    Reports,
}

impl SurgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Posts => "posts",
            Self::Reports => "reports",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "posts" => Some(Self::Posts),
            "reports" => Some(Self::Reports),
            _ => None,
        }
    }
}

/// A surge on an article: since when, set off by what and how many in
/// five minutes, and what moderators were told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurgeRecord {
    pub since: i64,
    pub kind: SurgeKind,
    pub level: i64,
    pub reason: String,
}

/// An article's comments and reports: in the last five minutes
/// (`recent_*`) and in the hour before (`usual_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub recent_posts: i64,
    pub usual_posts: i64,
    pub recent_reports: i64,
    pub usual_reports: i64,
    /// Whether no surge can start there now: one is on, a moderator holds
    /// its comments, or let them through a while ago.
    pub settled: bool,
}

/// A day in stored milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl ArticleRecord {
    /// When comments close (or closed): a moderator's closing, or the day
    /// it closes by itself, whichever comes first; `None` while it stays
    /// open.
    pub fn closes_at(&self, site_days: u32) -> Option<i64> {
        let days = self.auto_close_days.unwrap_or(site_days);
        let automatic = self
            .first_comment_at
            .filter(|_| days > 0)
            .map(|first| first.saturating_add(i64::from(days).saturating_mul(DAY_MS)));
        match (self.closed_at, automatic) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// An article's controls as a moderator sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleControls {
    pub premoderate: bool,
    pub closed_at: Option<i64>,
    pub auto_close_days: Option<u32>,
    /// A moderator decided during a surge: it ends.
    pub end_surge: bool,
    /// And the guard leaves the article alone until then.
    pub surge_snoozed_until: Option<i64>,
}

/// Everything stored under one reader's key.
#[derive(Debug, Clone, Default)]
pub struct ReaderRecords {
    /// Their comments, oldest first.
    pub comments: Vec<CommentRecord>,
    /// Their reactions, oldest first.
    pub reactions: Vec<ReactionRecord>,
    /// Their reports, oldest first.
    pub reports: Vec<ReportRecord>,
}

/// A reader's reaction: on an article, or on a comment in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionRecord {
    pub article: String,
    pub comment_id: Option<i64>,
    pub kind: ReactionKind,
    pub at: i64,
}

/// A reader's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub comment_id: i64,
    pub reason: ReportReason,
    pub note: Option<String>,
    pub at: i64,
}

/// What erasing a reader did.
#[derive(Debug, Clone, Default)]
pub struct Erasure {
    /// Comments emptied that readers no longer see.
    pub removed: Vec<i64>,
    /// Comments emptied that stand as tombstones over others' replies.
    pub emptied: Vec<i64>,
    pub reactions: u64,
    pub reports: u64,
    /// The articles they had written or reacted on.
    pub articles: Vec<String>,
}

/// Makes an erasure's audit entry from what it erased.
pub type ErasureAudit = dyn Fn(&Erasure) -> AdminAudit + Send + Sync;

/// Decides an article's new controls, and their audit entries, from its
/// stored ones.
pub type ArticleChanger =
    dyn Fn(&ArticleRecord) -> (ArticleControls, Vec<AdminAudit>) + Send + Sync;

/// What featuring (or unfeaturing) a comment did.
#[derive(Debug, Clone)]
pub enum Featuring {
    /// Done: the comment as it is now.
    Done(Box<CommentRecord>),
    /// It was so already: nothing changed.
    Unchanged(Box<CommentRecord>),
    /// Its article has as many featured comments as it may.
    Full,
    /// It is a reply, or readers do not see it.
    NotFeaturable,
    /// There is no such comment.
    Missing,
}

/// What `insert_comment` did.
#[derive(Debug, Clone)]
pub struct Inserted {
    pub record: CommentRecord,
    /// False when the reader had posted this comment with the same key
    /// before (a retry whose first answer was lost): nothing was written.
    pub new: bool,
}

/// Where a page of a listing starts: after this key, in the listing's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// `reaction_total` for `top`, unused otherwise.
    pub score: i64,
    pub created_at: i64,
    pub id: i64,
}

/// A page of top-level comments and all their shown replies.
#[derive(Debug, Clone, Default)]
pub struct ThreadPage {
    /// Visible comments in the article.
    pub total: u64,
    /// Top-level comments in listing order (one more than asked for when
    /// there is a next page).
    pub top_level: Vec<CommentRecord>,
    /// Their shown replies, oldest first.
    pub replies: Vec<CommentRecord>,
    /// (comment id, kind) the reader chose, over all comments of the page.
    pub mine: Vec<(i64, ReactionKind)>,
    /// Readers with a comment awaiting review in the article (they see it
    /// in their own listing).
    pub pending_authors: Vec<String>,
    /// On a first page: the featured comments, shown before the rest (and
    /// left out of every page of the rest).
    pub featured: Vec<CommentRecord>,
    /// The article's controls (closing).
    pub article: ArticleRecord,
}

/// What a change of state did.
#[derive(Debug, Clone)]
pub struct StateChange {
    pub before: CommentState,
    pub after: CommentRecord,
}

/// A moderator as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeratorRecord {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at: i64,
}

/// A moderation listing's filters.
#[derive(Debug, Clone)]
pub struct ModQuery {
    pub state: ModStateFilter,
    /// Just this comment (for the moderation stream).
    pub only: Option<i64>,
    pub article: Option<String>,
    /// Just this reader's comments.
    pub author: Option<String>,
    /// Words that must all occur in the body.
    pub words: Vec<String>,
    pub after: Option<Keyset>,
    pub limit: u32,
}

impl ModQuery {
    /// Just one comment, in whatever state.
    pub fn one(id: i64) -> Self {
        Self {
            state: ModStateFilter::All,
            only: Some(id),
            article: None,
            author: None,
            words: Vec::new(),
            after: None,
            limit: 1,
        }
    }
}

/// A comment with its reports, for moderators.
#[derive(Debug, Clone)]
pub struct ModRecord {
    pub comment: CommentRecord,
    pub reports: Vec<(ReportReason, u64)>,
    /// The body of the comment it replies to.
    pub parent_body: Option<String>,
}

/// One stored audit entry.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub moderator: String,
    pub action: AuditAction,
    /// The comment acted on (none for what admins do).
    pub comment_id: Option<i64>,
    pub reason: Option<String>,
    /// The moderator an admin acted on.
    pub subject: Option<String>,
    /// Settings before and after a change, as JSON.
    pub settings_before: Option<String>,
    pub settings_after: Option<String>,
}

/// What the store knows of one reader, for their history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// The name and account of their latest comment.
    pub name: String,
    pub account: Option<i64>,
    pub visible: u64,
    pub pending: u64,
    pub hidden: u64,
    pub deleted: u64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    pub reports_against: u64,
    pub reports_by: u64,
}

/// A moderator's note on a reader, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub at: i64,
    pub moderator: String,
    pub body: String,
}

/// A sanction on a reader, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionRecord {
    pub id: i64,
    pub reader: String,
    pub account_id: Option<i64>,
    /// The hash of the address they last posted from, sanctioned too
    /// until `address_until`.
    pub address: Option<String>,
    pub address_until: Option<i64>,
    pub kind: chime_shared::SanctionKind,
    pub at: i64,
    pub moderator: String,
    pub until: Option<i64>,
    pub reason: Option<String>,
    pub lifted_at: Option<i64>,
    pub lifted_by: Option<String>,
}

/// What an admin did, recorded with the change itself.
#[derive(Debug, Clone)]
pub struct AdminAudit {
    pub at: i64,
    /// Who did it: a moderator's name, or `(command line)`.
    pub moderator: String,
    pub action: AuditAction,
    /// The moderator, reader or article acted on.
    pub subject: Option<String>,
    /// Why, when it says.
    pub reason: Option<String>,
    pub settings_before: Option<String>,
    pub settings_after: Option<String>,
}

/// A moderation act to record with a state change.
#[derive(Debug, Clone)]
pub struct AuditNote {
    pub moderator: String,
    pub action: AuditAction,
    pub reason: Option<String>,
}

/// A reader the site vouches for, as its last token said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: i64,
    /// The site's own id for the reader.
    pub site_id: String,
    pub name: String,
    pub email: Option<String>,
    pub badges: Vec<String>,
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a site's token says of its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAccount {
    pub site_id: String,
    /// The reader key the account is (`ReaderHasher::account`).
    pub reader: String,
    pub name: String,
    /// The name folded for comparison (`service::names::keys`).
    pub name_key: String,
    pub name_key_cased: String,
    pub email: Option<String>,
    pub badges: Vec<String>,
    pub url: Option<String>,
}

/// The first answer to an idempotent write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// The clock readings a key claim is judged by.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyTimes {
    pub now: i64,
    /// An unfinished claim older than this was abandoned (its server died).
    pub stale_before: i64,
    /// A key older than this is forgotten and may be used afresh.
    pub expired_before: i64,
}

/// What a write's idempotency key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: go ahead, then record the answer.
    Claimed,
    /// The first attempt is still running.
    InProgress,
    /// Used before for the same request: replay this.
    Done(StoredResponse),
    /// Used before for another request.
    Mismatch,
}

/// The store of comments, reactions, reports, moderators, sessions, audit
/// log and idempotency keys.
#[async_trait]
pub trait CommentStore: Send + Sync + 'static {
    /// Answers when storage is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// A per-installation secret, made on first call.
    async fn secret(
        &self,
        name: &str,
        make: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String>;

    /// Stores a new comment, creating its article if needed. A key the
    /// reader used before gives back that comment when it is the same post,
    /// and a `Conflict` when it is another.
    async fn insert_comment(&self, new: NewCommentRecord) -> StoreResult<Inserted>;

    /// One comment by id.
    async fn comment(&self, id: i64) -> StoreResult<Option<CommentRecord>>;

    /// Replaces a comment's body, or sets the edit that waits for review.
    /// `None` when there is no such comment, or, in place, when it is no
    /// longer shown and unreported (it needs review now).
    async fn edit_comment(
        &self,
        id: i64,
        body: &str,
        html: &str,
        at: i64,
        mode: EditMode,
    ) -> StoreResult<Option<CommentRecord>>;

    /// Settles an edit that waits for review: accepted, its words become
    /// the comment's; refused, they are dropped. Only the edit made at
    /// `expected_at`, when given. Audited when `audit` is given. `None`
    /// when no such edit was waiting.
    async fn settle_edit(
        &self,
        id: i64,
        accept: bool,
        expected_at: Option<i64>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<CommentRecord>>;

    /// Moves a comment to another state, keeping every count right, and
    /// records the act in the audit log when `audit` is given. `None` when
    /// the comment does not exist.
    async fn set_state(
        &self,
        id: i64,
        state: CommentState,
        reason: Option<&str>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<StateChange>>;

    /// One thread's replies after `after` (oldest first), at most `limit`,
    /// with the reader's own reactions and waiting replies.
    async fn replies_page(
        &self,
        root: i64,
        after: Option<Keyset>,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage>;

    /// One page of an article's thread: at most `limit + 1` top-level
    /// comments, and the first `per_thread + 1` replies of each.
    async fn thread_page(
        &self,
        article: &str,
        sort: SortOrder,
        after: Option<Keyset>,
        per_thread: u32,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage>;

    /// Who chose which reaction on these comments: (comment id, reader,
    /// kind); `None` when there are more than `cap`.
    async fn reactions_on(
        &self,
        comment_ids: &[i64],
        cap: usize,
    ) -> StoreResult<Option<Vec<(i64, String, ReactionKind)>>>;

    /// The kinds a reader chose on one comment.
    async fn comment_mine(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
    ) -> StoreResult<Vec<ReactionKind>>;

    /// Visible comments per article; unknown articles are left out.
    async fn article_counts(&self, articles: &[String]) -> StoreResult<Vec<(String, u64)>>;

    /// An article's reaction counts and the reader's choices.
    async fn article_reactions(
        &self,
        article: &str,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>)>;

    /// Adds (`on`) or takes back a reader's reaction on an article.
    async fn set_article_reaction(
        &self,
        article: &str,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)>;

    /// Adds or takes back a reader's reaction on a comment; `None` when the
    /// comment does not exist.
    async fn set_comment_reaction(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<Option<([u64; 6], Vec<ReactionKind>, bool)>>;

    /// Records a report and returns from how many addresses the comment has
    /// been reported; `None` when this reader had already reported it.
    async fn add_report(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        address: &str,
        reason: ReportReason,
        note: Option<&str>,
        at: i64,
    ) -> StoreResult<Option<u64>>;

    /// Whether the reader has a comment readers can see (one that was
    /// approved, or never needed to be).
    async fn reader_is_known(&self, reader: &ReaderHash) -> StoreResult<bool>;

    /// How an article is run (the defaults for an unknown article).
    async fn article(&self, article: &str) -> StoreResult<ArticleRecord>;

    /// Changes an article's controls as `change` decides from those
    /// stored (creating its row at `at`), with what the audit log keeps of
    /// it, in one transaction with the row locked: two moderators at once
    /// each change what they asked for. Gives (before, after).
    async fn change_article(
        &self,
        article: &str,
        at: i64,
        change: &ArticleChanger,
    ) -> StoreResult<(ArticleRecord, ArticleRecord)>;

    /// An article's comments and reports since `recent` and in the
    /// window from `usual` to `recent`, and whether it is settled at
    /// `now`.
    async fn activity(
        &self,
        article: &str,
        usual: i64,
        recent: i64,
        now: i64,
    ) -> StoreResult<Activity>;

    /// Starts a surge on an article, audited, unless one is on, the
    /// article is pre-moderated already, or a moderator snoozed the guard
    /// there: true when this call started it (one server of several).
    async fn start_surge(
        &self,
        article: &str,
        surge: SurgeRecord,
        audit: &AdminAudit,
    ) -> StoreResult<bool>;

    /// Ends the surge that began at `since`, audited: true when this call
    /// ended it.
    async fn end_surge(&self, article: &str, since: i64, audit: &AdminAudit) -> StoreResult<bool>;

    /// The site's account a reader key is, if it is one.
    async fn account_of_reader(&self, reader: &str) -> StoreResult<Option<AccountRecord>>;

    /// Everything stored under a reader's key.
    async fn reader_data(&self, reader: &str) -> StoreResult<ReaderRecords>;

    /// Erases what a reader wrote and did (comments, reactions, reports,
    /// retry keys, and what the site's token said of `account`, whose
    /// sessions end), keeping every count right, in one transaction with
    /// its audit entry (made from what was erased). Moderators' notes and
    /// sanctions stay.
    async fn erase_reader(
        &self,
        reader: &str,
        account: Option<i64>,
        audit: &ErasureAudit,
    ) -> StoreResult<Erasure>;

    /// The articles in a surge now, newest first.
    async fn surges(&self) -> StoreResult<Vec<(String, SurgeRecord)>>;

    /// Features a visible top-level comment, or stops featuring one,
    /// audited; at most `FEATURED_MAX` per article.
    async fn set_featured(
        &self,
        id: i64,
        on: bool,
        audit: &AuditNote,
        at: i64,
    ) -> StoreResult<Featuring>;

    /// Comments for moderators, newest first.
    async fn mod_comments(&self, query: &ModQuery) -> StoreResult<Vec<ModRecord>>;

    /// The audit log, newest first, after the given entry id.
    async fn audit(&self, before_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    /// What the store knows of a reader's comments and reports.
    async fn reader_stats(&self, reader: &str) -> StoreResult<ReaderStats>;

    /// Other readers who posted from an address `reader` posted from since
    /// `since`.
    async fn readers_at_same_address(&self, reader: &str, since: i64) -> StoreResult<u64>;

    /// Forgets the addresses of comments posted before `before`.
    async fn forget_addresses(&self, before: i64) -> StoreResult<()>;

    /// Adds a moderator's note on a reader.
    async fn add_note(&self, reader: &str, note: &NoteRecord) -> StoreResult<()>;

    /// A reader's notes, newest first (at most `limit`).
    async fn notes(&self, reader: &str, limit: u32) -> StoreResult<Vec<NoteRecord>>;

    /// One account by its id.
    async fn account(&self, id: i64) -> StoreResult<Option<AccountRecord>>;

    /// Stores a sanction, and its audit entry; the new sanction's id.
    async fn add_sanction(&self, sanction: &SanctionRecord, audit: &AdminAudit)
    -> StoreResult<i64>;

    /// Lifts a reader's sanction that is not lifted yet (audited); false
    /// when there is none such.
    async fn lift_sanction(&self, id: i64, reader: &str, audit: &AdminAudit) -> StoreResult<bool>;

    /// A reader's sanctions, newest first.
    async fn sanctions(&self, reader: &str) -> StoreResult<Vec<SanctionRecord>>;

    /// The sanctions in force at `now` on a reader, their account or the
    /// address they write from.
    async fn sanctions_in_force(
        &self,
        reader: &str,
        account: Option<i64>,
        address: Option<&str>,
        now: i64,
    ) -> StoreResult<Vec<SanctionRecord>>;

    /// The address hash of a reader's latest comment, while it is kept.
    async fn latest_address(&self, reader: &str) -> StoreResult<Option<String>>;

    /// A stored setting's value.
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;

    /// Stores a setting, and what changed in the audit log, together.
    async fn put_setting(&self, name: &str, value: &str, audit: &AdminAudit) -> StoreResult<()>;

    /// Adds a moderator; false when the name is taken.
    /// Adds a moderator (made at `audit.at`); false when the name is
    /// taken.
    async fn add_moderator(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        audit: &AdminAudit,
    ) -> StoreResult<bool>;

    /// Replaces a moderator's password and ends their sessions; false when
    /// there is no such moderator.
    async fn set_moderator_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: &AdminAudit,
    ) -> StoreResult<bool>;

    /// Removes a moderator and their sessions; false when unknown. Refused
    /// (`Conflict::LastAdmin`) for the last admin: someone must be able to
    /// manage the others.
    async fn remove_moderator(&self, username: &str, audit: &AdminAudit) -> StoreResult<bool>;

    /// Every moderator, by name.
    async fn moderators(&self) -> StoreResult<Vec<ModeratorRecord>>;

    /// One moderator by name.
    async fn moderator(&self, username: &str) -> StoreResult<Option<ModeratorRecord>>;

    /// Starts a session.
    async fn create_session(
        &self,
        token_hash: &str,
        moderator_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()>;

    /// The moderator of a live session.
    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ModeratorRecord>>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Claims an idempotency key for a request.
    async fn claim_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        request_hash: &str,
        times: IdempotencyTimes,
    ) -> StoreResult<IdempotencyClaim>;

    /// Records the answer to a claimed key.
    async fn finish_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        response: &StoredResponse,
    ) -> StoreResult<()>;

    /// Gives a claimed key back (the write failed and may be retried).
    async fn release_idempotency(&self, reader: &ReaderHash, key: &str) -> StoreResult<()>;

    /// Records a site token's id until the token expires; false when it
    /// was exchanged before (a replay).
    async fn claim_site_token(&self, jti: &str, expires_at: i64) -> StoreResult<bool>;

    /// Makes the site's reader, or brings their name, email, badges and
    /// link up to date.
    async fn upsert_account(&self, account: &SiteAccount, at: i64) -> StoreResult<AccountRecord>;

    /// Whether a signed-in reader's name folds to either key (the same
    /// kind of key as stored).
    async fn name_in_use(&self, name_key: &str, name_key_cased: &str) -> StoreResult<bool>;

    /// Moves a signed-in reader's session's end.
    async fn renew_reader_session(&self, token_hash: &str, expires_at: i64) -> StoreResult<()>;

    /// Starts a signed-in reader's session.
    async fn create_reader_session(
        &self,
        token_hash: &str,
        account_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()>;

    /// The account of a live reader session.
    async fn reader_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<AccountRecord>>;

    /// Ends a reader session.
    async fn delete_reader_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Forgets keys and sessions that have run out.
    async fn purge_expired(&self, idempotency_before: i64, now: i64) -> StoreResult<()>;

    /// Begins an import of comments from another system: one transaction,
    /// written to comment by comment, kept only when finished with
    /// `commit`.
    async fn begin_import(&self) -> StoreResult<Box<dyn ImportBatch>>;

    /// The outbox and the webhook endpoints.
    fn outbox(&self) -> &dyn outbox::OutboxStore;
}

/// A comment brought in from another system, placed in its thread.
#[derive(Debug, Clone)]
pub struct ImportedComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    /// Its thread's top-level comment; `None` for a top-level comment.
    pub root_id: Option<i64>,
    pub depth: i64,
    pub author_name: String,
    pub author_reader: String,
    pub author_address: Option<String>,
    pub body: String,
    pub html: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// `Visible`, `Pending` (with `hidden_reason`) or `Deleted`.
    pub state: CommentState,
    pub hidden_reason: Option<String>,
    /// Which comment of which site's export it is: the same comment
    /// imported again is found by it and not written twice, whatever
    /// became of it or its author since.
    pub import_key: String,
}

/// A comment an earlier import wrote, found again by its import key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedBefore {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub root_id: i64,
    pub depth: i64,
    pub state: CommentState,
}

/// One import's transaction.
#[async_trait]
pub trait ImportBatch: Send {
    /// The article's row, made when it has none (closed to comments from
    /// now, when `closed`); whether it was made.
    async fn article(&mut self, key: &str, at: i64, closed: bool) -> StoreResult<(i64, bool)>;

    /// Whether any comment's import key starts with `prefix` (an earlier
    /// import from the same site): when none does, nothing need be looked
    /// up comment by comment.
    async fn imported_any(&mut self, prefix: &str) -> StoreResult<bool>;

    /// The comment an earlier import wrote under this key.
    async fn imported_before(&mut self, import_key: &str) -> StoreResult<Option<ImportedBefore>>;

    /// Writes a comment (and counts it in its article and ancestors when
    /// it is visible); its id.
    async fn insert(&mut self, comment: &ImportedComment) -> StoreResult<i64>;

    /// Keeps everything written (`commit`), or nothing.
    async fn finish(self: Box<Self>, commit: bool) -> StoreResult<()>;
}
