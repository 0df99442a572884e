//! The macOS backend (feature `std`): the interface of `os/mod.rs` over mmap, munmap,
//! msync, mprotect, madvise, mlock and mincore from the `libc` crate, with macOS's own
//! constant values (`MS_SYNC` is 0x10 there, not Linux's 4).
//!
//! macOS has no stable syscall ABI, so libc is the interface. Linux-only requests fail
//! with `Errno::UNSUPPORTED` (populate, validate, explicit huge pages); `locked` is
//! emulated with `mlock` after mapping, and `fixed_noreplace` with an address hint that
//! `mapping.rs` checks. Only compiled and linted in this project's CI (no macOS host):
//! see the README.

use core::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Backing, ProtFlags, Request};
use crate::mapping::HugePages;
use crate::{Errno, Result};

/// An open file: a descriptor number.
pub(crate) type Handle = std::os::fd::RawFd;

/// Nothing: msync needs no file.
#[derive(Debug)]
pub(crate) struct Keep;

impl Keep {
    /// Nothing kept.
    pub(crate) const NONE: Self = Self;
}

/// Declares the errno constants this crate names on macOS, with their names and
/// messages for `Errno::name` / `Errno::message`.
macro_rules! errnos {
    ($($short:ident = $value:ident, $msg:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($value), "`: ", $msg, ".")]
                pub const $short: Self = Self::from_table(libc::$value as u16);
            )*
        }
        /// `(code, name, message)` of every constant above.
        pub(crate) static ERRNO_TABLE: &[(u16, &str, &str)] = &[
            $((libc::$value as u16, stringify!($value), $msg),)*
        ];
    };
}

errnos! {
    PERM = EPERM, "Operation not permitted";
    NOENT = ENOENT, "No such file or directory";
    INTR = EINTR, "Interrupted system call";
    IO = EIO, "Input/output error";
    NXIO = ENXIO, "Device not configured";
    BADF = EBADF, "Bad file descriptor";
    NOMEM = ENOMEM, "Cannot allocate memory";
    ACCES = EACCES, "Permission denied";
    FAULT = EFAULT, "Bad address";
    BUSY = EBUSY, "Resource busy";
    EXIST = EEXIST, "File exists";
    NODEV = ENODEV, "Operation not supported by device";
    INVAL = EINVAL, "Invalid argument";
    NFILE = ENFILE, "Too many open files in system";
    MFILE = EMFILE, "Too many open files";
    TXTBSY = ETXTBSY, "Text file busy";
    FBIG = EFBIG, "File too large";
    NOSPC = ENOSPC, "No space left on device";
    ROFS = EROFS, "Read-only file system";
    AGAIN = EAGAIN, "Resource temporarily unavailable";
    NOTSUP = ENOTSUP, "Operation not supported";
    OPNOTSUPP = EOPNOTSUPP, "Operation not supported on socket";
    NOSYS = ENOSYS, "Function not implemented";
    OVERFLOW = EOVERFLOW, "Value too large to be stored in data type";
}

impl Errno {
    /// What the crate returns for an operation macOS cannot do (`MAP_POPULATE`,
    /// `MAP_SHARED_VALIDATE`, explicit huge pages): `ENOSYS`, which
    /// `std::io::Error` reports as `ErrorKind::Unsupported` (`ENOTSUP` would be
    /// `Uncategorized`).
    pub const UNSUPPORTED: Self = Self::NOSYS;
}

/// `errno` after a failed call.
fn last_error() -> Errno {
    let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    Errno::new(u16::try_from(code).unwrap_or(0)).unwrap_or(Errno::INVAL)
}

fn check(ret: c_int) -> Result<()> {
    if ret == 0 { Ok(()) } else { Err(last_error()) }
}

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The size of a page of memory, in bytes: 4096 on Intel Macs, 16384 on Apple silicon.
/// Read once with `sysconf(_SC_PAGESIZE)`, then served from a cached atomic.
pub fn page_size() -> usize {
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no preconditions.
            let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let n = usize::try_from(n).unwrap_or(0);
            assert!(n.is_power_of_two(), "rawmap: sysconf gave page size {n}");
            PAGE_SIZE.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// File offsets must be multiples of the page size.
pub(crate) fn granularity() -> usize {
    page_size()
}

/// macOS mmap has no explicit huge page sizes (superpages exist only as a Mach VM flag
/// for anonymous memory on Intel).
pub(crate) fn huge_unit(_shift: u8) -> Result<usize> {
    Err(Errno::UNSUPPORTED)
}

/// The file's length (`fstat`).
pub(crate) fn file_len(fd: Handle) -> Result<u64> {
    // SAFETY: an all-zero `stat` is a valid value of the plain C struct.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is writable and sized for fstat.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    u64::try_from(st.st_size).map_err(|_| Errno::OVERFLOW)
}

/// Maps `req`.
///
/// # Safety
/// The contract of the public `map*` function behind the request.
pub(crate) unsafe fn map(req: &Request) -> Result<(*mut c_void, Keep)> {
    if req.populate || req.validate || matches!(req.huge, Some(HugePages::Explicit { .. })) {
        return Err(Errno::UNSUPPORTED);
    }
    // `no_reserve` needs nothing: macOS never reserves swap for a mapping (and its
    // mmap(2) does not document MAP_NORESERVE, so the flag is not passed). `stack` has
    // no macOS flag either. Both are accepted with no effect.
    let (flags, fd) = match req.backing {
        Backing::Anonymous { shared } => (share(shared) | libc::MAP_ANON, -1),
        Backing::File { shared } => (share(shared), req.file.ok_or(Errno::BADF)?),
    };
    let offset = libc::off_t::try_from(req.offset).map_err(|_| Errno::OVERFLOW)?;
    let prot = c_int::try_from(req.prot.bits()).map_err(|_| Errno::INVAL)?;
    // Without MAP_FIXED the address is a hint, never a replacement; mapping.rs checks
    // where the memory landed.
    let hint = core::ptr::with_exposed_provenance_mut::<c_void>(req.at.unwrap_or(0));
    // SAFETY: no MAP_FIXED, so nothing mapped is replaced; the caller's contract covers
    // the file.
    let p = unsafe { libc::mmap(hint, req.map_len, prot, flags, fd, offset) };
    if p == libc::MAP_FAILED {
        return Err(last_error());
    }
    if req.locked {
        // SAFETY: `p` is the mapping just made.
        if let Err(e) = unsafe { lock(p, req.map_len) } {
            // SAFETY: as above; nothing refers to it yet.
            let _ = unsafe { unmap(p, req.map_len) };
            return Err(e);
        }
    }
    Ok((p, Keep))
}

fn share(shared: bool) -> c_int {
    if shared {
        libc::MAP_SHARED
    } else {
        libc::MAP_PRIVATE
    }
}

/// `munmap`.
///
/// # Safety
/// `[p, p + n)` is a mapping the caller owns, with no references into it left.
pub(crate) unsafe fn unmap(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { libc::munmap(p, n) })
}

/// `msync(MS_SYNC)` or `msync(MS_ASYNC)`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn flush(p: *mut c_void, n: usize, _keep: &Keep, sync: bool) -> Result<()> {
    let flags = if sync { libc::MS_SYNC } else { libc::MS_ASYNC };
    // SAFETY: forwarded contract; msync changes nothing visible.
    check(unsafe { libc::msync(p, n, flags) })
}

/// `mprotect`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns, and no reference into it relies on
/// access the new protection removes.
pub(crate) unsafe fn protect(
    p: *mut c_void,
    n: usize,
    prot: ProtFlags,
    _backing: Backing,
) -> Result<()> {
    let prot = c_int::try_from(prot.bits()).map_err(|_| Errno::INVAL)?;
    // SAFETY: forwarded contract.
    check(unsafe { libc::mprotect(p, n, prot) })
}

/// `mlock`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn lock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { libc::mlock(p, n) })
}

/// `munlock`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn unlock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { libc::munlock(p, n) })
}

/// `madvise` with a macOS `MADV_*` value.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns, and the advice's effect on its
/// contents is acceptable to every reader.
pub(crate) unsafe fn advise(
    p: *mut c_void,
    n: usize,
    advice: u32,
    _backing: Backing,
) -> Result<()> {
    let advice = c_int::try_from(advice).map_err(|_| Errno::INVAL)?;
    // SAFETY: forwarded contract.
    check(unsafe { libc::madvise(p, n, advice) })
}

/// [`MapOptions::sequential`](crate::MapOptions::sequential): `MADV_SEQUENTIAL` and
/// `MADV_WILLNEED`, hints whose failure is ignored (the mapping is as correct without
/// them). macOS has no advice that maps pages ahead, so there is no error to report.
///
/// # Safety
/// `[p, p + n)` is page-aligned and lies in a mapping the caller owns.
pub(crate) unsafe fn sequential(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract; both advices leave the contents as they are.
    unsafe {
        let _ = libc::madvise(p, n, libc::MADV_SEQUENTIAL);
        let _ = libc::madvise(p, n, libc::MADV_WILLNEED);
    }
    Ok(())
}

/// How many pages of `[p, p + n)` are resident (`mincore`, `MINCORE_INCORE` bit),
/// counted in chunks on the stack.
///
/// # Safety
/// `[p, p + n)` is page-aligned and lies in a mapping the caller owns.
pub(crate) unsafe fn resident(p: *mut c_void, n: usize) -> Result<usize> {
    let page = page_size();
    let pages = n / page;
    let mut vec = [0 as libc::c_char; 256];
    let (mut done, mut resident) = (0, 0);
    while done < pages {
        let k = (pages - done).min(vec.len());
        let at = p.wrapping_byte_add(done * page);
        // SAFETY: the range is inside the caller's mapping; `vec` has room for `k` pages.
        check(unsafe { libc::mincore(at, k * page, vec.as_mut_ptr()) })?;
        resident += vec[..k]
            .iter()
            .filter(|&&b| b as c_int & libc::MINCORE_INCORE != 0)
            .count();
        done += k;
    }
    Ok(resident)
}
