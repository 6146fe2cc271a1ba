//! The core's table of shared constants (`crate::constants::TABLE`) as a Python dict:
//! `fastcors._fastcors.CONSTANTS`, which `fastcors._constants` must equal.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::constants::{Shared, TABLE};

/// `{name: value}`: `bytes`, `int`, or a tuple of `bytes` or of `str`.
pub(super) fn constants(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let table = PyDict::new(py);
    for (name, value) in TABLE {
        let value = match value {
            Shared::Bytes(bytes) => PyBytes::new(py, bytes).into_any(),
            Shared::Number(number) => number.into_pyobject(py)?.into_any(),
            Shared::BytesList(items) => {
                PyTuple::new(py, items.iter().map(|item| PyBytes::new(py, item)))?.into_any()
            }
            Shared::Words(words) => PyTuple::new(py, words)?.into_any(),
        };
        table.set_item(name, value)?;
    }
    Ok(table)
}
