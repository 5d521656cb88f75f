//! A PostgreSQL database per test, on the cluster `./dev test` starts
//! (`CHIME_TEST_POSTGRES`, an admin URL).
//!
//! A test that needs PostgreSQL is marked `#[ignore = "needs PostgreSQL…"]`,
//! so a plain `cargo test` lists it as ignored, with the reason, instead
//! of passing it unrun; `./dev test` runs it (`--include-ignored`), and
//! there a missing cluster fails it: CI can never pass by skipping.

use std::sync::atomic::{AtomicU64, Ordering};

/// The cluster's admin URL; a test that needs one fails without it.
pub fn cluster() -> String {
    std::env::var("CHIME_TEST_POSTGRES").expect(
        "this test needs a PostgreSQL cluster: CHIME_TEST_POSTGRES, an admin URL (./dev test starts one)",
    )
}

/// A new, empty database on the cluster at `admin`; its URL.
pub async fn database_on(admin: &str, prefix: &str) -> String {
    use sqlx::Connection;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // A cluster recovering from a crashed backend refuses connections for
    // a moment ("not yet accepting connections"): waited for, and said,
    // so one crash does not fail every test that starts meanwhile.
    let mut tries = 0;
    let mut conn = loop {
        match sqlx::PgConnection::connect(admin).await {
            Ok(conn) => break conn,
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("57P03") && tries < 120 =>
            {
                if tries == 0 {
                    eprintln!("the test cluster is recovering ({e}); waiting for it");
                }
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => panic!("the test cluster answers: {e:?}"),
        }
    };
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("a fresh database");
    conn.close().await.expect("closed");
    let (base, _) = admin
        .rsplit_once('/')
        .expect("an admin URL ends in /database");
    format!("{base}/{name}")
}

/// A new, empty database on the test cluster; its URL.
pub async fn database() -> String {
    database_on(&cluster(), "chime").await
}
