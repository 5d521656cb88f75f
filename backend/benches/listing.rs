//! Quick listing benchmark: the first page of a 1,000-comment thread (20 %
//! replies), served by the real app over loopback. Prints latency
//! percentiles and throughput; run with `cargo bench -p chime-backend`.

use chime_backend::clock::SystemClock;
use chime_backend::service::render::render;
use chime_backend::startup::Application;
use chime_backend::startup::config::Settings;
use chime_backend::store::{NewCommentRecord, ReaderHash};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ARTICLE: &str = "bench/thread";
const COMMENTS: usize = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let settings = Settings::new("127.0.0.1:0".parse().expect("addr"), url);
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("app");
    let store = app.state().store.clone();
    let base = app.url();
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    // Seed: every fifth comment replies to a random earlier top-level one.
    let reader = ReaderHash("bench".repeat(6));
    let mut tops: Vec<(i64, i64)> = Vec::new();
    let start = 1_700_000_000_000i64;
    for i in 0..COMMENTS {
        let body = format!(
            "Comment number {i} with *some* markdown and a [link](https://example.com/{i})."
        );
        let parent = if i % 5 == 4 && !tops.is_empty() {
            Some(tops[(i * 7919) % tops.len()])
        } else {
            None
        };
        let record = store
            .insert_comment(NewCommentRecord {
                article: ARTICLE.into(),
                parent_id: parent.map(|p| p.0),
                root_id: parent.map(|p| p.1),
                depth: i64::from(parent.is_some()),
                author_name: format!("Reader {}", i % 97),
                author_reader: reader.0.clone(),
                author_account: None,
                author_address: None,
                author_badges: Vec::new(),
                html: render(&body),
                body,
                created_at: start + i as i64 * 1000,
                idempotency_key: None,
                hold: None,
                site_auto_close_days: 0,
            })
            .await
            .expect("insert")
            .record;
        if parent.is_none() {
            tops.push((record.id, record.root_id));
        }
    }

    let client = reqwest::Client::new();
    let page_url = format!("{base}/api/v1/articles/bench%2Fthread/comments");
    let bytes = client
        .get(&page_url)
        .send()
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body")
        .len();
    for _ in 0..200 {
        client
            .get(&page_url)
            .send()
            .await
            .expect("warm-up")
            .bytes()
            .await
            .expect("body");
    }

    println!(
        "listing the first page (20 top-level comments with replies, {bytes} bytes) of a {COMMENTS}-comment thread"
    );
    println!("| concurrency | requests | req/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for concurrency in [1usize, 16] {
        let per_task = 3_000 / concurrency;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let client = client.clone();
            let url = page_url.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    let response = client.get(&url).send().await.expect("get");
                    assert!(response.status().is_success());
                    response.bytes().await.expect("body");
                    times.push(t.elapsed());
                }
                times
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.extend(task.await.expect("task"));
        }
        let elapsed = started.elapsed();
        times.sort();
        println!(
            "| {concurrency} | {} | {:.0} | {:.2} | {:.2} |",
            times.len(),
            times.len() as f64 / elapsed.as_secs_f64(),
            percentile(&times, 0.50).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
        );
    }
}
