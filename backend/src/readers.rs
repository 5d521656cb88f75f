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

    /// The reader a site's account is, on every device: keyed like a
    /// token, in a namespace no token can reach (tokens are hex).
    pub fn account(&self, site_id: &str) -> ReaderHash {
        ReaderHash(self.sign("account", site_id.as_bytes()))
    }

    /// An author of comments imported from another system (`source`), as
    /// that system knew them: one reader for all they wrote there, in a
    /// namespace no token or site account reaches.
    pub fn imported(&self, source: &str, author: &str) -> ReaderHash {
        ReaderHash(self.sign("import", format!("{source}\n{author}").as_bytes()))
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

    /// A signature of `data` for one `purpose`, with the installation's key
    /// (every server on one database shares it): 128 bits, in hex.
    pub fn sign(&self, purpose: &str, data: &[u8]) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(data);
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Whether `signature` is `sign(purpose, data)`, compared in constant
    /// time.
    pub fn verify(&self, purpose: &str, data: &[u8], signature: &str) -> bool {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key) else {
            return false;
        };
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(data);
        hex::decode(signature)
            .is_ok_and(|bytes| bytes.len() == 16 && mac.verify_truncated_left(&bytes).is_ok())
    }

    /// The stored form of a client address, for counting distinct ones:
    /// IPv6 addresses by their /64 (one household or machine), keyed like
    /// tokens so the address itself is never stored.
    pub fn address(&self, addr: Option<std::net::IpAddr>) -> String {
        let Some(addr) = addr else {
            return "unknown".to_owned();
        };
        let text = match addr {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key) else {
            return text;
        };
        mac.update(b"address:");
        mac.update(text.as_bytes());
        format!("a{}", hex::encode(&mac.finalize().into_bytes()[..16]))
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

    #[test]
    fn signatures_hold_only_for_their_purpose_and_data() {
        let h = ReaderHasher::new(b"key");
        let sig = h.sign("device", b"admin:nonce");
        assert!(h.verify("device", b"admin:nonce", &sig));
        assert!(!h.verify("device", b"admin:other", &sig));
        assert!(!h.verify("bus", b"admin:nonce", &sig));
        assert!(!ReaderHasher::new(b"other").verify("device", b"admin:nonce", &sig));
        assert!(!h.verify("device", b"admin:nonce", &sig[..16]), "too short");
        assert!(!h.verify("device", b"admin:nonce", "zz"));
    }

    #[test]
    fn addresses_hash_by_machine_and_never_as_themselves() {
        let h = ReaderHasher::new(b"key");
        let ip = |s: &str| Some(s.parse().expect("address"));
        let one = h.address(ip("203.0.113.7"));
        assert!(!one.contains("203"));
        assert_eq!(one, h.address(ip("::ffff:203.0.113.7")));
        assert_ne!(one, h.address(ip("203.0.113.8")));
        assert_eq!(
            h.address(ip("2001:db8:1:2::1")),
            h.address(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            h.address(ip("2001:db8:1:2::1")),
            h.address(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn an_account_is_one_reader_and_never_a_token_s() {
        let keys = ReaderHasher::new(b"key");
        assert_eq!(keys.account("42"), keys.account("42"));
        assert_ne!(keys.account("42"), keys.account("43"));
        let token = ReaderToken::parse(&"4".repeat(32)).expect("token");
        assert_ne!(keys.account(&"4".repeat(32)), keys.hash(&token));
    }
}
