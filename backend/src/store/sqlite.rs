//! The SQLite store: the embedded default. WAL mode, one writer connection
//! (SQLite allows one writer at a time anyway; queueing in the pool is cheaper
//! than retrying on `SQLITE_BUSY`) and a pool of readers.

use super::rows::*;
use super::*;
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// The SQLite implementation of [`CommentStore`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://` URL and
    /// runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad database URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode loses nothing a process crash could take:
            // a commit is in the WAL before it is acknowledged.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory");
        // The file holds the reader key: its owner's alone.
        let path = options.get_filename();
        if path.as_os_str() != ":memory:" && !path.as_os_str().is_empty() {
            crate::files::private_database(path).map_err(|e| {
                StoreError::Internal(format!("making {} private: {e}", path.display()))
            })?;
        }
        // Page caches: 16 MB for the one writer, 4 MB for each of the eight
        // readers (48 MB in all; the operating system caches the file too).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone().pragma("cache_size", "-16000"))
            .await
            .map_err(map_err)?;
        migrate(options.clone()).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true).pragma("cache_size", "-4000"))
            .await
            .map_err(map_err)?;
        Ok(Self { writer, reader })
    }
}

/// What `SqliteStore::backup` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub bytes: u64,
    pub comments: i64,
    pub articles: i64,
}

impl SqliteStore {
    /// Writes a copy of the whole database to the new file `path` while
    /// the server keeps serving, then checks the copy.
    ///
    /// `VACUUM INTO` reads the database in one read transaction, so the
    /// copy is the database as it was at one moment (every acknowledged
    /// write before it, nothing half-done), compacted; writers are not
    /// blocked meanwhile (WAL). It does what SQLite's online backup API
    /// does, through the connection sqlx already has.
    pub async fn backup(&self, path: &std::path::Path) -> StoreResult<Backup> {
        // Made empty and private first (VACUUM INTO fills an empty file):
        // the copy holds the reader key too.
        if let Err(e) = crate::files::create_private(path) {
            return Err(StoreError::Internal(
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    format!(
                        "{} exists already; a backup never overwrites a file",
                        path.display()
                    )
                } else {
                    format!("cannot create {}: {e}", path.display())
                },
            ));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Internal("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.reader)
            .await
            .map_err(map_err)?;
        let copy = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = sqlx::ConnectOptions::connect(&copy)
            .await
            .map_err(map_err)?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .map_err(map_err)?;
        if check != "ok" {
            return Err(StoreError::Internal(format!(
                "the copy failed its integrity check: {check}"
            )));
        }
        let (comments, articles): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM articles)",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(map_err)?;
        sqlx::Connection::close(conn).await.map_err(map_err)?;
        let bytes = std::fs::metadata(path)
            .map_err(|e| StoreError::Internal(format!("reading the copy: {e}")))?
            .len();
        Ok(Backup {
            bytes,
            comments,
            articles,
        })
    }
}

/// Runs the migrations on a connection of their own with foreign keys off
/// (a table rebuild drops the table others refer to; SQLite's documented
/// way), then checks every reference still holds.
async fn migrate(options: SqliteConnectOptions) -> StoreResult<()> {
    use sqlx::Connection;
    let failed = |e: &dyn std::fmt::Display| StoreError::Internal(format!("migration failed: {e}"));
    let mut conn = sqlx::SqliteConnection::connect_with(&options.foreign_keys(false))
        .await
        .map_err(map_err)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&mut conn)
        .await
        .map_err(|e| failed(&e))?;
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .map_err(map_err)?;
    if !broken.is_empty() {
        return Err(failed(&format!("{} broken references", broken.len())));
    }
    conn.close().await.map_err(map_err)?;
    Ok(())
}

fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::Database(db)
            if matches!(db.code().as_deref(), Some("5" | "6" | "13" | "261" | "517")) =>
        {
            // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL and their variants.
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Internal(err.to_string()),
    }
}

super::shared_sql::shared_sql!(Sqlite, SqliteRow);

/// The readers with comments awaiting review in an article, comma-separated.
const PENDING_AUTHORS: &str = "group_concat(DISTINCT c.author_reader)";

/// Moderators' word search: every word as a prefix, in the FTS5 index.
fn push_words(qb: &mut QueryBuilder<'_, Sqlite>, words: &[String]) {
    if words.is_empty() {
        return;
    }
    let expr = words
        .iter()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ");
    qb.push(" AND c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ")
        .push_bind(expr)
        .push(")");
}

#[async_trait]
impl CommentStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        ping_in(&self.reader).await
    }

    async fn secret(
        &self,
        name: &str,
        make: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        secret_in(&self.writer, name, make).await
    }

    async fn insert_comment(&self, new: NewCommentRecord) -> StoreResult<Inserted> {
        insert_comment_in(&self.writer, new).await
    }

    async fn comment(&self, id: i64) -> StoreResult<Option<CommentRecord>> {
        comment_in(&self.reader, id).await
    }

    async fn edit_comment(
        &self,
        id: i64,
        body: &str,
        html: &str,
        at: i64,
        mode: EditMode,
    ) -> StoreResult<Option<CommentRecord>> {
        edit_comment_in(&self.writer, id, body, html, at, mode).await
    }

    async fn settle_edit(
        &self,
        id: i64,
        accept: bool,
        expected_at: Option<i64>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<CommentRecord>> {
        settle_edit_in(&self.writer, id, accept, expected_at, audit, at).await
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
            let mut tx = self.writer.begin().await?;
            let Some(before) = comment_by_id(&mut *tx, id).await? else {
                return Ok(None);
            };
            sqlx::query("UPDATE comments SET state = ?, hidden_reason = ? WHERE id = ?")
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
                    "UPDATE articles SET visible_count = visible_count + ? \
                     WHERE id = (SELECT article_id FROM comments WHERE id = ?)",
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
        thread_page_in(
            &self.reader,
            article,
            sort,
            after,
            per_thread,
            limit,
            reader,
        )
        .await
    }

    async fn replies_page(
        &self,
        root: i64,
        after: Option<Keyset>,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        replies_page_in(&self.reader, root, after, limit, reader).await
    }

    async fn reactions_on(
        &self,
        comment_ids: &[i64],
        cap: usize,
    ) -> StoreResult<Option<Vec<(i64, String, ReactionKind)>>> {
        reactions_on_in(&self.reader, comment_ids, cap).await
    }

    async fn comment_mine(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
    ) -> StoreResult<Vec<ReactionKind>> {
        comment_mine_in(&self.reader, comment_id, reader).await
    }

    async fn article_counts(&self, articles: &[String]) -> StoreResult<Vec<(String, u64)>> {
        article_counts_in(&self.reader, articles).await
    }

    async fn article_reactions(
        &self,
        article: &str,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>)> {
        article_reactions_in(&self.reader, article, reader).await
    }

    async fn set_article_reaction(
        &self,
        article: &str,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)> {
        set_article_reaction_in(&self.writer, article, reader, kind, on, at).await
    }

    async fn set_comment_reaction(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<Option<([u64; 6], Vec<ReactionKind>, bool)>> {
        set_comment_reaction_in(&self.writer, comment_id, reader, kind, on, at).await
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
            let mut tx = self.writer.begin().await?;
            let added = sqlx::query(
                "INSERT INTO reports (comment_id, reader, address, reason, note, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            sqlx::query("UPDATE comments SET report_count = report_count + 1 WHERE id = ?")
                .bind(comment_id)
                .execute(&mut *tx)
                .await?;
            // Reports from before addresses were kept count one each.
            let addresses: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT COALESCE(address, reader)) FROM reports WHERE comment_id = ?",
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
        reader_is_known_in(&self.reader, reader).await
    }

    async fn article_premoderated(&self, article: &str) -> StoreResult<bool> {
        article_premoderated_in(&self.reader, article).await
    }

    async fn set_article_premoderated(&self, article: &str, on: bool, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO articles (key, created_at, premoderate) VALUES (?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET premoderate = excluded.premoderate",
        )
        .bind(article)
        .bind(at)
        .bind(on)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn mod_comments(&self, query: &ModQuery) -> StoreResult<Vec<ModRecord>> {
        mod_comments_in(&self.reader, query).await
    }

    async fn audit(&self, before_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, moderator, action, comment_id, reason FROM audit_log \
             WHERE id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
            "INSERT INTO moderators (username, password_hash, role, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(at)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_moderator_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> StoreResult<bool> {
        set_moderator_password_in(&self.writer, username, password_hash).await
    }

    async fn remove_moderator(&self, username: &str) -> StoreResult<bool> {
        remove_moderator_in(&self.writer, username).await
    }

    async fn moderators(&self) -> StoreResult<Vec<ModeratorRecord>> {
        moderators_in(&self.reader).await
    }

    async fn moderator(&self, username: &str) -> StoreResult<Option<ModeratorRecord>> {
        moderator_in(&self.reader, username).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        moderator_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        create_session_in(&self.writer, token_hash, moderator_id, at, expires_at).await
    }

    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ModeratorRecord>> {
        let row = sqlx::query(
            "SELECT m.* FROM mod_sessions s JOIN moderators m ON m.id = s.moderator_id \
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?;
        row.as_ref().map(moderator_of).transpose().map_err(map_err)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        delete_session_in(&self.writer, token_hash).await
    }

    async fn claim_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        request_hash: &str,
        times: IdempotencyTimes,
    ) -> StoreResult<IdempotencyClaim> {
        let run = async {
            let mut tx = self.writer.begin().await?;
            let row = sqlx::query(
                "SELECT request_hash, status, response_body, created_at FROM idempotency_keys \
                 WHERE reader = ? AND key = ?",
            )
            .bind(&reader.0)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            let claim = match row {
                Some(row) => {
                    let created_at: i64 = row.try_get("created_at")?;
                    let status: Option<i64> = row.try_get("status")?;
                    let hash: String = row.try_get("request_hash")?;
                    let expired = created_at < times.expired_before;
                    let abandoned = status.is_none() && created_at < times.stale_before;
                    if expired || abandoned {
                        None
                    } else if hash != request_hash {
                        Some(IdempotencyClaim::Mismatch)
                    } else if let Some(status) = status {
                        Some(IdempotencyClaim::Done(StoredResponse {
                            status: u16::try_from(status).unwrap_or(200),
                            body: row
                                .try_get::<Option<String>, _>("response_body")?
                                .unwrap_or_default(),
                        }))
                    } else {
                        Some(IdempotencyClaim::InProgress)
                    }
                }
                None => None,
            };
            let claim = match claim {
                Some(found) => found,
                None => {
                    sqlx::query(
                        "INSERT INTO idempotency_keys (reader, key, request_hash, status, response_body, created_at) \
                         VALUES (?, ?, ?, NULL, NULL, ?) \
                         ON CONFLICT (reader, key) DO UPDATE SET request_hash = excluded.request_hash, \
                         status = NULL, response_body = NULL, created_at = excluded.created_at",
                    )
                    .bind(&reader.0)
                    .bind(key)
                    .bind(request_hash)
                    .bind(times.now)
                    .execute(&mut *tx)
                    .await?;
                    IdempotencyClaim::Claimed
                }
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
        finish_idempotency_in(&self.writer, reader, key, response).await
    }

    async fn release_idempotency(&self, reader: &ReaderHash, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE reader = ? AND key = ? AND status IS NULL")
            .bind(&reader.0)
            .bind(key)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn purge_expired(&self, idempotency_before: i64, now: i64) -> StoreResult<()> {
        purge_expired_in(&self.writer, idempotency_before, now).await
    }
}
