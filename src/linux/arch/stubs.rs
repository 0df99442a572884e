//! The seven syscall stubs of an architecture whose calling convention is "number in one
//! register, arguments in six others, result in the first argument register" (aarch64,
//! riscv, loongarch64). Each arch file defines the `asm!` wrapper with its instruction,
//! clobbers and options, and invokes `result_in_first_arg!` with its registers, so
//! the register assignment is the only thing written per arch.

/// Defines `syscall0` ... `syscall6` over `$call!(<operands>)`, the arch's `asm!`
/// wrapper, with the number in `$nr` and arguments in `$r0`...`$r5` (result in `$r0`).
macro_rules! result_in_first_arg {
    ($call:ident, nr = $nr:tt, args = [$r0:tt, $r1:tt, $r2:tt,
     $r3:tt, $r4:tt, $r5:tt]) => {
        #[inline(always)]
        pub(crate) unsafe fn syscall0(nr: usize) -> isize {
            let ret;
            // SAFETY: the caller upholds the contract of syscall `nr`; the asm only
            // changes the registers it declares.
            unsafe { $call!(in($nr) nr, lateout($r0) ret) };
            ret
        }

        #[inline(always)]
        pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
            let ret;
            // SAFETY: as in `syscall0`.
            unsafe { $call!(in($nr) nr, inlateout($r0) a0 as isize => ret) };
            ret
        }

        #[inline(always)]
        pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
            let ret;
            // SAFETY: as in `syscall0`.
            unsafe { $call!(in($nr) nr, inlateout($r0) a0 as isize => ret, in($r1) a1) };
            ret
        }

        #[inline(always)]
        pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
            let ret;
            // SAFETY: as in `syscall0`.
            unsafe {
                $call!(in($nr) nr, inlateout($r0) a0 as isize => ret, in($r1) a1,
                       in($r2) a2)
            };
            ret
        }

        #[inline(always)]
        pub(crate) unsafe fn syscall4(
            nr: usize,
            a0: usize,
            a1: usize,
            a2: usize,
            a3: usize,
        ) -> isize {
            let ret;
            // SAFETY: as in `syscall0`.
            unsafe {
                $call!(in($nr) nr, inlateout($r0) a0 as isize => ret, in($r1) a1,
                       in($r2) a2, in($r3) a3)
            };
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
                $call!(in($nr) nr, inlateout($r0) a0 as isize => ret, in($r1) a1,
                       in($r2) a2, in($r3) a3, in($r4) a4)
            };
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
                $call!(in($nr) nr, inlateout($r0) a0 as isize => ret, in($r1) a1,
                       in($r2) a2, in($r3) a3, in($r4) a4, in($r5) a5)
            };
            ret
        }
    };
}
