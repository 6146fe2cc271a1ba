//! A whole CORS policy: Starlette's options, the response headers precomputed from them, and the
//! decisions on a request's origin and on the app's response (a preflight's are in `preflight`).

use std::sync::Arc;

use crate::constants::{names, EDITED_RESPONSE_HEADERS, PREFLIGHT_VARY};
use crate::counters::Counters;
use crate::delegate::Delegate;
use crate::membership::Membership;
use crate::origin::{OriginPolicy, OriginRegex};
use crate::origin_patterns::OriginPatterns;
use crate::request_headers::AllowedHeaders;
use crate::response_headers::{
    plan_response_headers, ExistingHeader, Header, NewHeader, OriginOutcome, Slot, VaryNotBytes,
};

/// Starlette's options, already interpreted with Python's semantics (see `fastcors._config`):
/// memberships, flags, and the exact header values Starlette would send.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "one flag per boolean option of Starlette's")]
pub struct PolicyConfig {
    pub allow_all_origins: bool,
    pub allowed_origins: Membership,
    pub origin_regex: OriginRegex,
    /// The host overrode `is_allowed_origin`: its verdict replaces the origin checks.
    pub origin_judged_by_host: bool,
    pub allowed_methods: Membership,
    pub allow_all_headers: bool,
    pub allowed_headers: AllowedHeaders,
    pub allow_credentials: bool,
    pub allow_private_network: bool,
    /// `Access-Control-Allow-Methods`.
    pub allow_methods_value: Box<[u8]>,
    /// `Access-Control-Allow-Headers`, used unless all headers are allowed.
    pub allow_headers_value: Box<[u8]>,
    /// `Access-Control-Expose-Headers`, when `expose_headers` is truthy.
    pub expose_headers_value: Option<Box<[u8]>>,
    /// `Access-Control-Max-Age`.
    pub max_age_value: Box<[u8]>,
    /// `allow_origin_patterns`, beyond Starlette's options.
    pub origin_patterns: OriginPatterns,
    /// `allow_origin_func` is set: the host asks it about origins the static rules refuse.
    pub asks_origin_func: bool,
}

/// The verdict on a request's origin: settled by the static rules, or up to `allow_origin_func`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginJudgement {
    Settled(bool),
    /// The static rules refuse it; the host must ask `allow_origin_func` (maybe awaiting it).
    AskOriginFunc,
}

/// An immutable CORS policy; shareable across threads. The fields shared with the crate are those
/// a preflight's checks read (`preflight`).
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "independent switches, each from its own option")]
pub struct Policy {
    origins: OriginPolicy,
    origin_judged_by_host: bool,
    asks_origin_func: bool,
    pub(crate) methods: Membership,
    /// `None` when every requested header is allowed (and echoed).
    pub(crate) headers: Option<AllowedHeaders>,
    allow_credentials: bool,
    pub(crate) allow_private_network: bool,
    /// Credentials forbid `*`, so an allowed origin is echoed unless `*` alone is configured.
    pub(crate) echo_preflight_origin: bool,
    preflight_headers: Vec<Header>,
    simple_headers: Vec<Header>,
    /// The response-header edits for each `OriginOutcome` when the app set none of the headers
    /// they touch: then they only append, always these.
    appended_headers: [Vec<NewHeader>; 3],
    /// What the policy served, shared with the policies that replace it.
    counters: Arc<Counters>,
}

impl Policy {
    /// Precomputes every header the policy can send; it counts into counters of its own.
    pub fn new(config: PolicyConfig) -> Self {
        Self::counting_into(config, Arc::default())
    }

    /// Precomputes every header the policy can send; it counts into `counters`, which may be
    /// those of the policy it replaces.
    ///
    /// # Panics
    /// Never: planning the edits of an empty header list reads no app value.
    pub fn counting_into(config: PolicyConfig, counters: Arc<Counters>) -> Self {
        let echo_preflight_origin = !config.allow_all_origins || config.allow_credentials;

        let mut simple_headers = Vec::new();
        if config.allow_all_origins {
            simple_headers.push(Header::new(names::ALLOW_ORIGIN, *b"*"));
        }
        if config.allow_credentials {
            simple_headers.push(Header::new(names::ALLOW_CREDENTIALS, *b"true"));
        }
        if let Some(exposed) = config.expose_headers_value {
            simple_headers.push(Header::new(names::EXPOSE_HEADERS, exposed));
        }

        let mut preflight_headers = vec![Header::new(names::VARY, PREFLIGHT_VARY)];
        if !echo_preflight_origin {
            preflight_headers.push(Header::new(names::ALLOW_ORIGIN, *b"*"));
        }
        preflight_headers.push(Header::new(names::ALLOW_METHODS, config.allow_methods_value));
        preflight_headers.push(Header::new(names::MAX_AGE, config.max_age_value));
        if !config.allow_all_headers {
            preflight_headers.push(Header::new(names::ALLOW_HEADERS, config.allow_headers_value));
        }
        if config.allow_credentials {
            preflight_headers.push(Header::new(names::ALLOW_CREDENTIALS, *b"true"));
        }

        let appended = |outcome| {
            plan_response_headers(&[], &simple_headers, outcome)
                .expect("no app headers, so no app value to read")
                .into_iter()
                .map(|slot| match slot {
                    Slot::New(header) => header,
                    Slot::Existing(_) => unreachable!("no app headers to keep"),
                })
                .collect()
        };
        let appended_headers = [
            appended(OriginOutcome::Absent),
            appended(OriginOutcome::NotEchoed),
            appended(OriginOutcome::Echoed),
        ];

        Self {
            origin_judged_by_host: config.origin_judged_by_host,
            asks_origin_func: config.asks_origin_func,
            origins: OriginPolicy {
                allow_all: config.allow_all_origins,
                patterns: config.origin_patterns,
                regex: config.origin_regex,
                listed: config.allowed_origins,
            },
            methods: config.allowed_methods,
            headers: (!config.allow_all_headers).then_some(config.allowed_headers),
            allow_credentials: config.allow_credentials,
            allow_private_network: config.allow_private_network,
            echo_preflight_origin,
            preflight_headers,
            simple_headers,
            appended_headers,
            counters,
        }
    }

    /// What the policy served.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Whether the response-header edits read or replace a header of this name.
    pub fn edits_response_header(name: &[u8]) -> bool {
        EDITED_RESPONSE_HEADERS.contains(&name)
    }

    /// The headers the edits append to a response whose app set none of the headers they touch.
    pub fn appended_headers(&self, outcome: OriginOutcome) -> &[NewHeader] {
        let index = match outcome {
            OriginOutcome::Absent => 0,
            OriginOutcome::NotEchoed => 1,
            OriginOutcome::Echoed => 2,
        };
        &self.appended_headers[index]
    }

    /// The headers every preflight response starts with.
    pub fn preflight_headers(&self) -> &[Header] {
        &self.preflight_headers
    }

    /// The headers set on every response to a request with an `Origin`.
    pub fn simple_headers(&self) -> &[Header] {
        &self.simple_headers
    }

    /// Which engine evaluates `allow_origin_regex`.
    pub fn origin_regex_engine(&self) -> Option<&'static str> {
        self.origins.regex.engine()
    }

    /// Whether requests ask the host's `is_allowed_origin` instead of the origin checks.
    pub fn origin_judged_by_host(&self) -> bool {
        self.origin_judged_by_host
    }

    /// Starlette's own `is_allowed_origin`, whether or not the host overrode it.
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn is_allowed_origin<D: Delegate>(&self, origin: &[u8], delegate: &D) -> Result<bool, D::Error> {
        self.origins.is_allowed(origin, delegate)
    }

    /// Whether responses may be shared with a request's `Origin`: every origin with `*`, otherwise
    /// the origin check requests get.
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn request_origin_allowed<D: Delegate>(&self, origin: &[u8], delegate: &D) -> Result<bool, D::Error> {
        if self.origins.allow_all {
            return Ok(true);
        }
        self.judge_origin(origin, delegate)
    }

    /// The origin check requests get: the host's override of `is_allowed_origin` where there is one.
    pub(crate) fn judge_origin<D: Delegate>(&self, origin: &[u8], delegate: &D) -> Result<bool, D::Error> {
        if self.origin_judged_by_host {
            return delegate.origin_judged(origin);
        }
        self.origins.is_allowed(origin, delegate)
    }

    /// The origin check of a preflight, or of a simple request whose origin is not allowed by
    /// `*`: the static rules, then (when they refuse it) `allow_origin_func`, if configured.
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn judge_request_origin<D: Delegate>(
        &self,
        origin: &[u8],
        delegate: &D,
    ) -> Result<OriginJudgement, D::Error> {
        if self.judge_origin(origin, delegate)? {
            return Ok(OriginJudgement::Settled(true));
        }
        Ok(if self.asks_origin_func {
            OriginJudgement::AskOriginFunc
        } else {
            OriginJudgement::Settled(false)
        })
    }

    /// Whether a simple request's outcome still waits for `allow_origin_func`: its origin is
    /// present, refused by the static rules, and not covered by `*`.
    pub fn simple_asks_origin_func(&self, outcome: OriginOutcome) -> bool {
        self.asks_origin_func && !self.origins.allow_all && outcome == OriginOutcome::NotEchoed
    }

    /// Whether a request's `Origin`, present and not echoed, is one the policy refuses (with `*`
    /// and no credentials an origin is not echoed, yet allowed).
    pub fn refuses_origin(&self, outcome: OriginOutcome) -> bool {
        outcome == OriginOutcome::NotEchoed && !self.origins.allow_all
    }

    /// What a request's `Origin` does to the response the app makes, by the static rules (see
    /// `simple_asks_origin_func`).
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn origin_outcome<D: Delegate>(
        &self,
        origin: Option<&[u8]>,
        delegate: &D,
    ) -> Result<OriginOutcome, D::Error> {
        let Some(origin) = origin else {
            return Ok(OriginOutcome::Absent);
        };
        let echoed = if self.origins.allow_all {
            // Credentials forbid `*`, so the origin is echoed instead.
            self.allow_credentials
        } else {
            self.judge_origin(origin, delegate)?
        };
        Ok(if echoed { OriginOutcome::Echoed } else { OriginOutcome::NotEchoed })
    }

    /// Plans the edits of the app's response headers.
    ///
    /// # Errors
    /// `VaryNotBytes` when an app's `Vary` value is not bytes.
    pub fn plan_response_headers(
        &self,
        existing: &[ExistingHeader<'_>],
        outcome: OriginOutcome,
    ) -> Result<Vec<Slot>, VaryNotBytes> {
        plan_response_headers(existing, &self.simple_headers, outcome)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::delegate::NoDelegate;

    pub(crate) fn config() -> PolicyConfig {
        PolicyConfig {
            allow_all_origins: false,
            allowed_origins: Membership::exact([&b"https://example.org"[..]]),
            origin_regex: OriginRegex::Absent,
            origin_judged_by_host: false,
            allowed_methods: Membership::exact([&b"GET"[..], b"POST"]),
            allow_all_headers: false,
            allowed_headers: AllowedHeaders::new([
                &b"accept"[..],
                b"accept-language",
                b"content-language",
                b"content-type",
                b"x-token",
            ]),
            allow_credentials: false,
            allow_private_network: false,
            allow_methods_value: (*b"GET, POST").into(),
            allow_headers_value: (*b"Accept, Accept-Language, Content-Language, Content-Type, X-Token")
                .into(),
            expose_headers_value: None,
            max_age_value: (*b"600").into(),
            origin_patterns: OriginPatterns::default(),
            asks_origin_func: false,
        }
    }

    #[test]
    fn origin_outcomes_for_simple_requests() {
        let policy = Policy::new(config());
        assert_eq!(policy.origin_outcome(None, &NoDelegate), Ok(OriginOutcome::Absent));
        assert_eq!(
            policy.origin_outcome(Some(b"https://example.org"), &NoDelegate),
            Ok(OriginOutcome::Echoed)
        );
        assert_eq!(
            policy.origin_outcome(Some(b"https://evil.com"), &NoDelegate),
            Ok(OriginOutcome::NotEchoed)
        );
        let wildcard = Policy::new(PolicyConfig { allow_all_origins: true, ..config() });
        assert_eq!(
            wildcard.origin_outcome(Some(b"https://any.net"), &NoDelegate),
            Ok(OriginOutcome::NotEchoed)
        );
    }

    #[test]
    fn a_request_origin_is_allowed_when_listed_or_when_every_origin_is() {
        let policy = Policy::new(config());
        assert_eq!(policy.request_origin_allowed(b"https://example.org", &NoDelegate), Ok(true));
        assert_eq!(policy.request_origin_allowed(b"https://evil.com", &NoDelegate), Ok(false));
        let wildcard = Policy::new(PolicyConfig { allow_all_origins: true, ..config() });
        assert_eq!(wildcard.request_origin_allowed(b"https://evil.com", &NoDelegate), Ok(true));
    }

    #[test]
    fn the_origin_func_is_asked_only_when_the_static_rules_refuse() {
        let policy = Policy::new(PolicyConfig { asks_origin_func: true, ..config() });
        assert_eq!(
            policy.judge_request_origin(b"https://example.org", &NoDelegate),
            Ok(OriginJudgement::Settled(true))
        );
        assert_eq!(
            policy.judge_request_origin(b"https://other.org", &NoDelegate),
            Ok(OriginJudgement::AskOriginFunc)
        );
        assert!(policy.simple_asks_origin_func(OriginOutcome::NotEchoed));
        assert!(!policy.simple_asks_origin_func(OriginOutcome::Echoed));
        let without = Policy::new(config());
        assert_eq!(
            without.judge_request_origin(b"https://other.org", &NoDelegate),
            Ok(OriginJudgement::Settled(false))
        );
        assert!(!without.simple_asks_origin_func(OriginOutcome::NotEchoed));
    }

    #[test]
    fn the_origin_func_is_never_asked_when_every_origin_is_allowed() {
        let policy =
            Policy::new(PolicyConfig { allow_all_origins: true, asks_origin_func: true, ..config() });
        assert!(!policy.simple_asks_origin_func(OriginOutcome::NotEchoed));
        assert_eq!(
            policy.judge_request_origin(b"https://any.net", &NoDelegate),
            Ok(OriginJudgement::Settled(true))
        );
    }

    #[test]
    fn expose_headers_join_the_simple_headers_after_credentials() {
        let policy = Policy::new(PolicyConfig {
            allow_credentials: true,
            expose_headers_value: Some((*b"X-A, X-B").into()),
            ..config()
        });
        assert_eq!(
            policy.simple_headers(),
            [
                Header::new(names::ALLOW_CREDENTIALS, *b"true"),
                Header::new(names::EXPOSE_HEADERS, *b"X-A, X-B")
            ]
        );
    }
}
