//! The only module that knows about Python: the core's `Policy` and the `send` wrapper it hands to
//! the app, exposed as `fastcors._fastcors`.
//!
//! Response headers are prebuilt tuples of `bytes`; the request's own `bytes` objects are reused
//! for echoed values, so a request allocates only the lists and dicts ASGI requires.

mod asgi_headers;
mod asgi_names;
mod config;
mod cors_send;
#[cfg(not(feature = "abi3"))]
mod entries;
#[cfg(fastcors_objects_in_place)]
mod in_place;
mod middleware;
mod policy;
#[cfg(not(feature = "abi3"))]
mod send_pool;
mod str_equality;

use pyo3::prelude::*;

use cors_send::CorsSend;
use middleware::MiddlewareBase;
use policy::PyPolicy;

#[pymodule(gil_used = false)]
fn _fastcors(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyPolicy>()?;
    module.add_class::<MiddlewareBase>()?;
    // Whether calls enter through `entries`' own `tp_call` (tests/test_drop_in_edges.py).
    #[cfg(not(feature = "abi3"))]
    let own_call_entry = entries::install_middleware_call(module.py());
    #[cfg(feature = "abi3")]
    let own_call_entry = false;
    module.setattr("_own_call_entry", own_call_entry)?;
    module.add_class::<CorsSend>()?;
    module.add_function(wrap_pyfunction!(policy::log_memo_changed, module)?)?;
    Ok(())
}
