//! loongarch64 Linux: where the kernel's signal frame keeps the registers the handler
//! needs. The copy routine is in `copy/loongarch64.rs`; it keeps its 4th to 6th arguments
//! in $a3, $a4 and $a5. LoongArch has no `SA_RESTORER`: the kernel returns through the
//! vDSO's `rt_sigreturn`.

use super::Context;

/// The kernel's `struct ucontext` on loongarch: `uc_flags`, `uc_link`, `uc_stack` (24
/// bytes), `uc_sigmask` (8) and padding to 1024 bits (120), then `uc_mcontext` aligned
/// to 16 (`sc_extcontext` is) at 176: a `struct sigcontext` of `sc_pc`, then
/// `sc_regs[32]` (rN at 184 + 8N; $a0 is r4), then `sc_flags`. `siginfo`: `si_code` at
/// 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 176,
    lo: 184 + 7 * 8,  // $a3 = r7
    hi: 184 + 8 * 8,  // $a4 = r8
    out: 184 + 9 * 8, // $a5 = r9
    si_code: 8,
    si_addr: 16,
};
