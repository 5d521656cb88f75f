//! What every test binary and the benchmark share, so that none keeps a
//! copy: the server in this process ([`server`]; on a fresh database with the
//! API tests' helpers: [`app`]),
//! `chime serve` as a child process ([`child`]), and a PostgreSQL database
//! per test ([`postgres`]), and a site's signer of sign-in tokens ([`sso`]).

pub mod app;
pub mod child;
pub mod postgres;
pub mod server;
pub mod smtp;
pub mod sso;
