//! The answer to a preflight: Starlette's checks of the origin, the method, the requested headers
//! and private network access, every failure reported, and the headers of the response in order.

use crate::constants::{
    FAILURE_HEADERS, FAILURE_METHOD, FAILURE_ORIGIN, FAILURE_PRIVATE_NETWORK, PREFLIGHT_BODIES,
};
use crate::delegate::Delegate;
use crate::policy::Policy;

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

    pub(crate) fn add_if(&mut self, failed: bool, failure: Self) {
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

impl Policy {
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
    // Inlined into each caller: the preflight's own, and the shadow's comparison, which would
    // otherwise leave it out of line for both (some 50 instructions a preflight).
    #[allow(clippy::inline_always, reason = "measured: out of line, every preflight pays for the call")]
    #[inline(always)]
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

    /// The headers of a preflight response, in Starlette's order.
    pub fn preflight_parts(&self, decision: PreflightDecision) -> impl Iterator<Item = PreflightPart> {
        let dynamic = [
            decision.echo_origin.then_some(PreflightPart::EchoedOrigin),
            decision.echo_request_headers.then_some(PreflightPart::EchoedRequestHeaders),
            decision.grant_private_network.then_some(PreflightPart::AllowPrivateNetwork),
        ];
        (0..self.preflight_headers().len())
            .map(PreflightPart::Static)
            .chain(dynamic.into_iter().flatten())
            .chain([PreflightPart::ContentLength, PreflightPart::ContentType])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{names, PLAIN_TEXT, PREFLIGHT_VARY};
    use crate::delegate::NoDelegate;
    use crate::policy::tests::config;
    use crate::policy::PolicyConfig;
    use crate::response_headers::{Header, OriginOutcome};

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
}
