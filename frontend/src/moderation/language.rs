//! The moderation view's language: the browser's, as `moderate.js` chose
//! it, or the one a moderator picks here (kept in this browser; the page
//! loads again in it).

use super::Room;
use crate::browser;
use crate::i18n::moderation::Msg;
use js_sys::{Array, Intl, Object, Reflect};
use leptos::prelude::*;

/// Where the choice is kept (`moderate.js` reads it).
const KEPT: &str = "chime.moderation.locale";

/// Each locale by its own name ("Deutsch", "日本語"): a moderator finds
/// theirs whatever the page speaks now.
fn own_name(tag: &str) -> String {
    let options = Object::new();
    let _ = Reflect::set(&options, &"type".into(), &"language".into());
    Intl::DisplayNames::new(&Array::of1(&tag.into()), &options)
        .of(tag)
        .map(String::from)
        .unwrap_or_else(|| tag.to_owned())
}

pub fn switch(room: Room, locales: Vec<String>) -> impl IntoView {
    let current = room.words.with_value(|w| w.tag().to_owned());
    let chosen = locales
        .iter()
        .find(|l| current.eq_ignore_ascii_case(l) || current.starts_with(&format!("{l}-")))
        .cloned()
        .unwrap_or_else(|| "en".to_owned());
    let change = move |ev: leptos::ev::Event| {
        browser::save(KEPT, &event_target_value(&ev));
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <label class="mod-language">
            {room.t(Msg::Language)}" "
            <select data-testid="mod-language" on:change=change>
                {locales.into_iter().map(|tag| {
                    let selected = tag == chosen;
                    view! { <option value=tag.clone() lang=tag.clone() selected=selected>{own_name(&tag)}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
