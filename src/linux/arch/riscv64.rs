//! riscv64: `ecall`, number in a7, arguments in a0-a5, result in a0. The kernel
//! preserves the integer registers; vector registers are not preserved, which matters
//! only to code built with the `v` extension, where the compiler would not keep values
//! in them across an `asm!` without being told, so no clobber is declared for the
//! rv64gc targets this crate is built for. No `nomem`/`readonly` (see x86_64.rs).

use core::arch::asm;

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only uses the
    // registers it declares.
    unsafe {
        asm!("ecall", in("a7") nr, lateout("a0") ret,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret, in("a1") a1,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret, in("a1") a1,
             in("a2") a2, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret, in("a1") a1,
             in("a2") a2, in("a3") a3, options(nostack, preserves_flags));
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
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret, in("a1") a1,
             in("a2") a2, in("a3") a3, in("a4") a4, options(nostack, preserves_flags));
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
        asm!("ecall", in("a7") nr, inlateout("a0") a0 as isize => ret, in("a1") a1,
             in("a2") a2, in("a3") a3, in("a4") a4, in("a5") a5, options(nostack, preserves_flags));
    }
    ret
}
