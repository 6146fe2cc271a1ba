//! The interpreter's build flags as cfgs (`Py_GIL_DISABLED`, `PyPy`, `py_sys_config`, ...), for
//! the bindings' code that depends on the object layout: see `rust/bindings/send_pool.rs`.

fn main() {
    #[cfg(feature = "python")]
    pyo3_build_config::use_pyo3_cfgs();
}
