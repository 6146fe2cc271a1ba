//! Reading the options of a `fastcors._config.CorsConfig`, and the strs Python's side tests.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::membership::Membership;

pub(super) fn latin1_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    PyBytes::new(py, bytes).call_method1(intern!(py, "decode"), (intern!(py, "latin-1"),))
}

/// `module.name`, imported when `wanted`.
pub(super) fn python_function_if(
    py: Python<'_>,
    wanted: bool,
    module: &str,
    name: &str,
) -> PyResult<Option<Py<PyAny>>> {
    if !wanted {
        return Ok(None);
    }
    Ok(Some(py.import(module)?.getattr(name)?.unbind()))
}

pub(super) fn byte_string(value: &Bound<'_, PyAny>) -> PyResult<Box<[u8]>> {
    Ok(value.cast::<PyBytes>()?.as_bytes().into())
}

pub(super) fn byte_strings(config: &Bound<'_, PyAny>, attribute: &str) -> PyResult<Vec<Box<[u8]>>> {
    config.getattr(attribute)?.try_iter()?.map(|item| byte_string(&item?)).collect()
}

/// The membership of `allow_origins` (`"origins"`) or `allow_methods` (`"methods"`).
pub(super) fn membership(config: &Bound<'_, PyAny>, option: &str) -> PyResult<Membership> {
    if !config.getattr(format!("{option}_collection"))?.is_none() {
        return Ok(Membership::Delegated);
    }
    let items = byte_strings(config, &format!("allowed_{option}"))?;
    Ok(if config.getattr(format!("allowed_{option}_are_substrings"))?.extract()? {
        Membership::substring(items)
    } else {
        Membership::exact(items)
    })
}
