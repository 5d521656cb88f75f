//! The notifications tab: a moderator's own e-mail alerts, and (admins
//! only) the site's webhooks: added with the events they want, their
//! secret shown once, paused, resumed, given a new secret, removed. The
//! server checks the role on every call.

use super::Room;
use crate::api::ApiFailure;
use crate::i18n::moderation::Msg;
use chime_shared::{AlertChange, NewWebhook, Role, Webhook, WebhookChange, WebhookEvent};
use leptos::prelude::*;

/// The tab's data, loaded when it opens.
#[derive(Clone, Copy)]
pub struct Board {
    pub alerts: RwSignal<Option<chime_shared::AlertSettings>>,
    pub webhooks: RwSignal<Vec<Webhook>>,
    /// A secret to show once: the endpoint's URL and the secret.
    pub secret: RwSignal<Option<(String, String)>>,
    /// (field, message) of the last refusal: fields are `alerts.…` or
    /// `webhook.…`, as the two forms name the same things.
    pub error: RwSignal<Option<(String, String)>>,
}

impl Board {
    pub fn new() -> Self {
        Self {
            alerts: RwSignal::new(None),
            webhooks: RwSignal::new(Vec::new()),
            secret: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }
}

/// The events, in the order the forms offer them, with their words.
const EVENTS: [(WebhookEvent, Msg); 7] = [
    (WebhookEvent::Reported, Msg::EventReported),
    (WebhookEvent::Held, Msg::EventHeld),
    (WebhookEvent::Created, Msg::EventCreated),
    (WebhookEvent::Hidden, Msg::EventHidden),
    (WebhookEvent::Approved, Msg::EventApproved),
    (WebhookEvent::Edited, Msg::EventEdited),
    (WebhookEvent::Deleted, Msg::EventDeleted),
];

/// How often alerts may come: minutes of a digest (0: each at once).
const DIGESTS: [(u32, Msg); 4] = [
    (0, Msg::DigestNone),
    (15, Msg::DigestQuarter),
    (60, Msg::DigestHour),
    (1_440, Msg::DigestDay),
];

fn is_admin(room: Room) -> bool {
    room.me
        .with_untracked(|m| m.as_ref().is_some_and(|m| m.role == Role::Admin))
}

/// Loads the tab.
pub fn load(room: Room) {
    room.loading.set(true);
    room.notify.error.set(None);
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        match api.alerts().await {
            Ok(alerts) => room.notify.alerts.set(Some(alerts)),
            Err(failure) => room.failed(&failure),
        }
        if is_admin(room) {
            match api.webhooks().await {
                Ok(list) => room.notify.webhooks.set(list.webhooks),
                Err(failure) => room.failed(&failure),
            }
        }
        room.loading.set(false);
    });
}

/// A refusal beside its field (`form` of `prefix`): the server's field
/// names, each with words of its own.
fn refused(room: Room, prefix: &str, failure: &ApiFailure) {
    let field = failure.field.clone().unwrap_or_else(|| "form".into());
    let message = match (failure.code.as_str(), prefix, field.as_str()) {
        ("validation_failed", "alerts", "email") => room.t(Msg::ErrAlertsEmail),
        ("validation_failed", "webhook", "url") => room.t(Msg::ErrWebhookUrl),
        ("validation_failed", _, "events") => room.t(Msg::ErrEvents),
        _ => room.refusal(failure),
    };
    room.notify
        .error
        .set(Some((format!("{prefix}.{field}"), message.clone())));
    if failure.code == "unauthenticated" {
        room.failed(failure);
    } else {
        room.say(message);
    }
}

fn field_error(room: Room, field: &'static str) -> impl IntoView {
    move || {
        room.notify
            .error
            .get()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| view! { <p class="mod-error" role="alert" data-testid=format!("error-{field}")>{m}</p> })
    }
}

/// Checkboxes for the events, into `chosen`; `testid` prefixes each box's.
fn event_boxes(
    room: Room,
    chosen: RwSignal<Vec<WebhookEvent>>,
    testid: &'static str,
) -> impl IntoView {
    EVENTS
        .into_iter()
        .map(|(event, label)| {
            let name = event.as_str().trim_start_matches("comment.");
            view! {
                <label class="mod-check">
                    <input
                        type="checkbox"
                        data-testid=format!("{testid}-{name}")
                        prop:checked=move || chosen.with(|c| c.contains(&event))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|e| *e != event);
                                if on {
                                    c.push(event);
                                }
                            });
                        }
                    />
                    " "
                    {room.t(label)}
                </label>
            }
        })
        .collect_view()
}

fn names(events: &[WebhookEvent]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_owned()).collect()
}

/// The tab.
pub fn view(room: Room) -> impl IntoView {
    let t = move |msg| room.t(msg);
    view! {
        <section class="mod-admin mod-notify" aria-label=t(Msg::TabNotifications)>
            {alerts(room)}
            {move || room.me.with(|m| m.as_ref().is_some_and(|m| m.role == Role::Admin)).then(|| webhooks(room))}
        </section>
    }
}

/// The moderator's own alerts.
fn alerts(room: Room) -> impl IntoView {
    move || {
        room.notify.alerts.get().map(|current| {
            let email = RwSignal::new(current.email.clone().unwrap_or_default());
            let chosen = RwSignal::new(current.events.clone());
            let digest = RwSignal::new(current.digest_minutes);
            let save = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let change = AlertChange {
                    email: Some(email.get_untracked().trim().to_owned()).filter(|e| !e.is_empty()),
                    events: chosen.with_untracked(|c| names(c)),
                    digest_minutes: digest.get_untracked(),
                };
                leptos::task::spawn_local(async move {
                    match room.api.get_value().set_alerts(&change).await {
                        Ok(saved) => {
                            room.notify.error.set(None);
                            let on = saved.email.is_some();
                            room.notify.alerts.set(Some(saved));
                            room.say(room.t(if on { Msg::AlertsSaved } else { Msg::AlertsOff }));
                        }
                        Err(failure) => refused(room, "alerts", &failure),
                    }
                });
            };
            let t = move |msg| room.t(msg);
            view! {
                <form class="mod-settings" data-testid="alerts-form" on:submit=save novalidate>
                    <h2>{t(Msg::AlertsTitle)}</h2>
                    <p class="mod-hint">{t(Msg::AlertsHint)}</p>
                    <label class="mod-field">
                        <span>{t(Msg::AlertsEmail)}</span>
                        <input type="email" dir="ltr" data-testid="alerts-email" autocomplete="email"
                            prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    </label>
                    {field_error(room, "alerts.email")}
                    <fieldset>
                        <legend>{t(Msg::AlertsWhen)}</legend>
                        {event_boxes(room, chosen, "alerts-event")}
                    </fieldset>
                    {field_error(room, "alerts.events")}
                    <label class="mod-field">
                        <span>{t(Msg::DigestLabel)}</span>
                        <select data-testid="alerts-digest" on:change=move |ev| {
                            digest.set(event_target_value(&ev).parse().unwrap_or(0));
                        }>
                            {DIGESTS.into_iter().map(|(minutes, label)| view! {
                                <option value=minutes.to_string() selected=current.digest_minutes == minutes>{t(label)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {field_error(room, "alerts.digest_minutes")}
                    {field_error(room, "alerts.form")}
                    <button type="submit" class="mod-primary" data-testid="alerts-save">{t(Msg::SaveAlerts)}</button>
                </form>
            }
        })
    }
}

/// The site's webhooks: the list, and a form to add one.
fn webhooks(room: Room) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![WebhookEvent::Reported, WebhookEvent::Held]);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let description = description.get_untracked().trim().to_owned();
        let new = NewWebhook {
            url: url.get_untracked().trim().to_owned(),
            events: chosen.with_untracked(|c| names(c)),
            description: Some(description).filter(|d| !d.is_empty()),
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().add_webhook(&new).await {
                Ok(added) => {
                    room.notify.error.set(None);
                    url.set(String::new());
                    room.notify
                        .secret
                        .set(Some((added.webhook.url.clone(), added.secret)));
                    room.notify.webhooks.update(|w| w.push(added.webhook));
                    room.say(room.t(Msg::WebhookAdded));
                }
                Err(failure) => refused(room, "webhook", &failure),
            }
        });
    };
    let t = move |msg| room.t(msg);
    view! {
        <h2>{t(Msg::WebhooksTitle)}</h2>
        <p class="mod-hint">{t(Msg::WebhooksHint)}</p>
        {move || room.notify.secret.get().map(|(url, secret)| view! {
            <p class="mod-secret" role="status">
                {room.fill(Msg::WebhookSecretOnce, &[("url", &url)])}
                " "
                <code data-testid="webhook-secret">{secret}</code>
            </p>
        })}
        {move || room.notify.webhooks.with(Vec::is_empty).then(|| view! {
            <p class="mod-muted" data-testid="webhooks-empty">{t(Msg::WebhooksEmpty)}</p>
        })}
        <table data-testid="webhooks-table">
            <thead><tr>
                <th scope="col">{t(Msg::WebhookUrl)}</th>
                <th scope="col">{t(Msg::WebhookEvents)}</th>
                <th scope="col">{t(Msg::WebhookState)}</th>
                <th scope="col">{t(Msg::Actions)}</th>
            </tr></thead>
            <tbody>
                {move || room.notify.webhooks.get().into_iter().map(|w| row(room, w)).collect_view()}
            </tbody>
        </table>
        {field_error(room, "webhook.form")}
        <form class="mod-add" data-testid="add-webhook" on:submit=add novalidate>
            <h2>{t(Msg::AddWebhook)}</h2>
            <label class="mod-field">
                <span>{t(Msg::WebhookUrl)}</span>
                <input type="url" dir="ltr" data-testid="webhook-url" autocomplete="off"
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
            </label>
            {field_error(room, "webhook.url")}
            <fieldset>
                <legend>{t(Msg::WebhookEvents)}</legend>
                {event_boxes(room, chosen, "webhook-event")}
            </fieldset>
            {field_error(room, "webhook.events")}
            <label class="mod-field">
                <span>{t(Msg::WebhookDescription)}</span>
                <input type="text" data-testid="webhook-description" maxlength="200"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
            </label>
            {field_error(room, "webhook.description")}
            <button type="submit" class="mod-primary" data-testid="add-webhook-submit">{t(Msg::Add)}</button>
        </form>
    }
}

/// One endpoint, with pause or resume, a new secret, and removal
/// (confirmed).
fn row(room: Room, w: Webhook) -> impl IntoView {
    let id = w.id;
    let url = StoredValue::new(w.url.clone());
    let confirming = RwSignal::new(false);
    let replace = move |updated: Webhook| {
        room.notify.webhooks.update(|all| {
            if let Some(slot) = all.iter_mut().find(|x| x.id == updated.id) {
                *slot = updated;
            }
        });
    };
    let active = w.active;
    let toggle = move |_| {
        let change = WebhookChange {
            active: Some(!active),
            ..WebhookChange::default()
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().change_webhook(id, &change).await {
                Ok(updated) => {
                    room.notify.error.set(None);
                    replace(updated);
                }
                Err(failure) => refused(room, "webhook", &failure),
            }
        });
    };
    let rotate = move |_| {
        leptos::task::spawn_local(async move {
            match room.api.get_value().rotate_secret(id).await {
                Ok(rotated) => {
                    room.notify
                        .secret
                        .set(Some((rotated.webhook.url.clone(), rotated.secret)));
                    replace(rotated.webhook);
                    room.say(room.t(Msg::WebhookNewSecret));
                }
                Err(failure) => refused(room, "webhook", &failure),
            }
        });
    };
    let remove = move |_| {
        leptos::task::spawn_local(async move {
            match room.api.get_value().remove_webhook(id).await {
                Ok(()) => {
                    room.notify
                        .webhooks
                        .update(|all| all.retain(|x| x.id != id));
                    room.say(room.t(Msg::WebhookRemoved));
                }
                Err(failure) => {
                    confirming.set(false);
                    refused(room, "webhook", &failure);
                }
            }
        });
    };
    let events: Vec<String> = EVENTS
        .iter()
        .filter(|(e, _)| w.events.contains(e))
        .map(|(_, label)| room.t(*label))
        .collect();
    let state = if w.active {
        room.t(Msg::WebhookActive)
    } else {
        room.fill(
            Msg::WebhookPaused,
            &[("reason", w.paused_reason.as_deref().unwrap_or_default())],
        )
    };
    let counts = room.fill(
        Msg::WebhookCounts,
        &[
            ("failures", &room.number(w.failures)),
            ("waiting", &room.number(w.waiting)),
        ],
    );
    let t = move |msg| room.t(msg);
    view! {
        <tr data-testid="webhook-row" data-active=w.active.to_string()>
            <td dir="ltr"><bdi>{w.url.clone()}</bdi>
                {(!w.description.is_empty()).then(|| view! { <br/><small><bdi>{w.description.clone()}</bdi></small> })}
            </td>
            <td>{events.join(", ")}</td>
            <td data-testid="webhook-state">{state}<br/><small>{counts}</small></td>
            <td>
                <button type="button" class="mod-link" data-testid="webhook-toggle" on:click=toggle>
                    {t(if active { Msg::Pause } else { Msg::Resume })}
                </button>
                " "
                <button type="button" class="mod-link" data-testid="webhook-rotate" on:click=rotate>{t(Msg::NewSecret)}</button>
                " "
                <button type="button" class="mod-link" data-testid="webhook-remove" on:click=move |_| confirming.set(true)>{t(Msg::Remove)}</button>
                <Show when=move || confirming.get()>
                    <span class="mod-confirm" role="group" aria-label=t(Msg::ConfirmRemoval)>
                        {room.fill(Msg::WebhookRemoveAsk, &[("url", &url.get_value())])}" "
                        <button type="button" class="mod-danger" data-testid="confirm-remove-webhook" on:click=remove>{t(Msg::Remove)}</button>
                        " "
                        <button type="button" class="mod-secondary" on:click=move |_| confirming.set(false)>{t(Msg::Keep)}</button>
                    </span>
                </Show>
            </td>
        </tr>
    }
}
