//! Python's `str.lower()` and `str.strip()` restricted to latin-1, the alphabet of decoded headers.

/// Whether `byte`, read as a latin-1 character, is whitespace to Python's `str.strip()`.
pub const fn is_python_space(byte: u8) -> bool {
    matches!(byte, 0x09..=0x0D | 0x1C..=0x20 | 0x85 | 0xA0)
}

/// Python's `str.lower()` of one latin-1 character; always a single latin-1 character again.
pub const fn to_python_lower(byte: u8) -> u8 {
    match byte {
        b'A'..=b'Z' | 0xC0..=0xD6 | 0xD8..=0xDE => byte + 0x20,
        _ => byte,
    }
}

/// `text.strip()` with Python's whitespace.
pub fn strip_python_space(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|&b| !is_python_space(b)).unwrap_or(text.len());
    let end = text.iter().rposition(|&b| !is_python_space(b)).map_or(start, |last| last + 1);
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_ascii_and_latin1_capitals_only() {
        assert_eq!(to_python_lower(b'A'), b'a');
        assert_eq!(to_python_lower(b'z'), b'z');
        assert_eq!(to_python_lower(0xC9), 0xE9); // É -> é
        assert_eq!(to_python_lower(0xD7), 0xD7); // × has no case
        assert_eq!(to_python_lower(0xDF), 0xDF); // ß stays
        assert_eq!(to_python_lower(b'-'), b'-');
    }

    #[test]
    fn strips_python_whitespace_including_nbsp_and_nel() {
        assert_eq!(strip_python_space(b" \t x-a \r\n"), b"x-a");
        assert_eq!(strip_python_space(b"\xa0x\x85"), b"x");
        assert_eq!(strip_python_space(b"\x1cx\x1f"), b"x");
        assert_eq!(strip_python_space(b"   "), b"");
        assert_eq!(strip_python_space(b""), b"");
        assert_eq!(strip_python_space(b"a b"), b"a b");
        assert_eq!(strip_python_space(b"\x00a\x00"), b"\x00a\x00");
    }
}
