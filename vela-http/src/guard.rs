//! The SSRF guard: which addresses are refused by default, the allow-list that lets some
//! through, and the DNS resolver that drops refused addresses before reqwest connects.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use crate::{Error, Result};

/// An allow-list entry: a host name, an address or a CIDR block.
///
/// ```
/// use vela_http::Allow;
/// assert_eq!("10.0.0.0/8".parse::<Allow>().unwrap(), Allow::Net("10.0.0.0".parse().unwrap(), 8));
/// assert_eq!("Registry.Internal".parse::<Allow>().unwrap(), Allow::Host("registry.internal".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    /// A host name (any address it resolves to is allowed).
    Host(String),
    /// An address block.
    Net(IpAddr, u8),
}

impl std::str::FromStr for Allow {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if let Some((ip, bits)) = s.split_once('/') {
            let ip: IpAddr = ip.parse().map_err(|_| format!("{s:?}: invalid address"))?;
            let bits: u8 = bits
                .parse()
                .map_err(|_| format!("{s:?}: invalid prefix length"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(format!("{s:?}: prefix longer than {max}"));
            }
            return Ok(Self::Net(ip, bits));
        }
        if let Ok(ip) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            return Ok(Self::Net(ip, bits));
        }
        if s.is_empty() || s.contains(['/', ' ', ':']) {
            return Err(format!("{s:?}: expected a host name, an address or a CIDR block"));
        }
        Ok(Self::Host(s.to_ascii_lowercase()))
    }
}

fn in_net(addr: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// IPv6 blocks refused by default, each with the kind named in [`Error::Blocked`]. Most of them
/// embed or tunnel to an IPv4 address (or another network) that the IPv4 rules cannot see.
const BLOCKED_V6: [(u128, u8, &str); 9] = [
    // `::a.b.c.d` (deprecated): some stacks still route it to the IPv4 address.
    (0, 96, "IPv4-compatible"),
    // `::ffff:0:a.b.c.d` (SIIT, RFC 6145/2765).
    (0xffff << 48, 96, "IPv4-translated"),
    // RFC 6052 well-known NAT64 prefix and RFC 8215 local-use NAT64.
    (0x0064_ff9b << 96, 96, "NAT64"),
    (0x0064_ff9b_0001 << 80, 48, "NAT64 (local)"),
    // 6to4 (RFC 3056) and Teredo (RFC 4380) tunnel to an embedded IPv4 address.
    (0x2002 << 112, 16, "6to4"),
    (0x2001_0000 << 96, 32, "Teredo"),
    (0xfc00 << 112, 7, "private (unique local)"),
    (0xfe80 << 112, 10, "link-local"),
    // Site-local (RFC 3879 deprecated it, routers may still honour it).
    (0xfec0 << 112, 10, "site-local"),
];

/// Why `addr` is blocked by default, or `None` for a public address.
///
/// ```
/// assert_eq!(vela_http::blocked_kind("127.0.0.1".parse().unwrap()), Some("loopback"));
/// assert_eq!(vela_http::blocked_kind("8.8.8.8".parse().unwrap()), None);
/// ```
#[must_use]
pub fn blocked_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4);
            }
            if v6.is_loopback() {
                return Some("loopback");
            }
            if v6.is_unspecified() {
                return Some("unspecified");
            }
            if v6.is_multicast() {
                return Some("multicast");
            }
            BLOCKED_V6
                .iter()
                .find(|(net, bits, _)| in_net(IpAddr::V6(v6), IpAddr::V6(Ipv6Addr::from(*net)), *bits))
                .map(|(_, _, why)| *why)
        }
    }
}

fn blocked_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let o = v4.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        Some("cloud metadata")
    } else if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_private() {
        Some("private")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("shared (CGNAT)")
    } else if o[0] == 0 || v4.is_broadcast() || o[0] >= 240 {
        Some("reserved")
    } else if v4.is_multicast() {
        Some("multicast")
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        Some("benchmarking")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("IETF protocol")
    } else {
        None
    }
}

/// The allow-list and the default block-list, checked on every resolved address.
#[derive(Debug)]
pub(crate) struct Guard {
    pub(crate) allow: Vec<Allow>,
}

impl Guard {
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allow
            .iter()
            .any(|a| matches!(a, Allow::Host(h) if *h == host))
    }

    pub(crate) fn check(&self, host: &str, addr: IpAddr) -> Result<()> {
        if self.host_allowed(host)
            || self
                .allow
                .iter()
                .any(|a| matches!(a, Allow::Net(n, b) if in_net(addr, *n, *b)))
        {
            return Ok(());
        }
        match blocked_kind(addr) {
            Some(why) => Err(Error::Blocked {
                host: host.to_owned(),
                addr,
                why,
            }),
            None => Ok(()),
        }
    }
}

/// Resolves names and drops addresses the guard refuses; fails when none is left.
pub(crate) struct GuardedResolver(pub(crate) Arc<Guard>);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut first_err = None;
            let ok: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match guard.check(&host, a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        first_err.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if ok.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> = match first_err {
                    Some(e) => Box::new(e),
                    None => format!("{host} has no address").into(),
                };
                return Err(e);
            }
            Ok(Box::new(ok.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_blocklist_covers_private_loopback_link_local_and_metadata() {
        for (a, why) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("0.0.0.0", "reserved"),
            ("::1", "loopback"),
            ("fd00:ec2::254", "private (unique local)"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("::ffff:0:127.0.0.1", "IPv4-translated"),
            ("::ffff:0:a9fe:a9fe", "IPv4-translated"),
            ("64:ff9b::7f00:1", "NAT64"),
            ("64:ff9b:1::a00:1", "NAT64 (local)"),
            ("64:ff9b:1:ffff::1", "NAT64 (local)"),
            ("2002:7f00:1::", "6to4"),
            ("2002:a9fe:a9fe::1", "6to4"),
            ("2001::1", "Teredo"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("::", "unspecified"),
        ] {
            assert_eq!(blocked_kind(a.parse().unwrap()), Some(why), "{a}");
        }
        // Public, including the neighbours of the blocked IPv6 blocks.
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "2001:1::1",
            "2001:db8::1",
            "2003::1",
            "64:ff9b:2::1",
            "fbff::1",
            "::1:0:0:1",
        ] {
            assert_eq!(blocked_kind(a.parse().unwrap()), None, "{a}");
        }
    }

    #[test]
    fn allow_list_entries_parse() {
        assert_eq!(
            "10.0.0.0/8".parse::<Allow>().unwrap(),
            Allow::Net("10.0.0.0".parse().unwrap(), 8)
        );
        assert_eq!(
            "::1".parse::<Allow>().unwrap(),
            Allow::Net("::1".parse().unwrap(), 128)
        );
        assert_eq!(
            "Hooks.Internal".parse::<Allow>().unwrap(),
            Allow::Host("hooks.internal".into())
        );
        assert!("10.0.0.0/40".parse::<Allow>().is_err());
        let g = Guard {
            allow: vec!["10.0.0.0/8".parse().unwrap()],
        };
        assert!(g.check("x", "10.9.9.9".parse().unwrap()).is_ok());
        assert!(g.check("x", "11.0.0.1".parse().unwrap()).is_ok());
        assert!(g.check("x", "192.168.0.1".parse().unwrap()).is_err());
    }
}
