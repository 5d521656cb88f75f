//! Per-address limits: writes, live streams and moderator sign-ins, with
//! the client's address taken from `X-Forwarded-For` only behind a trusted
//! proxy.

use chime_backend::http::client::TrustedProxies;
use chime_shared::ErrorCode;
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn post_from(app: &TestApp, forwarded_for: &str) -> reqwest::Response {
    app.request(Method::POST, "/articles/xff/comments", Some(&reader()))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"author_name": "M", "body": "x"}))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    // Not trusted: every request is 127.0.0.1's, whatever it claims.
    let app = spawn_with(|s| s.writes_per_minute_per_address = 2).await;
    for claimed in ["1.1.1.1", "2.2.2.2"] {
        assert_eq!(post_from(&app, claimed).await.status(), StatusCode::CREATED);
    }
    let third = post_from(&app, "3.3.3.3").await;
    assert_error(third, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;

    // Behind a trusted proxy (here, loopback), the address it names counts.
    let app = spawn_with(|s| {
        s.writes_per_minute_per_address = 2;
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            post_from(&app, "1.1.1.1").await.status(),
            StatusCode::CREATED
        );
    }
    let third = post_from(&app, "1.1.1.1").await;
    assert_error(third, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    // A client cannot dodge it by forging an address left of the real one.
    let forged = post_from(&app, "9.9.9.9, 1.1.1.1").await;
    assert_error(
        forged,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    assert_eq!(
        post_from(&app, "2.2.2.2").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn one_address_holds_a_limited_number_of_live_streams() {
    let app = spawn_with(|s| s.streams_per_address = 2).await;
    let open = || async {
        app.request(Method::GET, "/articles/s/events", None)
            .send()
            .await
            .expect("request")
    };
    let first = open().await;
    let second = open().await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    let third = open().await;
    assert!(third.headers().contains_key("retry-after"));
    assert_error(third, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    // Reads other than streams go on.
    assert_eq!(app.list("s", "", None).await.total, 0);
    // A closed stream gives its place back.
    drop(first);
    let mut reopened = None;
    for _ in 0..50 {
        let response = open().await;
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "the place was never given back");
    drop(second);
}

#[tokio::test]
async fn moderator_sign_in_attempts_are_throttled() {
    let app = spawn_app().await;
    let app = &app;
    let attempt = |name: &'static str| async move {
        app.request(Method::POST, "/mod/session", None)
            .header("Origin", &app.url)
            .json(&json!({"username": name, "password": "not the password"}))
            .send()
            .await
            .expect("request")
    };
    for _ in 0..10 {
        let response = attempt("admin").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = attempt("someone-else").await;
    assert!(throttled.headers().contains_key("retry-after"));
    assert_error(
        throttled,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(|s| s.header_read_timeout = std::time::Duration::from_secs(1)).await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connects");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half a request");
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read(&mut buffer))
        .await
        .expect("the server hung up within 10 s");
    assert!(
        matches!(read, Ok(0) | Err(_)) || String::from_utf8_lossy(&buffer).contains("408"),
        "{read:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Others are served meanwhile and after.
    assert_eq!(app.list("slow", "", None).await.total, 0);
}
