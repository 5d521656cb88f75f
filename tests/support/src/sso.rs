//! A site's side of single sign-on, for tests: HS256 tokens signed the way
//! EMBED.md tells a site to sign them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The secret the tests' sites share with their Chime.
pub const SECRET: &str = "the site's secret, long enough to be one";

/// A token with these header and claims, signed with `secret` (any header
/// and claims: tests sign tokens that must be refused, too).
pub fn sign(header: Value, claims: Value, secret: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{head}.{body}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{body}.{sig}")
}

/// A valid token for the site's user `id`, issued at `now` (seconds), good
/// for five minutes, spent once (`jti`).
pub fn token(now: i64, jti: &str, id: &str, username: &str, badges: &[&str]) -> String {
    sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"iat": now - 5, "exp": now + 300, "jti": jti,
               "user": {"id": id, "username": username, "badges": badges}}),
        SECRET,
    )
}
