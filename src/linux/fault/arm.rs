//! arm Linux (A32 and Thumb): where the kernel's signal frame keeps the registers the
//! handler needs, and the signal restorer. The copy routine is in `copy/arm.rs`; it
//! keeps its 4th to 6th arguments in r3, r4 and r5.
//!
//! **The Thumb bit.** The kernel saves the address of the faulting instruction in
//! `arm_pc` without a Thumb bit, and keeps the instruction set in `arm_cpsr`'s T bit.
//! The routine's table holds plain label addresses, so comparing `arm_pc` with it needs
//! no adjustment, and the handler writes a plain fixup address and leaves `arm_cpsr`
//! alone: the routine resumes in the instruction set it was interrupted in, which is its
//! own (A32 in `armv7-*` builds, Thumb-2 in `thumbv7*` ones). The routine has no IT
//! blocks, so the CPSR's IT bits are zero at every fault it takes.

use super::Context;
use crate::linux::sys::nr;

/// The kernel's `struct ucontext` on arm: `uc_flags`, `uc_link`, `uc_stack` (12 bytes),
/// then `uc_mcontext` at 20, a `struct sigcontext`: `trap_no`, `error_code`, `oldmask`,
/// then `arm_r0`-`arm_r10`, `arm_fp`, `arm_ip`, `arm_sp`, `arm_lr`, `arm_pc`, `arm_cpsr`
/// (r0 at 32, so rN at 32 + 4N and the pc, r15, at 92). `siginfo`: `si_code` at 8,
/// `si_addr` at 12.
pub(super) const CONTEXT: Context = Context {
    pc: 32 + 15 * 4,
    lo: 32 + 3 * 4,  // r3
    hi: 32 + 4 * 4,  // r4
    out: 32 + 5 * 4, // r5
    si_code: 8,
    si_addr: 12,
};

/// `sa_restorer`: without one the kernel returns through the sigreturn code of its
/// signal page; the crate brings its own, as on x86 and aarch64, so that returning from
/// the handler depends on nothing else being mapped. In a Thumb build this is a Thumb
/// function: the kernel puts its address in lr, and the handler's `bx lr` switches
/// instruction set by bit 0.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn restorer() {
    core::arch::naked_asm!("mov r7, #{nr}", "svc #0", "udf #0", nr = const nr::RT_SIGRETURN)
}
