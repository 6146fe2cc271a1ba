//! `allow_origin_patterns`: the suffix-tree matcher against each pattern checked on its own by a
//! naive reference, and the parser's refusals against the rules a pattern must follow.
//!
//! Input: flags, patterns (a list), a pick, then the rest. flags: 1 the origin is the picked
//! pattern with its `*.` replaced by the rest and a dot (else the origin is the rest), 2 its `:*`
//! replaced by `:8080` (else removed).
#![no_main]

use fastcors_fuzz::origin_patterns::reference_pattern_matches;
use fastcors_fuzz::Input;
use libfuzzer_sys::fuzz_target;

use _fastcors::origin_patterns::{OriginPatterns, Pattern};

fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    match haystack.windows(needle.len()).position(|window| window == needle) {
        Some(at) => [&haystack[..at], with, &haystack[at + needle.len()..]].concat(),
        None => haystack.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let candidates = input.list(8);
    let pick = usize::from(input.byte());
    let rest = input.rest();

    let parsed: Vec<Pattern<'_>> =
        candidates.iter().filter_map(|pattern| Pattern::parse(pattern).ok()).collect();
    for pattern in &parsed {
        // What the parser accepts follows the rules of a pattern.
        let text = [pattern.scheme, b"://", pattern.host].concat();
        assert!(!text.iter().any(u8::is_ascii_uppercase), "{text:?}");
        assert!(!pattern.host.contains(&b'*') && !pattern.host.contains(&b'/'), "{text:?}");
        assert!(!pattern.host.is_empty() && !pattern.host.ends_with(b"."), "{text:?}");
    }
    let accepted: Vec<&[u8]> =
        candidates.iter().copied().filter(|pattern| Pattern::parse(pattern).is_ok()).collect();
    let patterns = OriginPatterns::new(accepted.iter().copied()).expect("each was accepted alone");

    let origin = match accepted.get(pick % accepted.len().max(1)) {
        Some(chosen) if flags & 1 != 0 => {
            let label = [rest, b"."].concat();
            let origin = replace(chosen, b"*.", &label);
            replace(&origin, b":*", if flags & 2 != 0 { b":8080" } else { b"" })
        }
        _ => rest.to_vec(),
    };
    let expected = parsed.iter().any(|pattern| reference_pattern_matches(pattern, &origin));
    assert_eq!(patterns.matches(&origin), expected, "{accepted:?} on {origin:?}");
});
