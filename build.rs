//! Writes `python/fastcors/_version.py` (ignored by git) from this manifest's version, the one
//! source of truth that maturin puts in the wheel's metadata too: `import fastcors` then reads
//! `__version__` from a constant rather than loading `importlib.metadata`.

fn main() {
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
