//! riscv64 and riscv32: `ecall`, number in a7, arguments in a0-a5, result in a0. The kernel
//! preserves the integer and float registers but not the vector registers v0-v31
//! (Documentation/arch/riscv/vector.rst: "vector registers are clobbered by system
//! calls"), so every stub declares them clobbered: in code built with the `v` extension
//! the compiler could otherwise keep a vector value live across the `ecall`. On rv64gc
//! the clobbers cost nothing. No `nomem`/`readonly`: these calls change the address
//! space, so memory accesses must not move across them.

use core::arch::asm;

/// `asm!("ecall", <operands>)` plus the vector clobbers and options every stub shares.
macro_rules! ecall {
    ($($operands:tt)*) => {
        asm!(
            "ecall",
            $($operands)*,
            lateout("v0") _, lateout("v1") _, lateout("v2") _, lateout("v3") _,
            lateout("v4") _, lateout("v5") _, lateout("v6") _, lateout("v7") _,
            lateout("v8") _, lateout("v9") _, lateout("v10") _, lateout("v11") _,
            lateout("v12") _, lateout("v13") _, lateout("v14") _, lateout("v15") _,
            lateout("v16") _, lateout("v17") _, lateout("v18") _, lateout("v19") _,
            lateout("v20") _, lateout("v21") _, lateout("v22") _, lateout("v23") _,
            lateout("v24") _, lateout("v25") _, lateout("v26") _, lateout("v27") _,
            lateout("v28") _, lateout("v29") _, lateout("v30") _, lateout("v31") _,
            options(nostack, preserves_flags),
        )
    };
}

result_in_first_arg!(
    ecall,
    nr = "a7",
    args = ["a0", "a1", "a2", "a3", "a4", "a5"]
);
