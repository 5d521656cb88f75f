//! Keyboard shortcuts: `j`/`k` move, `h` hide, `u` restore, `a` approve,
//! `r` reject, `x` select,
//! `/` search, `?` help. Everything also has a button.

use super::{Room, Tab};
use crate::i18n::moderation::Msg;
use crate::logic::keys::{Command, HELP, command};
use crate::logic::queue::Act;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Listens for shortcuts on the whole page.
pub fn listen(room: Room) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if room.me.with_untracked(Option::is_none) {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let in_field = target
            .as_ref()
            .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let modified = ev.ctrl_key() || ev.meta_key() || ev.alt_key();
        let Some(command) = command(&ev.key(), modified, in_field) else {
            return;
        };
        let in_queue = matches!(room.tab.get_untracked(), Tab::Queue(_));
        match command {
            Command::Next | Command::Previous if in_queue => {
                ev.prevent_default();
                let delta = if command == Command::Next { 1 } else { -1 };
                room.desk.update(|d| d.step(delta));
                focus_current(room);
            }
            Command::Hide if in_queue => room.act(Act::Hide),
            Command::Unhide if in_queue => room.act(Act::Restore),
            Command::Approve if in_queue => room.act(Act::Approve),
            Command::Reject if in_queue => room.act(Act::Reject),
            Command::Select if in_queue => room.desk.update(|d| d.toggle_current()),
            Command::Search if in_queue => {
                ev.prevent_default();
                focus("mod-search");
            }
            Command::Help => room.help.update(|h| *h = !*h),
            Command::Close => {
                room.help.set(false);
                if in_field
                    && let Some(el) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = el.blur();
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Moves the focus to the row under the cursor, so screen readers read it
/// and the page scrolls to it.
pub fn focus_current(room: Room) {
    if let Some(id) = room.desk.with_untracked(|d| d.current.clone()) {
        focus(&format!("row-{id}"));
    }
}

/// The shortcuts panel.
pub fn help(room: Room) -> impl IntoView {
    let title = room.t(Msg::ShortcutsTitle);
    let label = title.clone();
    view! {
        <section class="mod-help" data-testid="shortcuts" aria-label=label>
            <h2>{title}</h2>
            <dl>
                {HELP.into_iter().map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{room.t(what)}</dd> }).collect_view()}
            </dl>
        </section>
    }
}
