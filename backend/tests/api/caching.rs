use chime_test_support::app::*;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

async fn get(
    app: &TestApp,
    path: &str,
    reader: Option<&str>,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut request = app.request(Method::GET, path, reader);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    request.send().await.expect("request")
}

fn etag_of(response: &reqwest::Response) -> String {
    response.headers()[header::ETAG]
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn reads_carry_an_etag_and_an_unchanged_one_gets_304() {
    let app = spawn_app().await;
    let r = reader();
    app.comment("cache/1", &r, "First", None).await;
    for (path, reader, policy) in [
        (
            "/articles/cache%2F1/comments",
            Some(r.as_str()),
            "private, no-cache",
        ),
        (
            "/articles/cache%2F1/comments",
            None,
            "public, max-age=5, stale-while-revalidate=30",
        ),
        (
            "/articles/cache%2F1/reactions",
            Some(r.as_str()),
            "private, no-cache",
        ),
        (
            "/counts?article=cache%2F1",
            None,
            "public, max-age=30, stale-while-revalidate=60",
        ),
        ("/config", None, "public, max-age=300"),
    ] {
        let first = get(&app, path, reader, None).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        assert_eq!(first.headers()[header::CACHE_CONTROL], policy, "{path}");
        let vary = first.headers()[header::VARY]
            .to_str()
            .expect("ascii")
            .to_lowercase();
        assert!(vary.contains("x-chime-reader"), "{path}: {vary}");
        let tag = etag_of(&first);
        assert!(tag.starts_with("W/\""), "{tag}");
        let again = get(&app, path, reader, Some(&tag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(etag_of(&again), tag);
        assert!(again.bytes().await.expect("body").is_empty());
    }
}

#[tokio::test]
async fn a_change_changes_the_etag() {
    let app = spawn_app().await;
    let r = reader();
    app.comment("cache/2", &r, "First", None).await;
    let path = "/articles/cache%2F2/comments";
    let before = etag_of(&get(&app, path, Some(&r), None).await);
    let counts = etag_of(&get(&app, "/counts?article=cache%2F2", None, None).await);
    app.comment("cache/2", &r, "Second", None).await;
    let after = get(&app, path, Some(&r), Some(&before)).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(etag_of(&after), before);
    let counts_after = get(&app, "/counts?article=cache%2F2", None, Some(&counts)).await;
    assert_eq!(counts_after.status(), StatusCode::OK);
    // Each reader's own view has its own tag.
    let other = get(&app, path, Some(&reader()), Some(&etag_of(&after))).await;
    assert_eq!(other.status(), StatusCode::OK, "not mine: `own` differs");
}

#[tokio::test]
async fn json_is_compressed_for_clients_that_take_it_and_event_streams_never() {
    let app = spawn_app().await;
    let r = reader();
    for n in 0..10 {
        app.comment(
            "zip/1",
            &r,
            &format!("Comment number {n}, long enough to compress"),
            None,
        )
        .await;
    }
    for encoding in ["br", "gzip"] {
        let response = app
            .request(Method::GET, "/articles/zip%2F1/comments", Some(&r))
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
    }
    let plain = app
        .request(Method::GET, "/articles/zip%2F1/comments", Some(&r))
        .send()
        .await
        .expect("request");
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let stream = app
        .request(Method::GET, "/articles/zip%2F1/events", None)
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn the_bundle_is_served_precompressed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("chime.js"), "console.log('plain');").expect("write");
    std::fs::write(dir.path().join("chime.js.br"), b"brotli bytes").expect("write");
    std::fs::write(dir.path().join("chime.js.gz"), b"gzip bytes").expect("write");
    let widget_dir = dir.path().to_owned();
    let app = spawn_with(move |s| s.widget_dir = Some(widget_dir)).await;
    let fetch = |encoding: &'static str| {
        let request = app
            .client
            .get(format!("{}/widget/chime.js", app.url))
            .header(header::ACCEPT_ENCODING, encoding);
        async move { request.send().await.expect("request") }
    };
    let br = fetch("gzip, br").await;
    assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli bytes");
    let gz = fetch("gzip").await;
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    let plain = fetch("identity").await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(
        plain.bytes().await.expect("body").as_ref(),
        b"console.log('plain');"
    );
}

/// One write, made the same way on both servers.
async fn both(apps: &[&TestApp; 2], method: Method, path: &str, reader: &str, body: Option<Value>) {
    for app in apps {
        let response = app
            .send(method.clone(), path, Some(reader), body.clone())
            .await;
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            response.status()
        );
    }
}

/// Every first page and second page each viewer gets, as raw JSON.
async fn pages(app: &TestApp, viewers: &[Option<&str>]) -> Vec<String> {
    let mut seen = Vec::new();
    for sort in ["newest", "oldest", "top"] {
        for viewer in viewers {
            let first = app
                .list("kept", &format!("?sort={sort}&limit=2"), *viewer)
                .await;
            seen.push(serde_json::to_string(&first).expect("json"));
            if let Some(cursor) = first.next_cursor {
                let next = app
                    .list(
                        "kept",
                        &format!("?sort={sort}&limit=2&cursor={}", cursor.as_str()),
                        *viewer,
                    )
                    .await;
                seen.push(serde_json::to_string(&next).expect("json"));
            }
        }
    }
    seen
}

/// Both servers answer every viewer alike, twice: the first read fills the
/// cache, the second is served from it.
async fn same_pages(kept: &TestApp, uncached: &TestApp, viewers: [Option<&str>; 4], step: &str) {
    for _ in 0..2 {
        assert_eq!(
            pages(kept, &viewers).await,
            pages(uncached, &viewers).await,
            "after {step}"
        );
    }
}

#[tokio::test]
async fn kept_first_pages_answer_exactly_what_the_store_does_after_every_change() {
    let kept = spawn_app().await;
    let uncached = spawn_with(|s| s.page_cache_articles = 0).await;
    let apps = [&kept, &uncached];
    let (ann, bo, cy) = (reader(), reader(), reader());
    let viewers = [
        None,
        Some(ann.as_str()),
        Some(bo.as_str()),
        Some(cy.as_str()),
    ];
    let check = |step: &'static str| same_pages(&kept, &uncached, viewers, step);
    let mut ids = Vec::new();
    for (n, author) in [&ann, &bo, &ann].into_iter().enumerate() {
        for app in apps {
            let c = app.comment("kept", author, &format!("top {n}"), None).await;
            if app.url == kept.url {
                ids.push(c.id.as_str().to_owned());
            }
        }
        check("a new comment").await;
    }
    for app in apps {
        app.comment("kept", &cy, "a reply", Some(&ids[0])).await;
    }
    check("a reply").await;
    let like = |id: &str| format!("/comments/{id}/reactions/like");
    both(&apps, Method::PUT, &like(&ids[1]), &cy, None).await;
    check("a reaction by a reader with no comment").await;
    both(&apps, Method::PUT, &like(&ids[0]), &bo, None).await;
    both(
        &apps,
        Method::PUT,
        &format!("/comments/{}/reactions/love", ids[0]),
        &bo,
        None,
    )
    .await;
    check("reactions").await;
    both(&apps, Method::DELETE, &like(&ids[0]), &bo, None).await;
    check("a reaction taken back").await;
    both(
        &apps,
        Method::PUT,
        "/articles/kept/reactions/wow",
        &cy,
        None,
    )
    .await;
    check("an article reaction").await;
    both(
        &apps,
        Method::PATCH,
        &format!("/comments/{}", ids[2]),
        &ann,
        Some(json!({"body": "edited"})),
    )
    .await;
    check("an edit").await;
    both(
        &apps,
        Method::DELETE,
        &format!("/comments/{}", ids[0]),
        &ann,
        None,
    )
    .await;
    check("a deletion under a reply (tombstone)").await;
    for app in apps {
        let cookie = app.moderator_cookie("mo").await;
        for action in ["hide", "unhide", "hide"] {
            let response = app
                .moderation(
                    Method::POST,
                    &format!("/comments/{}/{action}", ids[1]),
                    &cookie,
                )
                .json(&json!({"reason": "test"}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), StatusCode::OK, "{action}");
        }
    }
    check("hide, restore, hide").await;
    assert!(kept.state.pages.pages() > 0, "the first pages were kept");
}
