//! Fault-safe access (`rawmap::fault`): a file truncated under a live mapping, and memory
//! made to fault with userfaultfd, give `AccessError::Fault` with the exact number of
//! bytes copied, in this process, which lives on. Eight threads fault at once. Children
//! show the limits: a fault outside the copy routine, or with SIGBUS blocked, still kills
//! with SIGBUS, and so does a fault on the caller's own buffer.
//!
//! The SIGBUS handler is installed in this test process (by the first `read_at`). How it
//! treats signals that are not its own, for each kind of action installed before it, is
//! in `tests/fault_chain.rs`: those children must start from a process in which the
//! handler was never installed, which this one cannot promise.
//!
//! Pages past the end of a file fault only as whole pages: the tail of the page holding
//! the end of the file reads as zeros and takes writes, so the first faulting byte is the
//! next page boundary, and that is the count every test expects.
// Only the architectures with a fault-safe copy routine (src/copy/<arch>.rs);
// elsewhere `rawmap::fault::install` is UNSUPPORTED and read_at copies plainly.
#![cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "powerpc",
        target_arch = "sparc64",
        target_arch = "arm",
        target_arch = "riscv32",
        target_arch = "loongarch64",
    )
))]

mod common;

use std::sync::Barrier;

use common::{ChildExit, page, run_in_child, step_failed};
use rawmap::fd::AsRawFd;
use rawmap::{AccessError, Errno, FaultCause, File, MapOptions, Mapping, MemfdFlags, fault};

/// SIGBUS's number for this target, from the crate's tables (7, or 10 on mips/sparc).
const SIGBUS: i32 = rawmap::sys::signal::SIGBUS as i32;

/// Where the tests cut the file: 100 bytes into the second half of its second page. The
/// first byte that faults is then the first of the third page on a kernel, and also
/// under qemu-user on sparc64, which runs 8 KiB guest pages on this host's 4 KiB ones and
/// faults from the first host page past the end (an end in the first half of the page
/// would make the middle of the page fault there).
fn cut() -> usize {
    page() + page() / 2 + 100
}

/// The byte at file offset `i`: no two neighbouring bytes, and no two pages, are alike.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(131) ^ (i >> 12)) as u8
}

/// A memfd of `pages` pages filled with `pattern`, mapped shared and writable, then
/// truncated to `eof` bytes while mapped.
fn truncated(pages: usize, eof: usize) -> (File, Mapping) {
    let f = File::memfd(c"rawmap-fault", MemfdFlags::CLOEXEC).expect("memfd");
    f.set_len((pages * page()) as u64).unwrap();
    // SAFETY: the mapping is only used through read_at/write_at, which stay sound when
    // the file is truncated under them.
    let mut m = unsafe { MapOptions::new().map_mut(&f) }.expect("map_mut");
    let bytes: Vec<u8> = (0..m.len()).map(pattern).collect();
    m.write_at(0, &bytes).unwrap();
    f.set_len(eof as u64).unwrap();
    (f, m)
}

/// The byte a read of file offset `i` gives after truncation to `eof`: the data before
/// it, zeros in the rest of its page.
fn after_truncation(i: usize, eof: usize) -> u8 {
    if i < eof { pattern(i) } else { 0 }
}

/// Asserts `got` is a fault for a missing page after exactly `copied` bytes, at `offset`.
#[track_caller]
fn assert_fault(got: Result<(), AccessError>, copied: usize, offset: usize) {
    match got {
        Err(AccessError::Fault(f)) => assert_eq!(
            (f.copied(), f.offset(), f.cause()),
            (copied, offset, FaultCause::AddressError),
            "{f}"
        ),
        other => panic!("expected a fault after {copied} bytes at {offset}, got {other:?}"),
    }
}

/// Asserts the result of an access to `[start, start + len)` when the first byte that
/// faults is at `boundary`.
#[track_caller]
fn assert_access(got: Result<(), AccessError>, start: usize, len: usize, boundary: usize) {
    if start + len <= boundary {
        assert_eq!(got, Ok(()), "[{start}, +{len}) lies before {boundary}");
    } else {
        let copied = boundary.saturating_sub(start);
        assert_fault(got, copied, start + copied);
    }
}

// ---------------------------------------------------------------------------------------
// Truncation under a live mapping
// ---------------------------------------------------------------------------------------

/// A read across the new end of the file copies up to the first whole page past it (the
/// EOF page's tail reads as zeros), reports exactly that, and the process goes on; reads
/// before the end still work.
#[test]
fn read_across_the_new_end_copies_up_to_the_first_missing_page() {
    let p = page();
    let eof = cut();
    let (_f, m) = truncated(4, eof);

    let mut buf = vec![0xee; 4 * p];
    assert_fault(m.read_at(0, &mut buf), 2 * p, 2 * p);
    for (i, &b) in buf[..2 * p].iter().enumerate() {
        assert_eq!(b, after_truncation(i, eof), "byte {i}");
    }

    // Starting inside the EOF page, inside the missing pages, and ending exactly at the
    // first missing page (which does not fault).
    let mut buf = vec![0; 2 * p];
    assert_fault(m.read_at(p + 50, &mut buf), p - 50, 2 * p);
    assert_fault(m.read_at(2 * p + 10, &mut buf[..10]), 0, 2 * p + 10);
    assert_fault(m.read_at(3 * p, &mut buf[..p]), 0, 3 * p);
    assert_eq!(m.read_at(p, &mut buf[..p]), Ok(()));
    assert_eq!(
        &buf[..eof - p],
        &(p..eof).map(pattern).collect::<Vec<_>>()[..]
    );
    assert!(
        buf[eof - p..p].iter().all(|&b| b == 0),
        "EOF page tail reads as zeros"
    );

    // The process is fine: the mapping still reads before the end, many times over.
    let mut head = vec![0; p];
    for _ in 0..100 {
        assert_eq!(m.read_at(0, &mut head), Ok(()));
    }
    assert!(head.iter().enumerate().all(|(i, &b)| b == pattern(i)));
}

/// Every start and length around the boundary, so each path of the copy routine (1..3,
/// 4..7, 8..15, 16..32, 33..64 bytes, the aligned loop and its tail) faults at every
/// position: the count is exact and the copied prefix is the file's bytes.
#[test]
fn every_start_and_length_near_the_boundary_gives_the_exact_count() {
    let p = page();
    let eof = cut();
    let (_f, m) = truncated(3, eof);
    let boundary = 2 * p;
    let (back, lens) = (200, 400);
    let mut buf = vec![0u8; lens];
    for start in boundary - back..boundary + 3 {
        for len in 1..=lens {
            let got = m.read_at(start, &mut buf[..len]);
            assert_access(got, start, len, boundary);
            let copied = len.min(boundary.saturating_sub(start));
            for (k, &b) in buf[..copied].iter().enumerate() {
                assert_eq!(
                    b,
                    after_truncation(start + k, eof),
                    "start {start} len {len}"
                );
            }
        }
    }
}

/// Writes across the new end stop at the first missing page with the exact count; the
/// bytes before it reach the file, and writes before the end still work.
#[test]
fn write_across_the_new_end_stops_at_the_first_missing_page() {
    let p = page();
    let eof = cut();
    let (f, mut m) = truncated(4, eof);
    let data: Vec<u8> = (0..3 * p).map(|i| !pattern(i)).collect();

    assert_fault(m.write_at(p - 10, &data[..2 * p]), p + 10, 2 * p);
    // What landed before the end of the file is in the file (read back with pread).
    let mut back = vec![0; 110];
    // SAFETY: `back` is valid for 110 bytes.
    let n = unsafe {
        libc::pread(
            f.as_raw_fd(),
            back.as_mut_ptr().cast(),
            110,
            (p - 10) as libc::off_t,
        )
    };
    assert_eq!(n, 110);
    assert_eq!(back, &data[..110]);

    let (back_, lens) = (200, 400);
    for start in 2 * p - back_..2 * p + 3 {
        for len in 1..=lens {
            let got = m.write_at(start, &data[..len]);
            assert_access(got, start, len, 2 * p);
        }
    }
    // Before the end: fine.
    assert_eq!(m.write_at(0, &data[..p]), Ok(()));
    let mut buf = vec![0; p];
    assert_eq!(m.read_at(0, &mut buf), Ok(()));
    assert_eq!(buf, &data[..p]);
}

/// A regular file on disk (not shmem): the page cache path of truncation.
#[test]
fn truncated_file_on_disk_faults_the_same_way() {
    let p = page();
    let path = std::env::temp_dir().join(common::unique_name("fault-disk"));
    let cpath = std::ffi::CString::new(path.into_os_string().into_encoded_bytes()).unwrap();
    let file = File::create(&cpath).unwrap();
    // SAFETY: a valid C string naming the file just created.
    assert_eq!(unsafe { libc::unlink(cpath.as_ptr()) }, 0);
    file.set_len(3 * p as u64).unwrap();
    // SAFETY: used only through read_at/write_at.
    let mut m = unsafe { MapOptions::new().map_mut(&file) }.unwrap();
    let bytes: Vec<u8> = (0..3 * p).map(pattern).collect();
    m.write_at(0, &bytes).unwrap();
    m.flush().unwrap();
    file.set_len(cut() as u64).unwrap();

    let mut buf = vec![0; 3 * p];
    assert_fault(m.read_at(0, &mut buf), 2 * p, 2 * p);
    assert_eq!(buf[..cut()], bytes[..cut()]);
    assert!(buf[cut()..2 * p].iter().all(|&b| b == 0));
    assert_fault(m.write_at(p, &bytes[..2 * p]), p, 2 * p);
    assert_eq!(m.read_at(0, &mut buf[..p]), Ok(()));
}

/// `shrink_to_file` is the way back: the mapping ends with the file, accesses past it
/// are range errors, accesses before it work; it never grows, and refuses anonymous
/// mappings.
#[test]
fn shrink_to_file_recovers_after_truncation() {
    let p = page();
    let eof = cut();
    let (f, mut m) = truncated(4, eof);
    assert_eq!(m.shrink_to_file(&f), Ok(eof));
    assert_eq!(m.len(), eof);
    let mut buf = vec![0; eof];
    assert_eq!(m.read_at(0, &mut buf), Ok(()));
    assert!(buf.iter().enumerate().all(|(i, &b)| b == pattern(i)));
    assert_eq!(
        m.read_at(eof - 1, &mut [0; 2]),
        Err(AccessError::OutOfRange)
    );
    assert_eq!(m.write_at(eof, &[1]), Err(AccessError::OutOfRange));

    // The file grows again: the mapping stays as it is (safe remap never grows a file).
    f.set_len(4 * p as u64).unwrap();
    assert_eq!(m.shrink_to_file(&f), Ok(eof));
    // To nothing: an empty mapping.
    f.set_len(0).unwrap();
    assert_eq!(m.shrink_to_file(&f), Ok(0));
    assert!(m.is_empty());
    assert_eq!(m.read_at(0, &mut []), Ok(()));

    let mut anon = MapOptions::new().len(p).map_anonymous().unwrap();
    assert_eq!(anon.shrink_to_file(&f), Err(Errno::INVAL));
}

/// A mapping at a file offset shrinks to what is left of the file after that offset.
#[test]
fn shrink_to_file_counts_from_the_mapping_offset() {
    let p = page();
    let f = File::memfd(c"rawmap-fault-off", MemfdFlags::CLOEXEC).unwrap();
    f.set_len(4 * p as u64).unwrap();
    // SAFETY: used only through read_at/write_at.
    let mut m = unsafe { MapOptions::new().offset(p as u64 + 7).map_mut(&f) }.unwrap();
    assert_eq!(m.len(), 3 * p - 7);
    f.set_len(2 * p as u64).unwrap();
    let mut buf = vec![0; 2 * p];
    // The mapping's offset 0 is file offset p + 7; the file's pages end at 2p.
    assert_fault(m.read_at(0, &mut buf), p - 7, p - 7);
    assert_eq!(m.shrink_to_file(&f), Ok(p - 7));
    assert_eq!(m.read_at(0, &mut buf[..p - 7]), Ok(()));
}

/// `MapCursor` over a truncated file: a fault cuts a read or write short (the bytes
/// before it count, as io expects), the next call at the faulting byte fails with an
/// `io::Error` that carries the fault, and `read_exact` / `write_all` fail with it.
#[cfg(feature = "std")]
#[test]
fn the_cursor_turns_faults_into_short_counts_then_errors() {
    use std::io::{Read, Seek, SeekFrom, Write};
    let p = page();
    let (_f, m) = truncated(4, cut());
    let mut c = rawmap::MapCursor::new(m);
    let fault_of = |e: std::io::Error| {
        assert_eq!(e.kind(), std::io::ErrorKind::Other);
        let inner = e.get_ref().and_then(|e| e.downcast_ref::<AccessError>());
        inner
            .and_then(|a| a.fault())
            .expect("an AccessError::Fault inside")
    };

    let mut buf = vec![0; 3 * p];
    assert_eq!(c.read(&mut buf).unwrap(), 2 * p);
    assert_eq!(c.position(), 2 * p as u64);
    assert_eq!(buf[..100], (0..100).map(pattern).collect::<Vec<_>>()[..]);
    let f = fault_of(c.read(&mut buf).unwrap_err());
    assert_eq!((f.copied(), f.offset()), (0, 2 * p));
    assert_eq!(c.position(), 2 * p as u64);

    c.seek(SeekFrom::Start(10)).unwrap();
    let f = fault_of(c.read_exact(&mut buf).unwrap_err());
    assert_eq!((f.copied(), f.offset()), (2 * p - 10, 2 * p));
    assert_eq!(c.position(), 2 * p as u64);

    c.seek(SeekFrom::Start(p as u64)).unwrap();
    assert_eq!(c.write(&buf[..2 * p]).unwrap(), p);
    let f = fault_of(c.write(&buf[..p]).unwrap_err());
    assert_eq!((f.copied(), f.offset()), (0, 2 * p));
    c.seek(SeekFrom::Start(p as u64 + 1)).unwrap();
    let f = fault_of(c.write_all(&buf[..2 * p]).unwrap_err());
    assert_eq!((f.copied(), f.offset()), (0, 2 * p));
    assert_eq!(c.position(), 2 * p as u64);

    // Vectored: the buffers before the fault count.
    c.seek(SeekFrom::Start(2 * p as u64 - 8)).unwrap();
    let (mut a, mut b) = ([0u8; 4], [0u8; 16]);
    let mut bufs = [
        std::io::IoSliceMut::new(&mut a),
        std::io::IoSliceMut::new(&mut b),
    ];
    assert_eq!(c.read_vectored(&mut bufs).unwrap(), 8);
    assert_eq!(c.position(), 2 * p as u64);
}

// ---------------------------------------------------------------------------------------
// Threads and userfaultfd
// ---------------------------------------------------------------------------------------

/// Eight threads fault on the same mapping at once, each many times: every call gets
/// its own exact error (the handler keeps no shared or thread-local state).
#[test]
fn eight_threads_fault_at_once_and_all_get_errors() {
    let p = page();
    let (_f, m) = truncated(3, cut());
    let rounds = 500;
    let start = Barrier::new(8);
    let faults: usize = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (m, start) = (&m, &start);
                s.spawn(move || {
                    // Each thread its own start, so counts differ between threads.
                    let from = 2 * p - 64 * (t + 1);
                    let mut buf = vec![0; p];
                    start.wait();
                    let mut n = 0;
                    for _ in 0..rounds {
                        assert_fault(m.read_at(from, &mut buf), 2 * p - from, 2 * p);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert_eq!(faults, 8 * rounds);
}

/// userfaultfd ioctls: `_IOWR(0xAA, nr, size)` in the asm-generic encoding (x86, arm,
/// riscv, s390). mips, powerpc and sparc have 3 direction bits (read 2, write 4) from
/// bit 29 and 13 size bits, which gives the same numbers for sizes below 8 KiB.
const fn iowr(nr: u64, size: u64) -> u64 {
    (3 << 30) | (size << 16) | (0xAA << 8) | nr
}
const UFFD_API: u64 = 0xAA;
const UFFD_USER_MODE_ONLY: i32 = 1;
const UFFD_FEATURE_SIGBUS: u64 = 1 << 7;
const UFFDIO_API: u64 = iowr(0x3F, 24);
const UFFDIO_REGISTER: u64 = iowr(0x00, 32);
const UFFDIO_REGISTER_MODE_MISSING: u64 = 1;

/// Anonymous memory registered with userfaultfd in SIGBUS mode faults on every page not
/// yet populated: the same error, the same exact count. `UFFD_USER_MODE_ONLY` needs no
/// privilege (even with vm.unprivileged_userfaultfd = 0).
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 has no userfaultfd: the syscall returns ENOSYS (seen with --ignored \
              on aarch64, riscv64, i686, armv7, thumbv7neon, powerpc64, powerpc64le, \
              powerpc, s390x, mips, mipsel, mips64, mips64el and sparc64)"
)]
fn userfaultfd_sigbus_faults_are_caught() {
    let p = page();
    let mut m = MapOptions::new().len(4 * p).map_anonymous().unwrap();
    // Populate page 0 and page 2; pages 1 and 3 stay missing.
    m.write_at(0, &vec![1; p]).unwrap();
    m.write_at(2 * p, &vec![3; p]).unwrap();

    // SAFETY: plain syscall with integer arguments; the descriptor is closed below.
    let uffd = unsafe {
        libc::syscall(
            rawmap::sys::nr::USERFAULTFD as libc::c_long,
            libc::O_CLOEXEC | UFFD_USER_MODE_ONLY,
        )
    } as i32;
    assert!(
        uffd >= 0,
        "userfaultfd: {}",
        std::io::Error::last_os_error()
    );
    let mut api = [UFFD_API, UFFD_FEATURE_SIGBUS, 0];
    // SAFETY: UFFDIO_API reads and writes a struct uffdio_api (three u64).
    let r = unsafe { libc::ioctl(uffd, UFFDIO_API as _, api.as_mut_ptr()) };
    assert_eq!(r, 0, "UFFDIO_API: {}", std::io::Error::last_os_error());
    let mut reg = [
        m.as_ptr() as u64,
        4 * p as u64,
        UFFDIO_REGISTER_MODE_MISSING,
        0,
    ];
    // SAFETY: UFFDIO_REGISTER reads and writes a struct uffdio_register (four u64); the
    // range is our own mapping.
    let r = unsafe { libc::ioctl(uffd, UFFDIO_REGISTER as _, reg.as_mut_ptr()) };
    assert_eq!(r, 0, "UFFDIO_REGISTER: {}", std::io::Error::last_os_error());

    let mut buf = vec![0; 4 * p];
    assert_fault(m.read_at(0, &mut buf), p, p);
    assert!(buf[..p].iter().all(|&b| b == 1));
    assert_fault(m.read_at(2 * p + 5, &mut buf[..p]), p - 5, 3 * p);
    assert_fault(m.write_at(p - 8, &[9; 16]), 8, p);
    assert_eq!(m.read_at(2 * p, &mut buf[..p]), Ok(()));
    assert!(buf[..p].iter().all(|&b| b == 3));

    // SAFETY: our descriptor, closed once.
    unsafe { libc::close(uffd) };
}

// ---------------------------------------------------------------------------------------
// What is not caught: children that die as they would have without the crate
// ---------------------------------------------------------------------------------------

/// Exit code of a child whose handler was not active when it should have been (the
/// test would otherwise pass without testing anything).
const NOT_ACTIVE: i32 = 100;

/// A child that hangs (an emulator re-running a fault forever) dies of SIGALRM within a
/// minute instead of stalling the suite.
fn watchdog() {
    // SAFETY: alarm is async-signal-safe and only arms a timer for this process.
    unsafe { libc::alarm(60) };
}

/// In a child with the handler active: a fault outside the copy routine (a plain load
/// from the missing page) kills with SIGBUS.
#[test]
fn a_fault_outside_the_copy_routine_still_kills_with_sigbus() {
    let p = page();
    let (_f, m) = truncated(3, p);
    let missing = m.as_ptr().wrapping_add(2 * p);
    let exit = run_in_child(|| {
        watchdog();
        if fault::install().is_err() || fault::is_active() != Ok(true) {
            return NOT_ACTIVE;
        }
        if m.read_at(2 * p, &mut [0; 8]).is_ok() {
            return step_failed(1);
        }
        // SAFETY: deliberately reads a page past the end of the file: this must kill.
        unsafe { std::ptr::read_volatile(missing) };
        step_failed(2)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// With SIGBUS blocked in the faulting thread the kernel forces the default action: even
/// a fault inside `read_at` kills (documented in `rawmap::fault`).
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 does not force the default action for a fault with SIGBUS \
              blocked: the child re-executes the faulting load until the watchdog's \
              SIGALRM (seen on aarch64, riscv64, i686, armv7, thumbv7neon, powerpc64, \
              powerpc64le, powerpc, s390x, mips, mipsel, mips64, mips64el and sparc64)"
)]
fn blocked_sigbus_kills_even_inside_read_at() {
    let p = page();
    let (_f, m) = truncated(3, p);
    let mut set: rawmap::raw::SigSet = Default::default();
    let bit = SIGBUS as usize - 1;
    set[bit / usize::BITS as usize] |= 1 << (bit % usize::BITS as usize);
    let exit = run_in_child(|| {
        watchdog();
        if fault::install().is_err() || fault::is_active() != Ok(true) {
            return NOT_ACTIVE;
        }
        let block = rawmap::sys::signal::SIG_BLOCK;
        // SAFETY: blocks SIGBUS in this (child) thread, which is what is being tested.
        if unsafe { rawmap::raw::rt_sigprocmask(block, &set, std::ptr::null_mut()) }.is_err() {
            return step_failed(1);
        }
        let _ = m.read_at(2 * p, &mut [0; 8]);
        step_failed(2)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// A fault on the caller's buffer (the side that is not the mapping) is a bug in the
/// caller and is not turned into an error: the child dies of SIGBUS.
#[test]
fn a_fault_on_the_callers_buffer_is_not_hidden() {
    let p = page();
    let (_good_f, good) = truncated(2, 2 * p);
    let (_bad_f, bad) = truncated(2, p);
    let dst = bad.as_ptr().wrapping_add(p).cast_mut();
    let exit = run_in_child(|| {
        watchdog();
        if fault::install().is_err() || fault::is_active() != Ok(true) {
            return NOT_ACTIVE;
        }
        // SAFETY: not sound (the pages behind this slice fault): the test shows that
        // read_at does not hide the resulting SIGBUS, and the child dies of it.
        let buf = unsafe { std::slice::from_raw_parts_mut(dst, 64) };
        let _ = good.read_at(0, buf);
        step_failed(1)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// Another handler replacing the crate's turns the protection off, and `is_active`
/// says so: a fault in `read_at` then reaches that handler (here the default: death).
#[test]
fn a_replaced_handler_is_reported_and_no_longer_protects() {
    let p = page();
    let (_f, m) = truncated(3, p);
    let exit = run_in_child(|| {
        watchdog();
        if fault::install().is_err() || fault::is_active() != Ok(true) {
            return NOT_ACTIVE;
        }
        // SAFETY: the child replaces the SIGBUS action with the default one.
        unsafe { libc::signal(SIGBUS, libc::SIG_DFL) };
        if fault::is_active() != Ok(false) {
            return step_failed(1);
        }
        let _ = m.read_at(2 * p, &mut [0; 8]);
        step_failed(2)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

// ---------------------------------------------------------------------------------------
// The error values
// ---------------------------------------------------------------------------------------

/// `AccessError` converts to the errno a syscall would give; range and protection errors
/// stay distinct from faults.
#[test]
fn errors_convert_to_errno_and_io_error() {
    let p = page();
    let (_f, m) = truncated(2, p);
    let err = m.read_at(0, &mut vec![0; 2 * p]).unwrap_err();
    let f = err.fault().expect("a fault");
    assert_eq!(Errno::from(err), Errno::FAULT);
    assert_eq!(Errno::from(f), Errno::FAULT);
    assert_eq!(f.cause().errno(), Errno::FAULT);
    assert_eq!(FaultCause::MemoryError.errno(), Errno::HWPOISON);
    assert_eq!(
        f.to_string(),
        format!(
            "memory fault at offset {p} of the mapping (no page (file truncated or I/O error)) \
             after copying {p} bytes"
        )
    );
    assert_eq!(AccessError::OutOfRange.errno(), Errno::INVAL);
    assert_eq!(AccessError::Protection.errno(), Errno::ACCES);
    assert_eq!(AccessError::OutOfRange.fault(), None);
}

/// Under `std`: a fault becomes an `io::Error` that carries the `AccessError`; range and
/// protection errors the OS error they name.
#[cfg(feature = "std")]
#[test]
fn errors_convert_to_io_error_keeping_the_details() {
    let p = page();
    let (_f, m) = truncated(2, p);
    let err = m.read_at(0, &mut vec![0; 2 * p]).unwrap_err();
    let io = std::io::Error::from(err);
    assert_eq!(io.kind(), std::io::ErrorKind::Other);
    let inner = io.get_ref().and_then(|e| e.downcast_ref::<AccessError>());
    assert_eq!(inner, Some(&err));
    let io = std::io::Error::from(AccessError::OutOfRange);
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(io.raw_os_error(), Some(i32::from(Errno::INVAL.raw())));
    let io = std::io::Error::from(AccessError::Protection);
    assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
    assert_eq!(io.raw_os_error(), Some(i32::from(Errno::ACCES.raw())));
}

/// `install` is idempotent and leaves the handler active; it reports what it did.
#[test]
fn install_is_idempotent() {
    assert_eq!(fault::install(), Ok(()));
    assert_eq!(fault::install(), Ok(()));
    assert_eq!(fault::is_active(), Ok(true));
}
