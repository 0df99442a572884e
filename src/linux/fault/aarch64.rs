//! aarch64 Linux: where the kernel's signal frame keeps the registers the handler needs,
//! and the signal restorer. The copy routine is in `copy/aarch64.rs`; it keeps its 4th
//! to 6th arguments in x3, x4 and x5.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on arm64: `uc_flags`, `uc_link`, `uc_stack` (24
/// bytes), `uc_sigmask` (8) and padding to 1024 bits (120), then `uc_mcontext` aligned
/// to 16 at 176: `fault_address`, `regs[31]` (x0 at 184), `sp` (432), `pc` (440).
/// `siginfo`: `si_code` at 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 440,
    lo: 184 + 3 * 8,  // x3
    hi: 184 + 4 * 8,  // x4
    out: 184 + 5 * 8, // x5
    si_code: 8,
    si_addr: 16,
};

/// `sa_restorer`: arm64 would fall back to the vDSO's trampoline, but a process may
/// have no vDSO (and qemu-user 7.2 gives none), so the crate brings its own.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("mov x8, #{nr}", "svc #0", "brk #0", nr = const nr::RT_SIGRETURN)
}
