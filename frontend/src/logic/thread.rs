//! The comment tree the widget shows, kept flat: each comment by id and
//! each parent's ordered list of children. Every change says which comments
//! and which lists it touched, so the page redraws only those, and a reply
//! being typed somewhere else is never disturbed.

use chime_shared::{
    Comment, CommentId, CommentRemoved, CommentState, Cursor, ReactionCounts, ReactionKind,
    SortOrder,
};
use std::collections::HashMap;

/// A parent's list key: `None` is the top level.
pub type ListKey = Option<CommentId>;

/// What a change touched.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub comments: Vec<CommentId>,
    pub lists: Vec<ListKey>,
}

impl Changes {
    fn comment(&mut self, id: &CommentId) {
        if !self.comments.contains(id) {
            self.comments.push(id.clone());
        }
    }

    fn list(&mut self, key: ListKey) {
        if !self.lists.contains(&key) {
            self.lists.push(key);
        }
    }

    /// Adds what another change touched.
    pub fn merge(&mut self, other: Changes) {
        for id in &other.comments {
            self.comment(id);
        }
        for key in other.lists {
            self.list(key);
        }
    }

    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.lists.is_empty()
    }
}

/// The widget's comments.
#[derive(Debug, Default, Clone)]
pub struct Thread {
    comments: HashMap<CommentId, Comment>,
    children: HashMap<ListKey, Vec<CommentId>>,
}

impl Thread {
    /// One comment (its `replies` are always empty here).
    pub fn get(&self, id: &CommentId) -> Option<&Comment> {
        self.comments.get(id)
    }

    /// Whether a comment is shown.
    pub fn contains(&self, id: &CommentId) -> bool {
        self.comments.contains_key(id)
    }

    /// A parent's children, in order.
    pub fn children(&self, key: &ListKey) -> Vec<CommentId> {
        self.children.get(key).cloned().unwrap_or_default()
    }

    /// How many comments are shown.
    pub fn len(&self) -> usize {
        self.comments.len()
    }

    /// Whether nothing is shown.
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty()
    }

    /// Forgets everything (a new sort, a resync).
    pub fn clear(&mut self) -> Changes {
        let mut changes = Changes::default();
        for key in self.children.keys() {
            changes.list(key.clone());
        }
        self.comments.clear();
        self.children.clear();
        changes.list(None);
        changes
    }

    /// Adds a page of top-level comments (with nested replies) at the end,
    /// skipping any already shown.
    pub fn append_page(&mut self, page: Vec<Comment>) -> Changes {
        let mut changes = Changes::default();
        for comment in page {
            if !self.contains(&comment.id) {
                self.insert_tree(comment, false, &mut changes);
            }
        }
        changes
    }

    fn insert_tree(&mut self, mut comment: Comment, at_front: bool, changes: &mut Changes) {
        let replies = std::mem::take(&mut comment.replies);
        let id = comment.id.clone();
        let key = comment.parent_id.clone();
        let list = self.children.entry(key.clone()).or_default();
        if at_front {
            // Featured comments stay on top; a featured one goes first.
            let comments = &self.comments;
            let featured = |c: &CommentId| comments.get(c).is_some_and(|c| c.featured);
            let at = if comment.featured {
                0
            } else {
                list.iter().take_while(|c| featured(c)).count()
            };
            list.insert(at, id.clone());
        } else {
            list.push(id.clone());
        }
        changes.list(key);
        changes.comment(&id);
        self.comments.insert(id, comment);
        for reply in replies {
            self.insert_tree(reply, false, changes);
        }
    }

    /// Adds a thread's further replies (flat, oldest first, each after its
    /// parent) beneath their parents, read `from` a cursor, and notes where
    /// the thread goes on (unless the thread moved on meanwhile).
    pub fn append_replies(
        &mut self,
        root: &CommentId,
        from: &Cursor,
        replies: Vec<Comment>,
        next: Option<Cursor>,
    ) -> Changes {
        let mut changes = Changes::default();
        for reply in replies {
            let placed = reply.parent_id.as_ref().is_some_and(|p| self.contains(p));
            if placed && !self.contains(&reply.id) {
                self.insert_tree(reply, false, &mut changes);
            }
        }
        if let Some(comment) = self.comments.get_mut(root)
            && comment.replies_cursor.as_ref() == Some(from)
        {
            comment.replies_cursor = next;
            changes.comment(root);
        }
        changes
    }

    /// Visible replies shown beneath a comment, at any depth.
    pub fn shown_below(&self, id: &CommentId) -> u64 {
        self.children(&Some(id.clone()))
            .iter()
            .map(|c| {
                let shown = self
                    .get(c)
                    .is_some_and(|c| c.state == CommentState::Visible);
                u64::from(shown) + self.shown_below(c)
            })
            .sum()
    }

    /// Adds one new comment: a top-level one at the front (newest first) or
    /// the end, a reply at the end of its parent's replies. A reply to a
    /// comment not shown is left out.
    pub fn add(&mut self, comment: Comment, top_level_first: bool) -> Changes {
        let mut changes = Changes::default();
        if self.contains(&comment.id) {
            return changes;
        }
        match comment.parent_id.clone() {
            None => self.insert_tree(comment, top_level_first, &mut changes),
            Some(parent) => {
                if !self.contains(&parent) {
                    return changes;
                }
                self.insert_tree(comment, false, &mut changes);
                self.bump_reply_counts(&parent, 1, &mut changes);
            }
        }
        changes
    }

    fn bump_reply_counts(&mut self, from: &CommentId, up: i64, changes: &mut Changes) {
        let mut next = Some(from.clone());
        while let Some(id) = next {
            next = match self.comments.get_mut(&id) {
                Some(c) => {
                    c.reply_count = c.reply_count.saturating_add_signed(up);
                    changes.comment(&id);
                    c.parent_id.clone()
                }
                None => None,
            };
        }
    }

    /// Takes a comment's new text and state, keeping what only this reader
    /// knows (`own`, `mine`) when the update is a broadcast.
    pub fn update(&mut self, updated: Comment) -> Changes {
        let mut changes = Changes::default();
        if let Some(existing) = self.comments.get_mut(&updated.id) {
            let own = existing.own || updated.own;
            let mine = if updated.own || !updated.mine.is_empty() {
                updated.mine.clone()
            } else {
                std::mem::take(&mut existing.mine)
            };
            let reply_count = existing.reply_count.max(updated.reply_count);
            // Where the thread's replies go on is this listing's to know.
            let replies_cursor = updated
                .replies_cursor
                .clone()
                .or_else(|| existing.replies_cursor.take());
            *existing = Comment {
                replies: Vec::new(),
                own,
                mine,
                reply_count,
                replies_cursor,
                ..updated
            };
            changes.comment(&existing.id.clone());
        }
        changes
    }

    /// Brings back a restored comment where it stood: a tombstone comes
    /// alive again; a comment that had left goes back to its place in the
    /// order shown (`sort` for top-level comments, oldest first among
    /// replies), not to the top. A reply whose parent is not shown is left
    /// out.
    pub fn restore(&mut self, comment: Comment, sort: SortOrder) -> Changes {
        if self.contains(&comment.id) {
            return self.update(comment);
        }
        let key = comment.parent_id.clone();
        if let Some(parent) = &key
            && !self.contains(parent)
        {
            return Changes::default();
        }
        let at = self.place(&comment, sort);
        let mut changes = Changes::default();
        let id = comment.id.clone();
        self.children
            .entry(key.clone())
            .or_default()
            .insert(at, id.clone());
        changes.list(key.clone());
        changes.comment(&id);
        self.comments.insert(
            id,
            Comment {
                replies: Vec::new(),
                ..comment
            },
        );
        if let Some(parent) = key {
            self.bump_reply_counts(&parent, 1, &mut changes);
        }
        changes
    }

    /// Where a comment goes among its siblings: a featured one first;
    /// else in the order shown (`sort` for top-level comments, oldest
    /// first among replies), after the featured ones.
    fn place(&self, comment: &Comment, sort: SortOrder) -> usize {
        let list = self.children(&comment.parent_id);
        if comment.featured {
            return 0;
        }
        let goes_before = |other: &Comment| {
            !other.featured
                && match (comment.parent_id.is_some(), sort) {
                    (true, _) | (false, SortOrder::Oldest) => comment.created_at < other.created_at,
                    (false, SortOrder::Newest) => comment.created_at > other.created_at,
                    (false, SortOrder::Top) => {
                        (comment.reactions.total(), comment.created_at)
                            > (other.reactions.total(), other.created_at)
                    }
                }
        };
        list.iter()
            .position(|id| self.comments.get(id).is_some_and(goes_before))
            .unwrap_or(list.len())
    }

    /// A comment a moderator featured (it goes on top, and comes in when
    /// it was not shown) or stopped featuring (it goes back to its place).
    /// A comment whose place past the last one shown is not known while
    /// `more` pages are to come leaves: its page brings it back in place.
    pub fn feature(&mut self, comment: Comment, sort: SortOrder, more: bool) -> Changes {
        let id = comment.id.clone();
        if !self.contains(&id) {
            let mut changes = Changes::default();
            if comment.featured {
                self.insert_tree(comment, true, &mut changes);
            }
            return changes;
        }
        let mut changes = self.update(comment);
        self.reposition(&id, sort, more, &mut changes);
        changes
    }

    /// Takes a top-level comment out of the list and puts it back where it
    /// goes now.
    fn reposition(&mut self, id: &CommentId, sort: SortOrder, more: bool, changes: &mut Changes) {
        if let Some(list) = self.children.get_mut(&None) {
            list.retain(|c| c != id);
        }
        changes.list(None);
        let Some(comment) = self.comments.get(id).cloned() else {
            return;
        };
        let at = self.place(&comment, sort);
        if more && at == self.children(&None).len() {
            self.drop_tree(id, changes);
        } else {
            self.children
                .entry(None)
                .or_default()
                .insert(at, id.clone());
        }
    }

    /// Forgets a comment and everything beneath it.
    fn drop_tree(&mut self, id: &CommentId, changes: &mut Changes) {
        for child in self.children(&Some(id.clone())) {
            self.drop_tree(&child, changes);
        }
        self.drop_one(id, changes);
    }

    /// A hidden or deleted comment leaves; it stays as a tombstone while it
    /// has replies shown, and tombstones left with none go too.
    pub fn remove(&mut self, removed: &CommentRemoved, sort: SortOrder) -> Changes {
        let mut changes = Changes::default();
        let has_replies = !self.children(&Some(removed.id.clone())).is_empty();
        let Some(existing) = self.comments.get_mut(&removed.id) else {
            return changes;
        };
        let was_visible = existing.state == CommentState::Visible;
        let parent = existing.parent_id.clone();
        if has_replies {
            let was_featured = std::mem::take(&mut existing.featured);
            existing.state = removed.state;
            existing.author = Default::default();
            existing.body.clear();
            existing.html.clear();
            existing.reactions = ReactionCounts::default();
            existing.mine.clear();
            existing.own = false;
            changes.comment(&removed.id);
            // No longer featured: the tombstone stands in the comment's
            // own place.
            if was_featured {
                self.reposition(&removed.id, sort, false, &mut changes);
            }
        } else {
            self.drop_one(&removed.id, &mut changes);
        }
        if let Some(parent) = parent {
            if was_visible {
                self.bump_reply_counts(&parent, -1, &mut changes);
            }
            self.prune(&parent, &mut changes);
        }
        changes
    }

    fn drop_one(&mut self, id: &CommentId, changes: &mut Changes) {
        if let Some(comment) = self.comments.remove(id) {
            let key = comment.parent_id.clone();
            if let Some(list) = self.children.get_mut(&key) {
                list.retain(|c| c != id);
            }
            changes.list(key);
            self.children.remove(&Some(id.clone()));
        }
    }

    /// Drops tombstones that no longer stand over anything, walking up.
    fn prune(&mut self, from: &CommentId, changes: &mut Changes) {
        let mut next = Some(from.clone());
        while let Some(id) = next {
            let Some(comment) = self.comments.get(&id) else {
                break;
            };
            let empty = self.children(&Some(id.clone())).is_empty();
            if comment.state == CommentState::Visible || !empty {
                break;
            }
            next = comment.parent_id.clone();
            self.drop_one(&id, changes);
        }
    }

    /// New counts for a comment; `mine` too when the answer was this
    /// reader's own.
    pub fn set_reactions(
        &mut self,
        id: &CommentId,
        counts: ReactionCounts,
        mine: Option<Vec<ReactionKind>>,
    ) -> Changes {
        let mut changes = Changes::default();
        if let Some(comment) = self.comments.get_mut(id) {
            comment.reactions = counts;
            if let Some(mine) = mine {
                comment.mine = mine;
            }
            changes.comment(id);
        }
        changes
    }

    /// How deep a comment sits (0 for top level).
    pub fn depth(&self, id: &CommentId) -> usize {
        let mut depth = 0;
        let mut next = self.comments.get(id).and_then(|c| c.parent_id.clone());
        while let Some(parent) = next {
            depth += 1;
            next = self.comments.get(&parent).and_then(|c| c.parent_id.clone());
        }
        depth
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chime_shared::{ArticleId, Author};
    use time::macros::datetime;

    pub fn comment(id: &str, parent: Option<&str>) -> Comment {
        Comment {
            id: cid(id),
            article: ArticleId::parse("a").expect("article"),
            parent_id: parent.map(cid),
            author: Author {
                name: format!("author {id}"),
                ..Author::default()
            },
            body: format!("body {id}"),
            html: format!("<p>body {id}</p>"),
            created_at: datetime!(2026-11-28 10:00 UTC),
            edited_at: None,
            state: CommentState::Visible,
            reactions: ReactionCounts::default(),
            mine: Vec::new(),
            own: false,
            reply_count: 0,
            replies: Vec::new(),
            replies_cursor: None,
            replies_by_email: None,
            featured: false,
        }
    }

    fn cid(raw: &str) -> CommentId {
        CommentId::parse(raw).expect("id")
    }

    fn removed(raw: &str) -> CommentRemoved {
        CommentRemoved {
            id: cid(raw),
            article: ArticleId::parse("a").expect("article"),
            parent_id: None,
            state: CommentState::Hidden,
            reply_count: 0,
        }
    }

    #[test]
    fn further_replies_hang_beneath_their_parents_and_the_cursor_moves_on() {
        let mut t = Thread::default();
        let mut root = comment("1", None);
        root.reply_count = 4;
        root.replies = vec![comment("2", Some("1"))];
        root.replies_cursor = Some(Cursor::parse("p.0.0.2").expect("cursor"));
        t.append_page(vec![root]);
        assert_eq!(t.shown_below(&cid("1")), 1);
        let next = Some(Cursor::parse("p.0.0.4").expect("cursor"));
        let more = vec![
            comment("3", Some("2")),
            comment("4", Some("1")),
            comment("9", Some("8")),
        ];
        let first = Cursor::parse("p.0.0.2").expect("cursor");
        t.append_replies(&cid("1"), &first, more, next.clone());
        assert_eq!(t.children(&Some(cid("2"))), vec![cid("3")]);
        assert_eq!(t.children(&Some(cid("1"))), vec![cid("2"), cid("4")]);
        assert!(!t.contains(&cid("9")), "its parent is not shown");
        assert_eq!(t.shown_below(&cid("1")), 3);
        assert_eq!(
            t.get(&cid("1")).and_then(|c| c.replies_cursor.clone()),
            next
        );
        // A broadcast update of the root keeps where its replies go on.
        t.update(comment("1", None));
        assert_eq!(
            t.get(&cid("1")).and_then(|c| c.replies_cursor.clone()),
            next
        );
        // A late answer to an earlier request does not move it back.
        t.append_replies(&cid("1"), &first, Vec::new(), None);
        assert_eq!(
            t.get(&cid("1")).and_then(|c| c.replies_cursor.clone()),
            next
        );
        let last = next.clone().expect("a cursor");
        t.append_replies(&cid("1"), &last, Vec::new(), None);
        assert!(t.get(&cid("1")).is_some_and(|c| c.replies_cursor.is_none()));
    }

    #[test]
    fn pages_flatten_nested_replies_and_skip_repeats() {
        let mut thread = Thread::default();
        let mut top = comment("1", None);
        let mut reply = comment("2", Some("1"));
        reply.replies.push(comment("3", Some("2")));
        top.replies.push(reply);
        let changes = thread.append_page(vec![top.clone(), comment("4", None)]);
        assert_eq!(thread.children(&None), vec![cid("1"), cid("4")]);
        assert_eq!(thread.children(&Some(cid("2"))), vec![cid("3")]);
        assert_eq!(thread.depth(&cid("3")), 2);
        assert!(changes.lists.contains(&None));
        assert!(thread.append_page(vec![top]).is_empty());
    }

    #[test]
    fn new_comments_land_in_place_and_count_up() {
        let mut thread = Thread::default();
        thread.append_page(vec![comment("1", None)]);
        thread.add(comment("5", None), true);
        assert_eq!(thread.children(&None), vec![cid("5"), cid("1")]);
        let changes = thread.add(comment("6", Some("1")), true);
        assert_eq!(thread.children(&Some(cid("1"))), vec![cid("6")]);
        assert_eq!(thread.get(&cid("1")).map(|c| c.reply_count), Some(1));
        assert!(changes.lists.contains(&Some(cid("1"))));
        assert!(
            thread.add(comment("7", Some("99")), true).is_empty(),
            "parent not shown"
        );
        assert!(
            thread.add(comment("6", Some("1")), true).is_empty(),
            "already shown"
        );
    }

    #[test]
    fn removal_leaves_tombstones_over_replies_and_prunes_them_after() {
        let mut thread = Thread::default();
        thread.append_page(vec![comment("1", None), comment("9", None)]);
        thread.add(comment("2", Some("1")), true);
        thread.remove(&removed("1"), SortOrder::Newest);
        let tomb = thread.get(&cid("1")).expect("tombstone");
        assert_eq!(tomb.state, CommentState::Hidden);
        assert!(tomb.body.is_empty() && tomb.html.is_empty() && tomb.author.name.is_empty());
        let changes = thread.remove(&removed("2"), SortOrder::Newest);
        assert!(
            !thread.contains(&cid("1")),
            "the tombstone went with its last reply"
        );
        assert_eq!(thread.children(&None), vec![cid("9")]);
        assert!(changes.lists.contains(&None));
    }

    #[test]
    fn updates_keep_replies_and_this_readers_own_state() {
        let mut thread = Thread::default();
        let mut mine = comment("1", None);
        mine.own = true;
        mine.mine = vec![ReactionKind::Like];
        thread.append_page(vec![mine]);
        thread.add(comment("2", Some("1")), true);
        let mut broadcast = comment("1", None);
        broadcast.body = "edited".into();
        thread.update(broadcast);
        let after = thread.get(&cid("1")).expect("kept");
        assert_eq!(after.body, "edited");
        assert!(after.own);
        assert_eq!(after.mine, vec![ReactionKind::Like]);
        assert_eq!(thread.children(&Some(cid("1"))), vec![cid("2")]);
    }

    #[test]
    fn restore_puts_back_where_it_stood() {
        let at = |minute: u8, id: &str, parent: Option<&str>| {
            let mut c = comment(id, parent);
            c.created_at = datetime!(2026-11-28 10:00 UTC) + time::Duration::minutes(minute.into());
            c
        };
        let mut thread = Thread::default();
        let mut top = at(1, "1", None);
        top.replies = vec![
            at(2, "r1", Some("1")),
            at(3, "r2", Some("1")),
            at(4, "r3", Some("1")),
        ];
        thread.append_page(vec![at(9, "3", None), at(5, "2", None), top]);
        thread.remove(&removed("2"), SortOrder::Newest);
        thread.remove(&removed("r2"), SortOrder::Newest);
        assert_eq!(thread.children(&None), vec![cid("3"), cid("1")]);

        thread.restore(at(5, "2", None), SortOrder::Newest);
        assert_eq!(thread.children(&None), vec![cid("3"), cid("2"), cid("1")]);
        thread.restore(at(3, "r2", Some("1")), SortOrder::Newest);
        assert_eq!(
            thread.children(&Some(cid("1"))),
            vec![cid("r1"), cid("r2"), cid("r3")]
        );
        // Shown already (a tombstone, or twice): updated, not doubled.
        thread.restore(at(5, "2", None), SortOrder::Newest);
        assert_eq!(thread.children(&None).len(), 3);
        // A reply to a comment not shown stays out.
        thread.restore(at(6, "x", Some("gone")), SortOrder::Newest);
        assert!(!thread.contains(&cid("x")));
    }

    #[test]
    fn featured_comments_stay_on_top_and_go_back_to_their_place() {
        let at = |minute: u8, id: &str| {
            let mut c = comment(id, None);
            c.created_at = datetime!(2026-11-28 10:00 UTC) + time::Duration::minutes(minute.into());
            c
        };
        let featured = |mut c: Comment| {
            c.featured = true;
            c
        };
        let mut thread = Thread::default();
        thread.append_page(vec![featured(at(1, "1")), at(3, "3"), at(2, "2")]);
        // New comments come in under the featured one.
        thread.add(at(4, "4"), true);
        assert_eq!(
            thread.children(&None),
            vec![cid("1"), cid("4"), cid("3"), cid("2")]
        );
        // Featured live: on top; one not shown yet comes in there.
        let changes = thread.feature(featured(at(2, "2")), SortOrder::Newest, false);
        assert!(changes.lists.contains(&None));
        assert_eq!(
            thread.children(&None),
            vec![cid("2"), cid("1"), cid("4"), cid("3")]
        );
        thread.feature(featured(at(0, "0")), SortOrder::Newest, false);
        assert_eq!(thread.children(&None)[0], cid("0"));
        // Unfeatured: back to its place among the rest, by the order shown.
        thread.feature(at(1, "1"), SortOrder::Newest, false);
        assert_eq!(
            thread.children(&None),
            vec![cid("0"), cid("2"), cid("4"), cid("3"), cid("1")]
        );
        assert!(thread.get(&cid("1")).is_some_and(|c| !c.featured));
        // A restored comment goes back below the featured ones.
        thread.remove(&removed("4"), SortOrder::Newest);
        thread.restore(at(4, "4"), SortOrder::Newest);
        assert_eq!(thread.children(&None)[..3], [cid("0"), cid("2"), cid("4")]);
        // Unfeaturing one not shown brings nothing in.
        assert!(
            thread
                .feature(at(9, "9"), SortOrder::Newest, false)
                .is_empty()
        );
        // Unfeatured where the pages still to come would put it: it goes,
        // and its page brings it back (with its replies).
        thread.add(comment("r", Some("0")), true);
        thread.feature(at(0, "0"), SortOrder::Newest, true);
        assert!(!thread.contains(&cid("0")) && !thread.contains(&cid("r")));
        // A featured comment removed over its replies stands as a tombstone
        // in its own place, not on top.
        let mut thread = Thread::default();
        let mut top = featured(at(1, "1"));
        top.replies = vec![comment("1r", Some("1"))];
        thread.append_page(vec![top, at(3, "3"), at(2, "2")]);
        thread.remove(&removed("1"), SortOrder::Newest);
        assert_eq!(thread.children(&None), vec![cid("3"), cid("2"), cid("1")]);
        assert!(thread.get(&cid("1")).is_some_and(|c| !c.featured));
        thread.add(at(4, "4"), true);
        assert_eq!(thread.children(&None)[0], cid("4"));
    }

    #[test]
    fn reactions_update_counts_and_optionally_mine() {
        let mut thread = Thread::default();
        thread.append_page(vec![comment("1", None)]);
        thread.set_reactions(
            &cid("1"),
            ReactionCounts::from_array([2, 0, 0, 0, 0, 0]),
            None,
        );
        assert_eq!(thread.get(&cid("1")).map(|c| c.reactions.total()), Some(2));
        thread.set_reactions(
            &cid("1"),
            ReactionCounts::default(),
            Some(vec![ReactionKind::Sad]),
        );
        assert_eq!(
            thread.get(&cid("1")).map(|c| c.mine.clone()),
            Some(vec![ReactionKind::Sad])
        );
    }
}
