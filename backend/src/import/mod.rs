//! `chime import --from disqus|wordpress|isso FILE`: years of comments
//! from another system into a Chime store, empty or not.
//!
//! Each source is read as a stream ([`disqus`], [`wordpress`], [`isso`]):
//! one comment at a time becomes an [`Incoming`], and the [`Writer`]
//! places it: its article (by the operator's [`ArticleRule`]), its parent
//! (replies deeper than the limit go beside their parent, as posting does;
//! a reply that comes before its parent waits for it), its author (a
//! reader key of their own, so moderators see all they wrote), its state
//! (spam and deleted ones held or left out, as chosen) and its words,
//! rendered and sanitised by the same renderer as a posted comment. All
//! of it in one transaction: a file refused halfway leaves the store as it
//! was. Every comment keeps its site's name and its source's id as its
//! import key, so importing the same file again adds only what is new.

mod disqus;
mod isso;
mod wordpress;
mod xml;

use crate::readers::ReaderHasher;
use crate::store::{CommentStore, ImportBatch, ImportedComment, StoreError};
use chime_shared::{ArticleId, AuthorName, CommentState};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Where the comments come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Disqus,
    WordPress,
    Isso,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Self::Disqus => "Disqus",
            Self::WordPress => "WordPress",
            Self::Isso => "Isso",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Disqus => "disqus",
            Self::WordPress => "wordpress",
            Self::Isso => "isso",
        }
    }
}

/// Which of a source's names for a page becomes the Chime article id:
/// the path of its URL (what the widget uses when a page gives no id), or
/// the site's own id for it (Disqus's `disqus_identifier`, WordPress's
/// post id). Isso knows a page by one name, used either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleRule {
    Path,
    Id,
}

/// What becomes of comments the source marks as spam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spam {
    Skip,
    Hold,
}

/// What becomes of comments the source marks as deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Skip,
    /// Kept as `deleted`: a tombstone where they have replies, so threads
    /// keep their shape; nothing of their words or author is kept.
    Keep,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub article: ArticleRule,
    pub spam: Spam,
    pub deleted: Deleted,
    /// Everything is read and written, then nothing is kept.
    pub dry_run: bool,
    /// The server's reply depth limit.
    pub max_depth: i64,
    /// The server's longest author name.
    pub author_name_max_chars: usize,
}

/// How a source marks a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Approved,
    /// Waiting for the source's moderators.
    Pending,
    Spam,
    Deleted,
}

/// A comment's words as the source keeps them.
#[derive(Debug, Clone)]
pub enum Text {
    Html(String),
    Markdown(String),
}

/// One comment as a source says it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Its id in the source, unique in the file.
    pub id: String,
    pub parent: Option<String>,
    /// The page it is on, by the article rule, before it is parsed as an
    /// article id.
    pub article: String,
    /// The source takes no more comments on the page.
    pub closed: bool,
    pub author_name: String,
    /// Who wrote it, as the source knows them (an account, an e-mail
    /// address, or only a name).
    pub author: String,
    pub address: Option<IpAddr>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub text: Text,
    pub status: Status,
    /// Where it is in the source, for a refusal.
    pub at: String,
}

/// Why an import stopped (nothing of it was kept).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{at}: {reason}")]
    Refused { at: String, reason: String },
    #[error("cannot read {path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl ImportError {
    fn io(path: &Path, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            cause,
        }
    }

    fn refused(at: &str, reason: impl Into<String>) -> Self {
        Self::Refused {
            at: at.to_owned(),
            reason: reason.into(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Comments the source holds (all kinds).
    pub read: u64,
    pub articles: u64,
    pub articles_new: u64,
    /// New articles closed to comments, as their pages were in the source.
    pub articles_closed: u64,
    pub imported: u64,
    pub visible: u64,
    pub held: u64,
    pub deleted_kept: u64,
    /// Found in the store already (an earlier import of the same file).
    pub already: u64,
    pub skipped_spam: u64,
    pub skipped_deleted: u64,
    /// Pingbacks, trackbacks and other things that are not comments.
    pub not_comments: u64,
    /// Comments with no words at all.
    pub empty: u64,
    /// Comments on a page the file does not have (a Disqus thread
    /// deleted from the forum).
    pub no_page: u64,
    /// Replies whose parent is not in the file, was left out at the top
    /// or is on another page: made top-level.
    pub orphans: u64,
    /// Replies deeper than the limit, placed beside their parent.
    pub flattened: u64,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = if self.seconds > 0.0 {
            self.read as f64 / self.seconds
        } else {
            0.0
        };
        writeln!(
            f,
            "Read {} comments in {:.1} s ({rate:.0} a second).",
            self.read, self.seconds
        )?;
        writeln!(
            f,
            "Imported {}: {} visible, {} held for review, {} deleted (kept so their threads keep their shape), on {} articles ({} new, {} of them closed to comments as in the source).",
            self.imported,
            self.visible,
            self.held,
            self.deleted_kept,
            self.articles,
            self.articles_new,
            self.articles_closed
        )?;
        writeln!(
            f,
            "Left out: {} spam, {} deleted, {} pingbacks and trackbacks, {} without words, {} on pages not in the file, {} imported before.",
            self.skipped_spam,
            self.skipped_deleted,
            self.not_comments,
            self.empty,
            self.no_page,
            self.already
        )?;
        write!(
            f,
            "Replies made top-level (their parent is not in the file, or was left out): {}; replies deeper than the limit, placed beside their parent: {}.",
            self.orphans, self.flattened
        )
    }
}

/// Imports `path` (a file of `source`'s format) into `store`.
pub async fn run(
    store: &dyn CommentStore,
    hasher: &ReaderHasher,
    source: Source,
    path: &Path,
    options: &Options,
) -> Result<Summary, ImportError> {
    let started = Instant::now();
    let batch = store.begin_import().await?;
    let mut writer = Writer::new(batch, hasher, source, options);
    let read = match source {
        Source::Disqus => disqus::read(path, options.article, &mut writer).await,
        Source::WordPress => wordpress::read(path, options.article, &mut writer).await,
        Source::Isso => isso::read(path, &mut writer).await,
    };
    match read {
        Ok(()) => writer.finish(started).await,
        Err(e) => {
            writer.abandon().await;
            Err(e)
        }
    }
}

/// A comment placed in the store.
#[derive(Debug, Clone, Copy)]
struct Placed {
    id: i64,
    article_id: i64,
    parent_id: Option<i64>,
    root_id: i64,
    depth: i64,
    /// It waits for review, or stands (deleted) under one that does: its
    /// replies wait too.
    held: bool,
}

/// What became of a source's comment.
#[derive(Debug, Clone, Copy)]
enum Known {
    Placed(Placed),
    /// Left out: its replies go to its own parent (by its source key).
    Skipped(Option<u128>),
}

/// A source id, made small: most are numbers; the rest are hashed (a
/// 127-bit hash, so no two ids of one file meet).
fn key(id: &str) -> u128 {
    match id.parse::<u64>() {
        // Only plain digits: "+7" is not "7".
        Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => u128::from(n),
        _ => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(id.as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            u128::from_be_bytes(bytes) | (1 << 127)
        }
    }
}

/// Places comments one by one in the import's transaction.
pub struct Writer<'a> {
    batch: Box<dyn ImportBatch>,
    hasher: &'a ReaderHasher,
    source: Source,
    options: &'a Options,
    known: HashMap<u128, Known>,
    /// Replies that came before their parent, by the parent's key.
    waiting: HashMap<u128, Vec<Incoming>>,
    articles: HashMap<String, i64>,
    /// The site the file is of (a Disqus forum, a WordPress blog's
    /// address, an Isso installation's key), in every import key: two
    /// sites' comment ids do not meet.
    site: String,
    /// Whether an earlier import from the same site wrote comments: only
    /// then is each looked up before it is written. Asked at the first
    /// comment, when the site is known.
    again: Option<bool>,
    summary: Summary,
    progress: Progress,
}

impl<'a> Writer<'a> {
    fn new(
        batch: Box<dyn ImportBatch>,
        hasher: &'a ReaderHasher,
        source: Source,
        options: &'a Options,
    ) -> Self {
        Self {
            batch,
            hasher,
            source,
            options,
            known: HashMap::new(),
            waiting: HashMap::new(),
            articles: HashMap::new(),
            site: String::new(),
            again: None,
            summary: Summary::default(),
            progress: Progress::new(),
        }
    }

    /// Names the site the file is of, before its first comment: its
    /// comments' import keys hold it.
    pub fn site(&mut self, name: &str) {
        if self.summary.read == 0 {
            self.site = site_name(name);
        }
    }

    /// Counts something the source holds that is not a comment.
    pub fn not_a_comment(&mut self) {
        self.summary.read += 1;
        self.summary.not_comments += 1;
    }

    /// Counts a comment on a page the file does not have.
    pub fn on_no_page(&mut self) {
        self.summary.read += 1;
        self.summary.no_page += 1;
    }

    /// Takes the source's next comment.
    pub async fn accept(&mut self, comment: Incoming) -> Result<(), ImportError> {
        self.summary.read += 1;
        self.progress.tick(self.summary.read);
        if let Some(parent) = comment.parent.as_deref().map(key)
            && !self.known.contains_key(&parent)
        {
            self.waiting.entry(parent).or_default().push(comment);
            return Ok(());
        }
        self.place_with_replies(comment, false).await
    }

    /// Places a comment, then the replies that waited for it (and theirs).
    async fn place_with_replies(
        &mut self,
        comment: Incoming,
        orphan: bool,
    ) -> Result<(), ImportError> {
        let mut todo = vec![(comment, orphan)];
        while let Some((comment, orphan)) = todo.pop() {
            let id = key(&comment.id);
            self.place(comment, orphan).await?;
            if let Some(replies) = self.waiting.remove(&id) {
                todo.extend(replies.into_iter().rev().map(|r| (r, false)));
            }
        }
        Ok(())
    }

    /// The nearest placed ancestor, past the left-out ones.
    fn parent_of(&self, mut parent: Option<u128>) -> Option<Placed> {
        // Each step goes up one level of the source's thread: at most as
        // many as the file has comments, and left-out ones chain rarely.
        while let Some(k) = parent {
            match self.known.get(&k) {
                Some(Known::Placed(p)) => return Some(*p),
                Some(Known::Skipped(up)) => parent = *up,
                None => return None,
            }
        }
        None
    }

    async fn place(&mut self, comment: Incoming, orphan: bool) -> Result<(), ImportError> {
        let id = key(&comment.id);
        if self.known.contains_key(&id) {
            return Err(ImportError::refused(
                &comment.at,
                format!("a second comment with the id {:?}", comment.id),
            ));
        }
        let parent_key = if orphan {
            None
        } else {
            comment.parent.as_deref().map(key)
        };
        match (comment.status, self.options.spam, self.options.deleted) {
            (Status::Spam, Spam::Skip, _) => {
                self.summary.skipped_spam += 1;
                self.known.insert(id, Known::Skipped(parent_key));
                return Ok(());
            }
            (Status::Deleted, _, Deleted::Skip) => {
                self.summary.skipped_deleted += 1;
                self.known.insert(id, Known::Skipped(parent_key));
                return Ok(());
            }
            _ => {}
        }
        let article = ArticleId::parse(&comment.article).map_err(|e| {
            ImportError::refused(
                &comment.at,
                format!(
                    "its page {:?} is not an article id Chime takes ({e}); try the other --article rule",
                    comment.article
                ),
            )
        })?;
        let article_id = self
            .article(article.as_str(), comment.created_at, comment.closed)
            .await?;
        let prefix = format!("{}:{}:", self.source.key(), self.site);
        let again = match self.again {
            Some(again) => again,
            None => {
                let again = self.batch.imported_any(&prefix).await?;
                self.again = Some(again);
                again
            }
        };
        let import_key = format!("{prefix}{}", comment.id);
        let before = if again {
            self.batch.imported_before(&import_key).await?
        } else {
            None
        };
        if let Some(before) = before {
            self.summary.already += 1;
            self.known.insert(
                id,
                Known::Placed(Placed {
                    id: before.id,
                    article_id: before.article_id,
                    parent_id: before.parent_id,
                    root_id: before.root_id,
                    depth: before.depth,
                    held: before.state == CommentState::Pending,
                }),
            );
            return Ok(());
        }
        let mut parent = self.parent_of(parent_key);
        // A reply on another page than its parent's starts a thread there.
        if parent.is_some_and(|p| p.article_id != article_id) {
            parent = None;
        }
        // Its parent never came, or was left out at the top: it starts a
        // thread of its own.
        if comment.parent.is_some() && parent.is_none() {
            self.summary.orphans += 1;
        }
        let (parent_id, root_id, depth) = match parent {
            None => (None, None, 0),
            Some(p) if p.depth >= self.options.max_depth && p.parent_id.is_some() => {
                self.summary.flattened += 1;
                (p.parent_id, Some(p.root_id), p.depth)
            }
            Some(p) => (Some(p.id), Some(p.root_id), p.depth + 1),
        };
        let source = self.source.name();
        let (state, hidden_reason) = match comment.status {
            Status::Deleted => (CommentState::Deleted, None),
            Status::Spam => (
                CommentState::Pending,
                Some(format!("Marked as spam in the {source} export.")),
            ),
            Status::Pending => (
                CommentState::Pending,
                Some(format!("Waiting for a moderator in the {source} export.")),
            ),
            // A reply under a comment that waits, waits with it.
            Status::Approved if parent.is_some_and(|p| p.held) => (
                CommentState::Pending,
                Some("Its parent waits for review.".to_owned()),
            ),
            Status::Approved => (CommentState::Visible, None),
        };
        // A deleted comment keeps nothing of its author: no name, no
        // reader key, no address.
        let (author_name, author_reader, author_address, body) = if state == CommentState::Deleted {
            (String::new(), String::new(), None, String::new())
        } else {
            let body = match &comment.text {
                Text::Markdown(text) => text.trim().to_owned(),
                Text::Html(html) => markdown_of(html),
            };
            // Control characters (a NUL, which PostgreSQL refuses) are no
            // one's words; line breaks and tabs are.
            let body: String = body
                .chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
                .collect();
            if body.is_empty() {
                self.summary.empty += 1;
                self.known.insert(id, Known::Skipped(parent_key));
                return Ok(());
            }
            (
                self.name(&comment.author_name),
                self.hasher.imported(self.source.key(), &comment.author).0,
                comment.address.map(|a| self.hasher.address(Some(a))),
                body,
            )
        };
        let html = crate::service::render::render(&body);
        let inserted = self
            .batch
            .insert(&ImportedComment {
                article_id,
                parent_id,
                root_id,
                depth,
                author_name,
                author_reader,
                author_address,
                body,
                html,
                created_at: comment.created_at,
                edited_at: comment.edited_at,
                state,
                hidden_reason,
                import_key,
            })
            .await?;
        self.summary.imported += 1;
        match state {
            CommentState::Visible => self.summary.visible += 1,
            CommentState::Pending => self.summary.held += 1,
            _ => self.summary.deleted_kept += 1,
        }
        self.known.insert(
            id,
            Known::Placed(Placed {
                id: inserted,
                article_id,
                parent_id,
                root_id: root_id.unwrap_or(inserted),
                depth,
                held: state == CommentState::Pending
                    || (state == CommentState::Deleted && parent.is_some_and(|p| p.held)),
            }),
        );
        Ok(())
    }

    /// The article's id; one the import makes is closed when its page
    /// was (an article Chime had keeps its own settings).
    async fn article(&mut self, key: &str, at: i64, closed: bool) -> Result<i64, ImportError> {
        if let Some(id) = self.articles.get(key) {
            return Ok(*id);
        }
        let (id, new) = self.batch.article(key, at, closed).await?;
        self.summary.articles += 1;
        if new {
            self.summary.articles_new += 1;
            if closed {
                self.summary.articles_closed += 1;
            }
        }
        self.articles.insert(key.to_owned(), id);
        Ok(id)
    }

    /// A source's author name as Chime keeps names: no control
    /// characters, spaces collapsed, cut to the longest name allowed;
    /// "Anonymous" when nothing is left.
    fn name(&self, raw: &str) -> String {
        let cleaned: String = raw
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(self.options.author_name_max_chars)
            .collect();
        match AuthorName::parse(cleaned.trim(), self.options.author_name_max_chars) {
            Ok(name) => name.as_str().to_owned(),
            Err(_) => "Anonymous".to_owned(),
        }
    }

    /// Replies whose parent never came start threads of their own; then
    /// the transaction is kept (or, for a dry run, not).
    async fn finish(mut self, started: Instant) -> Result<Summary, ImportError> {
        let mut parents: Vec<u128> = self.waiting.keys().copied().collect();
        parents.sort_unstable();
        for parent in parents {
            let Some(replies) = self.waiting.remove(&parent) else {
                continue;
            };
            for reply in replies {
                self.place_with_replies(reply, true).await?;
            }
        }
        self.progress.done(self.summary.read);
        self.summary.seconds = started.elapsed().as_secs_f64();
        let commit = !self.options.dry_run;
        self.batch.finish(commit).await?;
        Ok(self.summary)
    }

    async fn abandon(self) {
        if let Err(e) = self.batch.finish(false).await {
            tracing::warn!("the import's transaction could not be rolled back: {e}");
        }
    }
}

/// WordPress keeps a comment's paragraphs as blank lines and its line
/// breaks as newlines, adding the tags when it shows it (`wpautop`), and
/// so do Isso's rows that its own importers wrote: the same here, so that
/// the HTML says what readers saw.
pub(super) fn paragraphs(content: &str) -> String {
    let content = content.replace("\r\n", "\n");
    content
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>\n")))
        .collect()
}

/// A site's name as import keys hold it: `https://Example.org/blog/`
/// and `example.org/blog` are one site.
fn site_name(raw: &str) -> String {
    let raw = raw.trim();
    let raw = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    raw.trim_end_matches('/').to_lowercase()
}

/// Tags nested deeper than this are not a comment anyone wrote: the
/// converter walks the tree by recursion, so such HTML keeps only its
/// text rather than exhaust the stack.
const MAX_NESTING: usize = 200;

/// A source's HTML as the markdown-lite a comment is written in; the
/// renderer then makes (and sanitises) its HTML as for any comment.
fn markdown_of(html: &str) -> String {
    if nesting(html) > MAX_NESTING {
        return text_of(html);
    }
    match htmd::convert(html) {
        Ok(markdown) => markdown.trim().to_owned(),
        // Not HTML it can read: its text, shown as text.
        Err(_) => html.trim().to_owned(),
    }
}

/// How deep the HTML's elements nest, at most (from its tags alone, and
/// high rather than low where a tag closes itself or is never closed).
fn nesting(html: &str) -> usize {
    const VOID: [&str; 8] = ["br", "hr", "img", "input", "meta", "link", "wbr", "col"];
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if let Some(name) = tag.strip_prefix('/') {
            if !name.is_empty() {
                depth = depth.saturating_sub(1);
            }
        } else if tag.starts_with(|c: char| c.is_ascii_alphabetic()) && !tag.ends_with('/') {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                depth += 1;
                deepest = deepest.max(depth);
            }
        }
        rest = &rest[end..];
    }
    deepest
}

/// The HTML's text: tags dropped (a break or a paragraph's end a line
/// break), entities decoded.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = rest[start + 1..end]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("p>") || tag.starts_with("div") {
            text.push('\n');
        }
        rest = &rest[end..];
    }
    text.push_str(rest);
    html_escape::decode_html_entities(&text).trim().to_owned()
}

/// Progress on a terminal: comments read so far, a few times a second.
struct Progress {
    on: bool,
    last: Instant,
}

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        Self {
            on: std::io::stderr().is_terminal(),
            last: Instant::now(),
        }
    }

    fn tick(&mut self, read: u64) {
        if self.on && self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            eprint!("\rread {read} comments\x1b[K");
        }
    }

    fn done(&mut self, read: u64) {
        if self.on {
            eprintln!("\rread {read} comments\x1b[K");
        }
    }
}

/// Milliseconds since the epoch of a time a source wrote in UTC, as RFC
/// 3339 (`2013-10-10T19:20:29Z`) or without its zone (`2012-12-12T12:12:12`,
/// `2014-01-14 18:31:03`).
fn utc_millis(raw: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let raw = raw.trim();
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let bare = raw.trim_end_matches('Z').replace('T', " ");
    let bare = bare.split('.').next().unwrap_or(&bare);
    let t = time::PrimitiveDateTime::parse(
        bare,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
    .ok()?;
    Some((t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The part of a page's URL that names it: its path and query, without
/// the fragment and without the parameters that only say where a reader
/// came from (`utm_…`, `fbclid`, …), so one page shared in many places is
/// one article, while `/blog/?p=18` and `/blog/?p=19` stay two.
fn url_path(link: &str) -> Option<String> {
    const TRACKING: [&str; 6] = ["fbclid", "gclid", "msclkid", "from", "ref", "share"];
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    let Some(start) = after_scheme.find(['/', '?']) else {
        // A site's address alone: its home page.
        return Some("/".to_owned());
    };
    let rest = after_scheme[start..].split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            !p.is_empty() && !name.starts_with("utm_") && !TRACKING.contains(&name)
        })
        .collect();
    Some(if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_its_path() {
        assert_eq!(
            url_path("https://ex.org/2014/hello/").as_deref(),
            Some("/2014/hello/")
        );
        assert_eq!(
            url_path("https://ex.org/a/b?fbclid=x#c").as_deref(),
            Some("/a/b")
        );
        assert_eq!(url_path("http://ex.org/?p=18").as_deref(), Some("/?p=18"));
        assert_eq!(
            url_path("http://ex.org/blog/?p=19&utm_source=x").as_deref(),
            Some("/blog/?p=19")
        );
        assert_eq!(
            url_path("http://ex.org/a?from=singlemessage&ref=tw").as_deref(),
            Some("/a")
        );
        assert_eq!(url_path("/blog/x").as_deref(), Some("/blog/x"));
        assert_eq!(url_path("https://ex.org").as_deref(), Some("/"));
        assert_eq!(url_path(" "), None);
    }

    #[test]
    fn times_with_and_without_their_zone() {
        assert_eq!(utc_millis("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(utc_millis("1970-01-01T00:00:01"), Some(1000));
        assert_eq!(utc_millis("1970-01-01 00:00:02"), Some(2000));
        assert_eq!(
            utc_millis("2014-01-14T18:31:03+01:00"),
            Some(1_389_720_663_000)
        );
        assert_eq!(utc_millis("0000-00-00 00:00:00"), None);
    }

    #[test]
    fn html_nested_past_reason_keeps_its_text_and_spares_the_stack() {
        let deep = format!(
            "{}deep &amp; down{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        // On a stack no bigger than a runtime worker's, where imports run.
        let text = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || markdown_of(&deep))
            .expect("a thread")
            .join()
            .expect("no overflow");
        assert_eq!(text, "deep & down");
        assert_eq!(markdown_of("<p>Hi <b>you</b></p>"), "Hi **you**");
        assert_eq!(nesting("<p>a<br>b<img src=x/></p><div><i>x</i></div>"), 2);
        assert_eq!(text_of("a<br/>b</p>&lt;c&gt;"), "a\nb\n<c>");
    }

    #[test]
    fn sites_are_named_alike_however_written() {
        assert_eq!(site_name(" https://Example.org/blog/ "), "example.org/blog");
        assert_eq!(site_name("example.org/blog"), "example.org/blog");
        assert_eq!(site_name("news"), "news");
    }

    #[test]
    fn numbers_are_their_own_keys_and_other_ids_do_not_meet_them() {
        assert_eq!(key("42"), 42);
        assert!(key("wp:42") >= 1 << 127);
        assert_ne!(key("a"), key("b"));
    }
}
