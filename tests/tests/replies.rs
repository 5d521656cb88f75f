//! Reply e-mails from end to end, in a real Chromium with a real SMTP
//! server (aiosmtpd): a reader ticks "E-mail me when someone replies",
//! confirms the address from the mail's link, another reader replies in
//! their own browser, the mail comes with the reply and a link that opens
//! the page at it, and the unsubscribe link stops the next one.

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
async fn a_reply_in_the_browser_mails_the_parents_author_once_with_a_link_and_a_way_out() {
    let smtp = SmtpServer::start().await;
    SMTP_PORT.store(smtp.port, Ordering::SeqCst);
    let options = Options {
        tune: Some(mailing),
        ..Options::default()
    };
    e2e_with(
        "reply-mail",
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
            Ok(())
        },
    )
    .await;
}
