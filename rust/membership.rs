//! Python's `item in collection` for the two shapes Starlette's options take.

use std::collections::HashSet;

// The sets are built once from the options and then only looked up, so flooding attacks on the
// hash (which need inserts) do not apply: foldhash costs a tenth of SipHash, and its fixed seed
// makes a lookup cost the same in every process (what the performance gate counts).
use foldhash::fast::FixedState;

/// Up to this many items are compared one by one: cheaper than hashing the item, since items
/// of other lengths are passed over without reading them.
const FEW: usize = 4;

/// What `x in option` means for a configured option.
#[derive(Debug, Clone)]
pub enum Membership {
    /// A list, tuple or set of strings: exact, case-sensitive equality.
    Exact(HashSet<Box<[u8]>, FixedState>),
    /// The same, for a few distinct items.
    Few(Box<[Box<[u8]>]>),
    /// A bare `str` where a list was expected: Python tests for a substring. The string is kept as
    /// its runs of latin-1 characters, since a latin-1 item can only sit inside one of them.
    Substring(Vec<Box<[u8]>>),
    /// A collection with its own membership test: only its host can answer, on every request.
    Delegated,
}

impl Membership {
    /// An exact set of items.
    pub fn exact<I, T>(items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Box<[u8]>>,
    {
        let items: HashSet<Box<[u8]>, FixedState> = items.into_iter().map(Into::into).collect();
        if items.len() <= FEW {
            Self::Few(items.into_iter().collect())
        } else {
            Self::Exact(items)
        }
    }

    /// Substring membership in a string given as its latin-1 runs.
    pub fn substring<I, T>(runs: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Box<[u8]>>,
    {
        Self::Substring(runs.into_iter().map(Into::into).collect())
    }

    /// `item in option`, or `None` when only the host can tell.
    pub fn contains(&self, item: &[u8]) -> Option<bool> {
        match self {
            Self::Exact(items) => Some(items.contains(item)),
            Self::Few(items) => Some(items.iter().any(|listed| **listed == *item)),
            Self::Substring(runs) => Some(runs.iter().any(|run| contains_slice(run, item))),
            Self::Delegated => None,
        }
    }
}

fn contains_slice(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_membership_is_case_sensitive_equality() {
        let origins = Membership::exact([&b"https://a.com"[..], b"https://b.com"]);
        assert_eq!(origins.contains(b"https://a.com"), Some(true));
        assert_eq!(origins.contains(b"https://A.com"), Some(false));
        assert_eq!(origins.contains(b"https://a.co"), Some(false));
        assert_eq!(origins.contains(b""), Some(false));
    }

    #[test]
    fn exact_membership_is_the_same_for_few_items_and_many() {
        let few: Vec<String> = (0..FEW).map(|i| format!("https://t{i}.example.org")).collect();
        let many: Vec<String> = (0..=FEW * 2).map(|i| format!("https://t{i}.example.org")).collect();
        let (few_set, many_set) = (
            Membership::exact(few.iter().map(String::as_bytes)),
            Membership::exact(many.iter().map(String::as_bytes)),
        );
        assert!(matches!(few_set, Membership::Few(_)));
        assert!(matches!(many_set, Membership::Exact(_)));
        for probe in &many {
            assert_eq!(few_set.contains(probe.as_bytes()), Some(few.contains(probe)));
            assert_eq!(many_set.contains(probe.as_bytes()), Some(true));
        }
        for set in [&few_set, &many_set] {
            assert_eq!(set.contains(b"https://t0.example.or"), Some(false));
            assert_eq!(set.contains(b"https://T0.example.org"), Some(false));
            assert_eq!(set.contains(b""), Some(false));
        }
        // Duplicates count once: five copies of one origin are one item.
        assert!(matches!(Membership::exact([&b"https://a.org"[..]; FEW + 1]), Membership::Few(_)));
    }

    #[test]
    fn substring_membership_matches_any_part_of_the_string() {
        let methods = Membership::substring([&b"GET"[..]]);
        assert_eq!(methods.contains(b"GET"), Some(true));
        assert_eq!(methods.contains(b"ET"), Some(true));
        assert_eq!(methods.contains(b""), Some(true));
        assert_eq!(methods.contains(b"GETS"), Some(false));
    }

    #[test]
    fn substring_membership_never_spans_a_non_latin1_character() {
        // "ab€cd" is kept as the runs "ab" and "cd".
        let origins = Membership::substring([&b"ab"[..], b"cd"]);
        assert_eq!(origins.contains(b"b"), Some(true));
        assert_eq!(origins.contains(b"cd"), Some(true));
        assert_eq!(origins.contains(b"bc"), Some(false));
    }

    #[test]
    fn delegated_membership_is_left_to_the_host() {
        assert_eq!(Membership::Delegated.contains(b"anything"), None);
    }
}
