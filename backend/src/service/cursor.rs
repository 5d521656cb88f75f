//! Opaque cursors: a listing's position, encoded so that a cursor from one
//! listing or order is refused by another.

use crate::store::Keyset;
use chime_shared::{Cursor, ParseError, SortOrder};

/// Which listing a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Thread(SortOrder),
    Moderation,
    /// The reported queue: most reports first.
    ModerationReported,
    Audit,
    /// One thread's replies, oldest first.
    Replies,
}

impl Listing {
    fn tag(self) -> &'static str {
        match self {
            Self::Thread(SortOrder::Newest) => "n",
            Self::Thread(SortOrder::Oldest) => "o",
            Self::Thread(SortOrder::Top) => "t",
            Self::Moderation => "m",
            Self::ModerationReported => "r",
            Self::Audit => "a",
            Self::Replies => "p",
        }
    }
}

/// The cursor that continues after `key`.
pub fn encode(listing: Listing, key: Keyset) -> Cursor {
    let raw = format!(
        "{}.{}.{}.{}",
        listing.tag(),
        key.score,
        key.created_at,
        key.id
    );
    Cursor::parse(&raw).expect("a tag letter, digits, dots and minus signs make a valid cursor")
}

/// Reads a cursor sent back for `listing`.
pub fn decode(listing: Listing, raw: Option<&str>) -> super::Outcome<Option<Keyset>> {
    let Some(raw) = raw else { return Ok(None) };
    let bad = || {
        super::Error::from(ParseError::new(
            "cursor",
            "The cursor is not valid for this listing.",
        ))
    };
    let cursor = Cursor::parse(raw)?;
    let mut parts = cursor.as_str().split('.');
    if parts.next() != Some(listing.tag()) {
        return Err(bad());
    }
    let mut number = || {
        parts
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let key = Keyset {
        score: number()?,
        created_at: number()?,
        id: number()?,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_listings() {
        let key = Keyset {
            score: 3,
            created_at: 1_700_000_000_000,
            id: 42,
        };
        let c = encode(Listing::Thread(SortOrder::Top), key);
        assert_eq!(
            decode(Listing::Thread(SortOrder::Top), Some(c.as_str())).ok(),
            Some(Some(key))
        );
        assert!(decode(Listing::Thread(SortOrder::Newest), Some(c.as_str())).is_err());
        assert!(decode(Listing::Audit, Some("a.1.2")).is_err());
        assert!(decode(Listing::Audit, Some("a.1.2.x")).is_err());
        assert!(decode(Listing::Audit, Some("a.1.2.3.4")).is_err());
        assert!(decode(Listing::Audit, Some("<script>")).is_err());
    }
}
