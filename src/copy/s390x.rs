//! s390x: the fault-safe copy routine (Linux only).
//!
//! The routine is the call `copy(dst, src, len, lo, hi, out) -> not_copied`: r2-r6 carry
//! the first five arguments, the sixth (`out`) is on the stack at 160(r15), and the
//! result goes in r2. The routine loads `out` into r1 before anything can fault and
//! never writes r1, r5 (`lo`) or r6 (`hi`, which the ABI makes callee-saved anyway), so
//! a handler can read all three from the interrupted context. Scratch: r0 only (and
//! r2-r4, the arguments it consumes).
//!
//! Two fault ranges, as on x86_64:
//! - A, the fast path: doubleword loads and stores (`lg`/`stg`, which need no
//!   alignment), 32 bytes per iteration. r2/r3/r4 only advance after the stores, so a
//!   fault resumes at B from the last committed point. `mvc` (256 bytes per instruction)
//!   would be faster on hardware, but qemu-user reports a fault inside it at the start
//!   of its translation block instead of at the instruction
//!   (`scripts/qemu-quirks/s390x-mvc-fault-pc.c`), so the routine could not be tested
//!   there;
//! - B, a byte loop (also the tail of fewer than 8 bytes) that faults exactly at the
//!   first bad byte; its fixup returns r4.
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
        "ltgr %r4, %r4",
        "jz 9f",
        "lg %r1, 160(%r15)",
        // ---- range A ----
        "2:",
        "clgfi %r4, 32",
        "jl 4f",
        "3:",
        "lg %r0, 0(%r3)",
        "stg %r0, 0(%r2)",
        "lg %r0, 8(%r3)",
        "stg %r0, 8(%r2)",
        "lg %r0, 16(%r3)",
        "stg %r0, 16(%r2)",
        "lg %r0, 24(%r3)",
        "stg %r0, 24(%r2)",
        "la %r2, 32(%r2)",
        "la %r3, 32(%r3)",
        "aghi %r4, -32",
        "clgfi %r4, 32",
        "jhe 3b",
        // Doublewords.
        "4:",
        "clgfi %r4, 8",
        "jl 5f",
        "lg %r0, 0(%r3)",
        "stg %r0, 0(%r2)",
        "la %r2, 8(%r2)",
        "la %r3, 8(%r3)",
        "aghi %r4, -8",
        "j 4b",
        // 0..7 bytes left go through the byte loop (no fault needed to get there).
        "5:",
        "ltgr %r4, %r4",
        "jnz 6f",
        "lghi %r2, 0",
        "br %r14",
        // ---- range B: A's fixup, the byte loop for tails, and the exact place of a
        // fault ----
        "6:",
        "llc %r0, 0(%r3)",
        "stc %r0, 0(%r2)",
        "7:",
        "la %r3, 1(%r3)",
        "la %r2, 1(%r2)",
        "brctg %r4, 6b",
        "lghi %r2, 0",
        "br %r14",
        // B's fixup: r4 bytes (the faulting one included) were not copied.
        "8:",
        "lgr %r2, %r4",
        "br %r14",
        // len == 0: the table.
        "9:",
        "larl %r1, 2b",
        "stg %r1, 0(%r2)",
        "larl %r1, 6b",
        "stg %r1, 8(%r2)",
        "stg %r1, 16(%r2)",
        "stg %r1, 24(%r2)",
        "larl %r1, 7b",
        "stg %r1, 32(%r2)",
        "larl %r1, 8b",
        "stg %r1, 40(%r2)",
        "lghi %r2, 2",
        "br %r14",
    )
}
