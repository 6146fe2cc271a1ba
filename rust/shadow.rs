//! A policy's answer to a request as plain bytes: whether the browser may read the response, and
//! the CORS headers sent. Two configurations (the live one and a shadow) are compared on it without
//! building either response.

use crate::constants::names;
use crate::policy::Policy;
use crate::preflight::{PreflightDecision, PreflightPart, PreflightRequest};
use crate::response_headers::{NewHeader, OriginOutcome};

/// One configuration's answer: what `fastcors.ShadowOutcome` reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome<'a> {
    pub allowed: bool,
    /// The CORS headers, in the order sent: a preflight's (without its body's `Content-Length`
    /// and `Content-Type`), or those added to an app's response that sets none of its own.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
}

impl Outcome<'_> {
    /// The answer where CORS is off: nothing allowed, no header.
    pub fn cors_off() -> Self {
        Self::default()
    }
}

impl Policy {
    /// A preflight's answer, decided (`preflight_judged`).
    pub fn preflight_outcome<'a>(
        &'a self,
        decision: PreflightDecision,
        request: &PreflightRequest<'a>,
    ) -> Outcome<'a> {
        // Room for every header up front: growing the vector costs more than the decision.
        let mut headers = Vec::with_capacity(self.preflight_headers().len() + 5);
        headers.extend(self.preflight_parts(decision).filter_map(|part| match part {
            PreflightPart::Static(index) => {
                let header = &self.preflight_headers()[index];
                Some((header.name, &*header.value))
            }
            PreflightPart::EchoedOrigin => Some((names::ALLOW_ORIGIN, request.origin)),
            PreflightPart::EchoedRequestHeaders => {
                Some((names::ALLOW_HEADERS, request.headers.unwrap_or_default()))
            }
            PreflightPart::AllowPrivateNetwork => Some((names::ALLOW_PRIVATE_NETWORK, &b"true"[..])),
            PreflightPart::ContentLength | PreflightPart::ContentType => None,
        }));
        Outcome { allowed: decision.failures.is_empty(), headers }
    }

    /// The answer to a request the app responds to, its `Origin` judged (`outcome`).
    pub fn simple_outcome<'a>(&'a self, outcome: OriginOutcome, origin: &'a [u8]) -> Outcome<'a> {
        let appended = self.appended_headers(outcome);
        let mut headers: Vec<(&[u8], &[u8])> = Vec::with_capacity(appended.len());
        headers.extend(appended.iter().map(|header| match header {
            NewHeader::Simple(index) => {
                let header = &self.simple_headers()[*index];
                (header.name, &*header.value)
            }
            NewHeader::EchoedOrigin => (names::ALLOW_ORIGIN, origin),
            NewHeader::VaryOrigin => (names::VARY, &b"Origin"[..]),
            NewHeader::MergedVary(value) => (names::VARY, value.as_slice()),
        }));
        let allowed = headers.iter().any(|(name, _)| *name == names::ALLOW_ORIGIN);
        Outcome { allowed, headers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delegate::NoDelegate;
    use crate::policy::tests::config;

    #[test]
    fn an_echoed_origin_is_allowed_and_sent_back() {
        let mut settings = config();
        settings.allow_credentials = true;
        let policy = Policy::new(settings);
        let outcome = policy.simple_outcome(OriginOutcome::Echoed, b"https://a.example");
        assert!(outcome.allowed);
        assert!(outcome.headers.contains(&(names::ALLOW_ORIGIN, &b"https://a.example"[..])));
        assert_eq!(outcome.headers.last(), Some(&(names::VARY, &b"Origin"[..])));
    }

    #[test]
    fn a_refused_origin_gets_vary_alone_without_simple_headers() {
        let policy = Policy::new(config());
        let outcome = policy.simple_outcome(OriginOutcome::NotEchoed, b"https://evil.example");
        assert!(!outcome.allowed);
        assert!(outcome.headers.iter().all(|(name, _)| *name != names::ALLOW_ORIGIN));
    }

    #[test]
    fn a_preflights_outcome_leaves_out_its_body_headers() {
        let policy = Policy::new(config());
        let request = PreflightRequest {
            origin: b"https://a.example",
            method: b"GET",
            headers: None,
            private_network: false,
        };
        let decision = policy.preflight_judged(&request, true, &NoDelegate).unwrap();
        let outcome = policy.preflight_outcome(decision, &request);
        assert_eq!(outcome.allowed, decision.failures.is_empty());
        assert!(outcome
            .headers
            .iter()
            .all(|(name, _)| *name != names::CONTENT_LENGTH && *name != names::CONTENT_TYPE));
        assert_eq!(outcome.headers.len(), policy.preflight_parts(decision).count() - 2);
    }

    #[test]
    fn cors_off_allows_nothing_and_sends_nothing() {
        assert_eq!(Outcome::cors_off(), Outcome { allowed: false, headers: vec![] });
    }
}
