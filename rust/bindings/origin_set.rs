//! `fastcors._fastcors.OriginSet`: the core's copy of the origins a shared source (such as
//! `fastcors.redis.RedisOrigins`) keeps in memory. The source pushes every change into each
//! policy's copy (`attach`), so that requests read it without calling into Python.

use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::origin_set::SharedOrigins;

/// The origins a shared source allows, as the core reads them (twin:
/// `fastcors._origin_set.OriginSet`).
///
/// Its methods are called with the GIL held and never release it, so the lock inside is never
/// held across an `os.fork()` (which also holds it): a child never inherits it locked.
#[pyclass(name = "OriginSet", module = "fastcors._fastcors", frozen, weakref)]
pub(super) struct PyOriginSet {
    pub(super) origins: SharedOrigins,
}

#[pymethods]
impl PyOriginSet {
    /// An empty set, never loaded: it allows nothing.
    #[new]
    pub(super) fn new() -> Self {
        Self { origins: SharedOrigins::new() }
    }

    /// Serves `origins` (an iterable of `bytes`) from now on, trusted for `trusted_for` seconds.
    fn replace(&self, origins: &Bound<'_, PyAny>, trusted_for: f64) -> PyResult<()> {
        let trusted_for = Duration::try_from_secs_f64(trusted_for).map_err(|_| {
            PyValueError::new_err(format!("trusted_for must be a number of seconds, not {trusted_for}"))
        })?;
        let listed = origins
            .try_iter()?
            .map(|origin| Ok(Box::from(origin?.cast::<PyBytes>()?.as_bytes())))
            .collect::<PyResult<Vec<Box<[u8]>>>>()?;
        self.origins.replace(listed, trusted_for);
        Ok(())
    }

    /// Stops trusting the set: nothing is allowed until the next `replace`.
    fn expire(&self) {
        self.origins.expire();
    }

    /// Whether the set is still trusted.
    #[getter]
    fn trusted(&self) -> bool {
        self.origins.trusted()
    }

    /// Whether `origin` (its raw latin-1 `bytes`) is allowed: in the set, and the set trusted.
    fn __contains__(&self, origin: &[u8]) -> bool {
        self.origins.allows(origin)
    }
}
