//! loongarch64: the fault-safe copy routine (Linux only).
//!
//! The routine is the LP64D call `copy(dst, src, len, lo, hi, out) -> not_copied`
//! ($a0-$a5, that is r4-r9; result in $a0). $a3, $a4 and $a5 are never written, so a
//! handler can read the protected range and the report slot from the interrupted context.
//! Scratch: $t0-$t4.
//!
//! LoongArch CPUs may lack hardware support for misaligned accesses (the kernel then
//! emulates them, slowly, or raises SIGBUS), so the routine never issues one, as on
//! riscv64: when source and destination are equally aligned modulo 8 it copies bytes up
//! to an 8-byte boundary and then 8-byte words, 32 bytes per iteration; otherwise, and
//! for the tail, bytes. No LSX/LASX vectors either: not every LoongArch CPU has them
//! (nor does qemu-user 7.2). Ranges as on riscv64: A (the word path) resumes at B from
//! the last committed point, B (the byte loop) faults exactly at the first bad byte and
//! its fixup returns $a2.
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
        "beqz $a2, 9f",
        // ---- range A ----
        "2:",
        // Short, or not equally aligned: bytes only.
        "addi.d $t0, $zero, 16",
        "bltu $a2, $t0, 6f",
        "xor $t0, $a0, $a1",
        "andi $t0, $t0, 7",
        "bnez $t0, 6f",
        // Bytes up to an 8-byte boundary (at most 7, and len >= 16 leaves some).
        "20:",
        "andi $t0, $a1, 7",
        "beqz $t0, 21f",
        "ld.bu $t1, $a1, 0",
        "st.b $t1, $a0, 0",
        "addi.d $a1, $a1, 1",
        "addi.d $a0, $a0, 1",
        "addi.d $a2, $a2, -1",
        "b 20b",
        // 32 bytes per iteration.
        "21:",
        "addi.d $t2, $zero, 32",
        "bltu $a2, $t2, 23f",
        "22:",
        "ld.d $t0, $a1, 0",
        "ld.d $t1, $a1, 8",
        "ld.d $t3, $a1, 16",
        "ld.d $t4, $a1, 24",
        "st.d $t0, $a0, 0",
        "st.d $t1, $a0, 8",
        "st.d $t3, $a0, 16",
        "st.d $t4, $a0, 24",
        "addi.d $a1, $a1, 32",
        "addi.d $a0, $a0, 32",
        "addi.d $a2, $a2, -32",
        "bgeu $a2, $t2, 22b",
        // Whole words left.
        "23:",
        "addi.d $t2, $zero, 8",
        "bltu $a2, $t2, 24f",
        "ld.d $t0, $a1, 0",
        "st.d $t0, $a0, 0",
        "addi.d $a1, $a1, 8",
        "addi.d $a0, $a0, 8",
        "addi.d $a2, $a2, -8",
        "b 23b",
        // 0..7 bytes left go through the byte loop (no fault needed to get there).
        "24:",
        "bnez $a2, 6f",
        "move $a0, $zero",
        "ret",
        // ---- range B: A's fixup, the byte loop for short or unaligned copies and
        // tails, and the exact place of a fault ----
        "6:",
        "ld.bu $t0, $a1, 0",
        "st.b $t0, $a0, 0",
        "7:",
        "addi.d $a1, $a1, 1",
        "addi.d $a0, $a0, 1",
        "addi.d $a2, $a2, -1",
        "bnez $a2, 6b",
        "move $a0, $zero",
        "ret",
        // B's fixup: $a2 bytes (the faulting one included) were not copied.
        "8:",
        "move $a0, $a2",
        "ret",
        // len == 0: the table (pc-relative addresses of the labels).
        "9:",
        "la.pcrel $t0, 2b",
        "st.d $t0, $a0, 0",
        "la.pcrel $t0, 6b",
        "st.d $t0, $a0, 8",
        "st.d $t0, $a0, 16",
        "st.d $t0, $a0, 24",
        "la.pcrel $t0, 7b",
        "st.d $t0, $a0, 32",
        "la.pcrel $t0, 8b",
        "st.d $t0, $a0, 40",
        "addi.d $a0, $zero, 2",
        "ret",
    )
}
