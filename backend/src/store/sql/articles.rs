//! An article's controls: pre-moderation, closing, featured comments.

use super::*;

/// The columns of an article's controls, with its first comment's time
/// (one step down an index).
pub(super) const ARTICLE_CONTROLS: &str = "a.premoderate, a.closed_at, a.auto_close_days, \
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
            "UPDATE articles SET premoderate = $1, closed_at = $2, auto_close_days = $3 \
             WHERE key = $4",
        )
        .bind(controls.premoderate)
        .bind(controls.closed_at)
        .bind(controls.auto_close_days.map(i64::from))
        .bind(key)
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
            ..before.clone()
        };
        Ok((before, after))
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
{
    let days: Option<i64> = row.try_get("auto_close_days")?;
    Ok(ArticleRecord {
        premoderate: row.try_get("premoderate")?,
        closed_at: row.try_get("closed_at")?,
        auto_close_days: days.map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
        first_comment_at: row.try_get("first_comment_at")?,
        featured: Vec::new(),
        featured_count: 0,
    })
}
