//! The outbox, webhook endpoints and their messages. Events come from the
//! triggers of migration `outbox`; here they are handed on (each by one
//! server: the delete decides) and messages are claimed (each by one
//! server at a time: a lease, taken under `SKIP LOCKED` on PostgreSQL).

use super::*;
use crate::store::outbox::*;

const WEBHOOK_COLUMNS: &str = "w.id, w.url, w.events, w.description, w.secret, w.created_at, \
     w.paused_at, w.paused_reason, w.failures, w.last_success_at, w.last_failure_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d \
      WHERE d.webhook_id = w.id AND d.next_attempt_at IS NOT NULL) AS waiting";

const DELIVERY_COLUMNS: &str = "id, webhook_id, message_id, event, payload, created_at, \
     attempts, next_attempt_at, delivered_at, failed_at, last_status, last_error, lease_until";

fn webhook_of<R: Row>(row: &R) -> StoreResult<WebhookRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'q> i64: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> String: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> Option<i64>: Decode<'q, R::Database>,
    for<'q> Option<String>: Decode<'q, R::Database>,
{
    Ok(WebhookRecord {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        events: row.try_get("events")?,
        description: row.try_get("description")?,
        secret: row.try_get("secret")?,
        created_at: row.try_get("created_at")?,
        paused_at: row.try_get("paused_at")?,
        paused_reason: row.try_get("paused_reason")?,
        failures: row.try_get("failures")?,
        last_success_at: row.try_get("last_success_at")?,
        last_failure_at: row.try_get("last_failure_at")?,
        waiting: row.try_get("waiting")?,
    })
}

const SUBSCRIPTION_COLUMNS: &str =
    "comment_id, reader, email, locale, page_url, token, confirmed_at";

fn subscription_of<R: Row>(row: &R) -> StoreResult<SubscriptionRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'q> i64: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> String: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> Option<i64>: Decode<'q, R::Database>,
{
    Ok(SubscriptionRecord {
        comment_id: row.try_get("comment_id")?,
        reader: row.try_get("reader")?,
        email: row.try_get("email")?,
        locale: row.try_get("locale")?,
        page_url: row.try_get("page_url")?,
        token: row.try_get("token")?,
        confirmed_at: row.try_get("confirmed_at")?,
    })
}

/// Queues one e-mail (once per message and recipient).
async fn insert_mail<D>(tx: &mut sqlx::Transaction<'_, D>, mail: &NewMail) -> StoreResult<()>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D>,
    for<'q> &'q str: Encode<'q, D> + Type<D>,
    for<'q> Option<&'q str>: Encode<'q, D>,
{
    sqlx::query(
        "INSERT INTO mail_outbox \
         (message_id, recipient, subject, body, created_at, next_attempt_at, \
         comment_id, digest_until, kind, locale, footer, unsubscribe_url, subscription) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
    )
    .bind(mail.message_id.as_str())
    .bind(mail.recipient.as_str())
    .bind(mail.subject.as_str())
    .bind(mail.body.as_str())
    .bind(mail.created_at)
    .bind(mail.digest_until.unwrap_or(mail.created_at))
    .bind(mail.comment_id)
    .bind(mail.digest_until)
    .bind(mail.kind.as_str())
    .bind(mail.locale)
    .bind(mail.footer.as_str())
    .bind(mail.unsubscribe_url.as_deref())
    .bind(mail.subscription.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn delivery_of<R: Row>(row: &R) -> StoreResult<DeliveryRecord>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'q> i64: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> String: Decode<'q, R::Database> + Type<R::Database>,
    for<'q> Option<i64>: Decode<'q, R::Database>,
    for<'q> Option<String>: Decode<'q, R::Database>,
{
    Ok(DeliveryRecord {
        id: row.try_get("id")?,
        webhook_id: row.try_get("webhook_id")?,
        message_id: row.try_get("message_id")?,
        event: row.try_get("event")?,
        payload: row.try_get("payload")?,
        created_at: row.try_get("created_at")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        delivered_at: row.try_get("delivered_at")?,
        failed_at: row.try_get("failed_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        lease_until: row.try_get("lease_until")?,
    })
}

impl<D> SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
{
    /// Locks an endpoint's row for the transaction (PostgreSQL; SQLite's
    /// one writer is alone anyway).
    async fn lock_webhook(tx: &mut sqlx::Transaction<'_, D>, id: i64) -> StoreResult<()> {
        if D::LOCKS_ROWS {
            sqlx::query("SELECT id FROM webhooks WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<D> OutboxStore for SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> bool: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> String: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> &'q str: Encode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D> + Decode<'q, D>,
    for<'q> Option<&'q str>: Encode<'q, D>,
    for<'q> Option<String>: Decode<'q, D>,
    for<'a> &'a str: ColumnIndex<D::Row>,
    usize: ColumnIndex<D::Row>,
{
    async fn webhooks(&self) -> StoreResult<Vec<WebhookRecord>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks w ORDER BY w.id");
        let rows = sqlx::query(&sql).fetch_all(&self.writer).await?;
        rows.iter().map(webhook_of).collect()
    }

    async fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRecord>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.writer)
            .await?;
        row.as_ref().map(webhook_of).transpose()
    }

    async fn webhook_targets(&self) -> StoreResult<Vec<(i64, String, String)>> {
        let rows = sqlx::query("SELECT id, url, secret FROM webhooks")
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    row.try_get("url")?,
                    row.try_get("secret")?,
                ))
            })
            .collect()
    }

    async fn add_webhook(&self, new: &NewWebhookRecord) -> StoreResult<WebhookRecord> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (url, events, description, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.url.as_str())
        .bind(new.events.as_str())
        .bind(new.description.as_str())
        .bind(new.secret.as_str())
        .bind(new.created_at)
        .fetch_one(&self.writer)
        .await?;
        self.webhook(id)
            .await?
            .ok_or_else(|| StoreError::internal("a webhook vanished as it was made"))
    }

    async fn change_webhook(
        &self,
        id: i64,
        change: &WebhookUpdate,
        now: i64,
    ) -> StoreResult<Option<WebhookRecord>> {
        let mut tx = self.writer.begin().await?;
        let changed = sqlx::query(
            "UPDATE webhooks SET url = COALESCE($1, url), events = COALESCE($2, events), \
             description = COALESCE($3, description) WHERE id = $4",
        )
        .bind(change.url.as_deref())
        .bind(change.events.as_deref())
        .bind(change.description.as_deref())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&changed) == 0 {
            return Ok(None);
        }
        match change.active {
            Some(true) => {
                sqlx::query(
                    "UPDATE webhooks SET paused_at = NULL, paused_reason = NULL, failures = 0 \
                     WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                // What waited is due now (not at the end of its back-off).
                sqlx::query(
                    "UPDATE webhook_deliveries SET next_attempt_at = $1 \
                     WHERE webhook_id = $2 AND next_attempt_at IS NOT NULL",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Some(false) => {
                sqlx::query(
                    "UPDATE webhooks SET paused_at = $1, paused_reason = $2 \
                     WHERE id = $3 AND paused_at IS NULL",
                )
                .bind(now)
                .bind(change.paused_reason.as_deref())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            None => {}
        }
        tx.commit().await?;
        self.webhook(id).await
    }

    async fn remove_webhook(&self, id: i64) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(D::rows_affected(&removed) == 1)
    }

    async fn set_webhook_secret(
        &self,
        id: i64,
        secret: &str,
    ) -> StoreResult<Option<WebhookRecord>> {
        let changed = sqlx::query("UPDATE webhooks SET secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(id)
            .execute(&self.writer)
            .await?;
        if D::rows_affected(&changed) == 0 {
            return Ok(None);
        }
        self.webhook(id).await
    }

    async fn deliveries(&self, webhook_id: i64, limit: u32) -> StoreResult<Vec<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
             ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(webhook_id)
            .bind(i64::from(limit))
            .fetch_all(&self.writer)
            .await?;
        rows.iter().map(delivery_of).collect()
    }

    async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        // The writer: on SQLite the readers may lag a moment behind it.
        let rows = sqlx::query(
            "SELECT id, message_id, event, comment_id, at FROM outbox ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEvent {
                    id: row.try_get("id")?,
                    message_id: row.try_get("message_id")?,
                    event: row.try_get("event")?,
                    comment_id: row.try_get("comment_id")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    async fn hand_on(
        &self,
        events: &[i64],
        deliveries: &[NewDelivery],
        mails: &[NewMail],
    ) -> StoreResult<u64> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut tx = self.writer.begin().await?;
        let mut taken = 0;
        if deliveries.is_empty() && mails.is_empty() {
            // Nobody wants them: one statement for the lot.
            let mut qb = QueryBuilder::<D>::new("DELETE FROM outbox WHERE id IN ");
            push_id_list(&mut qb, events);
            taken = D::execute(&mut qb, &mut *tx).await?;
        } else {
            for &event in events {
                // The delete decides which server hands the event on: on
                // PostgreSQL a second server's delete waits for the first's
                // commit, then finds nothing.
                let deleted = sqlx::query("DELETE FROM outbox WHERE id = $1")
                    .bind(event)
                    .execute(&mut *tx)
                    .await?;
                if D::rows_affected(&deleted) == 0 {
                    continue;
                }
                taken += 1;
                for delivery in deliveries.iter().filter(|d| d.event_id == event) {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries \
                         (webhook_id, message_id, event, payload, created_at, next_attempt_at, \
                         comment_id) \
                         SELECT $1, $2, $3, $4, $5, $5, $6 WHERE EXISTS \
                         (SELECT 1 FROM webhooks WHERE id = $1)",
                    )
                    .bind(delivery.webhook_id)
                    .bind(delivery.message_id.as_str())
                    .bind(delivery.event.as_str())
                    .bind(delivery.payload.as_str())
                    .bind(delivery.created_at)
                    .bind(delivery.comment_id)
                    .execute(&mut *tx)
                    .await?;
                }
                for mail in mails.iter().filter(|m| m.event_id == event) {
                    insert_mail(&mut tx, mail).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(taken)
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let skip_locked = if D::LOCKS_ROWS {
            " FOR UPDATE OF d SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.next_attempt_at <= $2 AND d.lease_until < $2 AND w.paused_at IS NULL \
             ORDER BY d.next_attempt_at LIMIT $3{skip_locked}) \
             RETURNING {DELIVERY_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.writer)
            .await?;
        rows.iter().map(delivery_of).collect()
    }

    async fn delivered(&self, delivery: &DeliveryRecord, at: i64, status: u16) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        // The endpoint's row first, as changing an endpoint locks it first
        // (one order: no deadlock between the two).
        Self::lock_webhook(&mut tx, delivery.webhook_id).await?;
        // Whoever's claim it was: the endpoint has it (a failure is
        // fenced by its lease, a success is not).
        let recorded = sqlx::query(
            "UPDATE webhook_deliveries SET delivered_at = $1, next_attempt_at = NULL, \
             lease_until = 0, last_status = $2, last_error = NULL \
             WHERE id = $3 AND next_attempt_at IS NOT NULL",
        )
        .bind(at)
        .bind(i64::from(status))
        .bind(delivery.id)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&recorded) == 1 {
            sqlx::query("UPDATE webhooks SET failures = 0, last_success_at = $1 WHERE id = $2")
                .bind(at)
                .bind(delivery.webhook_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn attempt_failed(&self, failure: &FailedAttempt) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        Self::lock_webhook(&mut tx, failure.webhook_id).await?;
        let given_up = failure.next_attempt_at.is_none().then_some(failure.at);
        let recorded = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, failed_at = $2, \
             lease_until = 0, last_status = $3, last_error = $4 \
             WHERE id = $5 AND lease_until = $6 AND next_attempt_at IS NOT NULL",
        )
        .bind(failure.next_attempt_at)
        .bind(given_up)
        .bind(failure.status.map(i64::from))
        .bind(failure.error.as_str())
        .bind(failure.delivery_id)
        .bind(failure.lease_until)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&recorded) == 0 {
            // Another server's claim took it over: its outcome counts.
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE webhooks SET failures = failures + 1, last_failure_at = $1 WHERE id = $2",
        )
        .bind(failure.at)
        .bind(failure.webhook_id)
        .execute(&mut *tx)
        .await?;
        let paused = sqlx::query(
            "UPDATE webhooks SET paused_at = $1, paused_reason = $2 \
             WHERE id = $3 AND paused_at IS NULL AND failures >= $4",
        )
        .bind(failure.at)
        .bind(format!(
            "Paused by Chime after {} failed attempts in a row; the last: {}",
            failure.pause_after, failure.error
        ))
        .bind(failure.webhook_id)
        .bind(i64::from(failure.pause_after))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(D::rows_affected(&paused) == 1)
    }

    async fn release_delivery(&self, delivery: &DeliveryRecord) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET lease_until = 0, attempts = attempts - 1 \
             WHERE id = $1 AND lease_until = $2",
        )
        .bind(delivery.id)
        .bind(delivery.lease_until)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn purge_deliveries(&self, before: i64) -> StoreResult<u64> {
        let purged = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE next_attempt_at IS NULL \
             AND COALESCE(delivered_at, failed_at, 0) < $1",
        )
        .bind(before)
        .execute(&self.writer)
        .await?;
        let mails = sqlx::query(
            "DELETE FROM mail_outbox WHERE next_attempt_at IS NULL \
             AND COALESCE(sent_at, failed_at, 0) < $1",
        )
        .bind(before)
        .execute(&self.writer)
        .await?;
        Ok(D::rows_affected(&purged) + D::rows_affected(&mails))
    }

    async fn alerts(&self, username: &str) -> StoreResult<Option<AlertRecord>> {
        let row = sqlx::query(
            "SELECT a.email, a.events, a.digest_minutes FROM moderator_alerts a \
             JOIN moderators m ON m.id = a.moderator_id WHERE m.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| {
            Ok(AlertRecord {
                email: row.try_get("email")?,
                events: row.try_get("events")?,
                digest_minutes: row.try_get("digest_minutes")?,
            })
        })
        .transpose()
    }

    async fn set_alerts(&self, username: &str, alerts: Option<&AlertRecord>) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM moderators WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM moderator_alerts WHERE moderator_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(alerts) = alerts {
            sqlx::query(
                "INSERT INTO moderator_alerts (moderator_id, email, events, digest_minutes) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(alerts.email.as_str())
            .bind(alerts.events.as_str())
            .bind(alerts.digest_minutes)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn all_alerts(&self) -> StoreResult<Vec<AlertRecord>> {
        let rows = sqlx::query(
            "SELECT email, events, digest_minutes FROM moderator_alerts ORDER BY moderator_id",
        )
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertRecord {
                    email: row.try_get("email")?,
                    events: row.try_get("events")?,
                    digest_minutes: row.try_get("digest_minutes")?,
                })
            })
            .collect()
    }

    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        recipients: u32,
    ) -> StoreResult<Vec<MailRecord>> {
        let skip_locked = if D::LOCKS_ROWS {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        // Every due mail of a few recipients (a digest's many at once).
        let sql = format!(
            "UPDATE mail_outbox SET lease_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mail_outbox \
             WHERE next_attempt_at <= $2 AND lease_until < $2 AND recipient IN \
             (SELECT DISTINCT recipient FROM mail_outbox \
              WHERE next_attempt_at <= $2 AND lease_until < $2 LIMIT $3) \
             ORDER BY id LIMIT 1000{skip_locked}) \
             RETURNING id, message_id, recipient, subject, body, attempts, digest_until, \
             lease_until, kind, locale, footer, unsubscribe_url"
        );
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(now)
            .bind(i64::from(recipients))
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(MailRecord {
                    id: row.try_get("id")?,
                    message_id: row.try_get("message_id")?,
                    recipient: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    body: row.try_get("body")?,
                    attempts: row.try_get("attempts")?,
                    digest_until: row.try_get("digest_until")?,
                    lease_until: row.try_get("lease_until")?,
                    kind: MailKind::parse(row.try_get::<String, _>("kind")?.as_str()),
                    locale: row.try_get("locale")?,
                    footer: row.try_get("footer")?,
                    unsubscribe_url: row.try_get("unsubscribe_url")?,
                })
            })
            .collect()
    }

    async fn mail_sent(&self, mail: &MailRecord, at: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE mail_outbox SET sent_at = $1, next_attempt_at = NULL, lease_until = 0, \
             last_error = NULL WHERE id = $2 AND next_attempt_at IS NOT NULL",
        )
        .bind(at)
        .bind(mail.id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn mail_failed(
        &self,
        mail: &MailRecord,
        at: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<()> {
        let given_up = next_attempt_at.is_none().then_some(at);
        sqlx::query(
            "UPDATE mail_outbox SET next_attempt_at = $1, failed_at = $2, lease_until = 0, \
             last_error = $3 WHERE id = $4 AND lease_until = $5 AND next_attempt_at IS NOT NULL",
        )
        .bind(next_attempt_at)
        .bind(given_up)
        .bind(error)
        .bind(mail.id)
        .bind(mail.lease_until)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn subscribe(
        &self,
        new: &NewSubscription,
        confirm: &(dyn for<'t> Fn(&'t str) -> NewMail + Send + Sync),
        confirm_since: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        // Asked again for the same address (a retried post): the links
        // already mailed stay good.
        let earlier = sqlx::query(
            "SELECT email, token, confirmed_at FROM reply_subscriptions WHERE comment_id = $1",
        )
        .bind(new.comment_id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut token = new.token.clone();
        let mut confirmed_at = new.confirmed.then_some(new.created_at);
        if let Some(row) = earlier {
            let email: String = row.try_get("email")?;
            if email.eq_ignore_ascii_case(&new.email) {
                token = row.try_get("token")?;
                confirmed_at = confirmed_at.or(row.try_get("confirmed_at")?);
            }
        }
        if confirmed_at.is_none() {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(confirmed_at) FROM reply_subscriptions \
                 WHERE reader = $1 AND lower(email) = lower($2)",
            )
            .bind(new.reader.as_str())
            .bind(new.email.as_str())
            .fetch_one(&mut *tx)
            .await?;
            confirmed_at = known.map(|_| new.created_at);
        }
        sqlx::query(
            "INSERT INTO reply_subscriptions \
             (comment_id, reader, email, locale, page_url, token, created_at, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (comment_id) DO UPDATE SET reader = excluded.reader, \
             email = excluded.email, locale = excluded.locale, page_url = excluded.page_url, \
             token = excluded.token, created_at = excluded.created_at, \
             confirmed_at = excluded.confirmed_at",
        )
        .bind(new.comment_id)
        .bind(new.reader.as_str())
        .bind(new.email.as_str())
        .bind(new.locale)
        .bind(new.page_url.as_str())
        .bind(token.as_str())
        .bind(new.created_at)
        .bind(confirmed_at)
        .execute(&mut *tx)
        .await?;
        if confirmed_at.is_none() {
            // One confirming mail a day to an address (however it is
            // written): its link confirms every request of that reader
            // to it.
            let mail = confirm(&token);
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_outbox \
                 WHERE lower(recipient) = lower($1) AND kind = 'confirm' AND created_at > $2",
            )
            .bind(mail.recipient.as_str())
            .bind(confirm_since)
            .fetch_one(&mut *tx)
            .await?;
            if recent == 0 {
                insert_mail(&mut tx, &mail).await?;
            }
        }
        tx.commit().await?;
        Ok(confirmed_at.is_some())
    }

    async fn subscription(&self, token: &str) -> StoreResult<Option<SubscriptionRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM reply_subscriptions WHERE token = $1"
        ))
        .bind(token)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(subscription_of).transpose()
    }

    async fn confirm_subscription(&self, token: &str, at: i64) -> StoreResult<bool> {
        let confirmed = sqlx::query(
            "UPDATE reply_subscriptions SET confirmed_at = $1 WHERE confirmed_at IS NULL AND \
             (reader, email) IN (SELECT reader, email FROM reply_subscriptions WHERE token = $2)",
        )
        .bind(at)
        .bind(token)
        .execute(&self.writer)
        .await?;
        Ok(D::rows_affected(&confirmed) > 0)
    }

    async fn unsubscribe(&self, token: &str) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "DELETE FROM mail_outbox WHERE kind = 'reply' AND sent_at IS NULL \
             AND subscription = $1",
        )
        .bind(token)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query("DELETE FROM reply_subscriptions WHERE token = $1")
            .bind(token)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(D::rows_affected(&removed) > 0)
    }

    async fn subscriptions_of(&self, reader: &str) -> StoreResult<Vec<SubscriptionRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM reply_subscriptions WHERE reader = $1 \
             ORDER BY comment_id"
        ))
        .bind(reader)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(subscription_of).collect()
    }

    async fn reply_subscribers(
        &self,
        replies: &[i64],
    ) -> StoreResult<Vec<(i64, SubscriptionRecord)>> {
        if replies.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<D>::new(
            "SELECT r.id AS reply_id, s.comment_id, s.reader, s.email, s.locale, s.page_url, \
             s.token, s.confirmed_at FROM comments r \
             JOIN reply_subscriptions s ON s.comment_id = r.parent_id \
             JOIN comments p ON p.id = r.parent_id \
             WHERE s.confirmed_at IS NOT NULL AND p.state = 'visible' \
             AND r.state = 'visible' AND r.author_reader <> s.reader AND r.id IN ",
        );
        push_id_list(&mut qb, replies);
        let rows = D::fetch_all(&mut qb, &self.writer).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("reply_id")?, subscription_of(row)?)))
            .collect()
    }

    async fn last_reply_mail(&self, token: &str) -> StoreResult<Option<(i64, Option<i64>)>> {
        let row = sqlx::query(
            "SELECT created_at, digest_until FROM mail_outbox \
             WHERE subscription = $1 AND kind = 'reply' ORDER BY id DESC LIMIT 1",
        )
        .bind(token)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| Ok((row.try_get("created_at")?, row.try_get("digest_until")?)))
            .transpose()
    }

    async fn drop_reply_mails(&self, comments: &[i64]) -> StoreResult<u64> {
        if comments.is_empty() {
            return Ok(0);
        }
        let mut qb = QueryBuilder::<D>::new(
            "DELETE FROM mail_outbox WHERE kind = 'reply' AND sent_at IS NULL AND comment_id IN ",
        );
        push_id_list(&mut qb, comments);
        Ok(D::execute(&mut qb, &self.writer).await?)
    }

    async fn purge_unconfirmed(&self, before: i64) -> StoreResult<u64> {
        let purged = sqlx::query(
            "DELETE FROM reply_subscriptions WHERE confirmed_at IS NULL AND created_at < $1",
        )
        .bind(before)
        .execute(&self.writer)
        .await?;
        Ok(D::rows_affected(&purged))
    }
}
