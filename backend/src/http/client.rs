//! Which address a request comes from, for the per-address limits: the
//! connection's peer, or, when the peer is a proxy the operator trusts, the
//! address that proxy says it served (`X-Forwarded-For`). Without trusted
//! proxies the header is ignored: anyone can write it.

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The proxies (addresses or networks) whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses (`10.0.0.5`) and networks
    /// (`10.0.0.0/8`, `fd00::/8`); empty trusts none.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an address or a network like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer`: walking
    /// `X-Forwarded-For` from the right (the entry our proxy added), the
    /// first address that is not itself a trusted proxy. Entries left of it
    /// were written by the client and prove nothing.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // A trusted proxy wrote something that is no address:
                // believe nothing further left.
                Err(_) => break,
            }
        }
        client
    }

    /// The client address of a request, from its connection and headers;
    /// `None` when the server was not started with connection info (tests
    /// that call the router directly).
    pub fn of(&self, extensions: &Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
        Some(self.client(peer, headers))
    }
}

/// The network a client counts as in per-address limits: an IPv4 address
/// (also written as IPv4-mapped IPv6) as itself, an IPv6 address by its
/// first `v6_prefix` bits, since one household or machine is handed a
/// whole /64 and can pick any address in it.
pub fn network_of(addr: IpAddr, v6_prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ipnet::Ipv6Net::new(v6, v6_prefix.min(128))
                .map_or(addr, |net| IpAddr::V6(net.network())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("ascii"),
            );
        }
        headers
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_trusted() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["1.2.3.4"]);
        assert_eq!(none.client(ip("9.9.9.9"), &headers), ip("9.9.9.9"));
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("parses");
        assert_eq!(proxies.client(ip("9.9.9.9"), &headers), ip("9.9.9.9"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers), ip("1.2.3.4"));
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").expect("parses");
        // The client forged "6.6.6.6"; our two proxies added the rest.
        let headers = forwarded(&["6.6.6.6, 5.5.5.5", "192.168.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("5.5.5.5"));
        // Garbage written left of a real hop changes nothing.
        let headers = forwarded(&["<script>, 5.5.5.5"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("5.5.5.5"));
        // No header: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Only proxies: the leftmost of them.
        let headers = forwarded(&["10.9.9.9"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("10.9.9.9"));
        // IPv6 works the same.
        let v6 = TrustedProxies::parse("fd00::/8").expect("parses");
        let headers = forwarded(&["2001:db8::1"]);
        assert_eq!(v6.client(ip("fd00::1"), &headers), ip("2001:db8::1"));
    }

    #[test]
    fn ipv6_clients_count_by_their_network() {
        let a = network_of(ip("2001:db8:1:2::1"), 64);
        assert_eq!(a, network_of(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), 64));
        assert_ne!(a, network_of(ip("2001:db8:1:3::1"), 64));
        assert_eq!(
            network_of(ip("2001:db8:1:2::1"), 48),
            network_of(ip("2001:db8:1:3::1"), 48)
        );
        assert_eq!(network_of(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(network_of(ip("203.0.113.7"), 64), ip("203.0.113.7"));
        assert_eq!(network_of(ip("::ffff:203.0.113.7"), 64), ip("203.0.113.7"));
    }

    #[test]
    fn bad_lists_are_refused_with_the_culprit() {
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.local").expect_err("bad");
        assert!(err.contains("proxy.local"), "{err}");
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
