//! The core of fastcors: every CORS decision Starlette's `CORSMiddleware` makes, in plain Rust.
//!
//! Strings arrive as the raw bytes of HTTP headers. Starlette decodes them as latin-1, one
//! character per byte, so byte-wise rules here are exactly its character-wise rules.
//! Only `bindings` knows about Python.

pub mod anchored_regex;
pub mod constants;
pub mod counters;
pub mod delegate;
pub mod latin1;
pub mod membership;
pub mod origin;
pub mod origin_patterns;
pub mod origin_set;
pub mod policy;
pub mod preflight;
pub mod request_headers;
pub mod response_headers;
pub mod routes;
pub mod shadow;

#[cfg(feature = "python")]
mod bindings;
