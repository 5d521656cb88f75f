//! `chime-bench`: starts the release `chime serve` on a fresh SQLite store and
//! measures it over loopback with a Rust load generator, next to "the limit":
//! the same first-page JSON served as a fixed answer by a minimal hyper
//! server, measured the same way. Writes `target/bench/latest.json` and
//! `target/bench/latest.md` and prints the table. Run it with `./dev bench`.
//!
//! Both servers and this load generator share the machine's cores, so the
//! numbers are what one machine does when it also makes the load; they are
//! comparable with each other, run to run.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod attacks;
mod import;
mod webhooks;

use chime_test_support::child::{ChildServer as Server, free_port};

type Http = Client<HttpConnector, Full<Bytes>>;

/// How long each measurement runs, after a warm-up.
const RUN: Duration = Duration::from_secs(4);
const WARM_UP: Duration = Duration::from_millis(500);
const THREADS: [usize; 3] = [10, 1_000, 10_000];
const CONCURRENCY: [usize; 3] = [1, 16, 64];
/// Readers holding the live stream open at once.
const SSE_READERS: usize = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    // `chime-bench --fixed FILE PORT`: the limit's server, in its own process
    // like chime's.
    if args.get(1).map(String::as_str) == Some("--fixed") {
        let file = args.get(2).ok_or("--fixed FILE PORT")?;
        let port: u16 = args.get(3).ok_or("--fixed FILE PORT")?.parse()?;
        return fixed_server(Path::new(file), port);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // `chime-bench scale`: one server on SQLite against two on PostgreSQL.
    if args.get(1).map(String::as_str) == Some("scale") {
        return runtime.block_on(scale());
    }
    // `chime-bench import`: the importers on a large generated export.
    if args.get(1).map(String::as_str) == Some("import") {
        let chime = std::env::var_os("CHIME_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/release/chime"));
        return import::run(&chime, root().join("target/bench"));
    }
    // `chime-bench webhooks`: posting with an endpoint taking every event.
    if args.get(1).map(String::as_str) == Some("webhooks") {
        let chime = std::env::var_os("CHIME_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/release/chime"));
        return runtime.block_on(webhooks::run(&chime, root().join("target/bench")));
    }
    // `chime-bench attacks`: what three attacks do to the server.
    if args.get(1).map(String::as_str) == Some("attacks") {
        let chime = std::env::var_os("CHIME_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/release/chime"));
        return runtime.block_on(attacks::run(&chime, root().join("target/bench")));
    }
    runtime.block_on(bench())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts `chime serve` on the SQLite file `db`, writes unlimited, and
/// waits until it answers.
async fn start(
    chime: &Path,
    db: &Path,
    extra: &[&str],
) -> Result<Server, Box<dyn std::error::Error>> {
    start_on(chime, &format!("sqlite://{}", db.display()), extra).await
}

/// Starts `chime serve` on the database at `url`, writes unlimited, and
/// waits until it answers.
async fn start_on(
    chime: &Path,
    url: &str,
    extra: &[&str],
) -> Result<Server, Box<dyn std::error::Error>> {
    let mut args = vec![
        "--writes-per-minute-per-reader",
        "100000000",
        "--writes-per-minute-per-address",
        "100000000",
        // Every simulated reader comes from 127.0.0.1.
        "--streams-per-address",
        "1000000",
        "--connections-per-address",
        "1000000",
    ];
    args.extend_from_slice(extra);
    Ok(Server::start(chime, url, &args).await?)
}

/// Waits until `url` answers 200 (the fixed-answer server has no
/// `/healthz`).
async fn wait_ready(http: &Http, url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        if let Ok((status, _)) = call(http, Method::GET, url, None, None).await
            && status == StatusCode::OK
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{url} did not answer").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(
    http: &Http,
    method: Method,
    url: &str,
    reader: Option<&str>,
    body: Option<&Value>,
) -> Result<(StatusCode, Bytes), Box<dyn std::error::Error + Send + Sync>> {
    let mut request = Request::builder().method(method).uri(url);
    if let Some(reader) = reader {
        request = request.header("x-chime-reader", reader);
    }
    let body = match body {
        Some(value) => {
            request = request.header("content-type", "application/json");
            Full::new(Bytes::from(serde_json::to_vec(value)?))
        }
        None => Full::new(Bytes::new()),
    };
    let response = http.request(request.body(body)?).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, bytes))
}

fn reader_token(n: usize) -> String {
    format!("{:032x}", 0xc0ffee_u128 * 1_000_003 + n as u128)
}

/// What one measurement found.
#[derive(Debug, Clone)]
struct Measured {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Measured {
    /// Throughput and percentiles of `latencies` taken over `seconds`.
    fn of(mut latencies: Vec<Duration>, errors: usize, seconds: f64) -> Self {
        latencies.sort();
        let pick = |p: f64| {
            latencies
                .get(((latencies.len().saturating_sub(1)) as f64 * p).round() as usize)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN)
        };
        Self {
            requests: latencies.len(),
            errors,
            per_second: latencies.len() as f64 / seconds,
            p50_ms: pick(0.50),
            p99_ms: pick(0.99),
        }
    }

    fn json(&self) -> Value {
        json!({
            "requests": self.requests, "errors": self.errors,
            "per_second": self.per_second.round(),
            "p50_ms": (self.p50_ms * 1000.0).round() / 1000.0,
            "p99_ms": (self.p99_ms * 1000.0).round() / 1000.0,
        })
    }
}

/// Runs `concurrency` loops of `one` for RUN (after a warm-up) and reports
/// throughput and latency percentiles. `one` gets the worker and the
/// request number, and says whether the answer was right.
async fn measure<F, Fut>(concurrency: usize, one: F) -> Measured
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let one = Arc::new(one);
    let started = Instant::now();
    let until = started + WARM_UP + RUN;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let one = one.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut n = 0usize;
            loop {
                let t0 = Instant::now();
                if t0 >= until {
                    break;
                }
                let ok = one(worker, n).await;
                n += 1;
                if t0 >= started + WARM_UP {
                    latencies.push(t0.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((latencies, e)) = task.await {
            all.extend(latencies);
            errors += e;
        }
    }
    Measured::of(all, errors, RUN.as_secs_f64())
}

/// Posts `n` comments to `article` from 16 writers (every fifth a reply
/// to an earlier top-level comment), measuring the posting as it goes.
async fn seed(
    http: &Http,
    base: &str,
    article: &str,
    n: usize,
) -> Result<Measured, Box<dyn std::error::Error>> {
    seed_across(http, &[base.to_owned()], article, n).await
}

/// `seed` with the writers spread over several servers.
async fn seed_across(
    http: &Http,
    bases: &[String],
    article: &str,
    n: usize,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let urls: Arc<Vec<String>> = Arc::new(
        bases
            .iter()
            .map(|base| {
                format!(
                    "{base}/api/v1/articles/{}/comments",
                    article.replace('/', "%2F")
                )
            })
            .collect(),
    );
    let tops = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..16usize {
        let (http, tops, count) = (http.clone(), tops.clone(), count.clone());
        let url = urls[worker % urls.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let parent = if i % 5 == 4 {
                    tops.lock().ok().and_then(|t| t.get((i * 7919) % t.len().max(1)).cloned())
                } else {
                    None
                };
                let body = json!({
                    "author_name": format!("Reader {}", i % 97),
                    "body": format!("Comment number {i} with *some* markdown and a [link](https://example.com/{i})."),
                    "parent_id": parent,
                });
                let t0 = Instant::now();
                let answer = call(&http, Method::POST, &url, Some(&reader_token(worker)), Some(&body)).await;
                latencies.push(t0.elapsed());
                match answer {
                    Ok((StatusCode::CREATED, bytes)) => {
                        if parent.is_none()
                            && let Ok(value) = serde_json::from_slice::<Value>(&bytes)
                            && let Some(id) = value["id"].as_str()
                            && let Ok(mut tops) = tops.lock()
                        {
                            tops.push(id.to_owned());
                        }
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await?;
        all.extend(latencies);
        errors += e;
    }
    Ok(Measured::of(all, errors, started.elapsed().as_secs_f64()))
}

/// Readers who list pages: apart from the 16 who wrote the comments, like
/// most of an article's readers. `AUTHORS` are the writers themselves.
const READERS: usize = 10_000;
const AUTHORS: usize = 0;

/// Asks for `url` as reader `first + worker`.
fn listing(
    http: &Http,
    url: &str,
    first: usize,
) -> impl Fn(usize, usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
+ Send
+ Sync
+ 'static {
    listing_across(http, vec![url.to_owned()], first)
}

/// `listing` with the readers spread over several servers.
fn listing_across(
    http: &Http,
    urls: Vec<String>,
    first: usize,
) -> impl Fn(usize, usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
+ Send
+ Sync
+ 'static {
    let (http, urls) = (http.clone(), Arc::new(urls));
    move |worker, _| {
        let http = http.clone();
        let url = urls[worker % urls.len()].clone();
        Box::pin(async move {
            matches!(
                call(
                    &http,
                    Method::GET,
                    &url,
                    Some(&reader_token(first + worker)),
                    None
                )
                .await,
                Ok((StatusCode::OK, _))
            )
        })
    }
}

/// Asks for the first page of one article after another, all over the big
/// store's articles.
fn spread(
    http: &Http,
    base: &str,
) -> impl Fn(usize, usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
+ Send
+ Sync
+ 'static {
    let (http, base) = (http.clone(), Arc::new(base.to_owned()));
    move |worker, n| {
        let (http, base) = (http.clone(), base.clone());
        Box::pin(async move {
            let article = (worker * 7_919 + n * 104_729) % ARTICLES;
            let url = format!("{base}/api/v1/articles/store%2F{article}/comments");
            matches!(
                call(
                    &http,
                    Method::GET,
                    &url,
                    Some(&reader_token(READERS + worker)),
                    None
                )
                .await,
                Ok((StatusCode::OK, _))
            )
        })
    }
}

/// One benchmark run: its tools, and the rows it has measured.
struct Run {
    chime: PathBuf,
    dir: tempfile::TempDir,
    http: Http,
    report: serde_json::Map<String, Value>,
    table: String,
    /// The highest resident memory of a Chime server in the run.
    chime_peak: u64,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

impl Run {
    fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let chime = std::env::var_os("CHIME_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/release/chime"));
        if !chime.exists() {
            return Err(format!("{} is missing: run ./dev bench", chime.display()).into());
        }
        Ok(Self {
            chime,
            dir: tempfile::tempdir()?,
            http: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(256)
                .build_http(),
            report: serde_json::Map::new(),
            table: String::from(
                "| measurement | concurrency | requests/s | p50 ms | p99 ms | server peak RSS MB |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
            ),
            chime_peak: 0,
        })
    }

    /// Records one measurement: a table row, a JSON entry, a line now.
    fn row(&mut self, name: &str, c: usize, m: &Measured, rss: u64) {
        self.table.push_str(&format!(
            "| {name} | {c} | {:.0} | {:.2} | {:.2} | {:.1} |\n",
            m.per_second,
            m.p50_ms,
            m.p99_ms,
            mb(rss)
        ));
        let mut entry = m.json();
        entry["concurrency"] = json!(c);
        entry["peak_rss_bytes"] = json!(rss);
        self.report.insert(format!("{name} c{c}"), entry);
        eprintln!(
            "{name} c{c}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
            m.per_second, m.p50_ms, m.p99_ms, m.errors
        );
    }

    /// A row measured on a Chime server, whose peak counts for the run.
    fn chime_row(&mut self, name: &str, c: usize, m: &Measured, server: &Server) {
        let peak = server.peak();
        self.chime_peak = self.chime_peak.max(peak);
        self.row(name, c, m, peak);
    }
}

/// What the live-stream measurement found.
struct LiveFound {
    live: Streams,
    per_reader: f64,
}

async fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let mut run = Run::new()?;
    // `chime-bench live` measures only the live streams (and posting).
    let only_live = std::env::args().nth(1).as_deref() == Some("live");
    let server = start(&run.chime, &run.dir.path().join("bench.db"), &[]).await?;
    server.peak();
    posting(&mut run, &server).await?;
    let first_page = if only_live {
        Bytes::new()
    } else {
        listings(&mut run, &server).await?
    };
    let live = live_readers(&mut run, &server).await?;
    drop(server);
    if !only_live {
        cache_off(&mut run).await?;
        million(&mut run).await?;
    }
    let fraction = the_limit(&mut run, &first_page).await?;
    finish(run, &live, first_page.len(), &fraction)
}

/// Posting, while seeding the threads the listings read.
async fn posting(run: &mut Run, server: &Server) -> Result<(), Box<dyn std::error::Error>> {
    let base = server.base();
    for size in THREADS {
        let m = seed(&run.http, &base, &format!("bench/t{size}"), size).await?;
        if size == 10_000 {
            run.chime_row("post a comment", 16, &m, server);
        }
    }
    Ok(())
}

/// First pages as the widget asks for them (with a reader), for readers
/// with comments of their own on them, and toggling reactions. Returns the
/// first page of 1,000 comments, for the limit.
async fn listings(run: &mut Run, server: &Server) -> Result<Bytes, Box<dyn std::error::Error>> {
    let base = server.base();
    let http = run.http.clone();
    let mut first_page = Bytes::new();
    for size in THREADS {
        let url = format!("{base}/api/v1/articles/bench%2Ft{size}/comments");
        if size == 1_000 {
            first_page = call(&http, Method::GET, &url, Some(&reader_token(READERS)), None)
                .await
                .map_err(|e| e.to_string())?
                .1;
        }
        for c in CONCURRENCY {
            let m = measure(c, listing(&http, &url, READERS)).await;
            run.chime_row(&format!("first page of {size} comments"), c, &m, server);
        }
    }
    // Rebuilt for each of its authors from the kept page.
    let url = format!("{base}/api/v1/articles/bench%2Ft1000/comments");
    let m = measure(16, listing(&http, &url, AUTHORS)).await;
    run.chime_row(
        "first page of 1000 comments, to its authors",
        16,
        &m,
        server,
    );

    // Toggling reactions: each request turns one on or off.
    let (_, page) = call(&http, Method::GET, &url, None, None)
        .await
        .map_err(|e| e.to_string())?;
    let ids: Arc<Vec<String>> = Arc::new(
        serde_json::from_slice::<Value>(&page)?["comments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    );
    let base = Arc::new(base);
    let m = measure(16, move |worker, n| {
        let (http, base, ids) = (http.clone(), base.clone(), ids.clone());
        async move {
            let id = &ids[n / 2 % ids.len().max(1)];
            let method = if n % 2 == 0 {
                Method::PUT
            } else {
                Method::DELETE
            };
            let url = format!("{base}/api/v1/comments/{id}/reactions/like");
            matches!(
                call(&http, method, &url, Some(&reader_token(worker)), None).await,
                Ok((StatusCode::OK, _))
            )
        }
    })
    .await;
    run.chime_row("toggle a reaction", 16, &m, server);
    Ok(first_page)
}

/// Many readers on one article, holding the live stream.
async fn live_readers(
    run: &mut Run,
    server: &Server,
) -> Result<LiveFound, Box<dyn std::error::Error>> {
    let live = streams(server, &run.http, SSE_READERS).await?;
    let per_reader = (live.rss_after.saturating_sub(live.rss_before)) as f64 / live.readers as f64;
    eprintln!(
        "{} live readers opened in {:.1} s; RSS {:.1} → {:.1} MB ({:.1} KB a reader); post to last reader {:?} ms",
        live.readers,
        live.open_seconds,
        mb(live.rss_before),
        mb(live.rss_after),
        per_reader / 1024.0,
        live.delays_ms
    );
    let peak = server.peak();
    run.chime_peak = run.chime_peak.max(peak);
    run.report.insert(
        "live readers".into(),
        json!({
            "readers": live.readers,
            "open_seconds": live.open_seconds,
            "rss_before_bytes": live.rss_before,
            "rss_after_bytes": live.rss_after,
            "bytes_per_reader": per_reader.round(),
            "post_to_last_reader_ms": live.delays_ms,
            "peak_rss_bytes": peak,
        }),
    );
    Ok(LiveFound { live, per_reader })
}

/// Without the page cache every page is read from the store: the cost of
/// a listing in SQL, for comparison with the big store's below.
async fn cache_off(run: &mut Run) -> Result<(), Box<dyn std::error::Error>> {
    let db = run.dir.path().join("bench.db");
    let server = start(&run.chime, &db, &["--page-cache-articles", "0"]).await?;
    server.peak();
    let url = format!("{}/api/v1/articles/bench%2Ft1000/comments", server.base());
    let m = measure(16, listing(&run.http, &url, READERS)).await;
    run.row(
        "first page of 1000 comments, page cache off",
        16,
        &m,
        server.peak(),
    );
    Ok(())
}

/// The same listing in a store of 1,000,000 comments over 10,000
/// articles, and readers spread over all those articles (most of whose
/// first pages are not kept: the page cache holds 1,000 articles); then
/// both with the page cache off.
async fn million(run: &mut Run) -> Result<(), Box<dyn std::error::Error>> {
    let db = run.dir.path().join("million.db");
    let written = fill_million(&run.chime, &db).await?;
    eprintln!("{MILLION} comments over {ARTICLES} articles written in {written:.0} s");
    let http = run.http.clone();
    let server = start(&run.chime, &db, &[]).await?;
    let base = server.base();
    seed(&http, &base, "bench/t1000", 1_000).await?;
    server.peak();
    let url = format!("{base}/api/v1/articles/bench%2Ft1000/comments");
    for c in CONCURRENCY {
        let m = measure(c, listing(&http, &url, READERS)).await;
        run.chime_row(
            "first page of 1000 comments, 1,000,000 in the store",
            c,
            &m,
            &server,
        );
    }
    let m = measure(16, spread(&http, &base)).await;
    run.chime_row(
        "first pages of 10,000 articles (100 comments each), spread",
        16,
        &m,
        &server,
    );
    drop(server);
    let server = start(&run.chime, &db, &["--page-cache-articles", "0"]).await?;
    let base = server.base();
    server.peak();
    let url = format!("{base}/api/v1/articles/bench%2Ft1000/comments");
    let m = measure(16, listing(&http, &url, READERS)).await;
    run.row(
        "first page of 1000 comments, 1,000,000 in the store, page cache off",
        16,
        &m,
        server.peak(),
    );
    let m = measure(16, spread(&http, &base)).await;
    run.row(
        "first pages of 10,000 articles, spread, page cache off",
        16,
        &m,
        server.peak(),
    );
    Ok(())
}

/// The limit: the same first-page bytes as a fixed answer. Returns Chime's
/// first page as a fraction of it, per concurrency.
async fn the_limit(
    run: &mut Run,
    first_page: &Bytes,
) -> Result<serde_json::Map<String, Value>, Box<dyn std::error::Error>> {
    let fixed_file = run.dir.path().join("first-page.json");
    std::fs::write(&fixed_file, first_page)?;
    let fixed_port = free_port();
    let fixed = Server {
        child: Command::new(std::env::current_exe()?)
            .arg("--fixed")
            .arg(&fixed_file)
            .arg(fixed_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
        port: fixed_port,
    };
    wait_ready(&run.http, &format!("{}/", fixed.base())).await?;
    fixed.peak();
    let mut fraction = serde_json::Map::new();
    for c in CONCURRENCY {
        let url = format!("{}/", fixed.base());
        let m = measure(c, listing(&run.http, &url, READERS)).await;
        run.row("the limit: same bytes, fixed answer", c, &m, fixed.peak());
        let chime = run
            .report
            .get(&format!("first page of 1000 comments c{c}"))
            .and_then(|v| v["per_second"].as_f64());
        if let Some(chime) = chime {
            fraction.insert(
                format!("c{c}"),
                json!((chime / m.per_second * 100.0).round() / 100.0),
            );
        }
    }
    Ok(fraction)
}

/// Writes the tables to `target/bench/latest.md` and `latest.json`, and
/// prints them.
fn finish(
    mut run: Run,
    live: &LiveFound,
    first_page_bytes: usize,
    fraction: &serde_json::Map<String, Value>,
) -> Result<(), Box<dyn std::error::Error>> {
    let LiveFound { live, per_reader } = live;
    run.table.push_str(&format!(
        "\n{} readers holding the live stream: server RSS {:.1} MB (was {:.1} MB before they came: {:.1} KB a reader); from a post's 201 to its event at the last reader: {} ms.\n",
        live.readers,
        mb(live.rss_after),
        mb(live.rss_before),
        per_reader / 1024.0,
        live.delays_ms
            .iter()
            .map(|d| format!("{d:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    run.table.push_str(&format!(
        "\nChime's peak RSS: {:.1} MB. First page of 1,000 comments ({} bytes) as a fraction of the limit: {}.\n",
        mb(run.chime_peak),
        first_page_bytes,
        fraction
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let out = root().join("target/bench");
    std::fs::create_dir_all(&out)?;
    let document = json!({
        "measurements": run.report,
        "chime_peak_rss_bytes": run.chime_peak,
        "first_page_bytes": first_page_bytes,
        "fraction_of_limit": fraction,
        "run_seconds": RUN.as_secs_f64(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    });
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&document)?,
    )?;
    std::fs::write(out.join("latest.md"), &run.table)?;
    println!("{}", run.table);
    Ok(())
}

/// The big store: comments and the articles they spread over.
const MILLION: usize = 1_000_000;
const ARTICLES: usize = 10_000;

/// Writes `MILLION` comments (a fifth of them replies) over `ARTICLES`
/// articles into a new store at `db`, straight into SQLite: posting them
/// through the API would take ten minutes. The schema is made by `chime
/// serve` itself; the rows are what it would have written, counts included
/// (the insert trigger keeps roots and article counts). Returns seconds.
async fn fill_million(chime: &Path, db: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    // Started once, so that it makes the schema, then stopped.
    drop(start(chime, db, &[]).await?);
    let started = Instant::now();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let mut conn = sqlx::ConnectOptions::connect(&options).await?;
    let tops = MILLION / 5 * 4;
    let replies = MILLION - tops;
    let statements = [
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
             INSERT INTO articles (key, created_at) SELECT 'store/' || i, 1764000000000 FROM n",
            last = ARTICLES - 1
        ),
        // Top-level comment i (id i + 1) belongs to article i % ARTICLES.
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
             INSERT INTO comments (article_id, parent_id, root_id, depth, author_name, \
               author_reader, body, html, created_at, state) \
             SELECT a.id, NULL, 0, 0, 'Reader ' || (i % 97), printf('%064x', i % 5000), \
               'Comment number ' || i || ' with *some* markdown.', \
               '<p>Comment number ' || i || ' with <em>some</em> markdown.</p>', \
               1764000000000 + i, 'visible' \
             FROM n JOIN articles a ON a.key = 'store/' || (i % {ARTICLES})",
            last = tops - 1
        ),
        // Reply j answers a top-level comment of the same article.
        format!(
            "WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < {last}) \
             INSERT INTO comments (article_id, parent_id, root_id, depth, author_name, \
               author_reader, body, html, created_at, state) \
             SELECT a.id, p, p, 1, 'Reader ' || (j % 89), printf('%064x', j % 7000), \
               'Reply number ' || j || '.', '<p>Reply number ' || j || '.</p>', \
               1764000000000 + {tops} + j, 'visible' \
             FROM (SELECT j, (j % {ARTICLES}) + {ARTICLES} * ((j * 7) % {per}) + 1 AS p FROM n) \
             JOIN articles a ON a.key = 'store/' || (j % {ARTICLES})",
            last = replies - 1,
            per = tops / ARTICLES,
        ),
        "UPDATE comments SET visible_descendants = \
           (SELECT COUNT(*) FROM comments r WHERE r.root_id = comments.id AND r.id <> r.root_id) \
         WHERE parent_id IS NULL"
            .to_owned(),
    ];
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM comments")
        .fetch_one(&mut *tx)
        .await?;
    if first_id != 0 {
        return Err("the big store must start empty".into());
    }
    for sql in &statements {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    let (count, visible): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM comments), (SELECT SUM(visible_count) FROM articles)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if count != MILLION as i64 || visible != MILLION as i64 {
        return Err(format!("big store: {count} comments, {visible} counted").into());
    }
    tx.commit().await?;
    sqlx::Connection::close(conn).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// What holding many live streams costs.
struct Streams {
    readers: usize,
    open_seconds: f64,
    rss_before: u64,
    rss_after: u64,
    /// From a post's 201 to its event at the last of the readers, per post.
    delays_ms: Vec<f64>,
}

/// Opens `n` event streams on one article (raw HTTP/1.1 over TCP, as
/// light as a load generator can be), then posts comments and times how
/// long the slowest reader waits for each. (Long: one measurement, in the
/// order it happens, reads best in one piece.)
async fn streams(
    server: &Server,
    http: &Http,
    n: usize,
) -> Result<Streams, Box<dyn std::error::Error>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (rss_before, _) = server.memory();
    let port = server.port;
    let opened = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let ready = Arc::new(tokio::sync::Barrier::new(n + 1));
    for reader in 0..n {
        let (gate, tx, ready) = (gate.clone(), tx.clone(), ready.clone());
        tokio::spawn(async move {
            let stream = {
                let _permit = gate.acquire().await;
                let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                else {
                    ready.wait().await;
                    return;
                };
                let request = "GET /api/v1/articles/bench%2Flive/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n";
                if stream.write_all(request.as_bytes()).await.is_err() {
                    ready.wait().await;
                    return;
                }
                // Wait for the greeting: the subscription is live.
                let mut buffer = vec![0u8; 2048];
                let mut seen = String::new();
                // The greeting is the comment line `: connected`.
                while !seen.contains("connected") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => seen.push_str(&String::from_utf8_lossy(&buffer[..k])),
                    }
                }
                stream
            };
            ready.wait().await;
            let mut stream = stream;
            let mut buffer = vec![0u8; 2048];
            // An event may arrive split over two reads: keep the unread tail.
            const EVENT: &str = "event: comment_created";
            let mut pending = String::new();
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(k) => {
                        pending.push_str(&String::from_utf8_lossy(&buffer[..k]));
                        while let Some(at) = pending.find(EVENT) {
                            let _ = tx.send((reader, Instant::now()));
                            pending.drain(..at + EVENT.len());
                        }
                        if pending.len() > EVENT.len() {
                            let keep = pending.len() - EVENT.len();
                            let cut = (keep..pending.len())
                                .find(|i| pending.is_char_boundary(*i))
                                .unwrap_or(pending.len());
                            pending.drain(..cut);
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    tokio::time::timeout(Duration::from_secs(120), ready.wait())
        .await
        .map_err(|_| format!("{n} readers did not all connect within 120 s"))?;
    let open_seconds = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_after, _) = server.memory();
    let url = format!("{}/api/v1/articles/bench%2Flive/comments", server.base());
    let mut delays_ms = Vec::new();
    for post in 0..3 {
        let body = json!({"author_name": "Live", "body": format!("Live post {post}")});
        let (status, _) = call(
            http,
            Method::POST,
            &url,
            Some(&reader_token(post)),
            Some(&body),
        )
        .await
        .map_err(|e| e.to_string())?;
        let posted = Instant::now();
        if status != StatusCode::CREATED {
            return Err(format!("live post answered {status}").into());
        }
        let mut got = 0;
        let mut last = posted;
        let deadline = posted + Duration::from_secs(30);
        while got < n {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some((_, at))) => {
                    got += 1;
                    last = last.max(at);
                }
                _ => break,
            }
        }
        if got < n {
            return Err(format!("only {got} of {n} readers heard post {post}").into());
        }
        delays_ms.push(last.saturating_duration_since(posted).as_secs_f64() * 1000.0);
    }
    Ok(Streams {
        readers: n,
        open_seconds,
        rss_before,
        rss_after,
        delays_ms,
    })
}

/// The limit: a minimal hyper server answering every request with `file`.
fn fixed_server(file: &Path, port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let body = Bytes::from(std::fs::read(file)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let body = body.clone();
                    async move {
                        hyper::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(body))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// Comments posted (and then listed) in each setup of `scale`.
const SCALE_COMMENTS: usize = 8_000;

/// One server on SQLite against two on one PostgreSQL, measured the same
/// way: 16 writers posting, then 16 readers listing a first page, with the
/// page cache and without, the load spread evenly over the servers. Needs
/// `CHIME_TEST_POSTGRES`, an admin URL of a cluster to make a database in
/// (`./dev bench` starts one). Writes `target/bench/scale.md`. (Long: the
/// same steps for both set-ups, in one loop.)
async fn scale() -> Result<(), Box<dyn std::error::Error>> {
    use sqlx::Connection;
    let chime = std::env::var_os("CHIME_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/release/chime"));
    let admin = std::env::var("CHIME_TEST_POSTGRES")
        .map_err(|_| "CHIME_TEST_POSTGRES (an admin URL) is not set: run ./dev bench")?;
    let dir = tempfile::tempdir()?;
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    let sqlite = format!("sqlite://{}", dir.path().join("scale.db").display());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    let name = format!("chime_scale_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let postgres = format!("{}/{name}", admin.rsplit_once('/').ok_or("admin URL")?.0);
    // The first server migrates; the others find the tables made.
    let migrated = Command::new(&chime)
        .args(["migrate", "--database", &postgres])
        .stdout(Stdio::null())
        .status()?;
    if !migrated.success() {
        return Err("chime migrate failed".into());
    }

    let mut table = String::from(
        "| setup | measurement | concurrency | requests/s | p50 ms | p99 ms | errors |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (setup, url, servers) in [
        ("1 server, SQLite", sqlite.as_str(), 1),
        ("2 servers, PostgreSQL", postgres.as_str(), 2),
    ] {
        let mut row = |what: &str, c: usize, m: &Measured| {
            eprintln!(
                "{setup}, {what} c{c}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
                m.per_second, m.p50_ms, m.p99_ms, m.errors
            );
            table.push_str(&format!(
                "| {setup} | {what} | {c} | {:.0} | {:.2} | {:.2} | {} |\n",
                m.per_second, m.p50_ms, m.p99_ms, m.errors
            ));
        };
        let mut running = Vec::new();
        for _ in 0..servers {
            running.push(start_on(&chime, url, &[]).await?);
        }
        let bases: Vec<String> = running.iter().map(Server::base).collect();
        let posted = seed_across(&http, &bases, "scale/thread", SCALE_COMMENTS).await?;
        row("post a comment", 16, &posted);
        if servers > 1 {
            // What autovacuum does within a minute of the writes; measuring
            // the reads while it runs would measure autovacuum.
            let mut db = sqlx::PgConnection::connect(url).await?;
            sqlx::query("VACUUM (ANALYZE)").execute(&mut db).await?;
            db.close().await?;
        }
        let urls: Vec<String> = bases
            .iter()
            .map(|b| format!("{b}/api/v1/articles/scale%2Fthread/comments"))
            .collect();
        let listed = measure(16, listing_across(&http, urls.clone(), READERS)).await;
        row("first page, page cache on", 16, &listed);
        drop(running);
        let mut running = Vec::new();
        for _ in 0..servers {
            running.push(start_on(&chime, url, &["--page-cache-articles", "0"]).await?);
        }
        let bases: Vec<String> = running.iter().map(Server::base).collect();
        let urls: Vec<String> = bases
            .iter()
            .map(|b| format!("{b}/api/v1/articles/scale%2Fthread/comments"))
            .collect();
        let listed = measure(16, listing_across(&http, urls, READERS)).await;
        row("first page, page cache off", 16, &listed);
    }
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    let out = root().join("target/bench");
    std::fs::create_dir_all(&out)?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let text = format!(
        "One server on SQLite and two on one PostgreSQL (15, on the same machine), measured the same way: {SCALE_COMMENTS} comments posted by 16 writers spread over the servers, then the first page of that thread read by 16 readers spread over them, 4 s after 0.5 s of warm-up. {cores} cores for everything: servers, PostgreSQL and the load generator.\n\n{table}"
    );
    std::fs::write(out.join("scale.md"), &text)?;
    println!("{text}");
    Ok(())
}
