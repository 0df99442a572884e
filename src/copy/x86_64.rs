//! x86_64: the fault-safe copy routines, on Linux and on Windows.
//!
//! Each routine is the System V call `copy(dst, src, len, lo, hi, out) -> not_copied`
//! (rdi, rsi, rdx, rcx, r8, r9; result in rax), declared `extern "sysv64"` so that
//! Windows code calls it the same way (see [`Routine`]). rcx, r8 and r9 are never
//! written, so a handler can read the protected range and the report slot from the
//! interrupted context. Scratch: rax, r10, rsi, rdi, rdx and xmm0-xmm3 / ymm0-ymm3, all
//! caller-saved under System V; the routines touch no other register, no stack (so no
//! red zone and no Windows shadow space), and leave the direction flag clear.
//!
//! Two routines with the same structure: `copy_avx2` (32-byte moves, for CPUs with AVX2
//! that the OS saves the state of) and `copy_sse2` (16-byte moves, baseline x86_64);
//! [`copy`] picks one. Each has two fault ranges:
//! - A, the fast path: overlapping 1/2/4/8/16/32-byte moves for short copies, then an
//!   unrolled loop (64 bytes with SSE2, 128 with AVX2) with aligned stores. Every
//!   instruction that can fault runs while rsi/rdi/rdx still describe the bytes not yet
//!   known to be copied (the pointers only advance after the stores), so a fault there
//!   resumes at B from that point. Wide loads can fault up to 127 bytes before the first
//!   bad byte;
//! - B, a byte loop: it faults exactly at the first byte that cannot be read or written,
//!   and its fixup returns rdx, the count of bytes not copied.
//!
//! A `rep movsb` would be shorter and, on this project's benchmark machine, as fast as
//! the C library's memcpy (which uses it there); a loop is used so that speed does not
//! hang on one microcode feature (ERMS/FSRM) and its pitfalls on other CPUs.
//!
//! Called with `len == 0`, a routine copies nothing and instead writes its table
//! `[a_start, a_end, a_fixup, b_start, b_end, b_fixup]` to `dst` and returns 2.

use core::sync::atomic::{AtomicBool, Ordering};

use super::{RawFault, Routine};

/// Every routine whose ranges the handler must know. Their table queries run no vector
/// instruction, so the handler may ask `copy_avx2` on a CPU without AVX2.
pub(crate) const ROUTINES: [Routine; 2] = [copy_sse2, copy_avx2];

/// Whether `copy_avx2` may run: set once by [`init`].
static AVX2: AtomicBool = AtomicBool::new(false);

/// Detects AVX2: the CPU has it (CPUID.7.0:EBX bit 5) and the OS saves the YMM state
/// (CPUID.1:ECX OSXSAVE, then XCR0 bits 1 and 2).
pub(crate) fn init() {
    use core::arch::x86_64::__cpuid_count;
    let leaf1 = __cpuid_count(1, 0);
    let osxsave = leaf1.ecx & (1 << 27) != 0;
    let avx2 = osxsave && __cpuid_count(0, 0).eax >= 7 && __cpuid_count(7, 0).ebx & (1 << 5) != 0;
    let ymm_saved = avx2 && {
        let (lo, _hi): (u32, u32);
        // SAFETY: xgetbv with ecx = 0 reads XCR0; OSXSAVE (checked) means it exists.
        unsafe {
            core::arch::asm!("xgetbv", in("ecx") 0, out("eax") lo, out("edx") _hi,
                             options(nomem, nostack, preserves_flags));
        }
        lo & 0b110 == 0b110
    };
    AVX2.store(ymm_saved, Ordering::Relaxed);
}

/// The routines this CPU can run (after [`init`]).
#[cfg(test)]
pub(crate) fn usable_routines() -> &'static [Routine] {
    if AVX2.load(Ordering::Relaxed) {
        &ROUTINES
    } else {
        &ROUTINES[..1]
    }
}

/// Copies with the best routine for this CPU (see the module documentation).
///
/// # Safety
/// As [`copy_sse2`].
#[inline(always)]
pub(crate) unsafe fn copy(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    // SAFETY: forwarded contract; AVX2 is only chosen where `init` found it usable.
    unsafe {
        if AVX2.load(Ordering::Relaxed) {
            copy_avx2(dst, src, len, lo, hi, out)
        } else {
            copy_sse2(dst, src, len, lo, hi, out)
        }
    }
}

/// The SSE2 routine (see the module documentation).
///
/// # Safety
/// With `len > 0`: `src` readable and `dst` writable for `len` bytes, not overlapping;
/// `[lo, hi)` is the side of the copy that may fault (the mapping), and `out` is valid
/// for a write of a `RawFault` (the handler fills it when it redirects a fault). With
/// `len == 0`: `dst` is valid for writing six `usize`s.
#[unsafe(naked)]
unsafe extern "sysv64" fn copy_sse2(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    core::arch::naked_asm!(
        "test rdx, rdx",
        "jz 9f",
        // ---- range A ----
        "2:",
        "cmp rdx, 16",
        "jb 30f",
        "cmp rdx, 32",
        "ja 40f",
        // 16..=32: two overlapping 16-byte moves.
        "movdqu xmm0, [rsi]",
        "movdqu xmm1, [rsi + rdx - 16]",
        "movdqu [rdi], xmm0",
        "movdqu [rdi + rdx - 16], xmm1",
        "xor eax, eax",
        "ret",
        // 1..=15
        "30:",
        "cmp rdx, 8",
        "jb 31f",
        "mov rax, [rsi]",
        "mov r10, [rsi + rdx - 8]",
        "mov [rdi], rax",
        "mov [rdi + rdx - 8], r10",
        "xor eax, eax",
        "ret",
        "31:",
        "cmp rdx, 4",
        "jb 32f",
        "mov eax, [rsi]",
        "mov r10d, [rsi + rdx - 4]",
        "mov [rdi], eax",
        "mov [rdi + rdx - 4], r10d",
        "xor eax, eax",
        "ret",
        // 1..=3: first, last, and (for 3) the middle byte.
        "32:",
        "movzx eax, byte ptr [rsi]",
        "movzx r10d, byte ptr [rsi + rdx - 1]",
        "mov [rdi], al",
        "mov [rdi + rdx - 1], r10b",
        "cmp rdx, 3",
        "jb 33f",
        "movzx eax, byte ptr [rsi + 1]",
        "mov [rdi + 1], al",
        "33:",
        "xor eax, eax",
        "ret",
        // 33..=64: four overlapping 16-byte moves.
        "40:",
        "cmp rdx, 64",
        "ja 50f",
        "movdqu xmm0, [rsi]",
        "movdqu xmm1, [rsi + 16]",
        "movdqu xmm2, [rsi + rdx - 32]",
        "movdqu xmm3, [rsi + rdx - 16]",
        "movdqu [rdi], xmm0",
        "movdqu [rdi + 16], xmm1",
        "movdqu [rdi + rdx - 32], xmm2",
        "movdqu [rdi + rdx - 16], xmm3",
        "xor eax, eax",
        "ret",
        // > 64: one unaligned head vector, then advance to a 16-aligned destination.
        "50:",
        "movdqu xmm0, [rsi]",
        "movdqu [rdi], xmm0",
        "mov rax, rdi",
        "neg rax",
        "and eax, 15",
        "add rsi, rax",
        "add rdi, rax",
        "sub rdx, rax",
        "cmp rdx, 64",
        "jb 52f",
        "51:",
        "movdqu xmm0, [rsi]",
        "movdqu xmm1, [rsi + 16]",
        "movdqu xmm2, [rsi + 32]",
        "movdqu xmm3, [rsi + 48]",
        "movdqa [rdi], xmm0",
        "movdqa [rdi + 16], xmm1",
        "movdqa [rdi + 32], xmm2",
        "movdqa [rdi + 48], xmm3",
        "add rsi, 64",
        "add rdi, 64",
        "sub rdx, 64",
        "cmp rdx, 64",
        "jae 51b",
        // The last 0..63 bytes: the final 64 bytes of the copy again, overlapping.
        "52:",
        "test rdx, rdx",
        "jz 53f",
        "movdqu xmm0, [rsi + rdx - 64]",
        "movdqu xmm1, [rsi + rdx - 48]",
        "movdqu xmm2, [rsi + rdx - 32]",
        "movdqu xmm3, [rsi + rdx - 16]",
        "movdqu [rdi + rdx - 64], xmm0",
        "movdqu [rdi + rdx - 48], xmm1",
        "movdqu [rdi + rdx - 32], xmm2",
        "movdqu [rdi + rdx - 16], xmm3",
        "53:",
        "xor eax, eax",
        "ret",
        // ---- range B: A's fixup, and the exact byte loop ----
        "6:",
        "movzx eax, byte ptr [rsi]",
        "mov [rdi], al",
        "7:",
        "inc rsi",
        "inc rdi",
        "dec rdx",
        "jnz 6b",
        "xor eax, eax",
        "ret",
        // B's fixup: rdx bytes (the faulting one included) were not copied.
        "8:",
        "mov rax, rdx",
        "ret",
        // len == 0: the table.
        "9:",
        "lea rax, [rip + 2b]",
        "mov [rdi], rax",
        "lea rax, [rip + 6b]",
        "mov [rdi + 8], rax",
        "mov [rdi + 16], rax",
        "mov [rdi + 24], rax",
        "lea rax, [rip + 7b]",
        "mov [rdi + 32], rax",
        "lea rax, [rip + 8b]",
        "mov [rdi + 40], rax",
        "mov eax, 2",
        "ret",
    )
}

/// The AVX2 routine: `copy_sse2` with 32-byte moves, a 32-aligned destination and 128
/// bytes per iteration; every exit after a 256-bit move clears the upper halves
/// (`vzeroupper`), so the SSE code around it pays no transition penalty.
///
/// # Safety
/// As [`copy_sse2`], and the CPU must have AVX2 enabled by the OS.
#[unsafe(naked)]
unsafe extern "sysv64" fn copy_avx2(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    lo: usize,
    hi: usize,
    out: *mut RawFault,
) -> usize {
    core::arch::naked_asm!(
        "test rdx, rdx",
        "jz 9f",
        // ---- range A ----
        "2:",
        "cmp rdx, 16",
        "jb 30f",
        "cmp rdx, 32",
        "ja 40f",
        // 16..=32: two overlapping 16-byte moves.
        "vmovdqu xmm0, [rsi]",
        "vmovdqu xmm1, [rsi + rdx - 16]",
        "vmovdqu [rdi], xmm0",
        "vmovdqu [rdi + rdx - 16], xmm1",
        "xor eax, eax",
        "ret",
        // 1..=15
        "30:",
        "cmp rdx, 8",
        "jb 31f",
        "mov rax, [rsi]",
        "mov r10, [rsi + rdx - 8]",
        "mov [rdi], rax",
        "mov [rdi + rdx - 8], r10",
        "xor eax, eax",
        "ret",
        "31:",
        "cmp rdx, 4",
        "jb 32f",
        "mov eax, [rsi]",
        "mov r10d, [rsi + rdx - 4]",
        "mov [rdi], eax",
        "mov [rdi + rdx - 4], r10d",
        "xor eax, eax",
        "ret",
        // 1..=3: first, last, and (for 3) the middle byte.
        "32:",
        "movzx eax, byte ptr [rsi]",
        "movzx r10d, byte ptr [rsi + rdx - 1]",
        "mov [rdi], al",
        "mov [rdi + rdx - 1], r10b",
        "cmp rdx, 3",
        "jb 33f",
        "movzx eax, byte ptr [rsi + 1]",
        "mov [rdi + 1], al",
        "33:",
        "xor eax, eax",
        "ret",
        // 33..=64: two overlapping 32-byte moves.
        "40:",
        "cmp rdx, 64",
        "ja 45f",
        "vmovdqu ymm0, [rsi]",
        "vmovdqu ymm1, [rsi + rdx - 32]",
        "vmovdqu [rdi], ymm0",
        "vmovdqu [rdi + rdx - 32], ymm1",
        "vzeroupper",
        "xor eax, eax",
        "ret",
        // 65..=128: four overlapping 32-byte moves.
        "45:",
        "cmp rdx, 128",
        "ja 50f",
        "vmovdqu ymm0, [rsi]",
        "vmovdqu ymm1, [rsi + 32]",
        "vmovdqu ymm2, [rsi + rdx - 64]",
        "vmovdqu ymm3, [rsi + rdx - 32]",
        "vmovdqu [rdi], ymm0",
        "vmovdqu [rdi + 32], ymm1",
        "vmovdqu [rdi + rdx - 64], ymm2",
        "vmovdqu [rdi + rdx - 32], ymm3",
        "vzeroupper",
        "xor eax, eax",
        "ret",
        // > 128: one unaligned head vector, then advance to a 32-aligned destination.
        "50:",
        "vmovdqu ymm0, [rsi]",
        "vmovdqu [rdi], ymm0",
        "mov rax, rdi",
        "neg rax",
        "and eax, 31",
        "add rsi, rax",
        "add rdi, rax",
        "sub rdx, rax",
        "cmp rdx, 128",
        "jb 52f",
        "51:",
        "vmovdqu ymm0, [rsi]",
        "vmovdqu ymm1, [rsi + 32]",
        "vmovdqu ymm2, [rsi + 64]",
        "vmovdqu ymm3, [rsi + 96]",
        "vmovdqa [rdi], ymm0",
        "vmovdqa [rdi + 32], ymm1",
        "vmovdqa [rdi + 64], ymm2",
        "vmovdqa [rdi + 96], ymm3",
        "sub rsi, -128",
        "sub rdi, -128",
        "add rdx, -128",
        "cmp rdx, 128",
        "jae 51b",
        // The last 0..127 bytes: the final 128 bytes of the copy again, overlapping.
        "52:",
        "test rdx, rdx",
        "jz 53f",
        "vmovdqu ymm0, [rsi + rdx - 128]",
        "vmovdqu ymm1, [rsi + rdx - 96]",
        "vmovdqu ymm2, [rsi + rdx - 64]",
        "vmovdqu ymm3, [rsi + rdx - 32]",
        "vmovdqu [rdi + rdx - 128], ymm0",
        "vmovdqu [rdi + rdx - 96], ymm1",
        "vmovdqu [rdi + rdx - 64], ymm2",
        "vmovdqu [rdi + rdx - 32], ymm3",
        "53:",
        "vzeroupper",
        "xor eax, eax",
        "ret",
        // ---- range B: A's fixup, and the exact byte loop ----
        "6:",
        "movzx eax, byte ptr [rsi]",
        "mov [rdi], al",
        "7:",
        "inc rsi",
        "inc rdi",
        "dec rdx",
        "jnz 6b",
        "vzeroupper",
        "xor eax, eax",
        "ret",
        // B's fixup: rdx bytes (the faulting one included) were not copied.
        "8:",
        "vzeroupper",
        "mov rax, rdx",
        "ret",
        // len == 0: the table.
        "9:",
        "lea rax, [rip + 2b]",
        "mov [rdi], rax",
        "lea rax, [rip + 6b]",
        "mov [rdi + 8], rax",
        "mov [rdi + 16], rax",
        "mov [rdi + 24], rax",
        "lea rax, [rip + 7b]",
        "mov [rdi + 32], rax",
        "lea rax, [rip + 8b]",
        "mov [rdi + 40], rax",
        "mov eax, 2",
        "ret",
    )
}
