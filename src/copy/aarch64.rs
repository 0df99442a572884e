//! aarch64: the fault-safe copy routine (Linux only: Windows on arm64 has no handler
//! for it yet, see `crate::fault`).
//!
//! The routine is the AAPCS64 call `copy(dst, src, len, lo, hi, out) -> not_copied`
//! (x0-x5; result in x0). x3, x4 and x5 are never written, so a handler can read the
//! protected range and the report slot from the interrupted context. Scratch: x6-x9 and
//! q0-q3, all caller-saved.
//!
//! Two fault ranges, as on x86_64:
//! - A, the fast path: overlapping 1/2/4/8/16/32-byte moves for short copies, then a
//!   64-byte `ldp`/`stp` loop on q registers with a 16-aligned destination. x0/x1/x2
//!   only advance after the stores, so a fault resumes at B from the last committed
//!   point;
//! - B, a byte loop that faults exactly at the first bad byte; its fixup returns x2.
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
        "cbz x2, 9f",
        // ---- range A ----
        "2:",
        "add x6, x1, x2", // src end
        "add x7, x0, x2", // dst end
        "cmp x2, #16",
        "b.lo 30f",
        "cmp x2, #32",
        "b.hi 40f",
        // 16..=32: two overlapping 16-byte moves.
        "ldr q0, [x1]",
        "ldur q1, [x6, #-16]",
        "str q0, [x0]",
        "stur q1, [x7, #-16]",
        "mov x0, #0",
        "ret",
        // 1..=15
        "30:",
        "cmp x2, #8",
        "b.lo 31f",
        "ldr x8, [x1]",
        "ldur x9, [x6, #-8]",
        "str x8, [x0]",
        "stur x9, [x7, #-8]",
        "mov x0, #0",
        "ret",
        "31:",
        "cmp x2, #4",
        "b.lo 32f",
        "ldr w8, [x1]",
        "ldur w9, [x6, #-4]",
        "str w8, [x0]",
        "stur w9, [x7, #-4]",
        "mov x0, #0",
        "ret",
        // 1..=3: first, last, and (for 3) the middle byte.
        "32:",
        "ldrb w8, [x1]",
        "ldurb w9, [x6, #-1]",
        "strb w8, [x0]",
        "sturb w9, [x7, #-1]",
        "cmp x2, #3",
        "b.lo 33f",
        "ldrb w8, [x1, #1]",
        "strb w8, [x0, #1]",
        "33:",
        "mov x0, #0",
        "ret",
        // 33..=64: two overlapping 32-byte moves.
        "40:",
        "cmp x2, #64",
        "b.hi 50f",
        "ldp q0, q1, [x1]",
        "ldp q2, q3, [x6, #-32]",
        "stp q0, q1, [x0]",
        "stp q2, q3, [x7, #-32]",
        "mov x0, #0",
        "ret",
        // > 64: one unaligned head vector, then advance to a 16-aligned destination.
        "50:",
        "ldr q0, [x1]",
        "str q0, [x0]",
        "neg x8, x0",
        "and x8, x8, #15",
        "add x1, x1, x8",
        "add x0, x0, x8",
        "sub x2, x2, x8",
        "cmp x2, #64",
        "b.lo 52f",
        "51:",
        "ldp q0, q1, [x1]",
        "ldp q2, q3, [x1, #32]",
        "stp q0, q1, [x0]",
        "stp q2, q3, [x0, #32]",
        "add x1, x1, #64",
        "add x0, x0, #64",
        "sub x2, x2, #64",
        "cmp x2, #64",
        "b.hs 51b",
        // The last 0..63 bytes: the final 64 bytes of the copy again, overlapping.
        "52:",
        "cbz x2, 53f",
        "ldp q0, q1, [x6, #-64]",
        "ldp q2, q3, [x6, #-32]",
        "stp q0, q1, [x7, #-64]",
        "stp q2, q3, [x7, #-32]",
        "53:",
        "mov x0, #0",
        "ret",
        // ---- range B: A's fixup, and the exact byte loop ----
        "6:",
        "ldrb w8, [x1]",
        "strb w8, [x0]",
        "7:",
        "add x1, x1, #1",
        "add x0, x0, #1",
        "subs x2, x2, #1",
        "b.ne 6b",
        "mov x0, #0",
        "ret",
        // B's fixup: x2 bytes (the faulting one included) were not copied.
        "8:",
        "mov x0, x2",
        "ret",
        // len == 0: the table.
        "9:",
        "adr x8, 2b",
        "str x8, [x0]",
        "adr x8, 6b",
        "str x8, [x0, #8]",
        "str x8, [x0, #16]",
        "str x8, [x0, #24]",
        "adr x8, 7b",
        "str x8, [x0, #32]",
        "adr x8, 8b",
        "str x8, [x0, #40]",
        "mov x0, #2",
        "ret",
    )
}
