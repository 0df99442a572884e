//! The unsafe escape hatch: one function per Linux syscall the crate uses, with the
//! kernel's argument order, no libc, and `Result<_, Errno>` returns.
//!
//! These are the exact calls [`Mapping`](crate) is built from. Nothing here checks
//! ranges or ownership: that is the caller's job, stated in each `# Safety` section.
//! Pointers travel as addresses (`expose_provenance`); memory the kernel maps is not a
//! Rust allocation, so the returned address carries exposed provenance too.
//!
//! ```
//! use rawmap::{raw, MapFlags, MapType, ProtFlags};
//! use core::ptr;
//!
//! // SAFETY: a fresh anonymous mapping touches no existing memory; it is unmapped below.
//! unsafe {
//!     let p = raw::mmap(ptr::null_mut(), 4096, ProtFlags::READ | ProtFlags::WRITE,
//!                       MapType::Private, MapFlags::ANONYMOUS, -1, 0)?;
//!     p.cast::<u8>().write(7);
//!     raw::munmap(p, 4096)?;
//! }
//! # Ok::<(), rawmap::Errno>(())
//! ```

use core::ffi::{CStr, c_void};

use crate::flags::{
    MapFlags, MapType, MemfdFlags, MlockAllFlags, MlockFlags, MsyncFlags, OpenFlags, ProtFlags,
    RemapFlags,
};
use crate::linux::sys::{fcntl as fc, nr, signal as sg};
#[allow(unused_imports)]
use crate::linux::{check, check_unit, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};
#[allow(unused_imports)]
use crate::{Errno, Result};

/// A file descriptor number, as the kernel takes it.
pub type RawFd = i32;

/// `AT_FDCWD`: resolve relative paths against the current directory.
pub const AT_FDCWD: RawFd = fc::AT_FDCWD;
/// `AT_EMPTY_PATH`: with an empty path, operate on the dirfd itself.
pub const AT_EMPTY_PATH: u32 = fc::AT_EMPTY_PATH;
/// `AT_SYMLINK_NOFOLLOW`: do not follow a final symlink.
pub const AT_SYMLINK_NOFOLLOW: u32 = fc::AT_SYMLINK_NOFOLLOW;
/// `STATX_SIZE`: ask statx for `stx_size`.
pub const STATX_SIZE: u32 = fc::STATX_SIZE;
/// `STATX_BASIC_STATS`: ask statx for everything `stat` returns.
pub const STATX_BASIC_STATS: u32 = fc::STATX_BASIC_STATS;

#[inline(always)]
fn addr<T>(p: *const T) -> usize {
    p.expose_provenance()
}

/// `mmap(addr, len, prot, flags, fd, offset)`: map files or anonymous memory.
///
/// The kernel's `flags` argument is `ty as u32 | flags.bits()`. Returns the address of
/// the new mapping. See mmap(2).
///
/// # Safety
/// With `MapFlags::FIXED`, whatever was mapped at `addr` is replaced, so the caller must
/// own that range and have no live references into it. The returned memory is not
/// tracked: the caller unmaps it, and creates references into it only while the pages
/// are mapped with the needed protection and (for shared file mappings) no other
/// process changes or truncates the file.
#[inline]
pub unsafe fn mmap(
    addr_hint: *mut c_void,
    len: usize,
    prot: ProtFlags,
    ty: MapType,
    flags: MapFlags,
    fd: RawFd,
    offset: u64,
) -> Result<*mut c_void> {
    let flags = ty as u32 | flags.bits();
    let args = [
        addr(addr_hint),
        len,
        prot.bits() as usize,
        flags as usize,
        fd as usize,
    ];
    // SAFETY: forwarded contract; the arguments are plain values.
    unsafe { mmap_abi(args, offset) }.map(core::ptr::with_exposed_provenance_mut)
}

/// The unit of mmap2's offset: 4096 bytes on every architecture that has mmap2,
/// whatever its page size (the kernel shifts by `PAGE_SHIFT - 12`).
#[cfg(rawmap_mmap2)]
pub const MMAP2_UNIT: u64 = 4096;

/// mmap as 64-bit ABIs take it: six registers, the offset in bytes.
///
/// # Safety
/// As [`mmap`]; `args` are its first five arguments.
#[cfg(not(any(rawmap_mmap2, rawmap_old_mmap)))]
#[inline(always)]
unsafe fn mmap_abi(args: [usize; 5], offset: u64) -> Result<usize> {
    let [a, l, p, f, fd] = args;
    // SAFETY: forwarded contract. `usize` is 64 bits wide on these ABIs.
    check(unsafe { syscall6(nr::MMAP, a, l, p, f, fd, offset as usize) })
}

/// mmap2, as 32-bit ABIs take it: the offset in [`MMAP2_UNIT`]s, so files up to 16 TiB
/// can be mapped with 32-bit registers. Nothing is truncated: an offset that is not a
/// multiple of the unit fails with `EINVAL` before the call (as the C libraries do, and
/// as 64-bit kernels answer an unaligned offset), and one too large for a register of
/// units with `EOVERFLOW` (as 64-bit kernels answer an offset past the largest file).
///
/// # Safety
/// As [`mmap`]; `args` are its first five arguments.
#[cfg(rawmap_mmap2)]
#[inline(always)]
unsafe fn mmap_abi(args: [usize; 5], offset: u64) -> Result<usize> {
    let [a, l, p, f, fd] = args;
    if !offset.is_multiple_of(MMAP2_UNIT) {
        return Err(Errno::INVAL);
    }
    let units = usize::try_from(offset / MMAP2_UNIT).map_err(|_| Errno::OVERFLOW)?;
    // SAFETY: forwarded contract.
    check(unsafe { syscall6(nr::MMAP2, a, l, p, f, fd, units) })
}

/// s390x's mmap is the old form: one pointer to the six arguments as words in memory.
///
/// # Safety
/// As [`mmap`]; `args` are its first five arguments.
#[cfg(rawmap_old_mmap)]
#[inline(always)]
unsafe fn mmap_abi(args: [usize; 5], offset: u64) -> Result<usize> {
    let [a, l, p, f, fd] = args;
    let block: [usize; 6] = [a, l, p, f, fd, offset as usize];
    // SAFETY: forwarded contract; the kernel reads the six words of `block`, which
    // lives until the call returns.
    check(unsafe { syscall1(nr::MMAP, addr(block.as_ptr())) })
}

/// `munmap(addr, len)`: remove mappings in `[addr, addr + len)`. See munmap(2).
///
/// Unmapping a range with nothing mapped succeeds. `addr` must be page-aligned
/// (`EINVAL`), and splitting a mapping can fail with `ENOMEM` at `vm.max_map_count`.
///
/// # Safety
/// No reference into the range may be used afterwards, and the caller must own it: any
/// other owner (an allocator, a `Mapping`) would later use or unmap memory that is gone.
#[inline]
pub unsafe fn munmap(addr_: *mut c_void, len: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall2(nr::MUNMAP, addr(addr_), len) })
}

/// `mremap(old, old_len, new_len, flags, new_addr)`: grow, shrink or move a mapping.
///
/// `new_addr` is used only with `RemapFlags::FIXED`. Returns the (possibly moved)
/// address. On failure the old mapping is unchanged. See mremap(2).
///
/// # Safety
/// On success the old range may be gone (moved, or shrunk), so no reference into it may
/// be used. With `FIXED`, whatever was at `new_addr` is replaced, as with mmap's `FIXED`.
#[inline]
pub unsafe fn mremap(
    old: *mut c_void,
    old_len: usize,
    new_len: usize,
    flags: RemapFlags,
    new_addr: *mut c_void,
) -> Result<*mut c_void> {
    // SAFETY: forwarded contract.
    let ret = unsafe {
        syscall5(
            nr::MREMAP,
            addr(old),
            old_len,
            new_len,
            flags.bits() as usize,
            addr(new_addr),
        )
    };
    check(ret).map(core::ptr::with_exposed_provenance_mut)
}

/// `msync(addr, len, flags)`: write dirty pages of a shared file mapping back to the
/// file. `addr` must be page-aligned. See msync(2).
///
/// # Safety
/// Reads memory only; kept `unsafe` so that every function of this module has the same
/// contract: the range must be one the caller owns (`ENOMEM` if any of it is unmapped).
#[inline]
pub unsafe fn msync(addr_: *mut c_void, len: usize, flags: MsyncFlags) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MSYNC, addr(addr_), len, flags.bits() as usize) })
}

/// `madvise(addr, len, advice)`: tell the kernel how a range will be used. `advice` is
/// the kernel's `MADV_*` value. See madvise(2).
///
/// # Safety
/// Some advice changes memory contents or lifetime (`MADV_DONTNEED`, `FREE`, `REMOVE`,
/// `DONTFORK`, `WIPEONFORK`, `GUARD_INSTALL`, ...): the caller must own the range and
/// accept that effect on it, with no references relying on the old contents.
#[inline]
pub unsafe fn madvise(addr_: *mut c_void, len: usize, advice: u32) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MADVISE, addr(addr_), len, advice as usize) })
}

/// `mprotect(addr, len, prot)`: change the access allowed to a range. See mprotect(2).
///
/// # Safety
/// Removing access turns later accesses through existing references into faults; the
/// caller must own the range and make sure none happen.
#[inline]
pub unsafe fn mprotect(addr_: *mut c_void, len: usize, prot: ProtFlags) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MPROTECT, addr(addr_), len, prot.bits() as usize) })
}

/// `mlock(addr, len)`: lock pages in RAM. See mlock(2).
///
/// # Safety
/// Faults the pages in; the range must be mapped memory the caller owns.
#[inline]
pub unsafe fn mlock(addr_: *const c_void, len: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall2(nr::MLOCK, addr(addr_), len) })
}

/// `mlock2(addr, len, flags)` (Linux 4.4): `mlock`, optionally only as pages fault in.
/// See mlock2(2).
///
/// # Safety
/// As [`mlock`].
#[inline]
pub unsafe fn mlock2(addr_: *const c_void, len: usize, flags: MlockFlags) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MLOCK2, addr(addr_), len, flags.bits() as usize) })
}

/// `munlock(addr, len)`: undo `mlock`. See munlock(2).
///
/// # Safety
/// The range must be one the caller owns: unlocking memory another component locked
/// breaks its guarantees.
#[inline]
pub unsafe fn munlock(addr_: *const c_void, len: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall2(nr::MUNLOCK, addr(addr_), len) })
}

/// `mlockall(flags)`: lock the whole address space. See mlockall(2).
///
/// # Safety
/// Affects every mapping of the process, including other components' memory.
#[inline]
pub unsafe fn mlockall(flags: MlockAllFlags) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall1(nr::MLOCKALL, flags.bits() as usize) })
}

/// `munlockall()`: unlock the whole address space. See munlockall(2).
///
/// # Safety
/// Affects every mapping of the process, including memory other components locked.
#[inline]
pub unsafe fn munlockall() -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { crate::linux::syscall0(nr::MUNLOCKALL) })
}

/// `mincore(addr, len, vec)`: which pages of a range are resident. Writes one byte per
/// page to `vec`, bit 0 set for a resident page. See mincore(2).
///
/// # Safety
/// `vec` must be valid for writes of `len.div_ceil(page_size())` bytes.
#[inline]
pub unsafe fn mincore(addr_: *mut c_void, len: usize, vec: *mut u8) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MINCORE, addr(addr_), len, addr(vec)) })
}

/// `ftruncate(fd, len)`: set a file's length. See ftruncate(2).
///
/// # Safety
/// Shrinking a file under a shared mapping makes access to the cut pages raise SIGBUS;
/// the caller must make sure no code touches them (or uses [`crate`]'s fault-safe copies).
#[inline]
pub unsafe fn ftruncate(fd: RawFd, len: u64) -> Result<()> {
    #[cfg(target_pointer_width = "64")]
    // SAFETY: forwarded contract.
    let ret = unsafe { syscall2(nr::FTRUNCATE, fd as usize, len as usize) };
    #[cfg(all(target_pointer_width = "32", not(rawmap_pair_pad)))]
    let ret = {
        let [x, y] = pair(len);
        // SAFETY: forwarded contract.
        unsafe { syscall3(nr::FTRUNCATE64, fd as usize, x, y) }
    };
    #[cfg(all(target_pointer_width = "32", rawmap_pair_pad))]
    let ret = {
        let [x, y] = pair(len);
        // SAFETY: forwarded contract. The 0 skips r1/a1/r4 so the pair starts at an
        // even register, as this ABI passes 64-bit values.
        unsafe { syscall4(nr::FTRUNCATE64, fd as usize, 0, x, y) }
    };
    check_unit(ret)
}

/// A 64-bit argument as 32-bit ABIs pass it: two registers holding the halves in the
/// order they lie in memory (low half first on little-endian, high half first on
/// big-endian targets). Where the pair must start at an even register, the caller adds
/// the padding argument (`rawmap_pair_pad`).
#[cfg(target_pointer_width = "32")]
#[inline(always)]
const fn pair(v: u64) -> [usize; 2] {
    let (lo, hi) = (v as u32 as usize, (v >> 32) as u32 as usize);
    if cfg!(target_endian = "little") {
        [lo, hi]
    } else {
        [hi, lo]
    }
}

/// `memfd_create(name, flags)`: an anonymous file in RAM. Returns its descriptor, which
/// the caller closes. See memfd_create(2).
///
/// # Safety
/// None beyond the types; `unsafe` for the uniform contract of this module (the caller
/// owns the returned descriptor and must close it exactly once).
#[inline]
pub unsafe fn memfd_create(name: &CStr, flags: MemfdFlags) -> Result<RawFd> {
    // SAFETY: `name` is a valid C string for the duration of the call.
    check(unsafe { syscall2(nr::MEMFD_CREATE, addr(name.as_ptr()), flags.bits() as usize) })
        .map(|fd| fd as RawFd)
}

/// `openat(dirfd, path, flags, mode)`: open or create a file. `mode` is used when
/// creating. Returns a descriptor the caller closes. See openat(2).
///
/// # Safety
/// The caller owns the returned descriptor and must close it exactly once.
#[inline]
pub unsafe fn openat(dirfd: RawFd, path: &CStr, flags: OpenFlags, mode: u32) -> Result<RawFd> {
    // SAFETY: `path` is a valid C string for the duration of the call.
    let ret = unsafe {
        syscall4(
            nr::OPENAT,
            dirfd as usize,
            addr(path.as_ptr()),
            flags.bits() as usize,
            mode as usize,
        )
    };
    check(ret).map(|fd| fd as RawFd)
}

/// `close(fd)`. See close(2).
///
/// # Safety
/// The caller must own `fd`: closing a descriptor someone else uses makes their later
/// calls act on whatever file reuses the number.
#[inline]
pub unsafe fn close(fd: RawFd) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall1(nr::CLOSE, fd as usize) })
}

/// The kernel's `struct statx_timestamp`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// The kernel's `struct statx` (256 bytes on every architecture). Fields the kernel did
/// not fill are zero; `stx_mask` says which it filled.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub __spare3: [u64; 12],
}

/// `statx(dirfd, path, flags, mask, buf)` (Linux 4.11): file status in one layout for
/// every architecture. `statx(fd, c"", AT_EMPTY_PATH, STATX_SIZE, &mut st)` is fstat.
/// See statx(2).
///
/// # Safety
/// None beyond the types; `unsafe` for the uniform contract of this module.
#[inline]
pub unsafe fn statx(
    dirfd: RawFd,
    path: &CStr,
    flags: u32,
    mask: u32,
    buf: &mut Statx,
) -> Result<()> {
    // SAFETY: `path` and `buf` are valid for the call; the kernel writes at most
    // size_of::<Statx>() bytes.
    check_unit(unsafe {
        syscall5(
            nr::STATX,
            dirfd as usize,
            addr(path.as_ptr()),
            flags as usize,
            mask as usize,
            addr(buf),
        )
    })
}

/// The kernel's `struct iovec`, for [`process_madvise`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct IoVec {
    /// Start of the range.
    pub base: *mut c_void,
    /// Length of the range in bytes.
    pub len: usize,
}

/// `process_madvise(pidfd, iov, vlen, advice, flags)` (Linux 5.10): advice for ranges
/// of the process `pidfd` refers to (this one included). Returns the bytes advised.
/// See process_madvise(2).
///
/// # Safety
/// `iov` must point to `vlen` valid `IoVec`s; for ranges of this process, as [`madvise`].
#[inline]
pub unsafe fn process_madvise(
    pidfd: RawFd,
    iov: *const IoVec,
    vlen: usize,
    advice: u32,
    flags: u32,
) -> Result<usize> {
    // SAFETY: forwarded contract.
    check(unsafe {
        syscall5(
            nr::PROCESS_MADVISE,
            pidfd as usize,
            addr(iov),
            vlen,
            advice as usize,
            flags as usize,
        )
    })
}

/// `mseal(addr, len, flags)` (Linux 6.10, 64-bit kernels): forbid later unmap, remap,
/// protect and destructive advice on a range, for the life of the process. `flags` must
/// be 0. See mseal(2).
///
/// # Safety
/// The range can never be unmapped: any owner that would unmap it (a `Mapping`'s Drop)
/// must be forgotten instead.
#[inline]
pub unsafe fn mseal(addr_: *mut c_void, len: usize, flags: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::MSEAL, addr(addr_), len, flags) })
}

/// `read(fd, buf, count)`. Returns the bytes read; 0 at end of file. See read(2).
///
/// # Safety
/// `buf` must be valid for writes of `count` bytes.
#[inline]
pub unsafe fn read(fd: RawFd, buf: *mut u8, count: usize) -> Result<usize> {
    // SAFETY: forwarded contract.
    check(unsafe { syscall3(nr::READ, fd as usize, addr(buf), count) })
}

/// `write(fd, buf, count)`. Returns the bytes written. See write(2).
///
/// # Safety
/// `buf` must be valid for reads of `count` bytes.
#[inline]
pub unsafe fn write(fd: RawFd, buf: *const u8, count: usize) -> Result<usize> {
    // SAFETY: forwarded contract.
    check(unsafe { syscall3(nr::WRITE, fd as usize, addr(buf), count) })
}

/// `exit_group(status)`: end the process without running destructors or flushing
/// anything. For `no_std` programs with their own `_start`. See exit_group(2).
pub fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        syscall1(nr::EXIT_GROUP, status as usize);
    }
    // The kernel never returns from exit_group; loop in case a sandbox made it fail.
    #[allow(clippy::empty_loop)]
    loop {}
}

/// `fcntl(fd, cmd, arg)` for the commands that take an integer (`F_GETFL`,
/// `F_ADD_SEALS`, `F_GET_SEALS`, ...); `cmd` and the constants are the kernel's. Returns
/// the kernel's non-negative result. See fcntl(2).
///
/// # Safety
/// `arg` must be what `cmd` expects; commands that take pointers are not supported here.
#[inline]
pub unsafe fn fcntl(fd: RawFd, cmd: u32, arg: usize) -> Result<usize> {
    // 32-bit ABIs name it fcntl64 (the one whose lock commands take 64-bit offsets;
    // riscv32 has no other).
    #[cfg(target_pointer_width = "64")]
    let nr = nr::FCNTL;
    #[cfg(target_pointer_width = "32")]
    let nr = nr::FCNTL64;
    // SAFETY: forwarded contract.
    check(unsafe { syscall3(nr, fd as usize, cmd as usize, arg) })
}

/// `F_ADD_SEALS` for [`fcntl`].
pub const F_ADD_SEALS: u32 = fc::F_ADD_SEALS;
/// `F_GET_SEALS` for [`fcntl`].
pub const F_GET_SEALS: u32 = fc::F_GET_SEALS;
/// `STATX_ATTR_VERITY`: `stx_attributes` bit of a file with fs-verity enabled.
pub const STATX_ATTR_VERITY: u64 = fc::STATX_ATTR_VERITY as u64;

/// Syscall `nr` with six raw arguments, through this architecture's stub and the
/// crate's error decoding. Not a stable interface: tests/arch.rs uses it to call numbers
/// no kernel assigns and to pass arguments the wrong way on purpose (negative controls).
///
/// # Safety
/// The arguments must be valid for syscall `nr` (whatever it does with them).
#[doc(hidden)]
#[inline]
pub unsafe fn __syscall6(nr: usize, args: [usize; 6]) -> Result<usize> {
    let [a0, a1, a2, a3, a4, a5] = args;
    // SAFETY: forwarded contract.
    check(unsafe { syscall6(nr, a0, a1, a2, a3, a4, a5) })
}

/// `prctl(option, a2, a3, a4, a5)`, crate-internal (page size from `PR_GET_AUXV`).
#[inline]
pub(crate) unsafe fn prctl(
    option: u32,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> Result<usize> {
    // SAFETY: forwarded contract.
    check(unsafe { syscall5(nr::PRCTL, option as usize, a2, a3, a4, a5) })
}

/// A kernel signal set (`sigset_t` as the kernel sees it: `_NSIG` bits in words of
/// `unsigned long`, not glibc's 1024-bit type).
pub type SigSet = [usize; sg::_NSIG as usize / usize::BITS as usize];

/// `sa_flags` of [`KernelSigaction`]: an `unsigned int` on mips, whose kernel keeps
/// IRIX's layout, an `unsigned long` everywhere else.
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
pub type SigFlags = u32;
/// `sa_flags` of [`KernelSigaction`]: an `unsigned int` on mips, whose kernel keeps
/// IRIX's layout, an `unsigned long` everywhere else.
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
pub type SigFlags = usize;

/// The kernel's `struct sigaction` for [`rt_sigaction`] (`include/linux/signal_types.h`):
/// `{handler, flags, restorer, mask}`, without the restorer on arches whose kernel has
/// none (riscv64, mips, ...), and `{flags, handler, mask}` with 32-bit flags on mips. It
/// is not libc's `struct sigaction`, whose mask is 128 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KernelSigaction {
    /// `SA_*` flags (mips puts them first).
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    pub flags: SigFlags,
    /// `SIG_DFL`, `SIG_IGN`, or the address of an `extern "C"` handler: `fn(i32)`, or
    /// `fn(i32, *mut siginfo, *mut ucontext)` with `SA_SIGINFO`.
    pub handler: usize,
    /// `SA_*` flags.
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    pub flags: SigFlags,
    /// The code the handler returns to, which must call `rt_sigreturn`; used with
    /// `SA_RESTORER`. On sparc64, which has the field but no such flag, [`rt_sigaction`]
    /// passes it to the kernel as the separate argument the kernel takes instead, and the
    /// handler returns to this address plus 8 (sparc's `ret` skips the call and its
    /// delay slot).
    #[cfg(any(rawmap_const = "SA_RESTORER", target_arch = "sparc64"))]
    pub restorer: usize,
    /// Signals blocked while the handler runs.
    pub mask: SigSet,
}

/// `rt_sigaction(sig, act, oldact, sizeof(sigset))`: set and/or read the action for a
/// signal. Either pointer may be null. See rt_sigaction(2). On sparc64 the kernel takes
/// the restorer as a fourth argument (`arch/sparc/kernel/sys_sparc_64.c`); this passes
/// `act.restorer` there.
///
/// Under qemu-user 7.2, riscv32, riscv64 and loongarch64 guests get a struct with an
/// `sa_restorer` field their kernels do not have: the emulator writes one word past
/// `oldact` and reads the mask one word past `act`. Code meant to run there too leaves a
/// zeroed spare word after both (the fault handler does).
///
/// # Safety
/// `act`, when not null, must describe a valid action: a handler that is safe to run on
/// any thread at any instruction (async-signal-safe), and on arches with `SA_RESTORER`
/// (x86_64) a restorer that calls `rt_sigreturn`, or the process dies on the first
/// signal (on sparc64 always: see [`KernelSigaction::restorer`]). Replacing another
/// component's handler breaks that component.
#[inline]
pub unsafe fn rt_sigaction(
    sig: u32,
    act: *const KernelSigaction,
    oldact: *mut KernelSigaction,
) -> Result<()> {
    #[cfg(target_arch = "sparc64")]
    let ret = {
        // SAFETY: `act`, when not null, is a valid action (forwarded contract).
        let restorer = unsafe { act.as_ref() }.map_or(0, |a| a.restorer);
        // SAFETY: forwarded contract; the kernel reads and writes whole structs.
        unsafe {
            syscall5(
                nr::RT_SIGACTION,
                sig as usize,
                addr(act),
                addr(oldact),
                restorer,
                size_of::<SigSet>(),
            )
        }
    };
    #[cfg(not(target_arch = "sparc64"))]
    // SAFETY: forwarded contract; the kernel reads and writes whole structs.
    let ret = unsafe {
        syscall4(
            nr::RT_SIGACTION,
            sig as usize,
            addr(act),
            addr(oldact),
            size_of::<SigSet>(),
        )
    };
    check_unit(ret)
}

/// `rt_sigprocmask(how, set, oldset, sizeof(sigset))`: change and/or read the calling
/// thread's signal mask; `how` is `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK` from
/// [`sys::signal`](crate::sys). See rt_sigprocmask(2).
///
/// # Safety
/// Blocking a signal that a fault raises (SIGBUS, SIGSEGV) makes the kernel kill the
/// process on the next such fault in this thread, whatever handler is installed.
#[inline]
pub unsafe fn rt_sigprocmask(how: u32, set: *const SigSet, oldset: *mut SigSet) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe {
        syscall4(
            nr::RT_SIGPROCMASK,
            how as usize,
            addr(set),
            addr(oldset),
            size_of::<SigSet>(),
        )
    })
}

/// `getpid()`: the process id (the thread group id). See getpid(2).
#[inline]
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { crate::linux::syscall0(nr::GETPID) as i32 }
}

/// `gettid()`: the calling thread's id. See gettid(2).
#[inline]
pub fn gettid() -> i32 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { crate::linux::syscall0(nr::GETTID) as i32 }
}

/// `tgkill(tgid, tid, sig)`: send a signal to one thread. See tgkill(2).
///
/// # Safety
/// The signal's action runs in that thread (or kills the process); the caller must be
/// entitled to that, as for any signal it sends.
#[inline]
pub unsafe fn tgkill(tgid: i32, tid: i32, sig: u32) -> Result<()> {
    // SAFETY: forwarded contract.
    check_unit(unsafe { syscall3(nr::TGKILL, tgid as usize, tid as usize, sig as usize) })
}
