//! Per-architecture ABI checks (tests/arch/checks.rs) as `#[test]`s, plus the ones that
//! need std. The same checks run without std on targets where no C library is
//! available to link the test harness (examples/nostd-cat/src/bin/arch-checks.rs).
//!
//! They check ABI plumbing (units, register pairs, error conventions, constants), which
//! qemu-user passes to the host kernel, so they run under qemu too; the one exception is
//! marked with its reason (`qemu_32bit`), in the same words as `checks::ALL`.
#![cfg(target_os = "linux")]

#[path = "arch/checks.rs"]
mod checks;

use rawmap::Errno;

/// One `#[test]` per check, and the list of their names with the qemu reason.
macro_rules! tests {
    ($($name:ident $(: qemu_32bit $reason:literal)?),* $(,)?) => {
        $(
            #[test]
            $(#[cfg_attr(all(qemu, target_pointer_width = "32"), ignore = $reason)])?
            fn $name() {
                if let Err(f) = checks::$name() {
                    panic!("{f}");
                }
            }
        )*
        const TESTED: &[(&str, Option<&str>)] = &[$((stringify!($name), opt!($($reason)?))),*];
    };
}

/// `Some(reason)`, or `None` without one.
macro_rules! opt {
    () => {
        None
    };
    ($reason:literal) => {
        Some($reason)
    };
}

tests! {
    constants_are_this_arch_s,
    unknown_syscall_is_this_arch_s_enosys,
    failed_calls_decode_through_this_arch_s_convention,
    offset_mapping_reads_back_through_a_second_mapping,
    unaligned_offsets_are_einval_never_truncated,
    offset_above_4_gib_reads_back_through_a_second_mapping: qemu_32bit "qemu-user 7.2 keeps a 32-bit guest's mmap offset in 32 bits (target_mmap takes an abi_ulong), so offsets from 4 GiB wrap; asserted natively (i686)",
    ftruncate_above_4_gib_reads_back_with_statx,
    fcntl_adds_and_reads_seals,
    mapping_lengths_near_the_isize_limit,
    read_at_and_write_at_across_a_truncated_end_fault_exactly,
}

#[test]
fn every_check_is_a_test() {
    let all: Vec<(&str, Option<&str>)> = checks::ALL.iter().map(|(n, _, q)| (*n, *q)).collect();
    assert_eq!(
        all, TESTED,
        "checks::ALL and the tests above must list the same checks and qemu reasons"
    );
}

#[test]
fn errno_values_are_libc_s_for_this_target() {
    // The values the checks compare with come from the reference notes; libc is a
    // second, independent source for the target being tested.
    assert_eq!(i32::from(Errno::NOSYS.raw()), libc::ENOSYS);
    assert_eq!(i32::from(Errno::OPNOTSUPP.raw()), libc::EOPNOTSUPP);
    assert_eq!(i32::from(Errno::OVERFLOW.raw()), libc::EOVERFLOW);
    #[cfg(feature = "std")]
    assert_eq!(
        std::io::Error::from(Errno::NOSYS).kind(),
        std::io::ErrorKind::Unsupported
    );
}
