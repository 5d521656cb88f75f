//! Sanctions, for each kind of reader: a ban (for good), a suspension
//! (until a time) and "always hold for review", on an anonymous reader (by
//! their key and, for the sanction's time, their address: a new key from
//! the same address is stopped too) and on a reader the site signed in (by
//! their account, on every device). Each refusal has its own code; lifting
//! and every sanction are audited; "hide everything" hides it all at once.

use chime_backend::http::client::TrustedProxies;
use chime_backend::startup::config::SsoSecret;
use chime_shared::{
    AuditAction, AuditList, CommentState, ErrorCode, ModCommentList, ReaderProfile, Sanction,
    SsoSession,
};
use chime_test_support::app::*;
use chime_test_support::sso::{self, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn sanctioned_app() -> TestApp {
    spawn_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
    })
    .await
}

/// A write as `reader`, from `address`, with a session when signed in.
async fn write(
    app: &TestApp,
    method: Method,
    path: &str,
    reader: &str,
    address: &str,
    session: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .request(method, path, Some(reader))
        .header("X-Forwarded-For", address);
    if let Some(session) = session {
        request = request.header("X-Chime-Session", session);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

async fn post(
    app: &TestApp,
    reader: &str,
    address: &str,
    session: Option<&str>,
) -> reqwest::Response {
    write(
        app,
        Method::POST,
        "/articles/sanctions/comments",
        reader,
        address,
        session,
        Some(json!({"author_name": "Someone", "body": "Words"})),
    )
    .await
}

async fn key_of(app: &TestApp, cookie: &str, comment: &str) -> String {
    let all: ModCommentList = app.mod_get("/comments?state=all&limit=100", cookie).await;
    all.comments
        .into_iter()
        .find(|c| c.comment.id.as_str() == comment)
        .map(|c| c.reader)
        .expect("the comment's row")
}

async fn sanction(app: &TestApp, cookie: &str, key: &str, body: Value) -> reqwest::Response {
    app.moderation(Method::POST, &format!("/readers/{key}/sanctions"), cookie)
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_ban_stops_an_anonymous_reader_and_their_address_until_it_is_lifted() {
    let app = sanctioned_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let ann = reader();
    let first: Value = post(&app, &ann, "198.51.100.7", None)
        .await
        .json()
        .await
        .expect("json");
    let reply = post(&app, &ann, "198.51.100.7", None).await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let bystander = post(&app, &reader(), "203.0.113.1", None).await;
    assert_eq!(bystander.status(), StatusCode::CREATED);
    let key = key_of(&app, &cookie, first["id"].as_str().expect("id")).await;

    let banned = sanction(
        &app,
        &cookie,
        &key,
        json!({"kind": "ban", "reason": "Spam, again", "hide_all": true}),
    )
    .await;
    assert_eq!(banned.status(), StatusCode::CREATED);
    let ban: Sanction = banned.json().await.expect("sanction");
    assert!(ban.active);
    // Everything they wrote is hidden; the bystander's comment stays.
    let listing = app.list("sanctions", "", None).await;
    assert_eq!(listing.total, 1);

    // Every write refused with its own code: posting, from a new key at
    // the same address too, reacting, reporting.
    let refused = post(&app, &ann, "198.51.100.7", None).await;
    let body = assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    assert!(
        body.error.message.contains("moderator"),
        "{}",
        body.error.message
    );
    let new_key = post(&app, &reader(), "198.51.100.7", None).await;
    assert_error(new_key, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    for (method, path, body) in [
        (
            Method::PUT,
            "/articles/sanctions/reactions/like".to_owned(),
            None,
        ),
        (
            Method::POST,
            format!("/comments/{}/reports", listing.comments[0].id),
            Some(json!({"reason": "spam"})),
        ),
    ] {
        let response = write(&app, method, &path, &ann, "198.51.100.7", None, body).await;
        assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    }
    // A new key at that address cannot react either.
    let react = write(
        &app,
        Method::PUT,
        "/articles/sanctions/reactions/like",
        &reader(),
        "198.51.100.7",
        None,
        None,
    )
    .await;
    assert_error(react, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    // A refused post's key is free again: the kept draft goes through
    // once the sanction is lifted (below).
    let kept = app
        .request(Method::POST, "/articles/sanctions/comments", Some(&ann))
        .header("X-Forwarded-For", "198.51.100.7")
        .header("Idempotency-Key", "kept-draft-1")
        .json(&json!({"author_name": "Someone", "body": "My kept draft"}))
        .send()
        .await
        .expect("request");
    assert_error(kept, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    // Someone elsewhere is not touched.
    assert_eq!(
        post(&app, &reader(), "203.0.113.2", None).await.status(),
        StatusCode::CREATED
    );

    // Lifted: they write again; the ban and the lift are in the log.
    let lifted = app
        .moderation(
            Method::DELETE,
            &format!("/readers/{key}/sanctions/{}", ban.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(lifted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        post(&app, &ann, "198.51.100.7", None).await.status(),
        StatusCode::CREATED
    );
    let kept = app
        .request(Method::POST, "/articles/sanctions/comments", Some(&ann))
        .header("X-Forwarded-For", "198.51.100.7")
        .header("Idempotency-Key", "kept-draft-1")
        .json(&json!({"author_name": "Someone", "body": "My kept draft", "form_ms": 9000}))
        .send()
        .await
        .expect("request");
    assert_eq!(kept.status(), StatusCode::CREATED);
    let again = app
        .moderation(
            Method::DELETE,
            &format!("/readers/{key}/sanctions/{}", ban.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_error(again, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let audit: AuditList = app.mod_get("/audit", &cookie).await;
    let acts: Vec<_> = audit
        .entries
        .iter()
        .map(|e| (e.action, e.subject.clone()))
        .collect();
    assert_eq!(acts[0], (AuditAction::Lift, Some(key.clone())));
    assert!(acts.contains(&(AuditAction::Ban, Some(key.clone()))));
    assert_eq!(
        audit
            .entries
            .iter()
            .filter(|e| e.action == AuditAction::Hide)
            .count(),
        2,
        "both comments hidden, each audited"
    );
    let profile: ReaderProfile = app.mod_get(&format!("/readers/{key}"), &cookie).await;
    assert_eq!(profile.sanctions.len(), 1);
    assert!(!profile.sanctions[0].active);
    assert_eq!(profile.sanctions[0].lifted_by.as_deref(), Some("mo"));
}

#[tokio::test]
async fn a_suspension_ends_when_it_says_and_a_hold_sends_every_comment_to_review() {
    let app = sanctioned_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let (bo, cy) = (reader(), reader());
    let bos: Value = post(&app, &bo, "198.51.100.8", None)
        .await
        .json()
        .await
        .expect("json");
    let cys: Value = post(&app, &cy, "198.51.100.9", None)
        .await
        .json()
        .await
        .expect("json");
    let bo_key = key_of(&app, &cookie, bos["id"].as_str().expect("id")).await;
    let cy_key = key_of(&app, &cookie, cys["id"].as_str().expect("id")).await;

    // Suspended for a day: refused, with when it ends.
    let until = "2026-11-29T10:00:00Z";
    let made = sanction(
        &app,
        &cookie,
        &bo_key,
        json!({"kind": "suspend", "until": until}),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let refused = post(&app, &bo, "198.51.100.8", None).await;
    let body = assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Suspended).await;
    assert!(
        body.error.message.contains("29 November 2026, 10:00 UTC"),
        "{}",
        body.error.message
    );
    app.clock.advance(time::Duration::hours(25));
    assert_eq!(
        post(&app, &bo, "198.51.100.8", None).await.status(),
        StatusCode::CREATED
    );

    // Always held: new comments and edits wait for review. (The
    // moderator's session ended meanwhile.)
    let cookie = app.moderator_cookie("mo-again").await;
    let fresh: Value = post(&app, &cy, "198.51.100.9", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fresh["state"], "visible");
    let made = sanction(&app, &cookie, &cy_key, json!({"kind": "hold"})).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let held: Value = post(&app, &cy, "198.51.100.9", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(held["state"], "pending");
    let edited = write(
        &app,
        Method::PATCH,
        &format!("/comments/{}", fresh["id"].as_str().expect("id")),
        &cy,
        "198.51.100.9",
        None,
        Some(json!({"body": "Edited while held"})),
    )
    .await;
    let edited: Value = edited.json().await.expect("json");
    assert_eq!(edited["state"], "pending");

    // What a sanction must say, or must not.
    for (body, field) in [
        (
            json!({"kind": "ban", "until": "2027-01-01T00:00:00Z"}),
            "until",
        ),
        (json!({"kind": "suspend"}), "until"),
        (
            json!({"kind": "suspend", "until": "2020-01-01T00:00:00Z"}),
            "until",
        ),
    ] {
        let refused = sanction(&app, &cookie, &bo_key, body).await;
        let error = assert_error(
            refused,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(error.error.field.as_deref(), Some(field));
    }
}

#[tokio::test]
async fn a_sanction_on_a_signed_in_reader_follows_their_account_to_every_device() {
    let app = sanctioned_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let session_of = |jti: &'static str| {
        let token = sso::token(app.state.now_ms() / 1000, jti, "site-9", "Dee Site", &[]);
        let app = &app;
        async move {
            let session: SsoSession = app
                .send(
                    Method::POST,
                    "/sso/session",
                    None,
                    Some(json!({"token": token})),
                )
                .await
                .json()
                .await
                .expect("session");
            session.session
        }
    };
    let phone = session_of("d1").await;
    let posted: Value = post(&app, &reader(), "198.51.100.20", Some(&phone))
        .await
        .json()
        .await
        .expect("json");
    let key = key_of(&app, &cookie, posted["id"].as_str().expect("id")).await;
    let banned = sanction(&app, &cookie, &key, json!({"kind": "ban"})).await;
    assert_eq!(banned.status(), StatusCode::CREATED);
    // From a laptop elsewhere, signed in again: still banned.
    let laptop = session_of("d2").await;
    let refused = post(&app, &reader(), "203.0.113.50", Some(&laptop)).await;
    assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    // Signed out, they are anonymous at the address they wrote from: held
    // too. Someone else the site signed in writes from there all the same.
    let anonymous = post(&app, &reader(), "198.51.100.20", None).await;
    assert_error(anonymous, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    let token = sso::token(app.state.now_ms() / 1000, "e1", "site-10", "Eve Site", &[]);
    let colleague: SsoSession = app
        .send(
            Method::POST,
            "/sso/session",
            None,
            Some(json!({"token": token})),
        )
        .await
        .json()
        .await
        .expect("session");
    assert_eq!(
        post(&app, &reader(), "198.51.100.20", Some(&colleague.session))
            .await
            .status(),
        StatusCode::CREATED
    );
    let profile: ReaderProfile = app.mod_get(&format!("/readers/{key}"), &cookie).await;
    assert!(profile.sanctions[0].active);
    assert_eq!(profile.comments.visible, 1);
    let states: ModCommentList = app
        .mod_get(&format!("/comments?state=all&author={key}"), &cookie)
        .await;
    assert_eq!(states.comments[0].comment.state, CommentState::Visible);
}

#[tokio::test]
async fn a_ban_holds_an_address_for_thirty_days_and_hides_everything_however_much() {
    let app = spawn_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("parses");
        s.writes_per_minute_per_reader = 10_000;
        s.writes_per_minute_per_address = 10_000;
    })
    .await;
    let cookie = app.moderator_cookie("mo").await;
    let prolific = reader();
    let mut newest = String::new();
    // More than one page of the hiding's walk.
    for n in 0..210 {
        let posted: Value = write(
            &app,
            Method::POST,
            "/articles/many/comments",
            &prolific,
            "198.51.100.40",
            None,
            Some(json!({"author_name": "Prolific", "body": format!("Comment {n}")})),
        )
        .await
        .json()
        .await
        .expect("json");
        newest = posted["id"].as_str().expect("id").to_owned();
    }
    let key = key_of(&app, &cookie, &newest).await;
    let banned = sanction(
        &app,
        &cookie,
        &key,
        json!({"kind": "ban", "hide_all": true}),
    )
    .await;
    assert_eq!(banned.status(), StatusCode::CREATED);
    assert_eq!(app.list("many", "", None).await.total, 0);

    // Thirty-one days on: the reader is still banned, their old address
    // no longer is (it may be someone else's now).
    app.clock.advance(time::Duration::days(31));
    let refused = post(&app, &prolific, "198.51.100.40", None).await;
    assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Banned).await;
    assert_eq!(
        post(&app, &reader(), "198.51.100.40", None).await.status(),
        StatusCode::CREATED
    );
}
