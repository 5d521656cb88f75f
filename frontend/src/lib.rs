//! The Chime reader widget and moderation view (Leptos, WebAssembly).
//!
//! The Leptos components arrive with the reader-widget work; until then this
//! crate holds the client-side rules the widget will use, built on the same
//! `shared` types the server trusts.

use chime_shared::{CommentBody, Limits, ParseError};

/// Checks a draft the way the server will, so the widget can say what is
/// wrong before sending.
pub fn check_draft(body: &str, limits: &Limits) -> Result<(), ParseError> {
    CommentBody::parse(body, limits.body_max_chars).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_checked_with_the_servers_rules() {
        let limits = Limits::default();
        assert!(check_draft("hello", &limits).is_ok());
        assert_eq!(check_draft("  ", &limits).map_err(|e| e.field), Err("body"));
    }
}
