//! loongarch64: `syscall 0`, number in a7, arguments in a0-a5, result in a0. The kernel
//! may change the temporaries t0-t8 (the C library headers declare them clobbered), so
//! every stub does too. No `nomem`/`readonly`: these calls change the address space, so
//! memory accesses must not move across them.

use core::arch::asm;

/// `asm!("syscall 0", <operands>)` plus the t0-t8 clobbers and options every stub shares.
macro_rules! syscall {
    ($($operands:tt)*) => {
        asm!(
            "syscall 0",
            $($operands)*,
            lateout("$t0") _, lateout("$t1") _, lateout("$t2") _, lateout("$t3") _,
            lateout("$t4") _, lateout("$t5") _, lateout("$t6") _, lateout("$t7") _,
            lateout("$t8") _,
            options(nostack, preserves_flags),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only changes the
    // registers it declares.
    unsafe {
        syscall!(in("$a7") nr, lateout("$a0") ret);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret, in("$a1") a1);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret, in("$a1") a1,
                 in("$a2") a2);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret, in("$a1") a1,
                 in("$a2") a2, in("$a3") a3);
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
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret, in("$a1") a1,
                 in("$a2") a2, in("$a3") a3, in("$a4") a4);
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
        syscall!(in("$a7") nr, inlateout("$a0") a0 as isize => ret, in("$a1") a1,
                 in("$a2") a2, in("$a3") a3, in("$a4") a4, in("$a5") a5);
    }
    ret
}
