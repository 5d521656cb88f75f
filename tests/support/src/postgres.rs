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
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("the test cluster answers");
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
