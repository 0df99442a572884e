//! Fault-safe access on Windows x86_64 (`rawmap::fault`): the vectored exception
//! handler, driven by real faults in the crate's copy routine, under Wine.
//!
//! Windows raises `EXCEPTION_IN_PAGE_ERROR` when a page of a view cannot be read in (a
//! disk error, a network share or a removable drive gone); it never lets a mapped file
//! shrink. This machine has neither a failing disk nor Windows, but Wine runs the test
//! natively on the Linux kernel, so a test can shrink the mapped file behind Wine's back
//! with raw Linux system calls (`openat` and `ftruncate` on its unix path), and a
//! `read_at` across the new end then makes the kernel raise SIGBUS inside the copy
//! routine, with the registers a Windows fault would leave.
//!
//! **What Wine does with it.** Wine 8.0 reports that SIGBUS as
//! `EXCEPTION_ACCESS_VIOLATION` (0xC0000005) with two parameters (access, address) and
//! no `NTSTATUS`: on x86_64 its SIGBUS handler is its SIGSEGV handler, whose page-fault
//! case asks `virtual_handle_fault`, which answers `STATUS_ACCESS_VIOLATION`
//! (`dlls/ntdll/unix/signal_x86_64.c`, `segv_handler`). The crate handles in-page
//! errors only, so under Wine such a fault still kills the process, as it would without
//! the crate: `wine_reports_the_sigbus_as_an_access_violation` pins both facts down.
//!
//! **Standing in for Windows.** The other Wine tests register, after the crate's
//! handler (so it runs first), a vectored handler that turns an access violation on a
//! test's shrunk file into what Windows raises for a failed page-in:
//! `EXCEPTION_IN_PAGE_ERROR` with the same access and address and a third parameter,
//! `STATUS_DEVICE_DATA_ERROR`, and leaves the context (`Rip`, the registers) as the
//! fault left it. It rewrites every fault on those pages, wherever it comes from: the
//! crate's handler itself must tell a fault in its routine on the mapping's side from a
//! fault elsewhere (a read through a slice) or on the caller's buffer, and those still
//! kill the process, with 0xC0000006.
//!
//! The tests that need Wine are built with `--cfg wine` (scripts/test-all.sh
//! test-windows sets it) and are ignored with that reason otherwise; the others (a
//! foreign exception still kills, installation, unwinding) run on any Windows. A test
//! that must crash runs in a child process: this test binary again, filtered to that
//! test, told by an environment variable to play the child.
#![cfg(all(windows, target_arch = "x86_64", feature = "std"))]

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Barrier;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rawmap::{AccessError, Errno, FaultCause, MapOptions, Mapping};
use windows_sys::Win32::Foundation::{
    EXCEPTION_ACCESS_VIOLATION, EXCEPTION_IN_PAGE_ERROR, STATUS_DEVICE_DATA_ERROR,
};
use windows_sys::Win32::System::Diagnostics::Debug::{
    AddVectoredExceptionHandler, EXCEPTION_CONTINUE_SEARCH, EXCEPTION_POINTERS, RaiseException,
};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Memory::{
    GetProcessHeap, HeapFree, MEM_RESERVE, PAGE_NOACCESS, VirtualAlloc,
};

/// The status the stand-in gives a failed page-in, as `FaultCause` reports it.
const DEVICE_DATA_ERROR: u32 = STATUS_DEVICE_DATA_ERROR as u32;
/// Exit codes of a process killed by an unhandled exception: the exception code.
const DIED_OF_ACCESS_VIOLATION: i32 = EXCEPTION_ACCESS_VIOLATION;
const DIED_OF_IN_PAGE_ERROR: i32 = EXCEPTION_IN_PAGE_ERROR;

fn page() -> usize {
    rawmap::page_size()
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 1) as u8).collect()
}

// ---------------------------------------------------------------------------------------
// Wine and its Linux kernel
// ---------------------------------------------------------------------------------------

/// Whether this process runs under Wine (ntdll exports `wine_get_version`).
fn under_wine() -> bool {
    let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
    // SAFETY: a NUL-terminated name; ntdll is loaded in every process; looking up an
    // export has no side effect.
    unsafe {
        let h = GetModuleHandleW(ntdll.as_ptr());
        !h.is_null() && GetProcAddress(h, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

/// A Linux x86_64 system call, made directly to the kernel Wine runs on.
///
/// # Safety
/// The call must be harmless to Wine (these tests only open, truncate and close a file).
unsafe fn linux_syscall(nr: usize, a: usize, b: usize, c: usize) -> isize {
    let ret: isize;
    // SAFETY: forwarded contract; `syscall` clobbers rcx and r11 only.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The unix path of a Windows path (kernel32's `wine_get_unix_file_name`).
fn unix_path(path: &Path) -> CString {
    use std::os::windows::ffi::OsStrExt;
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    // SAFETY: kernel32 is loaded in every process; Wine's export takes a NUL-terminated
    // wide path and returns a NUL-terminated string from the process heap, or null.
    unsafe {
        let kernel32: Vec<u16> = "kernel32.dll\0".encode_utf16().collect();
        let f = GetProcAddress(
            GetModuleHandleW(kernel32.as_ptr()),
            c"wine_get_unix_file_name".as_ptr().cast(),
        )
        .expect("kernel32 has no wine_get_unix_file_name: not Wine");
        let f: unsafe extern "system" fn(*const u16) -> *mut i8 = std::mem::transmute(f);
        let p = f(wide.as_ptr());
        assert!(!p.is_null(), "no unix path for {}", path.display());
        let s = std::ffi::CStr::from_ptr(p).to_owned();
        HeapFree(GetProcessHeap(), 0, p.cast());
        s
    }
}

/// Shrinks the file at `path` to `len` bytes with Linux's `ftruncate`, which Windows'
/// own calls refuse while a view is mapped (`ERROR_USER_MAPPED_FILE`).
fn shrink_behind_windows_back(path: &Path, len: usize) {
    const OPENAT: usize = 257;
    const FTRUNCATE: usize = 77;
    const CLOSE: usize = 3;
    const AT_FDCWD: isize = -100;
    const O_WRONLY: usize = 1;
    assert!(under_wine(), "Linux system calls need Wine");
    let unix = unix_path(path);
    // SAFETY: opens, truncates and closes a file of this test; Wine's own descriptor for
    // it is untouched.
    unsafe {
        let fd = linux_syscall(OPENAT, AT_FDCWD as usize, unix.as_ptr() as usize, O_WRONLY);
        assert!(fd >= 0, "openat({unix:?}): errno {}", -fd);
        let r = linux_syscall(FTRUNCATE, fd as usize, len, 0);
        assert_eq!(r, 0, "ftruncate({unix:?}, {len}): errno {}", -r);
        assert_eq!(linux_syscall(CLOSE, fd as usize, 0, 0), 0);
    }
}

// ---------------------------------------------------------------------------------------
// The stand-in for Windows' in-page errors
// ---------------------------------------------------------------------------------------

/// `[lo, hi)` of the pages where an access violation stands for a failed page-in; a
/// free slot is `[0, 0)`.
static FAILING: [[AtomicUsize; 2]; 16] = [const { [AtomicUsize::new(0), AtomicUsize::new(0)] }; 16];

/// The pages of a mapping that "fail to page in" until this is dropped.
struct FailingPages(usize);

fn failing(m: &Mapping) -> FailingPages {
    let (lo, hi) = (m.as_ptr().addr(), m.as_ptr().addr() + m.len());
    for (i, slot) in FAILING.iter().enumerate() {
        if slot[0]
            .compare_exchange(0, lo, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            slot[1].store(hi, Ordering::Release);
            return FailingPages(i);
        }
    }
    panic!("more than {} failing mappings at once", FAILING.len())
}

impl Drop for FailingPages {
    fn drop(&mut self) {
        FAILING[self.0][1].store(0, Ordering::Release);
        FAILING[self.0][0].store(0, Ordering::Release);
    }
}

/// Rewrites Wine's access violation on failing pages into Windows' in-page error (see
/// the file's documentation). Leaves the context alone.
///
/// # Safety
/// Only for Windows to call, as a vectored exception handler.
unsafe extern "system" fn stand_in_for_windows(info: *mut EXCEPTION_POINTERS) -> i32 {
    // SAFETY: Windows passes valid records; the record may be changed for the handlers
    // after this one.
    let rec = unsafe { &mut *(*info).ExceptionRecord };
    if rec.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && rec.NumberParameters >= 2 {
        let addr = rec.ExceptionInformation[1];
        let failing = FAILING.iter().any(|[lo, hi]| {
            (lo.load(Ordering::Acquire)..hi.load(Ordering::Acquire)).contains(&addr)
        });
        if failing {
            rec.ExceptionCode = EXCEPTION_IN_PAGE_ERROR;
            rec.NumberParameters = 3;
            rec.ExceptionInformation[2] = DEVICE_DATA_ERROR as usize;
        }
    }
    EXCEPTION_CONTINUE_SEARCH
}

/// Installs the crate's handler, then the stand-in in front of it (once per process).
fn setup() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        rawmap::fault::install().expect("install the exception handler");
        // SAFETY: the stand-in is a valid handler for the life of the process.
        let h = unsafe { AddVectoredExceptionHandler(1, Some(stand_in_for_windows)) };
        assert!(!h.is_null());
    });
}

// ---------------------------------------------------------------------------------------
// Files and children
// ---------------------------------------------------------------------------------------

/// A file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn with(tag: &str, bytes: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rawmap-fault-{}-{n}-{tag}", std::process::id());
        let path = std::env::temp_dir().join(name);
        fs::write(&path, bytes).unwrap();
        Self(path)
    }

    fn read_write(&self) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.0)
            .unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A file of three pages of `pattern`, mapped read-write, then shrunk behind Windows'
/// back to one page and 100 bytes, its pages failing: the second page reads its 100
/// bytes and zeros, the third faults.
fn shrunk(tag: &str) -> (TempFile, Mapping) {
    let t = TempFile::with(tag, &pattern(3 * page()));
    // SAFETY: the test owns the file; the mapping is only used through read_at/write_at
    // (and, in the children that must die, through a pointer).
    let m = unsafe { MapOptions::new().map_mut(&t.read_write()) }.unwrap();
    shrink_behind_windows_back(&t.0, page() + 100);
    (t, m)
}

/// The environment variable that tells this binary to play a test's child:
/// `<test>/<role>`.
const CHILD: &str = "RAWMAP_FAULT_WINDOWS_CHILD";

/// In the parent, runs this test binary again, filtered to `test`, as the child that
/// plays `role`, and returns its output. In that child, runs `child`, which must not
/// return, and exits. In a child playing another role of the same test, does nothing
/// and returns `None`: a test that starts several children starts them all before
/// looking at any.
fn child_of(test: &str, role: &str, child: impl FnOnce()) -> Option<Output> {
    match std::env::var(CHILD) {
        Ok(me) if me == format!("{test}/{role}") => {
            child();
            eprintln!("STEP: the child survived");
            std::process::exit(0)
        }
        Ok(_) => None,
        Err(_) => Some(run_child(test, role)),
    }
}

/// Starts the child of `child_of` and waits for it, at most two minutes (a child that
/// loops instead of dying is killed and fails the test).
fn run_child(test: &str, role: &str) -> Output {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let log = |what: &str| {
        let name = format!("rawmap-child-{}-{n}.{what}", std::process::id());
        std::env::temp_dir().join(name)
    };
    let (out_path, err_path) = (log("out"), log("err"));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{test}/{role}"))
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = fs::read(&out_path).unwrap();
    let stderr = fs::read(&err_path).unwrap();
    let _ = (fs::remove_file(out_path), fs::remove_file(err_path));
    let Some(status) = status else {
        panic!(
            "child {test}/{role} still ran after 120 s: killed\n{}",
            String::from_utf8_lossy(&stderr)
        )
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Asserts that a child died of `code` after printing `step` (and not before it).
fn assert_died(out: &Output, code: i32, step: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("STEP: {step}")) && !stderr.contains("survived"),
        "child did not get to `{step}`: {stderr}"
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "child: {:?}, expected exit code {:#X}\n{stderr}",
        out.status,
        code as u32
    );
}

// ---------------------------------------------------------------------------------------
// Real faults under Wine
// ---------------------------------------------------------------------------------------

/// What Wine raises for a SIGBUS in the copy routine, seen by a handler registered in
/// front of the crate's: an access violation with the read's address, which the crate's
/// handler leaves alone, so the process dies of it as it would without the crate.
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn wine_reports_the_sigbus_as_an_access_violation() {
    static EXPECTED: AtomicUsize = AtomicUsize::new(0);
    /// Prints the exception as it arrives, and passes it on.
    unsafe extern "system" fn observe(info: *mut EXCEPTION_POINTERS) -> i32 {
        // SAFETY: Windows passes a valid record.
        let rec = unsafe { &*(*info).ExceptionRecord };
        let n = rec.NumberParameters as usize;
        eprintln!(
            "OBSERVED: code={:#X} params={n} access={} at-expected-address={}",
            rec.ExceptionCode as u32,
            rec.ExceptionInformation[0],
            n >= 2 && rec.ExceptionInformation[1] == EXPECTED.load(Ordering::Relaxed),
        );
        EXCEPTION_CONTINUE_SEARCH
    }
    let out = child_of(
        "wine_reports_the_sigbus_as_an_access_violation",
        "child",
        || {
            rawmap::fault::install().unwrap();
            // SAFETY: `observe` is a valid handler for the life of the process.
            assert!(!unsafe { AddVectoredExceptionHandler(1, Some(observe)) }.is_null());
            let (_t, m) = shrunk("wine-av");
            EXPECTED.store(m.as_ptr().addr() + 2 * page(), Ordering::Relaxed);
            let mut buf = vec![0; 3 * page()];
            eprintln!("STEP: read_at across the end");
            let _ = m.read_at(0, &mut buf);
        },
    )
    .unwrap();
    assert_died(&out, DIED_OF_ACCESS_VIOLATION, "read_at across the end");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OBSERVED: code=0xC0000005 params=2 access=0 at-expected-address=true"),
        "{stderr}"
    );
    assert!(!stderr.contains("code=0xC0000006"), "{stderr}");
}

/// A read and a write across the new end of a shrunk file: the fault, the exact count
/// of bytes copied, the offset and the status; the process lives on, reads before the
/// end still work, and the handler is registered.
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn read_at_and_write_at_across_the_end_return_the_fault() {
    setup();
    let page = page();
    let (_t, mut m) = shrunk("across");
    let _failing = failing(&m);
    let mut buf = vec![0; 3 * page];
    let e = m.read_at(0, &mut buf).unwrap_err();
    let AccessError::Fault(fault) = e else {
        panic!("{e:?}")
    };
    assert_eq!(fault.copied(), 2 * page);
    assert_eq!(fault.offset(), 2 * page);
    assert_eq!(
        fault.cause(),
        FaultCause::InPageError {
            status: DEVICE_DATA_ERROR
        }
    );
    assert_eq!(e.errno(), Errno::FAULT);
    assert!(e.to_string().contains("NTSTATUS 0xC000009C"), "{e}");
    // The copied prefix: the file's bytes to its new end, then the zeros of that page.
    assert_eq!(buf[..page + 100], pattern(3 * page)[..page + 100]);
    assert!(buf[page + 100..2 * page].iter().all(|&b| b == 0));

    let e = m.write_at(page, &vec![0xAB; 2 * page]).unwrap_err();
    let fault = e.fault().unwrap();
    assert_eq!((fault.copied(), fault.offset()), (page, 2 * page));

    let mut before = vec![0; 2 * page];
    m.read_at(0, &mut before).unwrap();
    assert_eq!(before[..100], pattern(3 * page)[..100]);
    assert!(before[page..].iter().all(|&b| b == 0xAB));
    assert_eq!(rawmap::fault::is_active(), Ok(true));
}

/// Every start and length around the end, in both directions: each size path of the
/// routine faults at each position and resumes to stop at exactly the first missing
/// byte (the routine's registers survive Windows' exception dispatch).
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn the_copy_stops_at_the_exact_byte() {
    setup();
    let page = page();
    let (_t, mut m) = shrunk("exact");
    let _failing = failing(&m);
    let end = 2 * page;
    let mut buf = [0x5au8; 300];
    for start in end - 140..end + 2 {
        for len in 1..=buf.len() {
            let copied = len.min(end.saturating_sub(start));
            let check = |r: Result<(), AccessError>, what: &str| match r {
                Ok(()) => assert_eq!(copied, len, "{what} start {start} len {len}"),
                Err(AccessError::Fault(f)) => {
                    assert_eq!(f.copied(), copied, "{what} start {start} len {len}");
                    assert_eq!(f.offset(), end.max(start), "{what} start {start} len {len}");
                }
                Err(e) => panic!("{what} start {start} len {len}: {e:?}"),
            };
            check(m.read_at(start, &mut buf[..len]), "read");
            check(m.write_at(start, &buf[..len]), "write");
        }
    }
}

/// Eight threads fault at once, 500 times each: every copy returns the fault.
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn eight_threads_fault_at_once() {
    setup();
    let page = page();
    let (_t, m) = shrunk("threads");
    let _failing = failing(&m);
    let start = Barrier::new(8);
    let faults = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let mut buf = vec![0; 2 * page];
                start.wait();
                for _ in 0..500 {
                    let f = m.read_at(page, &mut buf).unwrap_err().fault().unwrap();
                    assert_eq!((f.copied(), f.offset()), (page, 2 * page));
                    faults.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(faults.load(Ordering::Relaxed), 8 * 500);
}

/// An in-page error outside the copy routine (a read through a pointer into the
/// mapping) is not the crate's: the process dies of it.
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn an_in_page_error_outside_the_routine_still_kills() {
    let out = child_of(
        "an_in_page_error_outside_the_routine_still_kills",
        "child",
        || {
            setup();
            let (_t, m) = shrunk("outside");
            let _failing = failing(&m);
            eprintln!("STEP: a plain read past the end");
            // SAFETY: none: the page is gone, and this child is meant to die of it.
            let b = unsafe { m.as_ptr().add(2 * page()).read_volatile() };
            eprintln!("read {b}");
        },
    )
    .unwrap();
    assert_died(&out, DIED_OF_IN_PAGE_ERROR, "a plain read past the end");
}

/// An in-page error in the copy routine on the caller's buffer (the destination of a
/// `read_at` is a failing page) is a bug, not an I/O error: the process dies of it.
#[test]
#[cfg_attr(
    not(wine),
    ignore = "needs Wine: shrinks a mapped file with Linux system calls"
)]
fn an_in_page_error_on_the_callers_buffer_still_kills() {
    let out = child_of(
        "an_in_page_error_on_the_callers_buffer_still_kills",
        "child",
        || {
            setup();
            let good = MapOptions::new().len(page()).map_anonymous().unwrap();
            let (_t, mut m) = shrunk("buffer");
            let _failing = failing(&m);
            // SAFETY: none: the second half of the buffer is gone, and this child is meant
            // to die of it.
            let buf =
                unsafe { std::slice::from_raw_parts_mut(m.as_mut_ptr().add(2 * page() - 8), 16) };
            eprintln!("STEP: read_at into a failing buffer");
            let r = good.read_at(0, buf);
            eprintln!("read_at returned {r:?}");
        },
    )
    .unwrap();
    assert_died(&out, DIED_OF_IN_PAGE_ERROR, "read_at into a failing buffer");
}

// ---------------------------------------------------------------------------------------
// Any Windows
// ---------------------------------------------------------------------------------------

/// A foreign `EXCEPTION_IN_PAGE_ERROR` (raised by `RaiseException`, so `Rip` is in
/// kernelbase, not in the copy routine) passes the crate's handler: the process dies
/// of it.
#[test]
fn a_foreign_in_page_error_still_kills() {
    let out = child_of("a_foreign_in_page_error_still_kills", "child", || {
        rawmap::fault::install().unwrap();
        let good = MapOptions::new().len(page()).map_anonymous().unwrap();
        let args = [0, good.as_ptr().addr(), DEVICE_DATA_ERROR as usize];
        eprintln!("STEP: RaiseException");
        // SAFETY: raises an exception that nothing handles; the child dies of it.
        unsafe { RaiseException(EXCEPTION_IN_PAGE_ERROR as u32, 0, 3, args.as_ptr()) };
    })
    .unwrap();
    assert_died(&out, DIED_OF_IN_PAGE_ERROR, "RaiseException");
}

/// Reads a reserved page (no access): an access violation outside the crate.
fn touch_reserved_memory() {
    // SAFETY: reserves one page and reads it: the caller, a child, dies of it.
    unsafe {
        let p = VirtualAlloc(core::ptr::null(), page(), MEM_RESERVE, PAGE_NOACCESS);
        assert!(!p.is_null());
        eprintln!("STEP: read reserved memory");
        let b = p.cast::<u8>().read_volatile();
        eprintln!("read {b}");
    }
}

/// An access violation outside the crate kills a process with the handler installed
/// exactly as one without it.
#[test]
fn a_foreign_access_violation_still_kills() {
    const TEST: &str = "a_foreign_access_violation_still_kills";
    let with = child_of(TEST, "with the handler", || {
        rawmap::fault::install().unwrap();
        touch_reserved_memory();
    });
    let without = child_of(TEST, "without", touch_reserved_memory);
    // Only the parent gets here: each child exits in its own call.
    let (with, without) = (with.unwrap(), without.unwrap());
    assert_died(&with, DIED_OF_ACCESS_VIOLATION, "read reserved memory");
    assert_died(&without, DIED_OF_ACCESS_VIOLATION, "read reserved memory");
}

/// In a fresh process: not active before installation, active after the first
/// `read_at` (which installs it), and `install` is then a no-op that succeeds.
#[test]
fn the_first_copy_installs_the_handler_once() {
    let out = child_of("the_first_copy_installs_the_handler_once", "child", || {
        assert_eq!(rawmap::fault::is_active(), Ok(false));
        let m = MapOptions::new().len(page()).map_anonymous().unwrap();
        let mut buf = [1u8; 8];
        m.read_at(8, &mut buf).unwrap();
        assert_eq!(buf, [0; 8]);
        assert_eq!(rawmap::fault::is_active(), Ok(true));
        assert_eq!(rawmap::fault::install(), Ok(()));
        assert_eq!(rawmap::fault::is_active(), Ok(true));
        eprintln!("STEP: all checked");
        std::process::exit(0);
    })
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("STEP: all checked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// Rust panics unwind through the handler (on windows-gnu they are exceptions that
/// every vectored handler sees first): it passes them on.
#[test]
fn panics_still_unwind_with_the_handler_installed() {
    rawmap::fault::install().unwrap();
    let r = std::panic::catch_unwind(|| panic!("on purpose"));
    assert!(r.is_err());
}
