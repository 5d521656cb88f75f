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
        audit: &ErasureAudit,
    ) -> StoreResult<Erasure> {
        let mut tx = self.writer.begin().await?;
        let mut erasure = Erasure::default();
        // Their comments first, locked (in id order): a moderator acting on
        // one meanwhile waits, then finds it deleted, and counts nothing
        // twice.
        let sql = format!(
            "SELECT c.id, c.parent_id, c.article_id, c.state, c.visible_descendants \
             FROM comments c WHERE c.author_reader = $1 ORDER BY c.id{}",
            D::lock("c")
        );
        let mine = sqlx::query(&sql).bind(reader).fetch_all(&mut *tx).await?;
        // The articles whose readers must read again.
        erasure.articles = sqlx::query_scalar(
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

        // Their reactions and reports, out of the counts of exactly the
        // rows that went (one made meanwhile on another device is either
        // gone and counted out, or stays and counts).
        for (rows, counts, column) in [
            ("comment_reactions", "comments", "comment_id"),
            ("article_reactions", "articles", "article_id"),
        ] {
            let gone = sqlx::query(&format!(
                "DELETE FROM {rows} WHERE reader = $1 RETURNING {column} AS target, kind"
            ))
            .bind(reader)
            .fetch_all(&mut *tx)
            .await?;
            erasure.reactions += u64::try_from(gone.len()).unwrap_or(u64::MAX);
            for row in gone {
                let target: i64 = row.try_get("target")?;
                let kind: String = row.try_get("kind")?;
                let total = if counts == "comments" {
                    ", reaction_total = reaction_total - 1"
                } else {
                    ""
                };
                let column = reaction_column(kind_of(&kind)?);
                sqlx::query(&format!(
                    "UPDATE {counts} SET {column} = {column} - 1{total} WHERE id = $1"
                ))
                .bind(target)
                .execute(&mut *tx)
                .await?;
            }
        }
        let gone = sqlx::query("DELETE FROM reports WHERE reader = $1 RETURNING comment_id")
            .bind(reader)
            .fetch_all(&mut *tx)
            .await?;
        erasure.reports = u64::try_from(gone.len()).unwrap_or(u64::MAX);
        for row in gone {
            let comment: i64 = row.try_get("comment_id")?;
            sqlx::query("UPDATE comments SET report_count = report_count - 1 WHERE id = $1")
                .bind(comment)
                .execute(&mut *tx)
                .await?;
        }

        // Their comments leave the counts they were in...
        for row in &mine {
            let state: String = row.try_get("state")?;
            if state != "visible" {
                continue;
            }
            let article: i64 = row.try_get("article_id")?;
            sqlx::query("UPDATE articles SET visible_count = visible_count - 1 WHERE id = $1")
                .bind(article)
                .execute(&mut *tx)
                .await?;
            if let Some(parent) = row.try_get::<Option<i64>, _>("parent_id")? {
                Self::bump_ancestors(&mut tx, parent, -1).await?;
            }
        }
        // ...lose what others left on them, and are emptied: no name, no
        // words, no one's. Readers see none of them, except those standing
        // over visible replies, as "deleted" tombstones. (Emptied rather
        // than removed: a reply of someone else's, visible or not, keeps
        // its place in the thread.)
        for sql in [
            // Messages about their comments, waiting or sent, hold their
            // words: gone too (the erasure's own `comment.deleted` events
            // carry nothing of them).
            "DELETE FROM webhook_deliveries WHERE comment_id IN \
             (SELECT id FROM comments WHERE author_reader = $1)",
            "DELETE FROM mail_outbox WHERE kind <> 'confirm' AND comment_id IN \
             (SELECT id FROM comments WHERE author_reader = $1)",
            // A confirming mail loses its words and is not sent, but is
            // kept its week: the one-a-day limit on an address still
            // counts it (or post, erase, post would mail a stranger again).
            "UPDATE mail_outbox SET subject = '', body = '', footer = '', \
             next_attempt_at = NULL, failed_at = COALESCE(sent_at, failed_at, created_at) \
             WHERE kind = 'confirm' AND comment_id IN \
             (SELECT id FROM comments WHERE author_reader = $1)",
            // Reply e-mails they asked for, and their asking.
            "DELETE FROM mail_outbox WHERE kind = 'reply' AND subscription IN \
             (SELECT token FROM reply_subscriptions WHERE reader = $1)",
            "DELETE FROM reply_subscriptions WHERE reader = $1",
            "DELETE FROM comment_reactions WHERE comment_id IN \
             (SELECT id FROM comments WHERE author_reader = $1)",
            "DELETE FROM reports WHERE comment_id IN \
             (SELECT id FROM comments WHERE author_reader = $1)",
            "UPDATE comments SET state = 'deleted', body = '', html = '', \
             author_name = '', author_reader = '', author_account = NULL, \
             author_badges = NULL, author_address = NULL, idempotency_key = NULL, \
             proposed_body = NULL, proposed_html = NULL, proposed_at = NULL, \
             hidden_reason = NULL, featured_at = NULL, report_count = 0, \
             reaction_total = 0, r_like = 0, r_love = 0, r_laugh = 0, r_wow = 0, \
             r_sad = 0, r_angry = 0 WHERE author_reader = $1",
            "DELETE FROM idempotency_keys WHERE reader = $1",
        ] {
            sqlx::query(sql).bind(reader).execute(&mut *tx).await?;
        }
        for row in &mine {
            let id: i64 = row.try_get("id")?;
            let replies: i64 =
                sqlx::query_scalar("SELECT visible_descendants FROM comments WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if replies > 0 {
                erasure.emptied.push(id);
            } else {
                erasure.removed.push(id);
            }
        }
        // What the site's token said of a signed-in reader goes; their
        // sessions end, so that their widgets ask the site again (and the
        // site's next token says it again).
        if let Some(account) = account {
            for sql in [
                "UPDATE accounts SET name = '', email = NULL, url = NULL, badges = '[]', \
                 name_key = NULL, name_key_cased = NULL WHERE id = $1",
                "DELETE FROM reader_sessions WHERE account_id = $1",
            ] {
                sqlx::query(sql).bind(account).execute(&mut *tx).await?;
            }
        }
        Self::record_admin_audit(&mut *tx, &audit(&erasure)).await?;
        tx.commit().await?;
        Ok(erasure)
    }
}
