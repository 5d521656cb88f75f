//! End-to-end tests of Chime: the real backend, the real widget in a real
//! headless Chromium, and a host page on another origin. The browser harness
//! arrives with the reader widget; the API-level tests live in
//! `backend/tests/api`.
