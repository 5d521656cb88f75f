//! Readers are known by a keyed hash of their token (HMAC-SHA256 with a
//! per-installation key), so a leaked database does not leak tokens.

use crate::store::ReaderHash;
use chime_shared::ReaderToken;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// Hashes reader tokens with the installation's key.
#[derive(Clone)]
pub struct ReaderHasher {
    key: Arc<[u8]>,
}

impl ReaderHasher {
    /// A hasher with the given key.
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.into() }
    }

    /// The stored form of a token: 128 bits of HMAC, in hex.
    pub fn hash(&self, token: &ReaderToken) -> ReaderHash {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return ReaderHash(String::new()),
        };
        mac.update(token.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        ReaderHash(hex::encode(&digest[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_same_hash_other_key_other_hash() {
        let token = ReaderToken::parse(&"a".repeat(32)).expect("valid");
        let a = ReaderHasher::new(b"key-one");
        let b = ReaderHasher::new(b"key-two");
        assert_eq!(a.hash(&token), a.hash(&token));
        assert_ne!(a.hash(&token), b.hash(&token));
        assert_eq!(a.hash(&token).0.len(), 32);
        assert!(!a.hash(&token).0.contains(token.as_str()));
    }
}
