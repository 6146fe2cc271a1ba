//! The constants both cores share, in one table: header names, the fixed header values and bodies
//! of Starlette's responses, the failure bits of a preflight, and the bounds of the memos.
//!
//! `fastcors._fastcors.CONSTANTS` hands [`TABLE`] to Python, and `fastcors._constants` holds the
//! same table for the pure-Python core; `tests/parity/test_constants.py` fails when the two differ.

/// Lowercase header names, as Starlette reads and writes them.
pub mod names {
    pub const ORIGIN: &[u8] = b"origin";
    pub const REQUEST_METHOD: &[u8] = b"access-control-request-method";
    pub const REQUEST_HEADERS: &[u8] = b"access-control-request-headers";
    pub const REQUEST_PRIVATE_NETWORK: &[u8] = b"access-control-request-private-network";
    pub const VARY: &[u8] = b"vary";
    pub const ALLOW_ORIGIN: &[u8] = b"access-control-allow-origin";
    pub const ALLOW_CREDENTIALS: &[u8] = b"access-control-allow-credentials";
    pub const EXPOSE_HEADERS: &[u8] = b"access-control-expose-headers";
    pub const ALLOW_METHODS: &[u8] = b"access-control-allow-methods";
    pub const ALLOW_HEADERS: &[u8] = b"access-control-allow-headers";
    pub const MAX_AGE: &[u8] = b"access-control-max-age";
    pub const ALLOW_PRIVATE_NETWORK: &[u8] = b"access-control-allow-private-network";
    pub const CONTENT_LENGTH: &[u8] = b"content-length";
    pub const CONTENT_TYPE: &[u8] = b"content-type";
}

/// The request headers a preflight reads, in the order their values are checked.
pub const PREFLIGHT_REQUEST_HEADERS: [&[u8]; 4] =
    [names::ORIGIN, names::REQUEST_METHOD, names::REQUEST_HEADERS, names::REQUEST_PRIVATE_NETWORK];

/// The response headers the edits read or replace; the app's others are left where they are.
pub const EDITED_RESPONSE_HEADERS: [&[u8]; 4] =
    [names::VARY, names::ALLOW_ORIGIN, names::ALLOW_CREDENTIALS, names::EXPOSE_HEADERS];

/// What every preflight varies on, in Starlette's words.
pub const PREFLIGHT_VARY: &[u8] = b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
Access-Control-Request-Private-Network";

/// `PlainTextResponse`'s content type.
pub const PLAIN_TEXT: &[u8] = b"text/plain; charset=utf-8";

/// The checks of a preflight, one bit each, in Starlette's reporting order.
pub const FAILURE_ORIGIN: u8 = 1;
pub const FAILURE_METHOD: u8 = 2;
pub const FAILURE_HEADERS: u8 = 4;
pub const FAILURE_PRIVATE_NETWORK: u8 = 8;

/// The checks' names in a refused preflight's body, bit by bit.
pub const FAILURE_NAMES: [&str; 4] = ["origin", "method", "headers", "private-network"];

/// Preflight bodies, indexed by the failure bits.
pub const PREFLIGHT_BODIES: [&[u8]; 16] = [
    b"OK",
    b"Disallowed CORS origin",
    b"Disallowed CORS method",
    b"Disallowed CORS origin, method",
    b"Disallowed CORS headers",
    b"Disallowed CORS origin, headers",
    b"Disallowed CORS method, headers",
    b"Disallowed CORS origin, method, headers",
    b"Disallowed CORS private-network",
    b"Disallowed CORS origin, private-network",
    b"Disallowed CORS method, private-network",
    b"Disallowed CORS origin, method, private-network",
    b"Disallowed CORS headers, private-network",
    b"Disallowed CORS origin, headers, private-network",
    b"Disallowed CORS method, headers, private-network",
    b"Disallowed CORS origin, method, headers, private-network",
];

/// How many verdicts a memo keeps, and the longest value kept: browsers send a handful of short
/// origins and requested-header lists; a client sending endless new or huge ones only stops the
/// memo growing.
pub const MEMO_SIZE: usize = 512;
pub const MEMO_LONGEST_VALUE: usize = 512;

/// The keys of a policy's counters (`counters`), in the order a snapshot lists them.
pub const COUNTER_NAMES: [&str; 15] = [
    "requests",
    "no_origin",
    "simple_allowed",
    "simple_refused",
    "preflight_allowed",
    "preflight_refused",
    "preflight_refused_origin",
    "preflight_refused_method",
    "preflight_refused_headers",
    "preflight_refused_private_network",
    "websocket_refused",
    "origin_func_calls",
    "origin_func_cache_hits",
    "origin_func_errors",
    "shadow_differences",
];

/// A constant's value, as another language reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Bytes(&'static [u8]),
    Number(usize),
    BytesList(&'static [&'static [u8]]),
    Words(&'static [&'static str]),
}

/// Every constant above, by its name.
pub const TABLE: [(&str, Shared); 27] = [
    ("ORIGIN", Shared::Bytes(names::ORIGIN)),
    ("REQUEST_METHOD", Shared::Bytes(names::REQUEST_METHOD)),
    ("REQUEST_HEADERS", Shared::Bytes(names::REQUEST_HEADERS)),
    ("REQUEST_PRIVATE_NETWORK", Shared::Bytes(names::REQUEST_PRIVATE_NETWORK)),
    ("VARY", Shared::Bytes(names::VARY)),
    ("ALLOW_ORIGIN", Shared::Bytes(names::ALLOW_ORIGIN)),
    ("ALLOW_CREDENTIALS", Shared::Bytes(names::ALLOW_CREDENTIALS)),
    ("EXPOSE_HEADERS", Shared::Bytes(names::EXPOSE_HEADERS)),
    ("ALLOW_METHODS", Shared::Bytes(names::ALLOW_METHODS)),
    ("ALLOW_HEADERS", Shared::Bytes(names::ALLOW_HEADERS)),
    ("MAX_AGE", Shared::Bytes(names::MAX_AGE)),
    ("ALLOW_PRIVATE_NETWORK", Shared::Bytes(names::ALLOW_PRIVATE_NETWORK)),
    ("CONTENT_LENGTH", Shared::Bytes(names::CONTENT_LENGTH)),
    ("CONTENT_TYPE", Shared::Bytes(names::CONTENT_TYPE)),
    ("PREFLIGHT_REQUEST_HEADERS", Shared::BytesList(&PREFLIGHT_REQUEST_HEADERS)),
    ("EDITED_RESPONSE_HEADERS", Shared::BytesList(&EDITED_RESPONSE_HEADERS)),
    ("PREFLIGHT_VARY", Shared::Bytes(PREFLIGHT_VARY)),
    ("PLAIN_TEXT", Shared::Bytes(PLAIN_TEXT)),
    ("FAILURE_ORIGIN", Shared::Number(FAILURE_ORIGIN as usize)),
    ("FAILURE_METHOD", Shared::Number(FAILURE_METHOD as usize)),
    ("FAILURE_HEADERS", Shared::Number(FAILURE_HEADERS as usize)),
    ("FAILURE_PRIVATE_NETWORK", Shared::Number(FAILURE_PRIVATE_NETWORK as usize)),
    ("FAILURE_NAMES", Shared::Words(&FAILURE_NAMES)),
    ("PREFLIGHT_BODIES", Shared::BytesList(&PREFLIGHT_BODIES)),
    ("MEMO_SIZE", Shared::Number(MEMO_SIZE)),
    ("MEMO_LONGEST_VALUE", Shared::Number(MEMO_LONGEST_VALUE)),
    ("COUNTER_NAMES", Shared::Words(&COUNTER_NAMES)),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the constants this file declares, read from its own text.
    fn declared() -> Vec<&'static str> {
        include_str!("constants.rs")
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("pub const "))
            .filter_map(|rest| rest.split(':').next())
            .filter(|name| *name != "TABLE")
            .collect()
    }

    #[test]
    fn the_table_holds_every_constant_once() {
        let mut listed: Vec<&str> = TABLE.iter().map(|(name, _)| *name).collect();
        let mut declared = declared();
        listed.sort_unstable();
        declared.sort_unstable();
        assert_eq!(listed, declared);
    }

    #[test]
    fn each_body_names_the_failed_checks_in_order() {
        let bits = [FAILURE_ORIGIN, FAILURE_METHOD, FAILURE_HEADERS, FAILURE_PRIVATE_NETWORK];
        for (index, body) in PREFLIGHT_BODIES.iter().enumerate() {
            let failed: Vec<&str> = bits
                .iter()
                .zip(FAILURE_NAMES)
                .filter(|(bit, _)| index & usize::from(**bit) != 0)
                .map(|(_, name)| name)
                .collect();
            let expected = if failed.is_empty() {
                "OK".to_owned()
            } else {
                format!("Disallowed CORS {}", failed.join(", "))
            };
            assert_eq!(*body, expected.as_bytes(), "failure bits {index}");
        }
    }
}
