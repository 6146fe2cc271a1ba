//! The `Access-Control-Request-Headers` check of a preflight.

use std::collections::HashSet;

// Built from the options, then only looked up: a fixed seed (see `membership`).
use foldhash::fast::FixedState;

use crate::latin1::{strip_python_space, to_python_lower};

/// Header names longer than this are lowercased on the heap; all real ones fit on the stack.
const STACK_NAME_LEN: usize = 128;

/// The header names a preflight may ask for, lowercased.
#[derive(Debug, Clone, Default)]
pub struct AllowedHeaders {
    names: HashSet<Box<[u8]>, FixedState>,
    longest: usize,
}

impl AllowedHeaders {
    /// From the configured names, already lowercased the way Python's `str.lower()` does.
    pub fn new<I, T>(lowercase_names: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Box<[u8]>>,
    {
        let names: HashSet<Box<[u8]>, FixedState> = lowercase_names.into_iter().map(Into::into).collect();
        let longest = names.iter().map(|name| name.len()).max().unwrap_or(0);
        Self { names, longest }
    }

    /// Whether every item of a requested list is allowed, exactly as Starlette decides it: split on
    /// `,`, each item lowercased and stripped of whitespace, and every item must be a listed name.
    /// So an empty value, an empty item and a trailing comma are refused.
    pub fn allows(&self, requested: &[u8]) -> bool {
        self.first_refused(requested).is_none()
    }

    /// The first refused item of a requested list, stripped of whitespace as Starlette strips it.
    ///
    /// One pass over the value, stopping at the first refused item; no allocation unless a
    /// configured name is longer than 128 bytes.
    pub fn first_refused<'a>(&self, requested: &'a [u8]) -> Option<&'a [u8]> {
        let mut stack = [0u8; STACK_NAME_LEN];
        let mut heap = Vec::new();
        requested.split(|&byte| byte == b',').map(strip_python_space).find(|&name| {
            if name.len() > self.longest {
                return true;
            }
            let lowered: &mut [u8] = if name.len() <= STACK_NAME_LEN {
                &mut stack[..name.len()]
            } else {
                heap.resize(name.len(), 0);
                &mut heap[..]
            };
            for (out, &byte) in lowered.iter_mut().zip(name) {
                *out = to_python_lower(byte);
            }
            !self.names.contains(&*lowered)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> AllowedHeaders {
        AllowedHeaders::new([&b"accept"[..], b"content-type", b"x-token"])
    }

    #[test]
    fn the_first_refused_item_is_named_as_sent_without_its_spaces() {
        assert_eq!(allowed().first_refused(b"x-token, X-Other ,x-more"), Some(&b"X-Other"[..]));
        assert_eq!(allowed().first_refused(b"x-token,"), Some(&b""[..]));
        assert_eq!(allowed().first_refused(b"Accept, x-token"), None);
    }

    #[test]
    fn listed_names_are_allowed_in_any_case_and_with_spaces() {
        assert!(allowed().allows(b"x-token"));
        assert!(allowed().allows(b"X-Token, Content-Type"));
        assert!(allowed().allows(b"  accept ,\tcontent-type\t"));
    }

    #[test]
    fn an_unlisted_name_refuses_the_whole_list() {
        assert!(!allowed().allows(b"x-token, x-other"));
        assert!(!allowed().allows(b"x-other"));
    }

    #[test]
    fn empty_values_and_empty_items_are_refused() {
        assert!(!allowed().allows(b""));
        assert!(!allowed().allows(b"accept,"));
        assert!(!allowed().allows(b"accept,,x-token"));
        assert!(!allowed().allows(b" "));
    }

    #[test]
    fn latin1_capitals_are_lowercased_like_python() {
        let allowed = AllowedHeaders::new([&b"x-\xe9"[..]]); // "x-é"
        assert!(allowed.allows(b"X-\xc9")); // "X-É"
        assert!(!allowed.allows(b"x-e"));
    }

    #[test]
    fn names_longer_than_the_stack_buffer_are_compared_too() {
        let long = vec![b'x'; 300];
        let allowed = AllowedHeaders::new([long.clone()]);
        assert!(allowed.allows(&long.to_ascii_uppercase()));
        assert!(!allowed.allows(&[b'x'; 299]));
        assert!(!allowed.allows(&[b'x'; 301]));
    }

    #[test]
    fn a_megabyte_of_commas_is_refused_at_the_first_item() {
        assert!(!allowed().allows(&vec![b','; 1 << 20]));
    }
}
