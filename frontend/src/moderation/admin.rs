//! What only admins see: the moderators (add, reset a password, remove)
//! and the site's screening settings. The server checks the role on every
//! call; these tabs are shown to admins only so nobody meets a 403.

use super::{Room, Tab};
use crate::i18n::moderation::Msg;
use crate::logic::settings::{from_text, to_text};
use chime_shared::{ModeratorSummary, NewModerator, Premoderation, Role, ScreeningSettings};
use leptos::prelude::*;

/// The admin tabs' data, loaded when a tab opens.
#[derive(Clone, Copy)]
pub struct Desk {
    pub moderators: RwSignal<Vec<ModeratorSummary>>,
    pub settings: RwSignal<Option<ScreeningSettings>>,
    /// (field, message) of the last refusal on an admin form.
    pub error: RwSignal<Option<(String, String)>>,
}

impl Desk {
    pub fn new() -> Self {
        Self {
            moderators: RwSignal::new(Vec::new()),
            settings: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }
}

/// Loads the open admin tab.
pub fn load(room: Room, tab: Tab) {
    room.loading.set(true);
    room.admin.error.set(None);
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        match tab {
            Tab::Moderators => match api.moderators().await {
                Ok(list) => room.admin.moderators.set(list.moderators),
                Err(failure) => room.failed(&failure),
            },
            Tab::Settings => match api.settings().await {
                Ok(settings) => room.admin.settings.set(Some(settings)),
                Err(failure) => room.failed(&failure),
            },
            _ => {}
        }
        room.loading.set(false);
    });
}

/// A refusal beside its field; `conflict` says what a conflict means for
/// the act refused (a name taken, the last admin).
fn refused(room: Room, failure: &crate::api::ApiFailure, conflict: Option<Msg>) {
    let field = failure.field.clone().unwrap_or_else(|| "form".into());
    let message = match conflict {
        Some(msg) if failure.code == "conflict" => room.t(msg),
        _ => room.refusal(failure),
    };
    room.admin.error.set(Some((field, message.clone())));
    if failure.code == "unauthenticated" {
        room.failed(failure);
    } else {
        room.say(message);
    }
}

/// A role's name.
fn role_name(room: Room, role: Role) -> String {
    room.t(match role {
        Role::Admin => Msg::RoleNameAdmin,
        Role::Moderator => Msg::RoleNameModerator,
    })
}

fn field_error(room: Room, field: &'static str) -> impl IntoView {
    move || {
        room.admin
            .error
            .get()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| view! { <p class="mod-error" role="alert" data-testid=format!("error-{field}")>{m}</p> })
    }
}

/// The moderators tab.
pub fn moderators(room: Room) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Moderator);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewModerator {
            username: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match room.api.get_value().add_moderator(&new).await {
                Ok(added) => {
                    room.admin.error.set(None);
                    name.set(String::new());
                    password.set(String::new());
                    let role = role_name(room, added.role);
                    room.say(room.fill(Msg::Added, &[("name", &added.username), ("role", &role)]));
                    load(room, Tab::Moderators);
                }
                Err(failure) => refused(room, &failure, Some(Msg::ErrNameTaken)),
            }
        });
    };
    let t = move |msg| room.t(msg);
    view! {
        <section class="mod-admin" aria-label=t(Msg::TabModerators)>
            <table data-testid="moderators-table">
                <thead><tr><th scope="col">{t(Msg::Name)}</th><th scope="col">{t(Msg::Role)}</th><th scope="col">{t(Msg::Since)}</th><th scope="col">{t(Msg::Actions)}</th></tr></thead>
                <tbody>
                    {move || room.admin.moderators.get().into_iter().map(|m| row(room, m)).collect_view()}
                </tbody>
            </table>
            {field_error(room, "form")}
            <form class="mod-add" data-testid="add-moderator" on:submit=add novalidate>
                <h2>{t(Msg::AddModerator)}</h2>
                <label class="mod-field">
                    <span>{t(Msg::UserName)}</span>
                    <input type="text" data-testid="new-username" autocomplete="off"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                {field_error(room, "username")}
                <label class="mod-field">
                    <span>{t(Msg::PasswordRule)}</span>
                    <input type="password" data-testid="new-password" autocomplete="new-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                {field_error(room, "password")}
                <label class="mod-field">
                    <span>{t(Msg::Role)}</span>
                    <select data-testid="new-role" on:change=move |ev| {
                        role.set(if event_target_value(&ev) == "admin" { Role::Admin } else { Role::Moderator })
                    }>
                        <option value="moderator" selected=true>{t(Msg::RoleModerator)}</option>
                        <option value="admin">{t(Msg::RoleAdmin)}</option>
                    </select>
                </label>
                <button type="submit" class="mod-primary" data-testid="add-moderator-submit">{t(Msg::Add)}</button>
            </form>
        </section>
    }
}

/// One moderator, with a new password (asked for inline) and removal
/// (confirmed).
fn row(room: Room, m: ModeratorSummary) -> impl IntoView {
    let name = StoredValue::new(m.username.clone());
    let resetting = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = password.get_untracked();
        leptos::task::spawn_local(async move {
            let who = name.get_value();
            match room.api.get_value().set_password(&who, new).await {
                Ok(()) => {
                    room.admin.error.set(None);
                    resetting.set(false);
                    password.set(String::new());
                    room.say(room.fill(Msg::NewPasswordSet, &[("name", &who)]));
                }
                Err(failure) => refused(room, &failure, None),
            }
        });
    };
    let remove = move |_| {
        leptos::task::spawn_local(async move {
            let who = name.get_value();
            match room.api.get_value().remove_moderator(&who).await {
                Ok(()) => {
                    room.say(room.fill(Msg::Removed, &[("name", &who)]));
                    load(room, Tab::Moderators);
                }
                Err(failure) => {
                    confirming.set(false);
                    refused(room, &failure, Some(Msg::ErrLastAdmin));
                }
            }
        });
    };
    let since = room.words.with_value(|w| w.date(m.created_at, false));
    let t = move |msg| room.t(msg);
    view! {
        <tr data-testid="moderator-row" data-username=m.username.clone()>
            <td><bdi>{name.get_value()}</bdi></td>
            <td>{role_name(room, m.role)}</td>
            <td>{since}</td>
            <td>
                <button type="button" class="mod-link" data-testid="reset-password" aria-expanded=move || resetting.get().to_string() on:click=move |_| resetting.update(|r| *r = !*r)>{t(Msg::NewPassword)}</button>
                " "
                <button type="button" class="mod-link" data-testid="remove-moderator" on:click=move |_| confirming.set(true)>{t(Msg::Remove)}</button>
                <Show when=move || resetting.get()>
                    <form class="mod-inline" data-testid="password-form" on:submit=save novalidate>
                        <label class="mod-field">
                            <span>{room.fill(Msg::NewPasswordFor, &[("name", &name.get_value())])}</span>
                            <input type="password" data-testid="password-input" autocomplete="new-password"
                                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                        </label>
                        <button type="submit" class="mod-primary" data-testid="password-save">{t(Msg::SetPassword)}</button>
                    </form>
                </Show>
                <Show when=move || confirming.get()>
                    <span class="mod-confirm" role="group" aria-label=t(Msg::ConfirmRemoval)>
                        {room.fill(Msg::RemoveAsk, &[("name", &name.get_value())])}" "
                        <button type="button" class="mod-danger" data-testid="confirm-remove" on:click=remove>{t(Msg::Remove)}</button>
                        " "
                        <button type="button" class="mod-secondary" on:click=move |_| confirming.set(false)>{t(Msg::Keep)}</button>
                    </span>
                </Show>
            </td>
        </tr>
    }
}

/// The surge guard's settings, in the form's order.
const SURGE_FIELDS: [&str; 3] = ["surge_posts", "surge_reports", "surge_factor"];
const SURGE_LABELS: [Msg; 3] = [
    Msg::SurgePostsLabel,
    Msg::SurgeReportsLabel,
    Msg::SurgeFactorLabel,
];

/// The settings tab: the screening every server applies.
pub fn settings(room: Room) -> impl IntoView {
    move || {
        room.admin.settings.get().map(|current| {
            let mode = RwSignal::new(current.premoderation);
            let banned = RwSignal::new(to_text(&current.banned_words));
            let suspect = RwSignal::new(to_text(&current.suspect_words));
            let links = RwSignal::new(current.max_links.to_string());
            let closing = RwSignal::new(current.auto_close_days.to_string());
            let surge = [
                RwSignal::new(current.surge_posts.to_string()),
                RwSignal::new(current.surge_reports.to_string()),
                RwSignal::new(current.surge_factor.to_string()),
            ];
            let save = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let Ok(max_links) = links.get_untracked().trim().parse::<u32>() else {
                    room.admin
                        .error
                        .set(Some(("max_links".into(), room.t(Msg::LinksWhole))));
                    return;
                };
                let Ok(auto_close_days) = closing.get_untracked().trim().parse::<u32>() else {
                    room.admin
                        .error
                        .set(Some(("auto_close_days".into(), room.t(Msg::DaysWholeNever))));
                    return;
                };
                let mut numbers = [0u32; 3];
                for ((field, value), number) in SURGE_FIELDS.iter().zip(surge).zip(&mut numbers) {
                    let Ok(n) = value.get_untracked().trim().parse::<u32>() else {
                        room.admin
                            .error
                            .set(Some(((*field).into(), room.t(Msg::WholeNumber))));
                        return;
                    };
                    *number = n;
                }
                let [surge_posts, surge_reports, surge_factor] = numbers;
                let new = ScreeningSettings {
                    premoderation: mode.get_untracked(),
                    banned_words: from_text(&banned.get_untracked()),
                    suspect_words: from_text(&suspect.get_untracked()),
                    max_links,
                    auto_close_days,
                    surge_posts,
                    surge_reports,
                    surge_factor,
                };
                leptos::task::spawn_local(async move {
                    match room.api.get_value().set_settings(&new).await {
                        Ok(saved) => {
                            room.admin.error.set(None);
                            room.admin.settings.set(Some(saved));
                            room.say(room.t(Msg::SettingsSaved));
                        }
                        Err(failure) => refused(room, &failure, None),
                    }
                });
            };
            let t = move |msg| room.t(msg);
            view! {
                <form class="mod-settings" data-testid="settings-form" on:submit=save novalidate>
                    <label class="mod-field">
                        <span>{t(Msg::Premoderation)}</span>
                        <select data-testid="setting-premoderation" on:change=move |ev| {
                            if let Ok(m) = Premoderation::parse(&event_target_value(&ev)) {
                                mode.set(m);
                            }
                        }>
                            {[(Premoderation::Off, Msg::PremoderationOff), (Premoderation::NewReaders, Msg::PremoderationNew), (Premoderation::All, Msg::PremoderationAll)]
                                .into_iter()
                                .map(|(m, label)| view! { <option value=m.as_str() selected=current.premoderation == m>{t(label)}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    {field_error(room, "premoderation")}
                    <label class="mod-field">
                        <span>{t(Msg::BannedWords)}</span>
                        <textarea data-testid="setting-banned" rows="4" prop:value=move || banned.get() on:input=move |ev| banned.set(event_target_value(&ev))></textarea>
                    </label>
                    {field_error(room, "banned_words")}
                    <label class="mod-field">
                        <span>{t(Msg::SuspectWords)}</span>
                        <textarea data-testid="setting-suspect" rows="4" prop:value=move || suspect.get() on:input=move |ev| suspect.set(event_target_value(&ev))></textarea>
                    </label>
                    {field_error(room, "suspect_words")}
                    <label class="mod-field">
                        <span>{t(Msg::MostLinks)}</span>
                        <input type="number" min="0" max="1000" data-testid="setting-max-links" prop:value=move || links.get() on:input=move |ev| links.set(event_target_value(&ev))/>
                    </label>
                    {field_error(room, "max_links")}
                    <label class="mod-field">
                        <span>{t(Msg::CloseAfterDaysSite)}</span>
                        <input type="number" min="0" max="3650" data-testid="setting-auto-close" prop:value=move || closing.get() on:input=move |ev| closing.set(event_target_value(&ev))/>
                    </label>
                    {field_error(room, "auto_close_days")}
                    <fieldset class="mod-surge-settings">
                        <legend>{t(Msg::SurgeGuard)}</legend>
                        {SURGE_FIELDS.into_iter().zip(surge).zip(SURGE_LABELS).map(|((field, value), label)| view! {
                            <label class="mod-field">
                                <span>{t(label)}</span>
                                <input type="number" min="0" max="100000" data-testid=format!("setting-{}", field.replace('_', "-"))
                                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                            </label>
                            {field_error(room, field)}
                        }).collect_view()}
                    </fieldset>
                    {field_error(room, "form")}
                    <button type="submit" class="mod-primary" data-testid="settings-save">{t(Msg::SaveSettings)}</button>
                </form>
            }
        })
    }
}
