//! Every string of the hostile corpus (`tests/corpus`: the Big List of
//! Naughty Strings and our own script, handler, `javascript:`, SVG and CSS
//! payloads, plus payloads aimed at a canary server of this test) as author
//! name, body and article id, rendered by the real widget and the real
//! moderation view in headless Chromium: nothing may run, no dialog may
//! open, no script error may be logged, and no request may leave for a host
//! that is not the site's or Chime's.

use chime_tests::{Options, TestResult, World, e2e_with, until};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PASSWORD: &str = "correct horse battery staple";

/// The kept corpus and payloads that would reach the canary at `canary`.
fn corpus(canary: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut all = Vec::new();
    for file in ["blns.json", "payloads.json"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("corpus file");
        let strings: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
        all.extend(strings);
    }
    for template in [
        "<img src=\"{c}/img\">",
        "<script src=\"{c}/script\"></script>",
        "<link rel=stylesheet href=\"{c}/css\">",
        "<iframe src=\"{c}/frame\"></iframe>",
        "<svg><image href=\"{c}/svg\"/></svg>",
        "<video poster=\"{c}/poster\"></video>",
        "<div style=\"background:url({c}/style)\">x</div>",
        "![image]({c}/markdown-image)",
        "[link](javascript:fetch('{c}/js'))",
        "<a href=\"{c}/link\" ping=\"{c}/ping\">plain link</a>",
        "<object data=\"{c}/object\"></object>",
        "<meta http-equiv=refresh content=\"0;url={c}/refresh\">",
        "<base href=\"{c}/\">",
        "<form action=\"{c}/form\"><button>go</button></form>",
        "\"><img src={c}/breakout>",
        "'><svg onload=fetch('{c}/onload')>",
    ] {
        all.push(template.replace("{c}", canary));
    }
    all
}

/// A server that counts every request made to it: a request here is
/// something hostile that ran or loaded.
async fn canary() -> TestResult<(String, Arc<AtomicUsize>)> {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            "caught"
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, hits))
}

/// Percent-encodes a path segment.
fn segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post(
    w: &World,
    article: &str,
    reader: &str,
    name: &str,
    body: &str,
) -> TestResult<(u16, Value)> {
    w.http
        .call(
            "POST",
            &format!("/api/v1/articles/{}/comments", segment(article)),
            Some(json!({"author_name": name, "body": body})),
            &[("x-chime-reader", reader)],
        )
        .await
}

/// What a rendered piece of the page holds that could run or load: found
/// by a script run inside `root` (a selector or a shadow host's root).
const INSPECT: &str = r#"
const [rootSel, listSel] = arguments;
let root = document;
if (rootSel) root = document.querySelector(rootSel).shadowRoot;
const list = listSel ? root.querySelector(listSel) : root;
const all = list ? [...list.querySelectorAll('*')] : [];
return {
  elements: all.filter(e => ['SCRIPT','IMG','SVG','IFRAME','OBJECT','EMBED','STYLE','LINK','META','BASE','VIDEO','AUDIO','IMAGE','FRAME','MATH'].includes(e.tagName.toUpperCase())).map(e => e.outerHTML.slice(0, 120)),
  styled: all.filter(e => e.hasAttribute('style')).map(e => e.outerHTML.slice(0, 120)),
  handlers: all.flatMap(e => [...e.attributes].filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  links: all.filter(e => e.tagName === 'A').map(a => a.getAttribute('href')).filter(h => h !== null && !/^https?:\/\//i.test(h)),
  forms: all.filter(e => e.tagName === 'FORM' && !e.className.includes('chime-') && !e.className.includes('mod-')).length,
};
"#;

fn assert_inert(found: &Value, place: &str) {
    for key in ["elements", "styled", "handlers", "links"] {
        assert_eq!(found[key], json!([]), "{place}: {key}: {found}");
    }
    assert_eq!(found["forms"], json!(0), "{place}: forms: {found}");
}

/// The hooks that record what ran: dialogs, script errors, and every
/// resource the page asked for.
const HOOKS: &str = r#"
window.__dialogs = window.__dialogs || [];
window.__errors = window.__errors || [];
for (const f of ["alert", "confirm", "prompt", "print"]) window[f] = (m) => { window.__dialogs.push(String(m)); };
window.addEventListener("error", e => window.__errors.push(String(e.message)));
const err = console.error; console.error = (...a) => { window.__errors.push(a.join(" ")); err(...a); };
"#;

/// Dialogs and errors recorded, and requests to hosts other than `allowed`.
async fn what_ran(client: &fantoccini::Client, allowed: &[&str]) -> TestResult<Value> {
    let found = client
        .execute(
            "const allowed = arguments[0];
             return {
               dialogs: window.__dialogs || [],
               errors: window.__errors || [],
               foreign: performance.getEntriesByType('resource').map(e => e.name)
                 .filter(u => !allowed.some(a => u.startsWith(a))),
             };",
            vec![json!(allowed)],
        )
        .await?;
    Ok(found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_corpus_runs_nothing_in_the_widget_or_the_moderation_view() {
    let options = Options {
        tune: Some(|s| {
            s.writes_per_minute_per_reader = 1_000_000;
            s.writes_per_minute_per_address = 1_000_000;
            s.hold_after_reports = 0;
        }),
        ..Options::default()
    };
    e2e_with("xss", "xss/all", options, |w: Arc<World>| async move {
        let (canary_url, hits) = canary().await?;
        let strings = corpus(&canary_url);
        let (mut as_name, mut as_body, mut refused_name, mut refused_body) = (0, 0, 0, 0);
        let mut posted = 0;
        let mut shown_names = Vec::new();
        let mut articles = Vec::new();
        let mut refused_articles = Vec::new();
        for (i, s) in strings.iter().enumerate() {
            let reader = format!("{:032x}", i + 1);
            let name: String = s.chars().take(50).collect();
            let (status, answer) = post(&w, "xss/all", &reader, &name, s).await?;
            match (status, answer["error"]["field"].as_str()) {
                (201, _) => {
                    as_name += 1;
                    as_body += 1;
                    posted += 1;
                    shown_names.push(name.clone());
                }
                (400, Some("author_name")) => {
                    refused_name += 1;
                    let (status, answer) =
                        post(&w, "xss/all", &reader, &format!("Name {i}"), s).await?;
                    match status {
                        201 => {
                            as_body += 1;
                            posted += 1;
                        }
                        400 => refused_body += 1,
                        _ => return Err(format!("{s:?} as body: {status} {answer}").into()),
                    }
                }
                (400, Some("body")) => {
                    refused_body += 1;
                    let (status, answer) =
                        post(&w, "xss/all", &reader, &name, &format!("Body {i}")).await?;
                    match status {
                        201 => {
                            as_name += 1;
                            posted += 1;
                            shown_names.push(name.clone());
                        }
                        400 => refused_name += 1,
                        _ => return Err(format!("{s:?} as name: {status} {answer}").into()),
                    }
                }
                _ => return Err(format!("{s:?}: {status} {answer}").into()),
            }
            let (status, answer) = post(&w, s, &reader, "Mei", "On a hostile article").await?;
            match status {
                201 => articles.push(s.clone()),
                400 | 404 => refused_articles.push(s.clone()),
                _ => return Err(format!("{s:?} as article: {status} {answer}").into()),
            }
        }
        println!(
            "hostile strings: {} tried; as name {as_name} shown, {refused_name} refused; \
             as body {as_body} shown, {refused_body} refused; as article id {} kept, {} refused",
            strings.len(),
            articles.len(),
            refused_articles.len()
        );
        let allowed = [w.backend.as_str(), w.host.as_str()];

        // The widget: every comment, all pages loaded.
        w.open().await?;
        w.shadow().await?;
        let total = until(|| async {
            let n = w
                .eval(
                    "const root = document.querySelector('chime-comments').shadowRoot;
                     const list = root.querySelector('.chime-list');
                     if (!list || list.getAttribute('aria-busy') !== 'false') return -1;
                     const more = root.querySelector('[data-testid=load-more]');
                     if (more && !more.disabled) more.click();
                     return more ? -1 : root.querySelectorAll('.chime-list > [data-testid=comment]').length;",
                )
                .await
                .ok()?
                .as_i64()?;
            (n >= 0).then_some(n)
        })
        .await?;
        assert_eq!(total as usize, posted, "every hostile comment listed");
        // Names are shown exactly as typed, as text.
        let names = w
            .eval("return [...document.querySelector('chime-comments').shadowRoot.querySelectorAll('.chime-list .chime-author')].map(e => e.textContent)")
            .await?;
        let names: Vec<String> = serde_json::from_value(names)?;
        for name in &shown_names {
            assert!(names.contains(name), "{name:?} is not shown as typed");
        }
        let found = w
            .client
            .execute(INSPECT, vec![json!("chime-comments"), json!(".chime-list")])
            .await?;
        assert_inert(&found, "widget");
        let ran = what_ran(&w.client, &allowed).await?;
        assert_eq!(ran["dialogs"], json!([]), "{ran}");
        assert_eq!(ran["errors"], json!([]), "{ran}");
        assert_eq!(ran["foreign"], json!([]), "{ran}");

        // Hostile article ids, four widgets at a time (each holds a live
        // stream; browsers open six connections to one host).
        for batch in articles.chunks(4).chain(refused_articles.chunks(4).take(5)) {
            w.open().await?;
            w.client.execute(HOOKS, vec![]).await?;
            w.client
                .execute(
                    "document.querySelector('chime-comments').remove();
                     for (const a of arguments[0]) {
                       const el = document.createElement('chime-comments');
                       el.setAttribute('article', a);
                       el.className = 'hostile';
                       document.body.append(el);
                     }",
                    vec![json!(batch)],
                )
                .await?;
            until(|| async {
                let settled = w
                    .eval(
                        "return [...document.querySelectorAll('chime-comments.hostile')].every(el => {
                           const root = el.shadowRoot;
                           return root && (root.querySelector('[data-testid=comment]')
                             || root.querySelector('.chime-error, [role=alert], .chime-fallback'));
                         })",
                    )
                    .await
                    .ok()?;
                (settled == json!(true)).then_some(())
            })
            .await
            .map_err(|e| format!("articles {batch:?}: {e}"))?;
            let found = w
                .eval(&format!(
                    "const inspect = function() {{ {INSPECT} }};
                     return [...document.querySelectorAll('chime-comments.hostile')].map((el, i) => {{
                       el.id = 'hostile-' + i;
                       return inspect.call(null, '#hostile-' + i, '.chime-mount');
                     }});"
                ))
                .await?;
            for (i, one) in found.as_array().into_iter().flatten().enumerate() {
                assert_inert(one, &format!("widget for article {:?}", batch[i]));
            }
            let ran = what_ran(&w.client, &allowed).await?;
            assert_eq!(ran["dialogs"], json!([]), "{batch:?}: {ran}");
            assert_eq!(ran["foreign"], json!([]), "{batch:?}: {ran}");
        }

        // The moderation view: every comment of every article.
        chime_backend::service::admin::add_moderator(
            w.state()?.store.as_ref(),
            "mia",
            PASSWORD.to_owned(),
            chime_shared::Role::Moderator,
            chime_backend::service::admin::Actor::command_line(0),
        )
        .await?;
        w.client.goto(&format!("{}/moderate", w.backend)).await?;
        w.client.execute(HOOKS, vec![]).await?;
        let field = |id: &'static str| {
            let w = &w;
            async move {
                until(|| async {
                    w.client
                        .find(Locator::Css(&format!("[data-testid={id}]")))
                        .await
                        .ok()
                })
                .await
            }
        };
        field("signin-username").await?.send_keys("mia").await?;
        field("signin-password").await?.send_keys(PASSWORD).await?;
        field("signin-submit").await?.click().await?;
        field("tab-recent").await?.click().await?;
        let expected = posted + articles.len();
        let rows = until(|| async {
            let n = w
                .eval(
                    "const more = document.querySelector('[data-testid=mod-more]');
                     const rows = document.querySelector('[data-testid=mod-rows]');
                     if (!rows || rows.getAttribute('aria-busy') === 'true') return -1;
                     if (more && !more.disabled) { more.click(); return -1; }
                     return more ? -1 : document.querySelectorAll('[data-testid=mod-row]').length;",
                )
                .await
                .ok()?
                .as_i64()?;
            (n >= 0).then_some(n)
        })
        .await?;
        assert!(rows as usize >= expected, "{rows} rows, {expected} posted");
        let found = w
            .client
            .execute(INSPECT, vec![Value::Null, json!("[data-testid=mod-rows]")])
            .await?;
        // The moderation view shows readers' links (http and https only),
        // like the widget.
        assert_inert(&found, "moderation view");
        // Hostile filters: each string as the article and as the search.
        for s in strings.iter().step_by(7) {
            w.client
                .execute(
                    "const set = (id, v) => { const el = document.querySelector(`[data-testid=${id}]`);
                       el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); };
                     set('filter-article', arguments[0]); set('filter-text', arguments[0]);
                     document.querySelector('[data-testid=filter-apply]').click();",
                    vec![json!(s)],
                )
                .await?;
            until(|| async {
                let busy = w
                    .eval("return document.querySelector('[data-testid=mod-rows]').getAttribute('aria-busy')")
                    .await
                    .ok()?;
                (busy == json!("false")).then_some(())
            })
            .await?;
        }
        let found = w
            .client
            .execute(INSPECT, vec![Value::Null, json!("main")])
            .await?;
        assert_inert(&found, "moderation view after hostile filters");
        let ran = what_ran(&w.client, &allowed).await?;
        assert_eq!(ran["dialogs"], json!([]), "{ran}");
        assert_eq!(ran["foreign"], json!([]), "{ran}");
        let errors: Vec<String> = serde_json::from_value(ran["errors"].clone())?;
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 0, "the canary was reached");
        Ok(())
    })
    .await;
}
