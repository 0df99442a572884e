//! powerpc and powerpc64 (big- and little-endian): `sc`, number in r0, arguments in
//! r3-r8, result in r3. A failed call sets the summary-overflow bit of cr0 and leaves the
//! positive errno in r3; each stub turns that into `-errno` right after `sc` (`bns`
//! skips the `neg` on success), so `check` sees the same `-4095..=-1` rule as elsewhere.
//!
//! The kernel treats `sc` like a function call: r0 and r4-r12, ctr, xer and cr0 may come
//! back changed (Documentation/arch/powerpc/syscall64-abi.rst), and every stub declares
//! them. `scv 0` (POWER9) would be a little faster but needs a hardware-capability check.
//! No `nomem`/`readonly`: these calls change the address space, so memory accesses must
//! not move across them.

use core::arch::asm;

/// `sc`, the error fix-up, and the clobbers every stub shares; the caller lists only the
/// registers that carry its arguments (as `inlateout(..) => _`, since the kernel may
/// change them) and leaves the rest of r4-r8 to `$clobbers`.
macro_rules! sc {
    ($($operands:tt)*) => {
        asm!(
            "sc",
            "bns+ 1f",
            "neg 3, 3",
            "1:",
            $($operands)*,
            lateout("r9") _, lateout("r10") _, lateout("r11") _, lateout("r12") _,
            lateout("cr0") _, lateout("ctr") _, lateout("xer") _,
            options(nostack),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only changes the
    // registers it declares.
    unsafe {
        sc!(inlateout("r0") nr => _, lateout("r3") ret, lateout("r4") _, lateout("r5") _,
            lateout("r6") _, lateout("r7") _, lateout("r8") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret, lateout("r4") _,
            lateout("r5") _, lateout("r6") _, lateout("r7") _, lateout("r8") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret,
            inlateout("r4") a1 => _, lateout("r5") _, lateout("r6") _, lateout("r7") _,
            lateout("r8") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret,
            inlateout("r4") a1 => _, inlateout("r5") a2 => _, lateout("r6") _,
            lateout("r7") _, lateout("r8") _);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret,
            inlateout("r4") a1 => _, inlateout("r5") a2 => _, inlateout("r6") a3 => _,
            lateout("r7") _, lateout("r8") _);
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
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret,
            inlateout("r4") a1 => _, inlateout("r5") a2 => _, inlateout("r6") a3 => _,
            inlateout("r7") a4 => _, lateout("r8") _);
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
        sc!(inlateout("r0") nr => _, inlateout("r3") a0 as isize => ret,
            inlateout("r4") a1 => _, inlateout("r5") a2 => _, inlateout("r6") a3 => _,
            inlateout("r7") a4 => _, inlateout("r8") a5 => _);
    }
    ret
}
