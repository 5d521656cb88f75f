//! E-mail: the SMTP server the operator names (`--smtp-url`, TLS by
//! rustls), moderators' alerts (which events, to which address), and the
//! alerts' words. Mails are made when the outbox's events are handed on
//! (`delivery`), so they are as durable as webhooks.

use crate::service::replies;
use crate::store::StoreError;
use crate::store::outbox::{AlertRecord, MailKind, MailRecord, OutboxStore};
use chime_shared::{AlertChange, AlertSettings, ModComment, WebhookEvent};
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Sends mail through the operator's SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold the server's password.
        write!(f, "Mailer(from {})", self.from)
    }
}

impl Mailer {
    /// From `--smtp-url` (`smtps://user:pass@host:465`,
    /// `smtp://…:587?tls=required`) and `--mail-from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from {from:?} is not an address ({e})"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url cannot be used: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }

    /// Hands one recipient's due mails to the SMTP server: one as it is,
    /// several (a digest) as one.
    pub async fn send(&self, mails: &[MailRecord]) -> Result<(), String> {
        let Some(first) = mails.first() else {
            return Ok(());
        };
        let to: Mailbox = first
            .recipient
            .parse()
            .map_err(|e| format!("not an address: {e}"))?;
        let count = mails.len().to_string();
        let (subject, mut body) = match (mails.len(), first.kind) {
            (1, _) => (first.subject.clone(), first.body.clone()),
            (_, MailKind::Reply) => {
                let words = replies::words(replies::locale(Some(&first.locale)));
                let mut body = words.text("DigestIntro", &[("count", &count)]);
                body.push('\n');
                for mail in mails {
                    body.push_str(&format!("\n{}\n\n", "-".repeat(40)));
                    body.push_str(&mail.body);
                }
                (words.text("DigestSubject", &[("count", &count)]), body)
            }
            _ => {
                let mut body = format!("{count} alerts:\n");
                for mail in mails {
                    body.push_str(&format!("\n{}\n{}\n", mail.subject, "=".repeat(40)));
                    body.push_str(&mail.body);
                }
                (format!("[Chime] {count} alerts"), body)
            }
        };
        if !first.footer.is_empty() {
            body.push_str("\n-- \n");
            body.push_str(&first.footer);
            body.push('\n');
        }
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(url) = &first.unsubscribe_url {
            // RFC 8058: a mail program's "unsubscribe" POSTs to it.
            message = message
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = message
            .body(body)
            .map_err(|e| format!("cannot be written: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string().chars().take(300).collect())
    }
}

/// What is wrong with a moderator's alerts, in the rules' words.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("{0}")]
    Email(String),
    #[error("{0}")]
    Events(String),
    #[error("A digest gathers at most a day's alerts: 0 (none) to 1,440 minutes.")]
    Digest,
    #[error("There is no moderator {0}.")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An address mail can be sent to (at most 254 characters).
pub fn parse_email(raw: &str) -> Result<String, AlertError> {
    let raw = raw.trim();
    if raw.chars().count() > 254 || raw.chars().any(char::is_control) {
        return Err(AlertError::Email(
            "An e-mail address is at most 254 characters.".into(),
        ));
    }
    raw.parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|_| AlertError::Email(format!("{raw:?} is not an e-mail address.")))
}

pub async fn alerts(store: &dyn OutboxStore, username: &str) -> Result<AlertSettings, AlertError> {
    Ok(match store.alerts(username).await? {
        Some(record) => AlertSettings {
            email: Some(record.email),
            events: record
                .events
                .split_whitespace()
                .filter_map(WebhookEvent::parse)
                .collect(),
            digest_minutes: u32::try_from(record.digest_minutes).unwrap_or(0),
        },
        None => AlertSettings {
            email: None,
            events: Vec::new(),
            digest_minutes: 0,
        },
    })
}

/// Sets a moderator's alerts: no address or no events turns them off.
pub async fn set_alerts(
    store: &dyn OutboxStore,
    username: &str,
    change: &AlertChange,
    can_send: bool,
) -> Result<AlertSettings, AlertError> {
    let email = change
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let record = match email {
        Some(_) if change.events.is_empty() => None,
        Some(email) => {
            if !can_send {
                return Err(AlertError::Email(
                    "This server sends no e-mail: its operator sets --smtp-url and --mail-from first."
                        .into(),
                ));
            }
            let events = crate::service::webhooks::parse_events(&change.events)
                .map_err(|e| AlertError::Events(e.to_string()))?;
            if change.digest_minutes > 1_440 {
                return Err(AlertError::Digest);
            }
            Some(AlertRecord {
                email: parse_email(email)?,
                events,
                digest_minutes: i64::from(change.digest_minutes),
            })
        }
        None => None,
    };
    if !store.set_alerts(username, record.as_ref()).await? {
        return Err(AlertError::Unknown(username.to_owned()));
    }
    alerts(store, username).await
}

/// An alert's subject and words.
pub fn alert(kind: WebhookEvent, comment: &ModComment, review_at: &str) -> (String, String) {
    let c = &comment.comment;
    let first_line: String = c
        .body
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    let what = match kind {
        WebhookEvent::Created => "New comment",
        WebhookEvent::Held => "Held for review",
        WebhookEvent::Reported => "Reported",
        WebhookEvent::Hidden => "Hidden",
        WebhookEvent::Approved => "Approved",
        WebhookEvent::Edited => "Edited",
        WebhookEvent::Deleted => "Deleted",
    };
    let subject = format!("[Chime] {what}: \"{first_line}\" on {}", c.article.as_str());
    let mut body = format!(
        "{what}: a comment by {} on {}.\n\n",
        if c.author.name.is_empty() {
            "(no name)"
        } else {
            c.author.name.as_str()
        },
        c.article.as_str()
    );
    if comment.reports.count > 0 {
        let reasons: Vec<String> = comment
            .reports
            .reasons
            .iter()
            .map(|(reason, n)| format!("{} ({n})", reason.as_str()))
            .collect();
        body.push_str(&format!(
            "Reported {} time(s): {}.\n",
            comment.reports.count,
            reasons.join(", ")
        ));
    }
    if let Some(reason) = &comment.hidden_reason {
        body.push_str(&format!("Why: {reason}\n"));
    }
    body.push('\n');
    for line in c.body.lines() {
        body.push_str("> ");
        body.push_str(line);
        body.push('\n');
    }
    body.push_str(&format!(
        "\nReview it: {review_at}\n\n-- \nChime. You get these because you asked for alerts; change or stop them in the moderation view, under Notifications.\n"
    ));
    (subject, body)
}
