//! The moderation view's language: the browser's, as `moderate.js` chose
//! it, or the one a moderator picks here (kept in this browser, and in the
//! address, so the page comes back in it even where storage is blocked).

use super::Room;
use crate::browser;
use crate::i18n::moderation::Msg;
use crate::i18n::offered;
use js_sys::{Array, Intl, Object, Reflect};
use leptos::prelude::*;

/// Where the choice is kept (`moderate.js` reads it, after `?lang=`).
const KEPT: &str = "chime.moderation.locale";

/// Each locale by its own name ("Deutsch", "日本語"), so a moderator finds
/// theirs whatever the page speaks now; the tag where the browser cannot
/// name languages.
fn own_name(tag: &str) -> String {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or_default();
    if !Reflect::has(&intl, &"DisplayNames".into()).unwrap_or(false) {
        return tag.to_owned();
    }
    let options = Object::new();
    let _ = Reflect::set(&options, &"type".into(), &"language".into());
    Intl::DisplayNames::new(&Array::of1(&tag.into()), &options)
        .of(tag)
        .map(String::from)
        .unwrap_or_else(|| tag.to_owned())
}

pub fn switch(room: Room, locales: Vec<String>) -> impl IntoView {
    let current = room.words.with_value(|w| w.tag().to_owned());
    let chosen = RwSignal::new(
        offered(&locales, &current)
            .cloned()
            .unwrap_or_else(|| "en".to_owned()),
    );
    let initial = chosen.get_untracked();
    // Applied on the button, not on each change: arrow keys on a closed
    // list change it, and a reload would lose what is typed in the forms.
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tag = chosen.get_untracked();
        browser::save(KEPT, &tag);
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_search(&format!("lang={tag}"));
        }
    };
    view! {
        <form class="mod-language" data-testid="mod-language-form" on:submit=apply>
            <label>
                {room.t(Msg::Language)}" "
                <select data-testid="mod-language" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {locales.into_iter().map(|tag| {
                        let selected = tag == initial;
                        view! { <option value=tag.clone() lang=tag.clone() selected=selected>{own_name(&tag)}</option> }
                    }).collect_view()}
                </select>
            </label>
            " "
            <button type="submit" class="mod-secondary" data-testid="mod-language-apply">{room.t(Msg::ChangeLanguage)}</button>
        </form>
    }
}
