//! The vectorcall entry of `CorsSend`: the app's `await send(message)` reaches the core without
//! an argument tuple.
//!
//! `PyO3` 0.30 gives a `#[pyclass]` only `tp_call`, which has `CPython` build a tuple for every call,
//! free it afterwards, and go through `_PyObject_MakeTpCall`: the app calls `send` twice per
//! request. `CPython` calls an object through a function pointer stored in the object itself when
//! its type has `Py_TPFLAGS_HAVE_VECTORCALL` and says where the pointer lies
//! (`tp_vectorcall_offset`). Each `CorsSend` carries that pointer; [`enable`] points the type at
//! it, once, from the first instance, before that instance reaches Python. From then on every call
//! comes this way (`PyObject_Call` included) but `send.__call__(...)`, which reaches `PyO3`'s
//! `tp_call`; both run [`CorsSend::call_general`] or the same single-message path. The type is
//! immutable, so no `__call__` assigned to it can be bypassed by the entry.
//!
//! The stable-ABI build has no such module and keeps `tp_call` alone: its type object is opaque.
//!
//! With `str_equality`, the crate's only `unsafe` code.
#![allow(unsafe_code, reason = "PyO3 has no vectorcall for #[pyclass]; this module adds it")]

use pyo3::ffi;
use pyo3::impl_::trampoline::{fastcall_cfunction_with_keywords as fastcall, MethodDef};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::cors_send::CorsSend;

/// The pointer each `CorsSend` carries.
pub(super) type Entry = ffi::vectorcallfunc;

/// What a new `CorsSend` stores.
pub(super) const ENTRY: Entry = send_vectorcall;

/// Turns vectorcall on for the `CorsSend` type, once, from its first instance: the offset of the
/// entry is read off a real object, so it is right whatever layout `PyO3` gives the class. Called
/// before the instance is handed to Python, so no call can come through the type before the
/// offset is in place; the `Once` makes every other thread's first instance wait for it.
#[inline]
pub(super) fn enable(send: &Bound<'_, CorsSend>) {
    use pyo3::PyTypeInfo;
    use std::sync::Once;

    static ENABLED: Once = Once::new();
    ENABLED.call_once(|| {
        let object = send.as_ptr() as usize;
        let entry = std::ptr::addr_of!(send.get().vectorcall) as usize;
        let Some(offset) = entry.checked_sub(object) else { return };
        let Ok(offset) = ffi::Py_ssize_t::try_from(offset) else { return };
        let type_object = CorsSend::type_object_raw(send.py());
        // SAFETY: the interpreter is attached (`send` is bound) and `type_object` is the live
        // `CorsSend` type, which lives as long as the module. Every `CorsSend` stores `ENTRY` at
        // `offset`: the same field of the same Rust struct, in objects of one fixed layout.
        unsafe {
            (*type_object).tp_vectorcall_offset = offset;
            (*type_object).tp_flags |= ffi::Py_TPFLAGS_HAVE_VECTORCALL;
        }
    });
}

/// `send(...)` called by vectorcall: `PyO3`'s own trampoline for fast-call methods (attachment,
/// panics turned into `PanicException`, errors raised) around [`call`].
///
/// # Safety
///
/// `CPython` calls it with the interpreter attached, `callable` a live `CorsSend`, and `args`
/// holding the positional arguments then one value per name in `kwnames` (a tuple or null), all
/// borrowed for the duration of the call.
unsafe extern "C" fn send_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // The same bits: `call` masks out `PY_VECTORCALL_ARGUMENTS_OFFSET` again.
    #[allow(clippy::cast_possible_wrap, reason = "the bits are carried through unchanged")]
    let nargsf = nargsf as ffi::Py_ssize_t;
    // SAFETY: as this function's contract states.
    unsafe { fastcall::<SendCall>(callable, args, nargsf, kwnames) }
}

struct SendCall;

impl MethodDef<fastcall::Func> for SendCall {
    const METH: fastcall::Func = call;
}

/// # Safety
///
/// As for [`send_vectorcall`].
unsafe fn call(
    py: Python<'_>,
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: `callable` is a live `CorsSend`, borrowed for the call.
    let callable = unsafe { Borrowed::from_ptr(py, callable).cast_unchecked::<CorsSend>() };
    let send = callable.get();
    #[allow(clippy::cast_sign_loss, reason = "the bits as CPython passed them")]
    // SAFETY: a pure computation on the bits CPython passed.
    let given = unsafe { ffi::PyVectorcall_NARGS(nargsf as usize) };
    let given = usize::try_from(given).unwrap_or(0);
    if kwnames.is_null() && given == 1 {
        // SAFETY: `args` holds the one positional value.
        let message = unsafe { Borrowed::from_ptr(py, *args) };
        return Ok(send.call_with(py, &message, || send.send.bind(py).call1((&*message,)))?.into_ptr());
    }
    // SAFETY: as this function's contract states.
    unsafe { call_otherwise(py, send, args, given, kwnames) }
}

/// `send(...)` with keywords, or with other than one positional argument: as `tp_call` would be
/// called. Kept out of the usual path.
///
/// # Safety
///
/// As for [`send_vectorcall`], with `given` the number of positional arguments.
#[cold]
#[inline(never)]
unsafe fn call_otherwise(
    py: Python<'_>,
    send: &CorsSend,
    args: *const *mut ffi::PyObject,
    given: usize,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: `kwnames` is null or a tuple of names, borrowed for the call.
    let names = unsafe { Borrowed::from_ptr_or_opt(py, kwnames) };
    let keywords = names.as_ref().map_or(Ok(0), |names| names.len())?;
    // SAFETY: `args` holds `given` positional values and then one value per keyword name.
    let value = |index: usize| unsafe { Borrowed::from_ptr(py, *args.add(index)) };
    let positional = PyTuple::new(py, (0..given).map(value))?;
    let by_name = match names {
        None => None,
        Some(names) => {
            let dict = PyDict::new(py);
            for (name, index) in names.try_iter()?.zip(given..given + keywords) {
                dict.set_item(name?.cast_into::<PyString>()?, value(index))?;
            }
            Some(dict)
        }
    };
    Ok(send.call_general(&positional, by_name.as_ref())?.into_ptr())
}
