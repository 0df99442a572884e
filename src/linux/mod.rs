//! The Linux syscall layer: the per-arch `asm!` stubs, the constants build.rs generated
//! from `arch/`, and the one rule that turns a raw return value into `Result`.

#[cfg(any(
    target_arch = "aarch64",
    target_arch = "riscv64",
    target_arch = "riscv32",
    target_arch = "loongarch64"
))]
#[macro_use]
#[path = "arch/stubs.rs"]
mod stubs;

#[cfg_attr(target_arch = "x86_64", path = "arch/x86_64.rs")]
#[cfg_attr(target_arch = "x86", path = "arch/x86.rs")]
#[cfg_attr(target_arch = "aarch64", path = "arch/aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arch/arm.rs")]
#[cfg_attr(
    any(target_arch = "riscv64", target_arch = "riscv32"),
    path = "arch/riscv.rs"
)]
#[cfg_attr(target_arch = "loongarch64", path = "arch/loongarch64.rs")]
#[cfg_attr(
    any(target_arch = "powerpc", target_arch = "powerpc64"),
    path = "arch/powerpc.rs"
)]
#[cfg_attr(target_arch = "s390x", path = "arch/s390x.rs")]
#[cfg_attr(target_arch = "mips", path = "arch/mips.rs")]
#[cfg_attr(target_arch = "mips64", path = "arch/mips64.rs")]
#[cfg_attr(target_arch = "sparc64", path = "arch/sparc64.rs")]
mod asm;

#[cfg(rawmap_fault_copy)]
pub(crate) mod fault;

#[allow(unused_imports)]
pub(crate) use asm::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

/// Syscall numbers and constants for this target, generated from `arch/` by build.rs.
#[allow(missing_docs, clippy::unreadable_literal)]
pub mod sys {
    include!(concat!(env!("OUT_DIR"), "/sys.rs"));
}

use crate::{Errno, Result};

/// Decodes a raw syscall return: `-4095..=-1` is `-errno`, anything else is a value.
///
/// The asm stubs of architectures that signal errors out of band (mips a3, powerpc
/// cr0.SO, sparc carry) negate the value themselves, so this is the only rule.
#[inline(always)]
pub(crate) fn check(ret: isize) -> Result<usize> {
    if (-4095..0).contains(&ret) {
        Err(Errno::from_kernel(-ret as u16))
    } else {
        Ok(ret as usize)
    }
}

/// `check` for calls that return 0 on success.
#[inline(always)]
pub(crate) fn check_unit(ret: isize) -> Result<()> {
    check(ret).map(|_| ())
}

#[cfg(test)]
mod tests {
    //! Return-value decoding, without syscalls (Miri runs these).
    use super::*;

    #[test]
    fn check_decodes_the_error_range() {
        assert_eq!(check(0), Ok(0));
        assert_eq!(check(42), Ok(42));
        assert_eq!(check(-1).map_err(Errno::raw), Err(1));
        assert_eq!(check(-4095).map_err(Errno::raw), Err(4095));
        // Addresses in the top 4 KiB are errors; anything below is a value (mmap can
        // return "negative" addresses on 32-bit targets).
        assert_eq!(check(-4096), Ok(-4096isize as usize));
        assert_eq!(check(isize::MIN), Ok(isize::MIN as usize));
        assert_eq!(check_unit(-22).map_err(Errno::raw), Err(22));
        assert_eq!(check_unit(7), Ok(()));
    }
}
