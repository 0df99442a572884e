//! aarch64: `svc #0`, number in x8, arguments in x0-x5, result in x0. The kernel
//! preserves every other general register and the NEON/FP registers, but discards SVE
//! state: Z0-Z31 above bit 128, P0-P15 and FFR (Documentation/arch/arm64/sve.rst). So
//! when the crate is built with the `sve` target feature (e.g. `-C target-cpu=native` on
//! a Neoverse V1), every stub declares v0-v31 (which overlap z0-z31) and p0-p15
//! clobbered; FFR is reserved by LLVM and never live across an `asm!`. Without `sve`
//! nothing extra is declared, so the common build pays nothing. No `nomem`/`readonly`:
//! these calls change the address space, so memory accesses must not move across them.

use core::arch::asm;

/// `asm!("svc #0", <operands>)` plus the options every stub shares.
#[cfg(not(target_feature = "sve"))]
macro_rules! svc {
    ($($operands:tt)*) => {
        asm!("svc #0", $($operands)*, options(nostack, preserves_flags))
    };
}

/// `asm!("svc #0", <operands>)` plus the options (and SVE clobbers) every stub shares.
#[cfg(target_feature = "sve")]
macro_rules! svc {
    ($($operands:tt)*) => {
        asm!(
            "svc #0",
            $($operands)*,
            lateout("v0") _, lateout("v1") _, lateout("v2") _, lateout("v3") _,
            lateout("v4") _, lateout("v5") _, lateout("v6") _, lateout("v7") _,
            lateout("v8") _, lateout("v9") _, lateout("v10") _, lateout("v11") _,
            lateout("v12") _, lateout("v13") _, lateout("v14") _, lateout("v15") _,
            lateout("v16") _, lateout("v17") _, lateout("v18") _, lateout("v19") _,
            lateout("v20") _, lateout("v21") _, lateout("v22") _, lateout("v23") _,
            lateout("v24") _, lateout("v25") _, lateout("v26") _, lateout("v27") _,
            lateout("v28") _, lateout("v29") _, lateout("v30") _, lateout("v31") _,
            lateout("p0") _, lateout("p1") _, lateout("p2") _, lateout("p3") _,
            lateout("p4") _, lateout("p5") _, lateout("p6") _, lateout("p7") _,
            lateout("p8") _, lateout("p9") _, lateout("p10") _, lateout("p11") _,
            lateout("p12") _, lateout("p13") _, lateout("p14") _, lateout("p15") _,
            options(nostack, preserves_flags),
        )
    };
}

result_in_first_arg!(svc, nr = "x8", args = ["x0", "x1", "x2", "x3", "x4", "x5"]);
