//! The Windows backend (feature `std`): the interface of `os/mod.rs` over file mapping
//! objects and views from `windows-sys`.
//!
//! A mapping is a view: `CreateFileMappingW` (of the file, or of the pagefile for
//! anonymous memory) makes a section, `MapViewOfFileEx` maps it, and the section handle
//! is closed at once (the view keeps the section alive). Offsets are multiples of the
//! allocation granularity (64 KiB), which `mapping.rs` handles. Copy-on-write is a
//! `FILE_MAP_COPY` view. `flush` is `FlushViewOfFile`, and for writable file mappings
//! `FlushFileBuffers` on a duplicate of the file handle that the mapping keeps.
//!
//! Requests with no Windows counterpart fail with `Errno::UNSUPPORTED` (populate,
//! validate, no_reserve, explicit huge pages); `locked` is emulated with `VirtualLock`.

use core::ffi::c_void;
use std::os::windows::io::{BorrowedHandle, OwnedHandle, RawHandle};
use std::sync::atomic::{AtomicUsize, Ordering};

use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, HANDLE, INVALID_HANDLE_VALUE, WIN32_ERROR,
};
use windows_sys::Win32::Storage::FileSystem::{FlushFileBuffers, GetFileSizeEx};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, FILE_MAP_COPY, FILE_MAP_EXECUTE, FILE_MAP_READ, FILE_MAP_WRITE,
    FlushViewOfFile, MEM_RESET, MEMORY_MAPPED_VIEW_ADDRESS, MapViewOfFileEx, PAGE_EXECUTE,
    PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, PAGE_NOACCESS,
    PAGE_PROTECTION_FLAGS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PrefetchVirtualMemory,
    SEC_COMMIT, UnmapViewOfFile, VirtualAlloc, VirtualLock, VirtualProtect, VirtualUnlock,
    WIN32_MEMORY_RANGE_ENTRY,
};
use windows_sys::Win32::System::ProcessStatus::{
    K32QueryWorkingSetEx, PSAPI_WORKING_SET_EX_INFORMATION,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};
use windows_sys::Win32::System::Threading::GetCurrentProcess;
use windows_sys::core::BOOL;

use super::{Backing, ProtFlags, Request};
use crate::advice::{Advice, UncheckedAdvice};
use crate::mapping::HugePages;
use crate::{Errno, Result};

/// An open file: a raw handle.
pub(crate) type Handle = RawHandle;

/// A writable file mapping keeps a duplicate of the file handle, so that `flush` can
/// wait for the disk with `FlushFileBuffers` (`FlushViewOfFile` alone does not).
#[derive(Debug)]
pub(crate) struct Keep {
    file: Option<OwnedHandle>,
}

impl Keep {
    /// Nothing kept: anonymous, read-only and copy-on-write mappings.
    pub(crate) const NONE: Self = Self { file: None };
}

/// Declares the Win32 error constants this crate names, with their names and messages
/// for `Errno::name` / `Errno::message`.
macro_rules! errnos {
    ($($short:ident = $value:ident, $msg:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($value), "`: ", $msg)]
                pub const $short: Self = Self::from_table(
                    windows_sys::Win32::Foundation::$value as u16,
                );
            )*
        }
        /// `(code, name, message)` of every constant above.
        pub(crate) static ERRNO_TABLE: &[(u16, &str, &str)] = &[
            $((windows_sys::Win32::Foundation::$value as u16, stringify!($value), $msg),)*
        ];
        // Every code above must fit the two bytes of an Errno.
        $(const _: () = assert!(windows_sys::Win32::Foundation::$value <= 0xFFFF);)*
    };
}

errnos! {
    INVALID_FUNCTION = ERROR_INVALID_FUNCTION, "Incorrect function.";
    FILE_NOT_FOUND = ERROR_FILE_NOT_FOUND, "The system cannot find the file specified.";
    ACCESS_DENIED = ERROR_ACCESS_DENIED, "Access is denied.";
    INVALID_HANDLE = ERROR_INVALID_HANDLE, "The handle is invalid.";
    NOT_ENOUGH_MEMORY = ERROR_NOT_ENOUGH_MEMORY, "Not enough memory resources are available to process this command.";
    OUTOFMEMORY = ERROR_OUTOFMEMORY, "Not enough memory resources are available to complete this operation.";
    SHARING_VIOLATION = ERROR_SHARING_VIOLATION, "The process cannot access the file because it is being used by another process.";
    LOCK_VIOLATION = ERROR_LOCK_VIOLATION, "The process cannot access the file because another process has locked a portion of the file.";
    HANDLE_EOF = ERROR_HANDLE_EOF, "Reached the end of the file.";
    NOT_SUPPORTED = ERROR_NOT_SUPPORTED, "The request is not supported.";
    INVALID_PARAMETER = ERROR_INVALID_PARAMETER, "The parameter is incorrect.";
    DISK_FULL = ERROR_DISK_FULL, "There is not enough space on the disk.";
    CALL_NOT_IMPLEMENTED = ERROR_CALL_NOT_IMPLEMENTED, "This function is not supported on this system.";
    NOT_LOCKED = ERROR_NOT_LOCKED, "The segment is already unlocked.";
    INVALID_ADDRESS = ERROR_INVALID_ADDRESS, "Attempt to access invalid address.";
    NOACCESS = ERROR_NOACCESS, "Invalid access to memory location.";
    ARITHMETIC_OVERFLOW = ERROR_ARITHMETIC_OVERFLOW, "Arithmetic result exceeded 32 bits.";
    FILE_INVALID = ERROR_FILE_INVALID, "The volume for a file has been externally altered so that the opened file is no longer valid.";
    MAPPED_ALIGNMENT = ERROR_MAPPED_ALIGNMENT, "The base address or the file offset specified does not have the proper alignment.";
    USER_MAPPED_FILE = ERROR_USER_MAPPED_FILE, "The requested operation cannot be performed on a file with a user-mapped section open.";
    WORKING_SET_QUOTA = ERROR_WORKING_SET_QUOTA, "Insufficient quota to complete the requested service.";
    COMMITMENT_LIMIT = ERROR_COMMITMENT_LIMIT, "The paging file is too small for this operation to complete.";
}

/// The portable names: the errors the crate gives itself, under the names they have on
/// Unix, so that code checking them compiles and means the same on every platform.
impl Errno {
    /// A bad argument or a range outside the mapping: `ERROR_INVALID_PARAMETER`.
    pub const INVAL: Self = Self::INVALID_PARAMETER;
    /// A length the address space cannot hold: `ERROR_NOT_ENOUGH_MEMORY`.
    pub const NOMEM: Self = Self::NOT_ENOUGH_MEMORY;
    /// `offset + len` overflows: `ERROR_ARITHMETIC_OVERFLOW`.
    pub const OVERFLOW: Self = Self::ARITHMETIC_OVERFLOW;
    /// Access the mapping or handle does not allow: `ERROR_ACCESS_DENIED`.
    pub const ACCES: Self = Self::ACCESS_DENIED;
    /// The address asked for with `fixed_noreplace` is taken: `ERROR_INVALID_ADDRESS`,
    /// what `MapViewOfFileEx` reports then.
    pub const EXIST: Self = Self::INVALID_ADDRESS;
    /// Not a usable handle: `ERROR_INVALID_HANDLE`.
    pub const BADF: Self = Self::INVALID_HANDLE;
    /// Memory that faulted during a copy (`rawmap::Fault`): `ERROR_NOACCESS`, what
    /// Windows reports for a buffer it cannot access.
    pub const FAULT: Self = Self::NOACCESS;
    /// An operation Windows cannot do (`MAP_POPULATE`, `MAP_SHARED_VALIDATE`,
    /// `MAP_NORESERVE`, explicit huge pages, some advice): `ERROR_CALL_NOT_IMPLEMENTED`,
    /// which `std::io::Error` reports as `ErrorKind::Unsupported` (`ERROR_NOT_SUPPORTED`
    /// would be `Uncategorized`).
    pub const UNSUPPORTED: Self = Self::CALL_NOT_IMPLEMENTED;
    /// A Win32 code that does not fit in 16 bits (or a failure that set no code), which
    /// an `Errno` cannot carry. No call this crate makes documents such a code: system
    /// error codes end below 16000. 0xFFFF is not a Win32 error code.
    pub const UNKNOWN: Self = Self::from_table(0xFFFF);
}

/// The `Errno` for a Win32 error code.
fn from_win32(code: WIN32_ERROR) -> Errno {
    u16::try_from(code)
        .ok()
        .and_then(Errno::new)
        .unwrap_or(Errno::UNKNOWN)
}

/// `GetLastError` after a failed call.
fn last_error() -> Errno {
    // SAFETY: GetLastError has no preconditions.
    from_win32(unsafe { GetLastError() })
}

fn check(ok: BOOL) -> Result<()> {
    if ok != 0 { Ok(()) } else { Err(last_error()) }
}

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
static GRANULARITY: AtomicUsize = AtomicUsize::new(0);

/// `GetSystemInfo`, once: (page size, allocation granularity).
fn system_info() -> (usize, usize) {
    match (
        PAGE_SIZE.load(Ordering::Relaxed),
        GRANULARITY.load(Ordering::Relaxed),
    ) {
        (0, _) | (_, 0) => {
            let mut info = SYSTEM_INFO::default();
            // SAFETY: `info` is a writable SYSTEM_INFO.
            unsafe { GetSystemInfo(&mut info) };
            let page = info.dwPageSize as usize;
            let granularity = info.dwAllocationGranularity as usize;
            assert!(
                page.is_power_of_two() && granularity.is_power_of_two() && granularity >= page,
                "rawmap: GetSystemInfo gave page size {page}, granularity {granularity}"
            );
            PAGE_SIZE.store(page, Ordering::Relaxed);
            GRANULARITY.store(granularity, Ordering::Relaxed);
            (page, granularity)
        }
        both => both,
    }
}

/// The size of a page of memory, in bytes (4096 on x86_64 and arm64 Windows), from
/// `GetSystemInfo`, read once.
pub fn page_size() -> usize {
    system_info().0
}

/// The allocation granularity: view offsets and addresses are multiples of it.
pub(crate) fn granularity() -> usize {
    system_info().1
}

/// Large pages need `SeLockMemoryPrivilege` and `SEC_LARGE_PAGES`; not offered.
pub(crate) fn huge_unit(_shift: u8) -> Result<usize> {
    Err(Errno::UNSUPPORTED)
}

/// The file's length (`GetFileSizeEx`).
pub(crate) fn file_len(file: Handle) -> Result<u64> {
    let mut size = 0i64;
    // SAFETY: `size` is writable; a bad handle is reported as an error.
    check(unsafe { GetFileSizeEx(file as HANDLE, &mut size) })?;
    u64::try_from(size).map_err(|_| Errno::OVERFLOW)
}

/// Maps `req` as a view of a new section.
///
/// # Safety
/// The contract of the public `map*` function behind the request.
pub(crate) unsafe fn map(req: &Request) -> Result<(*mut c_void, Keep)> {
    if req.populate
        || req.validate
        || req.no_reserve
        || matches!(req.huge, Some(HugePages::Explicit { .. }))
    {
        return Err(Errno::UNSUPPORTED);
    }
    let readable = req.prot.contains(ProtFlags::READ);
    let writable = req.prot.contains(ProtFlags::WRITE);
    let exec = req.prot.contains(ProtFlags::EXEC);
    // (file or pagefile, section protection, view access, section size, view size)
    let (file, section_prot, access, size, view) = match req.backing {
        // Executable at most, so that `protect` can later add EXEC as on Unix; the view
        // is made read-write right after mapping.
        Backing::Anonymous { .. } => (
            INVALID_HANDLE_VALUE,
            PAGE_EXECUTE_READWRITE | SEC_COMMIT,
            FILE_MAP_READ | FILE_MAP_WRITE | FILE_MAP_EXECUTE,
            req.map_len as u64,
            req.map_len,
        ),
        Backing::File { shared } => {
            let file = req.file.ok_or(Errno::BADF)? as HANDLE;
            let (prot, access) = match (shared, writable, exec) {
                (false, _, false) => (PAGE_READONLY, FILE_MAP_COPY),
                (true, false, false) if readable => (PAGE_READONLY, FILE_MAP_READ),
                (true, true, false) => (PAGE_READWRITE, FILE_MAP_READ | FILE_MAP_WRITE),
                (true, false, true) => (PAGE_EXECUTE_READ, FILE_MAP_READ | FILE_MAP_EXECUTE),
                _ => return Err(Errno::INVAL),
            };
            // Section size 0 is the file's own length, so mapping never grows the file,
            // except when the growing cursor asks for exactly that.
            let size = if req.extend_file && writable {
                req.offset
                    .checked_add(req.bytes as u64)
                    .ok_or(Errno::OVERFLOW)?
            } else {
                0
            };
            (file, prot, access, size, req.bytes)
        }
    };
    // SAFETY: a new section of the file (whose handle the caller lent) or the pagefile;
    // closed below once the view holds it.
    let section = unsafe {
        CreateFileMappingW(
            file,
            core::ptr::null(),
            section_prot,
            (size >> 32) as u32,
            size as u32,
            core::ptr::null(),
        )
    };
    if section.is_null() {
        return Err(last_error());
    }
    let at = core::ptr::with_exposed_provenance::<c_void>(req.at.unwrap_or(0));
    // SAFETY: a view of the new section, at a free address of the system's choice or
    // at `at`, which MapViewOfFileEx never takes from an existing mapping.
    let got = unsafe {
        MapViewOfFileEx(
            section,
            access,
            (req.offset >> 32) as u32,
            req.offset as u32,
            view,
            at,
        )
    };
    // Read before CloseHandle, which may overwrite the thread's last error.
    let error = last_error();
    // SAFETY: the section handle is ours; the view (if any) keeps the section alive.
    unsafe { CloseHandle(section) };
    let p = got.Value;
    if p.is_null() {
        return Err(error);
    }
    let undo = |e: Errno| {
        // SAFETY: `p` is the view just made, referenced by nothing.
        let _ = unsafe { unmap(p, req.map_len) };
        Err(e)
    };
    if matches!(req.backing, Backing::Anonymous { .. }) {
        // SAFETY: `p` is the view just made; read-write is what anonymous memory starts as.
        if let Err(e) = unsafe { protect(p, req.map_len, req.prot, req.backing) } {
            return undo(e);
        }
    }
    let mut keep = Keep::NONE;
    if matches!(req.backing, Backing::File { shared: true }) && writable {
        // SAFETY: the caller lent a valid handle for the duration of the call.
        let borrowed = unsafe { BorrowedHandle::borrow_raw(file) };
        match borrowed.try_clone_to_owned() {
            Ok(h) => keep.file = Some(h),
            Err(e) => return undo(io_errno(&e)),
        }
    }
    if req.locked {
        // SAFETY: `p` is the view just made.
        if let Err(e) = unsafe { lock(p, req.map_len) } {
            return undo(e);
        }
    }
    Ok((p, keep))
}

/// The `Errno` inside an `io::Error` from std's own Win32 calls.
fn io_errno(e: &std::io::Error) -> Errno {
    e.raw_os_error()
        .and_then(|c| u32::try_from(c).ok())
        .map_or(Errno::UNKNOWN, from_win32)
}

/// `UnmapViewOfFile` of the view starting at `p` (the length is implied).
///
/// # Safety
/// `p` is the start of a view the caller owns, with no references into it left.
pub(crate) unsafe fn unmap(p: *mut c_void, _n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS { Value: p }) })
}

/// `FlushViewOfFile`, then `FlushFileBuffers` when `sync` and the mapping kept the file.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns.
pub(crate) unsafe fn flush(p: *mut c_void, n: usize, keep: &Keep, sync: bool) -> Result<()> {
    // SAFETY: forwarded contract; flushing changes nothing visible.
    check(unsafe { FlushViewOfFile(p, n) })?;
    match &keep.file {
        Some(file) if sync => {
            use std::os::windows::io::AsRawHandle;
            // SAFETY: the handle is owned by the mapping and open.
            check(unsafe { FlushFileBuffers(file.as_raw_handle() as HANDLE) })
        }
        _ => Ok(()),
    }
}

/// The `PAGE_*` value for `prot`; copy-on-write views take the `WRITECOPY` forms.
fn page_protection(prot: ProtFlags, backing: Backing) -> Result<PAGE_PROTECTION_FLAGS> {
    if !(prot - ProtFlags::all()).is_empty() {
        return Err(Errno::INVAL);
    }
    let copy = matches!(backing, Backing::File { shared: false });
    let read = prot.contains(ProtFlags::READ);
    Ok(
        match (
            prot.contains(ProtFlags::WRITE),
            prot.contains(ProtFlags::EXEC),
        ) {
            (false, false) if read => PAGE_READONLY,
            (false, false) => PAGE_NOACCESS,
            (true, false) if copy => PAGE_WRITECOPY,
            (true, false) => PAGE_READWRITE,
            (false, true) if read => PAGE_EXECUTE_READ,
            (false, true) => PAGE_EXECUTE,
            (true, true) if copy => PAGE_EXECUTE_WRITECOPY,
            (true, true) => PAGE_EXECUTE_READWRITE,
        },
    )
}

/// `VirtualProtect`.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns, and no reference into it relies on
/// access the new protection removes.
pub(crate) unsafe fn protect(
    p: *mut c_void,
    n: usize,
    prot: ProtFlags,
    backing: Backing,
) -> Result<()> {
    let new = page_protection(prot, backing)?;
    let mut old = 0;
    // SAFETY: forwarded contract; `old` is writable.
    check(unsafe { VirtualProtect(p, n, new, &mut old) })
}

/// `VirtualLock`.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns.
pub(crate) unsafe fn lock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { VirtualLock(p, n) })
}

/// `VirtualUnlock`.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns.
pub(crate) unsafe fn unlock(p: *mut c_void, n: usize) -> Result<()> {
    // SAFETY: forwarded contract.
    check(unsafe { VirtualUnlock(p, n) })
}

/// Carries out advice (the values are the tags of `advice.rs`'s Windows enums).
/// `Free` of a view of a file is refused here with `Errno::INVAL`, as Windows documents
/// for `MEM_RESET` (and Linux does for `MADV_FREE`), whatever the system underneath
/// does: Wine 8.0 accepts it.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns, and the advice's effect on its contents
/// is acceptable to every reader.
pub(crate) unsafe fn advise(p: *mut c_void, n: usize, advice: u32, backing: Backing) -> Result<()> {
    const NORMAL: u32 = Advice::Normal as u32;
    const WILL_NEED: u32 = Advice::WillNeed as u32;
    const FREE: u32 = UncheckedAdvice::Free as u32;
    match advice {
        NORMAL => Ok(()),
        WILL_NEED => {
            let range = WIN32_MEMORY_RANGE_ENTRY {
                VirtualAddress: p,
                NumberOfBytes: n,
            };
            // SAFETY: one range entry, inside the caller's view; prefetching only reads.
            check(unsafe { PrefetchVirtualMemory(GetCurrentProcess(), 1, &range, 0) })
        }
        FREE if matches!(backing, Backing::File { .. }) => Err(Errno::INVAL),
        FREE => {
            // `VirtualAlloc(MEM_RESET)`: documented for private memory and views of the
            // pagefile (not of files: an error there, as Linux refuses MADV_FREE on file
            // mappings). `DiscardVirtualMemory` is its newer form; Wine 8.0 only stubs
            // it (calling it aborts the process), so the tests could not run it.
            // SAFETY: forwarded contract: the contents may be discarded. MEM_RESET
            // ignores the protection argument but needs a valid one.
            let r = unsafe { VirtualAlloc(p, n, MEM_RESET, PAGE_NOACCESS) };
            if r.is_null() {
                Err(last_error())
            } else {
                Ok(())
            }
        }
        _ => Err(Errno::UNSUPPORTED),
    }
}

/// [`MapOptions::sequential`](crate::MapOptions::sequential): `PrefetchVirtualMemory`
/// over the view. Windows documents it as purely an optimisation that may fail, wholly or
/// partly, when memory is low, so its failure is ignored. The pages are read into memory
/// but join the working set only when touched: nothing is mapped ahead.
///
/// # Safety
/// `[p, p + n)` lies in a view the caller owns.
pub(crate) unsafe fn sequential(p: *mut c_void, n: usize) -> Result<()> {
    let range = WIN32_MEMORY_RANGE_ENTRY {
        VirtualAddress: p,
        NumberOfBytes: n,
    };
    // SAFETY: one range entry, inside the caller's view; prefetching only reads.
    let _ = unsafe { PrefetchVirtualMemory(GetCurrentProcess(), 1, &range, 0) };
    Ok(())
}

/// How many pages of `[p, p + n)` are in this process's working set
/// (`QueryWorkingSetEx`, the `Valid` bit), in chunks on the stack.
///
/// # Safety
/// `[p, p + n)` is page-aligned and lies in a view the caller owns.
pub(crate) unsafe fn resident(p: *mut c_void, n: usize) -> Result<usize> {
    const CHUNK: usize = 64;
    let page = page_size();
    let pages = n / page;
    let mut info = [PSAPI_WORKING_SET_EX_INFORMATION::default(); CHUNK];
    let (mut done, mut resident) = (0, 0);
    while done < pages {
        let k = (pages - done).min(CHUNK);
        for (i, entry) in info[..k].iter_mut().enumerate() {
            entry.VirtualAddress = p.wrapping_byte_add((done + i) * page);
        }
        let bytes = (k * size_of::<PSAPI_WORKING_SET_EX_INFORMATION>()) as u32;
        // SAFETY: `info` holds `k` entries, `bytes` long; the call only reads the
        // process's page tables.
        check(unsafe {
            K32QueryWorkingSetEx(GetCurrentProcess(), info.as_mut_ptr().cast(), bytes)
        })?;
        for entry in &info[..k] {
            // SAFETY: `Flags` is the union's plain-integer view, valid for any bits.
            let flags = unsafe { entry.VirtualAttributes.Flags };
            resident += flags & 1;
        }
        done += k;
    }
    Ok(resident)
}
