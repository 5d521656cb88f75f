//! Reply e-mails (API.md, "Reply e-mails"): a reader asks, with their
//! comment, to be told when someone replies to it. An address the site's
//! token gave is used at once; a typed one first gets a mail whose link
//! confirms it (one such mail a day per address, so the form cannot be
//! used to flood a stranger's inbox). Every reply mail carries a one-click
//! unsubscribe (RFC 8058) for that comment's replies; replies that come in
//! quick succession are gathered into one digest.

use crate::state::AppState;
use crate::store::AccountRecord;
use crate::store::outbox::{MailKind, NewMail, NewSubscription, SubscriptionRecord};
use chime_shared::{ModComment, NotifyReplies, ParseError, ReplyEmails};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A request for reply e-mails, checked before the comment is stored.
#[derive(Debug, Clone)]
pub struct Request {
    email: String,
    confirmed: bool,
    page_url: String,
    locale: &'static str,
}

/// A confirming mail goes to an address at most once in this long.
const CONFIRM_GAP_MS: i64 = 24 * 3600 * 1000;
/// Requests not confirmed in this long are forgotten.
pub const UNCONFIRMED_KEPT_MS: i64 = 7 * 24 * 3600 * 1000;
/// A reply within this long of the request's last mail waits, with any
/// others, for one digest at the window's end.
pub const DIGEST_WINDOW_MS: i64 = 10 * 60 * 1000;
/// The longest page address kept.
const PAGE_URL_MAX: usize = 2_000;

/// Checks what a post asks: a server that sends mail, an address (typed,
/// or the site's for a signed-in reader), a page on a site that embeds the
/// widget.
pub fn check(
    state: &AppState,
    notify: &NotifyReplies,
    account: Option<&AccountRecord>,
) -> Result<Request, ParseError> {
    if !available(state) {
        return Err(ParseError::new(
            "notify",
            "This server sends no e-mail, so it cannot tell you of replies.",
        ));
    }
    let typed = notify
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    // An address the site's token gave that is none is as no address.
    let site_email = account
        .and_then(|a| a.email.as_deref())
        .and_then(|e| super::mail::parse_email(e).ok());
    let (email, confirmed) = match (typed, site_email) {
        (Some(typed), site) => {
            let email = super::mail::parse_email(typed)
                .map_err(|e| ParseError::new("notify.email", e.to_string()))?;
            let same = site.is_some_and(|s| s.eq_ignore_ascii_case(&email));
            (email, same)
        }
        (None, Some(site)) => (site, true),
        (None, None) => {
            return Err(ParseError::new(
                "notify.email",
                "Give the e-mail address replies should go to.",
            ));
        }
    };
    Ok(Request {
        email,
        confirmed,
        page_url: page_url(state, &notify.page_url)?,
        locale: locale(notify.locale.as_deref()),
    })
}

/// Whether readers may ask for reply e-mails: the server sends mail, and
/// its links can be followed (a public URL, or an address it listens on
/// that is not "any").
pub fn available(state: &AppState) -> bool {
    let origin = state.settings.public_origin();
    state.mailer.is_some()
        && !origin.is_empty()
        && !origin.contains("://0.0.0.0")
        && !origin.contains("://[::]")
}

/// The page a comment is on, as mails may link to it: http(s), on an
/// origin that may embed the widget (so a mail from Chime never carries a
/// stranger's link), without its fragment.
fn page_url(state: &AppState, raw: &str) -> Result<String, ParseError> {
    let refused = |why: &str| ParseError::new("notify.page_url", why.to_owned());
    if raw.len() > PAGE_URL_MAX {
        return Err(refused(
            "The page's address is longer than 2,000 characters.",
        ));
    }
    let mut url = url::Url::parse(raw).map_err(|_| refused("The page's address is not a URL."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refused("The page's address is not an http(s) URL."));
    }
    let origin = url.origin().ascii_serialization();
    if !state.settings.origin_allowed(&origin) {
        return Err(refused(
            "The page is not on a site this server's widget is embedded in.",
        ));
    }
    url.set_fragment(None);
    Ok(url.into())
}

/// Stores the request for a comment just posted (again on a retried post:
/// the same request), queuing the confirming mail a typed address needs.
pub async fn subscribe(
    state: &AppState,
    request: &Request,
    comment_id: i64,
    reader: &str,
) -> crate::store::StoreResult<ReplyEmails> {
    let now = state.now_ms();
    let words = words(request.locale);
    // The page, not the comment's words: whoever asked may not be the
    // address's owner, and nothing a stranger wrote goes to them.
    let quote = format!("> {}\n", request.page_url);
    // Filled with the token the request keeps (a retried post keeps the
    // first one's).
    let confirm_at = link(state, "confirm", "");
    let confirm = |token: &str| NewMail {
        event_id: 0,
        message_id: format!("confirm_{token}"),
        comment_id,
        digest_until: None,
        recipient: request.email.clone(),
        subject: words.text("ConfirmSubject", &[]),
        body: words.text(
            "ConfirmBody",
            &[
                ("quote", quote.as_str()),
                ("link", &format!("{confirm_at}{token}")),
            ],
        ),
        created_at: now,
        kind: MailKind::Confirm,
        locale: request.locale,
        footer: String::new(),
        unsubscribe_url: None,
        subscription: None,
    };
    let subscription = NewSubscription {
        comment_id,
        reader: reader.to_owned(),
        email: request.email.clone(),
        locale: request.locale,
        page_url: request.page_url.clone(),
        token: super::auth::random_token(),
        created_at: now,
        confirmed: request.confirmed,
    };
    let on = state
        .store
        .outbox()
        .subscribe(&subscription, &confirm, now - CONFIRM_GAP_MS)
        .await?;
    Ok(if on {
        ReplyEmails::On
    } else {
        ReplyEmails::Confirm
    })
}

/// A mailed link: `/api/v1/mail/{what}/{token}` on the server's public
/// origin.
pub fn link(state: &AppState, what: &str, token: &str) -> String {
    format!(
        "{}/api/v1/mail/{what}/{token}",
        state.settings.public_origin()
    )
}

/// The mail telling a subscriber of a reply (`reply` as moderators see
/// it), to be gathered with others until `digest_until` if that is set.
pub fn reply_mail(
    state: &AppState,
    event: &crate::store::outbox::OutboxEvent,
    reply: &ModComment,
    to: &SubscriptionRecord,
    digest_until: Option<i64>,
) -> NewMail {
    let locale = locale(Some(&to.locale));
    let words = words(locale);
    let c = &reply.comment;
    let name = if c.author.name.is_empty() {
        "?"
    } else {
        c.author.name.as_str()
    };
    let read_at = format!("{}#chime-{}", to.page_url, c.id);
    let mut body = words.text("ReplyIntro", &[("name", name)]);
    body.push_str("\n\n");
    body.push_str(&quoted(&c.body, 40));
    body.push('\n');
    body.push_str(&words.text("ReplyRead", &[("link", &read_at)]));
    if let Some(yours) = &reply.parent_excerpt {
        body.push_str("\n\n");
        body.push_str(&words.text("YourComment", &[]));
        body.push('\n');
        body.push_str(&quoted(yours, 3));
    }
    let unsubscribe = link(state, "unsubscribe", &to.token);
    NewMail {
        event_id: event.id,
        // One mail per reply and address, however often it is shown (a
        // reply hidden and restored is not mailed again), and never taken
        // for a moderator's alert about the same event.
        message_id: format!("reply_{}", c.id),
        comment_id: event.comment_id,
        digest_until,
        recipient: to.email.clone(),
        subject: words.text("ReplySubject", &[("name", name)]),
        body,
        created_at: state.now_ms(),
        kind: MailKind::Reply,
        locale,
        footer: words.text("Footer", &[("link", &unsubscribe)]),
        unsubscribe_url: Some(unsubscribe),
        subscription: Some(to.token.clone()),
    }
}

/// `text` as a quote: each line behind "> ", at most `lines` lines.
fn quoted(text: &str, lines: usize) -> String {
    let mut out = String::new();
    let all: Vec<&str> = text.lines().collect();
    for line in all.iter().take(lines) {
        out.push_str("> ");
        out.push_str(line);
        out.push('\n');
    }
    if all.len() > lines {
        out.push_str("> …\n");
    }
    out
}

/// The languages Chime writes mails in (`backend/locales/mail/*.json`),
/// as the widget's are (`frontend/locales/widget`).
const CATALOGUES: [(&str, &str); 17] = [
    ("en", include_str!("../../locales/mail/en.json")),
    ("ar", include_str!("../../locales/mail/ar.json")),
    ("de", include_str!("../../locales/mail/de.json")),
    ("es", include_str!("../../locales/mail/es.json")),
    ("fr", include_str!("../../locales/mail/fr.json")),
    ("he", include_str!("../../locales/mail/he.json")),
    ("hi", include_str!("../../locales/mail/hi.json")),
    ("it", include_str!("../../locales/mail/it.json")),
    ("ja", include_str!("../../locales/mail/ja.json")),
    ("ko", include_str!("../../locales/mail/ko.json")),
    ("nl", include_str!("../../locales/mail/nl.json")),
    ("pl", include_str!("../../locales/mail/pl.json")),
    ("pt-BR", include_str!("../../locales/mail/pt-BR.json")),
    ("ru", include_str!("../../locales/mail/ru.json")),
    ("tr", include_str!("../../locales/mail/tr.json")),
    ("uk", include_str!("../../locales/mail/uk.json")),
    ("zh-CN", include_str!("../../locales/mail/zh-CN.json")),
];

static WORDS: LazyLock<HashMap<&'static str, HashMap<String, String>>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(tag, json)| {
            // Checked by the tests below: a broken file is English.
            (*tag, serde_json::from_str(json).unwrap_or_default())
        })
        .collect()
});

/// The catalogue for a BCP 47 tag, as the widget picks its file: the tag,
/// else its language (`es-MX` is `es`, `pt-PT` is `pt-BR`, `zh-TW` is
/// `zh-CN`), else English.
pub fn locale(raw: Option<&str>) -> &'static str {
    let Some(raw) = raw else { return "en" };
    let raw = raw.trim().replace('_', "-");
    let language = raw.split('-').next().unwrap_or_default();
    let exact = CATALOGUES
        .iter()
        .find(|(tag, _)| tag.eq_ignore_ascii_case(&raw));
    let by_language = || {
        CATALOGUES.iter().find(|(tag, _)| {
            tag.split('-')
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case(language))
        })
    };
    exact.or_else(by_language).map_or("en", |(tag, _)| tag)
}

/// One language's words for mails and the pages links open.
pub struct Words(&'static str);

pub fn words(locale: &'static str) -> Words {
    Words(locale)
}

impl Words {
    pub fn tag(&self) -> &'static str {
        self.0
    }

    /// Whether the language is written right to left.
    pub fn rtl(&self) -> bool {
        matches!(self.0, "ar" | "he")
    }

    /// The text of `key` with its `{placeholders}` filled (English when
    /// the language lacks it).
    pub fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        let text = WORDS
            .get(self.0)
            .and_then(|w| w.get(key))
            .or_else(|| WORDS.get("en").and_then(|w| w.get(key)))
            .cloned()
            .unwrap_or_else(|| key.to_owned());
        // One pass, so a value holding "{link}" is not filled again.
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').map(|close| (&after[..close], close)) {
                Some((name, close)) if values.iter().any(|(k, _)| *k == name) => {
                    let value = values.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
                    out.push_str(value.unwrap_or_default());
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_language_has_every_text_with_its_placeholders() {
        let english: HashMap<String, String> =
            serde_json::from_str(CATALOGUES[0].1).expect("en.json");
        for (tag, json) in CATALOGUES {
            let words: HashMap<String, String> =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{tag}.json: {e}"));
            let mut keys: Vec<&String> = words.keys().collect();
            let mut wanted: Vec<&String> = english.keys().collect();
            keys.sort();
            wanted.sort();
            assert_eq!(keys, wanted, "{tag}.json has other keys than en.json");
            for (key, text) in &english {
                assert_eq!(
                    placeholders(&words[key]),
                    placeholders(text),
                    "{tag}.json {key}"
                );
            }
        }
    }

    #[test]
    fn a_tag_finds_its_language_as_the_widget_does() {
        assert_eq!(locale(Some("de")), "de");
        assert_eq!(locale(Some("es-MX")), "es");
        assert_eq!(locale(Some("pt-PT")), "pt-BR");
        assert_eq!(locale(Some("zh_TW")), "zh-CN");
        assert_eq!(locale(Some("PT-br")), "pt-BR");
        assert_eq!(locale(Some("xx")), "en");
        assert_eq!(locale(Some("")), "en");
        assert_eq!(locale(None), "en");
    }

    #[test]
    fn placeholders_are_filled_once() {
        let w = words("en");
        assert_eq!(
            w.text("ReplySubject", &[("name", "{name} {link}")]),
            "{name} {link} replied to your comment"
        );
        assert_eq!(words("de").text("NoSuchKey", &[]), "NoSuchKey");
    }
}
