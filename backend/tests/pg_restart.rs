//! PostgreSQL restarts under two Chime servers taking posts: writes made
//! while it is down are refused with 503 (never a 500), both servers serve
//! again once it is back, every acknowledged comment is stored, and live
//! events cross between the servers again, after a `resync`.
//!
//! Restarting the cluster would disturb other tests, so this is a test
//! binary of its own, run in the PostgreSQL pass of `./dev test`, which
//! exports `CHIME_TEST_PG_CTL` (the cluster's `pg_ctl`, with its data
//! directory).

use chime_test_support::app::*;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

async fn pg_ctl(args: &str) {
    let command = std::env::var("CHIME_TEST_PG_CTL").expect("CHIME_TEST_PG_CTL");
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{command} {args} >/dev/null"))
        .status()
        .await
        .expect("pg_ctl runs");
    assert!(status.success(), "pg_ctl {args}");
}

#[ignore = "restarts PostgreSQL: ./dev test runs it in its PostgreSQL pass"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn both_servers_recover_from_a_postgres_restart_and_lose_nothing() {
    assert!(
        on_postgres() && std::env::var("CHIME_TEST_PG_CTL").is_ok(),
        "this test restarts the test cluster: run it in the PostgreSQL pass \
         (CHIME_TEST_STORE=postgres, CHIME_TEST_PG_CTL), as ./dev test does"
    );
    let unlimited = |s: &mut chime_backend::startup::config::Settings| {
        s.writes_per_minute_per_reader = 1_000_000;
        s.writes_per_minute_per_address = 1_000_000;
    };
    let a = Arc::new(spawn_with(unlimited).await);
    let b = Arc::new(spawn_beside(&a, unlimited).await);
    let mut on_a = Events::open(&a, "restart").await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4usize {
        let server = if w % 2 == 0 { a.clone() } else { b.clone() };
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let me = reader();
            let (mut acknowledged, mut refused, mut after_restart) = (Vec::new(), 0, 0);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = format!("writer {w} post {n}");
                let response = server
                    .post_comment("restart", &me, json!({"author_name": "W", "body": body}))
                    .await;
                match response.status() {
                    StatusCode::CREATED => acknowledged.push(body),
                    StatusCode::SERVICE_UNAVAILABLE => refused += 1,
                    other => panic!(
                        "{other} while PostgreSQL restarted: {:?}",
                        response.text().await
                    ),
                }
                if refused > 0 && response.status() == StatusCode::CREATED {
                    after_restart += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acknowledged, refused, after_restart)
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    pg_ctl("-m fast -w restart").await;
    // Give both servers time to notice and to take posts again.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for writer in writers {
        let (bodies, no, after) = writer.await.expect("writer");
        assert!(
            after > 0 || no == 0,
            "a writer never posted again after the restart"
        );
        acknowledged.extend(bodies);
        refused += no;
    }
    eprintln!(
        "{} posts acknowledged, {refused} refused with 503 while PostgreSQL restarted",
        acknowledged.len()
    );

    // Both serve again.
    for server in [&a, &b] {
        let health = server
            .client
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .expect("request");
        assert_eq!(health.status(), StatusCode::OK);
    }
    // Nothing acknowledged is lost, nothing is stored twice.
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&a.database)
        .await
        .expect("connects");
    let stored: Vec<String> = sqlx::query_scalar("SELECT body FROM comments")
        .fetch_all(&mut conn)
        .await
        .expect("bodies");
    for body in &acknowledged {
        assert_eq!(
            stored.iter().filter(|s| *s == body).count(),
            1,
            "{body} is missing or stored twice"
        );
    }
    let counted: i64 =
        sqlx::query_scalar("SELECT visible_count FROM articles WHERE key = 'restart'")
            .fetch_one(&mut conn)
            .await
            .expect("count");
    assert_eq!(
        counted as usize,
        stored.len(),
        "the kept count matches the rows"
    );

    // A's readers were told to reload, and events cross again.
    loop {
        let (name, _) = on_a.next().await;
        if name == "resync" {
            break;
        }
    }
    let posted = b
        .comment("restart", &reader(), "after the restart", None)
        .await;
    loop {
        let (name, data) = on_a.next().await;
        if name == "comment_created" && data.contains(posted.id.as_str()) {
            break;
        }
    }
}
