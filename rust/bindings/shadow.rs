//! `shadow`: what a policy answers a request without serving, counting or reporting it
//! (`outcome`); the comparison of an inline shadow, made where the live policy decides
//! (`Shadowed`); and the comparison made before a request is served, for a shadow that may await
//! a verdict (`compare`).

use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PySystemExit};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyTuple};

use super::asgi::{item_of, str_differs};
use super::asgi_headers::{first_origin, is_options, PreflightHeaders};
use super::delegate::FuncAnswer;
use super::policy::PyPolicy;
use super::routes::{path_of, PyRoutes, Route};
use crate::counters::Counter;
use crate::policy::OriginJudgement;
use crate::preflight::PreflightRequest;
use crate::response_headers::OriginOutcome;
use crate::shadow::Outcome;

impl PyPolicy {
    /// `(allowed, headers)`: whether the browser may read the response, and the CORS headers
    /// this policy sends (a preflight's, without its body's; or those it adds to an app's
    /// response that sets none of its own). Or the verdict of an async `allow_origin_func` to
    /// await first: then `origin_allowed` is that verdict.
    pub(super) fn outcome<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        method: &Bound<'py, PyAny>,
        middleware: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(origin) = first_origin(request_headers)? else {
            let headers = PyList::new(py, [self.vary_origin.bind(py)])?;
            return Ok(PyTuple::new(py, [PyBool::new(py, false).to_owned().into_any(), headers.into_any()])?
                .into_any());
        };
        let found = if is_options(method, request_headers, self.names.options.bind(py))? {
            Some(PreflightHeaders::scan(request_headers)?)
        } else {
            None
        };
        let preflight = found.as_ref().and_then(PreflightHeaders::request);
        self.native_outcome(py, preflight.as_ref(), origin.as_bytes(), middleware, origin_allowed)?
            .into_python(py)
    }
}

/// The comparison of an HTTP request with an `Origin` under the shadow of `top`, made before
/// `live` (`None`: CORS is off) serves it: the comparison to await after the response, if one
/// waits for a verdict. Any other request is not compared, at no cost. Nothing of it can fail
/// the request: what keeps it from ending is logged (`fastcors._shadow.shadow_failed`). Only a
/// `BaseException` that is no `Exception` (`KeyboardInterrupt`, `SystemExit`) goes on, as the
/// pure core's `except Exception` lets it.
pub(super) fn compare<'py>(
    middleware: &Bound<'py, PyAny>,
    scope: &Bound<'py, PyAny>,
    top: &PyPolicy,
    live: Option<&Bound<'py, PyPolicy>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    or_logged(top, middleware.py(), compared(middleware, scope, top, live), None)
}

/// `result`, unless it failed with an `Exception`: then the failure is logged
/// (`fastcors._shadow.shadow_failed`) and `fallback` stands.
fn or_logged<T>(top: &PyPolicy, py: Python<'_>, result: PyResult<T>, fallback: T) -> PyResult<T> {
    match result {
        Ok(value) => Ok(value),
        Err(error) if !error.is_instance_of::<PyException>(py) => Err(error),
        Err(error) => {
            // Logging cannot fail the request either: its own error is dropped.
            let _ = top.callbacks.shadow_failed.bind(py).call1((error.into_value(py),));
            Ok(fallback)
        }
    }
}

fn compared<'py>(
    middleware: &Bound<'py, PyAny>,
    scope: &Bound<'py, PyAny>,
    top: &PyPolicy,
    live: Option<&Bound<'py, PyPolicy>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = middleware.py();
    let names = &top.names;
    let shadow = top.options.shadow.as_ref().expect("compared under a shadow");
    // Asked as `dispatch` asks it, so that every request the live policy serves is compared.
    if str_differs(&item_of(scope, names.type_key.bind(py))?, names.http.bind(py), "http")? {
        return Ok(None);
    }
    let headers = item_of(scope, names.headers_key.bind(py))?;
    let Ok(request_headers) = headers.cast_exact::<PyList>() else {
        // Headers of another kind: compared (or not) where they are read as Starlette reads them.
        let live = live.map_or_else(|| py.None().into_bound(py), |policy| policy.clone().into_any());
        let comparison =
            top.callbacks.compare_shadow.bind(py).call1((middleware, scope, live, shadow.object.bind(py)))?;
        return Ok((!comparison.is_none()).then_some(comparison));
    };
    let Some(origin) = first_origin(request_headers)? else {
        return Ok(None);
    };
    let method = item_of(scope, names.method_key.bind(py))?;
    let found = if is_options(&method, request_headers, names.options.bind(py))? {
        Some(PreflightHeaders::scan(request_headers)?)
    } else {
        None
    };
    let preflight = found.as_ref().and_then(PreflightHeaders::request);
    let candidate = candidate_of(py, top, ComparedScope::Scope(scope))?;
    let preflight = preflight.as_ref();
    let live_answer = answer_of(py, live.map(Bound::get), preflight, origin.as_bytes(), middleware)?;
    let shadow_answer = candidate_answer(py, candidate.as_ref(), preflight, origin.as_bytes(), middleware)?;
    let live = live.map(|policy| policy.clone().into_any());
    let sides = Sides {
        live_answer,
        shadow_answer,
        live,
        candidate: candidate.as_ref().map(|policy| policy.clone().into_any()),
    };
    let request =
        ComparedRequest { middleware, scope: ComparedScope::Scope(scope), request_headers, method: &method };
    concluded(top, &request, sides)
}

/// `scope["path"]` as a request compared under an inline shadow arrived, kept for its
/// comparison; `None` without one. Nothing of reading it fails the request: without routes, the
/// live answer does not read it.
pub(super) fn arrived_path<'py>(scope: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    path_of(scope).ok().flatten()
}

/// The scope a comparison reads: the request's own, compared before it is served; or, compared
/// where the live policy decides, the path it arrived with (`None` without one, or one that
/// could not be read), whatever the app did to its scope since.
#[derive(Clone, Copy)]
pub(super) enum ComparedScope<'a, 'py> {
    Scope(&'a Bound<'py, PyAny>),
    Arrived(Option<&'a Bound<'py, PyAny>>),
}

impl<'py> ComparedScope<'_, 'py> {
    /// The route of the request's path among `routes`.
    fn route_of(self, py: Python<'py>, routes: &PyRoutes) -> PyResult<Route<'py>> {
        match self {
            Self::Scope(scope) => routes.route_of(scope),
            Self::Arrived(path) => routes.route_of_path(py, path),
        }
    }

    /// The scope to report with: for a path as it arrived, `{"path": path}` (`{}` without one),
    /// made only for a report.
    fn as_scope(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Scope(scope) => Ok(scope.clone()),
            Self::Arrived(path) => {
                let arrived = PyDict::new(py);
                if let Some(path) = path {
                    arrived.set_item(intern!(py, "path"), path)?;
                }
                Ok(arrived.into_any())
            }
        }
    }
}

/// The request a comparison reports on.
pub(super) struct ComparedRequest<'a, 'py> {
    pub(super) middleware: &'a Bound<'py, PyAny>,
    pub(super) scope: ComparedScope<'a, 'py>,
    pub(super) request_headers: &'a Bound<'py, PyList>,
    pub(super) method: &'a Bound<'py, PyAny>,
}

/// Both answers, and the policies that gave them (`None`: CORS is off there), which a
/// comparison waiting for a verdict asks again once it is awaited.
struct Sides<'a, 'py> {
    live_answer: Answer<'a, 'py>,
    shadow_answer: Answer<'a, 'py>,
    live: Option<Bound<'py, PyAny>>,
    candidate: Option<Bound<'py, PyAny>>,
}

/// Reports a difference between two settled answers now, or returns the comparison that awaits
/// a verdict first, after the response.
fn concluded<'py>(
    top: &PyPolicy,
    request: &ComparedRequest<'_, 'py>,
    sides: Sides<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = request.middleware.py();
    let shadow = top.options.shadow.as_ref().expect("compared under a shadow");
    let differs = match (&sides.live_answer, &sides.shadow_answer) {
        (Answer::Ready(live_outcome), Answer::Ready(shadow_outcome)) => Some(live_outcome != shadow_outcome),
        (Answer::Ready(_), Answer::Failed(_)) => Some(true),
        _ => None,
    };
    if let Some(differs) = differs {
        if differs {
            top.core.counters().count(Counter::ShadowDifferences);
            let debug = top.callbacks.debug.bind(py);
            if !shadow.listener && !shadow.log_enabled_for.bind(py).call1((debug,))?.is_truthy()? {
                return Ok(None);
            }
            top.callbacks.tell_shadow_difference.bind(py).call1((
                request.middleware,
                request.scope.as_scope(py)?,
                request.request_headers,
                request.method,
                sides.live_answer.into_python(py)?,
                sides.shadow_answer.into_python(py)?,
                shadow.object.bind(py),
            ))?;
        }
        return Ok(None);
    }
    let none = || py.None().into_bound(py);
    let comparison = top.callbacks.compare_later.bind(py).call1((
        request.middleware,
        request.scope.as_scope(py)?,
        request.request_headers,
        request.method,
        sides.live.unwrap_or_else(none),
        sides.candidate.unwrap_or_else(none),
        sides.live_answer.into_python(py)?,
        sides.shadow_answer.into_python(py)?,
        shadow.object.bind(py),
    ))?;
    Ok(Some(comparison))
}

/// The candidate's policy for the request's path (`None`: CORS is off there).
fn candidate_of<'py>(
    py: Python<'py>,
    top: &PyPolicy,
    scope: ComparedScope<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyPolicy>>> {
    let shadow = top.options.shadow.as_ref().expect("compared under a shadow");
    let candidate_top = shadow.policy.bind(py);
    Ok(match &candidate_top.get().options.routes {
        None => Some(candidate_top.clone()),
        Some(routes) => match scope.route_of(py, routes)? {
            Route::TopLevel => Some(candidate_top.clone()),
            Route::Off(_) => None,
            Route::Policy(policy) => Some(policy),
        },
    })
}

/// The candidate's answer; what its `allow_origin_func` raised is its answer too (served alone,
/// it would fail the request), unless it is an interrupt or an exit (`fastcors._shadow.
/// INTERRUPTS`): the function is called, never awaited, here, so nothing it raises is a
/// cancellation of the request.
fn candidate_answer<'a, 'py>(
    py: Python<'py>,
    candidate: Option<&'a Bound<'py, PyPolicy>>,
    preflight: Option<&PreflightRequest<'a>>,
    origin: &'a [u8],
    middleware: &Bound<'py, PyAny>,
) -> PyResult<Answer<'a, 'py>> {
    match answer_of(py, candidate.map(Bound::get), preflight, origin, middleware) {
        Ok(answer) => Ok(answer),
        Err(error)
            if error.is_instance_of::<PyKeyboardInterrupt>(py)
                || error.is_instance_of::<PySystemExit>(py) =>
        {
            Err(error)
        }
        Err(error) => Ok(Answer::Failed(error.into_value(py).into_any())),
    }
}

/// A request served by a live policy under an inline shadow (`Shadow.inline`: no configuration
/// has an async `allow_origin_func`), compared where the live answer is decided.
pub(super) struct Shadowed<'a, 'py> {
    /// The top-level live policy, which holds the shadow.
    pub(super) top: &'a Bound<'py, PyPolicy>,
    pub(super) request: ComparedRequest<'a, 'py>,
}

impl Shadowed<'_, '_> {
    /// Compares the live answer, decided as the request is served, with the candidate's, and
    /// reports a difference. A verdict the candidate's function would have to await is not
    /// awaited: that request is logged as not compared. Nothing of it can fail the request (see
    /// [`compare`]).
    pub(super) fn compare(
        &self,
        live: Outcome<'_>,
        preflight: Option<&PreflightRequest<'_>>,
        origin: &[u8],
    ) -> PyResult<()> {
        let py = self.top.py();
        let top = self.top.get();
        let request = &self.request;
        let compared = (|| -> PyResult<()> {
            let candidate = candidate_of(py, top, request.scope)?;
            let shadow_answer =
                candidate_answer(py, candidate.as_ref(), preflight, origin, request.middleware)?;
            if let Answer::Pending(verdict) = shadow_answer {
                top.callbacks.not_compared.bind(py).call1((verdict,))?;
                return Ok(());
            }
            let sides =
                Sides { live_answer: Answer::Ready(live), shadow_answer, live: None, candidate: None };
            concluded(top, request, sides).map(|_| ())
        })();
        or_logged(top, py, compared, ())
    }

    /// Logs the request as not compared: the live verdict is awaited where the comparison
    /// cannot follow it.
    #[cold]
    pub(super) fn not_compared(&self) -> PyResult<()> {
        let py = self.top.py();
        let logged = self.top.get().callbacks.not_compared.bind(py).call0().map(|_| ());
        or_logged(self.top.get(), py, logged, ())
    }
}

/// The answer of `policy` (`None`: CORS is off).
fn answer_of<'a, 'py>(
    py: Python<'py>,
    policy: Option<&'a PyPolicy>,
    preflight: Option<&PreflightRequest<'a>>,
    origin: &'a [u8],
    middleware: &Bound<'py, PyAny>,
) -> PyResult<Answer<'a, 'py>> {
    match policy {
        Some(policy) => policy.native_outcome(py, preflight, origin, Some(middleware), None),
        None => Ok(Answer::Ready(Outcome::cors_off())),
    }
}

/// A policy's answer to a request, or the verdict of `allow_origin_func` it waits for.
enum Answer<'a, 'py> {
    Ready(Outcome<'a>),
    Pending(Bound<'py, PyAny>),
    /// What the candidate's `allow_origin_func` raised (or its refusal of a verdict not a bool).
    Failed(Py<PyAny>),
}

impl<'py> Answer<'_, 'py> {
    /// As `Policy.outcome` returns it: `(allowed, [(name, value), ...])`, or the awaitable verdict.
    fn into_python(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Pending(verdict) => Ok(verdict),
            Self::Failed(error) => Ok(error.into_bound(py)),
            Self::Ready(outcome) => {
                let headers = PyList::empty(py);
                for (name, value) in outcome.headers {
                    headers.append((PyBytes::new(py, name), PyBytes::new(py, value)))?;
                }
                let allowed = PyBool::new(py, outcome.allowed).to_owned().into_any();
                Ok(PyTuple::new(py, [allowed, headers.into_any()])?.into_any())
            }
        }
    }
}

impl PyPolicy {
    /// [`outcome`](Self::outcome) in plain bytes, for a request whose `Origin` and preflight
    /// headers (`None`: no preflight) are read already: nothing is built unless they differ.
    /// `origin_allowed`: the verdict of `allow_origin_func`, once awaited.
    fn native_outcome<'a, 'py>(
        &'a self,
        py: Python<'py>,
        preflight: Option<&PreflightRequest<'a>>,
        origin: &'a [u8],
        middleware: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Answer<'a, 'py>> {
        let delegate = self.delegate(py, middleware);
        if let Some(request) = preflight {
            let origin_allowed = match origin_allowed {
                Some(allowed) => allowed,
                None => match self.core.judge_request_origin(request.origin, &delegate)? {
                    OriginJudgement::Settled(allowed) => allowed,
                    OriginJudgement::AskOriginFunc => match self.ask_origin_func(py, request.origin)? {
                        FuncAnswer::Now(allowed) => allowed,
                        FuncAnswer::Later(verdict) => return Ok(Answer::Pending(verdict)),
                    },
                },
            };
            let decision = self.core.preflight_judged(request, origin_allowed, &delegate)?;
            return Ok(Answer::Ready(self.core.preflight_outcome(decision, request)));
        }
        if let Some(allowed) = origin_allowed {
            let outcome = if allowed { OriginOutcome::Echoed } else { OriginOutcome::NotEchoed };
            return Ok(Answer::Ready(self.core.simple_outcome(outcome, origin)));
        }
        let mut outcome = self.core.origin_outcome(Some(origin), &delegate)?;
        if self.core.simple_asks_origin_func(outcome) {
            match self.ask_origin_func(py, origin)? {
                FuncAnswer::Now(true) => outcome = OriginOutcome::Echoed,
                FuncAnswer::Now(false) => {}
                FuncAnswer::Later(verdict) => return Ok(Answer::Pending(verdict)),
            }
        }
        Ok(Answer::Ready(self.core.simple_outcome(outcome, origin)))
    }
}
