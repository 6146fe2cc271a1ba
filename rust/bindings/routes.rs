//! `CorsConfig.routes`: the core's tree of route prefixes, and the Python policy serving under
//! each (where CORS is off, the counters of its requests). `middleware::serve` looks a request's
//! path up here.

use pyo3::exceptions::PyKeyError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use pyo3::{intern, PyTraverseError};

use super::counters::PyCounters;
use super::policy::PyPolicy;
use crate::routes::Routes;

/// What serves under a route: its policy, or, where CORS is off, the counters of its requests
/// (`CORSMiddleware.stats(route=...)` reads them).
#[derive(FromPyObject)]
pub(super) enum RouteTarget {
    Policy(Py<PyPolicy>),
    Off(Py<PyCounters>),
}

/// A route's prefix (its UTF-8 bytes) and what serves under it.
pub(super) type RouteEntry = (Box<[u8]>, RouteTarget);

/// The routes of a policy: their tree, and what serves under each route, by position.
pub(super) struct PyRoutes {
    routes: Routes,
    targets: Vec<RouteTarget>,
}

/// Where a request's path leads.
pub(super) enum Route<'py> {
    /// No prefix matches: the top-level policy serves it.
    TopLevel,
    /// CORS is off under the prefix: the app alone answers; the counters count its requests.
    Off(Bound<'py, PyCounters>),
    /// The route's own policy serves it.
    Policy(Bound<'py, PyPolicy>),
}

impl PyRoutes {
    /// The routes of `(prefix, policy)` pairs, in their order.
    pub(super) fn new(entries: Vec<RouteEntry>) -> Self {
        let routes = Routes::new(entries.iter().map(|(prefix, _)| &**prefix));
        Self { routes, targets: entries.into_iter().map(|(_, target)| target).collect() }
    }

    /// The route of `scope["path"]`. A scope without a path (lifespan) is matched as the empty
    /// path, and so is a path that is not a `str` itself: the root prefix only, as the pure
    /// core does.
    pub(super) fn route_of<'py>(&self, scope: &Bound<'py, PyAny>) -> PyResult<Route<'py>> {
        self.route_of_path(scope.py(), path_of(scope)?.as_ref())
    }

    /// The route of `path` (`None`: no path), read as [`route_of`](Self::route_of) reads a
    /// scope's.
    pub(super) fn route_of_path<'py>(
        &self,
        py: Python<'py>,
        path: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Route<'py>> {
        let found = match path {
            Some(path) if path.is_exact_instance_of::<PyString>() => {
                let path = path.cast::<PyString>()?;
                match path.to_str() {
                    Ok(text) => self.routes.find(text.as_bytes()),
                    Err(_) => self.routes.find(surrogates_passed(path)?.as_bytes()),
                }
            }
            _ => self.routes.find(b""),
        };
        Ok(match found {
            None => Route::TopLevel,
            Some(position) => match &self.targets[position] {
                RouteTarget::Off(counters) => Route::Off(counters.bind(py).clone()),
                RouteTarget::Policy(policy) => Route::Policy(policy.bind(py).clone()),
            },
        })
    }

    /// Every route's policy and counters, for the collector.
    pub(super) fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        for target in &self.targets {
            match target {
                RouteTarget::Policy(policy) => visit.call(policy)?,
                RouteTarget::Off(counters) => visit.call(counters)?,
            }
        }
        Ok(())
    }
}

/// `scope["path"]`, or `None` when the scope has none.
pub(super) fn path_of<'py>(scope: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = scope.py();
    let key = intern!(py, "path");
    if let Ok(dict) = scope.cast_exact::<PyDict>() {
        return dict.get_item(key);
    }
    match scope.get_item(key) {
        Ok(path) => Ok(Some(path)),
        Err(error) if error.is_instance_of::<PyKeyError>(py) => Ok(None),
        Err(error) => Err(error),
    }
}

/// A path with lone surrogates (a server that decoded bytes with `surrogateescape`), encoded as
/// the prefixes were: UTF-8 with the surrogates passed through.
#[cold]
#[inline(never)]
fn surrogates_passed<'py>(path: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyBytes>> {
    let py = path.py();
    Ok(path.call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?.cast_into::<PyBytes>()?)
}
