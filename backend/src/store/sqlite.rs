//! The SQLite store: the embedded default. WAL mode, one writer connection
//! (SQLite allows one writer at a time anyway; queueing in the pool is cheaper
//! than retrying on `SQLITE_BUSY`) and a pool of readers.

use super::sql::{Dialect, SqlStore};
use super::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Executor, QueryBuilder, Sqlite};
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

/// The store in a SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl Dialect for Sqlite {
    const LOCKS_ROWS: bool = false;

    const PENDING_AUTHORS: &'static str = "group_concat(DISTINCT c.author_reader)";

    /// Every word as a prefix, in the FTS5 index.
    fn push_words(qb: &mut QueryBuilder<'_, Self>, words: &[String]) {
        if words.is_empty() {
            return;
        }
        let expr = words
            .iter()
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        qb.push(" AND c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ")
            .push_bind(expr)
            .push(")");
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
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
    ) -> impl Future<Output = Result<Vec<SqliteRow>, sqlx::Error>> + Send + 'a
    where
        E: Executor<'a, Database = Self> + 'a,
    {
        qb.build().fetch_all(executor)
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://` URL and
    /// runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::internal(format!("bad database URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode loses nothing a process crash could take:
            // a commit is in the WAL before it is acknowledged.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory");
        // The file holds the reader key: its owner's alone.
        let path = options.get_filename();
        if path.as_os_str() != ":memory:" && !path.as_os_str().is_empty() {
            crate::startup::files::private_database(path).map_err(|e| {
                StoreError::internal(format!("making {} private: {e}", path.display()))
            })?;
        }
        // Page caches: 16 MB for the one writer, 4 MB for each of the eight
        // readers (48 MB in all; the operating system caches the file too).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone().pragma("cache_size", "-16000"))
            .await?;
        migrate(options.clone()).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true).pragma("cache_size", "-4000"))
            .await?;
        Ok(SqlStore { writer, reader })
    }
}

/// What `SqliteStore::backup` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub bytes: u64,
    pub comments: i64,
    pub articles: i64,
}

impl SqliteStore {
    /// Writes a copy of the whole database to the new file `path` while
    /// the server keeps serving, then checks the copy.
    ///
    /// `VACUUM INTO` reads the database in one read transaction, so the
    /// copy is the database as it was at one moment (every acknowledged
    /// write before it, nothing half-done), compacted; writers are not
    /// blocked meanwhile (WAL). It does what SQLite's online backup API
    /// does, through the connection sqlx already has.
    pub async fn backup(&self, path: &std::path::Path) -> StoreResult<Backup> {
        // Made empty and private first (VACUUM INTO fills an empty file):
        // the copy holds the reader key too.
        if let Err(e) = crate::startup::files::create_private(path) {
            return Err(StoreError::internal(
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    format!(
                        "{} exists already; a backup never overwrites a file",
                        path.display()
                    )
                } else {
                    format!("cannot create {}: {e}", path.display())
                },
            ));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::internal("the backup path is not UTF-8"))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.reader)
            .await?;
        let copy = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = sqlx::ConnectOptions::connect(&copy).await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await?;
        if check != "ok" {
            return Err(StoreError::internal(format!(
                "the copy failed its integrity check: {check}"
            )));
        }
        let (comments, articles): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM articles)",
        )
        .fetch_one(&mut conn)
        .await?;
        sqlx::Connection::close(conn).await?;
        let bytes = std::fs::metadata(path)
            .map_err(|e| StoreError::internal(format!("reading the copy: {e}")))?
            .len();
        Ok(Backup {
            bytes,
            comments,
            articles,
        })
    }
}

/// How many of this build's migrations the database at `url` lacks (all,
/// for a new file): a dry run refuses to change a store's schema.
pub async fn pending_migrations(url: &str) -> StoreResult<usize> {
    use sqlx::Connection;
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::internal(format!("bad database URL: {e}")))?
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    conn.close().await?;
    Ok(sqlx::migrate!("./migrations/sqlite")
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count())
}

/// Runs the migrations on a connection of their own with foreign keys off
/// (a table rebuild drops the table others refer to; SQLite's documented
/// way), then checks every reference still holds.
async fn migrate(options: SqliteConnectOptions) -> StoreResult<()> {
    use sqlx::Connection;
    let failed = |e: &dyn std::fmt::Display| StoreError::internal(format!("migration failed: {e}"));
    let mut conn = sqlx::SqliteConnection::connect_with(&options.foreign_keys(false)).await?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&mut conn)
        .await
        .map_err(|e| failed(&e))?;
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await?;
    if !broken.is_empty() {
        return Err(failed(&format!("{} broken references", broken.len())));
    }
    conn.close().await?;
    Ok(())
}
