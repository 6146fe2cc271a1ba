//! Which origins may read responses: Starlette's `is_allowed_origin`.

use crate::anchored_regex::AnchoredRegex;
use crate::delegate::Delegate;
use crate::membership::Membership;
use crate::origin_patterns::OriginPatterns;

/// How `allow_origin_regex` is evaluated.
#[derive(Debug, Clone)]
pub enum OriginRegex {
    /// No `allow_origin_regex`.
    Absent,
    /// A Rust regex over latin-1 bytes, already anchored at both ends: linear time.
    Native(AnchoredRegex),
    /// A pattern whose meaning only Python's `re` has; the caller evaluates it.
    Foreign,
}

impl OriginRegex {
    /// Compiles a translated pattern (see `fastcors._regex`), or keeps it with the caller when
    /// the Rust engine cannot take it (too large once compiled, say).
    pub fn compile(translated: Option<&str>) -> Self {
        let Some(pattern) = translated else {
            return Self::Foreign;
        };
        AnchoredRegex::new(pattern).map_or(Self::Foreign, Self::Native)
    }

    /// Which engine answers, for introspection: `"rust"`, `"python"` or `None`.
    pub fn engine(&self) -> Option<&'static str> {
        match self {
            Self::Absent => None,
            Self::Native(_) => Some("rust"),
            Self::Foreign => Some("python"),
        }
    }
}

/// The origin half of a CORS policy.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// `"*" in allow_origins`.
    pub allow_all: bool,
    /// `allow_origin_patterns`: `https://*.example.com`, `http://localhost:*`.
    pub patterns: OriginPatterns,
    /// `allow_origin_regex`, matched in full.
    pub regex: OriginRegex,
    /// `origin in allow_origins`.
    pub listed: Membership,
}

impl OriginPolicy {
    /// Starlette's `is_allowed_origin`: allow-all, then the regex, then the list; the patterns
    /// (which ask the host nothing) right after allow-all.
    ///
    /// # Errors
    /// Only what the delegate returns, for a foreign regex or a delegated list.
    pub fn is_allowed<D: Delegate>(&self, origin: &[u8], delegate: &D) -> Result<bool, D::Error> {
        if self.allow_all || self.patterns.matches(origin) {
            return Ok(true);
        }
        let regex_match = match &self.regex {
            OriginRegex::Absent => false,
            OriginRegex::Native(regex) => regex.is_match(origin),
            OriginRegex::Foreign => delegate.origin_regex_matches(origin)?,
        };
        if regex_match {
            return Ok(true);
        }
        match self.listed.contains(origin) {
            Some(listed) => Ok(listed),
            None => delegate.origin_listed(origin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delegate::NoDelegate;

    /// Answers every question with the given result, and counts the questions.
    struct Answering(Result<bool, &'static str>, std::cell::Cell<usize>);

    impl Delegate for Answering {
        type Error = &'static str;
        fn origin_regex_matches(&self, _: &[u8]) -> Result<bool, &'static str> {
            self.1.set(self.1.get() + 1);
            self.0
        }
        fn origin_listed(&self, _: &[u8]) -> Result<bool, &'static str> {
            self.1.set(self.1.get() + 1);
            self.0
        }
        fn origin_judged(&self, _: &[u8]) -> Result<bool, &'static str> {
            self.0
        }
        fn method_listed(&self, _: &[u8]) -> Result<bool, &'static str> {
            self.0
        }
    }

    fn answering(answer: Result<bool, &'static str>) -> Answering {
        Answering(answer, std::cell::Cell::new(0))
    }

    fn listed(origins: &[&[u8]]) -> OriginPolicy {
        OriginPolicy {
            allow_all: false,
            patterns: OriginPatterns::default(),
            regex: OriginRegex::Absent,
            listed: Membership::exact(origins.iter().copied()),
        }
    }

    #[test]
    fn listed_origins_match_exactly() {
        let policy = listed(&[b"https://example.org"]);
        assert_eq!(policy.is_allowed(b"https://example.org", &NoDelegate), Ok(true));
        assert_eq!(policy.is_allowed(b"https://example.org/", &NoDelegate), Ok(false));
        assert_eq!(policy.is_allowed(b"http://example.org", &NoDelegate), Ok(false));
        assert_eq!(policy.is_allowed(b"https://EXAMPLE.org", &NoDelegate), Ok(false));
    }

    #[test]
    fn two_listed_origins_do_not_allow_their_concatenation() {
        let policy = listed(&[b"foo.com", b"bar.com"]);
        assert_eq!(policy.is_allowed(b"barfoo.com", &NoDelegate), Ok(false));
        assert_eq!(policy.is_allowed(b"foo.combar.com", &NoDelegate), Ok(false));
    }

    #[test]
    fn allow_all_accepts_anything_including_null() {
        let policy = OriginPolicy { allow_all: true, ..listed(&[]) };
        assert_eq!(policy.is_allowed(b"null", &NoDelegate), Ok(true));
        assert_eq!(policy.is_allowed(b"", &NoDelegate), Ok(true));
    }

    #[test]
    fn native_regex_is_anchored_by_the_translation() {
        let regex = OriginRegex::compile(Some(r"\A(?:https://[a-z]+\.example\.org)\z"));
        assert_eq!(regex.engine(), Some("rust"));
        let policy = OriginPolicy { regex, ..listed(&[b"https://listed.net"]) };
        assert_eq!(policy.is_allowed(b"https://api.example.org", &NoDelegate), Ok(true));
        assert_eq!(policy.is_allowed(b"https://api.example.org.evil.com", &NoDelegate), Ok(false));
        assert_eq!(policy.is_allowed(b"https://listed.net", &NoDelegate), Ok(true));
    }

    #[test]
    fn native_regex_runs_in_linear_time_on_a_hostile_origin() {
        let regex = OriginRegex::compile(Some(r"\A(?:https://(?:a+)+\.example\.org)\z"));
        let policy = OriginPolicy { regex, ..listed(&[]) };
        let mut hostile = b"https://".to_vec();
        hostile.extend(std::iter::repeat_n(b'a', 5000));
        hostile.push(b'!');
        assert_eq!(policy.is_allowed(&hostile, &NoDelegate), Ok(false));
    }

    #[test]
    fn foreign_regex_is_asked_before_the_list_and_its_error_propagates() {
        let policy = OriginPolicy { regex: OriginRegex::Foreign, ..listed(&[b"https://a.com"]) };
        assert_eq!(policy.is_allowed(b"https://b.com", &answering(Ok(true))), Ok(true));
        assert_eq!(policy.is_allowed(b"https://a.com", &answering(Ok(false))), Ok(true));
        assert_eq!(policy.is_allowed(b"https://a.com", &answering(Err("boom"))), Err("boom"));
    }

    #[test]
    fn a_delegated_list_is_asked_after_the_regex_fails() {
        let policy = OriginPolicy {
            allow_all: false,
            patterns: OriginPatterns::default(),
            regex: OriginRegex::compile(Some(r"\A(?:https://r\.org)\z")),
            listed: Membership::Delegated,
        };
        let delegate = answering(Ok(true));
        assert_eq!(policy.is_allowed(b"https://r.org", &delegate), Ok(true));
        assert_eq!(delegate.1.get(), 0);
        assert_eq!(policy.is_allowed(b"https://other.org", &delegate), Ok(true));
        assert_eq!(delegate.1.get(), 1);
        assert_eq!(policy.is_allowed(b"https://other.org", &answering(Err("boom"))), Err("boom"));
    }

    #[test]
    fn untranslatable_or_oversized_patterns_stay_foreign() {
        assert_eq!(OriginRegex::compile(None).engine(), Some("python"));
        assert_eq!(OriginRegex::compile(Some(r"(?:\w{1000}){1000}")).engine(), Some("python"));
    }
}
