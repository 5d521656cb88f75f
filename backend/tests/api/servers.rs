//! Several servers on one PostgreSQL database: what a reader on one sees
//! of what happens on the others. (SQLite is one server's store: these
//! tests run in the PostgreSQL pass of the suite.)

use chime_shared::{Comment, CommentRemoved, ModChange, ModEvent, ReactionsChanged};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

fn skipped() -> bool {
    if on_postgres() {
        return false;
    }
    eprintln!("several servers share a PostgreSQL database only: skipped on SQLite");
    true
}

/// The next event of `events` with this name, within a second.
async fn within_a_second(events: &mut Events, name: &str) -> String {
    let started = Instant::now();
    loop {
        let (got, data) = events.next().await;
        if got == name {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{name} took {:?}",
                started.elapsed()
            );
            return data;
        }
    }
}

#[tokio::test]
async fn a_reader_on_one_server_sees_what_happens_on_the_others() {
    if skipped() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    let c = spawn_beside(&a, |_| {}).await;
    let article = "world/shared";
    // A keeps the article's first page before anything happens.
    assert_eq!(a.list(article, "", None).await.total, 0);
    let mut on_a = Events::open(&a, article).await;
    let cookie = a.moderator_cookie("mo-a").await;
    let mut moderators_on_a = Events::from_response(
        a.moderation(Method::GET, "/events", &cookie)
            .send()
            .await
            .expect("request"),
    )
    .await;

    // Posted through B.
    let posted = b.comment(article, &reader(), "from server B", None).await;
    let created: Comment =
        serde_json::from_str(&within_a_second(&mut on_a, "comment_created").await)
            .expect("comment");
    assert_eq!(created.id, posted.id);
    assert_eq!(created.body, "from server B");
    let event: ModEvent =
        serde_json::from_str(&within_a_second(&mut moderators_on_a, "mod_comment").await)
            .expect("mod event");
    assert_eq!(event.change, ModChange::Created);
    // A's kept page was dropped: its listing has the comment.
    let listed = a.list(article, "", None).await;
    assert_eq!(listed.total, 1);
    assert_eq!(listed.comments[0].id, posted.id);

    // A reaction through C.
    let response = c
        .send(
            Method::PUT,
            &format!("/comments/{}/reactions/love", posted.id),
            Some(&reader()),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: ReactionsChanged =
        serde_json::from_str(&within_a_second(&mut on_a, "reactions_changed").await)
            .expect("counts");
    assert_eq!(changed.counts.get(chime_shared::ReactionKind::Love), 1);

    // A comment too long for one notification crosses too.
    let long = "é".repeat(4_900);
    let response = b
        .post_comment(
            article,
            &reader(),
            json!({"author_name": "Long", "body": long}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Comment =
        serde_json::from_str(&within_a_second(&mut on_a, "comment_created").await)
            .expect("comment");
    assert!(created.body == long, "the long comment arrived changed");

    // Hidden by a moderator on C: gone from A's readers at once.
    let cookie_c = c.moderator_cookie("mo-c").await;
    let hidden = c
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", posted.id),
            &cookie_c,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(hidden.status(), StatusCode::OK);
    let removed: CommentRemoved =
        serde_json::from_str(&within_a_second(&mut on_a, "comment_removed").await)
            .expect("removed");
    assert_eq!(removed.id, posted.id);
    assert_eq!(a.list(article, "", None).await.total, 1);
    // Sessions live in the database: C's cookie works on A.
    let me = a
        .moderation(Method::GET, "/me", &cookie_c)
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idempotent_retry_is_answered_once_whichever_server_gets_it() {
    if skipped() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    let me = reader();
    let send = |app: &TestApp| {
        app.request(Method::POST, "/articles/retry/comments", Some(&me))
            .header("Idempotency-Key", "one-post")
            .json(&json!({"author_name": "M", "body": "once"}))
            .send()
    };
    let (first, second) = tokio::join!(send(&a), send(&b));
    let statuses = [
        first.expect("request").status(),
        second.expect("request").status(),
    ];
    assert!(
        statuses.contains(&StatusCode::CREATED),
        "one of them posts: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let replay = send(&b).await.expect("request");
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(a.list("retry", "", None).await.total, 1);
}

fn guarded(s: &mut chime_backend::startup::config::Settings) {
    s.screening.surge_posts = 20;
    s.screening.surge_reports = 10;
    s.surge_check_every = Duration::ZERO;
    s.surge_sweep_every = Duration::from_millis(50);
}

#[tokio::test]
async fn a_surge_is_the_articles_whichever_servers_take_its_comments() {
    if skipped() {
        return;
    }
    let a = spawn_with(guarded).await;
    let b = spawn_beside(&a, guarded).await;
    let cookie = a.moderator_cookie("mo-a").await;
    let mut moderators_on_a = Events::from_response(
        a.moderation(Method::GET, "/events", &cookie)
            .send()
            .await
            .expect("request"),
    )
    .await;
    // Ten through each: neither server alone sees twenty.
    for n in 0..10 {
        for server in [&a, &b] {
            let comment = server
                .comment("world/rush", &reader(), &format!("{n}"), None)
                .await;
            assert_eq!(comment.state, chime_shared::CommentState::Visible);
        }
    }
    let notice: chime_shared::SurgeNotice =
        serde_json::from_str(&within_a_second(&mut moderators_on_a, "mod_surge").await)
            .expect("json");
    assert!(notice.active && notice.article.as_str() == "world/rush");
    for server in [&a, &b] {
        let held = server.comment("world/rush", &reader(), "more", None).await;
        assert_eq!(held.state, chime_shared::CommentState::Pending);
        let calm = server.comment("world/calm", &reader(), "hi", None).await;
        assert_eq!(calm.state, chime_shared::CommentState::Visible);
    }
    // Over: both servers sweep, one ends it; the log says so once.
    a.clock.advance(time::Duration::minutes(11));
    b.clock.advance(time::Duration::minutes(11));
    let over: chime_shared::SurgeNotice =
        serde_json::from_str(&within_a_second(&mut moderators_on_a, "mod_surge").await)
            .expect("json");
    assert!(!over.active);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log: chime_shared::AuditList = a.mod_get("/audit", &cookie).await;
    let count = |action| log.entries.iter().filter(|e| e.action == action).count();
    assert_eq!(
        (
            count(chime_shared::AuditAction::SurgeHold),
            count(chime_shared::AuditAction::SurgeEnd)
        ),
        (1, 1)
    );
    let after = b.comment("world/rush", &reader(), "calm again", None).await;
    assert_eq!(after.state, chime_shared::CommentState::Visible);
}

#[tokio::test]
async fn first_comments_on_a_new_article_from_two_servers_at_once_both_land() {
    if skipped() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    // The article's row is made by whichever server is first; the other
    // finds it there a moment later, open.
    for n in 0..30 {
        let article = format!("fresh/{n}");
        let readers: Vec<String> = (0..4).map(|_| reader()).collect();
        let servers = [&a, &b, &a, &b];
        let posts = servers.iter().zip(&readers).map(|(server, me)| {
            server.post_comment(
                &article,
                me,
                json!({"author_name": "Mei", "body": "first!"}),
            )
        });
        for response in futures_util::future::join_all(posts).await {
            assert_eq!(response.status(), StatusCode::CREATED, "{article}");
        }
    }
}
