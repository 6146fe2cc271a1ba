//! Origin matching: `Membership` and `OriginPolicy` (allow-all, regex, list) against a linear scan,
//! naive substring search and hand-written matchers of the translated `allow_origin_regex`es.
//!
//! Input: flags, regex choice, foreign pattern choice, listed origins, a pick, then the origin
//! (the rest). flags: 1 allow all, 2 bare-string (substring) membership, 4 the host's regex
//! fails, 8 the origin is the picked listed origin followed by the rest, 16 it is the picked
//! listed origin exactly, 32 the list tests membership its own way (the host answers), 64 the
//! host's membership test fails.
#![no_main]

use std::cell::Cell;

use fastcors_fuzz::patterns::{FOREIGN, TRANSLATED};
use fastcors_fuzz::{
    reference_fullmatch, reference_member, translated_regex, HostFailed, Input, ReferenceHost,
    ASK_ORIGIN_LISTED, ASK_REGEX,
};
use libfuzzer_sys::fuzz_target;

use _fastcors::membership::Membership;
use _fastcors::origin::{OriginPolicy, OriginRegex};
use _fastcors::origin_patterns::OriginPatterns;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let regex_choice = usize::from(input.byte()) % (TRANSLATED.len() + 2);
    let foreign_pattern = FOREIGN[usize::from(input.byte()) % FOREIGN.len()];
    let listed = input.list(16);
    let pick = usize::from(input.byte());
    let rest = input.rest();
    let origin: Vec<u8> = match listed.get(pick % listed.len().max(1)) {
        Some(chosen) if flags & 16 != 0 => chosen.to_vec(),
        Some(chosen) if flags & 8 != 0 => [*chosen, rest].concat(),
        _ => rest.to_vec(),
    };
    let origin = origin.as_slice();
    let allow_all = flags & 1 != 0;
    let substring = flags & 2 != 0;
    let delegated = flags & 32 != 0;
    let failing =
        (if flags & 4 != 0 { ASK_REGEX } else { 0 }) | (if flags & 64 != 0 { ASK_ORIGIN_LISTED } else { 0 });

    let membership = if delegated {
        Membership::Delegated
    } else if substring {
        Membership::substring(listed.iter().copied())
    } else {
        Membership::exact(listed.iter().copied())
    };
    let expected_member = reference_member(&listed, origin, substring && !delegated);
    let expected_contains = (!delegated).then_some(expected_member);
    assert_eq!(membership.contains(origin), expected_contains, "membership of {origin:?} in {listed:?}");

    // The regex half: absent, one of the translated patterns (Rust engine), or foreign.
    let (regex, expected_regex) = match regex_choice {
        0 => (OriginRegex::Absent, false),
        choice if choice <= TRANSLATED.len() => {
            let (pattern, _) = TRANSLATED[choice - 1];
            let regex = translated_regex(choice - 1);
            let OriginRegex::Native(compiled) = &regex else {
                panic!("the translation of {pattern:?} must compile for the Rust engine");
            };
            let expected = reference_fullmatch(pattern, origin).expect("every pattern has a reference");
            assert_eq!(compiled.is_match(origin), expected, "{pattern:?} on {origin:?}");
            (regex, expected)
        }
        _ => (OriginRegex::Foreign, reference_fullmatch(foreign_pattern, origin).expect("a known pattern")),
    };
    let foreign = matches!(regex, OriginRegex::Foreign);
    let policy = OriginPolicy { allow_all, patterns: OriginPatterns::default(), regex, listed: membership };
    let host =
        ReferenceHost { foreign_pattern, origins: &listed, methods: &[], failing, asked: Cell::new(0) };
    let answer = policy.is_allowed(origin, &host);

    // Starlette: allow-all first, then the regex (whose error propagates), then the list (idem);
    // the host is asked only what Rust cannot answer, and only when the answer still matters.
    let mut expected_asked = 0;
    let expected = if allow_all {
        Ok(true)
    } else {
        let regex = if foreign {
            expected_asked |= ASK_REGEX;
            if failing & ASK_REGEX != 0 {
                Err(HostFailed(ASK_REGEX))
            } else {
                Ok(expected_regex)
            }
        } else {
            Ok(expected_regex)
        };
        regex.and_then(|matched| {
            if matched {
                Ok(true)
            } else if delegated {
                expected_asked |= ASK_ORIGIN_LISTED;
                if failing & ASK_ORIGIN_LISTED != 0 {
                    Err(HostFailed(ASK_ORIGIN_LISTED))
                } else {
                    Ok(expected_member)
                }
            } else {
                Ok(expected_member)
            }
        })
    };
    assert_eq!(answer, expected, "is_allowed({origin:?})");
    assert_eq!(host.asked.get(), expected_asked, "the questions asked of the host");
});
