//! `chime-bench webhooks`: posting with webhooks and e-mail on against
//! posting without. The release server on SQLite posts 20,000 comments at
//! concurrency 16 with no endpoint; with an endpoint that takes every
//! event (a receiver in this process answering 204); and with that
//! endpoint and a moderator's e-mail alert on every new comment, through a
//! real SMTP server (aiosmtpd, as `./dev bench` installs it; skipped
//! without `CHIME_TEST_AIOSMTPD`). Each twice, in turn, the better run of
//! each kept; the runs with messages wait until all are out. Writes
//! `target/bench/webhooks.md`.

use super::{Http, Measured, seed, start};
use chime_backend::store::CommentStore;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// aiosmtpd taking and dropping every mail; stopped on drop.
struct Smtp {
    child: Child,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp() -> Result<Option<Smtp>, Box<dyn std::error::Error>> {
    let Ok(python) = std::env::var("CHIME_TEST_AIOSMTPD") else {
        return Ok(None);
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Smtp { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(Some(server));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("aiosmtpd did not start".into())
}

/// What a run sets up.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    Nothing,
    Endpoint,
    EndpointAndMail,
}

impl Setup {
    fn name(self) -> &'static str {
        match self {
            Self::Nothing => "no webhook, no e-mail",
            Self::Endpoint => "an endpoint taking every event",
            Self::EndpointAndMail => "that, and an e-mail alert on every new comment",
        }
    }
}

/// The endpoint (and the alert) in a new store at `db`.
async fn prepare(db: &Path, url: &str, setup: Setup) -> Result<(), Box<dyn std::error::Error>> {
    let store =
        chime_backend::store::sqlite::SqliteStore::open(&format!("sqlite://{}", db.display()))
            .await?;
    store
        .outbox()
        .add_webhook(&chime_backend::store::outbox::NewWebhookRecord {
            url: url.to_owned(),
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
    if setup == Setup::EndpointAndMail {
        chime_backend::service::admin::add_moderator(
            &store,
            "alerts",
            "a long enough password".into(),
            chime_shared::Role::Moderator,
            chime_backend::service::admin::Actor::command_line(0),
        )
        .await
        .map_err(|e| e.to_string())?;
        store
            .outbox()
            .set_alerts(
                "alerts",
                Some(&chime_backend::store::outbox::AlertRecord {
                    email: "alerts@news.example".into(),
                    events: "comment.created".into(),
                    digest_minutes: 0,
                }),
            )
            .await?;
    }
    Ok(())
}

/// Mails the store at `db` has sent.
async fn mails_sent(db: &Path) -> Result<i64, Box<dyn std::error::Error>> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await?;
    let sent = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(sent)
}

pub async fn run(chime: &Path, out_dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http();
    let dir = tempfile::tempdir()?;
    let taken = Arc::new(AtomicUsize::new(0));
    let url = receiver(taken.clone()).await?;
    let smtp = smtp().await?;
    let mut setups = vec![Setup::Nothing, Setup::Endpoint];
    if smtp.is_some() {
        setups.push(Setup::EndpointAndMail);
    }
    let mut best: Vec<Option<Measured>> = vec![None; setups.len()];
    let mut drained = Vec::new();
    for round in 0..2 {
        for (i, &setup) in setups.iter().enumerate() {
            let db = dir.path().join(format!("run{round}-{i}.db"));
            let mut args = vec![];
            let smtp_url;
            if setup != Setup::Nothing {
                prepare(&db, &url, setup).await?;
                args.push("--webhook-private-targets");
            }
            if let (Setup::EndpointAndMail, Some(smtp)) = (setup, &smtp) {
                smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
                args.extend(["--smtp-url", &smtp_url, "--mail-from", "bench@news.example"]);
            }
            taken.store(0, Ordering::SeqCst);
            let server = start(chime, &db, &args).await?;
            let started = Instant::now();
            let m = seed(&http, &server.base(), "bench/hooks", POSTS).await?;
            let posted = m.requests - m.errors;
            if setup != Setup::Nothing {
                // Every comment is a `comment.created` message (and mail).
                loop {
                    let mails = if setup == Setup::EndpointAndMail {
                        usize::try_from(mails_sent(&db).await?).unwrap_or(0)
                    } else {
                        posted
                    };
                    let done = taken.load(Ordering::SeqCst) >= posted && mails >= posted;
                    if done || started.elapsed() > Duration::from_secs(300) {
                        drained.push(format!(
                            "- {}, round {}: {} of {posted} messages{} {:.1} s after the first post.",
                            setup.name(),
                            round + 1,
                            taken.load(Ordering::SeqCst),
                            if setup == Setup::EndpointAndMail {
                                format!(" and {mails} mails were out")
                            } else {
                                " had arrived".to_owned()
                            },
                            started.elapsed().as_secs_f64()
                        ));
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            drop(server);
            if best[i].as_ref().is_none_or(|b| m.per_second > b.per_second) {
                best[i] = Some(m);
            }
        }
    }
    let mut table = String::from(
        "| posting 20,000 comments, c16, SQLite | comments/s | p50 ms | p99 ms |\n| --- | --- | --- | --- |\n",
    );
    let base = best[0].as_ref().map_or(0.0, |m| m.per_second);
    for (setup, m) in setups.iter().zip(&best) {
        let Some(m) = m else { continue };
        table.push_str(&format!(
            "| {} | {:.0} | {:.1} | {:.1} |\n",
            setup.name(),
            m.per_second,
            m.p50_ms,
            m.p99_ms
        ));
    }
    table.push('\n');
    for (setup, m) in setups.iter().zip(&best).skip(1) {
        let Some(m) = m else { continue };
        table.push_str(&format!(
            "With {}, posting is {:+.1} % (target: within 10 %).\n",
            setup.name(),
            (m.per_second / base - 1.0) * 100.0
        ));
    }
    if smtp.is_none() {
        table.push_str("(No e-mail run: CHIME_TEST_AIOSMTPD is not set; ./dev bench sets it.)\n");
    }
    table.push('\n');
    table.push_str(&drained.join("\n"));
    table.push('\n');
    print!("{table}");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("webhooks.md"), &table)?;
    Ok(())
}
