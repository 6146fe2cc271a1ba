//! Python's answers to the questions the core cannot answer itself (a regex only `re` evaluates,
//! a collection's own `in`, an overridden `is_allowed_origin`), the bridge to
//! `allow_origin_func`, and the origin questions Python asks the policy.

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict};

use super::asgi_headers::{first_origin, header_list};
use super::policy::PyPolicy;
use crate::delegate::Delegate;

/// Python's answers to the questions the core cannot answer itself.
pub(super) struct PythonDelegate<'a, 'py> {
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
        let Some(pattern) = &self.policy.options.origin_pattern else { return Ok(false) };
        let text = latin1_str(self.py, origin)?;
        pattern.bind(self.py).call_method1(intern!(self.py, "fullmatch"), (text,))?.is_truthy()
    }

    fn origin_listed(&self, origin: &[u8]) -> PyResult<bool> {
        self.ask_collection(self.policy.options.origins_collection.as_ref(), origin)
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
        self.ask_collection(self.policy.options.methods_collection.as_ref(), method)
    }
}

/// What `allow_origin_func` answered: a verdict, or an awaitable of one.
pub(super) enum FuncAnswer<'py> {
    Now(bool),
    Later(Bound<'py, PyAny>),
}

impl PyPolicy {
    pub(super) fn delegate<'a, 'py>(
        &'a self,
        py: Python<'py>,
        middleware: Option<&'a Bound<'py, PyAny>>,
    ) -> PythonDelegate<'a, 'py> {
        PythonDelegate { py, policy: self, middleware }
    }

    /// Asks `allow_origin_func` (with its cache) about an origin the static rules refuse; a shared
    /// source of origins answers from the policy's own copy of its set, without a call.
    #[inline(never)]
    pub(super) fn ask_origin_func<'py>(&self, py: Python<'py>, origin: &[u8]) -> PyResult<FuncAnswer<'py>> {
        if let Some(origin_set) = &self.options.origin_set {
            return Ok(FuncAnswer::Now(origin_set.get().origins.allows(origin)));
        }
        let Some(func) = &self.options.origin_func else { return Ok(FuncAnswer::Now(false)) };
        let verdict = func.bind(py).call1((latin1_str(py, origin)?,))?;
        Ok(match verdict.cast::<PyBool>() {
            Ok(verdict) => FuncAnswer::Now(verdict.is_true()),
            Err(_) => FuncAnswer::Later(verdict),
        })
    }

    /// Starlette's `is_allowed_origin`, then `allow_origin_func` (which must answer now) when the
    /// static rules refuse the origin.
    pub(super) fn is_allowed_origin(&self, py: Python<'_>, origin: &[u8]) -> PyResult<bool> {
        if self.core.is_allowed_origin(origin, &self.delegate(py, None))? {
            return Ok(true);
        }
        if let Some(origin_set) = &self.options.origin_set {
            return Ok(origin_set.get().origins.allows(origin));
        }
        let Some(func) = &self.options.origin_func else { return Ok(false) };
        func.bind(py).call_method1(intern!(py, "decide_now"), (latin1_str(py, origin)?,))?.extract()
    }

    /// Whether the request has an `Origin` that responses may be shared with.
    pub(super) fn request_origin_allowed(
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
    pub(super) fn origin_func_verdict<'py>(
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
}

/// `bytes.decode("latin-1")`: the str Starlette reads from a header.
fn latin1_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    PyBytes::new(py, bytes).call_method1(intern!(py, "decode"), (intern!(py, "latin-1"),))
}
