//! The `net` package: IP addresses and prefixes as Go's `net/netip` reads them, host:port
//! pairs, domain names, URL escaping and URL syntax.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::R;
use super::args::{Args, int, list, s, strs};
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "net.AbsURL",
    "net.FQDN",
    "net.GlobalUnicastIP",
    "net.IP",
    "net.IPCIDR",
    "net.IPString",
    "net.IPv4",
    "net.IPv6",
    "net.InterfaceLocalMulticastIP",
    "net.JoinHostPort",
    "net.LinkLocalMulticastIP",
    "net.LinkLocalUnicastIP",
    "net.LoopbackIP",
    "net.MulticastIP",
    "net.ParseIP",
    "net.PathEscape",
    "net.PathUnescape",
    "net.QueryEscape",
    "net.QueryUnescape",
    "net.SplitHostPort",
    "net.ToIP16",
    "net.ToIP4",
    "net.URL",
    "net.UnspecifiedIP",
];

/// Constants.
pub(crate) const CONSTS: &[(&str, &str)] = &[("net.IPv4len", "4"), ("net.IPv6len", "16")];

/// `netip.ParseAddr` (no zones): dotted IPv4 without leading zeros, or IPv6.
fn parse_addr(x: &str) -> Option<IpAddr> {
    x.parse::<IpAddr>().ok()
}

/// An address argument: a string, bytes holding the text, or a list of 4 or 16 bytes.
fn addr(ctx: &Ctx, v: &Val) -> Option<IpAddr> {
    match v {
        Val::Str(t) => parse_addr(t),
        Val::Bytes(b) => parse_addr(std::str::from_utf8(b).ok()?),
        Val::List(l) => {
            let mut bytes = Vec::new();
            for e in &l.elems {
                match ctx.resolve(e.clone()) {
                    Val::Int(i) if (0..=255).contains(&i) => bytes.push(i as u8),
                    _ => return None,
                }
            }
            match bytes.len() {
                4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
                16 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address (netip's predicates look through it).
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn bytes_list(b: &[u8]) -> Val {
    list(b.iter().map(|x| int(*x)).collect())
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn is_global_unicast(ip: IpAddr) -> bool {
    match unmap(ip) {
        IpAddr::V4(a) => {
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || a.is_link_local()
                || a.is_broadcast())
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_unspecified() || a.is_loopback() || s[0] >> 8 == 0xff || s[0] & 0xffc0 == 0xfe80)
        }
    }
}

/// `netip.ParsePrefix`: an address, `/`, and a decimal prefix length within the address size.
fn parse_prefix(x: &str) -> Result<(), String> {
    let bad = |why: &str| format!("netip.ParsePrefix({x:?}): {why}");
    let (a, bits) = x.split_once('/').ok_or_else(|| bad("no '/'"))?;
    let ip = parse_addr(a).ok_or_else(|| bad("ParseAddr: invalid IP address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let ok = !bits.is_empty()
        && bits.bytes().all(|c| c.is_ascii_digit())
        && (bits == "0" || !bits.starts_with('0'))
        && bits.parse::<u32>().is_ok_and(|b| b <= max);
    if ok {
        Ok(())
    } else {
        Err(bad(&format!("bad bits after slash: {bits:?}")))
    }
}

/// Go's `net.SplitHostPort`.
fn split_host_port(x: &str) -> Result<(String, String), String> {
    let err = |why: &str| format!("address {x}: {why}");
    let i = x.rfind(':').ok_or_else(|| err("missing port in address"))?;
    let (host, port) = (&x[..i], &x[i + 1..]);
    if let Some(h) = host.strip_prefix('[') {
        let h = h.strip_suffix(']').ok_or_else(|| err("missing ']' in address"))?;
        if h.contains(['[', ']']) {
            return Err(err("unexpected '[' in address"));
        }
        return Ok((h.to_string(), port.to_string()));
    }
    if host.contains(':') {
        return Err(err("too many colons in address"));
    }
    if host.contains(['[', ']']) {
        return Err(err("unexpected '[' in address"));
    }
    Ok((host.to_string(), port.to_string()))
}

/// Go's `url.shouldEscape` for a path segment (`path`) or a query component.
fn escape(x: &str, path: bool) -> String {
    let mut out = String::with_capacity(x.len());
    for b in x.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (path && matches!(b, b'$' | b'&' | b'+' | b':' | b'=' | b'@'));
        if keep {
            out.push(b as char);
        } else if b == b' ' && !path {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Go's `url.PathUnescape` / `QueryUnescape` (`+` is a space in a query).
fn unescape(x: &str, query: bool) -> Result<String, String> {
    let b = x.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = x
                    .get(i + 1..i + 3)
                    .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                let Some(h) = hex else {
                    let bad: String = x[i..].chars().take(3).collect();
                    return Err(format!("invalid URL escape {bad:?}"));
                };
                out.push(u8::from_str_radix(h, 16).map_err(|e| e.to_string())?);
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "invalid UTF-8 after unescaping".into())
}

/// A subset of Go's `url.Parse` checks: control characters, `%` escapes, a scheme before the
/// first `:` of a path, a numeric port. Returns whether the URL has a scheme.
fn parse_url(x: &str) -> Result<bool, String> {
    let err = |why: String| format!("parse {x:?}: {why}");
    if x.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err(err("net/url: invalid control character in URL".into()));
    }
    let mut scheme = false;
    let mut rest = x;
    if let Some(i) = x.find(':') {
        let cand = &x[..i];
        let valid = cand.bytes().enumerate().all(|(k, c)| {
            c.is_ascii_alphabetic() || (k > 0 && (c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.')))
        });
        if i == 0 {
            return Err(err("missing protocol scheme".into()));
        }
        if valid && !cand.contains(['/', '?', '#']) {
            scheme = true;
            rest = &x[i + 1..];
        } else if !cand.contains(['/', '?', '#']) {
            return Err(err("first path segment in URL cannot contain colon".into()));
        }
    }
    let before_fragment = rest.split('#').next().unwrap_or_default();
    unescape(before_fragment, false).map_err(err)?;
    if let Some(auth) = rest.strip_prefix("//") {
        let auth = auth.split(['/', '?', '#']).next().unwrap_or_default();
        let host = auth.rsplit('@').next().unwrap_or_default();
        let port = if let Some(h) = host.strip_prefix('[') {
            h.split_once(']').map(|(_, p)| p).unwrap_or_default()
        } else {
            host.rfind(':').map_or("", |i| &host[i..])
        };
        if let Some(p) = port.strip_prefix(':')
            && !p.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(err(format!("invalid port {port:?} after host")));
        }
    }
    Ok(scheme)
}

/// `net.FQDN`: CUE's IDNA lookup profile on an ASCII name: labels of 1 to 63 bytes (trailing
/// dots allowed), no hyphen at either end nor in the third and fourth place unless the label is
/// `xn--` Punycode that decodes, at most 253 bytes in all.
fn fqdn(x: &str) -> bool {
    if x.is_empty() || !x.is_ascii() {
        return false;
    }
    let name = x.trim_end_matches('.');
    name.len() <= 253
        && !name.is_empty()
        && name.split('.').all(|l| {
            let b = l.as_bytes();
            let hyphens34 = b.len() >= 4 && &b[2..4] == b"--";
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && (!hyphens34
                    || l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")) && punycode_ok(&l[4..]))
        })
}

/// Whether `x` is valid Punycode (RFC 3492) that decodes to at least one non-ASCII rune.
fn punycode_ok(x: &str) -> bool {
    let (base, rest) = match x.rfind('-') {
        Some(i) => (&x[..i], &x[i + 1..]),
        None => ("", x),
    };
    let mut out: Vec<u32> = base.bytes().map(u32::from).collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut it = rest.bytes().peekable();
    if it.peek().is_none() {
        return false;
    }
    while it.peek().is_some() {
        let (old, mut w, mut k) = (i, 1u32, 36u32);
        loop {
            let Some(c) = it.next() else { return false };
            let d = match c {
                b'a'..=b'z' => c - b'a',
                b'A'..=b'Z' => c - b'A',
                b'0'..=b'9' => c - b'0' + 26,
                _ => return false,
            } as u32;
            let Some(ni) = d.checked_mul(w).and_then(|x| i.checked_add(x)) else {
                return false;
            };
            i = ni;
            let t = if k <= bias {
                1
            } else if k >= bias + 26 {
                26
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            let Some(nw) = w.checked_mul(36 - t) else {
                return false;
            };
            w = nw;
            k += 36;
        }
        let len = out.len() as u32 + 1;
        let mut delta = if old == 0 { (i - old) / 700 } else { (i - old) / 2 };
        delta += delta / len;
        let mut k = 0;
        while delta > 455 {
            delta /= 35;
            k += 36;
        }
        bias = k + 36 * delta / (delta + 38);
        let Some(nn) = n.checked_add(i / len) else {
            return false;
        };
        n = nn;
        i %= len;
        if char::from_u32(n).is_none() {
            return false;
        }
        out.insert(i as usize, n);
        i += 1;
    }
    out.iter().any(|c| *c >= 0x80)
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let ip = |i: usize| -> Result<Option<IpAddr>, String> { Ok(addr(ctx, a.val(i)?)) };
    let invalid =
        |i: usize| -> Result<String, String> { Ok(format!("invalid IP {}", ctx.describe(a.val(i)?))) };
    Ok(match name.strip_prefix("net.").unwrap_or(name) {
        "IP" => Val::Bool(ip(0)?.is_some()),
        "IPv4" => Val::Bool(matches!(ip(0)?, Some(IpAddr::V4(_)))),
        "IPv6" => Val::Bool(matches!(ip(0)?, Some(IpAddr::V6(_)))),
        "LoopbackIP" => Val::Bool(ip(0)?.is_some_and(|i| unmap(i).is_loopback())),
        "MulticastIP" => Val::Bool(ip(0)?.is_some_and(|i| unmap(i).is_multicast())),
        "UnspecifiedIP" => Val::Bool(ip(0)?.is_some_and(|i| i.is_unspecified())),
        "InterfaceLocalMulticastIP" => {
            Val::Bool(matches!(ip(0)?.map(unmap), Some(IpAddr::V6(a)) if a.segments()[0] & 0xff0f == 0xff01))
        }
        "LinkLocalMulticastIP" => Val::Bool(match ip(0)?.map(unmap) {
            Some(IpAddr::V4(a)) => a.octets()[..3] == [224, 0, 0],
            Some(IpAddr::V6(a)) => a.segments()[0] & 0xff0f == 0xff02,
            None => false,
        }),
        "LinkLocalUnicastIP" => Val::Bool(match ip(0)?.map(unmap) {
            Some(IpAddr::V4(a)) => a.is_link_local(),
            Some(IpAddr::V6(a)) => a.segments()[0] & 0xffc0 == 0xfe80,
            None => false,
        }),
        "GlobalUnicastIP" => Val::Bool(ip(0)?.is_some_and(is_global_unicast)),
        "IPCIDR" => match a.val(0)? {
            Val::Str(t) => {
                parse_prefix(t)?;
                Val::Bool(true)
            }
            Val::Bytes(b) => {
                parse_prefix(&String::from_utf8_lossy(b))?;
                Val::Bool(true)
            }
            // (CUE v0.14.1 accepts any other kind)
            _ => Val::Bool(true),
        },
        "ParseIP" => {
            let x = a.str(0)?;
            bytes_list(&octets(
                parse_addr(&x).ok_or_else(|| format!("invalid IP address {x:?}"))?,
            ))
        }
        "ToIP4" => match ip(0)? {
            Some(IpAddr::V4(v4)) => bytes_list(&v4.octets()),
            Some(other) => return Err(format!("cannot convert {other:?} to IPv4")),
            None => return Err(invalid(0)?),
        },
        "ToIP16" => match ip(0)? {
            Some(IpAddr::V4(v4)) => bytes_list(&v4.to_ipv6_mapped().octets()),
            Some(IpAddr::V6(v6)) => bytes_list(&v6.octets()),
            None => return Err(invalid(0)?),
        },
        "IPString" => match ip(0)? {
            Some(i) => s(i.to_string()),
            None => return Err(invalid(0)?),
        },
        "SplitHostPort" => {
            let (h, p) = split_host_port(&a.str(0)?)?;
            strs([h, p])
        }
        "JoinHostPort" => {
            let host = match a.val(0)? {
                Val::List(_) => {
                    let what = ctx.describe(a.val(0)?);
                    ip(0)?.ok_or_else(|| format!("invalid host {what}"))?.to_string()
                }
                Val::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                _ => a.str(0)?.to_string(),
            };
            let port = match a.val(1)? {
                Val::Str(p) => p.to_string(),
                Val::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                _ => a.int64(1)?.to_string(),
            };
            s(if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            })
        }
        "FQDN" => Val::Bool(fqdn(&a.str(0)?)),
        "PathEscape" => s(escape(&a.str(0)?, true)),
        "QueryEscape" => s(escape(&a.str(0)?, false)),
        "PathUnescape" => s(unescape(&a.str(0)?, false)?),
        "QueryUnescape" => s(unescape(&a.str(0)?, true)?),
        "URL" => {
            parse_url(&a.str(0)?)?;
            Val::Bool(true)
        }
        "AbsURL" => {
            if !parse_url(&a.str(0)?)? {
                return Err("URL is not absolute".into());
            }
            Val::Bool(true)
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_escapes_and_names_follow_go() {
        assert_eq!(split_host_port("[::1]:80").unwrap(), ("::1".into(), "80".into()));
        assert!(split_host_port("a:b:c").is_err());
        assert_eq!(escape("a b/c?d", true), "a%20b%2Fc%3Fd");
        assert_eq!(escape("a b&c", false), "a+b%26c");
        assert_eq!(unescape("a+b%20c", true).unwrap(), "a b c");
        assert!(unescape("%zz", false).is_err());
        assert!(fqdn("example.com") && !fqdn("-a.com") && !fqdn("a..b") && fqdn("a_b.com."));
        assert!(fqdn("xn--nxasmq6b.com") && !fqdn("xn--zz.com") && !fqdn("ab--c.com"));
        assert!(parse_url("https://example.com:8080/x?y#z").unwrap());
        assert!(!parse_url("/relative").unwrap());
        assert!(parse_url(":nope").is_err());
        assert!(parse_prefix("10.0.0.0/8").is_ok() && parse_prefix("10.0.0.0/33").is_err());
    }
}
