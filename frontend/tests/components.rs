//! The widget's parts, mounted one at a time in headless Chromium
//! (`wasm-bindgen-test`). The API they talk to is a closed port, so every
//! network call fails the way it does for a reader who lost the connection.

#![cfg(target_arch = "wasm32")]

use chime_frontend::widget::Ctx;
use chime_frontend::widget::comment::item;
use chime_frontend::widget::form::CommentForm;
use chime_shared::{
    ArticleId, Author, Comment, CommentId, CommentState, ReactionCounts, ReactionKind,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Nothing listens on port 9 (discard): requests fail at once.
const NOWHERE: &str = "http://127.0.0.1:9";

fn english() -> chime_frontend::i18n::Words {
    chime_frontend::i18n::Words::new("en", wasm_bindgen::JsValue::NULL)
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// A fresh element in the page to mount into.
fn container() -> HtmlElement {
    let doc = document();
    let el: HtmlElement = doc.create_element("div").expect("a div").unchecked_into();
    doc.body()
        .expect("a body")
        .append_child(&el)
        .expect("appended");
    el
}

fn find(root: &HtmlElement, css: &str) -> Option<HtmlElement> {
    root.query_selector(css)
        .ok()
        .flatten()
        .map(|e| e.unchecked_into())
}

fn text(root: &HtmlElement, css: &str) -> String {
    find(root, css)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Lets the browser run timers, fetches and Leptos's effects.
async fn settle(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Polls `check` for up to five seconds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        settle(50).await;
    }
    panic!("timed out: {what}");
}

fn type_into(el: &HtmlElement, value: &str) {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("an event");
    el.dispatch_event(&event).expect("dispatched");
}

fn storage() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
}

fn comment(id: &str, parent: Option<&str>, own: bool) -> Comment {
    let id = CommentId::parse(id).expect("an id");
    Comment {
        id,
        article: ArticleId::parse("test/article").expect("an article"),
        parent_id: parent.map(|p| CommentId::parse(p).expect("an id")),
        author: Author {
            name: "Ada".into(),
            ..Author::default()
        },
        body: "*hi* there".into(),
        html: "<p><em>hi</em> there</p>".into(),
        created_at: chime_frontend::browser::now() - time::Duration::minutes(3),
        edited_at: None,
        state: CommentState::Visible,
        reactions: ReactionCounts::default(),
        mine: Vec::new(),
        own,
        reply_count: 0,
        replies: Vec::new(),
        replies_cursor: None,
        replies_by_email: None,
        featured: false,
    }
}

/// Mounts `comments` as one listing page and draws the first one.
fn mount_item(article: &str, comments: Vec<Comment>) -> (HtmlElement, Ctx) {
    let root = container();
    let host = root.clone();
    let article = article.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    leptos::mount::mount_to(root.clone(), move || {
        let ctx = Ctx::new(NOWHERE, article, host, english());
        let first = comments[0].id.clone();
        ctx.change(|l| l.thread.append_page(comments));
        let _ = tx.send(ctx);
        item(ctx, first)
    })
    .forget();
    (root, rx.recv().expect("a context"))
}

#[wasm_bindgen_test]
async fn the_form_checks_fields_keeps_the_draft_and_survives_a_failed_send() {
    storage().clear().expect("cleared");
    let root = container();
    let host = root.clone();
    leptos::mount::mount_to(root.clone(), move || {
        let ctx = Ctx::new(NOWHERE, "test/form".into(), host, english());
        view! { <CommentForm ctx=ctx parent=None/> }
    })
    .forget();
    let body = find(&root, "[data-testid=comment-body-input]").expect("a text box");
    let submit = find(&root, "[data-testid=submit-comment]").expect("a button");
    assert!(submit.has_attribute("disabled"), "nothing to send yet");

    type_into(&body, "Hello there");
    settle(0).await;
    assert_eq!(text(&root, ".chime-counter"), "11 / 5,000");
    assert!(!submit.has_attribute("disabled"));
    let stored = storage()
        .get_item("chime:draft:test/form")
        .ok()
        .flatten()
        .expect("a stored draft");
    assert!(stored.ends_with("\nHello there"), "{stored}");

    // No name: the error sits right after the name field, nothing is sent.
    submit.click();
    settle(0).await;
    let error = find(&root, ".chime-field-error").expect("a field error");
    let before = error
        .previous_element_sibling()
        .expect("a field before the error");
    assert!(
        before
            .query_selector("[data-testid=author-name-input]")
            .ok()
            .flatten()
            .is_some()
    );
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));

    // A name, then a send that cannot reach the server.
    let name = find(&root, "[data-testid=author-name-input]").expect("a name box");
    type_into(&name, "Tess");
    submit.click();
    eventually("the offline message", || {
        text(&root, ".chime-field-error").contains("Could not reach")
    })
    .await;
    eventually("the button comes back", || {
        !submit.has_attribute("disabled")
    })
    .await;
    let kept = storage()
        .get_item("chime:draft:test/form")
        .ok()
        .flatten()
        .expect("the draft is still there");
    assert!(kept.ends_with("\nHello there"), "{kept}");
    let key = |s: &str| s.lines().nth(1).unwrap_or_default().to_owned();
    assert_eq!(key(&kept).len(), 32, "an idempotency key was made: {kept}");
    assert_eq!(
        body.dyn_ref::<HtmlTextAreaElement>().map(|a| a.value()),
        Some("Hello there".into())
    );

    // A second failed try reuses the same key.
    submit.click();
    settle(300).await;
    eventually("the button comes back", || {
        !submit.has_attribute("disabled")
    })
    .await;
    let again = storage()
        .get_item("chime:draft:test/form")
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(key(&again), key(&kept));
    assert_eq!(
        storage().get_item("chime:name").ok().flatten().as_deref(),
        Some("Tess"),
        "the name is remembered"
    );
}

#[wasm_bindgen_test]
async fn a_comment_shows_its_parts_and_only_its_author_gets_edit_and_delete() {
    let mine = comment("0000000000000001", None, true);
    let (root, _) = mount_item("test/own", vec![mine]);
    settle(0).await;
    assert_eq!(text(&root, ".chime-author"), "Ada");
    let body = find(&root, "[data-testid=comment-body]").expect("a body");
    // (Leptos leaves an empty marker comment after the inner HTML.)
    assert!(
        body.inner_html().starts_with("<p><em>hi</em> there</p>"),
        "{}",
        body.inner_html()
    );
    let time = find(&root, "time").expect("a time");
    assert_eq!(time.text_content().as_deref(), Some("3 minutes ago"));
    assert!(
        time.get_attribute("datetime")
            .is_some_and(|d| d.ends_with('Z'))
    );
    assert!(
        time.get_attribute("title")
            .is_some_and(|t| t.contains("UTC"))
    );
    assert!(find(&root, "[data-testid=edit-button]").is_some());
    assert!(find(&root, "[data-testid=delete-button]").is_some());

    let theirs = comment("0000000000000002", None, false);
    let (root, _) = mount_item("test/theirs", vec![theirs]);
    settle(0).await;
    assert!(find(&root, "[data-testid=reply-button]").is_some());
    assert!(find(&root, "[data-testid=report-button]").is_some());
    assert!(find(&root, "[data-testid=edit-button]").is_none());
    assert!(find(&root, "[data-testid=delete-button]").is_none());
}

#[wasm_bindgen_test]
async fn a_deleted_comment_with_replies_leaves_a_tombstone_above_them() {
    let mut gone = comment("0000000000000003", None, false);
    gone.state = CommentState::Deleted;
    gone.author.name = String::new();
    gone.body = String::new();
    gone.html = String::new();
    gone.reply_count = 1;
    gone.replies = vec![comment("0000000000000004", Some("0000000000000003"), false)];
    let (root, _) = mount_item("test/tombstone", vec![gone]);
    settle(0).await;
    assert!(text(&root, ".chime-removed").contains("deleted by its author"));
    assert!(find(&root, "[data-comment-id='0000000000000003'] > .chime-meta").is_none());
    assert!(find(&root, ".chime-replies [data-comment-id='0000000000000004']").is_some());
}

#[wasm_bindgen_test]
async fn a_reaction_the_server_never_got_is_rolled_back() {
    let mut liked = comment("0000000000000005", None, false);
    liked.reactions = ReactionCounts::from_array([2, 0, 0, 0, 0, 0]);
    liked.mine = vec![ReactionKind::Like];
    let (root, ctx) = mount_item("test/reactions", vec![liked]);
    settle(0).await;
    let like = find(&root, "[data-testid=comment-reaction-like]").expect("like");
    let love = find(&root, "[data-testid=comment-reaction-love]").expect("love");
    assert_eq!(like.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(like.get_attribute("aria-label").as_deref(), Some("Like: 2"));
    assert_eq!(love.get_attribute("aria-pressed").as_deref(), Some("false"));

    love.click();
    settle(0).await;
    // Optimistic first...
    assert_eq!(love.get_attribute("aria-pressed").as_deref(), Some("true"));
    // ...then undone, with a message, when the send fails.
    eventually("the rollback", || {
        love.get_attribute("aria-pressed").as_deref() == Some("false")
    })
    .await;
    assert_eq!(love.get_attribute("aria-label").as_deref(), Some("Love: 0"));
    assert!(ctx.status.get_untracked().contains("Could not reach"));
    assert_eq!(like.get_attribute("aria-pressed").as_deref(), Some("true"));
}
