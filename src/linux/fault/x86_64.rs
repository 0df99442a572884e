//! x86_64 Linux: where the kernel's signal frame keeps the registers the handler needs,
//! and the signal restorer. The copy routines are in `copy/x86_64.rs`; they keep their
//! 4th to 6th arguments in rcx, r8 and r9.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on x86_64: `uc_flags`, `uc_link`, `uc_stack` (24
/// bytes), then `uc_mcontext`, a `struct sigcontext` whose first 18 words are r8-r15,
/// rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags (glibc's `gregs`, REG_R8 = 0 ...
/// REG_RIP = 16). `siginfo`: `si_code` at 8, `si_addr` at 16.
pub(super) const CONTEXT: Context = Context {
    pc: 40 + 16 * 8,
    lo: 40 + 14 * 8, // rcx
    hi: 40,          // r8
    out: 40 + 8,     // r9
    si_code: 8,
    si_addr: 16,
};

/// `sa_restorer`: x86_64 requires one (the kernel kills a process whose handler has
/// none), and it must leave rsp where the handler's `ret` left it.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("mov eax, {nr}", "syscall", "ud2", nr = const nr::RT_SIGRETURN)
}
