//! Write rate limits per reader and per client address (governor's GCRA),
//! answered with 429 and `Retry-After`. Addresses count by network: an
//! IPv6 client by its /64 (`client::network_of`), or it would have 2^64
//! allowances.

use crate::http::client::network_of;
use crate::store::ReaderHash;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// Over a limit: wait this many seconds before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("over the limit; retry after {retry_after_secs} s")]
pub struct Limited {
    pub retry_after_secs: u64,
}

/// `n` a minute, `n` at once (at least 1).
fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// A refused check, with the seconds until it would pass.
fn too_many<C: Clock>(clock: &C, not_until: &governor::NotUntil<C::Instant>) -> Limited {
    Limited {
        retry_after_secs: not_until.wait_time_from(clock.now()).as_secs() + 1,
    }
}

/// The limiters of one server. (Behind a load balancer each server keeps its
/// own: the effective limit is per server.)
#[derive(Debug)]
pub struct WriteLimits {
    by_reader: DefaultKeyedRateLimiter<String>,
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    v6_prefix: u8,
    /// Made once: making one probes the CPU's clock.
    clock: DefaultClock,
}

impl WriteLimits {
    /// Allows `per_reader` writes a minute per reader and `per_addr` per
    /// address (IPv6: per `v6_prefix` network), each also as a burst.
    pub fn new(per_reader: u32, per_addr: u32, v6_prefix: u8) -> Self {
        Self {
            by_reader: RateLimiter::keyed(per_minute(per_reader)),
            by_addr: RateLimiter::keyed(per_minute(per_addr)),
            v6_prefix,
            clock: DefaultClock::default(),
        }
    }

    /// Takes one write from both allowances, or says how long to wait.
    pub fn check(&self, reader: &ReaderHash, addr: Option<IpAddr>) -> Result<(), Limited> {
        let wait = |not_until| too_many(&self.clock, &not_until);
        if let Some(addr) = addr {
            let network = network_of(addr, self.v6_prefix);
            self.by_addr.check_key(&network).map_err(wait)?;
        }
        self.by_reader.check_key(&reader.0).map_err(wait)?;
        Ok(())
    }

    /// A write that names no reader (signing in with a site's token):
    /// held to its address's allowance alone.
    pub fn check_address(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        let Some(addr) = addr else { return Ok(()) };
        let network = network_of(addr, self.v6_prefix);
        self.by_addr
            .check_key(&network)
            .map_err(|not_until| too_many(&self.clock, &not_until))
    }

    /// Forgets keys whose allowance is full again (bounds memory).
    pub fn forget_idle(&self) {
        self.by_reader.retain_recent();
        self.by_addr.retain_recent();
    }
}

/// Moderator sign-in attempts: per client network, so one address cannot
/// try passwords quickly, and per name, so many addresses cannot either.
///
/// The per-name limit alone would let anyone keep a moderator out by
/// spending a name's allowance from a few addresses. So it applies only to
/// browsers that have not signed in as that name before: a browser that has
/// carries a signed device cookie for the name (OWASP's "device cookies")
/// and is held to the per-address limit alone. The trade-off: an attacker
/// can still make a moderator's *new* browsers wait a minute, never their
/// usual one; a stolen device cookie buys no more than one address's
/// guesses.
#[derive(Debug)]
pub struct SignInLimits {
    by_addr: KeyedLimiter<IpAddr, ServerClock>,
    by_name: KeyedLimiter<String, ServerClock>,
    v6_prefix: u8,
    clock: ServerClock,
}

type KeyedLimiter<K, C> = RateLimiter<
    K,
    governor::state::keyed::DefaultKeyedStateStore<K>,
    C,
    governor::middleware::NoOpMiddleware<<C as Clock>::Instant>,
>;

/// The server's own clock, as governor reads time. Sign-in allowances
/// follow the clock that dates sessions and device cookies, so the two
/// cannot disagree (and a test clock holds both still).
#[derive(Clone)]
struct ServerClock(Arc<dyn crate::clock::Clock>);

impl std::fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerClock")
    }
}

impl Clock for ServerClock {
    type Instant = governor::nanos::Nanos;

    fn now(&self) -> Self::Instant {
        let since_epoch = self.0.now().unix_timestamp_nanos();
        u64::try_from(since_epoch).unwrap_or(0).into()
    }
}

impl SignInLimits {
    /// 10 attempts a minute per address, 30 per name (bursts as large),
    /// timed by `clock`.
    pub fn new(v6_prefix: u8, clock: Arc<dyn crate::clock::Clock>) -> Self {
        let clock = ServerClock(clock);
        Self {
            by_addr: RateLimiter::new(per_minute(10), Default::default(), clock.clone()),
            by_name: RateLimiter::new(per_minute(30), Default::default(), clock.clone()),
            v6_prefix,
            clock,
        }
    }

    /// Takes one attempt, or says how long to wait. `known_browser`: the
    /// browser holds a valid device cookie for `name`.
    pub fn check(
        &self,
        name: &str,
        addr: Option<IpAddr>,
        known_browser: bool,
    ) -> Result<(), Limited> {
        let wait = |not_until| too_many(&self.clock, &not_until);
        if let Some(addr) = addr {
            let network = network_of(addr, self.v6_prefix);
            self.by_addr.check_key(&network).map_err(wait)?;
        }
        if known_browser {
            return Ok(());
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

/// Live streams open per client address: one address cannot hold the
/// server's connections. A stream gives its place back when it ends.
#[derive(Debug)]
pub struct StreamLimits {
    per_addr: usize,
    v6_prefix: u8,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open stream's place; dropped with the stream.
#[derive(Debug)]
pub struct StreamPermit {
    addr: Option<IpAddr>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl StreamLimits {
    pub fn new(per_addr: usize, v6_prefix: u8) -> Self {
        Self {
            per_addr,
            v6_prefix,
            open: Arc::default(),
        }
    }

    /// A place for one more stream from `addr`, or a 429.
    pub fn open(&self, addr: Option<IpAddr>) -> Result<StreamPermit, Limited> {
        let addr = addr.map(|a| network_of(a, self.v6_prefix));
        if let Some(addr) = addr {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            let count = open.entry(addr).or_default();
            if *count >= self.per_addr {
                return Err(Limited {
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
        let addr = network_of(addr, self.v6_prefix);
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
        let limits = WriteLimits::new(2, 100, 64);
        let reader = ReaderHash("r".into());
        assert!(limits.check(&reader, None).is_ok());
        assert!(limits.check(&reader, None).is_ok());
        match limits.check(&reader, None) {
            Err(Limited { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limits.check(&ReaderHash("other".into()), None).is_ok());
    }

    #[test]
    fn streams_per_address_are_capped_and_given_back() {
        let limits = StreamLimits::new(2, 64);
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
    fn an_ipv6_network_shares_one_allowance() {
        let limits = WriteLimits::new(100, 3, 64);
        let reader = |n: u16| ReaderHash(format!("r{n}"));
        for n in 1..=3u16 {
            let addr = IpAddr::from([0x2001, 0xdb8, 0, 7, 0, 0, 0, n]);
            limits.check(&reader(n), Some(addr)).expect("within");
        }
        let fourth = IpAddr::from([0x2001, 0xdb8, 0, 7, 0xffff, 1, 2, 3]);
        assert!(limits.check(&reader(4), Some(fourth)).is_err(), "same /64");
        let next = IpAddr::from([0x2001, 0xdb8, 0, 8, 0, 0, 0, 1]);
        assert!(limits.check(&reader(5), Some(next)).is_ok(), "next /64");
        let streams = StreamLimits::new(1, 64);
        let _held = streams
            .open(Some(IpAddr::from([0x2001, 0xdb8, 0, 7, 0, 0, 0, 1])))
            .expect("first");
        assert!(
            streams
                .open(Some(IpAddr::from([0x2001, 0xdb8, 0, 7, 0, 0, 0, 2])))
                .is_err()
        );
    }

    #[test]
    fn sign_in_attempts_are_limited_per_address_and_per_name() {
        let limits = SignInLimits::new(64, Arc::new(crate::clock::SystemClock));
        let addr: IpAddr = "192.0.2.9".parse().expect("ip");
        for n in 0..10 {
            limits
                .check(&format!("name{n}"), Some(addr), false)
                .expect("within the allowance");
        }
        assert!(
            limits.check("name-x", Some(addr), false).is_err(),
            "11th from one address"
        );
        for n in 0..30u8 {
            let other = IpAddr::from([198, 51, 100, n]);
            limits
                .check("admin", Some(other), false)
                .expect("within the allowance");
        }
        let fresh = IpAddr::from([203, 0, 113, 1]);
        assert!(
            limits.check("admin", Some(fresh), false).is_err(),
            "31st for one name"
        );
        // The moderator's own browser is not locked out by that.
        assert!(
            limits.check("admin", Some(fresh), true).is_ok(),
            "a browser that signed in as admin before"
        );
    }
}
