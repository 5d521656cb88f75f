use chime_shared::{
    AuditAction, AuditList, CommentState, ErrorCode, MeResponse, ModComment, ModCommentList, Role,
};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn moderation_routes_need_a_session() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/me"),
        (Method::GET, "/comments"),
        (Method::POST, "/comments/1/hide"),
        (Method::POST, "/comments/1/unhide"),
        (Method::GET, "/audit"),
        (Method::GET, "/events"),
    ] {
        let response = app
            .client
            .request(method, app.api(&format!("/mod{path}")))
            .header("Origin", &app.url)
            .header("X-Chime-Reader", reader())
            .send()
            .await
            .expect("request");
        assert_error(
            response,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
        )
        .await;
    }
    let forged = app
        .client
        .get(app.api("/mod/me"))
        .header("Cookie", "chime_mod=00000000")
        .send()
        .await
        .expect("request");
    assert_error(forged, StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated).await;
}

#[tokio::test]
async fn wrong_credentials_get_one_answer_whichever_half_was_wrong() {
    let app = spawn_app().await;
    app.moderator_cookie("real").await;
    let mut messages = Vec::new();
    for (user, pass) in [
        ("real", "wrong password"),
        ("nobody", "a long enough password"),
    ] {
        let response = app
            .request(Method::POST, "/mod/session", None)
            .header("Origin", &app.url)
            .json(&json!({"username": user, "password": pass}))
            .send()
            .await
            .expect("request");
        assert!(response.headers().get("set-cookie").is_none());
        let err = assert_error(
            response,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
        )
        .await;
        messages.push(err.error.message);
    }
    assert_eq!(messages[0], messages[1]);
}

#[tokio::test]
async fn session_cookie_is_http_only_strict_and_signs_out() {
    let app = spawn_app().await;
    app.moderator_cookie("mo").await;
    let response = app
        .request(Method::POST, "/mod/session", None)
        .header("Origin", &app.url)
        .json(&json!({"username": "mo", "password": "a long enough password"}))
        .send()
        .await
        .expect("request");
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chime_mod="))
        .expect("the session cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();

    let me: MeResponse = app
        .moderation(Method::GET, "/me", &cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(me.username, "mo");
    assert_eq!(me.role, Role::Moderator);

    let out = app
        .moderation(Method::DELETE, "/session", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = app
        .moderation(Method::GET, "/me", &cookie)
        .send()
        .await
        .expect("request");
    assert_error(after, StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated).await;
}

#[tokio::test]
async fn sessions_expire() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    app.clock.advance(time::Duration::hours(13));
    let response = app
        .moderation(Method::GET, "/me", &cookie)
        .send()
        .await
        .expect("request");
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
}

#[tokio::test]
async fn state_changing_moderation_from_another_origin_is_refused() {
    let app = spawn_app().await;
    let posted = app.comment("o", &reader(), "x", None).await;
    let cookie = app.moderator_cookie("mo").await;
    for origin in [Some("https://evil.example"), Some(ALLOWED_SITE), None] {
        let mut request = app
            .client
            .post(app.api(&format!("/mod/comments/{}/hide", posted.id)))
            .header("Cookie", &cookie);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.expect("request");
        assert_error(response, StatusCode::FORBIDDEN, ErrorCode::OriginNotAllowed).await;
    }
    assert_eq!(app.list("o", "", None).await.total, 1, "nothing was hidden");
    // Reading from anywhere with the cookie is harmless and allowed.
    let read = app
        .client
        .get(app.api("/mod/comments"))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reader_token_reaches_no_moderation_route() {
    let app = spawn_app().await;
    let response = app
        .send(Method::GET, "/mod/comments", Some(&reader()), None)
        .await;
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
}

#[tokio::test]
async fn hide_and_unhide_change_what_readers_see_and_are_audited() {
    let app = spawn_app().await;
    let author = reader();
    let posted = app.comment("h", &author, "rude words", None).await;
    let kept = app.comment("h", &author, "kind words", None).await;
    let cookie = app.moderator_cookie("mo").await;

    let hidden: ModComment = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", posted.id),
            &cookie,
        )
        .json(&json!({"reason": "insults"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(hidden.comment.state, CommentState::Hidden);
    assert_eq!(
        hidden.comment.body, "rude words",
        "moderators still see the body"
    );
    assert_eq!(hidden.hidden_reason.as_deref(), Some("insults"));

    let list = app.list("h", "", Some(&author)).await;
    assert_eq!(list.total, 1);
    assert_eq!(list.comments.len(), 1);
    assert_eq!(list.comments[0].id, kept.id);
    // The author cannot edit a hidden comment back into view.
    let edit = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", posted.id),
            Some(&author),
            Some(json!({"body": "sneaky"})),
        )
        .await;
    assert_error(edit, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let queue: ModCommentList = app
        .moderation(Method::GET, "/comments?state=hidden", &cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(queue.comments.len(), 1);
    assert_eq!(queue.comments[0].comment.author.name, "Mei");

    let restored = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/unhide", posted.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(restored.status(), StatusCode::OK);
    assert_eq!(app.list("h", "", None).await.total, 2);

    let audit: AuditList = app
        .moderation(Method::GET, "/audit", &cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let acts: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.comment_id.is_some())
        .map(|e| (e.action, e.moderator.as_str(), e.reason.as_deref()))
        .collect();
    assert_eq!(
        acts,
        vec![
            (AuditAction::Unhide, "mo", None),
            (AuditAction::Hide, "mo", Some("insults"))
        ]
    );
    assert_eq!(audit.entries[0].comment_id, Some(posted.id));
}

#[tokio::test]
async fn moderation_listing_filters_by_article_and_text_and_pages() {
    let app = spawn_app().await;
    let r = reader();
    app.comment("x/1", &r, "The ferry timetable changed", None)
        .await;
    app.comment("x/2", &r, "Ferry tickets cost more", None)
        .await;
    app.comment("x/2", &r, "Nothing about boats", None).await;
    let cookie = app.moderator_cookie("mo").await;
    let get = |query: &'static str| {
        let request = app.moderation(Method::GET, &format!("/comments{query}"), &cookie);
        async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<ModCommentList>().await.expect("json")
        }
    };
    assert_eq!(get("").await.comments.len(), 3);
    assert_eq!(get("?article=x%2F2").await.comments.len(), 2);
    assert_eq!(get("?q=ferry").await.comments.len(), 2);
    assert_eq!(get("?q=ferr").await.comments.len(), 2, "prefixes match");
    assert_eq!(get("?q=ferry&article=x%2F1").await.comments.len(), 1);
    assert_eq!(
        get("?q=%22%29%20OR%20*").await.comments.len(),
        0,
        "search syntax is inert"
    );

    let first = get("?limit=2").await;
    assert_eq!(first.comments.len(), 2);
    let cursor = first.next_cursor.expect("more");
    let rest = app
        .moderation(
            Method::GET,
            &format!("/comments?limit=2&cursor={cursor}"),
            &cookie,
        )
        .send()
        .await
        .expect("request")
        .json::<ModCommentList>()
        .await
        .expect("json");
    assert_eq!(rest.comments.len(), 1);
    assert!(rest.next_cursor.is_none());
}

#[tokio::test]
async fn hiding_a_deleted_comment_is_a_conflict() {
    let app = spawn_app().await;
    let author = reader();
    let posted = app.comment("del", &author, "x", None).await;
    app.send(
        Method::DELETE,
        &format!("/comments/{}", posted.id),
        Some(&author),
        None,
    )
    .await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", posted.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let response = app
        .moderation(Method::POST, "/comments/987654/hide", &cookie)
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn moderation_answers_are_never_cached() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(Method::GET, "/comments", &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_reported_queue_puts_the_most_reported_first_and_pages() {
    let app = spawn_app().await;
    let r = reader();
    let once = app.comment("q/1", &r, "Reported once", None).await;
    let thrice = app.comment("q/1", &r, "Reported three times", None).await;
    let twice = app.comment("q/2", &r, "Reported twice", None).await;
    app.comment("q/2", &r, "Never reported", None).await;
    for (comment, n) in [(&once, 1), (&thrice, 3), (&twice, 2)] {
        for _ in 0..n {
            let response = app
                .send(
                    Method::POST,
                    &format!("/comments/{}/reports", comment.id),
                    Some(&reader()),
                    Some(json!({"reason": "spam"})),
                )
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
    }
    let cookie = app.moderator_cookie("mo").await;
    let page = |query: String| {
        let request = app.moderation(Method::GET, &format!("/comments{query}"), &cookie);
        async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<ModCommentList>().await.expect("json")
        }
    };
    let first = page("?state=reported&limit=2".into()).await;
    let ids: Vec<_> = first
        .comments
        .iter()
        .map(|c| c.comment.id.clone())
        .collect();
    assert_eq!(ids, [thrice.id.clone(), twice.id.clone()]);
    assert_eq!(first.comments[0].reports.count, 3);
    let cursor = first.next_cursor.expect("more");
    let rest = page(format!("?state=reported&limit=2&cursor={cursor}")).await;
    let ids: Vec<_> = rest.comments.iter().map(|c| c.comment.id.clone()).collect();
    assert_eq!(ids.as_slice(), std::slice::from_ref(&once.id));
    assert!(rest.next_cursor.is_none());
    // A cursor of one queue means nothing to another.
    let response = app
        .moderation(
            Method::GET,
            &format!("/comments?state=all&cursor={cursor}"),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    let error = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error.error.field.as_deref(), Some("cursor"));
}

#[tokio::test]
async fn replies_carry_the_first_line_of_what_they_answer() {
    let app = spawn_app().await;
    let r = reader();
    let long = format!("\n  {}  \nsecond line", "word ".repeat(40));
    let parent = app.comment("ctx/1", &r, &long, None).await;
    app.comment("ctx/1", &r, "I disagree", Some(parent.id.as_str()))
        .await;
    let cookie = app.moderator_cookie("mo").await;
    let list: ModCommentList = app
        .moderation(Method::GET, "/comments", &cookie)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let reply = &list.comments[0];
    assert_eq!(reply.comment.body, "I disagree");
    let excerpt = reply.parent_excerpt.as_deref().expect("context");
    assert!(excerpt.starts_with("word word"), "{excerpt}");
    assert!(excerpt.ends_with('…'), "{excerpt}");
    assert_eq!(excerpt.chars().count(), 120);
    assert_eq!(list.comments[1].parent_excerpt, None);
}

#[tokio::test]
async fn a_comment_reported_from_enough_addresses_is_held_for_review() {
    let app = spawn_with(|s| {
        s.hold_after_reports = 2;
        s.trusted_proxies =
            chime_backend::http::client::TrustedProxies::parse("127.0.0.1").expect("parses");
    })
    .await;
    let posted = app
        .comment("held", &reader(), "contested words", None)
        .await;
    let report = |by: String, from: &'static str| {
        let path = format!("/comments/{}/reports", posted.id);
        let app = &app;
        async move {
            app.request(Method::POST, &path, Some(&by))
                .header("X-Forwarded-For", from)
                .json(&json!({"reason": "abuse"}))
                .send()
                .await
                .expect("request")
        }
    };
    let first = reader();
    assert_eq!(
        report(first.clone(), "198.51.100.1").await.status(),
        StatusCode::ACCEPTED
    );
    // The same reader again counts once.
    assert_eq!(
        report(first, "198.51.100.2").await.status(),
        StatusCode::ACCEPTED
    );
    // Ten fresh reader tokens from one address count as one address.
    for _ in 0..10 {
        assert_eq!(
            report(reader(), "198.51.100.1").await.status(),
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        app.list("held", "", None).await.total,
        1,
        "one address is not enough"
    );
    assert_eq!(
        report(reader(), "203.0.113.9").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        app.list("held", "", None).await.total,
        0,
        "held: readers no longer see it"
    );

    let cookie = app.moderator_cookie("mo").await;
    let pending: ModCommentList = app.mod_get("/comments?state=pending", &cookie).await;
    let held = &pending.comments[0];
    assert_eq!(held.comment.id, posted.id);
    assert_eq!(held.comment.state, CommentState::Pending);
    assert_eq!(held.reports.count, 12);
    assert_eq!(
        held.hidden_reason.as_deref(),
        Some("Held for review after reports from 2 addresses.")
    );
    let audit: AuditList = app.mod_get("/audit", &cookie).await;
    let on_comments: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.comment_id.is_some())
        .collect();
    assert_eq!(on_comments[0].moderator, "(automatic)");
    assert_eq!(on_comments[0].action, AuditAction::Hold);

    // A moderator who finds it fine approves it; it stays up.
    let approved = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/approve", posted.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(app.list("held", "", None).await.total, 1);
    assert_eq!(
        report(reader(), "192.0.2.77").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        app.list("held", "", None).await.total,
        1,
        "a moderator's word stands"
    );
}
