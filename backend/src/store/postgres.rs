//! The PostgreSQL store, for operators who run several Chime servers: one
//! pool of connections per server, the same rules as the SQLite store (one
//! conformance suite runs against both). Writes that race between servers
//! are made safe by the statements themselves (conditional inserts, counts
//! changed in place, row locks inside transactions), not by a single writer.

use super::sql::{Dialect, SqlStore};
use super::*;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Executor, Postgres, QueryBuilder};
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

/// The store in a PostgreSQL database.
pub type PgStore = SqlStore<Postgres>;

impl Dialect for Postgres {
    const LOCKS_ROWS: bool = true;

    const PENDING_AUTHORS: &'static str = "string_agg(DISTINCT c.author_reader, ',')";

    /// Every word as a prefix, in the generated `tsvector`. Words are
    /// letters and digits only (the service splits on everything else), so
    /// they cannot break the query syntax.
    fn push_words(qb: &mut QueryBuilder<'_, Self>, words: &[String]) {
        if words.is_empty() {
            return;
        }
        let expr = words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ");
        qb.push(" AND c.search @@ to_tsquery('simple', ")
            .push_bind(expr)
            .push(")");
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn execute<'a, E>(
        qb: &'a mut QueryBuilder<'_, Self>,
        executor: E,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a
    where
        E: Executor<'a, Database = Self> + 'a,
    {
        let run = qb.build().execute(executor);
        async move { Ok(run.await?.rows_affected()) }
    }

    fn fetch_all<'a, E>(
        qb: &'a mut QueryBuilder<'_, Self>,
        executor: E,
    ) -> impl Future<Output = Result<Vec<PgRow>, sqlx::Error>> + Send + 'a
    where
        E: Executor<'a, Database = Self> + 'a,
    {
        qb.build().fetch_all(executor)
    }
}

impl PgStore {
    /// Connects to the database at a `postgres://` URL with a pool of up to
    /// `connections`, and runs the migrations (one server at a time: sqlx
    /// takes an advisory lock while it migrates).
    pub async fn open(url: &str, connections: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::internal(format!("bad database URL: {e}")))?
            .application_name("chime")
            // A write stuck behind another program's lock fails (503, the
            // client retries) instead of holding a request forever.
            .options([("lock_timeout", "5s"), ("statement_timeout", "30s")]);
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // A connection PostgreSQL dropped (a restart, a failover) is
            // noticed before it is handed out, not by a failed request.
            .test_before_acquire(true)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::internal(format!("migration failed: {e}")))?;
        Ok(SqlStore {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// How many of this build's migrations the database at `url` lacks:
    /// a dry run refuses to change a store's schema.
    pub async fn pending_migrations(url: &str) -> StoreResult<usize> {
        use sqlx::Connection;
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::internal(format!("bad database URL: {e}")))?;
        let mut conn = sqlx::PgConnection::connect_with(&options).await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&mut conn)
                .await
                .unwrap_or_default();
        conn.close().await?;
        Ok(sqlx::migrate!("./migrations/postgres")
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count())
    }

    /// The pool, for the event bus's notifications.
    pub fn pool(&self) -> &PgPool {
        &self.writer
    }
}
