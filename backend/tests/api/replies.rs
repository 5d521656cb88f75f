//! Reply e-mails (API.md, "Reply e-mails"): asked for with a comment,
//! confirmed by a link (or given by the site's token), sent through a real
//! SMTP server when someone replies, gathered when many reply, stopped in
//! one click.

use chime_backend::clock::Clock;
use chime_shared::{Comment, ErrorCode, ReaderData, ReplyEmails, SsoSession};
use chime_test_support::app::*;
use chime_test_support::smtp::{Mail, SmtpServer};
use chime_test_support::sso::{SECRET, sign};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn with_mail(port: u16) -> impl FnOnce(&mut chime_backend::startup::config::Settings) {
    move |s| {
        s.smtp_url = Some(chime_backend::startup::config::Redacted(format!(
            "smtp://127.0.0.1:{port}"
        )));
        s.mail_from = Some("Comments <comments@news.example>".into());
        s.outbox_poll_every = Duration::from_millis(50);
        s.sso_secrets =
            vec![chime_backend::startup::config::SsoSecret::parse(SECRET).expect("long enough")];
    }
}

async fn post(app: &TestApp, reader: &str, body: Value) -> reqwest::Response {
    app.post_comment("replies/one", reader, body).await
}

async fn posted(app: &TestApp, reader: &str, body: Value) -> Comment {
    let response = post(app, reader, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("comment")
}

/// The link of `kind` (`confirm`, `unsubscribe`) in a mail's text.
fn link(app: &TestApp, text: &str, kind: &str) -> String {
    let start = format!("{}/api/v1/mail/{kind}/", app.url);
    let at = text
        .find(&start)
        .unwrap_or_else(|| panic!("no {kind} link in {text}"));
    let token: String = text[at + start.len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    format!("{start}{token}")
}

async fn page(method: Method, url: &str, body: Option<&str>) -> (StatusCode, String) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html"),
        "{response:?}"
    );
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.text().await.expect("page"))
}

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test]
async fn a_reply_reaches_the_author_who_confirmed_and_one_click_stops_them() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with(with_mail(smtp.port)).await;
    let ana = reader();
    let bo = reader();
    let page_url = format!("{}/demo/story?x=1#comments", app.url);
    let asking = json!({"author_name": "Ana", "body": "Where is the bridge going?\nAnd when?",
               "notify": {"email": "Ana@Reader.example", "page_url": page_url, "locale": "de-AT"}});
    let post_once = || async {
        let response = app
            .request(Method::POST, "/articles/replies%2Fone/comments", Some(&ana))
            .header("Idempotency-Key", "ana-asks-once")
            .json(&asking)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Comment>().await.expect("comment")
    };
    let mine = post_once().await;
    assert_eq!(mine.replies_by_email, Some(ReplyEmails::Confirm));

    // The confirming mail, in the reader's language, naming the page (not
    // the comment: whoever asked may not own the address, and nothing a
    // stranger wrote goes to it).
    let mails = smtp.until_decoded(1).await;
    let confirm = &mails[0];
    assert_eq!(confirm.header("To"), "Ana@Reader.example");
    assert_eq!(
        confirm.header("Subject"),
        "Bitte bestätigen: E-Mails bei Antworten auf Ihren Kommentar"
    );
    assert!(
        confirm
            .body
            .contains(&format!("> {}/demo/story?x=1\n", app.url)),
        "{confirm:?}"
    );
    assert!(!confirm.body.contains("bridge"), "{confirm:?}");
    let confirm_link = link(&app, &confirm.body, "confirm");

    // The post retried (its answer lost): the same request, the link
    // mailed still good.
    assert_eq!(post_once().await.id, mine.id);
    // Another reader gives the same address, written otherwise: no second
    // confirming mail the same day.
    posted(
        &app,
        &reader(),
        json!({"author_name": "Eve", "body": "Mail her",
               "notify": {"email": "ana@READER.example", "page_url": page_url}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        smtp.mails().len(),
        1,
        "one confirming mail a day per address"
    );

    // Unconfirmed, a reply mails nothing.
    posted(
        &app,
        &bo,
        json!({"author_name": "Bo", "body": "Too early", "parent_id": mine.id}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(smtp.mails().len(), 1);

    // Opening the link only asks (mail scanners open links); the button
    // confirms.
    let (status, asked) = page(Method::GET, &confirm_link, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(asked.contains("Ana@Reader.example"), "{asked}");
    assert!(asked.contains("<form method=\"post\">"), "{asked}");
    assert!(asked.contains("lang=\"de\""), "{asked}");
    let (status, done) = page(Method::POST, &confirm_link, Some("")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(done.contains("Erledigt"), "{done}");

    // A reply: one mail, with who, what, where, and how to stop it.
    let reply = posted(
        &app,
        &bo,
        json!({"author_name": "Bo <b>", "body": "It goes north.\nIn May.", "parent_id": mine.id}),
    )
    .await;
    let mails = smtp.until_decoded(2).await;
    let mail = &mails[1];
    assert_eq!(mail.header("To"), "Ana@Reader.example");
    assert_eq!(mail.header("From"), "Comments <comments@news.example>");
    assert_eq!(
        mail.header("Subject"),
        "Bo <b> hat auf Ihren Kommentar geantwortet"
    );
    assert!(
        mail.body.contains("> It goes north.\n> In May."),
        "{mail:?}"
    );
    assert!(
        mail.body
            .contains(&format!("{}/demo/story?x=1#chime-{}", app.url, reply.id)),
        "{mail:?}"
    );
    assert!(
        mail.body.contains("> Where is the bridge going?"),
        "their own comment, to remember it by: {mail:?}"
    );
    let unsubscribe = link(&app, mail.header("List-Unsubscribe"), "unsubscribe");
    assert_eq!(mail.header("List-Unsubscribe"), format!("<{unsubscribe}>"));
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(mail.body.contains(&unsubscribe), "the footer's link");

    // Their own reply to their own comment mails nothing (a window later,
    // when one would go at once).
    app.clock.advance(time::Duration::minutes(11));
    posted(
        &app,
        &ana,
        json!({"author_name": "Ana", "body": "Thanks!", "parent_id": mine.id}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(smtp.mails().len(), 2);

    // One click, as a mail program makes it (RFC 8058), stops them.
    let (status, _) = page(
        Method::POST,
        &unsubscribe,
        Some("List-Unsubscribe=One-Click"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(11));
    posted(
        &app,
        &bo,
        json!({"author_name": "Bo", "body": "Anyone?", "parent_id": mine.id}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.mails().len(), 2, "nothing after unsubscribing");
    let (status, gone) = page(Method::GET, &unsubscribe, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(gone.contains("expired"), "{gone}");
    // The same click again is the same answer.
    let (status, _) = page(Method::POST, &unsubscribe, Some("")).await;
    assert_eq!(status, StatusCode::OK);
}

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test]
async fn a_signed_in_readers_address_needs_no_confirming_and_a_busy_thread_sends_a_digest() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with(with_mail(smtp.port)).await;
    let now = app.clock.now().unix_timestamp();
    let token = sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"iat": now - 5, "exp": now + 300,
               "user": {"id": "7", "username": "Mei", "email": "mei@site.example"}}),
        SECRET,
    );
    let session: SsoSession = app
        .request(Method::POST, "/sso/session", Some(&reader()))
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("session");
    assert!(session.reader.has_email);
    let mine: Comment = app
        .request(
            Method::POST,
            "/articles/replies%2Fone/comments",
            Some(&reader()),
        )
        .header("X-Chime-Session", &session.session)
        .json(&json!({"author_name": "x", "body": "Signed in",
                      "notify": {"page_url": format!("{}/demo/", app.url)}}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("comment");
    assert_eq!(mine.replies_by_email, Some(ReplyEmails::On));

    // The first reply at once; the next ones, close behind, in one digest
    // ten minutes after it.
    let others = reader();
    for words in ["First!", "Second", "Third"] {
        posted(
            &app,
            &others,
            json!({"author_name": "Bo", "body": words, "parent_id": mine.id}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let mails = smtp.until_decoded(1).await;
    assert_eq!(mails[0].header("To"), "mei@site.example");
    assert!(mails[0].body.contains("> First!"), "{:?}", mails[0]);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(smtp.mails().len(), 1, "the others wait for the digest");
    // Links that are no token stop nothing (a `%` is no wildcard).
    for token in ["%25", "_", &"%25".repeat(22)] {
        let (status, _) = page(
            Method::POST,
            &format!("{}/api/v1/mail/unsubscribe/{token}", app.url),
            Some("List-Unsubscribe=One-Click"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.clock.advance(time::Duration::minutes(11));
    let mails: Vec<Mail> = smtp.until_decoded(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), 2, "one digest for both");
    let digest = &mails[1];
    assert_eq!(digest.header("Subject"), "New replies to your comment: 2");
    assert!(
        digest.body.contains("> Second") && digest.body.contains("> Third"),
        "{digest:?}"
    );
    assert!(!digest.header("List-Unsubscribe").is_empty(), "{digest:?}");
    assert_eq!(
        digest.body.matches("/api/v1/mail/unsubscribe/").count(),
        1,
        "one footer: {digest:?}"
    );
}

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test]
async fn a_held_reply_is_mailed_once_approved_and_a_hidden_one_not_at_all() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with(with_mail(smtp.port)).await;
    let cookie = app.moderator_cookie("mo").await;
    let ana = reader();
    let mine = posted(
        &app,
        &ana,
        json!({"author_name": "Ana", "body": "Mine",
               "notify": {"email": "ana@reader.example", "page_url": format!("{}/demo/", app.url)}}),
    )
    .await;
    let mails = smtp.until_decoded(1).await;
    let (status, _) = page(
        Method::POST,
        &link(&app, &mails[0].body, "confirm"),
        Some(""),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let act = |path: String| {
        let app = &app;
        let cookie = &cookie;
        async move {
            let response = app
                .moderation(Method::POST, &path, cookie)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
    };

    // Held (the robots' field was filled): not mailed while it waits.
    let held = posted(
        &app,
        &reader(),
        json!({"author_name": "Bo", "body": "Held back", "parent_id": mine.id, "website": "x"}),
    )
    .await;
    assert_eq!(held.state, chime_shared::CommentState::Pending);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mails().len(), 1, "a held reply is not mailed");
    // Approved: mailed once; hidden and restored: not again.
    act(format!("/comments/{}/approve", held.id)).await;
    let mails = smtp.until_decoded(2).await;
    assert!(mails[1].body.contains("> Held back"), "{:?}", mails[1]);
    act(format!("/comments/{}/hide", held.id)).await;
    act(format!("/comments/{}/unhide", held.id)).await;
    app.clock.advance(time::Duration::minutes(11));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.mails().len(),
        2,
        "a restored reply is not mailed again"
    );

    // A reply waiting for the digest, hidden meanwhile, is not mailed.
    posted(
        &app,
        &reader(),
        json!({"author_name": "Cy", "body": "At once", "parent_id": mine.id}),
    )
    .await;
    smtp.until(3).await;
    let rude = posted(
        &app,
        &reader(),
        json!({"author_name": "Dee", "body": "Something rude", "parent_id": mine.id}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    act(format!("/comments/{}/hide", rude.id)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.clock.advance(time::Duration::minutes(11));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        smtp.mails().len(),
        3,
        "the hidden reply's digest never went"
    );
}

#[tokio::test]
async fn asking_for_reply_mails_is_checked_before_anything_is_stored() {
    // A mail server that is never reached: these requests are refused, or
    // wait to be confirmed.
    let app = spawn_with(with_mail(9)).await;
    let config: Value = app
        .request(Method::GET, "/config", None)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("config");
    assert_eq!(config["reply_emails"], true);
    let ana = reader();
    let page_url = format!("{}/demo/", app.url);
    for (notify, field) in [
        (
            json!({"email": "not an address", "page_url": page_url}),
            "notify.email",
        ),
        (
            json!({"email": "a@b.example\r\nBcc: x@y.example", "page_url": page_url}),
            "notify.email",
        ),
        (json!({"page_url": page_url}), "notify.email"),
        (
            json!({"email": "ana@reader.example", "page_url": "https://evil.example/x"}),
            "notify.page_url",
        ),
        (
            json!({"email": "ana@reader.example", "page_url": "javascript:alert(1)//"}),
            "notify.page_url",
        ),
        (
            json!({"email": "ana@reader.example", "page_url": format!("{page_url}{}", "x".repeat(2_000))}),
            "notify.page_url",
        ),
    ] {
        let response = post(
            &app,
            &ana,
            json!({"author_name": "Ana", "body": "Hello", "notify": notify}),
        )
        .await;
        let error = assert_error(
            response,
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(error.error.field.as_deref(), Some(field), "{notify}");
    }
    assert_eq!(app.list("replies/one", "", None).await.total, 0);

    // Asked for: in the reader's data, and gone with it.
    let mine = posted(
        &app,
        &ana,
        json!({"author_name": "Ana", "body": "Hello",
               "notify": {"email": "ana@reader.example", "page_url": page_url, "locale": "xx"}}),
    )
    .await;
    assert_eq!(mine.replies_by_email, Some(ReplyEmails::Confirm));
    let data: ReaderData = app
        .request(Method::GET, "/me/data", Some(&ana))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("data");
    assert_eq!(data.reply_emails.len(), 1);
    assert_eq!(data.reply_emails[0].email, "ana@reader.example");
    assert_eq!(data.reply_emails[0].locale, "en");
    assert!(!data.reply_emails[0].confirmed);
    let erased = app
        .request(Method::DELETE, "/me/data", Some(&ana))
        .send()
        .await
        .expect("request");
    assert_eq!(erased.status(), StatusCode::OK);
    let data: ReaderData = app
        .request(Method::GET, "/me/data", Some(&ana))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("data");
    assert!(data.reply_emails.is_empty());

    // A link nobody was sent.
    let (status, _) = page(
        Method::GET,
        &format!("{}/api/v1/mail/confirm/{}", app.url, "0".repeat(64)),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(
        Method::POST,
        &format!("{}/api/v1/mail/confirm/<script>", app.url),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A server that sends no mail says so.
    let quiet = spawn_app().await;
    let response = quiet
        .post_comment(
            "replies/one",
            &reader(),
            json!({"author_name": "Ana", "body": "Hello",
                   "notify": {"email": "ana@reader.example", "page_url": format!("{}/demo/", quiet.url)}}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error.error.field.as_deref(), Some("notify"));
    assert_eq!(quiet.list("replies/one", "", None).await.total, 0);
}
