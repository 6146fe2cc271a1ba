//! The `send` objects handed to apps, recycled: every request makes one and frees it when the
//! app is done with it.
//!
//! Through `PyO3`, making one allocates and zeroes a garbage-collected object and runs `PyO3`'s
//! initialiser; freeing one runs `PyO3`'s deallocation trampoline (a thread-local attach count)
//! and gives the memory back. As `CPython` does for its own frequent objects (tuples, floats,
//! frames), a freed `CorsSend` instead keeps its memory and its reference to its type, and a
//! later request fills it in again. At most [`CAPACITY`] wait; beyond that, memory goes back as
//! before.
//!
//! The spares sit behind a `Mutex` taken with `try_lock`: a held lock means making or freeing one
//! the usual way, never waiting. Builds whose objects carry more than a plain reference count
//! (free-threaded, reference-debugging, `PyPy`) make and free every one through `PyO3`
//! (`fastcors_recycled_sends`, set by `build.rs`). On `CPython` 3.13 and later, a reference tracer
//! (`PyRefTracer_SetTracer`) is told of each refilled object's creation, as of a new one's; the
//! freeing it was told of already.
#![allow(
    unsafe_code,
    reason = "PyO3 has no hook to keep a freed object's memory; this module replaces its tp_dealloc"
)]

use pyo3::prelude::*;

use super::cors_send::CorsSend;

/// A new `CorsSend` holding `value`, called by vectorcall: a spare filled in, or a new object.
#[inline]
pub(super) fn new_send(py: Python<'_>, value: CorsSend) -> PyResult<Bound<'_, CorsSend>> {
    #[cfg(fastcors_recycled_sends)]
    let value = match spares::refill(py, value) {
        Ok(send) => return Ok(send),
        Err(value) => value,
    };
    let send = Bound::new(py, value)?;
    super::entries::enable(&send);
    #[cfg(fastcors_recycled_sends)]
    spares::install(&send);
    Ok(send)
}

#[cfg(fastcors_recycled_sends)]
mod spares {
    use std::ptr::{self, NonNull};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use pyo3::ffi;
    use pyo3::prelude::*;

    use super::CorsSend;

    /// How many freed `CorsSend` objects wait to be reused: about one per request in flight.
    const CAPACITY: usize = 64;

    /// A freed `CorsSend`: its memory, untracked by the collector, with no references of its own but
    /// the one to its type.
    struct Spare(NonNull<ffi::PyObject>);

    // SAFETY: a spare is memory no Python code can reach; whichever thread takes it owns it.
    unsafe impl Send for Spare {}

    static SPARES: Mutex<Vec<Spare>> = Mutex::new(Vec::new());

    /// Where a `CorsSend`'s Rust value lies in its object; 0 until [`install`] ran.
    static CONTENTS: AtomicUsize = AtomicUsize::new(0);

    /// `value` in a spare `CorsSend`, if one waits; else `value` back.
    #[inline]
    pub(super) fn refill(py: Python<'_>, value: CorsSend) -> Result<Bound<'_, CorsSend>, CorsSend> {
        let offset = CONTENTS.load(Ordering::Relaxed);
        if offset == 0 {
            return Err(value);
        }
        let Some(Spare(object)) = SPARES.try_lock().ok().and_then(|mut spares| spares.pop()) else {
            return Err(value);
        };
        let object = object.as_ptr();
        // SAFETY: attached (`py`). `object` is a `CorsSend` freed by `dealloc`, which moved its
        // value out and left its memory, its reference to its type and nothing else, and it is
        // ours alone. A reference (its count was zero), a value and the collector's tracking
        // make it a live object again, as `tp_alloc` and `PyO3`'s initialiser do; nothing runs
        // in between.
        unsafe {
            ffi::Py_INCREF(object);
            ptr::write(object.byte_add(offset).cast::<CorsSend>(), value);
            ffi::PyObject_GC_Track(object.cast());
            #[cfg(Py_3_13)]
            tell_tracer(object);
            Ok(Bound::from_owned_ptr(py, object).cast_into_unchecked())
        }
    }

    #[cfg(Py_3_13)]
    type RefTracer = Option<
        unsafe extern "C" fn(*mut ffi::PyObject, std::ffi::c_int, *mut std::ffi::c_void) -> std::ffi::c_int,
    >;

    #[cfg(Py_3_13)]
    extern "C" {
        fn PyRefTracer_GetTracer(data: *mut *mut std::ffi::c_void) -> RefTracer;
    }

    /// Tells the reference tracer, if one is set, that `object` was made (`PyRefTracer_CREATE`),
    /// as `_Py_NewReference` does for a new object.
    ///
    /// # Safety
    ///
    /// Attached; `object` is live.
    #[cfg(Py_3_13)]
    #[inline]
    unsafe fn tell_tracer(object: *mut ffi::PyObject) {
        const CREATE: std::ffi::c_int = 0;
        let mut data = ptr::null_mut();
        // SAFETY: as this function's contract states; the tracer is called as CPython calls it.
        unsafe {
            if let Some(tracer) = PyRefTracer_GetTracer(&raw mut data) {
                tracer(object, CREATE, data);
            }
        }
    }

    /// Points the `CorsSend` type's deallocation at [`dealloc`], once, from its first instance,
    /// if the type is made as expected: a heap type, collected, freed by the collector's own
    /// `tp_free`, without finaliser, instance dict or weak references. Otherwise every
    /// `CorsSend` is made and freed through `PyO3`.
    pub(super) fn install(send: &Bound<'_, CorsSend>) {
        use pyo3::PyTypeInfo;
        use std::sync::Once;

        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| {
            let object = send.as_ptr() as usize;
            let value = ptr::from_ref(send.get()) as usize;
            let Some(offset) = value.checked_sub(object).filter(|offset| *offset != 0) else { return };
            let type_object = CorsSend::type_object_raw(send.py());
            // SAFETY: attached (`send` is bound); `type_object` is the live `CorsSend` type, whose
            // instances all have the layout `offset` was read from. `dealloc` reads `CONTENTS`,
            // set first; no spare exists before `dealloc` makes one.
            unsafe {
                let flags = (*type_object).tp_flags;
                let expected = flags & ffi::Py_TPFLAGS_HAVE_GC != 0
                    && flags & ffi::Py_TPFLAGS_HEAPTYPE != 0
                    && (*type_object).tp_free.map(|free| free as *const () as usize)
                        == Some(ffi::PyObject_GC_Del as *const () as usize)
                    && (*type_object).tp_finalize.is_none()
                    && (*type_object).tp_del.is_none()
                    && (*type_object).tp_dictoffset == 0
                    && (*type_object).tp_weaklistoffset == 0;
                if !expected {
                    return;
                }
                CONTENTS.store(offset, Ordering::Relaxed);
                (*type_object).tp_dealloc = Some(dealloc);
            }
        });
    }

    /// `CorsSend`'s `tp_dealloc`: the value's references released, the object kept as a spare.
    ///
    /// # Safety
    ///
    /// `CPython` calls it, attached, for a `CorsSend` whose reference count reached zero.
    unsafe extern "C" fn dealloc(object: *mut ffi::PyObject) {
        let offset = CONTENTS.load(Ordering::Relaxed);
        // SAFETY: as this function's contract states; `offset` was set before this was installed.
        unsafe {
            ffi::PyObject_GC_UnTrack(object.cast());
            let value = ptr::read(object.byte_add(offset).cast::<CorsSend>());
            let kept = NonNull::new(object).is_some_and(|object| {
                SPARES.try_lock().is_ok_and(|mut spares| {
                    spares.len() < CAPACITY && {
                        spares.push(Spare(object));
                        true
                    }
                })
            });
            if !kept {
                free(object);
            }
            release(value);
        }
    }

    /// Gives a `CorsSend`'s memory back, as `PyO3`'s own `tp_dealloc` ends.
    ///
    /// # Safety
    ///
    /// Attached; `object` is an untracked `CorsSend` whose value was moved out.
    #[cold]
    #[inline(never)]
    unsafe fn free(object: *mut ffi::PyObject) {
        // SAFETY: as this function's contract states; the type is a heap type, which each of its
        // objects holds a reference to.
        unsafe {
            let type_object = ffi::Py_TYPE(object);
            if let Some(free) = (*type_object).tp_free {
                free(object.cast());
            }
            ffi::Py_DECREF(type_object.cast());
        }
    }

    /// Releases the references a `CorsSend`'s value holds, in the order its fields are declared, as
    /// dropping it would; but without `PyO3`'s drop, which, outside `PyO3`'s entries, defers them.
    ///
    /// # Safety
    ///
    /// Attached.
    unsafe fn release(value: CorsSend) {
        let CorsSend { policy, send, request_headers, middleware, method, .. } = value;
        // SAFETY: each was an owned reference, now given up.
        unsafe {
            ffi::Py_DECREF(policy.into_ptr());
            ffi::Py_DECREF(send.into_ptr());
            ffi::Py_DECREF(request_headers.into_ptr());
            if let Some(middleware) = middleware {
                ffi::Py_DECREF(middleware.into_ptr());
            }
            ffi::Py_DECREF(method.into_ptr());
        }
    }
}
