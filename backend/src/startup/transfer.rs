//! `chime export` and `chime import`: the whole store as JSON lines, so an
//! operator moves from SQLite to PostgreSQL (or back, or to a new machine)
//! with one pipe:
//!
//! ```sh
//! chime export --database sqlite://chime.db | chime import --database postgres://…
//! ```
//!
//! Every row of every kept table travels with its ids (comment ids are in
//! readers' links) and the installation's reader key (readers keep their
//! comments and reactions as theirs), with the site's accounts (signed-in
//! readers). Moderator and reader sessions, the ids of spent sign-in
//! tokens and idempotency keys do not: moderators and readers sign in
//! again, and a retry older than the move is handled afresh. The import refuses a store that holds anything,
//! recounts what it derived (comment counts, thread counts) and compares
//! every table's rows with what the export announced.

use crate::store::sql::Dialect;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row, Type};
use std::io::{BufRead, Write};
use std::str::FromStr;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    OptInt,
    Text,
    OptText,
    Bool,
}

/// A kept table and its columns, in the order rows are written and read.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// Its `id` comes from a sequence (PostgreSQL) that must move past the
    /// imported rows.
    serial: bool,
}

use Kind::{Bool, Int, OptInt, OptText, Text};

const REACTIONS: [(&str, Kind); 6] = [
    ("r_like", Int),
    ("r_love", Int),
    ("r_laugh", Int),
    ("r_wow", Int),
    ("r_sad", Int),
    ("r_angry", Int),
];

/// Parents before children: the import inserts in this order.
const TABLES: &[Table] = &[
    Table {
        name: "settings",
        columns: &[("name", Text), ("value", Text)],
        serial: false,
    },
    Table {
        name: "moderators",
        columns: &[
            ("id", Int),
            ("username", Text),
            ("password_hash", Text),
            ("role", Text),
            ("created_at", Int),
        ],
        serial: true,
    },
    Table {
        name: "articles",
        columns: &[
            ("id", Int),
            ("key", Text),
            ("created_at", Int),
            ("visible_count", Int),
            REACTIONS[0],
            REACTIONS[1],
            REACTIONS[2],
            REACTIONS[3],
            REACTIONS[4],
            REACTIONS[5],
            ("premoderate", Bool),
            ("closed_at", OptInt),
            ("auto_close_days", OptInt),
            ("surge_since", OptInt),
            ("surge_kind", OptText),
            ("surge_level", OptInt),
            ("surge_reason", OptText),
            ("surge_snoozed_until", OptInt),
        ],
        serial: true,
    },
    Table {
        name: "accounts",
        columns: &[
            ("id", Int),
            ("site_id", Text),
            ("name", Text),
            ("email", OptText),
            ("badges", Text),
            ("url", OptText),
            ("created_at", Int),
            ("updated_at", Int),
            ("name_key", OptText),
            ("name_key_cased", OptText),
            ("reader", OptText),
        ],
        serial: true,
    },
    Table {
        name: "comments",
        columns: &[
            ("id", Int),
            ("article_id", Int),
            ("parent_id", OptInt),
            ("root_id", Int),
            ("depth", Int),
            ("author_name", Text),
            ("author_reader", Text),
            ("body", Text),
            ("html", Text),
            ("created_at", Int),
            ("edited_at", OptInt),
            ("state", Text),
            ("hidden_reason", OptText),
            ("visible_descendants", Int),
            ("report_count", Int),
            ("reaction_total", Int),
            REACTIONS[0],
            REACTIONS[1],
            REACTIONS[2],
            REACTIONS[3],
            REACTIONS[4],
            REACTIONS[5],
            ("idempotency_key", OptText),
            ("proposed_body", OptText),
            ("proposed_html", OptText),
            ("proposed_at", OptInt),
            ("author_account", OptInt),
            ("author_badges", OptText),
            ("author_address", OptText),
            ("featured_at", OptInt),
        ],
        serial: true,
    },
    Table {
        name: "imported_comments",
        columns: &[("key", Text), ("comment_id", Int)],
        serial: false,
    },
    Table {
        name: "article_reactions",
        columns: &[
            ("article_id", Int),
            ("reader", Text),
            ("kind", Text),
            ("created_at", Int),
        ],
        serial: false,
    },
    Table {
        name: "comment_reactions",
        columns: &[
            ("comment_id", Int),
            ("reader", Text),
            ("kind", Text),
            ("created_at", Int),
        ],
        serial: false,
    },
    Table {
        name: "reports",
        columns: &[
            ("comment_id", Int),
            ("reader", Text),
            ("reason", Text),
            ("note", OptText),
            ("created_at", Int),
            ("address", OptText),
        ],
        serial: false,
    },
    Table {
        name: "reader_notes",
        columns: &[
            ("id", Int),
            ("reader", Text),
            ("at", Int),
            ("moderator", Text),
            ("body", Text),
        ],
        serial: true,
    },
    Table {
        name: "reader_sanctions",
        columns: &[
            ("id", Int),
            ("reader", Text),
            ("account_id", OptInt),
            ("address", OptText),
            ("kind", Text),
            ("at", Int),
            ("moderator", Text),
            ("until", OptInt),
            ("reason", OptText),
            ("lifted_at", OptInt),
            ("lifted_by", OptText),
            ("address_until", OptInt),
        ],
        serial: true,
    },
    Table {
        name: "webhooks",
        columns: &[
            ("id", Int),
            ("url", Text),
            ("events", Text),
            ("description", Text),
            ("secret", Text),
            ("created_at", Int),
            ("paused_at", OptInt),
            ("paused_reason", OptText),
            ("failures", Int),
            ("last_success_at", OptInt),
            ("last_failure_at", OptInt),
        ],
        serial: true,
    },
    Table {
        name: "webhook_deliveries",
        columns: &[
            ("id", Int),
            ("webhook_id", Int),
            ("message_id", Text),
            ("comment_id", Int),
            ("event", Text),
            ("payload", Text),
            ("created_at", Int),
            ("attempts", Int),
            ("next_attempt_at", OptInt),
            ("lease_until", Int),
            ("delivered_at", OptInt),
            ("failed_at", OptInt),
            ("last_status", OptInt),
            ("last_error", OptText),
        ],
        serial: true,
    },
    Table {
        name: "moderator_alerts",
        columns: &[
            ("moderator_id", Int),
            ("email", Text),
            ("events", Text),
            ("digest_minutes", Int),
        ],
        serial: false,
    },
    Table {
        name: "mail_outbox",
        columns: &[
            ("id", Int),
            ("message_id", Text),
            ("recipient", Text),
            ("comment_id", Int),
            ("subject", Text),
            ("body", Text),
            ("digest_until", OptInt),
            ("created_at", Int),
            ("attempts", Int),
            ("next_attempt_at", OptInt),
            ("lease_until", Int),
            ("sent_at", OptInt),
            ("failed_at", OptInt),
            ("last_error", OptText),
            ("kind", Text),
            ("locale", Text),
            ("footer", Text),
            ("unsubscribe_url", OptText),
            ("subscription", OptText),
        ],
        serial: true,
    },
    Table {
        name: "reply_subscriptions",
        columns: &[
            ("id", Int),
            ("comment_id", Int),
            ("reader", Text),
            ("email", Text),
            ("locale", Text),
            ("page_url", Text),
            ("token", Text),
            ("created_at", Int),
            ("confirmed_at", OptInt),
        ],
        serial: true,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Int),
            ("moderator", Text),
            ("action", Text),
            ("comment_id", OptInt),
            ("reason", OptText),
            ("subject", OptText),
            ("settings_before", OptText),
            ("settings_after", OptText),
        ],
        serial: true,
    },
];

/// The first line of an export.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    chime_export: u32,
    /// Rows per table, in `TABLES` order.
    rows: Vec<(String, u64)>,
}

/// One row: its table and its columns.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    t: String,
    r: Map<String, Value>,
}

/// Why a transfer stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Input { line: u64, message: String },
    #[error("{0}")]
    Refused(String),
}

/// A store to move rows in and out of.
#[derive(Clone)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Database {
    /// Opens (and migrates) the store at `url`.
    pub async fn open(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            // The store makes the schema; then a plain pool moves rows.
            crate::store::sqlite::SqliteStore::open(url)
                .await
                .map_err(|e| e.to_string())?;
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| e.to_string())?
                .foreign_keys(true);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let store = crate::store::postgres::PgStore::open(url, 2)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Self::Postgres(store.pool().clone()))
        } else {
            Err(format!(
                "{url:?} is neither a sqlite:// nor a postgres:// database URL"
            ))
        }
    }

    async fn count(&self, table: &str) -> Result<u64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = match self {
            Self::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
            Self::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Reads one row's columns into JSON.
fn row_to_json<R>(row: &R, table: &Table) -> Result<Map<String, Value>, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut out = Map::new();
    for (name, kind) in table.columns {
        let value = match kind {
            Int => Value::from(row.try_get::<i64, _>(*name)?),
            OptInt => row
                .try_get::<Option<i64>, _>(*name)?
                .map_or(Value::Null, Value::from),
            Text => Value::from(row.try_get::<String, _>(*name)?),
            OptText => row
                .try_get::<Option<String>, _>(*name)?
                .map_or(Value::Null, Value::from),
            Bool => Value::from(row.try_get::<bool, _>(*name)?),
        };
        out.insert((*name).to_owned(), value);
    }
    Ok(out)
}

/// Streams one table's rows, in `sql`'s order, to `each`.
async fn each_row<D>(
    pool: &Pool<D>,
    sql: &str,
    table: &Table,
    mut each: impl FnMut(Map<String, Value>) -> Result<(), TransferError>,
) -> Result<(), TransferError>
where
    D: sqlx::Database,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'a> &'a str: ColumnIndex<D::Row>,
    for<'r> i64: Decode<'r, D> + Type<D>,
    for<'r> String: Decode<'r, D> + Type<D>,
    for<'r> bool: Decode<'r, D> + Type<D>,
{
    use futures_util::TryStreamExt;
    let mut stream = sqlx::query(sql).fetch(pool);
    while let Some(row) = stream.try_next().await? {
        each(row_to_json(&row, table)?)?;
    }
    Ok(())
}

/// Reports progress on a terminal (never into a pipe or a log).
struct Progress {
    on: bool,
    verb: &'static str,
    last: std::time::Instant,
}

impl Progress {
    fn new(verb: &'static str) -> Self {
        use std::io::IsTerminal;
        Self {
            on: std::io::stderr().is_terminal(),
            verb,
            last: std::time::Instant::now(),
        }
    }

    fn tick(&mut self, table: &str, done: u64, total: u64) {
        if self.on && (done == total || self.last.elapsed().as_millis() >= 200) {
            self.last = std::time::Instant::now();
            eprint!("\r{} {table}: {done} of {total}\x1b[K", self.verb);
            if done == total {
                eprintln!();
            }
        }
    }
}

/// Writes the whole store to `out`; returns the rows per table.
pub async fn export(
    db: &Database,
    out: &mut impl Write,
) -> Result<Vec<(String, u64)>, TransferError> {
    let mut rows = Vec::new();
    for table in TABLES {
        rows.push((table.name.to_owned(), db.count(table.name).await?));
    }
    let header = Header {
        chime_export: 1,
        rows: rows.clone(),
    };
    writeln!(
        out,
        "{}",
        serde_json::to_string(&header).unwrap_or_default()
    )?;
    let mut progress = Progress::new("exported");
    for (table, (_, total)) in TABLES.iter().zip(&rows) {
        let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let order = if table.columns[0].0 == "id" {
            "id"
        } else if table.columns.iter().any(|(c, _)| *c == "created_at") {
            "created_at"
        } else {
            // A key of its own (settings' name, an imported comment's id).
            table.columns[0].0
        };
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {order}",
            columns.join(", "),
            table.name
        );
        let mut done = 0;
        let write = |row: Map<String, Value>| -> Result<(), TransferError> {
            let line = Line {
                t: table.name.to_owned(),
                r: row,
            };
            writeln!(out, "{}", serde_json::to_string(&line).unwrap_or_default())?;
            done += 1;
            progress.tick(table.name, done, *total);
            Ok(())
        };
        match db {
            Database::Sqlite(pool) => each_row(pool, &sql, table, write).await?,
            Database::Postgres(pool) => each_row(pool, &sql, table, write).await?,
        }
        if done != *total {
            return Err(TransferError::Refused(format!(
                "{}: {done} rows written, {total} counted (was the store being changed?)",
                table.name
            )));
        }
    }
    out.flush()?;
    Ok(rows)
}

/// Rows inserted per statement.
const BATCH: usize = 500;

/// Reads an export from `input` into an empty store; returns the rows per
/// table, checked against the export's own count. (Long: one pass, table
/// by table in the order references need. Not one transaction: a failed
/// import leaves a partly filled store, which a second import refuses;
/// start again on a new, empty database.)
pub async fn import(
    db: &Database,
    input: impl BufRead,
) -> Result<Vec<(String, u64)>, TransferError> {
    for table in ["articles", "comments", "moderators", "audit_log"] {
        if db.count(table).await? > 0 {
            return Err(TransferError::Refused(format!(
                "the target store already holds {table}; import into a new, empty database"
            )));
        }
    }
    let mut lines = input.lines();
    let first = lines
        .next()
        .transpose()?
        .ok_or_else(|| TransferError::Input {
            line: 1,
            message: "the input is empty; expected the output of chime export".into(),
        })?;
    let header: Header = serde_json::from_str(&first).map_err(|e| TransferError::Input {
        line: 1,
        message: format!("not a Chime export: {e}"),
    })?;
    if header.chime_export != 1 {
        return Err(TransferError::Input {
            line: 1,
            message: format!("export version {} is not known here", header.chime_export),
        });
    }
    let expected: std::collections::HashMap<String, u64> = header.rows.iter().cloned().collect();
    let mut progress = Progress::new("imported");
    let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let mut batch: Vec<Map<String, Value>> = Vec::new();
    let mut batch_table: Option<&Table> = None;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| TransferError::Input {
            line: line_no,
            message: e.to_string(),
        })?;
        let table =
            TABLES
                .iter()
                .find(|t| t.name == parsed.t)
                .ok_or_else(|| TransferError::Input {
                    line: line_no,
                    message: format!("unknown table {:?}", parsed.t),
                })?;
        if batch_table.is_some_and(|t| t.name != table.name) || batch.len() >= BATCH {
            if let Some(t) = batch_table {
                insert(db, t, &batch, line_no).await?;
                let n = counts.entry(t.name).or_default();
                *n += batch.len() as u64;
                progress.tick(t.name, *n, expected.get(t.name).copied().unwrap_or(0));
            }
            batch.clear();
        }
        batch_table = Some(table);
        batch.push(parsed.r);
    }
    if let Some(t) = batch_table.filter(|_| !batch.is_empty()) {
        insert(db, t, &batch, line_no).await?;
        let n = counts.entry(t.name).or_default();
        *n += batch.len() as u64;
        progress.tick(t.name, *n, expected.get(t.name).copied().unwrap_or(0));
    }
    finish(db).await?;
    let mut rows = Vec::new();
    for table in TABLES {
        let stored = db.count(table.name).await?;
        let announced = expected.get(table.name).copied().unwrap_or(0);
        if stored != announced {
            return Err(TransferError::Refused(format!(
                "{}: the export announced {announced} rows, the store holds {stored}",
                table.name
            )));
        }
        rows.push((table.name.to_owned(), stored));
    }
    Ok(rows)
}

/// Inserts a batch of one table's rows.
async fn insert(
    db: &Database,
    table: &Table,
    rows: &[Map<String, Value>],
    line: u64,
) -> Result<(), TransferError> {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let head = format!("INSERT INTO {} ({}) ", table.name, columns.join(", "));
    // The fresh store made its own reader key; the export's replaces it.
    let tail = if table.name == "settings" {
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    } else {
        ""
    };
    let bad = |name: &str| TransferError::Input {
        line,
        message: format!("{}.{name} is missing or of the wrong type", table.name),
    };
    let failed = match db {
        Database::Sqlite(pool) => insert_rows(pool, &head, tail, table, rows).await?,
        Database::Postgres(pool) => insert_rows(pool, &head, tail, table, rows).await?,
    };
    match failed {
        Some(name) => Err(bad(name)),
        None => Ok(()),
    }
}

/// One statement inserting `rows`; the first column a row lacks (or holds
/// with the wrong type), when one does, and then nothing is inserted.
async fn insert_rows<D>(
    pool: &Pool<D>,
    head: &str,
    tail: &str,
    table: &Table,
    rows: &[Map<String, Value>],
) -> Result<Option<&'static str>, sqlx::Error>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> i64: Encode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D>,
    for<'q> String: Encode<'q, D> + Type<D>,
    for<'q> Option<String>: Encode<'q, D>,
    for<'q> bool: Encode<'q, D> + Type<D>,
{
    let mut qb = QueryBuilder::<D>::new(head);
    let mut failed = None;
    qb.push_values(rows, |mut b, row| {
        for (name, kind) in table.columns {
            let value = row.get(*name).unwrap_or(&Value::Null);
            match kind {
                Int => {
                    b.push_bind(value.as_i64().unwrap_or_else(|| {
                        failed.get_or_insert(*name);
                        0
                    }));
                }
                OptInt => {
                    b.push_bind(value.as_i64());
                }
                Text => {
                    let text = value.as_str().unwrap_or_else(|| {
                        failed.get_or_insert(*name);
                        ""
                    });
                    b.push_bind(text.to_owned());
                }
                OptText => {
                    b.push_bind(value.as_str().map(str::to_owned));
                }
                Bool => {
                    b.push_bind(value.as_bool().unwrap_or(false));
                }
            }
        }
    });
    if failed.is_some() {
        return Ok(failed);
    }
    qb.push(tail);
    D::execute(&mut qb, pool).await?;
    Ok(None)
}

/// What the store derives from the rows is derived again; sequences move
/// past the imported ids.
async fn finish(db: &Database) -> Result<(), sqlx::Error> {
    // Posting counts each visible comment in its article as it is inserted
    // (a trigger), so the imported counts were added to: set them again.
    let recount = "UPDATE articles SET visible_count = (SELECT COUNT(*) FROM comments c \
                   WHERE c.article_id = articles.id AND c.state = 'visible')";
    // The outbox's triggers took every comment and report inserted for
    // news: none of it is (what the old store had still to send, it keeps
    // sending: `webhook_deliveries` came across; its undispatched events
    // did not).
    let no_news = "DELETE FROM outbox";
    match db {
        Database::Sqlite(pool) => {
            sqlx::query(recount).execute(pool).await?;
            sqlx::query(no_news).execute(pool).await?;
        }
        Database::Postgres(pool) => {
            sqlx::query(recount).execute(pool).await?;
            sqlx::query(no_news).execute(pool).await?;
            for table in TABLES.iter().filter(|t| t.serial) {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                    table.name
                ))
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(())
}
