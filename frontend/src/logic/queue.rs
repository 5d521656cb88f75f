//! A moderation queue: its rows, the row under the cursor, the selection,
//! and what live events do to it. Plain data, so it is tested without a
//! browser.

use chime_shared::{CommentId, CommentState, ModChange, ModComment, ModEvent, ModStateFilter};
use std::collections::BTreeSet;

/// The queues of the moderation view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Reported comments, most reported first.
    #[default]
    Reported,
    /// Comments held for review.
    Pending,
    /// Every new comment, newest first.
    Recent,
    /// Hidden comments.
    Hidden,
}

impl Queue {
    /// All queues, in tab order.
    pub const ALL: [Queue; 4] = [
        Queue::Reported,
        Queue::Pending,
        Queue::Recent,
        Queue::Hidden,
    ];

    /// The listing that fills it.
    pub fn filter(self) -> ModStateFilter {
        match self {
            Self::Reported => ModStateFilter::Reported,
            Self::Pending => ModStateFilter::Pending,
            Self::Recent => ModStateFilter::All,
            Self::Hidden => ModStateFilter::Hidden,
        }
    }

    /// Its name in test hooks and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Pending => "pending",
            Self::Recent => "recent",
            Self::Hidden => "hidden",
        }
    }

    /// Whether a comment that is not shown yet belongs in this queue after
    /// `change` left it as `row`.
    fn wants(self, change: ModChange, row: &ModComment) -> bool {
        matches!(
            (self, change),
            (Self::Recent, ModChange::Created)
                | (Self::Reported, ModChange::Reported)
                | (Self::Hidden, ModChange::Hidden | ModChange::Rejected)
                | (Self::Pending, ModChange::Held)
        ) || (self == Self::Pending
            && ((change == ModChange::Created && row.comment.state == CommentState::Pending)
                || (change == ModChange::Edited && row.edit.is_some())))
    }
}

/// What a moderator does to comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Hide,
    Restore,
    Approve,
    Reject,
}

impl Act {
    /// Whether `row` can be acted on so: approving and rejecting are for
    /// held comments and for shown ones whose edit waits.
    pub fn applies_to(self, row: &ModComment) -> bool {
        use CommentState::{Hidden, Pending, Visible};
        matches!(
            (self, row.comment.state),
            (Self::Hide, Visible | Pending)
                | (Self::Restore, Hidden)
                | (Self::Approve | Self::Reject, Pending)
        ) || (matches!(self, Self::Approve | Self::Reject)
            && row.comment.state == Visible
            && row.edit.is_some())
    }

    /// The state it leaves `row` in (judging a shown comment's edit leaves
    /// it shown).
    pub fn to(self, row: &ModComment) -> CommentState {
        match self {
            Self::Reject if row.comment.state == CommentState::Visible => CommentState::Visible,
            Self::Hide | Self::Reject => CommentState::Hidden,
            Self::Restore | Self::Approve => CommentState::Visible,
        }
    }
}

/// What a live event did to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A shown row changed in place.
    Updated,
    /// A new row waits behind the "N new" notice.
    Waiting,
    /// Nothing to do here.
    Ignored,
}

/// One queue's rows and the moderator's place in them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desk {
    pub rows: Vec<ModComment>,
    /// The row under the keyboard cursor.
    pub current: Option<CommentId>,
    pub selected: BTreeSet<CommentId>,
    /// New rows held back so nothing jumps under the cursor.
    pub waiting: Vec<ModComment>,
}

impl Desk {
    /// Replaces the rows with a first page (a new queue or filter, or a
    /// reload after signing in again). The cursor stays on its row when
    /// that row is still there, so a reload does not lose the place.
    pub fn reset(&mut self, rows: Vec<ModComment>) {
        let kept = self
            .current
            .take()
            .filter(|c| rows.iter().any(|r| &r.comment.id == c));
        self.current = kept.or_else(|| rows.first().map(|r| r.comment.id.clone()));
        self.rows = rows;
        self.selected.clear();
        self.waiting.clear();
    }

    /// Adds a further page, skipping rows already shown.
    pub fn append(&mut self, rows: Vec<ModComment>) {
        for row in rows {
            if !self.rows.iter().any(|r| r.comment.id == row.comment.id) {
                self.rows.push(row);
            }
        }
        if self.current.is_none() {
            self.current = self.rows.first().map(|r| r.comment.id.clone());
        }
    }

    /// A live event: shown rows change in place; new ones wait.
    pub fn apply(&mut self, queue: Queue, event: ModEvent) -> Applied {
        let id = event.comment.comment.id.clone();
        if let Some(row) = self.rows.iter_mut().find(|r| r.comment.id == id) {
            *row = event.comment;
            return Applied::Updated;
        }
        if let Some(row) = self.waiting.iter_mut().find(|r| r.comment.id == id) {
            *row = event.comment;
            return Applied::Updated;
        }
        if queue.wants(event.change, &event.comment) {
            self.waiting.insert(0, event.comment);
            Applied::Waiting
        } else {
            Applied::Ignored
        }
    }

    /// Shows the waiting rows at the top; the cursor stays on its row.
    pub fn show_waiting(&mut self) -> usize {
        let n = self.waiting.len();
        let mut rows = std::mem::take(&mut self.waiting);
        rows.append(&mut self.rows);
        self.rows = rows;
        if self.current.is_none() {
            self.current = self.rows.first().map(|r| r.comment.id.clone());
        }
        n
    }

    fn index(&self) -> Option<usize> {
        let current = self.current.as_ref()?;
        self.rows.iter().position(|r| &r.comment.id == current)
    }

    /// Moves the cursor `delta` rows, stopping at the ends.
    pub fn step(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let next = match self.index() {
            None => 0,
            Some(i) => i.saturating_add_signed(delta).min(last),
        };
        self.current = Some(self.rows[next].comment.id.clone());
    }

    /// Selects or unselects the row under the cursor.
    pub fn toggle_current(&mut self) {
        if let Some(id) = self.current.clone() {
            self.toggle(&id);
        }
    }

    /// Selects or unselects a row.
    pub fn toggle(&mut self, id: &CommentId) {
        if !self.selected.remove(id) {
            self.selected.insert(id.clone());
        }
    }

    /// What an action applies to: the selection, or else the current row.
    pub fn targets(&self) -> Vec<CommentId> {
        if self.selected.is_empty() {
            self.current.iter().cloned().collect()
        } else {
            self.rows
                .iter()
                .map(|r| r.comment.id.clone())
                .filter(|id| self.selected.contains(id))
                .collect()
        }
    }

    /// A row as it is now.
    pub fn get(&self, id: &CommentId) -> Option<&ModComment> {
        self.rows.iter().find(|r| &r.comment.id == id)
    }

    /// Sets a row's state at once (before the server answers); returns the
    /// row as it was, to put back if the server refuses.
    pub fn set_state(&mut self, id: &CommentId, state: CommentState) -> Option<ModComment> {
        let row = self.rows.iter_mut().find(|r| &r.comment.id == id)?;
        let before = row.clone();
        row.comment.state = state;
        Some(before)
    }

    /// Puts a row back (or in) as the server has it.
    pub fn put(&mut self, row: ModComment) {
        if let Some(shown) = self
            .rows
            .iter_mut()
            .find(|r| r.comment.id == row.comment.id)
        {
            *shown = row;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::thread::tests::comment;
    use chime_shared::ReportSummary;

    fn row(id: &str) -> ModComment {
        ModComment {
            comment: comment(id, None),
            reports: ReportSummary::default(),
            hidden_reason: None,
            parent_excerpt: None,
            edit: None,
            reader: String::new(),
        }
    }

    fn event(change: ModChange, id: &str) -> ModEvent {
        ModEvent {
            change,
            comment: row(id),
        }
    }

    #[test]
    fn the_review_queue_takes_held_comments_and_acts_fit_their_state() {
        let mut desk = Desk::default();
        let mut held = event(ModChange::Created, "p");
        held.comment.comment.state = CommentState::Pending;
        assert_eq!(desk.apply(Queue::Pending, held), Applied::Waiting);
        assert_eq!(
            desk.apply(Queue::Pending, event(ModChange::Created, "v")),
            Applied::Ignored,
            "a visible new comment is not for review"
        );
        assert_eq!(
            desk.apply(Queue::Pending, event(ModChange::Held, "r")),
            Applied::Waiting
        );
        assert_eq!(
            desk.apply(Queue::Hidden, event(ModChange::Rejected, "x")),
            Applied::Waiting
        );
        let in_state = |state| {
            let mut r = row("s");
            r.comment.state = state;
            r
        };
        assert!(Act::Approve.applies_to(&in_state(CommentState::Pending)));
        assert!(!Act::Approve.applies_to(&in_state(CommentState::Hidden)));
        assert!(!Act::Approve.applies_to(&in_state(CommentState::Visible)));
        assert!(Act::Hide.applies_to(&in_state(CommentState::Pending)));
        assert!(!Act::Restore.applies_to(&in_state(CommentState::Pending)));
        assert_eq!(
            Act::Reject.to(&in_state(CommentState::Pending)),
            CommentState::Hidden
        );
        // A shown comment whose edit waits: judged, it stays shown.
        let mut edited = in_state(CommentState::Visible);
        edited.edit = Some(chime_shared::WaitingEdit {
            body: "new".into(),
            html: "<p>new</p>".into(),
            at: edited.comment.created_at,
        });
        assert!(Act::Approve.applies_to(&edited));
        assert!(Act::Reject.applies_to(&edited));
        assert_eq!(Act::Reject.to(&edited), CommentState::Visible);
        let mut desk = Desk::default();
        let mut waits = event(ModChange::Edited, "e");
        waits.comment = edited.clone();
        assert_eq!(desk.apply(Queue::Pending, waits), Applied::Waiting);
        assert_eq!(
            desk.apply(Queue::Pending, event(ModChange::Edited, "plain")),
            Applied::Ignored
        );
    }

    fn ids(rows: &[ModComment]) -> Vec<&str> {
        rows.iter().map(|r| r.comment.id.as_str()).collect()
    }

    #[test]
    fn new_rows_wait_and_shown_rows_change_in_place() {
        let mut desk = Desk::default();
        desk.reset(vec![row("a"), row("b")]);
        assert_eq!(desk.current.as_ref().map(|c| c.as_str()), Some("a"));

        let mut hidden = event(ModChange::Hidden, "b");
        hidden.comment.comment.state = CommentState::Hidden;
        assert_eq!(desk.apply(Queue::Recent, hidden), Applied::Updated);
        assert_eq!(desk.rows[1].comment.state, CommentState::Hidden);

        assert_eq!(
            desk.apply(Queue::Recent, event(ModChange::Created, "c")),
            Applied::Waiting
        );
        assert_eq!(
            desk.apply(Queue::Recent, event(ModChange::Reported, "d")),
            Applied::Ignored
        );
        assert_eq!(
            desk.apply(Queue::Reported, event(ModChange::Reported, "d")),
            Applied::Waiting
        );
        assert_eq!(ids(&desk.rows), ["a", "b"], "nothing moved");
        assert_eq!(desk.show_waiting(), 2);
        assert_eq!(ids(&desk.rows), ["d", "c", "a", "b"]);
        assert_eq!(
            desk.current.as_ref().map(|c| c.as_str()),
            Some("a"),
            "the cursor stays"
        );
    }

    #[test]
    fn the_cursor_moves_and_stops_at_the_ends() {
        let mut desk = Desk::default();
        desk.step(1);
        assert_eq!(desk.current, None);
        desk.reset(vec![row("a"), row("b"), row("c")]);
        desk.step(1);
        desk.step(1);
        desk.step(1);
        assert_eq!(desk.current.as_ref().map(|c| c.as_str()), Some("c"));
        desk.step(-5);
        assert_eq!(desk.current.as_ref().map(|c| c.as_str()), Some("a"));
    }

    #[test]
    fn actions_apply_to_the_selection_or_the_current_row() {
        let mut desk = Desk::default();
        desk.reset(vec![row("a"), row("b"), row("c")]);
        assert_eq!(desk.targets().len(), 1);
        desk.toggle_current();
        desk.step(2);
        desk.toggle_current();
        let targets: Vec<_> = desk
            .targets()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(targets, ["a", "c"]);
        desk.toggle_current();
        assert_eq!(desk.targets().len(), 1);
    }

    #[test]
    fn an_optimistic_change_can_be_put_back() {
        let mut desk = Desk::default();
        desk.reset(vec![row("a")]);
        let id = desk.rows[0].comment.id.clone();
        let before = desk.set_state(&id, CommentState::Hidden).expect("shown");
        assert_eq!(desk.rows[0].comment.state, CommentState::Hidden);
        desk.put(before);
        assert_eq!(desk.rows[0].comment.state, CommentState::Visible);
        assert!(
            desk.set_state(&CommentId::parse("zz").expect("id"), CommentState::Hidden)
                .is_none()
        );
    }

    #[test]
    fn a_reload_keeps_the_cursor_on_its_row() {
        let mut desk = Desk::default();
        desk.reset(vec![row("a"), row("b")]);
        desk.step(1);
        desk.reset(vec![row("z"), row("a"), row("b")]);
        assert_eq!(desk.current.as_ref().map(|c| c.as_str()), Some("b"));
        desk.reset(vec![row("y")]);
        assert_eq!(desk.current.as_ref().map(|c| c.as_str()), Some("y"));
    }

    #[test]
    fn later_pages_skip_rows_already_shown() {
        let mut desk = Desk::default();
        desk.reset(vec![row("a"), row("b")]);
        desk.append(vec![row("b"), row("c")]);
        assert_eq!(ids(&desk.rows), ["a", "b", "c"]);
    }
}
