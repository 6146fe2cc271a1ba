//! `fastcors._fastcors.Policy`: the core's `Policy` built from a `fastcors._config.CorsConfig`,
//! with the Python objects of its answers prebuilt, and the methods Python calls, each handed on
//! to the file of its step (`dispatch`, `preflight`, `response_start`, `delegate`).

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use pyo3::{intern, PyTraverseError};

use super::asgi::AsgiNames;
use super::asgi_headers::header_tuple;
use super::callbacks::{callbacks, Callbacks};
use super::config::{CorsConfig, PythonOptions};
use super::counters::PyCounters;
use crate::constants::{names, PLAIN_TEXT, PREFLIGHT_BODIES};
use crate::policy::Policy;
use crate::response_headers::Header;

/// A CORS policy over a `fastcors._config.CorsConfig`; immutable and shareable across threads.
#[pyclass(name = "Policy", module = "fastcors._fastcors", frozen)]
pub(super) struct PyPolicy {
    pub(super) core: Policy,
    pub(super) options: PythonOptions,
    pub(super) callbacks: &'static Callbacks,
    /// A test hook: where to panic deliberately, to prove panics surface as Python exceptions.
    panic_at: Option<PanicPoint>,
    pub(super) preflight_headers: Vec<Py<PyTuple>>,
    pub(super) simple_headers: Vec<Py<PyTuple>>,
    /// `{"type": "http.response.start", "status": ...}` for 200 and 400, to copy.
    pub(super) preflight_starts: [Py<PyDict>; 2],
    /// `({"type": "http.response.body", "body": ...}, content-length header)` for each combination
    /// of failures.
    pub(super) preflight_ends: Vec<(Py<PyDict>, Py<PyTuple>)>,
    pub(super) content_type: Py<PyTuple>,
    pub(super) private_network_granted: Py<PyTuple>,
    pub(super) vary_origin: Py<PyTuple>,
    pub(super) vary_name: Py<PyBytes>,
    pub(super) allow_origin_name: Py<PyBytes>,
    pub(super) allow_headers_name: Py<PyBytes>,
    pub(super) names: AsgiNames,
    /// The core's counters, as the Python object that hands them on to the next policy.
    counters: Py<PyCounters>,
}

impl PyPolicy {
    /// Precomputes every response header and message the policy can send, as Python objects.
    fn new(
        py: Python<'_>,
        config: CorsConfig,
        counters: Option<Py<PyCounters>>,
        panic_at: Option<PanicPoint>,
    ) -> PyResult<Self> {
        let (core, options) = config.split(py)?;
        let counters = match counters {
            Some(counters) => counters,
            None => Py::new(py, PyCounters { counters: Arc::default() })?,
        };
        let core = Policy::counting_into(core, Arc::clone(&counters.get().counters));
        let tuples = |headers: &[Header]| -> PyResult<Vec<Py<PyTuple>>> {
            headers.iter().map(|header| header_tuple(py, header.name, &header.value)).collect()
        };
        let preflight_ends = PREFLIGHT_BODIES
            .iter()
            .map(|body| {
                let end = PyDict::new(py);
                end.set_item(intern!(py, "type"), intern!(py, "http.response.body"))?;
                end.set_item(intern!(py, "body"), PyBytes::new(py, body))?;
                let length = body.len().to_string();
                Ok((end.unbind(), header_tuple(py, names::CONTENT_LENGTH, length.as_bytes())?))
            })
            .collect::<PyResult<_>>()?;
        let start = |status: u16| -> PyResult<Py<PyDict>> {
            let start = PyDict::new(py);
            start.set_item(intern!(py, "type"), intern!(py, "http.response.start"))?;
            start.set_item(intern!(py, "status"), status)?;
            Ok(start.unbind())
        };
        Ok(Self {
            names: AsgiNames::new(py),
            preflight_headers: tuples(core.preflight_headers())?,
            simple_headers: tuples(core.simple_headers())?,
            preflight_starts: [start(200)?, start(400)?],
            preflight_ends,
            content_type: header_tuple(py, names::CONTENT_TYPE, PLAIN_TEXT)?,
            private_network_granted: header_tuple(py, names::ALLOW_PRIVATE_NETWORK, b"true")?,
            vary_origin: header_tuple(py, names::VARY, b"Origin")?,
            vary_name: PyBytes::new(py, names::VARY).unbind(),
            allow_origin_name: PyBytes::new(py, names::ALLOW_ORIGIN).unbind(),
            allow_headers_name: PyBytes::new(py, names::ALLOW_HEADERS).unbind(),
            callbacks: callbacks(py)?,
            options,
            core,
            panic_at,
            counters,
        })
    }

    pub(super) fn maybe_panic(&self, point: PanicPoint) {
        assert!(self.panic_at != Some(point), "deliberate panic at {point:?}, requested by a test");
    }
}

#[pymethods]
impl PyPolicy {
    /// `counters`: those of the policy this one replaces, to count on into (fresh ones if
    /// `None`). `_panic_at` is a test hook: `"handle"` or `"response-start"` makes that step panic.
    #[new]
    #[pyo3(signature = (config, *, counters = None, _panic_at = None))]
    #[allow(clippy::used_underscore_binding, reason = "the underscore keeps the hook private in Python")]
    fn py_new(
        py: Python<'_>,
        config: CorsConfig,
        counters: Option<Py<PyCounters>>,
        _panic_at: Option<&str>,
    ) -> PyResult<Self> {
        Self::new(py, config, counters, _panic_at.map(PanicPoint::parse).transpose()?)
    }

    /// What the policy served (see `Counters`).
    #[getter]
    fn counters(&self, py: Python<'_>) -> Py<PyCounters> {
        self.counters.clone_ref(py)
    }

    /// Which engine evaluates `allow_origin_regex`: `"rust"`, `"python"` or `None`.
    #[getter]
    fn origin_regex_engine(&self) -> Option<&'static str> {
        self.core.origin_regex_engine()
    }

    /// Starlette's `is_allowed_origin`, for an origin's raw (latin-1) bytes, then
    /// `allow_origin_func` when the static rules refuse it.
    #[pyo3(name = "is_allowed_origin")]
    fn py_is_allowed_origin(&self, py: Python<'_>, origin: &[u8]) -> PyResult<bool> {
        self.is_allowed_origin(py, origin)
    }

    /// Whether the request has an `Origin` that responses may be shared with.
    #[pyo3(name = "request_origin_allowed", signature = (request_headers, middleware = None))]
    fn py_request_origin_allowed(
        &self,
        py: Python<'_>,
        request_headers: &Bound<'_, PyAny>,
        middleware: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.request_origin_allowed(py, request_headers, middleware)
    }

    /// `allow_origin_func`'s verdict on the request's `Origin`: `True`, `False` or an awaitable
    /// of one; `False` without an `Origin` or a function.
    #[pyo3(name = "origin_func_verdict")]
    fn py_origin_func_verdict<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.origin_func_verdict(py, request_headers)
    }

    /// `dispatch(app, scope, receive, send, middleware=None)`: the whole middleware for one ASGI
    /// call, returning the awaitable that serves the request.
    #[pyo3(name = "dispatch", signature = (app, scope, receive, send, middleware = None))]
    fn py_dispatch<'py>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::dispatch(slf, app, scope, receive, send, middleware)
    }

    /// Answers a preflight with its two messages, or returns the `send` for the app. `quiet`: a
    /// hypothetical request (`explain`), whose refusal is not reported.
    #[pyo3(name = "handle", signature = (scope, send, middleware = None, *, quiet = false))]
    fn py_handle<'py>(
        slf: &Bound<'py, Self>,
        scope: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        quiet: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::handle(slf, scope, send, middleware, !quiet)
    }

    /// The messages of a preflight whose origin `allow_origin_func` has judged.
    #[pyo3(name = "finish_preflight")]
    fn py_finish_preflight<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        origin_allowed: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        self.finish_preflight(py, request_headers, origin_allowed)
    }

    /// Edits a response start whose origin `allow_origin_func` has judged; a refusal is reported
    /// with `reported_method`, the request's method, when given.
    #[pyo3(
        name = "finish_response_start",
        signature = (message, request_headers, origin_allowed, reported_method = None)
    )]
    fn py_finish_response_start(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        request_headers: &Bound<'_, PyList>,
        origin_allowed: bool,
        reported_method: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.finish_response_start(py, message, request_headers, origin_allowed, reported_method)
    }

    /// `(allowed, headers)`: what this policy answers the request, without serving, counting or
    /// reporting it; or the awaitable verdict of `allow_origin_func` to pass back as
    /// `origin_allowed` (see `shadow.rs`).
    #[pyo3(name = "outcome", signature = (request_headers, method, middleware = None, origin_allowed = None))]
    fn py_outcome<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        method: &Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.outcome(py, request_headers, method, middleware, origin_allowed)
    }

    /// Every Python object the policy holds. There is no `__clear__`: the class is frozen, and
    /// nothing it holds refers back to it except through objects of the application's (a
    /// collection, a pattern), which the collector clears. The callbacks are the module's, not
    /// the policy's.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        let options = &self.options;
        for object in [
            &options.origin_func,
            &options.origin_pattern,
            &options.origins_collection,
            &options.methods_collection,
            &options.reporter,
            &options.log_enabled_for,
        ]
        .into_iter()
        .flatten()
        {
            visit.call(object)?;
        }
        if let Some(watch) = &options.class_watch {
            visit.call(&watch.method_order)?;
            for (attributes, _) in &watch.dicts {
                visit.call(attributes)?;
            }
        }
        for header in self.preflight_headers.iter().chain(&self.simple_headers) {
            visit.call(header)?;
        }
        for start in &self.preflight_starts {
            visit.call(start)?;
        }
        for (end, content_length) in &self.preflight_ends {
            visit.call(end)?;
            visit.call(content_length)?;
        }
        for header in [&self.content_type, &self.private_network_granted, &self.vary_origin] {
            visit.call(header)?;
        }
        for name in [&self.vary_name, &self.allow_origin_name, &self.allow_headers_name] {
            visit.call(name)?;
        }
        visit.call(&self.counters)?;
        if let Some(routes) = &options.routes {
            routes.traverse(&visit)?;
        }
        if let Some(shadow) = &options.shadow {
            visit.call(&shadow.object)?;
            visit.call(&shadow.policy)?;
            visit.call(&shadow.log_enabled_for)?;
        }
        Ok(())
    }
}

/// Where the test hook makes the core panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PanicPoint {
    Handle,
    ResponseStart,
}

impl PanicPoint {
    fn parse(name: &str) -> PyResult<Self> {
        match name {
            "handle" => Ok(Self::Handle),
            "response-start" => Ok(Self::ResponseStart),
            _ => Err(PyValueError::new_err(format!(
                "_panic_at must be 'handle' or 'response-start', not {name:?}"
            ))),
        }
    }
}
