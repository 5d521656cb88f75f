//! Readers signed in with the site's own accounts: a site's token
//! exchanged for a session, every bad token refused with its own code, and
//! the same reader on every device.

use chime_backend::startup::config::SsoSecret;
use chime_shared::{Audience, CommentList, ConfigResponse, ErrorCode, SsoSession};
use chime_test_support::app::*;
use chime_test_support::sso::{SECRET, sign};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Seconds on the test app's clock.
fn now(app: &TestApp) -> i64 {
    app.state.now_ms() / 1000
}

fn claims(app: &TestApp, jti: &str) -> Value {
    json!({"iat": now(app) - 5, "exp": now(app) + 300, "jti": jti,
           "user": {"id": "site-7", "username": "Mei Lin", "badges": ["Subscriber"]}})
}

async fn exchange(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(Method::POST, "/sso/session", None)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("request")
}

async fn signed_app() -> TestApp {
    spawn_with(|s| {
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
    })
    .await
}

#[tokio::test]
async fn a_site_token_becomes_a_session_and_the_same_reader_on_every_device() {
    let app = signed_app().await;
    let token = sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        claims(&app, "a"),
        SECRET,
    );
    let response = exchange(&app, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: SsoSession = response.json().await.expect("session");
    assert_eq!(session.reader.name, "Mei Lin");
    assert_eq!(session.reader.badges, vec!["Subscriber"]);
    assert!(session.reader.verified);

    // Posted from one browser under the site's name, whatever the form said.
    let phone = reader();
    let posted = app
        .request(Method::POST, "/articles/sso/comments", Some(&phone))
        .header("X-Chime-Session", &session.session)
        .json(&json!({"author_name": "Someone Else", "body": "From my phone"}))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let comment: Value = posted.json().await.expect("comment");
    assert_eq!(comment["author"]["name"], "Mei Lin");

    // Signed in on a second device: a new token, a new session, the same
    // reader, who may edit the comment.
    let again = sign(json!({"alg": "HS256"}), claims(&app, "b"), SECRET);
    let laptop_session: SsoSession = exchange(&app, &again).await.json().await.expect("session");
    let laptop = reader();
    let edited = app
        .request(
            Method::PATCH,
            &format!("/comments/{}", comment["id"].as_str().expect("id")),
            Some(&laptop),
        )
        .header("X-Chime-Session", &laptop_session.session)
        .json(&json!({"body": "Edited on my laptop"}))
        .send()
        .await
        .expect("request");
    assert_eq!(edited.status(), StatusCode::OK);
    // Without the session, the laptop's own reader token is someone else.
    let refused = app
        .request(
            Method::PATCH,
            &format!("/comments/{}", comment["id"].as_str().expect("id")),
            Some(&laptop),
        )
        .json(&json!({"body": "Not mine any more"}))
        .send()
        .await
        .expect("request");
    assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    // A stale session sent along with a new token does not stop sign-in.
    let fresh = sign(json!({"alg": "HS256"}), claims(&app, "c"), SECRET);
    let renewed = app
        .request(Method::POST, "/sso/session", None)
        .header("X-Chime-Session", "0".repeat(64))
        .json(&json!({"token": fresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(renewed.status(), StatusCode::OK);

    // Signed out: the session is refused from then on.
    let out = app
        .request(Method::DELETE, "/sso/session", None)
        .header("X-Chime-Session", &laptop_session.session)
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let ended = app
        .request(Method::POST, "/articles/sso/comments", Some(&laptop))
        .header("X-Chime-Session", &laptop_session.session)
        .json(&json!({"author_name": "Mei", "body": "Still me?"}))
        .send()
        .await
        .expect("request");
    assert_error(ended, StatusCode::UNAUTHORIZED, ErrorCode::SessionExpired).await;
}

#[tokio::test]
async fn every_bad_token_is_refused_with_its_own_code() {
    let app = signed_app().await;
    let hs = json!({"alg": "HS256"});
    let with = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(&app, "");
        c.as_object_mut().expect("object").remove("jti");
        change(&mut c);
        sign(hs.clone(), c, SECRET)
    };
    let cases: Vec<(String, ErrorCode)> = vec![
        ("not a token".into(), ErrorCode::TokenMalformed),
        (
            sign(json!({"alg": "none"}), claims(&app, "n"), SECRET),
            ErrorCode::TokenAlgorithm,
        ),
        (
            sign(json!({"alg": "HS512"}), claims(&app, "h"), SECRET),
            ErrorCode::TokenAlgorithm,
        ),
        (
            sign(
                hs.clone(),
                claims(&app, "s"),
                "somebody else's secret, long enough",
            ),
            ErrorCode::TokenSignature,
        ),
        (
            with(&|c| c["exp"] = json!(now(&app) - 120)),
            ErrorCode::TokenExpired,
        ),
        (
            with(&|c| c["iat"] = json!(now(&app) + 600)),
            ErrorCode::TokenNotYetValid,
        ),
        (
            with(&|c| {
                c["iat"] = json!(now(&app) - 7_200);
                c["exp"] = json!(now(&app) + 7_200);
            }),
            ErrorCode::TokenTooOld,
        ),
        (
            with(&|c| c["user"] = json!({"username": "Mei"})),
            ErrorCode::TokenMissingUser,
        ),
    ];
    for (token, code) in cases {
        let response = exchange(&app, &token).await;
        assert_error(response, StatusCode::UNAUTHORIZED, code).await;
    }
    let once = sign(hs, claims(&app, "spent"), SECRET);
    assert_eq!(exchange(&app, &once).await.status(), StatusCode::OK);
    assert_error(
        exchange(&app, &once).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::TokenReplayed,
    )
    .await;
}

#[tokio::test]
async fn without_a_secret_sign_in_is_off() {
    let app = spawn_app().await;
    let token = sign(json!({"alg": "HS256"}), claims(&app, "x"), SECRET);
    assert_error(
        exchange(&app, &token).await,
        StatusCode::NOT_FOUND,
        ErrorCode::SsoOff,
    )
    .await;
}

#[tokio::test]
async fn signing_in_counts_against_the_address_write_limit() {
    let app = spawn_with(|s| {
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
        s.writes_per_minute_per_address = 3;
    })
    .await;
    for _ in 0..3 {
        let refused = exchange(&app, "not a token").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = exchange(&app, "not a token").await;
    assert_error(
        limited,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
}

/// A session for the site's user `id`, on `app`.
async fn signed_in(app: &TestApp, jti: &str, id: &str, name: &str, badges: &[&str]) -> String {
    let token = chime_test_support::sso::token(now(app), jti, id, name, badges);
    let response = exchange(app, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: SsoSession = response.json().await.expect("session");
    session.session
}

#[tokio::test]
async fn comments_of_signed_in_readers_are_verified_with_their_badges() {
    let app = signed_app().await;
    let session = signed_in(&app, "v1", "site-9", "Ada Staff", &["Staff", "Subscriber"]).await;
    let posted = app
        .request(Method::POST, "/articles/verified/comments", Some(&reader()))
        .header("X-Chime-Session", &session)
        .json(&json!({"author_name": "ignored", "body": "From the newsroom"}))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let anonymous = app
        .comment("verified", &reader(), "From a reader", None)
        .await;
    assert!(!anonymous.author.verified);

    // Everyone sees the mark and the badges; an anonymous comment has none
    // (and no `badges` at all on the wire).
    let listing: Value = app
        .send(
            Method::GET,
            "/articles/verified/comments?sort=oldest",
            None,
            None,
        )
        .await
        .json()
        .await
        .expect("listing");
    let staff = &listing["comments"][0]["author"];
    assert_eq!(staff["name"], "Ada Staff");
    assert_eq!(staff["verified"], true);
    assert_eq!(staff["badges"], json!(["Staff", "Subscriber"]));
    let other = &listing["comments"][1]["author"];
    assert_eq!(other["verified"], false);
    assert!(other.get("badges").is_none(), "{other}");

    // A comment keeps the badges it was posted with.
    let renamed = signed_in(&app, "v2", "site-9", "Ada Editor", &[]).await;
    let later = app
        .request(Method::POST, "/articles/verified/comments", Some(&reader()))
        .header("X-Chime-Session", &renamed)
        .json(&json!({"author_name": "", "body": "After a promotion"}))
        .send()
        .await
        .expect("request");
    let later: Value = later.json().await.expect("comment");
    assert_eq!(
        later["author"],
        json!({"name": "Ada Editor", "verified": true})
    );
    let listing: CommentList = app.list("verified", "?sort=oldest", None).await;
    assert_eq!(
        listing.comments[0].author.badges,
        vec!["Staff", "Subscriber"]
    );
}

#[tokio::test]
async fn a_site_may_keep_posting_and_reacting_to_signed_in_readers() {
    let app = spawn_with(|s| {
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
        s.posting = Audience::SignedIn;
        s.reacting = Audience::SignedIn;
    })
    .await;
    let config: ConfigResponse = app
        .send(Method::GET, "/config", None, None)
        .await
        .json()
        .await
        .expect("config");
    assert!(config.sign_in);
    assert_eq!(config.posting, Audience::SignedIn);
    assert_eq!(config.reacting, Audience::SignedIn);

    let anonymous = reader();
    let refused = app
        .post_comment(
            "members",
            &anonymous,
            json!({"author_name": "Anon", "body": "Let me in"}),
        )
        .await;
    let body = assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::SignInRequired).await;
    assert_eq!(body.error.message, "Sign in to comment on this site.");

    let session = signed_in(&app, "m1", "member-1", "Member", &[]).await;
    let posted = app
        .request(Method::POST, "/articles/members/comments", Some(&anonymous))
        .header("X-Chime-Session", &session)
        .json(&json!({"author_name": "", "body": "Members only"}))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let comment: Value = posted.json().await.expect("comment");
    let id = comment["id"].as_str().expect("id");

    // Reacting, on the article and on a comment, both ways.
    for (method, path) in [
        (Method::PUT, "/articles/members/reactions/like".to_owned()),
        (
            Method::DELETE,
            "/articles/members/reactions/like".to_owned(),
        ),
        (Method::PUT, format!("/comments/{id}/reactions/love")),
        (Method::DELETE, format!("/comments/{id}/reactions/love")),
    ] {
        let refused = app
            .send(method.clone(), &path, Some(&anonymous), None)
            .await;
        assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::SignInRequired).await;
        let allowed = app
            .request(method, &path, Some(&anonymous))
            .header("X-Chime-Session", &session)
            .send()
            .await
            .expect("request");
        assert_eq!(allowed.status(), StatusCode::OK, "{path}");
    }
    // Reading and reporting stay open to everyone.
    let list: CommentList = app.list("members", "", Some(&anonymous)).await;
    assert_eq!(list.total, 1);
    let report = app
        .send(
            Method::POST,
            &format!("/comments/{id}/reports"),
            Some(&anonymous),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(report.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn by_default_anyone_may_post_and_react_and_config_says_so() {
    let app = spawn_app().await;
    let config: ConfigResponse = app
        .send(Method::GET, "/config", None, None)
        .await
        .json()
        .await
        .expect("config");
    assert!(!config.sign_in);
    assert_eq!(config.posting, Audience::Anyone);
    assert_eq!(config.reacting, Audience::Anyone);
}

#[tokio::test]
async fn a_site_name_too_long_or_with_control_characters_is_cut_to_one_chime_can_show() {
    let app = signed_app().await;
    let raw = format!("Mei\u{7}{}", "x".repeat(80));
    let token = chime_test_support::sso::token(now(&app), "long", "site-long", &raw, &[]);
    let session: SsoSession = exchange(&app, &token).await.json().await.expect("session");
    let shown = format!("Mei{}", "x".repeat(47));
    assert_eq!(session.reader.name, shown);
    let posted = app
        .request(Method::POST, "/articles/long/comments", Some(&reader()))
        .header("X-Chime-Session", &session.session)
        .json(&json!({"author_name": "", "body": "Posted under a long name"}))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let comment: Value = posted.json().await.expect("comment");
    assert_eq!(comment["author"]["name"], shown.as_str());

    // Only control characters: the site's id stands in.
    let token = chime_test_support::sso::token(now(&app), "blank", "site-8", "\u{1}\u{2} ", &[]);
    let session: SsoSession = exchange(&app, &token).await.json().await.expect("session");
    assert_eq!(session.reader.name, "site-8");
}

#[tokio::test]
async fn an_anonymous_reader_cannot_post_under_a_signed_in_readers_name() {
    let app = signed_app().await;
    let session = signed_in(&app, "n1", "site-mei", "Mei Lin", &["Staff"]).await;
    for name in [
        "Mei Lin",
        "mei lin",
        "Меі Lin",
        "Ｍｅｉ Ｌｉｎ",
        "Mei\u{200B} Lin",
    ] {
        let refused = app
            .post_comment(
                "names",
                &reader(),
                json!({"author_name": name, "body": "Pretending"}),
            )
            .await;
        let body = assert_error(
            refused,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(body.error.field.as_deref(), Some("author_name"), "{name:?}");
    }
    // Another name is fine; the reader themself posts under theirs.
    let other = app
        .post_comment(
            "names",
            &reader(),
            json!({"author_name": "Mei Ling", "body": "A different person"}),
        )
        .await;
    assert_eq!(other.status(), StatusCode::CREATED);
    let own = app
        .request(Method::POST, "/articles/names/comments", Some(&reader()))
        .header("X-Chime-Session", &session)
        .json(&json!({"author_name": "", "body": "The real one"}))
        .send()
        .await
        .expect("request");
    assert_eq!(own.status(), StatusCode::CREATED);
    // Capital I's for small l's read alike too.
    signed_in(&app, "n3", "site-bill", "Bill", &[]).await;
    let bill = app
        .post_comment(
            "names",
            &reader(),
            json!({"author_name": "BiII", "body": "Pretending"}),
        )
        .await;
    assert_eq!(bill.status(), StatusCode::BAD_REQUEST);
    // Renamed by the site: the old name is free again, the new one taken.
    signed_in(&app, "n2", "site-mei", "Mei L. Chen", &[]).await;
    let freed = app
        .post_comment(
            "names",
            &reader(),
            json!({"author_name": "Mei Lin", "body": "Now I may"}),
        )
        .await;
    assert_eq!(freed.status(), StatusCode::CREATED);
    let taken = app
        .post_comment(
            "names",
            &reader(),
            json!({"author_name": "MEI L. CHEN", "body": "Not this one"}),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_new_token_for_the_reader_of_a_held_session_keeps_that_session() {
    let app = signed_app().await;
    let first = signed_in(&app, "k1", "site-keep", "Kept", &[]).await;
    let again = |jti: &'static str, id: &'static str, held: String| {
        let token = chime_test_support::sso::token(now(&app), jti, id, "Kept", &[]);
        let request = app
            .request(Method::POST, "/sso/session", None)
            .header("X-Chime-Session", held)
            .json(&json!({"token": token}));
        async move {
            let session: SsoSession = request
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("session");
            session.session
        }
    };
    // The same reader on another page: the same session.
    assert_eq!(again("k2", "site-keep", first.clone()).await, first);
    // Another reader: a session of their own, and the first one stays.
    let other = again("k3", "site-other", first.clone()).await;
    assert_ne!(other, first);
    let still = app
        .request(Method::POST, "/articles/keep/comments", Some(&reader()))
        .header("X-Chime-Session", &first)
        .json(&json!({"author_name": "", "body": "Still signed in"}))
        .send()
        .await
        .expect("request");
    assert_eq!(still.status(), StatusCode::CREATED);
}
