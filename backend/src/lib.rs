//! The Chime server as a library: `main.rs` and the tests drive it through
//! [`startup::Application`] and [`cli`].

pub mod caching;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod connections;
pub mod demo;
pub mod error;
pub mod events;
pub mod extract;
pub mod files;
pub mod metrics;
pub mod middleware;
pub mod page_cache;
pub mod ratelimit;
pub mod readers;
pub mod render;
pub mod routes;
pub mod screening;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod transfer;
pub mod view;
