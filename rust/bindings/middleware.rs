//! `fastcors._fastcors.Middleware`: the base class that gives `CORSMiddleware` its `__call__`.

use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use super::asgi::{item_of, str_differs};
use super::counters::PyCounters;
use super::policy::PyPolicy;
use super::routes::Route;
use super::shadow;
use crate::counters::Counter;

/// The base class of `fastcors.CORSMiddleware`, which gives it a `__call__` in Rust: a request
/// enters the core with no Python frame on the way. It adds nothing to the instance's layout, so
/// that subclasses combine with other bases as Starlette's pure-Python class does.
// Immutable: nothing can patch it, so `CORSMiddleware`'s watch of its class leaves it out.
#[pyclass(name = "Middleware", module = "fastcors._fastcors", subclass, frozen)]
pub(super) struct MiddlewareBase;

#[pymethods]
impl MiddlewareBase {
    /// The subclass's `__init__` takes the arguments.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self
    }

    /// The policy class of this core: `CORSMiddleware` builds its policies with it.
    #[classattr]
    fn _policy_type(py: Python<'_>) -> Py<PyType> {
        py.get_type::<PyPolicy>().unbind()
    }

    /// The counters class of this core: a route where CORS is off counts its requests in one.
    #[classattr]
    fn _counters_type(py: Python<'_>) -> Py<PyType> {
        py.get_type::<PyCounters>().unbind()
    }

    /// `middleware(scope, receive, send)`: [`serve`].
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        serve(slf.as_any(), args, kwargs)
    }
}

/// `middleware(scope, receive, send)`: `middleware._policy` serves the request for
/// `middleware.app`, and the awaitable it returns is the app's own (or the preflight's).
pub(super) fn serve<'py>(
    middleware: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = middleware.py();
    let (scope, receive, send) = asgi_arguments(args, kwargs)?;
    let app = middleware.getattr(intern!(py, "app"))?;
    let mut policy = middleware.getattr(intern!(py, "_policy"))?.cast_into::<PyPolicy>()?;
    if class_changed(middleware, policy.get())? {
        policy = looked_at_again(middleware)?;
    }
    if policy.get().options.routes_or_shadow {
        return served_by_route(middleware, &app, scope, receive, send, &policy);
    }
    PyPolicy::dispatch(&policy, &app, &scope, &receive, send, Some(middleware))
}

/// Counts an HTTP request under a route where CORS is off, where its app alone answers: a scope
/// whose `type` cannot be read or compared is not counted, and does not fail the request (an
/// interrupt still does).
fn count_cors_off(counters: &PyCounters, scope: &Bound<'_, PyAny>, top: &PyPolicy) -> PyResult<()> {
    let py = scope.py();
    let names = &top.names;
    let http = item_of(scope, names.type_key.bind(py))
        .and_then(|kind| str_differs(&kind, names.http.bind(py), "http"))
        .map(|differs| !differs);
    match http {
        Ok(true) => counters.counters.count(Counter::Requests),
        Ok(false) => {}
        Err(error) if error.is_instance_of::<PyException>(py) => {}
        Err(error) => return Err(error),
    }
    Ok(())
}

/// [`serve`] for a policy with routes or a shadow: the request's route serves it. An inline
/// shadow (no async `allow_origin_func`) is compared where the live policy decides
/// (`shadow::Shadowed`): a request without an `Origin` is not compared, one with an `Origin`
/// costs one more decision. Any other shadow, or one over a route where CORS is off, compares
/// the request first (`shadow::compare`), then it is served as without one.
#[inline(never)]
fn served_by_route<'py>(
    middleware: &Bound<'py, PyAny>,
    app: &Bound<'py, PyAny>,
    scope: Bound<'py, PyAny>,
    receive: Bound<'py, PyAny>,
    send: Bound<'py, PyAny>,
    top: &Bound<'py, PyPolicy>,
) -> PyResult<Bound<'py, PyAny>> {
    let route = match &top.get().options.routes {
        Some(routes) => routes.route_of(&scope)?,
        None => Route::TopLevel,
    };
    let live = match &route {
        Route::TopLevel => Some(top),
        Route::Off(counters) => {
            count_cors_off(counters.get(), &scope, top.get())?;
            None
        }
        Route::Policy(route_policy) => Some(route_policy),
    };
    let Some(shadow) = &top.get().options.shadow else {
        return match live {
            None => app.call1((scope, receive, send)),
            Some(policy) => PyPolicy::dispatch(policy, app, &scope, &receive, send, Some(middleware)),
        };
    };
    if let (true, Some(policy)) = (shadow.inline, live) {
        return PyPolicy::dispatch_shadowed(policy, app, &scope, &receive, send, middleware, top);
    }
    let comparison = shadow::compare(middleware, &scope, top.get(), live)?;
    let served = match live {
        None => app.call1((scope, receive, send)),
        Some(policy) => PyPolicy::dispatch(policy, app, &scope, &receive, send, Some(middleware)),
    };
    let served = match served {
        Ok(served) => served,
        Err(error) => {
            if let Some(comparison) = &comparison {
                // Never to be awaited: the verdicts it waits for are closed with it. Its own
                // error cannot replace the request's.
                let _ = comparison.call_method0(intern!(middleware.py(), "close"));
            }
            return Err(error);
        }
    };
    match comparison {
        None => Ok(served),
        Some(comparison) => {
            top.get().callbacks.served_then_compared.bind(middleware.py()).call1((served, comparison))
        }
    }
}

/// Whether the middleware's class changed since its policy was built (`fastcors._guards.
/// ClassWatch`): new bases, or a name added to one of its classes.
#[inline]
fn class_changed(middleware: &Bound<'_, PyAny>, policy: &PyPolicy) -> PyResult<bool> {
    let py = middleware.py();
    let Some(watch) = &policy.options.class_watch else { return Ok(false) };
    let class = middleware.get_type();
    if !class.mro().is(&watch.method_order) {
        return Ok(true);
    }
    for (attributes, size) in &watch.dicts {
        if attributes.bind(py).len()? != *size {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The policy `CORSMiddleware._class_changed` builds for the class as it is now (or its refusal).
#[cold]
#[inline(never)]
fn looked_at_again<'py>(middleware: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyPolicy>> {
    let py = middleware.py();
    middleware.call_method0(intern!(py, "_class_changed"))?;
    Ok(middleware.getattr(intern!(py, "_policy"))?.cast_into::<PyPolicy>()?)
}

type AsgiArguments<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// `scope, receive, send`, given by position (the way servers call) or by name.
fn asgi_arguments<'py>(
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<AsgiArguments<'py>> {
    let py = args.py();
    let keywords = kwargs.map_or(0, PyDictMethods::len);
    if keywords == 0 {
        // Iterating reads the tuple's items in place; indexing calls `PyTuple_GetItem` for each.
        let mut items = args.iter_borrowed();
        if let (Some(scope), Some(receive), Some(send), None) =
            (items.next(), items.next(), items.next(), items.next())
        {
            return Ok((scope.to_owned(), receive.to_owned(), send.to_owned()));
        }
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
        // Read only in range: an `IndexError` made and dropped here would outlive the call.
        let by_position = if position < args.len() { Some(args.get_item(position)?) } else { None };
        match (by_position, by_name) {
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
