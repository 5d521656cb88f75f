//! What a reader's listing holds around the thread: how many comments the
//! article shows (the heading's count) and others' new comments held back
//! behind a button, so that nothing moves under the reader's eyes. Every
//! way a comment arrives or leaves (a page, the reader's own post or
//! delete, a live event) goes through here, so the count cannot drift
//! between the parts of the widget that change it.

use super::thread::{Changes, Thread};
use chime_shared::{Comment, CommentId, CommentRemoved, CommentState, SortOrder};

/// The thread, its count and the comments waiting to be shown.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    pub thread: Thread,
    total: u64,
    waiting: Vec<Comment>,
}

impl Listing {
    /// Comments the article shows (as the server counted, kept current).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Others' new comments held back.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    fn is_waiting(&self, id: &CommentId) -> bool {
        self.waiting.iter().any(|c| &c.id == id)
    }

    fn is_shown(&self, id: &CommentId) -> bool {
        self.thread
            .get(id)
            .is_some_and(|c| c.state == CommentState::Visible)
    }

    /// A first page, in place of everything shown before.
    pub fn first_page(&mut self, page: Vec<Comment>, total: u64) -> Changes {
        self.waiting.clear();
        self.total = total;
        let mut changes = self.thread.clear();
        changes.merge(self.thread.append_page(page));
        changes
    }

    /// A further page, after those shown.
    pub fn next_page(&mut self, page: Vec<Comment>, total: u64) -> Changes {
        self.total = total;
        self.thread.append_page(page)
    }

    /// The reader's own comment, as the server answered their post. The
    /// live stream may have brought it first (shown, or waiting); a comment
    /// held for review is shown to its author but not counted.
    pub fn posted(&mut self, comment: Comment, top_level_first: bool) -> Changes {
        let was_waiting = self.is_waiting(&comment.id);
        self.waiting.retain(|c| c.id != comment.id);
        if self.thread.contains(&comment.id) {
            return self.thread.update(comment);
        }
        if !was_waiting && comment.state != CommentState::Pending {
            self.total += 1;
        }
        self.thread.add(comment, top_level_first)
    }

    /// Someone's new comment from the live stream: counted at once, shown
    /// when the reader asks (or updated, when it is shown already).
    pub fn created(&mut self, comment: Comment) -> Changes {
        if self.thread.contains(&comment.id) {
            return self.thread.update(comment);
        }
        if !self.is_waiting(&comment.id) {
            self.waiting.push(comment);
            self.total += 1;
        }
        Changes::default()
    }

    /// A comment's new words or state, or its featuring (it moves; `more`
    /// says whether pages after those shown are still to come).
    pub fn updated(&mut self, comment: Comment, sort: SortOrder, more: bool) -> Changes {
        let shown = self.thread.get(&comment.id);
        let moved = comment.parent_id.is_none()
            && shown.map_or(comment.featured, |c| c.featured != comment.featured);
        if moved {
            self.thread.feature(comment, sort, more)
        } else {
            self.thread.update(comment)
        }
    }

    /// A comment shown again (restored or approved), where it stood.
    pub fn restored(&mut self, comment: Comment, sort: SortOrder) -> Changes {
        if !self.is_shown(&comment.id) {
            self.total += 1;
        }
        self.thread.restore(comment, sort)
    }

    /// A comment that left the readers' view: hidden, or deleted (by its
    /// author, perhaps this reader).
    pub fn removed(&mut self, removed: &CommentRemoved, sort: SortOrder) -> Changes {
        if self.is_shown(&removed.id) || self.is_waiting(&removed.id) {
            self.total = self.total.saturating_sub(1);
        }
        self.waiting.retain(|c| c.id != removed.id);
        self.thread.remove(removed, sort)
    }

    /// Shows every waiting comment; how many there were.
    pub fn show_waiting(&mut self, top_level_first: bool) -> (Changes, usize) {
        let waiting = std::mem::take(&mut self.waiting);
        let n = waiting.len();
        let mut changes = Changes::default();
        for comment in waiting {
            changes.merge(self.thread.add(comment, top_level_first));
        }
        (changes, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::thread::tests::comment;
    use chime_shared::ArticleId;

    fn removed(c: &Comment, state: CommentState) -> CommentRemoved {
        CommentRemoved {
            id: c.id.clone(),
            article: ArticleId::parse("a").expect("article"),
            parent_id: c.parent_id.clone(),
            state,
            reply_count: 0,
        }
    }

    fn loaded() -> Listing {
        let mut listing = Listing::default();
        listing.first_page(vec![comment("1", None), comment("2", None)], 2);
        listing
    }

    #[test]
    fn a_page_sets_the_count_and_drops_what_waited() {
        let mut listing = loaded();
        listing.created(comment("3", None));
        assert_eq!((listing.total(), listing.waiting()), (3, 1));
        listing.first_page(vec![comment("1", None)], 7);
        assert_eq!((listing.total(), listing.waiting()), (7, 0));
        listing.next_page(vec![comment("4", None)], 8);
        assert_eq!(listing.total(), 8);
        assert!(listing.thread.contains(&comment("4", None).id));
    }

    #[test]
    fn others_comments_count_at_once_and_wait_behind_the_button() {
        let mut listing = loaded();
        let changes = listing.created(comment("3", None));
        assert!(changes.is_empty(), "nothing moves under the reader's eyes");
        listing.created(comment("3", None));
        assert_eq!((listing.total(), listing.waiting()), (3, 1), "once each");
        let (changes, n) = listing.show_waiting(true);
        assert_eq!(n, 1);
        assert!(!changes.is_empty());
        assert_eq!((listing.total(), listing.waiting()), (3, 0));
        assert_eq!(listing.thread.children(&None)[0].as_str(), "3");
    }

    #[test]
    fn the_readers_own_post_counts_once_whatever_came_first() {
        let mut listing = loaded();
        listing.posted(comment("3", None), true);
        assert_eq!(listing.total(), 3);
        // The stream brought it before the answer did: already counted.
        listing.created(comment("4", None));
        listing.posted(comment("4", None), true);
        assert_eq!((listing.total(), listing.waiting()), (4, 0));
        // Shown already: an update, not a second count.
        listing.posted(comment("4", None), true);
        assert_eq!(listing.total(), 4);
    }

    #[test]
    fn a_comment_held_for_review_is_shown_to_its_author_but_not_counted() {
        let mut listing = loaded();
        let mut held = comment("3", None);
        held.state = CommentState::Pending;
        held.own = true;
        listing.posted(held.clone(), true);
        assert_eq!(listing.total(), 2);
        assert!(listing.thread.contains(&held.id));
        // Approved: now counted, once.
        let mut approved = held.clone();
        approved.state = CommentState::Visible;
        listing.restored(approved.clone(), SortOrder::Newest);
        listing.restored(approved, SortOrder::Newest);
        assert_eq!(listing.total(), 3);
        // Another, deleted by its author while it waits: nothing to count.
        let mut second = comment("4", None);
        second.state = CommentState::Pending;
        second.own = true;
        listing.posted(second.clone(), true);
        listing.removed(&removed(&second, CommentState::Deleted), SortOrder::Newest);
        assert_eq!(listing.total(), 3);
    }

    #[test]
    fn removals_count_down_only_what_was_shown_or_waiting() {
        let mut listing = loaded();
        let first = comment("1", None);
        listing.removed(&removed(&first, CommentState::Hidden), SortOrder::Newest);
        assert_eq!(listing.total(), 1);
        listing.removed(&removed(&first, CommentState::Hidden), SortOrder::Newest);
        assert_eq!(listing.total(), 1, "a second event changes nothing");
        let waiting = comment("5", None);
        listing.created(waiting.clone());
        listing.removed(&removed(&waiting, CommentState::Deleted), SortOrder::Newest);
        assert_eq!((listing.total(), listing.waiting()), (1, 0));
        listing.restored(first, SortOrder::Newest);
        assert_eq!(listing.total(), 2);
    }
}
