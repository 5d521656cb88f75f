//! E-mail: a moderator's alerts, sent through a real SMTP server (Python's
//! aiosmtpd from PyPI, started by the test, keeping what it takes in a
//! maildir the test reads).

use chime_shared::{AlertSettings, ErrorCode, WebhookEvent};
use chime_test_support::app::*;
use chime_test_support::smtp::SmtpServer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test]
async fn a_moderator_asks_for_alerts_and_a_report_sends_one() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = spawn_with(|s| {
        s.smtp_url = Some(chime_backend::startup::config::Redacted(format!(
            "smtp://127.0.0.1:{port}"
        )));
        s.mail_from = Some("Chime <comments@news.example>".into());
        s.outbox_poll_every = Duration::from_millis(50);
    })
    .await;
    let cookie = app.moderator_cookie("mo").await;
    let none: AlertSettings = app.mod_get("/me/alerts", &cookie).await;
    assert_eq!(none.email, None);

    // Not an address; not an event.
    for (body, field) in [
        (
            json!({"email": "not an address", "events": ["comment.reported"]}),
            "email",
        ),
        (
            json!({"email": "mo@news.example", "events": ["comment.liked"]}),
            "events",
        ),
    ] {
        let response = app
            .moderation(Method::PUT, "/me/alerts", &cookie)
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
        assert_eq!(error.error.field.as_deref(), Some(field));
    }

    let set: AlertSettings = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": "mo@news.example", "events": ["comment.reported", "comment.held"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(set.email.as_deref(), Some("mo@news.example"));
    assert_eq!(set.events, [WebhookEvent::Held, WebhookEvent::Reported]);

    // A comment, then a report: one mail (posting alone sends none).
    let posted = app
        .comment("mail/one", &reader(), "Buy cheap watches today", None)
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
    let mails = smtp.until(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), 1, "one mail, for the report");
    let mail = &mails[0];
    assert!(mail.contains("To: mo@news.example"), "{mail}");
    assert!(
        mail.contains("From: Chime <comments@news.example>"),
        "{mail}"
    );
    assert!(
        mail.contains("Subject: [Chime] Reported: \"Buy cheap watches today\" on mail/one"),
        "{mail}"
    );
    assert!(mail.contains("> Buy cheap watches today"), "{mail}");
    assert!(mail.contains("spam (1)"), "{mail}");
    assert!(mail.contains(&format!("{}/moderate/", app.url)), "{mail}");

    // Stopped: a second report sends nothing.
    let stopped: AlertSettings = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": null}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(stopped.email, None);
    app.send(
        Method::POST,
        &format!("/comments/{}/reports", posted.id),
        Some(&reader()),
        Some(json!({"reason": "abuse"})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mails().len(), 1);
}

#[tokio::test]
async fn a_server_without_mail_says_so() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": "mo@news.example", "events": ["comment.reported"]}))
        .send()
        .await
        .expect("request");
    let error = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error.error.field.as_deref(), Some("email"));
    assert!(
        error.error.message.contains("--smtp-url"),
        "{}",
        error.error.message
    );
}

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test]
async fn a_digest_gathers_an_hours_alerts_into_one_mail() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = spawn_with(|s| {
        s.smtp_url = Some(chime_backend::startup::config::Redacted(format!(
            "smtp://127.0.0.1:{port}"
        )));
        s.mail_from = Some("comments@news.example".into());
        s.outbox_poll_every = Duration::from_millis(50);
    })
    .await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": "mo@news.example", "events": ["comment.reported"], "digest_minutes": 1441}))
        .send()
        .await
        .expect("request");
    let error = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error.error.field.as_deref(), Some("digest_minutes"));
    async fn report(app: &TestApp, words: &str) {
        let posted = app.comment("mail/two", &reader(), words, None).await;
        let reported = app
            .send(
                Method::POST,
                &format!("/comments/{}/reports", posted.id),
                Some(&reader()),
                Some(json!({"reason": "abuse"})),
            )
            .await;
        assert_eq!(reported.status(), StatusCode::ACCEPTED);
    }
    // Without a digest, alerts that come together still go one by one.
    let set: AlertSettings = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": "mo@news.example", "events": ["comment.reported"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(set.digest_minutes, 0);
    report(&app, "One at once").await;
    report(&app, "Another at once").await;
    let apart = smtp.until(2).await;
    assert!(
        apart
            .iter()
            .all(|m| m.contains("Subject: [Chime] Reported:")),
        "{apart:#?}"
    );
    let set: AlertSettings = app
        .moderation(Method::PUT, "/me/alerts", &cookie)
        .json(&json!({"email": "mo@news.example", "events": ["comment.reported"], "digest_minutes": 60}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(set.digest_minutes, 60);
    report(&app, "First rude thing").await;
    report(&app, "Second rude thing").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mails().len(), 2, "nothing more before the hour is out");
    app.clock.advance(time::Duration::minutes(61));
    smtp.until(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3, "one mail for both");
    let mail = mails
        .iter()
        .find(|m| m.contains("Subject: [Chime] 2 alerts"))
        .expect("the digest");
    assert!(mail.contains("Subject: [Chime] 2 alerts"), "{mail}");
    assert!(
        mail.contains("> First rude thing") && mail.contains("> Second rude thing"),
        "{mail}"
    );
}
