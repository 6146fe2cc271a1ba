//! The request entry: one ASGI call served (`dispatch`), or answered as values for `explain`
//! (`handle`); a websocket handshake refused; a preflight answered here; any other request handed
//! to the app with a `CorsSend`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, PyTypeInfo};

use super::asgi::{item_of, str_differs, str_equals};
use super::asgi_headers::{first_origin, header_list, is_options};
use super::cors_send::{CorsSend, ShadowedCorsSend};
use super::policy::{PanicPoint, PyPolicy};
use super::preflight::PreflightAnswer;
use super::shadow::{arrived_path, ComparedRequest, ComparedScope, Shadowed};
use crate::counters::Counter;
use crate::preflight::Failures;

/// What a request gets: a preflight response, or a `send` for the app.
enum Answer<'py> {
    Preflight(Bound<'py, PyDict>, Bound<'py, PyDict>),
    Send(Bound<'py, CorsSend>),
    /// A preflight waiting for an async `allow_origin_func`: its verdict, and the request headers.
    PendingPreflight(Bound<'py, PyAny>, Bound<'py, PyList>),
}

impl PyPolicy {
    /// The whole middleware for one ASGI call, returning the awaitable that serves the request.
    ///
    /// Non-http scopes go straight to `app`; a preflight is answered here (`app` never runs);
    /// any other request runs `app` with a `send` that adds the CORS headers. `middleware` is the
    /// one whose `is_allowed_origin` a judged policy asks.
    pub(super) fn dispatch<'py>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::dispatch_as::<false>(slf, app, scope, receive, send, middleware, None)
    }

    /// [`dispatch`](Self::dispatch) of a request the inline shadow of `top` compares where it
    /// is decided.
    #[inline(never)]
    pub(super) fn dispatch_shadowed<'py>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: &Bound<'py, PyAny>,
        top: &Bound<'py, Self>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::dispatch_as::<true>(slf, app, scope, receive, send, Some(middleware), Some(top))
    }

    /// `dispatch`, with the shadow's steps compiled in (`SHADOWED`, `shadowed_by` given) or out,
    /// so that a policy without a shadow runs none of its code.
    #[inline]
    fn dispatch_as<'py, const SHADOWED: bool>(
        slf: &Bound<'py, Self>,
        app: &Bound<'py, PyAny>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        shadowed_by: Option<&Bound<'py, Self>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let kind = item_of(scope, this.names.type_key.bind(py))?;
        if str_differs(&kind, this.names.http.bind(py), "http")? {
            if this.options.check_websocket_origin
                && str_equals(&kind, intern!(py, "websocket"), "websocket")?
            {
                if let Some(origin) = this.websocket_refused_origin(py, scope, middleware)? {
                    this.core.counters().count(Counter::WebsocketRefused);
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
                    return this.callbacks.refuse_websocket.bind(py).call1((scope, receive, send));
                }
            }
            return app.call1((scope, receive, send));
        }
        this.core.counters().count(Counter::Requests);
        match Self::answer::<SHADOWED>(slf, scope, send.clone(), middleware, true, shadowed_by)? {
            Answer::Preflight(start, end) => {
                let send = this.denial_send(&kind, send)?;
                this.callbacks.send_preflight.bind(py).call1((send, start, end))
            }
            Answer::Send(cors_send) if this.options.cors_on_errors => this
                .callbacks
                .serve_with_cors_on_errors
                .bind(py)
                .call1((slf, middleware, app, scope, receive, cors_send, send)),
            Answer::Send(cors_send) => app.call1((scope, receive, cors_send)),
            Answer::PendingPreflight(verdict, request_headers) => {
                let send = this.denial_send(&kind, send)?;
                this.callbacks.continue_preflight.bind(py).call1((verdict, slf, request_headers, send))
            }
        }
    }

    /// A request's answer as Python values: a preflight's two messages, `(None, awaitable)` for a
    /// preflight waiting for `allow_origin_func`, or the `send` for the app. `report`: whether a
    /// refusal is reported (not for `explain`'s hypothetical requests).
    pub(super) fn handle<'py>(
        slf: &Bound<'py, Self>,
        scope: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        Ok(match Self::answer::<false>(slf, scope, send.clone(), middleware, report, None)? {
            Answer::Preflight(start, end) => PyTuple::new(py, [start, end])?.into_any(),
            Answer::Send(cors_send) => cors_send.into_any(),
            Answer::PendingPreflight(verdict, request_headers) => {
                let pending = slf.get().callbacks.continue_preflight.bind(py).call1((
                    verdict,
                    slf,
                    request_headers,
                    send,
                ))?;
                PyTuple::new(py, [py.None().into_bound(py), pending])?.into_any()
            }
        })
    }

    /// Answers an http request: a preflight here, or a `CorsSend` for the app.
    fn answer<'py, const SHADOWED: bool>(
        slf: &Bound<'py, Self>,
        scope: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
        shadowed_by: Option<&Bound<'py, Self>>,
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
            let answer = match (shadowed_by, middleware) {
                (Some(top), Some(middleware)) if SHADOWED => {
                    let path = arrived_path(scope);
                    let request = ComparedRequest {
                        middleware,
                        scope: ComparedScope::Arrived(path.as_ref()),
                        request_headers: &request_headers,
                        method: &method,
                    };
                    this.shadowed_preflight(py, &Shadowed { top, request }, report)?
                }
                _ => this.preflight::<false>(py, &request_headers, middleware, report, None)?,
            };
            match answer {
                Some(PreflightAnswer::Ready(start, end)) => return Ok(Answer::Preflight(start, end)),
                Some(PreflightAnswer::Pending(verdict)) => {
                    return Ok(Answer::PendingPreflight(verdict, request_headers));
                }
                None => {}
            }
        }
        Ok(Answer::Send(match (shadowed_by, middleware) {
            (Some(top), Some(middleware)) if SHADOWED => {
                ShadowedCorsSend::for_request(slf, send, request_headers, middleware, method, top, scope)?
            }
            _ => CorsSend::new(slf, send, request_headers, middleware, method, report)?,
        }))
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

    /// The `send` a preflight response goes out through: `send` itself, unless the scope's `type`
    /// is an object of its own (not a `str`), which `fastcors._preflight.denial_send` asks, as
    /// Starlette's `Response` does, whether it is `"websocket"`.
    fn denial_send<'py>(
        &self,
        kind: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if kind.is_exact_instance_of::<PyString>() {
            return Ok(send);
        }
        self.denial_send_of_own_type(kind, send)
    }

    #[cold]
    #[inline(never)]
    fn denial_send_of_own_type<'py>(
        &self,
        kind: &Bound<'py, PyAny>,
        send: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.callbacks.denial_send.bind(kind.py()).call1((kind, send))
    }
}
