//! Drafts kept per article (and per reply) in `localStorage`, so nothing a
//! reader typed is lost to a reload or a failed send; cleared only once the
//! server has the comment.

use serde::{Deserialize, Serialize};

/// What is kept of an unsent comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub body: String,
    /// The key that every retry of this draft reuses, so a send that
    /// reached the server but whose answer was lost is not posted twice.
    pub idempotency_key: String,
}

/// The storage key of a draft: per article, and per parent for replies.
pub fn key(article: &str, parent: Option<&str>) -> String {
    match parent {
        Some(parent) => format!("chime:draft:{article}:reply:{parent}"),
        None => format!("chime:draft:{article}"),
    }
}

/// The storage key of the remembered author name.
pub const NAME_KEY: &str = "chime:name";

/// The storage key of the reader token.
pub const READER_KEY: &str = "chime:reader";

impl Draft {
    /// Reads a stored draft; anything unreadable counts as no draft.
    pub fn load(stored: Option<&str>) -> Option<Draft> {
        stored.and_then(|s| serde_json::from_str(s).ok())
    }

    /// The text to store.
    pub fn store(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether anything is worth keeping.
    pub fn is_empty(&self) -> bool {
        self.body.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_round_trip_and_bad_ones_are_ignored() {
        let draft = Draft {
            body: "half a thought".into(),
            idempotency_key: "k1".into(),
        };
        assert_eq!(Draft::load(Some(&draft.store())), Some(draft));
        assert_eq!(Draft::load(Some("{broken")), None);
        assert_eq!(Draft::load(None), None);
    }

    #[test]
    fn keys_are_per_article_and_parent() {
        assert_ne!(key("a", None), key("b", None));
        assert_ne!(key("a", None), key("a", Some("1")));
    }
}
