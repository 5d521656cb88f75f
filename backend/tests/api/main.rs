//! API tests: the real app on port 0, a fresh SQLite database per test, and
//! plain HTTP. All in one test binary.

mod abuse;
mod admin;
mod articles;
mod caching;
mod cli;
mod comments;
mod errors;
mod events;
mod history;
mod hostile;
mod import;
mod limits;
mod mail;
mod moderation;
mod openapi;
mod privacy;
mod reactions;
mod replies;
mod roles;
mod sanctions;
mod screening;
mod servers;
mod sso;
mod surge;
mod webhooks;
