//! The constants build.rs generates from `arch/` (`rawmap::sys`), checked against sources
//! that do not share our tables: the `libc` crate on every target, and `sc`'s syscall
//! numbers on the targets where it builds. Most checks are `const` assertions, so a wrong
//! number in `arch/` stops `cargo test` from compiling and names the constant.
//!
//! Every name in our tables must appear in one of the lists below, either checked or
//! marked as absent from libc with the reason; a runtime test compares the lists with the
//! tables, so a constant added to `arch/` without a cross-check fails the suite.
#![cfg(target_os = "linux")]

#[path = "../build/parse.rs"]
#[allow(dead_code)]
mod parse;

use std::collections::BTreeSet;
use std::mem::{offset_of, size_of};

use rawmap::raw::{Statx, StatxTimestamp};
use rawmap::{Errno, MapFlags, ProtFlags, sys};
use static_assertions::{assert_eq_size, const_assert_eq};

/// True when a libc value is a 32-bit quantity, so comparing it as `u32` loses nothing.
const fn fits_u32(v: i128) -> bool {
    v >= i32::MIN as i128 && v <= u32::MAX as i128
}

/// Checks syscall numbers against libc's `SYS_*` and, where it builds, `sc::nr::*`.
///
/// `in_sc` rows are compared with both; `libc_only` rows with libc alone (sc 0.2.7 has no
/// number for these newer calls, and sc does not build for the 32-bit ABIs at all). A row
/// may start with `#[cfg(..)]` when only some of our arches have that syscall (the
/// kernel's table for the arch, see `arch_abi()` in build/parse.rs), and may end in
/// `if <cfg predicate>` when libc has the number only on matching targets. The function
/// named first returns every name listed for this target, for the coverage test.
macro_rules! syscalls {
    (
        fn $list:ident;
        in_sc { $($(#[$attr:meta])* $name:ident: $libc:ident $(if $cfg:meta)?),* $(,)? }
        libc_only {
            $($(#[$lattr:meta])* $lname:ident: $llibc:ident $(if $lcfg:meta)?),* $(,)?
        }
    ) => {
        $(
            $(#[$attr])*
            $(#[cfg($cfg)])?
            const _: () = assert!(
                sys::nr::$name as i64 == libc::$libc as i64,
                concat!("nr::", stringify!($name), " differs from libc::", stringify!($libc)),
            );
            $(#[$attr])*
            #[cfg(all(
                target_os = "linux",
                any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")
            ))]
            const _: () = assert!(
                sys::nr::$name == sc::nr::$name,
                concat!("nr::", stringify!($name), " differs from sc::nr::", stringify!($name)),
            );
        )*
        $(
            $(#[$lattr])*
            $(#[cfg($lcfg)])?
            const _: () = assert!(
                sys::nr::$lname as i64 == libc::$llibc as i64,
                concat!("nr::", stringify!($lname), " differs from libc::", stringify!($llibc)),
            );
        )*
        /// `(name, compared with libc on this target)` for every row of this target.
        #[allow(clippy::vec_init_then_push)]
        fn $list() -> Vec<(&'static str, bool)> {
            #[allow(unused_mut)]
            let mut v = Vec::new();
            $(
                $(#[$attr])*
                v.push((stringify!($name), true $(&& cfg!($cfg))?));
            )*
            $(
                $(#[$lattr])*
                v.push((stringify!($lname), true $(&& cfg!($lcfg))?));
            )*
            v
        }
    };
}

syscalls! {
    fn syscall_names;
    in_sc {
        READ: SYS_read,
        WRITE: SYS_write,
        CLOSE: SYS_close,
        // riscv32 (time64 from the start) has only the 64-bit-offset forms, which libc
        // calls by the plain names: see `libc_only`.
        // libc 0.2.191 has no fstat/newfstatat for loongarch64 (the kernel removed them
        // there and added them back in 6.11); tests/tables.rs checks 79 and 80.
        #[cfg(not(target_arch = "riscv32"))]
        FSTAT: SYS_fstat if not(target_arch = "loongarch64"),
        #[cfg(not(target_arch = "riscv32"))]
        LSEEK: SYS_lseek,
        // arm EABI has only mmap2; riscv32's one mmap is the mmap2 row (`libc_only`).
        #[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
        MMAP: SYS_mmap,
        MPROTECT: SYS_mprotect,
        MUNMAP: SYS_munmap,
        RT_SIGACTION: SYS_rt_sigaction,
        RT_SIGPROCMASK: SYS_rt_sigprocmask,
        RT_SIGRETURN: SYS_rt_sigreturn,
        PREAD64: SYS_pread64,
        PWRITE64: SYS_pwrite64,
        MREMAP: SYS_mremap,
        MSYNC: SYS_msync,
        MINCORE: SYS_mincore,
        MADVISE: SYS_madvise,
        GETPID: SYS_getpid,
        CLONE: SYS_clone,
        EXIT: SYS_exit,
        #[cfg(not(target_arch = "riscv32"))]
        WAIT4: SYS_wait4,
        KILL: SYS_kill,
        #[cfg(not(target_arch = "riscv32"))]
        FCNTL: SYS_fcntl,
        #[cfg(not(target_arch = "riscv32"))]
        FTRUNCATE: SYS_ftruncate,
        MLOCK: SYS_mlock,
        MUNLOCK: SYS_munlock,
        MLOCKALL: SYS_mlockall,
        MUNLOCKALL: SYS_munlockall,
        PRCTL: SYS_prctl,
        GETTID: SYS_gettid,
        EXIT_GROUP: SYS_exit_group,
        TGKILL: SYS_tgkill,
        OPENAT: SYS_openat,
        UNLINKAT: SYS_unlinkat,
        FALLOCATE: SYS_fallocate,
        PRLIMIT64: SYS_prlimit64,
        SECCOMP: SYS_seccomp,
        MEMFD_CREATE: SYS_memfd_create,
        USERFAULTFD: SYS_userfaultfd,
        MLOCK2: SYS_mlock2,
        // libc 0.2.191 lacks it for powerpc, s390x and sparc64; tests/tables.rs checks
        // those.
        PKEY_MPROTECT: SYS_pkey_mprotect
            if not(any(
                target_arch = "powerpc",
                target_arch = "powerpc64",
                target_arch = "s390x",
                target_arch = "sparc64",
            )),
        STATX: SYS_statx,
        PIDFD_OPEN: SYS_pidfd_open,
        PROCESS_MADVISE: SYS_process_madvise,
    }
    libc_only {
        // 64-bit ABIs that kept the `newfstatat` name.
        #[cfg(any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "loongarch64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "mips64",
        ))]
        // Not in libc 0.2.191 for loongarch64, as FSTAT above.
        NEWFSTATAT: SYS_newfstatat if not(target_arch = "loongarch64"),
        // The 32-bit ABIs (and sparc64) with the stat64 family.
        #[cfg(any(
            target_arch = "x86",
            target_arch = "arm",
            target_arch = "powerpc",
            target_arch = "mips",
            target_arch = "sparc64",
        ))]
        FSTATAT64: SYS_fstatat64,
        #[cfg(any(
            target_arch = "x86",
            target_arch = "arm",
            target_arch = "powerpc",
            target_arch = "mips",
            target_arch = "sparc64",
        ))]
        FSTAT64: SYS_fstat64,
        #[cfg(any(
            target_arch = "x86",
            target_arch = "arm",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "mips",
            target_arch = "sparc64",
        ))]
        _LLSEEK: SYS__llseek,
        // The 64-bit-argument calls of the 32-bit ABIs. libc names riscv32's by the
        // plain names (glibc's headers alias them), with the same numbers.
        #[cfg(all(target_pointer_width = "32", not(target_arch = "riscv32")))]
        MMAP2: SYS_mmap2,
        #[cfg(all(target_pointer_width = "32", not(target_arch = "riscv32")))]
        FTRUNCATE64: SYS_ftruncate64,
        #[cfg(all(target_pointer_width = "32", not(target_arch = "riscv32")))]
        FCNTL64: SYS_fcntl64,
        #[cfg(target_arch = "riscv32")]
        MMAP2: SYS_mmap,
        #[cfg(target_arch = "riscv32")]
        FTRUNCATE64: SYS_ftruncate,
        #[cfg(target_arch = "riscv32")]
        FCNTL64: SYS_fcntl,
        #[cfg(target_arch = "riscv32")]
        LLSEEK: SYS_lseek,
        // Only x86, arm64, riscv and s390 wire up memfd_secret.
        #[cfg(any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "riscv32",
            target_arch = "s390x",
        ))]
        MEMFD_SECRET: SYS_memfd_secret,
        PROCESS_MRELEASE: SYS_process_mrelease,
        // libc 0.2.191 has SYS_mseal for these arches only; tests/tables.rs checks every
        // arch's 462 (4462, 5462) against the reference notes.
        MSEAL: SYS_mseal
            if any(
                target_arch = "x86_64",
                target_arch = "x86",
                target_arch = "aarch64",
                target_arch = "arm",
                target_arch = "powerpc",
                target_arch = "s390x",
            ),
    }
}

/// Checks the constants of one table module against libc's constants of the same name.
///
/// Each row is `NAME`, optionally preceded by `#[cfg(...)]` when only some of our arches
/// define it, and optionally followed by `if <cfg predicate>` when libc has it only on
/// targets matching the predicate (`if any()`, which is false: on none); where the
/// predicate is false the name is still listed (the table must have it) but not compared. Values compare as
/// `u32` after checking libc's value fits 32 bits: libc declares most of these as
/// `c_int`, so `MAP_HUGE_16GB` (`0x88000000`) is negative there.
macro_rules! same_as_libc {
    (fn $list:ident; $table:ident { $($(#[$attr:meta])* $name:ident $(if $libc_cfg:meta)?),* $(,)? }) => {
        $(
            $(#[$attr])*
            $(#[cfg($libc_cfg)])?
            const _: () = assert!(
                fits_u32(libc::$name as i128)
                    && sys::$table::$name as u32 == libc::$name as u32,
                concat!(
                    stringify!($table), "::", stringify!($name),
                    " differs from libc::", stringify!($name)
                ),
            );
        )*
        /// `(name, compared with libc on this target)` for every row.
        // Pushed one by one because rows may be cfg'd out.
        #[allow(clippy::vec_init_then_push)]
        fn $list() -> Vec<(&'static str, bool)> {
            #[allow(unused_mut)]
            let mut v = Vec::new();
            $(
                $(#[$attr])*
                v.push((stringify!($name), true $(&& cfg!($libc_cfg))?));
            )*
            v
        }
    };
}

same_as_libc! {
    fn mman_names;
    mman {
        PROT_READ,
        PROT_WRITE,
        PROT_EXEC,
        // libc has no PROT_SEM for Linux (glibc's <sys/mman.h> does not define it).
        PROT_SEM if any(),
        PROT_NONE,
        PROT_GROWSDOWN,
        PROT_GROWSUP,
        // libc defines these two for aarch64 glibc (and android), not for musl.
        #[cfg(target_arch = "aarch64")]
        PROT_BTI if target_env = "gnu",
        #[cfg(target_arch = "aarch64")]
        PROT_MTE if target_env = "gnu",
        MAP_TYPE,
        MAP_FIXED,
        MAP_ANONYMOUS,
        MAP_POPULATE,
        MAP_NONBLOCK,
        MAP_STACK,
        MAP_HUGETLB,
        // mips has no MAP_SYNC, MAP_UNINITIALIZED or MADV_SOFT_OFFLINE.
        #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
        MAP_SYNC,
        MAP_FIXED_NOREPLACE,
        // Kernel-only (CONFIG_MMAP_ALLOW_UNINITIALIZED): libc leaves it out.
        #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
        MAP_UNINITIALIZED if any(),
        // The x86 header defines it for i386 too; libc only for x86_64.
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        MAP_32BIT if target_arch = "x86_64",
        // Linux 6.4; not in libc 0.2 yet.
        #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
        MAP_ABOVE4G if any(),
        // Names older ABIs reserved; Linux ignores them.
        #[cfg(any(
            target_arch = "mips",
            target_arch = "mips64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "sparc64",
        ))]
        // None of these is in libc; tests/tables.rs checks them.
        MAP_RENAME if any(),
        #[cfg(target_arch = "sparc64")]
        MAP_INHERIT if any(),
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        MAP_AUTOGROW if any(),
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        MAP_LOCAL if any(),
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        MAP_AUTORSRV if any(),
        // Not in libc; tests/tables.rs checks it.
        #[cfg(any(target_arch = "powerpc", target_arch = "powerpc64"))]
        PROT_SAO if any(),
        #[cfg(target_arch = "sparc64")]
        PROT_ADI if any(),
        MLOCK_ONFAULT,
        MS_ASYNC,
        MS_INVALIDATE,
        MS_SYNC,
        MADV_NORMAL,
        MADV_RANDOM,
        MADV_SEQUENTIAL,
        MADV_WILLNEED,
        MADV_DONTNEED,
        MADV_FREE,
        MADV_REMOVE,
        MADV_DONTFORK,
        MADV_DOFORK,
        MADV_HWPOISON,
        #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
        MADV_SOFT_OFFLINE,
        MADV_MERGEABLE,
        MADV_UNMERGEABLE,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        MADV_DONTDUMP,
        MADV_DODUMP,
        MADV_WIPEONFORK,
        MADV_KEEPONFORK,
        MADV_COLD,
        MADV_PAGEOUT,
        MADV_POPULATE_READ,
        MADV_POPULATE_WRITE,
        MADV_DONTNEED_LOCKED,
        // libc has MADV_COLLAPSE (Linux 6.1) for glibc only.
        MADV_COLLAPSE if target_env = "gnu",
        // Linux 6.13; not in libc 0.2 yet.
        MADV_GUARD_INSTALL if any(),
        MADV_GUARD_REMOVE if any(),
        MAP_GROWSDOWN,
        MAP_DENYWRITE,
        MAP_EXECUTABLE,
        MAP_LOCKED,
        MAP_NORESERVE,
        MCL_CURRENT,
        MCL_FUTURE,
        MCL_ONFAULT,
        MREMAP_MAYMOVE,
        MREMAP_FIXED,
        MREMAP_DONTUNMAP,
        MAP_SHARED,
        MAP_PRIVATE,
        MAP_SHARED_VALIDATE,
        MAP_DROPPABLE,
        MAP_HUGE_SHIFT,
        MAP_HUGE_MASK,
        // For arm64 16K-page kernels; libc lists the other sizes but not this one.
        MAP_HUGE_16KB if any(),
        MAP_HUGE_64KB,
        MAP_HUGE_512KB,
        MAP_HUGE_1MB,
        MAP_HUGE_2MB,
        MAP_HUGE_8MB,
        MAP_HUGE_16MB,
        MAP_HUGE_32MB,
        MAP_HUGE_256MB,
        MAP_HUGE_512MB,
        MAP_HUGE_1GB,
        MAP_HUGE_2GB,
        MAP_HUGE_16GB,
    }
}

same_as_libc! {
    fn fcntl_names;
    fcntl {
        // musl's O_ACCMODE also covers O_PATH (its O_SEARCH), so libc-musl differs.
        O_ACCMODE if not(target_env = "musl"),
        O_RDONLY,
        O_WRONLY,
        O_RDWR,
        O_CREAT,
        O_EXCL,
        O_NOCTTY,
        O_TRUNC,
        O_APPEND,
        O_NONBLOCK,
        O_DSYNC,
        O_DIRECT,
        // glibc's 64-bit ABIs define O_LARGEFILE as 0 (the kernel forces it on), so libc
        // has the user-space value there, not the kernel's.
        O_LARGEFILE if not(target_env = "gnu"),
        O_DIRECTORY,
        O_NOFOLLOW,
        O_NOATIME,
        O_CLOEXEC,
        O_SYNC,
        O_PATH,
        O_TMPFILE,
        F_GETFL,
        F_SETFL,
        F_ADD_SEALS,
        F_GET_SEALS,
        F_SEAL_SEAL,
        F_SEAL_SHRINK,
        F_SEAL_GROW,
        F_SEAL_WRITE,
        F_SEAL_FUTURE_WRITE,
        F_SEAL_EXEC,
        AT_FDCWD,
        AT_SYMLINK_NOFOLLOW,
        AT_EMPTY_PATH,
        AT_REMOVEDIR,
        STATX_SIZE,
        STATX_BASIC_STATS,
        STATX_ATTR_VERITY,
        MFD_CLOEXEC,
        MFD_ALLOW_SEALING,
        MFD_HUGETLB,
        MFD_NOEXEC_SEAL,
        MFD_EXEC,
        MFD_HUGE_SHIFT,
        MFD_HUGE_MASK,
        MFD_HUGE_64KB,
        MFD_HUGE_512KB,
        MFD_HUGE_1MB,
        MFD_HUGE_2MB,
        MFD_HUGE_8MB,
        MFD_HUGE_16MB,
        MFD_HUGE_32MB,
        MFD_HUGE_256MB,
        MFD_HUGE_512MB,
        MFD_HUGE_1GB,
        MFD_HUGE_2GB,
        MFD_HUGE_16GB,
    }
}

same_as_libc! {
    fn auxv_names;
    auxv {
        // Linux 6.4; libc 0.2 does not have it yet.
        PR_GET_AUXV if any(),
        AT_NULL,
        AT_PAGESZ,
    }
}

same_as_libc! {
    fn errno_names;
    errno {
        EPERM,
        ENOENT,
        ESRCH,
        EINTR,
        EIO,
        ENXIO,
        E2BIG,
        ENOEXEC,
        EBADF,
        ECHILD,
        EAGAIN,
        ENOMEM,
        EACCES,
        EFAULT,
        ENOTBLK,
        EBUSY,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        ENFILE,
        EMFILE,
        ENOTTY,
        ETXTBSY,
        EFBIG,
        ENOSPC,
        ESPIPE,
        EROFS,
        EMLINK,
        EPIPE,
        EDOM,
        ERANGE,
        EDEADLK,
        ENAMETOOLONG,
        ENOLCK,
        ENOSYS,
        ENOTEMPTY,
        ELOOP,
        EWOULDBLOCK,
        ENOMSG,
        EIDRM,
        ECHRNG,
        EL2NSYNC,
        EL3HLT,
        EL3RST,
        ELNRNG,
        EUNATCH,
        ENOCSI,
        EL2HLT,
        EBADE,
        EBADR,
        EXFULL,
        ENOANO,
        EBADRQC,
        EBADSLT,
        EDEADLOCK,
        EBFONT,
        ENOSTR,
        ENODATA,
        ETIME,
        ENOSR,
        ENONET,
        ENOPKG,
        EREMOTE,
        ENOLINK,
        EADV,
        ESRMNT,
        ECOMM,
        EPROTO,
        EMULTIHOP,
        EDOTDOT,
        EBADMSG,
        EOVERFLOW,
        ENOTUNIQ,
        EBADFD,
        EREMCHG,
        ELIBACC,
        ELIBBAD,
        ELIBSCN,
        ELIBMAX,
        ELIBEXEC,
        EILSEQ,
        ERESTART,
        ESTRPIPE,
        EUSERS,
        ENOTSOCK,
        EDESTADDRREQ,
        EMSGSIZE,
        EPROTOTYPE,
        ENOPROTOOPT,
        EPROTONOSUPPORT,
        ESOCKTNOSUPPORT,
        EOPNOTSUPP,
        EPFNOSUPPORT,
        EAFNOSUPPORT,
        EADDRINUSE,
        EADDRNOTAVAIL,
        ENETDOWN,
        ENETUNREACH,
        ENETRESET,
        ECONNABORTED,
        ECONNRESET,
        ENOBUFS,
        EISCONN,
        ENOTCONN,
        ESHUTDOWN,
        ETOOMANYREFS,
        ETIMEDOUT,
        ECONNREFUSED,
        EHOSTDOWN,
        EHOSTUNREACH,
        EALREADY,
        EINPROGRESS,
        ESTALE,
        EUCLEAN,
        ENOTNAM,
        ENAVAIL,
        EISNAM,
        EREMOTEIO,
        EDQUOT,
        ENOMEDIUM,
        EMEDIUMTYPE,
        ECANCELED,
        ENOKEY,
        EKEYEXPIRED,
        EKEYREVOKED,
        EKEYREJECTED,
        EOWNERDEAD,
        ENOTRECOVERABLE,
        ERFKILL,
        EHWPOISON,
        // Arch-only errnos libc does not define; tests/tables.rs checks them.
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        EINIT if any(),
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        EREMDEV if any(),
        #[cfg(target_arch = "sparc64")]
        EPROCLIM if any(),
        #[cfg(target_arch = "sparc64")]
        ERREMOTE if any(),
    }
}

same_as_libc! {
    fn signal_names;
    signal {
        // The kernel's signal count; libc has no `_NSIG` for Linux (glibc's is 65).
        _NSIG if any(),
        // libc 0.2.191's glibc port gives mips64 the generic values of these five (its
        // cfg names `mips` where it means `mips64`); tests/tables.rs checks the kernel's.
        SIGBUS if not(all(target_arch = "mips64", target_env = "gnu")),
        SIGSEGV,
        SA_SIGINFO if not(all(target_arch = "mips64", target_env = "gnu")),
        SA_ONSTACK,
        SA_RESTART,
        SA_NODEFER,
        SA_RESETHAND,
        // Kernel-only: libc's sigaction sets it (and its restorer) behind the caller's back.
        #[cfg(any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
        ))]
        SA_RESTORER if any(),
        SIG_BLOCK if not(all(target_arch = "mips64", target_env = "gnu")),
        SIG_UNBLOCK if not(all(target_arch = "mips64", target_env = "gnu")),
        SIG_SETMASK if not(all(target_arch = "mips64", target_env = "gnu")),
        SIG_DFL,
        SIG_IGN,
        SI_USER,
        SI_KERNEL,
        SI_TKILL,
        BUS_ADRALN,
        BUS_ADRERR,
        BUS_OBJERR,
        BUS_MCEERR_AR,
        BUS_MCEERR_AO,
    }
}

// The named `Errno` constants are built from the same table; spot-check the mapping.
const_assert_eq!(Errno::INVAL.raw(), sys::errno::EINVAL);
const_assert_eq!(Errno::TOOBIG.raw(), sys::errno::E2BIG);
const_assert_eq!(Errno::NOMEM.raw() as i32, libc::ENOMEM);
const_assert_eq!(Errno::NOSYS.raw() as i32, libc::ENOSYS);

// Layout: `Errno` is a non-zero u16, so the niche makes `Option` and `Result<()>` free.
assert_eq_size!(Errno, u16);
assert_eq_size!(Option<Errno>, u16);
assert_eq_size!(Result<(), Errno>, u16);
assert_eq_size!(rawmap::Result<()>, u16);

// Flag sets travel to the kernel as the C `int` they replace.
assert_eq_size!(ProtFlags, u32);
assert_eq_size!(MapFlags, u32);

// `struct statx` is the same 256 bytes on every arch; ours must match libc's field by field.
macro_rules! same_offsets {
    ($ours:ty, $theirs:ty: $($field:ident),* $(,)?) => {
        const_assert_eq!(size_of::<$ours>(), size_of::<$theirs>());
        const_assert_eq!(align_of::<$ours>(), align_of::<$theirs>());
        $(
            const_assert_eq!(offset_of!($ours, $field), offset_of!($theirs, $field));
            const_assert_eq!(
                size_of_field(|s: &$ours| &s.$field),
                size_of_field(|s: &$theirs| &s.$field)
            );
        )*
    };
}

/// The size of the field a projection closure points at, usable in `const` items.
const fn size_of_field<S, F>(_: fn(&S) -> &F) -> usize {
    size_of::<F>()
}

const_assert_eq!(size_of::<Statx>(), 256);
same_offsets!(Statx, libc::statx:
    stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid, stx_gid, stx_mode,
    stx_ino, stx_size, stx_blocks, stx_attributes_mask, stx_atime, stx_btime, stx_ctime,
    stx_mtime, stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor, stx_mnt_id,
    stx_dio_mem_align, stx_dio_offset_align,
);
same_offsets!(StatxTimestamp, libc::statx_timestamp: tv_sec, tv_nsec);

/// The names our tables hold for this target, read with the same parser build.rs uses.
fn table_names() -> (BTreeSet<String>, Vec<(&'static str, BTreeSet<String>)>) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/arch/");
    let read = |rel: &str| match std::fs::read_to_string(format!("{root}{rel}")) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{rel}: {e}")),
    };
    let (calls, tables) = parse::load(std::env::consts::ARCH, read).expect("arch/ loads");
    let calls = calls.into_iter().map(|c| c.name.to_uppercase()).collect();
    let tables = tables
        .into_iter()
        .map(|(t, cs)| (t, cs.into_iter().map(|c| c.name).collect()))
        .collect();
    (calls, tables)
}

/// Asserts `listed` names exactly the table's names, reporting both differences.
fn assert_covers(table: &str, listed: &[&str], names: &BTreeSet<String>) {
    let listed_set: BTreeSet<String> = listed.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        listed.len(),
        listed_set.len(),
        "{table}: a name is listed twice"
    );
    let unlisted: Vec<_> = names.difference(&listed_set).collect();
    let stale: Vec<_> = listed_set.difference(names).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "{table}: in arch/ but not cross-checked in tests/abi.rs: {unlisted:?}; \
         listed here but not in arch/: {stale:?}"
    );
}

#[test]
fn every_syscall_in_the_tables_is_cross_checked() {
    let (calls, _) = table_names();
    let listed: Vec<&str> = syscall_names().iter().map(|(n, _)| *n).collect();
    assert_covers("syscalls", &listed, &calls);
}

#[test]
fn every_constant_in_the_tables_is_listed() {
    let (_, tables) = table_names();
    let lists: [(&str, Vec<(&str, bool)>); 5] = [
        ("mman", mman_names()),
        ("fcntl", fcntl_names()),
        ("auxv", auxv_names()),
        ("errno", errno_names()),
        ("signal", signal_names()),
    ];
    for (table, list) in &lists {
        let names = &tables
            .iter()
            .find(|(t, _)| t == table)
            .unwrap_or_else(|| panic!("no `{table}` table loaded"))
            .1;
        let listed: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
        assert_covers(table, &listed, names);
    }
    assert_eq!(
        lists.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        parse::CONST_TABLES,
        "a constant table was added to build/parse.rs without a cross-check here"
    );
}

#[test]
fn most_constants_are_compared_with_libc() {
    // Guards against a cfg predicate that accidentally switches the comparisons off: on
    // each target only the few rows documented above may go unchecked (with libc
    // 0.2.191: 8 on x86_64-unknown-linux-gnu, 8 on riscv64, 11 on powerpc64, 13 on mips,
    // plus `_NSIG` and, where it exists, `SA_RESTORER` from the signal table, and five
    // signal values libc has wrong for mips64 with glibc: 19 there; every one of them is
    // checked against the reference notes or kernel headers in tests/tables.rs).
    let lists = [
        syscall_names(),
        mman_names(),
        fcntl_names(),
        auxv_names(),
        errno_names(),
        signal_names(),
    ];
    let unchecked: Vec<&str> = lists
        .iter()
        .flatten()
        .filter(|(_, checked)| !checked)
        .map(|(n, _)| *n)
        .collect();
    assert!(
        unchecked.len() <= 20,
        "unchecked on this target: {unchecked:?}"
    );
}

#[test]
fn errno_table_values_round_trip_through_errno() {
    // The generated tables drive `Errno::name`; every entry must be reachable by value,
    // with aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK) resolving to the first.
    let codes = &sys::errno::CODES;
    let slice = |all: &'static str, ends: &[u16], i: usize| {
        let start = if i == 0 { 0 } else { usize::from(ends[i - 1]) };
        &all[start..usize::from(ends[i])]
    };
    for (i, &value) in codes.iter().enumerate() {
        let name = slice(sys::errno::NAMES, &sys::errno::NAME_ENDS, i);
        let message = slice(sys::errno::MESSAGES, &sys::errno::MESSAGE_ENDS, i);
        let first = codes.iter().position(|&v| v == value).unwrap();
        let err = Errno::new(value).expect("no zero in the errno table");
        assert_eq!(
            err.name(),
            Some(slice(sys::errno::NAMES, &sys::errno::NAME_ENDS, first)),
            "{name}"
        );
        assert_eq!(
            err.message(),
            Some(slice(
                sys::errno::MESSAGES,
                &sys::errno::MESSAGE_ENDS,
                first
            )),
            "{name}"
        );
        assert!(!message.is_empty(), "{name} has no message");
        // libc agrees on the number (checked at compile time above), so std's message
        // lookup for the same value must describe the same error.
        #[cfg(feature = "std")]
        assert_eq!(
            std::io::Error::from(err).raw_os_error(),
            Some(i32::from(value)),
            "{name}"
        );
    }
}
