//! The Chime reader widget and the moderation view in Leptos. Each has its
//! own binary and bundle; the library exports nothing to JavaScript itself.
//!
//! `logic` is plain Rust with ordinary tests: the thread and the listing,
//! relative times, drafts, optimistic reactions, the stream's back-off,
//! the moderation queues and their keys. `i18n` holds the catalogues
//! (English compiled in). The rest runs only in the browser.

pub mod i18n;
pub mod logic;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod moderation;
#[cfg(target_arch = "wasm32")]
pub mod stream;
#[cfg(target_arch = "wasm32")]
pub mod widget;
