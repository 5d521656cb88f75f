//! The outbox: what happened to comments (rows the database's own triggers
//! write in each change's transaction), the webhook endpoints admins set
//! up, and each message's delivery to each endpoint until it is delivered
//! or given up on.

use super::StoreResult;
use async_trait::async_trait;

/// Something that happened to a comment, not yet handed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub id: i64,
    /// Random: what receivers tell repeats by.
    pub message_id: String,
    pub event: String,
    pub comment_id: i64,
    pub at: i64,
}

/// An endpoint as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: i64,
    pub url: String,
    /// Space-separated event names.
    pub events: String,
    pub description: String,
    pub secret: String,
    pub created_at: i64,
    pub paused_at: Option<i64>,
    pub paused_reason: Option<String>,
    pub failures: i64,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    /// Messages neither delivered nor given up on.
    pub waiting: i64,
}

impl std::fmt::Debug for WebhookRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("WebhookRecord")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("paused_at", &self.paused_at)
            .finish_non_exhaustive()
    }
}

/// A new endpoint, parsed.
#[derive(Debug, Clone)]
pub struct NewWebhookRecord {
    pub url: String,
    pub events: String,
    pub description: String,
    pub secret: String,
    pub created_at: i64,
}

/// What changes about an endpoint; `None` keeps it.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    pub url: Option<String>,
    pub events: Option<String>,
    pub description: Option<String>,
    /// `Some(true)` resumes it (its waiting messages are due at once),
    /// `Some(false)` pauses it with this reason.
    pub active: Option<bool>,
    pub paused_reason: Option<String>,
}

/// A message for an endpoint, made when its event is handed on.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The outbox event it is of.
    pub event_id: i64,
    pub message_id: String,
    pub comment_id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub payload: String,
    pub created_at: i64,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub webhook_id: i64,
    pub message_id: String,
    pub event: String,
    pub payload: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// The lease of the claim that took it: its outcome is recorded only
    /// while that lease is the message's own (a server too slow, whose
    /// lease another server took over, records nothing).
    pub lease_until: i64,
}

/// A moderator's alerts by e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub email: String,
    /// Space-separated event names.
    pub events: String,
    /// 0: each at once; else gathered into one mail per this many minutes.
    pub digest_minutes: i64,
}

/// An e-mail, made when its event is handed on.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub event_id: i64,
    pub message_id: String,
    pub comment_id: i64,
    /// The end of the digest window it is gathered in; `None`: sent on
    /// its own, at once.
    pub digest_until: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub kind: MailKind,
    /// The language of what a digest adds (a catalogue's tag).
    pub locale: &'static str,
    /// Below the body (once, in a digest).
    pub footer: String,
    pub unsubscribe_url: Option<String>,
    /// A reply e-mail's request (its token).
    pub subscription: Option<String>,
}

/// What an e-mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// A moderator's alert.
    Alert,
    /// A reader's reply e-mail.
    Reply,
    /// Asks a reader to confirm their address.
    Confirm,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Reply => "reply",
            Self::Confirm => "confirm",
        }
    }

    pub fn parse(raw: &str) -> Self {
        match raw {
            "reply" => Self::Reply,
            "confirm" => Self::Confirm,
            _ => Self::Alert,
        }
    }
}

/// A reader's request for reply e-mails, as asked.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub comment_id: i64,
    pub reader: String,
    pub email: String,
    pub locale: &'static str,
    pub page_url: String,
    pub token: String,
    pub created_at: i64,
    /// The site's token gave the address: no confirming.
    pub confirmed: bool,
}

/// A reader's request for reply e-mails, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub comment_id: i64,
    pub reader: String,
    pub email: String,
    pub locale: String,
    pub page_url: String,
    pub token: String,
    pub confirmed_at: Option<i64>,
}

/// An e-mail as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: i64,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// Its digest's window (mails of one recipient and window go as one).
    pub digest_until: Option<i64>,
    /// As for a delivery: the claim's lease, fencing its outcome.
    pub lease_until: i64,
    pub kind: MailKind,
    pub locale: String,
    pub footer: String,
    pub unsubscribe_url: Option<String>,
}

/// How an attempt failed, and what comes next.
#[derive(Debug, Clone)]
pub struct FailedAttempt {
    pub delivery_id: i64,
    /// The claim's lease (see `DeliveryRecord::lease_until`).
    pub lease_until: i64,
    pub webhook_id: i64,
    pub at: i64,
    pub status: Option<u16>,
    pub error: String,
    /// When to try again; `None`: given up on.
    pub next_attempt_at: Option<i64>,
    /// Failed attempts in a row after which the endpoint is paused.
    pub pause_after: u32,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Every endpoint, oldest first.
    async fn webhooks(&self) -> StoreResult<Vec<WebhookRecord>>;

    async fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRecord>>;

    /// Where each endpoint is and what it signs with, by id: what sending
    /// needs, without the counts an admin's view adds.
    async fn webhook_targets(&self) -> StoreResult<Vec<(i64, String, String)>>;

    async fn add_webhook(&self, new: &NewWebhookRecord) -> StoreResult<WebhookRecord>;

    /// `None` when there is no such endpoint.
    async fn change_webhook(
        &self,
        id: i64,
        change: &WebhookUpdate,
        now: i64,
    ) -> StoreResult<Option<WebhookRecord>>;

    /// Removes an endpoint and its messages; whether there was one.
    async fn remove_webhook(&self, id: i64) -> StoreResult<bool>;

    /// Signs with a new secret from now on; `None` when there is no such
    /// endpoint.
    async fn set_webhook_secret(&self, id: i64, secret: &str)
    -> StoreResult<Option<WebhookRecord>>;

    /// An endpoint's latest messages, newest first.
    async fn deliveries(&self, webhook_id: i64, limit: u32) -> StoreResult<Vec<DeliveryRecord>>;

    /// The oldest events not handed on yet.
    async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>>;

    /// Hands events on, in one transaction: each is taken (deleted) and,
    /// only if this call took it (another server may have first), its
    /// messages and e-mails are written. How many events this call took.
    async fn hand_on(
        &self,
        events: &[i64],
        deliveries: &[NewDelivery],
        mails: &[NewMail],
    ) -> StoreResult<u64>;

    /// A moderator's alerts; `None` when they asked for none.
    async fn alerts(&self, username: &str) -> StoreResult<Option<AlertRecord>>;

    /// Sets (or, with `None`, stops) a moderator's alerts; false when
    /// there is no such moderator.
    async fn set_alerts(&self, username: &str, alerts: Option<&AlertRecord>) -> StoreResult<bool>;

    /// Every moderator's alerts.
    async fn all_alerts(&self) -> StoreResult<Vec<AlertRecord>>;

    /// Takes the e-mails due at `now` to up to `recipients` addresses
    /// (every one due to each, so a digest is one mail), held until
    /// `lease_until`.
    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        recipients: u32,
    ) -> StoreResult<Vec<MailRecord>>;

    /// The mail server took it (whichever claim sent it).
    async fn mail_sent(&self, mail: &MailRecord, at: i64) -> StoreResult<()>;

    /// It could not be sent; tried again at `next_attempt_at`, or (`None`)
    /// given up on (under the claim's lease).
    async fn mail_failed(
        &self,
        mail: &MailRecord,
        at: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<()>;

    /// Takes up to `limit` messages due at `now` to endpoints not paused,
    /// held by this server until `lease_until` (no other server takes them
    /// meanwhile), each counted as one more attempt.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>>;

    /// The endpoint took the message (whichever claim sent it: it is not
    /// to be sent again).
    async fn delivered(&self, delivery: &DeliveryRecord, at: i64, status: u16) -> StoreResult<()>;

    /// An attempt failed; whether the endpoint was paused by it.
    async fn attempt_failed(&self, failure: &FailedAttempt) -> StoreResult<bool>;

    /// Lets a claimed message go without an attempt counted (its endpoint
    /// changed since this server read it).
    async fn release_delivery(&self, delivery: &DeliveryRecord) -> StoreResult<()>;

    /// Forgets messages delivered or given up on before `before`.
    async fn purge_deliveries(&self, before: i64) -> StoreResult<u64>;

    /// Stores a reader's request for reply e-mails on their comment. Asked
    /// again for the same address (a retried post), it keeps its token and
    /// confirmation, so links already mailed go on working; for another
    /// address it starts anew. Confirmed at once when the site gave the
    /// address or the reader confirmed it before; else the mail `confirm`
    /// makes (with the request's token) is queued, unless a confirming
    /// mail went to the address (in any case) after `confirm_since`.
    async fn subscribe(
        &self,
        new: &NewSubscription,
        confirm: &(dyn for<'t> Fn(&'t str) -> NewMail + Send + Sync),
        confirm_since: i64,
    ) -> StoreResult<bool>;

    /// The request a mailed link names.
    async fn subscription(&self, token: &str) -> StoreResult<Option<SubscriptionRecord>>;

    /// Confirms the request a link names, and the reader's others to the
    /// same address.
    async fn confirm_subscription(&self, token: &str, at: i64) -> StoreResult<bool>;

    /// Removes the request a link names, and its mails not yet sent.
    async fn unsubscribe(&self, token: &str) -> StoreResult<bool>;

    /// A reader's requests, for their data.
    async fn subscriptions_of(&self, reader: &str) -> StoreResult<Vec<SubscriptionRecord>>;

    /// For replies (by id) whose parent's author asked for reply e-mails
    /// and confirmed: the reply and the request (not when they replied
    /// to themselves, nor to a deleted comment).
    async fn reply_subscribers(
        &self,
        replies: &[i64],
    ) -> StoreResult<Vec<(i64, SubscriptionRecord)>>;

    /// When the newest reply e-mail of a request was made, and the digest
    /// it waits for.
    async fn last_reply_mail(&self, token: &str) -> StoreResult<Option<(i64, Option<i64>)>>;

    /// Drops the reply e-mails about these comments not sent yet (hidden
    /// or deleted since).
    async fn drop_reply_mails(&self, comments: &[i64]) -> StoreResult<u64>;

    /// Forgets requests never confirmed, made before `before`.
    async fn purge_unconfirmed(&self, before: i64) -> StoreResult<u64>;
}
