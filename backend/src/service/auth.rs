//! Moderator passwords (Argon2id, hashed off the async threads) and session
//! tokens (random; only their SHA-256 is stored).

use super::{Error, Outcome};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Hashes a password (slow on purpose: run it in `spawn_blocking`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash no password matches, checked against when the name is unknown so
/// that a wrong name and a wrong password take the same time.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password that nobody uses").unwrap_or_default());

/// Checks a password against a stored hash (or the decoy), off the async
/// threads.
pub async fn verify_password(password: String, stored: Option<String>) -> Outcome<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DECOY.clone());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .map_err(|e| Error::Internal(format!("password check failed: {e}")))
}

/// Hashes a password off the async threads.
pub async fn hash_password_blocking(password: String) -> Outcome<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))?
        .map_err(Error::Internal)
}

/// A fresh random token of 32 bytes, in hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random password a person can type: 20 characters without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").expect("hashes");
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .expect("runs")
        );
        assert!(
            !verify_password("wrong".into(), Some(hash))
                .await
                .expect("runs")
        );
        assert!(
            !verify_password("decoy password that nobody uses".into(), None)
                .await
                .expect("runs")
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        assert_ne!(random_token(), random_token());
        assert_eq!(token_hash("a").len(), 64);
        assert_eq!(random_password().len(), 20);
    }
}
