//! `fastcors._fastcors.Counters`: a policy's counters (`crate::counters`) as Python sees them, to
//! read as a dict, to hand on to the policy that replaces it, and to count what only Python sees
//! (`allow_origin_func`'s calls).

use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::counters::{Counter, Counters};

/// The keys of the counters Python counts.
fn host_counted() -> Vec<&'static str> {
    Counter::ALL.into_iter().filter(|counter| counter.counted_by_host()).map(Counter::name).collect()
}

/// The counters of a policy, and of every policy that replaced it; exact under any threads.
#[pyclass(name = "Counters", module = "fastcors._fastcors", frozen)]
pub(super) struct PyCounters {
    pub(super) counters: Arc<Counters>,
}

#[pymethods]
impl PyCounters {
    /// Counters at zero.
    #[new]
    fn new() -> Self {
        Self { counters: Arc::default() }
    }

    /// Adds one to the counter `key`, one of those the host counts (`allow_origin_func`'s).
    fn count(&self, key: &str) -> PyResult<()> {
        match Counter::named(key) {
            Some(counter) if counter.counted_by_host() => {
                self.counters.count(counter);
                Ok(())
            }
            _ => Err(PyKeyError::new_err(format!(
                "no counter named '{key}' is counted from Python; those are {}",
                host_counted().join(", ")
            ))),
        }
    }

    /// Every counter's value now, by its key.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = PyDict::new(py);
        for (name, value) in self.counters.snapshot() {
            stats.set_item(name, value)?;
        }
        Ok(stats)
    }
}
