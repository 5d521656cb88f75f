//! The HTTP surface: routes, the extractors and errors that speak API.md,
//! caching headers, and the limits on requests and connections. Nothing
//! below it (rules, storage, live events) knows HTTP.

pub mod caching;
pub mod client;
pub mod connections;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
