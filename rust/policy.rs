//! A whole CORS policy: Starlette's options, the response headers precomputed from them, and the
//! per-request decisions.

use crate::constants::{
    names, EDITED_RESPONSE_HEADERS, FAILURE_HEADERS, FAILURE_METHOD, FAILURE_ORIGIN, FAILURE_PRIVATE_NETWORK,
    PREFLIGHT_BODIES, PREFLIGHT_VARY,
};
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

/// The CORS headers of a preflight, as read from the request (first of each name).
#[derive(Debug, Clone, Copy)]
pub struct PreflightRequest<'a> {
    pub origin: &'a [u8],
    pub method: &'a [u8],
    pub headers: Option<&'a [u8]>,
    pub private_network: bool,
}

/// Which checks of a preflight failed, as bits in Starlette's reporting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures(u8);

impl Failures {
    pub const ORIGIN: Self = Self(FAILURE_ORIGIN);
    pub const METHOD: Self = Self(FAILURE_METHOD);
    pub const HEADERS: Self = Self(FAILURE_HEADERS);
    pub const PRIVATE_NETWORK: Self = Self(FAILURE_PRIVATE_NETWORK);

    fn add_if(&mut self, failed: bool, failure: Self) {
        if failed {
            self.0 |= failure.0;
        }
    }

    pub fn contains(self, failure: Self) -> bool {
        self.0 & failure.0 == failure.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// A number from 0 to 15, one per combination of failures.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// The answer to a preflight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreflightDecision {
    pub failures: Failures,
    /// `Access-Control-Allow-Origin` echoes the request's `Origin`.
    pub echo_origin: bool,
    /// `Access-Control-Allow-Headers` echoes the request's list (all headers allowed).
    pub echo_request_headers: bool,
    /// `Access-Control-Allow-Private-Network: true` is sent.
    pub grant_private_network: bool,
}

impl PreflightDecision {
    pub fn status(self) -> u16 {
        if self.failures.is_empty() {
            200
        } else {
            400
        }
    }

    pub fn body(self) -> &'static [u8] {
        PREFLIGHT_BODIES[self.failures.index()]
    }
}

/// One header of a preflight response, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightPart {
    /// `Policy::preflight_headers()[index]`.
    Static(usize),
    EchoedOrigin,
    EchoedRequestHeaders,
    AllowPrivateNetwork,
    /// The length of `PreflightDecision::body`.
    ContentLength,
    /// `text/plain; charset=utf-8`.
    ContentType,
}

/// An immutable CORS policy; shareable across threads.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "independent switches, each from its own option")]
pub struct Policy {
    origins: OriginPolicy,
    origin_judged_by_host: bool,
    asks_origin_func: bool,
    methods: Membership,
    /// `None` when every requested header is allowed (and echoed).
    headers: Option<AllowedHeaders>,
    allow_credentials: bool,
    allow_private_network: bool,
    /// Credentials forbid `*`, so an allowed origin is echoed unless `*` alone is configured.
    echo_preflight_origin: bool,
    preflight_headers: Vec<Header>,
    simple_headers: Vec<Header>,
    /// The response-header edits for each `OriginOutcome` when the app set none of the headers
    /// they touch: then they only append, always these.
    appended_headers: [Vec<NewHeader>; 3],
}

impl Policy {
    /// Precomputes every header the policy can send.
    ///
    /// # Panics
    /// Never: planning the edits of an empty header list reads no app value.
    pub fn new(config: PolicyConfig) -> Self {
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
        }
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
    fn judge_origin<D: Delegate>(&self, origin: &[u8], delegate: &D) -> Result<bool, D::Error> {
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

    /// Decides a preflight by the static rules alone (no `allow_origin_func`): origin, method,
    /// headers and private network, each checked as Starlette does, every failure reported.
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn preflight<D: Delegate>(
        &self,
        request: &PreflightRequest<'_>,
        delegate: &D,
    ) -> Result<PreflightDecision, D::Error> {
        let origin_allowed = self.judge_origin(request.origin, delegate)?;
        self.preflight_judged(request, origin_allowed, delegate)
    }

    /// Decides a preflight whose origin is already judged.
    ///
    /// # Errors
    /// Only what the delegate returns.
    pub fn preflight_judged<D: Delegate>(
        &self,
        request: &PreflightRequest<'_>,
        origin_allowed: bool,
        delegate: &D,
    ) -> Result<PreflightDecision, D::Error> {
        let method_allowed = match self.methods.contains(request.method) {
            Some(listed) => listed,
            None => delegate.method_listed(request.method)?,
        };
        let mut failures = Failures::default();
        failures.add_if(!origin_allowed, Failures::ORIGIN);
        failures.add_if(!method_allowed, Failures::METHOD);
        let headers_refused = match (&self.headers, request.headers) {
            (Some(allowed), Some(requested)) => !allowed.allows(requested),
            _ => false,
        };
        failures.add_if(headers_refused, Failures::HEADERS);
        failures.add_if(request.private_network && !self.allow_private_network, Failures::PRIVATE_NETWORK);
        Ok(PreflightDecision {
            failures,
            echo_origin: origin_allowed && self.echo_preflight_origin,
            echo_request_headers: self.headers.is_none() && request.headers.is_some(),
            grant_private_network: request.private_network && self.allow_private_network,
        })
    }

    /// The first item of `Access-Control-Request-Headers` the policy refuses, if any: the reason a
    /// preflight's headers failed, worked out only when a refusal is reported.
    pub fn refused_request_header<'a>(&self, requested: &'a [u8]) -> Option<&'a [u8]> {
        self.headers.as_ref().and_then(|allowed| allowed.first_refused(requested))
    }

    /// Whether a request's `Origin`, present and not echoed, is one the policy refuses (with `*`
    /// and no credentials an origin is not echoed, yet allowed).
    pub fn refuses_origin(&self, outcome: OriginOutcome) -> bool {
        outcome == OriginOutcome::NotEchoed && !self.origins.allow_all
    }

    /// The headers of a preflight response, in Starlette's order.
    pub fn preflight_parts(&self, decision: PreflightDecision) -> impl Iterator<Item = PreflightPart> {
        let dynamic = [
            decision.echo_origin.then_some(PreflightPart::EchoedOrigin),
            decision.echo_request_headers.then_some(PreflightPart::EchoedRequestHeaders),
            decision.grant_private_network.then_some(PreflightPart::AllowPrivateNetwork),
        ];
        (0..self.preflight_headers.len())
            .map(PreflightPart::Static)
            .chain(dynamic.into_iter().flatten())
            .chain([PreflightPart::ContentLength, PreflightPart::ContentType])
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
mod tests {
    use super::*;
    use crate::constants::PLAIN_TEXT;
    use crate::delegate::NoDelegate;

    fn config() -> PolicyConfig {
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

    fn request<'a>(origin: &'a [u8], method: &'a [u8]) -> PreflightRequest<'a> {
        PreflightRequest { origin, method, headers: None, private_network: false }
    }

    type Rendered<'a> = (u16, Vec<(&'a [u8], Vec<u8>)>);

    /// Resolves a preflight to plain header pairs.
    fn render<'a>(policy: &'a Policy, request: &PreflightRequest<'a>) -> Rendered<'a> {
        let decision = policy.preflight(request, &NoDelegate).unwrap();
        let headers = policy
            .preflight_parts(decision)
            .map(|part| match part {
                PreflightPart::Static(index) => {
                    let header = &policy.preflight_headers()[index];
                    (header.name, header.value.to_vec())
                }
                PreflightPart::EchoedOrigin => (names::ALLOW_ORIGIN, request.origin.to_vec()),
                PreflightPart::EchoedRequestHeaders => {
                    (names::ALLOW_HEADERS, request.headers.unwrap().to_vec())
                }
                PreflightPart::AllowPrivateNetwork => (names::ALLOW_PRIVATE_NETWORK, b"true".to_vec()),
                PreflightPart::ContentLength => {
                    (names::CONTENT_LENGTH, decision.body().len().to_string().into_bytes())
                }
                PreflightPart::ContentType => (names::CONTENT_TYPE, PLAIN_TEXT.to_vec()),
            })
            .collect();
        (decision.status(), headers)
    }

    #[test]
    fn an_allowed_preflight_gets_the_static_headers_then_the_echoed_origin() {
        let policy = Policy::new(config());
        let (status, headers) = render(&policy, &request(b"https://example.org", b"GET"));
        assert_eq!(status, 200);
        let expected: Vec<(&[u8], Vec<u8>)> = vec![
            (names::VARY, PREFLIGHT_VARY.to_vec()),
            (names::ALLOW_METHODS, b"GET, POST".to_vec()),
            (names::MAX_AGE, b"600".to_vec()),
            (
                names::ALLOW_HEADERS,
                b"Accept, Accept-Language, Content-Language, Content-Type, X-Token".to_vec(),
            ),
            (names::ALLOW_ORIGIN, b"https://example.org".to_vec()),
            (names::CONTENT_LENGTH, b"2".to_vec()),
            (names::CONTENT_TYPE, PLAIN_TEXT.to_vec()),
        ];
        assert_eq!(headers, expected);
    }

    #[test]
    fn every_failure_is_reported_in_order() {
        let policy = Policy::new(config());
        let preflight = PreflightRequest {
            origin: b"https://evil.com",
            method: b"DELETE",
            headers: Some(b"x-other"),
            private_network: true,
        };
        let decision = policy.preflight(&preflight, &NoDelegate).unwrap();
        assert_eq!(decision.status(), 400);
        assert_eq!(decision.body(), b"Disallowed CORS origin, method, headers, private-network");
        assert!(!decision.echo_origin);
    }

    #[test]
    fn wildcard_origin_without_credentials_is_static_and_not_echoed() {
        let policy = Policy::new(PolicyConfig { allow_all_origins: true, ..config() });
        assert_eq!(policy.preflight_headers()[1], Header::new(names::ALLOW_ORIGIN, *b"*"));
        let decision = policy.preflight(&request(b"https://any.net", b"GET"), &NoDelegate).unwrap();
        assert!(!decision.echo_origin);
        assert_eq!(policy.simple_headers(), [Header::new(names::ALLOW_ORIGIN, *b"*")]);
    }

    #[test]
    fn wildcard_origin_with_credentials_echoes_the_origin() {
        let policy =
            Policy::new(PolicyConfig { allow_all_origins: true, allow_credentials: true, ..config() });
        let decision = policy.preflight(&request(b"https://any.net", b"GET"), &NoDelegate).unwrap();
        assert!(decision.echo_origin);
        assert_eq!(policy.origin_outcome(Some(b"https://any.net"), &NoDelegate), Ok(OriginOutcome::Echoed));
        assert_eq!(policy.preflight_headers().last(), Some(&Header::new(names::ALLOW_CREDENTIALS, *b"true")));
    }

    #[test]
    fn allow_all_headers_echoes_the_requested_list_verbatim() {
        let policy = Policy::new(PolicyConfig { allow_all_headers: true, ..config() });
        let preflight =
            PreflightRequest { headers: Some(b"X-Anything,  "), ..request(b"https://example.org", b"GET") };
        let (status, headers) = render(&policy, &preflight);
        assert_eq!(status, 200);
        assert!(headers.contains(&(names::ALLOW_HEADERS, b"X-Anything,  ".to_vec())));
        assert!(!policy.preflight_headers().iter().any(|h| h.name == names::ALLOW_HEADERS));
    }

    #[test]
    fn private_network_is_granted_only_when_enabled() {
        let preflight = PreflightRequest { private_network: true, ..request(b"https://example.org", b"GET") };
        let open = Policy::new(PolicyConfig { allow_private_network: true, ..config() });
        let decision = open.preflight(&preflight, &NoDelegate).unwrap();
        assert!(decision.grant_private_network);
        assert_eq!(decision.status(), 200);
        let closed = Policy::new(config());
        assert_eq!(
            closed.preflight(&preflight, &NoDelegate).unwrap().body(),
            b"Disallowed CORS private-network"
        );
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
    fn a_preflight_judged_allowed_echoes_the_origin() {
        let policy = Policy::new(PolicyConfig { asks_origin_func: true, ..config() });
        let decision =
            policy.preflight_judged(&request(b"https://other.org", b"GET"), true, &NoDelegate).unwrap();
        assert!(decision.failures.is_empty());
        assert!(decision.echo_origin);
        let refused =
            policy.preflight_judged(&request(b"https://other.org", b"GET"), false, &NoDelegate).unwrap();
        assert_eq!(refused.body(), b"Disallowed CORS origin");
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
