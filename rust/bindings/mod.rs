//! The only module that knows about Python: the core's `Policy` and the `send` wrapper it hands to
//! the app, exposed as `fastcors._fastcors`.
//!
//! Response headers are prebuilt tuples of `bytes`; the request's own `bytes` objects are reused
//! for echoed values, so a request allocates only the lists and dicts ASGI requires. Every object
//! is reached through `PyO3`'s safe API: no `unsafe` code, no object read in place.

mod asgi_headers;
mod asgi_names;
mod config;
mod cors_send;
mod middleware;
mod policy;
mod str_equality;

use pyo3::prelude::*;

use cors_send::CorsSend;
use middleware::MiddlewareBase;
use policy::PyPolicy;

#[pymodule(gil_used = false)]
fn _fastcors(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyPolicy>()?;
    module.add_class::<MiddlewareBase>()?;
    module.add_class::<CorsSend>()?;
    Ok(())
}
