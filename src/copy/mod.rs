//! The one routine that copies between a mapping and caller memory (`read_at` /
//! `write_at`), and the exception table that makes it fault-safe.
//!
//! Where the target has a copy routine in assembly (`<arch>.rs` here) and its OS a
//! handler for the fault that routine may raise, build.rs sets `cfg(rawmap_fault_copy)`
//! and a fault on the mapping's side (a truncated file, an I/O error) becomes an error
//! here instead of killing the process. The handlers: SIGBUS on Linux
//! (`linux/fault/`), a vectored exception handler for `EXCEPTION_IN_PAGE_ERROR` on
//! Windows x86_64 (`os/windows_fault.rs`). Everywhere else (macOS, Windows on aarch64,
//! Linux architectures without a routine) it is a plain copy; `crate::fault` says why.
//!
//! What every OS shares lives here, once:
//! - the routines (`x86_64.rs`, `x86.rs`, `aarch64.rs`, `arm.rs`, `riscv64.rs`,
//!   `riscv32.rs`, `loongarch64.rs`), which know nothing of the OS, and the choice
//!   between them ([`arch::init`], [`arch::copy`]);
//! - their contract: [`Routine`], the [`RawFault`] a handler fills in, the table query
//!   [`ranges`] and the lookup [`fixup`] a handler asks whether a fault is ours;
//! - installing the handler once, on first use or through `fault::install`.
//!
//! A handler module (`platform` below) provides `install_now` (put the handler in
//! place), `is_active` and `cause` (its fault code as a [`FaultCause`]).
//!
//! [`FaultCause`]: crate::FaultCause

use crate::fault::Fault;

/// Which side of a copy is the mapping, the only side allowed to fault.
#[derive(Clone, Copy)]
pub(crate) enum Mapped {
    /// Reading from the mapping.
    Src,
    /// Writing into the mapping.
    Dst,
}

/// Copies `len` bytes from `src` to `dst`. On a fault on the `mapped` side, returns how
/// many bytes were copied (always a prefix) and where the fault was, as an offset from
/// `base` (the mapping's first byte).
///
/// # Safety
/// Both ranges must lie inside memory that is mapped and accessible with the needed
/// protection, and must not overlap; the `mapped` one must be inside the mapping that
/// starts at `base`. Its pages may fault (SIGBUS, `EXCEPTION_IN_PAGE_ERROR`); the other
/// range's may not.
#[inline]
pub(crate) unsafe fn copy(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    mapped: Mapped,
    base: *const u8,
) -> Result<(), Fault> {
    if len == 0 {
        return Ok(());
    }
    #[cfg(not(rawmap_fault_copy))]
    {
        let _ = (mapped, base);
        // SAFETY: forwarded contract (without fault recovery the pages must not fault).
        unsafe { core::ptr::copy_nonoverlapping(src, dst, len) };
        Ok(())
    }
    #[cfg(rawmap_fault_copy)]
    {
        let lo = match mapped {
            Mapped::Src => src.addr(),
            Mapped::Dst => dst.addr(),
        };
        ensure_installed();
        let mut raw = RawFault::default();
        // SAFETY: forwarded contract; `len > 0` selects copying, not the table query;
        // `lo + len` is the end of a valid range, so no overflow; `raw` outlives the call.
        let left = unsafe { arch::copy(dst, src, len, lo, lo + len, &mut raw) };
        if left == 0 {
            return Ok(());
        }
        if ADDR_GRAIN > 1 {
            // The routine stops at the first byte that faulted, on the mapped side.
            raw.addr = lo + (len - left);
        }
        Err(fault(len - left, raw, base))
    }
}

/// Builds the error, out of the way of the copy's fast path.
#[cfg(rawmap_fault_copy)]
#[cold]
fn fault(copied: usize, raw: RawFault, base: *const u8) -> Fault {
    Fault::new(
        copied,
        raw.addr.wrapping_sub(base.addr()),
        platform::cause(raw.code),
    )
}

// ---------------------------------------------------------------------------------------
// The routines and their exception table
// ---------------------------------------------------------------------------------------

/// The arch module's `ROUTINES`, `init` and (for tests) `usable_routines` where one
/// routine serves every CPU (all but x86 and x86_64, which pick one by CPUID):
/// `$routine` is what the handler's table queries call.
#[cfg(all(
    rawmap_fault_copy,
    not(any(target_arch = "x86_64", target_arch = "x86"))
))]
macro_rules! one_routine {
    ($routine:ident) => {
        /// Every routine whose ranges the handler must know.
        pub(crate) const ROUTINES: [super::Routine; 1] = [$routine];

        /// Nothing to detect: one routine.
        pub(crate) fn init() {}

        /// The routines this CPU can run.
        #[cfg(test)]
        pub(crate) fn usable_routines() -> &'static [super::Routine] {
            &ROUTINES
        }
    };
}

#[cfg(rawmap_fault_copy)]
#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "x86", path = "x86.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arm.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
#[cfg_attr(target_arch = "powerpc64", path = "powerpc64.rs")]
#[cfg_attr(target_arch = "s390x", path = "s390x.rs")]
#[cfg_attr(target_arch = "mips", path = "mips.rs")]
#[cfg_attr(target_arch = "mips64", path = "mips64.rs")]
#[cfg_attr(target_arch = "powerpc", path = "powerpc.rs")]
#[cfg_attr(target_arch = "sparc64", path = "sparc64.rs")]
#[cfg_attr(target_arch = "riscv32", path = "riscv32.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "loongarch64.rs")]
pub(crate) mod arch;

/// The OS's half: the handler that consults [`fixup`].
#[cfg(all(rawmap_fault_copy, target_os = "linux"))]
use crate::linux::fault as platform;
#[cfg(all(rawmap_fault_copy, windows))]
use crate::os::windows_fault as platform;

/// What a handler reports to the interrupted copy: the fault it redirected.
#[cfg(rawmap_fault_copy)]
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RawFault {
    /// The OS's code for the cause: `si_code` on Linux, the `NTSTATUS` of
    /// `ExceptionInformation[2]` on Windows.
    pub code: i32,
    /// The address that faulted.
    pub addr: usize,
}

/// A copy routine: `(dst, src, len, lo, hi, out) -> bytes not copied`, or with `len ==
/// 0` a query that writes its `[start, end, fixup]` triples to `dst` and returns their
/// number. `[lo, hi)` is the side that may fault and `out` the report slot: a routine
/// never writes the registers holding them, so a handler reads them from the
/// interrupted context.
///
/// The x86_64 routines are written for the System V ABI (Linux's): declared `sysv64`,
/// Windows callers save what that ABI lets a callee clobber and Windows' does not (rsi,
/// rdi, xmm6-xmm15), and pass the arguments in rdi, rsi, rdx, rcx, r8, r9.
#[cfg(all(rawmap_fault_copy, target_arch = "x86_64"))]
pub(crate) type Routine =
    unsafe extern "sysv64" fn(*mut u8, *const u8, usize, usize, usize, *mut RawFault) -> usize;
/// See the x86_64 definition.
#[cfg(all(rawmap_fault_copy, not(target_arch = "x86_64")))]
pub(crate) type Routine =
    unsafe extern "C" fn(*mut u8, *const u8, usize, usize, usize, *mut RawFault) -> usize;

/// The most ranges one routine may report.
#[cfg(rawmap_fault_copy)]
const MAX_RANGES: usize = 4;

/// How precisely the OS reports a fault's address: to the byte, except Linux on s390x,
/// which reports only the 4 KiB page (`arch/s390/mm/fault.c`: its
/// translation-exception identification holds no more), and on sparc64, which reports
/// the 8 KiB page when it cannot decode the faulting instruction
/// (`arch/sparc/mm/fault_64.c`). [`fixup`] accepts a fault in the first such unit of
/// the mapped side, and [`copy`] reports the exact byte, where the routine stopped.
#[cfg(rawmap_fault_copy)]
pub(crate) const ADDR_GRAIN: usize = if cfg!(target_arch = "s390x") {
    4096
} else if cfg!(target_arch = "sparc64") {
    8192
} else {
    1
};

/// `[start, end)` and fixup of each range `routine` reports, as addresses.
#[cfg(rawmap_fault_copy)]
pub(crate) fn ranges(routine: Routine) -> ([[usize; 3]; MAX_RANGES], usize) {
    let mut table = [[0usize; 3]; MAX_RANGES];
    // SAFETY: with `len == 0` a routine only writes its table (at most MAX_RANGES
    // triples, checked below) to `dst`.
    let n = unsafe {
        routine(
            table.as_mut_ptr().cast(),
            core::ptr::null(),
            0,
            0,
            0,
            core::ptr::null_mut(),
        )
    };
    (table, n.min(MAX_RANGES))
}

/// Where to resume a routine that faulted on `addr` at instruction `pc`, if that fault
/// is one a handler may take: `pc` lies in one of the routines' ranges, and `addr` in
/// `[lo, hi)`, the side the interrupted routine was told may fault (its 4th and 5th
/// arguments, read from the interrupted registers; from the start of `lo`'s
/// [`ADDR_GRAIN`] unit where the OS reports less than the byte). `None` otherwise: a
/// fault elsewhere, or on the caller's own buffer, which is a bug to crash on, not an
/// I/O error.
///
/// Pure code (loads, compares and the routines' table queries): safe in a signal
/// handler and in an exception handler.
#[cfg(rawmap_fault_copy)]
#[inline]
pub(crate) fn fixup(pc: usize, addr: usize, lo: usize, hi: usize) -> Option<usize> {
    for &routine in &arch::ROUTINES {
        let (table, n) = ranges(routine);
        for &[start, end, fixup] in &table[..n] {
            if (start..end).contains(&pc) {
                return (lo & !(ADDR_GRAIN - 1)..hi)
                    .contains(&addr)
                    .then_some(fixup);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Installing the handler, once
// ---------------------------------------------------------------------------------------

#[cfg(rawmap_fault_copy)]
mod state {
    use core::sync::atomic::{AtomicU8, Ordering};

    use super::{arch, platform};
    use crate::Result;

    const UNINSTALLED: u8 = 0;
    const INSTALLED: u8 = 1;
    /// Installing failed (a seccomp policy refusing `rt_sigaction`, say): copies run
    /// unprotected, and only an explicit [`install`] tries again.
    const FAILED: u8 = 2;

    /// Only ever loaded and stored: read-modify-write atomics would make aarch64 Linux
    /// builds reference the outline-atomics helpers of compiler-builtins, whose
    /// constructor needs libc's `getauxval`, and break no-libc static binaries in debug
    /// builds.
    static STATE: AtomicU8 = AtomicU8::new(UNINSTALLED);

    /// Installs the handler on first use; a failure leaves copies unprotected.
    #[inline(always)]
    pub(crate) fn ensure_installed() {
        if STATE.load(Ordering::Acquire) != INSTALLED {
            first_use();
        }
    }

    /// The first copies: install, unless an earlier attempt failed.
    #[cold]
    fn first_use() {
        if STATE.load(Ordering::Acquire) == UNINSTALLED {
            let _ = install_now();
        }
    }

    /// Installs the handler if it is not installed yet, also after a failed attempt.
    /// Every thread that calls it returns after the handler is in place (or installing
    /// failed).
    pub(crate) fn install() -> Result<()> {
        if STATE.load(Ordering::Acquire) == INSTALLED {
            return Ok(());
        }
        install_now()
    }

    /// Threads that get here at the same time all run the platform's `install_now`,
    /// which each platform makes harmless (see there): the handler ends up installed
    /// once, in front of what was there before any of them.
    #[cold]
    fn install_now() -> Result<()> {
        // The routine choice comes first: copies use it even if installing fails.
        arch::init();
        let r = platform::install_now();
        let state = if r.is_ok() { INSTALLED } else { FAILED };
        STATE.store(state, Ordering::Release);
        r
    }

    /// Whether the handler is in place and will see the faults (the platform's answer).
    pub(crate) fn is_active() -> Result<bool> {
        platform::is_active()
    }
}
#[cfg(rawmap_fault_copy)]
pub(crate) use state::{ensure_installed, install, is_active};

#[cfg(all(test, rawmap_fault_copy))]
mod tests {
    use super::*;

    /// The address of a routine's first instruction. On ELFv1 (big-endian powerpc64),
    /// `ROUTINES` holds a function with a descriptor that calls the naked routine, whose
    /// own symbol is its code (see `powerpc64.rs`).
    fn entry(routine: Routine) -> usize {
        #[cfg(not(target_abi = "elfv1"))]
        let entry = routine as *const () as usize;
        #[cfg(target_abi = "elfv1")]
        let entry = {
            let _ = routine;
            arch::copy as *const () as usize
        };
        entry
    }

    /// Each routine's table: ranges inside the routine, non-empty, each fixup in a
    /// range or just after it, and B (the exact loop) after A.
    #[test]
    #[cfg_attr(miri, ignore = "runs the asm copy routines, which Miri cannot run")]
    fn every_routine_reports_its_ranges() {
        for routine in arch::ROUTINES {
            let (table, n) = ranges(routine);
            assert_eq!(n, 2);
            let entry = entry(routine);
            let [a, b] = [table[0], table[1]];
            assert!(entry < a[0] && a[0] < a[1], "{a:x?} entry {entry:#x}");
            assert_eq!(a[1], b[0], "A ends where B starts");
            assert_eq!(a[2], b[0], "A's fixup is B's loop");
            assert!(b[0] < b[1] && b[1] < b[2], "{b:x?}");
            assert!(b[2] - entry < 4096, "the routine is small");
        }
    }

    /// The lookup: a fault at each range's start and last byte is ours when the address
    /// is in `[lo, hi)` (its range's fixup), not at the end of a range or before the
    /// first, and never for an address outside `[lo, hi)`.
    #[test]
    #[cfg_attr(miri, ignore = "runs the asm copy routines, which Miri cannot run")]
    fn fixup_needs_the_pc_in_a_range_and_the_address_on_the_mapped_side() {
        let (lo, hi) = (0x10_000, 0x20_000);
        for routine in arch::ROUTINES {
            let (table, n) = ranges(routine);
            for &[start, end, fix] in &table[..n] {
                for pc in [start, end - 1] {
                    assert_eq!(fixup(pc, lo, lo, hi), Some(fix));
                    assert_eq!(fixup(pc, hi - 1, lo, hi), Some(fix));
                    assert_eq!(fixup(pc, hi, lo, hi), None, "past the mapped side");
                    assert_eq!(fixup(pc, lo - 1, lo, hi), None, "before the mapped side");
                }
            }
            assert_eq!(
                fixup(entry(routine), lo, lo, hi),
                None,
                "the entry is in no range"
            );
            assert_eq!(fixup(table[n - 1][1], lo, lo, hi), None, "B's fixup is not");
        }
        let elsewhere = fixup_needs_the_pc_in_a_range_and_the_address_on_the_mapped_side;
        assert_eq!(fixup(elsewhere as *const () as usize, lo, lo, hi), None);
    }

    /// The x86_64 routines are System V functions: called the way `sysv64` calls them,
    /// they leave every register that ABI makes the callee preserve (rbx, rbp, r12-r15,
    /// rsp) as it was, and keep their 4th to 6th arguments (rcx, r8, r9), which handlers
    /// read from a fault's context. On Windows this is what makes the `sysv64`
    /// declaration right: the caller saves everything else.
    #[test]
    #[cfg(target_arch = "x86_64")]
    #[cfg_attr(miri, ignore = "runs the asm copy routines, which Miri cannot run")]
    fn x86_64_routines_keep_the_registers_system_v_preserves() {
        arch::init();
        let src = [7u8; 300];
        for &routine in arch::usable_routines() {
            for len in [1, 3, 15, 31, 64, 100, 129, 300] {
                let mut dst = [0u8; 300];
                let mut f = RawFault::default();
                let (lo, hi, out) = (0x1111usize, 0x2222usize, (&raw mut f).addr());
                let changed: usize;
                let (rcx, r8, r9): (usize, usize, usize);
                // rbx and rbp cannot be asm operands, so they are saved and restored on
                // the stack around the call, and compared there; r12-r15 are declared
                // clobbered (the compiler saves them) and compared as well.
                // SAFETY: calls the routine with valid buffers (nothing faults) in the
                // System V argument registers.
                unsafe {
                    core::arch::asm!(
                        "push rbx",
                        "push rbp",
                        "mov rbx, 0x0b0b0b0b",
                        "mov rbp, 0x0d0d0d0d",
                        "mov r12, 0x12121212",
                        "mov r13, 0x13131313",
                        "mov r14, 0x14141414",
                        // r15 keeps rsp, to compare after the call.
                        "mov r15, rsp",
                        "call r11",
                        "mov r10, rsp",
                        "xor r10, r15",
                        "xor rbx, 0x0b0b0b0b",
                        "or r10, rbx",
                        "xor rbp, 0x0d0d0d0d",
                        "or r10, rbp",
                        "xor r12, 0x12121212",
                        "or r10, r12",
                        "xor r13, 0x13131313",
                        "or r10, r13",
                        "xor r14, 0x14141414",
                        "or r10, r14",
                        "pop rbp",
                        "pop rbx",
                        in("r11") routine,
                        inout("rdi") dst.as_mut_ptr() => _,
                        inout("rsi") src.as_ptr() => _,
                        inout("rdx") len => _,
                        inout("rcx") lo => rcx,
                        inout("r8") hi => r8,
                        inout("r9") out => r9,
                        out("r10") changed,
                        lateout("rax") _,
                        out("r12") _, out("r13") _, out("r14") _, out("r15") _,
                        clobber_abi("sysv64"),
                    );
                }
                assert_eq!(changed, 0, "a preserved register changed (len {len})");
                assert_eq!((rcx, r8, r9), (lo, hi, out), "len {len}");
                assert_eq!(&dst[..len], &src[..len]);
            }
        }
    }

    /// Each routine this CPU can run copies every length up to a few vectors exactly,
    /// and long ones (x86's `rep movsb` from 2048 bytes, the loops many times over),
    /// leaving the bytes around the destination alone (no fault here: plain memory).
    #[test]
    #[cfg_attr(miri, ignore = "runs the asm copy routines, which Miri cannot run")]
    fn every_routine_copies_exactly() {
        arch::init();
        let src: [u8; 5200] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        let lens = (1..=600).chain([2047, 2048, 2049, 2111, 4096, 5000, 5100]);
        for &routine in arch::usable_routines() {
            for len in lens.clone() {
                for off in 0..16 {
                    let mut dst = [0xEEu8; 5200];
                    let mut f = RawFault::default();
                    let s = &src[off..];
                    // SAFETY: both buffers hold `len + 16` bytes past `off`/`1`; nothing
                    // faults, so `[lo, hi)` and `f` are not used.
                    let left =
                        unsafe { routine(dst.as_mut_ptr().add(1), s.as_ptr(), len, 0, 0, &mut f) };
                    assert_eq!(left, 0);
                    assert_eq!(dst[0], 0xEE, "off {off} len {len}");
                    assert_eq!(&dst[1..=len], &s[..len], "off {off} len {len}");
                    assert!(
                        dst[len + 1..].iter().all(|&b| b == 0xEE),
                        "off {off} len {len}"
                    );
                }
            }
        }
    }
}
