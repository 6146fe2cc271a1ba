//! Answering a preflight: the core's decision, made into the two messages of the response from
//! the policy's prebuilt headers and the request's own `bytes`.

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::asgi_headers::{exact_bytes, PreflightHeaders};
use super::delegate::FuncAnswer;
use super::policy::PyPolicy;
use super::shadow::Shadowed;
use crate::policy::OriginJudgement;
use crate::preflight::{Failures, PreflightDecision, PreflightPart, PreflightRequest};

/// A preflight's answer, or the verdict it waits for.
pub(super) enum PreflightAnswer<'py> {
    Ready(Bound<'py, PyDict>, Bound<'py, PyDict>),
    Pending(Bound<'py, PyAny>),
}

impl PyPolicy {
    /// The answer to a preflight; `None` when the request is none (no `Origin` or no requested
    /// method). `SHADOWED` compiles the comparison under `shadowed` in or out.
    pub(super) fn preflight<'py, const SHADOWED: bool>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
        shadowed: Option<&Shadowed<'_, 'py>>,
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
            self.preflight_messages(py, &found, &request, origin_allowed, middleware, report, |decision| {
                match shadowed {
                    // Once the response is built: a request the live policy fails is not compared.
                    Some(shadowed) if SHADOWED => self.compare_preflight(shadowed, decision, &request),
                    _ => Ok(()),
                }
            })?;
        Ok(Some(PreflightAnswer::Ready(start, end)))
    }

    /// [`preflight`](Self::preflight) of a request an inline shadow compares.
    #[cold]
    #[inline(never)]
    pub(super) fn shadowed_preflight<'py>(
        &self,
        py: Python<'py>,
        shadowed: &Shadowed<'_, 'py>,
        report: bool,
    ) -> PyResult<Option<PreflightAnswer<'py>>> {
        let request = &shadowed.request;
        let answer = self.preflight::<true>(
            py,
            request.request_headers,
            Some(request.middleware),
            report,
            Some(shadowed),
        )?;
        if let Some(PreflightAnswer::Pending(_)) = answer {
            shadowed.not_compared()?;
        }
        Ok(answer)
    }

    #[cold]
    #[inline(never)]
    fn compare_preflight(
        &self,
        shadowed: &Shadowed<'_, '_>,
        decision: PreflightDecision,
        request: &PreflightRequest<'_>,
    ) -> PyResult<()> {
        shadowed.compare(self.core.preflight_outcome(decision, request), Some(request), request.origin)
    }

    /// The messages of a preflight whose origin `allow_origin_func` has judged.
    pub(super) fn finish_preflight<'py>(
        &self,
        py: Python<'py>,
        request_headers: &Bound<'py, PyList>,
        origin_allowed: bool,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let found = PreflightHeaders::scan(request_headers)?;
        let request = found.request().ok_or_else(|| PyValueError::new_err("not a preflight request"))?;
        self.preflight_messages(py, &found, &request, origin_allowed, None, true, |_| Ok(()))
    }

    /// A preflight's two messages; `decided` is given the decision once they are built.
    #[allow(clippy::too_many_arguments, reason = "one preflight's parts, as the callers hold them")]
    fn preflight_messages<'py>(
        &self,
        py: Python<'py>,
        found: &PreflightHeaders<'py>,
        request: &PreflightRequest<'_>,
        origin_allowed: bool,
        middleware: Option<&Bound<'py, PyAny>>,
        report: bool,
        decided: impl FnOnce(PreflightDecision) -> PyResult<()>,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let origin = found.origin.as_ref().expect("a preflight has an Origin");
        let method = found.method.as_ref().expect("a preflight has a requested method");
        let requested_headers = &found.headers;
        let decision = self.core.preflight_judged(request, origin_allowed, &self.delegate(py, middleware))?;
        if report {
            self.core.counters().count_preflight(decision.failures);
        }
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
        let end = body.bind(py).copy()?;
        decided(decision)?;
        Ok((start, end))
    }
}
