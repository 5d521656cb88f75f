//! The screening settings as admins edit and read them: word lists as
//! text (one entry per line), and what a change in the audit log moved.

use chime_shared::{AuditEntry, Premoderation, ScreeningSettings};

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

/// What an audit entry acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Comment(String),
    /// A moderator, a reader or an article, by name.
    Named(String),
    Settings,
}

/// What an audit entry acted on: a comment, a moderator, or the settings.
pub fn target(entry: &AuditEntry) -> Target {
    match (&entry.comment_id, &entry.subject) {
        (Some(id), _) => Target::Comment(id.to_string()),
        (None, Some(name)) => Target::Named(name.clone()),
        (None, None) => Target::Settings,
    }
}

/// A word list of the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordList {
    Banned,
    Suspect,
}

/// One thing a settings change moved (the view words it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Premoderation(Premoderation, Premoderation),
    /// Words added to (or, `added: false`, taken from) a list.
    Words {
        list: WordList,
        added: bool,
        words: Vec<String>,
    },
    Links(u32, u32),
    /// Days after the first comment (0: never).
    Closing(u32, u32),
    SurgePosts(u32, u32),
    SurgeReports(u32, u32),
    SurgeFactor(u32, u32),
    /// Saved as it was.
    Nothing,
}

/// What a settings change moved, nothing that stayed.
pub fn changes(before: &ScreeningSettings, after: &ScreeningSettings) -> Vec<Change> {
    let mut said = Vec::new();
    if before.premoderation != after.premoderation {
        said.push(Change::Premoderation(
            before.premoderation,
            after.premoderation,
        ));
    }
    for (list, old, new) in [
        (WordList::Banned, &before.banned_words, &after.banned_words),
        (
            WordList::Suspect,
            &before.suspect_words,
            &after.suspect_words,
        ),
    ] {
        let difference = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter().filter(|w| !b.contains(w)).cloned().collect()
        };
        for (added, words) in [(true, difference(new, old)), (false, difference(old, new))] {
            if !words.is_empty() {
                said.push(Change::Words { list, added, words });
            }
        }
    }
    for (old, new, change) in [
        (
            before.max_links,
            after.max_links,
            Change::Links as fn(u32, u32) -> Change,
        ),
        (
            before.auto_close_days,
            after.auto_close_days,
            Change::Closing,
        ),
        (before.surge_posts, after.surge_posts, Change::SurgePosts),
        (
            before.surge_reports,
            after.surge_reports,
            Change::SurgeReports,
        ),
        (before.surge_factor, after.surge_factor, Change::SurgeFactor),
    ] {
        if old != new {
            said.push(change(old, new));
        }
    }
    if said.is_empty() {
        said.push(Change::Nothing);
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let words = |list, added, w: &str| Change::Words {
            list,
            added,
            words: vec![w.to_owned()],
        };
        assert_eq!(
            changes(&before, &after),
            vec![
                Change::Premoderation(Premoderation::Off, Premoderation::All),
                words(WordList::Banned, true, "fraud"),
                words(WordList::Banned, false, "scam"),
                words(WordList::Suspect, true, "casino"),
                Change::Closing(0, 14),
                Change::SurgePosts(20, 40),
            ]
        );
        assert_eq!(changes(&after, &after), vec![Change::Nothing]);
    }

    #[test]
    fn word_lists_round_trip_through_text() {
        let words = from_text(" spam \n\nbuy now, scam\n");
        assert_eq!(words, vec!["spam", "buy now", "scam"]);
        assert_eq!(from_text(&to_text(&words)), words);
    }
}
