//! The widget's rules, free of the browser so they are tested natively.

pub mod backoff;
pub mod closing;
pub mod draft;
pub mod keys;
pub mod listing;
pub mod queue;
pub mod reactions;
pub mod relative_time;
pub mod settings;
pub mod thread;
