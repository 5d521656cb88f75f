//! Emoji reactions on articles and comments.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One of the six reaction kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReactionKind {
    /// 👍
    Like,
    /// ❤️
    Love,
    /// 😂
    Laugh,
    /// 😮
    Wow,
    /// 😢
    Sad,
    /// 😡
    Angry,
}

impl ReactionKind {
    /// Every kind, in display order.
    pub const ALL: [ReactionKind; 6] = [
        Self::Like,
        Self::Love,
        Self::Laugh,
        Self::Wow,
        Self::Sad,
        Self::Angry,
    ];

    /// The kind's name on the wire and in paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Love => "love",
            Self::Laugh => "laugh",
            Self::Wow => "wow",
            Self::Sad => "sad",
            Self::Angry => "angry",
        }
    }

    /// The emoji shown for the kind.
    pub fn emoji(self) -> &'static str {
        match self {
            Self::Like => "👍",
            Self::Love => "❤️",
            Self::Laugh => "😂",
            Self::Wow => "😮",
            Self::Sad => "😢",
            Self::Angry => "😡",
        }
    }

    /// A word for screen readers.
    pub fn label(self) -> &'static str {
        match self {
            Self::Like => "Like",
            Self::Love => "Love",
            Self::Laugh => "Laugh",
            Self::Wow => "Wow",
            Self::Sad => "Sad",
            Self::Angry => "Angry",
        }
    }

    /// The kind's position in [`ReactionKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses a kind from a path segment.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "kind",
                    "Unknown reaction; use like, love, laugh, wow, sad or angry.",
                )
            })
    }
}

impl fmt::Display for ReactionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts per kind; kinds nobody chose are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReactionCounts(pub BTreeMap<ReactionKind, u64>);

impl ReactionCounts {
    /// Builds counts from one number per kind, in [`ReactionKind::ALL`] order.
    pub fn from_array(counts: [u64; 6]) -> Self {
        Self(
            ReactionKind::ALL
                .into_iter()
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .collect(),
        )
    }

    /// The count of one kind.
    pub fn get(&self, kind: ReactionKind) -> u64 {
        self.0.get(&kind).copied().unwrap_or(0)
    }

    /// Sum over all kinds.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// Answer of every reaction route: `{counts, mine}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionsResponse {
    /// Counts per kind.
    pub counts: ReactionCounts,
    /// The kinds the requesting reader chose.
    pub mine: Vec<ReactionKind>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ReactionKind::ALL {
            assert_eq!(ReactionKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(ReactionKind::ALL[kind.index()], kind);
        }
        assert!(ReactionKind::parse("LIKE").is_err());
    }

    #[test]
    fn counts_leave_out_zeroes() {
        let counts = ReactionCounts::from_array([3, 1, 0, 0, 0, 0]);
        let json = serde_json::to_string(&counts).expect("serialises");
        assert_eq!(json, r#"{"like":3,"love":1}"#);
        assert_eq!(counts.total(), 4);
    }
}
