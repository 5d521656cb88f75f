//! Hostile input on every field: always a 4xx JSON error or a sanitised
//! result, never a 500, never markup that runs.

use chime_shared::{Comment, ErrorBody};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const HOSTILE_TEXT: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<iframe src=//evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "\"><script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "`<script>`",
    "![x](javascript:alert(1))",
    "<https://evil.example/\"onmouseover=\"alert(1)>",
    "\u{202e}gnp.exe",
    "𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 ﷽",
    "\u{feff}zero\u{200b}width",
    "%00%0d%0a",
    "' OR 1=1 --",
    "Robert'); DROP TABLE comments;--",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "\t\r\n",
    "a\u{0}b",
    "a\u{1b}[2Jb",
    "a\u{7f}b",
    "a\u{85}b",
];

fn assert_safe_html(html: &str) {
    // Ammonia escapes every `<` of text, so each `<` left starts a real tag.
    const ALLOWED: &[&str] = &[
        "p",
        "br",
        "em",
        "strong",
        "code",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
    ];
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let tag = tag.trim_start_matches('/');
        let name = tag.split_whitespace().next().unwrap_or("").to_lowercase();
        assert!(ALLOWED.contains(&name.as_str()), "tag <{tag}> in {html:?}");
        let attrs = tag[name.len()..].trim();
        if attrs.is_empty() {
            continue;
        }
        assert_eq!(name, "a", "attributes on <{tag}> in {html:?}");
        // Only href (http or https) and rel; ammonia drops other hrefs.
        let mut rest = attrs.replace("rel=\"nofollow ugc noopener\"", "");
        if let Some(start) = rest.find("href=\"") {
            let value_end = rest[start + 6..]
                .find('"')
                .map(|e| start + 6 + e + 1)
                .unwrap_or(rest.len());
            let href = &rest[start + 6..value_end];
            assert!(
                href.starts_with("http://") || href.starts_with("https://"),
                "link <{tag}> in {html:?}"
            );
            rest.replace_range(start..value_end, "");
        }
        assert!(
            rest.trim().is_empty(),
            "attributes {rest:?} in <{tag}> of {html:?}"
        );
    }
}

/// An app whose write limits do not get in the way of hundreds of writes.
async fn spawn_unlimited() -> TestApp {
    spawn_with(|s| {
        s.writes_per_minute_per_reader = 100_000;
        s.writes_per_minute_per_address = 100_000;
    })
    .await
}

async fn assert_client_error_or(response: reqwest::Response, ok: StatusCode) -> Option<Value> {
    let status = response.status();
    assert!(
        status != StatusCode::INTERNAL_SERVER_ERROR,
        "500 for {}",
        response.url()
    );
    if status == ok {
        let text = response.text().await.expect("body");
        return if text.is_empty() {
            Some(Value::Null)
        } else {
            Some(serde_json::from_str(&text).expect("JSON"))
        };
    }
    assert!(
        status.is_client_error(),
        "status {status} for {}",
        response.url()
    );
    let _: ErrorBody = response.json().await.expect("JSON error body");
    None
}

#[tokio::test]
async fn hostile_comment_fields_are_refused_or_rendered_harmless() {
    let app = spawn_unlimited().await;
    let r = reader();
    let parent = app.comment("hostile", &r, "parent", None).await;
    let mut accepted = 0;
    for text in HOSTILE_TEXT {
        for field in ["author_name", "body"] {
            let mut body = json!({"author_name": "M", "body": "x"});
            body[field] = json!(text);
            let response = app.post_comment("hostile", &r, body).await;
            if let Some(value) = assert_client_error_or(response, StatusCode::CREATED).await {
                let comment: Comment = serde_json::from_value(value).expect("comment");
                assert_safe_html(&comment.html);
                accepted += 1;
            }
        }
        let response = app
            .post_comment(
                "hostile",
                &r,
                json!({"author_name": "M", "body": "x", "parent_id": text}),
            )
            .await;
        assert_client_error_or(response, StatusCode::CREATED).await;
        let response = app
            .send(
                Method::PATCH,
                &format!("/comments/{}", parent.id),
                Some(&r),
                Some(json!({"body": text})),
            )
            .await;
        if let Some(value) = assert_client_error_or(response, StatusCode::OK).await {
            let comment: Comment = serde_json::from_value(value).expect("comment");
            assert_safe_html(&comment.html);
        }
        let response = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", parent.id),
                Some(&reader()),
                Some(json!({"reason": "other", "note": text})),
            )
            .await;
        assert_client_error_or(response, StatusCode::ACCEPTED).await;
        let response = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", parent.id),
                Some(&reader()),
                Some(json!({"reason": text})),
            )
            .await;
        assert_client_error_or(response, StatusCode::ACCEPTED).await;
    }
    assert!(
        accepted > 40,
        "most hostile strings are ordinary text: {accepted}"
    );
    // Everything stored renders harmless in the listing too.
    let list = app.list("hostile", "?limit=100", Some(&r)).await;
    for comment in &list.comments {
        assert_safe_html(&comment.html);
    }
}

#[tokio::test]
async fn hostile_path_and_query_values_never_fail_the_server() {
    let app = spawn_unlimited().await;
    let r = reader();
    let segments = [
        "%00",
        "%0a",
        "%20a",
        "a%20",
        "%2e%2e",
        "..",
        "%ff%fe",
        "%c0%af",
        "%E2%80%AE",
        "a%2Fb%2F..%2F..",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "-1",
        "0",
        "99999999999999999999999",
        "1e10",
        "%25",
        "%",
    ];
    for segment in segments {
        for (method, path) in [
            (Method::GET, format!("/articles/{segment}/comments")),
            (Method::POST, format!("/articles/{segment}/comments")),
            (Method::GET, format!("/articles/{segment}/reactions")),
            (Method::PUT, format!("/articles/{segment}/reactions/like")),
            (Method::PUT, format!("/articles/a/reactions/{segment}")),
            (Method::PATCH, format!("/comments/{segment}")),
            (Method::DELETE, format!("/comments/{segment}")),
            (Method::PUT, format!("/comments/{segment}/reactions/like")),
            (Method::POST, format!("/comments/{segment}/reports")),
            (Method::GET, format!("/counts?article={segment}")),
            (
                Method::GET,
                format!("/articles/a/comments?sort={segment}&limit={segment}&cursor={segment}"),
            ),
        ] {
            let response = app
                .send(
                    method.clone(),
                    &path,
                    Some(&r),
                    Some(json!({"author_name": "M", "body": "x", "reason": "spam"})),
                )
                .await;
            let status = response.status();
            assert!(status.as_u16() < 500, "{status} for {method} {path}");
            if !status.is_success() {
                let _: ErrorBody = response
                    .json()
                    .await
                    .unwrap_or_else(|e| panic!("JSON error for {method} {path}: {e}"));
            }
        }
    }
}

#[tokio::test]
async fn malformed_and_oddly_typed_json_is_a_client_error() {
    let app = spawn_unlimited().await;
    let r = reader();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"42".to_vec(),
        b"\"text\"".to_vec(),
        br#"{"author_name": 5, "body": "x"}"#.to_vec(),
        br#"{"author_name": "M", "body": ["x"]}"#.to_vec(),
        br#"{"author_name": "M", "body": {"nested": true}}"#.to_vec(),
        br#"{"author_name": "M", "body": null}"#.to_vec(),
        br#"{"author_name": "M"}"#.to_vec(),
        br#"{"author_name": "M", "body": "x", "parent_id": 7}"#.to_vec(),
        br#"{"author_name": "M", "body": "\ud800"}"#.to_vec(),
        br#"{"author_name": "M", "body": "\udc00\ud800"}"#.to_vec(),
        b"{\"author_name\": \"M\", \"body\": \"\xff\xfe\"}".to_vec(),
        br#"{"author_name": "M", "body": "x""#.to_vec(),
        deep.into_bytes(),
    ];
    for body in bodies {
        let response = app
            .request(Method::POST, "/articles/json/comments", Some(&r))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("request");
        let status = response.status();
        assert!(
            status.is_client_error(),
            "{status} for {:?}",
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
        let _: ErrorBody = response.json().await.expect("JSON error");
    }
    assert_eq!(app.list("json", "", None).await.total, 0);

    // Unknown fields are ignored (clients may be newer than the server),
    // however deeply they nest: never a crash.
    for depth in [10, 200, 100_000] {
        let body = format!(
            r#"{{"author_name": "M", "body": "x", "extra": {}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let response = app
            .request(Method::POST, "/articles/json/comments", Some(&r))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert!(
            response.status() == StatusCode::CREATED || response.status().is_client_error(),
            "{}",
            response.status()
        );
    }
}

#[tokio::test]
async fn hostile_headers_are_client_errors() {
    let app = spawn_app().await;
    for token in [
        "",
        "g".repeat(32).as_str(),
        "0".repeat(31).as_str(),
        "0".repeat(33).as_str(),
        "<script>",
    ] {
        let response = app
            .send(
                Method::POST,
                "/articles/h/comments",
                Some(token),
                Some(json!({"author_name": "M", "body": "x"})),
            )
            .await;
        assert!(response.status().is_client_error(), "{token:?}");
        let _: ErrorBody = response.json().await.expect("JSON error");
    }
    let response = app
        .send(Method::GET, "/articles/h/comments", Some("nope"), None)
        .await;
    assert!(response.status().is_client_error());
    let response = app
        .request(Method::POST, "/articles/h/comments", Some(&reader()))
        .header("Idempotency-Key", "\u{7f}bad")
        .json(&json!({"author_name": "M", "body": "x"}))
        .send()
        .await;
    if let Ok(response) = response {
        assert!(response.status().is_client_error());
    }
}

#[tokio::test]
async fn hostile_moderation_input_is_refused_or_stored_as_text() {
    let app = spawn_app().await;
    let posted = app.comment("mh", &reader(), "x", None).await;
    let cookie = app.moderator_cookie("mo").await;
    for text in HOSTILE_TEXT {
        let response = app
            .moderation(
                Method::POST,
                &format!("/comments/{}/hide", posted.id),
                &cookie,
            )
            .json(&json!({"reason": text}))
            .send()
            .await
            .expect("request");
        assert_client_error_or(response, StatusCode::OK).await;
        for query in [
            format!("?q={}", enc(text)),
            format!("?article={}", enc(text)),
            format!("?state={}", enc(text)),
        ] {
            let response = app
                .moderation(Method::GET, &format!("/comments{query}"), &cookie)
                .send()
                .await
                .expect("request");
            assert_client_error_or(response, StatusCode::OK).await;
        }
        let response = app
            .request(Method::POST, "/mod/session", None)
            .header("Origin", &app.url)
            .json(&json!({"username": text, "password": text}))
            .send()
            .await
            .expect("request");
        assert!(response.status().is_client_error());
    }
}

#[tokio::test]
async fn hostile_admin_input_is_refused_or_stored_as_text() {
    let app = spawn_app().await;
    let cookie = app.admin_cookie("ada").await;
    for text in HOSTILE_TEXT {
        let response = app
            .moderation(Method::POST, "/moderators", &cookie)
            .json(&json!({"username": text, "password": text, "role": "moderator"}))
            .send()
            .await
            .expect("request");
        assert_client_error_or(response, StatusCode::CREATED).await;
        for (method, path, body) in [
            (
                Method::PUT,
                format!("/moderators/{}/password", enc(text)),
                Some(json!({"password": text})),
            ),
            (Method::DELETE, format!("/moderators/{}", enc(text)), None),
            (
                Method::PUT,
                "/settings".to_owned(),
                Some(
                    json!({"premoderation": text, "banned_words": [text], "suspect_words": [], "max_links": 3}),
                ),
            ),
            (
                Method::PUT,
                "/settings".to_owned(),
                Some(
                    json!({"premoderation": "off", "banned_words": [text], "suspect_words": [text], "max_links": 3}),
                ),
            ),
        ] {
            let mut request = app.moderation(method.clone(), &path, &cookie);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.expect("request");
            let ok = match method {
                Method::DELETE => StatusCode::NO_CONTENT,
                _ if path.ends_with("password") => StatusCode::NO_CONTENT,
                _ => StatusCode::OK,
            };
            assert_client_error_or(response, ok).await;
        }
    }
    // The admin is still there, and the settings and the log still read.
    let settings = app
        .moderation(Method::GET, "/settings", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(settings.status(), StatusCode::OK);
    let audit = app
        .moderation(Method::GET, "/audit?limit=100", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(audit.status(), StatusCode::OK);
}
