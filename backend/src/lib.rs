//! The Chime server as a library: `main.rs` and the tests drive it through
//! [`startup::Application`] and [`startup::cli`]. The folders are the
//! layers of docs/ARCHITECTURE.md:
//!
//! - [`http`]: the HTTP surface (routes, extractors, errors as API.md
//!   answers them, caching headers, limits on requests and connections);
//! - [`service`]: the rules, in their own words, free of HTTP;
//! - [`store`]: storage, SQLite and PostgreSQL;
//! - [`live`]: live events between readers and servers, and the page cache
//!   they keep true;
//! - [`startup`]: configuration, the command line, start and stop.
//!
//! Beside them: the state every layer is handed ([`state`]), the clock,
//! the metrics, stored records as the API shows them ([`view`]) and the
//! keyed hashes of readers ([`readers`]).

pub mod clock;
pub mod http;
pub mod import;
pub mod live;
pub mod metrics;
pub mod prepared;
pub mod readers;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod view;
