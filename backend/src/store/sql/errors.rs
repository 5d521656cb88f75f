//! What a database error means for the caller: one classification for
//! both databases, keeping sqlx's error as the source.

use super::StoreError;

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if retryable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Internal(Box::new(err))
        }
    }
}

/// Whether nothing was written and the same request may succeed later:
/// the database is out of reach, busy, full, restarting or lost a race.
fn retryable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        // A connection out of step with its server (seen while PostgreSQL
        // restarts); never made by this store for a bad row.
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| retryable_code(&code)),
        _ => false,
    }
}

/// SQLite's numeric result codes and PostgreSQL's SQLSTATEs cannot be
/// mistaken for each other (SQLSTATEs are five characters).
fn retryable_code(code: &str) -> bool {
    // SQLite: BUSY (5), LOCKED (6), FULL (13), and BUSY_RECOVERY (261),
    // BUSY_SNAPSHOT (517).
    matches!(code, "5" | "6" | "13" | "261" | "517")
        // PostgreSQL: connection lost (08), out of resources (53), shutting
        // down or restarting (57P0x), a lock or statement timeout (55P03,
        // 57014), serialization failure (40001) and deadlock (40P01).
        || code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || matches!(code, "55P03" | "57014" | "40001" | "40P01")
}

/// A stored value this version cannot read (a state or kind it does not
/// know): the row is wrong, not the request.
pub(super) fn undecodable(err: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_lost_connections_are_retryable_and_bad_rows_are_not() {
        assert!(retryable(&sqlx::Error::PoolTimedOut));
        assert!(retryable_code("5"));
        assert!(retryable_code("517"));
        assert!(retryable_code("08006"));
        assert!(retryable_code("57P01"));
        assert!(!retryable_code("23505"));
        assert!(!retryable_code("19"));
        let bad_row = undecodable(std::fmt::Error);
        assert!(matches!(StoreError::from(bad_row), StoreError::Internal(_)));
        let missing = sqlx::Error::RowNotFound;
        assert!(matches!(StoreError::from(missing), StoreError::Internal(_)));
    }
}
