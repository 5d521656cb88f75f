//! Reading comments in pages: an article's thread for readers, one
//! thread's further replies, and the moderators' listings.

use super::articles::{self, ARTICLE_CONTROLS};
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
    /// One page of an article's top-level comments with the first replies
    /// of each thread.
    pub(super) async fn first_level(
        &self,
        article: &str,
        sort: SortOrder,
        after: Option<Keyset>,
        per_thread: u32,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        let mut conn = self.reader.acquire().await?;
        let Some((article_id, total, pending_authors, controls)) =
            Self::article_row(&mut conn, article).await?
        else {
            return Ok(ThreadPage::default());
        };
        let own_pending = reader.filter(|r| pending_authors.contains(&r.0));
        // Featured comments lead the first page and are left out of the
        // rest, so that no comment is sent twice.
        let featured = if after.is_none() && controls.featured_count > 0 {
            let sql = format!(
                "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.article_id = $1 \
                 AND c.featured_at IS NOT NULL AND c.state = 'visible' \
                 AND c.parent_id IS NULL ORDER BY c.featured_at DESC, c.id DESC"
            );
            let rows = sqlx::query(&sql)
                .bind(article_id)
                .fetch_all(&mut *conn)
                .await?;
            comments_of(&rows)?
        } else {
            Vec::new()
        };

        let mut qb = QueryBuilder::<D>::new(format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.article_id = "
        ));
        qb.push_bind(article_id);
        // (Exactly the complement of the featured ones above.)
        qb.push(
            " AND c.parent_id IS NULL \
             AND NOT (c.featured_at IS NOT NULL AND c.state = 'visible') AND ",
        );
        push_shown(&mut qb, own_pending);
        if let Some(k) = after {
            push_after(&mut qb, sort, k);
        }
        qb.push(match sort {
            SortOrder::Newest => " ORDER BY c.created_at DESC, c.id DESC",
            SortOrder::Oldest => " ORDER BY c.created_at ASC, c.id ASC",
            SortOrder::Top => " ORDER BY c.reaction_total DESC, c.created_at DESC, c.id DESC",
        });
        qb.push(" LIMIT ").push_bind(i64::from(limit) + 1);
        let top_level = comments_of(&D::fetch_all(&mut qb, &mut *conn).await?)?;

        let roots: Vec<i64> = featured
            .iter()
            .chain(top_level.iter().take(limit as usize))
            .map(|c| c.id)
            .collect();
        if roots.is_empty() {
            return Ok(ThreadPage {
                total,
                pending_authors,
                article: controls,
                ..ThreadPage::default()
            });
        }
        let replies = Self::first_replies(&mut conn, &roots, own_pending, per_thread).await?;
        let mine = match reader {
            Some(reader) => Self::chosen_in_threads(&mut conn, reader, &roots).await?,
            None => Vec::new(),
        };
        Ok(ThreadPage {
            total,
            top_level,
            replies,
            mine,
            pending_authors,
            featured,
            article: controls,
        })
    }

    /// The article's id, its count of shown comments, who waits for
    /// review in it (a partial index of pending comments only, so this
    /// costs nothing on most articles) and its controls (without the
    /// featured comments); `None` for an unknown article.
    async fn article_row(
        conn: &mut D::Connection,
        article: &str,
    ) -> StoreResult<Option<(i64, u64, Vec<String>, ArticleRecord)>> {
        let sql = format!(
            "SELECT a.id, a.visible_count, (SELECT {} \
             FROM comments c WHERE c.article_id = a.id AND c.state = 'pending') AS pending, \
             (SELECT COUNT(*) FROM comments f WHERE f.article_id = a.id \
              AND f.featured_at IS NOT NULL AND f.state = 'visible') AS featured, \
             {ARTICLE_CONTROLS} FROM articles a WHERE a.key = $1",
            D::PENDING_AUTHORS
        );
        let Some(row) = sqlx::query(&sql)
            .bind(article)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None);
        };
        let total: i64 = row.try_get("visible_count")?;
        let pending: Option<String> = row.try_get("pending")?;
        let pending_authors = pending
            .map(|all| all.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Some((
            row.try_get("id")?,
            u64::try_from(total).unwrap_or(0),
            pending_authors,
            ArticleRecord {
                featured_count: row.try_get("featured")?,
                ..articles::controls_of(&row)?
            },
        )))
    }

    /// Each thread's oldest replies only, `per_thread + 1` of them (a reply
    /// is newer than its parent, so the oldest of a thread hang together):
    /// one long thread cannot make every page huge. Ranked by id alone, so
    /// that only the replies kept are read whole.
    async fn first_replies(
        conn: &mut D::Connection,
        roots: &[i64],
        own_pending: Option<&ReaderHash>,
        per_thread: u32,
    ) -> StoreResult<Vec<CommentRecord>> {
        let mut qb = QueryBuilder::<D>::new(format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.id IN (SELECT ranked.id FROM \
             (SELECT c.id, ROW_NUMBER() OVER (PARTITION BY c.root_id \
             ORDER BY c.created_at, c.id) AS thread_rank FROM comments c WHERE c.root_id IN "
        ));
        push_id_list(&mut qb, roots);
        qb.push(" AND c.id <> c.root_id AND ");
        push_shown(&mut qb, own_pending);
        qb.push(") AS ranked WHERE ranked.thread_rank <= ")
            .push_bind(i64::from(per_thread) + 1)
            .push(") ORDER BY c.created_at ASC, c.id ASC");
        Ok(comments_of(&D::fetch_all(&mut qb, &mut *conn).await?)?)
    }

    /// (comment id, kind) the reader chose in these threads.
    async fn chosen_in_threads(
        conn: &mut D::Connection,
        reader: &ReaderHash,
        roots: &[i64],
    ) -> StoreResult<Vec<(i64, ReactionKind)>> {
        let mut qb = QueryBuilder::<D>::new(
            "SELECT r.comment_id, r.kind FROM comment_reactions r \
             JOIN comments c ON c.id = r.comment_id WHERE r.reader = ",
        );
        qb.push_bind(reader.0.as_str()).push(" AND c.root_id IN ");
        push_id_list(&mut qb, roots);
        Ok(chosen(&D::fetch_all(&mut qb, &mut *conn).await?)?)
    }

    /// (comment id, reason, how many) of the reports on these comments.
    async fn report_reasons(
        conn: &mut D::Connection,
        comments: &[CommentRecord],
    ) -> StoreResult<Vec<(i64, ReportReason, u64)>> {
        let reported: Vec<i64> = comments
            .iter()
            .filter(|c| c.report_count > 0)
            .map(|c| c.id)
            .collect();
        let mut reasons = Vec::new();
        if reported.is_empty() {
            return Ok(reasons);
        }
        let mut qb = QueryBuilder::<D>::new(
            "SELECT comment_id, reason, COUNT(*) AS n FROM reports WHERE comment_id IN ",
        );
        push_id_list(&mut qb, &reported);
        qb.push(" GROUP BY comment_id, reason");
        for row in D::fetch_all(&mut qb, &mut *conn).await? {
            let reason: String = row.try_get("reason")?;
            let n: i64 = row.try_get("n")?;
            reasons.push((
                row.try_get("comment_id")?,
                ReportReason::parse(&reason).map_err(undecodable)?,
                u64::try_from(n).unwrap_or(0),
            ));
        }
        Ok(reasons)
    }

    /// (id, body) of the comments these reply to.
    async fn parent_bodies(
        conn: &mut D::Connection,
        comments: &[CommentRecord],
    ) -> StoreResult<Vec<(i64, String)>> {
        let parents: Vec<i64> = comments.iter().filter_map(|c| c.parent_id).collect();
        let mut bodies = Vec::new();
        if parents.is_empty() {
            return Ok(bodies);
        }
        let mut qb = QueryBuilder::<D>::new("SELECT id, body FROM comments WHERE id IN ");
        push_id_list(&mut qb, &parents);
        for row in D::fetch_all(&mut qb, &mut *conn).await? {
            bodies.push((row.try_get("id")?, row.try_get("body")?));
        }
        Ok(bodies)
    }

    /// One thread's replies after `after`, oldest first.
    pub(super) async fn replies(
        &self,
        root: i64,
        after: Option<Keyset>,
        limit: u32,
        reader: Option<&ReaderHash>,
    ) -> StoreResult<ThreadPage> {
        let mut conn = self.reader.acquire().await?;
        let mut qb = QueryBuilder::<D>::new(format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE c.root_id = "
        ));
        qb.push_bind(root).push(" AND c.id <> c.root_id AND ");
        push_shown(&mut qb, reader);
        if let Some(k) = after {
            push_after(&mut qb, SortOrder::Oldest, k);
        }
        qb.push(" ORDER BY c.created_at ASC, c.id ASC LIMIT ")
            .push_bind(i64::from(limit));
        let replies = comments_of(&D::fetch_all(&mut qb, &mut *conn).await?)?;
        let mine = match reader {
            Some(reader) if !replies.is_empty() => {
                let ids: Vec<i64> = replies.iter().map(|c| c.id).collect();
                let mut qb = QueryBuilder::<D>::new(
                    "SELECT comment_id, kind FROM comment_reactions WHERE reader = ",
                );
                qb.push_bind(reader.0.as_str()).push(" AND comment_id IN ");
                push_id_list(&mut qb, &ids);
                chosen(&D::fetch_all(&mut qb, &mut *conn).await?)?
            }
            _ => Vec::new(),
        };
        Ok(ThreadPage {
            replies,
            mine,
            ..ThreadPage::default()
        })
    }

    /// Comments for moderators, newest first (the reported queue: most
    /// reported first), with their reports and the words they answer.
    pub(super) async fn for_moderators(&self, query: &ModQuery) -> StoreResult<Vec<ModRecord>> {
        let mut conn = self.reader.acquire().await?;
        let mut qb = QueryBuilder::<D>::new(format!(
            "SELECT {COMMENT_COLUMNS}{COMMENT_FROM} WHERE 1 = 1"
        ));
        qb.push(match query.state {
            ModStateFilter::Visible => " AND c.state = 'visible'",
            ModStateFilter::Hidden => " AND c.state = 'hidden'",
            ModStateFilter::Reported => " AND c.report_count > 0",
            // Held comments, and shown ones whose edit waits.
            ModStateFilter::Pending => {
                " AND (c.state = 'pending' \
                 OR (c.state = 'visible' AND c.proposed_body IS NOT NULL))"
            }
            ModStateFilter::All => "",
        });
        if let Some(article) = &query.article {
            qb.push(" AND a.key = ").push_bind(article.as_str());
        }
        if let Some(author) = &query.author {
            qb.push(" AND c.author_reader = ")
                .push_bind(author.as_str());
        }
        D::push_words(&mut qb, &query.words);
        if let Some(id) = query.only {
            qb.push(" AND c.id = ").push_bind(id);
        }
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
        let comments = comments_of(&D::fetch_all(&mut qb, &mut *conn).await?)?;

        let reasons = Self::report_reasons(&mut conn, &comments).await?;
        let parent_bodies = Self::parent_bodies(&mut conn, &comments).await?;
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
    }
}

/// Shown to readers: visible, or a tombstone over visible replies; and to
/// a reader with comments awaiting review, those too.
fn push_shown<D: Database>(qb: &mut QueryBuilder<'_, D>, own_pending: Option<&ReaderHash>)
where
    for<'q> String: Encode<'q, D> + Type<D>,
{
    qb.push("(c.state = 'visible' OR c.visible_descendants > 0");
    if let Some(reader) = own_pending {
        qb.push(" OR (c.state = 'pending' AND c.author_reader = ")
            .push_bind(reader.0.clone())
            .push(")");
    }
    qb.push(")");
}

/// `AND` the comments after `k` in the order `sort`.
fn push_after<D: Database>(qb: &mut QueryBuilder<'_, D>, sort: SortOrder, k: Keyset)
where
    for<'q> i64: Encode<'q, D> + Type<D>,
{
    match sort {
        SortOrder::Newest => {
            qb.push(" AND (c.created_at, c.id) < (");
        }
        SortOrder::Oldest => {
            qb.push(" AND (c.created_at, c.id) > (");
        }
        SortOrder::Top => {
            qb.push(" AND (c.reaction_total, c.created_at, c.id) < (")
                .push_bind(k.score)
                .push(", ");
        }
    }
    qb.push_bind(k.created_at);
    qb.push(", ").push_bind(k.id).push(")");
}

fn comments_of<R>(rows: &[R]) -> Result<Vec<CommentRecord>, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    rows.iter().map(comment_of).collect()
}

/// (comment id, kind) from rows of a reader's reactions.
fn chosen<R>(rows: &[R]) -> Result<Vec<(i64, ReactionKind)>, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok((row.try_get("comment_id")?, kind_of(&kind)?))
        })
        .collect()
}
