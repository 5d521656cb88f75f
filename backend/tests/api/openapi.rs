//! `GET /api/v1/openapi.json`: the document names every route the server
//! answers and every route API.md lists, no more and no fewer; it is
//! served with an ETag, and any site may read it. (Whether each answer
//! matches its schema is the fuzzer's part: `./dev test` runs schemathesis
//! against a real server on both stores.)

use chime_test_support::app::*;
use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use std::collections::BTreeSet;

async fn document(app: &TestApp) -> Value {
    let response = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    response.json().await.expect("json")
}

/// `(METHOD, path)` with every `{parameter}` written `{}` (the prose and
/// the document may name them differently).
fn route(method: &str, path: &str) -> (String, String) {
    let mut shape = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                shape.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => shape.push(c),
            _ => {}
        }
    }
    (method.to_uppercase(), shape)
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        let relative = path
            .strip_prefix("/api/v1")
            .unwrap_or_else(|| panic!("{path} outside /api/v1"));
        for method in METHODS {
            if item.get(method).is_some() {
                routes.insert(route(method, relative));
            }
        }
    }
    routes
}

/// The routes API.md's tables list: rows that start with `` | `METHOD /path ``.
fn listed_in_api_md() -> BTreeSet<(String, String)> {
    let prose = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md"))
        .expect("docs/API.md");
    prose
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|cell| {
            let (method, rest) = cell.split_once(' ')?;
            if !METHODS.contains(&method.to_lowercase().as_str()) {
                return None;
            }
            let path = rest.split(['`', '?']).next()?;
            Some(route(method, path))
        })
        .collect()
}

#[tokio::test]
async fn the_document_lists_the_routes_api_md_lists() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    // Every schema referred to is in the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("a name");
        assert!(
            schemas.contains_key(name),
            "{name} is referred to, not defined"
        );
    }
    let documented = documented(&doc);
    let listed = listed_in_api_md();
    assert!(listed.len() > 40, "API.md's tables read: {listed:?}");
    let missing: Vec<_> = listed.difference(&documented).collect();
    let unlisted: Vec<_> = documented.difference(&listed).collect();
    assert!(
        missing.is_empty() && unlisted.is_empty(),
        "in API.md, not in the document: {missing:?}; in the document, not in API.md: {unlisted:?}"
    );
}

/// A value for a path parameter that the route takes as well formed.
fn filler(name: &str) -> &'static str {
    match name {
        "kind" => "like",
        "reader" => "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "id" | "sanction" => "1",
        _ => "a",
    }
}

#[tokio::test]
async fn every_documented_operation_is_a_route_of_the_server() {
    let app = spawn_app().await;
    let cookie = app.admin_cookie("ada").await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut tried = 0;
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut url = path.clone();
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let name = parameter["name"].as_str().expect("name");
                    url = url.replace(&format!("{{{name}}}"), filler(name));
                }
            }
            assert!(!url.contains('{'), "{path}: a path parameter not declared");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let mut request = app
                .client
                .request(method.clone(), format!("{}{url}", app.url))
                .header("Cookie", &cookie)
                .header("Origin", &app.url)
                .header("X-Chime-Reader", reader());
            if op.get("requestBody").is_some() {
                request = request.json(&serde_json::json!({}));
            }
            if url.ends_with("/events") {
                request = request.timeout(std::time::Duration::from_millis(500));
            }
            let Ok(response) = request.send().await else {
                // A stream that opened and stays open.
                continue;
            };
            let status = response.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
            // A page of its own (the links mailed to readers) is the route's.
            let page = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
            if status == StatusCode::NOT_FOUND && !page {
                let body: Value = response.json().await.expect("an error body");
                assert_ne!(
                    body["error"]["message"], "There is nothing at this address.",
                    "{method} {url}: documented, but no such route"
                );
            }
            tried += 1;
        }
    }
    assert!(tried > 40, "{tried} operations tried");
}

#[tokio::test]
async fn the_document_is_revalidated_with_its_etag() {
    let app = spawn_app().await;
    let first = app
        .request(Method::GET, "/openapi.json", None)
        .send()
        .await
        .expect("request");
    assert_eq!(first.status(), StatusCode::OK);
    assert!(
        first.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let tag = first.headers()[header::ETAG].clone();
    let again = app
        .request(Method::GET, "/openapi.json", None)
        .header(header::IF_NONE_MATCH, tag.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG], tag);
}
