//! An article's controls: pre-moderation, closing, featured comments.

use super::*;

/// The columns of an article's controls, with its first comment's time
/// (one step down an index).
pub(super) const ARTICLE_CONTROLS: &str = "a.premoderate, a.closed_at, a.auto_close_days, \
     a.surge_since, a.surge_kind, a.surge_level, a.surge_reason, a.surge_snoozed_until, \
     (SELECT MIN(f.created_at) FROM comments f \
      WHERE f.article_id = a.id AND f.parent_id IS NULL) AS first_comment_at";

impl<D> SqlStore<D>
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
    /// The article's controls and featured comments; the defaults for an
    /// unknown article.
    pub(super) async fn article_controls(
        conn: &mut D::Connection,
        key: &str,
    ) -> StoreResult<ArticleRecord> {
        let sql = format!("SELECT a.id, {ARTICLE_CONTROLS} FROM articles a WHERE a.key = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(ArticleRecord::default());
        };
        let id: i64 = row.try_get("id")?;
        let mut record = controls_of(&row)?;
        record.featured = sqlx::query_scalar(
            "SELECT id FROM comments WHERE article_id = $1 AND featured_at IS NOT NULL \
             AND state = 'visible' ORDER BY featured_at DESC, id DESC",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        record.featured_count = i64::try_from(record.featured.len()).unwrap_or(i64::MAX);
        Ok(record)
    }

    pub(super) async fn read_article(&self, key: &str) -> StoreResult<ArticleRecord> {
        let mut conn = self.reader.acquire().await?;
        Self::article_controls(&mut conn, key).await
    }

    pub(super) async fn write_article(
        &self,
        key: &str,
        at: i64,
        change: &ArticleChanger,
    ) -> StoreResult<(ArticleRecord, ArticleRecord)> {
        let mut tx = self.writer.begin().await?;
        // The upsert writes the row, so it is locked (and exists) from here
        // to the commit.
        Self::upsert_article(&mut *tx, key, at).await?;
        let before = Self::article_controls(&mut tx, key).await?;
        let (controls, audit) = change(&before);
        sqlx::query(
            "UPDATE articles SET premoderate = $1, closed_at = $2, auto_close_days = $3, \
             surge_since = CASE WHEN $5 THEN NULL ELSE surge_since END, \
             surge_snoozed_until = COALESCE($6, surge_snoozed_until) WHERE key = $4",
        )
        .bind(controls.premoderate)
        .bind(controls.closed_at)
        .bind(controls.auto_close_days.map(i64::from))
        .bind(key)
        .bind(controls.end_surge)
        .bind(controls.surge_snoozed_until)
        .execute(&mut *tx)
        .await?;
        for entry in &audit {
            Self::record_admin_audit(&mut *tx, entry).await?;
        }
        tx.commit().await?;
        let after = ArticleRecord {
            premoderate: controls.premoderate,
            closed_at: controls.closed_at,
            auto_close_days: controls.auto_close_days,
            surge: before.surge.clone().filter(|_| !controls.end_surge),
            surge_snoozed_until: controls.surge_snoozed_until.or(before.surge_snoozed_until),
            ..before.clone()
        };
        Ok((before, after))
    }

    pub(super) async fn count_activity(
        &self,
        key: &str,
        usual: i64,
        recent: i64,
        now: i64,
    ) -> StoreResult<Activity> {
        // Reports are read by time first (`CROSS JOIN` keeps SQLite to that
        // order): walking a big article's comments for their reports would
        // cost its size at each count.
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id \
              AND c.created_at > $3) AS recent_posts, \
             (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id \
              AND c.created_at > $2 AND c.created_at <= $3) AS usual_posts, \
             (SELECT COUNT(*) FROM reports r CROSS JOIN comments c \
              WHERE c.id = r.comment_id AND r.created_at > $3 \
              AND c.article_id = a.id) AS recent_reports, \
             (SELECT COUNT(*) FROM reports r CROSS JOIN comments c \
              WHERE c.id = r.comment_id AND r.created_at > $2 AND r.created_at <= $3 \
              AND c.article_id = a.id) AS usual_reports, \
             (a.premoderate OR a.surge_since IS NOT NULL \
              OR COALESCE(a.surge_snoozed_until, 0) > $4) AS settled \
             FROM articles a WHERE a.key = $1",
        )
        .bind(key)
        .bind(usual)
        .bind(recent)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            return Ok(Activity::default());
        };
        Ok(Activity {
            recent_posts: row.try_get("recent_posts")?,
            usual_posts: row.try_get("usual_posts")?,
            recent_reports: row.try_get("recent_reports")?,
            usual_reports: row.try_get("usual_reports")?,
            settled: row.try_get("settled")?,
        })
    }

    pub(super) async fn begin_surge(
        &self,
        key: &str,
        surge: SurgeRecord,
        audit: &AdminAudit,
    ) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        // One server of several starts it: the one whose update finds none.
        let started = sqlx::query(
            "UPDATE articles SET surge_since = $2, surge_kind = $3, surge_level = $4, \
             surge_reason = $5 \
             WHERE key = $1 AND surge_since IS NULL AND NOT premoderate \
             AND (surge_snoozed_until IS NULL OR surge_snoozed_until <= $2)",
        )
        .bind(key)
        .bind(surge.since)
        .bind(surge.kind.as_str())
        .bind(surge.level)
        .bind(surge.reason.as_str())
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&started) != 1 {
            return Ok(false);
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn finish_surge(
        &self,
        key: &str,
        since: i64,
        audit: &AdminAudit,
    ) -> StoreResult<bool> {
        let mut tx = self.writer.begin().await?;
        let ended = sqlx::query(
            "UPDATE articles SET surge_since = NULL WHERE key = $1 AND surge_since = $2",
        )
        .bind(key)
        .bind(since)
        .execute(&mut *tx)
        .await?;
        if D::rows_affected(&ended) != 1 {
            return Ok(false);
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn in_surge(&self) -> StoreResult<Vec<(String, SurgeRecord)>> {
        let rows = sqlx::query(
            "SELECT key, surge_since, surge_kind, surge_level, surge_reason FROM articles \
             WHERE surge_since IS NOT NULL ORDER BY surge_since DESC",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let surge = surge_of(row)?
                    .ok_or_else(|| sqlx::Error::Decode("a surge without its time".into()))?;
                Ok((row.try_get("key")?, surge))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub(super) async fn feature(
        &self,
        id: i64,
        on: bool,
        audit: &AuditNote,
        at: i64,
    ) -> StoreResult<Featuring> {
        let mut tx = self.writer.begin().await?;
        // The comment's row first, then its article's, in the order every
        // change of state takes them (`change_state`): two servers acting
        // on one comment wait for each other instead of deadlocking, and
        // two featuring in one article cannot both take its last place.
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id = $1{}",
            D::lock("c")
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await?;
        let Some(before) = row.as_ref().map(comment_of).transpose()? else {
            return Ok(Featuring::Missing);
        };
        sqlx::query(
            "UPDATE articles SET premoderate = premoderate \
             WHERE id = (SELECT article_id FROM comments WHERE id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if on && (before.parent_id.is_some() || before.state != CommentState::Visible) {
            return Ok(Featuring::NotFeaturable);
        }
        if before.featured == on {
            return Ok(Featuring::Unchanged(Box::new(before)));
        }
        if on {
            let featured: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM comments WHERE article_id = \
                 (SELECT article_id FROM comments WHERE id = $1) \
                 AND featured_at IS NOT NULL AND state = 'visible'",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if usize::try_from(featured).unwrap_or(usize::MAX) >= FEATURED_MAX {
                return Ok(Featuring::Full);
            }
        }
        sqlx::query("UPDATE comments SET featured_at = $1 WHERE id = $2")
            .bind(on.then_some(at))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::record_audit(&mut *tx, at, id, audit).await?;
        let after = Self::comment_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::internal("a comment vanished while featuring it"))?;
        tx.commit().await?;
        Ok(Featuring::Done(Box::new(after)))
    }
}

/// An article's controls from a row of `ARTICLE_CONTROLS`.
pub(super) fn controls_of<R>(row: &R) -> Result<ArticleRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let days: Option<i64> = row.try_get("auto_close_days")?;
    Ok(ArticleRecord {
        premoderate: row.try_get("premoderate")?,
        closed_at: row.try_get("closed_at")?,
        auto_close_days: days.map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
        first_comment_at: row.try_get("first_comment_at")?,
        featured: Vec::new(),
        featured_count: 0,
        surge: surge_of(row)?,
        surge_snoozed_until: row.try_get("surge_snoozed_until")?,
    })
}

/// The surge a row of an article says, if any.
fn surge_of<R>(row: &R) -> Result<Option<SurgeRecord>, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let Some(since) = row.try_get::<Option<i64>, _>("surge_since")? else {
        return Ok(None);
    };
    let kind: Option<String> = row.try_get("surge_kind")?;
    // A kind this version does not know (written by a newer server during
    // an upgrade) is counted as comments, not an error on a reader's page.
    let kind = kind
        .as_deref()
        .and_then(SurgeKind::parse)
        .unwrap_or(SurgeKind::Posts);
    Ok(Some(SurgeRecord {
        since,
        kind,
        level: row.try_get::<Option<i64>, _>("surge_level")?.unwrap_or(0),
        reason: row
            .try_get::<Option<String>, _>("surge_reason")?
            .unwrap_or_default(),
    }))
}
