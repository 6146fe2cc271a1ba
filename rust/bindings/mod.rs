//! The only module that knows about Python: the core's `Policy`, the base class that gives
//! `CORSMiddleware` its `__call__`, and the `send` handed to the app, as `fastcors._fastcors`.
//!
//! `policy` holds the Python class and its construction; each step of a request has its file
//! (`dispatch`, `preflight`, `response_start`, `reporting`, `delegate`), an `impl PyPolicy` block
//! that the methods Python calls hand on to. Response headers are prebuilt tuples of `bytes`; the
//! request's own `bytes` objects are reused for echoed values, so a request allocates only the
//! lists and dicts ASGI requires. Every object is reached through `PyO3`'s safe API: no `unsafe`
//! code, no object read in place.

mod asgi;
mod asgi_headers;
mod callbacks;
mod config;
mod constants;
mod cors_send;
mod counters;
mod delegate;
mod dispatch;
mod middleware;
mod origin_set;
mod policy;
mod preflight;
mod reporting;
mod response_start;
mod routes;
mod shadow;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use cors_send::{CorsSend, ShadowedCorsSend};
use counters::PyCounters;
use middleware::MiddlewareBase;
use origin_set::PyOriginSet;
use policy::PyPolicy;

#[pymodule(gil_used = false)]
fn _fastcors(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyPolicy>()?;
    module.add_class::<MiddlewareBase>()?;
    module.add_class::<CorsSend>()?;
    module.add_class::<ShadowedCorsSend>()?;
    module.add_class::<PyOriginSet>()?;
    module.add_class::<PyCounters>()?;
    module.add("CONSTANTS", constants::constants(module.py())?)?;
    module.add("CALLBACK_NAMES", PyTuple::new(module.py(), callbacks::CALLBACK_NAMES)?)?;
    Ok(())
}
