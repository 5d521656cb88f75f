use chime_shared::ErrorCode;
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/no/such/page", app.url))
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let response = app.send(Method::GET, "/nothing-here", None, None).await;
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let response = app.send(Method::PUT, "/config", None, None).await;
    assert_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    )
    .await;
    let response = app
        .send(Method::POST, "/comments/1", Some(&reader()), None)
        .await;
    assert_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    )
    .await;
}

#[tokio::test]
async fn writes_without_a_reader_token_are_refused() {
    let app = spawn_app().await;
    let response = app
        .send(
            Method::POST,
            "/articles/a/comments",
            None,
            Some(json!({"author_name": "M", "body": "x"})),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::MissingReader).await;
    let response = app
        .send(
            Method::POST,
            "/articles/a/comments",
            Some("not-a-token"),
            Some(json!({"author_name": "M", "body": "x"})),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::MissingReader).await;
}

#[tokio::test]
async fn bodies_that_are_not_json_or_too_large_are_refused() {
    let app = spawn_app().await;
    let r = reader();
    let response = app
        .request(Method::POST, "/articles/a/comments", Some(&r))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("request");
    assert_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let response = app
        .request(Method::POST, "/articles/a/comments", Some(&r))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let huge = json!({"author_name": "M", "body": "x".repeat(70_000)});
    let response = app.post_comment("a", &r, huge.clone()).await;
    assert_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    let response = app
        .request(Method::POST, "/articles/a/comments", Some(&r))
        .header("Idempotency-Key", "big")
        .json(&huge)
        .send()
        .await
        .expect("request");
    assert_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    assert_eq!(app.list("a", "", None).await.total, 0);
}

#[tokio::test]
async fn a_body_must_be_a_json_object_not_an_array_of_its_fields() {
    let app = spawn_app().await;
    let r = reader();
    let response = app.post_comment("a", &r, json!(["Mei", "Hello"])).await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    let posted = app.comment("a", &r, "Hi", None).await;
    let response = app
        .request(Method::PATCH, &format!("/comments/{}", posted.id), Some(&r))
        .json(&json!(["Changed"]))
        .send()
        .await
        .expect("request");
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", posted.id),
            &cookie,
        )
        .json(&json!(["spam"]))
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    assert_eq!(app.list("a", "", None).await.total, 1);
}

#[tokio::test]
async fn out_of_range_fields_name_the_field() {
    let app = spawn_app().await;
    let r = reader();
    for (body, field) in [
        (json!({"author_name": "M", "body": "   "}), "body"),
        (
            json!({"author_name": "M", "body": "x".repeat(5001)}),
            "body",
        ),
        (json!({"author_name": "", "body": "x"}), "author_name"),
        (
            json!({"author_name": "n".repeat(51), "body": "x"}),
            "author_name",
        ),
        (json!({"author_name": "M\u{7}", "body": "x"}), "author_name"),
        (json!({"author_name": "M", "body": "x\u{0}y"}), "body"),
    ] {
        let response = app.post_comment("a", &r, body).await;
        let err = assert_error(
            response,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(err.error.field.as_deref(), Some(field));
    }
    for query in [
        "?limit=0",
        "?limit=101",
        "?limit=abc",
        "?sort=random",
        "?cursor=%3Cscript%3E",
    ] {
        let response = app
            .send(
                Method::GET,
                &format!("/articles/a/comments{query}"),
                None,
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let long = "a".repeat(201);
    let response = app
        .send(
            Method::GET,
            &format!("/articles/{long}/comments"),
            None,
            None,
        )
        .await;
    let err = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(err.error.field.as_deref(), Some("article"));
}

#[tokio::test]
async fn sites_not_allowed_are_refused_and_allowed_ones_get_cors() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/articles/a/comments", Some(&reader()))
        .header("Origin", "https://evil.example")
        .json(&json!({"author_name": "M", "body": "x"}))
        .send()
        .await
        .expect("request");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_error(response, StatusCode::FORBIDDEN, ErrorCode::OriginNotAllowed).await;

    let preflight = app
        .client
        .request(Method::OPTIONS, app.api("/articles/a/comments"))
        .header("Origin", ALLOWED_SITE)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,x-chime-reader,idempotency-key",
        )
        .send()
        .await
        .expect("request");
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        ALLOWED_SITE
    );
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        allowed.contains("x-chime-reader") && allowed.contains("idempotency-key"),
        "{allowed}"
    );

    let response = app
        .request(Method::POST, "/articles/a/comments", Some(&reader()))
        .header("Origin", ALLOWED_SITE)
        .json(&json!({"author_name": "M", "body": "x"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        ALLOWED_SITE
    );
}

#[tokio::test]
async fn too_many_writes_are_rate_limited_with_retry_after() {
    let app = spawn_with(|s| s.writes_per_minute_per_reader = 3).await;
    let r = reader();
    for _ in 0..3 {
        let response = app
            .post_comment("rl", &r, json!({"author_name": "M", "body": "x"}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = app
        .post_comment("rl", &r, json!({"author_name": "M", "body": "x"}))
        .await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after));
    assert_error(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    // Reads go on.
    assert_eq!(app.list("rl", "", Some(&r)).await.total, 3);
    // Another reader is not held up.
    let response = app
        .post_comment("rl", &reader(), json!({"author_name": "M", "body": "x"}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_write_while_storage_is_locked_is_unavailable_and_not_applied() {
    let app = spawn_app().await;
    let lock = WriteLock::take(&app.database).await;
    let response = app
        .post_comment(
            "busy",
            &reader(),
            json!({"author_name": "M", "body": "lost?"}),
        )
        .await;
    let err = assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
    )
    .await;
    assert!(err.error.message.contains("nothing was changed"));
    lock.release().await;
    assert_eq!(app.list("busy", "", None).await.total, 0);
    let response = app
        .post_comment(
            "busy",
            &reader(),
            json!({"author_name": "M", "body": "now"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = spawn_app().await;
    app.comment("m", &reader(), "x", None).await;
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), StatusCode::OK);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.expect("text");
    assert!(text.contains("chime_comments_posted_total 1"), "{text}");
    assert!(
        text.contains("route=\"/api/v1/articles/{article}/comments\""),
        "{text}"
    );
}

#[tokio::test]
async fn demo_and_moderation_pages_are_served() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("frame-ancestors 'none'")
    );
    assert!(page.text().await.expect("html").contains("Public Reaction"));
    let page = app
        .client
        .get(format!("{}/moderate", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for rule in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(rule), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    for (path, kind) in [
        ("/moderate/moderate.js", "text/javascript"),
        ("/moderate/moderate.css", "text/css"),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(kind)
        );
    }
}

#[tokio::test]
async fn the_longest_body_fits_in_any_script() {
    let app = spawn_app().await;
    for ch in ["x", "é", "中", "😀"] {
        let response = app
            .post_comment(
                "long",
                &reader(),
                json!({"author_name": "M", "body": ch.repeat(5000)}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{ch}");
    }
    // Escaped as surrogate pairs by a client, 5,000 emoji are ~60 KB.
    let escaped = format!(
        r#"{{"author_name": "M", "body": "{}"}}"#,
        "\\ud83d\\ude00".repeat(5000)
    );
    let response = app
        .request(Method::POST, "/articles/long/comments", Some(&reader()))
        .header("content-type", "application/json")
        .body(escaped)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
}
