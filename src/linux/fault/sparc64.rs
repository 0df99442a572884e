//! sparc64 Linux: where the kernel's signal frame keeps the registers the handler needs,
//! and the signal restorer. The copy routine is in `copy/sparc64.rs`; it keeps its 4th
//! to 6th arguments in %o3, %o4 and %o5.
//!
//! sparc resumes at the program counter and then at the next program counter, so the
//! handler moves both (`NPC`). The kernel may report a fault's address only to its 8 KiB
//! page when it cannot decode the faulting instruction (`arch/sparc/mm/fault_64.c`):
//! `copy::ADDR_GRAIN` covers that.

use super::Context;
use crate::linux::sys::nr;

/// sparc64 passes a handler no `ucontext`: its second and third arguments both point to
/// the `siginfo_t` of the kernel's `struct rt_signal_frame`
/// (`arch/sparc/kernel/signal_64.c`), which is followed by the interrupted `struct
/// pt_regs` (`arch/sparc/include/uapi/asm/ptrace.h`) that `rt_sigreturn` restores. So
/// these offsets count from the `siginfo`: `pt_regs` at 128 (the size of `siginfo_t`),
/// `u_regs[16]` (%g0-%g7, then the interrupted %o0-%o7, which the kernel names
/// `UREG_I0`.. as its trap window sees them), `tstate` at 256, `tpc` (the program
/// counter) at 264, `tnpc` at 272. `siginfo`: `si_code` at 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 128 + 17 * 8,
    lo: 128 + 11 * 8,  // %o3
    hi: 128 + 12 * 8,  // %o4
    out: 128 + 13 * 8, // %o5
    si_code: 8,
    si_addr: 16,
};

/// `tnpc`, the next program counter, which the handler sets to the fixup's second
/// instruction.
pub(super) const NPC: usize = 128 + 18 * 8;

/// The signal restorer: `rt_sigreturn`. sparc64's kernel takes it as an argument of
/// `rt_sigaction` (see `raw::KernelSigaction::restorer`) and makes the handler return
/// to it plus 8, so the action names this address minus 8. It must leave %sp alone: the
/// kernel finds the signal frame there.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("mov {nr}, %g1", "ta 0x6d", "illtrap 0", nr = const nr::RT_SIGRETURN)
}
