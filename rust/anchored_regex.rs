//! A regex that must match the whole text, answered by a DFA built at start-up.
//!
//! `allow_origin_regex` is translated anchored at both ends (`\A(?:...)\z`), so whether it
//! matches is settled by one pass from the first byte, which stops at the first byte no match can
//! follow. A dense DFA makes that pass a table lookup per byte, with no cache to consult; the
//! general engine answers when the DFA would be too large to build. Verdicts are remembered, a
//! bounded number of them, as the pure-Python core remembers them: browsers send a handful of
//! origins, again and again.

use std::sync::Mutex;

use foldhash::{HashMap, HashMapExt};
use regex::bytes::{Regex, RegexBuilder};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

use crate::constants::{MEMO_LONGEST_VALUE, MEMO_SIZE};

/// The compiled size the general engine may take; past it the pattern is not compiled here.
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;
/// The size a DFA may take, and the memory building it may use; past either, the general
/// engine answers alone.
const DFA_SIZE_LIMIT: usize = 1024 * 1024;

#[derive(Debug)]
pub struct AnchoredRegex {
    /// The pattern as a DFA over bytes, anchored at the start; `None` when too large.
    dfa: Option<Box<dense::DFA<Vec<u32>>>>,
    /// The same pattern in the general engine: the one that decides, when there is no DFA.
    regex: Regex,
    /// Verdicts already reached, by text. Never waited for: while another thread holds it, the
    /// engines answer.
    memo: Mutex<HashMap<Box<[u8]>, bool>>,
}

impl Clone for AnchoredRegex {
    /// The same pattern, with a memo of its own.
    fn clone(&self) -> Self {
        Self { dfa: self.dfa.clone(), regex: self.regex.clone(), memo: Mutex::new(HashMap::new()) }
    }
}

impl AnchoredRegex {
    /// Compiles a pattern over latin-1 bytes (`unicode(false)`: a character class is of bytes);
    /// `None` when the general engine cannot take it (too large once compiled, say).
    pub fn new(pattern: &str) -> Option<Self> {
        let regex = RegexBuilder::new(pattern).unicode(false).size_limit(REGEX_SIZE_LIMIT).build().ok()?;
        let dfa = dense::Builder::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .thompson(thompson::Config::new().utf8(false).nfa_size_limit(Some(REGEX_SIZE_LIMIT)))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                    .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
            )
            .build(pattern)
            .ok()
            .map(Box::new);
        Some(Self { dfa, regex, memo: Mutex::new(HashMap::new()) })
    }

    /// Whether the pattern matches `text` from its first byte; with the pattern's own `\z`,
    /// whether it matches all of it.
    pub fn is_match(&self, text: &[u8]) -> bool {
        if let Ok(memo) = self.memo.try_lock() {
            if let Some(&verdict) = memo.get(text) {
                return verdict;
            }
        }
        let verdict = self.evaluate(text);
        self.remember(text, verdict);
        verdict
    }

    /// Keeps a verdict while the memo has room: a full memo is left as it is.
    fn remember(&self, text: &[u8], verdict: bool) {
        if text.len() > MEMO_LONGEST_VALUE {
            return;
        }
        if let Ok(mut memo) = self.memo.try_lock() {
            if memo.len() < MEMO_SIZE {
                memo.insert(text.into(), verdict);
            }
        }
    }

    /// The engines' verdict.
    fn evaluate(&self, text: &[u8]) -> bool {
        if let Some(dfa) = &self.dfa {
            let input = Input::new(text).anchored(Anchored::Yes).earliest(true);
            // A DFA without quit bytes never fails a search; should one, the general engine
            // answers instead.
            if let Ok(found) = dfa.try_search_fwd(&input) {
                return found.is_some();
            }
        }
        self.regex.is_match(text)
    }

    /// Whether the DFA answers (for tests).
    pub fn has_dfa(&self) -> bool {
        self.dfa.is_some()
    }

    /// How many verdicts the memo holds (for tests).
    pub fn remembered(&self) -> usize {
        self.memo.lock().map_or(0, |memo| memo.len())
    }
}

#[cfg(test)]
mod tests {
    use super::AnchoredRegex;

    fn both_engines(pattern: &str, text: &[u8]) -> (bool, bool) {
        let compiled = AnchoredRegex::new(pattern).expect("the pattern compiles");
        assert!(compiled.has_dfa(), "{pattern} builds a DFA");
        let first = compiled.is_match(text);
        assert_eq!(compiled.is_match(text), first, "the remembered verdict is the same");
        (first, compiled.regex.is_match(text))
    }

    #[test]
    fn the_dfa_answers_as_the_general_engine_does() {
        let pattern = r"\A(?:https://[a-z0-9-]+\.example\.(?:com|org))\z";
        for text in [
            &b"https://a.example.com"[..],
            b"https://evil.example.net",
            b"https://a.example.com.evil.net",
            b"https://.example.com",
            b"",
            b"https://a.example.co",
            b"https://\xe9.example.com",
        ] {
            let (dfa, general) = both_engines(pattern, text);
            assert_eq!(dfa, general, "{text:?}");
        }
        assert!(both_engines(pattern, b"https://a-1.example.org").0);
        assert!(!both_engines(pattern, b"https://a.example.org/").0);
    }

    #[test]
    fn a_byte_class_matches_latin1_bytes_one_by_one() {
        let pattern = r"\A(?:https://[\x80-\xff]+\.com)\z";
        assert_eq!(both_engines(pattern, b"https://\xe9\xff.com"), (true, true));
        assert_eq!(both_engines(pattern, b"https://a.com"), (false, false));
    }

    #[test]
    fn a_pattern_whose_dfa_is_too_large_is_answered_by_the_general_engine() {
        // The classic exponential DFA: the 25th byte from the end is an `a`.
        let pattern = r"\A(?:[ab]*a[ab]{24})\z";
        let compiled = AnchoredRegex::new(pattern).expect("the pattern compiles");
        assert!(!compiled.has_dfa());
        let mut text = vec![b'a'];
        text.extend([b'b'; 24]);
        assert!(compiled.is_match(&text));
        assert!(!compiled.is_match(&text[1..]));
    }

    #[test]
    fn the_memo_keeps_a_bounded_number_of_short_texts() {
        let compiled = AnchoredRegex::new(r"\A(?:https://[a-z0-9]+\.example\.org)\z").expect("compiles");
        let long = [b"https://".as_slice(), &[b'a'; 600], b".example.org"].concat();
        assert!(compiled.is_match(&long));
        assert_eq!(compiled.remembered(), 0, "a text longer than 512 bytes is not kept");
        for index in 0..600 {
            let origin = format!("https://tenant{index}.example.org");
            assert!(compiled.is_match(origin.as_bytes()));
            assert!(!compiled.is_match(format!("{origin}.evil").as_bytes()));
        }
        assert_eq!(compiled.remembered(), 512);
        assert!(compiled.is_match(b"https://tenant599.example.org"), "answered past the memo");
        assert_eq!(compiled.clone().remembered(), 0, "a copy starts its own memo");
    }
}
