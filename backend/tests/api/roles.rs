//! Every route for every kind of caller: an anonymous visitor, a reader
//! (the widget's token), a reader signed in by the site, a moderator and
//! an admin. Each gets the expected answer and nothing else: moderation
//! routes need a moderator's session, admin routes an admin's, and a
//! moderator's cookie makes nobody a reader.

use chime_backend::service::screening::WordList;
use chime_backend::startup::config::SsoSecret;
use chime_shared::SsoSession;
use chime_test_support::app::*;
use chime_test_support::sso::{self, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Reader,
    SignedIn,
    Moderator,
    Admin,
}

const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Reader,
    Who::SignedIn,
    Who::Moderator,
    Who::Admin,
];

/// What a caller sends along.
#[derive(Default)]
struct Caller {
    reader: Option<String>,
    session: Option<String>,
    cookie: Option<String>,
}

/// What a route is tried on: made fresh for each caller, so that one
/// caller's change cannot decide another's answer.
struct Targets {
    /// A visible comment by the reader caller.
    readers: String,
    /// Visible comments to hide and restore.
    visible: String,
    hidden: String,
    /// Comments held for review.
    to_approve: String,
    to_reject: String,
}

async fn targets(app: &TestApp, author: &str) -> Targets {
    let other = reader();
    let readers = app.comment("roles", author, "Mine", None).await.id;
    let visible = app.comment("roles", &other, "Fine words", None).await.id;
    let hidden = app.comment("roles", &other, "Words to hide", None).await.id;
    let admin = app.admin_cookie(&format!("setup-{}", &visible)).await;
    let response = app
        .moderation(Method::POST, &format!("/comments/{hidden}/hide"), &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let to_approve = app.comment("roles", &other, "A casino deal", None).await.id;
    let to_reject = app
        .comment("roles", &other, "Another casino deal", None)
        .await
        .id;
    Targets {
        readers: readers.to_string(),
        visible: visible.to_string(),
        hidden: hidden.to_string(),
        to_approve: to_approve.to_string(),
        to_reject: to_reject.to_string(),
    }
}

async fn send(
    app: &TestApp,
    caller: &Caller,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut request = app
        .request(method, path, caller.reader.as_deref())
        .header("Origin", &app.url);
    if let Some(session) = &caller.session {
        request = request.header("X-Chime-Session", session);
    }
    if let Some(cookie) = &caller.cookie {
        request = request.header("Cookie", cookie);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request").status()
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_it_should() {
    let app = spawn_with(|s| {
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
        s.screening.suspect = WordList::parse("casino");
        s.hold_after_reports = 0;
        // Many writes from one address, in one minute.
        s.writes_per_minute_per_address = 10_000;
        s.writes_per_minute_per_reader = 10_000;
    })
    .await;
    let now = app.state.now_ms() / 1000;
    let reader_token = reader();
    let mut failures = Vec::new();
    for (n, who) in EVERYONE.into_iter().enumerate() {
        let caller = match who {
            Who::Anonymous => Caller::default(),
            Who::Reader => Caller {
                reader: Some(reader_token.clone()),
                ..Caller::default()
            },
            Who::SignedIn => {
                let token = sso::token(now, "roles", "site-1", "Signed In", &[]);
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
                Caller {
                    reader: Some(reader()),
                    session: Some(session.session),
                    ..Caller::default()
                }
            }
            Who::Moderator => Caller {
                cookie: Some(app.moderator_cookie("moe").await),
                ..Caller::default()
            },
            Who::Admin => Caller {
                cookie: Some(app.admin_cookie("ada").await),
                ..Caller::default()
            },
        };
        let t = targets(&app, &reader_token).await;
        let staff = matches!(who, Who::Moderator | Who::Admin);
        let reads = matches!(who, Who::Reader | Who::SignedIn);
        // Reader writes need the widget's reader token: a moderator's
        // cookie is not one.
        let write = |ok: StatusCode| if reads { ok } else { StatusCode::BAD_REQUEST };
        // Moderation needs a moderator's session; admin routes an admin's.
        let moderate = |ok: StatusCode| if staff { ok } else { StatusCode::UNAUTHORIZED };
        let administer = |ok: StatusCode| match who {
            Who::Admin => ok,
            Who::Moderator => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        let newbie = format!("newbie-{n}");
        let token = sso::token(now, &format!("any-{n}"), "site-2", "Anyone", &[]);
        let routes: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
            // Reader routes.
            (
                Method::GET,
                "/articles/roles/comments".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/articles/roles/reactions".into(),
                None,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/comments/{}/replies?cursor=x", t.visible),
                None,
                StatusCode::BAD_REQUEST,
            ),
            (
                Method::GET,
                "/counts?article=roles".into(),
                None,
                StatusCode::OK,
            ),
            (Method::GET, "/config".into(), None, StatusCode::OK),
            (Method::GET, "/me/data".into(), None, write(StatusCode::OK)),
            (
                Method::POST,
                "/articles/roles/comments".into(),
                Some(json!({"author_name": format!("Caller {n}"), "body": "Hello"})),
                write(StatusCode::CREATED),
            ),
            (
                Method::PATCH,
                format!("/comments/{}", t.readers),
                Some(json!({"body": "Edited"})),
                match who {
                    Who::Reader => StatusCode::OK,
                    Who::SignedIn => StatusCode::FORBIDDEN,
                    _ => StatusCode::BAD_REQUEST,
                },
            ),
            (
                Method::PUT,
                "/articles/roles/reactions/like".into(),
                None,
                write(StatusCode::OK),
            ),
            (
                Method::DELETE,
                "/articles/roles/reactions/like".into(),
                None,
                write(StatusCode::OK),
            ),
            (
                Method::PUT,
                format!("/comments/{}/reactions/love", t.visible),
                None,
                write(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/comments/{}/reports", t.visible),
                Some(json!({"reason": "spam"})),
                write(StatusCode::ACCEPTED),
            ),
            (
                Method::DELETE,
                format!("/comments/{}", t.readers),
                None,
                match who {
                    Who::Reader => StatusCode::NO_CONTENT,
                    Who::SignedIn => StatusCode::FORBIDDEN,
                    _ => StatusCode::BAD_REQUEST,
                },
            ),
            (
                Method::POST,
                "/sso/session".into(),
                Some(json!({"token": token})),
                StatusCode::OK,
            ),
            // Moderation routes.
            (
                Method::GET,
                "/mod/me".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/comments?state=all".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/mod/comments/{}/hide", t.visible),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/mod/comments/{}/unhide", t.hidden),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/mod/comments/{}/approve", t.to_approve),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/mod/comments/{}/reject", t.to_reject),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/articles/roles".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::PUT,
                "/mod/articles/roles".into(),
                Some(json!({"premoderate": false})),
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/audit".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/comments?state=all&author=someone".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/readers/someone".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                "/mod/readers/someone/notes".into(),
                Some(json!({"body": "A note"})),
                moderate(StatusCode::CREATED),
            ),
            (
                Method::POST,
                "/mod/readers/someone/sanctions".into(),
                Some(json!({"kind": "hold"})),
                moderate(StatusCode::CREATED),
            ),
            (
                Method::DELETE,
                "/mod/readers/someone/sanctions/999999".into(),
                None,
                moderate(StatusCode::NOT_FOUND),
            ),
            (
                Method::GET,
                "/mod/events".into(),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                // (Shown again above.)
                format!("/mod/comments/{}/feature", t.hidden),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::POST,
                format!("/mod/comments/{}/unfeature", t.hidden),
                None,
                moderate(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/surges".into(),
                None,
                moderate(StatusCode::OK),
            ),
            // Admin routes.
            (
                Method::GET,
                "/mod/moderators".into(),
                None,
                administer(StatusCode::OK),
            ),
            (
                Method::POST,
                "/mod/moderators".into(),
                Some(
                    json!({"username": newbie, "password": "a long enough password", "role": "moderator"}),
                ),
                administer(StatusCode::CREATED),
            ),
            (
                Method::PUT,
                format!("/mod/moderators/{newbie}/password"),
                Some(json!({"password": "another long password"})),
                administer(StatusCode::NO_CONTENT),
            ),
            (
                Method::DELETE,
                format!("/mod/moderators/{newbie}"),
                None,
                administer(StatusCode::NO_CONTENT),
            ),
            (
                Method::GET,
                "/mod/settings".into(),
                None,
                administer(StatusCode::OK),
            ),
            (
                Method::PUT,
                "/mod/settings".into(),
                Some(
                    json!({"premoderation": "off", "banned_words": [], "suspect_words": ["casino"], "max_links": 3}),
                ),
                administer(StatusCode::OK),
            ),
            (
                Method::GET,
                "/mod/readers/someone/data".into(),
                None,
                administer(StatusCode::OK),
            ),
            (
                Method::DELETE,
                "/mod/readers/someone/data".into(),
                None,
                administer(StatusCode::OK),
            ),
            // Last: it erases what the caller wrote above.
            (
                Method::DELETE,
                "/me/data".into(),
                None,
                write(StatusCode::OK),
            ),
        ];
        for (method, path, body, expected) in routes {
            let got = send(&app, &caller, method.clone(), &path, body).await;
            if got != expected {
                failures.push(format!(
                    "{who:?} {method} {path}: {got}, expected {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
