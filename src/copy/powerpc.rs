//! powerpc (32-bit): the fault-safe copy routine (Linux only).
//!
//! The routine is the call `copy(dst, src, len, lo, hi, out) -> not_copied` (r3-r8;
//! result in r3). r6, r7 and r8 are never written, so a handler can read the protected
//! range and the report slot from the interrupted context. Scratch: r0 and r9-r12, all
//! volatile; no stack.
//!
//! Two fault ranges, as on x86_64:
//! - A, the fast path: bytes until the mapping's side (`lo`) is 4-aligned, then 16
//!   bytes per iteration in four word loads and stores. The caller's side may stay
//!   unaligned, which powerpc allows in user mode; the mapping's side is aligned so
//!   that no access to it crosses a page, where some processors take an alignment
//!   interrupt and the kernel's emulation of it would turn a missing page into SIGSEGV.
//!   r3/r4/r5 only advance after the stores, so a fault resumes at B from the last
//!   committed point;
//! - B, a byte loop (also the tail of fewer than 16 bytes) that faults exactly at the
//!   first bad byte; its fixup returns r5.
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2. Label addresses come from `bcl 20,31` (the
//! position-independent way to read the program counter, which leaves the return
//! address predictor alone), with the link register saved in r0.

use super::RawFault;

one_routine!(copy);

/// See the module documentation.
///
/// # Safety
/// As `x86_64::copy`: with `len > 0` two valid non-overlapping ranges, `[lo, hi)` the
/// one that may fault, `out` writable; with `len == 0`, `dst` writable for six words.
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
        "cmpwi 5, 0",
        "beq 9f",
        // ---- range A ----
        "2:",
        "cmplwi 5, 16",
        "blt 6f",
        // Bytes until the mapping's side is 4-aligned (at most 3; len >= 16 leaves
        // some), so its words never cross a page.
        "neg 9, 6",
        "andi. 9, 9, 3",
        "beq 3f",
        "mtctr 9",
        "4:",
        "lbz 10, 0(4)",
        "stb 10, 0(3)",
        "addi 4, 4, 1",
        "addi 3, 3, 1",
        "addi 5, 5, -1",
        "bdnz 4b",
        "cmplwi 5, 16",
        "blt 6f",
        "3:",
        "lwz 9, 0(4)",
        "lwz 10, 4(4)",
        "lwz 11, 8(4)",
        "lwz 12, 12(4)",
        "stw 9, 0(3)",
        "stw 10, 4(3)",
        "stw 11, 8(3)",
        "stw 12, 12(3)",
        "addi 4, 4, 16",
        "addi 3, 3, 16",
        "addi 5, 5, -16",
        "cmplwi 5, 16",
        "bge 3b",
        // 0..15 bytes left go through the byte loop (no fault needed to get there).
        "cmpwi 5, 0",
        "bne 6f",
        "li 3, 0",
        "blr",
        // ---- range B: A's fixup, the byte loop for short copies and tails, and the
        // exact place of a fault ----
        "6:",
        "lbz 9, 0(4)",
        "stb 9, 0(3)",
        "7:",
        "addi 4, 4, 1",
        "addi 3, 3, 1",
        "addic. 5, 5, -1",
        "bne 6b",
        "li 3, 0",
        "blr",
        // B's fixup: r5 bytes (the faulting one included) were not copied.
        "8:",
        "mr 3, 5",
        "blr",
        // len == 0: the table.
        "9:",
        "mflr 0",
        "bcl 20, 31, 1f",
        "1:",
        "mflr 9",
        "mtlr 0",
        "addi 10, 9, 2b - 1b",
        "stw 10, 0(3)",
        "addi 10, 9, 6b - 1b",
        "stw 10, 4(3)",
        "stw 10, 8(3)",
        "stw 10, 12(3)",
        "addi 10, 9, 7b - 1b",
        "stw 10, 16(3)",
        "addi 10, 9, 8b - 1b",
        "stw 10, 20(3)",
        "li 3, 2",
        "blr",
    )
}
