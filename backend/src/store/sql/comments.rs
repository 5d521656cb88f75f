//! Writing comments: posting (with its retry by idempotency key), changes
//! of state with every count kept right, the audit log, and idempotency
//! claims.

use super::*;

/// What the insert decided: the row's id, state and hold reason.
type Written = (i64, String, Option<String>);

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
    pub(super) async fn comment_by_id<'e, E>(
        executor: E,
        id: i64,
    ) -> StoreResult<Option<CommentRecord>>
    where
        E: Executor<'e, Database = D>,
    {
        let sql = format!("SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(executor).await?;
        Ok(row.as_ref().map(comment_of).transpose()?)
    }

    /// Writes one moderation act to the audit log.
    pub(super) async fn record_audit<'e, E>(
        executor: E,
        at: i64,
        comment_id: i64,
        note: &AuditNote,
    ) -> StoreResult<()>
    where
        E: Executor<'e, Database = D>,
    {
        sqlx::query(
            "INSERT INTO audit_log (at, moderator, action, comment_id, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(at)
        .bind(note.moderator.as_str())
        .bind(note.action.as_str())
        .bind(comment_id)
        .bind(note.reason.as_deref())
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Writes what an admin did to the audit log.
    pub(super) async fn record_admin_audit<'e, E>(
        executor: E,
        audit: &AdminAudit,
    ) -> StoreResult<()>
    where
        E: Executor<'e, Database = D>,
    {
        sqlx::query(
            "INSERT INTO audit_log (at, moderator, action, subject, settings_before, \
             settings_after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(audit.at)
        .bind(audit.moderator.as_str())
        .bind(audit.action.as_str())
        .bind(audit.subject.as_deref())
        .bind(audit.settings_before.as_deref())
        .bind(audit.settings_after.as_deref())
        .bind(audit.reason.as_deref())
        .execute(executor)
        .await?;
        Ok(())
    }

    pub(super) async fn upsert_article<'e, E>(executor: E, key: &str, at: i64) -> StoreResult<i64>
    where
        E: Executor<'e, Database = D>,
    {
        Ok(sqlx::query_scalar(
            "INSERT INTO articles (key, created_at) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
        )
        .bind(key)
        .bind(at)
        .fetch_one(executor)
        .await?)
    }

    /// Adds `delta` to `visible_descendants` of `start` and all its
    /// ancestors.
    pub(super) async fn bump_ancestors(
        conn: &mut D::Connection,
        start: i64,
        delta: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "WITH RECURSIVE anc(id) AS ( \
                 SELECT $1 \
                 UNION ALL \
                 SELECT c.parent_id FROM comments c JOIN anc ON c.id = anc.id \
                 WHERE c.parent_id IS NOT NULL) \
             UPDATE comments SET visible_descendants = visible_descendants + $2 \
             WHERE id IN (SELECT id FROM anc)",
        )
        .bind(start)
        .bind(delta)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Inserts a comment into its article, visible unless it is held (or
    /// the article is pre-moderated); `None` (nothing written) when the
    /// article has no row yet or is closed. (The first comment's time is
    /// one step down an index, and only read where articles close by
    /// themselves.)
    async fn insert_row<'e, E>(executor: E, new: &NewCommentRecord) -> StoreResult<Option<Written>>
    where
        E: Executor<'e, Database = D>,
    {
        let badges = badges_column(&new.author_badges)?;
        let row = sqlx::query(
            "INSERT INTO comments (article_id, parent_id, root_id, depth, author_name, \
             author_reader, body, html, created_at, idempotency_key, state, hidden_reason, \
             author_account, author_badges, author_address) \
             SELECT a.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, \
             CASE WHEN $10 IS NOT NULL OR a.premoderate OR a.surge_since IS NOT NULL \
             THEN 'pending' ELSE 'visible' END, \
             COALESCE($10, CASE WHEN a.premoderate THEN $11 \
             WHEN a.surge_since IS NOT NULL THEN $17 END), $13, $14, $15 \
             FROM articles a WHERE a.key = $12 AND a.closed_at IS NULL AND \
             (CASE WHEN COALESCE(a.auto_close_days, $16) = 0 THEN 1 \
              WHEN COALESCE((SELECT MIN(f.created_at) FROM comments f \
                WHERE f.article_id = a.id AND f.parent_id IS NULL), $8) \
                > $8 - COALESCE(a.auto_close_days, $16) * 86400000 THEN 1 ELSE 0 END) = 1 \
             RETURNING id, state, hidden_reason",
        )
        .bind(new.parent_id)
        .bind(new.root_id.unwrap_or(0))
        .bind(new.depth)
        .bind(new.author_name.as_str())
        .bind(new.author_reader.as_str())
        .bind(new.body.as_str())
        .bind(new.html.as_str())
        .bind(new.created_at)
        .bind(new.idempotency_key.as_deref())
        .bind(new.hold.as_deref())
        .bind(PREMODERATED)
        .bind(new.article.as_str())
        .bind(new.author_account)
        .bind(badges.as_deref())
        .bind(new.author_address.as_deref())
        .bind(i64::from(new.site_auto_close_days))
        .bind(SURGE_HELD)
        .fetch_optional(executor)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((
            row.try_get("id")?,
            row.try_get("state")?,
            row.try_get("hidden_reason")?,
        )))
    }

    /// Inserts, creating the article's row first when there is none.
    async fn insert_in_article(
        conn: &mut D::Connection,
        new: &NewCommentRecord,
    ) -> StoreResult<Written> {
        if let Some(written) = Self::insert_row(&mut *conn, new).await? {
            return Ok(written);
        }
        // No row, or a closed article; or another server made the row a
        // moment ago (then the second try takes the comment). A closed
        // article is not written to.
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE key = $1")
            .bind(new.article.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if known.is_none() {
            Self::upsert_article(&mut *conn, &new.article, new.created_at).await?;
        }
        // The row is there now: nothing written means it is closed.
        Self::insert_row(&mut *conn, new)
            .await?
            .ok_or(StoreError::Conflict(Conflict::Closed))
    }

    /// Stores a new comment. Posting is the busiest write and each
    /// statement is a round trip to the connection: a top-level comment on
    /// a known article is one statement (migration 0002's trigger sets its
    /// root and counts it), a reply adds the ancestors' counts in a
    /// transaction, and the record is made from what was written, not read
    /// back.
    pub(super) async fn post(&self, new: NewCommentRecord) -> StoreResult<Inserted> {
        let written = if new.parent_id.is_none() {
            let mut conn = self.writer.acquire().await?;
            Self::insert_in_article(&mut conn, &new).await
        } else {
            let mut tx = self.writer.begin().await?;
            match Self::insert_in_article(&mut tx, &new).await {
                Ok(written) => {
                    if let Some(parent) = new.parent_id.filter(|_| written.1 == "visible") {
                        Self::bump_ancestors(&mut tx, parent, 1).await?;
                    }
                    tx.commit().await?;
                    Ok(written)
                }
                Err(e) => Err(e),
            }
        };
        let (id, state, hold) = match written {
            Ok(written) => written,
            Err(StoreError::Internal(cause)) if is_unique_violation(&*cause) => {
                return self.posted_before(&new).await;
            }
            // A retry of a post stored before the article closed gets
            // that comment back, as any retry does.
            Err(StoreError::Conflict(Conflict::Closed)) => {
                return self
                    .find_posted(&new)
                    .await?
                    .ok_or(StoreError::Conflict(Conflict::Closed));
            }
            Err(e) => return Err(e),
        };
        let record = CommentRecord {
            id,
            root_id: new.root_id.unwrap_or(id),
            article: new.article,
            parent_id: new.parent_id,
            depth: new.depth,
            author_name: new.author_name,
            author_reader: new.author_reader,
            author_account: new.author_account,
            author_badges: new.author_badges,
            body: new.body,
            html: new.html,
            created_at: new.created_at,
            edited_at: None,
            state: CommentState::parse(&state).map_err(undecodable)?,
            hidden_reason: hold,
            visible_descendants: 0,
            report_count: 0,
            reactions: [0; 6],
            proposed: None,
            featured: false,
        };
        Ok(Inserted { record, new: true })
    }

    /// The comment a reader posted with the same key before, when this
    /// post is the same one (a retry); a conflict when the key was used
    /// for another.
    async fn posted_before(&self, new: &NewCommentRecord) -> StoreResult<Inserted> {
        self.find_posted(new)
            .await?
            .ok_or_else(|| StoreError::internal("a key without its comment"))
    }

    /// As `posted_before`, `None` when the key made no comment.
    async fn find_posted(&self, new: &NewCommentRecord) -> StoreResult<Option<Inserted>> {
        let Some(key) = new.idempotency_key.as_deref() else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} \
             WHERE c.author_reader = $1 AND c.idempotency_key = $2"
        );
        let row = sqlx::query(&sql)
            .bind(new.author_reader.as_str())
            .bind(key)
            .fetch_optional(&self.writer)
            .await?;
        let Some(record) = row.as_ref().map(comment_of).transpose()? else {
            return Ok(None);
        };
        if record.body == new.body && record.parent_id == new.parent_id {
            Ok(Some(Inserted { record, new: false }))
        } else {
            Err(StoreError::Conflict(Conflict::KeyReused))
        }
    }

    /// Moves a comment to another state, keeping the article's count and
    /// its ancestors' counts right.
    pub(super) async fn change_state(
        &self,
        id: i64,
        state: CommentState,
        reason: Option<&str>,
        audit: Option<AuditNote>,
        at: i64,
    ) -> StoreResult<Option<StateChange>> {
        let mut tx = self.writer.begin().await?;
        // Locked: two moderators on two servers acting on one comment at
        // once must not both count its change.
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id = $1{}",
            D::lock("c")
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await?;
        let Some(before) = row.as_ref().map(comment_of).transpose()? else {
            return Ok(None);
        };
        let kept_reason =
            reason.filter(|_| matches!(state, CommentState::Hidden | CommentState::Pending));
        // A comment that leaves readers' view stops being featured (and
        // comes back, if restored, in its own place).
        sqlx::query(
            "UPDATE comments SET state = $1, hidden_reason = $2, \
             featured_at = CASE WHEN $1 = 'visible' THEN featured_at END WHERE id = $3",
        )
        .bind(state.as_str())
        .bind(kept_reason)
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
                Self::bump_ancestors(&mut tx, parent, delta).await?;
            }
        }
        if let Some(note) = audit {
            Self::record_audit(&mut *tx, at, id, &note).await?;
        }
        let after = Self::comment_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| StoreError::internal("a comment vanished while changing state"))?;
        tx.commit().await?;
        Ok(Some(StateChange {
            before: before.state,
            after,
        }))
    }

    /// Claims an idempotency key. Two servers may see the same key at
    /// once: the insert decides who claims it, and an existing claim is
    /// read under its row lock.
    pub(super) async fn claim(
        &self,
        reader: &ReaderHash,
        key: &str,
        request_hash: &str,
        times: IdempotencyTimes,
    ) -> StoreResult<IdempotencyClaim> {
        let mut tx = self.writer.begin().await?;
        let claim = sqlx::query(
            "INSERT INTO idempotency_keys \
             (reader, key, request_hash, status, response_body, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (reader, key) DO NOTHING",
        )
        .bind(reader.0.as_str())
        .bind(key)
        .bind(request_hash)
        .bind(times.now)
        .execute(&mut *tx)
        .await?;
        let claimed = D::rows_affected(&claim) == 1;
        if claimed {
            tx.commit().await?;
            return Ok(IdempotencyClaim::Claimed);
        }
        let sql = format!(
            "SELECT request_hash, status, response_body, created_at FROM idempotency_keys \
             WHERE reader = $1 AND key = $2{}",
            D::lock("idempotency_keys")
        );
        let row = sqlx::query(&sql)
            .bind(reader.0.as_str())
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
            .bind(reader.0.as_str())
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
    }
}

/// Whether a failed statement broke a unique constraint (a retried post's
/// key).
fn is_unique_violation(cause: &(dyn std::error::Error + 'static)) -> bool {
    match cause.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Database(db)) => db.is_unique_violation(),
        _ => false,
    }
}

/// How a comment's badges are stored: a JSON list, NULL for none (every
/// anonymous comment), so reading them costs nothing for most comments.
fn badges_column(badges: &[String]) -> StoreResult<Option<String>> {
    if badges.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(badges)
        .map(Some)
        .map_err(|e| StoreError::Internal(e.into()))
}
