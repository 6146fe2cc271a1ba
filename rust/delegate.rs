//! The questions a policy hands back to its host, because only the host can answer them.

use std::convert::Infallible;

/// Answers what Rust cannot: an `allow_origin_regex` whose meaning only Python's `re` has, and
/// options given as collections with their own membership test, which Starlette asks afresh on
/// every request.
pub trait Delegate {
    type Error;

    /// Whether the regex matches the whole origin.
    ///
    /// # Errors
    /// Whatever evaluating the regex raised.
    fn origin_regex_matches(&self, origin: &[u8]) -> Result<bool, Self::Error>;

    /// `origin in allow_origins`.
    ///
    /// # Errors
    /// Whatever the membership test raised.
    fn origin_listed(&self, origin: &[u8]) -> Result<bool, Self::Error>;

    /// The verdict of an `is_allowed_origin` the application overrode, which replaces every
    /// origin check but the allow-all shortcut of simple responses, as in Starlette.
    ///
    /// # Errors
    /// Whatever the override raised.
    fn origin_judged(&self, origin: &[u8]) -> Result<bool, Self::Error>;

    /// `method in allow_methods`.
    ///
    /// # Errors
    /// Whatever the membership test raised.
    fn method_listed(&self, method: &[u8]) -> Result<bool, Self::Error>;
}

/// The host of a policy built wholly in Rust: it answers no to every question.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDelegate;

impl Delegate for NoDelegate {
    type Error = Infallible;

    fn origin_regex_matches(&self, _: &[u8]) -> Result<bool, Infallible> {
        Ok(false)
    }

    fn origin_listed(&self, _: &[u8]) -> Result<bool, Infallible> {
        Ok(false)
    }

    fn origin_judged(&self, _: &[u8]) -> Result<bool, Infallible> {
        Ok(false)
    }

    fn method_listed(&self, _: &[u8]) -> Result<bool, Infallible> {
        Ok(false)
    }
}
