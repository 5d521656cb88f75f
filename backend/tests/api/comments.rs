use chime_shared::{Comment, CommentState, ErrorCode};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn posted_comment_is_listed_with_sanitised_html_and_raw_body() {
    let app = spawn_app().await;
    let me = reader();
    let body = "Hello *world* <script>alert(1)</script>";
    let posted = app.comment("world/qiyang-forum", &me, body, None).await;
    assert_eq!(posted.body, body);
    assert!(posted.own);
    assert!(posted.html.contains("<em>world</em>"));
    assert!(!posted.html.contains("<script"));

    let list = app.list("world/qiyang-forum", "", Some(&me)).await;
    assert_eq!(list.total, 1);
    assert_eq!(list.article.as_str(), "world/qiyang-forum");
    assert_eq!(list.comments.len(), 1);
    assert_eq!(list.comments[0].id, posted.id);
    assert!(list.comments[0].own);
    let other = app.list("world/qiyang-forum", "", Some(&reader())).await;
    assert!(!other.comments[0].own);
    assert!(list.next_cursor.is_none());
}

#[tokio::test]
async fn unknown_article_lists_empty() {
    let app = spawn_app().await;
    let list = app.list("never-commented", "", None).await;
    assert_eq!(list.total, 0);
    assert!(list.comments.is_empty());
}

#[tokio::test]
async fn text_is_stored_exactly_as_sent() {
    let app = spawn_app().await;
    let posted = app
        .post_comment(
            "a",
            &reader(),
            json!({"author_name": "  Zoë  ", "body": "  line one\r\n\tline two  "}),
        )
        .await;
    assert_eq!(posted.status(), StatusCode::CREATED);
    let posted: Comment = posted.json().await.expect("json");
    assert_eq!(posted.author.name, "  Zoë  ");
    assert_eq!(posted.body, "  line one\r\n\tline two  ");
}

#[tokio::test]
async fn replies_nest_under_parents_oldest_first() {
    let app = spawn_app().await;
    let r = reader();
    let top = app.comment("a", &r, "top", None).await;
    app.clock.advance(time::Duration::seconds(1));
    let first = app
        .comment("a", &r, "first reply", Some(top.id.as_str()))
        .await;
    app.clock.advance(time::Duration::seconds(1));
    let second = app
        .comment("a", &r, "second reply", Some(top.id.as_str()))
        .await;
    app.clock.advance(time::Duration::seconds(1));
    let nested = app
        .comment("a", &r, "nested", Some(first.id.as_str()))
        .await;

    let list = app.list("a", "", None).await;
    assert_eq!(list.total, 4);
    assert_eq!(
        list.comments.len(),
        1,
        "pagination is over top-level comments"
    );
    let thread = &list.comments[0];
    assert_eq!(thread.reply_count, 3);
    let ids: Vec<_> = thread.replies.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, vec![first.id.clone(), second.id.clone()]);
    assert_eq!(thread.replies[0].replies[0].id, nested.id);
    assert_eq!(thread.replies[0].reply_count, 1);
}

#[tokio::test]
async fn replies_deeper_than_six_levels_attach_at_the_deepest_level() {
    let app = spawn_app().await;
    let r = reader();
    let mut chain = vec![app.comment("deep", &r, "level 0", None).await];
    for level in 1..=6 {
        let parent = chain.last().expect("parent").id.clone();
        let reply = app
            .comment("deep", &r, &format!("level {level}"), Some(parent.as_str()))
            .await;
        assert_eq!(reply.parent_id.as_ref(), Some(&parent));
        chain.push(reply);
    }
    // Replying to the level-6 comment: placed beside it, under level 5.
    let deepest = chain[6].id.clone();
    let too_deep = app
        .comment("deep", &r, "level 7?", Some(deepest.as_str()))
        .await;
    assert_eq!(too_deep.parent_id.as_ref(), Some(&chain[5].id));

    let list = app.list("deep", "", None).await;
    let mut node = &list.comments[0];
    for _ in 0..5 {
        node = &node.replies[0];
    }
    assert_eq!(node.id, chain[5].id);
    let children: Vec<_> = node.replies.iter().map(|c| c.id.clone()).collect();
    assert_eq!(children, vec![chain[6].id.clone(), too_deep.id.clone()]);
    assert!(node.replies.iter().all(|c| c.replies.is_empty()));
}

#[tokio::test]
async fn sorts_and_cursor_pagination_cover_every_top_level_comment_once() {
    let app = spawn_app().await;
    let r = reader();
    let mut posted = Vec::new();
    for i in 0..7 {
        posted.push(
            app.comment("pages", &r, &format!("comment {i}"), None)
                .await,
        );
        app.clock.advance(time::Duration::seconds(10));
    }
    // Give comment 2 the most reactions and comment 5 the next most.
    for (index, fans) in [(2usize, 3usize), (5, 1)] {
        for _ in 0..fans {
            let response = app
                .send(
                    Method::PUT,
                    &format!("/comments/{}/reactions/like", posted[index].id),
                    Some(&reader()),
                    None,
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    }
    for (sort, expected_first) in [("newest", 6usize), ("oldest", 0), ("top", 2)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("?sort={sort}&limit=3&cursor={c}"),
                None => format!("?sort={sort}&limit=3"),
            };
            let page = app.list("pages", &query, None).await;
            assert!(page.comments.len() <= 3);
            seen.extend(page.comments.iter().map(|c| c.id.clone()));
            match page.next_cursor {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 7, "{sort}: {seen:?}");
        assert_eq!(seen[0], posted[expected_first].id, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 7, "{sort}: no duplicates");
        if sort == "top" {
            assert_eq!(seen[1], posted[5].id);
        }
    }
}

#[tokio::test]
async fn a_cursor_from_another_order_is_refused() {
    let app = spawn_app().await;
    let r = reader();
    for _ in 0..3 {
        app.comment("c", &r, "x", None).await;
    }
    let page = app.list("c", "?limit=1", None).await;
    let cursor = page.next_cursor.expect("more pages");
    let response = app
        .send(
            Method::GET,
            &format!("/articles/c/comments?sort=top&cursor={cursor}"),
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
    assert_eq!(err.error.field.as_deref(), Some("cursor"));
}

#[tokio::test]
async fn edit_works_inside_the_window_and_is_refused_after() {
    let app = spawn_app().await;
    let me = reader();
    let posted = app.comment("e", &me, "first words", None).await;
    app.clock.advance(time::Duration::minutes(14));
    let edited = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&me),
            Some(json!({"body": "better **words**"})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Comment = edited.json().await.expect("json");
    assert_eq!(edited.body, "better **words**");
    assert!(edited.html.contains("<strong>words</strong>"));
    assert!(edited.edited_at.is_some());

    let not_mine = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&reader()),
            Some(json!({"body": "hijack"})),
        )
        .await;
    assert_error(not_mine, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    app.clock.advance(time::Duration::minutes(2));
    let late = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&me),
            Some(json!({"body": "too late"})),
        )
        .await;
    assert_error(late, StatusCode::FORBIDDEN, ErrorCode::EditWindowClosed).await;
    let list = app.list("e", "", None).await;
    assert_eq!(list.comments[0].body, "better **words**");
}

#[tokio::test]
async fn author_can_delete_and_others_cannot() {
    let app = spawn_app().await;
    let me = reader();
    let posted = app.comment("d", &me, "regret", None).await;
    let theirs = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", posted.id),
            Some(&reader()),
            None,
        )
        .await;
    assert_error(theirs, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let mine = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", posted.id),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(mine.status(), StatusCode::NO_CONTENT);
    let list = app.list("d", "", None).await;
    assert_eq!(list.total, 0);
    assert!(list.comments.is_empty());
    let again = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", posted.id),
            Some(&me),
            None,
        )
        .await;
    assert_error(again, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn deleted_comment_with_visible_replies_stands_as_a_tombstone() {
    let app = spawn_app().await;
    let me = reader();
    let parent = app.comment("t", &me, "secret parent", None).await;
    let reply = app
        .comment("t", &reader(), "a reply", Some(parent.id.as_str()))
        .await;
    let response = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", parent.id),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let list = app.list("t", "", Some(&me)).await;
    assert_eq!(list.total, 1);
    let tomb = &list.comments[0];
    assert_eq!(tomb.state, CommentState::Deleted);
    assert!(tomb.author.name.is_empty() && tomb.body.is_empty() && tomb.html.is_empty());
    assert!(!tomb.own);
    assert_eq!(tomb.replies[0].id, reply.id);

    // When the last visible reply goes, so does the tombstone.
    let response = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", reply.id),
            Some(&me),
            None,
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let cookie = app.moderator_cookie("mo").await;
    let hidden = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", reply.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(hidden.status(), StatusCode::OK);
    let list = app.list("t", "", None).await;
    assert!(list.comments.is_empty(), "{:?}", list.comments);
    assert_eq!(list.total, 0);
}

#[tokio::test]
async fn replies_must_stay_in_their_article_and_under_live_comments() {
    let app = spawn_app().await;
    let me = reader();
    let parent = app.comment("one", &me, "parent", None).await;
    let elsewhere = app
        .post_comment(
            "two",
            &me,
            json!({"author_name": "M", "body": "x", "parent_id": parent.id}),
        )
        .await;
    assert_error(elsewhere, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let missing = app
        .post_comment(
            "one",
            &me,
            json!({"author_name": "M", "body": "x", "parent_id": "999999"}),
        )
        .await;
    let err = assert_error(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(err.error.field.as_deref(), Some("parent_id"));
    let response = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", parent.id),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let to_deleted = app
        .post_comment(
            "one",
            &me,
            json!({"author_name": "M", "body": "x", "parent_id": parent.id}),
        )
        .await;
    assert_error(to_deleted, StatusCode::CONFLICT, ErrorCode::Conflict).await;
}

#[tokio::test]
async fn retried_write_with_the_same_idempotency_key_posts_once() {
    let app = spawn_app().await;
    let me = reader();
    let send = |key: &'static str, text: &'static str| {
        app.request(Method::POST, "/articles/idem/comments", Some(&me))
            .header("Idempotency-Key", key)
            .json(&json!({"author_name": "M", "body": text}))
            .send()
    };
    let first = send("key-1", "once").await.expect("request");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Comment = first.json().await.expect("json");
    let retry = send("key-1", "once").await.expect("request");
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(
        retry
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let retry: Comment = retry.json().await.expect("json");
    assert_eq!(retry.id, first.id);
    assert_eq!(app.list("idem", "", None).await.total, 1);

    let reuse = send("key-1", "something else").await.expect("request");
    assert_error(reuse, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let fresh = send("key-2", "twice").await.expect("request");
    assert_eq!(fresh.status(), StatusCode::CREATED);
    assert_eq!(app.list("idem", "", None).await.total, 2);

    // The same key from another reader is another request.
    let other = app
        .request(Method::POST, "/articles/idem/comments", Some(&reader()))
        .header("Idempotency-Key", "key-1")
        .json(&json!({"author_name": "M", "body": "once"}))
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), StatusCode::CREATED);
    assert_eq!(app.list("idem", "", None).await.total, 3);

    let bad_key = app
        .request(Method::POST, "/articles/idem/comments", Some(&me))
        .header("Idempotency-Key", "k".repeat(65))
        .json(&json!({"author_name": "M", "body": "x"}))
        .send()
        .await
        .expect("request");
    assert_error(
        bad_key,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
}

/// The server dies after a post is stored but before its answer is
/// recorded under its Idempotency-Key: the key stays "in progress". Once
/// that claim is stale, the widget's retry must get the stored comment, not
/// a second one.
#[tokio::test]
async fn a_retry_after_a_lost_answer_gets_the_stored_comment_not_a_second_one() {
    let app = spawn_app().await;
    let me = reader();
    let send = |text: &'static str| {
        app.request(Method::POST, "/articles/lost/comments", Some(&me))
            .header("Idempotency-Key", "draft-1")
            .json(&json!({"author_name": "M", "body": text}))
            .send()
    };
    let first = send("only once").await.expect("request");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Comment = first.json().await.expect("json");
    // What a crash between the two writes leaves behind.
    execute(
        &app.database,
        "UPDATE idempotency_keys SET status = NULL, response_body = NULL",
    )
    .await;

    let early = send("only once").await.expect("request");
    assert_error(early, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    app.clock.advance(time::Duration::minutes(2));
    let retry = send("only once").await.expect("request");
    assert_eq!(retry.status(), StatusCode::CREATED);
    let retry: Comment = retry.json().await.expect("json");
    assert_eq!(retry.id, first.id);
    assert_eq!(app.list("lost", "", None).await.total, 1);
    let replay = send("only once").await.expect("request");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");

    // A day later the key is forgotten by the idempotency layer, but the
    // comment still holds it: another post under it is refused.
    app.clock.advance(time::Duration::days(2));
    let reused = send("another post").await.expect("request");
    assert_error(reused, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(app.list("lost", "", None).await.total, 1);
}

#[tokio::test]
async fn idempotent_delete_replays_no_content() {
    let app = spawn_app().await;
    let me = reader();
    let posted = app.comment("idem-del", &me, "x", None).await;
    for _ in 0..2 {
        let response = app
            .request(
                Method::DELETE,
                &format!("/comments/{}", posted.id),
                Some(&me),
            )
            .header("Idempotency-Key", "del-1")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn reports_are_accepted_once_per_reader() {
    let app = spawn_app().await;
    let posted = app.comment("rep", &reader(), "spam spam", None).await;
    let reporter = reader();
    for _ in 0..2 {
        let response = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", posted.id),
                Some(&reporter),
                Some(json!({"reason": "spam", "note": "selling things"})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let bad = app
        .send(
            Method::POST,
            &format!("/comments/{}/reports", posted.id),
            Some(&reporter),
            Some(json!({"reason": "boring"})),
        )
        .await;
    let err = assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(err.error.field.as_deref(), Some("reason"));

    let cookie = app.moderator_cookie("mo").await;
    let list: chime_shared::ModCommentList = app
        .moderation(Method::GET, "/comments?state=reported", &cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list.comments.len(), 1);
    assert_eq!(list.comments[0].reports.count, 1);
    assert_eq!(
        list.comments[0]
            .reports
            .reasons
            .get(&chime_shared::ReportReason::Spam),
        Some(&1)
    );
}

#[tokio::test]
async fn counts_answer_for_many_articles_and_skip_hidden_comments() {
    let app = spawn_app().await;
    let r = reader();
    app.comment("a/1", &r, "x", None).await;
    let second = app.comment("a/1", &r, "y", None).await;
    app.comment("b", &r, "z", None).await;
    let cookie = app.moderator_cookie("mo").await;
    let hidden = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", second.id),
            &cookie,
        )
        .json(&json!({"reason": "rude"}))
        .send()
        .await
        .expect("request");
    assert_eq!(hidden.status(), StatusCode::OK);

    let counts: chime_shared::CountsResponse = app
        .send(
            Method::GET,
            "/counts?article=a%2F1&article=b&article=nothing",
            None,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(counts.counts.get("a/1"), Some(&1));
    assert_eq!(counts.counts.get("b"), Some(&1));
    assert_eq!(counts.counts.get("nothing"), Some(&0));

    // A list page's headlines in one request (count.js): 200 at once.
    let page: String = (0..200).map(|i| format!("article=a{i}&")).collect();
    let response = app
        .send(Method::GET, &format!("/counts?{page}"), None, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let too_many: String = (0..201).map(|i| format!("article=a{i}&")).collect();
    let response = app
        .send(Method::GET, &format!("/counts?{too_many}"), None, None)
        .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
}

#[tokio::test]
async fn config_reports_limits_kinds_and_edit_window() {
    let app = spawn_app().await;
    let config: chime_shared::ConfigResponse = app
        .send(Method::GET, "/config", None, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(config.limits.body_max_chars, 5000);
    assert_eq!(config.limits.author_name_max_chars, 50);
    assert_eq!(config.limits.max_reply_depth, 6);
    assert_eq!(config.edit_window_seconds, 900);
    assert_eq!(config.reaction_kinds.len(), 6);
    assert_eq!(config.reaction_kinds[0].emoji, "👍");
}
