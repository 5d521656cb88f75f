//! The comment form, for new comments and inline replies. The draft is kept
//! per article (and per reply) until the server has it; retries reuse one
//! idempotency key, so nothing is posted twice.

use super::{Ctx, sso};
use crate::browser;
use crate::i18n::widget::Msg;
use crate::logic::draft::{self, Draft, EMAIL_KEY, NAME_KEY};
use chime_shared::{
    AuthorName, Comment, CommentBody, CommentId, CommentState, NewComment, NotifyReplies,
    ReplyEmails, SortOrder,
};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The form's state: every field a handle, so it is `Copy` into each
/// handler.
#[derive(Clone, Copy)]
struct Form {
    ctx: Ctx,
    /// Where the draft is kept.
    key: StoredValue<String>,
    name: RwSignal<String>,
    body: RwSignal<String>,
    idempotency: StoredValue<String>,
    sending: RwSignal<bool>,
    /// When the form opened: robots send at once, people take a moment.
    opened: f64,
    /// The field people never see and robots fill.
    trap: RwSignal<String>,
    /// (field, message) of the last refusal.
    error: RwSignal<Option<(String, String)>>,
    /// "E-mail me when someone replies", and where.
    notify: RwSignal<bool>,
    email: RwSignal<String>,
    parent: StoredValue<Option<CommentId>>,
    /// The reply form's switch (closed once the reply is posted).
    open: Option<RwSignal<bool>>,
}

impl Form {
    fn new(ctx: Ctx, parent: Option<CommentId>, open: Option<RwSignal<bool>>) -> Self {
        let key = draft::key(
            &ctx.article.get_value(),
            parent.as_ref().map(CommentId::as_str),
        );
        let stored = Draft::load(browser::load(&key).as_deref()).unwrap_or_default();
        Self {
            ctx,
            key: StoredValue::new(key),
            name: RwSignal::new(browser::load(NAME_KEY).unwrap_or_default()),
            body: RwSignal::new(stored.body),
            idempotency: StoredValue::new(stored.idempotency_key),
            sending: RwSignal::new(false),
            opened: js_sys::Date::now(),
            trap: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            notify: RwSignal::new(false),
            email: RwSignal::new(browser::load(EMAIL_KEY).unwrap_or_default()),
            parent: StoredValue::new(parent),
            open,
        }
    }

    fn is_reply(&self) -> bool {
        self.parent.with_value(Option::is_some)
    }

    /// Keeps what is typed, with the key its post will be sent with, until
    /// the server has it.
    fn keep_draft(&self) {
        let text = self.body.get_untracked();
        if text.trim().is_empty() {
            browser::forget(&self.key.get_value());
            return;
        }
        if self.idempotency.with_value(String::is_empty) {
            self.idempotency.set_value(browser::random_hex(16));
        }
        let draft = Draft {
            body: text,
            idempotency_key: self.idempotency.get_value(),
        };
        browser::save(&self.key.get_value(), &draft.store());
    }

    /// The request, when the fields hold their rules (else the refusal is
    /// shown beside its field).
    fn request(&self) -> Option<NewComment> {
        let limits = self.ctx.limits.get_untracked();
        // A signed-in reader posts under the site's name (the server's).
        let name = match self.ctx.me.get_untracked() {
            Some(me) => me.name,
            None => self.name.get_untracked(),
        };
        let body = self.body.get_untracked();
        let problems = [
            (
                "author_name",
                AuthorName::problem(&name, limits.author_name_max_chars),
                [Msg::NameInvalid, Msg::NameEmpty, Msg::NameTooLong],
            ),
            (
                "body",
                CommentBody::problem(&body, limits.body_max_chars),
                [Msg::BodyInvalid, Msg::BodyEmpty, Msg::BodyTooLong],
            ),
        ];
        for (field, problem, words) in problems {
            if let Some(problem) = problem {
                let message = self.ctx.problem(problem, words);
                self.error.set(Some((field.to_owned(), message)));
                return None;
            }
        }
        let notify = self.notify_request()?;
        self.error.set(None);
        Some(NewComment {
            author_name: name,
            body,
            parent_id: self.parent.get_value().map(String::from),
            website: Some(self.trap.get_untracked()).filter(|t| !t.is_empty()),
            form_ms: Some((js_sys::Date::now() - self.opened).max(0.0) as u64),
            notify,
        })
    }

    /// Whether the reader is asked for an address: the box is ticked and
    /// the site gave none.
    fn asks_email(&self) -> bool {
        self.notify.get()
            && !self
                .ctx
                .me
                .with(|me| me.as_ref().is_some_and(|m| m.has_email))
    }

    /// What "e-mail me" asks for, when it is ticked (`Err`: the address is
    /// refused beside its field). The server checks the address itself;
    /// this catches what is plainly not one.
    fn notify_request(&self) -> Option<Option<NotifyReplies>> {
        if !self.notify.get_untracked() || !self.ctx.access.with_untracked(|a| a.reply_emails) {
            return Some(None);
        }
        let email = if self.asks_email_untracked() {
            let typed = self.email.get_untracked().trim().to_owned();
            let plausible = typed
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                && !typed.contains(char::is_whitespace);
            if !plausible {
                self.error.set(Some((
                    "notify".to_owned(),
                    self.ctx.t(Msg::NotifyEmailInvalid),
                )));
                return None;
            }
            Some(typed)
        } else {
            None
        };
        let page_url = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        Some(Some(NotifyReplies {
            email,
            page_url,
            locale: Some(self.ctx.words.with_value(|w| w.tag().to_owned())),
        }))
    }

    fn asks_email_untracked(&self) -> bool {
        self.notify.get_untracked()
            && !self
                .ctx
                .me
                .with_untracked(|me| me.as_ref().is_some_and(|m| m.has_email))
    }

    fn submit(self) {
        if self.sending.get_untracked()
            || !sso::may(self.ctx, |a| a.posting, Msg::SignInToCommentSay)
        {
            return;
        }
        let Some(request) = self.request() else {
            return;
        };
        self.keep_draft();
        self.sending.set(true);
        leptos::task::spawn_local(async move {
            let ctx = self.ctx;
            let api = ctx.api.get_value();
            let article = ctx.article.get_value();
            match api
                .post(&article, &request, &self.idempotency.get_value())
                .await
            {
                Ok(comment) => self.posted(comment),
                Err(failure) => {
                    let field = failure.field.clone().and_then(|f| {
                        if f.starts_with("notify") {
                            Some("notify".to_owned())
                        } else {
                            Some(f).filter(|f| f == "author_name" || f == "body")
                        }
                    });
                    let field = field.unwrap_or_else(|| "form".into());
                    self.error.set(Some((field, ctx.refusal(&failure))));
                    ctx.failed(&failure);
                }
            }
            self.sending.set(false);
        });
    }

    /// The server has the comment: the draft goes, the comment shows.
    fn posted(&self, comment: Comment) {
        let ctx = self.ctx;
        browser::forget(&self.key.get_value());
        self.idempotency.set_value(String::new());
        self.body.set(String::new());
        let id = comment.id.clone();
        let held = comment.state == CommentState::Pending;
        let first = ctx.sort.get_untracked() != SortOrder::Oldest;
        let mailing = comment.replies_by_email;
        ctx.change(|l| l.posted(comment, first));
        let mut said = ctx.t(match (held, self.is_reply()) {
            (true, _) => Msg::Held,
            (false, true) => Msg::ReplyPosted,
            (false, false) => Msg::CommentPosted,
        });
        if let Some(mailing) = mailing {
            said.push(' ');
            said.push_str(&ctx.t(match mailing {
                ReplyEmails::On => Msg::NotifyOn,
                ReplyEmails::Confirm => Msg::NotifyConfirmSent,
            }));
            self.notify.set(false);
        }
        ctx.say(said);
        ctx.host.with_value(|host| {
            browser::dispatch(host, "posted", &[("id", JsValue::from_str(id.as_str()))])
        });
        if let Some(open) = self.open {
            open.set(false);
        }
    }
}

/// The form for a new comment, or (with `parent`) an inline reply. Most of
/// its length is markup; what it does is `Form`'s.
#[component]
pub fn CommentForm(
    ctx: Ctx,
    parent: Option<CommentId>,
    #[prop(optional)] open: Option<RwSignal<bool>>,
) -> impl IntoView {
    let form = Form::new(ctx, parent, open);
    let Form {
        name,
        body,
        sending,
        trap,
        error,
        notify,
        email,
        ..
    } = form;
    let is_reply = form.is_reply();
    // A reply form opens where the reader asked for it: the focus goes to
    // its text box, so keyboard and screen-reader users land in it.
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    if is_reply {
        Effect::new(move || {
            if let Some(el) = textarea.get() {
                let _ = el.focus();
            }
        });
    }
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| f == field).map(
                |(_, message)| view! { <p class="chime-field-error" role="alert">{message}</p> },
            )
        }
    };
    let count = move || body.with(|b| b.trim().chars().count());
    let max = move || ctx.limits.with(|l| l.body_max_chars);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
    };
    let t = move |msg| ctx.t(msg);
    let number = move |n: usize| ctx.words.with_value(|w| w.number(n as u64));

    view! {
        <form
            class=move || {
                let mut class = String::from("chime-form");
                for (on, name) in [
                    (is_reply, " chime-reply-form"),
                    (ctx.me.with(Option::is_some), " chime-signed-in"),
                    (!sso::may_post(ctx), " chime-locked"),
                    (ctx.closed(), " chime-closed"),
                ] {
                    if on {
                        class.push_str(name);
                    }
                }
                class
            }
            data-testid=if is_reply { "reply-form" } else { "comment-form" }
            on:submit=submit
            novalidate
        >
            <p class="chime-closed-note" data-testid="comments-closed">
                {move || ctx.closes_at.get().map(|at| ctx.words.with_value(|w| w.fill(Msg::ClosedOn, &[("date", &w.date(at, true))])))}
            </p>
            <div class="chime-identity">{sso::identity(ctx)}</div>
            <label class="chime-field chime-name">
                <span class="chime-label">{t(Msg::YourName)}</span>
                <input
                    type="text"
                    dir="auto"
                    data-testid="author-name-input"
                    autocomplete="nickname"
                    maxlength="200"
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        browser::save(NAME_KEY, &value);
                        name.set(value);
                    }
                />
            </label>
            {field_error("author_name")}
            <label class="chime-field">
                <span class="chime-label">{t(if is_reply { Msg::YourReply } else { Msg::YourComment })}</span>
                <textarea
                    dir="auto"
                    node_ref=textarea
                    data-testid="comment-body-input"
                    rows=if is_reply { "3" } else { "4" }
                    prop:value=move || body.get()
                    on:input=move |ev| {
                        body.set(event_target_value(&ev));
                        form.keep_draft();
                    }
                ></textarea>
            </label>
            {field_error("body")}
            <Show when=move || ctx.access.with(|a| a.reply_emails)>
                <label class="chime-notify">
                    <input
                        type="checkbox"
                        data-testid="notify-input"
                        prop:checked=move || notify.get()
                        on:change=move |ev| notify.set(event_target_checked(&ev))
                    />
                    " "
                    {t(Msg::NotifyReplies)}
                </label>
                <Show when=move || form.asks_email()>
                    <label class="chime-field chime-email">
                        <span class="chime-label">{t(Msg::NotifyEmail)}</span>
                        <input
                            type="email"
                            dir="ltr"
                            data-testid="notify-email-input"
                            autocomplete="email"
                            maxlength="254"
                            prop:value=move || email.get()
                            on:input=move |ev| {
                                let value = event_target_value(&ev);
                                browser::save(EMAIL_KEY, &value);
                                email.set(value);
                            }
                        />
                    </label>
                </Show>
                {field_error("notify")}
            </Show>
            <label class="chime-trap" aria-hidden="true">
                {t(Msg::LeaveEmpty)}
                <input type="text" name="website" tabindex="-1" autocomplete="off" data-testid="trap-input" on:input=move |ev| trap.set(event_target_value(&ev))/>
            </label>
            <div class="chime-form-foot">
                <span class="chime-hint" dir="auto">{t(Msg::FormatHint)}</span>
                <span class="chime-counter" class:chime-over={move || count() > max()}>{move || format!("{} / {}", number(count()), number(max()))}</span>
            </div>
            {field_error("form")}
            <div class="chime-form-actions">
                <button
                    type="submit"
                    class="chime-primary"
                    data-testid="submit-comment"
                    disabled=move || sending.get() || count() == 0
                >
                    {move || t(match (sending.get(), is_reply) {
                        (true, _) => Msg::Sending,
                        (false, true) => Msg::Reply,
                        (false, false) => Msg::PostComment,
                    })}
                </button>
                {open.map(|open| view! {
                    <button type="button" class="chime-secondary" on:click=move |_| open.set(false)>{t(Msg::Cancel)}</button>
                })}
            </div>
        </form>
    }
}
