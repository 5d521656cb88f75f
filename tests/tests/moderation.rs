//! The moderation view in a real headless Chromium against the real
//! backend, next to a reader's browser on the host page.

use chime_shared::Role;
use chime_tests::{Options, TestResult, World, e2e, e2e_with, fill_and_send, until};
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::sync::Arc;

const OTHER_READER: &str = "fedcba9876543210fedcba9876543210";
const PASSWORD: &str = "correct horse battery staple";

async fn add_moderator(w: &World, name: &str) -> TestResult {
    chime_backend::service::admin::add_moderator(
        w.state()?.store.as_ref(),
        name,
        PASSWORD.to_owned(),
        Role::Moderator,
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await?;
    Ok(())
}

async fn post_as(w: &World, article: &str, body: &str) -> TestResult<String> {
    let (status, comment) = w
        .http
        .call(
            "POST",
            &format!("/api/v1/articles/{}/comments", article.replace('/', "%2F")),
            Some(json!({"author_name": "Someone", "body": body})),
            &[("x-chime-reader", OTHER_READER)],
        )
        .await?;
    assert_eq!(status, 201, "{comment}");
    Ok(comment["id"].as_str().unwrap_or_default().to_owned())
}

/// Waits for an element of the moderation page.
async fn find(client: &Client, css: &str) -> TestResult<Element> {
    until(|| async { client.find(Locator::Css(css)).await.ok() }).await
}

/// Waits until `css` matches `count` elements of the moderation page.
async fn count_until(client: &Client, css: &str, count: usize) -> TestResult {
    until(|| async {
        (client.find_all(Locator::Css(css)).await.ok()?.len() == count).then_some(())
    })
    .await
}

/// Waits until an element's attribute has a value.
async fn attr_until(client: &Client, css: &str, name: &str, value: &str) -> TestResult {
    until(|| async {
        let el = client.find(Locator::Css(css)).await.ok()?;
        (el.attr(name).await.ok()?? == value).then_some(())
    })
    .await
}

/// The reader's widget in the second browser.
async fn reader_root(client: &Client) -> TestResult<ShadowRoot> {
    until(|| async {
        let host = client.find(Locator::Css("chime-comments")).await.ok()?;
        let root = host.shadow_root().await.ok()?;
        root.find(Locator::Css("[data-testid=comment-form]"))
            .await
            .ok()?;
        Some(root)
    })
    .await
}

async fn reader_count(root: &ShadowRoot, count: usize) -> TestResult {
    until(|| async {
        let n = root
            .find_all(Locator::Css("[data-testid=comment]"))
            .await
            .ok()?
            .len();
        (n == count).then_some(())
    })
    .await
}

async fn sign_in(client: &Client, name: &str, password: &str) -> TestResult {
    let username = find(client, "[data-testid=signin-username]").await?;
    username.clear().await?;
    username.send_keys(name).await?;
    let secret = find(client, "[data-testid=signin-password]").await?;
    secret.clear().await?;
    secret.send_keys(password).await?;
    find(client, "[data-testid=signin-submit]")
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_hides_and_restores_and_the_reader_sees_it_live() {
    e2e("moderate", "e2e/moderate", false, |w: Arc<World>| async move {
        add_moderator(&w, "mia").await?;
        let reader = w.second_browser().await?;
        let root = reader_root(&reader).await?;

        w.client.goto(&format!("{}/moderate", w.backend)).await?;
        // Wrong password and unknown name: one answer, no hint which.
        sign_in(&w.client, "mia", "not the password").await?;
        let wrong_password = find(&w.client, "[data-testid=signin-error]")
            .await?
            .text()
            .await?;
        sign_in(&w.client, "nobody", "not the password").await?;
        until(|| async {
            let text = w
                .client
                .find(Locator::Css("[data-testid=signin-error]"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            (text == wrong_password).then_some(())
        })
        .await?;
        assert!(!wrong_password.is_empty());
        assert!(!wrong_password.to_lowercase().contains("password is wrong"));

        sign_in(&w.client, "mia", PASSWORD).await?;
        let me = find(&w.client, "[data-testid=mod-user]").await?;
        assert_eq!(me.text().await?, "mia");
        find(&w.client, "[data-testid=tab-recent]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=mod-empty]").await?;

        // The reader posts from the widget; the moderator hears of it live.
        let form = root
            .find(Locator::Css("[data-testid=comment-form]"))
            .await?;
        fill_and_send(&form, "Reader", "Something the moderator will not like").await?;
        reader_count(&root, 1).await?;
        let notice = find(&w.client, "[data-testid=mod-new-button]").await?;
        assert!(notice.text().await?.contains("1 new comment"));
        notice.click().await?;
        count_until(&w.client, "[data-testid=mod-row]", 1).await?;
        let body = find(&w.client, "[data-testid=mod-row] [data-testid=row-body]").await?;
        assert_eq!(body.text().await?, "Something the moderator will not like");
        // Every control has a name a screen reader can say.
        let unnamed = w
            .eval(
                r#"return [...document.querySelectorAll('button, input, select, textarea')]
                     .filter(el => !((el.getAttribute('aria-label') || '').trim()
                        || (el.labels && [...el.labels].some(l => l.textContent.trim()))
                        || (el.tagName === 'BUTTON' && el.textContent.trim())))
                     .map(el => el.outerHTML.slice(0, 100))"#,
            )
            .await?;
        assert_eq!(unnamed, json!([]));

        // Hide it, with a reason: the reader's page loses it at once.
        find(&w.client, "[data-testid=hide-reason]")
            .await?
            .select_by_value("abuse")
            .await?;
        find(&w.client, "[data-testid=hide-button]")
            .await?
            .click()
            .await?;
        attr_until(&w.client, "[data-testid=mod-row]", "data-state", "hidden").await?;
        reader_count(&root, 0).await?;

        // Restore it: it comes back for the reader, where it stood, at once.
        find(&w.client, "[data-testid=unhide-button]")
            .await?
            .click()
            .await?;
        attr_until(&w.client, "[data-testid=mod-row]", "data-state", "visible").await?;
        reader_count(&root, 1).await?;
        assert!(
            root.find_all(Locator::Css("[data-testid=new-comments-button]"))
                .await?
                .is_empty(),
            "no button to press for a comment the reader had seen"
        );
        let count = root
            .find(Locator::Css("[data-testid=comment-count]"))
            .await?
            .text()
            .await?;
        assert_eq!(count, "1 comment");

        // The audit log has both acts, newest first, with the reason (and,
        // first of all, the moderator's making, from the command line).
        find(&w.client, "[data-testid=tab-audit]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=audit-entry]", 3).await?;
        let actions = w
            .eval("return [...document.querySelectorAll('[data-testid=audit-entry]')].map(e => [e.dataset.action, e.textContent])")
            .await?;
        assert_eq!(actions[0][0], json!("unhide"), "{actions}");
        assert_eq!(actions[1][0], json!("hide"), "{actions}");
        assert!(actions[1][1].to_string().contains("mia"), "{actions}");
        assert!(actions[1][1].to_string().contains("Abuse or harassment"), "{actions}");
        assert_eq!(actions[2][0], json!("moderator_added"), "{actions}");

        // Signing out ends the session: the API answers 401 again.
        find(&w.client, "[data-testid=sign-out]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=signin-form]").await?;
        let status = w
            .eval("return fetch('/api/v1/mod/me').then(r => r.status)")
            .await?;
        assert_eq!(status, json!(401));
        let reader_errors = reader.execute("return window.__errors", vec![]).await?;
        assert_eq!(reader_errors, json!([]));
        reader.close().await?;
        Ok(())
    })
    .await;
}

/// The `data-testid` of the focused element of the moderation page (or its
/// id).
async fn focused(client: &Client) -> TestResult<String> {
    let value = client
        .execute(
            "const a = document.activeElement; return a ? (a.dataset.testid || a.id || a.tagName) : ''",
            vec![],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

async fn press(w: &World, keys: &str) -> TestResult {
    w.press(keys).await
}

async fn states(client: &Client) -> TestResult<Vec<String>> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('[data-testid=mod-row]')].map(r => r.dataset.state)",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_works_from_the_keyboard() {
    e2e(
        "moderate-keys",
        "e2e/keys",
        false,
        |w: Arc<World>| async move {
            add_moderator(&w, "kai").await?;
            for body in ["Third: ferry fares", "Second: a timetable", "First: hello"] {
                post_as(&w, "e2e/keys", body).await?;
            }
            w.client.goto(&format!("{}/moderate", w.backend)).await?;
            find(&w.client, "[data-testid=signin-username]").await?;
            until(|| async { (focused(&w.client).await.ok()? == "signin-username").then_some(()) })
                .await?;
            press(&w, "kai").await?;
            press(&w, &char::from(Key::Tab).to_string()).await?;
            press(&w, PASSWORD).await?;
            press(&w, &char::from(Key::Enter).to_string()).await?;
            find(&w.client, "[data-testid=mod-user]").await?;

            // The shortcuts panel, then away again.
            press(&w, "?").await?;
            find(&w.client, "[data-testid=shortcuts]").await?;
            press(&w, &char::from(Key::Escape).to_string()).await?;
            count_until(&w.client, "[data-testid=shortcuts]", 0).await?;

            // To the Recent tab by Tab and Enter.
            for _ in 0..10 {
                if focused(&w.client).await? == "tab-recent" {
                    break;
                }
                press(&w, &char::from(Key::Tab).to_string()).await?;
            }
            assert_eq!(focused(&w.client).await?, "tab-recent");
            press(&w, &char::from(Key::Enter).to_string()).await?;
            attr_until(
                &w.client,
                "[data-testid=tab-recent]",
                "aria-selected",
                "true",
            )
            .await?;
            count_until(&w.client, "[data-testid=mod-row]", 3).await?;

            // j, x, j, x selects the second and third; h hides both.
            press(&w, "jxjx").await?;
            find(&w.client, "[data-testid=hide-selected]").await?;
            assert_eq!(
                find(&w.client, "[data-testid=selection]")
                    .await?
                    .text()
                    .await?,
                "2 selected"
            );
            press(&w, "h").await?;
            until(|| async {
                (states(&w.client).await.ok()? == ["visible", "hidden", "hidden"]).then_some(())
            })
            .await?;
            w.screenshot("moderation-desk").await;
            // k moves up to the second; u restores it alone.
            press(&w, "k").await?;
            assert!(
                focused(&w.client).await?.starts_with("row-")
                    || focused(&w.client).await? == "mod-row"
            );
            press(&w, "u").await?;
            until(|| async {
                (states(&w.client).await.ok()? == ["visible", "visible", "hidden"]).then_some(())
            })
            .await?;

            // / jumps to the search box; Enter filters.
            press(&w, "/").await?;
            until(|| async { (focused(&w.client).await.ok()? == "filter-text").then_some(()) })
                .await?;
            press(&w, "ferry").await?;
            press(&w, &char::from(Key::Enter).to_string()).await?;
            count_until(&w.client, "[data-testid=mod-row]", 1).await?;
            let body = find(&w.client, "[data-testid=row-body]")
                .await?
                .text()
                .await?;
            assert_eq!(body, "Third: ferry fares");
            Ok(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_undoes_the_act_and_keeps_the_place() {
    e2e(
        "moderate-expiry",
        "e2e/expiry",
        false,
        |w: Arc<World>| async move {
            add_moderator(&w, "ida").await?;
            post_as(&w, "e2e/expiry", "A harmless comment").await?;
            post_as(&w, "e2e/other", "On another article").await?;
            w.client.goto(&format!("{}/moderate", w.backend)).await?;
            sign_in(&w.client, "ida", PASSWORD).await?;
            find(&w.client, "[data-testid=tab-recent]")
                .await?
                .click()
                .await?;
            count_until(&w.client, "[data-testid=mod-row]", 2).await?;
            find(&w.client, "[data-testid=filter-article]")
                .await?
                .send_keys("e2e/expiry")
                .await?;
            find(&w.client, "[data-testid=filter-apply]")
                .await?
                .click()
                .await?;
            count_until(&w.client, "[data-testid=mod-row]", 1).await?;

            // The session ends behind the view's back (signed out elsewhere).
            let status = w
                .eval("return fetch('/api/v1/mod/session', {method: 'DELETE'}).then(r => r.status)")
                .await?;
            assert_eq!(status, json!(204));
            find(&w.client, "[data-testid=hide-button]")
                .await?
                .click()
                .await?;
            // The server refused: back to the sign-in form, with word why.
            find(&w.client, "[data-testid=signin-form]").await?;
            let said = find(&w.client, "[data-testid=mod-status]")
                .await?
                .text()
                .await?;
            assert!(said.contains("session has ended"), "{said}");

            // The moderator comes back later: long enough for the ended
            // stream's own retries to have given up (they run only while
            // someone is signed in). A fixed wait on purpose: it stands for
            // the moderator's absence.
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;

            // Signed in again: same queue, same filter, the row as it was.
            sign_in(&w.client, "ida", PASSWORD).await?;
            attr_until(
                &w.client,
                "[data-testid=tab-recent]",
                "aria-selected",
                "true",
            )
            .await?;
            let article = find(&w.client, "[data-testid=filter-article]").await?;
            assert_eq!(article.prop("value").await?.as_deref(), Some("e2e/expiry"));
            count_until(&w.client, "[data-testid=mod-row]", 1).await?;
            attr_until(&w.client, "[data-testid=mod-row]", "data-state", "visible").await?;
            let (_, list) = w
                .http
                .call("GET", "/api/v1/articles/e2e%2Fexpiry/comments", None, &[])
                .await?;
            assert_eq!(list["total"], json!(1), "not hidden: {list}");

            // And the desk is live again: a new comment is announced.
            post_as(&w, "e2e/expiry", "Posted after the new sign-in").await?;
            let notice = find(&w.client, "[data-testid=mod-new-button]").await?;
            assert!(notice.text().await?.contains("1 new comment"));
            Ok(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_comment_is_its_author_s_alone_until_a_moderator_approves_it() {
    let options = Options {
        tune: Some(|s| {
            s.screening.suspect = chime_backend::service::screening::WordList::parse("casino");
        }),
        ..Options::default()
    };
    e2e_with(
        "review",
        "e2e/review",
        options,
        |w: Arc<World>| async move {
            add_moderator(&w, "mia").await?;
            let author = w.second_browser().await?;
            let author_root = reader_root(&author).await?;
            let other = w.second_browser().await?;
            let other_root = reader_root(&other).await?;

            // The author's comment is held: they see it, marked; nobody else.
            let form = author_root
                .find(Locator::Css("[data-testid=comment-form]"))
                .await?;
            fill_and_send(&form, "Author", "The best casino in town").await?;
            reader_count(&author_root, 1).await?;
            let note = until(|| async {
                author_root
                    .find(Locator::Css("[data-testid=pending-note]"))
                    .await
                    .ok()
            })
            .await?;
            assert!(note.text().await?.contains("only you can see this"));
            let status = author_root
                .find(Locator::Css("[data-testid=status-message]"))
                .await?
                .text()
                .await?;
            assert!(
                status.contains("once a moderator has reviewed it"),
                "{status}"
            );
            assert!(
                author_root
                    .find_all(Locator::Css("[data-testid=reply-button]"))
                    .await?
                    .is_empty(),
                "nothing to reply to yet"
            );
            other.refresh().await?;
            let other_root_after = reader_root(&other).await?;
            reader_count(&other_root_after, 0).await?;
            drop(other_root);

            // The moderator finds it in the review queue, with the reason.
            w.client.goto(&format!("{}/moderate", w.backend)).await?;
            sign_in(&w.client, "mia", PASSWORD).await?;
            find(&w.client, "[data-testid=tab-pending]")
                .await?
                .click()
                .await?;
            count_until(&w.client, "[data-testid=mod-row]", 1).await?;
            let held = find(&w.client, "[data-testid=row-held]").await?;
            assert!(held.text().await?.contains("casino"));
            // The article can be put under pre-moderation from here.
            let article = find(&w.client, "[data-testid=filter-article]").await?;
            article.send_keys("e2e/review").await?;
            find(&w.client, "[data-testid=filter-apply]")
                .await?
                .click()
                .await?;
            let toggle = find(&w.client, "[data-testid=premoderate]").await?;
            assert_eq!(toggle.prop("checked").await?.as_deref(), Some("false"));

            // Approved: the other reader sees it arrive, the author's mark goes.
            find(&w.client, "[data-testid=approve-button]")
                .await?
                .click()
                .await?;
            attr_until(&w.client, "[data-testid=mod-row]", "data-state", "visible").await?;
            reader_count(&other_root_after, 1).await?;
            until(|| async {
                author_root
                    .find_all(Locator::Css("[data-testid=pending-note]"))
                    .await
                    .ok()?
                    .is_empty()
                    .then_some(())
            })
            .await?;
            let count = other_root_after
                .find(Locator::Css("[data-testid=comment-count]"))
                .await?
                .text()
                .await?;
            assert_eq!(count, "1 comment");

            // The author edits the approved words back into spam: the edit
            // waits for review, and nobody else sees it meanwhile.
            author_root
                .find(Locator::Css("[data-testid=edit-button]"))
                .await?
                .click()
                .await?;
            let edit = until(|| async {
                author_root
                    .find(Locator::Css(
                        "[data-testid=edit-form] [data-testid=comment-body-input]",
                    ))
                    .await
                    .ok()
            })
            .await?;
            edit.clear().await?;
            edit.send_keys("Still the best casino in town").await?;
            author_root
                .find(Locator::Css("[data-testid=save-edit]"))
                .await?
                .click()
                .await?;
            until(|| async {
                author_root
                    .find(Locator::Css("[data-testid=pending-note]"))
                    .await
                    .ok()
            })
            .await?;
            other.refresh().await?;
            let other_root_after = reader_root(&other).await?;
            reader_count(&other_root_after, 1).await?;
            let shown = other_root_after
                .find(Locator::Css("[data-testid=comment-body]"))
                .await?
                .text()
                .await?;
            assert_eq!(shown, "The best casino in town");

            // The moderator sees both versions and approves the edit: the
            // other reader gets the new words live.
            find(&w.client, "[data-testid=tab-recent]")
                .await?
                .click()
                .await?;
            find(&w.client, "[data-testid=tab-pending]")
                .await?
                .click()
                .await?;
            let waiting = find(&w.client, "[data-testid=row-edit]").await?;
            assert!(waiting.text().await?.contains("Still the best casino"));
            let row = find(&w.client, "[data-testid=row-body]").await?;
            assert_eq!(row.text().await?, "The best casino in town");
            find(&w.client, "[data-testid=approve-button]")
                .await?
                .click()
                .await?;
            until(|| async {
                let body = other_root_after
                    .find(Locator::Css("[data-testid=comment-body]"))
                    .await
                    .ok()?;
                (body.text().await.ok()? == "Still the best casino in town").then_some(())
            })
            .await?;

            // Pre-moderation on: the next comment waits too.
            find(&w.client, "[data-testid=premoderate]")
                .await?
                .click()
                .await?;
            until(|| async {
                w.state()
                    .ok()?
                    .store
                    .article("e2e/review")
                    .await
                    .ok()?
                    .premoderate
                    .then_some(())
            })
            .await?;
            let form = author_root
                .find(Locator::Css("[data-testid=comment-form]"))
                .await?;
            fill_and_send(&form, "Author", "A second, calmer thought").await?;
            reader_count(&author_root, 2).await?;
            until(|| async {
                author_root
                    .find(Locator::Css("[data-testid=pending-note]"))
                    .await
                    .ok()
            })
            .await?;
            find(&w.client, "[data-testid=tab-audit]")
                .await?
                .click()
                .await?;
            // The hold, the approval, and the moderator's making.
            count_until(&w.client, "[data-testid=audit-entry]", 3).await?;
            let action = find(&w.client, "[data-testid=audit-entry]")
                .await?
                .attr("data-action")
                .await?;
            assert_eq!(action.as_deref(), Some("approve"));
            for client in [&author, &other] {
                let errors = client.execute("return window.__errors", vec![]).await?;
                assert_eq!(errors, json!([]));
            }
            author.close().await?;
            other.close().await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_moderators_and_the_sites_screening_from_the_view() {
    e2e("admin", "e2e/admin", false, |w: Arc<World>| async move {
        chime_backend::service::admin::add_moderator(
            w.state()?.store.as_ref(),
            "ada",
            PASSWORD.to_owned(),
            Role::Admin,
            chime_backend::service::admin::Actor::command_line(0),
        )
        .await?;
        w.client.goto(&format!("{}/moderate", w.backend)).await?;
        sign_in(&w.client, "ada", PASSWORD).await?;

        // Moderators: a refusal beside its field, then a new moderator.
        find(&w.client, "[data-testid=tab-moderators]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=moderator-row]", 1).await?;
        find(&w.client, "[data-testid=new-username]")
            .await?
            .send_keys("max")
            .await?;
        find(&w.client, "[data-testid=new-password]")
            .await?
            .send_keys("short")
            .await?;
        find(&w.client, "[data-testid=add-moderator-submit]")
            .await?
            .click()
            .await?;
        let error = find(&w.client, "[data-testid=error-password]").await?;
        assert!(error.text().await?.contains("10 characters"));
        let password = find(&w.client, "[data-testid=new-password]").await?;
        password.clear().await?;
        password.send_keys(PASSWORD).await?;
        find(&w.client, "[data-testid=add-moderator-submit]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=moderator-row]", 2).await?;
        find(&w.client, "[data-testid=moderator-row][data-username=max]").await?;

        // Settings: a banned word, in force for readers at once.
        find(&w.client, "[data-testid=tab-settings]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=setting-banned]")
            .await?
            .send_keys("forbidden")
            .await?;
        find(&w.client, "[data-testid=settings-save]")
            .await?
            .click()
            .await?;
        until(|| async {
            let status = find(&w.client, "[data-testid=mod-status]").await.ok()?;
            status.text().await.ok()?.contains("Saved").then_some(())
        })
        .await?;
        let (status, body) = w
            .http
            .call(
                "POST",
                "/api/v1/articles/e2e%2Fadmin/comments",
                Some(json!({"author_name": "Someone", "body": "forbidden fruit"})),
                &[("x-chime-reader", OTHER_READER)],
            )
            .await?;
        assert_eq!(status, 400, "{body}");

        // The audit log says who did what, the settings change in words.
        find(&w.client, "[data-testid=tab-audit]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=audit-entry]", 3).await?;
        let newest = find(&w.client, "[data-testid=audit-entry]").await?;
        assert_eq!(
            newest.attr("data-action").await?.as_deref(),
            Some("settings_changed")
        );
        assert!(newest.text().await?.contains("banned words + forbidden"));

        // A reader asks the site for their data, and its erasure.
        post_as(&w, "e2e/admin", "Words the reader wants back").await?;
        w.client
            .execute(
                "window.__downloads = []; window.__names = []; const made = URL.createObjectURL; \
                 URL.createObjectURL = b => { b.text().then(t => window.__downloads.push([window.__names.at(-1), t])); return made.call(URL, b); }; \
                 HTMLAnchorElement.prototype.click = function () { window.__names.push(this.download); }; \
                 return true;",
                vec![],
            )
            .await?;
        find(&w.client, "[data-testid=tab-recent]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=open-author]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=reader-data-download]")
            .await?
            .click()
            .await?;
        let saved = until(|| async {
            let got = w
                .client
                .execute("return window.__downloads", vec![])
                .await
                .ok()?;
            got.as_array().filter(|a| !a.is_empty()).map(|a| a[0].clone())
        })
        .await?;
        assert!(saved[1].as_str().unwrap_or_default().contains("Words the reader wants back"));
        find(&w.client, "[data-testid=reader-data-erase]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=reader-data-erase-confirm]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=mod-row]", 0).await?;
        let audit = w.state()?.store.audit(None, 1).await?;
        assert_eq!(
            (audit[0].action, audit[0].moderator.as_str()),
            (chime_shared::AuditAction::Erase, "ada")
        );

        // A moderator sees no admin tabs.
        find(&w.client, "[data-testid=sign-out]")
            .await?
            .click()
            .await?;
        sign_in(&w.client, "max", PASSWORD).await?;
        find(&w.client, "[data-testid=tab-audit]").await?;
        assert!(
            w.client
                .find_all(Locator::Css(
                    "[data-testid=tab-moderators], [data-testid=tab-settings]"
                ))
                .await?
                .is_empty()
        );
        w.assert_no_errors().await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_opens_a_readers_history_from_a_row_and_notes_something() {
    e2e(
        "history",
        "e2e/history",
        false,
        |w: Arc<World>| async move {
            add_moderator(&w, "mia").await?;
            const OTHER: &str = "0123456789abcdef0123456789abcdef";
            post_as(&w, "e2e/history", "First from the one reader").await?;
            post_as(&w, "e2e/history-2", "Second from the one reader").await?;
            let (status, _) = w
                .http
                .call(
                    "POST",
                    "/api/v1/articles/e2e%2Fhistory/comments",
                    Some(json!({"author_name": "Somebody else", "body": "From another reader"})),
                    &[("x-chime-reader", OTHER)],
                )
                .await?;
            assert_eq!(status, 201);
            w.client.goto(&format!("{}/moderate", w.backend)).await?;
            sign_in(&w.client, "mia", PASSWORD).await?;
            find(&w.client, "[data-testid=tab-recent]")
                .await?
                .click()
                .await?;
            count_until(&w.client, "[data-testid=mod-row]", 3).await?;

            // From the oldest row: that reader's comments, across articles.
            let rows = w
                .client
                .find_all(Locator::Css("[data-testid=mod-row]"))
                .await?;
            let last = rows.last().ok_or("rows")?;
            last.find(Locator::Css("[data-testid=open-author]"))
                .await?
                .click()
                .await?;
            find(&w.client, "[data-testid=reader-history]").await?;
            count_until(&w.client, "[data-testid=mod-row]", 2).await?;
            let counts = find(&w.client, "[data-testid=history-counts]")
                .await?
                .text()
                .await?;
            assert!(counts.starts_with("Comments: 2 (2 shown"), "{counts}");
            let reports = find(&w.client, "[data-testid=history-reports]")
                .await?
                .text()
                .await?;
            assert!(reports.contains("1 other reader"), "{reports}");

            // A private note, shown at once and kept.
            find(&w.client, "[data-testid=note-input]")
                .await?
                .send_keys("Asked to keep it civil.")
                .await?;
            find(&w.client, "[data-testid=note-save]")
                .await?
                .click()
                .await?;
            let note = find(&w.client, "[data-testid=history-note]")
                .await?
                .text()
                .await?;
            assert!(
                note.contains("mia") && note.contains("Asked to keep it civil."),
                "{note}"
            );

            // Back to everyone's comments.
            find(&w.client, "[data-testid=close-author]")
                .await?
                .click()
                .await?;
            count_until(&w.client, "[data-testid=mod-row]", 3).await?;
            assert!(
                w.client
                    .find_all(Locator::Css("[data-testid=reader-history]"))
                    .await?
                    .is_empty()
            );
            w.assert_no_errors().await
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_bans_a_reader_with_everything_they_wrote_from_their_history() {
    e2e("ban", "e2e/ban", false, |w: Arc<World>| async move {
        add_moderator(&w, "mia").await?;
        let troll = w.second_browser().await?;
        let root = reader_root(&troll).await?;
        let form = root
            .find(Locator::Css("[data-testid=comment-form]"))
            .await?;
        fill_and_send(&form, "Troll", "Something nasty").await?;
        reader_count(&root, 1).await?;
        let watcher = w.second_browser().await?;
        let watching = reader_root(&watcher).await?;
        reader_count(&watching, 1).await?;

        // From the row, the troll's history; banned with everything.
        w.client.goto(&format!("{}/moderate", w.backend)).await?;
        sign_in(&w.client, "mia", PASSWORD).await?;
        find(&w.client, "[data-testid=tab-recent]")
            .await?
            .click()
            .await?;
        count_until(&w.client, "[data-testid=mod-row]", 1).await?;
        find(&w.client, "[data-testid=open-author]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=reader-history]").await?;
        find(&w.client, "[data-testid=sanction-hide-all]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=sanction-reason]")
            .await?
            .send_keys("Abuse")
            .await?;
        find(&w.client, "[data-testid=sanction-apply]")
            .await?
            .click()
            .await?;
        attr_until(
            &w.client,
            "[data-testid=history-sanction]",
            "data-active",
            "true",
        )
        .await?;

        // Gone from a reader's open page, live.
        reader_count(&watching, 0).await?;

        // The troll's next comment is refused in words; the draft stays.
        let form = root
            .find(Locator::Css("[data-testid=comment-form]"))
            .await?;
        form.find(Locator::Css("[data-testid=comment-body-input]"))
            .await?
            .send_keys("And again")
            .await?;
        form.find(Locator::Css("[data-testid=submit-comment]"))
            .await?
            .click()
            .await?;
        let said = until(|| async {
            let error = root
                .find(Locator::Css(
                    "[data-testid=comment-form] .chime-field-error",
                ))
                .await
                .ok()?;
            let text = error.text().await.ok()?;
            (!text.is_empty()).then_some(text)
        })
        .await?;
        assert!(said.contains("moderator has stopped you"), "{said}");
        let draft = root
            .find(Locator::Css(
                "[data-testid=comment-form] [data-testid=comment-body-input]",
            ))
            .await?
            .prop("value")
            .await?;
        assert_eq!(draft.as_deref(), Some("And again"));

        // Lifted: the sanction shows as lifted.
        find(&w.client, "[data-testid=sanction-lift]")
            .await?
            .click()
            .await?;
        attr_until(
            &w.client,
            "[data-testid=history-sanction]",
            "data-active",
            "false",
        )
        .await?;
        for client in [&troll, &watcher] {
            let errors = client.execute("return window.__errors", vec![]).await?;
            assert_eq!(errors, json!([]));
        }
        troll.clone().close().await?;
        watcher.clone().close().await?;
        w.assert_no_errors().await
    })
    .await;
}

/// The ids of the comments a reader's widget shows, in order.
async fn reader_order(root: &ShadowRoot) -> TestResult<Vec<String>> {
    let mut ids = Vec::new();
    for el in root.find_all(Locator::Css("[data-testid=comment]")).await? {
        ids.push(el.attr("data-comment-id").await?.unwrap_or_default());
    }
    Ok(ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_features_a_comment_and_closes_the_article_for_readers_on_the_page() {
    e2e("close", "e2e/close", false, |w: Arc<World>| async move {
        add_moderator(&w, "mia").await?;
        let mut posted = Vec::new();
        for n in 1..=3 {
            posted.push(post_as(&w, "e2e/close", &format!("Comment {n}")).await?);
            // Distinct times: the widget orders by them.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let reader = w.second_browser().await?;
        let root = reader_root(&reader).await?;
        reader_count(&root, 3).await?;
        let newest: Vec<String> = posted.iter().rev().cloned().collect();
        assert_eq!(reader_order(&root).await?, newest);

        w.client.goto(&format!("{}/moderate", w.backend)).await?;
        sign_in(&w.client, "mia", PASSWORD).await?;
        find(&w.client, "[data-testid=tab-recent]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=filter-article]")
            .await?
            .send_keys("e2e/close")
            .await?;
        find(&w.client, "[data-testid=filter-apply]")
            .await?
            .click()
            .await?;
        find(&w.client, "[data-testid=article-controls]").await?;
        count_until(&w.client, "[data-testid=mod-row]", 3).await?;

        // Featured: on top of the reader's open page at once, labelled.
        let oldest = &posted[0];
        find(
            &w.client,
            &format!("[data-comment-id='{oldest}'] [data-testid=feature-button]"),
        )
        .await?
        .click()
        .await?;
        find(&w.client, "[data-testid=row-featured]").await?;
        until(|| async {
            let order = reader_order(&root).await.ok()?;
            (order.first() == Some(oldest)).then_some(())
        })
        .await?;
        let label = root
            .find(Locator::Css(&format!(
                "[data-comment-id='{oldest}'] [data-testid=featured]"
            )))
            .await?;
        assert!(label.is_displayed().await?);
        assert_eq!(label.text().await?, "Featured");
        assert_eq!(reader_order(&root).await?[1..], newest[..2]);
        let other = root
            .find(Locator::Css(&format!(
                "[data-comment-id='{}'] [data-testid=featured]",
                newest[0]
            )))
            .await?;
        assert!(
            !other.is_displayed().await?,
            "only the featured one says so"
        );

        // The reader's own comment, editable for now.
        let form = root
            .find(Locator::Css("[data-testid=comment-form]"))
            .await?;
        fill_and_send(&form, "Reader", "My own words").await?;
        reader_count(&root, 4).await?;
        let edit = root.find(Locator::Css("[data-testid=edit-button]")).await?;
        assert!(edit.is_displayed().await?);

        // Closed: the open widget says so in place of its form, offers no
        // reply and no edit, and still takes reactions.
        find(&w.client, "[data-testid=close-article]")
            .await?
            .click()
            .await?;
        let note = until(|| async {
            let note = root
                .find(Locator::Css("[data-testid=comments-closed]"))
                .await
                .ok()?;
            note.is_displayed().await.ok()?.then_some(())?;
            note.text().await.ok()
        })
        .await?;
        assert!(note.starts_with("Comments closed on"), "{note}");
        let body = root
            .find(Locator::Css(
                "[data-testid=comment-form] [data-testid=comment-body-input]",
            ))
            .await?;
        assert!(!body.is_displayed().await?);
        let reply = root
            .find(Locator::Css("[data-testid=reply-button]"))
            .await?;
        assert!(!reply.is_displayed().await?);
        assert!(!edit.is_displayed().await?);
        let closing = find(&w.client, "[data-testid=article-closing]").await?;
        assert!(closing.text().await?.starts_with("Comments closed on"));
        let audit = w
            .http
            .call("GET", "/api/v1/articles/e2e%2Fclose/comments", None, &[])
            .await?;
        assert!(audit.1["closes_at"].is_string(), "{}", audit.1);

        // Reopened: the form is back.
        find(&w.client, "[data-testid=close-article]")
            .await?
            .click()
            .await?;
        until(|| async { body.is_displayed().await.ok()?.then_some(()) }).await?;

        // A rush of comments: the surge guard holds new ones, and every
        // moderator sees a banner at once; "Keep holding" pins it.
        let state = w.state()?;
        let settings = chime_shared::ScreeningSettings {
            surge_posts: 3,
            ..chime_backend::service::admin::screening(&state)
        };
        chime_backend::service::admin::set_screening(
            &state,
            chime_backend::service::admin::Actor::command_line(0),
            settings,
        )
        .await?;
        for n in 0..3 {
            post_as(&w, "e2e/close", &format!("Rush {n}")).await?;
        }
        // (The guard counts an article at most once a second.)
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        post_as(&w, "e2e/close", "Rush 3").await?;
        let banner = find(&w.client, "[data-testid=surge][data-article='e2e/close']").await?;
        assert!(banner.text().await?.contains("Surge on e2e/close"));
        find(&w.client, "[data-testid=surge-keep]")
            .await?
            .click()
            .await?;
        until(|| async {
            let gone = w
                .client
                .find(Locator::Css("[data-testid=surge]"))
                .await
                .is_err();
            let held = w
                .state()
                .ok()?
                .store
                .article("e2e/close")
                .await
                .ok()?
                .premoderate;
            (gone && held).then_some(())
        })
        .await?;
        let errors = reader.execute("return window.__errors", vec![]).await?;
        assert_eq!(errors, json!([]));
        reader.clone().close().await?;
        w.assert_no_errors().await
    })
    .await;
}
