//! The configuration as it crosses into Rust: a `fastcors._config.CorsConfig` read once, field
//! by field, into [`CorsConfig`], and split into the core's options and the Python objects only
//! Python can evaluate.

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use super::origin_set::PyOriginSet;
use super::policy::PyPolicy;
use super::routes::{PyRoutes, RouteTarget};
use crate::membership::Membership;
use crate::origin::OriginRegex;
use crate::origin_patterns::OriginPatterns;
use crate::policy::PolicyConfig;
use crate::request_headers::AllowedHeaders;

/// `fastcors._config.CorsConfig`, each field read from the attribute of its name (see there what
/// each holds).
#[derive(FromPyObject)]
#[allow(clippy::struct_excessive_bools, reason = "CorsConfig's fields, one flag per option")]
pub(super) struct CorsConfig {
    allow_all_origins: bool,
    allowed_origins: Vec<ByteString>,
    allowed_origins_are_substrings: bool,
    origins_collection: Option<Py<PyAny>>,
    origin_pattern: Option<Py<PyAny>>,
    origin_regex_translation: Option<String>,
    allowed_methods: Vec<ByteString>,
    allowed_methods_are_substrings: bool,
    methods_collection: Option<Py<PyAny>>,
    allow_all_headers: bool,
    allowed_headers: Vec<ByteString>,
    allow_credentials: bool,
    allow_private_network: bool,
    allow_methods_value: ByteString,
    allow_headers_value: ByteString,
    expose_headers_value: Option<ByteString>,
    max_age_value: ByteString,
    origin_judged: bool,
    cors_on_errors: bool,
    check_websocket_origin: bool,
    reporter: Option<Py<PyAny>>,
    log_enabled_for: Option<Py<PyAny>>,
    origin_patterns: Vec<ByteString>,
    origin_func: Option<Py<PyAny>>,
    shared_origins: Option<Py<PyAny>>,
    class_watch: Option<ClassWatch>,
    routes: Option<Vec<(ByteString, RouteTarget)>>,
    shadow: Option<Py<PyAny>>,
}

/// `fastcors._guards.ClassWatch`: what the policy noted of its middleware's class.
#[derive(FromPyObject)]
pub(super) struct ClassWatch {
    /// The class's MRO (`__mro__`), the tuple itself.
    pub(super) method_order: Py<PyTuple>,
    /// Each class's attribute dict (its mapping proxy) and its size.
    pub(super) dicts: Vec<(Py<PyAny>, usize)>,
}

/// The options the binding itself keeps: what only Python evaluates, and the switches of the
/// steps around the core's decisions.
pub(super) struct PythonOptions {
    /// `allow_origin_regex` as Python compiled it, for a pattern only `re` can evaluate.
    pub(super) origin_pattern: Option<Py<PyAny>>,
    /// `allow_origins` and `allow_methods` when they test membership their own way.
    pub(super) origins_collection: Option<Py<PyAny>>,
    pub(super) methods_collection: Option<Py<PyAny>>,
    /// `allow_origin_func` with its cache (`fastcors._origin_func.OriginFunc`), if configured.
    pub(super) origin_func: Option<Py<PyAny>>,
    /// `allow_origin_func` when it is a shared source of origins (`fastcors._origin_set.SharedOrigins`):
    /// the source pushes its origins into this copy, which requests read instead of calling it.
    pub(super) origin_set: Option<Py<PyOriginSet>>,
    /// Told of every refusal: `report(kind, origin, method, requested_headers, failures,
    /// refused_header)` (see `fastcors._reasons`). Called only when a request is refused.
    pub(super) reporter: Option<Py<PyAny>>,
    /// Asked with `logging.DEBUG` before each report, where the log alone hears refusals.
    pub(super) log_enabled_for: Option<Py<PyAny>>,
    /// Requests run through `fastcors._errors.serve_with_cors_on_errors`.
    pub(super) cors_on_errors: bool,
    /// A websocket handshake from a disallowed `Origin` is refused.
    pub(super) check_websocket_origin: bool,
    /// What the policy noted of its middleware's class: a request that finds the class changed
    /// since has the middleware look at it again first (`middleware::serve`).
    pub(super) class_watch: Option<ClassWatch>,
    /// `routes`: the policy of each path prefix, looked up before the request is served
    /// (`middleware::serve`); `None` without routes, so that a request looks nothing up.
    pub(super) routes: Option<PyRoutes>,
    /// `shadow`: the candidate configuration a request with an `Origin` is compared under before
    /// it is served (`shadow::compare`); `None` without one.
    pub(super) shadow: Option<ShadowOptions>,
    /// Whether `routes` or `shadow` is set: a request without either checks this alone.
    pub(super) routes_or_shadow: bool,
}

/// `fastcors._shadow.Shadow`, and the candidate's top-level policy it holds.
pub(super) struct ShadowOptions {
    /// The `Shadow` object, which reports differences.
    pub(super) object: Py<PyAny>,
    /// `Shadow.policy`: the candidate's policy, whose own routes pick a route's.
    pub(super) policy: Py<PyPolicy>,
    /// Whether `on_shadow_difference` is set; without it, `Shadow.log_enabled_for(DEBUG)` says
    /// whether anyone hears of a difference besides the counter.
    pub(super) listener: bool,
    pub(super) log_enabled_for: Py<PyAny>,
    /// `Shadow.inline`: no configuration, live or candidate, has an async `allow_origin_func`,
    /// so the comparison is made where the live answer is decided (`shadow::Shadowed`).
    pub(super) inline: bool,
}

impl CorsConfig {
    /// The core's options, and the options the binding keeps.
    pub(super) fn split(self, py: Python<'_>) -> PyResult<(PolicyConfig, PythonOptions)> {
        let origin_regex = match &self.origin_pattern {
            None => OriginRegex::Absent,
            Some(_) => OriginRegex::compile(self.origin_regex_translation.as_deref()),
        };
        // Python's pattern is kept only where Python evaluates it: a pattern the core compiled
        // is never asked of Python.
        let origin_pattern = self.origin_pattern.filter(|_| matches!(origin_regex, OriginRegex::Foreign));
        let origin_patterns = OriginPatterns::new(self.origin_patterns.iter().map(|pattern| &*pattern.0))
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        let core = PolicyConfig {
            allow_all_origins: self.allow_all_origins,
            allowed_origins: membership(
                self.allowed_origins,
                self.allowed_origins_are_substrings,
                self.origins_collection.as_ref(),
            ),
            origin_regex,
            origin_judged_by_host: self.origin_judged,
            allowed_methods: membership(
                self.allowed_methods,
                self.allowed_methods_are_substrings,
                self.methods_collection.as_ref(),
            ),
            allow_all_headers: self.allow_all_headers,
            allowed_headers: AllowedHeaders::new(self.allowed_headers.into_iter().map(|name| name.0)),
            allow_credentials: self.allow_credentials,
            allow_private_network: self.allow_private_network,
            allow_methods_value: self.allow_methods_value.0,
            allow_headers_value: self.allow_headers_value.0,
            expose_headers_value: self.expose_headers_value.map(|value| value.0),
            max_age_value: self.max_age_value.0,
            origin_patterns,
            asks_origin_func: self.origin_func.is_some(),
        };
        let origin_set = match &self.shared_origins {
            None => None,
            Some(source) => {
                let origin_set = Py::new(py, PyOriginSet::new())?;
                source.bind(py).call_method1(intern!(py, "attach"), (origin_set.clone_ref(py),))?;
                Some(origin_set)
            }
        };
        let routes_or_shadow = self.routes.is_some() || self.shadow.is_some();
        let python = PythonOptions {
            origin_pattern,
            origins_collection: self.origins_collection,
            methods_collection: self.methods_collection,
            origin_func: self.origin_func,
            origin_set,
            reporter: self.reporter,
            log_enabled_for: self.log_enabled_for,
            cors_on_errors: self.cors_on_errors,
            check_websocket_origin: self.check_websocket_origin,
            class_watch: self.class_watch,
            routes: self.routes.map(|entries| {
                PyRoutes::new(entries.into_iter().map(|(prefix, target)| (prefix.0, target)).collect())
            }),
            shadow: self
                .shadow
                .map(|object| -> PyResult<ShadowOptions> {
                    let shadow = object.bind(py);
                    let policy = shadow.getattr(intern!(py, "policy"))?.cast_into::<PyPolicy>()?.unbind();
                    let listener = !shadow.getattr(intern!(py, "listener"))?.is_none();
                    let log_enabled_for = shadow.getattr(intern!(py, "log_enabled_for"))?.unbind();
                    let inline = shadow.getattr(intern!(py, "inline"))?.is_truthy()?;
                    Ok(ShadowOptions { object, policy, listener, log_enabled_for, inline })
                })
                .transpose()?,
            routes_or_shadow,
        };
        Ok((core, python))
    }
}

/// A `bytes` field.
struct ByteString(Box<[u8]>);

impl<'a, 'py> FromPyObject<'a, 'py> for ByteString {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self(value.cast::<PyBytes>()?.as_bytes().into()))
    }
}

/// The membership test of `allow_origins` or `allow_methods`: asked of the collection itself when
/// it tests membership its own way.
fn membership(items: Vec<ByteString>, are_substrings: bool, collection: Option<&Py<PyAny>>) -> Membership {
    if collection.is_some() {
        return Membership::Delegated;
    }
    let items = items.into_iter().map(|item| item.0);
    if are_substrings {
        Membership::substring(items)
    } else {
        Membership::exact(items)
    }
}
