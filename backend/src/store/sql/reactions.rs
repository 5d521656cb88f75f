//! Reactions on articles and comments: one row per reader and kind, with
//! the counts kept beside the target.

use super::*;

/// One reader's reaction to add (`on`) or take back.
pub(super) struct Toggle<'a> {
    pub table: &'a ReactionTable,
    pub target: i64,
    pub reader: &'a ReaderHash,
    pub kind: ReactionKind,
    pub on: bool,
    pub at: i64,
}

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
    /// The kinds a reader chose on one target, in order.
    pub(super) async fn reader_kinds<'e, E>(
        executor: E,
        table: &ReactionTable,
        target: i64,
        reader: &ReaderHash,
    ) -> StoreResult<Vec<ReactionKind>>
    where
        E: Executor<'e, Database = D>,
    {
        let ReactionTable {
            rows, target: of, ..
        } = table;
        let sql = format!("SELECT kind FROM {rows} WHERE {of} = $1 AND reader = $2");
        let kinds: Vec<String> = sqlx::query_scalar(&sql)
            .bind(target)
            .bind(reader.0.as_str())
            .fetch_all(executor)
            .await?;
        let mut out = kinds
            .iter()
            .map(|k| kind_of(k))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort();
        Ok(out)
    }

    /// Adds or takes back one reaction and keeps the counts right; returns
    /// the counts, the reader's kinds and whether anything changed.
    pub(super) async fn toggle_reaction(
        conn: &mut D::Connection,
        change: Toggle<'_>,
    ) -> StoreResult<([u64; 6], Vec<ReactionKind>, bool)> {
        let Toggle {
            table,
            target,
            reader,
            kind,
            on,
            at,
        } = change;
        let ReactionTable {
            rows,
            target: column,
            counts,
            total,
        } = table;
        let done = if on {
            let sql = format!(
                "INSERT INTO {rows} ({column}, reader, kind, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
            );
            sqlx::query(&sql)
                .bind(target)
                .bind(reader.0.as_str())
                .bind(kind.as_str())
                .bind(at)
                .execute(&mut *conn)
                .await?
        } else {
            let sql =
                format!("DELETE FROM {rows} WHERE {column} = $1 AND reader = $2 AND kind = $3");
            sqlx::query(&sql)
                .bind(target)
                .bind(reader.0.as_str())
                .bind(kind.as_str())
                .execute(&mut *conn)
                .await?
        };
        let changed = D::rows_affected(&done) == 1;
        if changed {
            let kind_column = reaction_column(kind);
            let total_update = if *total {
                ", reaction_total = reaction_total + $1"
            } else {
                ""
            };
            let sql = format!(
                "UPDATE {counts} SET {kind_column} = {kind_column} + $1{total_update} \
                 WHERE id = $2"
            );
            sqlx::query(&sql)
                .bind(if on { 1i64 } else { -1 })
                .bind(target)
                .execute(&mut *conn)
                .await?;
        }
        let row = sqlx::query(&format!("SELECT * FROM {counts} WHERE id = $1"))
            .bind(target)
            .fetch_one(&mut *conn)
            .await?;
        let mine = Self::reader_kinds(&mut *conn, table, target, reader).await?;
        Ok((reactions_of(&row)?, mine, changed))
    }
}
