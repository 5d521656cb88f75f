//! Readers signed in by the site, in a real Chromium: a host page on
//! another origin with its own signer (its server signs a token, the page
//! sets `sso-token`), signing in and out without a reload, a verified
//! comment, the same reader in a second browser, and a site where only
//! signed-in readers may comment.

use chime_tests::{Options, TestResult, World, e2e_with, until};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::sync::Arc;

fn signed_in_site() -> Options {
    Options {
        sso: true,
        ..Options::default()
    }
}

/// A widget part in another browser's page.
async fn find_in(client: &Client, css: &str) -> TestResult<Element> {
    let host = client
        .wait()
        .for_element(Locator::Css("chime-comments"))
        .await?;
    let root = until(|| async { host.shadow_root().await.ok() }).await?;
    until(|| async { root.find(Locator::Css(css)).await.ok() }).await
}

/// Whether a part is shown (present and not hidden by the widget).
async fn shown(w: &World, testid: &str) -> TestResult<bool> {
    let script = format!(
        "const el = document.querySelector('chime-comments').shadowRoot\
         .querySelector('[data-testid={testid}]'); return !!el && el.offsetParent !== null"
    );
    Ok(w.eval(&script).await? == json!(true))
}

async fn events(w: &World) -> TestResult<Value> {
    w.eval("return window.__events.map(e => [e[0], e[1]])")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_the_site_signs_in_posts_verified_and_edits_from_a_second_browser() {
    e2e_with("sso-sign-in", "e2e/sso", signed_in_site(), |w: Arc<World>| async move {
        w.open().await?;
        // Anonymous first: a name field, and a way to sign in.
        w.find("[data-testid=author-name-input]").await?;
        w.find("[data-testid=sign-in-button]").await?;
        w.eval("window.__unreloaded = true; return 1").await?;

        // The page signs its reader in: no reload, the site's name, no
        // name field.
        w.eval("signIn('u-42', 'Mei Lin', ['Subscriber']); return 1").await?;
        let as_who = w
            .text_until("[data-testid=signed-in-as]", |t| t.contains("Mei Lin"))
            .await?;
        assert!(as_who.contains("Subscriber"), "{as_who}");
        assert!(!shown(&w, "author-name-input").await?);
        assert!(!shown(&w, "sign-in-button").await?);
        assert_eq!(w.eval("return window.__unreloaded === true").await?, json!(true));

        // A verified comment with its badge, for everyone.
        let form = w.find("[data-testid=comment-form]").await?;
        form.find(Locator::Css("[data-testid=comment-body-input]"))
            .await?
            .send_keys("Posted as a subscriber")
            .await?;
        form.find(Locator::Css("[data-testid=submit-comment]"))
            .await?
            .click()
            .await?;
        w.count_until("[data-testid=comment]", 1).await?;
        let comment = w.find("[data-testid=comment]").await?;
        let id = comment.attr("data-comment-id").await?.ok_or("an id")?;
        let meta = comment.find(Locator::Css(".chime-meta")).await?.text().await?;
        assert!(meta.contains("Mei Lin") && meta.contains("Subscriber"), "{meta}");
        comment.find(Locator::Css("[data-testid=verified-mark]")).await?;
        let (status, listing) = w
            .http
            .call("GET", "/api/v1/articles/e2e%2Fsso/comments", None, &[])
            .await?;
        assert_eq!(status, 200);
        assert_eq!(
            listing["comments"][0]["author"],
            json!({"name": "Mei Lin", "verified": true, "badges": ["Subscriber"]})
        );
        let seen = events(&w).await?.to_string();
        assert!(seen.contains("chime:signed-in") && seen.contains("Mei Lin"), "{seen}");

        // A second browser (another device), signed in as the same reader
        // by the site: the comment is theirs to edit there too.
        let other = w.second_browser().await?;
        other
            .execute("signIn('u-42', 'Mei Lin', ['Subscriber']); return 1", vec![])
            .await?;
        find_in(&other, "[data-testid=signed-in-as]").await?;
        let edit = find_in(
            &other,
            &format!("[data-comment-id='{id}'] [data-testid=edit-button]"),
        )
        .await?;
        edit.click().await?;
        let text = find_in(
            &other,
            &format!("[data-comment-id='{id}'] [data-testid=edit-form] [data-testid=comment-body-input]"),
        )
        .await?;
        text.clear().await?;
        text.send_keys("Edited on my laptop").await?;
        find_in(
            &other,
            &format!("[data-comment-id='{id}'] [data-testid=save-edit]"),
        )
        .await?
        .click()
        .await?;
        w.text_until(
            &format!("[data-comment-id='{id}'] [data-testid=comment-body]"),
            |t| t.contains("Edited on my laptop"),
        )
        .await?;
        other.close().await?;

        // Signed out on the host page: anonymous again, without a reload,
        // and the comment is no longer this browser's to edit.
        w.find(&format!("[data-comment-id='{id}'] [data-testid=edit-button]"))
            .await?;
        w.eval("signOut(); return 1").await?;
        until(|| async {
            shown(&w, "author-name-input")
                .await
                .ok()
                .filter(|s| *s)
                .map(|_| ())
        })
        .await?;
        assert!(!shown(&w, "signed-in-as").await?);
        until(|| async {
            let edit = format!("[data-comment-id='{id}'] [data-testid=edit-button]");
            w.find_all(&edit).await.ok().filter(Vec::is_empty).map(|_| ())
        })
        .await?;
        assert_eq!(w.eval("return window.__unreloaded === true").await?, json!(true));
        assert!(events(&w).await?.to_string().contains("chime:signed-out"));
        w.assert_no_errors().await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_only_signed_in_readers_may_comment_others_are_asked_to_sign_in() {
    let options = Options {
        sso: true,
        tune: Some(|s| {
            s.posting = chime_shared::Audience::SignedIn;
        }),
        ..Options::default()
    };
    e2e_with(
        "sso-required",
        "e2e/sso-required",
        options,
        |w: Arc<World>| async move {
            w.open().await?;
            let prompt = w
                .text_until("[data-testid=sign-in-button]", |t| {
                    t == "Sign in to comment"
                })
                .await?;
            assert_eq!(prompt, "Sign in to comment");
            assert!(!shown(&w, "comment-body-input").await?);
            assert!(!shown(&w, "author-name-input").await?);

            // The API refuses an anonymous reader's comment all the same.
            let (status, body) = w
                .http
                .call(
                    "POST",
                    "/api/v1/articles/e2e%2Fsso-required/comments",
                    Some(json!({"author_name": "Anon", "body": "Let me in"})),
                    &[("x-chime-reader", "0123456789abcdef0123456789abcdef")],
                )
                .await?;
            assert_eq!(status, 403);
            assert_eq!(body["error"]["code"], "sign_in_required");

            // A site with its own dialog cancels the event: no navigation.
            w.eval(
                "document.querySelector('chime-comments').addEventListener('chime:login-request', \
             e => { e.preventDefault(); window.__dialog = true; }, { once: true }); return 1",
            )
            .await?;
            w.find("[data-testid=sign-in-button]")
                .await?
                .click()
                .await?;
            until(|| async {
                w.eval("return window.__dialog === true")
                    .await
                    .ok()
                    .filter(|v| v == &json!(true))
            })
            .await?;
            assert!(w.client.current_url().await?.path() == "/");

            // Otherwise the widget goes to the site's sign-in page, with the
            // way back.
            w.find("[data-testid=sign-in-button]")
                .await?
                .click()
                .await?;
            let url = until(|| async {
                let url = w.client.current_url().await.ok()?;
                (url.path() == "/login").then_some(url)
            })
            .await?;
            let back: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            assert!(back.contains(&("from".into(), "article".into())), "{url}");
            assert!(
                back.contains(&("return".into(), format!("{}/", w.host))),
                "{url}"
            );

            // Back from signing in: the page has a token, the form is there.
            w.open().await?;
            w.eval("signIn('u-7', 'Ana Member'); return 1").await?;
            w.text_until("[data-testid=signed-in-as]", |t| t.contains("Ana Member"))
                .await?;
            until(|| async {
                shown(&w, "comment-body-input")
                    .await
                    .ok()
                    .filter(|s| *s)
                    .map(|_| ())
            })
            .await?;
            assert!(!shown(&w, "sign-in-button").await?);
            w.assert_no_errors().await
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tab_of_the_site_shares_the_readers_session() {
    e2e_with(
        "sso-tabs",
        "e2e/sso-tabs",
        signed_in_site(),
        |w: Arc<World>| async move {
            w.open().await?;
            w.eval("signIn('u-5', 'Tab Reader'); return 1").await?;
            w.find("[data-testid=signed-in-as]").await?;
            let first = w.client.window().await?;

            // Another article in another tab, signed in with its own token;
            // then that tab goes to a page without a token.
            let tab = w.client.new_window(true).await?;
            w.client.switch_to_window(tab.handle.clone()).await?;
            w.open().await?;
            w.eval("signIn('u-5', 'Tab Reader'); return 1").await?;
            w.find("[data-testid=signed-in-as]").await?;
            w.open().await?;
            w.find("[data-testid=author-name-input]").await?;

            // A token set and taken away before its exchange ends: the element
            // stays anonymous.
            w.eval(
                "fetch('/token?id=u-5&name=Tab%20Reader').then(r => r.text()).then(t => { \
                 const el = document.querySelector('chime-comments'); \
                 el.setAttribute('sso-token', t); el.removeAttribute('sso-token'); \
                 window.__raced = true; }); return 1",
            )
            .await?;
            until(|| async {
                w.eval("return window.__raced === true")
                    .await
                    .ok()
                    .filter(|v| v == &json!(true))
            })
            .await?;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert!(w.find_all("[data-testid=signed-in-as]").await?.is_empty());
            assert!(!events(&w).await?.to_string().contains("chime:signed-in"));

            // The first tab is still signed in and posts.
            w.client.switch_to_window(first).await?;
            let form = w.find("[data-testid=comment-form]").await?;
            form.find(Locator::Css("[data-testid=comment-body-input]"))
                .await?
                .send_keys("Still signed in in my first tab")
                .await?;
            form.find(Locator::Css("[data-testid=submit-comment]"))
                .await?
                .click()
                .await?;
            w.count_until("[data-testid=comment]", 1).await?;
            w.find("[data-testid=comment] [data-testid=verified-mark]")
                .await?;
            assert!(!events(&w).await?.to_string().contains("chime:error"));
            w.assert_no_errors().await
        },
    )
    .await;
}
