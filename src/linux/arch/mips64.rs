//! mips64 and mips64el, n64 ABI: `syscall`, number in v0 ($2), arguments in a0-a5
//! ($4-$9), result in v0 and an error flag in a3 ($7): when a3 is non-zero, v0 holds the
//! positive errno, which each stub negates so `check` sees the same `-4095..=-1` rule as
//! elsewhere. Numbers are 5000 + the table's (build.rs adds the offset).
//!
//! The kernel may change v1 ($3), a4-a7 ($8-$11), t0-t3 ($12-$15), t8 and t9 ($24,
//! $25), hi and lo; hi and lo cannot be named in Rust's `asm!`, and the compiler never
//! keeps a value in them across one.
//! `asm!` needs `asm_experimental_arch` (nightly) on this architecture. No
//! `nomem`/`readonly`: these calls change the address space, so memory accesses must not
//! move across them.

use core::arch::asm;

/// `asm!("syscall", <operands>)` plus the clobbers every stub shares; a4/a5 ($8, $9)
/// are given by each stub, as inputs or clobbers.
macro_rules! syscall {
    ($($operands:tt)*) => {
        asm!(
            "syscall",
            $($operands)*,
            lateout("$3") _, lateout("$10") _, lateout("$11") _, lateout("$12") _,
            lateout("$13") _, lateout("$14") _, lateout("$15") _, lateout("$24") _,
            lateout("$25") _,
            options(nostack, preserves_flags),
        )
    };
}

/// v0 as `-errno` when the a3 flag says the call failed.
#[inline(always)]
fn result(v0: isize, a3: usize) -> isize {
    if a3 != 0 { -v0 } else { v0 }
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let (v0, a3);
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only changes the
    // registers it declares.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, lateout("$7") a3, lateout("$8") _,
                 lateout("$9") _);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, lateout("$7") a3,
                 lateout("$8") _, lateout("$9") _);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1,
                 lateout("$7") a3, lateout("$8") _, lateout("$9") _);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1, in("$6") a2,
                 lateout("$7") a3, lateout("$8") _, lateout("$9") _);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let (v0, err);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1, in("$6") a2,
                 inlateout("$7") a3 => err, lateout("$8") _, lateout("$9") _);
    }
    result(v0, err)
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
    let (v0, err);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1, in("$6") a2,
                 inlateout("$7") a3 => err, inlateout("$8") a4 => _, lateout("$9") _);
    }
    result(v0, err)
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
    let (v0, err);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1, in("$6") a2,
                 inlateout("$7") a3 => err, inlateout("$8") a4 => _, inlateout("$9") a5 => _);
    }
    result(v0, err)
}
