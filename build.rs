//! The interpreter's build flags as cfgs: `PyO3`'s own (`Py_3_13`, `Py_GIL_DISABLED`, `PyPy`,
//! `py_sys_config`, ...), and two of the project's, for the bindings' code that reads objects'
//! fields or recycles objects directly:
//!
//! - `fastcors_objects_in_place` (`rust/bindings/in_place.rs`): a per-interpreter build for
//!   `CPython` with the GIL, under which nothing else can change an object being read.
//! - `fastcors_recycled_sends` (`rust/bindings/send_pool.rs`): the same, where an object carries
//!   nothing but its reference count (no reference debugging).
//!
//! It also writes `python/fastcors/_version.py` (ignored by git) from this manifest's version, the
//! one source of truth that maturin puts in the wheel's metadata too: `import fastcors` then reads
//! `__version__` from a constant rather than loading `importlib.metadata`.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(fastcors_objects_in_place)");
    println!("cargo:rustc-check-cfg=cfg(fastcors_recycled_sends)");
    #[cfg(feature = "python")]
    python_cfgs();
    #[cfg(feature = "python")]
    python_version_constant();
}

/// Rewritten only when the version changes, so that nothing rebuilds for it.
#[cfg(feature = "python")]
fn python_version_constant() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let path = std::path::Path::new(&manifest_dir).join("python/fastcors/_version.py");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let text = format!(
        "\"\"\"Written by build.rs from Cargo.toml's version: do not edit.\"\"\"\n\n__version__ = \"{version}\"\n"
    );
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).expect("python/fastcors/_version.py is writable");
    }
}

#[cfg(feature = "python")]
fn python_cfgs() {
    use pyo3_build_config::{BuildFlag, PythonImplementation};

    pyo3_build_config::use_pyo3_cfgs();
    let config = pyo3_build_config::get();
    let flags = &config.build_flags().0;
    let stable_abi = std::env::var_os("CARGO_FEATURE_ABI3").is_some();
    let gil_cpython = config.implementation() == PythonImplementation::CPython
        && !flags.contains(&BuildFlag::Py_GIL_DISABLED);
    if gil_cpython && !stable_abi {
        println!("cargo:rustc-cfg=fastcors_objects_in_place");
        if !flags.contains(&BuildFlag::Py_DEBUG) && !flags.contains(&BuildFlag::Py_REF_DEBUG) {
            println!("cargo:rustc-cfg=fastcors_recycled_sends");
        }
    }
}
