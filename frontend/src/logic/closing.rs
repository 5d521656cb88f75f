//! Whether comments on an article are closed, as the browser can tell.

use time::{Duration, OffsetDateTime};

/// How far the browser's clock may lag the server's: a moderator's
/// closing is stamped with the server's time, and a reader's clock a few
/// seconds behind must not show the form open under a closed article.
const SKEW: Duration = Duration::minutes(1);

/// Closed when the closing time is past, or within a minute.
pub fn is_closed(closes_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    closes_at.is_some_and(|at| at <= now + SKEW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn closed_from_the_closing_time_on_whatever_small_lag() {
        let now = datetime!(2026-12-01 10:00 UTC);
        assert!(!is_closed(None, now));
        assert!(is_closed(Some(now - Duration::days(3)), now));
        assert!(
            is_closed(Some(now + Duration::seconds(20)), now),
            "a lagging clock"
        );
        assert!(
            !is_closed(Some(now + Duration::days(2)), now),
            "closes later"
        );
    }
}
