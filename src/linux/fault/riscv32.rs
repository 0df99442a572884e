//! riscv32 Linux: where the kernel's signal frame keeps the registers the handler needs.
//! The copy routine is in `copy/riscv32.rs`; it keeps its 4th to 6th arguments in a3, a4
//! and a5. riscv has no `SA_RESTORER`: the kernel returns through the vDSO's
//! `rt_sigreturn`.

use super::Context;

/// The kernel's `struct ucontext` on riscv32: `uc_flags`, `uc_link`, `uc_stack` (12
/// bytes), `uc_sigmask` (8) and padding to 1024 bits (120), then `uc_mcontext` aligned to
/// 16 (its floating-point state holds 16-byte-aligned quad registers) at 160, whose
/// `struct user_regs_struct` starts with `pc` and then x1..x31 (so xN is at 160 + 4N).
/// `siginfo`: `si_code` at 8, `si_addr` at 12.
pub(super) const CONTEXT: Context = Context {
    pc: 160,
    lo: 160 + 13 * 4,  // a3 = x13
    hi: 160 + 14 * 4,  // a4 = x14
    out: 160 + 15 * 4, // a5 = x15
    si_code: 8,
    si_addr: 12,
};
