//! What admins manage from the moderation view (API.md, "Admin routes"):
//! the moderators, and the site's screening settings.

use crate::error::ParseError;
use crate::moderation::Role;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One moderator, as admins see them (never their password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModeratorSummary {
    pub username: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `GET /mod/moderators`: every moderator, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModeratorList {
    pub moderators: Vec<ModeratorSummary>,
}

/// `POST /mod/moderators`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewModerator {
    /// 1 to 50 letters, digits, '.', '-' or '_', not only dots.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^[A-Za-z0-9._-]*[A-Za-z0-9_-][A-Za-z0-9._-]*$",
            min_length = 1,
            max_length = 50
        )
    )]
    pub username: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
    pub role: Role,
}

/// `PUT /mod/moderators/{name}/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPassword {
    /// At least 10 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
}

/// Which new comments wait for a moderator whatever they say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Premoderation {
    /// Only those the screening holds (and articles set to pre-moderation).
    #[default]
    Off,
    /// A reader's comments until one of theirs has been approved.
    NewReaders,
    /// Every comment.
    All,
}

impl Premoderation {
    /// The mode's name in flags, on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::NewReaders => "new-readers",
            Self::All => "all",
        }
    }

    /// Parses `off`, `new-readers` or `all`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.trim() {
            "off" => Ok(Self::Off),
            "new-readers" => Ok(Self::NewReaders),
            "all" => Ok(Self::All),
            _ => Err(ParseError::new(
                "premoderation",
                "Use off, new-readers or all.",
            )),
        }
    }
}

/// Most entries in one word list.
pub const WORD_LIST_MAX: usize = 1_000;
/// Longest entry of a word list, in characters.
pub const WORD_MAX_CHARS: usize = 100;
/// Highest link limit.
pub const MAX_LINKS_LIMIT: u32 = 1_000;
/// The longest an article stays open by itself, in days (ten years).
pub const AUTO_CLOSE_DAYS_MAX: u32 = 3_650;

/// `GET` and `PUT /mod/settings`: the site's screening, shared by every
/// server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreeningSettings {
    pub premoderation: Premoderation,
    /// Words and phrases refused in names and bodies (whole words, any
    /// case).
    pub banned_words: Vec<String>,
    /// Words and phrases that hold a comment for review.
    pub suspect_words: Vec<String>,
    /// More links than this hold a comment.
    pub max_links: u32,
    /// Comments on an article close by themselves this many days after its
    /// first comment (0: never); an article may say otherwise.
    #[serde(default)]
    pub auto_close_days: u32,
    /// The surge guard: this many comments on one article within five
    /// minutes, when that is also `surge_factor` times its usual rate,
    /// hold its new comments for review until the surge is over (0: not
    /// by comments).
    #[serde(default = "default_surge_posts")]
    pub surge_posts: u32,
    /// The same for reports on one article's comments (0: not by reports).
    #[serde(default = "default_surge_reports")]
    pub surge_reports: u32,
    /// How many times its usual rate (its hour before) an article's rate
    /// must be to be a surge.
    #[serde(default = "default_surge_factor")]
    pub surge_factor: u32,
}

/// Comments in five minutes that may start a surge: a busy article on a
/// news site takes a comment a minute; twenty in five minutes is a crowd
/// arriving (a link shared in a forum), not its readers.
pub const DEFAULT_SURGE_POSTS: u32 = 20;
/// Reports in five minutes that may start a surge: reports are rarer
/// than comments by far; ten at once is a brigade or a fight.
pub const DEFAULT_SURGE_REPORTS: u32 = 10;
/// Times an article's usual rate: an article that always runs hot (a
/// live blog) is not held for being itself.
pub const DEFAULT_SURGE_FACTOR: u32 = 5;
/// The largest surge threshold.
pub const SURGE_LIMIT: u32 = 100_000;

fn default_surge_posts() -> u32 {
    DEFAULT_SURGE_POSTS
}

fn default_surge_reports() -> u32 {
    DEFAULT_SURGE_REPORTS
}

fn default_surge_factor() -> u32 {
    DEFAULT_SURGE_FACTOR
}

impl Default for ScreeningSettings {
    fn default() -> Self {
        Self {
            premoderation: Premoderation::default(),
            banned_words: Vec::new(),
            suspect_words: Vec::new(),
            max_links: 0,
            auto_close_days: 0,
            surge_posts: DEFAULT_SURGE_POSTS,
            surge_reports: DEFAULT_SURGE_REPORTS,
            surge_factor: DEFAULT_SURGE_FACTOR,
        }
    }
}

impl ScreeningSettings {
    /// The settings with every rule checked: lists of at most
    /// `WORD_LIST_MAX` entries of 1 to `WORD_MAX_CHARS` characters (each
    /// trimmed; blank ones dropped, repeats once), no control characters
    /// and no commas (a comma separates entries in the flags), and a link
    /// limit up to `MAX_LINKS_LIMIT`.
    pub fn parse(self) -> Result<Self, ParseError> {
        if self.max_links > MAX_LINKS_LIMIT {
            return Err(ParseError::new(
                "max_links",
                format!("The link limit is at most {MAX_LINKS_LIMIT}."),
            ));
        }
        Ok(Self {
            premoderation: self.premoderation,
            banned_words: word_list("banned_words", self.banned_words)?,
            suspect_words: word_list("suspect_words", self.suspect_words)?,
            max_links: self.max_links,
            auto_close_days: auto_close_days(self.auto_close_days)?,
            surge_posts: bounded("surge_posts", self.surge_posts, 0)?,
            surge_reports: bounded("surge_reports", self.surge_reports, 0)?,
            surge_factor: bounded("surge_factor", self.surge_factor, 1)?,
        })
    }
}

/// Days after which an article closes by itself: at most
/// `AUTO_CLOSE_DAYS_MAX` (0: never).
pub fn auto_close_days(days: u32) -> Result<u32, ParseError> {
    if days > AUTO_CLOSE_DAYS_MAX {
        return Err(ParseError::new(
            "auto_close_days",
            format!("Comments close by themselves after at most {AUTO_CLOSE_DAYS_MAX} days."),
        ));
    }
    Ok(days)
}

/// A surge setting from `least` to `SURGE_LIMIT`.
fn bounded(field: &'static str, value: u32, least: u32) -> Result<u32, ParseError> {
    if value < least || value > SURGE_LIMIT {
        return Err(ParseError::new(
            field,
            format!("Give a whole number from {least} to {SURGE_LIMIT}."),
        ));
    }
    Ok(value)
}

fn word_list(field: &'static str, raw: Vec<String>) -> Result<Vec<String>, ParseError> {
    let mut kept: Vec<String> = Vec::new();
    for entry in raw {
        let entry = entry.trim();
        if entry.is_empty() || kept.iter().any(|k| k.eq_ignore_ascii_case(entry)) {
            continue;
        }
        if entry.chars().count() > WORD_MAX_CHARS {
            return Err(ParseError::new(
                field,
                format!("Each entry is at most {WORD_MAX_CHARS} characters."),
            ));
        }
        if entry.chars().any(|c| c.is_control() || c == ',') {
            return Err(ParseError::new(
                field,
                "An entry may not hold a comma or a control character.",
            ));
        }
        kept.push(entry.to_owned());
    }
    if kept.len() > WORD_LIST_MAX {
        return Err(ParseError::new(
            field,
            format!("A list holds at most {WORD_LIST_MAX} entries."),
        ));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_trimmed_deduplicated_and_bounded() {
        let settings = ScreeningSettings {
            banned_words: vec![" spam ".into(), "".into(), "SPAM".into(), "buy now".into()],
            ..ScreeningSettings::default()
        }
        .parse()
        .expect("valid");
        assert_eq!(settings.banned_words, vec!["spam", "buy now"]);
        for bad in ["a,b", "line\nbreak", &"x".repeat(101)] {
            let refused = ScreeningSettings {
                suspect_words: vec![bad.to_owned()],
                ..ScreeningSettings::default()
            }
            .parse();
            assert_eq!(
                refused.map_err(|e| e.field),
                Err("suspect_words"),
                "{bad:?}"
            );
        }
        let too_many = ScreeningSettings {
            max_links: 1_001,
            ..ScreeningSettings::default()
        };
        assert_eq!(too_many.parse().map_err(|e| e.field), Err("max_links"));
    }
}
