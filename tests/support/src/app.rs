//! The server in this process on a fresh database (`spawn_app`), and the
//! HTTP helpers the API tests share.
//!
//! The same tests run against both stores: a fresh SQLite file per test by
//! default, or, with `CHIME_TEST_STORE=postgres`, a fresh PostgreSQL
//! database per test on the cluster at `CHIME_TEST_POSTGRES` (an admin
//! URL; `./dev test` starts a throw-away cluster and runs the suite twice).

use crate::server::InProcess;
use chime_backend::clock::ManualClock;
use chime_backend::startup::config::Settings;
use chime_backend::state::AppState;
use chime_shared::{Comment, CommentList, ErrorBody, ErrorCode, Role};
use futures_util::StreamExt;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tempfile::TempDir;
use time::macros::datetime;

/// A site allowed to embed the widget in tests.
pub const ALLOWED_SITE: &str = "https://news.example";

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    /// Holds the SQLite file while the app runs.
    _dir: TempDir,
    /// The app's database URL.
    pub database: String,
    server: InProcess,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(&dir).await;
    spawn_on(dir, database, configure).await
}

/// Another server on `app`'s database (PostgreSQL: several servers share
/// one database).
pub async fn spawn_beside(app: &TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_on(dir, app.database.clone(), configure).await
}

pub async fn spawn_on(
    dir: TempDir,
    database: String,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::new("127.0.0.1:0".parse().expect("addr"), database.clone())
        .with_allowed_origins(ALLOWED_SITE)
        .expect("origins");
    // Tests post the same words from one address; the tests of screening
    // turn the repeat rule back on.
    settings.screening.repeat_window_ms = 0;
    // Tests post in bursts; the tests of the surge guard turn it on.
    settings.screening.surge_posts = 0;
    settings.screening.surge_reports = 0;
    configure(&mut settings);
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-28 10:00 UTC)));
    let server = InProcess::start(settings, clock.clone())
        .await
        .expect("app builds");
    TestApp {
        url: server.url.clone(),
        client: reqwest::Client::new(),
        clock,
        state: server.state.clone(),
        _dir: dir,
        database,
        server,
    }
}

/// Whether this run's tests are on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("CHIME_TEST_STORE").is_ok_and(|s| s == "postgres")
}

/// A database no other test uses.
pub async fn fresh_database(dir: &TempDir) -> String {
    if !on_postgres() {
        return format!("sqlite://{}", dir.path().join("chime.db").display());
    }
    let admin = std::env::var("CHIME_TEST_POSTGRES")
        .expect("CHIME_TEST_STORE=postgres needs CHIME_TEST_POSTGRES, an admin URL");
    crate::postgres::database_on(&admin, "chime").await
}

/// A connection to a database holding a write lock on the comments, as
/// another program might (SQLite: an exclusive transaction; PostgreSQL: an
/// exclusive table lock), until released.
pub enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    pub async fn take(database: &str) -> Self {
        use sqlx::Connection;
        if let Some(path) = database.strip_prefix("sqlite://") {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("second connection");
            sqlx::query("BEGIN EXCLUSIVE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Self::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(database)
                .await
                .expect("second connection");
            sqlx::query("BEGIN")
                .execute(&mut conn)
                .await
                .expect("begin");
            sqlx::query("LOCK TABLE articles, comments IN EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Self::Postgres(conn)
        }
    }

    pub async fn release(self) {
        match self {
            Self::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
            Self::Postgres(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
        }
    }
}

/// Runs one SQL statement on an app's database, behind its back.
pub async fn execute(database: &str, sql: &str) {
    use sqlx::Connection;
    if let Some(path) = database.strip_prefix("sqlite://") {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(std::time::Duration::from_secs(5));
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("open");
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .expect("statement");
    } else {
        let mut conn = sqlx::PgConnection::connect(database).await.expect("open");
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .expect("statement");
    }
}

/// A fresh reader token.
pub fn reader() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{:032x}",
        NEXT.fetch_add(1, Ordering::Relaxed) * 7919 + 0xabc
    )
}

pub fn enc(article: &str) -> String {
    percent_encoding::utf8_percent_encode(article, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl TestApp {
    /// Asks the server to stop and waits until it has.
    pub async fn stop(&mut self) -> std::io::Result<()> {
        self.server.stop().await
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        reader: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut builder = self.client.request(method, self.api(path));
        if let Some(reader) = reader {
            builder = builder.header("X-Chime-Reader", reader);
        }
        builder
    }

    /// Sends a request as `reader` (if any) with a JSON body (if any).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        reader: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.request(method, path, reader);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    pub async fn post_comment(&self, article: &str, reader: &str, body: Value) -> Response {
        self.request(
            Method::POST,
            &format!("/articles/{}/comments", enc(article)),
            Some(reader),
        )
        .json(&body)
        .send()
        .await
        .expect("request")
    }

    /// Posts and returns the created comment.
    pub async fn comment(
        &self,
        article: &str,
        reader: &str,
        text: &str,
        parent: Option<&str>,
    ) -> Comment {
        let mut body = json!({"author_name": "Mei", "body": text});
        if let Some(parent) = parent {
            body["parent_id"] = json!(parent);
        }
        let response = self.post_comment(article, reader, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("comment json")
    }

    pub async fn list(&self, article: &str, query: &str, reader: Option<&str>) -> CommentList {
        let response = self
            .request(
                Method::GET,
                &format!("/articles/{}/comments{query}", enc(article)),
                reader,
            )
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("list json")
    }

    /// Adds a moderator and signs in; returns the session cookie.
    pub async fn moderator_cookie(&self, name: &str) -> String {
        self.cookie_as(name, Role::Moderator).await
    }

    /// Adds an admin and signs in; returns the session cookie.
    pub async fn admin_cookie(&self, name: &str) -> String {
        self.cookie_as(name, Role::Admin).await
    }

    async fn cookie_as(&self, name: &str, role: Role) -> String {
        let password = "a long enough password".to_owned();
        chime_backend::service::admin::add_moderator(
            self.state.store.as_ref(),
            name,
            password.clone(),
            role,
            chime_backend::service::admin::Actor::command_line(0),
        )
        .await
        .expect("moderator added");
        let response = self
            .request(Method::POST, "/mod/session", None)
            .header("Origin", &self.url)
            .json(&json!({"username": name, "password": password}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        session_cookie(&response)
    }

    /// A moderation read, decoded.
    pub async fn mod_get<T: serde::de::DeserializeOwned>(&self, path: &str, cookie: &str) -> T {
        self.moderation(Method::GET, path, cookie)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }

    pub fn moderation(&self, method: Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.api(&format!("/mod{path}")))
            .header("Cookie", cookie)
            .header("Origin", &self.url)
    }
}

/// The session cookie a sign-in set, as `name=value` (it also sets a
/// device cookie).
pub fn session_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("chime_mod="))
        .expect("session cookie set")
        .to_owned()
}

/// Asserts an error answer: status, JSON shape and code.
pub async fn assert_error(response: Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?}"
    );
    let body: ErrorBody = response.json().await.expect("error JSON");
    assert_eq!(body.error.code, code, "{body:?}");
    assert!(!body.error.message.is_empty());
    body
}

/// An open event stream, read event by event.
pub struct Events {
    pub stream: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    /// Bytes, not text: a chunk may end inside a character.
    buffer: Vec<u8>,
}

impl Events {
    pub async fn open(app: &TestApp, article: &str) -> Self {
        let response = app
            .send(
                Method::GET,
                &format!("/articles/{}/events", enc(article)),
                None,
                None,
            )
            .await;
        Self::from_response(response).await
    }

    pub async fn from_response(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/event-stream")
        );
        // Behind nginx, a stream it buffered would arrive never.
        assert_eq!(
            response
                .headers()
                .get("x-accel-buffering")
                .map(|v| v.as_bytes()),
            Some(&b"no"[..])
        );
        let mut events = Self {
            stream: response.bytes_stream().boxed(),
            buffer: Vec::new(),
        };
        // The greeting tells us the subscription is live.
        events.next_block().await;
        events
    }

    pub async fn next_block(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                    let block = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                    self.buffer.drain(..end + 2);
                    return block;
                }
                let chunk = self
                    .stream
                    .next()
                    .await
                    .expect("stream open")
                    .expect("chunk");
                self.buffer.extend_from_slice(&chunk);
            }
        })
        .await
        .expect("an event within 5 s")
    }

    /// The next named event: (name, data).
    pub async fn next(&mut self) -> (String, String) {
        loop {
            let block = self.next_block().await;
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event:") {
                    name = Some(n.trim().to_owned());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            if let Some(name) = name {
                return (name, data);
            }
        }
    }
}
