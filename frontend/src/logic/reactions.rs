//! Optimistic reaction toggles: the count moves at once and moves back if
//! the server refuses.

use chime_shared::{ReactionCounts, ReactionKind};

/// A target's counts and the reader's own kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReactionState {
    pub counts: ReactionCounts,
    pub mine: Vec<ReactionKind>,
}

impl ReactionState {
    /// Whether the reader chose `kind`.
    pub fn has(&self, kind: ReactionKind) -> bool {
        self.mine.contains(&kind)
    }

    /// The state after toggling `kind`, and whether that adds it.
    pub fn toggled(&self, kind: ReactionKind) -> (ReactionState, bool) {
        let mut next = self.clone();
        let adding = !self.has(kind);
        let count = next.counts.0.entry(kind).or_insert(0);
        if adding {
            *count += 1;
            next.mine.push(kind);
            next.mine.sort();
        } else {
            *count = count.saturating_sub(1);
            next.mine.retain(|k| *k != kind);
        }
        next.counts.0.retain(|_, n| *n > 0);
        (next, adding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_adds_then_takes_back() {
        let start = ReactionState::default();
        let (added, adding) = start.toggled(ReactionKind::Love);
        assert!(adding);
        assert_eq!(added.counts.get(ReactionKind::Love), 1);
        assert!(added.has(ReactionKind::Love));
        let (back, adding) = added.toggled(ReactionKind::Love);
        assert!(!adding);
        assert_eq!(back, start, "rolling back is toggling again");
    }

    #[test]
    fn others_counts_are_kept() {
        let start = ReactionState {
            counts: ReactionCounts::from_array([5, 0, 0, 0, 0, 0]),
            mine: vec![],
        };
        let (next, _) = start.toggled(ReactionKind::Like);
        assert_eq!(next.counts.get(ReactionKind::Like), 6);
    }
}
