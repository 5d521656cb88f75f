//! An article's controls: closing (by a moderator, or by itself some days
//! after its first comment) and featured comments.

use chime_backend::service::screening::WordList;
use chime_shared::{
    ArticleModeration, ArticleStatus, AuditAction, AuditList, Comment, CommentList, ErrorCode,
    ModComment,
};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

const DAY: Duration = Duration::days(1);

async fn set(app: &TestApp, cookie: &str, article: &str, change: Value) -> ArticleModeration {
    let response = app
        .moderation(Method::PUT, &format!("/articles/{}", enc(article)), cookie)
        .json(&change)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

async fn refused_as_closed(response: reqwest::Response) -> String {
    assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Closed)
        .await
        .error
        .message
}

async fn audit(app: &TestApp, cookie: &str) -> Vec<(AuditAction, Option<String>)> {
    let log: AuditList = app.mod_get("/audit", cookie).await;
    log.entries
        .into_iter()
        .map(|e| (e.action, e.subject.or(e.comment_id.map(String::from))))
        .collect()
}

#[tokio::test]
async fn a_closed_article_takes_no_comment_but_is_still_read_and_reacted_to() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let author = reader();
    let mine = app
        .comment("turned", &author, "before the storm", None)
        .await;
    let mut events = Events::open(&app, "turned").await;

    let closed = set(&app, &cookie, "turned", json!({"closed": true})).await;
    let since = closed.closed_at.expect("closed now");
    assert_eq!(closed.closes_at, Some(since));
    assert!(!closed.premoderate, "what was not asked for stays");
    let (name, data) = events.next().await;
    assert_eq!(name, "article_updated");
    let status: ArticleStatus = serde_json::from_str(&data).expect("json");
    assert_eq!(status.closes_at, Some(since));
    assert_eq!(app.list("turned", "", None).await.closes_at, Some(since));

    // No comment, reply or edit; the reader is told since when.
    let post = app
        .post_comment(
            "turned",
            &reader(),
            json!({"author_name": "Li", "body": "late"}),
        )
        .await;
    assert!(refused_as_closed(post).await.contains("closed on"));
    let reply = app
        .post_comment(
            "turned",
            &reader(),
            json!({"author_name": "Li", "body": "late", "parent_id": mine.id}),
        )
        .await;
    refused_as_closed(reply).await;
    let edit = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", mine.id),
            Some(&author),
            Some(json!({"body": "edited after closing"})),
        )
        .await;
    refused_as_closed(edit).await;
    // Reading, reacting, reporting and deleting one's own go on.
    let someone = reader();
    for (method, path, body) in [
        (
            Method::PUT,
            "/articles/turned/reactions/like".to_owned(),
            None,
        ),
        (
            Method::PUT,
            format!("/comments/{}/reactions/love", mine.id),
            None,
        ),
        (
            Method::POST,
            format!("/comments/{}/reports", mine.id),
            Some(json!({"reason": "spam"})),
        ),
    ] {
        let response = app.send(method, &path, Some(&someone), body).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    assert_eq!(app.list("turned", "", None).await.comments.len(), 1);

    // Closing again keeps the first time; opening takes comments again.
    let again = set(&app, &cookie, "turned", json!({"closed": true})).await;
    assert_eq!(again.closed_at, Some(since));
    let open = set(&app, &cookie, "turned", json!({"closed": false})).await;
    assert_eq!((open.closed_at, open.closes_at), (None, None));
    let (name, data) = loop {
        let (name, data) = events.next().await;
        if name != "reactions_changed" && name != "comment_updated" {
            break (name, data);
        }
    };
    assert_eq!(name, "article_updated");
    let status: ArticleStatus = serde_json::from_str(&data).expect("json");
    assert_eq!(status.closes_at, None);
    assert_eq!(app.list("turned", "", None).await.closes_at, None);
    app.comment("turned", &reader(), "open again", None).await;
    assert_eq!(
        audit(&app, &cookie).await[..2],
        [
            (AuditAction::Reopen, Some("turned".to_owned())),
            (AuditAction::Close, Some("turned".to_owned())),
        ]
    );
    // An article nobody wrote on can be closed before its first comment.
    set(&app, &cookie, "not yet", json!({"closed": true})).await;
    let first = app
        .post_comment(
            "not yet",
            &reader(),
            json!({"author_name": "Li", "body": "first"}),
        )
        .await;
    refused_as_closed(first).await;
}

#[tokio::test]
async fn articles_close_by_themselves_days_after_their_first_comment() {
    let app = spawn_with(|s| s.screening.auto_close_days = 2).await;
    let first = app.comment("old", &reader(), "first", None).await;
    let closes = first.created_at + 2 * DAY;
    assert_eq!(app.list("old", "", None).await.closes_at, Some(closes));
    app.clock.advance(DAY);
    app.comment("old", &reader(), "a day later", None).await;
    app.clock.advance(DAY);
    let late = app
        .post_comment(
            "old",
            &reader(),
            json!({"author_name": "Li", "body": "too late"}),
        )
        .await;
    refused_as_closed(late).await;
    // (Signed in now: two days end a moderator's session.)
    let cookie = app.moderator_cookie("mo").await;
    let controls: ArticleModeration = app.mod_get("/articles/old", &cookie).await;
    assert_eq!(
        (controls.closed_at, controls.closes_at),
        (None, Some(closes))
    );
    // An article of its own choosing: five days, then never.
    let five = set(&app, &cookie, "old", json!({"auto_close_days": 5})).await;
    assert_eq!(five.closes_at, Some(first.created_at + 5 * DAY));
    app.comment("old", &reader(), "open for five", None).await;
    let never = set(&app, &cookie, "old", json!({"auto_close_days": 0})).await;
    assert_eq!(never.closes_at, None);
    // Back to the site's: closed again. Opening it stops it closing.
    let site = set(&app, &cookie, "old", json!({"auto_close_days": null})).await;
    assert_eq!((site.auto_close_days, site.closes_at), (None, Some(closes)));
    let open = set(&app, &cookie, "old", json!({"closed": false})).await;
    assert_eq!((open.auto_close_days, open.closes_at), (Some(0), None));
    app.comment("old", &reader(), "opened by hand", None).await;
    assert_eq!(audit(&app, &cookie).await[0].0, AuditAction::Reopen);
    // Days out of range are refused, naming the field.
    let bad = app
        .moderation(Method::PUT, "/articles/old", &cookie)
        .json(&json!({"auto_close_days": 100_000}))
        .send()
        .await
        .expect("request");
    let body = assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(body.error.field.as_deref(), Some("auto_close_days"));

    // A new article follows the site's setting as an admin changes it, in
    // the pages already kept too.
    let fresh = app.comment("fresh", &reader(), "first", None).await;
    assert!(app.list("fresh", "", None).await.closes_at.is_some());
    let admin = app.admin_cookie("ad").await;
    let mut settings: Value = app.mod_get("/settings", &admin).await;
    settings["auto_close_days"] = json!(0);
    let put = app
        .moderation(Method::PUT, "/settings", &admin)
        .json(&settings)
        .send()
        .await
        .expect("request");
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(app.list("fresh", "", None).await.closes_at, None);
    settings["auto_close_days"] = json!(1);
    app.moderation(Method::PUT, "/settings", &admin)
        .json(&settings)
        .send()
        .await
        .expect("request");
    assert_eq!(
        app.list("fresh", "", None).await.closes_at,
        Some(fresh.created_at + DAY)
    );
}

fn ids(list: &CommentList) -> Vec<String> {
    list.comments.iter().map(|c| c.id.to_string()).collect()
}

async fn feature(app: &TestApp, cookie: &str, id: &str, on: bool) -> reqwest::Response {
    let act = if on { "feature" } else { "unfeature" };
    app.moderation(Method::POST, &format!("/comments/{id}/{act}"), cookie)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn featured_comments_lead_every_order_once_and_at_most_three() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let mut posted: Vec<Comment> = Vec::new();
    for n in 0..5 {
        posted.push(
            app.comment("feat", &reader(), &format!("comment {n}"), None)
                .await,
        );
        app.clock.advance(Duration::seconds(1));
    }
    let id = |n: usize| posted[n].id.to_string();
    let reply = app
        .comment("feat", &reader(), "a reply", Some(&id(4)))
        .await;
    let mut events = Events::open(&app, "feat").await;

    let response = feature(&app, &cookie, &id(0), true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let row: ModComment = response.json().await.expect("json");
    assert!(row.comment.featured);
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_updated");
    let told: Comment = serde_json::from_str(&data).expect("json");
    assert!(told.featured && told.id == posted[0].id);

    // First in every order, and only once over the pages.
    let newest = app.list("feat", "", None).await;
    assert_eq!(ids(&newest), [id(0), id(4), id(3), id(2), id(1)]);
    assert!(newest.comments[0].featured && !newest.comments[1].featured);
    assert_eq!(newest.total, 6);
    let oldest = app.list("feat", "?sort=oldest", None).await;
    assert_eq!(ids(&oldest), [id(0), id(1), id(2), id(3), id(4)]);
    app.send(
        Method::PUT,
        &format!("/comments/{}/reactions/like", id(2)),
        Some(&reader()),
        None,
    )
    .await;
    let top = app.list("feat", "?sort=top", None).await;
    assert_eq!(ids(&top)[..2], [id(0), id(2)]);
    let first = app.list("feat", "?limit=2", None).await;
    assert_eq!(ids(&first), [id(0), id(4), id(3)]);
    let cursor = first.next_cursor.expect("more");
    let second = app
        .list("feat", &format!("?limit=2&cursor={cursor}"), None)
        .await;
    assert_eq!(ids(&second), [id(2), id(1)]);
    let controls: ArticleModeration = app.mod_get("/articles/feat", &cookie).await;
    assert_eq!(controls.featured, [posted[0].id.clone()]);

    // Three at most; replies are not featured; featuring twice is done.
    for n in [1, 2] {
        assert_eq!(
            feature(&app, &cookie, &id(n), true).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        feature(&app, &cookie, &id(0), true).await.status(),
        StatusCode::OK
    );
    let full = feature(&app, &cookie, &id(3), true).await;
    assert_error(full, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let of_reply = feature(&app, &cookie, reply.id.as_str(), true).await;
    assert_error(of_reply, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let unknown = feature(&app, &cookie, "zzzz", true).await;
    assert_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(
        ids(&app.list("feat", "", None).await)[..3],
        [id(2), id(1), id(0)]
    );

    // Unfeatured, a comment goes back to its place; hidden, it stops
    // being featured, and comes back unfeatured.
    assert_eq!(
        feature(&app, &cookie, &id(1), false).await.status(),
        StatusCode::OK
    );
    let hide = app
        .moderation(Method::POST, &format!("/comments/{}/hide", id(2)), &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(hide.status(), StatusCode::OK);
    app.moderation(
        Method::POST,
        &format!("/comments/{}/unhide", id(2)),
        &cookie,
    )
    .send()
    .await
    .expect("request");
    let after = app.list("feat", "", None).await;
    assert_eq!(ids(&after), [id(0), id(4), id(3), id(2), id(1)]);
    assert_eq!(after.comments.iter().filter(|c| c.featured).count(), 1);
    // Room again: the fourth can be featured now.
    assert_eq!(
        feature(&app, &cookie, &id(3), true).await.status(),
        StatusCode::OK
    );
    let log = audit(&app, &cookie).await;
    assert_eq!(log[0], (AuditAction::Feature, Some(id(3))));
    assert!(log.contains(&(AuditAction::Unfeature, Some(id(1)))));
    // Readers cannot feature.
    let anonymous = app
        .request(
            Method::POST,
            &format!("/mod/comments/{}/feature", id(4)),
            None,
        )
        .header("Origin", &app.url)
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_post_stored_before_the_article_closed_is_given_back_to_its_retry() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let author = reader();
    let body = json!({"author_name": "Li", "body": "sent just in time"});
    let send = |key: &'static str| {
        app.request(Method::POST, "/articles/retry/comments", Some(&author))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send("k1").await.expect("request");
    assert_eq!(first.status(), StatusCode::CREATED);
    let stored: Comment = first.json().await.expect("json");
    set(&app, &cookie, "retry", json!({"closed": true})).await;
    // The server died before its answer was kept: the retry finds the
    // comment itself.
    execute(&app.database, "DELETE FROM idempotency_keys").await;
    let retry = send("k1").await.expect("request");
    assert_eq!(retry.status(), StatusCode::CREATED);
    let again: Comment = retry.json().await.expect("json");
    assert_eq!(again.id, stored.id);
    refused_as_closed(send("k2").await.expect("request")).await;
    assert_eq!(app.list("retry", "", None).await.total, 1);
}

#[tokio::test]
async fn featuring_what_is_featured_already_tells_nobody() {
    let app = spawn_with(|s| s.screening.suspect = WordList::parse("casino")).await;
    let cookie = app.moderator_cookie("mo").await;
    let held = app.comment("quiet", &reader(), "casino tips", None).await;
    assert_eq!(held.state, chime_shared::CommentState::Pending);
    let mut events = Events::open(&app, "quiet").await;
    let response = feature(&app, &cookie, held.id.as_str(), false).await;
    assert_eq!(response.status(), StatusCode::OK);
    let refused = feature(&app, &cookie, held.id.as_str(), true).await;
    assert_error(refused, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    // The next event is the next comment: nothing was said of the held one.
    let shown = app.comment("quiet", &reader(), "hello", None).await;
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_created");
    let told: Comment = serde_json::from_str(&data).expect("json");
    assert_eq!(told.id, shown.id);
    let log = audit(&app, &cookie).await;
    assert!(
        log.iter()
            .all(|(action, _)| *action != AuditAction::Unfeature)
    );
}

#[tokio::test]
async fn two_moderators_changing_an_article_at_once_each_change_what_they_asked() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let articles: Vec<String> = (0..8).map(|n| format!("busy-{n}")).collect();
    let mut changes = Vec::new();
    for article in &articles {
        for change in [json!({"premoderate": true}), json!({"closed": true})] {
            changes.push(set(&app, &cookie, article, change));
        }
    }
    futures_util::future::join_all(changes).await;
    for article in &articles {
        let controls: ArticleModeration =
            app.mod_get(&format!("/articles/{article}"), &cookie).await;
        assert!(
            controls.premoderate && controls.closed_at.is_some(),
            "{article}: {controls:?}"
        );
    }
}
