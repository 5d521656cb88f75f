//! Holes a stranger could use, each tried the way an attacker would:
//! made-up methods, idle connections, moderators' streams after their
//! session, IPv6 neighbours, oddly spelt links, forged events between
//! servers, locked-out moderators, and what 403 and 404 give away.

use chime_backend::http::client::TrustedProxies;
use chime_shared::ErrorCode;
use chime_test_support::app::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

/// Whether the server closes `stream` within `limit` (what it sends first
/// is read and ignored).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    for n in 0..200 {
        let name = format!("X{n}{}", "Q".repeat(2_000));
        let method = Method::from_bytes(name.as_bytes()).expect("a token");
        let response = app
            .client
            .request(method, format!("{}/healthz", app.url))
            .send()
            .await
            .expect("request");
        assert!(response.status().is_client_error());
    }
    let text = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(!text.contains("QQQQ"), "a made-up method became a label");
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(text.len() < 100_000, "metrics are {} bytes", text.len());
}

fn short_timeouts(s: &mut chime_backend::startup::config::Settings) {
    s.header_read_timeout = Duration::from_secs(1);
    s.idle_timeout = Duration::from_secs(2);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let app = spawn_with(short_timeouts).await;
    let mut silent = TcpStream::connect(host(&app)).await.expect("connects");
    let started = Instant::now();
    assert!(closed_within(&mut silent, Duration::from_secs(4)).await);
    assert!(started.elapsed() >= Duration::from_millis(900));

    // Only the HTTP/2 preface and an empty SETTINGS frame: closed too.
    let mut preface = TcpStream::connect(host(&app)).await.expect("connects");
    preface
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .expect("sent");
    assert!(closed_within(&mut preface, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_but_a_live_stream_is_not() {
    let app = spawn_with(short_timeouts).await;
    let mut kept = TcpStream::connect(host(&app)).await.expect("connects");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("sent");
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.expect("answer");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let answered = Instant::now();
    assert!(closed_within(&mut kept, Duration::from_secs(5)).await);
    // HTTP/1.1 waits for the next request's headers as for the first's.
    assert!(answered.elapsed() >= Duration::from_millis(900));

    // A live stream is one long answer: its connection stays.
    let mut events = Events::open(&app, "idle/live").await;
    let quiet = tokio::time::timeout(Duration::from_secs(3), events.stream.next()).await;
    assert!(quiet.is_err(), "the stream ended or sent: {quiet:?}");
    app.comment("idle/live", &reader(), "still here", None)
        .await;
    assert_eq!(events.next().await.0, "comment_created");
}

/// Opens two idle connections, then a third, and reads what the server
/// says to the third before it closes it.
async fn third_connection(app: &TestApp) -> (TcpStream, TcpStream, String) {
    let one = TcpStream::connect(host(app)).await.expect("connects");
    let two = TcpStream::connect(host(app)).await.expect("connects");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(host(app)).await.expect("connects");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), third.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .expect("read");
    (one, two, String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn connections_over_the_cap_get_a_clear_answer() {
    let app = spawn_with(|s| s.max_connections = 2).await;
    let (one, _two, answer) = third_connection(&app).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains(r#""code":"unavailable""#), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after:"), "{answer}");
    // A place comes free when a connection closes.
    drop(one);
    let mut served = false;
    for _ in 0..50 {
        let response = app.client.get(format!("{}/healthz", app.url)).send().await;
        if response.is_ok_and(|r| r.status() == StatusCode::OK) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served);
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let app = spawn_with(|s| s.connections_per_address = 2).await;
    let (_one, _two, answer) = third_connection(&app).await;
    assert!(answer.starts_with("HTTP/1.1 503"));
    // Behind a trusted proxy, its connections carry everyone's: not counted.
    let app = spawn_with(|s| {
        s.connections_per_address = 2;
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
    })
    .await;
    let _held: Vec<TcpStream> =
        futures_util::future::join_all((0..3).map(|_| TcpStream::connect(host(&app))))
            .await
            .into_iter()
            .map(|c| c.expect("connects"))
            .collect();
    let response = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

/// Whether a moderation stream ends within `limit`.
async fn ends_within(events: &mut Events, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        while let Some(Ok(_)) = events.stream.next().await {}
    })
    .await
    .is_ok()
}

async fn mod_stream(app: &TestApp, cookie: &str) -> Events {
    Events::from_response(
        app.moderation(Method::GET, "/events", cookie)
            .send()
            .await
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn a_moderator_s_stream_ends_with_their_session() {
    let app = spawn_app().await;
    // Signed out.
    let cookie = app.moderator_cookie("leaving").await;
    let mut stream = mod_stream(&app, &cookie).await;
    let out = app
        .moderation(Method::DELETE, "/session", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(ends_within(&mut stream, Duration::from_secs(1)).await);

    // A new password (from the command line) and removal end sessions too.
    let cookie = app.moderator_cookie("renewed").await;
    let mut stream = mod_stream(&app, &cookie).await;
    chime_backend::service::admin::set_password(
        app.state.store.as_ref(),
        "renewed",
        "another long password".into(),
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await
    .expect("set");
    assert!(ends_within(&mut stream, Duration::from_secs(1)).await);

    let cookie = app.moderator_cookie("removed").await;
    let mut stream = mod_stream(&app, &cookie).await;
    chime_backend::service::admin::remove_moderator(
        app.state.store.as_ref(),
        "removed",
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await
    .expect("removed");
    assert!(ends_within(&mut stream, Duration::from_secs(1)).await);

    // Expired: 12 hours later.
    let cookie = app.moderator_cookie("tired").await;
    let mut stream = mod_stream(&app, &cookie).await;
    let mut other = mod_stream(&app, &app.moderator_cookie("fresh").await).await;
    app.clock.advance(time::Duration::hours(6));
    assert!(!ends_within(&mut stream, Duration::from_millis(1_200)).await);
    app.clock.advance(time::Duration::hours(7));
    assert!(ends_within(&mut stream, Duration::from_secs(1)).await);
    assert!(ends_within(&mut other, Duration::from_secs(1)).await);
}

#[tokio::test]
async fn ipv6_neighbours_share_one_allowance() {
    let app = spawn_with(|s| {
        s.writes_per_minute_per_address = 3;
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
    })
    .await;
    let post = |from: String| {
        let app = &app;
        async move {
            app.request(Method::POST, "/articles/v6/comments", Some(&reader()))
                .header("X-Forwarded-For", from)
                .json(&json!({"author_name": "N", "body": "x"}))
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    let mut created = 0;
    for n in 1..=10 {
        if post(format!("2001:db8:7:1::{n:x}")).await == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 3, "ten addresses of one /64 are one client");
    assert_eq!(post("2001:db8:7:2::1".into()).await, StatusCode::CREATED);
}

#[tokio::test]
async fn links_spelt_oddly_are_counted_as_the_renderer_makes_them() {
    let app = spawn_app().await;
    let body: String = (0..5)
        .map(|n| format!("[x](http:evil.example/p{n}) "))
        .collect();
    let response = app
        .post_comment(
            "links/odd",
            &reader(),
            json!({"author_name": "L", "body": body}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let comment: Value = response.json().await.expect("json");
    assert_eq!(comment["state"], "pending", "{comment}");
    assert_eq!(app.list("links/odd", "", None).await.total, 0);
}

#[tokio::test]
async fn a_refused_write_costs_the_store_nothing() {
    let app = spawn_with(|s| s.writes_per_minute_per_reader = 1).await;
    let me = reader();
    app.comment("limits-store", &me, "first", None).await;
    let lock = WriteLock::take(&app.database).await;
    let started = Instant::now();
    let refused = app
        .request(Method::POST, "/articles/limits-store/comments", Some(&me))
        .header("Idempotency-Key", "k-after-the-limit")
        .json(&json!({"author_name": "R", "body": "second"}))
        .send()
        .await
        .expect("request");
    let took = started.elapsed();
    lock.release().await;
    assert_error(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    assert!(
        took < Duration::from_secs(1),
        "waited {took:?} on the store"
    );
}

#[tokio::test]
async fn made_up_article_ids_do_not_push_real_pages_out() {
    let app = spawn_with(|s| s.page_cache_articles = 2).await;
    for article in ["real/a", "real/b"] {
        app.comment(article, &reader(), "kept", None).await;
        app.list(article, "", None).await;
    }
    assert_eq!(app.state.pages.pages(), 2);
    for n in 0..20 {
        assert_eq!(app.list(&format!("made-up/{n}"), "", None).await.total, 0);
    }
    assert_eq!(app.state.pages.pages(), 2, "an empty article took a place");
}

#[tokio::test]
async fn others_hidden_comments_are_not_found_rather_than_forbidden() {
    let app = spawn_app().await;
    let author = reader();
    let comment = app
        .comment("hidden/own", &author, "soon hidden", None)
        .await;
    let cookie = app.moderator_cookie("hider").await;
    let hidden = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", comment.id.as_str()),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(hidden.status(), StatusCode::OK);
    let path = format!("/comments/{}", comment.id.as_str());
    let stranger = app
        .request(Method::DELETE, &path, Some(&reader()))
        .send()
        .await
        .expect("request");
    assert_error(stranger, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let own = app
        .request(Method::DELETE, &path, Some(&author))
        .send()
        .await
        .expect("request");
    assert_eq!(own.status(), StatusCode::NO_CONTENT);
    // A visible comment is public: someone else's is forbidden, as before.
    let shown = app.comment("hidden/own", &author, "shown", None).await;
    let stranger = app
        .request(
            Method::DELETE,
            &format!("/comments/{}", shown.id.as_str()),
            Some(&reader()),
        )
        .send()
        .await
        .expect("request");
    assert_error(stranger, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

#[tokio::test]
async fn hide_and_reject_take_only_json_bodies() {
    let app = spawn_app().await;
    let comment = app.comment("types/hide", &reader(), "typed", None).await;
    let cookie = app.moderator_cookie("typist").await;
    for act in ["hide", "reject"] {
        for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
            let response = app
                .moderation(
                    Method::POST,
                    &format!("/comments/{}/{act}", comment.id.as_str()),
                    &cookie,
                )
                .header("Content-Type", content_type)
                .body(r#"{"reason":"spam"}"#)
                .send()
                .await
                .expect("request");
            assert_error(
                response,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            )
            .await;
        }
    }
    let response = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", comment.id.as_str()),
            &cookie,
        )
        .json(&json!({"reason": "spam"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

/// Cookies an answer sets, as `name=value` pairs.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn guessing_at_a_name_does_not_lock_its_moderator_out() {
    let app = spawn_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
    })
    .await;
    let password = "the boss's long password";
    chime_backend::service::admin::add_moderator(
        app.state.store.as_ref(),
        "boss",
        password.into(),
        chime_shared::Role::Admin,
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await
    .expect("added");
    let sign_in = |from: String, cookie: Option<String>, password: &'static str| {
        let app = &app;
        async move {
            let mut request = app
                .request(Method::POST, "/mod/session", None)
                .header("Origin", &app.url)
                .header("X-Forwarded-For", from);
            if let Some(cookie) = cookie {
                request = request.header("Cookie", cookie);
            }
            request
                .json(&json!({"username": "boss", "password": password}))
                .send()
                .await
                .expect("request")
        }
    };
    // The boss signs in from their own browser once.
    let first = sign_in("192.0.2.1".into(), None, "the boss's long password").await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let device = set_cookies(&first)
        .into_iter()
        .find(|c| c.starts_with("chime_device="))
        .expect("a device cookie");
    // Someone spends the rest of the name's allowance (30 a minute) from
    // other addresses.
    for n in 0..29 {
        let guess = sign_in(format!("198.51.100.{n}"), None, "guess").await;
        assert_error(guess, StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated).await;
    }
    let stranger = sign_in("203.0.113.9".into(), None, "the boss's long password").await;
    assert_error(
        stranger,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    // The boss's browser still gets in; a device cookie for another name,
    // or a forged one, does not help.
    let boss = sign_in("203.0.113.10".into(), Some(device), password_of()).await;
    assert_eq!(boss.status(), StatusCode::NO_CONTENT);
    let device = set_cookies(&boss)
        .into_iter()
        .find(|c| c.starts_with("chime_device="))
        .expect("a fresh device cookie");
    let forged = sign_in(
        "203.0.113.11".into(),
        Some("chime_device=00.0.00.00000000000000000000000000000000".into()),
        password_of(),
    )
    .await;
    assert_error(
        forged,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    // A new password ends every device cookie of the name.
    chime_backend::service::admin::set_password(
        app.state.store.as_ref(),
        "boss",
        "the boss's new long password".into(),
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await
    .expect("set");
    let revoked = sign_in(
        "203.0.113.13".into(),
        Some(device),
        "the boss's new long password",
    )
    .await;
    assert_error(
        revoked,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    // Allowances and cookies follow the server's clock, which stands still
    // here: a slow run cannot earn a guess back. A year on, both are new.
    app.clock.advance(time::Duration::days(366));
    let fresh = sign_in("203.0.113.14".into(), None, "the boss's new long password").await;
    assert_eq!(fresh.status(), StatusCode::NO_CONTENT);
    let device = set_cookies(&fresh)
        .into_iter()
        .find(|c| c.starts_with("chime_device="))
        .expect("a device cookie");
    // Another year on, that cookie is believed no more.
    app.clock.advance(time::Duration::days(366));
    for n in 0..30 {
        let guess = sign_in(format!("198.51.100.{}", 100 + n), None, "guess").await;
        assert_error(guess, StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated).await;
    }
    let old = sign_in(
        "203.0.113.15".into(),
        Some(device),
        "the boss's new long password",
    )
    .await;
    assert_error(old, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
}

fn password_of() -> &'static str {
    "the boss's long password"
}

#[tokio::test]
async fn events_forged_with_notify_do_not_reach_readers() {
    if !on_postgres() {
        eprintln!("NOTIFY is PostgreSQL's: skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    let article = "world/forged";
    let mut on_a = Events::open(&a, article).await;
    let event = json!({"type": "resync", "data": {"article": article}});
    for forged in [
        json!({"k": "Live", "o": "forger", "a": article, "e": event}).to_string(),
        format!(
            "00000000000000000000000000000000 {}",
            json!({"k": "Live", "o": "forger", "a": article, "e": event})
        ),
    ] {
        execute(
            &a.database,
            &format!("NOTIFY chime_events, '{}'", forged.replace('\'', "''")),
        )
        .await;
    }
    // What a real server sends still arrives, and nothing before it.
    let mut listener = sqlx::postgres::PgListener::connect(&a.database)
        .await
        .expect("listens");
    listener.listen("chime_events").await.expect("listens");
    b.comment(article, &reader(), "real", None).await;
    assert_eq!(on_a.next().await.0, "comment_created");

    // A real notification, replayed by anyone who listened: dropped.
    let captured = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("a notification")
            .expect("received");
        if n.payload().contains("comment_created") {
            break n.payload().to_owned();
        }
    };
    execute(
        &a.database,
        &format!("NOTIFY chime_events, '{}'", captured.replace('\'', "''")),
    )
    .await;
    b.comment(article, &reader(), "second", None).await;
    let (name, data) = on_a.next().await;
    assert_eq!(name, "comment_created");
    assert!(data.contains("second"), "a replay arrived: {data}");
}

#[tokio::test]
async fn the_database_and_its_backups_are_their_owner_s_alone() {
    use std::os::unix::fs::PermissionsExt;
    if on_postgres() {
        return;
    }
    let app = spawn_app().await;
    app.comment("files/private", &reader(), "secret key inside", None)
        .await;
    let path = app.database.trim_start_matches("sqlite://").to_owned();
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(std::path::Path::new(&path)), 0o600);
    assert_eq!(mode(std::path::Path::new(&format!("{path}-wal"))), 0o600);
    let store = chime_backend::store::sqlite::SqliteStore::open(&app.database)
        .await
        .expect("opens");
    let copy = std::path::Path::new(&path).with_file_name("copy.db");
    store.backup(&copy).await.expect("backed up");
    assert_eq!(mode(&copy), 0o600);
}

async fn act_on(app: &TestApp, cookie: &str, id: &str, act: &str) -> reqwest::Response {
    app.moderation(Method::POST, &format!("/comments/{id}/{act}"), cookie)
        .send()
        .await
        .expect("request")
}

/// Approves the waiting edit of comment `id` a moderator is shown in the
/// review queue (naming it, as the moderation view does).
async fn approve_seen(app: &TestApp, cookie: &str, id: &str) -> reqwest::Response {
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", cookie).await;
    let row = queue
        .comments
        .iter()
        .find(|r| r.comment.id.as_str() == id)
        .expect("in the review queue");
    let seen = row.edit.as_ref().expect("an edit waits").at;
    app.moderation(Method::POST, &format!("/comments/{id}/approve"), cookie)
        .json(&chime_shared::HideRequest {
            reason: None,
            edit_at: Some(seen),
        })
        .send()
        .await
        .expect("request")
}

async fn edit_as(app: &TestApp, reader: &str, id: &str, body: &str) -> Value {
    let response = app
        .request(Method::PATCH, &format!("/comments/{id}"), Some(reader))
        .json(&json!({ "body": body }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

#[tokio::test]
async fn an_approved_comment_edited_under_review_rules_waits_for_review_again() {
    let app = spawn_with(|s| {
        s.screening.premoderation = chime_backend::service::screening::Premoderation::All;
    })
    .await;
    let author = reader();
    let posted = app
        .comment("review/edit", &author, "approved words", None)
        .await;
    let id = posted.id.as_str().to_owned();
    let cookie = app.moderator_cookie("reviewer").await;
    assert_eq!(
        act_on(&app, &cookie, &id, "approve").await.status(),
        StatusCode::OK
    );

    // The author edits: they see their new words, waiting; readers keep
    // the approved ones.
    let edited = edit_as(&app, &author, &id, "sneaky new words").await;
    assert_eq!(edited["body"], "sneaky new words");
    assert_eq!(edited["state"], "pending");
    let everyone = app.list("review/edit", "", None).await;
    assert_eq!(everyone.total, 1);
    assert_eq!(everyone.comments[0].body, "approved words");
    let other = app.list("review/edit", "", Some(&reader())).await;
    assert_eq!(other.comments[0].body, "approved words");
    let theirs = app.list("review/edit", "", Some(&author)).await;
    assert_eq!(theirs.comments[0].body, "sneaky new words");

    // Moderators see both, in the review queue.
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(queue.comments.len(), 1);
    assert_eq!(queue.comments[0].comment.body, "approved words");
    let waiting = queue.comments[0].edit.as_ref().expect("the edit");
    assert_eq!(waiting.body, "sneaky new words");

    // Rejected: readers keep the approved words, the author's view too.
    assert_eq!(
        act_on(&app, &cookie, &id, "reject").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.list("review/edit", "", None).await.comments[0].body,
        "approved words"
    );
    let theirs = app.list("review/edit", "", Some(&author)).await;
    assert_eq!(theirs.comments[0].body, "approved words");
    assert_eq!(
        theirs.comments[0].state,
        chime_shared::CommentState::Visible
    );

    // Edited again: approving needs the edit the moderator saw, and an
    // edit made after they looked is not approved unseen.
    edit_as(&app, &author, &id, "harmless words").await;
    let unnamed = act_on(&app, &cookie, &id, "approve").await;
    assert_error(unnamed, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    let seen = queue.comments[0].edit.as_ref().expect("edit").at;
    app.clock.advance(time::Duration::seconds(1));
    edit_as(&app, &author, &id, "spam slipped in after the look").await;
    let stale = app
        .moderation(Method::POST, &format!("/comments/{id}/approve"), &cookie)
        .json(&chime_shared::HideRequest {
            reason: None,
            edit_at: Some(seen),
        })
        .send()
        .await
        .expect("request");
    assert_error(stale, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(
        app.list("review/edit", "", None).await.comments[0].body,
        "approved words"
    );
    // Approved as seen: everyone gets the new words.
    edit_as(&app, &author, &id, "better words").await;
    assert_eq!(
        approve_seen(&app, &cookie, &id).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.list("review/edit", "", None).await.comments[0].body,
        "better words"
    );
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert!(queue.comments.is_empty());
    let audit: chime_shared::AuditList = app.mod_get("/audit", &cookie).await;
    let actions: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.comment_id.is_some())
        .map(|e| e.action)
        .collect();
    use chime_shared::AuditAction::{Approve, Reject};
    assert_eq!(actions, vec![Approve, Reject, Approve]);
}

#[tokio::test]
async fn an_edit_does_not_erase_what_was_reported() {
    let app = spawn_with(|s| s.hold_after_reports = 1).await;
    let author = reader();
    let posted = app
        .comment("review/reported", &author, "the words reported", None)
        .await;
    let id = posted.id.as_str().to_owned();
    let report = app
        .request(
            Method::POST,
            &format!("/comments/{id}/reports"),
            Some(&reader()),
        )
        .json(&json!({"reason": "abuse"}))
        .send()
        .await
        .expect("request");
    assert_eq!(report.status(), StatusCode::ACCEPTED);
    // Held after the report; the author tries to make it look harmless.
    edit_as(&app, &author, &id, "harmless words").await;
    let cookie = app.moderator_cookie("judge").await;
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(queue.comments[0].comment.body, "the words reported");
    assert_eq!(
        queue.comments[0].edit.as_ref().expect("edit").body,
        "harmless words"
    );
    assert_eq!(app.list("review/reported", "", None).await.total, 0);
    // Rejected: hidden, the edit dropped.
    assert_eq!(
        act_on(&app, &cookie, &id, "reject").await.status(),
        StatusCode::OK
    );
    let hidden: chime_shared::ModCommentList = app.mod_get("/comments?state=hidden", &cookie).await;
    assert_eq!(hidden.comments[0].comment.body, "the words reported");
    assert!(hidden.comments[0].edit.is_none());

    // A shown comment with a report (not enough to hold it) keeps its
    // words for readers while its edit waits.
    let app = spawn_with(|s| s.hold_after_reports = 0).await;
    let posted = app
        .comment("review/shown", &author, "first words", None)
        .await;
    let id = posted.id.as_str().to_owned();
    app.request(
        Method::POST,
        &format!("/comments/{id}/reports"),
        Some(&reader()),
    )
    .json(&json!({"reason": "spam"}))
    .send()
    .await
    .expect("request");
    edit_as(&app, &author, &id, "second words").await;
    assert_eq!(
        app.list("review/shown", "", None).await.comments[0].body,
        "first words"
    );
    let cookie = app.moderator_cookie("judge").await;
    assert_eq!(
        approve_seen(&app, &cookie, &id).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.list("review/shown", "", None).await.comments[0].body,
        "second words"
    );
}

/// Every comment in a listing's trees.
fn flatten(comments: &[chime_shared::Comment]) -> Vec<&chime_shared::Comment> {
    let mut all = Vec::new();
    for c in comments {
        all.push(c);
        all.extend(flatten(&c.replies));
    }
    all
}

async fn more_replies(
    app: &TestApp,
    id: &str,
    cursor: &str,
    reader: Option<&str>,
) -> chime_shared::CommentList {
    let response = app
        .request(
            Method::GET,
            &format!("/comments/{id}/replies?cursor={cursor}"),
            reader,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_long_thread_is_listed_a_slice_at_a_time_in_every_sort() {
    let app = spawn_app().await;
    let me = reader();
    let root = app.comment("paged/replies", &me, "the root", None).await;
    let root_id = root.id.as_str().to_owned();
    let mut parent = root_id.clone();
    for n in 0..25 {
        // Every fifth replies to the one before: the slices hold trees.
        let to = if n % 5 == 4 {
            parent.clone()
        } else {
            root_id.clone()
        };
        let reply = app
            .comment("paged/replies", &me, &format!("reply {n}"), Some(&to))
            .await;
        parent = reply.id.as_str().to_owned();
    }
    for sort in ["newest", "oldest", "top"] {
        let list = app
            .list("paged/replies", &format!("?sort={sort}"), None)
            .await;
        let thread = &list.comments[0];
        assert_eq!(thread.reply_count, 25);
        let shown = flatten(&thread.replies);
        assert_eq!(shown.len(), 10, "{sort}");
        assert_eq!(shown[0].body, "reply 0");
        assert!(thread.replies_cursor.is_some(), "{sort}");
    }
    let list = app.list("paged/replies", "", Some(&me)).await;
    let mut seen: Vec<String> = flatten(&list.comments[0].replies)
        .iter()
        .map(|c| c.body.clone())
        .collect();
    let mut cursor = list.comments[0].replies_cursor.clone();
    let mut known: std::collections::HashSet<String> = flatten(&list.comments)
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    while let Some(next) = cursor {
        let page = more_replies(&app, &root_id, next.as_str(), Some(&me)).await;
        for c in &page.comments {
            // Each reply's parent is already shown: it can be hung in place.
            let parent = c.parent_id.as_ref().expect("a reply");
            assert!(
                known.contains(parent.as_str()),
                "{} before its parent",
                c.body
            );
            assert!(c.own);
            known.insert(c.id.as_str().to_owned());
            seen.push(c.body.clone());
        }
        cursor = page.next_cursor;
    }
    let expected: Vec<String> = (0..25).map(|n| format!("reply {n}")).collect();
    assert_eq!(seen, expected);

    // Cursors of other listings, and comments that are no thread's root.
    let bad = app
        .request(
            Method::GET,
            &format!("/comments/{root_id}/replies?cursor=n.0.0.1"),
            None,
        )
        .send()
        .await
        .expect("request");
    assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    let not_root = app
        .request(Method::GET, &format!("/comments/{parent}/replies"), None)
        .send()
        .await
        .expect("request");
    assert_error(not_root, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn a_thread_of_1200_long_replies_keeps_the_first_page_small() {
    let app = spawn_with(|s| {
        s.writes_per_minute_per_reader = 10_000;
        s.writes_per_minute_per_address = 10_000;
    })
    .await;
    let me = reader();
    let long = "x".repeat(4_900);
    let root = app.comment("paged/huge", &me, "root", None).await;
    for _ in 0..1_200 {
        app.comment("paged/huge", &me, &long, Some(root.id.as_str()))
            .await;
    }
    let response = app
        .request(Method::GET, "/articles/paged%2Fhuge/comments", None)
        .send()
        .await
        .expect("request");
    let bytes = response.bytes().await.expect("body").len();
    assert!(bytes < 200_000, "the first page is {bytes} bytes");
}
