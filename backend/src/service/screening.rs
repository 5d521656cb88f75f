//! What a new comment goes through before it is stored: words the site does
//! not allow are refused with a message the author can act on; signs of spam
//! (suspect words, many links, the same text again, the widget's honeypot
//! filled or its form sent faster than anyone types) and pre-moderation hold
//! it for a moderator instead, so a wrong guess costs a delay, never a
//! reader's words.

use crate::service::Error;
use chime_shared::ScreeningSettings;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, RwLock};

pub use chime_shared::Premoderation;

/// Words and phrases, matched whole and ignoring case: "ass" does not match
/// "class", "buy now" matches "Buy   NOW!".
#[derive(Debug, Clone, Default)]
pub struct WordList {
    /// Each entry as the operator wrote it, and as lowercase words.
    entries: Vec<(String, Vec<String>)>,
}

impl WordList {
    /// Parses entries separated by commas or new lines.
    pub fn parse(raw: &str) -> Self {
        let entries = raw
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .filter_map(|entry| {
                let words = words_of(entry);
                (!words.is_empty()).then(|| (entry.to_owned(), words))
            })
            .collect();
        Self { entries }
    }

    /// The first entry that occurs in `text`, as the operator wrote it.
    pub fn find(&self, text: &str) -> Option<&str> {
        if self.entries.is_empty() {
            return None;
        }
        let words = words_of(text);
        self.entries
            .iter()
            .find(|(_, entry)| words.windows(entry.len()).any(|w| w == entry.as_slice()))
            .map(|(raw, _)| raw.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as the operator wrote them.
    pub fn entries(&self) -> Vec<String> {
        self.entries.iter().map(|(raw, _)| raw.clone()).collect()
    }
}

/// Lowercase runs of letters and digits (any script).
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Remembers recent bodies by author and by address, to notice the same
/// text posted again. Per server, in memory: after a restart (or on another
/// server) the first repeat gets through.
#[derive(Debug)]
pub struct Repeats {
    window_ms: i64,
    seen: Mutex<HashMap<u64, i64>>,
}

/// Entries kept before old ones are dropped.
const REPEATS_KEPT: usize = 100_000;

impl Repeats {
    pub fn new(window_ms: i64) -> Self {
        Self {
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records `body` as sent by each of `senders` at `now`, and says
    /// whether any of them sent the same text within the window.
    pub fn seen_again(&self, senders: &[&str], body: &str, now: i64) -> bool {
        let text = words_of(body).join(" ");
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= REPEATS_KEPT {
            seen.retain(|_, at| now - *at < self.window_ms);
            if seen.len() >= REPEATS_KEPT {
                seen.clear();
            }
        }
        let mut again = false;
        for sender in senders {
            let mut hasher = DefaultHasher::new();
            (sender, &text).hash(&mut hasher);
            if let Some(at) = seen.insert(hasher.finish(), now) {
                again |= now - at < self.window_ms;
            }
        }
        again
    }
}

fn banned(word: &str, field: &'static str) -> Error {
    Error::BannedWord {
        word: word.to_owned(),
        field,
    }
}

/// The screening's settings.
#[derive(Debug, Clone)]
pub struct Rules {
    pub premoderation: Premoderation,
    pub banned: WordList,
    pub suspect: WordList,
    /// More links than this hold a comment.
    pub max_links: usize,
    /// Articles without their own setting close this many days after
    /// their first comment (0: never).
    pub auto_close_days: u32,
    /// The surge guard's thresholds (`ScreeningSettings`).
    pub surge_posts: u32,
    pub surge_reports: u32,
    pub surge_factor: u32,
    /// A widget form sent sooner than this after it opened is held.
    pub min_form_ms: u64,
    /// The same text from the same reader or address within this is held
    /// (0: never).
    pub repeat_window_ms: i64,
}

impl Default for Rules {
    /// The defaults of `chime serve`.
    fn default() -> Self {
        Self {
            premoderation: Premoderation::Off,
            banned: WordList::default(),
            suspect: WordList::default(),
            max_links: 3,
            auto_close_days: 0,
            surge_posts: chime_shared::DEFAULT_SURGE_POSTS,
            surge_reports: chime_shared::DEFAULT_SURGE_REPORTS,
            surge_factor: chime_shared::DEFAULT_SURGE_FACTOR,
            min_form_ms: 2_000,
            repeat_window_ms: 60 * 60 * 1000,
        }
    }
}

/// The screening: its rules (which admins change while the server runs)
/// and what it remembers.
#[derive(Debug)]
pub struct Screening {
    rules: RwLock<Arc<Rules>>,
    repeats: Repeats,
    /// Held while admins' changes are stored and put in force, so two at
    /// once are in force in the order they were stored.
    pub changing: tokio::sync::Mutex<()>,
}

/// A post, as screening sees it.
#[derive(Debug)]
pub struct Post<'a> {
    pub author_name: &'a str,
    pub body: &'a str,
    /// Links in the body as rendered (`render::links`): however oddly
    /// spelt, `[x](http:evil.example)` is one.
    pub links: usize,
    pub honeypot: Option<&'a str>,
    pub form_ms: Option<u64>,
    /// The author's reader hash and address hash.
    pub senders: [&'a str; 2],
    pub now: i64,
}

impl Screening {
    pub fn new(rules: Rules) -> Self {
        Self {
            repeats: Repeats::new(rules.repeat_window_ms),
            rules: RwLock::new(Arc::new(rules)),
            changing: tokio::sync::Mutex::new(()),
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The settings admins change, as they are in force.
    pub fn settings(&self) -> ScreeningSettings {
        let rules = self.rules();
        ScreeningSettings {
            premoderation: rules.premoderation,
            banned_words: rules.banned.entries(),
            suspect_words: rules.suspect.entries(),
            max_links: u32::try_from(rules.max_links).unwrap_or(u32::MAX),
            auto_close_days: rules.auto_close_days,
            surge_posts: rules.surge_posts,
            surge_reports: rules.surge_reports,
            surge_factor: rules.surge_factor,
        }
    }

    /// Puts `settings` in force (the rest of the rules stay).
    pub fn apply(&self, settings: &ScreeningSettings) {
        let mut rules = (*self.rules()).clone();
        rules.premoderation = settings.premoderation;
        rules.banned = WordList::parse(&settings.banned_words.join("\n"));
        rules.suspect = WordList::parse(&settings.suspect_words.join("\n"));
        rules.max_links = usize::try_from(settings.max_links).unwrap_or(usize::MAX);
        rules.auto_close_days = settings.auto_close_days;
        rules.surge_posts = settings.surge_posts;
        rules.surge_reports = settings.surge_reports;
        rules.surge_factor = settings.surge_factor;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(rules);
    }

    /// Screens an edited body: banned words are refused; suspect words or
    /// too many links (added after approval, a known trick) hold it.
    pub fn check_edit(&self, body: &str, links: usize) -> Result<Option<String>, Error> {
        let rules = self.rules();
        if let Some(word) = rules.banned.find(body) {
            return Err(banned(word, "body"));
        }
        if let Some(word) = rules.suspect.find(body) {
            return Ok(Some(format!("Edited to contain “{word}”.")));
        }
        Ok((links > rules.max_links).then(|| format!("Edited to contain {links} links.")))
    }

    /// Refuses a post with a banned word; otherwise says why it should wait
    /// for a moderator, if it should.
    pub fn check(&self, post: &Post<'_>) -> Result<Option<String>, Error> {
        let rules = self.rules();
        for (field, text) in [("author_name", post.author_name), ("body", post.body)] {
            if let Some(word) = rules.banned.find(text) {
                return Err(banned(word, field));
            }
        }
        // The repeat memory is fed by every post, held or not.
        let repeated = rules.repeat_window_ms > 0
            && self.repeats.seen_again(&post.senders, post.body, post.now);
        if post.honeypot.is_some_and(|h| !h.trim().is_empty()) {
            return Ok(Some(
                "Looks automated: the form's hidden field was filled in.".into(),
            ));
        }
        if let Some(ms) = post.form_ms.filter(|ms| *ms < rules.min_form_ms) {
            return Ok(Some(format!(
                "Looks automated: sent {:.1} s after the form opened.",
                ms as f64 / 1000.0
            )));
        }
        if let Some(word) = rules
            .suspect
            .find(post.body)
            .or_else(|| rules.suspect.find(post.author_name))
        {
            return Ok(Some(format!("Contains “{word}”.")));
        }
        if post.links > rules.max_links {
            return Ok(Some(format!("Contains {} links.", post.links)));
        }
        if repeated {
            return Ok(Some(
                "The same text was posted again within the hour.".into(),
            ));
        }
        Ok(match rules.premoderation {
            Premoderation::All => Some("Every comment is reviewed before it is shown.".into()),
            Premoderation::Off | Premoderation::NewReaders => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links in a body, as the post and edit paths count them.
    fn links_in(body: &str) -> usize {
        crate::service::render::links(&crate::service::render::render(body))
    }

    fn post<'a>(body: &'a str, sender: &'a str, now: i64) -> Post<'a> {
        Post {
            author_name: "Mei",
            body,
            links: links_in(body),
            honeypot: None,
            form_ms: None,
            senders: [sender, "address"],
            now,
        }
    }

    #[test]
    fn words_match_whole_and_ignore_case() {
        let list = WordList::parse("darn, buy now\n  ,Ölpreis");
        assert_eq!(list.find("Oh DARN it"), Some("darn"));
        assert_eq!(list.find("darned"), None);
        assert_eq!(list.find("Buy   NOW!"), Some("buy now"));
        assert_eq!(list.find("buy it now"), None);
        assert_eq!(list.find("der ölpreis steigt"), Some("Ölpreis"));
        assert!(WordList::parse(" , ,").is_empty());
    }

    #[test]
    fn links_are_counted_once_each() {
        assert_eq!(
            links_in("see https://www.a.example and http://b.example"),
            2
        );
        assert_eq!(links_in("WWW.a.example www.b.example"), 2);
        assert_eq!(links_in("no links here"), 0);
        // Every spelling the renderer turns into a link counts.
        assert_eq!(links_in("[x](http:evil.example/p)"), 1);
        assert_eq!(links_in("[x](HTTPS:evil.example)"), 1);
        assert_eq!(links_in("<https://a.example>"), 1);
        assert_eq!(links_in("[https://a.example](https://a.example)"), 1);
        assert_eq!(
            links_in("[x][r]\n\n[r]: http:evil.example"),
            1,
            "reference links too"
        );
        // A link the renderer drops leaves its text, which still counts
        // if it is an address.
        assert_eq!(links_in("[https://a.example](/relative)"), 1);
        assert_eq!(links_in("[x](javascript:alert(1))"), 0);
    }

    #[test]
    fn banned_words_refuse_and_name_their_field() {
        let screening = Screening::new(Rules {
            banned: WordList::parse("darn"),
            ..Rules::default()
        });
        let mut named = post("fine", "r", 0);
        named.author_name = "Darn Fan";
        let err = screening.check(&named).expect_err("banned");
        assert!(matches!(
            err,
            Error::BannedWord {
                field: "author_name",
                ..
            }
        ));
        assert!(screening.check(&post("darn it", "r", 0)).is_err());
        assert_eq!(screening.check(&post("fine", "r2", 0)).expect("ok"), None);
    }

    #[test]
    fn signs_of_spam_hold_with_a_reason() {
        let screening = Screening::new(Rules {
            suspect: WordList::parse("casino"),
            ..Rules::default()
        });
        let held = |p: &Post<'_>| screening.check(p).expect("not refused");
        assert!(held(&post("best casino in town", "a", 0)).is_some());
        assert!(held(&post("http://a http://b http://c http://d", "b", 0)).is_some());
        assert_eq!(held(&post("http://a http://b http://c", "c", 0)), None);
        let mut honeypot = post("hello there", "d", 0);
        honeypot.honeypot = Some("http://spam.example");
        assert!(held(&honeypot).is_some());
        let mut fast = post("hello again", "e", 0);
        fast.form_ms = Some(300);
        assert!(held(&fast).is_some());
        fast.form_ms = Some(9_000);
        fast.body = "a fresh thought";
        assert_eq!(held(&fast), None);
    }

    #[test]
    fn the_same_text_again_is_held_within_the_window() {
        let screening = Screening::new(Rules::default());
        let check = |body, sender, now| screening.check(&post(body, sender, now)).expect("ok");
        assert_eq!(check("Great piece!", "r1", 0), None);
        // The same words, differently spaced and cased, by the same reader.
        assert!(check("great   PIECE", "r1", 60_000).is_some());
        // By another reader from the same address.
        assert!(check("Great piece!", "r2", 120_000).is_some());
        // After the window.
        let hour = 60 * 60 * 1000;
        assert_eq!(check("Great piece!", "r3", 10 * hour), None);
    }
}
