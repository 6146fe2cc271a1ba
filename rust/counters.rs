//! What a policy has served, counted: one relaxed atomic per counter, always on.
//!
//! Counters are the middleware's, not its configuration's: a policy rebuilt from new options (a
//! `reconfigure`) counts into the same [`Counters`], which its predecessor shares by `Arc`. Each
//! count is a relaxed `fetch_add`: exact under any number of threads (an atomic read-modify-write
//! never loses an update), and ordered with nothing else, since no decision reads a counter.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::constants::COUNTER_NAMES;
use crate::constants::{FAILURE_HEADERS, FAILURE_METHOD, FAILURE_ORIGIN, FAILURE_PRIVATE_NETWORK};
use crate::preflight::Failures;
use crate::response_headers::OriginOutcome;

/// One counter, its index in [`COUNTER_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Every HTTP request the middleware sees, with or without an `Origin`.
    Requests = 0,
    /// A request that is no preflight and carries no `Origin`, counted when its response starts.
    NoOrigin,
    /// A request with an `Origin` that is no preflight, whose response may be shared with it.
    SimpleAllowed,
    /// A request with an `Origin` that is no preflight, whose response may not be shared with it.
    SimpleRefused,
    PreflightAllowed,
    PreflightRefused,
    /// A refused preflight, by its first failing check (in Starlette's order).
    PreflightRefusedOrigin,
    PreflightRefusedMethod,
    PreflightRefusedHeaders,
    PreflightRefusedPrivateNetwork,
    /// A websocket handshake refused by `check_websocket_origin`.
    WebsocketRefused,
    /// `allow_origin_func` called, answered from its cache, or failed (counted by the host).
    OriginFuncCalls,
    OriginFuncCacheHits,
    OriginFuncErrors,
    /// Requests a shadow policy would have answered otherwise (none yet: no shadow policies).
    ShadowDifferences,
}

impl Counter {
    /// Every counter, in the order of [`COUNTER_NAMES`].
    pub const ALL: [Self; COUNTER_NAMES.len()] = [
        Self::Requests,
        Self::NoOrigin,
        Self::SimpleAllowed,
        Self::SimpleRefused,
        Self::PreflightAllowed,
        Self::PreflightRefused,
        Self::PreflightRefusedOrigin,
        Self::PreflightRefusedMethod,
        Self::PreflightRefusedHeaders,
        Self::PreflightRefusedPrivateNetwork,
        Self::WebsocketRefused,
        Self::OriginFuncCalls,
        Self::OriginFuncCacheHits,
        Self::OriginFuncErrors,
        Self::ShadowDifferences,
    ];

    /// The counter's key in a snapshot.
    pub fn name(self) -> &'static str {
        COUNTER_NAMES[self as usize]
    }

    /// The counter of that key.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|counter| counter.name() == name)
    }

    /// Whether the host counts it (what only Python sees); the core counts the others itself.
    pub fn counted_by_host(self) -> bool {
        matches!(
            self,
            Self::OriginFuncCalls
                | Self::OriginFuncCacheHits
                | Self::OriginFuncErrors
                | Self::ShadowDifferences
        )
    }
}

/// The reasons a preflight is refused for, in Starlette's order.
const REFUSAL_REASONS: [Counter; 4] = [
    Counter::PreflightRefusedOrigin,
    Counter::PreflightRefusedMethod,
    Counter::PreflightRefusedHeaders,
    Counter::PreflightRefusedPrivateNetwork,
];

// The failure bits are ordered as `REFUSAL_REASONS`, from the lowest: the first failure of a
// preflight is its lowest bit.
const _: () = assert!(
    FAILURE_ORIGIN == 1 && FAILURE_METHOD == 2 && FAILURE_HEADERS == 4 && FAILURE_PRIVATE_NETWORK == 8
);

/// The counter of a preflight, by its failure bits: allowed, or its first failure's.
const PREFLIGHT_COUNTERS: [Counter; 16] = {
    let mut counters = [Counter::PreflightAllowed; 16];
    let mut bits = 1;
    while bits < 16 {
        counters[bits] = REFUSAL_REASONS[bits.trailing_zeros() as usize];
        bits += 1;
    }
    counters
};

/// The counters of one policy (and of every policy that replaced it).
#[derive(Debug, Default)]
pub struct Counters {
    values: [AtomicU64; COUNTER_NAMES.len()],
}

impl Counters {
    /// Adds one to `counter`.
    #[inline]
    pub fn count(&self, counter: Counter) {
        self.values[counter as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A request whose response starts: its origin's outcome. `refused`: the policy refuses the
    /// origin (`Policy::refuses_origin`).
    #[inline]
    pub fn count_response_start(&self, outcome: OriginOutcome, refused: bool) {
        self.count(match outcome {
            OriginOutcome::Absent => Counter::NoOrigin,
            _ if refused => Counter::SimpleRefused,
            _ => Counter::SimpleAllowed,
        });
    }

    /// A preflight answered: allowed, or refused under its first failure. One count: a refused
    /// preflight counts in `preflight_refused` through its reason (see [`Counters::get`]).
    #[inline]
    pub fn count_preflight(&self, failures: Failures) {
        self.count(PREFLIGHT_COUNTERS[failures.index()]);
    }

    /// Every counter's value now, in the order of [`COUNTER_NAMES`]. Each value is read on its
    /// own: under concurrent requests a snapshot may hold a request's first count and not yet its
    /// second.
    pub fn snapshot(&self) -> [(&'static str, u64); COUNTER_NAMES.len()] {
        Counter::ALL.map(|counter| (counter.name(), self.get(counter)))
    }

    /// One counter's value now. `preflight_refused` is the sum of the refusals by reason, each
    /// refused preflight being counted under exactly one.
    pub fn get(&self, counter: Counter) -> u64 {
        if counter == Counter::PreflightRefused {
            return REFUSAL_REASONS.iter().map(|reason| self.load(*reason)).fold(0, u64::wrapping_add);
        }
        self.load(counter)
    }

    fn load(&self, counter: Counter) -> u64 {
        self.values[counter as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;

    #[test]
    fn every_counter_has_the_name_at_its_index() {
        for (index, counter) in Counter::ALL.into_iter().enumerate() {
            assert_eq!(counter as usize, index);
            assert_eq!(Counter::named(counter.name()), Some(counter));
        }
        assert_eq!(Counter::named("no_such_counter"), None);
    }

    #[test]
    fn the_host_counts_only_what_the_core_cannot_see() {
        let counted: Vec<&str> =
            Counter::ALL.into_iter().filter(|counter| counter.counted_by_host()).map(Counter::name).collect();
        assert_eq!(
            counted,
            ["origin_func_calls", "origin_func_cache_hits", "origin_func_errors", "shadow_differences"]
        );
    }

    #[test]
    fn a_refused_preflight_counts_once_overall_and_once_under_its_first_failure() {
        let counters = Counters::default();
        let mut failures = Failures::default();
        failures.add_if(true, Failures::METHOD);
        failures.add_if(true, Failures::HEADERS);
        counters.count_preflight(failures);
        assert_eq!(counters.get(Counter::PreflightRefused), 1);
        assert_eq!(counters.get(Counter::PreflightRefusedMethod), 1);
        assert_eq!(counters.get(Counter::PreflightRefusedHeaders), 0);
        assert_eq!(counters.get(Counter::PreflightAllowed), 0);
    }

    #[test]
    fn an_allowed_preflight_counts_only_as_allowed() {
        let counters = Counters::default();
        counters.count_preflight(Failures::default());
        let counted: u64 = counters.snapshot().iter().map(|(_, value)| value).sum();
        assert_eq!((counters.get(Counter::PreflightAllowed), counted), (1, 1));
    }

    #[test]
    fn a_response_start_counts_its_origins_outcome() {
        let counters = Counters::default();
        counters.count_response_start(OriginOutcome::Absent, false);
        counters.count_response_start(OriginOutcome::Echoed, false);
        counters.count_response_start(OriginOutcome::NotEchoed, false); // `*` without credentials
        counters.count_response_start(OriginOutcome::NotEchoed, true);
        assert_eq!(counters.get(Counter::NoOrigin), 1);
        assert_eq!(counters.get(Counter::SimpleAllowed), 2);
        assert_eq!(counters.get(Counter::SimpleRefused), 1);
    }

    #[test]
    fn counts_from_many_threads_are_exact() {
        let counters = Arc::new(Counters::default());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let counters = Arc::clone(&counters);
                thread::spawn(move || {
                    for _ in 0..10_000 {
                        counters.count(Counter::Requests);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("a counting thread never panics");
        }
        assert_eq!(counters.get(Counter::Requests), 80_000);
    }
}
