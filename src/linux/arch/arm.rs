//! arm (EABI, A32 and Thumb-2): `svc 0`, number in r7, arguments in r0-r5, result in r0.
//! The kernel preserves every other register and the flags.
//!
//! In Thumb code r7 is the frame pointer, which Rust's `asm!` refuses as an operand (a
//! miscompile once came of it: rust-lang/rust#73450), so every stub saves r7 in a
//! scratch register, loads the number, and restores r7 right after `svc`. In A32 code
//! r7 is an ordinary register and the swap costs two moves; it is done there too,
//! because whether code is Thumb cannot be told from a stable `cfg` (`thumb-mode` is
//! an unstable target feature, and `#[instruction_set]` switches per function). No
//! `nomem`/`readonly`: these calls change the address space, so memory accesses must
//! not move across them.

use core::arch::asm;

/// `asm!("svc 0", <operands>)` with the number swapped into r7 around the call, plus
/// the options every stub shares.
macro_rules! svc {
    ($nr:expr; $($operands:tt)*) => {
        asm!(
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc 0",
            "mov r7, {saved}",
            nr = in(reg) $nr,
            saved = out(reg) _,
            $($operands)*,
            options(nostack, preserves_flags),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only uses the
    // registers it declares, and r7, which it restores before it ends.
    unsafe {
        svc!(nr; lateout("r0") ret);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        svc!(nr; inlateout("r0") a0 as isize => ret);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        svc!(nr; inlateout("r0") a0 as isize => ret, in("r1") a1);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        svc!(nr; inlateout("r0") a0 as isize => ret, in("r1") a1, in("r2") a2);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        svc!(nr; inlateout("r0") a0 as isize => ret, in("r1") a1, in("r2") a2, in("r3") a3);
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
        svc!(nr; inlateout("r0") a0 as isize => ret, in("r1") a1, in("r2") a2, in("r3") a3,
             in("r4") a4);
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
        svc!(nr; inlateout("r0") a0 as isize => ret, in("r1") a1, in("r2") a2, in("r3") a3,
             in("r4") a4, in("r5") a5);
    }
    ret
}
