//! `value == "http.response.start"` and the like: the comparisons of ASGI names (the scope's
//! `type` and `method`, each message's `type`) that every request makes several times.
//!
//! A plain `str` is compared by its UTF-8 text, which the interpreter keeps in the object for
//! ASCII strings: no Python code runs. Anything else (a subclass, a string with lone surrogates) is
//! asked with `==` or `!=`, as Starlette asks it.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// `value == expected`, as Python compares. `interned` is `expected` as a Python string, which
/// ASGI servers often pass itself; `expected` is ASCII.
#[inline]
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
#[inline]
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
#[inline]
fn plain_str_equals(
    value: &Bound<'_, PyAny>,
    interned: &Bound<'_, PyString>,
    expected: &str,
) -> Option<bool> {
    debug_assert!(expected.is_ascii(), "ASGI names are ASCII");
    if value.is(interned) {
        return Some(true);
    }
    let text = value.cast_exact::<PyString>().ok()?;
    // Lone surrogates have no UTF-8 form: the error is dropped, and Python compares.
    text.to_str().ok().map(|text| text == expected)
}
