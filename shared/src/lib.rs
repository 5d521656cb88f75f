//! Wire types of the Chime HTTP API (see `docs/API.md`) and the newtypes that
//! cannot hold a bad value. Used by the backend and the widget alike, so the
//! two cannot drift apart. Builds for `wasm32-unknown-unknown`.

pub mod admin;
pub mod comment;
pub mod config;
pub mod error;
pub mod event;
pub mod history;
pub mod ids;
pub mod moderation;
pub mod notify;
pub mod object;
#[cfg(feature = "openapi")]
mod openapi;
pub mod privacy;
pub mod reaction;
pub mod sso;
pub mod text;
pub mod webhook;

pub use admin::*;
pub use comment::*;
pub use config::*;
pub use error::*;
pub use event::*;
pub use history::*;
pub use ids::*;
pub use moderation::*;
pub use notify::*;
pub use object::JsonObject;
pub use privacy::*;
pub use reaction::*;
pub use sso::*;
pub use text::*;
pub use webhook::*;

/// Every API route lives under this path.
pub const API_BASE: &str = "/api/v1";
/// The header carrying the reader's random token.
pub const READER_HEADER: &str = "x-chime-reader";
/// The header carrying a signed-in reader's session (single sign-on).
pub const SESSION_HEADER: &str = "x-chime-session";
/// The header carrying a client's idempotency key on writes.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
