//! Telling of refusals: whether anyone listens, and the report of one refusal, with what the core
//! knows of why (see `fastcors._reasons`).

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::policy::PyPolicy;
use crate::preflight::Failures;

impl PyPolicy {
    /// Whether a refusal has anyone to hear it: an `on_reject`, or a log that wants `DEBUG`
    /// records (asked of `logging` at each refusal).
    pub(super) fn listening(&self, py: Python<'_>) -> PyResult<bool> {
        if self.options.reporter.is_none() {
            return Ok(false);
        }
        match &self.options.log_enabled_for {
            None => Ok(true),
            Some(enabled_for) => enabled_for.bind(py).call1((self.callbacks.debug.bind(py),))?.is_truthy(),
        }
    }

    /// Tells the reporter of a refusal, with what the core knows of why; callers ask
    /// [`Self::listening`] first.
    #[allow(clippy::too_many_arguments, reason = "the fields of one refusal, passed on as they are")]
    #[inline(never)]
    pub(super) fn report(
        &self,
        py: Python<'_>,
        kind: &str,
        origin: &Bound<'_, PyBytes>,
        method: &Bound<'_, PyAny>,
        requested_headers: Option<&Bound<'_, PyBytes>>,
        failures: Failures,
        refused_header: Option<&[u8]>,
    ) -> PyResult<()> {
        let Some(reporter) = &self.options.reporter else { return Ok(()) };
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
}
