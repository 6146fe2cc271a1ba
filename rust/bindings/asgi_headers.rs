//! ASGI header lists read as Starlette reads them, and the header tuples the responses carry.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use pyo3::PyTypeInfo;

use super::asgi::str_equals;
use crate::constants::{names, PREFLIGHT_REQUEST_HEADERS};
use crate::preflight::PreflightRequest;

/// The first of each CORS request header, as Starlette's `Headers.get` finds them.
#[derive(Default)]
pub(super) struct PreflightHeaders<'py> {
    pub(super) origin: Option<Bound<'py, PyBytes>>,
    pub(super) method: Option<Bound<'py, PyBytes>>,
    pub(super) headers: Option<Bound<'py, PyBytes>>,
    private_network: bool,
}

impl<'py> PreflightHeaders<'py> {
    pub(super) fn scan(request_headers: &Bound<'py, PyList>) -> PyResult<Self> {
        let mut origin = None;
        let mut method = None;
        let mut headers = None;
        let mut private_network = None;
        for item in request_headers.iter() {
            let pair = HeaderPair::of(&item)?;
            let slot = pair.with_name(&PREFLIGHT_REQUEST_HEADERS, |name| match name {
                Some(names::ORIGIN) => Some(&mut origin),
                Some(names::REQUEST_METHOD) => Some(&mut method),
                Some(names::REQUEST_HEADERS) => Some(&mut headers),
                Some(names::REQUEST_PRIVATE_NETWORK) => Some(&mut private_network),
                _ => None,
            })?;
            let Some(slot) = slot else { continue };
            if slot.is_none() {
                *slot = Some(pair.value()?);
            }
        }
        // Values are checked after the scan, in this order, as the pure-Python core does.
        Ok(Self {
            origin: origin.map(checked_value).transpose()?,
            method: method.map(checked_value).transpose()?,
            headers: headers.map(checked_value).transpose()?,
            private_network: private_network.map(checked_value).transpose()?.is_some(),
        })
    }
}

/// The scope's headers as a list, without changing the scope.
pub(super) fn header_list<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    match headers.cast::<PyList>() {
        Ok(list) => Ok(list.clone()),
        Err(_) => Ok(PyList::type_object(headers.py()).call1((headers,))?.cast_into::<PyList>()?),
    }
}

impl PreflightHeaders<'_> {
    /// The preflight these headers make, if they make one (an `Origin` and a requested method).
    pub(super) fn request(&self) -> Option<PreflightRequest<'_>> {
        Some(PreflightRequest {
            origin: self.origin.as_ref()?.as_bytes(),
            method: self.method.as_ref()?.as_bytes(),
            headers: self.headers.as_ref().map(PyBytesMethods::as_bytes),
            private_network: self.private_network,
        })
    }
}

/// The request's first `origin` header, if any.
pub(super) fn first_origin<'py>(
    request_headers: &Bound<'py, PyList>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    for (index, item) in request_headers.iter().enumerate() {
        match with_usual_pair(&item, |name, value| (name == names::ORIGIN).then(|| value.to_owned())) {
            Some(Some(value)) => return checked_value(value).map(Some),
            Some(None) => {}
            None => return first_origin_from(request_headers, index),
        }
    }
    Ok(None)
}

/// `read` applied to the name and value of a header item of the usual shape, an exact tuple of two
/// items whose first is `bytes`, read without calls into the interpreter; `None` for any other item.
pub(super) fn with_usual_pair<'py, R>(
    item: &Bound<'py, PyAny>,
    read: impl FnOnce(&[u8], Borrowed<'_, 'py, PyAny>) -> R,
) -> Option<R> {
    let pair = item.cast_exact::<PyTuple>().ok()?;
    let mut parts = pair.iter_borrowed();
    let (Some(name), Some(value), None) = (parts.next(), parts.next(), parts.next()) else { return None };
    name.cast_exact::<PyBytes>().ok().map(|name| read(name.as_bytes(), value))
}

/// [`first_origin`] from item `start` on, for items of any shape: kept out of the usual path.
#[cold]
#[inline(never)]
fn first_origin_from<'py>(
    request_headers: &Bound<'py, PyList>,
    start: usize,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    for item in request_headers.iter().skip(start) {
        let pair = HeaderPair::of(&item)?;
        if pair.with_name(&[names::ORIGIN], |name| name == Some(names::ORIGIN))? {
            return checked_value(pair.value()?).map(Some);
        }
    }
    Ok(None)
}

/// An ASGI header item checked to unpack as `name, value = item` does.
pub(super) enum HeaderPair<'a, 'py> {
    /// The usual shape, read without taking references.
    Tuple(&'a Bound<'py, PyTuple>),
    Other(Bound<'py, PyAny>, Bound<'py, PyAny>),
}

impl<'a, 'py> HeaderPair<'a, 'py> {
    pub(super) fn of(item: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(pair) = item.cast::<PyTuple>() {
            return if pair.len() == 2 { Ok(Self::Tuple(pair)) } else { Err(malformed(item)) };
        }
        if let Ok(pair) = item.cast::<PyList>() {
            if pair.len() == 2 {
                return Ok(Self::Other(pair.get_item(0)?, pair.get_item(1)?));
            }
            return Err(malformed(item));
        }
        let mut parts = item.try_iter().map_err(|_| malformed(item))?;
        let mut next = || parts.next().transpose().map_err(|_| malformed(item));
        match (next()?, next()?, next()?) {
            (Some(name), Some(value), None) => Ok(Self::Other(name, value)),
            _ => Err(malformed(item)),
        }
    }

    /// Applies `read` to the name when it is bytes, `None` otherwise: other names never match.
    ///
    /// A name that is not bytes yet equals one of `wanted` (a `bytearray`, say), which Starlette
    /// would match, is an error rather than a silent difference.
    pub(super) fn with_name<R>(
        &self,
        wanted: &[&[u8]],
        read: impl FnOnce(Option<&[u8]>) -> R,
    ) -> PyResult<R> {
        let name = match self {
            Self::Tuple(pair) => tuple_item(pair, 0)?,
            Self::Other(name, _) => name.as_borrowed(),
        };
        if let Ok(bytes) = name.cast::<PyBytes>() {
            return Ok(read(Some(bytes.as_bytes())));
        }
        if !name.is_instance_of::<PyString>() {
            for target in wanted {
                if name.eq(PyBytes::new(name.py(), target))? {
                    return Err(PyTypeError::new_err(format!(
                        "ASGI header names must be bytes, got {}",
                        repr(&name)
                    )));
                }
            }
        }
        Ok(read(None))
    }

    pub(super) fn value(&self) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Tuple(pair) => Ok(tuple_item(pair, 1)?.to_owned()),
            Self::Other(_, value) => Ok(value.clone()),
        }
    }

    pub(super) fn owned(self) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match self {
            Self::Tuple(pair) => Ok((tuple_item(pair, 0)?.to_owned(), tuple_item(pair, 1)?.to_owned())),
            Self::Other(name, value) => Ok((name, value)),
        }
    }
}

/// Item `index` of a pair whose length was checked, borrowed: iterating a tuple reads its items in
/// place (no call into the interpreter for each), where indexing it calls `PyTuple_GetItem`.
fn tuple_item<'a, 'py>(pair: &'a Bound<'py, PyTuple>, index: usize) -> PyResult<Borrowed<'a, 'py, PyAny>> {
    pair.iter_borrowed().nth(index).map_or_else(|| pair.get_borrowed_item(index), Ok)
}

/// A request value echoed into the response: Starlette decodes and re-encodes it, so a `bytes`
/// subclass arrives as plain `bytes`.
pub(super) fn exact_bytes<'py>(value: &Bound<'py, PyBytes>) -> Bound<'py, PyBytes> {
    if value.is_exact_instance_of::<PyBytes>() {
        value.clone()
    } else {
        PyBytes::new(value.py(), value.as_bytes())
    }
}

fn checked_value(value: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyBytes>> {
    value.cast_into::<PyBytes>().map_err(|error| value_not_bytes(error.into_inner().as_any()))
}

#[cold]
fn malformed(item: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("ASGI headers must be (name, value) pairs, got {}", repr(item)))
}

#[cold]
pub(super) fn value_not_bytes(value: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("ASGI header values must be bytes, got {}", repr(value)))
}

fn repr(object: &Bound<'_, PyAny>) -> String {
    object.repr().map_or_else(|_| "<unrepresentable object>".to_owned(), |text| text.to_string())
}

pub(super) fn header_tuple(py: Python<'_>, name: &[u8], value: &[u8]) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, [PyBytes::new(py, name), PyBytes::new(py, value)])?.unbind())
}

/// `method == "OPTIONS"`, asked as Starlette asks it: only of a request with an `Origin`. A plain
/// `str` answers without running any code, so it is asked first; anything else is asked only
/// after the `Origin` is found.
#[inline]
pub(super) fn is_options(
    method: &Bound<'_, PyAny>,
    request_headers: &Bound<'_, PyList>,
    options: &Bound<'_, PyString>,
) -> PyResult<bool> {
    if method.is_exact_instance_of::<PyString>() {
        return str_equals(method, options, "OPTIONS");
    }
    is_options_of_own_type(method, request_headers, options)
}

#[cold]
#[inline(never)]
fn is_options_of_own_type(
    method: &Bound<'_, PyAny>,
    request_headers: &Bound<'_, PyList>,
    options: &Bound<'_, PyString>,
) -> PyResult<bool> {
    if first_origin(request_headers)?.is_none() {
        return Ok(false);
    }
    str_equals(method, options, "OPTIONS")
}
