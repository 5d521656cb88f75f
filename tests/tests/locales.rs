//! The reader widget in every locale, in a real headless Chromium at
//! 320 px: every word from its locale's file (no key shown raw, no English
//! left), nothing wider than the screen, a screenshot of each kept under
//! `target/e2e-screenshots/`; axe-core finds nothing in Arabic and
//! Japanese; Arabic is mirrored (by where things are, not only by `dir`).

use chime_tests::{Options, TestResult, World, e2e_with, until};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::sync::Arc;

const OTHER_READER: &str = "fedcba9876543210fedcba9876543210";

fn locales_dir(kind: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../frontend/locales/{kind}"))
}

/// A locale file of the widget's.
fn table(tag: &str) -> Map<String, Value> {
    table_of("widget", tag)
}

fn table_of(kind: &str, tag: &str) -> Map<String, Value> {
    let text = std::fs::read_to_string(locales_dir(kind).join(format!("{tag}.json")))
        .unwrap_or_else(|e| panic!("{kind}/{tag}.json: {e}"));
    serde_json::from_str(&text).expect("a locale file is a JSON object")
}

/// Every locale with a file, English last.
fn tags() -> Vec<String> {
    let mut tags: Vec<String> = std::fs::read_dir(locales_dir("widget"))
        .expect("locales")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            (path.extension()? == "json").then_some(stem)
        })
        .filter(|tag| tag != "en")
        .collect();
    tags.sort();
    tags.push("en".into());
    tags
}

/// The texts of a message (each plural form), placeholders and all.
fn forms(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Object(forms) => forms
            .values()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// What of an English text may not show in another locale: the whole
/// text, or (around placeholders) its pieces of more than one word.
fn english_pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        pieces.push(rest[..start].to_owned());
        rest = rest[start..].split_once('}').map_or("", |(_, after)| after);
    }
    pieces.push(rest.to_owned());
    pieces
        .into_iter()
        .map(|p| {
            p.trim_matches(|c: char| c.is_whitespace() || ",.:;".contains(c))
                .to_owned()
        })
        .filter(|p| p.split_whitespace().count() > 1)
        .collect()
}

/// No key shown raw, and (in another language than English) no English
/// left where the locale has its own words: whole texts, and the pieces of
/// more than one word around placeholders.
fn assert_spoken(
    tag: &str,
    texts: &[String],
    english: &Map<String, Value>,
    words: &Map<String, Value>,
) {
    for text in texts {
        let raw = english.contains_key(text) && !forms(&words[text.as_str()]).contains(text);
        assert!(!raw, "{tag}: the key {text} is shown raw");
    }
    if tag == "en" {
        return;
    }
    for (key, value) in english {
        let theirs = forms(&words[key]);
        for en in forms(value) {
            if theirs.contains(&en) {
                continue;
            }
            let left = texts.iter().find(|t| **t == en);
            assert!(left.is_none(), "{tag}: English left ({key}): {left:?}");
            for piece in english_pieces(&en) {
                if theirs.iter().any(|t| t.contains(&piece)) {
                    continue;
                }
                let left = texts.iter().find(|t| t.contains(&piece));
                assert!(left.is_none(), "{tag}: English left ({key}): {left:?}");
            }
        }
    }
}

/// Every text the widget shows or names for screen readers.
async fn shown(w: &World) -> TestResult<Vec<String>> {
    texts(w, "document.querySelector('chime-comments').shadowRoot").await
}

/// Every text under `root` (a script's expression), labels included.
async fn texts(w: &World, root: &str) -> TestResult<Vec<String>> {
    let value = w
        .eval(&format!(
            "const root = {root}; const out = []; \
             const walk = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT); \
             for (let n = walk.nextNode(); n; n = walk.nextNode()) {{ \
               if (n.nodeType === 3) {{ const t = n.textContent.trim(); if (t) out.push(t); continue; }} \
               for (const a of ['aria-label', 'title', 'placeholder']) {{ const v = n.getAttribute(a); if (v) out.push(v.trim()); }} \
             }} return out;",
        ))
        .await?;
    Ok(serde_json::from_value(value)?)
}

async fn post(w: &World, article: &str, body: &str, parent: Option<&str>) -> TestResult<String> {
    let (status, comment) = w
        .http
        .call(
            "POST",
            &format!("/api/v1/articles/{}/comments", article.replace('/', "%2F")),
            Some(json!({"author_name": "Ada", "body": body, "parent_id": parent})),
            &[("x-chime-reader", OTHER_READER)],
        )
        .await?;
    assert_eq!(status, 201, "{comment}");
    Ok(comment["id"].as_str().unwrap_or_default().to_owned())
}

/// Opens the article page in `lang`, with a comment and a reply, and the
/// reply and report forms open.
async fn open_in(w: &World, site: &str, lang: &str, query: &str) -> TestResult {
    let article = format!("{site}-{lang}");
    let parent = post(w, &article, "12345 🙂", None).await?;
    post(w, &article, "67890 🙂", Some(&parent)).await?;
    w.client
        .goto(&format!("{}/in/{lang}{query}", w.host))
        .await?;
    w.count_until("[data-testid=comment]", 2).await?;
    w.find(&format!(
        "[data-comment-id='{parent}'] [data-testid=reply-button]"
    ))
    .await?
    .click()
    .await?;
    w.find("[data-testid=reply-form]").await?;
    let reports = w.find_all("[data-testid=report-button]").await?;
    reports.last().ok_or("a report button")?.click().await?;
    w.find("[data-testid=report-form]").await?;
    Ok(())
}

/// The rectangles of widget parts: `[left, right]` of each.
async fn edges(w: &World, css: &str) -> TestResult<Vec<(f64, f64)>> {
    let value = w
        .client
        .execute(
            "return [...document.querySelector('chime-comments').shadowRoot.querySelectorAll(arguments[0])] \
               .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.right]; });",
            vec![json!(css)],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// Where the reply sits beside its parent, the first reaction beside the
/// last, and the submit button in its form: `(reply indented from the
/// left, reactions run left to right, button at the left)`.
async fn layout(w: &World) -> TestResult<(bool, bool, bool)> {
    // The text of each, in document order: the reply's sits inside its
    // parent's box, indented from the side lines start on.
    let comments = edges(w, "[data-testid=comment-body]").await?;
    let (parent, reply) = (comments[0], comments[1]);
    let reactions = edges(w, ".chime-header .chime-reaction").await?;
    let form = edges(w, "[data-testid=comment-form]").await?[0];
    let button = edges(w, "[data-testid=comment-form] [data-testid=submit-comment]").await?[0];
    let from_left = reply.0 > parent.0 + 4.0 && (reply.1 - parent.1).abs() < 1.0;
    let from_right = reply.1 < parent.1 - 4.0 && (reply.0 - parent.0).abs() < 1.0;
    assert!(
        from_left != from_right,
        "reply {reply:?} beside parent {parent:?}"
    );
    let first = reactions.first().ok_or("reactions")?;
    let last = reactions.last().ok_or("reactions")?;
    let button_left = (button.0 - form.0).abs() < 1.0;
    let button_right = (button.1 - form.1).abs() < 1.0;
    assert!(
        button_left != button_right,
        "button {button:?} in form {form:?}"
    );
    Ok((from_left, first.0 < last.0, button_left))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_speaks_every_locale_at_320_px() {
    let options = Options {
        window: Some((320, 900)),
        ..Options::default()
    };
    e2e_with("locales", "e2e/loc", options, |w: Arc<World>| async move {
        let english = table("en");
        for tag in tags() {
            let words = table(&tag);
            open_in(&w, "e2e/loc", &tag, "").await?;
            let root = w.find("[data-testid=chime-root]").await?;
            assert_eq!(root.attr("lang").await?.as_deref(), Some(tag.as_str()));
            let rtl = ["ar", "he"].contains(&tag.as_str());
            let dir = root.attr("dir").await?;
            assert_eq!(dir.as_deref(), Some(if rtl { "rtl" } else { "ltr" }), "{tag}");
            let texts = shown(&w).await?;
            assert_spoken(&tag, &texts, &english, &words);
            if tag != "en" {
                // The count is the locale's, as Intl counts two.
                let count = w.find("[data-testid=comment-count]").await?.text().await?;
                let category = w
                    .client
                    .execute("return new Intl.PluralRules(arguments[0]).select(2)", vec![json!(tag)])
                    .await?;
                let form = words["CommentCount"][category.as_str().unwrap_or("other")]
                    .as_str()
                    .unwrap_or_default()
                    .replace("{count}", "2");
                assert_eq!(count, form, "{tag}");
            }
            let wide = w
                .eval(
                    "const r = document.querySelector('chime-comments').shadowRoot.querySelector('.chime'); \
                     const edge = r.getBoundingClientRect(); \
                     const out = [...r.querySelectorAll('*')].filter((e) => { const b = e.getBoundingClientRect(); \
                       return b.width && (b.right > edge.right + 0.5 || b.left < edge.left - 0.5); }) \
                       .map((e) => e.className || e.tagName); \
                     return [document.documentElement.scrollWidth <= window.innerWidth && r.scrollWidth <= r.clientWidth, out]",
                )
                .await?;
            assert!(wide[0] == json!(true), "{tag}: wider than 320 px: {}", wide[1]);
            let (indent_left, reactions_ltr, button_left) = layout(&w).await?;
            assert_eq!(
                (indent_left, reactions_ltr, button_left),
                (!rtl, !rtl, !rtl),
                "{tag}: mirrored is {rtl}"
            );
            if ["ar", "ja"].contains(&tag.as_str()) {
                let violations = w.axe().await?;
                assert!(violations.is_empty(), "{tag}: axe: {violations:#?}");
            }
            w.eval("document.querySelector('h2').scrollIntoView()").await?;
            w.screenshot(&format!("locale-{tag}")).await;
            w.assert_no_errors().await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_sets_the_widgets_language_and_its_own_words() {
    let options = Options::default();
    e2e_with(
        "locale-attributes",
        "e2e/set",
        options,
        |w: Arc<World>| async move {
            // A French page whose widget speaks German: readers' words are
            // marked French, the widget's German.
            open_in(&w, "e2e/set", "fr", "?locale=de").await?;
            let root = w.find("[data-testid=chime-root]").await?;
            assert_eq!(root.attr("lang").await?.as_deref(), Some("de"));
            let body = w.find("[data-testid=comment-body]").await?;
            assert_eq!(body.attr("lang").await?.as_deref(), Some("fr"));
            let german = table("de");
            let sort = w.find(".chime-sort").await?.text().await?;
            assert!(
                sort.starts_with(german["SortBy"].as_str().unwrap_or("?")),
                "{sort}"
            );

            // A language Chime has no file for: English, the page's language
            // still on what readers wrote.
            open_in(&w, "e2e/set", "sw", "").await?;
            let root = w.find("[data-testid=chime-root]").await?;
            assert_eq!(root.attr("lang").await?.as_deref(), Some("en"));
            w.text_until("[data-testid=comment-count]", |t| t == "2 comments")
                .await?;

            // Tags as pages write them: an underscore is a hyphen; what is no
            // tag at all is English, never a widget that fails to start.
            open_in(&w, "e2e/set", "fr_FR", "").await?;
            let root = w.find("[data-testid=chime-root]").await?;
            assert_eq!(root.attr("lang").await?.as_deref(), Some("fr-FR"));
            let french = table("fr");
            let count = french["CommentCount"]["other"]
                .as_str()
                .unwrap_or("?")
                .replace("{count}", "2");
            w.text_until("[data-testid=comment-count]", |t| t == count)
                .await?;
            open_in(&w, "e2e/set", "x", "").await?;
            w.text_until("[data-testid=comment-count]", |t| t == "2 comments")
                .await?;

            // The site's own words over a locale's: what it gives wins, the
            // rest stays the locale's.
            open_in(&w, "e2e/set", "fr-CA", "?messages=/site-words.json").await?;
            let sort = w.find(".chime-sort").await?.text().await?;
            assert!(sort.starts_with("Order by"), "{sort}");
            let submit = w
                .find("[data-testid=comment-form] [data-testid=submit-comment]")
                .await?;
            until(|| async { (submit.text().await.ok()? == "Publish").then_some(()) }).await?;
            w.text_until("[data-testid=comment-count]", |t| t == count)
                .await?;
            w.assert_no_errors().await
        },
    )
    .await;
}

/// Clicks a part of a page by script, once it is there (this file's
/// tests are about words; tabs wrap on a phone, and moderation.rs clicks
/// as a person does).
async fn click(w: &World, css: &str) -> TestResult {
    page_find(w, css).await?;
    w.client
        .execute(
            "document.querySelector(arguments[0]).click()",
            vec![json!(css)],
        )
        .await?;
    Ok(())
}

/// Waits for an element of a page (not the widget's).
async fn page_find(w: &World, css: &str) -> TestResult<fantoccini::elements::Element> {
    until(|| async { w.client.find(fantoccini::Locator::Css(css)).await.ok() })
        .await
        .map_err(|e| format!("{css}: {e}").into())
}

/// What the moderation view's status line says (when a step fails).
async fn status_line(w: &World) -> String {
    w.eval("return document.querySelector('[data-testid=mod-status]')?.textContent")
        .await
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_moderation_view_speaks_every_locale_at_320_px() {
    let options = Options {
        window: Some((320, 900)),
        ..Options::default()
    };
    e2e_with(
        "mod-locales",
        "e2e/modloc",
        options,
        |w: Arc<World>| async move {
            chime_backend::service::admin::add_moderator(
                w.state()?.store.as_ref(),
                "ana",
                "correct horse battery staple".to_owned(),
                chime_shared::Role::Admin,
                chime_backend::service::admin::Actor::command_line(0),
            )
            .await?;
            let id = post(&w, "e2e/modloc", "12345 🙂", None).await?;
            let (status, _) = w
                .http
                .call(
                    "POST",
                    &format!("/api/v1/comments/{id}/reports"),
                    Some(json!({"reason": "spam"})),
                    &[("x-chime-reader", OTHER_READER)],
                )
                .await?;
            assert_eq!(status, 202);
            w.client.goto(&format!("{}/moderate", w.backend)).await?;
            page_find(&w, "[data-testid=signin-username]")
                .await?
                .send_keys("ana")
                .await?;
            page_find(&w, "[data-testid=signin-password]")
                .await?
                .send_keys("correct horse battery staple")
                .await?;
            page_find(&w, "[data-testid=signin-submit]")
                .await?
                .click()
                .await?;
            page_find(&w, "[data-testid=mod-row]").await?;
            // Something in every part that words what the server stored: a
            // settings change in the audit log, a sanction and a note in the
            // reader's history.
            click(&w, "[data-testid=open-author]").await?;
            page_find(&w, "[data-testid=note-input]")
                .await?
                .send_keys("12345")
                .await?;
            click(&w, "[data-testid=note-save]").await?;
            page_find(&w, "[data-testid=history-note]").await?;
            w.eval(
                "const k = document.querySelector('[data-testid=sanction-kind]'); \
                 k.value = 'hold'; k.dispatchEvent(new Event('change'));",
            )
            .await?;
            click(&w, "[data-testid=sanction-apply]").await?;
            page_find(&w, "[data-testid=history-sanction]").await?;
            click(&w, "[data-testid=tab-settings]").await?;
            page_find(&w, "[data-testid=setting-max-links]").await?;
            w.eval(
                "const p = document.querySelector('[data-testid=setting-premoderation]'); \
                 p.value = 'new-readers'; p.dispatchEvent(new Event('change'));",
            )
            .await?;
            click(&w, "[data-testid=settings-save]").await?;
            until(|| async {
                let said = status_line(&w).await;
                said.contains("Saved").then_some(())
            })
            .await?;
            click(&w, "[data-testid=tab-reported]").await?;
            page_find(&w, "[data-testid=mod-row]").await?;
            let english = table_of("moderation", "en");
            let root = "document.querySelector('[data-testid=moderation-root]')";
            for tag in tags() {
                let words = table_of("moderation", &tag);
                // The language a moderator picks in the view, kept for the next
                // visit.
                w.eval(&format!(
                    "localStorage.setItem('chime.moderation.locale', '{tag}')"
                ))
                .await?;
                w.client.refresh().await?;
                until(|| async {
                    let el = w
                        .client
                        .find(fantoccini::Locator::Css("[data-testid=moderation-root]"))
                        .await
                        .ok()?;
                    (el.attr("lang").await.ok()?? == tag).then_some(())
                })
                .await?;
                let rtl = ["ar", "he"].contains(&tag.as_str());
                let dir = w.eval("return document.documentElement.dir").await?;
                assert_eq!(dir, json!(if rtl { "rtl" } else { "ltr" }), "{tag}");
                // The switch shows the language the view speaks.
                let shown = w
                    .eval("return document.querySelector('[data-testid=mod-language]').value")
                    .await?;
                assert_eq!(shown, json!(tag), "{tag}");
                // A row, its reader's history and the shortcuts; then each tab.
                click(&w, "[data-testid=open-author]").await?;
                page_find(&w, "[data-testid=history-counts]").await?;
                click(&w, "[data-testid=help-button]").await?;
                page_find(&w, "[data-testid=shortcuts]").await?;
                let mut seen = texts(&w, root).await?;
                let wide = w
                    .eval("return document.documentElement.scrollWidth <= window.innerWidth")
                    .await?;
                assert_eq!(wide, json!(true), "{tag}: wider than 320 px");
                if ["ar", "ja"].contains(&tag.as_str()) {
                    let violations = w.axe_page().await?;
                    assert!(violations.is_empty(), "{tag}: axe: {violations:#?}");
                }
                w.screenshot(&format!("moderation-{tag}")).await;
                for tab in ["audit", "moderators", "settings"] {
                    click(&w, &format!("[data-testid=tab-{tab}]")).await?;
                    let ready = match tab {
                        "audit" => "[data-testid=audit-entry]",
                        "moderators" => "[data-testid=moderator-row]",
                        _ => "[data-testid=settings-form]",
                    };
                    if let Err(e) = page_find(&w, ready).await {
                        let said = status_line(&w).await;
                        return Err(format!("{tag}, {tab}: {e}; status {said}").into());
                    }
                    seen.extend(texts(&w, root).await?);
                    let wide = w
                        .eval("return document.documentElement.scrollWidth <= window.innerWidth")
                        .await?;
                    assert_eq!(wide, json!(true), "{tag}, {tab}: wider than 320 px");
                }
                click(&w, "[data-testid=tab-reported]").await?;
                page_find(&w, "[data-testid=mod-row]").await?;
                assert_spoken(&tag, &seen, &english, &words);
                w.assert_no_errors().await?;
            }
            // The switch: picked and applied, the view comes back in that
            // language, and stays in it.
            w.eval(
                "const s = document.querySelector('[data-testid=mod-language]'); \
                 s.value = 'ja'; s.dispatchEvent(new Event('change'));",
            )
            .await?;
            click(&w, "[data-testid=mod-language-apply]").await?;
            for _ in 0..2 {
                until(|| async {
                    let el = w
                        .client
                        .find(fantoccini::Locator::Css("[data-testid=moderation-root]"))
                        .await
                        .ok()?;
                    (el.attr("lang").await.ok()?? == "ja").then_some(())
                })
                .await?;
                w.client.goto(&format!("{}/moderate", w.backend)).await?;
            }
            // The last admin cannot go, and the view says why in its words.
            click(&w, "[data-testid=tab-moderators]").await?;
            click(&w, "[data-testid=remove-moderator]").await?;
            click(&w, "[data-testid=confirm-remove]").await?;
            let japanese = table_of("moderation", "ja");
            let said = page_find(&w, "[data-testid=error-form]")
                .await?
                .text()
                .await?;
            assert_eq!(Some(said.as_str()), japanese["ErrLastAdmin"].as_str());
            Ok(())
        },
    )
    .await;
}
