//! x86 (i686, i586): the fault-safe copy routines (Linux only: no other OS here has a
//! handler for them).
//!
//! Each routine is the cdecl call `copy(dst, src, len, lo, hi, out) -> not_copied`:
//! every argument is on the stack, so it first saves ebp, ebx, edi and esi and loads them
//! all into registers: edi = dst, esi = src, ecx = len, ebx = lo, ebp = hi, edx = out.
//! ebx, ebp and edx are never written afterwards, so a handler reads the protected range
//! and the report slot from the interrupted context. Scratch: eax and xmm0-xmm3.
//!
//! Two routines from one text: `copy_erms` moves copies of 2048 bytes and more with one
//! `rep movsb` (for CPUs with ERMS, CPUID.7.0:EBX bit 9), `copy_loop` does without;
//! [`copy`] picks one. Unlike on x86_64, a loop does not keep up with the C library here:
//! natively on the benchmark machine it copied 1 MiB at 0.84-0.98x memcpy's throughput
//! over six runs, `copy_erms` at 0.98x or more (BENCHMARKS.md). A fault inside `rep movsb` leaves esi, edi and ecx at the first byte
//! not copied (the instruction is restartable, which the kernel's own `copy_user`
//! relies on), so it belongs to range A like the loop.
//!
//! Two fault ranges in each routine:
//! - A: the `rep movsb` (`copy_erms`, from 2048 bytes); or 64 bytes per iteration while
//!   64 or more are left, then 16 while 16 or more are, then what is left as two
//!   overlapping 8-byte or 4-byte moves: unaligned SSE2 moves where the target has SSE2
//!   (the i686 targets; loads before stores), 32-bit moves through eax otherwise (i586).
//!   esi, edi and ecx advance only after the stores, so a fault resumes at B from there;
//! - B: the byte loop, for 1-3 bytes and after a fault in A; it faults exactly at the
//!   first bad byte, and its fixup returns ecx.
//!
//! Called with `len == 0`, a routine writes `[a_start, a_end, a_fixup, b_start, b_end,
//! b_fixup]` to `dst` and returns 2. 32-bit code has no pc-relative `lea`: the table is
//! built from the address a `call` pushes.

use core::sync::atomic::{AtomicBool, Ordering};

use super::{RawFault, Routine};

/// Range A's 64- and 16-byte steps and its 8..15-byte tail (see the module
/// documentation).
#[cfg(target_feature = "sse2")]
macro_rules! move64 {
    () => {
        "movdqu (%esi), %xmm0\n movdqu 16(%esi), %xmm1\n \
         movdqu 32(%esi), %xmm2\n movdqu 48(%esi), %xmm3\n \
         movdqu %xmm0, (%edi)\n movdqu %xmm1, 16(%edi)\n \
         movdqu %xmm2, 32(%edi)\n movdqu %xmm3, 48(%edi)"
    };
}
#[cfg(target_feature = "sse2")]
macro_rules! move8x2 {
    () => {
        "movq (%esi), %xmm0\n movq -8(%esi,%ecx), %xmm1\n \
         movq %xmm0, (%edi)\n movq %xmm1, -8(%edi,%ecx)"
    };
}
#[cfg(target_feature = "sse2")]
macro_rules! move16 {
    () => {
        "movdqu (%esi), %xmm0\n movdqu %xmm0, (%edi)"
    };
}
#[cfg(not(target_feature = "sse2"))]
macro_rules! move64 {
    () => {
        "movl (%esi), %eax\n movl %eax, (%edi)\n movl 4(%esi), %eax\n movl %eax, 4(%edi)\n \
         movl 8(%esi), %eax\n movl %eax, 8(%edi)\n movl 12(%esi), %eax\n movl %eax, 12(%edi)\n \
         movl 16(%esi), %eax\n movl %eax, 16(%edi)\n movl 20(%esi), %eax\n movl %eax, 20(%edi)\n \
         movl 24(%esi), %eax\n movl %eax, 24(%edi)\n movl 28(%esi), %eax\n movl %eax, 28(%edi)\n \
         movl 32(%esi), %eax\n movl %eax, 32(%edi)\n movl 36(%esi), %eax\n movl %eax, 36(%edi)\n \
         movl 40(%esi), %eax\n movl %eax, 40(%edi)\n movl 44(%esi), %eax\n movl %eax, 44(%edi)\n \
         movl 48(%esi), %eax\n movl %eax, 48(%edi)\n movl 52(%esi), %eax\n movl %eax, 52(%edi)\n \
         movl 56(%esi), %eax\n movl %eax, 56(%edi)\n movl 60(%esi), %eax\n movl %eax, 60(%edi)"
    };
}
#[cfg(not(target_feature = "sse2"))]
macro_rules! move8x2 {
    () => {
        "movl (%esi), %eax\n movl %eax, (%edi)\n movl 4(%esi), %eax\n movl %eax, 4(%edi)\n \
         movl -8(%esi,%ecx), %eax\n movl %eax, -8(%edi,%ecx)\n \
         movl -4(%esi,%ecx), %eax\n movl %eax, -4(%edi,%ecx)"
    };
}
#[cfg(not(target_feature = "sse2"))]
macro_rules! move16 {
    () => {
        "movl (%esi), %eax\n movl %eax, (%edi)\n movl 4(%esi), %eax\n movl %eax, 4(%edi)\n \
         movl 8(%esi), %eax\n movl %eax, 8(%edi)\n movl 12(%esi), %eax\n movl %eax, 12(%edi)"
    };
}

/// Every routine whose ranges the handler must know.
pub(crate) const ROUTINES: [Routine; 2] = [copy_loop, copy_erms];

/// Whether `copy_erms` is the faster choice: set once by [`init`].
static ERMS: AtomicBool = AtomicBool::new(false);

/// Detects ERMS (CPUID.7.0:EBX bit 9). `rep movsb` runs on every x86 CPU; without ERMS
/// it is not known to be fast, so the loop is kept there.
pub(crate) fn init() {
    use core::arch::x86::__cpuid_count;
    let erms = __cpuid_count(0, 0).eax >= 7 && __cpuid_count(7, 0).ebx & (1 << 9) != 0;
    ERMS.store(erms, Ordering::Relaxed);
}

/// The routines this CPU can run: both, always (`rep movsb` needs no feature).
#[cfg(test)]
pub(crate) fn usable_routines() -> &'static [Routine] {
    &ROUTINES
}

/// Copies with the faster routine for this CPU (see the module documentation).
///
/// # Safety
/// As [`copy_loop`].
#[inline(always)]
pub(crate) unsafe fn copy(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    // SAFETY: forwarded contract; both routines accept the same arguments on every CPU.
    unsafe {
        if ERMS.load(Ordering::Relaxed) {
            copy_erms(dst, src, len, lo, hi, out)
        } else {
            copy_loop(dst, src, len, lo, hi, out)
        }
    }
}

/// Defines one routine: `$large` runs first in range A (a `rep movsb` from 2048 bytes,
/// or nothing).
macro_rules! routine {
    ($(#[$doc:meta])* $name:ident, $large:tt) => {
        $(#[$doc])*
        #[unsafe(naked)]
        pub(crate) unsafe extern "C" fn $name(
            dst: *mut u8,
            src: *const u8,
            len: usize,
            lo: usize,
            hi: usize,
            out: *mut RawFault,
        ) -> usize {
            routine_body!($large)
        }
    };
}

/// The body shared by both routines (see `routine!`).
macro_rules! routine_body {
    ($large:tt) => {
        // AT&T syntax: Intel syntax cannot say `label - label` in an operand, which the
        // table needs.
        core::arch::naked_asm!(
            "pushl %ebp",
            "pushl %ebx",
            "pushl %edi",
            "pushl %esi",
            // The arguments, above the four saved registers and the return address.
            "movl 20(%esp), %edi",
            "movl 24(%esp), %esi",
            "movl 28(%esp), %ecx",
            "movl 32(%esp), %ebx",
            "movl 36(%esp), %ebp",
            "movl 40(%esp), %edx",
            "testl %ecx, %ecx",
            "jz 9f",
            // ---- range A ----
            "2:",
            $large,
            "20:",
            "cmpl $64, %ecx",
            "jb 3f",
            move64!(),
            "addl $64, %esi",
            "addl $64, %edi",
            "subl $64, %ecx",
            "jmp 20b",
            "3:",
            "cmpl $16, %ecx",
            "jb 30f",
            move16!(),
            "addl $16, %esi",
            "addl $16, %edi",
            "subl $16, %ecx",
            "jmp 3b",
            // 0..15 bytes left. 8..15: two overlapping 8-byte moves.
            "30:",
            "cmpl $4, %ecx",
            "jb 33f",
            "cmpl $8, %ecx",
            "jb 32f",
            move8x2!(),
            "jmp 5f",
            // 4..7: two overlapping 4-byte moves.
            "32:",
            "movl (%esi), %eax",
            "movl %eax, (%edi)",
            "movl -4(%esi,%ecx), %eax",
            "movl %eax, -4(%edi,%ecx)",
            "jmp 5f",
            // 0..3: the byte loop, or done.
            "33:",
            "testl %ecx, %ecx",
            "jnz 6f",
            "jmp 5f",
            // ---- range B: A's fixup, the tail, and the exact place of a fault ----
            "6:",
            "movzbl (%esi), %eax",
            "movb %al, (%edi)",
            "7:",
            "incl %esi",
            "incl %edi",
            "decl %ecx",
            "jnz 6b",
            "5:",
            "xorl %eax, %eax",
            "jmp 4f",
            // B's fixup: ecx bytes (the faulting one included) were not copied.
            "8:",
            "movl %ecx, %eax",
            "4:",
            "popl %esi",
            "popl %edi",
            "popl %ebx",
            "popl %ebp",
            "ret",
            // len == 0: the table, from the address `call` pushes.
            "9:",
            "call 1f",
            "1:",
            "popl %eax",
            "leal (2b - 1b)(%eax), %ecx",
            "movl %ecx, (%edi)",
            "leal (6b - 1b)(%eax), %ecx",
            "movl %ecx, 4(%edi)",
            "movl %ecx, 8(%edi)",
            "movl %ecx, 12(%edi)",
            "leal (7b - 1b)(%eax), %ecx",
            "movl %ecx, 16(%edi)",
            "leal (8b - 1b)(%eax), %ecx",
            "movl %ecx, 20(%edi)",
            "movl $2, %eax",
            "jmp 4b",
            options(att_syntax),
        )
    };
}

routine!(
    /// The loop (see the module documentation).
    ///
    /// # Safety
    /// As `x86_64::copy_sse2`: with `len > 0` two valid non-overlapping ranges, `[lo, hi)`
    /// the one that may fault, `out` writable; with `len == 0`, `dst` writable for six
    /// words.
    copy_loop,
    ""
);

routine!(
    /// `rep movsb` from 2048 bytes, the loop below (see the module documentation).
    ///
    /// # Safety
    /// As [`copy_loop`].
    copy_erms,
    "cmpl $2048, %ecx\n jb 20f\n rep movsb\n jmp 5f"
);
