//! The PostgreSQL store, for operators who run several Chime servers: one
//! pool of connections per server, the same rules as the SQLite store (one
//! conformance suite runs against both). Writes that race between servers
//! are made safe by the statements themselves (conditional inserts, counts
//! changed in place, row locks inside transactions), not by a single writer.

use super::rows::*;
use super::*;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, QueryBuilder, Row};
use std::str::FromStr;
use std::time::Duration;

/// The PostgreSQL implementation of [`CommentStore`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at a `postgres://` URL with a pool of up to
    /// `connections`, and runs the migrations (one server at a time: sqlx
    /// takes an advisory lock while it migrates).
    pub async fn open(url: &str, connections: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad database URL: {e}")))?
            .application_name("chime")
            // A write stuck behind another program's lock fails (503, the
            // client retries) instead of holding a request forever.
            .options([("lock_timeout", "5s"), ("statement_timeout", "30s")]);
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // A connection PostgreSQL dropped (a restart, a failover) is
            // noticed before it is handed out, not by a failed request.
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(map_err)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }

    /// The pool, for the event bus's notifications.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::Database(db)
            if db.code().is_some_and(|c| {
                // Connection lost (08), out of resources (53), shutting down
                // or restarting (57P0x), a lock or statement timeout (55P03,
                // 57014) and the concurrency failures (40001 serialization,
                // 40P01 deadlock): nothing was written, retryable.
                c.starts_with("08")
                    || c.starts_with("53")
                    || c.starts_with("57P")
                    || matches!(c.as_ref(), "55P03" | "57014" | "40001" | "40P01")
            }) =>
        {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Internal(err.to_string()),
    }
}

super::shared_sql::shared_sql!(Postgres, PgRow);

/// The readers with comments awaiting review in an article, comma-separated.
const PENDING_AUTHORS: &str = "string_agg(DISTINCT c.author_reader, ',')";

/// Moderators' word search: every word as a prefix, in the generated
/// `tsvector`. Words are letters and digits only (the service splits on
/// everything else), so they cannot break the query syntax.
fn push_words(qb: &mut QueryBuilder<'_, Postgres>, words: &[String]) {
    if words.is_empty() {
        return;
    }
    let expr = words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ");
    qb.push(" AND c.search @@ to_tsquery('simple', ")
        .push_bind(expr)
        .push(")");
}

#[async_trait]
impl CommentStore for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        ping_in(&self.pool).await
    }

    async fn secret(
        &self,
        name: &str,
        make: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        secret_in(&self.pool, name, make).await
    }

    async fn insert_comment(&self, new: NewCommentRecord) -> StoreResult<Inserted> {
        insert_comment_in(&self.pool, new).await
    }

    async fn comment(&self, id: i64) -> StoreResult<Option<CommentRecord>> {
        comment_in(&self.pool, id).await
    }

    async fn edit_comment(
        &self,
        id: i64,
        body: &str,
        html: &str,
        at: i64,
        mode: EditMode,
    ) -> StoreResult<Option<CommentRecord>> {
        edit_comment_in(&self.pool, id, body, html, at, mode).await
    }

    async fn settle_edit(
        &self,
        id: i64,
        accept: bool,
        expected_at: Option<i64>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<CommentRecord>> {
        settle_edit_in(&self.pool, id, accept, expected_at, audit, at).await
    }

    async fn set_state(
        &self,
        id: i64,
        state: CommentState,
        reason: Option<&str>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<StateChange>> {
        let run = async {
            let mut tx = self.pool.begin().await?;
            // Locked: two moderators on two servers acting on one comment
            // at once must not both count its change.
            let sql =
                format!("SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id = $1 FOR UPDATE OF c");
            let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await?;
            let Some(before) = row.as_ref().map(comment_of).transpose()? else {
                return Ok(None);
            };
            sqlx::query("UPDATE comments SET state = $1, hidden_reason = $2 WHERE id = $3")
                .bind(state.as_str())
                .bind(
                    if matches!(state, CommentState::Hidden | CommentState::Pending) {
                        reason
                    } else {
                        None
                    },
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let was = before.state == CommentState::Visible;
            let is = state == CommentState::Visible;
            if was != is {
                let delta: i64 = if is { 1 } else { -1 };
                sqlx::query(
                    "UPDATE articles SET visible_count = visible_count + $1 \
                     WHERE id = (SELECT article_id FROM comments WHERE id = $2)",
                )
                .bind(delta)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if let Some(parent) = before.parent_id {
                    bump_ancestors(&mut tx, parent, delta).await?;
                }
            }
            if let Some(note) = audit {
                record_audit(&mut *tx, at, id, &note).await?;
            }
            let after = comment_by_id(&mut *tx, id)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            tx.commit().await?;
            Ok(Some(StateChange {
                before: before.state,
                after,
            }))
        };
        run.await.map_err(map_err)
    }

    async fn thread_page(
        &self,
        article: &str,
        sort: SortOrder,
        after: Option<Keyset>,
        per_thread: u32,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        thread_page_in(&self.pool, article, sort, after, per_thread, limit, reader).await
    }

    async fn replies_page(
        &self,
        root: i64,
        after: Option<Keyset>,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        replies_page_in(&self.pool, root, after, limit, reader).await
    }

    async fn reactions_on(
        &self,
        comment_ids: &[i64],
        cap: usize,
    ) -> StoreResult<Option<Vec<(i64, String, ReactionKind)>>> {
        reactions_on_in(&self.pool, comment_ids, cap).await
    }

    async fn comment_mine(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
    ) -> StoreResult<Vec<ReactionKind>> {
        comment_mine_in(&self.pool, comment_id, reader).await
    }

    async fn article_counts(&self, articles: &[String]) -> StoreResult<Vec<(String, u64)>> {
        article_counts_in(&self.pool, articles).await
    }

    async fn article_reactions(
        &self,
        article: &str,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>)> {
        article_reactions_in(&self.pool, article, reader).await
    }

    async fn set_article_reaction(
        &self,
        article: &str,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)> {
        set_article_reaction_in(&self.pool, article, reader, kind, on, at).await
    }

    async fn set_comment_reaction(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<Option<([u64; 6], Vec<ReactionKind>, bool)>> {
        set_comment_reaction_in(&self.pool, comment_id, reader, kind, on, at).await
    }

    async fn add_report(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        address: &str,
        reason: ReportReason,
        note: Option<&str>,
        at: i64,
    ) -> StoreResult<Option<u64>> {
        let run = async {
            let mut tx = self.pool.begin().await?;
            let added = sqlx::query(
                "INSERT INTO reports (comment_id, reader, address, reason, note, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(comment_id)
            .bind(&reader.0)
            .bind(address)
            .bind(reason.as_str())
            .bind(note)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !added {
                tx.commit().await?;
                return Ok(None);
            }
            sqlx::query("UPDATE comments SET report_count = report_count + 1 WHERE id = $1")
                .bind(comment_id)
                .execute(&mut *tx)
                .await?;
            // Reports from before addresses were kept count one each.
            let addresses: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT COALESCE(address, reader)) FROM reports WHERE comment_id = $1",
            )
            .bind(comment_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(u64::try_from(addresses).unwrap_or(0)))
        };
        run.await.map_err(map_err)
    }

    async fn reader_is_known(&self, reader: &ReaderHash) -> StoreResult<bool> {
        reader_is_known_in(&self.pool, reader).await
    }

    async fn article_premoderated(&self, article: &str) -> StoreResult<bool> {
        article_premoderated_in(&self.pool, article).await
    }

    async fn set_article_premoderated(&self, article: &str, on: bool, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO articles (key, created_at, premoderate) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET premoderate = excluded.premoderate",
        )
        .bind(article)
        .bind(at)
        .bind(on)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn mod_comments(&self, query: &ModQuery) -> StoreResult<Vec<ModRecord>> {
        mod_comments_in(&self.pool, query).await
    }

    async fn audit(&self, before_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, moderator, action, comment_id, reason FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("action")?;
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    moderator: row.try_get("moderator")?,
                    action: AuditAction::parse(&action)
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    comment_id: row.try_get("comment_id")?,
                    reason: row.try_get("reason")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(map_err)
    }

    async fn add_moderator(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        at: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO moderators (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_moderator_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> StoreResult<bool> {
        set_moderator_password_in(&self.pool, username, password_hash).await
    }

    async fn remove_moderator(&self, username: &str) -> StoreResult<bool> {
        remove_moderator_in(&self.pool, username).await
    }

    async fn moderators(&self) -> StoreResult<Vec<ModeratorRecord>> {
        moderators_in(&self.pool).await
    }

    async fn moderator(&self, username: &str) -> StoreResult<Option<ModeratorRecord>> {
        moderator_in(&self.pool, username).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        moderator_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        create_session_in(&self.pool, token_hash, moderator_id, at, expires_at).await
    }

    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ModeratorRecord>> {
        let row = sqlx::query(
            "SELECT m.* FROM mod_sessions s JOIN moderators m ON m.id = s.moderator_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(moderator_of).transpose().map_err(map_err)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        delete_session_in(&self.pool, token_hash).await
    }

    async fn claim_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        request_hash: &str,
        times: IdempotencyTimes,
    ) -> StoreResult<IdempotencyClaim> {
        // Two servers may see the same key at once: the insert decides who
        // claims it, and an existing claim is read under its row lock.
        let run = async {
            let mut tx = self.pool.begin().await?;
            let claimed = sqlx::query(
                "INSERT INTO idempotency_keys (reader, key, request_hash, status, response_body, created_at) \
                 VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (reader, key) DO NOTHING",
            )
            .bind(&reader.0)
            .bind(key)
            .bind(request_hash)
            .bind(times.now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if claimed {
                tx.commit().await?;
                return Ok(IdempotencyClaim::Claimed);
            }
            let row = sqlx::query(
                "SELECT request_hash, status, response_body, created_at FROM idempotency_keys \
                 WHERE reader = $1 AND key = $2 FOR UPDATE",
            )
            .bind(&reader.0)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            let created_at: i64 = row.try_get("created_at")?;
            let status: Option<i64> = row.try_get("status")?;
            let hash: String = row.try_get("request_hash")?;
            let expired = created_at < times.expired_before;
            let abandoned = status.is_none() && created_at < times.stale_before;
            let claim = if expired || abandoned {
                sqlx::query(
                    "UPDATE idempotency_keys SET request_hash = $1, status = NULL, \
                     response_body = NULL, created_at = $2 WHERE reader = $3 AND key = $4",
                )
                .bind(request_hash)
                .bind(times.now)
                .bind(&reader.0)
                .bind(key)
                .execute(&mut *tx)
                .await?;
                IdempotencyClaim::Claimed
            } else if hash != request_hash {
                IdempotencyClaim::Mismatch
            } else if let Some(status) = status {
                IdempotencyClaim::Done(StoredResponse {
                    status: u16::try_from(status).unwrap_or(200),
                    body: row
                        .try_get::<Option<String>, _>("response_body")?
                        .unwrap_or_default(),
                })
            } else {
                IdempotencyClaim::InProgress
            };
            tx.commit().await?;
            Ok(claim)
        };
        run.await.map_err(map_err)
    }

    async fn finish_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        response: &StoredResponse,
    ) -> StoreResult<()> {
        finish_idempotency_in(&self.pool, reader, key, response).await
    }

    async fn release_idempotency(&self, reader: &ReaderHash, key: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE reader = $1 AND key = $2 AND status IS NULL",
        )
        .bind(&reader.0)
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn purge_expired(&self, idempotency_before: i64, now: i64) -> StoreResult<()> {
        purge_expired_in(&self.pool, idempotency_before, now).await
    }
}
