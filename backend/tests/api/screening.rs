//! Spam defence: banned words refused, signs of spam and pre-moderation
//! holding a comment for review, shown to its author alone until a
//! moderator approves or rejects it.

use chime_backend::service::screening::{Premoderation, WordList};
use chime_shared::{
    ArticleModeration, AuditAction, AuditList, Comment, CommentState, ErrorCode, ModCommentList,
};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(app: &TestApp, article: &str, by: &str, body: Value) -> Comment {
    let response = app.post_comment(article, by, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("comment")
}

async fn act(app: &TestApp, cookie: &str, id: &str, action: &str) -> reqwest::Response {
    app.moderation(Method::POST, &format!("/comments/{id}/{action}"), cookie)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_banned_word_is_refused_with_its_field_and_nothing_is_stored() {
    let app = spawn_with(|s| s.screening.banned = WordList::parse("darn, buy now")).await;
    let author = reader();
    let body = app
        .post_comment(
            "a",
            &author,
            json!({"author_name": "Mei", "body": "Oh DARN, again"}),
        )
        .await;
    let error = assert_error(body, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(error.error.field.as_deref(), Some("body"));
    assert!(
        error.error.message.contains("darn"),
        "{}",
        error.error.message
    );
    let name = app
        .post_comment(
            "a",
            &author,
            json!({"author_name": "Buy Now", "body": "fine words"}),
        )
        .await;
    let error = assert_error(name, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(error.error.field.as_deref(), Some("author_name"));
    // "darned" is another word.
    app.comment("a", &author, "darned socks", None).await;
    assert_eq!(app.list("a", "", Some(&author)).await.total, 1);
    // An edit cannot bring the word in either.
    let kept = app.list("a", "", Some(&author)).await.comments[0].clone();
    let edit = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", kept.id),
            Some(&author),
            Some(json!({"body": "darn"})),
        )
        .await;
    assert_error(edit, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(
        app.list("a", "", None).await.comments[0].body,
        "darned socks"
    );
}

#[tokio::test]
async fn a_held_comment_is_shown_to_its_author_alone_until_approved() {
    let app = spawn_with(|s| s.screening.suspect = WordList::parse("casino")).await;
    let author = reader();
    let stranger = reader();
    app.comment("art", &stranger, "first!", None).await;
    // Fill the page cache before the held comment arrives.
    assert_eq!(app.list("art", "", None).await.comments.len(), 1);
    assert_eq!(app.list("art", "", Some(&author)).await.comments.len(), 1);

    let held = post(
        &app,
        "art",
        &author,
        json!({"author_name": "Spammy", "body": "Best Casino deals"}),
    )
    .await;
    assert_eq!(held.state, CommentState::Pending);
    assert!(held.own);
    assert_eq!(held.body, "Best Casino deals");

    for viewer in [None, Some(stranger.as_str())] {
        let list = app.list("art", "", viewer).await;
        assert_eq!(list.total, 1);
        assert!(list.comments.iter().all(|c| c.id != held.id), "{viewer:?}");
    }
    let mine = app.list("art", "", Some(&author)).await;
    assert_eq!(mine.total, 1, "the total counts what everyone sees");
    let shown = mine
        .comments
        .iter()
        .find(|c| c.id == held.id)
        .expect("the author sees it");
    assert_eq!(shown.state, CommentState::Pending);
    assert_eq!(shown.body, "Best Casino deals");
    assert!(shown.own);
    // Nobody can reply to it or report it meanwhile.
    let reply = app
        .post_comment(
            "art",
            &stranger,
            json!({"author_name": "R", "body": "hm", "parent_id": held.id}),
        )
        .await;
    assert_error(reply, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let report = app
        .send(
            Method::POST,
            &format!("/comments/{}/reports", held.id),
            Some(&stranger),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_error(report, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let cookie = app.moderator_cookie("mo").await;
    let queue: ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(queue.comments.len(), 1);
    assert_eq!(queue.comments[0].comment.id, held.id);
    assert_eq!(
        queue.comments[0].hidden_reason.as_deref(),
        Some("Contains “casino”.")
    );
    // Rejecting a comment that is not waiting is refused (approving a
    // visible one is already done: two moderators may click at once).
    let visible_id = app.list("art", "", None).await.comments[0].id.clone();
    let wrong = act(&app, &cookie, visible_id.as_str(), "reject").await;
    assert_error(wrong, StatusCode::CONFLICT, ErrorCode::Conflict).await;

    assert_eq!(
        act(&app, &cookie, held.id.as_str(), "approve")
            .await
            .status(),
        StatusCode::OK
    );
    let list = app.list("art", "", Some(&stranger)).await;
    assert_eq!(list.total, 2);
    let approved = list
        .comments
        .iter()
        .find(|c| c.id == held.id)
        .expect("everyone sees it now");
    assert_eq!(approved.state, CommentState::Visible);
    let queue: ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert!(queue.comments.is_empty());
    let audit: AuditList = app.mod_get("/audit", &cookie).await;
    assert_eq!(audit.entries[0].action, AuditAction::Approve);
    assert_eq!(audit.entries[0].moderator, "mo");
}

#[tokio::test]
async fn a_rejected_comment_leaves_its_author_s_view_too() {
    let app = spawn_with(|s| s.screening.premoderation = Premoderation::All).await;
    let author = reader();
    let held = app.comment("r", &author, "please look", None).await;
    assert_eq!(held.state, CommentState::Pending);
    let cookie = app.moderator_cookie("mo").await;
    let rejected = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/reject", held.id),
            &cookie,
        )
        .json(&json!({"reason": "off topic"}))
        .send()
        .await
        .expect("request");
    assert_eq!(rejected.status(), StatusCode::OK);
    let mine = app.list("r", "", Some(&author)).await;
    assert!(mine.comments.is_empty());
    let hidden: ModCommentList = app.mod_get("/comments?state=hidden", &cookie).await;
    assert_eq!(
        hidden.comments[0].hidden_reason.as_deref(),
        Some("off topic")
    );
    let audit: AuditList = app.mod_get("/audit", &cookie).await;
    assert_eq!(audit.entries[0].action, AuditAction::Reject);
    // Rejecting again is already done; approving it now is refused.
    let again = act(&app, &cookie, held.id.as_str(), "approve").await;
    assert_error(again, StatusCode::CONFLICT, ErrorCode::Conflict).await;
}

#[tokio::test]
async fn a_new_reader_waits_until_one_of_theirs_is_approved() {
    let app = spawn_with(|s| s.screening.premoderation = Premoderation::NewReaders).await;
    let newcomer = reader();
    let first = app
        .comment("n", &newcomer, "hello, first time here", None)
        .await;
    assert_eq!(first.state, CommentState::Pending);
    let second = app
        .comment("n", &newcomer, "and a second thought", None)
        .await;
    assert_eq!(second.state, CommentState::Pending);
    let cookie = app.moderator_cookie("mo").await;
    assert_eq!(
        act(&app, &cookie, first.id.as_str(), "approve")
            .await
            .status(),
        StatusCode::OK
    );
    let third = app.comment("n", &newcomer, "now I am known", None).await;
    assert_eq!(third.state, CommentState::Visible);
    // Approval of one does not approve the others.
    let total = app.list("n", "", None).await.total;
    assert_eq!(total, 2);
}

#[tokio::test]
async fn an_article_under_pre_moderation_holds_every_new_comment() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let path = format!("/articles/{}", enc("world/hot topic"));
    let off: ArticleModeration = app.mod_get(&path, &cookie).await;
    assert!(!off.premoderate);
    let set = app
        .moderation(Method::PUT, &path, &cookie)
        .json(&json!({"premoderate": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(set.status(), StatusCode::OK);
    let on: ArticleModeration = app.mod_get(&path, &cookie).await;
    assert!(on.premoderate);

    let author = reader();
    let held = app
        .comment("world/hot topic", &author, "my view", None)
        .await;
    assert_eq!(held.state, CommentState::Pending);
    let queue: ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(
        queue.comments[0].hidden_reason.as_deref(),
        Some("Every comment on this article is reviewed before it is shown.")
    );
    let elsewhere = app.comment("world/calm", &author, "my view", None).await;
    assert_eq!(elsewhere.state, CommentState::Visible);

    // Turned off, new comments show at once; the held one still waits.
    app.moderation(Method::PUT, &path, &cookie)
        .json(&json!({"premoderate": false}))
        .send()
        .await
        .expect("request");
    let later = app.comment("world/hot topic", &author, "later", None).await;
    assert_eq!(later.state, CommentState::Visible);
    assert_eq!(app.list("world/hot topic", "", None).await.total, 1);
    // A bad article id gets the usual error; a reader cannot change it.
    let bad = app
        .moderation(Method::PUT, &format!("/articles/{}", enc(" x")), &cookie)
        .json(&json!({"premoderate": true}))
        .send()
        .await
        .expect("request");
    assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    let anonymous = app
        .client
        .put(app.api(&format!("/mod{path}")))
        .header("Origin", &app.url)
        .json(&json!({"premoderate": false}))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn robots_links_and_repeats_are_held_not_lost() {
    let app = spawn_with(|s| s.screening.repeat_window_ms = 60 * 60 * 1000).await;
    let held = |body: Value| {
        let app = &app;
        async move {
            let comment = post(app, "spam", &reader(), body).await;
            (comment.state, comment.body)
        }
    };
    let honeypot = held(
        json!({"author_name": "Bot", "body": "nice post a", "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(honeypot.0, CommentState::Pending);
    let fast = held(json!({"author_name": "Bot", "body": "nice post b", "form_ms": 350})).await;
    assert_eq!(fast.0, CommentState::Pending);
    let slow = held(json!({"author_name": "Mei", "body": "a considered reply", "form_ms": 45_000, "website": ""})).await;
    assert_eq!(slow.0, CommentState::Visible);
    let links = held(json!({"author_name": "Bot", "body": "http://a.example http://b.example www.c.example https://d.example"})).await;
    assert_eq!(links.0, CommentState::Pending);
    assert_eq!(
        links.1,
        "http://a.example http://b.example www.c.example https://d.example"
    );

    // The same words twice from one reader: the second waits.
    let author = reader();
    let once = app.comment("spam", &author, "Read my blog!", None).await;
    assert_eq!(once.state, CommentState::Visible);
    let twice = app.comment("spam", &author, "read my   BLOG", None).await;
    assert_eq!(twice.state, CommentState::Pending);

    let cookie = app.moderator_cookie("mo").await;
    let queue: ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    let reasons: Vec<&str> = queue
        .comments
        .iter()
        .filter_map(|c| c.hidden_reason.as_deref())
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("hidden field")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("0.3 s")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("4 links")), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("same text")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn an_edit_that_adds_spam_waits_for_review_while_readers_keep_the_old_words() {
    let app = spawn_with(|s| s.screening.suspect = WordList::parse("casino")).await;
    let author = reader();
    let posted = app.comment("e", &author, "an honest opinion", None).await;
    assert_eq!(posted.state, CommentState::Visible);
    let edited = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&author),
            Some(json!({"body": "visit my casino"})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Comment = edited.json().await.expect("comment");
    assert_eq!(edited.state, CommentState::Pending);
    assert_eq!(edited.body, "visit my casino");
    let everyone = app.list("e", "", None).await;
    assert_eq!(everyone.total, 1);
    assert_eq!(everyone.comments[0].body, "an honest opinion");
    // The author can still fix it while it waits: an edit with nothing to
    // review replaces the waiting one and is shown at once.
    let fixed = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&author),
            Some(json!({"body": "an honest opinion, again"})),
        )
        .await;
    assert_eq!(fixed.status(), StatusCode::OK);
    let mine = app.list("e", "", Some(&author)).await;
    assert_eq!(mine.comments[0].body, "an honest opinion, again");
    assert_eq!(mine.comments[0].state, CommentState::Visible);
    assert_eq!(
        app.list("e", "", None).await.comments[0].body,
        "an honest opinion, again"
    );
    // And take it back.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", posted.id),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(app.list("e", "", Some(&author)).await.comments.is_empty());
}
