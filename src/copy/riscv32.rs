//! riscv32: the fault-safe copy routine (Linux only). The ILP32 twin of `riscv64.rs`:
//! 4-byte words and registers, the same structure.
//!
//! The routine is the ILP32 call `copy(dst, src, len, lo, hi, out) -> not_copied` (a0-a5;
//! result in a0). a3, a4 and a5 are never written, so a handler can read the protected
//! range and the report slot from the interrupted context. Scratch: t0-t4.
//!
//! RISC-V may trap misaligned loads and stores (to slow emulation, or to SIGBUS with
//! `BUS_ADRALN`), so the routine never issues one: when source and destination are
//! equally aligned modulo 4 it copies bytes up to a 4-byte boundary and then words, 16
//! bytes per iteration; otherwise, and for the tail, bytes. Ranges as on riscv64: A (the
//! word path) resumes at B from the last committed point, B (the byte loop) faults
//! exactly at the first bad byte and its fixup returns a2.
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2.

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
        "beqz a2, 9f",
        // ---- range A ----
        "2:",
        // Short, or not equally aligned: bytes only.
        "li t0, 8",
        "bltu a2, t0, 6f",
        "xor t0, a0, a1",
        "andi t0, t0, 3",
        "bnez t0, 6f",
        // Bytes up to a 4-byte boundary (at most 3, and len >= 8 leaves some).
        "20:",
        "andi t0, a1, 3",
        "beqz t0, 21f",
        "lbu t1, 0(a1)",
        "sb t1, 0(a0)",
        "addi a1, a1, 1",
        "addi a0, a0, 1",
        "addi a2, a2, -1",
        "j 20b",
        // 16 bytes per iteration.
        "21:",
        "li t2, 16",
        "bltu a2, t2, 23f",
        "22:",
        "lw t0, 0(a1)",
        "lw t1, 4(a1)",
        "lw t3, 8(a1)",
        "lw t4, 12(a1)",
        "sw t0, 0(a0)",
        "sw t1, 4(a0)",
        "sw t3, 8(a0)",
        "sw t4, 12(a0)",
        "addi a1, a1, 16",
        "addi a0, a0, 16",
        "addi a2, a2, -16",
        "bgeu a2, t2, 22b",
        // Whole words left.
        "23:",
        "li t2, 4",
        "bltu a2, t2, 24f",
        "lw t0, 0(a1)",
        "sw t0, 0(a0)",
        "addi a1, a1, 4",
        "addi a0, a0, 4",
        "addi a2, a2, -4",
        "j 23b",
        // 0..3 bytes left go through the byte loop (no fault needed to get there).
        "24:",
        "bnez a2, 6f",
        "li a0, 0",
        "ret",
        // ---- range B: A's fixup, the byte loop for short or unaligned copies and
        // tails, and the exact place of a fault ----
        "6:",
        "lbu t0, 0(a1)",
        "sb t0, 0(a0)",
        "7:",
        "addi a1, a1, 1",
        "addi a0, a0, 1",
        "addi a2, a2, -1",
        "bnez a2, 6b",
        "li a0, 0",
        "ret",
        // B's fixup: a2 bytes (the faulting one included) were not copied.
        "8:",
        "mv a0, a2",
        "ret",
        // len == 0: the table.
        "9:",
        "lla t0, 2b",
        "sw t0, 0(a0)",
        "lla t0, 6b",
        "sw t0, 4(a0)",
        "sw t0, 8(a0)",
        "sw t0, 12(a0)",
        "lla t0, 7b",
        "sw t0, 16(a0)",
        "lla t0, 8b",
        "sw t0, 20(a0)",
        "li a0, 2",
        "ret",
    )
}
