//! Durability: the real `chime serve`, killed with SIGKILL at random moments
//! while comments pour in, keeps every comment it acknowledged with a 201,
//! each once, with its counts right and the database sound, on SQLite and
//! on PostgreSQL; and `chime backup` copies a store that is being written
//! to.

use chime_test_support::child::ChildServer;
use chime_test_support::postgres;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Kill cycles in one run.
const CYCLES: usize = 100;
/// Clients posting at once.
const WRITERS: usize = 8;

/// `chime serve` on `db`, writes unlimited, once it answers. Dropping it
/// kills it with SIGKILL (std's kill on Unix): no shutdown code runs.
async fn start(db: impl AsRef<std::ffi::OsStr>) -> ChildServer {
    let unlimited = [
        "--writes-per-minute-per-reader",
        "1000000",
        "--writes-per-minute-per-address",
        "1000000",
    ];
    ChildServer::start(Path::new(env!("CARGO_BIN_EXE_chime")), db, &unlimited)
        .await
        .expect("the server comes back")
}

/// Posts until told to stop or the server is gone; returns what got a 201.
async fn post_until_stopped(
    http: reqwest::Client,
    base: String,
    label: String,
    stop: Arc<AtomicBool>,
    parents: Arc<Mutex<Vec<String>>>,
) -> Vec<(String, String)> {
    let reader = format!("{:032x}", rand::random::<u128>());
    let mut acknowledged = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body = format!("{label}-{n}");
        // Every third comment replies, so crashes also land inside the
        // transaction that updates the ancestors' counts.
        let parent = if n % 3 == 0 {
            parents.lock().expect("lock").last().cloned()
        } else {
            None
        };
        let answer = http
            .post(format!("{base}/api/v1/articles/crash/comments"))
            .header("X-Chime-Reader", &reader)
            .json(&json!({"author_name": "Kill", "body": body, "parent_id": parent}))
            .send()
            .await;
        let Ok(response) = answer else {
            // The server is gone: this one may or may not have been kept.
            break;
        };
        if response.status() != StatusCode::CREATED {
            continue;
        }
        let Ok(comment) = response.json::<Value>().await else {
            break;
        };
        let id = comment["id"].as_str().expect("an id").to_owned();
        if parent.is_none() {
            parents.lock().expect("lock").push(id.clone());
        }
        acknowledged.push((id, body));
    }
    acknowledged
}

/// Runs `cycles` kill cycles against the store at `database`; returns the
/// comments that got a 201.
async fn kill_cycles(database: &str, cycles: usize) -> Vec<(String, String)> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let parents = Arc::new(Mutex::new(Vec::new()));
    let mut acknowledged = Vec::new();
    for cycle in 0..cycles {
        let server = start(database).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(post_until_stopped(
                    http.clone(),
                    server.base(),
                    format!("c{cycle}-w{w}"),
                    stop.clone(),
                    parents.clone(),
                ))
            })
            .collect();
        let run = rand::thread_rng().gen_range(30..400);
        tokio::time::sleep(Duration::from_millis(run)).await;
        drop(server);
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            acknowledged.extend(writer.await.expect("writer"));
        }
    }
    assert!(
        acknowledged.len() > cycles * 10,
        "too little was posted to mean anything: {}",
        acknowledged.len()
    );
    // One more start: the server opens the store after the last kill.
    drop(start(database).await);
    acknowledged
}

/// What the checks read from the store, the same SQL on both.
const COUNTS: &str = "SELECT (SELECT visible_count FROM articles WHERE key = 'crash'), \
                (SELECT COUNT(*) FROM comments WHERE state = 'visible')";
const DRIFT: &str = "SELECT COUNT(*) FROM comments c WHERE c.visible_descendants <> \
           (WITH RECURSIVE d(id) AS ( \
              SELECT id FROM comments WHERE parent_id = c.id \
              UNION ALL SELECT k.id FROM comments k JOIN d ON k.parent_id = d.id) \
            SELECT COUNT(*) FROM d)";

/// What the checks need from a store, read the same way on either:
/// (comments, (article count, visible rows), reply-count drift).
macro_rules! read {
    ($conn:ident) => {
        async {
            let stored: Vec<(i64, String)> = sqlx::query_as("SELECT id, body FROM comments")
                .fetch_all(&mut $conn)
                .await
                .expect("comments");
            let counts: (i64, i64) = sqlx::query_as(COUNTS)
                .fetch_one(&mut $conn)
                .await
                .expect("counts");
            let drift: i64 = sqlx::query_scalar(DRIFT)
                .fetch_one(&mut $conn)
                .await
                .expect("descendant counts");
            (stored, counts, drift)
        }
    };
}

/// Every acknowledged comment stored with its body, once; the kept counts
/// right.
async fn check(
    cycles: usize,
    acknowledged: &[(String, String)],
    read: impl std::future::Future<Output = (Vec<(i64, String)>, (i64, i64), i64)>,
) {
    let (stored, counts, drift) = read.await;
    let by_id: std::collections::HashMap<String, &str> = stored
        .iter()
        .map(|(id, body)| (id.to_string(), body.as_str()))
        .collect();
    for (id, body) in acknowledged {
        assert_eq!(
            by_id.get(id).copied(),
            Some(body.as_str()),
            "acknowledged comment {id} ({body}) is missing or changed"
        );
    }
    let mut bodies: Vec<&str> = stored.iter().map(|(_, b)| b.as_str()).collect();
    bodies.sort_unstable();
    let before = bodies.len();
    bodies.dedup();
    assert_eq!(before, bodies.len(), "a comment was stored twice");
    assert_eq!(counts.0, counts.1, "the article's count drifted");
    assert_eq!(drift, 0, "reply counts drifted");
    println!(
        "{cycles} SIGKILL cycles: {} comments acknowledged, all kept once; {} stored",
        acknowledged.len(),
        stored.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_posting_load_loses_no_acknowledged_comment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("chime.db");
    let url = format!("sqlite://{}", db.display());
    let acknowledged = kill_cycles(&url, CYCLES).await;
    let mut conn = SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await
        .expect("open the store");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    check(CYCLES, &acknowledged, read!(conn)).await;
}

/// Kill cycles on PostgreSQL (each server start connects and checks the
/// schema; PostgreSQL itself keeps running).
const PG_CYCLES: usize = 50;

#[ignore = "needs PostgreSQL (CHIME_TEST_POSTGRES): ./dev test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_on_postgres_loses_no_acknowledged_comment() {
    use sqlx::Connection;
    let url = postgres::database().await;
    let acknowledged = kill_cycles(&url, PG_CYCLES).await;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("store");
    check(PG_CYCLES, &acknowledged, read!(conn)).await;
}

/// Runs `chime backup copy --database db`.
fn backup(db: &Path, copy: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chime"))
        .arg("backup")
        .arg(copy)
        .arg("--database")
        .arg(db)
        .output()
        .expect("backup runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_comments_are_posted_is_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("chime.db");
    let http = reqwest::Client::new();
    let server = start(&db).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(post_until_stopped(
        http.clone(),
        server.base(),
        "b".into(),
        stop.clone(),
        Arc::new(Mutex::new(Vec::new())),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = dir.path().join("copy.db");
    let out = backup(&db, &copy);
    stop.store(true, Ordering::SeqCst);
    let posted = writer.await.expect("writer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("integrity check"), "{said}");

    // The copy is a store Chime serves, consistent in itself.
    let restored = start(&copy).await;
    let list: Value = http
        .get(format!(
            "{}/api/v1/articles/crash/comments?limit=100",
            restored.base()
        ))
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("json");
    let total = list["total"].as_u64().expect("total");
    assert!(total > 0 && total <= posted.len() as u64 + 1, "{total}");
    drop(restored);
    drop(server);

    // Never over an existing file.
    let again = backup(&db, &copy);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

/// Messages a receiver took: each message id with the instants it
/// answered, and each comment it was about.
#[derive(Default)]
struct Taken {
    answers: std::collections::HashMap<String, Vec<std::time::Instant>>,
    comments: std::collections::HashSet<String>,
}

/// A webhook receiver that takes its time (so kills land mid-send) and
/// answers 200 to everything.
async fn slow_receiver(taken: Arc<Mutex<Taken>>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let taken = taken.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let message: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let id = headers
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let mut taken = taken.lock().expect("lock");
                    taken
                        .answers
                        .entry(id)
                        .or_default()
                        .push(std::time::Instant::now());
                    if let Some(comment) = message["data"]["comment"]["id"].as_str() {
                        taken.comments.insert(comment.to_owned());
                    }
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Kill cycles for webhooks.
const WEBHOOK_CYCLES: usize = 15;

/// The real `chime serve`, killed with SIGKILL while it hands events on and
/// sends them: every comment acknowledged with a 201 reaches the endpoint
/// at least once, and a message is sent again only when the server died
/// before it could record the endpoint's answer (never once it did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_webhook_delivery_loses_no_message_and_repeats_none_recorded() {
    use chime_backend::store::CommentStore;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("chime.db");
    let url = format!("sqlite://{}", db.display());
    let taken = Arc::new(Mutex::new(Taken::default()));
    let receiver = slow_receiver(taken.clone()).await;
    {
        let store = chime_backend::store::sqlite::SqliteStore::open(&url)
            .await
            .expect("store");
        store
            .outbox()
            .add_webhook(&chime_backend::store::outbox::NewWebhookRecord {
                url: receiver,
                events: "comment.created".into(),
                description: String::new(),
                secret: chime_backend::service::webhooks::new_secret(),
                created_at: 0,
            })
            .await
            .expect("webhook");
    }
    let args = [
        "--writes-per-minute-per-reader",
        "1000000",
        "--writes-per-minute-per-address",
        "1000000",
        "--webhook-private-targets",
        "--webhook-timeout-secs",
        "1",
    ];
    let chime = Path::new(env!("CARGO_BIN_EXE_chime"));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let mut acknowledged = Vec::new();
    let mut kills = Vec::new();
    for cycle in 0..WEBHOOK_CYCLES {
        let server = ChildServer::start(chime, &url, &args)
            .await
            .expect("the server comes back");
        let stop = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn(post_until_stopped(
            http.clone(),
            server.base(),
            format!("w{cycle}"),
            stop.clone(),
            Arc::new(Mutex::new(Vec::new())),
        ));
        // Long enough for a round or two of delivery (every second).
        let run = rand::thread_rng().gen_range(500..2_500);
        tokio::time::sleep(Duration::from_millis(run)).await;
        drop(server);
        kills.push(std::time::Instant::now());
        stop.store(true, Ordering::SeqCst);
        acknowledged.extend(writer.await.expect("writer"));
    }
    // A last server sends what is left (after the leases of the killed
    // ones run out: twice the one-second limit and five seconds).
    let last = ChildServer::start(chime, &url, &args)
        .await
        .expect("the server comes back");
    let everything = async {
        loop {
            let missing = {
                let taken = taken.lock().expect("lock");
                acknowledged
                    .iter()
                    .filter(|(id, _)| !taken.comments.contains(id))
                    .count()
            };
            if missing == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let arrived = tokio::time::timeout(Duration::from_secs(60), everything).await;
    drop(last);
    let taken = taken.lock().expect("lock");
    assert!(
        arrived.is_ok(),
        "{} of {} acknowledged comments never reached the endpoint",
        acknowledged
            .iter()
            .filter(|(id, _)| !taken.comments.contains(id))
            .count(),
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > WEBHOOK_CYCLES * 10,
        "too little was posted to mean anything: {}",
        acknowledged.len()
    );
    // A repeat is allowed only where a kill came right after the answer
    // (the server died before it recorded it).
    let mut repeats = 0;
    for (id, answers) in &taken.answers {
        for pair in answers.windows(2) {
            repeats += 1;
            let excused = kills.iter().any(|kill| {
                *kill >= pair[0] && *kill - pair[0] < Duration::from_secs(2) && *kill <= pair[1]
            });
            assert!(
                excused,
                "{id} was sent again though its answer had been recorded"
            );
        }
    }
    eprintln!(
        "{} comments acknowledged, {} messages taken, {repeats} sent again after a kill",
        acknowledged.len(),
        taken.answers.len()
    );
}
