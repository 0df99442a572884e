//! powerpc (32-bit) Linux: where the kernel's signal frame keeps the registers the
//! handler needs, and the signal restorer. The copy routine is in `copy/powerpc.rs`; it
//! keeps its 4th to 6th arguments in r6, r7 and r8.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on ppc32 (`arch/powerpc/include/uapi/asm/ucontext.h`):
/// `uc_flags`, `uc_link`, `uc_stack` (12 bytes), `uc_pad[7]`, `uc_regs` (a pointer to
/// `uc_mcontext`, which the kernel always sets so for a signal frame), `uc_sigmask` (8),
/// `uc_maskext[30]`, `uc_pad2[3]`, then `uc_mcontext` at 192, whose `mc_gregs`
/// (`elf_gregset_t`) starts it: `mc_gregs[n]` is rN, `mc_gregs[32]` (`PT_NIP`) the
/// program counter. `siginfo`: `si_code` at 8, `si_addr` at 12.
pub(super) const CONTEXT: Context = Context {
    pc: 192 + 32 * 4,
    lo: 192 + 6 * 4,  // r6
    hi: 192 + 7 * 4,  // r7
    out: 192 + 8 * 4, // r8
    si_code: 8,
    si_addr: 12,
};

/// `sa_restorer`: `rt_sigreturn`. The powerpc kernel (6.12) sets the handler's return
/// address itself, to the vDSO's `sigtramp_rt32` or to a trampoline it writes in the
/// signal frame, and does not read this; it is given so the `SA_RESTORER` action the
/// crate installs everywhere that flag exists names working code.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("li 0, {nr}", "sc", "trap", nr = const nr::RT_SIGRETURN)
}
