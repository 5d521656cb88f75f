//! What admins do: manage moderators (a removed or reset moderator is
//! signed out at once, streams included; the last admin stays) and the
//! site's screening settings (in force at once, on every server, the
//! start-up flags only their first values), each act in the audit log.

use chime_backend::service::screening::WordList;
use chime_shared::{
    AuditAction, AuditList, ErrorCode, ModeratorList, Premoderation, Role, ScreeningSettings,
};
use chime_test_support::app::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn act(
    app: &TestApp,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.moderation(method, path, cookie);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Option<String> {
    let response = app
        .request(Method::POST, "/mod/session", None)
        .header("Origin", &app.url)
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .expect("request");
    (response.status() == StatusCode::NO_CONTENT).then(|| session_cookie(&response))
}

async fn stream_ends_within_a_second(events: &mut Events) -> bool {
    tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(_)) = events.stream.next().await {}
    })
    .await
    .is_ok()
}

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    act(app, cookie, Method::GET, "/me", None).await.status()
}

#[tokio::test]
async fn admins_add_list_reset_and_remove_moderators_and_each_act_is_audited() {
    let app = spawn_app().await;
    let boss = app.admin_cookie("boss").await;

    for (body, field) in [
        (
            json!({"username": "no spaces", "password": "a long enough password", "role": "moderator"}),
            "username",
        ),
        (
            json!({"username": "eve", "password": "short", "role": "moderator"}),
            "password",
        ),
        (
            json!({"username": "..", "password": "a long enough password", "role": "moderator"}),
            "username",
        ),
    ] {
        let refused = act(&app, &boss, Method::POST, "/moderators", Some(body)).await;
        let error = assert_error(
            refused,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(error.error.field.as_deref(), Some(field));
    }
    let eve = json!({"username": "eve", "password": "eve's first password", "role": "moderator"});
    let added = act(&app, &boss, Method::POST, "/moderators", Some(eve.clone())).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let again = act(&app, &boss, Method::POST, "/moderators", Some(eve)).await;
    assert_error(again, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let listed = act(&app, &boss, Method::GET, "/moderators", None).await;
    let text = listed.text().await.expect("text");
    assert!(!text.contains("password"), "{text}");
    let list: ModeratorList = serde_json::from_str(&text).expect("list");
    let names: Vec<(&str, Role)> = list
        .moderators
        .iter()
        .map(|m| (m.username.as_str(), m.role))
        .collect();
    assert_eq!(names, vec![("boss", Role::Admin), ("eve", Role::Moderator)]);

    // A new password signs eve out at once, her stream too.
    let cookie = sign_in(&app, "eve", "eve's first password")
        .await
        .expect("signed in");
    let mut stream =
        Events::from_response(act(&app, &cookie, Method::GET, "/events", None).await).await;
    let reset = act(
        &app,
        &boss,
        Method::PUT,
        "/moderators/eve/password",
        Some(json!({"password": "eve's second password"})),
    )
    .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    assert!(stream_ends_within_a_second(&mut stream).await);
    assert!(sign_in(&app, "eve", "eve's first password").await.is_none());

    // Removed: signed out at once, stream ended, cannot sign in.
    let cookie = sign_in(&app, "eve", "eve's second password")
        .await
        .expect("signed in");
    let mut stream =
        Events::from_response(act(&app, &cookie, Method::GET, "/events", None).await).await;
    let removed = act(&app, &boss, Method::DELETE, "/moderators/eve", None).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    assert!(stream_ends_within_a_second(&mut stream).await);
    assert!(
        sign_in(&app, "eve", "eve's second password")
            .await
            .is_none()
    );
    let unknown = act(&app, &boss, Method::DELETE, "/moderators/eve", None).await;
    assert_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    // The last admin stays; with a second admin, either may go.
    let last = act(&app, &boss, Method::DELETE, "/moderators/boss", None).await;
    assert_error(last, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let second =
        json!({"username": "deputy", "password": "a long enough password", "role": "admin"});
    assert_eq!(
        act(&app, &boss, Method::POST, "/moderators", Some(second))
            .await
            .status(),
        StatusCode::CREATED
    );
    let deputy = sign_in(&app, "deputy", "a long enough password")
        .await
        .expect("signed in");
    assert_eq!(
        act(&app, &deputy, Method::DELETE, "/moderators/boss", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(me(&app, &boss).await, StatusCode::UNAUTHORIZED);

    let audit: AuditList = app.mod_get("/audit", &deputy).await;
    let acts: Vec<(AuditAction, &str, Option<&str>)> = audit
        .entries
        .iter()
        .rev()
        .map(|e| (e.action, e.moderator.as_str(), e.subject.as_deref()))
        .collect();
    assert_eq!(
        acts,
        vec![
            (AuditAction::ModeratorAdded, "(command line)", Some("boss")),
            (AuditAction::ModeratorAdded, "boss", Some("eve")),
            (AuditAction::PasswordReset, "boss", Some("eve")),
            (AuditAction::ModeratorRemoved, "boss", Some("eve")),
            (AuditAction::ModeratorAdded, "boss", Some("deputy")),
            (AuditAction::ModeratorRemoved, "deputy", Some("boss")),
        ]
    );
    assert!(audit.entries.iter().all(|e| e.comment_id.is_none()));
}

#[tokio::test]
async fn screening_settings_apply_at_once_are_audited_and_outlive_the_flags() {
    let app = spawn_with(|s| {
        s.screening.banned = WordList::parse("spam");
        s.screening.max_links = 2;
    })
    .await;
    let admin = app.admin_cookie("ada").await;
    // The flags are the first stored values.
    let first: ScreeningSettings = app.mod_get("/settings", &admin).await;
    assert_eq!(
        first,
        ScreeningSettings {
            premoderation: Premoderation::Off,
            banned_words: vec!["spam".into()],
            suspect_words: vec![],
            max_links: 2,
            auto_close_days: 0,
            // The test servers turn the surge guard off.
            surge_posts: 0,
            surge_reports: 0,
            surge_factor: 5,
        }
    );

    let refused = act(
        &app,
        &admin,
        Method::PUT,
        "/settings",
        Some(json!({"premoderation": "off", "banned_words": ["a,b"], "suspect_words": [], "max_links": 2})),
    )
    .await;
    let error = assert_error(
        refused,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error.error.field.as_deref(), Some("banned_words"));
    let refused = act(
        &app,
        &admin,
        Method::PUT,
        "/settings",
        Some(json!({"premoderation": "sometimes", "banned_words": [], "suspect_words": [], "max_links": 2})),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let changed = act(
        &app,
        &admin,
        Method::PUT,
        "/settings",
        Some(json!({"premoderation": "new-readers", "banned_words": [" scam ", "scam"], "suspect_words": ["casino"], "max_links": 5})),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let now: ScreeningSettings = changed.json().await.expect("settings");
    assert_eq!(now.banned_words, vec!["scam"]);

    // In force at once: the new banned word refused, the old one not.
    let scam = app
        .post_comment(
            "rules",
            &reader(),
            json!({"author_name": "A", "body": "a scam"}),
        )
        .await;
    assert_error(scam, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    let spam = app
        .comment("rules", &reader(), "spam is fine now", None)
        .await;
    // New readers wait for review now.
    assert_eq!(spam.state, chime_shared::CommentState::Pending);

    let audit: AuditList = app.mod_get("/audit", &admin).await;
    let entry = &audit.entries[0];
    assert_eq!(entry.action, AuditAction::SettingsChanged);
    assert_eq!(entry.moderator, "ada");
    assert_eq!(entry.before.as_ref(), Some(&first));
    assert_eq!(entry.after.as_ref(), Some(&now));

    // Another server on the same store, started with other flags: the
    // stored settings win.
    let other = spawn_beside(&app, |s| {
        s.screening.banned = WordList::parse("other");
    })
    .await;
    let there: ScreeningSettings = other
        .mod_get("/settings", &other.admin_cookie("otto").await)
        .await;
    assert_eq!(there, now);
}

#[tokio::test]
async fn a_settings_change_on_one_server_applies_on_the_others_within_a_second() {
    if !on_postgres() {
        eprintln!("several servers share a PostgreSQL database only: skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    let admin = a.admin_cookie("ada").await;
    let before = b
        .post_comment(
            "shared",
            &reader(),
            json!({"author_name": "A", "body": "forbidden fruit"}),
        )
        .await;
    assert_eq!(before.status(), StatusCode::CREATED);
    let changed = act(
        &a,
        &admin,
        Method::PUT,
        "/settings",
        Some(json!({"premoderation": "off", "banned_words": ["forbidden"], "suspect_words": [], "max_links": 3})),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let started = Instant::now();
    loop {
        let post = b
            .post_comment(
                "shared",
                &reader(),
                json!({"author_name": "A", "body": "forbidden fruit"}),
            )
            .await;
        if post.status() == StatusCode::BAD_REQUEST {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "server B still took the banned word after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn settings_saved_unchanged_elsewhere_keep_the_pages_a_server_made() {
    if !on_postgres() {
        eprintln!("several servers share a PostgreSQL database only: skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a, |_| {}).await;
    let admin = a.admin_cookie("ada").await;
    b.comment("kept/page", &reader(), "kept", None).await;
    b.list("kept/page", "", None).await;
    assert_eq!(b.state.pages.pages(), 1);
    let same = act(&a, &admin, Method::GET, "/settings", None)
        .await
        .json::<Value>()
        .await
        .expect("settings");
    let saved = act(&a, &admin, Method::PUT, "/settings", Some(same)).await;
    assert_eq!(saved.status(), StatusCode::OK);
    // Server B hears of the save within milliseconds; its page must outlive
    // that, since nothing a page shows changed.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(500) {
        assert_eq!(
            b.state.pages.pages(),
            1,
            "a save that changed nothing dropped the page"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
