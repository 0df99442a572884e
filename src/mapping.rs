//! [`Mapping`], one owned mapped region, and [`MapOptions`], the builder that makes it.
//!
//! Every rule about ranges lives here, for every platform: offsets are aligned down
//! internally with the prefix hidden, all arithmetic is checked before a syscall, zero
//! lengths map nothing, and every range a method takes is checked against the mapping's
//! own length (memmap2 shipped two bugs where it was not). The calls themselves go
//! through the small backend interface in `os/` (Linux syscalls, macOS libc, Windows
//! windows-sys); the platform differences are in the crate docs.

use core::ffi::c_void;
use core::ptr::NonNull;

use crate::advice::{Advice, UncheckedAdvice};
use crate::copy::Mapped;
#[cfg(target_os = "linux")]
use crate::flags::{RemapFlags, SealFlags};
use crate::os::{self, Backing, Handle, Request};
use crate::{AccessError, Errno, ProtFlags, Result};

/// A file the `map*` functions accept.
///
/// - Unix: anything `AsFd` (`std::os::fd::AsFd`; without `std` on Linux, the crate's
///   own `rawmap::fd::AsFd`; std gives it to every type it gives `AsRawFd`):
///   `&std::fs::File`, `std::fs::File`, `OwnedFd`, `BorrowedFd`, `&rawmap::File`.
/// - Windows: `&T` (or `&mut T`) for anything `std::os::windows::io::AsRawHandle`,
///   such as `&std::fs::File`. A reference, since a blanket implementation for both `T`
///   and `&T` cannot exist; `&file` therefore works on every platform.
///
/// The handle is used only during the call: the mapping does not keep the file open,
/// except on Windows, where a writable file mapping keeps a duplicate of the handle for
/// [`Mapping::flush`] (`FlushFileBuffers`).
pub trait MapFile {
    /// The handle, borrowed for the call.
    #[doc(hidden)]
    fn map_handle(&self) -> Handle;
}

#[cfg(unix)]
impl<T: crate::fd::AsFd + ?Sized> MapFile for T {
    fn map_handle(&self) -> Handle {
        use crate::fd::AsRawFd;
        self.as_fd().as_raw_fd()
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsRawHandle + ?Sized> MapFile for &T {
    fn map_handle(&self) -> Handle {
        (**self).as_raw_handle()
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsRawHandle + ?Sized> MapFile for &mut T {
    fn map_handle(&self) -> Handle {
        (**self).as_raw_handle()
    }
}

/// Huge pages for a mapping (see [`MapOptions::huge_pages`]). On macOS and Windows
/// `Transparent` is accepted and does nothing, and `Explicit` fails with
/// `Errno::UNSUPPORTED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HugePages {
    /// Transparent huge pages: the mapping is advised `MADV_HUGEPAGE`, so the kernel
    /// can back it with huge pages as it faults in, and anonymous memory (without
    /// [`fixed_noreplace`](MapOptions::fixed_noreplace)) is aligned to the huge page
    /// size. File mappings are placed by the kernel, which aligns them where the file
    /// system can use huge pages (tmpfs with `huge=`). Works where THP is enabled in
    /// `madvise` or `always` mode; a hint, never an error.
    Transparent,
    /// hugetlbfs pages (`MAP_HUGETLB`) of `1 << shift` bytes, put in the
    /// `MAP_HUGE_SHIFT` field; `shift` 0 means the system's default huge page size,
    /// which the crate reads from /proc/meminfo (an error if it cannot). Fails with
    /// `ENOMEM` when no such pages are reserved, and with `EINVAL` together with
    /// [`no_reserve`](MapOptions::no_reserve).
    Explicit {
        /// log2 of the page size: 21 for 2 MiB, 30 for 1 GiB.
        shift: u8,
    },
}

impl HugePages {
    /// 2 MiB hugetlbfs pages.
    pub const SIZE_2MB: Self = Self::Explicit { shift: 21 };
    /// 1 GiB hugetlbfs pages.
    pub const SIZE_1GB: Self = Self::Explicit { shift: 30 };
}

/// Builds a [`Mapping`]: choose the length, offset and flags, then map. Options a
/// platform cannot honour fail at map time with `Errno::UNSUPPORTED` (see the
/// [crate docs](crate#platforms) for the table).
///
/// ```
/// use rawmap::MapOptions;
///
/// let mut m = MapOptions::new().len(1 << 20).map_anonymous()?;
/// m[0] = 42;
/// assert_eq!(m.len(), 1 << 20);
///
/// // Linux prefaults with MAP_POPULATE; elsewhere the option is refused, not ignored.
/// let r = MapOptions::new().len(1 << 20).populate().map_anonymous();
/// if cfg!(target_os = "linux") {
///     assert!(r.is_ok());
/// } else {
///     assert_eq!(r.err(), Some(rawmap::Errno::UNSUPPORTED));
/// }
/// # Ok::<(), rawmap::Errno>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    len: Option<usize>,
    offset: u64,
    populate: bool,
    huge: Option<HugePages>,
    locked: bool,
    no_reserve: bool,
    stack: bool,
    fixed_noreplace: Option<usize>,
    validate: bool,
    shared: bool,
    extend_file: bool,
    sequential: bool,
}

impl MapOptions {
    /// Options with nothing set: the whole file from offset 0, no extra flags.
    pub const fn new() -> Self {
        Self {
            len: None,
            offset: 0,
            populate: false,
            huge: None,
            locked: false,
            no_reserve: false,
            stack: false,
            fixed_noreplace: None,
            validate: false,
            shared: false,
            extend_file: false,
            sequential: false,
        }
    }

    /// Windows: let a writable shared file mapping extend the file to cover the range
    /// (the section is made as long as the range). For `MapCursor`'s growing mode.
    #[cfg(all(windows, feature = "std"))]
    pub(crate) const fn extend_file(mut self) -> Self {
        self.extend_file = true;
        self
    }

    /// Bytes to map. Required for anonymous mappings; for files the default is from
    /// `offset` to the end of the file (one `statx` call). On Linux and macOS a length
    /// past the end of the file is allowed, as mmap allows it: whole pages past the end
    /// raise SIGBUS. On Windows it fails (a view cannot pass the end of the file).
    pub const fn len(mut self, len: usize) -> Self {
        self.len = Some(len);
        self
    }

    /// File offset to map from. Any value: the crate maps from the page boundary below
    /// it (on Windows the allocation granularity boundary, see
    /// [`allocation_granularity`](crate::allocation_granularity)) and hides the prefix,
    /// so the mapping starts exactly at `offset`.
    pub const fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// `MAP_POPULATE`: fault every page in now instead of on first touch. Linux only:
    /// `Errno::UNSUPPORTED` on macOS and Windows (use `advise(Advice::WillNeed)`).
    pub const fn populate(mut self) -> Self {
        self.populate = true;
        self
    }

    /// Back the mapping with huge pages (see [`HugePages`]).
    pub const fn huge_pages(mut self, huge: HugePages) -> Self {
        self.huge = Some(huge);
        self
    }

    /// `MAP_LOCKED`: lock the pages in RAM as with [`Mapping::lock`]; fails with
    /// `EAGAIN` over `RLIMIT_MEMLOCK`. macOS and Windows: the mapping is locked with
    /// `mlock` / `VirtualLock` right after it is made, and unmapped if that fails.
    pub const fn locked(mut self) -> Self {
        self.locked = true;
        self
    }

    /// `MAP_NORESERVE`: do not reserve swap space for the mapping. macOS: accepted, no
    /// effect (it never reserves swap); Windows: `Errno::UNSUPPORTED` (pagefile-backed
    /// memory is committed when mapped). Refused (`EINVAL`) with
    /// [`HugePages::Explicit`]: unreserved huge pages raise SIGBUS when the pool is
    /// empty at the first touch, which safe code must not be able to reach.
    pub const fn no_reserve(mut self) -> Self {
        self.no_reserve = true;
        self
    }

    /// `MAP_STACK`: the mapping is a thread stack. macOS and Windows have no such flag:
    /// accepted, no effect.
    pub const fn stack(mut self) -> Self {
        self.stack = true;
        self
    }

    /// Map at exactly `addr` (page-aligned) with `MAP_FIXED_NOREPLACE`: fail with
    /// `EEXIST` if anything is mapped there, never replace it. Kernels before 4.17 (and
    /// qemu-user) treat the flag as a hint; the crate checks the address it got and
    /// unmaps and fails with `EEXIST` in that case too. Any unaligned `offset` prefix
    /// lies at `addr`, so the data starts at `addr + offset % page_size()`. `addr` 0 is
    /// refused with `EINVAL`: a `Mapping` cannot start there.
    ///
    /// macOS has no such flag: the address is passed as a hint and checked the same
    /// way. On Windows `addr` must be aligned to
    /// [`allocation_granularity`](crate::allocation_granularity) (`EINVAL`), the view
    /// is placed there by `MapViewOfFileEx`, and an occupied address gives
    /// `Errno::EXIST` (`ERROR_INVALID_ADDRESS`).
    pub const fn fixed_noreplace(mut self, addr: usize) -> Self {
        self.fixed_noreplace = Some(addr);
        self
    }

    /// `MAP_SHARED_VALIDATE` (Linux 4.15) for shared file mappings: the kernel rejects
    /// flags it does not know with `EOPNOTSUPP` instead of ignoring them. The kernel
    /// rejects it for anonymous and private mappings with `EINVAL`. Linux only:
    /// `Errno::UNSUPPORTED` on macOS and Windows.
    pub const fn validate(mut self) -> Self {
        self.validate = true;
        self
    }

    /// For a reader that will go through the mapping front to back: ask for read-ahead
    /// and map every page before `map*` returns, so the reader takes no page faults.
    ///
    /// - **Linux**: `madvise(MADV_SEQUENTIAL)` (aggressive read-ahead for pages not in
    ///   the page cache; since Linux 6.3 reclaim also treats pages read through the
    ///   mapping as used once, so a big read does not push out the working set), then
    ///   `madvise(MADV_POPULATE_READ)` (Linux 5.14), which reads in what is not cached and
    ///   maps every page readable in one call. Scanning a cached 1 GiB file end to end,
    ///   map and unmap included, took 0.85-0.89 of a plain mapping's time with the page
    ///   cache in 4 KiB folios and 0.92-0.96 with 2 MiB folios (BENCHMARKS.md).
    /// - **macOS**: `madvise(MADV_SEQUENTIAL)` and `madvise(MADV_WILLNEED)`, which starts
    ///   reading the pages in; nothing is mapped ahead (macOS has no populate advice).
    /// - **Windows**: `PrefetchVirtualMemory` over the view, which reads the pages into
    ///   memory with large I/O; they join the working set when touched.
    ///
    /// Errors: the read-ahead hints (`MADV_SEQUENTIAL`, `MADV_WILLNEED`,
    /// `PrefetchVirtualMemory`) are ignored when they fail: the mapping is as correct
    /// without them. `MADV_POPULATE_READ` failing with `EINVAL` is ignored too: the kernel
    /// is older than 5.14, or the mapping is one it cannot populate (a device's
    /// `VM_IO`/`VM_PFNMAP` memory), and the mapping is returned unpopulated, as without
    /// this option. Any other error unmaps the mapping and is returned, since it means a
    /// page cannot be read: `EFAULT` where reading would raise SIGBUS (a page wholly past
    /// the end of the file, an I/O error), `EHWPOISON` for a poisoned page, `ENOMEM` when
    /// memory runs out, `EINTR` when a fatal signal is pending.
    ///
    /// The cost is paid up front, for the whole range: a reader that stops early still
    /// waited for every page, and a file larger than free memory is read through (and
    /// partly evicted again) before the first byte is used. So it is an option, not
    /// what `map` does: use it for one pass over all of a file that fits in memory. On
    /// writable mappings the pages are mapped for reading, and the first write to each
    /// still faults.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use rawmap::{File, MapOptions, MemfdFlags};
    /// let f = File::memfd(c"seq", MemfdFlags::CLOEXEC)?;
    /// f.set_len(1 << 20)?;
    /// // SAFETY: the memfd is private to this example; nothing else writes it.
    /// let m = unsafe { MapOptions::new().sequential().map(&f)? };
    /// assert_eq!(m.iter().map(|&b| u64::from(b)).sum::<u64>(), 0);
    /// # }
    /// # Ok::<(), rawmap::Errno>(())
    /// ```
    pub const fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }

    /// For [`map_anonymous`](Self::map_anonymous): `MAP_SHARED`, so child processes
    /// created by fork see writes (the default is private). Windows has no fork: accepted,
    /// and the memory is a pagefile section either way.
    pub const fn shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// Maps anonymous memory: zero-filled, read-write, private unless
    /// [`shared`](Self::shared). `len` is required (`EINVAL` without it).
    pub fn map_anonymous(&self) -> Result<Mapping> {
        let len = self.len.ok_or(Errno::INVAL)?;
        let backing = Backing::Anonymous {
            shared: self.shared,
        };
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        // SAFETY: no file is involved: the new memory is owned only by the Mapping.
        unsafe { self.map_impl(len, prot, backing, None) }
    }

    /// Maps a file read-only and shared.
    ///
    /// # Safety
    /// The mapping hands out `&[u8]` over the file (`Deref`, [`as_slice`](Mapping::as_slice),
    /// ...). While any such reference is alive, no process (this one included) may
    /// modify the bytes it covers or truncate the file below them: a write is undefined
    /// behaviour for the reference, and access to truncated pages raises SIGBUS, which
    /// kills the process. Use [`map_if_safe`](Self::map_if_safe) where the kernel can
    /// guarantee this.
    ///
    /// Where copies are fault-safe (Linux on the architectures with a copy routine,
    /// Windows on x86_64: see [`fault`](crate::fault#platforms)), a mapping used only through
    /// [`read_at`](Mapping::read_at) and [`write_at`](Mapping::write_at) (and
    /// [`MapCursor`](crate::MapCursor)) needs none of this: they copy in assembly without
    /// creating references and turn faults into [`AccessError::Fault`], so other
    /// processes may write and truncate the file freely (Windows does not let them
    /// truncate it). Elsewhere (macOS, Windows on arm64, other Linux architectures) they
    /// are plain copies, under this contract.
    pub unsafe fn map<F: MapFile>(&self, file: F) -> Result<Mapping> {
        let backing = Backing::File { shared: true };
        // SAFETY: forwarded contract.
        unsafe { self.map_file(file.map_handle(), ProtFlags::READ, backing) }
    }

    /// Maps a file read-write and shared: writes reach the file and every other shared
    /// mapping of it. The descriptor must be open for reading and writing (`EACCES`).
    ///
    /// # Safety
    /// As [`map`](Self::map): while a slice of the mapping is alive, nothing else may
    /// modify or truncate the part of the file it covers (where they are fault-safe,
    /// `read_at` / `write_at` are exempt).
    pub unsafe fn map_mut<F: MapFile>(&self, file: F) -> Result<Mapping> {
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        let backing = Backing::File { shared: true };
        // SAFETY: forwarded contract.
        unsafe { self.map_file(file.map_handle(), prot, backing) }
    }

    /// Maps a file copy-on-write: readable and writable, writes stay in this mapping.
    /// Pages not yet written may still show later changes to the file: it is not a
    /// snapshot. (Windows: a `FILE_MAP_COPY` view; a read-only handle is enough.)
    ///
    /// # Safety
    /// As [`map`](Self::map).
    pub unsafe fn map_copy<F: MapFile>(&self, file: F) -> Result<Mapping> {
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        let backing = Backing::File { shared: false };
        // SAFETY: forwarded contract.
        unsafe { self.map_file(file.map_handle(), prot, backing) }
    }

    /// Maps a file readable and executable, shared. (Windows: the handle needs
    /// `GENERIC_EXECUTE` access, which `std::fs::File::open` does not ask for.)
    ///
    /// # Safety
    /// As [`map`](Self::map); in addition, running the code is the caller's business.
    pub unsafe fn map_exec<F: MapFile>(&self, file: F) -> Result<Mapping> {
        let prot = ProtFlags::READ | ProtFlags::EXEC;
        let backing = Backing::File { shared: true };
        // SAFETY: forwarded contract.
        unsafe { self.map_file(file.map_handle(), prot, backing) }
    }

    /// Maps a file read-only **safely**, when the kernel guarantees its contents and
    /// length cannot change: a memfd sealed with at least `F_SEAL_SHRINK` and
    /// `F_SEAL_WRITE`, or a file with fs-verity enabled. Returns `Ok(None)` when that
    /// cannot be proven (the file is not sealed that way and not verity), and `Err` for
    /// errors of the calls themselves. The mapping is private and read-only. An explicit
    /// `len` must end inside the file (`EINVAL`), since pages past its end fault.
    ///
    /// On macOS and Windows nothing can prove it, so the answer is always `Ok(None)`.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use rawmap::{File, MapOptions, MemfdFlags, SealFlags};
    /// let f = File::memfd(c"ro", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
    /// f.set_len(4096)?;
    /// assert!(MapOptions::new().map_if_safe(&f)?.is_none()); // not sealed yet
    /// f.add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)?;
    /// let m = MapOptions::new().map_if_safe(&f)?.expect("sealed memfd");
    /// assert_eq!(m.len(), 4096);
    /// # }
    /// # Ok::<(), rawmap::Errno>(())
    /// ```
    pub fn map_if_safe<F: MapFile>(&self, file: F) -> Result<Option<Mapping>> {
        #[cfg(not(target_os = "linux"))]
        {
            let _ = file;
            Ok(None)
        }
        #[cfg(target_os = "linux")]
        self.map_if_safe_linux(file.map_handle())
    }

    #[cfg(target_os = "linux")]
    fn map_if_safe_linux(&self, fd: Handle) -> Result<Option<Mapping>> {
        let immutable = match crate::fd::seals(fd) {
            Ok(s) => s.contains(SealFlags::SHRINK | SealFlags::WRITE),
            // Not a sealable file: fall through to the fs-verity check.
            Err(e) if e == Errno::INVAL => false,
            Err(e) => return Err(e),
        } || os::is_verity(fd)?;
        if !immutable {
            return Ok(None);
        }
        // Whole pages past the end of the file raise SIGBUS when read, so a safe
        // mapping must end inside the file.
        if let Some(len) = self.len {
            let end = self.offset.checked_add(len as u64).ok_or(Errno::OVERFLOW)?;
            if end > os::file_len(fd)? {
                return Err(Errno::INVAL);
            }
        }
        // Safe `remap` never grows a file mapping past what was checked here.
        // SAFETY: the kernel forbids writes to and shrinking of this file, and the range
        // lies inside it: the contract of `map_file` holds while the file exists, which
        // the mapping itself keeps alive.
        unsafe {
            self.map_file(fd, ProtFlags::READ, Backing::File { shared: false })
                .map(Some)
        }
    }

    /// Inlined into the generic `map*` functions, so a call with an explicit `len`
    /// goes straight to `map_impl`; the size query stays out of line.
    ///
    /// # Safety
    /// The contract of the public `map*` function calling it.
    #[inline]
    unsafe fn map_file(&self, file: Handle, prot: ProtFlags, backing: Backing) -> Result<Mapping> {
        let len = match self.len {
            Some(len) => len,
            None => self.len_to_end(file)?,
        };
        // SAFETY: forwarded contract.
        unsafe { self.map_impl(len, prot, backing, Some(file)) }
    }

    /// The default length: from `offset` to the end of the file (one size query).
    fn len_to_end(&self, file: Handle) -> Result<usize> {
        let size = os::file_len(file)?;
        let rest = size.checked_sub(self.offset).ok_or(Errno::INVAL)?;
        usize::try_from(rest).map_err(|_| Errno::NOMEM)
    }

    /// The one place that asks a backend to map.
    ///
    /// Inlined (with the backend's `map`) into the caller's `map*` call, where the
    /// options are usually built on the spot (`MapOptions::new().len(n)`): the compiler
    /// then drops the branches of options that are not set, and the safe layer costs
    /// about what the raw `mmap` does.
    ///
    /// # Safety
    /// The contract of the public `map*` function calling it.
    #[inline]
    unsafe fn map_impl(
        &self,
        len: usize,
        prot: ProtFlags,
        backing: Backing,
        file: Option<Handle>,
    ) -> Result<Mapping> {
        if len == 0 {
            return Ok(Mapping::empty(prot));
        }
        let granularity = os::granularity();
        let (prefix, aligned_offset) = split_offset(self.offset, len, granularity)?;
        let unit = match self.huge {
            Some(HugePages::Explicit { shift }) => {
                let unit = os::huge_unit(shift)?;
                // Without a reservation a fault finds the pool empty and raises SIGBUS.
                if self.no_reserve {
                    return Err(Errno::INVAL);
                }
                unit
            }
            _ => os::page_size(),
        };
        let bytes = prefix.checked_add(len).ok_or(Errno::NOMEM)?;
        let map_len = round_up(bytes, unit).ok_or(Errno::NOMEM)?;
        if map_len > isize::MAX as usize {
            return Err(Errno::NOMEM);
        }
        let at = match self.fixed_noreplace {
            // A Mapping cannot start at address 0 (root may map there on Linux).
            Some(addr) if addr & (granularity - 1) != 0 || addr == 0 => return Err(Errno::INVAL),
            at => at,
        };
        let req = Request {
            at,
            bytes,
            map_len,
            offset: aligned_offset,
            prot,
            backing,
            file,
            populate: self.populate,
            locked: self.locked,
            no_reserve: self.no_reserve,
            stack: self.stack,
            validate: self.validate,
            huge: self.huge,
            extend_file: self.extend_file,
        };
        // SAFETY: forwarded contract; the request is checked above.
        let (got, keep) = unsafe { os::map(&req)? };
        if at.is_some_and(|addr| got.addr() != addr) {
            // Old Linux kernels (and qemu-user) take MAP_FIXED_NOREPLACE as a hint, and
            // macOS has only the hint: the memory landed elsewhere.
            // SAFETY: `got` is the mapping just made, referenced by nothing.
            let _ = unsafe { os::unmap(got, map_len) };
            return Err(Errno::EXIST);
        }
        let Some(base) = NonNull::new(got.cast::<u8>()) else {
            // Kernel-chosen addresses are never 0; should one be, it is not leaked.
            // SAFETY: the mapping just made, referenced by nothing.
            let _ = unsafe { os::unmap(got, map_len) };
            return Err(Errno::NOMEM);
        };
        let mapping = Mapping {
            base,
            map_len,
            prefix,
            len,
            prot,
            backing,
            keep,
            file_offset: match backing {
                Backing::File { .. } => self.offset,
                Backing::Anonymous { .. } => 0,
            },
        };
        if self.sequential {
            // An error drops `mapping`, which unmaps it: nothing is left behind.
            // SAFETY: the pages are the mapping just made; read-ahead and mapping pages
            // for reading change no contents.
            unsafe { os::sequential(got, map_len)? };
        }
        Ok(mapping)
    }
}

// The range arithmetic, as plain functions of numbers: the methods call these, and the
// unit tests below (which Miri runs) check them without any syscall.

/// Where a mapping of `len` bytes (not 0) from file `offset` starts: the hidden prefix
/// before `offset` in its first `granularity` unit (a power of two), and the aligned
/// offset the backend is given. `ENOMEM` for a length no Rust object may have, `EOVERFLOW` if
/// `offset + len` passes `u64::MAX`.
fn split_offset(offset: u64, len: usize, granularity: usize) -> Result<(usize, u64)> {
    if len > isize::MAX as usize {
        return Err(Errno::NOMEM);
    }
    offset.checked_add(len as u64).ok_or(Errno::OVERFLOW)?;
    let prefix = offset & (granularity as u64 - 1);
    Ok((prefix as usize, offset - prefix))
}

/// `n` rounded up to a multiple of `unit`, `None` on overflow. Every unit here (page,
/// allocation granularity, huge page) is a power of two, which each backend checks
/// where it reads it, so this masks instead of dividing: a division costs more than the
/// rest of the arithmetic on the way to `mmap` (a 64-bit `div` is 15-40 cycles on x86).
fn round_up(n: usize, unit: usize) -> Option<usize> {
    debug_assert!(unit.is_power_of_two());
    Some(n.checked_add(unit - 1)? & !(unit - 1))
}

/// `offset + len <= total`, without overflow: the rule for every range a method takes.
fn in_bounds(offset: usize, len: usize, total: usize) -> bool {
    offset.checked_add(len).is_some_and(|end| end <= total)
}

/// The whole pages covering bytes `[offset, offset + len)` of data that starts `prefix`
/// bytes after the mapping's first byte: where they start (counted from that first
/// byte, which is page-aligned) and how long they are. Only for ranges [`in_bounds`] of
/// a mapping, so nothing overflows; `page` is a power of two.
fn page_span(prefix: usize, offset: usize, len: usize, page: usize) -> (usize, usize) {
    let start = prefix + offset;
    let aligned = start & !(page - 1);
    (aligned, start + len - aligned)
}

/// The mapping a caller hands over as `len` bytes (not 0) at `addr`: the hidden prefix
/// back to the `granularity` boundary (a power of two) the mapping starts on, and the
/// length of the whole pages from there that cover the bytes.
fn covering_pages(addr: usize, len: usize, granularity: usize, page: usize) -> (usize, usize) {
    let prefix = addr & (granularity - 1);
    (prefix, (prefix + len).next_multiple_of(page))
}

/// Which pages of a mapping are in RAM (see [`Mapping::residency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Residency {
    /// Pages resident now.
    pub resident: usize,
    /// Pages the mapping spans.
    pub pages: usize,
}

/// One mapped region, unmapped when dropped.
///
/// Derefs to `[u8]` when readable (and mutably when writable: the slice accessors
/// panic otherwise, since that is a programmer error that would fault). Every way to
/// get a `Mapping` of a file that another party could change is `unsafe` with the
/// contract written down, so the slices are sound; anonymous and sealed mappings are
/// safe. On Linux and Windows x86_64, [`read_at`](Self::read_at) and
/// [`write_at`](Self::write_at) are the fault-safe way in: they survive truncation and
/// I/O errors (see [`fault`](crate::fault), which lists the platforms).
///
/// Zero-length mappings are allowed: they map nothing, make no syscall and deref to an
/// empty slice.
#[derive(Debug)]
pub struct Mapping {
    /// Page-aligned start of what the kernel mapped (dangling when `map_len` is 0).
    base: NonNull<u8>,
    /// Bytes the kernel mapped: `prefix + len` rounded up to the page (or huge page).
    map_len: usize,
    /// Hidden bytes between `base` and the first byte the user asked for.
    prefix: usize,
    /// Bytes the user asked for.
    len: usize,
    /// Current protection, to refuse slices that would fault.
    prot: ProtFlags,
    /// What is mapped. For a file, soundness rests on the file covering the mapped
    /// range, whose length the mapping does not know, so safe `remap` must not grow it.
    backing: Backing,
    /// What the backend keeps besides the pages (Windows: the file handle for flush).
    keep: os::Keep,
    /// File offset of the first byte (`offset` as asked for), for `shrink_to_file`.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    file_offset: u64,
}

// SAFETY: a Mapping owns its pages exclusively, like a Vec<u8>: moving it to another
// thread moves that ownership, and the pages are not tied to the creating thread.
unsafe impl Send for Mapping {}
// SAFETY: `&Mapping` gives only `&[u8]` reads and syscalls that do not change contents
// (flush, safe advice, lock, residency); everything that changes contents, protection or
// placement takes `&mut self` or is `unsafe`.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn empty(prot: ProtFlags) -> Self {
        Self {
            base: NonNull::dangling(),
            map_len: 0,
            prefix: 0,
            len: 0,
            prot,
            backing: Backing::Anonymous { shared: false },
            keep: os::Keep::NONE,
            file_offset: 0,
        }
    }

    /// Whether a file backs the mapping, whose length bounds it: a real file, or the
    /// hidden file of the first size the kernel gives shared anonymous memory. Pages
    /// grown past it raise SIGBUS, so safe `remap` must not grow it.
    #[cfg(target_os = "linux")]
    fn file_backed(&self) -> bool {
        !matches!(self.backing, Backing::Anonymous { shared: false })
    }

    /// Bytes mapped, as asked for (the hidden alignment prefix and the page tail are
    /// not counted).
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping has no bytes.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first byte of the mapping.
    pub const fn as_ptr(&self) -> *const u8 {
        self.base.as_ptr().wrapping_add(self.prefix)
    }

    /// The first byte of the mapping, for writing (only while it is writable).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.base.as_ptr().wrapping_add(self.prefix)
    }

    /// The protection the mapping has now.
    pub const fn protection(&self) -> ProtFlags {
        self.prot
    }

    /// The mapped bytes.
    ///
    /// # Panics
    /// If the mapping is not readable (mapped or [protected](Self::protect) without
    /// `PROT_READ`).
    pub fn as_slice(&self) -> &[u8] {
        assert!(
            self.len == 0 || self.prot.contains(ProtFlags::READ),
            "rawmap: Mapping is not readable"
        );
        // SAFETY: `len` bytes from `as_ptr` are mapped and readable (checked above);
        // they stay so while `self` is borrowed, as every change takes `&mut self` or is
        // `unsafe`. For files, the constructor's contract excludes outside writes.
        unsafe { core::slice::from_raw_parts(self.as_ptr(), self.len) }
    }

    /// The mapped bytes, mutably.
    ///
    /// # Panics
    /// If the mapping is not writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        assert!(
            self.len == 0 || self.prot.contains(ProtFlags::READ | ProtFlags::WRITE),
            "rawmap: Mapping is not writable"
        );
        // SAFETY: as in `as_slice`, and `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr(), self.len) }
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    ///
    /// Fault-safe where the platform allows (see [`fault`](crate::fault) for which): if
    /// the memory faults partway (the file was truncated under the mapping, an I/O
    /// error), the result is [`AccessError::Fault`] with the number of bytes copied (that
    /// prefix of `buf` is valid) and the offset that faulted, and the process lives on.
    /// There it is sound even when other processes write or truncate the file, which the
    /// slices are not: the bytes are copied in assembly, never through a Rust reference,
    /// so a concurrent write at worst tears the data read. Elsewhere it is a plain copy,
    /// under the contract of [`MapOptions::map`].
    ///
    /// [`AccessError::OutOfRange`] (`EINVAL`) if the range is not inside the mapping,
    /// [`AccessError::Protection`] (`EACCES`) if the mapping is not readable.
    #[inline]
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> core::result::Result<(), AccessError> {
        self.check_range(offset, buf.len())
            .map_err(|_| AccessError::OutOfRange)?;
        if !self.prot.contains(ProtFlags::READ) && !buf.is_empty() {
            return Err(AccessError::Protection);
        }
        // SAFETY: the source range is inside the readable mapping, whose pages may
        // fault (the declared side); `buf` is a distinct Rust allocation, so the ranges
        // do not overlap.
        unsafe {
            crate::copy::copy(
                buf.as_mut_ptr(),
                self.as_ptr().add(offset),
                buf.len(),
                Mapped::Src,
                self.as_ptr(),
            )
        }
        .map_err(AccessError::Fault)
    }

    /// Copies `buf` into the mapping at `offset`.
    ///
    /// Fault-safe as [`read_at`](Self::read_at): a fault partway (a truncated file, no
    /// space for a page of a sparse file, an I/O error) gives [`AccessError::Fault`]
    /// with the number of bytes written (a prefix of `buf`).
    ///
    /// [`AccessError::OutOfRange`] (`EINVAL`) if the range is not inside the mapping,
    /// [`AccessError::Protection`] (`EACCES`) if the mapping is not writable.
    #[inline]
    pub fn write_at(&mut self, offset: usize, buf: &[u8]) -> core::result::Result<(), AccessError> {
        self.check_range(offset, buf.len())
            .map_err(|_| AccessError::OutOfRange)?;
        if !self.prot.contains(ProtFlags::WRITE) && !buf.is_empty() {
            return Err(AccessError::Protection);
        }
        let base = self.as_ptr();
        // SAFETY: the destination range is inside the writable mapping, which `&mut
        // self` makes unaliased, and may fault (the declared side); `buf` cannot overlap
        // it (it would alias `&mut self`).
        unsafe {
            crate::copy::copy(
                self.as_mut_ptr().add(offset),
                buf.as_ptr(),
                buf.len(),
                Mapped::Dst,
                base,
            )
        }
        .map_err(AccessError::Fault)
    }

    /// Shrinks a file mapping to end where `file` ends now: the recovery after the file
    /// was truncated under it (memmapfs calls it RemapAfterTruncation). Afterwards
    /// `read_at` / `write_at` past the new end give [`AccessError::OutOfRange`] instead
    /// of faults, and the bytes before it work as before. Returns the new length.
    ///
    /// Never grows the mapping: if the file is as long as the mapping or longer, nothing
    /// changes. A file that ends before the mapping starts leaves an empty mapping.
    /// `file` should be the mapped file: the length of another file gives a smaller
    /// mapping than needed or one that still faults, never an unsound one. `EINVAL` for
    /// an anonymous mapping. Linux only, like the other `remap*` methods.
    #[cfg(target_os = "linux")]
    #[doc(alias = "remap_after_truncation")]
    pub fn shrink_to_file<F: MapFile>(&mut self, file: F) -> Result<usize> {
        if !self.file_backed() {
            return Err(Errno::INVAL);
        }
        let size = crate::fd::statx(file.map_handle())?.stx_size;
        let left = size.saturating_sub(self.file_offset);
        if left >= self.len as u64 {
            return Ok(self.len);
        }
        let new_len = left as usize;
        if new_len == 0 {
            // mremap cannot shrink to nothing: unmap, and keep an empty mapping.
            let mut empty = Self::empty(self.prot);
            empty.backing = self.backing;
            empty.file_offset = self.file_offset;
            drop(core::mem::replace(self, empty));
            return Ok(0);
        }
        // SAFETY: shrinking in place (no MAYMOVE, no FIXED) only unmaps the tail of our
        // own mapping; `&mut self` means no slice into it is alive.
        unsafe { self.mremap(new_len, RemapFlags::empty(), core::ptr::null_mut(), false)? };
        Ok(new_len)
    }

    /// `offset + len <= self.len`, without overflow.
    fn check_range(&self, offset: usize, len: usize) -> Result<()> {
        if in_bounds(offset, len, self.len) {
            Ok(())
        } else {
            Err(Errno::INVAL)
        }
    }

    /// The whole pages covering `[offset, offset + len)` of the mapping, for syscalls
    /// that need a page-aligned start. `None` for an empty request (no syscall needed).
    fn pages(&self, offset: usize, len: usize) -> Result<Option<(*mut c_void, usize)>> {
        self.check_range(offset, len)?;
        if len == 0 {
            return Ok(None);
        }
        let (first, span) = page_span(self.prefix, offset, len, os::page_size());
        let ptr = self.base.as_ptr().wrapping_add(first).cast::<c_void>();
        Ok(Some((ptr, span)))
    }

    /// Every page of the mapping, for whole-mapping syscalls.
    fn all_pages(&self) -> Option<(*mut c_void, usize)> {
        (self.map_len != 0).then(|| (self.base.as_ptr().cast::<c_void>(), self.map_len))
    }

    /// `madvise` over the whole mapping.
    pub fn advise(&self, advice: Advice) -> Result<()> {
        // SAFETY: safe advice does not change contents; the range is this mapping's.
        unsafe { self.madvise(self.all_pages(), advice as u32) }
    }

    /// `madvise` over the pages covering `[offset, offset + len)`. `EINVAL` if the
    /// range is not inside the mapping.
    pub fn advise_range(&self, advice: Advice, offset: usize, len: usize) -> Result<()> {
        // SAFETY: as in `advise`.
        unsafe { self.madvise(self.pages(offset, len)?, advice as u32) }
    }

    /// `madvise` with advice that can change contents, over the whole mapping.
    ///
    /// # Safety
    /// The effect of the advice (zeroed pages, pages gone in a child after fork, guard
    /// pages that fault) must be acceptable to every reader of the mapping: no
    /// reference into it may rely on the old contents, and nothing may touch guard
    /// pages.
    pub unsafe fn advise_unchecked(&self, advice: UncheckedAdvice) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.madvise(self.all_pages(), advice as u32) }
    }

    /// `advise_unchecked` over the pages covering `[offset, offset + len)`: whole pages,
    /// so bytes before `offset` and after `offset + len` in the same pages are affected.
    ///
    /// # Safety
    /// As [`advise_unchecked`](Self::advise_unchecked), for those whole pages.
    pub unsafe fn advise_range_unchecked(
        &self,
        advice: UncheckedAdvice,
        offset: usize,
        len: usize,
    ) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.madvise(self.pages(offset, len)?, advice as u32) }
    }

    /// `madvise` with a raw `MADV_*` value, for advice newer than this crate, over the
    /// pages covering `[offset, offset + len)`. Unix only: Windows has no `madvise`.
    ///
    /// # Safety
    /// As [`advise_unchecked`](Self::advise_unchecked), for whatever the value does.
    #[cfg(unix)]
    pub unsafe fn advise_raw(&self, advice: u32, offset: usize, len: usize) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.madvise(self.pages(offset, len)?, advice) }
    }

    /// # Safety
    /// The advice's effect must be acceptable (see `advise_unchecked`).
    unsafe fn madvise(&self, range: Option<(*mut c_void, usize)>, advice: u32) -> Result<()> {
        match range {
            // SAFETY: the range lies inside this mapping; forwarded contract.
            Some((p, n)) => unsafe { os::advise(p, n, advice, self.backing) },
            None => Ok(()),
        }
    }

    /// Writes dirty pages back to the file and waits (`msync(MS_SYNC)`). Not a barrier
    /// against the kernel writing pages earlier on its own. On Windows:
    /// `FlushViewOfFile`, then, for writable file mappings made by this crate,
    /// `FlushFileBuffers` on the file, which waits for the disk (a mapping from
    /// [`from_raw`](Self::from_raw) has no file to wait for).
    pub fn flush(&self) -> Result<()> {
        self.sync(self.all_pages(), true)
    }

    /// Starts writing dirty pages back and returns (`msync(MS_ASYNC)`; Windows:
    /// `FlushViewOfFile` alone).
    pub fn flush_async(&self) -> Result<()> {
        self.sync(self.all_pages(), false)
    }

    /// `flush` of the pages covering `[offset, offset + len)`.
    pub fn flush_range(&self, offset: usize, len: usize) -> Result<()> {
        self.sync(self.pages(offset, len)?, true)
    }

    /// `flush_async` of the pages covering `[offset, offset + len)`.
    pub fn flush_async_range(&self, offset: usize, len: usize) -> Result<()> {
        self.sync(self.pages(offset, len)?, false)
    }

    fn sync(&self, range: Option<(*mut c_void, usize)>, wait: bool) -> Result<()> {
        match range {
            // SAFETY: flushing reads the mapping's own pages and changes nothing visible.
            Some((p, n)) => unsafe { os::flush(p, n, &self.keep, wait) },
            None => Ok(()),
        }
    }

    /// Changes the protection of the whole mapping (`mprotect`; Windows:
    /// `VirtualProtect`, where a file view cannot gain access it was not mapped with,
    /// e.g. a read-only view cannot become writable). On error the old protection
    /// stays. Slices are refused afterwards if the new protection does not allow them.
    pub fn protect(&mut self, prot: ProtFlags) -> Result<()> {
        if let Some((p, n)) = self.all_pages() {
            // SAFETY: `&mut self` means no slice of the mapping is alive, and later
            // slice accessors check the new protection.
            unsafe { os::protect(p, n, prot, self.backing)? };
        }
        self.prot = prot;
        Ok(())
    }

    /// Locks the mapping's pages in RAM, faulting them in now (`mlock`; Windows:
    /// `VirtualLock`, limited by the process's minimum working set).
    pub fn lock(&self) -> Result<()> {
        match self.all_pages() {
            // SAFETY: the range is this mapping's.
            Some((p, n)) => unsafe { os::lock(p, n) },
            None => Ok(()),
        }
    }

    /// Locks pages as they are faulted in (`mlock2(MLOCK_ONFAULT)`, Linux 4.4). Linux
    /// only.
    #[cfg(target_os = "linux")]
    pub fn lock_on_fault(&self) -> Result<()> {
        match self.all_pages() {
            // SAFETY: the range is this mapping's.
            Some((p, n)) => unsafe { os::lock_on_fault(p, n) },
            None => Ok(()),
        }
    }

    /// Unlocks the mapping's pages (`munlock`; Windows: `VirtualUnlock`, which fails
    /// with `ERROR_NOT_LOCKED` for pages that are not locked).
    pub fn unlock(&self) -> Result<()> {
        match self.all_pages() {
            // SAFETY: the range is this mapping's.
            Some((p, n)) => unsafe { os::unlock(p, n) },
            None => Ok(()),
        }
    }

    /// How many of the mapping's pages are resident (`mincore`; Windows:
    /// `QueryWorkingSetEx`, which counts the pages in this process's working set),
    /// counted in chunks on the stack: no allocation.
    pub fn residency(&self) -> Result<Residency> {
        let Some((base, len)) = self.all_pages() else {
            return Ok(Residency {
                resident: 0,
                pages: 0,
            });
        };
        // SAFETY: the range is this mapping's, page-aligned.
        let resident = unsafe { os::resident(base, len)? };
        Ok(Residency {
            resident,
            pages: len / os::page_size(),
        })
    }

    /// Resizes the mapping to `new_len` bytes (`mremap`). With `RemapFlags::MAYMOVE`
    /// the kernel may move it when it cannot grow in place; without it, growing into
    /// an occupied range fails with `ENOMEM`. Contents are kept up to the smaller
    /// length. On error the mapping is unchanged and still valid.
    ///
    /// `FIXED` and `DONTUNMAP` are rejected with `EINVAL` here: use
    /// [`remap_fixed`](Self::remap_fixed) and [`remap_dontunmap`](Self::remap_dontunmap).
    /// An empty mapping cannot grow and a mapping cannot shrink to zero (`EINVAL`): the
    /// kernel has no mapping to resize or would have none left. A file mapping cannot
    /// grow here (`EINVAL`): pages past the end of the file would raise SIGBUS through
    /// the safe slices, and only the caller can know the file is long enough; use
    /// [`remap_file`](Self::remap_file). Nor can a [`shared`](MapOptions::shared)
    /// anonymous mapping (`EINVAL`): the kernel backs it with a hidden file of the size
    /// first mapped, so grown pages would raise SIGBUS, and nothing can make that file
    /// longer.
    ///
    /// Growing fails with `EFAULT` once [`advise_range`](Self::advise_range) (or
    /// [`advise_range_unchecked`](Self::advise_range_unchecked)) gave part of the
    /// mapping advice the kernel records per region (`Random`, `Sequential`, `Normal`,
    /// `DontDump`, `DoDump`, `DontFork`, ...): the kernel then holds the mapping as
    /// several regions, and mremap grows only one. Shrinking still works, and advice that
    /// makes the whole mapping alike again usually lets the kernel merge it back.
    #[cfg(target_os = "linux")]
    pub fn remap(&mut self, new_len: usize, flags: RemapFlags) -> Result<()> {
        if !(flags - RemapFlags::MAYMOVE).is_empty() {
            return Err(Errno::INVAL);
        }
        // SAFETY: without FIXED nothing else is replaced; `&mut self` means no slice
        // into the old range is alive.
        unsafe { self.mremap(new_len, flags, core::ptr::null_mut(), false) }
    }

    /// [`remap`](Self::remap) for file mappings, growing included (set the file's
    /// length first, e.g. with [`File::set_len`](crate::File::set_len)).
    ///
    /// # Safety
    /// The mapped file must be at least as long as the new mapped range (its offset plus
    /// `new_len`), and the contract of the constructor (nothing modifies or truncates
    /// it) now covers the whole new range.
    #[cfg(target_os = "linux")]
    pub unsafe fn remap_file(&mut self, new_len: usize, flags: RemapFlags) -> Result<()> {
        if !(flags - RemapFlags::MAYMOVE).is_empty() {
            return Err(Errno::INVAL);
        }
        // SAFETY: as in `remap`; growth past the end of the file is excluded by the caller.
        unsafe { self.mremap(new_len, flags, core::ptr::null_mut(), true) }
    }

    /// Moves the mapping to `addr` (page-aligned, not null: `EINVAL`) and resizes it to
    /// `new_len` (`MREMAP_MAYMOVE | MREMAP_FIXED`). A file mapping cannot grow here
    /// (`EINVAL`), as with [`remap`](Self::remap).
    ///
    /// # Safety
    /// Whatever is mapped at `[addr, addr + new_len)` is unmapped first: the caller must
    /// own that range with no references into it.
    #[cfg(target_os = "linux")]
    pub unsafe fn remap_fixed(&mut self, new_len: usize, addr: *mut c_void) -> Result<()> {
        // Moved to 0, the mapping could not be represented, and the old range is gone.
        if addr.is_null() {
            return Err(Errno::INVAL);
        }
        // SAFETY: forwarded contract.
        unsafe {
            self.mremap(
                new_len,
                RemapFlags::MAYMOVE | RemapFlags::FIXED,
                addr,
                false,
            )
        }
    }

    /// Moves the pages to a new address and leaves the old range mapped but empty
    /// (`MREMAP_DONTUNMAP`, Linux 5.7; private anonymous mappings before 5.13). `self`
    /// becomes the moved mapping; the old range is returned as its own `Mapping`, which
    /// reads as zeros (anonymous) or the file (file mappings) when touched.
    #[cfg(target_os = "linux")]
    pub fn remap_dontunmap(&mut self) -> Result<Mapping> {
        let old = Self {
            base: self.base,
            map_len: self.map_len,
            prefix: self.prefix,
            len: self.len,
            prot: self.prot,
            backing: self.backing,
            keep: os::Keep::NONE,
            file_offset: self.file_offset,
        };
        let Some((p, n)) = self.all_pages() else {
            return Err(Errno::INVAL);
        };
        // SAFETY: the pages move to a kernel-chosen free address; `&mut self` means no
        // slice into them is alive.
        let new = unsafe {
            os::remap(
                p,
                n,
                n,
                RemapFlags::MAYMOVE | RemapFlags::DONTUNMAP,
                core::ptr::null_mut(),
            )
        };
        match new {
            Ok(new) => match NonNull::new(new.cast::<u8>()) {
                Some(base) => {
                    self.base = base;
                    Ok(old)
                }
                // Kernel-chosen addresses are never 0. Should one be, `self` keeps the
                // old range, which DONTUNMAP left mapped, and the moved pages leak.
                None => {
                    core::mem::forget(old);
                    Err(Errno::NOMEM)
                }
            },
            Err(e) => {
                core::mem::forget(old);
                Err(e)
            }
        }
    }

    /// # Safety
    /// With FIXED, `addr` must be owned by the caller (see `remap_fixed`).
    /// `file_covers_growth`: the caller vouched that the file covers a larger range.
    #[cfg(target_os = "linux")]
    unsafe fn mremap(
        &mut self,
        new_len: usize,
        flags: RemapFlags,
        addr: *mut c_void,
        file_covers_growth: bool,
    ) -> Result<()> {
        let Some((p, n)) = self.all_pages() else {
            return if new_len == 0 {
                Ok(())
            } else {
                Err(Errno::INVAL)
            };
        };
        if new_len == 0 || new_len > isize::MAX as usize {
            return Err(if new_len == 0 {
                Errno::INVAL
            } else {
                Errno::NOMEM
            });
        }
        if self.file_backed() && !file_covers_growth && new_len > self.len {
            return Err(Errno::INVAL);
        }
        let new_map_len = round_up(self.prefix + new_len, os::page_size()).ok_or(Errno::NOMEM)?;
        // SAFETY: forwarded contract; the old range is this mapping's.
        let new = unsafe { os::remap(p, n, new_map_len, flags, addr)? };
        self.base = NonNull::new(new.cast::<u8>()).ok_or(Errno::NOMEM)?;
        self.map_len = new_map_len;
        self.len = new_len;
        Ok(())
    }

    /// Gives up ownership: returns the mapped bytes (without the hidden prefix), which
    /// the caller must unmap (see [`from_raw`](Self::from_raw)) or leak. (Windows: the
    /// file handle kept for `flush` is closed.)
    pub fn into_raw(self) -> NonNull<[u8]> {
        let ptr = NonNull::new(self.as_ptr().cast_mut()).unwrap_or(NonNull::dangling());
        let raw = NonNull::slice_from_raw_parts(ptr, self.len);
        let mut this = core::mem::ManuallyDrop::new(self);
        // Closes what the backend kept (Windows: the file handle); the pages stay.
        let _closed = core::mem::replace(&mut this.keep, os::Keep::NONE);
        raw
    }

    /// Takes ownership of mapped memory, such as the result of [`into_raw`](Self::into_raw)
    /// or of `raw::mmap`: it is unmapped when the `Mapping` drops. An empty slice
    /// makes an empty mapping that unmaps nothing.
    ///
    /// # Safety
    /// `bytes` must lie inside one mapping made by mmap that nothing else owns or
    /// references, with protection `prot`, and the whole pages covering it must belong
    /// to that mapping (they are what Drop unmaps). If it was made from a file, the
    /// contract of [`MapOptions::map`] applies, and since `remap` cannot tell, it also
    /// covers any range the mapping is grown to. Shared anonymous memory counts as a
    /// file whose length cannot change: such a mapping must never be grown. On Windows the mapping is a view made
    /// by `MapViewOfFile(Ex)`, `bytes` starts less than
    /// [`allocation_granularity`](crate::allocation_granularity) bytes after the view's
    /// start (as `into_raw` gives), and Drop unmaps the whole view; a copy-on-write view
    /// cannot be recognised, so [`protect`](Self::protect) treats it as shared.
    pub unsafe fn from_raw(bytes: NonNull<[u8]>, prot: ProtFlags) -> Self {
        let len = bytes.len();
        if len == 0 {
            return Self::empty(prot);
        }
        let start = bytes.cast::<u8>();
        // The caller guarantees the pages are mapped, so this cannot overflow.
        let (prefix, map_len) = covering_pages(
            start.as_ptr().addr(),
            len,
            os::granularity(),
            os::page_size(),
        );
        let base = NonNull::new(start.as_ptr().wrapping_sub(prefix)).unwrap_or(start);
        Self {
            base,
            map_len,
            prefix,
            len,
            prot,
            backing: Backing::Anonymous { shared: false },
            keep: os::Keep::NONE,
            file_offset: 0,
        }
    }
}

impl Drop for Mapping {
    /// Unmaps the pages. munmap of a whole mapping this value owns cannot fail for a
    /// reason Drop could handle (it can give `ENOMEM` only when unmapping would split a
    /// region at `vm.max_map_count`), so an error is ignored and the pages leak: no
    /// panic, no abort.
    #[inline]
    fn drop(&mut self) {
        if let Some((p, n)) = self.all_pages() {
            // SAFETY: the mapping is owned by self and no reference outlives self.
            let _ = unsafe { os::unmap(p, n) };
        }
    }
}

impl core::ops::Deref for Mapping {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::ops::DerefMut for Mapping {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

#[cfg(test)]
mod tests {
    //! The range arithmetic without syscalls (Miri runs these: `cargo miri test --lib`).
    use super::*;

    /// Page sizes Linux uses (4K, 16K, 64K), and a few offsets around their multiples.
    const PAGES: [usize; 3] = [4096, 16384, 65536];

    fn near_pages(page: usize) -> [usize; 7] {
        [0, 1, page - 1, page, page + 1, 3 * page - 1, 3 * page]
    }

    #[test]
    fn split_offset_hides_the_prefix_and_checks_the_end() {
        for unit in PAGES {
            for off in near_pages(unit) {
                let (prefix, aligned) = split_offset(off as u64, 1, unit).unwrap();
                assert_eq!(prefix as u64 + aligned, off as u64);
                assert_eq!(aligned % unit as u64, 0);
                assert!(prefix < unit);
            }
            let high = u64::MAX - 5;
            assert_eq!(
                split_offset(high, 5, unit),
                Ok(((high % unit as u64) as usize, high - high % unit as u64))
            );
            assert_eq!(split_offset(high, 6, unit), Err(Errno::OVERFLOW));
            assert_eq!(
                split_offset(0, isize::MAX as usize + 1, unit),
                Err(Errno::NOMEM)
            );
            assert_eq!(split_offset(u64::MAX, usize::MAX, unit), Err(Errno::NOMEM));
            assert!(split_offset(0, isize::MAX as usize, unit).is_ok());
        }
    }

    #[test]
    fn round_up_masks_as_a_division_would() {
        for unit in PAGES.into_iter().chain([1 << 21, 1 << 30]) {
            for n in near_pages(unit).into_iter().chain([usize::MAX - unit + 1]) {
                assert_eq!(
                    round_up(n, unit),
                    n.checked_next_multiple_of(unit),
                    "{n} {unit}"
                );
            }
            assert_eq!(round_up(usize::MAX - unit + 2, unit), None);
            assert_eq!(round_up(usize::MAX, unit), None);
        }
    }

    #[test]
    fn in_bounds_never_overflows() {
        assert!(in_bounds(0, 0, 0));
        assert!(in_bounds(10, 0, 10));
        assert!(!in_bounds(11, 0, 10));
        assert!(in_bounds(3, 7, 10));
        assert!(!in_bounds(3, 8, 10));
        assert!(!in_bounds(usize::MAX, 1, usize::MAX));
        assert!(!in_bounds(1, usize::MAX, usize::MAX));
        assert!(in_bounds(0, usize::MAX, usize::MAX));
        assert!(in_bounds(usize::MAX, 0, usize::MAX));
    }

    #[test]
    fn page_span_covers_exactly_the_touched_pages() {
        let step = if cfg!(miri) { 1021 } else { 97 };
        for page in PAGES {
            for prefix in [0, 1, page / 2, page - 1, 3 * page + 5] {
                for off in (0..3 * page).step_by(step).chain(near_pages(page)) {
                    for len in [1, 2, page - 1, page, page + 1, 2 * page] {
                        let (first, span) = page_span(prefix, off, len, page);
                        let (lo, hi) = (prefix + off, prefix + off + len);
                        assert_eq!(first % page, 0);
                        assert!(first <= lo && lo - first < page, "starts in the first page");
                        assert_eq!(first + span, hi, "ends at the last byte");
                        // Whole pages from the first: the syscall rounds the end up.
                        assert_eq!(span.div_ceil(page), hi.div_ceil(page) - lo / page);
                    }
                }
            }
        }
    }

    #[test]
    fn covering_pages_round_out_to_whole_pages() {
        for page in PAGES {
            // Linux: granularity is the page; Windows: 64 KiB over 4 KiB pages.
            for granularity in [page, 65536usize.max(page)] {
                for addr in near_pages(granularity).map(|a| a + 7 * granularity) {
                    for len in [1, page - 1, page, page + 1, 5 * page + 3] {
                        let (prefix, map_len) = covering_pages(addr, len, granularity, page);
                        assert_eq!((addr - prefix) % granularity, 0);
                        assert!(prefix < granularity);
                        assert_eq!(map_len % page, 0);
                        assert!(map_len >= prefix + len);
                        assert!(map_len - (prefix + len) < page, "no page too many");
                    }
                }
            }
        }
    }
}
