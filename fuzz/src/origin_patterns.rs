//! A naive reference for `allow_origin_patterns`: each pattern on its own, by plain string
//! operations on the Origin, with none of the core's indexing.

use _fastcors::origin_patterns::{Pattern, PortRule};

/// The Origin's parts as a browser would have serialised them, or `None` for anything else.
struct Serialised<'a> {
    scheme: &'a [u8],
    host: &'a [u8],
    port: Option<u32>,
}

fn serialised(origin: &[u8]) -> Option<Serialised<'_>> {
    let text = std::str::from_utf8(origin).ok()?;
    let (scheme, authority) = text.split_once("://")?;
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, after) = authority.split_at(end + 1);
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = if host.starts_with('[') {
        host.len() > 2 && host[1..host.len() - 1].chars().all(|c| "0123456789abcdef:.".contains(c))
    } else {
        host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
    };
    if !host_ok {
        return None;
    }
    let default = match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    };
    let port = match port {
        None => None,
        Some(digits) => {
            if digits.is_empty() || digits.len() > 5 || digits.starts_with('0') {
                return None;
            }
            let port: u32 = digits.parse().ok()?;
            if !(1..=65535).contains(&port)
                || Some(port) == default
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            Some(port)
        }
    };
    Some(Serialised { scheme: scheme.as_bytes(), host: host.as_bytes(), port })
}

/// Whether one parsed pattern matches the Origin.
pub fn reference_pattern_matches(pattern: &Pattern<'_>, origin: &[u8]) -> bool {
    let Some(origin) = serialised(origin) else { return false };
    if origin.scheme != pattern.scheme {
        return false;
    }
    let port_ok = match (pattern.port, origin.port) {
        (PortRule::Default, None) | (PortRule::Any, Some(_)) => true,
        (PortRule::Exact(wanted), Some(port)) => u32::from(wanted) == port,
        _ => false,
    };
    if !port_ok {
        return false;
    }
    if !pattern.wildcard {
        return origin.host == pattern.host;
    }
    if origin.host.first() == Some(&b'[') {
        return false;
    }
    let suffix = [b".", pattern.host].concat();
    origin.host.len() > suffix.len() && origin.host.ends_with(&suffix)
}
