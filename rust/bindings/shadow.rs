//! `shadow`: what a policy answers a request without serving, counting or reporting it
//! (`outcome`, asked of the live and the candidate policy), and the entry `middleware::serve`
//! takes into the comparison (`fastcors._shadow.compare_shadow`) for a request with an `Origin`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyTuple};

use super::asgi::{item_of, str_differs};
use super::asgi_headers::{first_origin, PreflightHeaders};
use super::delegate::FuncAnswer;
use super::dispatch::is_options;
use super::policy::PyPolicy;
use crate::policy::OriginJudgement;

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
        if is_options(method, request_headers, self.names.options.bind(py))? {
            let found = PreflightHeaders::scan(request_headers)?;
            if let Some(request) = found.request() {
                let origin_allowed = match origin_allowed {
                    Some(allowed) => allowed,
                    None => match self
                        .core
                        .judge_request_origin(request.origin, &self.delegate(py, middleware))?
                    {
                        OriginJudgement::Settled(allowed) => allowed,
                        OriginJudgement::AskOriginFunc => match self.ask_origin_func(py, request.origin)? {
                            FuncAnswer::Now(allowed) => allowed,
                            FuncAnswer::Later(verdict) => return Ok(verdict),
                        },
                    },
                };
                let (start, _) =
                    self.preflight_messages(py, &found, &request, origin_allowed, middleware, false)?;
                let allowed = start
                    .get_item(intern!(py, "status"))?
                    .is_some_and(|status| status.extract::<u16>().is_ok_and(|status| status == 200));
                let headers = start
                    .get_item(intern!(py, "headers"))?
                    .expect("a preflight's start has headers")
                    .cast_into::<PyList>()?;
                // The body's `Content-Length` and `Content-Type` come last: no CORS headers.
                let cors_headers = headers.get_slice(0, headers.len().saturating_sub(2));
                return Ok(PyTuple::new(
                    py,
                    [PyBool::new(py, allowed).to_owned().into_any(), cors_headers.into_any()],
                )?
                .into_any());
            }
        }
        let message = PyDict::new(py);
        message.set_item(self.names.type_key.bind(py), self.names.response_start.bind(py))?;
        message.set_item(intern!(py, "status"), 200)?;
        message.set_item(self.names.headers_key.bind(py), PyList::empty(py))?;
        if let Some(verdict) =
            self.edit_response_start(py, message.as_any(), request_headers, middleware, None, origin_allowed)?
        {
            return Ok(verdict);
        }
        let headers = message
            .get_item(self.names.headers_key.bind(py))?
            .expect("the edits leave the headers in the message")
            .cast_into::<PyList>()?;
        let allow_origin = self.allow_origin_name.bind(py);
        let mut allowed = false;
        for header in headers.iter() {
            if header
                .cast::<PyTuple>()
                .is_ok_and(|pair| pair.get_item(0).is_ok_and(|name| name.eq(allow_origin).unwrap_or(false)))
            {
                allowed = true;
            }
        }
        Ok(PyTuple::new(py, [PyBool::new(py, allowed).to_owned().into_any(), headers.into_any()])?.into_any())
    }
}

/// The comparison of an HTTP request with an `Origin` under `shadow` (`fastcors._shadow.Shadow`),
/// made before `live` (`None`: CORS is off) serves it: the comparison to await after the
/// response, if one waits for a verdict. Any other request is not compared, at no cost.
pub(super) fn compare<'py>(
    middleware: &Bound<'py, PyAny>,
    scope: &Bound<'py, PyAny>,
    top: &PyPolicy,
    live: Option<&Bound<'py, PyPolicy>>,
    shadow: &Py<PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = middleware.py();
    let Ok(kind) = item_of(scope, top.names.type_key.bind(py)) else { return Ok(None) };
    // Asked as `dispatch` asks it, so that every request the live policy serves is compared.
    if str_differs(&kind, top.names.http.bind(py), "http")? {
        return Ok(None);
    }
    // Only an exact list is looked at here; the comparison reads any other kind itself.
    let has_origin = match item_of(scope, top.names.headers_key.bind(py)) {
        Ok(headers) => match headers.cast_exact::<PyList>() {
            Ok(list) => first_origin(list).ok().flatten().is_some(),
            Err(_) => true,
        },
        Err(_) => false,
    };
    if !has_origin {
        return Ok(None);
    }
    let live = live.map_or_else(|| py.None().into_bound(py), |policy| policy.clone().into_any());
    let comparison =
        top.callbacks.compare_shadow.bind(py).call1((middleware, scope, live, shadow.bind(py)))?;
    Ok((!comparison.is_none()).then_some(comparison))
}
