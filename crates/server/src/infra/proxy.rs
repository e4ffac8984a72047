//! Whom a request comes from, when a reverse proxy may stand in between.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are anyone's to write, so they
//! are believed only when the connection itself comes from an address in
//! `SHOKAI_TRUSTED_PROXIES`. The client is then the rightmost address in
//! `X-Forwarded-For` that is not a trusted proxy (each proxy appends the
//! address it received from; whatever lies left of the first untrusted hop
//! is the client's own word). Without a trusted peer, the socket address is
//! the client and the headers are ignored. The rate limiters (login, status
//! page) key on the address [`client_addr`] picks.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;

const FORWARDED_FOR: &str = "x-forwarded-for";
const FORWARDED_PROTO: &str = "x-forwarded-proto";

/// One trusted address or network (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Network, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(
            addr.trim()
                .parse::<IpAddr>()
                .map_err(|_| format!("`{s}` is not an IP address or CIDR network"))?,
        );
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has a prefix length outside 0-{max}"))?,
        };
        Ok(Network { addr, prefix })
    }
}

/// The reverse proxies whose forwarding headers are believed
/// (`SHOKAI_TRUSTED_PROXIES`, comma-separated); empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Whether the connection from `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(s: &str) -> Result<TrustedProxies, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

/// The client's address: the socket's `peer`, unless `peer` is a trusted
/// proxy; then the rightmost `X-Forwarded-For` hop that is not trusted (or
/// the leftmost hop when every one is trusted). Malformed entries end the
/// walk: what lies left of them cannot be believed either.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.trusts(peer) {
        return peer;
    }
    let hops = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
            break;
        };
        client = ip;
        if !trusted.trusts(ip) {
            break;
        }
    }
    client
}

/// Whether a trusted proxy says it received the request over HTTPS
/// (`X-Forwarded-Proto: https`); from any other peer, `false`.
pub fn forwarded_https(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> bool {
    trusted.trusts(canonical(peer))
        && headers
            .get(FORWARDED_PROTO)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        h
    }

    fn trusted(s: &str) -> TrustedProxies {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = forwarded("203.0.113.7");
        assert_eq!(
            client_addr(ip("198.51.100.1"), &h, &trusted("")),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_addr(ip("198.51.100.1"), &h, &trusted("10.0.0.0/8")),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let t = trusted("10.0.0.0/8, 127.0.0.1");
        // The client forged a first hop; the office proxy appended the real one.
        let h = forwarded("1.2.3.4, 203.0.113.7, 10.1.2.3");
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &t), ip("203.0.113.7"));
        // Several header lines count as one list.
        let mut h = forwarded("1.2.3.4");
        h.append(FORWARDED_FOR, HeaderValue::from_static("203.0.113.9"));
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &t), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_the_client() {
        let t = trusted("127.0.0.1");
        assert_eq!(
            client_addr(ip("127.0.0.1"), &HeaderMap::new(), &t),
            ip("127.0.0.1")
        );
        // Garbage stops the walk at the last good hop.
        let h = forwarded("203.0.113.7, not-an-ip");
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &t), ip("127.0.0.1"));
        // Every hop trusted: the leftmost one.
        let h = forwarded("127.0.0.1");
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &t), ip("127.0.0.1"));
    }

    #[test]
    fn networks_match_by_prefix_and_mapped_addresses_count_as_ipv4() {
        let t = trusted("192.168.1.0/24,fd00::/8");
        assert!(t.trusts(ip("192.168.1.200")));
        assert!(!t.trusts(ip("192.168.2.1")));
        assert!(t.trusts(ip("::ffff:192.168.1.5")));
        assert!(t.trusts(ip("fd12::1")));
        assert!(!t.trusts(ip("fe80::1")));
        assert!(trusted("0.0.0.0/0").trusts(ip("8.8.8.8")));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("localhost".parse::<TrustedProxies>().is_err());
    }

    #[test]
    fn the_forwarded_scheme_is_believed_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert(FORWARDED_PROTO, HeaderValue::from_static("https"));
        assert!(forwarded_https(ip("127.0.0.1"), &h, &trusted("127.0.0.1")));
        assert!(!forwarded_https(ip("127.0.0.1"), &h, &trusted("")));
    }
}
