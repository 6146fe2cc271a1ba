//! `allow_origin_patterns`: origins given as `https://*.example.com` or `http://localhost:*`.
//!
//! A pattern is `scheme://host[:port]`. `*.` as the leftmost label stands for one or more whole
//! DNS labels; `:*` for any explicit port. The scheme is exact, and without a port only the
//! scheme's default (an Origin without a port) matches. Origins are matched as browsers serialise
//! them; anything else matches nothing.
//!
//! No regex: the wildcard patterns' suffixes form a tree keyed by label, walked from the right of
//! the Origin's host with one hash lookup per label, so matching is linear in the Origin's length
//! whatever the number of patterns. `fastcors._origin_patterns` validates the patterns with
//! messages for people and is the pure-Python twin; this parser only refuses what it cannot mean.

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};

// Built from the patterns, then only looked up: a fixed seed (see `membership`).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::FixedState>;
type HashSet<T> = StdHashSet<T, foldhash::fast::FixedState>;

/// The port part of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortRule {
    /// No port in the pattern: only an Origin without a port (the scheme's default).
    Default,
    /// `:*`: any explicit port.
    Any,
    /// One explicit port.
    Exact(u16),
}

/// A pattern the parser refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: Vec<u8>,
    pub reason: &'static str,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "allow_origin_patterns contains {:?}: {}",
            String::from_utf8_lossy(&self.pattern),
            self.reason
        )
    }
}

/// One parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern<'a> {
    pub scheme: &'a [u8],
    /// The host, or the suffix after `*.` when `wildcard`.
    pub host: &'a [u8],
    pub wildcard: bool,
    pub port: PortRule,
}

impl<'a> Pattern<'a> {
    /// Parses and checks a pattern.
    ///
    /// # Errors
    /// Anything but `scheme://host[:port]` with a lowercase scheme and host, the wildcard only as
    /// the leftmost label of a host of two labels or more, and a port from 1 to 65535 that is not
    /// the scheme's default.
    pub fn parse(pattern: &'a [u8]) -> Result<Self, PatternError> {
        let error = |reason| PatternError { pattern: pattern.to_vec(), reason };
        let Some(at) = find(pattern, b"://") else {
            return Err(error("no scheme"));
        };
        let (scheme, authority) = (&pattern[..at], &pattern[at + 3..]);
        if !is_scheme(scheme) {
            return Err(error("not a lowercase scheme"));
        }
        let (host, port) = split_port(authority).ok_or_else(|| error("not a host and port"))?;
        let port = match port {
            None => PortRule::Default,
            Some(b"*") => PortRule::Any,
            Some(digits) => {
                let port = parse_port(digits).ok_or_else(|| error("not a port from 1 to 65535"))?;
                if default_port(scheme) == Some(port) {
                    return Err(error("the scheme's default port"));
                }
                PortRule::Exact(port)
            }
        };
        let (wildcard, host) = match host.strip_prefix(b"*.") {
            Some(suffix) => (true, suffix),
            None => (false, host),
        };
        if wildcard {
            if !is_dns_host(host) || !host.contains(&b'.') {
                return Err(error("'*.' must prefix a host name of two labels or more"));
            }
        } else if !is_dns_host(host) && !is_ipv6_host(host) {
            return Err(error("not a lowercase host"));
        }
        Ok(Self { scheme, host, wildcard, port })
    }
}

/// A node of the suffix tree: the labels further left, and the `(scheme, port)` of the patterns
/// whose suffix ends here.
#[derive(Debug, Clone, Default)]
struct Node {
    children: HashMap<Box<[u8]>, Node>,
    rules: Vec<(Box<[u8]>, PortRule)>,
}

impl Node {
    fn allows(&self, scheme: &[u8], port: Option<u16>) -> bool {
        self.rules.iter().any(|(rule_scheme, rule_port)| {
            &**rule_scheme == scheme
                && match (rule_port, port) {
                    (PortRule::Default, None) | (PortRule::Any, Some(_)) => true,
                    (PortRule::Exact(wanted), Some(port)) => *wanted == port,
                    _ => false,
                }
        })
    }
}

/// The patterns, indexed for matching.
#[derive(Debug, Clone, Default)]
pub struct OriginPatterns {
    /// Whole origins, for patterns without `*`.
    exact: HashSet<Box<[u8]>>,
    /// `scheme://host` of the patterns `scheme://host:*`.
    any_port: HashSet<Box<[u8]>>,
    /// The wildcard patterns' suffixes, label by label from the right.
    tree: Node,
    wildcards: bool,
}

impl OriginPatterns {
    /// Indexes the patterns.
    ///
    /// # Errors
    /// The first pattern `Pattern::parse` refuses.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, PatternError> {
        let mut built = Self { exact: HashSet::default(), any_port: HashSet::default(), ..Self::default() };
        for pattern in patterns {
            let parsed = Pattern::parse(pattern)?;
            if !parsed.wildcard {
                if parsed.port == PortRule::Any {
                    built.any_port.insert([parsed.scheme, b"://", parsed.host].concat().into());
                } else {
                    built.exact.insert(pattern.into());
                }
                continue;
            }
            let mut node = &mut built.tree;
            for label in parsed.host.rsplit(|&byte| byte == b'.') {
                node = node.children.entry(label.into()).or_default();
            }
            let rule = (Box::from(parsed.scheme), parsed.port);
            if !node.rules.contains(&rule) {
                node.rules.push(rule);
            }
            built.wildcards = true;
        }
        Ok(built)
    }

    /// Whether there is no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.any_port.is_empty() && !self.wildcards
    }

    /// Whether a pattern matches `origin`, as a browser would have serialised it.
    pub fn matches(&self, origin: &[u8]) -> bool {
        if self.is_empty() {
            return false;
        }
        if self.exact.contains(origin) {
            return true;
        }
        let Some(at) = find(origin, b"://") else { return false };
        let (scheme, authority) = (&origin[..at], &origin[at + 3..]);
        let Some((host, port_text)) = split_port(authority) else { return false };
        let ipv6 = is_ipv6_host(host);
        if !ipv6 && !is_dns_host(host) {
            return false;
        }
        let port = match port_text {
            None => None,
            Some(digits) => match parse_port(digits) {
                Some(port) if default_port(scheme) != Some(port) => Some(port),
                _ => return false,
            },
        };
        if port.is_some() && !self.any_port.is_empty() {
            let key = [scheme, b"://", host].concat();
            if self.any_port.contains(key.as_slice()) {
                return true;
            }
        }
        if !self.wildcards || ipv6 {
            return false;
        }
        let mut node = &self.tree;
        // At least one label must stay on the left of the suffix: `*.` stands for one or more.
        let mut labels = host.rsplit(|&byte| byte == b'.').peekable();
        while let Some(label) = labels.next() {
            if labels.peek().is_none() {
                return false;
            }
            let Some(child) = node.children.get(label) else { return false };
            node = child;
            if node.allows(scheme, port) {
                return true;
            }
        }
        false
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// `[a-z][a-z0-9+.-]*`.
fn is_scheme(scheme: &[u8]) -> bool {
    matches!(scheme.first(), Some(b'a'..=b'z'))
        && scheme.iter().all(|&byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'.' | b'-'))
}

/// Labels of `[a-z0-9_-]`, each non-empty, separated by single dots.
fn is_dns_host(host: &[u8]) -> bool {
    !host.is_empty()
        && host.split(|&byte| byte == b'.').all(|label| {
            !label.is_empty()
                && label.iter().all(|&byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
        })
}

/// `[` then `[0-9a-f:.]+` then `]`.
fn is_ipv6_host(host: &[u8]) -> bool {
    host.len() > 2
        && host[0] == b'['
        && host[host.len() - 1] == b']'
        && host[1..host.len() - 1].iter().all(|&byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.'))
}

/// The host and the text after its `:`, if any. For an IPv6 host the port follows the `]`.
fn split_port(authority: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    if authority.first() == Some(&b'[') {
        let end = authority.iter().position(|&byte| byte == b']')? + 1;
        return match &authority[end..] {
            [] => Some((&authority[..end], None)),
            [b':', port @ ..] => Some((&authority[..end], Some(port))),
            _ => None,
        };
    }
    Some(match authority.iter().position(|&byte| byte == b':') {
        Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
        None => (authority, None),
    })
}

/// `[1-9][0-9]{0,4}` up to 65535: a port as browsers write it.
fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u16, |port, &digit| port.checked_mul(10)?.checked_add(u16::from(digit - b'0')))
}

/// The port browsers leave out of an Origin of this scheme.
fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(patterns: &[&str]) -> OriginPatterns {
        OriginPatterns::new(patterns.iter().map(|pattern| pattern.as_bytes())).unwrap()
    }

    fn matching(patterns: &OriginPatterns, origins: &[&str]) -> Vec<bool> {
        origins.iter().map(|origin| patterns.matches(origin.as_bytes())).collect()
    }

    #[test]
    fn a_leading_wildcard_stands_for_one_or_more_whole_labels() {
        let subdomains = patterns(&["https://*.example.com"]);
        assert_eq!(
            matching(&subdomains, &["https://a.example.com", "https://a.b.example.com"]),
            [true, true]
        );
    }

    #[test]
    fn a_leading_wildcard_refuses_the_apex_and_lookalikes() {
        let subdomains = patterns(&["https://*.example.com"]);
        let refused = [
            "https://example.com",
            "https://evil-example.com",
            "https://a.example.com.evil.io",
            "https://.example.com",
            "https://a.example.comx",
            "https://a..example.com",
            "http://a.example.com",
            "https://a.example.com:8443",
        ];
        assert_eq!(matching(&subdomains, &refused), [false; 8]);
    }

    #[test]
    fn a_port_wildcard_stands_for_any_explicit_port_only() {
        let local = patterns(&["http://localhost:*"]);
        assert_eq!(
            matching(&local, &["http://localhost:1", "http://localhost:65535", "http://localhost"]),
            [true, true, false]
        );
        assert_eq!(
            matching(&local, &["http://localhost:0", "http://localhost:65536", "http://localhost:080"]),
            [false, false, false]
        );
        assert_eq!(matching(&local, &["http://localhost:80", "https://localhost:3000"]), [false, false]);
    }

    #[test]
    fn origins_not_serialised_as_browsers_do_match_nothing() {
        let subdomains = patterns(&["https://*.example.com", "https://*.example.com:*"]);
        let odd = [
            "https://A.example.com",
            "https://a.example.com.",
            "https://a.example.com/",
            "HTTPS://a.example.com",
            "https://a.example.com:443",
            "https://a.example.com:",
            "https://user@a.example.com",
        ];
        assert_eq!(matching(&subdomains, &odd), [false; 7]);
    }

    #[test]
    fn wildcards_combine_with_exact_and_any_ports() {
        let both = patterns(&["https://*.example.com:*", "https://*.example.com:8443"]);
        assert_eq!(matching(&both, &["https://a.example.com:8443", "https://a.example.com:1"]), [true, true]);
        let one = patterns(&["https://*.example.com:8443"]);
        assert_eq!(
            matching(&one, &["https://a.example.com:8443", "https://a.example.com:8444"]),
            [true, false]
        );
    }

    #[test]
    fn exact_patterns_match_exactly() {
        let exact = patterns(&["https://example.com", "http://[::1]:*", "http://127.0.0.1:8000"]);
        assert_eq!(
            matching(&exact, &["https://example.com", "http://[::1]:5173", "http://127.0.0.1:8000"]),
            [true, true, true]
        );
        assert_eq!(
            matching(&exact, &["https://a.example.com", "http://[::1]", "http://127.0.0.1"]),
            [false, false, false]
        );
    }

    #[test]
    fn nested_suffixes_each_keep_their_scheme() {
        let nested = patterns(&["https://*.example.com", "http://*.dev.example.com"]);
        assert_eq!(
            matching(
                &nested,
                &["http://a.dev.example.com", "https://a.dev.example.com", "http://a.example.com"]
            ),
            [true, true, false]
        );
    }

    #[test]
    fn the_parser_refuses_what_it_cannot_mean() {
        for bad in [
            "*",
            "https://*",
            "https://*.com",
            "example.com",
            "HTTPS://example.com",
            "https://Example.com",
            "https://example.com/",
            "https://a.*.example.com",
            "https://*a.example.com",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:443",
            "https://example.com:08080",
            "https://example.com.",
            "https://*.[::1]",
        ] {
            assert!(Pattern::parse(bad.as_bytes()).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn a_hostile_origin_costs_one_pass() {
        let many: Vec<String> =
            (0..1000).map(|index| format!("https://*.tenant{index}.example.com")).collect();
        let patterns = OriginPatterns::new(many.iter().map(String::as_bytes)).unwrap();
        let mut hostile = b"https://".to_vec();
        for _ in 0..20_000 {
            hostile.extend_from_slice(b"a.");
        }
        hostile.extend_from_slice(b"tenant999.example.com");
        assert!(patterns.matches(&hostile));
        assert!(!patterns.matches(&hostile[..hostile.len() - 1]));
    }
}
