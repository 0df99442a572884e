//! powerpc64 Linux (ELFv2 and ELFv1): where the kernel's signal frame keeps the registers
//! the handler needs, and the signal restorer. The copy routine is in
//! `copy/powerpc64.rs`; it keeps its 4th to 6th arguments in r6, r7 and r8.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on ppc64 (`arch/powerpc/include/uapi/asm/ucontext.h`):
/// `uc_flags`, `uc_link`, `uc_stack` (24 bytes), `uc_sigmask` (8), `__unused[15]` (120),
/// then `uc_mcontext`, a `struct sigcontext` at 168 whose `gp_regs` array (`elf_gregset_t`)
/// starts 64 bytes in, at 232: `gp_regs[n]` is rN, `gp_regs[32]` (`PT_NIP`) the program
/// counter. The kernel restores from that array on `rt_sigreturn`. `siginfo`: `si_code`
/// at 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 232 + 32 * 8,
    lo: 232 + 6 * 8,  // r6
    hi: 232 + 7 * 8,  // r7
    out: 232 + 8 * 8, // r8
    si_code: 8,
    si_addr: 16,
};

/// `sa_restorer`: `rt_sigreturn`. The ppc64 kernel (6.12) sets the handler's return
/// address itself, to the vDSO's `sigtramp_rt64` or to a trampoline it writes on the
/// signal stack, and does not read this; it is given so the `SA_RESTORER` action the
/// crate installs everywhere that flag exists names working code.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("li 0, {nr}", "sc", "trap", nr = const nr::RT_SIGRETURN)
}
