//! Fault injection: every syscall the crate makes is failed with seccomp
//! (`common::seccomp`) under every public operation that makes it, with errnos the
//! syscall's man page lists. TESTING.md has the table of syscall x operation x errno and
//! the test covering each cell.
//!
//! For each injection the test asserts:
//! - the operation returns the injected `Errno` (for Drop: it neither panics nor aborts,
//!   and the documented consequence holds);
//! - the fault really fired, exactly as often as expected, on the arguments the crate
//!   should pass (the supervisor counts matching calls), so range arithmetic is checked
//!   too;
//! - the state is unchanged: length, contents, protection, locks, file length;
//! - nothing leaked: the test's uniquely named memfds are gone from /proc/self/maps and
//!   /proc/self/fd at the end; anonymous mappings are checked by address while they are
//!   owned, or by comparing /proc/self/maps snapshots in a forked child.
//!
//! seccomp is not available under qemu-user (it answers ENOSYS), so every test here is
//! ignored with `--cfg qemu`; they run natively.
#![cfg(target_os = "linux")]

mod common;

use std::ffi::{CString, c_void};
use std::ptr;

use common::seccomp::{Fault, Hits, crate_nr, in_child_with_fault, with_fault, with_faults};
use common::{
    ChildExit, MapsSnapshot, assert_no_leak, err_code, fds_mention, maps_mention, page,
    run_in_child, smaps_bytes, step_failed, unique_name, vm_flags, vm_size,
};
use rawmap::fd::AsRawFd;
use rawmap::sys::{mman, nr};
use rawmap::{
    Advice, Errno, File, HugePages, MapOptions, Mapping, MemfdFlags, OpenFlags, ProtFlags,
    RemapFlags, SealFlags, UncheckedAdvice, raw,
};

// Errnos each syscall is failed with: ones its man page lists, so the crate meets
// errors it can really get.
const MMAP_ERRS: [Errno; 3] = [Errno::NOMEM, Errno::AGAIN, Errno::ACCES];
const MUNMAP_ERRS: [Errno; 2] = [Errno::NOMEM, Errno::INVAL];
const MREMAP_ERRS: [Errno; 3] = [Errno::NOMEM, Errno::AGAIN, Errno::FAULT];
const MSYNC_ERRS: [Errno; 3] = [Errno::IO, Errno::NOMEM, Errno::BUSY];
const MADVISE_ERRS: [Errno; 4] = [Errno::AGAIN, Errno::NOMEM, Errno::IO, Errno::PERM];
const MPROTECT_ERRS: [Errno; 2] = [Errno::NOMEM, Errno::ACCES];
const MLOCK_ERRS: [Errno; 3] = [Errno::NOMEM, Errno::AGAIN, Errno::PERM];
const MUNLOCK_ERRS: [Errno; 2] = [Errno::NOMEM, Errno::PERM];
const MINCORE_ERRS: [Errno; 3] = [Errno::NOMEM, Errno::AGAIN, Errno::FAULT];
const FTRUNCATE_ERRS: [Errno; 4] = [Errno::IO, Errno::FBIG, Errno::INTR, Errno::PERM];
const OPENAT_ERRS: [Errno; 5] = [
    Errno::ACCES,
    Errno::NOENT,
    Errno::MFILE,
    Errno::NFILE,
    Errno::INTR,
];
const STATX_ERRS: [Errno; 3] = [Errno::NOMEM, Errno::BADF, Errno::ACCES];
const MEMFD_ERRS: [Errno; 3] = [Errno::MFILE, Errno::NFILE, Errno::NOMEM];
const CLOSE_ERRS: [Errno; 3] = [Errno::IO, Errno::INTR, Errno::NOSPC];
const FCNTL_ERRS: [Errno; 2] = [Errno::BADF, Errno::PERM];

/// One injected call, failed.
const ONCE: Hits = Hits {
    calls: 1,
    injected: 1,
};

fn rw() -> ProtFlags {
    ProtFlags::READ | ProtFlags::WRITE
}

/// Bytes that differ from page to page at the same in-page offset, and per `seed`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i % 251) as u8).wrapping_add(seed))
        .collect()
}

/// The address as a pointer again (closures passed to `with_fault` must be `Send`, so
/// they capture addresses, not pointers).
fn at(addr: usize) -> *mut c_void {
    ptr::with_exposed_provenance_mut(addr)
}

/// The page-aligned start of what `m` mapped (its first byte minus the hidden prefix).
fn base_of(m: &Mapping, offset: u64) -> usize {
    m.as_ptr().addr() - (offset % page() as u64) as usize
}

/// Whether every page of `[addr, addr + len)` is mapped: mincore says ENOMEM otherwise.
fn is_mapped(addr: usize, len: usize) -> bool {
    let mut vec = vec![0u8; len.div_ceil(page())];
    // SAFETY: `vec` has a byte per page; mincore only reads the page tables.
    match unsafe { raw::mincore(at(addr), len, vec.as_mut_ptr()) } {
        Ok(()) => true,
        Err(e) if e == Errno::NOMEM => false,
        Err(e) => panic!("mincore: {e}"),
    }
}

/// The permissions ("rw-p") of every /proc/self/maps line overlapping `[addr, addr+len)`.
fn perms(addr: usize, len: usize) -> Vec<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (a, b) = parts.next()?.split_once('-')?;
            let (start, end) = (
                usize::from_str_radix(a, 16).ok()?,
                usize::from_str_radix(b, 16).ok()?,
            );
            (start < addr + len && addr < end).then(|| parts.next().unwrap().to_string())
        })
        .collect()
}

/// `len` bytes at `addr`, copied out.
///
/// # Safety
/// The range must be mapped readable and not written concurrently.
unsafe fn read_raw(addr: usize, len: usize) -> Vec<u8> {
    // SAFETY: forwarded contract.
    unsafe { std::slice::from_raw_parts(at(addr).cast::<u8>(), len) }.to_vec()
}

/// A memfd (sealable, close-on-exec) holding `contents`, and its unique name. The name
/// ends in `.` so it is never a prefix of another test's name in /proc/self/maps.
fn memfd(tag: &str, contents: &[u8]) -> (File, String) {
    let name = format!("{}.", unique_name(tag));
    let c = CString::new(name.clone()).unwrap();
    let f = File::memfd(&c, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).unwrap();
    let mut rest = contents;
    while !rest.is_empty() {
        // SAFETY: `rest` is valid for reads of its length.
        let n = unsafe { raw::write(f.as_raw_fd(), rest.as_ptr(), rest.len()) }.unwrap();
        rest = &rest[n..];
    }
    (f, name)
}

/// The whole contents of `f`, read through a new open file description.
fn file_bytes(f: &File) -> Vec<u8> {
    std::fs::read(format!("/proc/self/fd/{}", f.as_raw_fd())).unwrap()
}

/// A private anonymous read-write mapping of `pages` pages holding `pattern`.
fn anon(pages: usize, seed: u8) -> (Mapping, Vec<u8>) {
    let data = pattern(pages * page(), seed);
    let mut m = MapOptions::new().len(data.len()).map_anonymous().unwrap();
    m.copy_from_slice(&data);
    (m, data)
}

/// The file constructors of `MapOptions`, to run each under a fault.
#[derive(Debug, Clone, Copy)]
enum Ctor {
    Map,
    MapMut,
    MapCopy,
    MapExec,
    MapIfSafe,
}

impl Ctor {
    const ALL: [Self; 5] = [
        Self::Map,
        Self::MapMut,
        Self::MapCopy,
        Self::MapExec,
        Self::MapIfSafe,
    ];

    /// Maps `f` with `o`; `Ok(None)` only from `map_if_safe`.
    fn run(self, o: &MapOptions, f: &File) -> rawmap::Result<Option<Mapping>> {
        // SAFETY: the tests' memfds are private to them: nothing writes or truncates
        // them while mapped.
        unsafe {
            match self {
                Self::Map => o.map(f).map(Some),
                Self::MapMut => o.map_mut(f).map(Some),
                Self::MapCopy => o.map_copy(f).map(Some),
                Self::MapExec => o.map_exec(f).map(Some),
                Self::MapIfSafe => o.map_if_safe(f),
            }
        }
    }
}

/// A shared read-write mapping of a whole memfd of `pages` pages, its file and name.
struct Shared {
    map: Mapping,
    file: File,
    name: String,
    data: Vec<u8>,
}

fn shared(tag: &str, pages: usize) -> Shared {
    let data = pattern(pages * page(), 7);
    let (file, name) = memfd(tag, &data);
    // SAFETY: the memfd is private to this test; nothing else writes or truncates it.
    let map = unsafe { MapOptions::new().map_mut(&file) }.unwrap();
    assert_eq!(&map[..], &data[..]);
    Shared {
        map,
        file,
        name,
        data,
    }
}

impl Shared {
    /// Drops everything and checks that nothing of the memfd is left.
    fn finish(self) {
        let name = self.name.clone();
        drop(self);
        assert_no_leak(&name);
    }
}

// ---------------------------------------------------------------------------------------
// The helper itself
// ---------------------------------------------------------------------------------------

/// Only the N-th matching call fails, calls with other arguments are not matched, and
/// the filter does not outlive the worker.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn helper_fails_only_the_nth_matching_call_on_the_worker() {
    let (m, _) = anon(2, 0);
    let (a, b) = (m.as_ptr().addr(), m.as_ptr().addr() + page());
    let fault = Fault::new(nr::MADVISE, Errno::IO).ptr(0, at(a)).nth(2);
    let r = with_fault(fault, move || {
        // SAFETY: MADV_NORMAL on pages of a live mapping changes nothing.
        let advise = |p| unsafe { raw::madvise(at(p), page(), mman::MADV_NORMAL) };
        [advise(a), advise(b), advise(a), advise(a)]
    });
    assert_eq!(r.value, [Ok(()), Ok(()), Err(Errno::IO), Ok(())]);
    assert_eq!(
        r.hits,
        [Hits {
            calls: 3,
            injected: 1
        }]
    );

    // The filter died with the worker: the same call from this thread succeeds.
    // SAFETY: as above.
    let after = unsafe { raw::madvise(at(a), page(), mman::MADV_NORMAL) };
    assert_eq!(after, Ok(()));
}

/// Other test threads are not filtered: a thread running concurrently makes the
/// matching call many times while the worker is filtered, and never fails.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn helper_leaves_other_threads_alone() {
    let (m, _) = anon(1, 0);
    let a = m.as_ptr().addr();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n == 0 {
                // SAFETY: MADV_NORMAL on a live mapping changes nothing.
                unsafe { raw::madvise(at(a), page(), mman::MADV_NORMAL) }.unwrap();
                n += 1;
            }
            n
        });
        let r = with_fault(
            Fault::new(nr::MADVISE, Errno::IO).ptr(0, at(a)),
            move || {
                (0..100)
                    // SAFETY: as above.
                    .map(|_| unsafe { raw::madvise(at(a), page(), mman::MADV_NORMAL) })
                    .filter(|r| *r == Err(Errno::IO))
                    .count()
            },
        );
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(r.value, 100);
        assert!(other.join().unwrap() > 0);
    });
}

/// In a forked child every matching call fails (SECCOMP_RET_ERRNO, no supervisor), and
/// `returning` makes a call succeed with a chosen value without running it.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn helper_child_mode_and_returning() {
    let exit = in_child_with_fault(Fault::new(nr::MADVISE, Errno::IO).arg(2, 4242), || {
        // SAFETY: an empty range touches nothing.
        let unknown = unsafe { raw::madvise(ptr::null_mut(), 0, 4242) };
        // SAFETY: as above.
        let known = unsafe { raw::madvise(ptr::null_mut(), 0, mman::MADV_NORMAL) };
        match (unknown, known) {
            (Err(e), Ok(())) if e == Errno::IO => 0,
            _ => step_failed(1),
        }
    });
    assert_eq!(exit, ChildExit::Exited(0));

    // 4242 is no advice: the kernel would say EINVAL; the answer is 0 without running.
    let fault = Fault::new(nr::MADVISE, Errno::IO).arg(2, 4242).returning(0);
    // SAFETY: an empty range touches nothing.
    let r = with_fault(fault, || unsafe { raw::madvise(ptr::null_mut(), 0, 4242) });
    assert_eq!(r.value, Ok(()));
    assert_eq!(r.hits, [ONCE]);
}

// ---------------------------------------------------------------------------------------
// The raw layer
// ---------------------------------------------------------------------------------------

/// Every `raw` function hands the kernel's errno through unchanged: each is called once
/// under a fault of its syscall that answers ENOTRECOVERABLE, which none of these calls
/// can really return. (The calls do not run, so their arguments are placeholders.)
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn raw_functions_return_the_injected_errno() {
    let e = Errno::NOTRECOVERABLE;
    let bad = i32::MAX;
    let calls = [
        ("mmap", crate_nr::MMAP),
        ("munmap", nr::MUNMAP),
        ("mremap", nr::MREMAP),
        ("msync", nr::MSYNC),
        ("madvise", nr::MADVISE),
        ("mprotect", nr::MPROTECT),
        ("mlock", nr::MLOCK),
        ("mlock2", nr::MLOCK2),
        ("munlock", nr::MUNLOCK),
        ("mlockall", nr::MLOCKALL),
        ("munlockall", nr::MUNLOCKALL),
        ("mincore", nr::MINCORE),
        ("ftruncate", crate_nr::FTRUNCATE),
        ("memfd_create", nr::MEMFD_CREATE),
        ("openat", nr::OPENAT),
        ("close", nr::CLOSE),
        ("statx", nr::STATX),
        ("process_madvise", nr::PROCESS_MADVISE),
        ("mseal", nr::MSEAL),
        ("read", nr::READ),
        ("write", nr::WRITE),
        ("fcntl", crate_nr::FCNTL),
    ];
    for (name, nr) in calls {
        // Matched on an argument where the call has one that nothing else in the worker
        // uses (its thread exit unmaps and madvises its own stacks).
        let fault = match name {
            "mmap" => Fault::new(nr, e).arg(1, 1),
            "memfd_create" | "openat" | "mlockall" | "munlockall" => Fault::new(nr, e),
            "ftruncate" | "close" | "statx" | "process_madvise" | "read" | "write" | "fcntl" => {
                Fault::new(nr, e).fd(0, bad)
            }
            _ => Fault::new(nr, e).arg(0, 0),
        };
        let r = with_fault(fault, || call_raw(name, bad));
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE), "raw::{name}");
    }
}

/// Calls the `raw` function `name` once with placeholder arguments, for
/// `raw_functions_return_the_injected_errno`, whose fault answers every call before the
/// kernel runs it.
fn call_raw(name: &str, bad: i32) -> rawmap::Result<usize> {
    use rawmap::{MapFlags, MapType, MlockAllFlags, MlockFlags, MsyncFlags};
    let mut byte = 0u8;
    let mut st = raw::Statx::default();
    let iov = raw::IoVec {
        base: ptr::null_mut(),
        len: 0,
    };
    let unit = |r: rawmap::Result<()>| r.map(|()| 0);
    let fd = |r: rawmap::Result<raw::RawFd>| r.map(|fd| fd as usize);
    // SAFETY: only under a seccomp fault that fails the call before the kernel runs it:
    // nothing is mapped, changed or read; the buffers are valid anyway.
    unsafe {
        match name {
            "mmap" => {
                let (ty, flags) = (MapType::Private, MapFlags::ANONYMOUS);
                raw::mmap(at(0), 1, ProtFlags::READ, ty, flags, -1, 0).map(|p| p.addr())
            }
            "munmap" => unit(raw::munmap(at(0), 1)),
            "mremap" => raw::mremap(at(0), 1, 2, RemapFlags::empty(), at(0)).map(|p| p.addr()),
            "msync" => unit(raw::msync(at(0), 1, MsyncFlags::SYNC)),
            "madvise" => unit(raw::madvise(at(0), 1, 0)),
            "mprotect" => unit(raw::mprotect(at(0), 1, ProtFlags::READ)),
            "mlock" => unit(raw::mlock(at(0), 1)),
            "mlock2" => unit(raw::mlock2(at(0), 1, MlockFlags::ONFAULT)),
            "munlock" => unit(raw::munlock(at(0), 1)),
            "mlockall" => unit(raw::mlockall(MlockAllFlags::FUTURE)),
            "munlockall" => unit(raw::munlockall()),
            "mincore" => unit(raw::mincore(at(0), 1, &mut byte)),
            "ftruncate" => unit(raw::ftruncate(bad, 0)),
            "memfd_create" => fd(raw::memfd_create(c"x", MemfdFlags::CLOEXEC)),
            "openat" => fd(raw::openat(raw::AT_FDCWD, c"/", OpenFlags::empty(), 0)),
            "close" => unit(raw::close(bad)),
            "statx" => unit(raw::statx(
                bad,
                c"",
                raw::AT_EMPTY_PATH,
                raw::STATX_SIZE,
                &mut st,
            )),
            "process_madvise" => raw::process_madvise(bad, &iov, 1, 0, 0),
            "mseal" => unit(raw::mseal(at(0), 1, 0)),
            "read" => raw::read(bad, &mut byte, 1),
            "write" => raw::write(bad, &byte, 1),
            "fcntl" => raw::fcntl(bad, raw::F_GET_SEALS, 0),
            _ => unreachable!("{name}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// mmap
// ---------------------------------------------------------------------------------------

/// `map_anonymous` under every option that reaches mmap: the injected errno, and
/// /proc/self/maps unchanged (compared in a forked child, where nothing else maps).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn map_anonymous_mmap_failure_maps_nothing() {
    let len = 3 * page();
    // Never mapped: the injected mmap does not run, so any aligned address will do.
    let fixed = 0x7000_0000usize - 0x7000_0000 % page();
    let variants = [
        ("private", MapOptions::new().len(len)),
        ("shared", MapOptions::new().len(len).shared()),
        ("populate", MapOptions::new().len(len).populate()),
        ("locked", MapOptions::new().len(len).locked()),
        (
            "no_reserve+stack",
            MapOptions::new().len(len).no_reserve().stack(),
        ),
        (
            "transparent huge",
            MapOptions::new()
                .len(len)
                .huge_pages(HugePages::Transparent),
        ),
        (
            "explicit huge",
            MapOptions::new().len(len).huge_pages(HugePages::SIZE_2MB),
        ),
        (
            "fixed_noreplace",
            MapOptions::new().len(len).fixed_noreplace(fixed),
        ),
    ];
    for (what, o) in &variants {
        for e in MMAP_ERRS {
            let mut before = MapsSnapshot::with_capacity(1 << 20);
            let mut after = MapsSnapshot::with_capacity(1 << 20);
            let exit = in_child_with_fault(Fault::new(crate_nr::MMAP, e), || {
                if !before.take() {
                    return step_failed(1);
                }
                let r = o.map_anonymous();
                if !after.take() {
                    return step_failed(2);
                }
                if !before.same_ranges(&after) {
                    return step_failed(3);
                }
                err_code(r)
            });
            assert_eq!(exit, ChildExit::errno(e), "{what}");
        }
    }
}

/// Every file constructor: the injected errno, one mmap call with the length and
/// descriptor asked for, and nothing of the memfd mapped.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn map_file_mmap_failure_maps_nothing() {
    for what in Ctor::ALL {
        for e in MMAP_ERRS {
            let data = pattern(4 * page(), 1);
            let (file, name) = memfd("mmap-file", &data);
            file.add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)
                .unwrap();
            // Offset one page plus a bit: the call maps from the page boundary below.
            let o = MapOptions::new().offset(page() as u64 + 5).len(2 * page());
            let fault = Fault::new(crate_nr::MMAP, e)
                .arg(1, 3 * page())
                .fd(4, file.as_raw_fd())
                .arg(5, crate_nr::mmap_offset(page()));
            let r = with_fault(fault, || what.run(&o, &file).map(|m| m.is_some()));
            assert_eq!(r.value, Err(e), "{what:?}");
            assert_eq!(r.hits, [ONCE], "{what:?}");
            assert!(!maps_mention(&name), "{what:?}");
            assert_eq!(file_bytes(&file), data);
            drop(file);
            assert_no_leak(&name);
        }
    }
}

/// `fixed_noreplace` on a kernel that ignores the flag (before 4.17, qemu-user): mmap
/// "succeeds" elsewhere. Simulated by answering the call with the address of a decoy
/// mapping: the crate unmaps exactly that range and fails with `EEXIST`. If that munmap
/// fails too, the error is still `EEXIST` and the stray range stays mapped (the crate
/// ignores that error: the range costs address space only), which the test unmaps.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn fixed_noreplace_ignored_by_the_kernel_is_eexist_and_unmaps_the_stray() {
    let len = 2 * page();
    for munmap_fails in [false, true] {
        let decoy = common::map_anon(len, rw()).addr();
        let hint = MapOptions::new().len(len).map_anonymous().unwrap();
        let want = hint.as_ptr().addr();
        drop(hint);
        let o = MapOptions::new().len(len).fixed_noreplace(want);
        let mut faults = vec![
            Fault::new(crate_nr::MMAP, Errno::INVAL)
                .ptr(0, at(want))
                .arg(1, len)
                .returning(decoy),
            Fault::watch(nr::MUNMAP).ptr(0, at(decoy)).arg(1, len),
        ];
        if munmap_fails {
            faults[1] = Fault::new(nr::MUNMAP, Errno::NOMEM)
                .ptr(0, at(decoy))
                .arg(1, len);
        }
        let r = with_faults(&faults, || o.map_anonymous().map(|m| m.len()));
        assert_eq!(r.value, Err(Errno::EXIST));
        assert_eq!(r.hits[0], ONCE);
        // One munmap of exactly the stray range, which the kernel ran (when not failed).
        // Whether the range is unmapped afterwards cannot be checked by address: another
        // test thread may map something there at once.
        assert_eq!(r.hits[1].calls, 1, "one munmap of the stray range");
        if munmap_fails {
            assert!(
                is_mapped(decoy, len),
                "a failed munmap leaves the stray range"
            );
            // SAFETY: the decoy was made above and nothing refers to it.
            unsafe { raw::munmap(at(decoy), len) }.unwrap();
        }
    }
}

/// The mmap flags of a private anonymous hugetlb mapping with this size field.
fn hugetlb_flags(shift: u8) -> usize {
    (rawmap::MapType::Private as u32
        | rawmap::MapFlags::ANONYMOUS.bits()
        | rawmap::MapFlags::huge_page_shift(shift).bits()) as usize
}

/// hugetlb mappings are rounded up to whole huge pages by the kernel, and munmap and
/// mprotect of them must cover whole huge pages. No huge pages need be reserved: mmap
/// is answered with the address of a decoy mapping of one huge page, and the test
/// watches the length Drop unmaps and `protect` changes: one whole huge page, for an
/// explicit size and for the default size (`shift` 0, read from /proc/meminfo). (Before
/// the fix, the default size used small pages: Drop's munmap failed with EINVAL and the
/// huge page leaked; found by the fuzz target.)
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn explicit_huge_pages_are_unmapped_in_whole_huge_pages() {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let default = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("Hugepagesize:"))
        .map(|v| v.trim().trim_end_matches(" kB").parse::<usize>().unwrap() * 1024)
        .expect("a Hugepagesize line");
    for (huge, size) in [
        (HugePages::SIZE_2MB, 2 << 20),
        (HugePages::Explicit { shift: 0 }, default),
    ] {
        let HugePages::Explicit { shift } = huge else {
            unreachable!()
        };
        let decoy = common::map_anon(size, rw()).addr();
        let faults = [
            Fault::new(crate_nr::MMAP, Errno::INVAL)
                .arg(3, hugetlb_flags(shift))
                .returning(decoy),
            Fault::watch(nr::MPROTECT).ptr(0, at(decoy)).arg(1, size),
            Fault::watch(nr::MUNMAP).ptr(0, at(decoy)).arg(1, size),
        ];
        let o = MapOptions::new().len(3 * page() + 1).huge_pages(huge);
        let r = with_faults(&faults, || {
            let mut m = o.map_anonymous()?;
            let len = m.len();
            m.protect(ProtFlags::READ)?;
            drop(m);
            Ok::<_, Errno>(len)
        });
        assert_eq!(r.value, Ok(3 * page() + 1), "{huge:?}");
        assert_eq!(r.hits[0], ONCE, "{huge:?}: the mmap");
        assert_eq!(
            r.hits[1].calls, 1,
            "{huge:?}: mprotect of one whole huge page"
        );
        assert_eq!(
            r.hits[2].calls, 1,
            "{huge:?}: munmap of one whole huge page"
        );
    }
}

/// The default huge page size (`HugePages::Explicit { shift: 0 }`) is read from
/// /proc/meminfo at each such mapping: when openat or read of it fails, the mapping
/// fails with that errno before any mmap, and the descriptor is not leaked (its close
/// is watched: exactly one after a failed read).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn default_huge_page_size_read_failure_maps_nothing() {
    let o = MapOptions::new()
        .len(page())
        .huge_pages(HugePages::Explicit { shift: 0 });
    for (nr, e, closes) in [
        (nr::OPENAT, Errno::ACCES, 0),
        (nr::OPENAT, Errno::MFILE, 0),
        (nr::READ, Errno::IO, 1),
    ] {
        let faults = [
            Fault::new(nr, e),
            Fault::watch(crate_nr::MMAP).arg(3, hugetlb_flags(0)),
            Fault::watch(nr::CLOSE),
        ];
        let r = with_faults(&faults, || o.map_anonymous().map(|m| m.len()));
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE), "{e:?}");
        assert_eq!(r.hits[1].calls, 0, "no mmap");
        assert_eq!(r.hits[2].calls, closes, "the meminfo descriptor is closed");
    }
    // Control: without a fault the watches see the meminfo close and the mmap (which
    // fails with ENOMEM unless huge pages are reserved).
    let watches = [
        Fault::watch(crate_nr::MMAP).arg(3, hugetlb_flags(0)),
        Fault::watch(nr::CLOSE),
    ];
    let r = with_faults(&watches, || o.map_anonymous().map(|m| m.len()));
    assert!(
        r.value == Ok(page()) || r.value == Err(Errno::NOMEM),
        "{:?}",
        r.value
    );
    assert_eq!((r.hits[0].calls, r.hits[1].calls), (1, 1));
}

// ---------------------------------------------------------------------------------------
// munmap
// ---------------------------------------------------------------------------------------

/// Drop of an anonymous mapping whose munmap fails: no panic, no abort, and (as the Drop
/// docs say) the pages stay mapped with their contents: a leak, which the test undoes.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn drop_munmap_failure_leaks_the_pages_without_panicking() {
    for e in MUNMAP_ERRS {
        let (m, data) = anon(3, 2);
        let (base, len) = (m.as_ptr().addr(), 3 * page());
        let r = with_fault(
            Fault::new(nr::MUNMAP, e).ptr(0, at(base)).arg(1, len),
            move || drop(m),
        );
        assert_eq!(r.hits, [ONCE]);
        assert!(is_mapped(base, len), "the pages stay mapped");
        assert_eq!(perms(base, len), ["rw-p"]);
        // SAFETY: the pages are still mapped (checked above) and owned by nobody now.
        assert_eq!(unsafe { read_raw(base, len) }, data);
        // SAFETY: the leaked range; nothing refers to it any more. (Whether it is gone
        // cannot be checked by address: another test thread may map there at once.)
        unsafe { raw::munmap(at(base), len) }.unwrap();
    }
}

/// The same for a file mapping at an unaligned offset: Drop unmaps from the page
/// boundary below the offset, over whole pages (the injected call matched exactly that);
/// after the failure the memfd is still mapped, until the test unmaps it.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn drop_munmap_failure_of_a_file_mapping_leaks_until_unmapped() {
    for e in MUNMAP_ERRS {
        let data = pattern(3 * page(), 3);
        let (file, name) = memfd("drop-file", &data);
        let offset = page() as u64 + 100;
        // SAFETY: the memfd is private to this test.
        let m = unsafe { MapOptions::new().offset(offset).len(page()).map(&file) }.unwrap();
        let base = base_of(&m, offset);
        let map_len = 2 * page();
        let r = with_fault(
            Fault::new(nr::MUNMAP, e).ptr(0, at(base)).arg(1, map_len),
            move || drop(m),
        );
        assert_eq!(r.hits, [ONCE]);
        assert!(maps_mention(&name), "the pages stay mapped");
        // SAFETY: still mapped (above); nobody owns it.
        let left = unsafe { read_raw(base, map_len) };
        assert_eq!(left, data[page()..]);
        drop(file);
        // SAFETY: the leaked range; nothing refers to it.
        unsafe { raw::munmap(at(base), map_len) }.unwrap();
        assert_no_leak(&name);
    }
}

/// Transparent huge pages: the crate maps a huge page more than needed and unmaps the
/// slack around the aligned span. If those munmaps fail, the mapping is still made,
/// aligned and usable, and the slack stays mapped (address space only, as the code
/// says); VmSize, read in a forked child, shows exactly that. A control run without the
/// fault shows the slack trimmed.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn thp_trim_munmap_failure_keeps_the_mapping_and_the_slack() {
    let len = 3 * page();
    let thp = page() * (page() / 8);
    let mut buf = vec![0u8; 64 << 10];
    let mut buf2 = vec![0u8; 64 << 10];
    let o = MapOptions::new()
        .len(len)
        .huge_pages(HugePages::Transparent);
    // Exit code: 1 if the growth was `len`, 2 if `len + thp`, else step_failed.
    let mut check = || {
        let Some(before) = vm_size(&mut buf) else {
            return step_failed(1);
        };
        let Ok(mut m) = o.map_anonymous() else {
            return step_failed(2);
        };
        let Some(after) = vm_size(&mut buf2) else {
            return step_failed(3);
        };
        if m.as_ptr().addr() % thp != 0 || m.len() != len {
            return step_failed(4);
        }
        m[len - 1] = 1;
        let grew = (after - before) as usize;
        std::mem::forget(m);
        match grew {
            g if g == len => 1,
            g if g == len + thp => 2,
            _ => step_failed(5),
        }
    };
    assert_eq!(run_in_child(&mut check), ChildExit::Exited(1), "control");
    let exit = in_child_with_fault(Fault::new(nr::MUNMAP, Errno::NOMEM), check);
    assert_eq!(exit, ChildExit::Exited(2));
}

// ---------------------------------------------------------------------------------------
// mremap
// ---------------------------------------------------------------------------------------

/// `remap` of an anonymous mapping (grow moving, grow in place, shrink): the injected
/// errno, and the old mapping unchanged: same address, length, contents, protection.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn remap_mremap_failure_keeps_the_old_mapping() {
    let requests = [
        (4 * page(), RemapFlags::MAYMOVE),
        (4 * page(), RemapFlags::empty()),
        (page(), RemapFlags::empty()),
        (page() + 1, RemapFlags::MAYMOVE),
    ];
    for (new_len, flags) in requests {
        for e in MREMAP_ERRS {
            let (mut m, data) = anon(2, 4);
            let base = m.as_ptr().addr();
            let fault = Fault::new(nr::MREMAP, e)
                .ptr(0, at(base))
                .arg(1, 2 * page())
                .arg(2, new_len.next_multiple_of(page()))
                .arg(3, flags.bits() as usize);
            let r = with_fault(fault, || m.remap(new_len, flags));
            assert_eq!(r.value, Err(e), "{new_len} {flags:?}");
            assert_eq!(r.hits, [ONCE]);
            assert_eq!((m.as_ptr().addr(), m.len()), (base, 2 * page()));
            assert_eq!(&m[..], &data[..]);
            assert_eq!(perms(base, 2 * page()), ["rw-p"]);
            // Growing in place may really fail (the next pages are taken): ENOMEM.
            match m.remap(new_len, flags) {
                Ok(()) => assert_eq!(
                    m[..new_len.min(data.len())],
                    data[..new_len.min(data.len())]
                ),
                Err(e) => assert!(e == Errno::NOMEM && flags.is_empty() && new_len > data.len()),
            }
        }
    }
}

/// `remap_file` (grow, after growing the file) and `remap` (shrink) of a shared memfd
/// mapping at an unaligned offset: the injected errno, the old mapping unchanged.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn remap_file_mremap_failure_keeps_the_old_mapping() {
    for grow in [true, false] {
        for e in MREMAP_ERRS {
            let data = pattern(3 * page(), 5);
            let (file, name) = memfd("remap-file", &data);
            let offset = 10u64;
            // SAFETY: the memfd is private to this test; it only grows.
            let mut m = unsafe {
                MapOptions::new()
                    .offset(offset)
                    .len(2 * page())
                    .map_mut(&file)
            }
            .unwrap();
            let (base, ptr) = (base_of(&m, offset), m.as_ptr().addr());
            file.set_len(8 * page() as u64).unwrap();
            let new_len = if grow { 5 * page() } else { page() };
            let fault = Fault::new(nr::MREMAP, e)
                .ptr(0, at(base))
                .arg(1, 3 * page())
                .arg(2, (10 + new_len).next_multiple_of(page()));
            let r = with_fault(fault, || {
                if grow {
                    // SAFETY: the file was grown past the new end above.
                    unsafe { m.remap_file(new_len, RemapFlags::MAYMOVE) }
                } else {
                    m.remap(new_len, RemapFlags::MAYMOVE)
                }
            });
            assert_eq!(r.value, Err(e));
            assert_eq!(r.hits, [ONCE]);
            assert_eq!((m.as_ptr().addr(), m.len()), (ptr, 2 * page()));
            assert_eq!(&m[..], &data[10..10 + 2 * page()]);
            assert_eq!(perms(base, 3 * page()), ["rw-s"]);
            drop(m);
            drop(file);
            assert_no_leak(&name);
        }
    }
}

/// `remap_fixed`: the injected errno, the mapping unchanged, and the target range (the
/// caller's, which a successful call would replace) untouched.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn remap_fixed_mremap_failure_keeps_both_ranges() {
    for e in MREMAP_ERRS {
        let (mut m, data) = anon(2, 6);
        let (mut target, target_data) = anon(3, 9);
        let base = m.as_ptr().addr();
        let to = target.as_mut_ptr().addr();
        let fault = Fault::new(nr::MREMAP, e)
            .ptr(0, at(base))
            .arg(2, 3 * page())
            .arg(4, to);
        // SAFETY: `target` is this test's mapping and nothing refers into it.
        let r = with_fault(fault, || unsafe { m.remap_fixed(3 * page(), at(to)) });
        assert_eq!(r.value, Err(e));
        assert_eq!(r.hits, [ONCE]);
        assert_eq!(
            (m.as_ptr().addr(), m.len(), &m[..]),
            (base, 2 * page(), &data[..])
        );
        assert_eq!(&target[..], &target_data[..]);
    }
}

/// `remap_dontunmap`: the injected errno, the mapping unchanged, and no second owner of
/// the range (dropping everything leaves it unmapped exactly once).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn remap_dontunmap_mremap_failure_keeps_the_mapping() {
    for e in MREMAP_ERRS {
        let s = shared("dontunmap", 2);
        let Shared {
            mut map,
            file,
            name,
            data,
        } = s;
        let base = map.as_ptr().addr();
        let flags = RemapFlags::MAYMOVE | RemapFlags::DONTUNMAP;
        let fault = Fault::new(nr::MREMAP, e)
            .ptr(0, at(base))
            .arg(3, flags.bits() as usize);
        let r = with_fault(fault, || map.remap_dontunmap().map(|m| m.len()));
        assert_eq!(r.value, Err(e));
        assert_eq!(r.hits, [ONCE]);
        assert_eq!((map.as_ptr().addr(), &map[..]), (base, &data[..]));
        Shared {
            map,
            file,
            name,
            data,
        }
        .finish();
    }
}

// ---------------------------------------------------------------------------------------
// msync
// ---------------------------------------------------------------------------------------

/// Every flush: the injected errno, one msync over exactly the pages covering the range
/// with the right flag, and the data still in the mapping and the file.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn flush_msync_failure_returns_the_errno() {
    type Op = fn(&Mapping) -> rawmap::Result<()>;
    let p = page();
    // (what, op, start page offset, length, flag)
    let ops: [(&str, Op, usize, usize, u32); 4] = [
        ("flush", |m| m.flush(), 0, 4 * p, mman::MS_SYNC),
        ("flush_async", |m| m.flush_async(), 0, 4 * p, mman::MS_ASYNC),
        (
            "flush_range",
            |m| m.flush_range(page() + 10, 100),
            p,
            110,
            mman::MS_SYNC,
        ),
        (
            "flush_async_range",
            |m| m.flush_async_range(2 * page() - 1, 2),
            p,
            p + 1,
            mman::MS_ASYNC,
        ),
    ];
    for (what, op, start, len, flag) in ops {
        for e in MSYNC_ERRS {
            let mut s = shared("msync", 4);
            s.map[p + 20] ^= 0xff;
            s.data[p + 20] ^= 0xff;
            let base = s.map.as_ptr().addr();
            let fault = Fault::new(nr::MSYNC, e)
                .ptr(0, at(base + start))
                .arg(1, len)
                .arg(2, flag as usize);
            let r = with_fault(fault, || op(&s.map));
            assert_eq!(r.value, Err(e), "{what}");
            assert_eq!(r.hits, [ONCE], "{what}");
            assert_eq!(&s.map[..], &s.data[..]);
            assert_eq!(file_bytes(&s.file), s.data);
            s.finish();
        }
    }
}

// ---------------------------------------------------------------------------------------
// madvise
// ---------------------------------------------------------------------------------------

/// Every advise method: the injected errno, one madvise over exactly the pages covering
/// the range with the advice given, and the contents unchanged (DONTNEED would have
/// zeroed them: the call did not run).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn advise_madvise_failure_returns_the_errno() {
    type Op = fn(&Mapping) -> rawmap::Result<()>;
    let p = page();
    // The unchecked ones: the mappings are this test's; a DONTNEED that ran would zero
    // them, which the test would see, but nothing relies on the contents.
    let ops: [(&str, Op, usize, usize, u32); 5] = [
        (
            "advise",
            |m| m.advise(Advice::Sequential),
            0,
            4 * p,
            mman::MADV_SEQUENTIAL,
        ),
        (
            "advise_range",
            |m| m.advise_range(Advice::WillNeed, page() + 1, page()),
            p,
            p + 1,
            mman::MADV_WILLNEED,
        ),
        (
            "advise_unchecked",
            // SAFETY: see above.
            |m| unsafe { m.advise_unchecked(UncheckedAdvice::DontNeed) },
            0,
            4 * p,
            mman::MADV_DONTNEED,
        ),
        (
            "advise_range_unchecked",
            // SAFETY: see above.
            |m| unsafe { m.advise_range_unchecked(UncheckedAdvice::DontNeed, 0, 1) },
            0,
            1,
            mman::MADV_DONTNEED,
        ),
        (
            "advise_raw",
            // SAFETY: see above.
            |m| unsafe { m.advise_raw(mman::MADV_COLD, 3 * page(), page()) },
            3 * p,
            p,
            mman::MADV_COLD,
        ),
    ];
    for (what, op, start, len, advice) in ops {
        for e in MADVISE_ERRS {
            let (m, data) = anon(4, 8);
            let base = m.as_ptr().addr();
            let fault = Fault::new(nr::MADVISE, e)
                .ptr(0, at(base + start))
                .arg(1, len)
                .arg(2, advice as usize);
            let r = with_fault(fault, || op(&m));
            assert_eq!(r.value, Err(e), "{what}");
            assert_eq!(r.hits, [ONCE], "{what}");
            assert_eq!(&m[..], &data[..], "{what}");
        }
    }
}

/// `is_supported` asks `madvise(NULL, 0, advice)`: only `EINVAL` means unknown advice;
/// any other error (EPERM from older kernels for HWPOISON) means the kernel knows it.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn is_supported_madvise_failure_means_unknown_only_for_einval() {
    for (e, known) in [
        (Errno::INVAL, false),
        (Errno::PERM, true),
        (Errno::NOMEM, true),
        (Errno::AGAIN, true),
    ] {
        let probe = |advice: u32| {
            Fault::new(nr::MADVISE, e)
                .arg(0, 0)
                .arg(1, 0)
                .arg(2, advice as usize)
        };
        let r = with_fault(probe(mman::MADV_SEQUENTIAL), || {
            Advice::Sequential.is_supported()
        });
        assert_eq!((r.value, r.hits[0]), (known, ONCE), "{e:?}");
        let r = with_fault(probe(mman::MADV_DONTNEED), || {
            UncheckedAdvice::DontNeed.is_supported()
        });
        assert_eq!((r.value, r.hits[0]), (known, ONCE), "{e:?}");
    }
}

/// The `MADV_HUGEPAGE` hint of transparent huge pages is allowed to fail (kernels
/// without THP say EINVAL): the mapping is still made, aligned and usable.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn thp_hint_madvise_failure_is_ignored() {
    let thp = page() * (page() / 8);
    for e in [Errno::INVAL, Errno::NOMEM, Errno::AGAIN] {
        let fault = Fault::new(nr::MADVISE, e)
            .arg(1, 4 * page())
            .arg(2, mman::MADV_HUGEPAGE as usize);
        let o = MapOptions::new()
            .len(4 * page())
            .huge_pages(HugePages::Transparent);
        let r = with_fault(fault, || o.map_anonymous());
        assert_eq!(r.hits, [ONCE]);
        let mut m = r.value.unwrap();
        assert_eq!(m.as_ptr().addr() % thp, 0);
        m.fill(3);
        assert!(m.iter().all(|&b| b == 3));
    }
}

// ---------------------------------------------------------------------------------------
// madvise under MapOptions::sequential
// ---------------------------------------------------------------------------------------

/// The two calls of `sequential`, matched by the mapping's length (13 pages, which no
/// other call of the worker thread uses) and the advice.
fn sequential_faults(len: usize) -> (Fault, Fault) {
    let advice = |a: u32| Fault::watch(nr::MADVISE).arg(1, len).arg(2, a as usize);
    (
        advice(mman::MADV_SEQUENTIAL),
        advice(mman::MADV_POPULATE_READ),
    )
}

const SEQ_PAGES: usize = 13;

/// Whether the mapping at `p` carries `MADV_SEQUENTIAL` (smaps `VmFlags` "sr").
fn has_seq_read(p: *const u8) -> bool {
    vm_flags(p.cast()).iter().any(|f| f == "sr")
}

/// `sequential` makes one `MADV_SEQUENTIAL` and one `MADV_POPULATE_READ`, each over the
/// whole mapping, and the pages are mapped when `map` returns (smaps `Rss`), for every
/// file constructor and for anonymous memory.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn sequential_makes_both_madvise_calls_over_the_whole_mapping() {
    let len = SEQ_PAGES * page();
    let data = pattern(len, 4);
    let (f, name) = memfd("seq-calls", &data);
    let o = MapOptions::new().sequential();
    for ctor in [Ctor::Map, Ctor::MapMut, Ctor::MapCopy, Ctor::MapExec] {
        let (seq, pop) = sequential_faults(len);
        let r = with_faults(&[seq, pop], || ctor.run(&o, &f));
        let once = Hits {
            calls: 1,
            injected: 0,
        };
        assert_eq!(r.hits, [once, once], "{ctor:?}");
        let m = r.value.unwrap().unwrap();
        assert_eq!(
            smaps_bytes(m.as_ptr().cast(), "Rss"),
            len as u64,
            "{ctor:?}"
        );
        assert!(has_seq_read(m.as_ptr()), "{ctor:?}");
        assert_eq!(&m[..], &data[..], "{ctor:?}");
    }
    let (seq, pop) = sequential_faults(len);
    let r = with_faults(&[seq, pop], || o.len(len).map_anonymous());
    assert_eq!((r.hits[0].calls, r.hits[1].calls), (1, 1));
    assert!(r.value.unwrap().iter().all(|&b| b == 0));
    drop(f);
    assert_no_leak(&name);
}

/// `EINVAL` from `MADV_POPULATE_READ` (a kernel before 5.14, or a mapping it cannot
/// populate) is the silent fallback: the mapping is returned, advised but unpopulated
/// (`Rss` 0, since the injected call never ran), with the file's bytes.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn sequential_populate_einval_falls_back_to_a_plain_mapping() {
    let len = SEQ_PAGES * page();
    let data = pattern(len, 5);
    let (f, name) = memfd("seq-einval", &data);
    let (seq, _) = sequential_faults(len);
    let pop = Fault::new(nr::MADVISE, Errno::INVAL)
        .arg(1, len)
        .arg(2, mman::MADV_POPULATE_READ as usize);
    // SAFETY: the memfd is private to this test; nothing writes or truncates it.
    let r = with_faults(&[seq, pop], || unsafe {
        MapOptions::new().sequential().map(&f)
    });
    assert_eq!(r.hits[1], ONCE);
    assert_eq!(r.hits[0].calls, 1, "MADV_SEQUENTIAL still given");
    let m = r.value.unwrap();
    assert_eq!(smaps_bytes(m.as_ptr().cast(), "Rss"), 0);
    assert!(has_seq_read(m.as_ptr()));
    assert_eq!(&m[..], &data[..]);
    drop((m, f));
    assert_no_leak(&name);
}

/// Any other error of `MADV_POPULATE_READ` (the ones its man page and the kernel's
/// `madvise_populate` give) is returned, and the mapping is unmapped: nothing of the
/// memfd stays in /proc/self/maps. `MADV_SEQUENTIAL` ran first (its call is counted).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn sequential_populate_errors_unmap_and_return_the_errno() {
    let len = SEQ_PAGES * page();
    for e in [Errno::FAULT, Errno::NOMEM, Errno::INTR, Errno::HWPOISON] {
        for ctor in [Ctor::Map, Ctor::MapMut, Ctor::MapCopy, Ctor::MapExec] {
            let (f, name) = memfd("seq-errors", &pattern(len, 6));
            let (seq, _) = sequential_faults(len);
            let pop = Fault::new(nr::MADVISE, e)
                .arg(1, len)
                .arg(2, mman::MADV_POPULATE_READ as usize);
            let o = MapOptions::new().sequential();
            let r = with_faults(&[seq, pop], || ctor.run(&o, &f));
            assert_eq!(r.value.err(), Some(e), "{ctor:?}");
            assert_eq!(r.hits[0].calls, 1, "{ctor:?}: MADV_SEQUENTIAL comes first");
            assert_eq!(r.hits[1], ONCE, "{ctor:?}");
            assert!(!maps_mention(&name), "{ctor:?}: {e:?} left the mapping");
            drop(f);
            assert_no_leak(&name);
        }
        let (seq, _) = sequential_faults(len);
        let pop = Fault::new(nr::MADVISE, e)
            .arg(1, len)
            .arg(2, mman::MADV_POPULATE_READ as usize);
        let o = MapOptions::new().len(len).sequential();
        let r = with_faults(&[seq, pop], || o.map_anonymous().map(|m| m.as_ptr().addr()));
        assert_eq!(r.value, Err(e));
        assert_eq!(r.hits[1], ONCE);
    }
}

/// `MADV_SEQUENTIAL` is a hint: its failure is ignored, and populating still happens.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn sequential_hint_failure_is_ignored() {
    let len = SEQ_PAGES * page();
    let data = pattern(len, 8);
    let (f, name) = memfd("seq-hint", &data);
    for e in [Errno::INVAL, Errno::NOMEM, Errno::AGAIN] {
        let seq = Fault::new(nr::MADVISE, e)
            .arg(1, len)
            .arg(2, mman::MADV_SEQUENTIAL as usize);
        let (_, pop) = sequential_faults(len);
        // SAFETY: the memfd is private to this test; nothing writes or truncates it.
        let r = with_faults(&[seq, pop], || unsafe {
            MapOptions::new().sequential().map(&f)
        });
        assert_eq!(r.hits[0], ONCE, "{e:?}");
        assert_eq!(r.hits[1].calls, 1, "{e:?}");
        let m = r.value.unwrap();
        assert_eq!(smaps_bytes(m.as_ptr().cast(), "Rss"), len as u64, "{e:?}");
        assert!(
            !has_seq_read(m.as_ptr()),
            "{e:?}: the failed call did not run"
        );
        assert_eq!(&m[..], &data[..]);
    }
    drop(f);
    assert_no_leak(&name);
}

// ---------------------------------------------------------------------------------------
// mprotect
// ---------------------------------------------------------------------------------------

/// `protect`: the injected errno, and the old protection kept, in the Mapping (slices
/// still allowed) and in the kernel (/proc/self/maps), for anonymous and file mappings.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn protect_mprotect_failure_keeps_the_old_protection() {
    for e in MPROTECT_ERRS {
        for prot in [ProtFlags::READ, ProtFlags::empty()] {
            let (mut m, data) = anon(2, 10);
            let base = m.as_ptr().addr();
            let fault = Fault::new(nr::MPROTECT, e)
                .ptr(0, at(base))
                .arg(1, 2 * page())
                .arg(2, prot.bits() as usize);
            let r = with_fault(fault, || m.protect(prot));
            assert_eq!(r.value, Err(e));
            assert_eq!(r.hits, [ONCE]);
            assert_eq!(m.protection(), rw());
            assert_eq!(perms(base, 2 * page()), ["rw-p"]);
            m.write_at(page(), &[1, 2, 3]).unwrap();
            assert_eq!(m[..page()], data[..page()]);

            let mut s = shared("mprotect", 2);
            let base = s.map.as_ptr().addr();
            let fault = Fault::new(nr::MPROTECT, e).ptr(0, at(base));
            let r = with_fault(fault, || s.map.protect(prot));
            assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
            assert_eq!(perms(base, 2 * page()), ["rw-s"]);
            assert_eq!(s.map.protection(), rw());
            s.map[0] = s.data[0];
            s.finish();
        }
    }
}

// ---------------------------------------------------------------------------------------
// mlock, mlock2, munlock
// ---------------------------------------------------------------------------------------

/// `lock` (mlock) and `lock_on_fault` (mlock2 with MLOCK_ONFAULT): the injected errno,
/// and the pages not locked (no `lo` in the mapping's VmFlags).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn lock_mlock_failure_leaves_the_pages_unlocked() {
    for e in MLOCK_ERRS {
        let (m, _) = anon(2, 0);
        let base = m.as_ptr().addr();
        let fault = Fault::new(nr::MLOCK, e).ptr(0, at(base)).arg(1, 2 * page());
        let r = with_fault(fault, || m.lock());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        assert!(!vm_flags(at(base)).contains(&"lo".to_string()));

        let fault = Fault::new(nr::MLOCK2, e)
            .ptr(0, at(base))
            .arg(1, 2 * page())
            .arg(2, mman::MLOCK_ONFAULT as usize);
        let r = with_fault(fault, || m.lock_on_fault());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        assert!(!vm_flags(at(base)).contains(&"lo".to_string()));
    }
}

/// `unlock` (munlock) of locked pages: the injected errno, and the pages still locked.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn unlock_munlock_failure_leaves_the_pages_locked() {
    for e in MUNLOCK_ERRS {
        let (m, _) = anon(2, 0);
        let base = m.as_ptr().addr();
        m.lock().expect("two pages fit in RLIMIT_MEMLOCK");
        let fault = Fault::new(nr::MUNLOCK, e)
            .ptr(0, at(base))
            .arg(1, 2 * page());
        let r = with_fault(fault, || m.unlock());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        assert!(vm_flags(at(base)).contains(&"lo".to_string()));
        m.unlock().unwrap();
        assert!(!vm_flags(at(base)).contains(&"lo".to_string()));
    }
}

// ---------------------------------------------------------------------------------------
// mincore
// ---------------------------------------------------------------------------------------

/// `residency`: the injected errno, on the first call, and on a later chunk (it asks
/// mincore 256 pages at a time): no partial count is returned.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn residency_mincore_failure_returns_the_errno() {
    for e in MINCORE_ERRS {
        let (m, _) = anon(3, 0);
        let base = m.as_ptr().addr();
        let fault = Fault::new(nr::MINCORE, e)
            .ptr(0, at(base))
            .arg(1, 3 * page());
        let r = with_fault(fault, || m.residency());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));

        let big = MapOptions::new().len(300 * page()).map_anonymous().unwrap();
        let base = big.as_ptr().addr();
        let faults = [
            Fault::watch(nr::MINCORE)
                .ptr(0, at(base))
                .arg(1, 256 * page()),
            Fault::new(nr::MINCORE, e)
                .ptr(0, at(base + 256 * page()))
                .arg(1, 44 * page()),
        ];
        let r = with_faults(&faults, || big.residency());
        assert_eq!(r.value, Err(e));
        assert_eq!(r.hits[0].calls, 1, "the first chunk was asked");
        assert_eq!(r.hits[1], ONCE);
        assert_eq!(big.residency().unwrap().pages, 300);
    }
}

// ---------------------------------------------------------------------------------------
// ftruncate
// ---------------------------------------------------------------------------------------

/// `File::set_len`: the injected errno, the length and contents unchanged.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn set_len_ftruncate_failure_keeps_the_length() {
    for e in FTRUNCATE_ERRS {
        for new_len in [0, 5 * page() as u64] {
            let data = pattern(2 * page(), 11);
            let (file, name) = memfd("ftruncate", &data);
            let fault = Fault::new(crate_nr::FTRUNCATE, e).fd(0, file.as_raw_fd());
            let r = with_fault(fault, || file.set_len(new_len));
            assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
            assert_eq!(file.len(), Ok(data.len() as u64));
            assert_eq!(file_bytes(&file), data);
            drop(file);
            assert_no_leak(&name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// openat
// ---------------------------------------------------------------------------------------

/// Every way to open: the injected errno, no descriptor left open, and `create` creates
/// nothing.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn open_openat_failure_leaks_no_descriptor() {
    type Op = fn(&std::ffi::CStr) -> rawmap::Result<File>;
    let ops: [(&str, Op, bool); 4] = [
        ("open", File::open, true),
        ("open_rw", File::open_rw, true),
        ("create", File::create, false),
        (
            "open_at",
            |p| File::open_at(raw::AT_FDCWD, p, OpenFlags::RDWR | OpenFlags::CREAT, 0o600),
            false,
        ),
    ];
    for (what, op, exists) in ops {
        for e in OPENAT_ERRS {
            let name = format!("{}.", unique_name("openat"));
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(&name);
            if exists {
                std::fs::write(&path, b"x").unwrap();
            }
            let c = CString::new(path.to_str().unwrap()).unwrap();
            let r = with_fault(Fault::new(nr::OPENAT, e), || {
                op(&c).map(|f| f.into_raw_fd())
            });
            assert_eq!((r.value, r.hits[0]), (Err(e), ONCE), "{what}");
            assert!(!fds_mention(&name), "{what}");
            assert_eq!(path.exists(), exists, "{what}");
            let _ = std::fs::remove_file(&path);
        }
    }
}

// ---------------------------------------------------------------------------------------
// statx
// ---------------------------------------------------------------------------------------

/// `File::len` and `File::is_empty`: the injected errno; and a statx that "succeeds"
/// without filling in the size (a file system that cannot tell) is `ENOSYS`, not a
/// length of 0.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn len_statx_failure_returns_the_errno() {
    let (file, name) = memfd("statx", &[1, 2, 3]);
    let fault = |e| Fault::new(nr::STATX, e).fd(0, file.as_raw_fd());
    for e in STATX_ERRS {
        let r = with_fault(fault(e), || file.len());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        let r = with_fault(fault(e), || file.is_empty());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
    }
    let r = with_fault(fault(Errno::INVAL).returning(0), || file.len());
    assert_eq!((r.value, r.hits[0]), (Err(Errno::NOSYS), ONCE));
    assert_eq!(file.len(), Ok(3));
    drop(file);
    assert_no_leak(&name);
}

/// Mapping a file without `len` asks statx for its size; `map_if_safe` also asks it to
/// check a given `len` and whether an unsealed file has fs-verity. When statx fails:
/// the injected errno, no mmap call at all, nothing mapped.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn map_statx_failure_maps_nothing() {
    let (whole, with_len) = (MapOptions::new(), MapOptions::new().len(page()));
    // (constructor, options, seal the memfd first)
    let mut cases: Vec<(Ctor, &MapOptions, bool)> =
        Ctor::ALL.iter().map(|&c| (c, &whole, false)).collect();
    // Sealed: statx for the length check (given len) or the size (whole file).
    cases.push((Ctor::MapIfSafe, &whole, true));
    cases.push((Ctor::MapIfSafe, &with_len, true));
    for (ctor, o, seal) in cases {
        let what = format!("{ctor:?} {o:?} sealed: {seal}");
        for e in STATX_ERRS {
            let (file, name) = memfd("statx-map", &pattern(2 * page(), 0));
            if seal {
                file.add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)
                    .unwrap();
            }
            let faults = [
                Fault::new(nr::STATX, e).fd(0, file.as_raw_fd()),
                Fault::watch(crate_nr::MMAP).fd(4, file.as_raw_fd()),
            ];
            let r = with_faults(&faults, || ctor.run(o, &file).map(|m| m.is_some()));
            assert_eq!(r.value, Err(e), "{what}");
            assert_eq!(r.hits[0], ONCE, "{what}");
            assert_eq!(r.hits[1].calls, 0, "{what}: no mmap");
            assert!(!maps_mention(&name));
            drop(file);
            assert_no_leak(&name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// memfd_create
// ---------------------------------------------------------------------------------------

/// `File::memfd`: the injected errno and no descriptor of that name.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn memfd_create_failure_returns_the_errno() {
    for e in MEMFD_ERRS {
        let name = format!("{}.", unique_name("memfd-create"));
        let c = CString::new(name.clone()).unwrap();
        let r = with_fault(Fault::new(nr::MEMFD_CREATE, e), || {
            File::memfd(&c, MemfdFlags::CLOEXEC).map(File::into_raw_fd)
        });
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        assert!(!fds_mention(&name));
    }
}

// ---------------------------------------------------------------------------------------
// close
// ---------------------------------------------------------------------------------------

/// `File::close` reports the injected errno; `Drop for File` ignores it without
/// panicking. A real kernel releases the descriptor even when close fails (except
/// EBADF); the injected call never reaches the kernel, so here the descriptor stays open
/// and the test closes it itself.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn close_failure_is_reported_and_drop_does_not_panic() {
    for e in CLOSE_ERRS {
        for explicit in [true, false] {
            let (file, name) = memfd("close", b"abc");
            let fd = file.as_raw_fd();
            let r = with_fault(Fault::new(nr::CLOSE, e).fd(0, fd), move || {
                if explicit {
                    file.close()
                } else {
                    drop(file);
                    Ok(())
                }
            });
            assert_eq!(r.hits, [ONCE]);
            assert_eq!(r.value, if explicit { Err(e) } else { Ok(()) });
            assert!(fds_mention(&name), "the kernel never ran close");
            // SAFETY: the descriptor the File gave up; nothing else uses it.
            unsafe { raw::close(fd) }.unwrap();
            assert_no_leak(&name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// fcntl (seals)
// ---------------------------------------------------------------------------------------

/// `File::seals` and `File::add_seals`: the injected errno; a failed `add_seals` adds
/// nothing (the file can still grow).
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn seals_fcntl_failure_returns_the_errno() {
    for e in FCNTL_ERRS {
        let (file, name) = memfd("fcntl", b"abc");
        let fd = file.as_raw_fd();
        let get = Fault::new(crate_nr::FCNTL, e)
            .fd(0, fd)
            .arg(1, raw::F_GET_SEALS as usize);
        let r = with_fault(get, || file.seals());
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        let add = Fault::new(crate_nr::FCNTL, e)
            .fd(0, fd)
            .arg(1, raw::F_ADD_SEALS as usize);
        let r = with_fault(add, || file.add_seals(SealFlags::GROW));
        assert_eq!((r.value, r.hits[0]), (Err(e), ONCE));
        assert!(!file.seals().unwrap().contains(SealFlags::GROW));
        file.set_len(page() as u64).unwrap();
        drop(file);
        assert_no_leak(&name);
    }
}

/// `map_if_safe` asks for the seals first: an error other than EINVAL is returned and
/// nothing is mapped; EINVAL means "not a sealable file", so even a sealed memfd is then
/// not proven immutable and the answer is `Ok(None)`.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn map_if_safe_fcntl_failure() {
    for (e, expect) in [
        (Errno::BADF, Err(Errno::BADF)),
        (Errno::PERM, Err(Errno::PERM)),
        (Errno::INVAL, Ok(false)),
    ] {
        let (file, name) = memfd("fcntl-map", &pattern(page(), 0));
        file.add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)
            .unwrap();
        let fault = Fault::new(crate_nr::FCNTL, e)
            .fd(0, file.as_raw_fd())
            .arg(1, raw::F_GET_SEALS as usize);
        let r = with_fault(fault, || {
            MapOptions::new().map_if_safe(&file).map(|m| m.is_some())
        });
        assert_eq!((r.value, r.hits[0]), (expect, ONCE), "{e:?}");
        assert!(!maps_mention(&name));
        assert!(MapOptions::new().map_if_safe(&file).unwrap().is_some());
        drop(file);
        assert_no_leak(&name);
    }
}
