//! sparc64: the fault-safe copy routine (Linux only).
//!
//! The routine is a leaf (no `save`, so it runs in its caller's register window): the
//! call `copy(dst, src, len, lo, hi, out) -> not_copied` in %o0-%o5, result in %o0,
//! return with `retl`. %o3, %o4 and %o5 are never written, so a handler can read the
//! protected range and the report slot from the interrupted context. Scratch: %g1-%g4,
//! which the ABI leaves to any callee.
//!
//! sparc64 traps unaligned `ldx`/`stx` (the kernel sends SIGBUS with `BUS_ADRALN` for
//! them in user mode, `arch/sparc/kernel/traps_64.c`), so the routine never issues one:
//! when source and destination are equally aligned modulo 8 it copies bytes up to a
//! doubleword boundary and then doublewords, 32 bytes per iteration; otherwise, and for
//! the tail, bytes. Ranges as on x86_64: A (the doubleword path) resumes at B from the
//! last committed point, B (the byte loop) faults exactly at the first bad byte and its
//! fixup returns %o2. Every delay slot is written out and none touches memory, so a
//! fault's program counter is the faulting instruction; a handler that resumes at a
//! fixup must set the next program counter too (sparc runs on from both).
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2. Label addresses come from `rd %pc`.

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
        "brz,pn %o2, 9f",
        "nop",
        // ---- range A ----
        "2:",
        // Short, or not equally aligned: bytes only.
        "cmp %o2, 32",
        "blu,pn %xcc, 6f",
        "nop",
        "xor %o0, %o1, %g1",
        "andcc %g1, 7, %g0",
        "bne,pn %xcc, 6f",
        "nop",
        // Bytes up to a doubleword boundary (at most 7, and len >= 32 leaves some).
        "20:",
        "andcc %o1, 7, %g0",
        "be,pn %xcc, 21f",
        "nop",
        "ldub [%o1], %g1",
        "stb %g1, [%o0]",
        "add %o1, 1, %o1",
        "add %o0, 1, %o0",
        "ba,pt %xcc, 20b",
        "sub %o2, 1, %o2",
        // 32 bytes per iteration.
        "21:",
        "cmp %o2, 32",
        "blu,pn %xcc, 23f",
        "nop",
        "22:",
        "ldx [%o1], %g1",
        "ldx [%o1 + 8], %g2",
        "ldx [%o1 + 16], %g3",
        "ldx [%o1 + 24], %g4",
        "stx %g1, [%o0]",
        "stx %g2, [%o0 + 8]",
        "stx %g3, [%o0 + 16]",
        "stx %g4, [%o0 + 24]",
        "add %o1, 32, %o1",
        "add %o0, 32, %o0",
        "sub %o2, 32, %o2",
        "cmp %o2, 32",
        "bgeu,pt %xcc, 22b",
        "nop",
        // 0..31 bytes left go through the byte loop (no fault needed to get there).
        "23:",
        "brnz,pn %o2, 6f",
        "nop",
        "retl",
        "mov 0, %o0",
        // ---- range B: A's fixup, the byte loop for short or unaligned copies and
        // tails, and the exact place of a fault ----
        "6:",
        "ldub [%o1], %g1",
        "stb %g1, [%o0]",
        "7:",
        "add %o1, 1, %o1",
        "add %o0, 1, %o0",
        "subcc %o2, 1, %o2",
        "bne,pt %xcc, 6b",
        "nop",
        "retl",
        "mov 0, %o0",
        // B's fixup: %o2 bytes (the faulting one included) were not copied.
        "8:",
        "retl",
        "mov %o2, %o0",
        // len == 0: the table.
        "9:",
        "1:",
        "rd %pc, %g1",
        "add %g1, 2b - 1b, %g2",
        "stx %g2, [%o0]",
        "add %g1, 6b - 1b, %g2",
        "stx %g2, [%o0 + 8]",
        "stx %g2, [%o0 + 16]",
        "stx %g2, [%o0 + 24]",
        "add %g1, 7b - 1b, %g2",
        "stx %g2, [%o0 + 32]",
        "add %g1, 8b - 1b, %g2",
        "stx %g2, [%o0 + 40]",
        "retl",
        "mov 2, %o0",
    )
}
