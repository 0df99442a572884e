//! mips64 (n64) Linux: where the kernel's signal frame keeps the registers the handler
//! needs. The copy routine is in `copy/mips64.rs`; it keeps its 4th to 6th arguments in
//! $7, $8 and $9. mips has no `SA_RESTORER`: the kernel returns from handlers through
//! the vDSO's (or its own) trampoline.

use super::Context;

/// The kernel's `struct ucontext` on mips n64 (`arch/mips/include/uapi/asm/ucontext.h`):
/// `uc_flags`, `uc_link`, `uc_stack` (`{ss_sp, ss_size, ss_flags}`, 24 bytes), then
/// `uc_mcontext` at 40, a `struct sigcontext` (`asm/sigcontext.h`, n64): `sc_regs[32]`
/// from 40, `sc_fpregs[32]`, eight hi/lo words, then `sc_pc` at 40 + 72 * 8 = 616.
/// `siginfo` on mips is `{si_signo, si_code, si_errno}`: `si_code` at 4, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 40 + 72 * 8,
    lo: 40 + 7 * 8,  // $7
    hi: 40 + 8 * 8,  // $8
    out: 40 + 9 * 8, // $9
    si_code: 4,
    si_addr: 16,
};
