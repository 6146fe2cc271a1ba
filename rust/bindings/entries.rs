//! The two C entry points of a request: the middleware's `__call__` and the `send` it hands
//! the app. Each is called from the interpreter for every request, and each skips a cost of
//! `PyO3`'s generic entries that these two do not need.
//!
//! - Vectorcall for `CorsSend`: `PyO3` 0.30 gives a `#[pyclass]` only `tp_call`, which has
//!   `CPython` build a tuple for every call, free it afterwards, and go through
//!   `_PyObject_MakeTpCall`: the app calls `send` twice per request. `CPython` calls an object
//!   through a function pointer stored in the object itself when its type has
//!   `Py_TPFLAGS_HAVE_VECTORCALL` and says where the pointer lies (`tp_vectorcall_offset`). Each
//!   `CorsSend` carries that pointer; [`enable`] points the type at it, once, from the first
//!   instance, before that instance reaches Python. From then on every call comes this way
//!   (`PyObject_Call` included) but `send.__call__(...)`, which reaches `PyO3`'s `tp_call`; both
//!   run [`CorsSend::call_general`] or the same single-message path. The type is immutable, so
//!   no `__call__` assigned to it can be bypassed by the entry.
//! - The middleware's `tp_call` ([`install_middleware_call`]): the instances are of the user's
//!   Python subclass, whose layout has no room for a vectorcall pointer, so calls keep their
//!   argument tuple; the entry reads it in place instead of through `PyO3`'s `*args, **kwargs`.
//! - Both are their own trampolines (see [`enter`]).
//!
//! The stable-ABI build has no such module and keeps `PyO3`'s entries: its type objects are
//! opaque.
//!
//! One of the few modules allowed `unsafe` code (see `Cargo.toml`).
#![allow(
    unsafe_code,
    reason = "PyO3 has no vectorcall for #[pyclass] and a costlier tp_call; this module adds both"
)]

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::cors_send::CorsSend;
use super::middleware::{serve, MiddlewareBase};

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

/// Makes [`middleware_call`] the `tp_call` of `Middleware` and of every subclass made after:
/// called from the module's initialisation, before `fastcors` subclasses it. A subclass copies
/// its base's `tp_call` when it is created, and `CPython` resets it (when `__call__` is set on
/// or deleted from a class) from the `__call__` wrapper in `Middleware.__dict__`, which calls
/// the function it was made with; both are pointed here. If the wrapper is not what `PyO3`
/// made, nothing changes: calls then take `PyO3`'s own entry, which serves them alike. Returns
/// whether the entry is in place.
pub(super) fn install_middleware_call(py: Python<'_>) -> bool {
    use pyo3::PyTypeInfo;

    let type_object = MiddlewareBase::type_object_raw(py);
    let entry: ffi::ternaryfunc = middleware_call;
    // SAFETY: the interpreter is attached (`py`) and `type_object` is the live `Middleware`
    // type, which lives as long as the module; no subclass exists yet and no other thread can
    // call through it while the module is being initialised. The wrapper is checked to be a
    // slot wrapper, whose layout `PyWrapperDescrObject` is, before it is written.
    unsafe {
        let Some(original) = (*type_object).tp_call else { return false };
        let dict = (*type_object).tp_dict;
        if dict.is_null() {
            return false;
        }
        let wrapper = ffi::PyDict_GetItemString(dict, c"__call__".as_ptr());
        if wrapper.is_null() || ffi::Py_TYPE(wrapper) != &raw mut ffi::PyWrapperDescr_Type {
            return false;
        }
        let wrapper = wrapper.cast::<ffi::PyWrapperDescrObject>();
        if (*wrapper).d_wrapped != original as *mut std::ffi::c_void {
            return false;
        }
        (*wrapper).d_wrapped = entry as *mut std::ffi::c_void;
        (*type_object).tp_call = Some(entry);
    }
    true
}

/// `send(...)` called by vectorcall: [`call`], entered through [`enter`].
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
    // SAFETY: as this function's contract states.
    unsafe { enter(|py| call(py, callable, args, nargsf, kwnames)) }
}

/// `middleware(*args, **kwargs)`: [`serve`], entered through [`enter`].
///
/// # Safety
///
/// `CPython` calls it with the interpreter attached, `callable` a live instance of (a subclass
/// of) `Middleware`, `args` a tuple and `kwargs` a dict or null, all borrowed for the call.
unsafe extern "C" fn middleware_call(
    callable: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: as this function's contract states.
    unsafe {
        enter(|py| {
            let middleware = Borrowed::from_ptr(py, callable);
            let args = Borrowed::from_ptr(py, args).cast_unchecked::<PyTuple>();
            let kwargs =
                Borrowed::from_ptr_or_opt(py, kwargs).map(|kwargs| kwargs.cast_unchecked::<PyDict>());
            Ok(serve(&middleware, &args, kwargs.as_deref())?.into_ptr())
        })
    }
}

/// Runs an entry's body: its panics become `PanicException`, its errors are raised.
///
/// `PyO3`'s own trampoline also counts, in a thread-local, that the thread is attached: a round
/// trip to thread-local storage on the way in and another on the way out, for each of the three
/// entries a request makes. Without the count, `PyO3` parks a `Py` dropped inside the entry (in
/// practice a `PyErr`'s objects) until an entry that counts. The usual paths drop none (the
/// comparisons and argument reads that could make an error avoid making one); an error or a
/// panic is raised under `PyO3`'s full attachment ([`raised`]), which releases whatever the
/// body parked on its way there. Code called back into through `PyO3` (an `on_reject`, say)
/// counts for itself.
///
/// # Safety
///
/// The interpreter is attached for the whole call.
#[inline]
unsafe fn enter(body: impl FnOnce(Python<'_>) -> PyResult<*mut ffi::PyObject>) -> *mut ffi::PyObject {
    // SAFETY: the caller's contract; the token does not outlive the call.
    let py = unsafe { Python::assume_attached() };
    match catch_unwind(AssertUnwindSafe(|| body(py))) {
        Ok(Ok(result)) => result,
        Ok(Err(error)) => raised(error),
        Err(payload) => raised(panic_exception(&*payload)),
    }
}

/// Raises `error` in the interpreter: the null an entry returns. `Python::attach` counts the
/// attachment (the thread is attached already: `PyGILState_Ensure` only nests), which first
/// releases the objects the body parked, then lets `restore` release its own at once.
#[cold]
#[inline(never)]
fn raised(error: PyErr) -> *mut ffi::PyObject {
    Python::attach(|py| error.restore(py));
    std::ptr::null_mut()
}

/// A Rust panic as Python sees it: a `PanicException` with the panic's message.
#[cold]
#[inline(never)]
fn panic_exception(payload: &(dyn Any + Send)) -> PyErr {
    let message = if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else {
        "panic from Rust code".to_owned()
    };
    PanicException::new_err(message)
}

/// # Safety
///
/// As for [`send_vectorcall`].
#[inline]
unsafe fn call(
    py: Python<'_>,
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: `callable` is a live `CorsSend`, borrowed for the call.
    let callable = unsafe { Borrowed::from_ptr(py, callable).cast_unchecked::<CorsSend>() };
    let send = callable.get();
    // SAFETY: a pure computation on the bits CPython passed.
    let given = unsafe { ffi::PyVectorcall_NARGS(nargsf) };
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
