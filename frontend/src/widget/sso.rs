//! Readers signed in by the site (EMBED.md, "Signed-in readers"): the
//! element's `sso-token` exchanged for a session once, the session kept
//! while the element carries the token, and the page asked to sign the
//! reader in when posting or reacting needs it.

use super::Ctx;
use crate::api::ApiFailure;
use crate::browser;
use crate::i18n::widget::Msg;
use chime_shared::{Audience, SignedInReader};
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// Where the session is kept, beside the anonymous reader token.
const KEPT: &str = "chime.session";

/// Who may do what on this server (from `/config`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    /// Whether the server signs readers in with the site's accounts.
    pub sign_in: bool,
    pub posting: Audience,
    pub reacting: Audience,
    /// Whether readers may ask for an e-mail when someone replies.
    pub reply_emails: bool,
}

/// A session and the token it was exchanged for: the same token again (a
/// reload, a second element) reuses it, since a token with a `jti` is
/// accepted once. Kept as the token, a newline and the server's answer.
struct Kept {
    token: String,
    answer: Answer,
}

/// What the widget uses of the server's `SsoSession`.
struct Answer {
    session: String,
    reader: SignedInReader,
}

impl Answer {
    /// Reads `SsoSession`'s JSON (`session`, `reader.name`,
    /// `reader.badges`) with the browser's own parser: a serde decoder for
    /// one more type costs the reader's bundle twice this. The browser
    /// tests sign in through it against the real server.
    fn read(text: &str) -> Option<Self> {
        let value = js_sys::JSON::parse(text).ok()?;
        let get = |on: &JsValue, key: &str| js_sys::Reflect::get(on, &JsValue::from_str(key)).ok();
        let reader = get(&value, "reader")?;
        let badges = get(&reader, "badges").filter(js_sys::Array::is_array);
        Some(Self {
            session: get(&value, "session")?.as_string()?,
            reader: SignedInReader {
                name: get(&reader, "name")?.as_string()?,
                badges: badges
                    .map(|b| {
                        js_sys::Array::from(&b)
                            .iter()
                            .filter_map(|x| x.as_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                verified: true,
                has_email: get(&reader, "has_email")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
            },
        })
    }
}

thread_local! {
    /// Elements waiting for an exchange already under way, by token: one
    /// page, one exchange.
    static WAITING: RefCell<Vec<(String, Vec<Ctx>)>> = RefCell::default();
}

/// Starts the widget as the element says: signed in first when it carries
/// a token, so the first listing already knows the reader's own comments.
/// Without one the page is anonymous (a session kept for other tabs stays
/// theirs).
pub fn start(ctx: Ctx) {
    let token = ctx
        .host
        .with_value(|host| host.get_attribute("sso-token"))
        .filter(|t| !t.is_empty());
    match token {
        Some(token) => set_token(ctx, Some(token)),
        None => ctx.reload(),
    }
}

/// The element's token changed (`None`: taken away, the reader signed out
/// on the site). Only the element's latest token counts: an exchange that
/// ends after the token changed again is dropped.
pub fn set_token(ctx: Ctx, token: Option<String>) {
    let token = token.filter(|t| !t.is_empty());
    ctx.token.set_value(token.clone());
    let Some(token) = token else {
        // Signed out on the site: the session ends everywhere.
        if let Some(session) = leave(ctx) {
            let api = ctx.api.get_value();
            leptos::task::spawn_local(async move { api.sign_out(&session).await });
        }
        return;
    };
    let held = kept();
    if let Some(held) = held.as_ref().filter(|k| k.token == token) {
        signed_in(ctx, held.answer.session.clone(), held.answer.reader.clone());
        return;
    }
    let first =
        WAITING.with_borrow_mut(
            |waiting| match waiting.iter_mut().find(|(t, _)| *t == token) {
                Some((_, others)) => {
                    others.push(ctx);
                    false
                }
                None => {
                    waiting.push((token.clone(), vec![ctx]));
                    true
                }
            },
        );
    if !first {
        return;
    }
    // The session this browser holds goes along: for the same reader the
    // server keeps it, so every tab of the site shares one.
    let current = held.map(|k| k.answer.session);
    leptos::task::spawn_local(async move {
        let answer = ctx
            .api
            .get_value()
            .sign_in(&token, current.as_deref())
            .await;
        let waiting: Vec<Ctx> = WAITING
            .with_borrow_mut(|w| {
                let at = w.iter().position(|(t, _)| *t == token);
                at.map(|at| w.swap_remove(at).1).unwrap_or_default()
            })
            .into_iter()
            .filter(|each| {
                each.token
                    .with_value(|t| t.as_deref() == Some(token.as_str()))
            })
            .collect();
        let answer = answer.and_then(|text| {
            let answer = Answer::read(&text).ok_or_else(ApiFailure::offline)?;
            Ok((text, answer))
        });
        match answer {
            Ok((text, Answer { session, reader })) => {
                browser::save(KEPT, &format!("{token}\n{text}"));
                for each in waiting {
                    signed_in(each, session.clone(), reader.clone());
                }
            }
            Err(failure) => {
                for each in waiting {
                    // The site says someone is signed in whom Chime
                    // refused: nobody is, rather than whoever was before.
                    if each.me.get_untracked().is_some() {
                        signed_out(each);
                    } else if each.loading.get_untracked() {
                        // The first listing waited for the sign-in.
                        each.reload();
                    }
                    each.failed(&failure);
                }
            }
        }
    });
}

fn kept() -> Option<Kept> {
    let kept = browser::load(KEPT)?;
    let (token, answer) = kept.split_once('\n')?;
    Some(Kept {
        token: token.to_owned(),
        answer: Answer::read(answer)?,
    })
}

/// Makes the widget the signed-in reader's.
fn signed_in(ctx: Ctx, session: String, reader: SignedInReader) {
    let same = ctx
        .api
        .with_value(|api| api.session.as_deref() == Some(&session));
    ctx.api.update_value(|api| api.session = Some(session));
    ctx.host.with_value(|host| {
        let badges = js_sys::Array::new();
        for badge in &reader.badges {
            badges.push(&JsValue::from_str(badge));
        }
        browser::dispatch(
            host,
            "signed-in",
            &[
                ("name", JsValue::from_str(&reader.name)),
                ("badges", badges.into()),
            ],
        )
    });
    ctx.me.set(Some(reader));
    if !same {
        refresh(ctx);
    }
}

/// The element is anonymous again: told to the page, "mine" redrawn.
fn signed_out(ctx: Ctx) {
    ctx.api.update_value(|api| api.session = None);
    ctx.me.set(None);
    ctx.host
        .with_value(|host| browser::dispatch(host, "signed-out", &[]));
    refresh(ctx);
}

/// What is "mine" changed: the listing and the article's reactions again.
fn refresh(ctx: Ctx) {
    ctx.reload();
    ctx.load_article_reactions();
}

/// The server no longer knows the session (signed out elsewhere, expired):
/// the widget is anonymous again until the page gives a new token.
pub fn session_ended(ctx: Ctx) {
    leave(ctx);
}

/// Makes the element anonymous, forgetting its session where it is kept;
/// the session it had.
fn leave(ctx: Ctx) -> Option<String> {
    let session = ctx.api.with_value(|api| api.session.clone())?;
    if kept().is_some_and(|k| k.answer.session == session) {
        browser::forget(KEPT);
    }
    signed_out(ctx);
    Some(session)
}

/// Whether this reader may post (or react) as the server says; when not,
/// `false`, with the reader told why.
pub fn may(ctx: Ctx, audience: impl Fn(&Access) -> Audience, words: Msg) -> bool {
    if ctx.me.get_untracked().is_some() || audience(&ctx.access.get_untracked()) == Audience::Anyone
    {
        return true;
    }
    ctx.say(ctx.t(words));
    request(ctx);
    false
}

/// The reader asked to sign in: the page may open its own dialog
/// (`chime:login-request`, canceled); else the site's sign-in page, with
/// the way back.
pub fn request(ctx: Ctx) {
    let (canceled, url) = ctx.host.with_value(|host| {
        (
            !browser::dispatch(host, "login-request", &[]),
            host.get_attribute("sso-login-url"),
        )
    });
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        return;
    };
    if canceled {
        return;
    }
    if let Some(window) = web_sys::window() {
        let here = window.location().href().unwrap_or_default();
        let join = if url.contains('?') { '&' } else { '?' };
        let back: String = js_sys::encode_uri_component(&here).into();
        let _ = window
            .location()
            .assign(&format!("{url}{join}return={back}"));
    }
}

/// Whether this reader may post now (signed in, or anyone may).
pub fn may_post(ctx: Ctx) -> bool {
    ctx.me.with(Option::is_some) || ctx.access.with(|a| a.posting == Audience::Anyone)
}

/// The top of a comment form: who is commenting when the site signed them
/// in, else a way to sign in (when the server has it on); in place of the
/// form when only signed-in readers may post (the form hides the rest).
pub fn identity(ctx: Ctx) -> impl IntoView {
    // One reactive closure for the whole part: each costs the bundle.
    move || {
        let on = ctx.access.with(|a| a.sign_in);
        match ctx.me.get() {
            Some(me) => {
                let words = ctx.t(Msg::CommentingAs);
                let (before, after) = crate::i18n::around(&words);
                Some(
                    view! {
                        <p class="chime-as" data-testid="signed-in-as">
                            {before.to_owned()}<strong class="chime-author"><bdi>{me.name}</bdi></strong>{after.to_owned()}
                            {marks(ctx, true, me.badges)}
                        </p>
                    }
                    .into_any(),
                )
            }
            None if on => {
                let locked = !may_post(ctx);
                Some(
                    view! {
                        <button
                            type="button"
                            class=if locked { "chime-primary" } else { "chime-secondary" }
                            data-testid="sign-in-button"
                            on:click=move |_| request(ctx)
                        >
                            {ctx.t(if locked { Msg::SignInToComment } else { Msg::SignIn })}
                        </button>
                    }
                    .into_any(),
                )
            }
            None => None,
        }
    }
}

/// The signed-in reader's name, verified mark and badges (in the form and
/// on their comments).
pub fn marks(ctx: Ctx, verified: bool, badges: Vec<String>) -> impl IntoView {
    view! {
        {verified.then(|| view! {
            <span class="chime-verified" data-testid="verified-mark" title=ctx.t(Msg::VerifiedTitle)>
                <span aria-hidden="true">"✓"</span>
                <span class="chime-sr">" "{ctx.t(Msg::VerifiedMark)}</span>
            </span>
        })}
        {badges.into_iter().map(|badge| view! {
            <bdi class="chime-badge" data-testid="author-badge">{badge}</bdi>
        }).collect_view()}
    }
}
