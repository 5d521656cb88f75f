//! The Chime reader widget (and, later, the moderation view) in Leptos.
//!
//! `logic` is plain Rust with ordinary tests: threading, relative times,
//! drafts, optimistic reactions. The rest runs only in the browser.

pub mod logic;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod widget;
