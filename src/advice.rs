//! `Advice` and `UncheckedAdvice`: every `MADV_*` value the kernel defines, split by
//! whether it can change memory contents or lifetime.
//!
//! Advice that only affects performance or bookkeeping is safe to give for memory the
//! caller may hold references into. Advice that can zero pages (`DONTNEED`, `FREE`,
//! `REMOVE`), make them disappear in a child (`DONTFORK`, `WIPEONFORK`) or fault
//! (`GUARD_INSTALL`, `HWPOISON`) is `UncheckedAdvice`, given only through `unsafe` calls.
//!
//! Each platform has its own set, with one portable core every platform has:
//! `Advice::{Normal, Random, Sequential, WillNeed}` and
//! `UncheckedAdvice::{DontNeed, Free}`. What a platform cannot do fails with
//! `Errno::UNSUPPORTED` (Windows: `Random`, `Sequential`, `DontNeed`); everything else of
//! Linux is absent elsewhere. macOS adds its `MADV_FREE_REUSABLE` / `MADV_FREE_REUSE`.

#[cfg(target_os = "linux")]
pub use linux::{Advice, UncheckedAdvice};
#[cfg(target_os = "macos")]
pub use macos::{Advice, UncheckedAdvice};
#[cfg(windows)]
pub use windows::{Advice, UncheckedAdvice};

#[cfg(target_os = "linux")]
mod linux {
    use crate::linux::sys::mman;
    use crate::raw;

    /// Advice that never changes what a correct program can observe in the memory.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum Advice {
        /// `MADV_NORMAL`: default read-ahead.
        Normal = mman::MADV_NORMAL,
        /// `MADV_RANDOM`: expect random access; little read-ahead.
        Random = mman::MADV_RANDOM,
        /// `MADV_SEQUENTIAL`: expect sequential access; aggressive read-ahead.
        Sequential = mman::MADV_SEQUENTIAL,
        /// `MADV_WILLNEED`: start reading the pages in now.
        WillNeed = mman::MADV_WILLNEED,
        /// `MADV_DOFORK`: undo `DONTFORK`.
        DoFork = mman::MADV_DOFORK,
        /// `MADV_MERGEABLE`: allow KSM to merge identical pages.
        Mergeable = mman::MADV_MERGEABLE,
        /// `MADV_UNMERGEABLE`: undo `MERGEABLE`.
        Unmergeable = mman::MADV_UNMERGEABLE,
        /// `MADV_HUGEPAGE`: prefer transparent huge pages.
        HugePage = mman::MADV_HUGEPAGE,
        /// `MADV_NOHUGEPAGE`: avoid transparent huge pages.
        NoHugePage = mman::MADV_NOHUGEPAGE,
        /// `MADV_DONTDUMP`: leave out of core dumps.
        DontDump = mman::MADV_DONTDUMP,
        /// `MADV_DODUMP`: undo `DONTDUMP`.
        DoDump = mman::MADV_DODUMP,
        /// `MADV_KEEPONFORK` (Linux 4.14): undo `WIPEONFORK`.
        KeepOnFork = mman::MADV_KEEPONFORK,
        /// `MADV_COLD` (Linux 5.4): the pages are unlikely to be used soon.
        Cold = mman::MADV_COLD,
        /// `MADV_PAGEOUT` (Linux 5.4): reclaim the pages now; contents are kept (swap or file).
        PageOut = mman::MADV_PAGEOUT,
        /// `MADV_POPULATE_READ` (Linux 5.14): fault the pages in readable; fails with
        /// `EFAULT` where access would raise SIGBUS.
        PopulateRead = mman::MADV_POPULATE_READ,
        /// `MADV_POPULATE_WRITE` (Linux 5.14): fault the pages in writable.
        PopulateWrite = mman::MADV_POPULATE_WRITE,
        /// `MADV_COLLAPSE` (Linux 6.1): collapse the range into transparent huge pages now.
        Collapse = mman::MADV_COLLAPSE,
    }

    /// Advice that can change memory contents, lifetime or accessibility: `unsafe` to give.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum UncheckedAdvice {
        /// `MADV_DONTNEED`: drop the pages; private anonymous memory reads back as zeros,
        /// file mappings re-read the file.
        DontNeed = mman::MADV_DONTNEED,
        /// `MADV_FREE` (Linux 4.5): the kernel may drop the pages lazily (zeros or old data).
        Free = mman::MADV_FREE,
        /// `MADV_REMOVE`: free the backing store (punch a hole in a shared file).
        Remove = mman::MADV_REMOVE,
        /// `MADV_DONTFORK`: a child process gets nothing mapped here.
        DontFork = mman::MADV_DONTFORK,
        /// `MADV_WIPEONFORK` (Linux 4.14): a child process sees zeros here.
        WipeOnFork = mman::MADV_WIPEONFORK,
        /// `MADV_DONTNEED_LOCKED` (Linux 5.18): `DONTNEED` that also applies to locked pages.
        DontNeedLocked = mman::MADV_DONTNEED_LOCKED,
        /// `MADV_HWPOISON`: poison the pages as a hardware error would (needs CAP_SYS_ADMIN).
        HwPoison = mman::MADV_HWPOISON,
        /// `MADV_SOFT_OFFLINE`: migrate the pages and take the frames offline (CAP_SYS_ADMIN).
        #[cfg(rawmap_const = "MADV_SOFT_OFFLINE")]
        SoftOffline = mman::MADV_SOFT_OFFLINE,
        /// `MADV_GUARD_INSTALL` (Linux 6.13): accessing the pages raises SIGSEGV; contents are
        /// dropped.
        GuardInstall = mman::MADV_GUARD_INSTALL,
        /// `MADV_GUARD_REMOVE` (Linux 6.13): remove guard markers; the pages read as zeros or
        /// file contents again.
        GuardRemove = mman::MADV_GUARD_REMOVE,
    }

    /// `madvise(NULL, 0, advice)`: 0 if the kernel knows the advice, `EINVAL` if not. One
    /// syscall, no side effect. (qemu-user accepts every value, so there it says yes.)
    fn probe(advice: u32) -> bool {
        // SAFETY: an empty range at address 0 touches no memory.
        let r = unsafe { raw::madvise(core::ptr::null_mut(), 0, advice) };
        // Only EINVAL means "unknown": older kernels refused HWPOISON to non-root callers
        // with EPERM, yet knew it.
        r != Err(crate::Errno::INVAL)
    }

    impl Advice {
        /// Whether the running kernel knows this advice (see [`probe`](UncheckedAdvice::is_supported)).
        ///
        /// ```
        /// assert!(rawmap::Advice::Normal.is_supported());
        /// ```
        pub fn is_supported(self) -> bool {
            probe(self as u32)
        }
    }

    impl UncheckedAdvice {
        /// Whether the running kernel knows this advice: `madvise(NULL, 0, advice)`
        /// succeeds for known values and fails with `EINVAL` for unknown ones.
        pub fn is_supported(self) -> bool {
            probe(self as u32)
        }
    }
}

#[cfg(target_os = "macos")]
mod macos {
    /// Advice that never changes what a correct program can observe in the memory
    /// (macOS: `madvise` with the `MADV_*` values of `<sys/mman.h>`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum Advice {
        /// `MADV_NORMAL`: default read-ahead.
        Normal = libc::MADV_NORMAL as u32,
        /// `MADV_RANDOM`: expect random access.
        Random = libc::MADV_RANDOM as u32,
        /// `MADV_SEQUENTIAL`: expect sequential access.
        Sequential = libc::MADV_SEQUENTIAL as u32,
        /// `MADV_WILLNEED`: start reading the pages in now.
        WillNeed = libc::MADV_WILLNEED as u32,
        /// `MADV_FREE_REUSE`: the pages given up with `FreeReusable` are in use again
        /// (accounting only; their contents are whatever `FreeReusable` left).
        FreeReuse = libc::MADV_FREE_REUSE as u32,
    }

    /// Advice that can change memory contents: `unsafe` to give.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum UncheckedAdvice {
        /// `MADV_DONTNEED`: the pages are not needed soon. macOS documents no effect on
        /// the contents (Linux zeroes private anonymous pages): rely on neither the old
        /// contents nor zeros.
        DontNeed = libc::MADV_DONTNEED as u32,
        /// `MADV_FREE`: the kernel may drop the pages; they read as old data or zeros.
        Free = libc::MADV_FREE as u32,
        /// `MADV_FREE_REUSABLE`: as `Free`, and the pages stop counting against the
        /// process's footprint until `Advice::FreeReuse` (what macOS allocators use).
        FreeReusable = libc::MADV_FREE_REUSABLE as u32,
    }

    impl Advice {
        /// Always true: every variant here is a `madvise` value macOS has had since
        /// 10.5.
        pub fn is_supported(self) -> bool {
            true
        }
    }

    impl UncheckedAdvice {
        /// Always true, as [`Advice::is_supported`].
        pub fn is_supported(self) -> bool {
            true
        }
    }
}

#[cfg(windows)]
mod windows {
    /// Advice that never changes what a correct program can observe in the memory.
    ///
    /// Windows has no `madvise`: `WillNeed` is `PrefetchVirtualMemory`, `Normal` is a
    /// no-op (views have no access-pattern state to reset), and `Random` and
    /// `Sequential` fail with `Errno::UNSUPPORTED` (read-ahead hints exist only for file
    /// handles, at `CreateFile` time). The values are the crate's own tags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum Advice {
        /// No special treatment: accepted, nothing to do.
        Normal = 0,
        /// Expect random access: `Errno::UNSUPPORTED`.
        Random = 1,
        /// Expect sequential access: `Errno::UNSUPPORTED`.
        Sequential = 2,
        /// `PrefetchVirtualMemory`: start reading the pages in now.
        WillNeed = 3,
    }

    /// Advice that can change memory contents: `unsafe` to give.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u32)]
    #[non_exhaustive]
    pub enum UncheckedAdvice {
        /// Drop the pages and read zeros (Linux `MADV_DONTNEED`): `Errno::UNSUPPORTED`,
        /// since a view's pages cannot be decommitted.
        DontNeed = 4,
        /// `VirtualAlloc(MEM_RESET)`: the pages' contents become undefined (old data or
        /// zeros) and they need not be written to the pagefile; as Linux `MADV_FREE`,
        /// for anonymous memory only (a view of a file gives an error). This is what
        /// `DiscardVirtualMemory` does too; MEM_RESET is used because Wine 8.0, where
        /// the tests run, does not implement `DiscardVirtualMemory`. (`OfferVirtualMemory`
        /// is not used: it needs a `ReclaimVirtualMemory` before the next access, a
        /// protocol one advice call cannot express.)
        Free = 5,
    }

    impl Advice {
        /// Whether the crate can carry the advice out here: false for `Random` and
        /// `Sequential`.
        pub fn is_supported(self) -> bool {
            matches!(self, Self::Normal | Self::WillNeed)
        }
    }

    impl UncheckedAdvice {
        /// Whether the crate can carry the advice out here: false for `DontNeed`.
        pub fn is_supported(self) -> bool {
            matches!(self, Self::Free)
        }
    }
}
