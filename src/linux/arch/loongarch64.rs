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

result_in_first_arg!(
    syscall,
    nr = "$a7",
    args = ["$a0", "$a1", "$a2", "$a3", "$a4", "$a5"]
);
