//! An import's transaction: articles made as their first comment comes,
//! comments written in thread order with the counts readers see kept
//! right, and nothing kept unless the whole import finished.

use super::*;
use sqlx::Transaction;

pub(super) struct SqlImport<D: Database> {
    tx: Transaction<'static, D>,
    /// The first comment it wrote.
    first: Option<i64>,
}

impl<D> SqlImport<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
{
    pub(super) async fn begin(pool: &Pool<D>) -> StoreResult<Self> {
        Ok(Self {
            tx: pool.begin().await?,
            first: None,
        })
    }
}

#[async_trait]
impl<D> ImportBatch for SqlImport<D>
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
    for<'a> &'a str: ColumnIndex<D::Row>,
    usize: ColumnIndex<D::Row>,
{
    async fn article(&mut self, key: &str, at: i64, closed: bool) -> StoreResult<(i64, bool)> {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?;
        if let Some(id) = known {
            return Ok((id, false));
        }
        // Posting's own upsert: a server that makes the same article
        // meanwhile (PostgreSQL) does not stop the import.
        let id = SqlStore::<D>::upsert_article(&mut *self.tx, key, at).await?;
        if closed {
            let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
            sqlx::query("UPDATE articles SET closed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok((id, true))
    }

    async fn imported_any(&mut self, prefix: &str) -> StoreResult<bool> {
        // Once per import: a scan is cheaper than a lookup per comment.
        // (Not LIKE: a site's name may hold its wildcards.)
        let any: Option<i64> = sqlx::query_scalar(
            "SELECT comment_id FROM imported_comments \
             WHERE substr(key, 1, CAST($2 AS INTEGER)) = $1 LIMIT 1",
        )
        .bind(prefix)
        .bind(prefix.chars().count() as i64)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(any.is_some())
    }

    async fn imported_before(&mut self, import_key: &str) -> StoreResult<Option<ImportedBefore>> {
        let row = sqlx::query(
            "SELECT c.id, c.article_id, c.parent_id, c.root_id, c.depth, c.state \
             FROM imported_comments i JOIN comments c ON c.id = i.comment_id WHERE i.key = $1",
        )
        .bind(import_key)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|row| {
            let state: String = row.try_get("state")?;
            Ok(ImportedBefore {
                id: row.try_get("id")?,
                article_id: row.try_get("article_id")?,
                parent_id: row.try_get("parent_id")?,
                root_id: row.try_get("root_id")?,
                depth: row.try_get("depth")?,
                state: CommentState::parse(&state).map_err(undecodable)?,
            })
        })
        .transpose()
    }

    async fn insert(&mut self, comment: &ImportedComment) -> StoreResult<i64> {
        // A top-level comment's root is itself: the insert trigger sets it
        // from 0 (as posting does). The same trigger counts a visible
        // comment in its article.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, parent_id, root_id, depth, author_name, \
             author_reader, author_address, body, html, created_at, edited_at, state, \
             hidden_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(comment.article_id)
        .bind(comment.parent_id)
        .bind(comment.root_id.unwrap_or(0))
        .bind(comment.depth)
        .bind(comment.author_name.as_str())
        .bind(comment.author_reader.as_str())
        .bind(comment.author_address.as_deref())
        .bind(comment.body.as_str())
        .bind(comment.html.as_str())
        .bind(comment.created_at)
        .bind(comment.edited_at)
        .bind(comment.state.as_str())
        .bind(comment.hidden_reason.as_deref())
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query("INSERT INTO imported_comments (key, comment_id) VALUES ($1, $2)")
            .bind(comment.import_key.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.first.get_or_insert(id);
        if comment.state == CommentState::Visible
            && let Some(parent) = comment.parent_id
        {
            SqlStore::<D>::bump_ancestors(&mut self.tx, parent, 1).await?;
        }
        Ok(id)
    }

    async fn finish(self: Box<Self>, commit: bool) -> StoreResult<()> {
        if commit {
            let mut this = self;
            // Years of comments are not news: the outbox's triggers wrote
            // an event for each, which no webhook is to be sent.
            if let Some(first) = this.first {
                sqlx::query(
                    "DELETE FROM outbox WHERE comment_id >= $1 AND comment_id IN \
                     (SELECT comment_id FROM imported_comments WHERE comment_id >= $1)",
                )
                .bind(first)
                .execute(&mut *this.tx)
                .await?;
            }
            this.tx.commit().await?;
        } else {
            self.tx.rollback().await?;
        }
        Ok(())
    }
}
