//! A reader's data: everything stored under their key, and its erasure
//! with every count kept right.

use super::*;

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
    pub(super) async fn data_of(&self, reader: &str) -> StoreResult<ReaderRecords> {
        let mut conn = self.reader.acquire().await?;
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.author_reader = $1 \
             ORDER BY c.created_at, c.id"
        );
        let rows = sqlx::query(&sql).bind(reader).fetch_all(&mut *conn).await?;
        let comments = rows.iter().map(comment_of).collect::<Result<_, _>>()?;
        let rows = sqlx::query(
            "SELECT a.key, NULL AS comment_id, r.kind, r.created_at FROM article_reactions r \
             JOIN articles a ON a.id = r.article_id WHERE r.reader = $1 \
             UNION ALL \
             SELECT a.key, r.comment_id, r.kind, r.created_at FROM comment_reactions r \
             JOIN comments c ON c.id = r.comment_id JOIN articles a ON a.id = c.article_id \
             WHERE r.reader = $1 ORDER BY 4",
        )
        .bind(reader)
        .fetch_all(&mut *conn)
        .await?;
        let reactions = rows
            .iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(ReactionRecord {
                    article: row.try_get("key")?,
                    comment_id: row.try_get("comment_id")?,
                    kind: kind_of(&kind)?,
                    at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT comment_id, reason, note, created_at FROM reports WHERE reader = $1 \
             ORDER BY created_at",
        )
        .bind(reader)
        .fetch_all(&mut *conn)
        .await?;
        let reports = rows
            .iter()
            .map(|row| {
                let reason: String = row.try_get("reason")?;
                Ok(ReportRecord {
                    comment_id: row.try_get("comment_id")?,
                    reason: ReportReason::parse(&reason).map_err(undecodable)?,
                    note: row.try_get("note")?,
                    at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(ReaderRecords {
            comments,
            reactions,
            reports,
        })
    }

    pub(super) async fn erase(
        &self,
        reader: &str,
        account: Option<i64>,
        audit: &AdminAudit,
    ) -> StoreResult<Erasure> {
        let mut tx = self.writer.begin().await?;
        let mut erasure = Erasure::default();
        // The articles whose readers must read again.
        let articles: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT a.key FROM articles a WHERE a.id IN ( \
             SELECT article_id FROM comments WHERE author_reader = $1 \
             UNION SELECT article_id FROM article_reactions WHERE reader = $1 \
             UNION SELECT c.article_id FROM comment_reactions r \
               JOIN comments c ON c.id = r.comment_id WHERE r.reader = $1 \
             UNION SELECT c.article_id FROM reports r \
               JOIN comments c ON c.id = r.comment_id WHERE r.reader = $1)",
        )
        .bind(reader)
        .fetch_all(&mut *tx)
        .await?;
        erasure.articles = articles;

        // Their reactions, out of the counts they are in.
        for (rows, counts, column) in [
            ("comment_reactions", "comments", "comment_id"),
            ("article_reactions", "articles", "article_id"),
        ] {
            let of_kind = |kind: ReactionKind| {
                format!(
                    "{c} = {c} - (SELECT COUNT(*) FROM {rows} x \
                     WHERE x.{column} = {counts}.id AND x.reader = $1 AND x.kind = '{k}')",
                    c = reaction_column(kind),
                    k = kind.as_str()
                )
            };
            let mut sets: Vec<String> = ReactionKind::ALL.into_iter().map(of_kind).collect();
            if counts == "comments" {
                sets.push(format!(
                    "reaction_total = reaction_total - (SELECT COUNT(*) FROM {rows} x \
                     WHERE x.{column} = comments.id AND x.reader = $1)"
                ));
            }
            let sql = format!(
                "UPDATE {counts} SET {} WHERE id IN (SELECT {column} FROM {rows} WHERE reader = $1)",
                sets.join(", ")
            );
            sqlx::query(&sql).bind(reader).execute(&mut *tx).await?;
            let deleted = sqlx::query(&format!("DELETE FROM {rows} WHERE reader = $1"))
                .bind(reader)
                .execute(&mut *tx)
                .await?;
            erasure.reactions += D::rows_affected(&deleted);
        }

        // Their reports.
        sqlx::query(
            "UPDATE comments SET report_count = report_count - 1 \
             WHERE id IN (SELECT comment_id FROM reports WHERE reader = $1)",
        )
        .bind(reader)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query("DELETE FROM reports WHERE reader = $1")
            .bind(reader)
            .execute(&mut *tx)
            .await?;
        erasure.reports = D::rows_affected(&deleted);

        // Their comments, deepest first: a comment with replies stays as
        // a tombstone, emptied; one without goes, with what others left
        // on it.
        let rows = sqlx::query(
            "SELECT id, parent_id, article_id, state FROM comments \
             WHERE author_reader = $1 ORDER BY depth DESC, id DESC",
        )
        .bind(reader)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let parent: Option<i64> = row.try_get("parent_id")?;
            let article: i64 = row.try_get("article_id")?;
            let state: String = row.try_get("state")?;
            if state == "visible" {
                sqlx::query("UPDATE articles SET visible_count = visible_count - 1 WHERE id = $1")
                    .bind(article)
                    .execute(&mut *tx)
                    .await?;
                if let Some(parent) = parent {
                    Self::bump_ancestors(&mut tx, parent, -1).await?;
                }
            }
            let replied: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM comments WHERE parent_id = $1)")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if replied {
                sqlx::query(
                    "UPDATE comments SET state = 'deleted', body = '', html = '', \
                     author_name = '', author_reader = '', author_account = NULL, \
                     author_badges = NULL, author_address = NULL, idempotency_key = NULL, \
                     proposed_body = NULL, proposed_html = NULL, proposed_at = NULL, \
                     hidden_reason = NULL, featured_at = NULL WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                erasure.emptied.push(id);
            } else {
                for sql in [
                    "DELETE FROM comment_reactions WHERE comment_id = $1",
                    "DELETE FROM reports WHERE comment_id = $1",
                    "DELETE FROM comments WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                erasure.removed.push(id);
            }
        }

        sqlx::query("DELETE FROM idempotency_keys WHERE reader = $1")
            .bind(reader)
            .execute(&mut *tx)
            .await?;
        // What the site's token said of a signed-in reader: it says it
        // again when they next sign in.
        if let Some(account) = account {
            sqlx::query(
                "UPDATE accounts SET name = '', email = NULL, url = NULL, badges = '[]', \
                 name_key = NULL, name_key_cased = NULL WHERE id = $1",
            )
            .bind(account)
            .execute(&mut *tx)
            .await?;
        }
        Self::record_admin_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(erasure)
    }
}
