//! mips (o32, big- and little-endian): the fault-safe copy routine (Linux only).
//!
//! The routine is the o32 call `copy(dst, src, len, lo, hi, out) -> not_copied`: $4-$7
//! carry the first four arguments, `hi` and `out` are on the stack at 16($sp) and
//! 20($sp), and the result goes in $2. The routine loads `hi` into $14 and `out` into
//! $15 before anything can fault and never writes $7, $14 or $15, so a handler can read
//! all three from the interrupted context. Scratch: $8-$12 and $2, all caller-saved.
//!
//! mips traps unaligned `lw`/`sw` (the kernel emulates them, slowly, and turns a fault
//! during the emulation into SIGSEGV), so the routine never issues one: when source and
//! destination are equally aligned modulo 4 it copies bytes up to a word boundary and
//! then words, 16 bytes per iteration; otherwise, and for the tail, bytes. Ranges as on
//! x86_64: A (the word path) resumes at B from the last committed point, B (the byte
//! loop) faults exactly at the first bad byte and its fixup returns $6. No instruction
//! that touches memory sits in a branch delay slot (`.set noreorder`, explicit slots),
//! so the program counter of a fault is always the faulting instruction.
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
        "lw $14, 16($sp)",
        "lw $15, 20($sp)",
        // ---- range A ----
        "2:",
        // Short, or not equally aligned: bytes only.
        "sltiu $8, $6, 16",
        "bnez $8, 6f",
        "nop",
        "xor $8, $4, $5",
        "andi $8, $8, 3",
        "bnez $8, 6f",
        "nop",
        // Bytes up to a word boundary (at most 3, and len >= 16 leaves some).
        "20:",
        "andi $8, $5, 3",
        "beqz $8, 21f",
        "nop",
        "lbu $9, 0($5)",
        "sb $9, 0($4)",
        "addiu $5, $5, 1",
        "addiu $4, $4, 1",
        "b 20b",
        "addiu $6, $6, -1",
        // 16 bytes per iteration.
        "21:",
        "sltiu $8, $6, 16",
        "bnez $8, 23f",
        "nop",
        "22:",
        "lw $9, 0($5)",
        "lw $10, 4($5)",
        "lw $11, 8($5)",
        "lw $12, 12($5)",
        "sw $9, 0($4)",
        "sw $10, 4($4)",
        "sw $11, 8($4)",
        "sw $12, 12($4)",
        "addiu $5, $5, 16",
        "addiu $4, $4, 16",
        "addiu $6, $6, -16",
        "sltiu $8, $6, 16",
        "beqz $8, 22b",
        "nop",
        // 0..15 bytes left go through the byte loop (no fault needed to get there).
        "23:",
        "bnez $6, 6f",
        "nop",
        "jr $31",
        "move $2, $0",
        // ---- range B: A's fixup, the byte loop for short or unaligned copies and
        // tails, and the exact place of a fault ----
        "6:",
        "lbu $9, 0($5)",
        "sb $9, 0($4)",
        "7:",
        "addiu $5, $5, 1",
        "addiu $4, $4, 1",
        "addiu $6, $6, -1",
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
        "move $8, $31",
        "bal 1f",
        "nop",
        "1:",
        "move $9, $31",
        "move $31, $8",
        "addiu $10, $9, 2b - 1b",
        "sw $10, 0($4)",
        "addiu $10, $9, 6b - 1b",
        "sw $10, 4($4)",
        "sw $10, 8($4)",
        "sw $10, 12($4)",
        "addiu $10, $9, 7b - 1b",
        "sw $10, 16($4)",
        "addiu $10, $9, 8b - 1b",
        "sw $10, 20($4)",
        "jr $31",
        "li $2, 2",
        ".set pop",
    )
}
