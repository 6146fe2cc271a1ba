//! Generic ASGI plumbing: the `str` names every request reads, interned once with the policy;
//! `mapping[key]` and its kin, a plain dict read directly and any other mapping asked as Python
//! asks it; and the comparisons of ASGI names (`scope["type"] != "http"` and the like).
//!
//! A plain `str` is compared by its UTF-8 text, which the interpreter keeps in the object for
//! ASCII strings: no Python code runs. Anything else (a subclass, a string with lone surrogates) is
//! asked with `==` or `!=`, as Starlette asks it.

use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::PyTypeInfo;

/// The `str` keys and values every request reads and compares, interned once with the policy:
/// a field read where `intern!` checks a once-cell at each use.
pub(super) struct AsgiNames {
    /// The scope's and messages' `"type"` key.
    pub(super) type_key: Py<PyString>,
    pub(super) method_key: Py<PyString>,
    pub(super) headers_key: Py<PyString>,
    /// The scope type a request has.
    pub(super) http: Py<PyString>,
    pub(super) options: Py<PyString>,
    /// The message type whose headers a response's edits go to.
    pub(super) response_start: Py<PyString>,
}

impl AsgiNames {
    pub(super) fn new(py: Python<'_>) -> Self {
        let name = |text: &str| PyString::intern(py, text).unbind();
        Self {
            type_key: name("type"),
            method_key: name("method"),
            headers_key: name("headers"),
            http: name("http"),
            options: name("OPTIONS"),
            response_start: name("http.response.start"),
        }
    }
}

/// `mapping[key]`; an exact dict is read directly (a subclass's own `__getitem__` is called).
/// Inlined in each of a request's six lookups: called, its entry and exit cost about as much
/// as the lookup's own checks.
#[allow(clippy::inline_always, reason = "measured: the compiler's heuristics leave it out of line")]
#[inline(always)]
pub(super) fn item_of<'py>(
    mapping: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    match mapping.cast_exact::<PyDict>() {
        Ok(dict) => dict.get_item(key)?.ok_or_else(|| missing(key)),
        Err(_) => item_of_mapping(mapping, key),
    }
}

#[cold]
fn missing(key: &Bound<'_, PyString>) -> PyErr {
    PyKeyError::new_err(key.clone().unbind())
}

/// `mapping[key]` for a mapping other than a plain dict: kept out of the usual path.
#[cold]
#[inline(never)]
fn item_of_mapping<'py>(
    mapping: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    mapping.get_item(key)
}

/// `message.setdefault("headers", [])` for a message that is not a plain dict or has no headers.
#[cold]
#[inline(never)]
pub(super) fn headers_set_default<'py>(
    message: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = message.py();
    match message.cast_exact::<PyDict>() {
        Ok(dict) => {
            let headers = PyList::empty(py).into_any();
            dict.set_item(key, &headers)?;
            Ok(headers)
        }
        Err(_) => message.call_method1(intern!(py, "setdefault"), (key, PyList::empty(py))),
    }
}

/// `list(headers)` for response headers that are not a list.
#[cold]
#[inline(never)]
pub(super) fn listed<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    Ok(PyList::type_object(headers.py()).call1((headers,))?.cast_into::<PyList>()?)
}

/// `mapping[key] = value` for a mapping other than a plain dict.
#[cold]
#[inline(never)]
pub(super) fn set_item_of_mapping<'py>(
    mapping: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    mapping.set_item(key, value)
}

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
