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
             ORDER BY featured_at DESC, id DESC",
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
        controls: ArticleControls,
        at: i64,
        audit: &[AdminAudit],
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO articles (key, created_at, premoderate, closed_at, auto_close_days) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET premoderate = excluded.premoderate, \
             closed_at = excluded.closed_at, auto_close_days = excluded.auto_close_days",
        )
        .bind(key)
        .bind(at)
        .bind(controls.premoderate)
        .bind(controls.closed_at)
        .bind(controls.auto_close_days.map(i64::from))
        .execute(&mut *tx)
        .await?;
        for entry in audit {
            Self::record_admin_audit(&mut *tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn feature(
        &self,
        id: i64,
        on: bool,
        audit: &AuditNote,
        at: i64,
    ) -> StoreResult<Featuring> {
        let mut tx = self.writer.begin().await?;
        let Some(article) =
            sqlx::query_scalar::<_, i64>("SELECT article_id FROM comments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(Featuring::Missing);
        };
        // Locks the article's row: two moderators featuring at once on two
        // servers cannot both take the last place.
        sqlx::query("UPDATE articles SET premoderate = premoderate WHERE id = $1")
            .bind(article)
            .execute(&mut *tx)
            .await?;
        let Some(before) = Self::comment_by_id(&mut *tx, id).await? else {
            return Ok(Featuring::Missing);
        };
        if on && (before.parent_id.is_some() || before.state != CommentState::Visible) {
            return Ok(Featuring::NotFeaturable);
        }
        if before.featured == on {
            return Ok(Featuring::Done(Box::new(before)));
        }
        if on {
            let featured: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM comments WHERE article_id = $1 AND featured_at IS NOT NULL",
            )
            .bind(article)
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
