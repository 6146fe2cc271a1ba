//! `fastcors._fastcors.CorsSend`: the `send` handed to the app, which has the policy edit
//! `http.response.start` (`response_start`) and forwards every message; and its subclass
//! `ShadowedCorsSend`, for a request an inline shadow compares when its response starts.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use pyo3::{intern, PyClassInitializer, PyTraverseError};

use super::asgi::{item_of, str_differs};
use super::callbacks::send_attributes;
use super::policy::PyPolicy;
use super::response_start::Edited;
use super::shadow::{arrived_path, ComparedRequest, ComparedScope, Shadowed};
use crate::response_headers::OriginOutcome;

impl CorsSend {
    /// The `send` for one request's app; `report`: whether a refused origin is reported.
    pub(super) fn new<'py>(
        policy: &Bound<'py, PyPolicy>,
        send: Bound<'py, PyAny>,
        request_headers: Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        method: Bound<'py, PyAny>,
        report: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let judged = policy.get().core.origin_judged_by_host();
        let cors_send = Self {
            policy: policy.clone().unbind(),
            send: send.unbind(),
            request_headers: request_headers.unbind(),
            // Only a judged policy needs it; others spare the reference.
            middleware: middleware.filter(|_| judged).map(|middleware| middleware.clone().unbind()),
            method: report.then(|| method.unbind()),
        };
        Bound::new(policy.py(), cors_send)
    }

    /// Edits the message if it starts the response, then forwards it with `forward`; `shadowed`:
    /// the inline shadow that compares the request, for a `ShadowedCorsSend`. `SHADOWED` compiles
    /// its steps in or out, so that each class's `__call__` has a copy of its own, inlined.
    #[inline]
    fn call_with<'py, const SHADOWED: bool>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        shadowed: Option<&ShadowedCorsSend>,
        forward: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let policy = self.policy.get();
        let kind = item_of(message, policy.names.type_key.bind(py))?;
        if !str_differs(&kind, policy.names.response_start.bind(py), "http.response.start")? {
            let middleware = self.middleware.as_ref().map(|middleware| middleware.bind(py));
            let method = self.method.as_ref().map(|method| method.bind(py));
            let request_headers = self.request_headers.bind(py);
            match policy.edit_response_start(py, message, request_headers, middleware, method, None)? {
                Edited::Done { outcome, origin } => {
                    if let (true, Some(shadowed), Some(origin)) = (SHADOWED, shadowed, origin) {
                        shadowed.compare_response_start(py, self, outcome, &origin)?;
                    }
                }
                Edited::Pending(verdict) => {
                    if let (true, Some(shadowed)) = (SHADOWED, shadowed) {
                        shadowed.not_compared(py, self)?;
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

    /// `send(*args, **kwargs)`: one message, by position or as `message=`.
    #[inline]
    fn call_general<'py, const SHADOWED: bool>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        shadowed: Option<&ShadowedCorsSend>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        if kwargs.is_some_and(|kwargs| !kwargs.is_empty()) || args.len() != 1 {
            let message = single_message(args, kwargs)?;
            return self
                .call_with::<SHADOWED>(py, &message, shadowed, || self.send.bind(py).call1((&message,)));
        }
        let Some(message) = args.iter_borrowed().next() else {
            return Err(PyTypeError::new_err("send() takes exactly one argument, the message (0 given)"));
        };
        self.call_with::<SHADOWED>(py, &message, shadowed, || self.send.bind(py).call(args, None))
    }
}

impl ShadowedCorsSend {
    /// The `send` for the app of a request the inline shadow of `top` compares, which reports
    /// on the request (so keeps its method) and asks its middleware; a `CorsSend` to the caller.
    #[cold]
    #[inline(never)]
    pub(super) fn for_request<'py>(
        policy: &Bound<'py, PyPolicy>,
        send: Bound<'py, PyAny>,
        request_headers: Bound<'py, PyList>,
        middleware: &Bound<'py, PyAny>,
        method: Bound<'py, PyAny>,
        top: &Bound<'py, PyPolicy>,
        scope: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, CorsSend>> {
        let py = policy.py();
        let cors_send = CorsSend {
            policy: policy.clone().unbind(),
            send: send.unbind(),
            request_headers: request_headers.unbind(),
            middleware: Some(middleware.clone().unbind()),
            method: Some(method.unbind()),
        };
        let shadowed = Self {
            top: top.clone().unbind(),
            path: arrived_path(scope).map(Bound::unbind),
            compared: AtomicBool::new(false),
        };
        let initializer = PyClassInitializer::from(cors_send).add_subclass(shadowed);
        Ok(Bound::new(py, initializer)?.into_super())
    }

    /// Whether this is the request's first response start: one comparison a request, however
    /// many its app sends.
    fn first_start(&self) -> bool {
        !self.compared.swap(true, Ordering::Relaxed)
    }

    /// The live answer to the response start compared under the inline shadow, once edited: a
    /// request the live policy fails is not compared.
    #[cold]
    #[inline(never)]
    fn compare_response_start(
        &self,
        py: Python<'_>,
        send: &CorsSend,
        outcome: OriginOutcome,
        origin: &Bound<'_, PyBytes>,
    ) -> PyResult<()> {
        if !self.first_start() {
            return Ok(());
        }
        let origin = origin.as_bytes();
        let live = send.policy.get().core.simple_outcome(outcome, origin);
        self.compared_as(py, send, |shadowed| shadowed.compare(live, None, origin))
    }

    /// A response start waiting for an async `allow_origin_func`, which the inline shadow
    /// cannot follow.
    #[cold]
    #[inline(never)]
    fn not_compared(&self, py: Python<'_>, send: &CorsSend) -> PyResult<()> {
        if !self.first_start() {
            return Ok(());
        }
        #[allow(
            clippy::redundant_closure_for_method_calls,
            reason = "the method's path fixes the lifetime the closure leaves open"
        )]
        self.compared_as(py, send, |shadowed| shadowed.not_compared())
    }

    /// `then` of the request as its inline shadow compares it, with the path it arrived with.
    fn compared_as<'py>(
        &self,
        py: Python<'py>,
        send: &CorsSend,
        then: impl FnOnce(&Shadowed<'_, 'py>) -> PyResult<()>,
    ) -> PyResult<()> {
        let path = self.path.as_ref().map(|path| path.bind(py));
        let middleware = send.middleware.as_ref().expect("a shadowed send keeps its middleware");
        then(&Shadowed {
            top: self.top.bind(py),
            request: ComparedRequest {
                middleware: middleware.bind(py),
                scope: ComparedScope::Arrived(path),
                request_headers: send.request_headers.bind(py),
                method: send.method.as_ref().expect("a shadowed send reports").bind(py),
            },
        })
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
#[pyclass(name = "CorsSend", module = "fastcors._fastcors", frozen, subclass)]
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
}

/// The `send` of a request an inline shadow compares (`shadow::Shadowed`) when its response
/// starts: a class of its own, so that a send without a shadow carries nothing of it.
#[pyclass(name = "ShadowedCorsSend", module = "fastcors._fastcors", frozen, extends = CorsSend)]
pub(super) struct ShadowedCorsSend {
    /// The top-level policy whose shadow compares the request.
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
        self.call_general::<false>(args, kwargs, None)
    }

    /// Edits `message`, a response start whose origin `allow_origin_func` allowed where it was
    /// asked (the 500 `fastcors._errors` sends for a failed app, through the server's `send`), as
    /// this `send` would have, and compares it under an inline shadow as the response start it
    /// stands for.
    fn finish_allowed_start(
        slf: &Bound<'_, Self>,
        message: &Bound<'_, PyAny>,
        request_headers: &Bound<'_, PyList>,
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let method = this.method.as_ref().map(|method| method.bind(py));
        let edited =
            this.policy.get().edit_response_start(py, message, request_headers, None, method, Some(true))?;
        if let (Ok(shadowed), Edited::Done { outcome, origin: Some(origin) }) =
            (slf.cast::<ShadowedCorsSend>(), edited)
        {
            shadowed.get().compare_response_start(py, this, outcome, &origin)?;
        }
        Ok(())
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

#[pymethods]
impl ShadowedCorsSend {
    /// `send(message)`, as `CorsSend`'s, comparing the request's first response start.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.as_super().get().call_general::<true>(args, kwargs, Some(slf.get()))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.top)?;
        if let Some(path) = &self.path {
            visit.call(path)?;
        }
        Ok(())
    }
}
