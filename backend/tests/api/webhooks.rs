//! Webhooks: endpoints set up by an admin, messages signed per Standard
//! Webhooks and checked by a receiver that verifies them with the
//! specification's own library (`standardwebhooks`), retries and pauses,
//! refused private targets, and two servers sharing the work.

use chime_shared::{DeliveryList, DeliveryState, ErrorCode, Webhook, WebhookList, WebhookSecret};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A message as the receiver took it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    kind: String,
    comment: String,
    verified: bool,
}

/// A local HTTP endpoint that verifies each message's signature with the
/// `standardwebhooks` crate and answers 500 while `failing` counts down.
#[derive(Clone)]
struct Receiver {
    url: String,
    secret: Arc<Mutex<String>>,
    got: Arc<Mutex<Vec<Received>>>,
    failing: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> Self {
        let receiver = Self {
            url: String::new(),
            secret: Arc::default(),
            got: Arc::default(),
            failing: Arc::default(),
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let state = state.clone();
                    async move {
                        let secret = state.secret.lock().expect("lock").clone();
                        let verified = standardwebhooks::Webhook::new(&secret)
                            .is_ok_and(|hook| hook.verify(&body, &headers).is_ok());
                        let message: Value = serde_json::from_slice(&body).unwrap_or_default();
                        state.got.lock().expect("lock").push(Received {
                            id: headers
                                .get("webhook-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned(),
                            kind: message["type"].as_str().unwrap_or_default().to_owned(),
                            comment: message["data"]["comment"]["id"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned(),
                            verified,
                        });
                        let failing = state
                            .failing
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        if failing {
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            axum::http::StatusCode::NO_CONTENT
                        }
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, ..receiver }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits until `enough` says the messages so far are enough.
    async fn until(&self, enough: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.got();
            if enough(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the messages did not come: {:#?}", self.got());
    }
}

/// A server whose webhooks may reach this machine, looking for news
/// often, with its clock at the real time (receivers check a message's
/// timestamp against theirs).
async fn server() -> TestApp {
    let app = spawn_with(|s| {
        s.webhook_private_targets = true;
        s.outbox_poll_every = Duration::from_millis(50);
        s.webhook_retry = vec![Duration::from_secs(60); 3];
        s.webhook_pause_after = 3;
    })
    .await;
    to_real_time(&app);
    app
}

fn to_real_time(app: &TestApp) {
    let behind = time::OffsetDateTime::now_utc() - app.state.clock.now();
    app.clock.advance(behind);
}

/// An endpoint's messages once `ready` says they are recorded (a receiver
/// has its message a moment before the server records its answer).
async fn deliveries_when(
    app: &TestApp,
    cookie: &str,
    id: i64,
    ready: impl Fn(&DeliveryList) -> bool,
) -> DeliveryList {
    for _ in 0..200 {
        let list: DeliveryList = app
            .mod_get(&format!("/webhooks/{id}/deliveries"), cookie)
            .await;
        if ready(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the messages never got there")
}

async fn add_webhook(app: &TestApp, cookie: &str, url: &str, events: &[&str]) -> WebhookSecret {
    let response = app
        .moderation(Method::POST, "/webhooks", cookie)
        .json(&json!({"url": url, "events": events, "description": "Newsroom Slack"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_comments_life_reaches_the_endpoint_signed() {
    let app = server().await;
    let admin = app.admin_cookie("root").await;
    let receiver = Receiver::start().await;
    let made = add_webhook(
        &app,
        &admin,
        &receiver.url,
        &[
            "comment.reported",
            "comment.created",
            "comment.hidden",
            "comment.approved",
        ],
    )
    .await;
    assert!(made.secret.starts_with("whsec_"), "{}", made.secret);
    *receiver.secret.lock().expect("lock") = made.secret.clone();
    let webhook = made.webhook;
    assert_eq!(webhook.events.len(), 4);
    assert!(webhook.active);

    let posted = app
        .comment("hooks/one", &reader(), "Hello hooks", None)
        .await;
    let reported = app
        .send(
            Method::POST,
            &format!("/comments/{}/reports", posted.id),
            Some(&reader()),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(reported.status(), StatusCode::ACCEPTED);
    let moderator = app.moderator_cookie("mo").await;
    for act in ["hide", "unhide"] {
        let response = app
            .moderation(
                Method::POST,
                &format!("/comments/{}/{act}", posted.id),
                &moderator,
            )
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Edited is not asked for: never sent.
    let got = receiver.until(|got| got.len() >= 4).await;
    let mut kinds: Vec<&str> = got.iter().map(|r| r.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "comment.approved",
            "comment.created",
            "comment.hidden",
            "comment.reported"
        ]
    );
    for message in &got {
        assert!(
            message.verified,
            "signature checked by standardwebhooks: {message:?}"
        );
        assert_eq!(message.comment, posted.id.as_str());
        assert!(message.id.starts_with("msg_"), "{message:?}");
    }
    let mut ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "one message id per event");

    // The admin sees them delivered, and the endpoint well.
    let list = deliveries_when(&app, &admin, webhook.id, |list| {
        list.deliveries.len() == 4
            && list
                .deliveries
                .iter()
                .all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    assert!(
        list.deliveries
            .iter()
            .all(|d| d.attempts == 1 && d.last_status == Some(204)),
        "{list:#?}"
    );
    let hooks: WebhookList = app.mod_get("/webhooks", &admin).await;
    assert_eq!(hooks.webhooks[0].failures, 0);
    assert!(hooks.webhooks[0].last_success_at.is_some());
    let listed = serde_json::to_string(&hooks).expect("json");
    assert!(
        !listed.contains(&made.secret),
        "the list never shows a secret"
    );

    // A new secret signs from now on; the receiver, told it, checks it.
    let rotated: WebhookSecret = app
        .moderation(
            Method::POST,
            &format!("/webhooks/{}/secret", webhook.id),
            &admin,
        )
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_ne!(rotated.secret, made.secret);
    *receiver.secret.lock().expect("lock") = rotated.secret;
    app.comment("hooks/one", &reader(), "After the rotation", None)
        .await;
    let got = receiver.until(|got| got.len() >= 5).await;
    assert!(got[4].verified && got[4].kind == "comment.created");
}

#[tokio::test]
async fn a_failing_endpoint_is_tried_again_then_paused_and_resumed() {
    let app = server().await;
    let admin = app.admin_cookie("root").await;
    let receiver = Receiver::start().await;
    let made = add_webhook(&app, &admin, &receiver.url, &["comment.created"]).await;
    *receiver.secret.lock().expect("lock") = made.secret.clone();
    let id = made.webhook.id;

    // Fails once: tried again after its wait (the clock moves past it).
    receiver.failing.store(1, Ordering::SeqCst);
    app.comment("hooks/two", &reader(), "First", None).await;
    receiver.until(|got| !got.is_empty()).await;
    let list = deliveries_when(&app, &admin, id, |list| {
        list.deliveries
            .first()
            .is_some_and(|d| d.last_status.is_some())
    })
    .await;
    let waiting = &list.deliveries[0];
    assert_eq!(waiting.state, DeliveryState::Waiting);
    assert_eq!((waiting.attempts, waiting.last_status), (1, Some(500)));
    assert_eq!(waiting.last_error.as_deref(), Some("answered 500"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 1, "not before its wait is over");
    app.clock.advance(time::Duration::seconds(61));
    let got = receiver.until(|got| got.len() == 2).await;
    assert_eq!(got[0].id, got[1].id, "the same message id again");
    assert!(got.iter().all(|m| m.verified));

    // Fails three times in a row: paused, and the admin sees why.
    receiver.failing.store(usize::MAX, Ordering::SeqCst);
    for n in 0..3 {
        app.comment("hooks/two", &reader(), &format!("Down {n}"), None)
            .await;
    }
    let paused = async {
        for _ in 0..200 {
            let hooks: WebhookList = app.mod_get("/webhooks", &admin).await;
            if !hooks.webhooks[0].active {
                return hooks.webhooks[0].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never paused");
    }
    .await;
    assert!(
        paused
            .paused_reason
            .as_deref()
            .is_some_and(|r| r.contains("3 failed attempts in a row") && r.contains("answered 500")),
        "{paused:?}"
    );
    assert_eq!(paused.waiting, 3);
    // Paused: nothing is sent, however long it waits.
    let before = receiver.got().len();
    app.clock.advance(time::Duration::hours(1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), before);

    // Mended and resumed: what waited goes out at once.
    receiver.failing.store(0, Ordering::SeqCst);
    let resumed: Webhook = app
        .moderation(Method::PATCH, &format!("/webhooks/{id}"), &admin)
        .json(&json!({"active": true}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(resumed.active && resumed.paused_reason.is_none());
    receiver.until(|got| got.len() >= before + 3).await;
    deliveries_when(&app, &admin, id, |list| {
        list.deliveries
            .iter()
            .all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
}

#[tokio::test]
async fn private_targets_are_refused_unless_the_server_allows_them() {
    let app = spawn_app().await;
    let admin = app.admin_cookie("root").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.10/",
    ] {
        let response = app
            .moderation(Method::POST, "/webhooks", &admin)
            .json(&json!({"url": url, "events": ["comment.created"]}))
            .send()
            .await
            .expect("request");
        let body = assert_error(
            response,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(body.error.field.as_deref(), Some("url"), "{url}");
        assert!(
            body.error.message.contains("private network"),
            "{}",
            body.error.message
        );
    }
    for (body, field) in [
        (
            json!({"url": "ftp://example.org/", "events": ["comment.created"]}),
            "url",
        ),
        (
            json!({"url": "https://example.org/", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.org/", "events": ["comment.liked"]}),
            "events",
        ),
        (
            json!({"url": "https://example.org/", "events": ["comment.created"], "description": "x".repeat(201)}),
            "description",
        ),
    ] {
        let response = app
            .moderation(Method::POST, "/webhooks", &admin)
            .json(&body)
            .send()
            .await
            .expect("request");
        let error = assert_error(
            response,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(error.error.field.as_deref(), Some(field), "{body}");
    }
    // Only admins.
    let moderator = app.moderator_cookie("mo").await;
    let response = app
        .moderation(Method::GET, "/webhooks", &moderator)
        .send()
        .await
        .expect("request");
    assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // An unknown endpoint.
    for (method, path) in [
        (Method::DELETE, "/webhooks/99"),
        (Method::POST, "/webhooks/99/secret"),
        (Method::GET, "/webhooks/abc/deliveries"),
    ] {
        let response = app
            .moderation(method, path, &admin)
            .send()
            .await
            .expect("request");
        assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
}

/// A target that was public when it was set up and is private when the
/// message goes (DNS rebinding, or a changed address): refused as it is
/// sent, not only when set up.
#[tokio::test]
async fn a_private_address_is_refused_at_sending_time_too() {
    let app = spawn_with(|s| {
        s.outbox_poll_every = Duration::from_millis(50);
    })
    .await;
    to_real_time(&app);
    let admin = app.admin_cookie("root").await;
    // Public as far as the check at set-up knows (a documentation address
    // would be refused; this one is public), then the stored URL is moved
    // to loopback behind the API's back.
    let made = add_webhook(
        &app,
        &admin,
        "http://93.184.216.34/hook",
        &["comment.created"],
    )
    .await;
    let receiver = Receiver::start().await;
    execute(
        &app.database,
        &format!(
            "UPDATE webhooks SET url = '{}' WHERE id = {}",
            receiver.url, made.webhook.id
        ),
    )
    .await;
    app.comment("hooks/three", &reader(), "Nobody should get this", None)
        .await;
    let list = deliveries_when(&app, &admin, made.webhook.id, |list| {
        list.deliveries
            .first()
            .is_some_and(|d| d.last_error.is_some())
    })
    .await;
    let refused = &list.deliveries[0];
    assert_eq!(
        refused.last_error.as_deref(),
        Some("refused: a private address")
    );
    assert!(receiver.got().is_empty());
}

/// Two servers on one database share the work: every message goes out
/// once, whichever server hands it on or sends it.
#[tokio::test]
async fn two_servers_send_each_message_once() {
    let configure = |s: &mut chime_backend::startup::config::Settings| {
        s.webhook_private_targets = true;
        s.outbox_poll_every = Duration::from_millis(20);
    };
    let one = spawn_with(configure).await;
    to_real_time(&one);
    if !on_postgres() {
        // SQLite has one server; the test is for PostgreSQL.
        return;
    }
    let two = spawn_beside(&one, configure).await;
    to_real_time(&two);
    let admin = one.admin_cookie("root").await;
    let receiver = Receiver::start().await;
    let made = add_webhook(&one, &admin, &receiver.url, &["comment.created"]).await;
    *receiver.secret.lock().expect("lock") = made.secret;
    let posts = 100;
    for n in 0..posts {
        let app = if n % 2 == 0 { &one } else { &two };
        app.comment("hooks/both", &reader(), &format!("Post {n}"), None)
            .await;
    }
    let got = receiver.until(|got| got.len() >= posts).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = receiver.got();
    assert_eq!(
        got_now.len(),
        posts,
        "none twice: {} extra",
        got_now.len() - got.len()
    );
    let mut comments: Vec<&str> = got_now.iter().map(|r| r.comment.as_str()).collect();
    comments.sort_unstable();
    comments.dedup();
    assert_eq!(comments.len(), posts);
    assert!(got_now.iter().all(|m| m.verified));
}

/// A server whose lease ran out (stalled) and whose message another
/// server took over records nothing when it comes back: the message is
/// not sent again after the other's answer was recorded.
#[tokio::test]
async fn a_late_outcome_does_not_overwrite_a_newer_one() {
    use chime_backend::store::outbox::FailedAttempt;
    let app = spawn_app().await;
    let outbox = app.state.store.outbox();
    let admin = app.admin_cookie("root").await;
    let made = add_webhook(
        &app,
        &admin,
        "https://93.184.216.34/hook",
        &["comment.created"],
    )
    .await;
    // One message, due long after the server's own clock (which stands
    // still), so that only this test claims it.
    execute(
        &app.database,
        &format!(
            "INSERT INTO webhook_deliveries (webhook_id, message_id, comment_id, event, payload, created_at, next_attempt_at) \
             VALUES ({}, 'msg_test', 1, 'comment.created', '{{}}', 0, 9000000000000)",
            made.webhook.id
        ),
    )
    .await;
    let far = 10_000_000_000_000;
    let first = outbox
        .claim_deliveries(far, far + 1_000, 10)
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert!(
        outbox
            .claim_deliveries(far + 10, far + 2_000, 10)
            .await
            .expect("claim")
            .is_empty(),
        "held while its lease lasts"
    );
    // The lease runs out; another server takes it, and fails too.
    let second = outbox
        .claim_deliveries(far + 1_001, far + 5_000, 10)
        .await
        .expect("claim");
    assert_eq!(second.len(), 1);
    let failure = |lease_until: i64, at: i64, next: i64, error: &str| FailedAttempt {
        delivery_id: first[0].id,
        lease_until,
        webhook_id: made.webhook.id,
        at,
        status: Some(500),
        error: error.into(),
        next_attempt_at: Some(next),
        pause_after: 20,
    };
    outbox
        .attempt_failed(&failure(
            second[0].lease_until,
            far + 1_100,
            far + 2_000,
            "second",
        ))
        .await
        .expect("recorded");
    // The first server comes back late with its own failure: it changes
    // nothing (not the next attempt, not the count of failures).
    outbox
        .attempt_failed(&failure(
            first[0].lease_until,
            far + 1_200,
            far + 9_999,
            "first",
        ))
        .await
        .expect("recorded");
    let list = outbox
        .deliveries(made.webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(list[0].next_attempt_at, Some(far + 2_000));
    assert_eq!(list[0].last_error.as_deref(), Some("second"));
    let hook = outbox
        .webhook(made.webhook.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(hook.failures, 1);
    // A late success still counts: the endpoint has the message, and it
    // is not sent again.
    outbox
        .delivered(&first[0], far + 1_300, 204)
        .await
        .expect("recorded");
    let list = outbox
        .deliveries(made.webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(
        (list[0].delivered_at, list[0].next_attempt_at),
        (Some(far + 1_300), None)
    );
    assert!(
        outbox
            .claim_deliveries(far + 100_000, far + 200_000, 10)
            .await
            .expect("claim")
            .is_empty()
    );
}

/// A reader who erases their data takes their comments' messages with
/// them, sent or waiting: only the news of the deletion goes out, empty.
#[tokio::test]
async fn an_erasure_takes_the_messages_about_the_readers_comments() {
    let app = server().await;
    let admin = app.admin_cookie("root").await;
    let receiver = Receiver::start().await;
    let made = add_webhook(
        &app,
        &admin,
        &receiver.url,
        &["comment.created", "comment.deleted"],
    )
    .await;
    *receiver.secret.lock().expect("lock") = made.secret;
    // The endpoint is down: the message about the comment waits.
    receiver.failing.store(usize::MAX, Ordering::SeqCst);
    let me = reader();
    app.comment("hooks/erase", &me, "Words I take back", None)
        .await;
    deliveries_when(&app, &admin, made.webhook.id, |list| {
        list.deliveries
            .first()
            .is_some_and(|d| d.attempts == 1 && d.last_status.is_some())
    })
    .await;
    let erased = app.send(Method::DELETE, "/me/data", Some(&me), None).await;
    assert_eq!(erased.status(), StatusCode::OK);
    receiver.failing.store(0, Ordering::SeqCst);
    let list = deliveries_when(&app, &admin, made.webhook.id, |list| {
        list.deliveries
            .iter()
            .any(|d| d.event == chime_shared::WebhookEvent::Deleted)
    })
    .await;
    assert_eq!(list.deliveries.len(), 1, "{list:#?}");
    let payload: String = sqlx_payloads(&app).await.join("\n");
    assert!(!payload.contains("Words I take back"), "{payload}");
}

/// Every stored webhook message's body.
async fn sqlx_payloads(app: &TestApp) -> Vec<String> {
    let outbox = app.state.store.outbox();
    let mut all = Vec::new();
    for hook in outbox.webhooks().await.expect("webhooks") {
        for d in outbox.deliveries(hook.id, 100).await.expect("deliveries") {
            all.push(d.payload);
        }
    }
    all
}
