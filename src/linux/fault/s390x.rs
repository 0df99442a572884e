//! s390x Linux: where the kernel's signal frame keeps the registers the handler needs,
//! and the signal restorer. The copy routine is in `copy/s390x.rs`; it keeps `lo` in r5,
//! `hi` in r6 and `out` (its 6th argument, passed on the stack) in r1.
//!
//! The kernel reports only the 4 KiB page of a fault in `si_addr` on s390x (its
//! translation-exception identification holds no more): `copy::ADDR_GRAIN` makes the
//! lookup accept the page of `lo`, and `copy` reports the exact byte, where the routine
//! stopped.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on s390x (`arch/s390/include/uapi/asm/ucontext.h`):
/// `uc_flags`, `uc_link`, `uc_stack` (24 bytes), then `uc_mcontext` at 40, a `_sigregs`
/// (`asm/sigcontext.h`) that starts with the PSW `{mask, addr}` (the program counter is
/// `addr`, at 48) followed by `gprs[16]` at 56. `siginfo`: `si_code` at 8, `si_addr` at
/// 16.
pub(super) const CONTEXT: Context = Context {
    pc: 48,
    lo: 56 + 5 * 8, // r5
    hi: 56 + 6 * 8, // r6
    out: 56 + 8,    // r1
    si_code: 8,
    si_addr: 16,
};

/// `sa_restorer`: s390x returns from a handler with `SA_RESTORER` through r14, which the
/// kernel sets to this (without it, to the vDSO's trampoline, which a process may not
/// have).
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("svc {nr}", ".short 0", nr = const nr::RT_SIGRETURN)
}
