//! Whole-request decisions on arbitrary configurations and requests: `Policy::preflight` (with
//! `preflight_parts`, `status` and `body`), `origin_outcome` and `is_allowed_origin` never panic,
//! and give the answer of a naive transcription of Starlette's `preflight_response`, `send` and
//! `is_allowed_origin`, asking the host only what Rust cannot answer.
//!
//! Input: option flags (1 `*` origins, 2 bare-string origins, 4 bare-string methods, 8 `*`
//! headers, 16 credentials, 32 private network, 64 exposed headers), the regex choice, request
//! flags (1 Access-Control-Request-Headers present, 2 private network requested, 4 no Origin
//! for `origin_outcome`, high nibble: the foreign pattern), host flags (low nibble: the host
//! questions that fail, see `ASK_*`; 16 origins and 32 methods test membership their own way,
//! 64 `is_allowed_origin` is overridden), the listed origins, methods and header names, the four
//! header values of the options, the request's origin and method, and its requested headers
//! (the rest).
#![no_main]

use std::cell::Cell;

use fastcors_fuzz::patterns::{FOREIGN, TRANSLATED};
use fastcors_fuzz::{
    host_judges, reference_fullmatch, reference_headers_allowed, reference_lower, reference_member,
    translated_regex, HostFailed, Input, ReferenceHost, ASK_METHOD_LISTED, ASK_ORIGIN_JUDGED,
    ASK_ORIGIN_LISTED, ASK_REGEX,
};
use libfuzzer_sys::fuzz_target;

use _fastcors::constants::{names, PLAIN_TEXT, PREFLIGHT_VARY};
use _fastcors::membership::Membership;
use _fastcors::origin::OriginRegex;
use _fastcors::origin_patterns::OriginPatterns;
use _fastcors::policy::{Policy, PolicyConfig};
use _fastcors::preflight::{PreflightPart, PreflightRequest};
use _fastcors::request_headers::AllowedHeaders;
use _fastcors::response_headers::OriginOutcome;

type Headers = Vec<(Vec<u8>, Vec<u8>)>;

/// A Python dict's `d[key] = value`: replaced where it stands, or appended.
fn dict_set(headers: &mut Headers, name: &[u8], value: &[u8]) {
    match headers.iter_mut().find(|(existing, _)| existing == name) {
        Some(header) => header.1 = value.to_vec(),
        None => headers.push((name.to_vec(), value.to_vec())),
    }
}

fn membership(items: &[&[u8]], substring: bool, delegated: bool) -> Membership {
    if delegated {
        Membership::Delegated
    } else if substring {
        Membership::substring(items.iter().copied())
    } else {
        Membership::exact(items.iter().copied())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let options = input.byte();
    let regex_choice = usize::from(input.byte()) % (TRANSLATED.len() + 2);
    let request_flags = input.byte();
    let host_flags = input.byte();
    let origins = input.list(8);
    let methods = input.list(8);
    let header_names: Vec<Vec<u8>> =
        input.list(8).iter().map(|name| name.iter().map(|&byte| reference_lower(byte)).collect()).collect();
    let methods_value = input.field();
    let headers_value = input.field();
    let expose_value = input.field();
    let max_age_value = input.field();
    let origin = input.field();
    let method = input.field();
    let requested_headers = input.rest();

    let allow_all_origins = options & 1 != 0;
    let origins_are_substrings = options & 2 != 0;
    let methods_are_substrings = options & 4 != 0;
    let allow_all_headers = options & 8 != 0;
    let credentials = options & 16 != 0;
    let private_network_allowed = options & 32 != 0;
    let expose = options & 64 != 0;
    let failing = host_flags & 0x0F;
    let origins_delegated = host_flags & 16 != 0;
    let methods_delegated = host_flags & 32 != 0;
    let judged_by_host = host_flags & 64 != 0;
    let foreign_pattern = FOREIGN[usize::from(request_flags >> 4) % FOREIGN.len()];
    let (origin_regex, pattern) = match regex_choice {
        0 => (OriginRegex::Absent, None),
        choice if choice <= TRANSLATED.len() => {
            let (pattern, _) = TRANSLATED[choice - 1];
            (translated_regex(choice - 1), Some(pattern))
        }
        _ => (OriginRegex::Foreign, Some(foreign_pattern)),
    };
    let is_foreign = matches!(origin_regex, OriginRegex::Foreign);
    let policy = Policy::new(PolicyConfig {
        allow_all_origins,
        allowed_origins: membership(&origins, origins_are_substrings, origins_delegated),
        origin_regex,
        origin_judged_by_host: judged_by_host,
        allowed_methods: membership(&methods, methods_are_substrings, methods_delegated),
        allow_all_headers,
        allowed_headers: AllowedHeaders::new(header_names.iter().cloned()),
        allow_credentials: credentials,
        allow_private_network: private_network_allowed,
        allow_methods_value: methods_value.into(),
        allow_headers_value: headers_value.into(),
        expose_headers_value: expose.then(|| expose_value.into()),
        max_age_value: max_age_value.into(),
        origin_patterns: OriginPatterns::default(),
        asks_origin_func: false,
    });
    let host = || ReferenceHost {
        foreign_pattern,
        origins: &origins,
        methods: &methods,
        failing,
        asked: Cell::new(0),
    };
    // A host question as Starlette would ask it: recorded, and failing when told to.
    let ask = |asked: &mut u8, question: u8, answer: bool| {
        *asked |= question;
        if failing & question != 0 {
            Err(HostFailed(question))
        } else {
            Ok(answer)
        }
    };

    // Starlette's own `is_allowed_origin`.
    let reference_allowed = |origin: &[u8], asked: &mut u8| -> Result<bool, HostFailed> {
        if allow_all_origins {
            return Ok(true);
        }
        let regex = match pattern {
            None => false,
            Some(pattern) if is_foreign => {
                ask(asked, ASK_REGEX, reference_fullmatch(pattern, origin).unwrap())?
            }
            Some(pattern) => reference_fullmatch(pattern, origin).expect("known pattern"),
        };
        if regex {
            return Ok(true);
        }
        if origins_delegated {
            return ask(asked, ASK_ORIGIN_LISTED, reference_member(&origins, origin, false));
        }
        Ok(reference_member(&origins, origin, origins_are_substrings))
    };
    // `self.is_allowed_origin(origin=...)`, which the application may have overridden.
    let reference_judged = |origin: &[u8], asked: &mut u8| -> Result<bool, HostFailed> {
        if judged_by_host {
            ask(asked, ASK_ORIGIN_JUDGED, host_judges(origin))
        } else {
            reference_allowed(origin, asked)
        }
    };

    // Starlette's `preflight_response`, line by line.
    let requested = (request_flags & 1 != 0).then_some(requested_headers);
    let private_network = request_flags & 2 != 0;
    let mut expected_asked = 0;
    let expected_preflight = reference_judged(origin, &mut expected_asked).and_then(|origin_allowed| {
        let method_allowed = if methods_delegated {
            ask(&mut expected_asked, ASK_METHOD_LISTED, reference_member(&methods, method, false))?
        } else {
            reference_member(&methods, method, methods_are_substrings)
        };
        let explicit = !allow_all_origins || credentials;
        let mut headers: Headers = vec![(names::VARY.to_vec(), PREFLIGHT_VARY.to_vec())];
        if !explicit {
            headers.push((names::ALLOW_ORIGIN.to_vec(), b"*".to_vec()));
        }
        headers.push((names::ALLOW_METHODS.to_vec(), methods_value.to_vec()));
        headers.push((names::MAX_AGE.to_vec(), max_age_value.to_vec()));
        if !allow_all_headers {
            headers.push((names::ALLOW_HEADERS.to_vec(), headers_value.to_vec()));
        }
        if credentials {
            headers.push((names::ALLOW_CREDENTIALS.to_vec(), b"true".to_vec()));
        }
        let mut failures: Vec<&str> = Vec::new();
        if origin_allowed {
            if explicit {
                dict_set(&mut headers, names::ALLOW_ORIGIN, origin);
            }
        } else {
            failures.push("origin");
        }
        if !method_allowed {
            failures.push("method");
        }
        if let Some(requested) = requested {
            if allow_all_headers {
                dict_set(&mut headers, names::ALLOW_HEADERS, requested);
            } else if !reference_headers_allowed(&header_names, requested) {
                failures.push("headers");
            }
        }
        if private_network {
            if private_network_allowed {
                dict_set(&mut headers, names::ALLOW_PRIVATE_NETWORK, b"true");
            } else {
                failures.push("private-network");
            }
        }
        let (status, body) = if failures.is_empty() {
            (200, b"OK".to_vec())
        } else {
            (400, format!("Disallowed CORS {}", failures.join(", ")).into_bytes())
        };
        headers.push((names::CONTENT_LENGTH.to_vec(), body.len().to_string().into_bytes()));
        headers.push((names::CONTENT_TYPE.to_vec(), PLAIN_TEXT.to_vec()));
        Ok((status, headers, body))
    });

    let request = PreflightRequest { origin, method, headers: requested, private_network };
    let preflight_host = host();
    let actual_preflight = policy.preflight(&request, &preflight_host).map(|decision| {
        let headers: Headers = policy
            .preflight_parts(decision)
            .map(|part| match part {
                PreflightPart::Static(index) => {
                    let header = &policy.preflight_headers()[index];
                    (header.name.to_vec(), header.value.to_vec())
                }
                PreflightPart::EchoedOrigin => (names::ALLOW_ORIGIN.to_vec(), origin.to_vec()),
                PreflightPart::EchoedRequestHeaders => {
                    (names::ALLOW_HEADERS.to_vec(), requested.expect("echoed only when sent").to_vec())
                }
                PreflightPart::AllowPrivateNetwork => {
                    (names::ALLOW_PRIVATE_NETWORK.to_vec(), b"true".to_vec())
                }
                PreflightPart::ContentLength => {
                    (names::CONTENT_LENGTH.to_vec(), decision.body().len().to_string().into_bytes())
                }
                PreflightPart::ContentType => (names::CONTENT_TYPE.to_vec(), PLAIN_TEXT.to_vec()),
            })
            .collect();
        (decision.status(), headers, decision.body().to_vec())
    });
    assert_eq!(actual_preflight, expected_preflight);
    assert_eq!(preflight_host.asked.get(), expected_asked, "the host questions of the preflight");

    // Starlette's `send`: which of the three edits a response to this request gets.
    let request_origin = (request_flags & 4 == 0).then_some(origin);
    let mut expected_asked = 0;
    let expected_outcome = match request_origin {
        None => Ok(OriginOutcome::Absent),
        Some(_) if allow_all_origins && credentials => Ok(OriginOutcome::Echoed),
        Some(_) if allow_all_origins => Ok(OriginOutcome::NotEchoed),
        Some(origin) => reference_judged(origin, &mut expected_asked).map(|allowed| {
            if allowed {
                OriginOutcome::Echoed
            } else {
                OriginOutcome::NotEchoed
            }
        }),
    };
    let outcome_host = host();
    assert_eq!(policy.origin_outcome(request_origin, &outcome_host), expected_outcome);
    assert_eq!(outcome_host.asked.get(), expected_asked, "the host questions of a simple response");
    let mut expected_asked = 0;
    let own_host = host();
    assert_eq!(policy.is_allowed_origin(origin, &own_host), reference_allowed(origin, &mut expected_asked));
    assert_eq!(own_host.asked.get(), expected_asked, "the host questions of is_allowed_origin");
});
