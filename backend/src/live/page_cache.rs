//! The first page of recently read threads, kept ready to send.
//!
//! Most readers open an article at its first page and have no stake in it
//! (no reaction and no comment of theirs on it), so they all get the same
//! bytes: those are made once, with their ETag, and sent from memory. A
//! reader with a stake gets the page rebuilt from the kept comments with
//! their own marks, still without asking the store.
//!
//! Every change an article's readers are told about drops its pages
//! (`AppState::publish`), before the writer's answer leaves: a reader always
//! sees their own write. A page read from the store while a change was
//! being made is not kept (the ticket of `get` goes stale), so no page older
//! than the last change is ever served.

use crate::prepared::Prepared;
use crate::store::{CommentRecord, ReaderHash};
use chime_shared::{Cursor, ReactionKind, SortOrder};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Pages kept per article: one per sort order and page size asked for; a
/// client asking for every size cannot crowd out the rest.
const PAGES_PER_ARTICLE: usize = 3;

/// Which first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageKey {
    pub sort: SortOrder,
    pub limit: u32,
}

/// A first page as stored, and what makes it personal.
#[derive(Debug)]
pub struct Page {
    pub total: u64,
    /// Top-level comments in order: the featured ones, then at most
    /// `limit`.
    pub top_level: Vec<CommentRecord>,
    /// Their shown replies (each thread's first), oldest first.
    pub replies: Vec<CommentRecord>,
    /// Threads with more replies than shown, and where they go on.
    pub more_replies: HashMap<i64, Cursor>,
    pub next_cursor: Option<Cursor>,
    /// When comments on the article close (or closed).
    pub closes_at: Option<i64>,
    /// Each reader's reactions on the page's comments; `None` when there
    /// were too many to keep (readers then go to the store).
    pub reactions: Option<HashMap<String, Vec<(i64, ReactionKind)>>>,
    /// Readers who wrote a visible comment on the page.
    pub authors: HashSet<String>,
    /// Readers with a comment awaiting review anywhere in the article: they
    /// see it, so their listing is theirs alone.
    pub pending_authors: HashSet<String>,
    /// The page as anyone without a stake in it gets it.
    pub anonymous: Prepared,
}

/// What a reader's first page is made of.
#[derive(Debug, PartialEq, Eq)]
pub enum Stake<'a> {
    /// Nothing of theirs on the page: the shared bytes.
    None,
    /// Their reactions on the page (maybe none, if they wrote a comment).
    Known(&'a [(i64, ReactionKind)]),
    /// Not kept: ask the store.
    Unknown,
}

impl Page {
    pub fn stake(&self, reader: Option<&ReaderHash>) -> Stake<'_> {
        let Some(reader) = reader else {
            return Stake::None;
        };
        if self.pending_authors.contains(&reader.0) {
            return Stake::Unknown;
        }
        let Some(reactions) = &self.reactions else {
            return Stake::Unknown;
        };
        match reactions.get(&reader.0) {
            Some(mine) => Stake::Known(mine),
            None if self.authors.contains(&reader.0) => Stake::Known(&[]),
            None => Stake::None,
        }
    }
}

/// Proof of when a page was read from the store; `put` refuses the page
/// if its article changed since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// Recently read first pages, at most `capacity` articles' worth and at
/// most `max_bytes` of them: a few huge threads cannot take the memory
/// that thousands of ordinary ones would share.
#[derive(Debug)]
pub struct PageCache {
    capacity: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl Page {
    /// About how much memory the page holds: its JSON, the records it was
    /// made from (each comment's text and HTML again, and any waiting
    /// edit), and who reacted and wrote on it.
    pub fn bytes(&self) -> usize {
        let records: usize = self
            .top_level
            .iter()
            .chain(&self.replies)
            .map(|c| {
                let edit = c
                    .proposed
                    .as_ref()
                    .map_or(0, |e| e.body.len() + e.html.len());
                c.body.len() + c.html.len() + edit + 256
            })
            .sum();
        let reactions: usize = self.reactions.as_ref().map_or(0, |by_reader| {
            by_reader
                .iter()
                .map(|(reader, kinds)| reader.len() + 64 + kinds.len() * 16)
                .sum()
        });
        let readers: usize = self
            .authors
            .iter()
            .chain(&self.pending_authors)
            .map(|r| r.len() + 48)
            .sum();
        self.anonymous.body().len() + records + reactions + readers
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Bumped by every change; an article remembers its last one.
    generation: u64,
    /// The newest change among articles no longer remembered.
    forgotten: u64,
    /// For least-recently-used eviction.
    tick: u64,
    /// The pages' bytes, all together.
    bytes: usize,
    articles: HashMap<String, Entry>,
}

#[derive(Debug, Default)]
struct Entry {
    changed: u64,
    used: u64,
    pages: Vec<(PageKey, Arc<Page>)>,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.pages.iter().map(|(_, p)| p.bytes()).sum()
    }
}

impl PageCache {
    /// A cache of at most `capacity` articles and `max_bytes` of pages;
    /// 0 keeps nothing.
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            max_bytes,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the map half-changed: every change
        // below is a single insert or remove.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept page, or a ticket to fill it with.
    pub fn get(&self, article: &str, key: PageKey) -> Result<Arc<Page>, Ticket> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let generation = inner.generation;
        match inner.articles.get_mut(article) {
            Some(entry) => {
                entry.used = tick;
                entry
                    .pages
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, page)| page.clone())
                    .ok_or(Ticket(generation))
            }
            None => Err(Ticket(generation)),
        }
    }

    /// Keeps a page read from the store after `ticket` was given, unless
    /// its article changed since.
    pub fn put(&self, article: &str, key: PageKey, ticket: Ticket, page: Arc<Page>) {
        let bytes = page.bytes();
        // A page bigger than a quarter of the budget is read each time.
        if self.capacity == 0 || bytes > self.max_bytes / 4 {
            return;
        }
        let mut inner = self.lock();
        let last_change = inner
            .articles
            .get(article)
            .map_or(inner.forgotten, |e| e.changed);
        if last_change > ticket.0 {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(entry) = inner.articles.get_mut(article) {
            let before = entry.bytes();
            entry.pages.retain(|(k, _)| *k != key);
            if entry.pages.len() >= PAGES_PER_ARTICLE {
                entry.pages.remove(0);
            }
            let after = entry.bytes();
            inner.bytes -= before - after;
        }
        inner.make_room(self.capacity, self.max_bytes - bytes, Some(article));
        let entry = inner.articles.entry(article.to_owned()).or_default();
        entry.used = tick;
        entry.pages.push((key, page));
        inner.bytes += bytes;
    }

    /// Drops an article's pages: it changed.
    pub fn invalidate(&self, article: &str) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        inner.generation += 1;
        let generation = inner.generation;
        if let Some(entry) = inner.articles.get_mut(article) {
            entry.changed = generation;
            let freed = entry.bytes();
            entry.pages.clear();
            inner.bytes -= freed;
        } else {
            // Remember the change: a page of this article may be on its way
            // from the store right now.
            inner.make_room(self.capacity, usize::MAX, None);
            inner.articles.insert(
                article.to_owned(),
                Entry {
                    changed: generation,
                    ..Entry::default()
                },
            );
        }
    }

    /// Drops every page: changes may have been missed (another server's,
    /// while the connection that tells of them was down).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.forgotten = inner.generation;
        inner.articles.clear();
        inner.bytes = 0;
    }

    /// How many pages are kept now.
    pub fn pages(&self) -> usize {
        self.lock().articles.values().map(|e| e.pages.len()).sum()
    }
}

impl Inner {
    /// Forgets the least recently used articles until there is room for
    /// another (unless `keep` names one already here) and the pages take at
    /// most `max_bytes`.
    fn make_room(&mut self, capacity: usize, max_bytes: usize, keep: Option<&str>) {
        loop {
            let counted = keep.is_none_or(|k| !self.articles.contains_key(k));
            let full = counted && self.articles.len() >= capacity;
            if !full && self.bytes <= max_bytes {
                return;
            }
            let Some(oldest) = self
                .articles
                .iter()
                .filter(|(k, _)| Some(k.as_str()) != keep)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            if let Some(entry) = self.articles.remove(&oldest) {
                self.forgotten = self.forgotten.max(entry.changed);
                self.bytes -= entry.bytes();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PageKey = PageKey {
        sort: SortOrder::Newest,
        limit: 20,
    };

    fn page(total: u64) -> Arc<Page> {
        Arc::new(Page {
            total,
            top_level: Vec::new(),
            replies: Vec::new(),
            more_replies: HashMap::new(),
            next_cursor: None,
            closes_at: None,
            reactions: Some(HashMap::from([(
                "reacted".to_owned(),
                vec![(1, ReactionKind::Like)],
            )])),
            authors: HashSet::from(["author".to_owned()]),
            pending_authors: HashSet::new(),
            anonymous: Prepared::of(&total).expect("a number serialises"),
        })
    }

    fn reader(hash: &str) -> ReaderHash {
        ReaderHash(hash.to_owned())
    }

    #[test]
    fn a_kept_page_is_served_until_its_article_changes() {
        let cache = PageCache::new(10, 1 << 20);
        let ticket = cache.get("a", KEY).expect_err("empty");
        cache.put("a", KEY, ticket, page(1));
        assert_eq!(cache.get("a", KEY).expect("kept").total, 1);
        assert!(cache.get("a", PageKey { limit: 5, ..KEY }).is_err());
        assert!(cache.get("b", KEY).is_err());
        cache.invalidate("b");
        assert!(cache.get("a", KEY).is_ok(), "another article's change");
        cache.invalidate("a");
        assert!(cache.get("a", KEY).is_err());
    }

    #[test]
    fn a_page_read_before_a_change_is_not_kept() {
        let cache = PageCache::new(10, 1 << 20);
        // Known article.
        let ticket = cache.get("a", KEY).expect_err("empty");
        cache.put("a", KEY, ticket, page(1));
        cache.invalidate("a");
        let ticket = cache.get("a", KEY).expect_err("dropped");
        cache.invalidate("a");
        cache.put("a", KEY, ticket, page(2));
        assert!(cache.get("a", KEY).is_err(), "stale page kept");
        // Article never seen before.
        let ticket = cache.get("new", KEY).expect_err("empty");
        cache.invalidate("new");
        cache.put("new", KEY, ticket, page(3));
        assert!(cache.get("new", KEY).is_err(), "stale page kept");
    }

    #[test]
    fn a_forgotten_change_still_stops_a_stale_page() {
        let cache = PageCache::new(2, 1 << 20);
        let ticket = cache.get("a", KEY).expect_err("empty");
        cache.invalidate("a");
        // Two more articles push "a" (and its change) out.
        cache.invalidate("b");
        cache.invalidate("c");
        cache.put("a", KEY, ticket, page(1));
        assert!(cache.get("a", KEY).is_err(), "stale page kept");
        let fresh = cache.get("a", KEY).expect_err("empty");
        cache.put("a", KEY, fresh, page(2));
        assert_eq!(cache.get("a", KEY).expect("kept").total, 2);
    }

    #[test]
    fn it_keeps_at_most_capacity_articles_least_recently_used_out() {
        let cache = PageCache::new(2, 1 << 20);
        for article in ["a", "b"] {
            let ticket = cache.get(article, KEY).expect_err("empty");
            cache.put(article, KEY, ticket, page(1));
        }
        assert!(cache.get("a", KEY).is_ok());
        let ticket = cache.get("c", KEY).expect_err("empty");
        cache.put("c", KEY, ticket, page(1));
        assert!(cache.get("b", KEY).is_err(), "b was least recently used");
        assert!(cache.get("a", KEY).is_ok());
        assert_eq!(cache.pages(), 2);
        // Page sizes of one article are bounded too.
        for limit in 1..=10 {
            let key = PageKey { limit, ..KEY };
            let ticket = cache.get("a", key).expect_err("empty");
            cache.put("a", key, ticket, page(1));
        }
        assert!(cache.pages() <= PAGES_PER_ARTICLE + 1);
    }

    #[test]
    fn pages_take_at_most_the_byte_budget() {
        let one = page(1).bytes();
        let cache = PageCache::new(100, one * 8);
        for article in ["a", "b", "c"] {
            let ticket = cache.get(article, KEY).expect_err("empty");
            cache.put(article, KEY, ticket, page(1));
        }
        assert_eq!(cache.pages(), 3);
        // A fourth, fifth… push the least recently used out by bytes, not
        // by count.
        for n in 0..20 {
            let article = format!("more{n}");
            let ticket = cache.get(&article, KEY).expect_err("empty");
            cache.put(&article, KEY, ticket, page(1));
        }
        assert!(cache.lock().bytes <= one * 8);
        assert!(cache.pages() <= 8);
        // A page over a quarter of the budget is never kept.
        let small = PageCache::new(100, one * 3);
        let ticket = small.get("a", KEY).expect_err("empty");
        small.put("a", KEY, ticket, page(1));
        assert_eq!(small.pages(), 0);
        // Dropped pages give their bytes back.
        cache.clear();
        assert_eq!(cache.lock().bytes, 0);
    }

    #[test]
    fn a_page_s_bytes_count_who_reacted_on_it() {
        let plain = page(1).bytes();
        let mut busy = Arc::into_inner(page(1)).expect("one owner");
        busy.reactions = Some(
            (0..1_000)
                .map(|n| (format!("reader{n:026}"), vec![(1, ReactionKind::Like)]))
                .collect(),
        );
        assert!(busy.bytes() >= plain + 1_000 * 32, "{} bytes", busy.bytes());
    }

    #[test]
    fn nothing_is_kept_with_no_capacity() {
        let cache = PageCache::new(0, 1 << 20);
        let ticket = cache.get("a", KEY).expect_err("empty");
        cache.put("a", KEY, ticket, page(1));
        assert!(cache.get("a", KEY).is_err());
    }

    #[test]
    fn a_reader_s_stake_decides_what_they_get() {
        let page = page(1);
        assert_eq!(page.stake(None), Stake::None);
        assert_eq!(page.stake(Some(&reader("stranger"))), Stake::None);
        assert_eq!(
            page.stake(Some(&reader("reacted"))),
            Stake::Known(&[(1, ReactionKind::Like)])
        );
        assert_eq!(page.stake(Some(&reader("author"))), Stake::Known(&[]));
        let waiting = Page {
            pending_authors: HashSet::from(["reacted".to_owned()]),
            reactions: page.reactions.clone(),
            authors: page.authors.clone(),
            anonymous: page.anonymous.clone(),
            top_level: Vec::new(),
            replies: Vec::new(),
            more_replies: HashMap::new(),
            next_cursor: None,
            closes_at: None,
            total: 1,
        };
        assert_eq!(waiting.stake(Some(&reader("reacted"))), Stake::Unknown);
        assert_eq!(waiting.stake(Some(&reader("stranger"))), Stake::None);
        let unknown = Page {
            reactions: None,
            ..Arc::into_inner(page).expect("one owner")
        };
        assert_eq!(unknown.stake(Some(&reader("stranger"))), Stake::Unknown);
        assert_eq!(unknown.stake(None), Stake::None);
    }
}
