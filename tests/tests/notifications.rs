//! Notifications from end to end, in a real Chromium with a real SMTP
//! server (aiosmtpd) and a webhook receiver: a reader ticks "E-mail me
//! when someone replies", confirms the address from the mail's link,
//! another reader replies in their own browser, the mail comes with the
//! reply and a link that opens the page at it, and the unsubscribe link
//! stops the next one. Then an admin asks for alerts and adds a webhook in
//! the moderation view; a reader reports a comment; the alert mail and the
//! signed webhook arrive. (One world for both: one browser start-up.)

use chime_test_support::smtp::SmtpServer;
use chime_tests::{Options, TestResult, World, e2e_with, fill_and_send, until};
use fantoccini::{Client, Locator};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

/// The test's SMTP server, for the backend's settings (a plain function).
static SMTP_PORT: AtomicU16 = AtomicU16::new(0);

fn mailing(settings: &mut chime_backend::startup::config::Settings) {
    let port = SMTP_PORT.load(Ordering::SeqCst);
    settings.smtp_url = Some(chime_backend::startup::config::Redacted(format!(
        "smtp://127.0.0.1:{port}"
    )));
    settings.mail_from = Some("Comments <comments@news.example>".into());
    settings.outbox_poll_every = Duration::from_millis(100);
    // The webhook receiver is on this machine.
    settings.webhook_private_targets = true;
}

/// What the webhook receiver was sent: headers and body.
type Received = Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A webhook receiver on a free port: keeps what it is sent, answers 204.
async fn receiver() -> TestResult<(String, Received)> {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                if let Ok(mut all) = kept.lock() {
                    all.push((headers, body));
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, received))
}

const PASSWORD: &str = "correct horse battery staple";

/// Waits for an element of a page of its own (not the widget's).
async fn page_find(client: &Client, css: &str) -> TestResult<fantoccini::elements::Element> {
    until(|| async { client.find(Locator::Css(css)).await.ok() }).await
}

/// The address of `kind` (`confirm`, `unsubscribe`) in a mail's text.
fn link(text: &str, kind: &str) -> String {
    let marker = format!("/api/v1/mail/{kind}/");
    let at = text.find(&marker).expect("a link");
    let start = text[..at].rfind("http").expect("its origin");
    let token: String = text[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    format!("{}{token}", &text[start..at + marker.len()])
}

/// Opens a mailed link's page in `client` and presses its button, as the
/// reader would; the page's text after.
async fn press_link(client: &Client, url: &str) -> TestResult<String> {
    client.goto(url).await?;
    let asked = client
        .wait()
        .for_element(Locator::Css("p"))
        .await?
        .text()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("form button"))
        .await?
        .click()
        .await?;
    let done = until(|| async {
        let text = client
            .find(Locator::Css("p"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (text != asked).then_some(text)
    })
    .await?;
    Ok(done)
}

#[ignore = "needs aiosmtpd (CHIME_TEST_AIOSMTPD): ./dev test installs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_and_reports_reach_people_by_mail_and_by_webhook() {
    let smtp = SmtpServer::start().await;
    SMTP_PORT.store(smtp.port, Ordering::SeqCst);
    let options = Options {
        tune: Some(mailing),
        ..Options::default()
    };
    e2e_with(
        "notifications",
        "e2e/replies",
        options,
        |w: Arc<World>| async move {
            w.open().await?;
            let form = w.find("[data-testid=comment-form]").await?;
            // The address is asked for only once the box is ticked.
            assert!(
                w.find_all("[data-testid=notify-email-input]")
                    .await?
                    .is_empty()
            );
            w.find("[data-testid=comment-form] [data-testid=notify-input]")
                .await?
                .click()
                .await?;
            let email = w
                .find("[data-testid=comment-form] [data-testid=notify-email-input]")
                .await?;
            // Plainly not an address: said beside the field, nothing sent.
            email.send_keys("ana at home").await?;
            fill_and_send(&form, "Ana", "When does the bridge open?").await?;
            w.text_until("[data-testid=comment-form] .chime-field-error", |t| {
                t.contains("name@example.com")
            })
            .await?;
            email.clear().await?;
            email.send_keys("ana@reader.example").await?;
            form.find(Locator::Css("[data-testid=submit-comment]"))
                .await?
                .click()
                .await?;
            w.text_until("[data-testid=status-message]", |t| {
                t.contains("open its link")
            })
            .await?;
            let mine = w.find("[data-testid=comment]").await?;
            let parent = mine.attr("data-comment-id").await?.ok_or("an id")?;

            // The reader confirms from the mail, in the browser.
            let mails = smtp.until_decoded(1).await;
            assert_eq!(mails[0].header("To"), "ana@reader.example");
            let done = press_link(&w.client, &link(&mails[0].body, "confirm")).await?;
            assert!(done.starts_with("Done"), "{done}");

            // Another reader replies in their own browser.
            let other = w.second_browser().await?;
            let host = other
                .wait()
                .for_element(Locator::Css("chime-comments"))
                .await?;
            let root = until(|| async { host.shadow_root().await.ok() }).await?;
            let reply_button = until(|| async {
                root.find(Locator::Css(&format!(
                    "[data-comment-id='{parent}'] [data-testid=reply-button]"
                )))
                .await
                .ok()
            })
            .await?;
            reply_button.click().await?;
            let reply_form = until(|| async {
                root.find(Locator::Css("[data-testid=reply-form]"))
                    .await
                    .ok()
            })
            .await?;
            fill_and_send(&reply_form, "Bo", "In May, they say.").await?;

            // One mail: who, the words, a link to the reply, a way out.
            let mails = smtp.until_decoded(2).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(smtp.mails().len(), 2, "one mail for one reply");
            let mail = &mails[1];
            assert_eq!(mail.header("To"), "ana@reader.example");
            assert_eq!(mail.header("Subject"), "Bo replied to your comment");
            assert!(mail.body.contains("> In May, they say."), "{mail:?}");
            assert_eq!(
                mail.header("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click"
            );
            let at = mail.body.find("#chime-").ok_or("a link to the reply")?;
            let start = mail.body[..at].rfind("http").ok_or("its page")?;
            let end = mail.body[at..]
                .find(char::is_whitespace)
                .map_or(mail.body.len(), |e| at + e);
            let reply_link = &mail.body[start..end];
            assert!(reply_link.starts_with(&w.host), "{reply_link}");

            // The link opens the page at the reply, marked.
            w.client.goto(reply_link).await?;
            let reply_id = reply_link.rsplit("#chime-").next().unwrap_or_default();
            let target = format!("[data-comment-id='{reply_id}'].chime-target");
            w.find(&target).await?;

            // The way out, from the mail's footer, in the browser.
            let done = press_link(&w.client, &link(&mail.body, "unsubscribe")).await?;
            assert!(done.starts_with("Done"), "{done}");
            // (The reply form closed when the first reply was posted.)
            reply_button.click().await?;
            let reply_form = until(|| async {
                root.find(Locator::Css("[data-testid=reply-form]"))
                    .await
                    .ok()
            })
            .await?;
            fill_and_send(&reply_form, "Bo", "Still there?").await?;
            until(|| async {
                for body in root
                    .find_all(Locator::Css("[data-testid=comment-body]"))
                    .await
                    .ok()?
                {
                    if body.text().await.ok()? == "Still there?" {
                        return Some(());
                    }
                }
                None
            })
            .await?;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(smtp.mails().len(), 2, "nothing after unsubscribing");
            other.close().await?;

            // An admin asks for alerts and adds a webhook, in the
            // moderation view.
            chime_backend::service::admin::add_moderator(
                w.state()?.store.as_ref(),
                "ada",
                PASSWORD.to_owned(),
                chime_shared::Role::Admin,
                chime_backend::service::admin::Actor::command_line(0),
            )
            .await?;
            let (hook_url, received) = receiver().await?;
            let c = &w.client;
            c.goto(&format!("{}/moderate", w.backend)).await?;
            page_find(c, "[data-testid=signin-username]")
                .await?
                .send_keys("ada")
                .await?;
            page_find(c, "[data-testid=signin-password]")
                .await?
                .send_keys(PASSWORD)
                .await?;
            page_find(c, "[data-testid=signin-submit]")
                .await?
                .click()
                .await?;
            page_find(c, "[data-testid=tab-notifications]")
                .await?
                .click()
                .await?;
            page_find(c, "[data-testid=webhooks-empty]").await?;
            page_find(c, "[data-testid=alerts-email]")
                .await?
                .send_keys("ada@news.example")
                .await?;
            page_find(c, "[data-testid=alerts-event-reported]")
                .await?
                .click()
                .await?;
            page_find(c, "[data-testid=alerts-save]")
                .await?
                .click()
                .await?;
            until(|| async {
                let status = c
                    .find(Locator::Css("[data-testid=mod-status]"))
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
                status.contains("alerts are saved").then_some(())
            })
            .await?;
            // A target that is no address: refused beside its field.
            page_find(c, "[data-testid=webhook-url]")
                .await?
                .send_keys("not a url")
                .await?;
            page_find(c, "[data-testid=add-webhook-submit]")
                .await?
                .click()
                .await?;
            page_find(c, r#"[data-testid="error-webhook.url"]"#).await?;
            let url_input = page_find(c, "[data-testid=webhook-url]").await?;
            url_input.clear().await?;
            url_input.send_keys(&hook_url).await?;
            page_find(c, "[data-testid=add-webhook-submit]")
                .await?
                .click()
                .await?;
            let secret = page_find(c, "[data-testid=webhook-secret]")
                .await?
                .text()
                .await?;
            assert!(secret.starts_with("whsec_"), "{secret}");
            page_find(c, "[data-testid=webhook-row][data-active=true]").await?;

            // A reader reports a comment.
            w.open().await?;
            w.find(&format!(
                "[data-comment-id='{parent}'] [data-testid=report-button]"
            ))
            .await?
            .click()
            .await?;
            w.find("[data-testid=report-form] [data-testid=send-report]")
                .await?
                .click()
                .await?;

            // The alert, and the webhook, signed with the secret shown.
            let mails = smtp.until_decoded(3).await;
            let alert = &mails[2];
            assert_eq!(alert.header("To"), "ada@news.example");
            assert!(
                alert.header("Subject").starts_with("[Chime] Reported:"),
                "{alert:?}"
            );
            let (headers, body) = until(|| async {
                received
                    .lock()
                    .ok()?
                    .iter()
                    .find(|(_, body)| body.contains("comment.reported"))
                    .cloned()
            })
            .await?;
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let timestamp: i64 = header("webhook-timestamp").parse()?;
            let expected = chime_backend::service::webhooks::signature(
                &secret,
                &header("webhook-id"),
                timestamp,
                body.as_bytes(),
            );
            assert_eq!(header("webhook-signature"), expected);

            // Paused from the view.
            c.goto(&format!("{}/moderate", w.backend)).await?;
            page_find(c, "[data-testid=tab-notifications]")
                .await?
                .click()
                .await?;
            page_find(c, "[data-testid=webhook-toggle]")
                .await?
                .click()
                .await?;
            page_find(c, "[data-testid=webhook-row][data-active=false]").await?;
            Ok(())
        },
    )
    .await;
}
