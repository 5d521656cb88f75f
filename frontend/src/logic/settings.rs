//! The screening settings as admins edit and read them: word lists as
//! text (one entry per line), and a change in the audit log in words.

use chime_shared::{AuditEntry, ScreeningSettings};

/// A word list as the text an admin edits: one entry per line.
pub fn to_text(words: &[String]) -> String {
    words.join("\n")
}

/// An admin's text as a word list: one entry per line (or comma), blank
/// lines dropped. The server checks the rest.
pub fn from_text(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What an audit entry acted on: a comment, a moderator, or the settings.
pub fn target(entry: &AuditEntry) -> String {
    match (&entry.comment_id, &entry.subject) {
        (Some(id), _) => format!("comment {id}"),
        (None, Some(name)) => name.clone(),
        (None, None) => "settings".into(),
    }
}

/// A settings change in words: what moved, nothing that stayed.
pub fn changes(before: &ScreeningSettings, after: &ScreeningSettings) -> Vec<String> {
    let mut said = Vec::new();
    if before.premoderation != after.premoderation {
        said.push(format!(
            "pre-moderation {} → {}",
            before.premoderation.as_str(),
            after.premoderation.as_str()
        ));
    }
    for (name, old, new) in [
        ("banned", &before.banned_words, &after.banned_words),
        ("suspect", &before.suspect_words, &after.suspect_words),
    ] {
        let added: Vec<&str> = new
            .iter()
            .filter(|w| !old.contains(w))
            .map(String::as_str)
            .collect();
        let removed: Vec<&str> = old
            .iter()
            .filter(|w| !new.contains(w))
            .map(String::as_str)
            .collect();
        if !added.is_empty() {
            said.push(format!("{name} words + {}", added.join(", ")));
        }
        if !removed.is_empty() {
            said.push(format!("{name} words − {}", removed.join(", ")));
        }
    }
    if before.max_links != after.max_links {
        said.push(format!(
            "link limit {} → {}",
            before.max_links, after.max_links
        ));
    }
    if before.auto_close_days != after.auto_close_days {
        let days = |d: u32| match d {
            0 => "never".to_owned(),
            d => format!("{d} days"),
        };
        said.push(format!(
            "closing by itself {} → {}",
            days(before.auto_close_days),
            days(after.auto_close_days)
        ));
    }
    for (name, old, new) in [
        ("surge comments", before.surge_posts, after.surge_posts),
        ("surge reports", before.surge_reports, after.surge_reports),
        ("surge factor", before.surge_factor, after.surge_factor),
    ] {
        if old != new {
            said.push(format!("{name} {old} → {new}"));
        }
    }
    if said.is_empty() {
        said.push("no change".into());
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;
    use chime_shared::Premoderation;

    #[test]
    fn a_change_is_said_by_what_moved() {
        let before = ScreeningSettings {
            premoderation: Premoderation::Off,
            banned_words: vec!["spam".into(), "scam".into()],
            suspect_words: vec![],
            max_links: 3,
            auto_close_days: 0,
            ..ScreeningSettings::default()
        };
        let after = ScreeningSettings {
            premoderation: Premoderation::All,
            banned_words: vec!["spam".into(), "fraud".into()],
            suspect_words: vec!["casino".into()],
            max_links: 3,
            auto_close_days: 14,
            surge_posts: 40,
            ..ScreeningSettings::default()
        };
        assert_eq!(
            changes(&before, &after),
            vec![
                "pre-moderation off → all",
                "banned words + fraud",
                "banned words − scam",
                "suspect words + casino",
                "closing by itself never → 14 days",
                "surge comments 20 → 40",
            ]
        );
        assert_eq!(changes(&after, &after), vec!["no change"]);
    }

    #[test]
    fn word_lists_round_trip_through_text() {
        let words = from_text(" spam \n\nbuy now, scam\n");
        assert_eq!(words, vec!["spam", "buy now", "scam"]);
        assert_eq!(from_text(&to_text(&words)), words);
    }
}
