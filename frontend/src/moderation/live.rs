//! The moderation stream: new, reported, hidden and restored comments from
//! every article, without a reload. Reconnects with back-off; after any
//! reconnect the open queue reloads, since events may have been missed.

use super::Room;
use crate::api::decode_json;
use chime_shared::ModEvent;
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

thread_local! {
    /// The open stream: one per page.
    static SOURCE: RefCell<Option<EventSource>> = const { RefCell::new(None) };
}

/// Opens the stream (once).
pub fn connect(room: Room) {
    if SOURCE.with(|s| s.borrow().is_some()) {
        return;
    }
    open(room, 0);
}

/// Closes the stream (on sign-out).
pub fn disconnect() {
    if let Some(source) = SOURCE.with(|s| s.borrow_mut().take()) {
        source.close();
    }
}

fn open(room: Room, attempt: u32) {
    let url = room.api.with_value(|api| api.events_url());
    let Ok(source) = EventSource::new(&url) else {
        return retry(room, attempt);
    };
    let on_event = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data().as_string().unwrap_or_default();
        let Some(event) = decode_json::<ModEvent>(&data) else {
            return;
        };
        if let Some(queue) = room.queue() {
            room.desk.update(|d| {
                d.apply(queue, event);
            });
        }
    });
    let _ =
        source.add_event_listener_with_callback(ModEvent::NAME, on_event.as_ref().unchecked_ref());
    on_event.forget();
    let on_resync = Closure::<dyn FnMut()>::new(move || room.load(false));
    let _ = source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
    on_resync.forget();
    let opened = std::rc::Rc::new(std::cell::Cell::new(attempt > 0));
    let on_open = Closure::<dyn FnMut()>::new(move || {
        if opened.replace(true) {
            room.load(false);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    let failed = source.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        // CLOSED: the browser gave up (the session may have ended, or the
        // server is gone). Try again later while someone is signed in.
        if failed.ready_state() == EventSource::CLOSED {
            SOURCE.with(|s| s.borrow_mut().take());
            retry(room, attempt + 1);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    SOURCE.with(|s| *s.borrow_mut() = Some(source));
}

fn retry(room: Room, attempt: u32) {
    let seconds = 2u64.saturating_pow(attempt.min(5)).min(30);
    set_timeout(
        move || {
            if room.me.with_untracked(Option::is_some) && SOURCE.with(|s| s.borrow().is_none()) {
                open(room, attempt);
            }
        },
        std::time::Duration::from_secs(seconds),
    );
}
