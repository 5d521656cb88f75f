//! The surge guard: a burst of comments or reports on one article holds
//! its new comments for review, tells moderators, and lets go when the
//! burst is over; a quiet article is left alone; a moderator's word wins.

use chime_shared::{
    ArticleModeration, AuditAction, AuditList, CommentState, SurgeList, SurgeNotice,
};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// A server whose guard counts on every write and sweeps often, with the
/// site's thresholds: 20 comments or 10 reports in five minutes, five
/// times the usual rate.
async fn guarded() -> TestApp {
    spawn_with(|s| {
        s.screening.surge_posts = 20;
        s.screening.surge_reports = 10;
        s.screening.surge_factor = 5;
        s.surge_check_every = Duration::ZERO;
        s.surge_sweep_every = Duration::from_millis(50);
    })
    .await
}

async fn post(app: &TestApp, article: &str, n: usize) -> CommentState {
    app.comment(article, &reader(), &format!("comment {n}"), None)
        .await
        .state
}

async fn mod_events(app: &TestApp, cookie: &str) -> Events {
    Events::from_response(
        app.moderation(Method::GET, "/events", cookie)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// The next `mod_surge` event.
async fn next_surge(events: &mut Events) -> SurgeNotice {
    loop {
        let (name, data) = events.next().await;
        if name == SurgeNotice::NAME {
            return serde_json::from_str(&data).expect("json");
        }
    }
}

async fn surges(app: &TestApp, cookie: &str) -> Vec<String> {
    let list: SurgeList = app.mod_get("/surges", cookie).await;
    list.surges.iter().map(|s| s.article.to_string()).collect()
}

/// Waits (a few seconds at most) until the sweeper ended every surge.
async fn until_no_surge(app: &TestApp, cookie: &str) {
    for _ in 0..100 {
        if surges(app, cookie).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the surge did not end");
}

async fn audit(app: &TestApp, cookie: &str) -> Vec<(AuditAction, String, Option<String>)> {
    let log: AuditList = app.mod_get("/audit", cookie).await;
    log.entries
        .into_iter()
        .map(|e| (e.action, e.moderator, e.reason))
        .collect()
}

#[tokio::test]
async fn a_burst_holds_an_articles_new_comments_until_it_is_over() {
    let app = guarded().await;
    let cookie = app.moderator_cookie("mo").await;
    let mut moderators = mod_events(&app, &cookie).await;
    // A usual hour: a comment every few minutes.
    for n in 0..6 {
        assert_eq!(post(&app, "hot", n).await, CommentState::Visible);
        app.clock.advance(time::Duration::minutes(10));
    }
    // Then a crowd: the twentieth comment in five minutes sets it off.
    for n in 0..20 {
        assert_eq!(post(&app, "hot", n).await, CommentState::Visible, "{n}");
    }
    let notice = next_surge(&mut moderators).await;
    assert!(notice.active && notice.article.as_str() == "hot");
    assert_eq!(notice.reason, "20 comments in 5 minutes; usually 1");
    let held = app.comment("hot", &reader(), "one more", None).await;
    assert_eq!(held.state, CommentState::Pending);
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert!(
        queue.comments[0]
            .hidden_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("Held by the surge guard"))
    );
    // A quiet article is left alone.
    for n in 0..3 {
        assert_eq!(post(&app, "calm", n).await, CommentState::Visible);
    }
    assert_eq!(surges(&app, &cookie).await, ["hot"]);
    let controls: ArticleModeration = app.mod_get("/articles/hot", &cookie).await;
    assert!(controls.surge_since.is_some() && !controls.premoderate);
    assert_eq!(
        audit(&app, &cookie).await[0],
        (
            AuditAction::SurgeHold,
            "(automatic)".to_owned(),
            Some("20 comments in 5 minutes; usually 1".to_owned())
        )
    );

    // Ten minutes on, the rush is over: new comments show again.
    app.clock.advance(time::Duration::minutes(11));
    until_no_surge(&app, &cookie).await;
    let over = next_surge(&mut moderators).await;
    assert!(!over.active && over.article.as_str() == "hot");
    assert_eq!(post(&app, "hot", 99).await, CommentState::Visible);
    let log = audit(&app, &cookie).await;
    assert_eq!(
        (log[0].0, log[0].1.as_str()),
        (AuditAction::SurgeEnd, "(automatic)")
    );
    // What was held waits for a moderator still.
    let queue: chime_shared::ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(queue.comments.len(), 1);
}

#[tokio::test]
async fn an_article_that_always_runs_hot_is_not_a_surge_at_its_usual_rate() {
    let app = guarded().await;
    let cookie = app.moderator_cookie("mo").await;
    // A live blog: ten comments every five minutes for an hour.
    for _ in 0..12 {
        for n in 0..10 {
            post(&app, "live", n).await;
        }
        app.clock.advance(time::Duration::minutes(5));
    }
    // Twenty-five in five minutes is its usual rate, busier: not five times.
    for n in 0..25 {
        assert_eq!(post(&app, "live", n).await, CommentState::Visible, "{n}");
    }
    assert!(surges(&app, &cookie).await.is_empty());
}

#[tokio::test]
async fn a_burst_of_reports_is_a_surge_too() {
    let app = guarded().await;
    let cookie = app.moderator_cookie("mo").await;
    let target = app.comment("fight", &reader(), "a view", None).await;
    for _ in 0..10 {
        let response = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", target.id),
                Some(&reader()),
                Some(json!({"reason": "abuse"})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    assert_eq!(surges(&app, &cookie).await, ["fight"]);
    assert_eq!(post(&app, "fight", 1).await, CommentState::Pending);
}

#[tokio::test]
async fn a_moderators_word_during_a_surge_wins_over_the_guard() {
    let app = guarded().await;
    let cookie = app.moderator_cookie("mo").await;
    for article in ["pinned", "let-through"] {
        for n in 0..20 {
            post(&app, article, n).await;
        }
    }
    assert_eq!(surges(&app, &cookie).await.len(), 2);
    let set = |article: &'static str, on: bool| {
        app.moderation(Method::PUT, &format!("/articles/{article}"), &cookie)
            .json(&json!({"premoderate": on}))
            .send()
    };
    // Pinned: every new comment is held, after the surge too.
    assert_eq!(
        set("pinned", true).await.expect("request").status(),
        StatusCode::OK
    );
    // Let through: comments show, and the guard leaves the article alone
    // for an hour, however it rushes.
    assert_eq!(
        set("let-through", false).await.expect("request").status(),
        StatusCode::OK
    );
    assert!(surges(&app, &cookie).await.is_empty());
    app.clock.advance(time::Duration::minutes(11));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(post(&app, "pinned", 1).await, CommentState::Pending);
    for n in 0..20 {
        assert_eq!(post(&app, "let-through", n).await, CommentState::Visible);
    }
    assert!(surges(&app, &cookie).await.is_empty());
    let log = audit(&app, &cookie).await;
    let ended_by_mo = log
        .iter()
        .filter(|(action, who, _)| *action == AuditAction::SurgeEnd && who == "mo")
        .count();
    assert_eq!(ended_by_mo, 2);
    // An hour on, the guard is back.
    app.clock.advance(time::Duration::minutes(61));
    for n in 0..20 {
        post(&app, "let-through", n).await;
    }
    assert_eq!(surges(&app, &cookie).await, ["let-through"]);
}

#[tokio::test]
async fn the_thresholds_are_the_sites_settings() {
    let app = guarded().await;
    let admin = app.admin_cookie("ad").await;
    let mut settings: serde_json::Value = app.mod_get("/settings", &admin).await;
    assert_eq!(
        (
            &settings["surge_posts"],
            &settings["surge_reports"],
            &settings["surge_factor"]
        ),
        (&json!(20), &json!(10), &json!(5))
    );
    settings["surge_posts"] = json!(0);
    let put = app
        .moderation(Method::PUT, "/settings", &admin)
        .json(&settings)
        .send()
        .await
        .expect("request");
    assert_eq!(put.status(), StatusCode::OK);
    for n in 0..30 {
        assert_eq!(post(&app, "off", n).await, CommentState::Visible);
    }
    settings["surge_factor"] = json!(0);
    let bad = app
        .moderation(Method::PUT, "/settings", &admin)
        .json(&settings)
        .send()
        .await
        .expect("request");
    let body = assert_error(
        bad,
        StatusCode::BAD_REQUEST,
        chime_shared::ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(body.error.field.as_deref(), Some("surge_factor"));
}

#[tokio::test]
async fn a_store_from_before_the_guard_takes_its_thresholds_from_the_flags() {
    let first = spawn_app().await;
    // Settings as a version before the guard stored them.
    execute(
        &first.database,
        r#"UPDATE settings SET value = '{"premoderation":"off","banned_words":["old"],"suspect_words":[],"max_links":3}' WHERE name = 'screening'"#,
    )
    .await;
    let upgraded = spawn_beside(&first, |s| {
        s.screening.surge_posts = 7;
        s.screening.surge_factor = 3;
    })
    .await;
    let admin = upgraded.admin_cookie("ad").await;
    let settings: chime_shared::ScreeningSettings = upgraded.mod_get("/settings", &admin).await;
    assert_eq!(settings.banned_words, ["old"], "what was stored holds");
    assert_eq!(
        (
            settings.surge_posts,
            settings.surge_reports,
            settings.surge_factor
        ),
        (7, 0, 3),
        "what was not stored comes from the flags"
    );
}

#[tokio::test]
async fn a_burst_that_stops_between_two_counts_is_counted_after_it() {
    let app = spawn_with(|s| {
        s.screening.surge_posts = 20;
        s.surge_check_every = Duration::from_millis(300);
        s.surge_sweep_every = Duration::from_secs(60);
    })
    .await;
    let cookie = app.moderator_cookie("mo").await;
    // Counted at the first; the other nineteen fall inside the second.
    for n in 0..20 {
        post(&app, "sudden", n).await;
    }
    for _ in 0..40 {
        if !surges(&app, &cookie).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(surges(&app, &cookie).await, ["sudden"]);
}

#[tokio::test]
async fn nothing_starts_where_everything_waits_and_a_zero_ends_what_runs() {
    let app = guarded().await;
    let admin = app.admin_cookie("ad").await;
    for n in 0..20 {
        post(&app, "rush", n).await;
    }
    assert_eq!(surges(&app, &admin).await, ["rush"]);
    // The site stops counting comments: the surge ends at the next sweep.
    let mut settings: serde_json::Value = app.mod_get("/settings", &admin).await;
    settings["surge_posts"] = json!(0);
    settings["premoderation"] = json!("all");
    let put = app
        .moderation(Method::PUT, "/settings", &admin)
        .json(&settings)
        .send()
        .await
        .expect("request");
    assert_eq!(put.status(), StatusCode::OK);
    until_no_surge(&app, &admin).await;
    // Every comment waits site-wide: reports do not start a surge either.
    let target = app.comment("all", &reader(), "a view", None).await;
    assert_eq!(target.state, CommentState::Pending);
    let approve = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/approve", target.id),
            &admin,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(approve.status(), StatusCode::OK);
    for _ in 0..10 {
        let response = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", target.id),
                Some(&reader()),
                Some(json!({"reason": "abuse"})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    assert!(surges(&app, &admin).await.is_empty());
}
