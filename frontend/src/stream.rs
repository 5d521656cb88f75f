//! One live event stream (server-sent events), for the reader widget and
//! the moderation view alike: it retries with one back-off
//! (`logic::backoff`) after the browser gives up, and says when it opens
//! again, since events may have been missed meanwhile.
//!
//! A reader's stream is open only while its page is shown. A browser holds
//! six connections per host over HTTP/1.1; pages left in the back-forward
//! cache and tabs in the background would otherwise keep theirs, until a
//! reader's seventh article waits forever. So it closes when the page is
//! hidden or left (`visibilitychange`, `pagehide`) and opens again when it
//! is shown (`visibilitychange`, `pageshow`).

use crate::logic::backoff;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, EventSource, MessageEvent};

/// One named event: its name and data.
pub type OnEvent = Box<dyn Fn(&str, &str)>;
type MessageListener = Closure<dyn FnMut(MessageEvent)>;
type StateListener = Closure<dyn FnMut(Event)>;

/// What a stream is for.
pub struct Handlers {
    /// The named events to listen for.
    pub events: &'static [&'static str],
    /// One named event: its name and data.
    pub on_event: OnEvent,
    /// The stream opened again after a drop or a pause: reload what it
    /// feeds.
    pub on_reopen: Box<dyn Fn()>,
    /// Whether to try again after a drop (a moderator who signed out does
    /// not).
    pub keep_trying: Box<dyn Fn() -> bool>,
    /// Closed while the page is hidden (readers), or open throughout.
    pub follow_page: bool,
}

/// A live stream; `stop` ends it for good, and dropping it closes it.
/// One that follows the page must be kept for the page's life: the page's
/// listeners call into it.
pub struct Stream {
    url: String,
    handlers: Handlers,
    source: RefCell<Option<EventSource>>,
    /// Bumped whenever the stream is closed: a retry planned before then
    /// is stale.
    generation: Cell<u32>,
    attempt: Cell<u32>,
    /// Closed because the page is not shown, or stopped.
    paused: Cell<bool>,
    stopped: Cell<bool>,
    /// Every open after the first may have missed events.
    opened_before: Cell<bool>,
    /// Made once and given to every stream opened (each closure is code in
    /// the bundle): one for the named events, one for the stream's `open`
    /// and `error` and the page's showing and hiding.
    on_message: RefCell<Option<MessageListener>>,
    on_state: RefCell<Option<StateListener>>,
}

impl Drop for Stream {
    /// Closes the source. (The page's listeners of a stream that follows
    /// the page are never taken back: such a stream is kept for the page's
    /// life, and the code to take them back would cost every reader bytes.)
    fn drop(&mut self) {
        self.close();
    }
}

impl Stream {
    /// Opens the stream at `url` (when the page is shown, for a stream
    /// that follows it).
    pub fn open(url: String, handlers: Handlers) -> Rc<Self> {
        // A listing loaded in a hidden page may be stale once it is shown.
        let hidden = handlers.follow_page && page_hidden();
        let stream = Rc::new(Self {
            url,
            handlers,
            source: RefCell::default(),
            generation: Cell::new(0),
            attempt: Cell::new(0),
            paused: Cell::new(hidden),
            stopped: Cell::new(false),
            opened_before: Cell::new(hidden),
            on_message: RefCell::default(),
            on_state: RefCell::default(),
        });
        let this = Rc::downgrade(&stream);
        *stream.on_message.borrow_mut() = Some(Closure::new(move |event: MessageEvent| {
            if let Some(this) = this.upgrade() {
                let data = event.data().as_string().unwrap_or_default();
                (this.handlers.on_event)(&event.type_(), &data);
            }
        }));
        let this = Rc::downgrade(&stream);
        let on_state = Closure::new(move |event: Event| {
            if let Some(this) = this.upgrade() {
                this.on_state(&event.type_());
            }
        });
        if stream.handlers.follow_page {
            // The page's listeners live as long as the page.
            if let Some(window) = web_sys::window() {
                let listener = on_state.as_ref().unchecked_ref();
                if let Some(document) = window.document() {
                    let _ = document.add_event_listener_with_callback("visibilitychange", listener);
                }
                for name in ["pagehide", "pageshow"] {
                    let _ = window.add_event_listener_with_callback(name, listener);
                }
            }
        }
        *stream.on_state.borrow_mut() = Some(on_state);
        if !hidden {
            stream.connect();
        }
        stream
    }

    /// Ends the stream for good (a moderator signing out).
    pub fn stop(&self) {
        self.stopped.set(true);
        self.close();
    }

    fn on_state(self: &Rc<Self>, kind: &str) {
        match kind {
            "open" => {
                self.attempt.set(0);
                if self.opened_before.replace(true) {
                    (self.handlers.on_reopen)();
                }
            }
            // The browser retries by itself while the stream is
            // CONNECTING; once it gives up (CLOSED), we retry with our own
            // back-off.
            "error" => {
                let closed = self
                    .source
                    .borrow()
                    .as_ref()
                    .is_some_and(|s| s.ready_state() == EventSource::CLOSED);
                if closed {
                    self.close();
                    self.retry();
                }
            }
            "pagehide" => self.pause(),
            // `visibilitychange` and `pageshow`.
            _ if page_hidden() => self.pause(),
            _ => self.resume(),
        }
    }

    /// Closes the open stream, if any, and makes planned retries stale.
    fn close(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }

    fn pause(&self) {
        self.paused.set(true);
        // Whatever comes while it is closed is missed, even when it was
        // closed before it ever opened (a reader who switched tabs at
        // once): its next open reloads.
        self.opened_before.set(true);
        self.close();
    }

    fn resume(self: &Rc<Self>) {
        if self.paused.replace(false) && !self.stopped.get() {
            self.close();
            self.attempt.set(0);
            self.connect();
        }
    }

    fn connect(self: &Rc<Self>) {
        let Ok(source) = EventSource::new(&self.url) else {
            return self.retry();
        };
        if let Some(handler) = self.on_message.borrow().as_ref() {
            for name in self.handlers.events {
                let _ =
                    source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            }
        }
        if let Some(handler) = self.on_state.borrow().as_ref() {
            for name in ["open", "error"] {
                let _ =
                    source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            }
        }
        *self.source.borrow_mut() = Some(source);
    }

    fn retry(self: &Rc<Self>) {
        let attempt = self.attempt.get() + 1;
        self.attempt.set(attempt);
        // A failed open may have missed events, however it ends.
        self.opened_before.set(true);
        let generation = self.generation.get();
        let this = Rc::downgrade(self);
        leptos::prelude::set_timeout(
            move || {
                let Some(this) = this.upgrade() else { return };
                let current = this.generation.get() == generation;
                if current
                    && !this.paused.get()
                    && !this.stopped.get()
                    && (this.handlers.keep_trying)()
                {
                    this.connect();
                }
            },
            std::time::Duration::from_millis(backoff::delay_ms(attempt, js_sys::Math::random())),
        );
    }
}

fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}
