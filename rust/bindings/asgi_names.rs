//! The `str` keys and values every request reads and compares, interned once with the policy:
//! a field read where `intern!` checks a once-cell at each use.

use pyo3::prelude::*;
use pyo3::types::PyString;

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
