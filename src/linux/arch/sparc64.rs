//! sparc64: `ta 0x6d`, number in g1, arguments in o0-o5, result in o0. A failed call
//! sets the carry flag of the 64-bit condition codes (%xcc) and leaves the positive
//! errno in o0; each stub negates it when carry is set, so `check` sees the same
//! `-4095..=-1` rule as elsewhere.
//!
//! LLVM reserves g1 and Rust's `asm!` refuses it as an operand, so the stubs load the
//! number into g1 themselves (LLVM never keeps a value there). The C library declares
//! g2-g5 and g7 clobbered; g5-g7 are reserved from the compiler too, so only g2-g4 are
//! declared, and o1-o5 in case the kernel returns a second value. (The C library also
//! lists the floating-point registers, which `asm!` cannot name on sparc; the kernel
//! saves and restores them around a syscall like any other trap.) `asm!` needs
//! `asm_experimental_arch` (nightly) on this architecture. No `nomem`/`readonly`: these
//! calls change the address space, so memory accesses must not move across them.

use core::arch::asm;

/// The trap with the number loaded into g1 and the error fix-up (the branch's delay
/// slot is a `nop`), plus the clobbers every stub shares; o1-o5 are given by each stub,
/// as inputs or clobbers.
macro_rules! trap {
    ($nr:expr; $($operands:tt)*) => {
        asm!(
            "mov {nr}, %g1",
            "ta 0x6d",
            "bcc,pt %xcc, 1f",
            "nop",
            "sub %g0, %o0, %o0",
            "1:",
            nr = in(reg) $nr,
            $($operands)*,
            lateout("g2") _, lateout("g3") _, lateout("g4") _,
            options(nostack),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only changes the
    // registers it declares, and g1, which the compiler never uses.
    unsafe {
        trap!(nr; lateout("o0") ret, lateout("o1") _, lateout("o2") _, lateout("o3") _,
              lateout("o4") _, lateout("o5") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, lateout("o1") _, lateout("o2") _,
              lateout("o3") _, lateout("o4") _, lateout("o5") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, inlateout("o1") a1 => _,
              lateout("o2") _, lateout("o3") _, lateout("o4") _, lateout("o5") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, inlateout("o1") a1 => _,
              inlateout("o2") a2 => _, lateout("o3") _, lateout("o4") _, lateout("o5") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, inlateout("o1") a1 => _,
              inlateout("o2") a2 => _, inlateout("o3") a3 => _, lateout("o4") _,
              lateout("o5") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, inlateout("o1") a1 => _,
              inlateout("o2") a2 => _, inlateout("o3") a3 => _, inlateout("o4") a4 => _,
              lateout("o5") _);
    }
    ret
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        trap!(nr; inlateout("o0") a0 as isize => ret, inlateout("o1") a1 => _,
              inlateout("o2") a2 => _, inlateout("o3") a3 => _, inlateout("o4") a4 => _,
              inlateout("o5") a5 => _);
    }
    ret
}
