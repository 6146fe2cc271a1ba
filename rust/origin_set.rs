//! Origins a source outside the process (Redis) replaces while requests read them: the whole set
//! swapped at once, and trusted only until a deadline that each successful load pushes back, so
//! that a source gone silent stops approving anything after it.

use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::membership::Membership;

/// What requests read: the origins, and until when they may be trusted.
struct Snapshot {
    origins: Membership,
    /// `None`: never loaded, or expired; nothing is allowed.
    trusted_until: Option<Instant>,
}

/// A set of allowed origins replaced whole by its source. Readers never wait for a load: the new
/// set is built before the lock is taken, and the lock is held only to swap it in.
pub struct SharedOrigins {
    snapshot: RwLock<Snapshot>,
}

impl Default for SharedOrigins {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedOrigins {
    /// An empty set, never loaded: it allows nothing until its first `replace`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            snapshot: RwLock::new(Snapshot {
                origins: Membership::exact::<_, Box<[u8]>>([]),
                trusted_until: None,
            }),
        }
    }

    /// Serves `origins` from now on, trusted for `trusted_for` from now.
    pub fn replace<I, T>(&self, origins: I, trusted_for: Duration)
    where
        I: IntoIterator<Item = T>,
        T: Into<Box<[u8]>>,
    {
        let fresh = Snapshot {
            origins: Membership::exact(origins),
            trusted_until: Instant::now().checked_add(trusted_for),
        };
        let old = std::mem::replace(&mut *self.write(), fresh);
        // The old set is freed after the lock is released.
        drop(old);
    }

    /// Stops trusting the set: nothing is allowed until the next `replace`.
    pub fn expire(&self) {
        self.write().trusted_until = None;
    }

    /// Whether `origin` is in the set, and the set is still trusted.
    pub fn allows(&self, origin: &[u8]) -> bool {
        let snapshot = self.snapshot.read().unwrap_or_else(PoisonError::into_inner);
        snapshot.origins.contains(origin) == Some(true)
            && snapshot.trusted_until.is_some_and(|until| Instant::now() < until)
    }

    /// Whether the set is still trusted.
    pub fn trusted(&self) -> bool {
        let snapshot = self.snapshot.read().unwrap_or_else(PoisonError::into_inner);
        snapshot.trusted_until.is_some_and(|until| Instant::now() < until)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Snapshot> {
        // A panic cannot happen while the lock is held (it only moves values), so a poisoned lock
        // still holds a whole snapshot.
        self.snapshot.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_set_never_loaded_allows_nothing() {
        let origins = SharedOrigins::new();
        assert!(!origins.allows(b"https://a.example"));
        assert!(!origins.allows(b""));
        assert!(!origins.trusted());
    }

    #[test]
    fn a_loaded_set_allows_its_origins_exactly() {
        let origins = SharedOrigins::new();
        origins.replace([&b"https://a.example"[..], b"https://b.example"], HOUR);
        assert!(origins.allows(b"https://a.example"));
        assert!(origins.allows(b"https://b.example"));
        assert!(!origins.allows(b"https://A.example"));
        assert!(!origins.allows(b"https://a.example/"));
        assert!(!origins.allows(b"https://c.example"));
    }

    #[test]
    fn a_replacement_takes_effect_whole() {
        let origins = SharedOrigins::new();
        origins.replace([&b"https://a.example"[..]], HOUR);
        origins.replace([&b"https://b.example"[..]], HOUR);
        assert!(!origins.allows(b"https://a.example"));
        assert!(origins.allows(b"https://b.example"));
    }

    #[test]
    fn an_expired_set_allows_nothing_until_replaced() {
        let origins = SharedOrigins::new();
        origins.replace([&b"https://a.example"[..]], HOUR);
        origins.expire();
        assert!(!origins.allows(b"https://a.example"));
        origins.replace([&b"https://a.example"[..]], HOUR);
        assert!(origins.allows(b"https://a.example"));
    }

    #[test]
    fn a_set_past_its_deadline_allows_nothing() {
        let origins = SharedOrigins::new();
        origins.replace([&b"https://a.example"[..]], Duration::ZERO);
        assert!(!origins.allows(b"https://a.example"));
        assert!(!origins.trusted());
    }

    #[test]
    fn many_origins_are_looked_up_by_hash() {
        let listed: Vec<Box<[u8]>> =
            (0..10_000).map(|i| format!("https://t{i}.example").into_bytes().into()).collect();
        let origins = SharedOrigins::new();
        origins.replace(listed, HOUR);
        assert!(origins.allows(b"https://t9999.example"));
        assert!(!origins.allows(b"https://t10000.example"));
    }
}
