//! mips64 (n64, big- and little-endian): the fault-safe copy routine (Linux only).
//!
//! The routine is the n64 call `copy(dst, src, len, lo, hi, out) -> not_copied` ($4-$9;
//! result in $2). $7, $8 and $9 are never written, so a handler can read the protected
//! range and the report slot from the interrupted context. Scratch: $10-$14 and $2, all
//! caller-saved.
//!
//! mips traps unaligned `ld`/`sd` (the kernel emulates them, slowly, and turns a fault
//! during the emulation into SIGSEGV), so the routine never issues one: when source and
//! destination are equally aligned modulo 8 it copies bytes up to a doubleword boundary
//! and then doublewords, 32 bytes per iteration; otherwise, and for the tail, bytes.
//! Ranges as on x86_64: A (the doubleword path) resumes at B from the last committed
//! point, B (the byte loop) faults exactly at the first bad byte and its fixup returns
//! $6. No instruction that touches memory sits in a branch delay slot (`.set
//! noreorder`, explicit slots), so the program counter of a fault is always the
//! faulting instruction.
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2. Label addresses come from `bal` (with $31 saved).

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
        ".set push",
        ".set noreorder",
        "beqz $6, 9f",
        "nop",
        // ---- range A ----
        "2:",
        // Short, or not equally aligned: bytes only.
        "sltiu $10, $6, 32",
        "bnez $10, 6f",
        "nop",
        "xor $10, $4, $5",
        "andi $10, $10, 7",
        "bnez $10, 6f",
        "nop",
        // Bytes up to a doubleword boundary (at most 7, and len >= 32 leaves some).
        "20:",
        "andi $10, $5, 7",
        "beqz $10, 21f",
        "nop",
        "lbu $11, 0($5)",
        "sb $11, 0($4)",
        "daddiu $5, $5, 1",
        "daddiu $4, $4, 1",
        "b 20b",
        "daddiu $6, $6, -1",
        // 32 bytes per iteration.
        "21:",
        "sltiu $10, $6, 32",
        "bnez $10, 23f",
        "nop",
        "22:",
        "ld $11, 0($5)",
        "ld $12, 8($5)",
        "ld $13, 16($5)",
        "ld $14, 24($5)",
        "sd $11, 0($4)",
        "sd $12, 8($4)",
        "sd $13, 16($4)",
        "sd $14, 24($4)",
        "daddiu $5, $5, 32",
        "daddiu $4, $4, 32",
        "daddiu $6, $6, -32",
        "sltiu $10, $6, 32",
        "beqz $10, 22b",
        "nop",
        // 0..31 bytes left go through the byte loop (no fault needed to get there).
        "23:",
        "bnez $6, 6f",
        "nop",
        "jr $31",
        "move $2, $0",
        // ---- range B: A's fixup, the byte loop for short or unaligned copies and
        // tails, and the exact place of a fault ----
        "6:",
        "lbu $11, 0($5)",
        "sb $11, 0($4)",
        "7:",
        "daddiu $5, $5, 1",
        "daddiu $4, $4, 1",
        "daddiu $6, $6, -1",
        "bnez $6, 6b",
        "nop",
        "jr $31",
        "move $2, $0",
        // B's fixup: $6 bytes (the faulting one included) were not copied.
        "8:",
        "jr $31",
        "move $2, $6",
        // len == 0: the table.
        "9:",
        "move $10, $31",
        "bal 1f",
        "nop",
        "1:",
        "move $11, $31",
        "move $31, $10",
        "daddiu $12, $11, 2b - 1b",
        "sd $12, 0($4)",
        "daddiu $12, $11, 6b - 1b",
        "sd $12, 8($4)",
        "sd $12, 16($4)",
        "sd $12, 24($4)",
        "daddiu $12, $11, 7b - 1b",
        "sd $12, 32($4)",
        "daddiu $12, $11, 8b - 1b",
        "sd $12, 40($4)",
        "jr $31",
        "li $2, 2",
        ".set pop",
    )
}
