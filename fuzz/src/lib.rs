//! What the fuzz targets share: a reader for their byte-string inputs, and naive reference
//! implementations of Starlette's rules, written as plainly as possible and independently of the
//! core (Rust's own Unicode tables stand in for Python's where they agree on latin-1), so that
//! a target can compare the core's answer with the obvious one.
//!
//! The input format is shared with `tools/fuzz_seeds.py`, which writes the seed corpora:
//! a flag byte is one byte, a field is a length byte then that many bytes (cut short at the end of
//! the input), a list is a count byte then fields, and the last field of a target takes the rest.

pub mod origin_patterns;
pub mod patterns;
pub mod routes;

use std::cell::Cell;
use std::sync::OnceLock;

use _fastcors::delegate::Delegate;
use _fastcors::origin::OriginRegex;

/// Reads a fuzz input front to back; past the end every read is empty, never a panic.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// One byte, 0 past the end.
    pub fn byte(&mut self) -> u8 {
        let Some((&first, rest)) = self.data.split_first() else {
            return 0;
        };
        self.data = rest;
        first
    }

    /// A length byte, then that many bytes (fewer at the end of the input).
    pub fn field(&mut self) -> &'a [u8] {
        let length = usize::from(self.byte()).min(self.data.len());
        let (field, rest) = self.data.split_at(length);
        self.data = rest;
        field
    }

    /// A field, or `None` when the flag byte before it is odd.
    pub fn optional_field(&mut self) -> Option<&'a [u8]> {
        if self.byte() & 1 == 1 {
            None
        } else {
            Some(self.field())
        }
    }

    /// A count byte (taken modulo `max + 1`), then that many fields.
    pub fn list(&mut self, max: usize) -> Vec<&'a [u8]> {
        let count = usize::from(self.byte()) % (max + 1);
        (0..count).map(|_| self.field()).collect()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// The translation of `patterns::TRANSLATED[index]`, compiled once per process (compiling is
/// far slower than matching, and would otherwise dominate every run); each must get the Rust engine.
pub fn translated_regex(index: usize) -> OriginRegex {
    static COMPILED: OnceLock<Vec<OriginRegex>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        patterns::TRANSLATED
            .iter()
            .map(|(pattern, translated)| {
                let regex = OriginRegex::compile(Some(translated));
                assert_eq!(regex.engine(), Some("rust"), "{pattern:?} must compile for the Rust engine");
                regex
            })
            .collect()
    });
    compiled[index].clone()
}

/// The latin-1 character of a byte, as Python's `bytes.decode("latin-1")` gives it.
pub fn latin1(byte: u8) -> char {
    char::from(byte)
}

/// Python's `str.lower()` of a latin-1 character, from Rust's Unicode tables: the full lowercase
/// mapping, which for latin-1 is always one latin-1 character.
pub fn reference_lower(byte: u8) -> u8 {
    let mut lowered = latin1(byte).to_lowercase();
    let only = lowered.next().expect("a lowercase mapping is never empty");
    assert!(lowered.next().is_none(), "no latin-1 character lowercases to several");
    u8::try_from(u32::from(only)).expect("latin-1 lowercases within latin-1")
}

/// Whitespace to Python's `str.strip()`, spelled out: the ASCII controls \t \n \v \f \r, the
/// separators U+001C..U+001F, space, NEL and NO-BREAK SPACE.
pub fn reference_is_space(byte: u8) -> bool {
    matches!(byte, 0x09 | 0x0A | 0x0B | 0x0C | 0x0D | 0x1C | 0x1D | 0x1E | 0x1F | 0x20 | 0x85 | 0xA0)
}

/// `text.strip()`, one character at a time from each end.
pub fn reference_strip(mut text: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = text {
        if !reference_is_space(*first) {
            break;
        }
        text = rest;
    }
    while let [rest @ .., last] = text {
        if !reference_is_space(*last) {
            break;
        }
        text = rest;
    }
    text
}

/// `needle in haystack` for Python strings: at every position, compare.
pub fn reference_contains(haystack: &[u8], needle: &[u8]) -> bool {
    (0..=haystack.len()).any(|start| haystack[start..].starts_with(needle))
}

/// `item in option`: a linear scan of a list, or substrings of a bare string's latin-1 runs.
pub fn reference_member(items: &[&[u8]], item: &[u8], substring: bool) -> bool {
    if substring {
        items.iter().any(|run| reference_contains(run, item))
    } else {
        items.contains(&item) // a linear scan of the slice
    }
}

/// Starlette's check of `Access-Control-Request-Headers` against `self.allow_headers` (names
/// already lowercased): `for h in [h.lower() for h in value.split(",")]: if h.strip() not in
/// allowed: refuse`.
pub fn reference_headers_allowed(allowed_lowercase: &[Vec<u8>], requested: &[u8]) -> bool {
    for item in requested.split(|&byte| byte == b',') {
        let lowered: Vec<u8> = item.iter().map(|&byte| reference_lower(byte)).collect();
        let name = reference_strip(&lowered);
        if !allowed_lowercase.iter().any(|allowed| allowed.as_slice() == name) {
            return false;
        }
    }
    true
}

/// Python's `\w` on a latin-1 character without `re.ASCII`: `str.isalnum()` or `_`, which Rust's
/// `char::is_alphanumeric` (alphabetic or numeric) agrees with on latin-1.
pub fn python_word(byte: u8) -> bool {
    latin1(byte).is_alphanumeric() || byte == b'_'
}

fn ascii_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// `text` without `prefix` and `suffix`, if it has both (and they do not overlap).
fn between<'a>(text: &'a [u8], prefix: &[u8], suffix: &[u8]) -> Option<&'a [u8]> {
    text.strip_prefix(prefix)?.strip_suffix(suffix)
}

/// What `re.fullmatch(pattern, origin.decode("latin-1"))` answers, for each pattern of
/// `patterns::TRANSLATED`, worked out by hand from Python's documented semantics (`.` is any
/// character but `\n`, `\d` is a decimal digit, `\s` is `str.isspace`, ...). `None` for a
/// pattern this function does not know.
pub fn reference_fullmatch(pattern: &str, origin: &[u8]) -> Option<bool> {
    let no_newline = |text: &[u8]| !text.contains(&b'\n');
    let lowered: Vec<u8> = origin.iter().map(|&byte| reference_lower(byte)).collect();
    Some(match pattern {
        r"https://.*\.example\.org" => between(origin, b"https://", b".example.org").is_some_and(no_newline),
        r"https://[a-z0-9-]+\.example\.(org|com)" => {
            [&b".example.org"[..], b".example.com"].iter().any(|end| {
                between(origin, b"https://", end).is_some_and(|host| {
                    !host.is_empty()
                        && host.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                })
            })
        }
        r"https://(a+)+\.example\.org" => between(origin, b"https://", b".example.org")
            .is_some_and(|host| !host.is_empty() && host.iter().all(|&b| b == b'a')),
        r"(?i)https://example\.org" => origin.eq_ignore_ascii_case(b"https://example.org"),
        r"http://localhost:\d+" => origin
            .strip_prefix(b"http://localhost:")
            .is_some_and(|port| !port.is_empty() && port.iter().all(u8::is_ascii_digit)),
        r"https://\w+\.example\.org" => between(origin, b"https://", b".example.org")
            .is_some_and(|host| !host.is_empty() && host.iter().copied().all(python_word)),
        r"(?i)https://café\.fr" => lowered == b"https://caf\xe9.fr",
        r"https://example\.org/?" => origin == b"https://example.org" || origin == b"https://example.org/",
        r"^https://(www\.)?example\.org$" => {
            origin == b"https://example.org" || origin == b"https://www.example.org"
        }
        r"null|https://.*" => origin == b"null" || origin.strip_prefix(b"https://").is_some_and(no_newline),
        r"(?a)https://\w+\.org" => between(origin, b"https://", b".org")
            .is_some_and(|host| !host.is_empty() && host.iter().copied().all(ascii_word)),
        r"https://[^.]+\.example\.org" => between(origin, b"https://", b".example.org")
            .is_some_and(|host| !host.is_empty() && !host.contains(&b'.')),
        r"\s*https://example\.org\s*" => reference_strip(origin) == b"https://example.org",
        r"https://example\.org$" | r"\Ahttps://example\.org\Z" => origin == b"https://example.org",
        r"(?s)https://.*" => origin.starts_with(b"https://"),
        r"https://a{,3}\.org" => between(origin, b"https://", b".org")
            .is_some_and(|a| a.len() <= 3 && a.iter().all(|&b| b == b'a')),
        r"(?a)https://caf\b.*" => origin
            .strip_prefix(b"https://caf")
            .is_some_and(|rest| rest.first().is_none_or(|&next| !ascii_word(next)) && no_newline(rest)),
        // Untranslatable (Unicode \b): only ever a foreign pattern, answered by the caller.
        r"https://caf\b.*" => origin
            .strip_prefix(b"https://caf")
            .is_some_and(|rest| rest.first().is_none_or(|&next| !python_word(next)) && no_newline(rest)),
        _ => return None,
    })
}

/// One header of a simulated `MutableHeaders` list: `None` stands for a name or value that is
/// not `bytes`; `from_app` is the index of the app's header it still is, if it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedHeader {
    pub name: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub from_app: Option<usize>,
}

/// `MutableHeaders.__setitem__`: every header of that name is found (names compare byte-exactly,
/// a non-bytes name never equals), later ones are deleted, the first is replaced in place, or the
/// header is appended.
pub fn simulate_set(headers: &mut Vec<SimulatedHeader>, name: &[u8], value: &[u8]) {
    let found: Vec<usize> =
        (0..headers.len()).filter(|&index| headers[index].name.as_deref() == Some(name)).collect();
    for &index in found.iter().skip(1).rev() {
        headers.remove(index);
    }
    let header = SimulatedHeader { name: Some(name.to_vec()), value: Some(value.to_vec()), from_app: None };
    match found.first() {
        Some(&index) => headers[index] = header,
        None => headers.push(header),
    }
}

/// `", ".join([*headers.getlist("Vary"), "Origin"])`; `Err(app index)` for the first `vary` whose
/// value is not bytes, where Starlette fails.
pub fn simulate_merged_vary(headers: &[SimulatedHeader]) -> Result<Vec<u8>, usize> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for header in headers {
        if header.name.as_deref() == Some(b"vary") {
            match &header.value {
                Some(value) => parts.push(value),
                None => return Err(header.from_app.expect("only the app's headers can be unreadable")),
            }
        }
    }
    parts.push(b"Origin");
    Ok(parts.join(&b", "[..]))
}

/// What a failing host question raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFailed(pub u8);

/// A host (the Python side) whose answers are the references': a foreign regex is one of
/// `patterns::FOREIGN`, delegated collections are lists searched linearly, and an overridden
/// `is_allowed_origin` is `host_judges`. Each question can be made to fail, and every question
/// asked is recorded.
#[derive(Debug)]
pub struct ReferenceHost<'a> {
    pub foreign_pattern: &'a str,
    pub origins: &'a [&'a [u8]],
    pub methods: &'a [&'a [u8]],
    /// Which questions fail: the `ASK_*` bits.
    pub failing: u8,
    /// Which questions were asked: the `ASK_*` bits.
    pub asked: Cell<u8>,
}

pub const ASK_REGEX: u8 = 1;
pub const ASK_ORIGIN_LISTED: u8 = 2;
pub const ASK_ORIGIN_JUDGED: u8 = 4;
pub const ASK_METHOD_LISTED: u8 = 8;

/// The verdict of the test's stand-in for an application's own `is_allowed_origin`.
pub fn host_judges(origin: &[u8]) -> bool {
    origin.contains(&b'j')
}

impl ReferenceHost<'_> {
    fn ask(&self, question: u8, answer: impl FnOnce() -> bool) -> Result<bool, HostFailed> {
        self.asked.set(self.asked.get() | question);
        if self.failing & question != 0 {
            Err(HostFailed(question))
        } else {
            Ok(answer())
        }
    }
}

impl Delegate for ReferenceHost<'_> {
    type Error = HostFailed;

    fn origin_regex_matches(&self, origin: &[u8]) -> Result<bool, HostFailed> {
        self.ask(ASK_REGEX, || reference_fullmatch(self.foreign_pattern, origin).expect("a known pattern"))
    }

    fn origin_listed(&self, origin: &[u8]) -> Result<bool, HostFailed> {
        self.ask(ASK_ORIGIN_LISTED, || reference_member(self.origins, origin, false))
    }

    fn origin_judged(&self, origin: &[u8]) -> Result<bool, HostFailed> {
        self.ask(ASK_ORIGIN_JUDGED, || host_judges(origin))
    }

    fn method_listed(&self, method: &[u8]) -> Result<bool, HostFailed> {
        self.ask(ASK_METHOD_LISTED, || reference_member(self.methods, method, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_never_runs_past_the_end() {
        let mut input = Input::new(&[2, b'a']);
        assert_eq!(input.field(), b"a");
        assert_eq!(input.byte(), 0);
        assert_eq!(input.list(3), Vec::<&[u8]>::new());
        assert_eq!(input.rest(), b"");
    }

    #[test]
    fn reference_lower_and_strip_are_pythons() {
        assert_eq!(reference_lower(b'A'), b'a');
        assert_eq!(reference_lower(0xC9), 0xE9);
        assert_eq!(reference_lower(0xD7), 0xD7);
        assert_eq!(reference_lower(0xDF), 0xDF);
        assert_eq!(reference_strip(b"\x1c\xa0 x \x85"), b"x");
        assert_eq!(reference_strip(b"\x00x"), b"\x00x");
    }

    #[test]
    fn reference_membership_is_exact_or_substring() {
        let items: [&[u8]; 2] = [b"foo.com", b"bar.com"];
        assert!(!reference_member(&items, b"barfoo.com", false));
        assert!(reference_member(&items, b"foo.com", false));
        assert!(reference_member(&items, b"o.c", true));
        assert!(reference_member(&items, b"", true));
        assert!(!reference_member(&[], b"", true));
    }

    #[test]
    fn reference_header_check_refuses_empty_items() {
        let allowed = vec![b"x-a".to_vec(), b"content-type".to_vec()];
        assert!(reference_headers_allowed(&allowed, b" X-A ,Content-Type"));
        assert!(!reference_headers_allowed(&allowed, b"x-a,"));
        assert!(!reference_headers_allowed(&allowed, b""));
    }

    #[test]
    fn every_translated_pattern_has_a_reference() {
        for (pattern, _) in patterns::TRANSLATED {
            assert!(reference_fullmatch(pattern, b"").is_some(), "{pattern}");
        }
        for pattern in patterns::FOREIGN {
            assert!(reference_fullmatch(pattern, b"").is_some(), "{pattern}");
        }
    }

    #[test]
    fn python_word_matches_pythons_latin1_alphanumerics() {
        // From Python: [c for c in range(256) if re.fullmatch(r"\w", chr(c))] past ASCII.
        let expected: Vec<u8> =
            [0xAA, 0xB2, 0xB3, 0xB5, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE].into_iter().chain(0xC0..=0xFF).collect();
        let expected: Vec<u8> = expected.into_iter().filter(|&b| b != 0xD7 && b != 0xF7).collect();
        let found: Vec<u8> = (0x80..=0xFF).filter(|&b| python_word(b)).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn simulated_set_replaces_the_first_and_drops_the_rest() {
        let header = |name: &[u8], index| SimulatedHeader {
            name: Some(name.to_vec()),
            value: Some(b"v".to_vec()),
            from_app: Some(index),
        };
        let mut headers = vec![header(b"vary", 0), header(b"x", 1), header(b"vary", 2)];
        simulate_set(&mut headers, b"vary", b"new");
        assert_eq!(headers.len(), 2);
        assert_eq!(headers[0].value.as_deref(), Some(&b"new"[..]));
        assert_eq!(headers[1].from_app, Some(1));
    }
}
