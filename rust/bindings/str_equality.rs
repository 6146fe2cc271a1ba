//! `value == "http.response.start"` and the like: the comparisons of ASGI names (the scope's
//! `type` and `method`, each message's `type`) that every request makes several times.
//!
//! An exact `str` is compared by its length, then by its text, through the C API itself:
//! `PyO3`'s checked conversion costs more than the comparison, and most comparisons are settled
//! by the length alone (`"GET"` against `"OPTIONS"`, a body message against a start).
#![allow(unsafe_code, reason = "two C API calls on a str the caller holds, without PyO3's wrappers")]
// Each comparison is a few instructions once inlined into its caller, and a call otherwise: the
// heuristics of different builds disagree, so the usual path is inlined always.
#![allow(clippy::inline_always, reason = "see above")]

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// `value == expected`, as Python compares. `interned` is `expected` as a Python string, which
/// ASGI servers often pass itself; `expected` is ASCII. A plain `str` is compared by its
/// length and its text; anything else (a subclass, a string with lone surrogates) is asked with
/// `==`.
#[inline(always)]
pub(super) fn str_equals(
    value: &Bound<'_, PyAny>,
    interned: &Bound<'_, PyString>,
    expected: &str,
) -> PyResult<bool> {
    match plain_str_equals(value, interned, expected) {
        Some(equal) => Ok(equal),
        None => value.eq(interned),
    }
}

/// `value != expected`, as Python compares: [`str_equals`] for a plain `str`; anything else is
/// asked with `!=`, which a `str` subclass may answer otherwise than `==`. Starlette asks
/// `scope["type"] != "http"` and `message["type"] != "http.response.start"`.
#[inline(always)]
pub(super) fn str_differs(
    value: &Bound<'_, PyAny>,
    interned: &Bound<'_, PyString>,
    expected: &str,
) -> PyResult<bool> {
    match plain_str_equals(value, interned, expected) {
        Some(equal) => Ok(!equal),
        None => value.ne(interned),
    }
}

/// Whether `value` is `expected`, when it is `interned` itself or a plain `str` with a UTF-8
/// form; `None` when only Python can tell.
#[inline(always)]
fn plain_str_equals(
    value: &Bound<'_, PyAny>,
    interned: &Bound<'_, PyString>,
    expected: &str,
) -> Option<bool> {
    debug_assert!(expected.is_ascii(), "ASGI names are ASCII");
    if value.is(interned) {
        return Some(true);
    }
    exact_str_equals(value.cast_exact::<PyString>().ok()?, expected)
}

/// An exact `str` against ASCII text: `None` when the string has no UTF-8 form (lone
/// surrogates) and lengths do not settle it.
#[inline(always)]
fn exact_str_equals(text: &Bound<'_, PyString>, expected: &str) -> Option<bool> {
    // SAFETY: `text` is a live `str` (the caller's exact cast checked it), held for the call,
    // on a thread attached to the interpreter. For a `str`, the length never fails.
    let length = unsafe { ffi::PyUnicode_GetLength(text.as_ptr()) };
    // ASCII has one code point per byte: a string of another length is another string.
    if usize::try_from(length).ok() != Some(expected.len()) {
        return Some(false);
    }
    same_text(text, expected)
}

/// A `str` of `expected`'s length against it, by its UTF-8 text.
#[inline(never)]
fn same_text(text: &Bound<'_, PyString>, expected: &str) -> Option<bool> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: as in `exact_str_equals`; `size` outlives the call. The interpreter caches the
    // UTF-8 form in the string (for ASCII, the text itself), alive as long as `text` is held.
    let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(text.as_ptr(), &raw mut size) };
    if data.is_null() {
        // Lone surrogates: the `UnicodeEncodeError` raised is not the caller's. Cleared in place,
        // not taken: a `PyErr` dropped in an entry without `PyO3`'s count would be parked.
        // SAFETY: the thread is attached; clearing the error indicator is always allowed.
        unsafe { ffi::PyErr_Clear() };
        return None;
    }
    let size = usize::try_from(size).ok()?;
    // SAFETY: the interpreter returned `size` bytes at `data`, alive while `text` is (above).
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) };
    Some(bytes == expected.as_bytes())
}
