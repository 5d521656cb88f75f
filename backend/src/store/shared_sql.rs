//! The SQL both stores run alike, written once and expanded for each
//! database type: the statements use `$N` placeholders, which sqlx takes on
//! SQLite too. What differs between the stores (pools, migrations, locks,
//! claims, search) stays in their own modules.

/// Defines, for one sqlx database type and its row type, the helpers both
/// stores share.
macro_rules! shared_sql {
    ($db:ty, $row:ty) => {
        /// Shown to readers: visible, or a tombstone over visible replies; and to
        /// a reader with comments awaiting review, those too.
        fn push_shown(qb: &mut QueryBuilder<'_, $db>, own_pending: Option<&ReaderHash>) {
            qb.push("(c.state = 'visible' OR c.visible_descendants > 0");
            if let Some(reader) = own_pending {
                qb.push(" OR (c.state = 'pending' AND c.author_reader = ")
                    .push_bind(reader.0.clone())
                    .push(")");
            }
            qb.push(")");
        }

        /// Writes one moderation act to the audit log.
        async fn record_audit<'e, E>(
            executor: E,
            at: i64,
            comment_id: i64,
            note: &AuditNote,
        ) -> Result<(), sqlx::Error>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO audit_log (at, moderator, action, comment_id, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(at)
            .bind(&note.moderator)
            .bind(note.action.as_str())
            .bind(comment_id)
            .bind(&note.reason)
            .execute(executor)
            .await?;
            Ok(())
        }

        fn comments_of(rows: &[$row]) -> StoreResult<Vec<CommentRecord>> {
            rows.iter()
                .map(comment_of)
                .collect::<Result<_, _>>()
                .map_err(map_err)
        }

        async fn comment_by_id<'e, E>(executor: E, id: i64) -> Result<Option<CommentRecord>, sqlx::Error>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let sql = format!("SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id = $1");
            let row = sqlx::query(&sql).bind(id).fetch_optional(executor).await?;
            row.as_ref().map(comment_of).transpose()
        }

        /// Adds `delta` to `visible_descendants` of `start` and all its ancestors.
        async fn bump_ancestors(
            tx: &mut sqlx::Transaction<'_, $db>,
            start: i64,
            delta: i64,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(
                "WITH RECURSIVE anc(id) AS ( \
                     SELECT $1 \
                     UNION ALL \
                     SELECT c.parent_id FROM comments c JOIN anc ON c.id = anc.id WHERE c.parent_id IS NOT NULL) \
                 UPDATE comments SET visible_descendants = visible_descendants + $2 \
                 WHERE id IN (SELECT id FROM anc)",
            )
            .bind(start)
            .bind(delta)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn upsert_article<'e, E>(executor: E, key: &str, at: i64) -> Result<i64, sqlx::Error>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query_scalar(
                "INSERT INTO articles (key, created_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            )
            .bind(key)
            .bind(at)
            .fetch_one(executor)
            .await
        }

        /// What the insert decided: the row's id, state and hold reason.
        type Written = (i64, String, Option<String>);

        /// Inserts a comment into its article, visible unless it is held (or the
        /// article is pre-moderated); `None` (nothing written) when the article has
        /// no row yet.
        async fn insert_row<'e, E>(
            executor: E,
            new: &NewCommentRecord,
        ) -> Result<Option<Written>, sqlx::Error>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let row = sqlx::query(
                "INSERT INTO comments (article_id, parent_id, root_id, depth, author_name, \
                 author_reader, body, html, created_at, idempotency_key, state, hidden_reason) \
                 SELECT a.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 CASE WHEN $10 IS NOT NULL OR a.premoderate THEN 'pending' ELSE 'visible' END, \
                 COALESCE($10, CASE WHEN a.premoderate THEN $11 END) \
                 FROM articles a WHERE a.key = $12 \
                 RETURNING id, state, hidden_reason",
            )
            .bind(new.parent_id)
            .bind(new.root_id.unwrap_or(0))
            .bind(new.depth)
            .bind(&new.author_name)
            .bind(&new.author_reader)
            .bind(&new.body)
            .bind(&new.html)
            .bind(new.created_at)
            .bind(&new.idempotency_key)
            .bind(&new.hold)
            .bind(PREMODERATED)
            .bind(&new.article)
            .fetch_optional(executor)
            .await?;
            row.map(|row| {
                Ok((
                    row.try_get("id")?,
                    row.try_get("state")?,
                    row.try_get("hidden_reason")?,
                ))
            })
            .transpose()
        }

        async fn reader_kinds<'e, E>(
            executor: E,
            sql: &str,
            target: i64,
            reader: &ReaderHash,
        ) -> Result<Vec<ReactionKind>, sqlx::Error>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let kinds: Vec<String> = sqlx::query_scalar(sql)
                .bind(target)
                .bind(&reader.0)
                .fetch_all(executor)
                .await?;
            let mut out = kinds
                .iter()
                .map(|k| kind_of(k))
                .collect::<Result<Vec<_>, _>>()?;
            out.sort();
            Ok(out)
        }

        /// Adds or takes back one reaction and keeps the counts right; returns the
        /// counts, the reader's kinds and whether anything changed.
        async fn toggle_reaction(
            tx: &mut sqlx::Transaction<'_, $db>,
            table: &ReactionTable,
            target: i64,
            reader: &ReaderHash,
            kind: ReactionKind,
            on: bool,
            at: i64,
        ) -> Result<([u64; 6], Vec<ReactionKind>, bool), sqlx::Error> {
            let ReactionTable {
                rows,
                target: column,
                counts,
                total,
            } = table;
            let sql = if on {
                format!(
                    "INSERT INTO {rows} ({column}, reader, kind, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
                )
            } else {
                format!("DELETE FROM {rows} WHERE {column} = $1 AND reader = $2 AND kind = $3")
            };
            let mut change = sqlx::query(&sql)
                .bind(target)
                .bind(&reader.0)
                .bind(kind.as_str());
            if on {
                change = change.bind(at);
            }
            let changed = change.execute(&mut **tx).await?.rows_affected() == 1;
            if changed {
                let kind_column = reaction_column(kind);
                let total_update = if *total {
                    ", reaction_total = reaction_total + $1"
                } else {
                    ""
                };
                sqlx::query(&format!(
                    "UPDATE {counts} SET {kind_column} = {kind_column} + $1{total_update} WHERE id = $2"
                ))
                .bind(if on { 1i64 } else { -1 })
                .bind(target)
                .execute(&mut **tx)
                .await?;
            }
            let row = sqlx::query(&format!("SELECT * FROM {counts} WHERE id = $1"))
                .bind(target)
                .fetch_one(&mut **tx)
                .await?;
            let mine = reader_kinds(
                &mut **tx,
                &format!("SELECT kind FROM {rows} WHERE {column} = $1 AND reader = $2"),
                target,
                reader,
            )
            .await?;
            Ok((reactions_of(&row)?, mine, changed))
        }

        fn push_id_list(qb: &mut QueryBuilder<'_, $db>, ids: &[i64]) {
            qb.push("(");
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(")");
        }

        // The trait methods both stores answer the same way.
        async fn secret_in(
            pool: &sqlx::Pool<$db>,
            name: &str,
            make: &(dyn Fn() -> String + Send + Sync),
        ) -> StoreResult<String> {
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(make())
            .execute(pool)
            .await
            .map_err(map_err)?;
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
                .map_err(map_err)
        }

        async fn comment_in(
            pool: &sqlx::Pool<$db>,
            id: i64,
        ) -> StoreResult<Option<CommentRecord>> {
            comment_by_id(pool, id).await.map_err(map_err)
        }

        async fn edit_comment_in(
            pool: &sqlx::Pool<$db>,
            id: i64,
            body: &str,
            html: &str,
            at: i64,
            mode: EditMode,
        ) -> StoreResult<Option<CommentRecord>> {
            // In place only while nothing about it asks for review (a hold or
            // a report may have landed since the caller looked).
            let sql = match mode {
                EditMode::InPlace => "UPDATE comments SET body = $1, html = $2, edited_at = $3, \
                     proposed_body = NULL, proposed_html = NULL, proposed_at = NULL \
                     WHERE id = $4 AND state = 'visible' AND report_count = 0",
                EditMode::ForReview => "UPDATE comments SET proposed_body = $1, proposed_html = $2, \
                     proposed_at = $3 WHERE id = $4",
            };
            let run = async {
                let mut tx = pool.begin().await?;
                let changed = sqlx::query(sql)
                    .bind(body)
                    .bind(html)
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Ok(None);
                }
                let record = comment_by_id(&mut *tx, id).await?;
                tx.commit().await?;
                Ok(record)
            };
            run.await.map_err(map_err)
        }

        async fn settle_edit_in(
            pool: &sqlx::Pool<$db>,
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
            let only = if expected_at.is_some() { " AND proposed_at = $2" } else { "" };
            let sql = format!("{set} WHERE id = $1 AND proposed_body IS NOT NULL{only}");
            let run = async {
                let mut tx = pool.begin().await?;
                let mut update = sqlx::query(&sql).bind(id);
                if let Some(expected) = expected_at {
                    update = update.bind(expected);
                }
                let changed = update.execute(&mut *tx).await?;
                if changed.rows_affected() == 0 {
                    return Ok(None);
                }
                if let Some(note) = audit {
                    record_audit(&mut *tx, at, id, &note).await?;
                }
                let record = comment_by_id(&mut *tx, id).await?;
                tx.commit().await?;
                Ok(record)
            };
            run.await.map_err(map_err)
        }

        async fn reactions_on_in(
            pool: &sqlx::Pool<$db>,
            comment_ids: &[i64],
            cap: usize,
        ) -> StoreResult<Option<Vec<(i64, String, ReactionKind)>>> {
            if comment_ids.is_empty() {
                return Ok(Some(Vec::new()));
            }
            let run = async {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT comment_id, reader, kind FROM comment_reactions WHERE comment_id IN ",
                );
                push_id_list(&mut qb, comment_ids);
                qb.push(" LIMIT ")
                    .push_bind(i64::try_from(cap).unwrap_or(i64::MAX).saturating_add(1));
                let rows = qb.build().fetch_all(pool).await?;
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
            };
            run.await.map_err(map_err)
        }

        async fn comment_mine_in(
            pool: &sqlx::Pool<$db>,
            comment_id: i64,
            reader: &ReaderHash,
        ) -> StoreResult<Vec<ReactionKind>> {
            reader_kinds(
                pool,
                "SELECT kind FROM comment_reactions WHERE comment_id = $1 AND reader = $2",
                comment_id,
                reader,
            )
            .await
            .map_err(map_err)
        }

        async fn article_counts_in(
            pool: &sqlx::Pool<$db>,
            articles: &[String],
        ) -> StoreResult<Vec<(String, u64)>> {
            if articles.is_empty() {
                return Ok(Vec::new());
            }
            let mut qb =
                QueryBuilder::<$db>::new("SELECT key, visible_count FROM articles WHERE key IN (");
            let mut list = qb.separated(", ");
            for key in articles {
                list.push_bind(key);
            }
            qb.push(")");
            let rows = qb.build().fetch_all(pool).await.map_err(map_err)?;
            rows.iter()
                .map(|row| {
                    let n: i64 = row.try_get("visible_count")?;
                    Ok((row.try_get("key")?, u64::try_from(n).unwrap_or(0)))
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(map_err)
        }

        async fn article_reactions_in(
            pool: &sqlx::Pool<$db>,
            article: &str,
            reader: Option<&ReaderHash>,
        ) -> StoreResult<([u64; 6], Vec<ReactionKind>)> {
            let run = async {
                let mut conn = pool.acquire().await?;
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
                        reader_kinds(
                            &mut *conn,
                            "SELECT kind FROM article_reactions WHERE article_id = $1 AND reader = $2",
                            id,
                            reader,
                        )
                        .await?
                    }
                    None => Vec::new(),
                };
                Ok((counts, mine))
            };
            run.await.map_err(map_err)
        }

        async fn set_article_reaction_in(
            pool: &sqlx::Pool<$db>,
            article: &str,
            reader: &ReaderHash,
            kind: ReactionKind,
            on: bool,
            at: i64,
        ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)> {
            let run = async {
                let mut tx = pool.begin().await?;
                let article_id = if on {
                    upsert_article(&mut *tx, article, at).await?
                } else {
                    match sqlx::query_scalar("SELECT id FROM articles WHERE key = $1")
                        .bind(article)
                        .fetch_optional(&mut *tx)
                        .await?
                    {
                        Some(id) => id,
                        // Taking back a reaction on an article nobody reacted
                        // to changes nothing and creates nothing.
                        None => return Ok(([0; 6], Vec::new(), false)),
                    }
                };
                let outcome = toggle_reaction(
                    &mut tx,
                    &ARTICLE_REACTIONS,
                    article_id,
                    reader,
                    kind,
                    on,
                    at,
                )
                .await?;
                tx.commit().await?;
                Ok(outcome)
            };
            run.await.map_err(map_err)
        }

        async fn set_comment_reaction_in(
            pool: &sqlx::Pool<$db>,
            comment_id: i64,
            reader: &ReaderHash,
            kind: ReactionKind,
            on: bool,
            at: i64,
        ) -> StoreResult<Option<([u64; 6], Vec<ReactionKind>, bool)>> {
            let run = async {
                let mut tx = pool.begin().await?;
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM comments WHERE id = $1")
                    .bind(comment_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Ok(None);
                }
                let outcome = toggle_reaction(
                    &mut tx,
                    &COMMENT_REACTIONS,
                    comment_id,
                    reader,
                    kind,
                    on,
                    at,
                )
                .await?;
                tx.commit().await?;
                Ok(Some(outcome))
            };
            run.await.map_err(map_err)
        }

        async fn reader_is_known_in(
            pool: &sqlx::Pool<$db>,
            reader: &ReaderHash,
        ) -> StoreResult<bool> {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM comments WHERE author_reader = $1 AND state = 'visible')",
            )
            .bind(&reader.0)
            .fetch_one(pool)
            .await
            .map_err(map_err)
        }

        async fn set_moderator_password_in(
            pool: &sqlx::Pool<$db>,
            username: &str,
            password_hash: &str,
        ) -> StoreResult<bool> {
            let run = async {
                let mut tx = pool.begin().await?;
                let id: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM moderators WHERE username = $1")
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
                tx.commit().await?;
                Ok(true)
            };
            run.await.map_err(map_err)
        }

        async fn remove_moderator_in(
            pool: &sqlx::Pool<$db>,
            username: &str,
        ) -> StoreResult<bool> {
            let done = sqlx::query("DELETE FROM moderators WHERE username = $1")
                .bind(username)
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected() == 1)
        }

        async fn moderators_in(
            pool: &sqlx::Pool<$db>,
        ) -> StoreResult<Vec<ModeratorRecord>> {
            let rows = sqlx::query("SELECT * FROM moderators ORDER BY username")
                .fetch_all(pool)
                .await
                .map_err(map_err)?;
            rows.iter()
                .map(moderator_of)
                .collect::<Result<_, _>>()
                .map_err(map_err)
        }

        async fn moderator_in(
            pool: &sqlx::Pool<$db>,
            username: &str,
        ) -> StoreResult<Option<ModeratorRecord>> {
            let row = sqlx::query("SELECT * FROM moderators WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await
                .map_err(map_err)?;
            row.as_ref().map(moderator_of).transpose().map_err(map_err)
        }

        async fn create_session_in(
            pool: &sqlx::Pool<$db>,
            token_hash: &str,
            moderator_id: i64,
            at: i64,
            expires_at: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO mod_sessions (token_hash, moderator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(moderator_id)
            .bind(at)
            .bind(expires_at)
            .execute(pool)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        async fn delete_session_in(
            pool: &sqlx::Pool<$db>,
            token_hash: &str,
        ) -> StoreResult<()> {
            sqlx::query("DELETE FROM mod_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn finish_idempotency_in(
            pool: &sqlx::Pool<$db>,
            reader: &ReaderHash,
            key: &str,
            response: &StoredResponse,
        ) -> StoreResult<()> {
            sqlx::query("UPDATE idempotency_keys SET status = $1, response_body = $2 WHERE reader = $3 AND key = $4")
                .bind(i64::from(response.status))
                .bind(&response.body)
                .bind(&reader.0)
                .bind(key)
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn purge_expired_in(
            pool: &sqlx::Pool<$db>,
            idempotency_before: i64,
            now: i64,
        ) -> StoreResult<()> {
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(idempotency_before)
                .execute(pool)
                .await
                .map_err(map_err)?;
            sqlx::query("DELETE FROM mod_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn thread_page_in(
            pool: &sqlx::Pool<$db>,
            article: &str,
            sort: SortOrder,
            after: Option<Keyset>,
            per_thread: u32,
            limit: u32,
            reader: Option<&ReaderHash>,
        ) -> StoreResult<ThreadPage> {
            let run = async {
                let mut conn = pool.acquire().await?;
                // Who waits for review here: a partial index of pending
                // comments only, so this costs nothing on most articles.
                let sql = format!(
                    "SELECT a.id, a.visible_count, (SELECT {PENDING_AUTHORS} \
                     FROM comments c WHERE c.article_id = a.id AND c.state = 'pending') AS pending \
                     FROM articles a WHERE a.key = $1"
                );
                let Some(row) = sqlx::query(&sql)
                .bind(article)
                .fetch_optional(&mut *conn)
                .await?
                else {
                    return Ok(ThreadPage::default());
                };
                let article_id: i64 = row.try_get("id")?;
                let total: i64 = row.try_get("visible_count")?;
                let pending: Option<String> = row.try_get("pending")?;
                let pending_authors: Vec<String> = pending
                    .map(|all| all.split(',').map(str::to_owned).collect())
                    .unwrap_or_default();
                let own_pending = reader.filter(|r| pending_authors.contains(&r.0));

                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.article_id = "
                ));
                qb.push_bind(article_id);
                qb.push(" AND c.parent_id IS NULL AND ");
                push_shown(&mut qb, own_pending);
                if let Some(k) = after {
                    match sort {
                        SortOrder::Newest => {
                            qb.push(" AND (c.created_at, c.id) < (")
                                .push_bind(k.created_at);
                            qb.push(", ").push_bind(k.id).push(")");
                        }
                        SortOrder::Oldest => {
                            qb.push(" AND (c.created_at, c.id) > (")
                                .push_bind(k.created_at);
                            qb.push(", ").push_bind(k.id).push(")");
                        }
                        SortOrder::Top => {
                            qb.push(" AND (c.reaction_total, c.created_at, c.id) < (")
                                .push_bind(k.score);
                            qb.push(", ").push_bind(k.created_at);
                            qb.push(", ").push_bind(k.id).push(")");
                        }
                    }
                }
                qb.push(match sort {
                    SortOrder::Newest => " ORDER BY c.created_at DESC, c.id DESC",
                    SortOrder::Oldest => " ORDER BY c.created_at ASC, c.id ASC",
                    SortOrder::Top => " ORDER BY c.reaction_total DESC, c.created_at DESC, c.id DESC",
                });
                qb.push(" LIMIT ").push_bind(i64::from(limit) + 1);
                let top_level = comments_of(&qb.build().fetch_all(&mut *conn).await?)
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;

                let roots: Vec<i64> = top_level
                    .iter()
                    .take(limit as usize)
                    .map(|c| c.id)
                    .collect();
                if roots.is_empty() {
                    return Ok(ThreadPage {
                        total: u64::try_from(total).unwrap_or(0),
                        pending_authors,
                        ..ThreadPage::default()
                    });
                }
                // Each thread's oldest replies only (a reply is newer than
                // its parent, so the oldest of a thread hang together):
                // one long thread cannot make every page huge.
                // Ranked by id alone, so that only the replies kept are
                // read whole.
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id IN (SELECT ranked.id FROM \
                     (SELECT c.id, ROW_NUMBER() OVER (PARTITION BY c.root_id \
                     ORDER BY c.created_at, c.id) AS thread_rank FROM comments c WHERE c.root_id IN "
                ));
                push_id_list(&mut qb, &roots);
                qb.push(" AND c.id <> c.root_id AND ");
                push_shown(&mut qb, own_pending);
                qb.push(") AS ranked WHERE ranked.thread_rank <= ")
                    .push_bind(i64::from(per_thread) + 1)
                    .push(") ORDER BY c.created_at ASC, c.id ASC");
                let replies = comments_of(&qb.build().fetch_all(&mut *conn).await?)
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;

                let mut mine = Vec::new();
                if let Some(reader) = reader {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT r.comment_id, r.kind FROM comment_reactions r \
                         JOIN comments c ON c.id = r.comment_id WHERE r.reader = ",
                    );
                    qb.push_bind(&reader.0).push(" AND c.root_id IN ");
                    push_id_list(&mut qb, &roots);
                    for row in qb.build().fetch_all(&mut *conn).await? {
                        let kind: String = row.try_get("kind")?;
                        mine.push((row.try_get("comment_id")?, kind_of(&kind)?));
                    }
                }
                Ok(ThreadPage {
                    total: u64::try_from(total).unwrap_or(0),
                    top_level,
                    replies,
                    mine,
                    pending_authors,
                })
            };
            run.await.map_err(map_err)
        }
        async fn replies_page_in(
            pool: &sqlx::Pool<$db>,
            root: i64,
            after: Option<Keyset>,
            limit: u32,
            reader: Option<&ReaderHash>,
        ) -> StoreResult<ThreadPage> {
            let run = async {
                let mut conn = pool.acquire().await?;
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.root_id = "
                ));
                qb.push_bind(root).push(" AND c.id <> c.root_id AND ");
                push_shown(&mut qb, reader);
                if let Some(k) = after {
                    qb.push(" AND (c.created_at, c.id) > (").push_bind(k.created_at);
                    qb.push(", ").push_bind(k.id).push(")");
                }
                qb.push(" ORDER BY c.created_at ASC, c.id ASC LIMIT ")
                    .push_bind(i64::from(limit));
                let replies = comments_of(&qb.build().fetch_all(&mut *conn).await?)
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                let mut mine = Vec::new();
                if let Some(reader) = reader
                    && !replies.is_empty()
                {
                    let ids: Vec<i64> = replies.iter().map(|c| c.id).collect();
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT comment_id, kind FROM comment_reactions WHERE reader = ",
                    );
                    qb.push_bind(&reader.0).push(" AND comment_id IN ");
                    push_id_list(&mut qb, &ids);
                    for row in qb.build().fetch_all(&mut *conn).await? {
                        let kind: String = row.try_get("kind")?;
                        mine.push((row.try_get("comment_id")?, kind_of(&kind)?));
                    }
                }
                Ok(ThreadPage {
                    replies,
                    mine,
                    ..ThreadPage::default()
                })
            };
            run.await.map_err(map_err)
        }

        async fn mod_comments_in(
            pool: &sqlx::Pool<$db>,
            query: &ModQuery,
        ) -> StoreResult<Vec<ModRecord>> {
            let run = async {
                let mut conn = pool.acquire().await?;
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE 1 = 1"
                ));
                match query.state {
                    ModStateFilter::Visible => {
                        qb.push(" AND c.state = 'visible'");
                    }
                    ModStateFilter::Hidden => {
                        qb.push(" AND c.state = 'hidden'");
                    }
                    ModStateFilter::Reported => {
                        qb.push(" AND c.report_count > 0");
                    }
                    // Held comments, and shown ones whose edit waits.
                    ModStateFilter::Pending => {
                        qb.push(
                            " AND (c.state = 'pending' \
                             OR (c.state = 'visible' AND c.proposed_body IS NOT NULL))",
                        );
                    }
                    ModStateFilter::All => {}
                }
                if let Some(article) = &query.article {
                    qb.push(" AND a.key = ").push_bind(article);
                }
                push_words(&mut qb, &query.words);
                if let Some(id) = query.only {
                    qb.push(" AND c.id = ").push_bind(id);
                }
                // The reported queue puts the most reported first.
                let by_reports = query.state == ModStateFilter::Reported;
                if let Some(k) = query.after {
                    if by_reports {
                        qb.push(" AND (c.report_count, c.created_at, c.id) < (")
                            .push_bind(k.score)
                            .push(", ");
                    } else {
                        qb.push(" AND (c.created_at, c.id) < (");
                    }
                    qb.push_bind(k.created_at);
                    qb.push(", ").push_bind(k.id).push(")");
                }
                qb.push(if by_reports {
                    " ORDER BY c.report_count DESC, c.created_at DESC, c.id DESC LIMIT "
                } else {
                    " ORDER BY c.created_at DESC, c.id DESC LIMIT "
                })
                .push_bind(i64::from(query.limit));
                let comments = comments_of(&qb.build().fetch_all(&mut *conn).await?)
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                let reported: Vec<i64> = comments
                    .iter()
                    .filter(|c| c.report_count > 0)
                    .map(|c| c.id)
                    .collect();
                let mut reasons: Vec<(i64, ReportReason, u64)> = Vec::new();
                if !reported.is_empty() {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT comment_id, reason, COUNT(*) AS n FROM reports WHERE comment_id IN ",
                    );
                    push_id_list(&mut qb, &reported);
                    qb.push(" GROUP BY comment_id, reason");
                    for row in qb.build().fetch_all(&mut *conn).await? {
                        let reason: String = row.try_get("reason")?;
                        let n: i64 = row.try_get("n")?;
                        reasons.push((
                            row.try_get("comment_id")?,
                            ReportReason::parse(&reason)
                                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                            u64::try_from(n).unwrap_or(0),
                        ));
                    }
                }
                let parents: Vec<i64> = comments.iter().filter_map(|c| c.parent_id).collect();
                let mut parent_bodies: Vec<(i64, String)> = Vec::new();
                if !parents.is_empty() {
                    let mut qb =
                        QueryBuilder::<$db>::new("SELECT id, body FROM comments WHERE id IN ");
                    push_id_list(&mut qb, &parents);
                    for row in qb.build().fetch_all(&mut *conn).await? {
                        parent_bodies.push((row.try_get("id")?, row.try_get("body")?));
                    }
                }
                Ok(comments
                    .into_iter()
                    .map(|comment| {
                        let reports = reasons
                            .iter()
                            .filter(|(id, _, _)| *id == comment.id)
                            .map(|(_, reason, n)| (*reason, *n))
                            .collect();
                        let parent_body = comment.parent_id.and_then(|p| {
                            parent_bodies
                                .iter()
                                .find(|(id, _)| *id == p)
                                .map(|(_, body)| body.clone())
                        });
                        ModRecord {
                            comment,
                            reports,
                            parent_body,
                        }
                    })
                    .collect())
            };
            run.await.map_err(map_err)
        }

        /// The comment a reader posted with `key` before, when this post is the
        /// same one (a retry); a conflict when the key was used for another.
        async fn posted_before_in(
            pool: &sqlx::Pool<$db>,
            reader: &str,
            key: &str,
            body: &str,
            parent: Option<i64>,
        ) -> StoreResult<Inserted> {
            let sql = format!(
                "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} \
                 WHERE c.author_reader = $1 AND c.idempotency_key = $2"
            );
            let row = sqlx::query(&sql)
                .bind(reader)
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(map_err)?;
            let record = row
                .as_ref()
                .map(comment_of)
                .transpose()
                .map_err(map_err)?
                .ok_or_else(|| StoreError::Internal("a key without its comment".into()))?;
            if record.body == body && record.parent_id == parent {
                Ok(Inserted { record, new: false })
            } else {
                Err(StoreError::Conflict(
                    "This Idempotency-Key was already used for another comment.".into(),
                ))
            }
        }

        async fn insert_comment_in(pool: &sqlx::Pool<$db>, new: NewCommentRecord) -> StoreResult<Inserted> {
            // Posting is the busiest write and each statement is a round trip
            // to the connection's thread: a top-level comment on a known article
            // is one statement (migration 0002's trigger sets its root and
            // counts it), a reply adds the ancestors' counts in a transaction,
            // and the record is made from what was written, not read back.
            let retry_key = new.idempotency_key.clone();
            let retried = retry_key
                .as_ref()
                .map(|_| (new.author_reader.clone(), new.body.clone(), new.parent_id));
            let run = async {
                let (id, state, hold) = if new.parent_id.is_none() {
                    match insert_row(pool, &new).await? {
                        Some(written) => written,
                        None => {
                            upsert_article(pool, &new.article, new.created_at).await?;
                            insert_row(pool, &new)
                                .await?
                                .ok_or(sqlx::Error::RowNotFound)?
                        }
                    }
                } else {
                    let mut tx = pool.begin().await?;
                    let written = match insert_row(&mut *tx, &new).await? {
                        Some(written) => written,
                        None => {
                            upsert_article(&mut *tx, &new.article, new.created_at).await?;
                            insert_row(&mut *tx, &new)
                                .await?
                                .ok_or(sqlx::Error::RowNotFound)?
                        }
                    };
                    if let Some(parent) = new.parent_id.filter(|_| written.1 == "visible") {
                        bump_ancestors(&mut tx, parent, 1).await?;
                    }
                    tx.commit().await?;
                    written
                };
                Ok(CommentRecord {
                    id,
                    root_id: new.root_id.unwrap_or(id),
                    article: new.article,
                    parent_id: new.parent_id,
                    depth: new.depth,
                    author_name: new.author_name,
                    author_reader: new.author_reader,
                    body: new.body,
                    html: new.html,
                    created_at: new.created_at,
                    edited_at: None,
                    state: CommentState::parse(&state).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    hidden_reason: hold,
                    visible_descendants: 0,
                    report_count: 0,
                    reactions: [0; 6],
                    proposed: None,
                })
            };
            match run.await {
                Ok(record) => Ok(Inserted { record, new: true }),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    let (Some(key), Some((reader, body, parent))) = (retry_key, retried) else {
                        return Err(StoreError::Internal(e.to_string()));
                    };
                    posted_before_in(pool, &reader, &key, &body, parent).await
                }
                Err(e) => Err(map_err(e)),
            }
        }

        async fn ping_in(
            pool: &sqlx::Pool<$db>,
        ) -> StoreResult<()> {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        async fn article_premoderated_in(
            pool: &sqlx::Pool<$db>,
            article: &str,
        ) -> StoreResult<bool> {
            let on: Option<bool> =
                sqlx::query_scalar("SELECT premoderate FROM articles WHERE key = $1")
                    .bind(article)
                    .fetch_optional(pool)
                    .await
                    .map_err(map_err)?;
            Ok(on.unwrap_or(false))
        }
    };
}

pub(super) use shared_sql;
