//! An answer made once: a view serialised to JSON, with the weak tag that
//! names its bytes. The page cache keeps these and the HTTP edge sends
//! them as often as asked (`http::caching` adds the headers); made here,
//! below the HTTP layer, so the rules and the cache can make them.

use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A view that could not be serialised (a bug, never the request's).
#[derive(Debug, thiserror::Error)]
#[error("preparing an answer: {0}")]
pub struct Unprepared(#[from] serde_json::Error);

/// A JSON body with its tag.
#[derive(Debug, Clone)]
pub struct Prepared {
    body: Bytes,
    etag: Bytes,
}

impl Prepared {
    /// Serialises `value` and tags it.
    pub fn of<T: Serialize>(value: &T) -> Result<Self, Unprepared> {
        let body = serde_json::to_vec(value)?;
        let etag = Bytes::from(etag(&body));
        Ok(Self {
            body: Bytes::from(body),
            etag,
        })
    }

    /// The JSON text.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The JSON text, shared.
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// The tag, shared: `W/"…"`.
    pub fn etag(&self) -> Bytes {
        self.etag.clone()
    }
}

/// The tag of a body: weak, because the compression layer may send the
/// same JSON gzip- or brotli-encoded, and a weak tag covers all of them.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("W/\"{}\"", hex::encode(&digest[..16]))
}
