//! mips (o32) Linux: where the kernel's signal frame keeps the registers the handler
//! needs. The copy routine is in `copy/mips.rs`; it keeps `lo` in $7 and loads `hi` and
//! `out` (its 5th and 6th arguments, passed on the stack) into $14 and $15. mips has no
//! `SA_RESTORER`: the kernel returns from handlers through the vDSO's (or its own)
//! trampoline.

use super::Context;

/// Where the low 32 bits of a 64-bit slot are: the kernel saves o32 registers as
/// `unsigned long long` (a 64-bit kernel holds them sign-extended).
const LOW: usize = if cfg!(target_endian = "big") { 4 } else { 0 };

/// The kernel's `struct ucontext` on mips o32 (`arch/mips/include/uapi/asm/ucontext.h`):
/// `uc_flags`, `uc_link`, `uc_stack` (`{ss_sp, ss_size, ss_flags}`, 12 bytes), then
/// `uc_mcontext` aligned to 8 at 24, a `struct sigcontext` (`asm/sigcontext.h`, o32):
/// `sc_regmask`, `sc_status`, `sc_pc` (a 64-bit slot at 32), `sc_regs[32]` (64-bit slots
/// from 40). `siginfo` on mips is `{si_signo, si_code, si_errno}`: `si_code` at 4,
/// `si_addr` at 12.
pub(super) const CONTEXT: Context = Context {
    pc: 32 + LOW,
    lo: 40 + 7 * 8 + LOW,   // $7
    hi: 40 + 14 * 8 + LOW,  // $14
    out: 40 + 15 * 8 + LOW, // $15
    si_code: 4,
    si_addr: 12,
};
