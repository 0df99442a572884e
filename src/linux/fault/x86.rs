//! x86 (i686) Linux: where the kernel's signal frame keeps the registers the handler
//! needs, and the signal restorer. The copy routine is in `copy/x86.rs`; it keeps its
//! 4th to 6th arguments in ebx, ebp and edx.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on i386: `uc_flags`, `uc_link`, `uc_stack` (12 bytes),
/// then `uc_mcontext` at 20, a `struct sigcontext` of 32-bit words: gs, fs, es, ds, edi,
/// esi, ebp, esp, ebx, edx, ecx, eax, trapno, err, eip (glibc's `gregs`, REG_GS = 0 ...
/// REG_EIP = 14). `siginfo`: `si_code` at 8, `si_addr` at 12.
pub(super) const CONTEXT: Context = Context {
    pc: 20 + 14 * 4,
    lo: 20 + 8 * 4,  // ebx
    hi: 20 + 6 * 4,  // ebp
    out: 20 + 9 * 4, // edx
    si_code: 8,
    si_addr: 12,
};

/// `sa_restorer`: x86 requires one, as x86_64 does; it must leave esp where the
/// handler's `ret` left it.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("mov eax, {nr}", "int 0x80", "ud2", nr = const nr::RT_SIGRETURN)
}
