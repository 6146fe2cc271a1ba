//! ASGI header lists read where they lie: the usual item, an exact tuple of two whose name is
//! exact `bytes`, is read through the objects' own fields, without taking and releasing a
//! reference to each item and each part as `PyO3`'s iterators do. A request scans the scope's
//! header list for its `Origin` and the app's response headers for ones the edits touch.
//!
//! No Python code runs during a scan: what is compared is bytes, with plain functions. The
//! stable-ABI build reads the same items through `PyO3` (`asgi_headers`): its objects are opaque.
#![allow(unsafe_code, reason = "PyO3 reads each list item and tuple part through a new reference")]

use std::slice;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// What a scan for a header found.
pub(super) enum Found<'py> {
    /// The value of the first usual item with the name.
    Value(Bound<'py, PyAny>),
    /// No item has the name, and every item is usual.
    Absent,
    /// The item at this index, before any with the name, is not of the usual shape.
    Unusual(usize),
}

/// The name of `item` when it is of the usual shape, with its value.
///
/// # Safety
///
/// Attached; `item` is live for as long as the name is used, and no Python code runs meanwhile.
#[inline]
unsafe fn usual_pair<'a>(item: *mut ffi::PyObject) -> Option<(&'a [u8], *mut ffi::PyObject)> {
    // SAFETY: as this function's contract states; each read follows a check of the object's type.
    unsafe {
        if ffi::Py_TYPE(item) != &raw mut ffi::PyTuple_Type || ffi::PyTuple_GET_SIZE(item) != 2 {
            return None;
        }
        let name = ffi::PyTuple_GET_ITEM(item, 0);
        if ffi::Py_TYPE(name) != &raw mut ffi::PyBytes_Type {
            return None;
        }
        let length = usize::try_from(ffi::Py_SIZE(name)).ok()?;
        let name = slice::from_raw_parts(ffi::PyBytes_AS_STRING(name).cast::<u8>(), length);
        Some((name, ffi::PyTuple_GET_ITEM(item, 1)))
    }
}

/// The value of the first header called `name`, scanning until an item of another shape.
#[inline]
pub(super) fn first_value<'py>(list: &Bound<'py, PyList>, name: &[u8]) -> Found<'py> {
    let py = list.py();
    let list = list.as_ptr();
    let mut index = 0;
    // SAFETY: attached (`py`); the list's length is read afresh for each item, and nothing in
    // the loop runs Python code, so every item read is live.
    unsafe {
        while index < ffi::PyList_GET_SIZE(list) {
            match usual_pair(ffi::PyList_GET_ITEM(list, index)) {
                Some((found, value)) if found == name => {
                    return Found::Value(Bound::from_borrowed_ptr(py, value))
                }
                Some(_) => {}
                None => return Found::Unusual(usize::try_from(index).unwrap_or(0)),
            }
            index += 1;
        }
    }
    Found::Absent
}

/// Whether a header's name satisfies `wanted`: `None` if any item is of another shape.
#[inline]
pub(super) fn any_name(list: &Bound<'_, PyList>, wanted: fn(&[u8]) -> bool) -> Option<bool> {
    let list = list.as_ptr();
    let mut any = false;
    let mut index = 0;
    // SAFETY: as in `first_value`; `wanted` is a plain function of bytes.
    unsafe {
        while index < ffi::PyList_GET_SIZE(list) {
            let (name, _) = usual_pair(ffi::PyList_GET_ITEM(list, index))?;
            any |= wanted(name);
            index += 1;
        }
    }
    Some(any)
}

/// A new list of `list`'s items followed by `appended`'s.
#[inline]
pub(super) fn extended<'py>(
    list: &Bound<'py, PyList>,
    appended: impl ExactSizeIterator<Item = Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let py = list.py();
    let source = list.as_ptr();
    let added = appended.len();
    // SAFETY: attached (`py`). The new list's slots are all filled before it is returned: the
    // copied items without any code running between reading the length and the last copy (the
    // allocation before, which may collect garbage and so run code, is checked for), then the
    // appended ones, whose making only allocates; slots an iterator shorter than it said left
    // empty are cut off.
    unsafe {
        let length = ffi::PyList_GET_SIZE(source);
        let total = length
            .checked_add(ffi::Py_ssize_t::try_from(added)?)
            .ok_or_else(|| pyo3::exceptions::PyOverflowError::new_err("too many response headers"))?;
        let copy = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(total))?.cast_into_unchecked::<PyList>();
        if ffi::PyList_GET_SIZE(source) != length {
            // The list changed while the copy was allocated.
            return PyList::new(py, list.iter().chain(appended));
        }
        let target = copy.as_ptr();
        for index in 0..length {
            let item = ffi::PyList_GET_ITEM(source, index);
            ffi::Py_INCREF(item);
            ffi::PyList_SET_ITEM(target, index, item);
        }
        let mut filled = length;
        for header in appended.take(added) {
            ffi::PyList_SET_ITEM(target, filled, header.into_ptr());
            filled += 1;
        }
        if filled != total && ffi::PyList_SetSlice(target, filled, total, std::ptr::null_mut()) != 0 {
            return Err(PyErr::fetch(py));
        }
        Ok(copy)
    }
}
