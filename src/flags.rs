//! Flag sets and enums for the `mm` syscalls, with this architecture's values.
//!
//! A flag the target architecture does not define is absent, not given another arch's
//! value: each `#[cfg(rawmap_const = "...")]` is set by build.rs from the tables in
//! `arch/`. Every type keeps unknown bits (`from_bits_retain`), so values newer than this
//! crate can still be passed through.

use crate::linux::sys::{fcntl, mman};
use bitflags::bitflags;

bitflags! {
    /// `PROT_*`: access allowed to mapped pages. `PROT_NONE` is [`ProtFlags::empty()`].
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ProtFlags: u32 {
        /// `PROT_READ`
        const READ = mman::PROT_READ;
        /// `PROT_WRITE`
        const WRITE = mman::PROT_WRITE;
        /// `PROT_EXEC`
        const EXEC = mman::PROT_EXEC;
        /// `PROT_SEM`
        const SEM = mman::PROT_SEM;
        /// `PROT_GROWSDOWN` (mprotect only)
        const GROWSDOWN = mman::PROT_GROWSDOWN;
        /// `PROT_GROWSUP` (mprotect only)
        const GROWSUP = mman::PROT_GROWSUP;
        /// `PROT_BTI`: branch target identification (aarch64)
        #[cfg(rawmap_const = "PROT_BTI")]
        const BTI = mman::PROT_BTI;
        /// `PROT_MTE`: memory tagging (aarch64)
        #[cfg(rawmap_const = "PROT_MTE")]
        const MTE = mman::PROT_MTE;
        /// `PROT_SAO`: strong access ordering (powerpc)
        #[cfg(rawmap_const = "PROT_SAO")]
        const SAO = mman::PROT_SAO;
        /// `PROT_ADI`: application data integrity (sparc)
        #[cfg(rawmap_const = "PROT_ADI")]
        const ADI = mman::PROT_ADI;
        const _ = !0;
    }
}

/// The type field of mmap's `flags`: one value, not a set of bits.
///
/// `SharedValidate` is 3, `Shared | Private` if it were a bit set, which is why this is
/// an enum: it asks the kernel to reject flags it does not know with `EOPNOTSUPP`
/// instead of ignoring them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MapType {
    /// `MAP_SHARED`: writes reach the file and other mappings of it.
    Shared = mman::MAP_SHARED,
    /// `MAP_PRIVATE`: copy-on-write; writes stay in this mapping.
    Private = mman::MAP_PRIVATE,
    /// `MAP_SHARED_VALIDATE` (Linux 4.15): `Shared`, and unknown flags fail.
    SharedValidate = mman::MAP_SHARED_VALIDATE,
    /// `MAP_DROPPABLE` (Linux 6.11): anonymous memory the kernel may zero under pressure.
    Droppable = mman::MAP_DROPPABLE,
}

bitflags! {
    /// `MAP_*` flags other than the type (see [`MapType`]).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MapFlags: u32 {
        /// `MAP_FIXED`: replace whatever is mapped at the address.
        const FIXED = mman::MAP_FIXED;
        /// `MAP_ANONYMOUS`: no file; pages start zeroed.
        const ANONYMOUS = mman::MAP_ANONYMOUS;
        /// `MAP_32BIT`: map in the first 2 GiB (x86_64).
        #[cfg(rawmap_const = "MAP_32BIT")]
        const BIT32 = mman::MAP_32BIT;
        /// `MAP_ABOVE4G`: hint only above 4 GiB (x86, Linux 6.4).
        #[cfg(rawmap_const = "MAP_ABOVE4G")]
        const ABOVE4G = mman::MAP_ABOVE4G;
        /// `MAP_GROWSDOWN`: a stack that grows down.
        const GROWSDOWN = mman::MAP_GROWSDOWN;
        /// `MAP_DENYWRITE`: ignored by the kernel.
        const DENYWRITE = mman::MAP_DENYWRITE;
        /// `MAP_EXECUTABLE`: ignored by the kernel.
        const EXECUTABLE = mman::MAP_EXECUTABLE;
        /// `MAP_LOCKED`: lock the pages, like `mlock`.
        const LOCKED = mman::MAP_LOCKED;
        /// `MAP_NORESERVE`: do not reserve swap.
        const NORESERVE = mman::MAP_NORESERVE;
        /// `MAP_POPULATE`: prefault the pages.
        const POPULATE = mman::MAP_POPULATE;
        /// `MAP_NONBLOCK`: with `POPULATE`, do not block on I/O.
        const NONBLOCK = mman::MAP_NONBLOCK;
        /// `MAP_STACK`: a thread stack.
        const STACK = mman::MAP_STACK;
        /// `MAP_HUGETLB`: huge pages; the size goes in [`MapFlags::huge_page_shift`].
        const HUGETLB = mman::MAP_HUGETLB;
        /// `MAP_SYNC` (with `SharedValidate`): synchronous page faults for DAX.
        #[cfg(rawmap_const = "MAP_SYNC")]
        const SYNC = mman::MAP_SYNC;
        /// `MAP_FIXED_NOREPLACE` (Linux 4.17): like `FIXED`, but fail with `EEXIST`.
        const FIXED_NOREPLACE = mman::MAP_FIXED_NOREPLACE;
        /// `MAP_UNINITIALIZED`: honoured only by kernels built for it.
        #[cfg(rawmap_const = "MAP_UNINITIALIZED")]
        const UNINITIALIZED = mman::MAP_UNINITIALIZED;
        const _ = !0;
    }
}

impl MapFlags {
    /// `MAP_HUGETLB` with an explicit page size of `1 << shift` bytes, in the
    /// `MAP_HUGE_SHIFT` field (21 for 2 MiB, 30 for 1 GiB). `shift` must be below 64.
    pub const fn huge_page_shift(shift: u8) -> Self {
        Self::from_bits_retain(
            mman::MAP_HUGETLB | ((shift as u32 & mman::MAP_HUGE_MASK) << mman::MAP_HUGE_SHIFT),
        )
    }
}

bitflags! {
    /// `MREMAP_*` flags for [`crate::raw::mremap`].
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RemapFlags: u32 {
        /// `MREMAP_MAYMOVE`: the kernel may move the mapping.
        const MAYMOVE = mman::MREMAP_MAYMOVE;
        /// `MREMAP_FIXED`: move to the given address (needs `MAYMOVE`).
        const FIXED = mman::MREMAP_FIXED;
        /// `MREMAP_DONTUNMAP` (Linux 5.7): leave the old range mapped, empty.
        const DONTUNMAP = mman::MREMAP_DONTUNMAP;
        const _ = !0;
    }
}

bitflags! {
    /// `MS_*` flags for msync.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MsyncFlags: u32 {
        /// `MS_ASYNC`: schedule the write-back and return.
        const ASYNC = mman::MS_ASYNC;
        /// `MS_INVALIDATE`: invalidate other mappings of the same file.
        const INVALIDATE = mman::MS_INVALIDATE;
        /// `MS_SYNC`: write back and wait.
        const SYNC = mman::MS_SYNC;
        const _ = !0;
    }
}

bitflags! {
    /// `MLOCK_*` flags for mlock2.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MlockFlags: u32 {
        /// `MLOCK_ONFAULT`: lock pages as they are faulted in, not all at once.
        const ONFAULT = mman::MLOCK_ONFAULT;
        const _ = !0;
    }
}

bitflags! {
    /// `MCL_*` flags for mlockall.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MlockAllFlags: u32 {
        /// `MCL_CURRENT`: lock what is mapped now.
        const CURRENT = mman::MCL_CURRENT;
        /// `MCL_FUTURE`: lock what is mapped later.
        const FUTURE = mman::MCL_FUTURE;
        /// `MCL_ONFAULT`: lock pages as they are faulted in.
        const ONFAULT = mman::MCL_ONFAULT;
        const _ = !0;
    }
}

bitflags! {
    /// `O_*` flags for openat. Read-only (`O_RDONLY`) is [`OpenFlags::empty()`].
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct OpenFlags: u32 {
        /// `O_WRONLY`
        const WRONLY = fcntl::O_WRONLY;
        /// `O_RDWR`
        const RDWR = fcntl::O_RDWR;
        /// `O_CREAT`
        const CREAT = fcntl::O_CREAT;
        /// `O_EXCL`
        const EXCL = fcntl::O_EXCL;
        /// `O_NOCTTY`
        const NOCTTY = fcntl::O_NOCTTY;
        /// `O_TRUNC`
        const TRUNC = fcntl::O_TRUNC;
        /// `O_APPEND`
        const APPEND = fcntl::O_APPEND;
        /// `O_NONBLOCK`
        const NONBLOCK = fcntl::O_NONBLOCK;
        /// `O_DSYNC`
        const DSYNC = fcntl::O_DSYNC;
        /// `O_DIRECT`
        const DIRECT = fcntl::O_DIRECT;
        /// `O_LARGEFILE`: implied on 64-bit kernels; the crate adds it on 32-bit ones.
        const LARGEFILE = fcntl::O_LARGEFILE;
        /// `O_DIRECTORY`
        const DIRECTORY = fcntl::O_DIRECTORY;
        /// `O_NOFOLLOW`
        const NOFOLLOW = fcntl::O_NOFOLLOW;
        /// `O_NOATIME`
        const NOATIME = fcntl::O_NOATIME;
        /// `O_CLOEXEC`
        const CLOEXEC = fcntl::O_CLOEXEC;
        /// `O_SYNC`
        const SYNC = fcntl::O_SYNC;
        /// `O_PATH`
        const PATH = fcntl::O_PATH;
        /// `O_TMPFILE` (includes `O_DIRECTORY`)
        const TMPFILE = fcntl::O_TMPFILE;
        const _ = !0;
    }
}

bitflags! {
    /// `MFD_*` flags for memfd_create.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MemfdFlags: u32 {
        /// `MFD_CLOEXEC`
        const CLOEXEC = fcntl::MFD_CLOEXEC;
        /// `MFD_ALLOW_SEALING`: allow `F_ADD_SEALS`.
        const ALLOW_SEALING = fcntl::MFD_ALLOW_SEALING;
        /// `MFD_HUGETLB`
        const HUGETLB = fcntl::MFD_HUGETLB;
        /// `MFD_NOEXEC_SEAL` (Linux 6.3)
        const NOEXEC_SEAL = fcntl::MFD_NOEXEC_SEAL;
        /// `MFD_EXEC` (Linux 6.3)
        const EXEC = fcntl::MFD_EXEC;
        const _ = !0;
    }
}

bitflags! {
    /// `F_SEAL_*`: seals of a memfd (`fcntl(F_ADD_SEALS / F_GET_SEALS)`).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SealFlags: u32 {
        /// `F_SEAL_SEAL`: no more seals can be added.
        const SEAL = fcntl::F_SEAL_SEAL;
        /// `F_SEAL_SHRINK`: the file cannot shrink.
        const SHRINK = fcntl::F_SEAL_SHRINK;
        /// `F_SEAL_GROW`: the file cannot grow.
        const GROW = fcntl::F_SEAL_GROW;
        /// `F_SEAL_WRITE`: the contents cannot change (fails with `EBUSY` while a
        /// writable shared mapping exists).
        const WRITE = fcntl::F_SEAL_WRITE;
        /// `F_SEAL_FUTURE_WRITE` (Linux 5.1): no new writes; existing writable mappings
        /// may still write.
        const FUTURE_WRITE = fcntl::F_SEAL_FUTURE_WRITE;
        /// `F_SEAL_EXEC` (Linux 6.3): the exec bits cannot change.
        const EXEC = fcntl::F_SEAL_EXEC;
        const _ = !0;
    }
}
