//! Write rate limits per reader and per client address (governor's GCRA),
//! answered with 429 and `Retry-After`.

use crate::error::ApiError;
use crate::store::ReaderHash;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// The limiters of one server. (Behind a load balancer each server keeps its
/// own: the effective limit is per server.)
#[derive(Debug)]
pub struct WriteLimits {
    by_reader: DefaultKeyedRateLimiter<String>,
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    /// Made once: making one probes the CPU's clock.
    clock: DefaultClock,
}

impl WriteLimits {
    /// Allows `per_reader` writes a minute per reader and `per_addr` per
    /// address, each also as a burst.
    pub fn new(per_reader: u32, per_addr: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            by_reader: RateLimiter::keyed(quota(per_reader)),
            by_addr: RateLimiter::keyed(quota(per_addr)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one write from both allowances, or says how long to wait.
    pub fn check(&self, reader: &ReaderHash, addr: Option<IpAddr>) -> Result<(), ApiError> {
        let wait = |not_until: governor::NotUntil<_>| ApiError::RateLimited {
            retry_after_secs: not_until.wait_time_from(self.clock.now()).as_secs() + 1,
        };
        if let Some(addr) = addr {
            self.by_addr.check_key(&addr).map_err(wait)?;
        }
        self.by_reader.check_key(&reader.0).map_err(wait)?;
        Ok(())
    }

    /// Forgets keys whose allowance is full again (bounds memory).
    pub fn forget_idle(&self) {
        self.by_reader.retain_recent();
        self.by_addr.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_over_the_limit_is_told_to_wait() {
        let limits = WriteLimits::new(2, 100);
        let reader = ReaderHash("r".into());
        assert!(limits.check(&reader, None).is_ok());
        assert!(limits.check(&reader, None).is_ok());
        match limits.check(&reader, None) {
            Err(ApiError::RateLimited { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limits.check(&ReaderHash("other".into()), None).is_ok());
    }
}
