//! The reader widget for keyboard-only and screen-reader users, on narrow
//! screens, and in both colour themes, in a real headless Chromium.

use chime_tests::{Options, TestResult, World, e2e, e2e_with, until};
use fantoccini::key::Key;
use serde_json::{Value, json};
use std::sync::Arc;

const OTHER_READER: &str = "fedcba9876543210fedcba9876543210";

async fn post_as(
    world: &World,
    article: &str,
    body: &str,
    parent: Option<&str>,
) -> TestResult<String> {
    let (status, comment) = world
        .http
        .call(
            "POST",
            &format!("/api/v1/articles/{}/comments", article.replace('/', "%2F")),
            Some(json!({"author_name": "Someone else", "body": body, "parent_id": parent})),
            &[("x-chime-reader", OTHER_READER)],
        )
        .await?;
    assert_eq!(status, 201, "{comment}");
    Ok(comment["id"].as_str().unwrap_or_default().to_owned())
}

fn key(key: Key) -> String {
    char::from(key).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyboard_only_reader_posts_reacts_and_replies() {
    e2e(
        "keyboard",
        "e2e/keyboard",
        false,
        |w: Arc<World>| async move {
            w.open().await?;
            w.text_until("[data-testid=comment-count]", |t| t == "0 comments")
                .await?;

            w.tab_to("author-name-input", 20).await?;
            w.press("Kay").await?;
            w.press(&key(Key::Tab)).await?;
            assert_eq!(w.focused().await?, "comment-body-input");
            w.press("Typed with the keyboard only").await?;
            w.tab_to("submit-comment", 5).await?;
            // The focused control shows a focus ring.
            let outline = w
                .eval(
                    "const a = document.querySelector('chime-comments').shadowRoot.activeElement; \
                 const s = getComputedStyle(a); return [s.outlineStyle, s.outlineWidth]",
                )
                .await?;
            assert_ne!(outline[0], json!("none"), "no focus ring: {outline}");
            assert_ne!(outline[1], json!("0px"), "no focus ring: {outline}");
            w.press(&key(Key::Enter)).await?;
            w.count_until("[data-testid=comment]", 1).await?;
            w.text_until("[data-testid=status-message]", |t| t.contains("posted"))
                .await?;

            // React with the space bar.
            w.tab_to("comment-reaction-like", 30).await?;
            w.press(" ").await?;
            let like = w
                .find("[data-testid=comment] [data-testid=comment-reaction-like]")
                .await?;
            w.attr_until(&like, "aria-pressed", "true").await?;

            // Reply: Enter on "Reply" opens the form with the focus in it.
            w.tab_to("reply-button", 10).await?;
            w.press(&key(Key::Enter)).await?;
            w.find("[data-testid=reply-form]").await?;
            until(|| async { (w.focused().await.ok()? == "comment-body-input").then_some(()) })
                .await?;
            w.press("A reply by keyboard").await?;
            w.tab_to("submit-comment", 5).await?;
            w.press(&key(Key::Enter)).await?;
            w.count_until("[data-testid=comment]", 2).await?;
            w.count_until("[data-testid=reply-form]", 0).await?;
            w.assert_no_errors().await
        },
    )
    .await;
}

/// Every control in the widget whose accessible name is empty, with the
/// rules a screen reader applies: `aria-label`, an enclosing or linked
/// `<label>`, `aria-labelledby`, or the control's own text.
const UNNAMED: &str = r#"
const root = document.querySelector('chime-comments').shadowRoot;
const named = el => {
  if ((el.getAttribute('aria-label') || '').trim()) return true;
  const by = el.getAttribute('aria-labelledby');
  if (by && by.split(/\s+/).some(id => (root.getElementById(id)?.textContent || '').trim())) return true;
  if (el.labels && [...el.labels].some(l => l.textContent.trim())) return true;
  if (el.tagName === 'BUTTON' && el.textContent.trim()) return true;
  return false;
};
return [...root.querySelectorAll('button, input, select, textarea, [tabindex]')]
  .filter(el => el.type !== 'hidden' && !named(el))
  .map(el => el.outerHTML.slice(0, 120));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_has_a_name_and_news_is_announced() {
    e2e("labels", "e2e/labels", false, |w: Arc<World>| async move {
        post_as(&w, "e2e/labels", "A comment to act on", None).await?;
        w.open().await?;
        let comment = w.find("[data-testid=comment]").await?;
        // Open every form a comment has, so their controls are checked too.
        for button in ["reply-button", "report-button"] {
            comment
                .find(fantoccini::Locator::Css(&format!("[data-testid={button}]")))
                .await?
                .click()
                .await?;
        }
        w.find("[data-testid=report-form]").await?;
        w.find("[data-testid=reply-form]").await?;
        let unnamed = w.eval(UNNAMED).await?;
        assert_eq!(unnamed, json!([]), "controls without a name");
        let controls = w
            .eval("return document.querySelector('chime-comments').shadowRoot.querySelectorAll('button, input, select, textarea').length")
            .await?;
        assert!(controls.as_u64().unwrap_or(0) > 20, "{controls}");

        // Status news goes to a polite live region; times carry the exact
        // time for hover and focus.
        let status = w.find("[data-testid=status-message]").await?;
        assert_eq!(status.attr("aria-live").await?.as_deref(), Some("polite"));
        let time = comment.find(fantoccini::Locator::Css("time")).await?;
        assert_eq!(time.attr("tabindex").await?.as_deref(), Some("0"));
        assert!(time.attr("title").await?.is_some_and(|t| t.contains("UTC")));
        assert!(time.attr("datetime").await?.is_some());
        w.assert_no_errors().await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_thread_reads_well_at_320_pixels() {
    let options = Options {
        window: Some((320, 800)),
        ..Options::default()
    };
    e2e_with("narrow", "e2e/narrow", options, |w: Arc<World>| async move {
        let mut parent = None;
        let long = "A reply with a_rather_long_unbroken_word_that_must_wrap_somewhere_sensible and more text.";
        for _ in 0..7 {
            let id = post_as(&w, "e2e/narrow", long, parent.as_deref()).await?;
            parent = Some(id);
        }
        w.open().await?;
        w.count_until("[data-testid=comment]", 7).await?;
        let layout = w
            .eval(
                r#"const root = document.querySelector('chime-comments').shadowRoot;
                   const widget = root.querySelector('.chime');
                   const bodies = [...root.querySelectorAll('[data-testid=comment-body]')];
                   const deepest = bodies[bodies.length - 1];
                   return {
                     viewport: document.documentElement.clientWidth,
                     page: document.documentElement.scrollWidth,
                     widget: widget.getBoundingClientRect().width,
                     widgetScroll: widget.scrollWidth,
                     widgetClient: widget.clientWidth,
                     deepest: deepest.getBoundingClientRect().width,
                     deepestRight: deepest.getBoundingClientRect().right,
                   };"#,
            )
            .await?;
        let num = |k: &str| layout[k].as_f64().unwrap_or(f64::NAN);
        assert!(num("viewport") <= 320.0, "{layout}");
        assert!(num("page") <= num("viewport"), "the page scrolls sideways: {layout}");
        assert!(
            num("widgetScroll") <= num("widgetClient"),
            "the widget overflows: {layout}"
        );
        assert!(
            num("deepest") >= 0.6 * num("widget"),
            "the deepest reply is squeezed: {layout}"
        );
        assert!(num("deepestRight") <= num("viewport"), "{layout}");
        w.screenshot("narrow-320").await;
        w.assert_no_errors().await
    })
    .await;
}

/// WCAG AA contrast of every piece of text in the widget against the
/// background it is drawn on: 4.5:1, or 3:1 for large text. Disabled
/// controls are exempt, as WCAG says.
const CONTRAST: &str = r#"
const root = document.querySelector('chime-comments').shadowRoot;
const rgba = c => (c.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = el => {
  for (let e = el; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
  }
  return [255, 255, 255];
};
const failures = [];
let checked = 0;
for (const el of root.querySelectorAll('*')) {
  const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!text || el.closest('[aria-hidden=true]') || el.closest(':disabled')) continue;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden' || s.display === 'none') continue;
  const fg = rgba(s.color), bg = background(el);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  checked++;
  if (ratio < need) failures.push(`${el.tagName}.${el.className} ${s.color} on rgb(${bg}) = ${ratio.toFixed(2)}`);
}
return { checked, failures };
"#;

async fn contrast_in(theme: &'static str) {
    let options = Options {
        theme: Some(theme),
        ..Options::default()
    };
    let article = format!("e2e/contrast-{theme}");
    e2e_with(&format!("contrast-{theme}"), &article.clone(), options, |w: Arc<World>| async move {
        post_as(&w, &article, "Some *text*, a [link](https://example.com) and `code`.\n\n> A quote", None).await?;
        w.open().await?;
        let comment = w.find("[data-testid=comment]").await?;
        comment
            .find(fantoccini::Locator::Css("[data-testid=report-button]"))
            .await?
            .click()
            .await?;
        w.find("[data-testid=report-form]").await?;
        // Field errors and the over-limit counter are text too.
        w.find("[data-testid=comment-form] [data-testid=comment-body-input]")
            .await?
            .send_keys("x")
            .await?;
        w.find("[data-testid=comment-form] [data-testid=submit-comment]")
            .await?
            .click()
            .await?;
        w.find(".chime-field-error").await?;
        let theme_class = w
            .eval("return document.querySelector('chime-comments').shadowRoot.querySelector('.chime').className")
            .await?;
        assert!(theme_class.to_string().contains(&format!("theme-{theme}")), "{theme_class}");
        let report: Value = w.eval(CONTRAST).await?;
        assert!(report["checked"].as_u64().unwrap_or(0) > 20, "{report}");
        assert_eq!(report["failures"], json!([]), "{theme}: {report}");
        // A site's colours win in both themes; its dark ones in dark.
        let painted = |props: &'static str| {
            let w = w.clone();
            async move {
                w.eval(&format!(
                    "const el = document.querySelector('chime-comments'); el.removeAttribute('style'); {props} \
                     return getComputedStyle(el.shadowRoot.querySelector('.chime')).backgroundColor"
                ))
                .await
            }
        };
        let site = "el.style.setProperty('--chime-bg', '#161616');";
        assert_eq!(painted(site).await?, json!("rgb(22, 22, 22)"), "{theme}");
        let both = "el.style.setProperty('--chime-bg', '#161616'); el.style.setProperty('--chime-dark-bg', '#202020');";
        let expected = if theme == "dark" { "rgb(32, 32, 32)" } else { "rgb(22, 22, 22)" };
        assert_eq!(painted(both).await?, json!(expected), "{theme}");
        let own = if theme == "dark" { "rgb(13, 17, 23)" } else { "rgb(255, 255, 255)" };
        assert_eq!(painted("").await?, json!(own), "{theme}");
        w.assert_no_errors().await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_meets_wcag_aa_contrast_in_the_light_theme() {
    contrast_in("light").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_meets_wcag_aa_contrast_in_the_dark_theme() {
    contrast_in("dark").await;
}
