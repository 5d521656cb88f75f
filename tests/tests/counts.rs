//! `count.js` on a list page of 150 headlines, in a real headless
//! Chromium: every count filled from one request, in the page's language;
//! and on one of 450, from three.

use chime_tests::{Options, TestResult, World, e2e_with, until};
use serde_json::{Value, json};
use std::sync::Arc;

const HEADLINES: u32 = 150;

fn plural_form(locale: &Value, category: &str) -> String {
    locale["CommentCount"][category]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Each count on the page, in headline order, once all are filled.
async fn counts(w: &World) -> TestResult<Vec<String>> {
    until(|| async {
        let texts = w
            .eval("return [...document.querySelectorAll('.count')].map((e) => e.textContent)")
            .await
            .ok()?;
        let texts: Vec<String> = serde_json::from_value(texts).ok()?;
        texts.iter().all(|t| !t.is_empty()).then_some(texts)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_page_shows_every_headlines_count_from_one_request() {
    let options = Options {
        tune: Some(|s| {
            s.writes_per_minute_per_reader = 100_000;
            s.writes_per_minute_per_address = 100_000;
        }),
        ..Options::default()
    };
    e2e_with("counts", "e2e/list", options, |w: Arc<World>| async move {
        // Headline i has i % 4 comments.
        for i in 0..HEADLINES {
            for n in 0..i % 4 {
                let (status, body) = w
                    .http
                    .call(
                        "POST",
                        &format!("/api/v1/articles/e2e%2Flist-{i}/comments"),
                        Some(json!({"author_name": "Ada", "body": format!("Comment {n}")})),
                        &[("x-chime-reader", "fedcba9876543210fedcba9876543210")],
                    )
                    .await?;
                assert_eq!(status, 201, "{body}");
            }
        }
        w.client.goto(&format!("{}/list/{HEADLINES}", w.host)).await?;
        let shown = counts(&w).await?;
        for (i, text) in shown.iter().enumerate() {
            let n = i % 4;
            let expected = if n == 1 { "1 comment".to_owned() } else { format!("{n} comments") };
            assert_eq!(text, &expected, "headline {i}");
        }
        let requests = w
            .eval("return performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/counts')).length")
            .await?;
        assert_eq!(requests, json!(1), "one request for the whole page");

        // In French: the widget's words, French plural rules (0 is "one").
        let french: Value = serde_json::from_str(&std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/locales/widget/fr.json"),
        )?)?;
        w.client.goto(&format!("{}/list/{HEADLINES}?lang=fr", w.host)).await?;
        let shown = counts(&w).await?;
        for (i, text) in shown.iter().enumerate().take(8) {
            let n = i % 4;
            let category = if n < 2 { "one" } else { "other" };
            let expected = plural_form(&french, category).replace("{count}", &n.to_string());
            assert_eq!(text, &expected, "headline {i} in French");
        }

        // More headlines than one request may ask for (API.md: 200): three
        // requests, every count filled (those past 150 have none yet).
        w.client.goto(&format!("{}/list/450", w.host)).await?;
        let shown = counts(&w).await?;
        assert_eq!(shown.len(), 450);
        assert_eq!(shown[149], "1 comment");
        assert!(shown[150..].iter().all(|t| t == "0 comments"), "{:?}", &shown[150..]);
        let requests = w
            .eval("return performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/counts')).length")
            .await?;
        assert_eq!(requests, json!(3), "200, 200 and 50 articles");
        w.assert_no_errors().await
    })
    .await;
}
