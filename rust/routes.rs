//! Routes: path prefixes matched on whole segments, the longest one winning, in a tree of
//! segments, so that finding a request's route costs one lookup per segment of its path, whatever
//! the number of routes.
//!
//! A prefix is `/` or `/a/b` (the caller checked it: no empty segment, no trailing `/`); it matches
//! a path equal to it or continuing with `/`: `/public` matches `/public` and `/public/x`, not
//! `/publication`. Paths are the UTF-8 bytes of `scope["path"]` (lone surrogates encoded as
//! Python's `surrogatepass` does), compared byte for byte.

use std::collections::HashMap as StdHashMap;

type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::FixedState>;

/// One segment's node: the route that ends here, if any, and the segments that continue it.
#[derive(Debug, Default)]
struct Node {
    route: Option<usize>,
    children: HashMap<Box<[u8]>, usize>,
}

/// The routes' prefixes as a tree of segments; a route is known by its position in the list it
/// was built from.
#[derive(Debug)]
pub struct Routes {
    /// The root (`/`) first.
    nodes: Vec<Node>,
}

impl Routes {
    /// The tree of `prefixes`; a prefix given twice keeps its last position.
    pub fn new<'a>(prefixes: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut routes = Self { nodes: vec![Node::default()] };
        for (position, prefix) in prefixes.into_iter().enumerate() {
            let mut node = 0;
            for segment in segments(prefix) {
                let next = routes.nodes.len();
                node = *routes.nodes[node].children.entry(segment.into()).or_insert(next);
                if node == next {
                    routes.nodes.push(Node::default());
                }
            }
            routes.nodes[node].route = Some(position);
        }
        routes
    }

    /// The position of the longest prefix that matches `path` on whole segments, or `None` when
    /// none does. A path that does not start with `/` matches only the root prefix.
    #[must_use]
    pub fn find(&self, path: &[u8]) -> Option<usize> {
        let mut node = &self.nodes[0];
        let mut found = node.route;
        let Some(mut rest) = path.strip_prefix(b"/") else { return found };
        // A node without children ends the walk before its next segment is even cut out: most
        // paths under a route go on below its prefix.
        while !node.children.is_empty() && !rest.is_empty() {
            let (segment, after) = match rest.iter().position(|&byte| byte == b'/') {
                Some(slash) => (&rest[..slash], &rest[slash + 1..]),
                None => (rest, &b""[..]),
            };
            let Some(&next) = node.children.get(segment) else { break };
            node = &self.nodes[next];
            if node.route.is_some() {
                found = node.route;
            }
            rest = after;
        }
        found
    }
}

/// The segments of a path that starts with `/` (none for `/` itself).
fn segments(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let rest = path.get(1..).unwrap_or_default();
    (!rest.is_empty()).then(|| rest.split(|&byte| byte == b'/')).into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::Routes;

    fn routes(prefixes: &[&str]) -> Routes {
        Routes::new(prefixes.iter().map(|prefix| prefix.as_bytes()))
    }

    #[test]
    fn a_prefix_matches_itself_and_the_paths_below_it() {
        let routes = routes(&["/public"]);
        assert_eq!(routes.find(b"/public"), Some(0));
        assert_eq!(routes.find(b"/public/"), Some(0));
        assert_eq!(routes.find(b"/public/x/y"), Some(0));
    }

    #[test]
    fn a_prefix_matches_whole_segments_only() {
        let routes = routes(&["/public"]);
        assert_eq!(routes.find(b"/publication"), None);
        assert_eq!(routes.find(b"/pub"), None);
        assert_eq!(routes.find(b"/"), None);
        assert_eq!(routes.find(b"//public"), None);
    }

    #[test]
    fn the_longest_matching_prefix_wins() {
        let routes = routes(&["/api", "/api/admin", "/"]);
        assert_eq!(routes.find(b"/api/admin/users"), Some(1));
        assert_eq!(routes.find(b"/api/administration"), Some(0));
        assert_eq!(routes.find(b"/api"), Some(0));
        assert_eq!(routes.find(b"/other"), Some(2));
    }

    #[test]
    fn the_root_prefix_matches_every_path() {
        let routes = routes(&["/"]);
        assert_eq!(routes.find(b"/"), Some(0));
        assert_eq!(routes.find(b"/x/y"), Some(0));
        assert_eq!(routes.find(b""), Some(0));
        assert_eq!(routes.find(b"relative"), Some(0));
    }

    #[test]
    fn a_path_without_a_leading_slash_matches_no_other_prefix() {
        let routes = routes(&["/public"]);
        assert_eq!(routes.find(b"public"), None);
        assert_eq!(routes.find(b""), None);
    }

    #[test]
    fn an_inner_node_without_a_route_does_not_match() {
        let routes = routes(&["/a/b"]);
        assert_eq!(routes.find(b"/a"), None);
        assert_eq!(routes.find(b"/a/c"), None);
        assert_eq!(routes.find(b"/a/b/c"), Some(0));
    }

    #[test]
    fn segments_are_compared_byte_for_byte() {
        let routes = routes(&["/Admin", "/caf\u{e9}"]);
        assert_eq!(routes.find(b"/admin"), None);
        assert_eq!(routes.find("/caf\u{e9}/x".as_bytes()), Some(1));
    }
}
