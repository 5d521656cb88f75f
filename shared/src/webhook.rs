//! Webhooks: endpoints an admin sets up (`/mod/webhooks`), the events they
//! can ask for, and the messages Chime signs and sends them (Standard
//! Webhooks).

use crate::ModComment;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What happened to a comment, as a webhook's `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEvent {
    /// Posted (shown, or held: see `held` and the comment's `state`).
    #[serde(rename = "comment.created")]
    Created,
    /// Held for review: new, set aside (reports, a moderator), or its
    /// author's edit waits.
    #[serde(rename = "comment.held")]
    Held,
    /// A reader reported it.
    #[serde(rename = "comment.reported")]
    Reported,
    /// Hidden from readers by a moderator (or rejected from the queue).
    #[serde(rename = "comment.hidden")]
    Hidden,
    /// Shown to readers by a moderator: approved from the queue, or
    /// restored after it was hidden.
    #[serde(rename = "comment.approved")]
    Approved,
    /// Its words changed where readers see them.
    #[serde(rename = "comment.edited")]
    Edited,
    /// Deleted by its author, or erased with the rest of their data.
    #[serde(rename = "comment.deleted")]
    Deleted,
}

impl WebhookEvent {
    pub const ALL: [Self; 7] = [
        Self::Created,
        Self::Held,
        Self::Reported,
        Self::Hidden,
        Self::Approved,
        Self::Edited,
        Self::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "comment.created",
            Self::Held => "comment.held",
            Self::Reported => "comment.reported",
            Self::Hidden => "comment.hidden",
            Self::Approved => "comment.approved",
            Self::Edited => "comment.edited",
            Self::Deleted => "comment.deleted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

impl std::fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An endpoint, as admins see it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The events it is sent, in the order of `WebhookEvent`.
    pub events: Vec<WebhookEvent>,
    pub description: String,
    /// False while paused: by an admin, or by Chime after it kept failing
    /// (`paused_reason` says which). Messages wait meanwhile.
    pub active: bool,
    pub paused_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub paused_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Failed attempts since the last success.
    pub failures: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_failure_at: Option<OffsetDateTime>,
    /// Messages not yet delivered nor given up on.
    pub waiting: u64,
}

/// `GET /mod/webhooks`: every endpoint, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// `POST /mod/webhooks`. Raw here; the server parses each field against
/// its rules, so each error can name its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    /// `http://` or `https://`, at most 2,000 characters, no user name or
    /// password in it; on loopback or a private network only where the
    /// server allows it.
    pub url: String,
    /// One or more of the event names.
    pub events: Vec<String>,
    /// At most 200 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /mod/webhooks/{id}`: what is sent changes; the rest stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookChange {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// `false` pauses it; `true` resumes it (its waiting messages are
    /// tried again at once).
    #[serde(default)]
    pub active: Option<bool>,
}

/// `POST /mod/webhooks` (with the endpoint) and
/// `POST /mod/webhooks/{id}/secret`: the secret it is signed with, shown
/// only here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecret {
    pub webhook: Webhook,
    /// `whsec_` and 32 random bytes in base64 (Standard Webhooks).
    pub secret: String,
}

/// Where a message to an endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet delivered; tried again at `next_attempt_at`.
    Waiting,
    Delivered,
    /// Given up on after the last attempt.
    Failed,
}

/// One message to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    /// Its `webhook-id`: the same on every attempt.
    pub message_id: String,
    pub event: WebhookEvent,
    pub state: DeliveryState,
    pub attempts: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    /// The HTTP status of the last answer, if one came.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// `GET /mod/webhooks/{id}/deliveries`: the latest messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
}

/// The body of a message: what happened, when, to which comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookMessage {
    #[serde(rename = "type")]
    pub kind: WebhookEvent,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub data: WebhookData,
}

/// A message's subject: the comment as moderators see it when the message
/// was made (so a comment deleted since is sent emptied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookData {
    pub comment: ModComment,
}

/// `GET /mod/me/alerts`: the e-mails a moderator asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertSettings {
    /// Where they go; `None`: no alerts.
    pub email: Option<String>,
    /// Which events each send one (webhooks' names).
    pub events: Vec<WebhookEvent>,
    /// 0: each at once; else one mail of all that came in each this many
    /// minutes.
    pub digest_minutes: u32,
}

/// `PUT /mod/me/alerts`: no address, or no events, stops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertChange {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub events: Vec<String>,
    /// 0 (the default): each at once; up to 1,440 (a day): one mail of
    /// all that came in each this many minutes.
    #[serde(default)]
    pub digest_minutes: u32,
}

#[cfg(test)]
mod tests {
    use super::WebhookEvent;

    #[test]
    fn every_event_reads_back_as_itself() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(event.as_str()), Some(event));
            let json = serde_json::to_string(&event).expect("json");
            assert_eq!(json, format!("\"{}\"", event.as_str()));
        }
        assert_eq!(WebhookEvent::parse("comment.liked"), None);
    }
}
