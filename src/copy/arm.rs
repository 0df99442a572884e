//! arm (EABI; A32 on `armv7-*`, Thumb-2 on `thumbv7*`): the fault-safe copy routine
//! (Linux only: no other OS here has a handler for it).
//!
//! The routine is the AAPCS call `copy(dst, src, len, lo, hi, out) -> not_copied`: r0-r3
//! hold the first four arguments, `hi` and `out` are on the stack. It saves r4-r8 and lr,
//! loads `hi` into r4 and `out` into r5; r3, r4 and r5 are never written afterwards, so
//! a handler reads the protected range and the report slot from the interrupted context.
//! Scratch: r6-r8 and r12.
//!
//! Two fault ranges, as on x86_64:
//! - A: 16 bytes per iteration, four word loads then four word stores, while 16 or more
//!   are left. The words may be unaligned: ARMv6 and later Linux runs with alignment
//!   checking off, and LDR/STR (unlike LDRD/LDM) then take any address. r0/r1/r2 advance
//!   only after the stores, so a fault resumes at B from there;
//! - B: the byte loop, for the tail and after a fault in A; it faults exactly at the
//!   first bad byte, and its fixup returns r2.
//!
//! **A32 and Thumb.** The text is the unified-syntax subset that assembles both ways, so
//! the routine is in the instruction set of the code around it: A32 for `armv7-*`,
//! Thumb-2 for `thumbv7neon-*` (its function pointer then has bit 0 set, as for any
//! Thumb function). The table holds plain label addresses (bit 0
//! cleared, whatever the assembler gives `adr`), the form in which Linux reports the
//! faulting instruction; see `linux/fault/arm.rs` for how the handler resumes the
//! routine in its own instruction set. The routine has no IT blocks, so the CPSR's IT bits
//! are zero at every fault and cannot misapply to the fixup's instructions.
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2.

use super::RawFault;

one_routine!(copy);

/// See the module documentation.
///
/// # Safety
/// As `x86_64::copy_sse2`: with `len > 0` two valid non-overlapping ranges, `[lo, hi)`
/// the one that may fault, `out` writable; with `len == 0`, `dst` writable for six words.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn copy(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    core::arch::naked_asm!(
        // Six registers keep sp 8-byte aligned.
        "push {{r4, r5, r6, r7, r8, lr}}",
        // `hi` and `out`, above the six saved registers.
        "ldr r4, [sp, #24]",
        "ldr r5, [sp, #28]",
        "cmp r2, #0",
        "beq 9f",
        // ---- range A ----
        "2:",
        "cmp r2, #16",
        "blo 6f",
        "ldr r6, [r1]",
        "ldr r7, [r1, #4]",
        "ldr r8, [r1, #8]",
        "ldr r12, [r1, #12]",
        "str r6, [r0]",
        "str r7, [r0, #4]",
        "str r8, [r0, #8]",
        "str r12, [r0, #12]",
        "add r0, r0, #16",
        "add r1, r1, #16",
        "subs r2, r2, #16",
        "bne 2b",
        "b 5f",
        // ---- range B: A's fixup, the tail, and the exact place of a fault ----
        "6:",
        "ldrb r6, [r1]",
        "strb r6, [r0]",
        "7:",
        "add r0, r0, #1",
        "add r1, r1, #1",
        "subs r2, r2, #1",
        "bne 6b",
        "5:",
        "mov r0, #0",
        "pop {{r4, r5, r6, r7, r8, pc}}",
        // B's fixup: r2 bytes (the faulting one included) were not copied.
        "8:",
        "mov r0, r2",
        "pop {{r4, r5, r6, r7, r8, pc}}",
        // len == 0: the table, as plain addresses (see the module documentation).
        "9:",
        "adr r12, 2b",
        "bic r12, r12, #1",
        "str r12, [r0]",
        "adr r12, 6b",
        "bic r12, r12, #1",
        "str r12, [r0, #4]",
        "str r12, [r0, #8]",
        "str r12, [r0, #12]",
        "adr r12, 7b",
        "bic r12, r12, #1",
        "str r12, [r0, #16]",
        "adr r12, 8b",
        "bic r12, r12, #1",
        "str r12, [r0, #20]",
        "mov r0, #2",
        "pop {{r4, r5, r6, r7, r8, pc}}",
    )
}
