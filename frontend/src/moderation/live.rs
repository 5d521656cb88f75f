//! The moderation stream: new, reported, hidden and restored comments from
//! every article, without a reload (`crate::stream`: one back-off with the
//! reader widget's); after any reconnect the open queue reloads, since
//! events may have been missed.

use super::Room;
use crate::api::decode_json;
use crate::stream::{Handlers, Stream};
use chime_shared::{ModEvent, SurgeNotice};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    /// The open stream: one per page.
    static STREAM: RefCell<Option<Rc<Stream>>> = const { RefCell::new(None) };
}

/// Opens the stream, in place of any earlier one (a session that ended
/// leaves its stream given up).
pub fn connect(room: Room) {
    disconnect();
    let url = room.api.with_value(|api| api.events_url());
    let stream = Stream::open(
        url,
        Handlers {
            events: &[ModEvent::NAME, SurgeNotice::NAME, "resync"],
            on_event: Box::new(move |name, data| {
                if name == "resync" {
                    super::surge::load(room);
                    return room.load(false);
                }
                if name == SurgeNotice::NAME {
                    if let Some(notice) = decode_json::<SurgeNotice>(data) {
                        super::surge::heard(room, notice);
                    }
                    return;
                }
                let Some(event) = decode_json::<ModEvent>(data) else {
                    return;
                };
                // A reader's history shows theirs alone.
                let others = room
                    .author
                    .with_untracked(|a| a.as_ref().is_some_and(|a| *a != event.comment.reader));
                if others {
                    return;
                }
                if let Some(queue) = room.queue() {
                    room.desk.update(|d| {
                        d.apply(queue, event);
                    });
                }
            }),
            on_reopen: Box::new(move || {
                room.load(false);
                super::surge::load(room);
            }),
            // The session may have ended: try again only while someone is
            // signed in.
            keep_trying: Box::new(move || room.me.with_untracked(Option::is_some)),
            follow_page: false,
        },
    );
    STREAM.with(|s| *s.borrow_mut() = Some(stream));
}

/// Closes the stream (on sign-out).
pub fn disconnect() {
    if let Some(stream) = STREAM.with(|s| s.borrow_mut().take()) {
        stream.stop();
    }
}
