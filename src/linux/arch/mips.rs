//! mips and mipsel, o32 ABI: `syscall`, number in v0 ($2), the first four arguments in
//! a0-a3 ($4-$7), the fifth and sixth on the stack at 16($sp) and 20($sp), above the
//! 16-byte area o32 reserves for the first four. The result comes back in v0 and an error
//! flag in a3: when a3 is non-zero, v0 holds the positive errno, which each stub
//! negates so `check` sees the same `-4095..=-1` rule as elsewhere. Numbers are
//! 4000 + the table's (build.rs adds the offset).
//!
//! The kernel may change v1 ($3), t0-t9 ($8-$15, $24, $25), hi and lo; hi and lo cannot
//! be named in Rust's `asm!`, and the compiler never keeps a value in them across one.
//! `asm!` needs `asm_experimental_arch` (nightly) on this architecture. No
//! `nomem`/`readonly`: these calls change the address space, so memory accesses must not
//! move across them.

use core::arch::asm;

/// `asm!` of `$insns` plus the clobbers shared by every stub; `$opts` adds `nostack`
/// where the stub does not touch the stack.
macro_rules! syscall {
    ([$($insns:literal),*] [$($opts:ident),*] $($operands:tt)*) => {
        asm!(
            $($insns,)*
            $($operands)*,
            lateout("$3") _, lateout("$8") _, lateout("$9") _, lateout("$10") _,
            lateout("$11") _, lateout("$12") _, lateout("$13") _, lateout("$14") _,
            lateout("$15") _, lateout("$24") _, lateout("$25") _,
            options($($opts,)* preserves_flags),
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
        syscall!(["syscall"] [nostack] inlateout("$2") nr as isize => v0, lateout("$7") a3);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(["syscall"] [nostack] inlateout("$2") nr as isize => v0, in("$4") a0,
                 lateout("$7") a3);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(["syscall"] [nostack] inlateout("$2") nr as isize => v0, in("$4") a0,
                 in("$5") a1, lateout("$7") a3);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let (v0, a3);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(["syscall"] [nostack] inlateout("$2") nr as isize => v0, in("$4") a0,
                 in("$5") a1, in("$6") a2, lateout("$7") a3);
    }
    result(v0, a3)
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let (v0, err);
    // SAFETY: as in `syscall0`.
    unsafe {
        syscall!(["syscall"] [nostack] inlateout("$2") nr as isize => v0, in("$4") a0,
                 in("$5") a1, in("$6") a2, inlateout("$7") a3 => err);
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
    // The compiler may hand over an argument in $at, hence `.set noat` (the assembler
    // must not use $at as its scratch register here).
    // SAFETY: as in `syscall0`; the stack pointer is lowered by 32 (keeping its 8-byte
    // alignment) to store the fifth argument and restored before the asm ends.
    unsafe {
        syscall!(
            [
                ".set noat",
                "addiu $sp, $sp, -32",
                "sw {a4}, 16($sp)",
                "syscall",
                "addiu $sp, $sp, 32",
                ".set at"
            ]
            []
            a4 = in(reg) a4, inlateout("$2") nr as isize => v0, in("$4") a0, in("$5") a1,
            in("$6") a2, inlateout("$7") a3 => err
        );
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
    // SAFETY: as in `syscall5`, with the sixth argument stored above the fifth.
    unsafe {
        syscall!(
            [
                ".set noat",
                "addiu $sp, $sp, -32",
                "sw {a4}, 16($sp)",
                "sw {a5}, 20($sp)",
                "syscall",
                "addiu $sp, $sp, 32",
                ".set at"
            ]
            []
            a4 = in(reg) a4, a5 = in(reg) a5, inlateout("$2") nr as isize => v0, in("$4") a0,
            in("$5") a1, in("$6") a2, inlateout("$7") a3 => err
        );
    }
    result(v0, err)
}
