//! Fault-safe copies on Windows x86_64: a vectored exception handler that turns an
//! `EXCEPTION_IN_PAGE_ERROR` inside the crate's copy routine into an error.
//!
//! Windows refuses to shrink a file that has a mapped view (`ERROR_USER_MAPPED_FILE`),
//! but reading a page of a view in can still fail: the network share or the removable
//! drive went away, the disk returned an error. The access then raises
//! `EXCEPTION_IN_PAGE_ERROR` (0xC0000006) with `ExceptionInformation` = [access (0 read,
//! 1 write, 8 execute), address, `NTSTATUS` of the failed read]. The handler takes it
//! only when `Rip` lies in one of the copy routines' ranges and the address on the
//! mapping's side of the copy (`copy::fixup`, the same test as Linux's SIGBUS handler):
//! it writes the fault into the routine's report slot (its sixth argument, in r9),
//! moves `Rip` to the fixup and continues; the routine returns how many bytes it did not
//! copy. Every other exception goes on to the next handler
//! (`EXCEPTION_CONTINUE_SEARCH`), so a program sees it exactly as without the crate.
//!
//! `EXCEPTION_ACCESS_VIOLATION` is not handled, even in the copy routine. On the
//! mapping's side it means the view was unmapped or made inaccessible during the copy,
//! which safe code cannot do (`read_at` borrows the `Mapping` and checks its protection
//! first): it is memory unsafety in the caller, to crash on, as SIGSEGV is on Linux,
//! where the handler takes SIGBUS only. Wine (8.0, x86_64) reports every host SIGBUS
//! as `EXCEPTION_ACCESS_VIOLATION`, so under Wine a failed page-in is not caught: see
//! `crate::fault` and `tests/fault_windows.rs`.
//!
//! The handler is registered once per copy of the crate (`AddVectoredExceptionHandler`
//! with `first = 1`, so it runs before frame-based handlers and the vectored handlers
//! registered before it) and never removed: a DLL that contains this crate must not be
//! unloaded once a copy ran. It runs for every exception in the process, so it looks at
//! the exception code first and returns at once for anything else. Like the Linux
//! handler it takes no lock, allocates nothing and keeps no thread-local state, so any
//! number of threads can fault at once.

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, PoisonError};

use windows_sys::Win32::Foundation::EXCEPTION_IN_PAGE_ERROR;
use windows_sys::Win32::System::Diagnostics::Debug::{
    AddVectoredExceptionHandler, EXCEPTION_CONTINUE_EXECUTION, EXCEPTION_CONTINUE_SEARCH,
    EXCEPTION_POINTERS,
};
use windows_sys::Win32::System::SystemServices::EXCEPTION_NONCONTINUABLE;

use crate::copy::RawFault;
use crate::fault::FaultCause;
use crate::{Errno, Result};

/// The handle `AddVectoredExceptionHandler` returned; null until installed.
static HANDLE: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Serialises installation: two registrations would both run for every exception.
static INSTALLING: Mutex<()> = Mutex::new(());

/// Registers the handler, unless it is registered already (threads that get here at
/// the same time wait for the first one).
pub(crate) fn install_now() -> Result<()> {
    let _guard = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
    if !HANDLE.load(Ordering::Acquire).is_null() {
        return Ok(());
    }
    // SAFETY: `on_exception` is a vectored exception handler that stays valid for the
    // life of the process (it is never removed) and only acts on our own faults.
    let h = unsafe { AddVectoredExceptionHandler(1, Some(on_exception)) };
    if h.is_null() {
        // Its only documented failure: no memory for the list entry (no error code set).
        return Err(Errno::NOMEM);
    }
    HANDLE.store(h, Ordering::Release);
    Ok(())
}

/// Whether the handler is registered. Windows calls every vectored handler in turn, so
/// once registered it stays in the chain; only a handler registered later with
/// `first = 1` that claims the same exception first (`EXCEPTION_CONTINUE_EXECUTION`)
/// could keep it from seeing a fault, and Windows offers no way to list the chain.
pub(crate) fn is_active() -> Result<bool> {
    Ok(!HANDLE.load(Ordering::Acquire).is_null())
}

/// The cause of a fault this handler redirected: the `NTSTATUS` it recorded.
pub(crate) fn cause(code: i32) -> FaultCause {
    FaultCause::InPageError {
        status: code as u32,
    }
}

/// The vectored exception handler (see the module documentation).
///
/// # Safety
/// Only for Windows to call, as a vectored exception handler.
unsafe extern "system" fn on_exception(info: *mut EXCEPTION_POINTERS) -> i32 {
    // SAFETY: Windows passes valid exception and context records, which the handler may
    // change (the context is what the thread continues with).
    let (rec, ctx) = unsafe { (&*(*info).ExceptionRecord, &mut *(*info).ContextRecord) };
    if rec.ExceptionCode != EXCEPTION_IN_PAGE_ERROR
        || rec.NumberParameters < 3
        || rec.ExceptionFlags & EXCEPTION_NONCONTINUABLE != 0
    {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    let addr = rec.ExceptionInformation[1];
    // rcx and r8 hold the routine's 4th and 5th arguments, the mapped side `[lo, hi)`.
    let Some(fixup) = crate::copy::fixup(ctx.Rip as usize, addr, ctx.Rcx as usize, ctx.R8 as usize)
    else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    let code = rec.ExceptionInformation[2] as u32 as i32;
    // SAFETY: `Rip` is in a routine, so r9 holds its sixth argument, a valid RawFault
    // that the interrupted caller waits on.
    unsafe {
        core::ptr::with_exposed_provenance_mut::<RawFault>(ctx.R9 as usize)
            .write(RawFault { code, addr });
    }
    ctx.Rip = fixup as u64;
    EXCEPTION_CONTINUE_EXECUTION
}
