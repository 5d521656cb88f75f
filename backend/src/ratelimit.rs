//! Write rate limits per reader and per client address (governor's GCRA),
//! answered with 429 and `Retry-After`.

use crate::error::ApiError;
use crate::store::ReaderHash;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// `n` a minute, `n` at once (at least 1).
fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// The 429 for a refused check, with the seconds until it would pass.
fn too_many(
    clock: &DefaultClock,
    not_until: &governor::NotUntil<<DefaultClock as Clock>::Instant>,
) -> ApiError {
    ApiError::RateLimited {
        retry_after_secs: not_until.wait_time_from(clock.now()).as_secs() + 1,
    }
}

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
        Self {
            by_reader: RateLimiter::keyed(per_minute(per_reader)),
            by_addr: RateLimiter::keyed(per_minute(per_addr)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one write from both allowances, or says how long to wait.
    pub fn check(&self, reader: &ReaderHash, addr: Option<IpAddr>) -> Result<(), ApiError> {
        let wait = |not_until| too_many(&self.clock, &not_until);
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

/// Moderator sign-in attempts: per client address, so one address cannot
/// try passwords quickly, and per name, so many addresses cannot either.
#[derive(Debug)]
pub struct SignInLimits {
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    by_name: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl SignInLimits {
    /// 10 attempts a minute per address, 30 per name (bursts as large).
    pub fn new() -> Self {
        Self {
            by_addr: RateLimiter::keyed(per_minute(10)),
            by_name: RateLimiter::keyed(per_minute(30)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt, or says how long to wait.
    pub fn check(&self, name: &str, addr: Option<IpAddr>) -> Result<(), ApiError> {
        let wait = |not_until| too_many(&self.clock, &not_until);
        if let Some(addr) = addr {
            self.by_addr.check_key(&addr).map_err(wait)?;
        }
        // Names are compared as typed; an unknown name is limited the same.
        let name: String = name.chars().take(64).collect();
        self.by_name.check_key(&name).map_err(wait)?;
        Ok(())
    }

    pub fn forget_idle(&self) {
        self.by_addr.retain_recent();
        self.by_name.retain_recent();
    }
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// Live streams open per client address: one address cannot hold the
/// server's connections. A stream gives its place back when it ends.
#[derive(Debug)]
pub struct StreamLimits {
    per_addr: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open stream's place; dropped with the stream.
#[derive(Debug)]
pub struct StreamPermit {
    addr: Option<IpAddr>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl StreamLimits {
    pub fn new(per_addr: usize) -> Self {
        Self {
            per_addr,
            open: Arc::default(),
        }
    }

    /// A place for one more stream from `addr`, or a 429.
    pub fn open(&self, addr: Option<IpAddr>) -> Result<StreamPermit, ApiError> {
        if let Some(addr) = addr {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            let count = open.entry(addr).or_default();
            if *count >= self.per_addr {
                return Err(ApiError::RateLimited {
                    retry_after_secs: 30,
                });
            }
            *count += 1;
        }
        Ok(StreamPermit {
            addr,
            open: self.open.clone(),
        })
    }

    /// Streams open from `addr` now.
    pub fn open_from(&self, addr: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&addr).copied().unwrap_or(0)
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        if let Some(addr) = self.addr {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(count) = open.get_mut(&addr) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&addr);
                }
            }
        }
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

    #[test]
    fn streams_per_address_are_capped_and_given_back() {
        let limits = StreamLimits::new(2);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let first = limits.open(Some(a)).expect("first");
        let _second = limits.open(Some(a)).expect("second");
        assert!(limits.open(Some(a)).is_err(), "a third from one address");
        assert!(limits.open(Some(b)).is_ok(), "another address");
        drop(first);
        assert_eq!(limits.open_from(a), 1);
        assert!(limits.open(Some(a)).is_ok(), "a place was given back");
        assert!(limits.open(None).is_ok(), "no address, no count");
    }

    #[test]
    fn sign_in_attempts_are_limited_per_address_and_per_name() {
        let limits = SignInLimits::new();
        let addr: IpAddr = "192.0.2.9".parse().expect("ip");
        for n in 0..10 {
            limits
                .check(&format!("name{n}"), Some(addr))
                .expect("within the allowance");
        }
        assert!(
            limits.check("name-x", Some(addr)).is_err(),
            "11th from one address"
        );
        for n in 0..30u8 {
            let other = IpAddr::from([198, 51, 100, n]);
            limits
                .check("admin", Some(other))
                .expect("within the allowance");
        }
        let fresh = IpAddr::from([203, 0, 113, 1]);
        assert!(
            limits.check("admin", Some(fresh)).is_err(),
            "31st for one name"
        );
    }
}
