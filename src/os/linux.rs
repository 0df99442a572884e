//! The Linux backend: the interface of `os/mod.rs` over the raw syscalls, with no libc.
//!
//! Only translation lives here (a [`Request`] into `MapType` and `MapFlags`, transparent
//! huge page alignment); the range rules are `mapping.rs`'s.

use core::ffi::c_void;

use super::{Backing, Request};
use crate::advice::Advice;
use crate::flags::{MapFlags, MapType, MlockFlags, MsyncFlags, ProtFlags, RemapFlags};
use crate::mapping::HugePages;
use crate::{Errno, Result, raw};

pub(crate) use crate::page::page_size;

/// An open file: a descriptor number.
pub(crate) type Handle = raw::RawFd;

/// Nothing: msync needs no file, the pages are all a mapping owns.
#[derive(Debug)]
pub(crate) struct Keep;

impl Keep {
    /// Nothing kept.
    pub(crate) const NONE: Self = Self;
}

impl Errno {
    /// The operation is not supported on this platform or by this kernel: `EOPNOTSUPP`
    /// on Linux. The crate itself never returns it on Linux, where every operation has
    /// a syscall; it exists so portable code can name the error macOS and Windows give.
    pub const UNSUPPORTED: Self = Self::OPNOTSUPP;
}

/// File offsets must be multiples of the page size.
#[inline]
pub(crate) fn granularity() -> usize {
    page_size()
}

/// The size of a hugetlbfs page of `1 << shift` bytes (0: the default size, from
/// /proc/meminfo). The kernel rounds the mapping up to whole huge pages, and munmap,
/// mprotect and mremap of it need whole huge pages too: `map_len` must be exact, or
/// Drop's munmap fails and the pages leak.
pub(crate) fn huge_unit(shift: u8) -> Result<usize> {
    let page = page_size();
    if shift == 0 {
        return crate::page::default_huge_page_size();
    }
    Ok(1usize
        .checked_shl(u32::from(shift))
        .ok_or(Errno::INVAL)?
        .max(page))
}

/// The file's length (`statx`).
pub(crate) fn file_len(fd: Handle) -> Result<u64> {
    Ok(crate::fd::statx(fd)?.stx_size)
}

/// Maps `req`; the result is page-aligned (huge-page aligned with THP).
///
/// Inlined into `map_impl`, so the request is never built in memory and the flags
/// are a few register operations on the way to the one `mmap`.
///
/// # Safety
/// The contract of the public `map*` function behind the request.
#[inline]
pub(crate) unsafe fn map(req: &Request) -> Result<(*mut c_void, Keep)> {
    let shared_type = if req.validate {
        MapType::SharedValidate
    } else {
        MapType::Shared
    };
    let (ty, mut flags, fd) = match req.backing {
        Backing::Anonymous { shared: false } => (MapType::Private, MapFlags::ANONYMOUS, -1),
        Backing::Anonymous { shared: true } => (shared_type, MapFlags::ANONYMOUS, -1),
        Backing::File { shared } => {
            let ty = if shared {
                shared_type
            } else {
                MapType::Private
            };
            (ty, MapFlags::empty(), req.file.ok_or(Errno::BADF)?)
        }
    };
    let mut thp_align = 0;
    let anonymous = matches!(req.backing, Backing::Anonymous { .. });
    match req.huge {
        Some(HugePages::Explicit { shift }) => flags |= MapFlags::huge_page_shift(shift),
        // Only anonymous memory is aligned by over-reserving and trimming: trimming the
        // head of a file mapping would move its start to a later file offset.
        Some(HugePages::Transparent) if req.at.is_none() && anonymous => {
            thp_align = thp_size(page_size())
        }
        _ => {}
    }
    if req.at.is_some() {
        flags |= MapFlags::FIXED_NOREPLACE;
    }
    if req.populate {
        flags |= MapFlags::POPULATE;
    }
    if req.locked {
        flags |= MapFlags::LOCKED;
    }
    if req.no_reserve {
        flags |= MapFlags::NORESERVE;
    }
    if req.stack {
        flags |= MapFlags::STACK;
    }
    // With THP, reserve one huge page more so an aligned span fits, then trim.
    let reserve = req.map_len.checked_add(thp_align).ok_or(Errno::NOMEM)?;
    let hint = core::ptr::with_exposed_provenance_mut::<c_void>(req.at.unwrap_or(0));
    // SAFETY: without FIXED the kernel picks free addresses; FIXED_NOREPLACE never
    // replaces a mapping. The caller's contract covers the file.
    let got = unsafe { raw::mmap(hint, reserve, req.prot, ty, flags, fd, req.offset)? };
    let base = if thp_align == 0 {
        got
    } else {
        trim_to_alignment(got, reserve, req.map_len, thp_align)
    };
    if req.huge == Some(HugePages::Transparent) {
        // A hint: kernels without THP say EINVAL, and the mapping is fine without it.
        // SAFETY: MADV_HUGEPAGE does not change contents.
        let _ = unsafe { raw::madvise(base, req.map_len, Advice::HugePage as u32) };
    }
    Ok((base, Keep))
}

/// The PMD size at which the kernel can use a transparent huge page: one page table of
/// 8-byte entries, each mapping a page (2 MiB with 4 KiB pages, 32 MiB with 16 KiB, 512
/// MiB with 64 KiB).
fn thp_size(page: usize) -> usize {
    page * (page / 8)
}

/// Unmaps the parts of `[got, got + reserve)` outside the first `align`-aligned span of
/// `len` bytes, and returns that span's start.
fn trim_to_alignment(got: *mut c_void, reserve: usize, len: usize, align: usize) -> *mut c_void {
    let (head, tail) = trim_spans(got.addr(), reserve, len, align);
    let span = got.wrapping_byte_add(head);
    // SAFETY: head and tail lie inside the reservation just made and are referenced by
    // nothing; an error leaves them mapped but unused, which costs only address space.
    unsafe {
        if head != 0 {
            let _ = raw::munmap(got, head);
        }
        if tail != 0 {
            let _ = raw::munmap(span.wrapping_byte_add(len), tail);
        }
    }
    span
}

/// How an over-reservation `[got, got + reserve)` splits around its first
/// `align`-aligned span of `len` bytes: the bytes before the span and after it.
fn trim_spans(got: usize, reserve: usize, len: usize, align: usize) -> (usize, usize) {
    let head = got.next_multiple_of(align) - got;
    (head, reserve - head - len)
}

/// `munmap`.
///
/// # Safety
/// `[p, p + n)` is a mapping the caller owns, with no references into it left.
#[inline]
pub(crate) unsafe fn unmap(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { raw::munmap(p, n) }
}

/// `msync(MS_SYNC)` or `msync(MS_ASYNC)`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn flush(p: *mut c_void, n: usize, _keep: &Keep, sync: bool) -> Result<()> {
    let flags = if sync {
        MsyncFlags::SYNC
    } else {
        MsyncFlags::ASYNC
    };
    // SAFETY: forwarded contract; msync changes nothing visible.
    unsafe { raw::msync(p, n, flags) }
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
    // SAFETY: forwarded contract.
    unsafe { raw::mprotect(p, n, prot) }
}

/// `mlock`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn lock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { raw::mlock(p, n) }
}

/// `mlock2(MLOCK_ONFAULT)`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn lock_on_fault(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { raw::mlock2(p, n, MlockFlags::ONFAULT) }
}

/// `munlock`.
///
/// # Safety
/// `[p, p + n)` lies in a mapping the caller owns.
pub(crate) unsafe fn unlock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    unsafe { raw::munlock(p, n) }
}

/// `madvise` with a `MADV_*` value.
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
    // SAFETY: forwarded contract.
    unsafe { raw::madvise(p, n, advice) }
}

/// [`MapOptions::sequential`](crate::MapOptions::sequential): `MADV_SEQUENTIAL`, then
/// `MADV_POPULATE_READ`. The first is a read-ahead hint, so its failure is ignored (all
/// kernels know it; it could fail only for lack of memory to split a region, and the
/// mapping is just as correct without it). `EINVAL` from the second means a kernel
/// before 5.14 or a mapping that cannot be populated (`VM_IO`/`VM_PFNMAP`): the mapping
/// stays as it is, unpopulated. Every other error is the caller's: a page that cannot be
/// read (`EFAULT`, `EHWPOISON`), no memory (`ENOMEM`), a fatal signal (`EINTR`).
///
/// # Safety
/// `[p, p + n)` is page-aligned and lies in a mapping the caller owns.
pub(crate) unsafe fn sequential(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract; both advices leave the contents as they are.
    unsafe {
        let _ = raw::madvise(p, n, Advice::Sequential as u32);
        match raw::madvise(p, n, Advice::PopulateRead as u32) {
            Err(e) if e == Errno::INVAL => Ok(()),
            r => r,
        }
    }
}

/// How many of the pages of `[p, p + n)` are resident (`mincore`), counted in chunks on
/// the stack: no allocation.
///
/// # Safety
/// `[p, p + n)` is page-aligned and lies in a mapping the caller owns.
pub(crate) unsafe fn resident(p: *mut c_void, n: usize) -> Result<usize> {
    let page = page_size();
    let pages = n / page;
    let mut resident = 0;
    let mut vec = [0u8; 256];
    let mut done = 0;
    while done < pages {
        let k = (pages - done).min(vec.len());
        // SAFETY: the range is inside the caller's mapping; `vec` has room for `k` pages.
        unsafe { raw::mincore(p.wrapping_byte_add(done * page), k * page, vec.as_mut_ptr())? };
        resident += vec[..k].iter().filter(|&&b| b & 1 != 0).count();
        done += k;
    }
    Ok(resident)
}

/// `mremap`.
///
/// # Safety
/// As [`raw::mremap`]: the old range is the caller's and unreferenced; with `FIXED`,
/// so is the range at `addr`.
pub(crate) unsafe fn remap(
    p: *mut c_void,
    n: usize,
    new_len: usize,
    flags: RemapFlags,
    addr: *mut c_void,
) -> Result<*mut c_void> {
    // SAFETY: forwarded contract.
    unsafe { raw::mremap(p, n, new_len, flags, addr) }
}

/// Whether fs-verity protects the file: then its contents and length cannot change.
pub(crate) fn is_verity(fd: Handle) -> Result<bool> {
    let st = crate::fd::statx(fd)?;
    Ok(st.stx_attributes_mask & raw::STATX_ATTR_VERITY != 0
        && st.stx_attributes & raw::STATX_ATTR_VERITY != 0)
}

#[cfg(test)]
mod tests {
    //! The alignment arithmetic without syscalls (Miri runs these).
    use super::*;

    #[test]
    fn trim_spans_leave_an_aligned_span_inside_the_reservation() {
        for page in [4096, 16384, 65536] {
            let align = thp_size(page);
            for got in [align, align + page, 2 * align - page, 3 * align + 5 * page] {
                for len in [page, 3 * page, align, align + page] {
                    let reserve = len + align;
                    let (head, tail) = trim_spans(got, reserve, len, align);
                    assert_eq!((got + head) % align, 0);
                    assert_eq!(head + len + tail, reserve);
                    assert!(head < align);
                }
            }
        }
    }

    #[test]
    fn thp_size_is_one_page_table() {
        assert_eq!(thp_size(4096), 2 << 20);
        assert_eq!(thp_size(16384), 32 << 20);
        assert_eq!(thp_size(65536), 512 << 20);
    }
}
