//! riscv64 Linux: where the kernel's signal frame keeps the registers the handler needs.
//! riscv has no `SA_RESTORER`: the kernel returns through the vDSO's `rt_sigreturn`. The
//! copy routine is in `copy/riscv64.rs`; it keeps its 4th to 6th arguments in a3, a4
//! and a5.

use super::Context;

/// The kernel's `struct ucontext` on riscv: `uc_flags`, `uc_link`, `uc_stack` (24
/// bytes), `uc_sigmask` (8) and padding to 1024 bits (120), then `uc_mcontext` aligned
/// to 16 at 176, whose `struct user_regs_struct` starts with `pc` and then x1..x31 (so
/// xN is at 176 + 8N). `siginfo`: `si_code` at 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 176,
    lo: 176 + 13 * 8,  // a3 = x13
    hi: 176 + 14 * 8,  // a4 = x14
    out: 176 + 15 * 8, // a5 = x15
    si_code: 8,
    si_addr: 16,
};
