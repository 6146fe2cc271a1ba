//! A naive reference for the route table: every prefix tried on its own against the whole path,
//! the longest one that matches winning, with none of the core's tree of segments.

/// Whether `prefix` is one the constructor accepts (`fastcors._routes`): `/`, or `/` then
/// segments that are not empty, with no trailing `/`. The core is only built from such prefixes.
#[must_use]
pub fn is_prefix(prefix: &[u8]) -> bool {
    prefix == b"/"
        || (prefix.starts_with(b"/")
            && !prefix.ends_with(b"/")
            && !prefix.windows(2).any(|pair| pair == b"//"))
}

/// Whether `prefix` matches `path` on whole segments: `/` matches every path; any other prefix
/// matches the path equal to it and the paths that continue it with `/`.
#[must_use]
pub fn reference_prefix_matches(prefix: &[u8], path: &[u8]) -> bool {
    prefix == b"/" || path == prefix || (path.starts_with(prefix) && path.get(prefix.len()) == Some(&b'/'))
}

/// The position of the longest prefix of `prefixes` that matches `path` (of two equal ones, the
/// later), or `None`.
#[must_use]
pub fn reference_route(prefixes: &[&[u8]], path: &[u8]) -> Option<usize> {
    let mut found: Option<usize> = None;
    for (position, prefix) in prefixes.iter().enumerate() {
        if !reference_prefix_matches(prefix, path) {
            continue;
        }
        if found.is_none_or(|best| prefix.len() >= prefixes[best].len()) {
            found = Some(position);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{is_prefix, reference_route};

    #[test]
    fn the_reference_picks_the_longest_whole_segment_prefix() {
        let prefixes: [&[u8]; 3] = [b"/", b"/api", b"/api/admin"];
        assert_eq!(reference_route(&prefixes, b"/api/admin/x"), Some(2));
        assert_eq!(reference_route(&prefixes, b"/api/administration"), Some(1));
        assert_eq!(reference_route(&prefixes, b"relative"), Some(0));
        assert_eq!(reference_route(&prefixes[1..], b"/apix"), None);
    }

    #[test]
    fn only_checked_prefixes_are_prefixes() {
        assert!(is_prefix(b"/") && is_prefix(b"/a/b"));
        assert!(!is_prefix(b"") && !is_prefix(b"a") && !is_prefix(b"/a/") && !is_prefix(b"/a//b"));
    }
}
