//! Fault-safe access: [`Mapping::read_at`](crate::Mapping::read_at) and
//! [`write_at`](crate::Mapping::write_at) return [`AccessError::Fault`] when the memory
//! faults, instead of letting the fault kill the process: SIGBUS on Linux,
//! `EXCEPTION_IN_PAGE_ERROR` on Windows x86_64 (not yet on macOS and Windows on arm64:
//! see [Platforms](#platforms)).
//!
//! Touching a page of a file mapping that lies past the end of the file (someone
//! truncated it), or whose read-in failed (a disk, network file system or removable
//! drive error), makes the system raise a fault whose default outcome kills the
//! process: SIGBUS on Linux and macOS, `EXCEPTION_IN_PAGE_ERROR` on Windows (which does
//! not let a mapped file shrink, so there only failed reads remain). `read_at` and
//! `write_at` copy with a routine written in assembly whose faulting instructions are
//! listed in a table, the way the kernel's own `copy_from_user` is; a handler that this
//! crate installs (on first use, or with [`install`]) recognises a fault in that
//! routine, on the mapping's side of the copy, and resumes the routine at a fixup that
//! returns how many bytes it copied. The error says how many bytes were copied (always a
//! prefix of the request: the bytes before the first one that faulted), at which offset
//! of the mapping the fault was, and why ([`FaultCause`]). After a truncation,
//! `Mapping::shrink_to_file` (Linux) fits the mapping to what is left of the file.
//!
//! ```
//! # #[cfg(all(target_os = "linux", rawmap_fault_copy))] { // the arches with a routine
//! use rawmap::{AccessError, File, MapOptions, MemfdFlags};
//!
//! let page = rawmap::page_size();
//! let f = File::memfd(c"doc", MemfdFlags::CLOEXEC)?;
//! f.set_len(3 * page as u64)?;
//! // SAFETY: the mapping is only used through read_at/write_at, which stay sound when the
//! // file shrinks (see `MapOptions::map`).
//! let mut m = unsafe { MapOptions::new().map_mut(&f)? };
//! let end = 2 * page - 100;
//! f.set_len(end as u64)?; // someone truncates the file
//!
//! let mut buf = vec![0; 3 * page];
//! let Err(AccessError::Fault(fault)) = m.read_at(0, &mut buf) else { panic!() };
//! // The EOF page still reads (its tail as zeros); the page after it faults.
//! assert_eq!(fault.copied(), 2 * page);
//! assert_eq!(fault.offset(), 2 * page);
//!
//! assert_eq!(m.shrink_to_file(&f)?, end);
//! assert_eq!(m.read_at(0, &mut buf[..end]), Ok(()));
//! # }
//! # Ok::<(), rawmap::Errno>(())
//! ```
//!
//! # What is guaranteed
//!
//! Where copies are fault-safe (see [Platforms](#platforms)):
//!
//! - Only `read_at` and `write_at` (and what is built on them, such as `MapCursor`)
//!   are fault-safe. Slices (`Deref`, `as_slice`, ...) and raw pointers of a file
//!   mapping stay under the contract of the `unsafe` constructor
//!   ([`MapOptions::map`](crate::MapOptions::map)): a fault through them kills the
//!   process.
//! - Only a fault inside the copy routine, on the mapping's side of the copy, is
//!   caught: a fault on the caller's buffer is a bug and is not hidden, and every fault
//!   elsewhere reaches the program as it would without the crate.
//! - The handler is installed once per copy of this crate in the process, by the first
//!   `read_at` or `write_at` or by [`install`]. If installing fails, copies still work,
//!   unprotected, and only an explicit [`install`] tries again. The handler takes no
//!   locks, allocates nothing, keeps no thread-local state and serves any number of
//!   threads faulting at once.
//!
//! On **Linux**:
//!
//! - Only SIGBUS with `si_code` `BUS_ADRERR` (no page: past the end of the file, an I/O
//!   error, a userfaultfd range in SIGBUS mode), `BUS_OBJERR` or `BUS_MCEERR_AR` (a
//!   hardware memory error) is caught. SIGSEGV is left alone: in the routine it would
//!   mean the mapping was unmapped or its protection removed during the copy, which only
//!   `unsafe` code can do.
//! - Every other SIGBUS goes to the action installed before this crate's: an
//!   `SA_SIGINFO` or plain handler is called as the kernel would have called it (with its
//!   mask blocked, `SA_RESETHAND` honoured); `SIG_IGN` ignores signals sent by `kill`;
//!   with `SIG_DFL` (or `SIG_IGN` and a real fault) the default action is restored and
//!   the process dies of SIGBUS, as it would have. If that handler changes the SIGBUS
//!   action while it runs (Rust's std, whose stack-overflow handler is the earlier
//!   action in every Rust program, restores `SIG_DFL` for any SIGBUS that is not a stack
//!   overflow), the new action becomes the earlier one and this crate's handler stays in
//!   front of it: a program sees foreign signals exactly as without the crate (std
//!   swallows the first `kill -BUS`, the second one kills), and `read_at` stays safe.
//! - If SIGBUS is **blocked** in the faulting thread, the kernel forces the default
//!   action and the process dies: fault-safety needs SIGBUS unblocked.
//! - Code that installs its own SIGBUS handler later, without calling the previous one,
//!   turns the protection off: faults then reach that handler. [`is_active`] tells.
//! - The handler is installed with raw `rt_sigaction` and `SA_SIGINFO | SA_ONSTACK |
//!   SA_NODEFER` (and `SA_RESTORER` with the crate's own restorer where the architecture
//!   has it). It is async-signal-safe.
//!
//! On **Windows x86_64**:
//!
//! - A vectored exception handler (`AddVectoredExceptionHandler`, first in the chain
//!   when registered) takes only a continuable `EXCEPTION_IN_PAGE_ERROR` whose `Rip` is
//!   in the copy routine and whose address is on the mapping's side; its
//!   [`FaultCause`] is [`FaultCause::InPageError`] with the `NTSTATUS` Windows gave.
//!   Every other exception, in-page errors elsewhere included, goes on to the next
//!   handler (`EXCEPTION_CONTINUE_SEARCH`), so the program sees it as without the crate.
//! - `EXCEPTION_ACCESS_VIOLATION` is never taken, even in the routine, for the reason
//!   SIGSEGV is not on Linux.
//! - The handler is never removed: a DLL that contains this crate must not be unloaded
//!   after a copy ran.
//! - A vectored handler registered later (and so in front of this one) that claims the
//!   routine's in-page errors itself keeps them from this one; Windows cannot list the
//!   chain, so [`is_active`] only says whether the crate's handler is registered.
//!
//! # Platforms
//!
//! | target | `read_at` / `write_at` | how it is tested |
//! |---|---|---|
//! | Linux x86_64 (AVX2 or SSE2 routine, chosen once with CPUID), x86 (`rep movsb` from 2048 bytes where CPUID has ERMS; below that, or without ERMS, SSE2 moves on i686 and 32-bit moves on i586), aarch64, arm (one routine, A32 on `armv7-*` and Thumb-2 on `thumbv7*`), riscv64, riscv32, loongarch64 | fault-safe: SIGBUS handler | natively on x86_64 and i686 (IA32 on the x86_64 kernel); the full test suite under qemu-user 7.2 on aarch64, riscv64, i686, armv7 and thumbv7neon; on riscv32 and loongarch64, which have no C library here to link that suite, the per-architecture check that the `no_std` example runs under qemu (below) |
//! | Linux powerpc64 (ELFv2 little-endian, ELFv1 big-endian), powerpc, s390x, mips and mipsel (o32), mips64 and mips64el (n64), sparc64 | fault-safe: SIGBUS handler; word loops that never make an unaligned access to the mapping where the CPU traps one | under qemu-user only (no such hardware here), with the same two exceptions; qemu-user also garbles the address of these faults, which the test runners and `--cfg qemu` test builds undo (`scripts/qemu-quirks/`), so the address check has run against qemu's corrected values, not a kernel's. On s390x the kernel reports only a fault's 4 KiB page (sparc64 its 8 KiB page when it cannot decode the instruction); the error still names the exact byte, where the routine stopped |
//! | Linux, other architectures | plain copy: no routine yet ([`install`] says `UNSUPPORTED`) | as every copy |
//! | Windows x86_64 | fault-safe: vectored exception handler for `EXCEPTION_IN_PAGE_ERROR` | under Wine 8.0 only (below); never on Windows itself |
//! | Windows on arm64 | plain copy: no handler | not built here |
//! | macOS (x86_64, arm64) | plain copy: no handler | compiled and linted only |
//!
//! A plain copy is `copy_nonoverlapping`: a fault in it kills the process as through a
//! slice, so there `read_at` and `write_at` are under the contract of
//! [`MapOptions::map`](crate::MapOptions::map) like the slices.
//!
//! **Linux under qemu-user 7.2**, which differs from the kernel in four ways that touch
//! this: it has no userfaultfd, and with SIGBUS blocked it re-runs the faulting load
//! forever instead of killing the process (those two tests are ignored there); it gives
//! a 32-bit guest the host's fault address cut to 32 bits, which is the guest's own only
//! with guest base 4 GiB (the test runners pass `-B 0x100000000`; with the default base
//! the handler rightly refuses the fault, one page off); and it gives riscv and
//! loongarch guests a `struct sigaction` one word longer than their kernels' (the
//! handler leaves a spare word after it).
//!
//! **Windows x86_64 under Wine.** Wine runs the program on the Linux kernel, where a
//! failed page-in is a SIGBUS, and Wine 8.0 reports every SIGBUS on x86_64 as
//! `EXCEPTION_ACCESS_VIOLATION` (no `NTSTATUS`), not as the `EXCEPTION_IN_PAGE_ERROR`
//! Windows raises. The handler does not take access violations, so **under Wine a
//! failed page-in still kills the process**, as it would without the crate. The tests
//! (`tests/fault_windows.rs`) make real faults in the copy routine under Wine, by
//! shrinking the mapped file with Linux system calls, and show that; they then let a
//! stand-in for Windows rewrite each such access violation into the
//! `EXCEPTION_IN_PAGE_ERROR` Windows would raise (same address, registers and `Rip`) to
//! show that the handler takes exactly the faults in its routine on the mapping's side:
//! exact counts in both directions and from eight threads at once, while a fault
//! outside the routine or on the caller's buffer, and foreign exceptions, still kill.
//! What is not tested is Windows' own side: that a real failing device raises the
//! exception as documented.
//!
//! **Windows on arm64** would take the same handler with `ContextRecord->Pc` and x3-x5
//! and the aarch64 routine, but nothing here can run arm64 Windows code, and the crate
//! ships no handler it has not seen work.
//!
//! **macOS** would take a SIGBUS handler installed through libc's `sigaction` that
//! rewrites `uc_mcontext->__ss.__rip` / `__pc`, with the caveat that a Mach exception
//! handler (a debugger, a crash reporter) sees `EXC_BAD_ACCESS` before any signal
//! exists. macOS cannot run here (no macOS host, no SDK to link), and an untested
//! signal handler, which would sit in front of every SIGBUS of the process, is worse
//! than none: there is none.

use core::fmt;

use crate::Errno;

/// A fault during [`read_at`](crate::Mapping::read_at) or
/// [`write_at`](crate::Mapping::write_at): how far the copy got and where it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    copied: usize,
    offset: usize,
    cause: FaultCause,
}

impl Fault {
    #[cfg_attr(not(rawmap_fault_copy), allow(dead_code))]
    pub(crate) const fn new(copied: usize, offset: usize, cause: FaultCause) -> Self {
        Self {
            copied,
            offset,
            cause,
        }
    }

    /// Bytes copied before the fault: the first `copied` bytes of the request are
    /// valid, the rest of the buffer (or of the mapping's range) is unspecified.
    pub const fn copied(&self) -> usize {
        self.copied
    }

    /// Offset in the mapping of the byte that faulted (the request's offset plus
    /// [`copied`](Self::copied)).
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Why the memory faulted, as the kernel reported it.
    pub const fn cause(&self) -> FaultCause {
        self.cause
    }
}

/// What the system said about a fault: SIGBUS's `si_code` on Linux, the status of
/// `EXCEPTION_IN_PAGE_ERROR` on Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultCause {
    /// `BUS_ADRERR`: there is no page behind the address: it lies past the end of the
    /// file (truncated under the mapping), reading it in failed (an I/O error), or a
    /// userfaultfd registered with `UFFD_FEATURE_SIGBUS` covers it.
    AddressError,
    /// `BUS_OBJERR`: an object-specific hardware error.
    ObjectError,
    /// `BUS_MCEERR_AR`: a hardware memory error (a poisoned page).
    MemoryError,
    /// Windows: `EXCEPTION_IN_PAGE_ERROR`, the page could not be read in; `status` is
    /// the `NTSTATUS` Windows gives as the reason (`ExceptionInformation[2]`), such as
    /// `STATUS_DEVICE_DATA_ERROR` (0xC000009C) or `STATUS_NETWORK_NAME_DELETED`
    /// (0xC00000C9).
    InPageError {
        /// The `NTSTATUS` code.
        status: u32,
    },
}

impl FaultCause {
    /// The errno a syscall gives for the same fault: on Linux `EHWPOISON` for a memory
    /// error, `EFAULT` otherwise (what `write(2)` returns when the kernel's own copy from
    /// such a page faults); `Errno::FAULT` elsewhere (on Windows `ERROR_NOACCESS`).
    pub fn errno(self) -> Errno {
        match self {
            #[cfg(target_os = "linux")]
            Self::MemoryError => Errno::HWPOISON,
            _ => Errno::FAULT,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.cause {
            FaultCause::AddressError => "no page (file truncated or I/O error)",
            FaultCause::ObjectError => "object error",
            FaultCause::MemoryError => "hardware memory error",
            FaultCause::InPageError { status } => {
                return write!(
                    f,
                    "memory fault at offset {} of the mapping (page-in failed, NTSTATUS \
                     {status:#010X}) after copying {} bytes",
                    self.offset, self.copied
                );
            }
        };
        write!(
            f,
            "memory fault at offset {} of the mapping ({what}) after copying {} bytes",
            self.offset, self.copied
        )
    }
}

impl core::error::Error for Fault {}

impl From<Fault> for Errno {
    fn from(f: Fault) -> Self {
        f.cause.errno()
    }
}

/// Why [`read_at`](crate::Mapping::read_at) or [`write_at`](crate::Mapping::write_at)
/// failed. The first two are mistakes of the caller, detected before anything is
/// copied; a [`Fault`] comes from the memory, partway through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessError {
    /// `[offset, offset + len)` is not inside the mapping (`EINVAL`). Nothing was copied.
    OutOfRange,
    /// The mapping's protection does not allow the access (`EACCES`). Nothing was copied.
    Protection,
    /// The memory faulted (`EFAULT`, or `EHWPOISON` for a memory error).
    Fault(Fault),
}

impl AccessError {
    /// The matching errno: `EINVAL`, `EACCES`, or the fault's
    /// ([`FaultCause::errno`]).
    pub fn errno(self) -> Errno {
        match self {
            Self::OutOfRange => Errno::INVAL,
            Self::Protection => Errno::ACCES,
            Self::Fault(f) => f.into(),
        }
    }

    /// The fault, if that is what this is.
    pub const fn fault(self) -> Option<Fault> {
        match self {
            Self::Fault(f) => Some(f),
            _ => None,
        }
    }
}

impl From<AccessError> for Errno {
    fn from(e: AccessError) -> Self {
        e.errno()
    }
}

impl From<Fault> for AccessError {
    fn from(f: Fault) -> Self {
        Self::Fault(f)
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange => f.write_str("range not inside the mapping"),
            Self::Protection => f.write_str("the mapping's protection does not allow this access"),
            Self::Fault(fault) => fault.fmt(f),
        }
    }
}

impl core::error::Error for AccessError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Fault(f) => Some(f),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<AccessError> for std::io::Error {
    /// Range and protection errors become the OS error they name (`raw_os_error()` is
    /// `EINVAL` / `EACCES`, kinds `InvalidInput` / `PermissionDenied`); a fault becomes an
    /// error of kind `Other` that carries the `AccessError`, so `get_ref` / `downcast`
    /// recover the copied count and the offset.
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Fault(_) => std::io::Error::other(e),
            _ => e.errno().into(),
        }
    }
}

#[cfg(feature = "std")]
impl From<Fault> for std::io::Error {
    /// As `From<AccessError>`.
    fn from(f: Fault) -> Self {
        AccessError::Fault(f).into()
    }
}

/// Installs the handler that makes `read_at` / `write_at` fault-safe (Linux: a SIGBUS
/// handler through raw `rt_sigaction`; Windows x86_64: a vectored exception handler), if
/// this copy of the crate has not installed it yet. The first `read_at` or `write_at`
/// does this on its own; call it early to get the error (a seccomp policy refusing
/// `rt_sigaction`, say) or to be installed before another library that chains to the
/// handler it finds. If installing fails, copies still work, unprotected.
/// `Errno::UNSUPPORTED` where copies are not fault-safe (see
/// [Platforms](crate::fault#platforms): macOS, Windows on arm64, Linux architectures
/// without a copy routine yet); there `read_at` / `write_at` copy plainly and a fault
/// kills the process as through a slice.
pub fn install() -> crate::Result<()> {
    #[cfg(rawmap_fault_copy)]
    {
        crate::copy::install()
    }
    #[cfg(not(rawmap_fault_copy))]
    {
        Err(Errno::UNSUPPORTED)
    }
}

/// Whether the handler will see the faults. Linux: whether the kernel's SIGBUS action is
/// still this crate's handler (`rt_sigaction` read back), `false` before installation or
/// after other code replaced it: from then on faults in `read_at` / `write_at` go to
/// that code instead. Windows x86_64: whether the vectored handler is registered (it
/// stays registered; see [What is guaranteed](crate::fault#what-is-guaranteed) for what
/// Windows cannot tell). Always `false` where [`install`] is unsupported.
pub fn is_active() -> crate::Result<bool> {
    #[cfg(rawmap_fault_copy)]
    {
        crate::copy::is_active()
    }
    #[cfg(not(rawmap_fault_copy))]
    {
        Ok(false)
    }
}
