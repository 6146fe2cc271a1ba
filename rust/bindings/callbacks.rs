//! The Python the binding calls back, or reads: `fastcors._callbacks`, imported once under one
//! name, each of its names read once. (The application's own Python, a collection or a function
//! given as an option, reaches the binding in the configuration: `config`.)

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `fastcors._callbacks`, each field read from the attribute of its name.
#[derive(FromPyObject)]
pub(super) struct Callbacks {
    /// `send_preflight(send, start, end)`: sends a preflight's two messages.
    pub(super) send_preflight: Py<PyAny>,
    /// `denial_send(scope_type, send)`: the `send` of a preflight whose scope type is no `str`.
    pub(super) denial_send: Py<PyAny>,
    /// `continue_preflight(verdict, policy, request_headers, send)` and
    /// `continue_response_start(verdict, policy, message, request_headers, send, method)`: await an
    /// async `allow_origin_func`'s verdict, then finish the request.
    pub(super) continue_preflight: Py<PyAny>,
    pub(super) continue_response_start: Py<PyAny>,
    /// `cors_on_errors=True`: serves the request, answering the app's failure with a 500.
    pub(super) serve_with_cors_on_errors: Py<PyAny>,
    /// `shadow`: `compare_shadow(middleware, scope, live, shadow)` compares a request's live and
    /// shadow answers where the binding does not (headers that are no list), returning the
    /// comparison to await after the response, if any, which `served_then_compared(served,
    /// comparison)` awaits after the request's own awaitable; `tell_shadow_difference(...)`
    /// logs and hands on a difference the binding found (and counted), `compare_later(...)` makes the comparison that
    /// awaits a verdict first, `shadow_failed(error)` logs what kept a comparison from ending,
    /// and `not_compared(verdict)` logs a request an inline shadow cannot compare (closing the
    /// candidate's verdict it will not await, if given).
    pub(super) compare_shadow: Py<PyAny>,
    pub(super) served_then_compared: Py<PyAny>,
    pub(super) tell_shadow_difference: Py<PyAny>,
    pub(super) compare_later: Py<PyAny>,
    pub(super) shadow_failed: Py<PyAny>,
    pub(super) not_compared: Py<PyAny>,
    /// `check_websocket_origin=True`: refuses a handshake from a disallowed `Origin`.
    pub(super) refuse_websocket: Py<PyAny>,
    /// `logging.DEBUG`, the level refusals are logged at.
    #[pyo3(attribute("DEBUG"))]
    pub(super) debug: Py<PyAny>,
}

/// The names read above and by [`send_attributes`], as `fastcors._fastcors.CALLBACK_NAMES`: a test holds them against the
/// names `fastcors._callbacks` exports.
pub(super) const CALLBACK_NAMES: [&str; 14] = [
    "send_preflight",
    "denial_send",
    "continue_preflight",
    "continue_response_start",
    "serve_with_cors_on_errors",
    "compare_shadow",
    "served_then_compared",
    "tell_shadow_difference",
    "compare_later",
    "shadow_failed",
    "not_compared",
    "refuse_websocket",
    "SEND_ATTRIBUTES",
    "DEBUG",
];

static CALLBACKS: PyOnceLock<Callbacks> = PyOnceLock::new();

/// The callbacks, read on first use (the first policy built).
pub(super) fn callbacks(py: Python<'_>) -> PyResult<&'static Callbacks> {
    CALLBACKS.get_or_try_init(py, || py.import("fastcors._callbacks")?.extract())
}

/// `SEND_ATTRIBUTES` alone, which `CorsSend`'s class attributes read when the module is made:
/// the functions load later, with the first policy (`fastcors._callbacks` holds them back).
pub(super) fn send_attributes(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    Ok(py.import("fastcors._callbacks")?.getattr("SEND_ATTRIBUTES")?.cast_into::<PyDict>()?)
}
