//! `chime-bench webhooks`: posting with webhooks on against posting
//! without. The release server on SQLite posts 20,000 comments at
//! concurrency 16 with no endpoint, and with an endpoint that takes every
//! event (a receiver in this process answering 204), twice each,
//! alternating; the runs with the endpoint also wait until every message
//! has arrived. Writes `target/bench/webhooks.md`.

use super::{Http, seed, start};
use chime_backend::store::CommentStore;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const POSTS: usize = 20_000;

/// A receiver that counts what it takes.
async fn receiver(taken: Arc<AtomicUsize>) -> Result<String, Box<dyn std::error::Error>> {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let taken = taken.clone();
            async move {
                taken.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

pub async fn run(chime: &Path, out_dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http();
    let mut table = String::from(
        "| posting 20,000 comments, c16, SQLite | comments/s | p50 ms | p99 ms |\n| --- | --- | --- | --- |\n",
    );

    // Each way twice, alternating, the better run of each kept: the two
    // share the machine's noise.
    let dir = tempfile::tempdir()?;
    let taken = Arc::new(AtomicUsize::new(0));
    let url = receiver(taken.clone()).await?;
    let mut best_off: Option<super::Measured> = None;
    let mut best_on: Option<super::Measured> = None;
    let mut drained = Vec::new();
    for round in 0..2 {
        let off = {
            let server = start(chime, &dir.path().join(format!("off{round}.db")), &[]).await?;
            seed(&http, &server.base(), "bench/hooks", POSTS).await?
        };
        if best_off
            .as_ref()
            .is_none_or(|b| off.per_second > b.per_second)
        {
            best_off = Some(off);
        }
        let db = dir.path().join(format!("on{round}.db"));
        {
            let store = chime_backend::store::sqlite::SqliteStore::open(&format!(
                "sqlite://{}",
                db.display()
            ))
            .await?;
            store
                .outbox()
                .add_webhook(&chime_backend::store::outbox::NewWebhookRecord {
                    url: url.clone(),
                    events: chime_shared::WebhookEvent::ALL
                        .iter()
                        .map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    description: "bench".into(),
                    secret: chime_backend::service::webhooks::new_secret(),
                    created_at: 0,
                })
                .await?;
        }
        taken.store(0, Ordering::SeqCst);
        let server = start(chime, &db, &["--webhook-private-targets"]).await?;
        let started = Instant::now();
        let on = seed(&http, &server.base(), "bench/hooks", POSTS).await?;
        let posted = on.requests - on.errors;
        // Every comment is a `comment.created` message.
        while taken.load(Ordering::SeqCst) < posted && started.elapsed() < Duration::from_secs(300)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drained.push((
            taken.load(Ordering::SeqCst),
            posted,
            started.elapsed().as_secs_f64(),
        ));
        drop(server);
        if best_on
            .as_ref()
            .is_none_or(|b| on.per_second > b.per_second)
        {
            best_on = Some(on);
        }
    }
    let (off, on) = (best_off.ok_or("no run")?, best_on.ok_or("no run")?);
    table.push_str(&format!(
        "| no webhook | {:.0} | {:.1} | {:.1} |\n",
        off.per_second, off.p50_ms, off.p99_ms
    ));
    table.push_str(&format!(
        "| an endpoint taking every event | {:.0} | {:.1} | {:.1} |\n",
        on.per_second, on.p50_ms, on.p99_ms
    ));
    let change = (on.per_second / off.per_second - 1.0) * 100.0;
    table.push_str(&format!(
        "\nWith the endpoint, posting is {change:+.1} % (target: within 10 %; the better of two runs each way, alternating).\n"
    ));
    for (arrived, posted, seconds) in drained {
        table.push_str(&format!(
            "- {arrived} of {posted} messages had arrived {seconds:.1} s after the first post.\n"
        ));
    }
    print!("{table}");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("webhooks.md"), &table)?;
    Ok(())
}
