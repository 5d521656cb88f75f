//! The sign-in form. A wrong user name and a wrong password get the same
//! answer from the server, and the form shows it as it comes.

use super::Room;
use crate::i18n::moderation::Msg;
use leptos::prelude::*;

pub fn form(room: Room) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let (name, secret) = (username.get_untracked(), password.get_untracked());
        if name.trim().is_empty() || secret.is_empty() {
            error.set(Some(room.t(Msg::EnterCredentials)));
            return;
        }
        sending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let api = room.api.get_value();
            let signed_in = match api.sign_in(name, secret).await {
                Ok(()) => api.me().await,
                Err(failure) => Err(failure),
            };
            match signed_in {
                Ok(me) => {
                    password.set(String::new());
                    room.say(room.fill(Msg::SignedInStatus, &[("name", &me.username)]));
                    room.me.set(Some(me));
                }
                Err(failure) => error.set(Some(room.refusal(&failure))),
            }
            sending.set(false);
        });
    };
    view! {
        <form class="mod-signin" data-testid="signin-form" on:submit=submit novalidate>
            <h1>{room.t(Msg::Title)}</h1>
            <label class="mod-field">
                <span>{room.t(Msg::UserName)}</span>
                <input type="text" data-testid="signin-username" autocomplete="username" autofocus
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))/>
            </label>
            <label class="mod-field">
                <span>{room.t(Msg::Password)}</span>
                <input type="password" data-testid="signin-password" autocomplete="current-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            {move || error.get().map(|m| view! { <p class="mod-error" role="alert" data-testid="signin-error">{m}</p> })}
            <button type="submit" class="mod-primary" data-testid="signin-submit" disabled=move || sending.get()>
                {move || room.t(if sending.get() { Msg::SigningIn } else { Msg::SignIn })}
            </button>
        </form>
    }
}
