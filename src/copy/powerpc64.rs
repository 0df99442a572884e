//! powerpc64 (ELFv2 little-endian and ELFv1 big-endian): the fault-safe copy routine
//! (Linux only).
//!
//! The routine is the call `copy(dst, src, len, lo, hi, out) -> not_copied` (r3-r8;
//! result in r3). r6, r7 and r8 are never written, so a handler can read the protected
//! range and the report slot from the interrupted context. Scratch: r0 and r9-r12, all
//! volatile; no TOC (r2), no stack.
//!
//! Two fault ranges, as on x86_64:
//! - A, the fast path: bytes until the mapping's side (`lo`) is 8-aligned, then 32
//!   bytes per iteration in four doubleword loads and stores. The caller's side may stay
//!   unaligned, which powerpc64 allows in user mode; the mapping's side is aligned so
//!   that no access to it crosses a page, where some processors take an alignment
//!   interrupt and the kernel's emulation of it would turn a missing page into SIGSEGV.
//!   r3/r4/r5 only advance after the stores, so a fault resumes at B from the last
//!   committed point;
//! - B, a byte loop (also the tail of fewer than 32 bytes) that faults exactly at the
//!   first bad byte; its fixup returns r5.
//!
//! Called with `len == 0`, the routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2. Label addresses come from `bcl 20,31` (the
//! position-independent way to read the program counter, which leaves the return
//! address predictor alone), with the link register saved in r0.
//!
//! ELFv1 (big-endian powerpc64-unknown-linux-gnu): a function pointer there is the
//! address of a descriptor `{entry, toc, env}`, and a naked function gets a symbol on
//! its code but no descriptor, so calling it through a pointer would jump into its
//! instructions as if they were a descriptor. Direct calls (`copy` from `mod.rs`) are
//! plain branches and work; the handler's table queries go through [`ROUTINES`], which
//! therefore holds an ordinary Rust function that calls the routine.

use super::RawFault;

#[cfg(not(target_abi = "elfv1"))]
one_routine!(copy);
// On ELFv1 a function with a descriptor that calls the naked routine (see the module
// documentation).
#[cfg(target_abi = "elfv1")]
one_routine!(copy_by_pointer);

/// `copy` behind a real ELFv1 function descriptor.
///
/// # Safety
/// As [`copy`].
#[cfg(target_abi = "elfv1")]
unsafe extern "C" fn copy_by_pointer(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    // SAFETY: forwarded contract.
    unsafe { copy(dst, src, len, lo, hi, out) }
}

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
        "cmpdi 5, 0",
        "beq 9f",
        // ---- range A ----
        "2:",
        "cmpldi 5, 32",
        "blt 6f",
        // Bytes until the mapping's side is 8-aligned (at most 7; len >= 32 leaves
        // some), so its doublewords never cross a page.
        "neg 9, 6",
        "andi. 9, 9, 7",
        "beq 3f",
        "mtctr 9",
        "4:",
        "lbz 10, 0(4)",
        "stb 10, 0(3)",
        "addi 4, 4, 1",
        "addi 3, 3, 1",
        "addi 5, 5, -1",
        "bdnz 4b",
        "cmpldi 5, 32",
        "blt 6f",
        "3:",
        "ld 9, 0(4)",
        "ld 10, 8(4)",
        "ld 11, 16(4)",
        "ld 12, 24(4)",
        "std 9, 0(3)",
        "std 10, 8(3)",
        "std 11, 16(3)",
        "std 12, 24(3)",
        "addi 4, 4, 32",
        "addi 3, 3, 32",
        "addi 5, 5, -32",
        "cmpldi 5, 32",
        "bge 3b",
        // 0..31 bytes left go through the byte loop (no fault needed to get there).
        "cmpdi 5, 0",
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
        "std 10, 0(3)",
        "addi 10, 9, 6b - 1b",
        "std 10, 8(3)",
        "std 10, 16(3)",
        "std 10, 24(3)",
        "addi 10, 9, 7b - 1b",
        "std 10, 32(3)",
        "addi 10, 9, 8b - 1b",
        "std 10, 40(3)",
        "li 3, 2",
        "blr",
    )
}
