//! The page size, read from the kernel once and cached; and the default hugetlb page
//! size, read when a mapping asks for it.
//!
//! Never a constant: aarch64 kernels run with 4K, 16K or 64K pages, ppc64 usually 64K,
//! loongarch 16K. The value comes from `AT_PAGESZ` in the auxiliary vector, through
//! `prctl(PR_GET_AUXV)` (Linux 6.4) or `/proc/self/auxv`; if neither can be read (no
//! /proc, a seccomp policy) it is measured with `mprotect`, which needs no file system.
//! The default huge page size (2 MiB or 1 GiB on x86_64, by boot option) has no such
//! source: it is the `Hugepagesize:` line of /proc/meminfo.

use core::ffi::c_void;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::flags::{MapFlags, MapType, OpenFlags, ProtFlags};
use crate::linux::sys::auxv::{AT_NULL, AT_PAGESZ, PR_GET_AUXV};
use crate::{Errno, Result, raw};

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The size of a page of memory, in bytes: a power of two, at least 4096.
///
/// Read once, then served from a cached atomic (a relaxed load). Safe to call from a
/// signal handler or before thread-local storage exists: it takes no locks, allocates
/// nothing and touches no `errno`.
///
/// # Panics
/// If the kernel gives no way to learn the page size: no `PR_GET_AUXV`, no readable
/// `/proc/self/auxv`, and no memory for a two-page probe mapping.
///
/// ```
/// let ps = rawmap::page_size();
/// assert!(ps.is_power_of_two() && ps >= 4096);
/// ```
#[inline]
pub fn page_size() -> usize {
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => init(),
        n => n,
    }
}

#[cold]
fn init() -> usize {
    let n = from_prctl()
        .or_else(|_| from_proc())
        .or_else(|_| from_probe())
        .unwrap_or_else(|e| panic!("rawmap: cannot determine the page size: {e}"));
    // Every thread computes the same value, so a race only repeats the work.
    PAGE_SIZE.store(n, Ordering::Relaxed);
    n
}

/// Scans `(key, value)` words of an auxiliary vector for `AT_PAGESZ`.
fn find_pagesz(words: &[usize]) -> Result<usize> {
    for &[key, value] in words.as_chunks::<2>().0 {
        match key {
            k if k == AT_PAGESZ as usize => return valid(value),
            k if k == AT_NULL as usize => break,
            _ => {}
        }
    }
    Err(Errno::NOENT)
}

fn valid(n: usize) -> Result<usize> {
    if n.is_power_of_two() && n >= 4096 {
        Ok(n)
    } else {
        Err(Errno::INVAL)
    }
}

/// Room for 64 auxv entries; kernels write about 20-30, and AT_PAGESZ comes early.
type AuxvBuf = [usize; 128];

pub(crate) fn from_prctl() -> Result<usize> {
    let mut buf: AuxvBuf = [0; 128];
    // SAFETY: PR_GET_AUXV writes at most `size_of_val(&buf)` bytes to `buf`.
    let total = unsafe {
        raw::prctl(
            PR_GET_AUXV,
            buf.as_mut_ptr().expose_provenance(),
            size_of_val(&buf),
            0,
            0,
        )?
    };
    let copied = total.min(size_of_val(&buf)) / size_of::<usize>();
    find_pagesz(&buf[..copied])
}

pub(crate) fn from_proc() -> Result<usize> {
    // SAFETY: the path is a valid C string; the descriptor is closed below.
    let fd = unsafe { raw::openat(raw::AT_FDCWD, c"/proc/self/auxv", OpenFlags::CLOEXEC, 0)? };
    let mut buf: AuxvBuf = [0; 128];
    let mut filled = 0;
    let result = loop {
        let bytes = size_of_val(&buf);
        // SAFETY: the destination is the unfilled tail of `buf`.
        let r = unsafe {
            raw::read(
                fd,
                buf.as_mut_ptr().cast::<u8>().add(filled),
                bytes - filled,
            )
        };
        match r {
            Ok(0) => break find_pagesz(&buf[..filled / size_of::<usize>()]),
            Ok(n) => {
                filled += n;
                if filled == bytes {
                    break find_pagesz(&buf);
                }
            }
            Err(e) if e == Errno::INTR => {}
            Err(e) => break Err(e),
        }
    };
    // SAFETY: `fd` was opened above and is not used after this.
    let _ = unsafe { raw::close(fd) };
    result
}

/// Measures the page size: `mprotect` accepts an address inside a mapping only if it is
/// page-aligned, so the smallest power of two above 2 KiB it accepts is the page size.
pub(crate) fn from_probe() -> Result<usize> {
    // Larger than any Linux page size (the largest is 256 KiB on hexagon).
    const SPAN: usize = 1 << 20;
    // SAFETY: a new PROT_NONE mapping at a kernel-chosen address; unmapped below.
    let base = unsafe {
        raw::mmap(
            core::ptr::null_mut(),
            2 * SPAN,
            ProtFlags::empty(),
            MapType::Private,
            MapFlags::ANONYMOUS | MapFlags::NORESERVE,
            -1,
            0,
        )?
    };
    let mut size = 4096;
    let found = loop {
        if size >= SPAN {
            break Err(Errno::INVAL);
        }
        let p = base.cast::<u8>().wrapping_add(size).cast::<c_void>();
        // SAFETY: `p` lies in the mapping above, which nothing else uses.
        if unsafe { raw::mprotect(p, 1, ProtFlags::empty()) }.is_ok() {
            break Ok(size);
        }
        size *= 2;
    };
    // SAFETY: unmaps exactly the probe mapping created above.
    let _ = unsafe { raw::munmap(base, 2 * SPAN) };
    found
}

/// The default hugetlb page size (what `MAP_HUGETLB` without a size field uses), from
/// /proc/meminfo. Read at each call: only mappings asking for that size need it.
pub(crate) fn default_huge_page_size() -> Result<usize> {
    let mut buf = [0u8; 8192];
    // SAFETY: the path is a valid C string; the descriptor is closed below.
    let fd = unsafe { raw::openat(raw::AT_FDCWD, c"/proc/meminfo", OpenFlags::CLOEXEC, 0)? };
    let mut filled = 0;
    let result = loop {
        // SAFETY: the destination is the unfilled tail of `buf`.
        let r = unsafe { raw::read(fd, buf.as_mut_ptr().add(filled), buf.len() - filled) };
        match r {
            Ok(0) => break hugepagesize(&buf[..filled]),
            Ok(n) => {
                filled += n;
                if filled == buf.len() {
                    break hugepagesize(&buf);
                }
            }
            Err(e) if e == Errno::INTR => {}
            Err(e) => break Err(e),
        }
    };
    // SAFETY: `fd` was opened above and is not used after this.
    let _ = unsafe { raw::close(fd) };
    result
}

/// The value of the `Hugepagesize:  2048 kB` line of /proc/meminfo, in bytes: a power
/// of two of at least 4096, else `EINVAL`; `ENOENT` without such a line (no hugetlb).
fn hugepagesize(meminfo: &[u8]) -> Result<usize> {
    const KEY: &[u8] = b"\nHugepagesize:";
    let at = meminfo
        .windows(KEY.len())
        .position(|w| w == KEY)
        .ok_or(Errno::NOENT)?
        + KEY.len();
    let mut kb: usize = 0;
    let mut digits = 0;
    for &c in &meminfo[at..] {
        match c {
            b' ' | b'\t' if digits == 0 => {}
            b'0'..=b'9' => {
                kb = kb
                    .checked_mul(10)
                    .and_then(|k| k.checked_add(usize::from(c - b'0')))
                    .ok_or(Errno::INVAL)?;
                digits += 1;
            }
            _ => break,
        }
    }
    if digits == 0 {
        return Err(Errno::INVAL);
    }
    valid(kb.checked_mul(1024).ok_or(Errno::INVAL)?)
}

#[cfg(test)]
mod tests {
    // The tests use std even when the crate is built without it.
    extern crate std;
    use super::*;

    fn expected() -> usize {
        // SAFETY: sysconf has no preconditions.
        unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
    }

    #[test]
    #[cfg_attr(miri, ignore = "makes syscalls: inline asm, which Miri cannot run")]
    fn cached_value_matches_libc() {
        assert_eq!(page_size(), expected());
    }

    #[test]
    #[cfg_attr(miri, ignore = "makes syscalls: inline asm, which Miri cannot run")]
    fn proc_auxv_matches_libc() {
        assert_eq!(from_proc(), Ok(expected()));
    }

    #[test]
    #[cfg_attr(miri, ignore = "makes syscalls: inline asm, which Miri cannot run")]
    fn probe_matches_libc() {
        assert_eq!(from_probe(), Ok(expected()));
    }

    #[test]
    #[cfg_attr(miri, ignore = "makes syscalls: inline asm, which Miri cannot run")]
    fn prctl_matches_libc_or_is_unsupported() {
        // PR_GET_AUXV exists since Linux 6.4; older kernels and qemu-user say EINVAL.
        match from_prctl() {
            Ok(n) => assert_eq!(n, expected()),
            Err(e) => assert_eq!(e, Errno::INVAL, "unexpected error {e}"),
        }
    }

    #[test]
    fn hugepagesize_line_is_parsed() {
        let text =
            b"MemTotal: 1 kB\nHugePages_Surp: 0\nHugepagesize:       2048 kB\nHugetlb: 0 kB\n";
        assert_eq!(hugepagesize(text), Ok(2 << 20));
        assert_eq!(hugepagesize(b"\nHugepagesize:\t1048576 kB\n"), Ok(1 << 30));
        assert_eq!(hugepagesize(b"MemTotal: 1 kB\n"), Err(Errno::NOENT));
        assert_eq!(hugepagesize(b"\nHugepagesize: kB\n"), Err(Errno::INVAL));
        assert_eq!(hugepagesize(b"\nHugepagesize: 3 kB\n"), Err(Errno::INVAL));
        let huge = b"\nHugepagesize: 99999999999999999999999 kB\n";
        assert_eq!(hugepagesize(huge), Err(Errno::INVAL));
    }

    #[test]
    #[cfg_attr(miri, ignore = "makes syscalls: inline asm, which Miri cannot run")]
    fn default_huge_page_size_matches_meminfo() {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let want = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("Hugepagesize:"))
            .map(|v| v.trim().trim_end_matches(" kB").parse::<usize>().unwrap() * 1024);
        match want {
            Some(n) => assert_eq!(default_huge_page_size(), Ok(n)),
            None => assert_eq!(default_huge_page_size(), Err(Errno::NOENT)),
        }
    }

    #[test]
    fn auxv_scan_stops_at_at_null() {
        let v = [AT_NULL as usize, 0, AT_PAGESZ as usize, 4096];
        assert_eq!(find_pagesz(&v), Err(Errno::NOENT));
        let v = [3, 7, AT_PAGESZ as usize, 16384, AT_NULL as usize, 0];
        assert_eq!(find_pagesz(&v), Ok(16384));
        let v = [AT_PAGESZ as usize, 3000];
        assert_eq!(find_pagesz(&v), Err(Errno::INVAL));
    }
}
