//! The only module that knows about Python: the core's `Policy` and the `send` wrapper it hands to
//! the app, exposed as `fastcors._fastcors`.
//!
//! Response headers are prebuilt tuples of `bytes`; the request's own `bytes` objects are reused
//! for echoed values, so a request allocates only the lists and dicts ASGI requires.

use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, PyTraverseError, PyTypeInfo};

use crate::delegate::Delegate;
use crate::membership::Membership;
use crate::origin::OriginRegex;
use crate::origin_patterns::OriginPatterns;
use crate::policy::{
    Failures, OriginJudgement, Policy, PolicyConfig, PreflightDecision, PreflightPart, PreflightRequest,
    PLAIN_TEXT,
};
use crate::request_headers::AllowedHeaders;
use crate::response_headers::{
    names, ExistingHeader, Header, NewHeader, OriginOutcome, Slot, EDITED_RESPONSE_HEADERS,
};

/// A CORS policy over a `fastcors._config.CorsConfig`; immutable and shareable across threads.
#[pyclass(name = "Policy", module = "fastcors._fastcors", frozen)]
struct PyPolicy {
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
    continue_response_start: Py<PyAny>,
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
        let origin_regex = match origin_pattern {
            None => OriginRegex::Absent,
            Some(_) => OriginRegex::compile(translation.as_deref()),
        };
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
        let preflight_ends = PreflightDecision::all_bodies()
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
            origin_pattern: config.getattr("origin_pattern")?.extract()?,
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

    /// Edits a response start whose origin `allow_origin_func` has judged.
    fn finish_response_start(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        request_headers: &Bound<'_, PyList>,
        origin_allowed: bool,
    ) -> PyResult<()> {
        self.edit_response_start(py, message, request_headers, None, None, Some(origin_allowed)).map(|_| ())
    }

    /// `dispatch(app, scope, receive, send, middleware=None)`: the whole middleware for one ASGI
    /// call, returning the awaitable that serves the request.
    ///
    /// Non-http scopes go straight to `app`; a preflight is answered here (`app` never runs);
    /// any other request runs `app` with a `send` that adds the CORS headers. `middleware` is the
    /// one whose `is_allowed_origin` a judged policy asks.
    #[pyo3(signature = (app, scope, receive, send, middleware = None))]
    fn dispatch<'py>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let kind = match scope.cast_exact::<PyDict>() {
            Ok(dict) => dict.get_item(intern!(py, "type"))?.ok_or_else(|| PyKeyError::new_err("type"))?,
            Err(_) => scope.get_item(intern!(py, "type"))?,
        };
        let this = slf.get();
        if !str_equals(&kind, intern!(py, "http"))? {
            if let Some(refuse) = &this.refuse_websocket {
                if str_equals(&kind, intern!(py, "websocket"))? {
                    if let Some(origin) = this.websocket_refused_origin(py, scope, middleware)? {
                        this.report(
                            py,
                            "websocket",
                            &origin,
                            intern!(py, "GET"),
                            None,
                            Failures::ORIGIN,
                            None,
                        )?;
                        return refuse.bind(py).call1((scope, receive, send));
                    }
                }
            }
            return app.call1((scope, receive, send));
        }
        match Self::handle(slf, scope, send.clone(), middleware, true)? {
            Answer::Preflight(start, end) => this.send_preflight.bind(py).call1((send, start, end)),
            Answer::Send(cors_send) => match &this.cors_on_errors {
                None => app.call1((scope, receive, cors_send)),
                Some(serve) => serve.bind(py).call1((slf, middleware, app, scope, receive, cors_send)),
            },
            Answer::PendingPreflight(verdict, request_headers) => {
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

fn latin1_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    PyBytes::new(py, bytes).call_method1(intern!(py, "decode"), (intern!(py, "latin-1"),))
}

/// The base class of `fastcors.CORSMiddleware`, which gives it a `__call__` in Rust: a request
/// enters the core with no Python frame on the way.
#[pyclass(name = "Middleware", module = "fastcors._fastcors", subclass, frozen)]
struct MiddlewareBase;

#[pymethods]
impl MiddlewareBase {
    /// The subclass's `__init__` takes the arguments.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self
    }

    /// `middleware(scope, receive, send)`: `self._policy` serves the request for `self.app`, and
    /// the awaitable it returns is the app's own (or the preflight's).
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let (scope, receive, send) = asgi_arguments(args, kwargs)?;
        let app = slf.getattr(intern!(py, "app"))?;
        let policy = slf.getattr(intern!(py, "_policy"))?;
        match policy.cast::<PyPolicy>() {
            Ok(policy) => PyPolicy::dispatch(policy, &app, &scope, &receive, send, Some(slf.as_any())),
            // The pure-Python core, swapped in.
            Err(_) => policy.call_method1(intern!(py, "dispatch"), (app, scope, receive, send, slf)),
        }
    }
}

type AsgiArguments<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// `scope, receive, send`, given by position (the way servers call) or by name.
fn asgi_arguments<'py>(
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<AsgiArguments<'py>> {
    let py = args.py();
    let keywords = kwargs.map_or(0, PyDictMethods::len);
    if keywords == 0 && args.len() == 3 {
        return Ok((args.get_item(0)?, args.get_item(1)?, args.get_item(2)?));
    }
    if args.len() + keywords != 3 {
        return Err(PyTypeError::new_err(format!(
            "__call__() takes 3 arguments (scope, receive, send), {} given",
            args.len() + keywords
        )));
    }
    let argument = |position: usize, name: &str| -> PyResult<Bound<'py, PyAny>> {
        let by_name = match kwargs {
            Some(kwargs) => kwargs.get_item(PyString::intern(py, name))?,
            None => None,
        };
        match (args.get_item(position).ok(), by_name) {
            (Some(value), None) | (None, Some(value)) => Ok(value),
            (Some(_), Some(_)) => {
                Err(PyTypeError::new_err(format!("__call__() got multiple values for argument '{name}'")))
            }
            (None, None) => {
                Err(PyTypeError::new_err(format!("__call__() missing required argument: '{name}'")))
            }
        }
    };
    Ok((argument(0, "scope")?, argument(1, "receive")?, argument(2, "send")?))
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
        let method = scope.get_item(intern!(py, "method"))?;
        let mut request_headers = scope.get_item(intern!(py, "headers"))?;
        if !request_headers.is_exact_instance_of::<PyList>() {
            // Starlette's `Headers(scope=scope)` leaves a list in the scope.
            request_headers = PyList::type_object(py).call1((request_headers,))?;
            scope.set_item(intern!(py, "headers"), &request_headers)?;
        }
        let request_headers = request_headers.cast_into::<PyList>()?;
        if str_equals(&method, intern!(py, "OPTIONS"))? {
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
        Ok(Answer::Send(Bound::new(py, cors_send)?))
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

    /// Tells the reporter of a refusal, with what the core knows of why.
    #[allow(clippy::too_many_arguments, reason = "the fields of one refusal, passed on as they are")]
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
        if report && !decision.failures.is_empty() {
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
    fn edit_response_start<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        request_headers: &Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        reported_method: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.maybe_panic(PanicPoint::ResponseStart);
        let headers_key = intern!(py, "headers");
        // Exact dicts only: a subclass's own `setdefault` and `__setitem__` are called, as Starlette calls them.
        let app_headers = if let Ok(dict) = message.cast_exact::<PyDict>() {
            if let Some(headers) = dict.get_item(headers_key)? {
                headers
            } else {
                let headers = PyList::empty(py).into_any();
                dict.set_item(headers_key, &headers)?;
                headers
            }
        } else {
            message.call_method1(intern!(py, "setdefault"), (headers_key, PyList::empty(py)))?
        };
        // `MutableHeaders(scope=message)` works on a copy: `list(message["headers"])`.
        let edited = match app_headers.cast::<PyList>() {
            Ok(list) => list.get_slice(0, list.len()),
            Err(_) => PyList::type_object(py).call1((app_headers,))?.cast_into::<PyList>()?,
        };
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
            if self.core.refuses_origin(outcome) {
                self.report(py, "request", origin, method, None, Failures::ORIGIN, None)?;
            }
        }

        let mut edits_existing = false;
        for item in edited.iter() {
            let pair = HeaderPair::of(&item)?;
            edits_existing |= pair.with_name(&EDITED_RESPONSE_HEADERS, |name| {
                name.is_some_and(Policy::edits_response_header)
            })?;
        }
        let edited = if edits_existing {
            self.merged(py, &edited, outcome, origin.as_ref())?
        } else {
            // Nothing of the app's to merge or replace: the edits only append.
            for header in self.core.appended_headers(outcome) {
                edited.append(self.new_header(py, header, origin.as_ref()))?;
            }
            edited
        };
        match message.cast_exact::<PyDict>() {
            Ok(dict) => dict.set_item(headers_key, edited)?,
            Err(_) => message.set_item(headers_key, edited)?,
        }
        Ok(None)
    }

    /// The general case: the app set `Vary` or a CORS header itself.
    fn merged<'py>(
        &self,
        py: Python<'py>,
        edited: &Bound<'py, PyList>,
        outcome: OriginOutcome,
        origin: Option<&Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyAny>> = edited.iter().collect();
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
        let rebuilt = plan.iter().map(|slot| match slot {
            Slot::Existing(index) => items[*index].clone(),
            Slot::New(header) => self.new_header(py, header, origin),
        });
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

impl CorsSend {
    /// Edits the message if it starts the response, then forwards it with `forward`.
    fn call_with<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        forward: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = match message.cast_exact::<PyDict>() {
            Ok(dict) => dict.get_item(intern!(py, "type"))?.ok_or_else(|| PyKeyError::new_err("type"))?,
            Err(_) => message.get_item(intern!(py, "type"))?,
        };
        if str_equals(&kind, intern!(py, "http.response.start"))? {
            let middleware = self.middleware.as_ref().map(|middleware| middleware.bind(py));
            let method = self.report.then(|| self.method.bind(py));
            let policy = self.policy.get();
            let request_headers = self.request_headers.bind(py);
            if let Some(verdict) =
                policy.edit_response_start(py, message, request_headers, middleware, method, None)?
            {
                return policy.continue_response_start.bind(py).call1((
                    verdict,
                    self.policy.bind(py),
                    message,
                    request_headers,
                    self.send.bind(py),
                ));
            }
        }
        forward()
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

/// The `send` handed to the app: edits `http.response.start`, then forwards every message.
///
/// A plain callable returning the downstream awaitable: `await send(message)` works as with
/// Starlette's coroutine, without a Python frame per message. Its class attributes make it pass as
/// the coroutine function Starlette's is (`fastcors._coroutine_marks`).
#[pyclass(name = "CorsSend", module = "fastcors._fastcors", frozen)]
struct CorsSend {
    policy: Py<PyPolicy>,
    send: Py<PyAny>,
    /// The scope's header list, read when the response starts, as Starlette does.
    request_headers: Py<PyList>,
    /// The middleware, when its policy asks the middleware's `is_allowed_origin`.
    middleware: Option<Py<PyAny>>,
    /// The request's method, for the report of a refused origin.
    method: Py<PyAny>,
    /// Whether a refused origin is reported (not for `explain`'s hypothetical requests).
    report: bool,
}

/// One of `fastcors._coroutine_marks.SEND_ATTRIBUTES`.
fn send_attribute(py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
    let attributes =
        py.import(intern!(py, "fastcors._coroutine_marks"))?.getattr(intern!(py, "SEND_ATTRIBUTES"))?;
    Ok(attributes.get_item(name)?.unbind())
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
        let py = args.py();
        if kwargs.is_some_and(|kwargs| !kwargs.is_empty()) || args.len() != 1 {
            let message = single_message(args, kwargs)?;
            return self.call_with(py, &message, || self.send.bind(py).call1((&message,)));
        }
        let message = args.get_borrowed_item(0)?;
        self.call_with(py, &message, || self.send.bind(py).call(args, None))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.policy)?;
        visit.call(&self.send)?;
        visit.call(&self.method)?;
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
        let attributes =
            py.import(intern!(py, "fastcors._coroutine_marks"))?.getattr(intern!(py, "SEND_ATTRIBUTES"))?;
        Ok(attributes.call_method1(intern!(py, "get"), ("_is_coroutine_marker",))?.unbind())
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

/// The request headers a preflight reads.
const PREFLIGHT_REQUEST_HEADERS: [&[u8]; 4] = [
    b"origin",
    b"access-control-request-method",
    b"access-control-request-headers",
    b"access-control-request-private-network",
];

/// The first of each CORS request header, as Starlette's `Headers.get` finds them.
#[derive(Default)]
struct PreflightHeaders<'py> {
    origin: Option<Bound<'py, PyBytes>>,
    method: Option<Bound<'py, PyBytes>>,
    headers: Option<Bound<'py, PyBytes>>,
    private_network: bool,
}

impl<'py> PreflightHeaders<'py> {
    fn scan(request_headers: &Bound<'py, PyList>) -> PyResult<Self> {
        let mut origin = None;
        let mut method = None;
        let mut headers = None;
        let mut private_network = None;
        for item in request_headers.iter() {
            let pair = HeaderPair::of(&item)?;
            let slot = pair.with_name(&PREFLIGHT_REQUEST_HEADERS, |name| match name {
                Some(b"origin") => Some(&mut origin),
                Some(b"access-control-request-method") => Some(&mut method),
                Some(b"access-control-request-headers") => Some(&mut headers),
                Some(b"access-control-request-private-network") => Some(&mut private_network),
                _ => None,
            })?;
            let Some(slot) = slot else { continue };
            if slot.is_none() {
                *slot = Some(pair.value()?);
            }
        }
        // Values are checked after the scan, in this order, as the pure-Python core does.
        Ok(Self {
            origin: origin.map(checked_value).transpose()?,
            method: method.map(checked_value).transpose()?,
            headers: headers.map(checked_value).transpose()?,
            private_network: private_network.map(checked_value).transpose()?.is_some(),
        })
    }
}

/// The scope's headers as a list, without changing the scope.
fn header_list<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    match headers.cast::<PyList>() {
        Ok(list) => Ok(list.clone()),
        Err(_) => Ok(PyList::type_object(headers.py()).call1((headers,))?.cast_into::<PyList>()?),
    }
}

/// `module.name`, imported when `wanted`.
fn python_function_if(py: Python<'_>, wanted: bool, module: &str, name: &str) -> PyResult<Option<Py<PyAny>>> {
    if !wanted {
        return Ok(None);
    }
    Ok(Some(py.import(module)?.getattr(name)?.unbind()))
}

impl PreflightHeaders<'_> {
    /// The preflight these headers make, if they make one (an `Origin` and a requested method).
    fn request(&self) -> Option<PreflightRequest<'_>> {
        Some(PreflightRequest {
            origin: self.origin.as_ref()?.as_bytes(),
            method: self.method.as_ref()?.as_bytes(),
            headers: self.headers.as_ref().map(PyBytesMethods::as_bytes),
            private_network: self.private_network,
        })
    }
}

/// The request's first `origin` header, if any.
fn first_origin<'py>(request_headers: &Bound<'py, PyList>) -> PyResult<Option<Bound<'py, PyBytes>>> {
    for item in request_headers.iter() {
        let pair = HeaderPair::of(&item)?;
        if pair.with_name(&[b"origin"], |name| name == Some(b"origin"))? {
            return checked_value(pair.value()?).map(Some);
        }
    }
    Ok(None)
}

/// An ASGI header item checked to unpack as `name, value = item` does.
enum HeaderPair<'a, 'py> {
    /// The usual shape, read without taking references.
    Tuple(&'a Bound<'py, PyTuple>),
    Other(Bound<'py, PyAny>, Bound<'py, PyAny>),
}

impl<'a, 'py> HeaderPair<'a, 'py> {
    fn of(item: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(pair) = item.cast::<PyTuple>() {
            return if pair.len() == 2 { Ok(Self::Tuple(pair)) } else { Err(malformed(item)) };
        }
        if let Ok(pair) = item.cast::<PyList>() {
            if pair.len() == 2 {
                return Ok(Self::Other(pair.get_item(0)?, pair.get_item(1)?));
            }
            return Err(malformed(item));
        }
        let mut parts = item.try_iter().map_err(|_| malformed(item))?;
        let mut next = || parts.next().transpose().map_err(|_| malformed(item));
        match (next()?, next()?, next()?) {
            (Some(name), Some(value), None) => Ok(Self::Other(name, value)),
            _ => Err(malformed(item)),
        }
    }

    /// Applies `read` to the name when it is bytes, `None` otherwise: other names never match.
    ///
    /// A name that is not bytes yet equals one of `wanted` (a `bytearray`, say), which Starlette
    /// would match, is an error rather than a silent difference.
    fn with_name<R>(&self, wanted: &[&[u8]], read: impl FnOnce(Option<&[u8]>) -> R) -> PyResult<R> {
        let name = match self {
            Self::Tuple(pair) => pair.get_borrowed_item(0)?,
            Self::Other(name, _) => name.as_borrowed(),
        };
        if let Ok(bytes) = name.cast::<PyBytes>() {
            return Ok(read(Some(bytes.as_bytes())));
        }
        if !name.is_instance_of::<PyString>() {
            for target in wanted {
                if name.eq(PyBytes::new(name.py(), target))? {
                    return Err(PyTypeError::new_err(format!(
                        "ASGI header names must be bytes, got {}",
                        repr(&name)
                    )));
                }
            }
        }
        Ok(read(None))
    }

    fn value(&self) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Tuple(pair) => pair.get_item(1),
            Self::Other(_, value) => Ok(value.clone()),
        }
    }

    fn owned(self) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match self {
            Self::Tuple(pair) => Ok((pair.get_item(0)?, pair.get_item(1)?)),
            Self::Other(name, value) => Ok((name, value)),
        }
    }
}

/// `value == expected`, as Python compares, without a full comparison where the identity or the
/// length of a str already answers.
fn str_equals(value: &Bound<'_, PyAny>, expected: &Bound<'_, PyString>) -> PyResult<bool> {
    if value.is(expected) {
        return Ok(true);
    }
    if value.is_exact_instance_of::<PyString>() && value.len()? != expected.len()? {
        return Ok(false);
    }
    value.eq(expected)
}

/// A request value echoed into the response: Starlette decodes and re-encodes it, so a `bytes`
/// subclass arrives as plain `bytes`.
fn exact_bytes<'py>(value: &Bound<'py, PyBytes>) -> Bound<'py, PyBytes> {
    if value.is_exact_instance_of::<PyBytes>() {
        value.clone()
    } else {
        PyBytes::new(value.py(), value.as_bytes())
    }
}

fn checked_value(value: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyBytes>> {
    value.cast_into::<PyBytes>().map_err(|error| value_not_bytes(error.into_inner().as_any()))
}

fn malformed(item: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("ASGI headers must be (name, value) pairs, got {}", repr(item)))
}

fn value_not_bytes(value: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("ASGI header values must be bytes, got {}", repr(value)))
}

fn repr(object: &Bound<'_, PyAny>) -> String {
    object.repr().map_or_else(|_| "<unrepresentable object>".to_owned(), |text| text.to_string())
}

fn header_tuple(py: Python<'_>, name: &[u8], value: &[u8]) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, [PyBytes::new(py, name), PyBytes::new(py, value)])?.unbind())
}

fn byte_string(value: &Bound<'_, PyAny>) -> PyResult<Box<[u8]>> {
    Ok(value.cast::<PyBytes>()?.as_bytes().into())
}

fn byte_strings(config: &Bound<'_, PyAny>, attribute: &str) -> PyResult<Vec<Box<[u8]>>> {
    config.getattr(attribute)?.try_iter()?.map(|item| byte_string(&item?)).collect()
}

/// The membership of `allow_origins` (`"origins"`) or `allow_methods` (`"methods"`).
fn membership(config: &Bound<'_, PyAny>, option: &str) -> PyResult<Membership> {
    if !config.getattr(format!("{option}_collection"))?.is_none() {
        return Ok(Membership::Delegated);
    }
    let items = byte_strings(config, &format!("allowed_{option}"))?;
    Ok(if config.getattr(format!("allowed_{option}_are_substrings"))?.extract()? {
        Membership::substring(items)
    } else {
        Membership::exact(items)
    })
}

#[pymodule(gil_used = false)]
fn _fastcors(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyPolicy>()?;
    module.add_class::<MiddlewareBase>()?;
    module.add_class::<CorsSend>()?;
    Ok(())
}
