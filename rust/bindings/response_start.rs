//! The edits of the app's `http.response.start`: Starlette's `MutableHeaders` edits made on a copy
//! of the app's headers, the precomputed headers appended when the app set none of those edited.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use super::asgi::{headers_set_default, listed, set_item_of_mapping};
use super::asgi_headers::{exact_bytes, first_origin, value_not_bytes, with_usual_pair, HeaderPair};
use super::delegate::FuncAnswer;
use super::policy::{PanicPoint, PyPolicy};
use crate::constants::EDITED_RESPONSE_HEADERS;
use crate::policy::Policy;
use crate::preflight::Failures;
use crate::response_headers::{ExistingHeader, NewHeader, OriginOutcome, Slot};

/// What `edit_response_start` did: the edits made, with the origin's outcome and the request's
/// `Origin` (`None` without one); or the verdict of `allow_origin_func` they wait for.
pub(super) enum Edited<'py> {
    Done { outcome: OriginOutcome, origin: Option<Bound<'py, PyBytes>> },
    Pending(Bound<'py, PyAny>),
}

impl PyPolicy {
    /// Starlette's edits of the app's `http.response.start`, in place in `message`, and what was
    /// decided; or, when the origin waits for an async `allow_origin_func`, its verdict to await
    /// (`origin_allowed` is that verdict, once awaited).
    pub(super) fn edit_response_start<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        request_headers: &Bound<'py, PyList>,
        middleware: Option<&Bound<'py, PyAny>>,
        reported_method: Option<&Bound<'py, PyAny>>,
        origin_allowed: Option<bool>,
    ) -> PyResult<Edited<'py>> {
        self.maybe_panic(PanicPoint::ResponseStart);
        let headers_key = self.names.headers_key.bind(py);
        // Exact dicts only: a subclass's own `setdefault` and `__setitem__` are called, as Starlette calls them.
        let app_headers = match message.cast_exact::<PyDict>() {
            Ok(dict) => match dict.get_item(headers_key)? {
                Some(headers) => headers,
                None => headers_set_default(message, headers_key)?,
            },
            Err(_) => headers_set_default(message, headers_key)?,
        };
        // `MutableHeaders(scope=message)` works on a copy, `list(message["headers"])`, taken
        // before anything is read or decided: code the collector runs (or an `on_reject`) may change
        // the app's list afterwards, and then changes nothing here, as in Starlette.
        let copy = copied_headers(&app_headers)?;
        let origin = first_origin(request_headers)?;
        let origin_bytes = origin.as_ref().map(PyBytesMethods::as_bytes);
        let outcome = match (origin_bytes, origin_allowed) {
            (Some(_), Some(true)) => OriginOutcome::Echoed,
            (Some(_), Some(false)) => OriginOutcome::NotEchoed,
            _ => {
                let outcome = self.core.origin_outcome(origin_bytes, &self.delegate(py, middleware))?;
                match origin_bytes {
                    Some(origin) if self.core.simple_asks_origin_func(outcome) => {
                        match self.ask_origin_func(py, origin)? {
                            FuncAnswer::Now(true) => OriginOutcome::Echoed,
                            FuncAnswer::Now(false) => outcome,
                            FuncAnswer::Later(verdict) => return Ok(Edited::Pending(verdict)),
                        }
                    }
                    _ => outcome,
                }
            }
        };
        // Counted with the request it reports on: not for `explain`'s hypothetical requests.
        if reported_method.is_some_and(|method| !method.is_none()) {
            self.core.counters().count_response_start(outcome, self.core.refuses_origin(outcome));
        }
        if let (Some(method), Some(origin)) = (reported_method, &origin) {
            if self.core.refuses_origin(outcome) && self.listening(py)? {
                self.report(py, "request", origin, method, None, Failures::ORIGIN, None)?;
            }
        }
        let edited = if edits_existing(&copy)? {
            self.merged(py, &copy, outcome, origin.as_ref())?
        } else {
            // Nothing of the app's to merge or replace: the edits only append, to the copy, one
            // whole header at a time.
            for header in self.core.appended_headers(outcome) {
                copy.append(self.new_header(py, header, origin.as_ref()))?;
            }
            copy
        };
        match message.cast_exact::<PyDict>() {
            Ok(dict) => dict.set_item(headers_key, edited)?,
            Err(_) => set_item_of_mapping(message, headers_key, edited.into_any())?,
        }
        Ok(Edited::Done { outcome, origin })
    }

    /// Edits a response start whose origin `allow_origin_func` has judged; a refusal is reported
    /// with `reported_method`, the request's method, when given.
    pub(super) fn finish_response_start(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        request_headers: &Bound<'_, PyList>,
        origin_allowed: bool,
        reported_method: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.edit_response_start(py, message, request_headers, None, reported_method, Some(origin_allowed))
            .map(|_| ())
    }

    /// The general case: the app set `Vary` or a CORS header itself.
    #[inline(never)]
    fn merged<'py>(
        &self,
        py: Python<'py>,
        copy: &Bound<'py, PyList>,
        outcome: OriginOutcome,
        origin: Option<&Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyAny>> = copy.iter().collect();
        let pairs = items.iter().map(|item| HeaderPair::of(item)?.owned()).collect::<PyResult<Vec<_>>>()?;
        let existing: Vec<ExistingHeader<'_>> = pairs
            .iter()
            .map(|(name, value)| ExistingHeader {
                name: name.cast::<PyBytes>().ok().map(PyBytesMethods::as_bytes),
                value: value.cast::<PyBytes>().ok().map(PyBytesMethods::as_bytes),
            })
            .collect();
        let plan = self
            .core
            .plan_response_headers(&existing, outcome)
            .map_err(|error| value_not_bytes(&pairs[error.index].1))?;
        // Every header is made before the list: a list is never seen with empty slots.
        let rebuilt: Vec<Bound<'py, PyAny>> = plan
            .iter()
            .map(|slot| match slot {
                Slot::Existing(index) => items[*index].clone(),
                Slot::New(header) => self.new_header(py, header, origin),
            })
            .collect();
        PyList::new(py, rebuilt)
    }

    fn new_header<'py>(
        &self,
        py: Python<'py>,
        header: &NewHeader,
        origin: Option<&Bound<'py, PyBytes>>,
    ) -> Bound<'py, PyAny> {
        match header {
            NewHeader::Simple(index) => self.simple_headers[*index].bind(py).clone().into_any(),
            NewHeader::VaryOrigin => self.vary_origin.bind(py).clone().into_any(),
            NewHeader::EchoedOrigin => {
                let origin =
                    exact_bytes(origin.expect("an echoed origin comes from a request with an Origin"));
                PyTuple::new(py, [self.allow_origin_name.bind(py).as_any(), origin.as_any()])
                    .expect("a pair always builds")
                    .into_any()
            }
            NewHeader::MergedVary(value) => {
                PyTuple::new(py, [self.vary_name.bind(py).clone(), PyBytes::new(py, value)])
                    .expect("a pair always builds")
                    .into_any()
            }
        }
    }
}

/// `list(headers)`, as `MutableHeaders(scope=message)` copies the app's headers: an exact list by
/// `PySequence_List`, which reads the list's length only after the copy is allocated (unlike a
/// slice, whose allocation may run the collector between reading the length and copying).
fn copied_headers<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    match headers.cast_exact::<PyList>() {
        Ok(list) => list.as_sequence().to_list(),
        Err(_) => listed(headers),
    }
}

/// Whether the app set a header the edits touch; the usual items are read without calls into
/// the interpreter, and any other item sends the whole scan to [`items_edited`].
fn edits_existing(items: &Bound<'_, PyList>) -> PyResult<bool> {
    let mut edited = false;
    for item in items.iter() {
        match with_usual_pair(&item, |name, _| Policy::edits_response_header(name)) {
            Some(this) => edited |= this,
            None => return items_edited(items),
        }
    }
    Ok(edited)
}

/// Whether the app set a header the edits touch, for items of any shape.
#[cold]
#[inline(never)]
fn items_edited(items: &Bound<'_, PyList>) -> PyResult<bool> {
    let mut edited = false;
    for item in items.iter() {
        edited |= HeaderPair::of(&item)?
            .with_name(&EDITED_RESPONSE_HEADERS, |name| name.is_some_and(Policy::edits_response_header))?;
    }
    Ok(edited)
}
