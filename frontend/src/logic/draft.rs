//! Drafts kept per article (and per reply) in `localStorage`, so nothing a
//! reader typed is lost to a reload or a failed send; cleared only once the
//! server has the comment.

/// What is kept of an unsent comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// The first line of a stored draft, so a later format can tell old ones.
const FORMAT: &str = "chime-draft-1\n";

/// The storage key of the remembered author name.
pub const NAME_KEY: &str = "chime:name";
/// Where the address reply e-mails go is kept, like the name.
pub const EMAIL_KEY: &str = "chime:email";

/// The storage key of the reader token.
pub const READER_KEY: &str = "chime:reader";

impl Draft {
    /// Reads a stored draft; anything unreadable counts as no draft.
    pub fn load(stored: Option<&str>) -> Option<Draft> {
        let rest = stored?.strip_prefix(FORMAT)?;
        let (idempotency_key, body) = rest.split_once('\n')?;
        Some(Draft {
            body: body.to_owned(),
            idempotency_key: idempotency_key.to_owned(),
        })
    }

    /// The text to store: a version line, the key (hex, one line), then the
    /// body as typed. Plain text rather than JSON keeps a JSON codec out of
    /// the widget's bundle.
    pub fn store(&self) -> String {
        format!("{FORMAT}{}\n{}", self.idempotency_key, self.body)
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
        assert_eq!(Draft::load(Some("chime-draft-1\nno-body-line")), None);
        let multiline = Draft {
            body: "line one\n\nline three\n".into(),
            idempotency_key: "k2".into(),
        };
        assert_eq!(Draft::load(Some(&multiline.store())), Some(multiline));
        assert_eq!(Draft::load(None), None);
    }

    #[test]
    fn keys_are_per_article_and_parent() {
        assert_ne!(key("a", None), key("b", None));
        assert_ne!(key("a", None), key("a", Some("1")));
    }
}
