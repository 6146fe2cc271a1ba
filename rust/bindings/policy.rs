//! `fastcors._fastcors.Policy`: the core's `Policy` over a `fastcors._config.CorsConfig`, and
//! Python's answers to the questions the core cannot answer itself.

use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, PyTraverseError, PyTypeInfo};

use super::asgi_headers::{
    exact_bytes, first_origin, header_list, header_tuple, value_not_bytes, with_usual_pair, HeaderPair,
    PreflightHeaders,
};
use super::asgi_names::AsgiNames;
use super::config::{byte_string, byte_strings, latin1_str, membership, python_function_if};
use super::cors_send::CorsSend;
use super::str_equality::{str_differs, str_equals};
use crate::constants::{names, EDITED_RESPONSE_HEADERS, PLAIN_TEXT, PREFLIGHT_BODIES};
use crate::delegate::Delegate;
use crate::origin::OriginRegex;
use crate::origin_patterns::OriginPatterns;
use crate::policy::{OriginJudgement, Policy, PolicyConfig};
use crate::preflight::{Failures, PreflightPart, PreflightRequest};
use crate::request_headers::AllowedHeaders;
use crate::response_headers::{ExistingHeader, Header, NewHeader, OriginOutcome, Slot};

/// A CORS policy over a `fastcors._config.CorsConfig`; immutable and shareable across threads.
#[pyclass(name = "Policy", module = "fastcors._fastcors", frozen)]
pub(super) struct PyPolicy {
    core: Policy,
    /// `fastcors._preflight.send_preflight`: the coroutine that sends a preflight's two messages.
    send_preflight: Py<PyAny>,
    /// A test hook: where to panic deliberately, to prove panics surface as Python exceptions.
    panic_at: Option<PanicPoint>,
    /// `allow_origin_regex` as Python compiled it, for patterns only `re` can evaluate.
    origin_pattern: Option<Py<PyAny>>,
    /// `allow_origins` and `allow_methods` when they test membership their own way.
    origins_collection: Option<Py<PyAny>>,
    methods_collection: Option<Py<PyAny>>,
    /// `allow_origin_func` with its cache (`fastcors._origin_func.OriginFunc`), if configured.
    origin_func: Option<Py<PyAny>>,
    /// `fastcors._origin_func.continue_preflight` and `continue_response_start`: the coroutines
    /// that await an async `allow_origin_func`, then finish the request.
    continue_preflight: Py<PyAny>,
    pub(super) continue_response_start: Py<PyAny>,
    preflight_headers: Vec<Py<PyTuple>>,
    simple_headers: Vec<Py<PyTuple>>,
    /// `{"type": "http.response.start", "status": ...}` for 200 and 400, to copy.
    preflight_starts: [Py<PyDict>; 2],
    /// `({"type": "http.response.body", "body": ...}, content-length header)` for each combination
    /// of failures.
    preflight_ends: Vec<(Py<PyDict>, Py<PyTuple>)>,
    content_type: Py<PyTuple>,
    private_network_granted: Py<PyTuple>,
    vary_origin: Py<PyTuple>,
    vary_name: Py<PyBytes>,
    allow_origin_name: Py<PyBytes>,
    allow_headers_name: Py<PyBytes>,
    /// `cors_on_errors`: requests run through `fastcors._errors.serve_with_cors_on_errors`.
    cors_on_errors: Option<Py<PyAny>>,
    /// `check_websocket_origin`: `fastcors._websocket.refuse_websocket`, for a disallowed Origin.
    refuse_websocket: Option<Py<PyAny>>,
    /// Told of every refusal: `report(kind, origin, method, requested_headers, failures,
    /// refused_header)` (see `fastcors._reasons`). Called only when a request is refused.
    reporter: Option<Py<PyAny>>,
    /// `CorsConfig.log_enabled_for`: asked with `logging.DEBUG` before each report, where the log
    /// alone hears refusals.
    log_enabled_for: Option<Py<PyAny>>,
    /// `logging.DEBUG`, the level refusals are logged at, as a Python `int`.
    debug_level: Py<PyAny>,
    pub(super) names: AsgiNames,
}

#[pymethods]
impl PyPolicy {
    /// `_panic_at` is a test hook: `"handle"` or `"response-start"` makes that step panic.
    #[new]
    #[pyo3(signature = (config, *, _panic_at = None))]
    #[allow(clippy::used_underscore_binding, reason = "the underscore keeps the hook private in Python")]
    fn new(py: Python<'_>, config: &Bound<'_, PyAny>, _panic_at: Option<&str>) -> PyResult<Self> {
        let panic_at = _panic_at.map(PanicPoint::parse).transpose()?;
        let origin_pattern: Option<Bound<'_, PyAny>> = config.getattr("origin_pattern")?.extract()?;
        let translation: Option<String> = config.getattr("origin_regex_translation")?.extract()?;
        let origin_regex = match &origin_pattern {
            None => OriginRegex::Absent,
            Some(_) => OriginRegex::compile(translation.as_deref()),
        };
        // Python's pattern is kept only where Python evaluates it: a regex the core compiled
        // runs no Python code, so a simple request's origin may be judged before the app's
        // headers are copied (`judges_origins_alone`).
        let origin_pattern =
            origin_pattern.filter(|_| matches!(origin_regex, OriginRegex::Foreign)).map(Bound::unbind);
        let core = Policy::new(PolicyConfig {
            allow_all_origins: config.getattr("allow_all_origins")?.extract()?,
            allowed_origins: membership(config, "origins")?,
            origin_regex,
            origin_judged_by_host: config.getattr("origin_judged")?.extract()?,
            allowed_methods: membership(config, "methods")?,
            allow_all_headers: config.getattr("allow_all_headers")?.extract()?,
            allowed_headers: AllowedHeaders::new(byte_strings(config, "allowed_headers")?),
            allow_credentials: config.getattr("allow_credentials")?.extract()?,
            allow_private_network: config.getattr("allow_private_network")?.extract()?,
            allow_methods_value: byte_string(&config.getattr("allow_methods_value")?)?,
            allow_headers_value: byte_string(&config.getattr("allow_headers_value")?)?,
            expose_headers_value: {
                let value = config.getattr("expose_headers_value")?;
                if value.is_none() {
                    None
                } else {
                    Some(byte_string(&value)?)
                }
            },
            max_age_value: byte_string(&config.getattr("max_age_value")?)?,
            origin_patterns: {
                let patterns = byte_strings(config, "origin_patterns")?;
                OriginPatterns::new(patterns.iter().map(AsRef::as_ref))
                    .map_err(|error| PyValueError::new_err(error.to_string()))?
            },
            asks_origin_func: !config.getattr("origin_func")?.is_none(),
        });
        let origin_func_module = py.import(intern!(py, "fastcors._origin_func"))?;

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
            origin_pattern,
            origins_collection: config.getattr("origins_collection")?.extract()?,
            methods_collection: config.getattr("methods_collection")?.extract()?,
            origin_func: config.getattr("origin_func")?.extract()?,
            continue_preflight: origin_func_module.getattr(intern!(py, "continue_preflight"))?.unbind(),
            continue_response_start: origin_func_module
                .getattr(intern!(py, "continue_response_start"))?
                .unbind(),
            cors_on_errors: python_function_if(
                py,
                config.getattr("cors_on_errors")?.extract()?,
                "fastcors._errors",
                "serve_with_cors_on_errors",
            )?,
            refuse_websocket: python_function_if(
                py,
                config.getattr("check_websocket_origin")?.extract()?,
                "fastcors._websocket",
                "refuse_websocket",
            )?,
            reporter: config.getattr("reporter")?.extract()?,
            log_enabled_for: config.getattr("log_enabled_for")?.extract()?,
            debug_level: LOGGING_DEBUG.into_pyobject(py)?.into_any().unbind(),
            core,
            send_preflight: py
                .import(intern!(py, "fastcors._preflight"))?
                .getattr(intern!(py, "send_preflight"))?
                .unbind(),
            panic_at,
        })
    }

    /// Which engine evaluates `allow_origin_regex`: `"rust"`, `"python"` or `None`.
    #[getter]
    fn origin_regex_engine(&self) -> Option<&'static str> {
        self.core.origin_regex_engine()
    }

    /// Starlette's `is_allowed_origin`, for an origin's raw (latin-1) bytes, then
    /// `allow_origin_func` when the static rules refuse it.
    fn is_allowed_origin(&self, py: Python<'_>, origin: &[u8]) -> PyResult<bool> {
        if self.core.is_allowed_origin(origin, &self.delegate(py, None))? {
            return Ok(true);
        }
        let Some(func) = &self.origin_func else { return Ok(false) };
        func.bind(py).call_method1(intern!(py, "decide_now"), (latin1_str(py, origin)?,))?.extract()
    }

    /// The messages of a preflight whose origin `allow_origin_func` has judged.
    fn finish_preflight<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        origin_allowed: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let found = PreflightHeaders::scan(request_headers)?;
        let request = found.request().ok_or_else(|| PyValueError::new_err("not a preflight request"))?;
        self.preflight_messages(py, &found, &request, origin_allowed, None, true)
    }

    /// Edits a response start whose origin `allow_origin_func` has judged; a refusal is reported
    /// with `reported_method`, the request's method, when given.
    #[pyo3(signature = (message, request_headers, origin_allowed, reported_method = None))]
    fn finish_response_start(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        request_headers: &Bound<'_, PyList>,
        origin_allowed: bool,
        reported_method: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.edit_response_start(py, message, request_headers, None, reported_method, Some(origin_allowed))
            .map(|_| ())
    }

    /// `dispatch(app, scope, receive, send, middleware=None)`: the whole middleware for one ASGI
    /// call, returning the awaitable that serves the request.
    ///
    /// Non-http scopes go straight to `app`; a preflight is answered here (`app` never runs);
    /// any other request runs `app` with a `send` that adds the CORS headers. `middleware` is the
    /// one whose `is_allowed_origin` a judged policy asks.
    #[pyo3(signature = (app, scope, receive, send, middleware = None))]
    pub(super) fn dispatch<'py>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let kind = item_of(scope, this.names.type_key.bind(py))?;
        if str_differs(&kind, this.names.http.bind(py), "http")? {
            if let Some(refuse) = &this.refuse_websocket {
                if str_equals(&kind, intern!(py, "websocket"), "websocket")? {
                    if let Some(origin) = this.websocket_refused_origin(py, scope, middleware)? {
                        if this.listening(py)? {
                            this.report(
                                py,
                                "websocket",
                                &origin,
                                intern!(py, "GET"),
                                None,
                                Failures::ORIGIN,
                                None,
                            )?;
                        }
                        return refuse.bind(py).call1((scope, receive, send));
                    }
                }
            }
            return app.call1((scope, receive, send));
        }
        match Self::handle(slf, scope, send.clone(), middleware, true)? {
            Answer::Preflight(start, end) => {
                let send = denial_send(&kind, send)?;
                this.send_preflight.bind(py).call1((send, start, end))
            }
            Answer::Send(cors_send) => match &this.cors_on_errors {
                None => app.call1((scope, receive, cors_send)),
                Some(serve) => serve.bind(py).call1((slf, middleware, app, scope, receive, cors_send, send)),
            },
            Answer::PendingPreflight(verdict, request_headers) => {
                let send = denial_send(&kind, send)?;
                this.continue_preflight.bind(py).call1((verdict, slf, request_headers, send))
            }
        }
    }

    /// Whether the request has an `Origin` that responses may be shared with.
    #[pyo3(signature = (request_headers, middleware = None))]
    fn request_origin_allowed(
        &self,
        py: Python<'_>,
        request_headers: &Bound<'_, PyAny>,
        middleware: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let headers = header_list(request_headers)?;
        match first_origin(&headers)? {
            None => Ok(false),
            Some(origin) => {
                self.core.request_origin_allowed(origin.as_bytes(), &self.delegate(py, middleware))
            }
        }
    }

    /// `allow_origin_func`'s verdict on the request's `Origin`: `True`, `False` or an awaitable
    /// of one; `False` without an `Origin` or a function.
    fn origin_func_verdict<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let headers = header_list(request_headers)?;
        let answer = match first_origin(&headers)? {
            None => FuncAnswer::Now(false),
            Some(origin) => self.ask_origin_func(py, origin.as_bytes())?,
        };
        Ok(match answer {
            FuncAnswer::Now(verdict) => PyBool::new(py, verdict).to_owned().into_any(),
            FuncAnswer::Later(verdict) => verdict,
        })
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
        Ok(match Self::handle(slf, scope, send.clone(), middleware, !quiet)? {
            Answer::Preflight(start, end) => PyTuple::new(slf.py(), [start, end])?.into_any(),
            Answer::Send(cors_send) => cors_send.into_any(),
            Answer::PendingPreflight(verdict, request_headers) => {
                let py = slf.py();
                let pending =
                    slf.get().continue_preflight.bind(py).call1((verdict, slf, request_headers, send))?;
                PyTuple::new(py, [py.None().into_bound(py), pending])?.into_any()
            }
        })
    }

    /// Every Python object the policy holds. There is no `__clear__`: the class is frozen, and
    /// nothing it holds refers back to it except through objects of the application's (a
    /// collection, a pattern), which the collector clears.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.send_preflight)?;
        visit.call(&self.continue_preflight)?;
        visit.call(&self.continue_response_start)?;
        for object in [
            &self.origin_func,
            &self.origin_pattern,
            &self.origins_collection,
            &self.methods_collection,
            &self.cors_on_errors,
            &self.refuse_websocket,
            &self.reporter,
            &self.log_enabled_for,
        ]
        .into_iter()
        .flatten()
        {
            visit.call(object)?;
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
        Ok(())
    }
}

/// Python's answers to the questions the core cannot answer itself.
struct PythonDelegate<'a, 'py> {
    py: Python<'py>,
    policy: &'a PyPolicy,
    /// The middleware serving the request, whose `is_allowed_origin` a judged policy asks.
    middleware: Option<&'a Bound<'py, PyAny>>,
}

impl PythonDelegate<'_, '_> {
    /// `item.decode("latin-1") in collection`: the str Starlette would test.
    fn ask_collection(&self, collection: Option<&Py<PyAny>>, item: &[u8]) -> PyResult<bool> {
        let Some(collection) = collection else { return Ok(false) };
        collection.bind(self.py).contains(latin1_str(self.py, item)?)
    }
}

impl Delegate for PythonDelegate<'_, '_> {
    type Error = PyErr;

    /// `pattern.fullmatch(origin.decode("latin-1"))`, for a pattern only Python's `re` can evaluate.
    fn origin_regex_matches(&self, origin: &[u8]) -> PyResult<bool> {
        let Some(pattern) = &self.policy.origin_pattern else { return Ok(false) };
        let text = latin1_str(self.py, origin)?;
        pattern.bind(self.py).call_method1(intern!(self.py, "fullmatch"), (text,))?.is_truthy()
    }

    fn origin_listed(&self, origin: &[u8]) -> PyResult<bool> {
        self.ask_collection(self.policy.origins_collection.as_ref(), origin)
    }

    /// `self.is_allowed_origin(origin=...)`, called as Starlette calls it.
    fn origin_judged(&self, origin: &[u8]) -> PyResult<bool> {
        let Some(middleware) = self.middleware else {
            return Err(PyTypeError::new_err(
                "this policy asks its middleware's is_allowed_origin: pass the middleware",
            ));
        };
        let keywords = PyDict::new(self.py);
        keywords.set_item(intern!(self.py, "origin"), latin1_str(self.py, origin)?)?;
        middleware.call_method(intern!(self.py, "is_allowed_origin"), (), Some(&keywords))?.is_truthy()
    }

    fn method_listed(&self, method: &[u8]) -> PyResult<bool> {
        self.ask_collection(self.policy.methods_collection.as_ref(), method)
    }
}

/// `method == "OPTIONS"`, asked as Starlette asks it: only of a request with an `Origin`. A plain
/// `str` answers without running any code, so it is asked first; anything else is asked only
/// after the `Origin` is found.
fn is_options(
    method: &Bound<'_, PyAny>,
    request_headers: &Bound<'_, PyList>,
    options: &Bound<'_, PyString>,
) -> PyResult<bool> {
    if method.is_exact_instance_of::<PyString>() {
        return str_equals(method, options, "OPTIONS");
    }
    is_options_of_own_type(method, request_headers, options)
}

#[cold]
#[inline(never)]
fn is_options_of_own_type(
    method: &Bound<'_, PyAny>,
    request_headers: &Bound<'_, PyList>,
    options: &Bound<'_, PyString>,
) -> PyResult<bool> {
    if first_origin(request_headers)?.is_none() {
        return Ok(false);
    }
    str_equals(method, options, "OPTIONS")
}

/// The `send` a preflight response goes out through: `send` itself, unless the scope's `type` is
/// an object of its own (not a `str`), which `fastcors._preflight.denial_send` asks, as
/// Starlette's `Response` does, whether it is `"websocket"`.
fn denial_send<'py>(kind: &Bound<'py, PyAny>, send: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if kind.is_exact_instance_of::<PyString>() {
        return Ok(send);
    }
    denial_send_of_own_type(kind, send)
}

#[cold]
#[inline(never)]
fn denial_send_of_own_type<'py>(
    kind: &Bound<'py, PyAny>,
    send: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = kind.py();
    py.import(intern!(py, "fastcors._preflight"))?.getattr(intern!(py, "denial_send"))?.call1((kind, send))
}

/// What a request gets: a preflight response, or a `send` for the app.
enum Answer<'py> {
    Preflight(Bound<'py, PyDict>, Bound<'py, PyDict>),
    Send(Bound<'py, CorsSend>),
    /// A preflight waiting for an async `allow_origin_func`: its verdict, and the request headers.
    PendingPreflight(Bound<'py, PyAny>, Bound<'py, PyList>),
}

/// What `allow_origin_func` answered: a verdict, or an awaitable of one.
enum FuncAnswer<'py> {
    Now(bool),
    Later(Bound<'py, PyAny>),
}

/// A preflight's answer, or the verdict it waits for.
enum PreflightAnswer<'py> {
    Ready(Bound<'py, PyDict>, Bound<'py, PyDict>),
    Pending(Bound<'py, PyAny>),
}

impl PyPolicy {
    fn handle<'py>(
        slf: &Bound<'py, Self>,
        scope: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<Answer<'py>> {
        let py = slf.py();
        let this = slf.get();
        this.maybe_panic(PanicPoint::Handle);
        let names = &this.names;
        let method = item_of(scope, names.method_key.bind(py))?;
        let mut request_headers = item_of(scope, names.headers_key.bind(py))?;
        if !request_headers.is_exact_instance_of::<PyList>() {
            // Starlette's `Headers(scope=scope)` leaves a list in the scope.
            request_headers = PyList::type_object(py).call1((request_headers,))?;
            scope.set_item(names.headers_key.bind(py), &request_headers)?;
        }
        let request_headers = request_headers.cast_into::<PyList>()?;
        if is_options(&method, &request_headers, names.options.bind(py))? {
            match this.preflight(py, &request_headers, middleware, report)? {
                Some(PreflightAnswer::Ready(start, end)) => return Ok(Answer::Preflight(start, end)),
                Some(PreflightAnswer::Pending(verdict)) => {
                    return Ok(Answer::PendingPreflight(verdict, request_headers));
                }
                None => {}
            }
        }
        let cors_send = CorsSend {
            policy: slf.clone().unbind(),
            send: send.unbind(),
            request_headers: request_headers.unbind(),
            // Only a judged policy needs it; others spare the reference.
            middleware: middleware.filter(|_| this.core.origin_judged_by_host()).map(|m| m.clone().unbind()),
            method: method.unbind(),
            report,
        };
        let cors_send = Bound::new(py, cors_send)?;
        Ok(Answer::Send(cors_send))
    }

    /// The handshake's `Origin` when the policy refuses it. Browsers always send `Origin` with a
    /// websocket handshake; other clients carry no user's cookies to hijack, so a handshake
    /// without one passes.
    fn websocket_refused_origin<'py>(
        &self,
        py: Python<'py>,
        scope: &Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let headers = header_list(&scope.get_item(intern!(py, "headers"))?)?;
        let Some(origin) = first_origin(&headers)? else { return Ok(None) };
        let allowed = self.core.request_origin_allowed(origin.as_bytes(), &self.delegate(py, middleware))?;
        Ok((!allowed).then_some(origin))
    }

    /// Tells the reporter of a refusal, with what the core knows of why; callers ask
    /// [`Self::listening`] first.
    #[allow(clippy::too_many_arguments, reason = "the fields of one refusal, passed on as they are")]
    #[inline(never)]
    fn report(
        &self,
        py: Python<'_>,
        kind: &str,
        origin: &Bound<'_, PyBytes>,
        method: &Bound<'_, PyAny>,
        requested_headers: Option<&Bound<'_, PyBytes>>,
        failures: Failures,
        refused_header: Option<&[u8]>,
    ) -> PyResult<()> {
        let Some(reporter) = &self.reporter else { return Ok(()) };
        let refused_header = refused_header.map(|name| PyBytes::new(py, name));
        reporter.bind(py).call1((
            kind,
            origin,
            method,
            requested_headers,
            failures.index(),
            refused_header,
        ))?;
        Ok(())
    }

    /// Whether a refusal has anyone to hear it: an `on_reject`, or a log that wants `DEBUG`
    /// records (asked of `logging` at each refusal).
    fn listening(&self, py: Python<'_>) -> PyResult<bool> {
        if self.reporter.is_none() {
            return Ok(false);
        }
        match &self.log_enabled_for {
            None => Ok(true),
            Some(enabled_for) => enabled_for.bind(py).call1((self.debug_level.bind(py),))?.is_truthy(),
        }
    }

    fn maybe_panic(&self, point: PanicPoint) {
        assert!(self.panic_at != Some(point), "deliberate panic at {point:?}, requested by a test");
    }

    fn delegate<'a, 'py>(
        &'a self,
        py: Python<'py>,
        middleware: Option<&'a Bound<'py, PyAny>>,
    ) -> PythonDelegate<'a, 'py> {
        PythonDelegate { py, policy: self, middleware }
    }

    /// Asks `allow_origin_func` (with its cache) about an origin the static rules refuse.
    #[inline(never)]
    fn ask_origin_func<'py>(&self, py: Python<'py>, origin: &[u8]) -> PyResult<FuncAnswer<'py>> {
        let Some(func) = &self.origin_func else { return Ok(FuncAnswer::Now(false)) };
        let verdict = func.bind(py).call1((latin1_str(py, origin)?,))?;
        Ok(match verdict.cast::<PyBool>() {
            Ok(verdict) => FuncAnswer::Now(verdict.is_true()),
            Err(_) => FuncAnswer::Later(verdict),
        })
    }

    fn preflight<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<Option<PreflightAnswer<'py>>> {
        let found = PreflightHeaders::scan(request_headers)?;
        let Some(request) = found.request() else {
            return Ok(None);
        };
        let origin_allowed =
            match self.core.judge_request_origin(request.origin, &self.delegate(py, middleware))? {
                OriginJudgement::Settled(allowed) => allowed,
                OriginJudgement::AskOriginFunc => match self.ask_origin_func(py, request.origin)? {
                    FuncAnswer::Now(allowed) => allowed,
                    FuncAnswer::Later(verdict) => return Ok(Some(PreflightAnswer::Pending(verdict))),
                },
            };
        let (start, end) =
            self.preflight_messages(py, &found, &request, origin_allowed, middleware, report)?;
        Ok(Some(PreflightAnswer::Ready(start, end)))
    }

    #[allow(clippy::too_many_arguments, reason = "one preflight's parts, as the callers hold them")]
    fn preflight_messages<'py>(
        &self,
        py: Python<'py>,
        found: &PreflightHeaders<'py>,
        request: &PreflightRequest<'_>,
        origin_allowed: bool,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let origin = found.origin.as_ref().expect("a preflight has an Origin");
        let method = found.method.as_ref().expect("a preflight has a requested method");
        let requested_headers = &found.headers;
        let decision = self.core.preflight_judged(request, origin_allowed, &self.delegate(py, middleware))?;
        if report && !decision.failures.is_empty() && self.listening(py)? {
            let refused_header = if decision.failures.contains(Failures::HEADERS) {
                request.headers.and_then(|requested| self.core.refused_request_header(requested))
            } else {
                None
            };
            self.report(
                py,
                "preflight",
                origin,
                method.as_any(),
                requested_headers.as_ref(),
                decision.failures,
                refused_header,
            )?;
        }
        let (body, content_length) = &self.preflight_ends[decision.failures.index()];
        let headers = PyList::empty(py);
        for part in self.core.preflight_parts(decision) {
            match part {
                PreflightPart::Static(index) => headers.append(&self.preflight_headers[index])?,
                PreflightPart::EchoedOrigin => {
                    headers.append((&self.allow_origin_name, exact_bytes(origin)))?;
                }
                PreflightPart::EchoedRequestHeaders => {
                    let requested = requested_headers.as_ref().map(exact_bytes);
                    headers.append((&self.allow_headers_name, requested))?;
                }
                PreflightPart::AllowPrivateNetwork => headers.append(&self.private_network_granted)?,
                PreflightPart::ContentLength => headers.append(content_length)?,
                PreflightPart::ContentType => headers.append(&self.content_type)?,
            }
        }
        // Fresh dicts (the server may change them), copied from prebuilt ones in Starlette's key order.
        let start = self.preflight_starts[usize::from(!decision.failures.is_empty())].bind(py).copy()?;
        start.set_item(intern!(py, "headers"), headers)?;
        Ok((start, body.bind(py).copy()?))
    }

    /// Starlette's edits of the app's `http.response.start`, in place in `message`; or, when the
    /// origin waits for an async `allow_origin_func`, its verdict to await (`origin_allowed` is
    /// that verdict, once awaited).
    pub(super) fn edit_response_start<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        request_headers: &Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        reported_method: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.maybe_panic(PanicPoint::ResponseStart);
        let headers_key = self.names.headers_key.bind(py);
        // Exact dicts only: a subclass's own `setdefault` and `__setitem__` are called, as Starlette calls them.
        let app_headers = match message.cast_exact::<PyDict>() {
            Ok(dict) => match dict.get_item(headers_key)? {
                Some(headers) => headers,
                None => headers_set_default(message, headers_key)?,
            },
            Err(_) => headers_set_default(message, headers_key)?,
        };
        // `MutableHeaders(scope=message)` works on a copy, `list(message["headers"])`, taken
        // before anything is read or decided: code the collector runs (or an `on_reject`) may change
        // the app's list afterwards, and then changes nothing here, as in Starlette.
        let copy = copied_headers(&app_headers)?;
        let origin = first_origin(request_headers)?;
        let origin_bytes = origin.as_ref().map(PyBytesMethods::as_bytes);
        let outcome = match (origin_bytes, origin_allowed) {
            (Some(_), Some(true)) => OriginOutcome::Echoed,
            (Some(_), Some(false)) => OriginOutcome::NotEchoed,
            _ => {
                let outcome = self.core.origin_outcome(origin_bytes, &self.delegate(py, middleware))?;
                match origin_bytes {
                    Some(origin) if self.core.simple_asks_origin_func(outcome) => {
                        match self.ask_origin_func(py, origin)? {
                            FuncAnswer::Now(true) => OriginOutcome::Echoed,
                            FuncAnswer::Now(false) => outcome,
                            FuncAnswer::Later(verdict) => return Ok(Some(verdict)),
                        }
                    }
                    _ => outcome,
                }
            }
        };
        if let (Some(method), Some(origin)) = (reported_method, &origin) {
            if self.core.refuses_origin(outcome) && self.listening(py)? {
                self.report(py, "request", origin, method, None, Failures::ORIGIN, None)?;
            }
        }
        let edited = if edits_existing(&copy)? {
            self.merged(py, &copy, outcome, origin.as_ref())?
        } else {
            // Nothing of the app's to merge or replace: the edits only append, to the copy, one
            // whole header at a time.
            for header in self.core.appended_headers(outcome) {
                copy.append(self.new_header(py, header, origin.as_ref()))?;
            }
            copy
        };
        match message.cast_exact::<PyDict>() {
            Ok(dict) => dict.set_item(headers_key, edited)?,
            Err(_) => set_item_of_mapping(message, headers_key, edited.into_any())?,
        }
        Ok(None)
    }

    /// The general case: the app set `Vary` or a CORS header itself.
    #[inline(never)]
    fn merged<'py>(
        &self,
        py: Python<'py>,
        copy: &Bound<'py, PyList>,
        outcome: OriginOutcome,
        origin: Option<&Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyAny>> = copy.iter().collect();
        let pairs = items.iter().map(|item| HeaderPair::of(item)?.owned()).collect::<PyResult<Vec<_>>>()?;
        let existing: Vec<ExistingHeader<'_>> = pairs
            .iter()
            .map(|(name, value)| ExistingHeader {
                name: name.cast::<PyBytes>().ok().map(PyBytesMethods::as_bytes),
                value: value.cast::<PyBytes>().ok().map(PyBytesMethods::as_bytes),
            })
            .collect();
        let plan = self
            .core
            .plan_response_headers(&existing, outcome)
            .map_err(|error| value_not_bytes(&pairs[error.index].1))?;
        // Every header is made before the list: a list is never seen with empty slots.
        let rebuilt: Vec<Bound<'py, PyAny>> = plan
            .iter()
            .map(|slot| match slot {
                Slot::Existing(index) => items[*index].clone(),
                Slot::New(header) => self.new_header(py, header, origin),
            })
            .collect();
        PyList::new(py, rebuilt)
    }

    fn new_header<'py>(
        &self,
        py: Python<'py>,
        header: &NewHeader,
        origin: Option<&Bound<'py, PyBytes>>,
    ) -> Bound<'py, PyAny> {
        match header {
            NewHeader::Simple(index) => self.simple_headers[*index].bind(py).clone().into_any(),
            NewHeader::VaryOrigin => self.vary_origin.bind(py).clone().into_any(),
            NewHeader::EchoedOrigin => {
                let origin =
                    exact_bytes(origin.expect("an echoed origin comes from a request with an Origin"));
                PyTuple::new(py, [self.allow_origin_name.bind(py).as_any(), origin.as_any()])
                    .expect("a pair always builds")
                    .into_any()
            }
            NewHeader::MergedVary(value) => {
                PyTuple::new(py, [self.vary_name.bind(py).clone(), PyBytes::new(py, value)])
                    .expect("a pair always builds")
                    .into_any()
            }
        }
    }
}

/// `list(headers)`, as `MutableHeaders(scope=message)` copies the app's headers: an exact list by
/// `PySequence_List`, which reads the list's length only after the copy is allocated (unlike a
/// slice, whose allocation may run the collector between reading the length and copying).
fn copied_headers<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    match headers.cast_exact::<PyList>() {
        Ok(list) => list.as_sequence().to_list(),
        Err(_) => listed(headers),
    }
}

/// Whether the app set a header the edits touch; the usual items are read without calls into
/// the interpreter, and any other item sends the whole scan to [`items_edited`].
fn edits_existing(items: &Bound<'_, PyList>) -> PyResult<bool> {
    let mut edited = false;
    for item in items.iter() {
        match with_usual_pair(&item, |name, _| Policy::edits_response_header(name)) {
            Some(this) => edited |= this,
            None => return items_edited(items),
        }
    }
    Ok(edited)
}

/// Whether the app set a header the edits touch, for items of any shape.
#[cold]
#[inline(never)]
fn items_edited(items: &Bound<'_, PyList>) -> PyResult<bool> {
    let mut edited = false;
    for item in items.iter() {
        edited |= HeaderPair::of(&item)?
            .with_name(&EDITED_RESPONSE_HEADERS, |name| name.is_some_and(Policy::edits_response_header))?;
    }
    Ok(edited)
}

/// `logging.DEBUG`.
const LOGGING_DEBUG: i32 = 10;

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
fn headers_set_default<'py>(
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
fn listed<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    Ok(PyList::type_object(headers.py()).call1((headers,))?.cast_into::<PyList>()?)
}

/// `mapping[key] = value` for a mapping other than a plain dict.
#[cold]
#[inline(never)]
fn set_item_of_mapping<'py>(
    mapping: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    mapping.set_item(key, value)
}

/// Where the test hook makes the core panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PanicPoint {
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
