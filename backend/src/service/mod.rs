//! The rules of Chime, independent of HTTP: who may post, edit, delete,
//! react, report and moderate, and what readers see.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod comments;
pub mod cursor;
pub mod delivery;
mod error;
pub mod history;
pub mod lifecycle;
pub mod mail;
pub mod moderation;
pub mod names;
pub mod privacy;
pub mod reactions;
pub mod render;
pub mod replies;
pub mod screening;
pub mod sso;
pub mod surge;
pub mod webhooks;

pub use error::{Error, Outcome};
