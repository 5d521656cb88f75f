use crate::helpers::*;
use reqwest::{Method, StatusCode, header};

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
    let app = spawn_with(move |s| s.widget_dir = widget_dir).await;
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
