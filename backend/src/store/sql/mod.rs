//! The SQL store: one implementation of [`CommentStore`] over sqlx, generic
//! in the database. The statements use `$N` placeholders, which sqlx takes
//! on SQLite too; what really differs between SQLite and PostgreSQL is a
//! [`Dialect`]. Opening and migrating belong to each database's module
//! (`store::sqlite`, `store::postgres`).
//!
//! Every `impl` block here repeats one `where` clause: what the statements
//! bind and decode. Rust does not carry a trait's `where` clauses to its
//! users, so it cannot be written once on [`Dialect`].

mod articles;
mod comments;
mod errors;
mod import;
mod outbox;
mod pages;
mod privacy;
mod reactions;
mod rows;

pub use rows::PREMODERATED;

use super::*;
use async_trait::async_trait;
use errors::undecodable;
use reactions::Toggle;
use rows::*;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row, Type,
};
use std::future::Future;

/// What differs between the databases a [`SqlStore`] runs on.
pub trait Dialect: Database {
    /// Whether `SELECT … FOR UPDATE` locks rows. SQLite has one writer,
    /// so every write transaction is alone anyway.
    const LOCKS_ROWS: bool;

    /// An aggregate of the distinct `c.author_reader`, comma-separated.
    const PENDING_AUTHORS: &'static str;

    /// Moderators' word search: `AND` a condition on `c` that every word
    /// occurs (as a prefix) in the comment's body.
    fn push_words(qb: &mut QueryBuilder<'_, Self>, words: &[String]);

    /// Runs a built query. Written per database because a generic
    /// `QueryBuilder`'s arguments cannot be narrowed to the borrow of the
    /// builder (only the concrete argument types are covariant).
    fn fetch_all<'a, E>(
        qb: &'a mut QueryBuilder<'_, Self>,
        executor: E,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'a
    where
        E: Executor<'a, Database = Self> + 'a;

    /// Runs a built statement; how many rows it changed. (Per database for
    /// the same reason as `fetch_all`.)
    fn execute<'a, E>(
        qb: &'a mut QueryBuilder<'_, Self>,
        executor: E,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a
    where
        E: Executor<'a, Database = Self> + 'a;

    /// How many rows a statement changed (each database's result type has
    /// its own method; sqlx has no trait for it).
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// ` FOR UPDATE OF table` where rows are locked, else nothing.
    fn lock(table: &str) -> String {
        if Self::LOCKS_ROWS {
            format!(" FOR UPDATE OF {table}")
        } else {
            String::new()
        }
    }
}

/// A store in a SQL database: writes go to `writer`, reads to `reader`
/// (the same pool on PostgreSQL; on SQLite one writing connection and
/// read-only ones).
#[derive(Debug, Clone)]
pub struct SqlStore<D: Database> {
    pub(super) writer: Pool<D>,
    pub(super) reader: Pool<D>,
}

#[async_trait]
impl<D> CommentStore for SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> bool: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> String: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> &'q str: Encode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D>,
    for<'q> Option<&'q str>: Encode<'q, D>,
    for<'a> &'a str: ColumnIndex<D::Row>,
    usize: ColumnIndex<D::Row>,
{
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn secret(
        &self,
        name: &str,
        make: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .execute(&self.writer)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(&self.writer)
                .await?,
        )
    }

    async fn insert_comment(&self, new: NewCommentRecord) -> StoreResult<Inserted> {
        self.post(new).await
    }

    async fn comment(&self, id: i64) -> StoreResult<Option<CommentRecord>> {
        Self::comment_by_id(&self.reader, id).await
    }

    async fn edit_comment(
        &self,
        id: i64,
        body: &str,
        html: &str,
        at: i64,
        mode: EditMode,
    ) -> StoreResult<Option<CommentRecord>> {
        // In place only while nothing about it asks for review (a hold or
        // a report may have landed since the caller looked).
        let sql = match mode {
            EditMode::InPlace => {
                "UPDATE comments SET body = $1, html = $2, edited_at = $3, \
                 proposed_body = NULL, proposed_html = NULL, proposed_at = NULL \
                 WHERE id = $4 AND state = 'visible' AND report_count = 0"
            }
            EditMode::ForReview => {
                "UPDATE comments SET proposed_body = $1, proposed_html = $2, \
                 proposed_at = $3 WHERE id = $4"
            }
        };
        let mut tx = self.writer.begin().await?;
        let changed = sqlx::query(sql)
            .bind(body)
            .bind(html)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if D::rows_affected(&changed) == 0 {
            return Ok(None);
        }
        let record = Self::comment_by_id(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn settle_edit(
        &self,
        id: i64,
        accept: bool,
        expected_at: Option<i64>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<CommentRecord>> {
        let set = if accept {
            "UPDATE comments SET body = proposed_body, html = proposed_html, \
             edited_at = proposed_at, proposed_body = NULL, proposed_html = NULL, \
             proposed_at = NULL"
        } else {
            "UPDATE comments SET proposed_body = NULL, proposed_html = NULL, proposed_at = NULL"
        };
        let only = if expected_at.is_some() {
            " AND proposed_at = $2"
        } else {
            ""
        };
        let sql = format!("{set} WHERE id = $1 AND proposed_body IS NOT NULL{only}");
        let mut tx = self.writer.begin().await?;
        let mut update = sqlx::query(&sql).bind(id);
        if let Some(expected) = expected_at {
            update = update.bind(expected);
        }
        let changed = update.execute(&mut *tx).await?;
        if D::rows_affected(&changed) == 0 {
            return Ok(None);
        }
        if let Some(note) = audit {
            Self::record_audit(&mut *tx, at, id, &note).await?;
        }
        let record = Self::comment_by_id(&mut *tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn set_state(
        &self,
        id: i64,
        state: CommentState,
        reason: Option<&str>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<StateChange>> {
        self.change_state(id, state, reason, audit, at).await
    }

    async fn replies_page(
        &self,
        root: i64,
        after: Option<Keyset>,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        self.replies(root, after, limit, reader).await
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
        self.first_level(article, sort, after, per_thread, limit, reader)
            .await
    }

    async fn reactions_on(
        &self,
        comment_ids: &[i64],
        cap: usize,
    ) -> StoreResult<Option<Vec<(i64, String, ReactionKind)>>> {
        if comment_ids.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let mut qb = QueryBuilder::<D>::new(
            "SELECT comment_id, reader, kind FROM comment_reactions WHERE comment_id IN ",
        );
        push_id_list(&mut qb, comment_ids);
        qb.push(" LIMIT ")
            .push_bind(i64::try_from(cap).unwrap_or(i64::MAX).saturating_add(1));
        let rows = D::fetch_all(&mut qb, &self.reader).await?;
        if rows.len() > cap {
            return Ok(None);
        }
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind")?;
            found.push((
                row.try_get("comment_id")?,
                row.try_get("reader")?,
                kind_of(&kind)?,
            ));
        }
        Ok(Some(found))
    }

    async fn comment_mine(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
    ) -> StoreResult<Vec<ReactionKind>> {
        Self::reader_kinds(&self.reader, &COMMENT_REACTIONS, comment_id, reader).await
    }

    async fn article_counts(&self, articles: &[String]) -> StoreResult<Vec<(String, u64)>> {
        if articles.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<D>::new("SELECT key, visible_count FROM articles WHERE key IN (");
        let mut list = qb.separated(", ");
        for key in articles {
            list.push_bind(key.as_str());
        }
        qb.push(")");
        let rows = D::fetch_all(&mut qb, &self.reader).await?;
        let mut counts = Vec::with_capacity(rows.len());
        for row in rows {
            let n: i64 = row.try_get("visible_count")?;
            counts.push((row.try_get("key")?, u64::try_from(n).unwrap_or(0)));
        }
        Ok(counts)
    }

    async fn article_reactions(
        &self,
        article: &str,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>)> {
        let mut conn = self.reader.acquire().await?;
        let Some(row) = sqlx::query("SELECT * FROM articles WHERE key = $1")
            .bind(article)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(([0; 6], Vec::new()));
        };
        let counts = reactions_of(&row)?;
        let mine = match reader {
            Some(reader) => {
                let id: i64 = row.try_get("id")?;
                Self::reader_kinds(&mut *conn, &ARTICLE_REACTIONS, id, reader).await?
            }
            None => Vec::new(),
        };
        Ok((counts, mine))
    }

    async fn set_article_reaction(
        &self,
        article: &str,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)> {
        let mut tx = self.writer.begin().await?;
        let article_id = if on {
            Self::upsert_article(&mut *tx, article, at).await?
        } else {
            let id = sqlx::query_scalar("SELECT id FROM articles WHERE key = $1")
                .bind(article)
                .fetch_optional(&mut *tx)
                .await?;
            match id {
                Some(id) => id,
                // Taking back a reaction on an article nobody reacted to
                // changes nothing and creates nothing.
                None => return Ok(([0; 6], Vec::new(), false)),
            }
        };
        let toggle = Toggle {
            table: &ARTICLE_REACTIONS,
            target: article_id,
            reader,
            kind,
            on,
            at,
        };
        let outcome = Self::toggle_reaction(&mut tx, toggle).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn set_comment_reaction(
        &self,
        comment_id: i64,
        reader: &ReaderHash,
        kind: ReactionKind,
        on: bool,
        at: i64,
    ) -> StoreResult<Option<([u64; 6], Vec<ReactionKind>, bool)>> {
        let mut tx = self.writer.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM comments WHERE id = $1")
            .bind(comment_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let toggle = Toggle {
            table: &COMMENT_REACTIONS,
            target: comment_id,
            reader,
            kind,
            on,
            at,
        };
        let outcome = Self::toggle_reaction(&mut tx, toggle).await?;
        tx.commit().await?;
        Ok(Some(outcome))
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
        let mut tx = self.writer.begin().await?;
        let insert = sqlx::query(
            "INSERT INTO reports (comment_id, reader, address, reason, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(comment_id)
        .bind(reader.0.as_str())
        .bind(address)
        .bind(reason.as_str())
        .bind(note)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let added = D::rows_affected(&insert) == 1;
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
    }

    async fn reader_is_known(&self, reader: &ReaderHash) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM comments WHERE author_reader = $1 AND state = 'visible')",
        )
        .bind(reader.0.as_str())
        .fetch_one(&self.reader)
        .await?)
    }

    async fn article(&self, article: &str) -> StoreResult<ArticleRecord> {
        self.read_article(article).await
    }

    async fn change_article(
        &self,
        article: &str,
        at: i64,
        change: &ArticleChanger,
    ) -> StoreResult<(ArticleRecord, ArticleRecord)> {
        self.write_article(article, at, change).await
    }

    async fn activity(
        &self,
        article: &str,
        usual: i64,
        recent: i64,
        now: i64,
    ) -> StoreResult<Activity> {
        self.count_activity(article, usual, recent, now).await
    }

    async fn start_surge(
        &self,
        article: &str,
        surge: SurgeRecord,
        audit: &AdminAudit,
    ) -> StoreResult<bool> {
        self.begin_surge(article, surge, audit).await
    }

    async fn end_surge(&self, article: &str, since: i64, audit: &AdminAudit) -> StoreResult<bool> {
        self.finish_surge(article, since, audit).await
    }

    async fn reader_data(&self, reader: &str) -> StoreResult<ReaderRecords> {
        self.data_of(reader).await
    }

    async fn erase_reader(
        &self,
        reader: &str,
        account: Option<i64>,
        audit: &ErasureAudit,
    ) -> StoreResult<Erasure> {
        self.erase(reader, account, audit).await
    }

    async fn surges(&self) -> StoreResult<Vec<(String, SurgeRecord)>> {
        self.in_surge().await
    }

    async fn set_featured(
        &self,
        id: i64,
        on: bool,
        audit: &AuditNote,
        at: i64,
    ) -> StoreResult<Featuring> {
        self.feature(id, on, audit, at).await
    }

    async fn mod_comments(&self, query: &ModQuery) -> StoreResult<Vec<ModRecord>> {
        self.for_moderators(query).await
    }

    async fn audit(&self, before_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at, moderator, action, comment_id, reason, subject, settings_before, \
             settings_after FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let action: String = row.try_get("action")?;
            entries.push(AuditRecord {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                moderator: row.try_get("moderator")?,
                action: AuditAction::parse(&action).map_err(undecodable)?,
                comment_id: row.try_get("comment_id")?,
                reason: row.try_get("reason")?,
                subject: row.try_get("subject")?,
                settings_before: row.try_get("settings_before")?,
                settings_after: row.try_get("settings_after")?,
            });
        }
        Ok(entries)
    }

    async fn reader_stats(&self, reader: &str) -> StoreResult<ReaderStats> {
        let mut stats = ReaderStats::default();
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n, MIN(created_at) AS first_at, \
             MAX(created_at) AS last_at, CAST(SUM(report_count) AS BIGINT) AS reports \
             FROM comments WHERE author_reader = $1 GROUP BY state",
        )
        .bind(reader)
        .fetch_all(&self.reader)
        .await?;
        for row in rows {
            let state: String = row.try_get("state")?;
            let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
            let first: Option<i64> = row.try_get("first_at")?;
            let last: Option<i64> = row.try_get("last_at")?;
            let reports: Option<i64> = row.try_get("reports")?;
            match state.as_str() {
                "visible" => stats.visible = n,
                "pending" => stats.pending = n,
                "hidden" => stats.hidden = n,
                _ => stats.deleted = n,
            }
            stats.first_at = match (stats.first_at, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            stats.last_at = stats.last_at.max(last);
            stats.reports_against += u64::try_from(reports.unwrap_or(0)).unwrap_or(0);
        }
        let latest = sqlx::query(
            "SELECT author_name, author_account FROM comments WHERE author_reader = $1 \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(reader)
        .fetch_optional(&self.reader)
        .await?;
        if let Some(row) = latest {
            stats.name = row.try_get("author_name")?;
            stats.account = row.try_get("author_account")?;
        }
        let by: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE reader = $1")
            .bind(reader)
            .fetch_one(&self.reader)
            .await?;
        stats.reports_by = u64::try_from(by).unwrap_or(0);
        Ok(stats)
    }

    async fn readers_at_same_address(&self, reader: &str, since: i64) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT c.author_reader) FROM comments c \
             WHERE c.created_at >= $2 AND c.author_reader <> $1 AND c.author_address IN \
             (SELECT m.author_address FROM comments m WHERE m.author_reader = $1 \
              AND m.created_at >= $2 AND m.author_address IS NOT NULL)",
        )
        .bind(reader)
        .bind(since)
        .fetch_one(&self.reader)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn forget_addresses(&self, before: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE comments SET author_address = NULL \
             WHERE author_address IS NOT NULL AND created_at < $1",
        )
        .bind(before)
        .execute(&self.writer)
        .await?;
        // A sanction's address is held until its own time: 30 days at most.
        sqlx::query(
            "UPDATE reader_sanctions SET address = NULL \
             WHERE address IS NOT NULL AND address_until <= $1",
        )
        .bind(before + crate::service::history::ADDRESS_WINDOW_MS)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn add_note(&self, reader: &str, note: &NoteRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO reader_notes (reader, at, moderator, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(reader)
        .bind(note.at)
        .bind(note.moderator.as_str())
        .bind(note.body.as_str())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn notes(&self, reader: &str, limit: u32) -> StoreResult<Vec<NoteRecord>> {
        let rows = sqlx::query(
            "SELECT at, moderator, body FROM reader_notes WHERE reader = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(reader)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        let mut notes = Vec::with_capacity(rows.len());
        for row in rows {
            notes.push(NoteRecord {
                at: row.try_get("at")?,
                moderator: row.try_get("moderator")?,
                body: row.try_get("body")?,
            });
        }
        Ok(notes)
    }

    async fn account(&self, id: i64) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.as_ref().map(account_of).transpose()?)
    }

    async fn add_sanction(
        &self,
        sanction: &SanctionRecord,
        audit: &AdminAudit,
    ) -> StoreResult<i64> {
        let mut tx = self.writer.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reader_sanctions (reader, account_id, address, kind, at, moderator, \
             until, reason, address_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(sanction.reader.as_str())
        .bind(sanction.account_id)
        .bind(sanction.address.as_deref())
        .bind(sanction.kind.as_str())
        .bind(sanction.at)
        .bind(sanction.moderator.as_str())
        .bind(sanction.until)
        .bind(sanction.reason.as_deref())
        .bind(sanction.address_until)
        .fetch_one(&mut *tx)
        .await?;
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn lift_sanction(&self, id: i64, reader: &str, audit: &AdminAudit) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE reader_sanctions SET lifted_at = $1, lifted_by = $2 \
             WHERE id = $3 AND reader = $4 AND lifted_at IS NULL",
        )
        .bind(audit.at)
        .bind(audit.moderator.as_str())
        .bind(id)
        .bind(reader)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn sanctions(&self, reader: &str) -> StoreResult<Vec<SanctionRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM reader_sanctions WHERE reader = $1 ORDER BY id DESC LIMIT 100",
        )
        .bind(reader)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.iter().map(sanction_of).collect::<Result<_, _>>()?)
    }

    async fn sanctions_in_force(
        &self,
        reader: &str,
        account: Option<i64>,
        address: Option<&str>,
        now: i64,
    ) -> StoreResult<Vec<SanctionRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM reader_sanctions WHERE lifted_at IS NULL \
             AND (until IS NULL OR until > $4) \
             AND (reader = $1 OR account_id = $2 OR (address = $3 AND address_until > $4))",
        )
        .bind(reader)
        .bind(account)
        .bind(address)
        .bind(now)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.iter().map(sanction_of).collect::<Result<_, _>>()?)
    }

    async fn latest_address(&self, reader: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT author_address FROM comments WHERE author_reader = $1 \
             AND author_address IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(reader)
        .fetch_optional(&self.reader)
        .await?)
    }

    async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    async fn put_setting(&self, name: &str, value: &str, audit: &AdminAudit) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_moderator(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        audit: &AdminAudit,
    ) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "INSERT INTO moderators (username, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_moderator_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: &AdminAudit,
    ) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM moderators WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = id else { return Ok(false) };
        sqlx::query("UPDATE moderators SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM mod_sessions WHERE moderator_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn remove_moderator(&self, username: &str, audit: &AdminAudit) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        // The admins, locked where rows lock: two admins removing each
        // other at once cannot leave none.
        let admins: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT username FROM moderators WHERE role = 'admin'{}",
            D::lock("moderators")
        ))
        .fetch_all(&mut *tx)
        .await?;
        if admins.len() == 1 && admins[0] == username {
            return Err(StoreError::Conflict(Conflict::LastAdmin));
        }
        let done = sqlx::query("DELETE FROM moderators WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn moderators(&self) -> StoreResult<Vec<ModeratorRecord>> {
        let rows = sqlx::query("SELECT * FROM moderators ORDER BY username")
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.iter().map(moderator_of).collect::<Result<_, _>>()?)
    }

    async fn moderator(&self, username: &str) -> StoreResult<Option<ModeratorRecord>> {
        let row = sqlx::query("SELECT * FROM moderators WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.as_ref().map(moderator_of).transpose()?)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        moderator_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO mod_sessions (token_hash, moderator_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(moderator_id)
        .bind(at)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ModeratorRecord>> {
        let row = sqlx::query(
            "SELECT m.* FROM mod_sessions s JOIN moderators m ON m.id = s.moderator_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(moderator_of).transpose()?)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM mod_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn claim_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        request_hash: &str,
        times: IdempotencyTimes,
    ) -> StoreResult<IdempotencyClaim> {
        self.claim(reader, key, request_hash, times).await
    }

    async fn finish_idempotency(
        &self,
        reader: &ReaderHash,
        key: &str,
        response: &StoredResponse,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, response_body = $2 \
             WHERE reader = $3 AND key = $4",
        )
        .bind(i64::from(response.status))
        .bind(response.body.as_str())
        .bind(reader.0.as_str())
        .bind(key)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn release_idempotency(&self, reader: &ReaderHash, key: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE reader = $1 AND key = $2 AND status IS NULL",
        )
        .bind(reader.0.as_str())
        .bind(key)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn begin_import(&self) -> StoreResult<Box<dyn ImportBatch>> {
        Ok(Box::new(import::SqlImport::<D>::begin(&self.writer).await?))
    }

    fn outbox(&self) -> &dyn super::outbox::OutboxStore {
        self
    }

    async fn purge_expired(&self, idempotency_before: i64, now: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(idempotency_before)
            .execute(&self.writer)
            .await?;
        for table in ["mod_sessions", "reader_sessions", "site_tokens_seen"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                .bind(now)
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    async fn claim_site_token(&self, jti: &str, expires_at: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO site_tokens_seen (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(D::rows_affected(&done) == 1)
    }

    async fn upsert_account(&self, account: &SiteAccount, at: i64) -> StoreResult<AccountRecord> {
        let badges =
            serde_json::to_string(&account.badges).map_err(|e| StoreError::Internal(e.into()))?;
        let row = sqlx::query(
            "INSERT INTO accounts (site_id, name, email, badges, url, created_at, updated_at, \
             name_key, name_key_cased, reader) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) \
             ON CONFLICT (site_id) DO UPDATE SET name = excluded.name, email = excluded.email, \
             badges = excluded.badges, url = excluded.url, updated_at = excluded.updated_at, \
             name_key = excluded.name_key, name_key_cased = excluded.name_key_cased, \
             reader = excluded.reader RETURNING *",
        )
        .bind(account.site_id.as_str())
        .bind(account.name.as_str())
        .bind(account.email.as_deref())
        .bind(badges.as_str())
        .bind(account.url.as_deref())
        .bind(at)
        .bind(account.name_key.as_str())
        .bind(account.name_key_cased.as_str())
        .bind(account.reader.as_str())
        .fetch_one(&self.writer)
        .await?;
        Ok(account_of(&row)?)
    }

    async fn account_of_reader(&self, reader: &str) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query("SELECT * FROM accounts WHERE reader = $1")
            .bind(reader)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.as_ref().map(account_of).transpose()?)
    }

    async fn name_in_use(&self, name_key: &str, name_key_cased: &str) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE name_key = $1 OR name_key_cased = $2 LIMIT 1",
        )
        .bind(name_key)
        .bind(name_key_cased)
        .fetch_optional(&self.reader)
        .await?;
        Ok(found.is_some())
    }

    async fn renew_reader_session(&self, token_hash: &str, expires_at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE reader_sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(expires_at)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn create_reader_session(
        &self,
        token_hash: &str,
        account_id: i64,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO reader_sessions (token_hash, account_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(at)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn reader_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query(
            "SELECT a.* FROM reader_sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.as_ref().map(account_of).transpose()?)
    }

    async fn delete_reader_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM reader_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

/// `(ids…)`, each bound.
fn push_id_list<D: Database>(qb: &mut QueryBuilder<'_, D>, ids: &[i64])
where
    for<'q> i64: Encode<'q, D> + Type<D>,
{
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
}
