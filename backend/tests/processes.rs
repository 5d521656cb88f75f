//! Two real `chime serve` processes on one PostgreSQL database, made ready
//! by `chime migrate`: a reader streaming from one sees, within a second,
//! what is posted through the other, and the other's listing has it.

use chime_test_support::child::ChildServer;
use chime_test_support::postgres;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CHIME: &str = env!("CARGO_BIN_EXE_chime");

/// `chime serve` on `database`, once it answers.
async fn serve(database: &str) -> ChildServer {
    ChildServer::start(Path::new(CHIME), database, &[])
        .await
        .expect("chime serve starts")
}

#[ignore = "needs PostgreSQL (CHIME_TEST_POSTGRES): ./dev test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_posted_through_one_process_reaches_the_other_s_readers() {
    let database = postgres::database().await;
    let migrated = Command::new(CHIME)
        .args(["migrate", "--database", &database])
        .output()
        .expect("chime migrate runs");
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("up to date"));

    let http = reqwest::Client::new();
    let a = serve(&database).await;
    let b = serve(&database).await;
    let stream = http
        .get(format!(
            "{}/api/v1/articles/two%2Fprocesses/events",
            a.base()
        ))
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut stream = stream.bytes_stream();
    // The greeting: A is subscribed.
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("a greeting");
    assert!(first.is_some());

    let posted = http
        .post(format!(
            "{}/api/v1/articles/two%2Fprocesses/comments",
            b.base()
        ))
        .header("X-Chime-Reader", "0123456789abcdef0123456789abcdef")
        .json(&json!({"author_name": "B", "body": "through the other process"}))
        .send()
        .await
        .expect("posted");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let sent = Instant::now();
    let id = posted.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let mut seen = Vec::new();
    let arrived = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(chunk)) = stream.next().await {
            seen.extend_from_slice(&chunk);
            let text = String::from_utf8_lossy(&seen);
            if text.contains("event: comment_created") && text.contains(&id) {
                return;
            }
        }
    })
    .await;
    assert!(
        arrived.is_ok(),
        "A's reader did not hear of B's comment within a second: {}",
        String::from_utf8_lossy(&seen)
    );
    eprintln!("B's comment reached A's reader in {:?}", sent.elapsed());
    let listed: serde_json::Value = http
        .get(format!(
            "{}/api/v1/articles/two%2Fprocesses/comments",
            a.base()
        ))
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["total"], 1);
}
