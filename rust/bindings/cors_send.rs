//! `fastcors._fastcors.CorsSend`: the `send` handed to the app, which has the policy edit
//! `http.response.start` (`response_start`) and forwards every message.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use pyo3::{intern, PyTraverseError};

use super::asgi::{item_of, str_differs};
use super::callbacks::send_attributes;
use super::policy::PyPolicy;
use super::response_start::Edited;
use super::routes::path_of;
use super::shadow::{ComparedRequest, Shadowed};
use crate::response_headers::OriginOutcome;

impl CorsSend {
    /// The `send` for one request's app (made a Python object by the caller, at one place for
    /// both kinds); `report`: whether a refused origin is reported.
    pub(super) fn new<'py>(
        policy: &Bound<'py, PyPolicy>,
        send: Bound<'py, PyAny>,
        request_headers: Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        method: Bound<'py, PyAny>,
        report: bool,
    ) -> Self {
        let judged = policy.get().core.origin_judged_by_host();
        Self {
            policy: policy.clone().unbind(),
            send: send.unbind(),
            request_headers: request_headers.unbind(),
            // Only a judged policy needs it; others spare the reference.
            middleware: middleware.filter(|_| judged).map(|middleware| middleware.clone().unbind()),
            method: report.then(|| method.unbind()),
            shadow: None,
        }
    }

    /// The `send` for the app of a request the inline shadow of `top` compares, which reports
    /// on the request (so keeps its method) and asks its middleware.
    #[cold]
    #[inline(never)]
    pub(super) fn shadowed<'py>(
        policy: &Bound<'py, PyPolicy>,
        send: Bound<'py, PyAny>,
        request_headers: Bound<'py, PyList>,
        middleware: &Bound<'py, PyAny>,
        method: Bound<'py, PyAny>,
        top: &Bound<'py, PyPolicy>,
        scope: &Bound<'py, PyAny>,
    ) -> Self {
        Self {
            policy: policy.clone().unbind(),
            send: send.unbind(),
            request_headers: request_headers.unbind(),
            middleware: Some(middleware.clone().unbind()),
            method: Some(method.unbind()),
            shadow: Some(Box::new(ShadowedBy {
                top: top.clone().unbind(),
                // Nothing of reading it fails the request: without routes, the live answer does not.
                path: path_of(scope).ok().flatten().map(Bound::unbind),
                compared: AtomicBool::new(false),
            })),
        }
    }

    /// Edits the message if it starts the response, then forwards it with `forward`.
    fn call_with<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        forward: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let policy = self.policy.get();
        let kind = item_of(message, policy.names.type_key.bind(py))?;
        if !str_differs(&kind, policy.names.response_start.bind(py), "http.response.start")? {
            let middleware = self.middleware.as_ref().map(|middleware| middleware.bind(py));
            let method = self.method.as_ref().map(|method| method.bind(py));
            let request_headers = self.request_headers.bind(py);
            // One comparison a request, however many response starts its app sends.
            let shadow =
                self.shadow.as_deref().filter(|shadow| !shadow.compared.swap(true, Ordering::Relaxed));
            match policy.edit_response_start(py, message, request_headers, middleware, method, None)? {
                Edited::Done { outcome, origin } => {
                    if let (Some(shadow), Some(origin)) = (shadow, origin) {
                        self.compare_response_start(py, shadow, outcome, &origin)?;
                    }
                }
                Edited::Pending(verdict) => {
                    if let Some(shadow) = shadow {
                        #[allow(
                            clippy::redundant_closure_for_method_calls,
                            reason = "the method's path fixes the lifetime the closure leaves open"
                        )]
                        self.compared_as(py, shadow, |shadowed| shadowed.not_compared())?;
                    }
                    return policy.callbacks.continue_response_start.bind(py).call1((
                        verdict,
                        self.policy.bind(py),
                        message,
                        request_headers,
                        self.send.bind(py),
                        method,
                    ));
                }
            }
        }
        forward()
    }

    /// The live answer to the response start compared under the inline shadow, once edited: a
    /// request the live policy fails is not compared.
    #[cold]
    #[inline(never)]
    fn compare_response_start(
        &self,
        py: Python<'_>,
        shadow: &ShadowedBy,
        outcome: OriginOutcome,
        origin: &Bound<'_, PyBytes>,
    ) -> PyResult<()> {
        let origin = origin.as_bytes();
        let live = self.policy.get().core.simple_outcome(outcome, origin);
        self.compared_as(py, shadow, |shadowed| shadowed.compare(live, None, origin))
    }

    /// `then` of the request as its inline shadow compares it: its scope, the path it arrived
    /// with (`{}` without one).
    fn compared_as<'py>(
        &self,
        py: Python<'py>,
        shadow: &ShadowedBy,
        then: impl FnOnce(&Shadowed<'_, 'py>) -> PyResult<()>,
    ) -> PyResult<()> {
        let arrived = PyDict::new(py);
        if let Some(path) = &shadow.path {
            arrived.set_item(intern!(py, "path"), path)?;
        }
        let middleware = self.middleware.as_ref().expect("a shadowed send keeps its middleware");
        then(&Shadowed {
            top: shadow.top.bind(py),
            request: ComparedRequest {
                middleware: middleware.bind(py),
                scope: arrived.as_any(),
                request_headers: self.request_headers.bind(py),
                method: self.method.as_ref().expect("a shadowed send reports").bind(py),
            },
        })
    }

    /// `send(*args, **kwargs)`: one message, by position or as `message=`.
    fn call_general<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        if kwargs.is_some_and(|kwargs| !kwargs.is_empty()) || args.len() != 1 {
            let message = single_message(args, kwargs)?;
            return self.call_with(py, &message, || self.send.bind(py).call1((&message,)));
        }
        let Some(message) = args.iter_borrowed().next() else {
            return Err(PyTypeError::new_err("send() takes exactly one argument, the message (0 given)"));
        };
        self.call_with(py, &message, || self.send.bind(py).call(args, None))
    }
}

/// The one message of `send(message)` or `send(message=...)`.
fn single_message<'py>(
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let keywords = kwargs.map_or(0, PyDictMethods::len);
    match (args.len(), keywords, kwargs) {
        (1, 0, _) => args.get_item(0),
        (0, 1, Some(kwargs)) => kwargs
            .get_item(intern!(args.py(), "message"))?
            .ok_or_else(|| PyTypeError::new_err("send() got an unexpected keyword argument")),
        (given, keywords, _) => Err(PyTypeError::new_err(format!(
            "send() takes exactly one argument, the message ({} given)",
            given + keywords
        ))),
    }
}

/// The `send` handed to the app: edits `http.response.start`, then forwards every message.
///
/// A plain callable returning the downstream awaitable: `await send(message)` works as with
/// Starlette's coroutine, without a Python frame per message. Its class attributes make it pass as
/// the coroutine function Starlette's is (`fastcors._coroutine_marks`).
#[pyclass(name = "CorsSend", module = "fastcors._fastcors", frozen)]
pub(super) struct CorsSend {
    policy: Py<PyPolicy>,
    send: Py<PyAny>,
    /// The scope's header list, read when the response starts, as Starlette does.
    request_headers: Py<PyList>,
    /// The middleware, when its policy asks the middleware's `is_allowed_origin`.
    middleware: Option<Py<PyAny>>,
    /// The request's method, for the report of a refused origin; `None`: nothing is reported
    /// (`explain`'s hypothetical requests).
    method: Option<Py<PyAny>>,
    /// Under an inline shadow: where the response start is compared (`shadow::Shadowed`).
    /// Boxed: a send without a shadow stays one pointer larger, not two.
    shadow: Option<Box<ShadowedBy>>,
}

/// The top-level policy whose inline shadow compares a request, what it keeps of the request,
/// and whether it compared it already.
struct ShadowedBy {
    top: Py<PyPolicy>,
    /// `scope["path"]` as the request arrived: the app may rewrite it in place by the time its
    /// response starts. Only the path: a send that kept the scope would make a cycle of a scope
    /// that keeps its send.
    path: Option<Py<PyAny>>,
    /// Whether a response start was compared already.
    compared: AtomicBool,
}

/// One of `fastcors._callbacks.SEND_ATTRIBUTES`; `None` where this interpreter has none.
fn send_attribute(py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
    let attributes = send_attributes(py)?;
    Ok(attributes.get_item(name)?.map_or_else(|| py.None(), Bound::unbind))
}

#[pymethods]
impl CorsSend {
    /// `send(message)`: a positional message goes on to the server's `send` in the same tuple.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call_general(args, kwargs)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.policy)?;
        visit.call(&self.send)?;
        if let Some(method) = &self.method {
            visit.call(method)?;
        }
        visit.call(&self.request_headers)?;
        if let Some(middleware) = &self.middleware {
            visit.call(middleware)?;
        }
        if let Some(shadow) = &self.shadow {
            visit.call(&shadow.top)?;
            if let Some(path) = &shadow.path {
                visit.call(path)?;
            }
        }
        Ok(())
    }

    #[classattr]
    fn _is_coroutine(py: Python<'_>) -> PyResult<Py<PyAny>> {
        send_attribute(py, "_is_coroutine")
    }

    #[classattr]
    fn _is_coroutine_marker(py: Python<'_>) -> PyResult<Py<PyAny>> {
        // Absent before CPython 3.12, where `inspect` reads `__code__` instead.
        send_attribute(py, "_is_coroutine_marker")
    }

    #[classattr]
    #[pyo3(name = "__code__")]
    fn code(py: Python<'_>) -> PyResult<Py<PyAny>> {
        send_attribute(py, "__code__")
    }

    /// A getter, not a class attribute: assigning `__name__` to a class renames the class.
    #[getter(__name__)]
    #[allow(clippy::unused_self, reason = "a getter takes the instance, needed or not")]
    fn name(&self) -> &'static str {
        "send"
    }

    #[classattr]
    #[pyo3(name = "__defaults__")]
    fn defaults(py: Python<'_>) -> PyResult<Py<PyAny>> {
        send_attribute(py, "__defaults__")
    }

    #[classattr]
    #[pyo3(name = "__kwdefaults__")]
    fn kwdefaults(py: Python<'_>) -> PyResult<Py<PyAny>> {
        send_attribute(py, "__kwdefaults__")
    }

    #[classattr]
    #[pyo3(name = "__annotations__")]
    fn annotations(py: Python<'_>) -> PyResult<Py<PyAny>> {
        send_attribute(py, "__annotations__")
    }
}
