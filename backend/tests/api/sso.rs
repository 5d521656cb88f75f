//! Readers signed in with the site's own accounts: a site's token
//! exchanged for a session, every bad token refused with its own code, and
//! the same reader on every device.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chime_backend::startup::config::SsoSecret;
use chime_shared::{ErrorCode, SsoSession};
use chime_test_support::app::*;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "the site's secret, long enough to be one";

fn sign(header: Value, claims: Value, secret: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{head}.{body}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{body}.{sig}")
}

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
