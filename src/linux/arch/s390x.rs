//! s390x: `svc 0`, number in r1, arguments in r2-r7, result in r2. The kernel preserves
//! every other register. (`mmap` is the old one-pointer form here: `src/raw.rs` passes
//! it a six-word block, through `syscall1`.) No `nomem`/`readonly`: these calls change
//! the address space, so memory accesses must not move across them.

use core::arch::asm;

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only uses the
    // registers it declares.
    unsafe {
        asm!("svc 0", in("r1") nr, lateout("r2") ret, options(nostack));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, options(nostack));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, in("r3") a1,
             options(nostack));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, in("r3") a1,
             in("r4") a2, options(nostack));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, in("r3") a1,
             in("r4") a2, in("r5") a3, options(nostack));
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
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, in("r3") a1,
             in("r4") a2, in("r5") a3, in("r6") a4, options(nostack));
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
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 as isize => ret, in("r3") a1,
             in("r4") a2, in("r5") a3, in("r6") a4, in("r7") a5, options(nostack));
    }
    ret
}
