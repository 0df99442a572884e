//! Resource limits make the kernel itself fail the crate's calls: RLIMIT_AS,
//! RLIMIT_MEMLOCK, RLIMIT_FSIZE, RLIMIT_NOFILE, and an exhausted `vm.max_map_count`
//! (where even munmap fails, if it has to split a region). Each case runs in a forked
//! child (`common::run_in_child`), since the limits are process-wide, and checks the
//! exact `Errno`, that the state is unchanged, and that nothing leaked.
//!
//! tests/mapping.rs already covers anonymous mappings over RLIMIT_AS and RLIMIT_MEMLOCK
//! (`mapping_over_rlimit_as_is_enomem`, `map_locked_over_memlock_limit_is_eagain`,
//! `lock_over_memlock_limit_is_enomem`, `lock_on_fault_over_memlock_limit_is_enomem`);
//! this file adds remap, file mappings, file length, descriptors and the map count.
#![cfg(target_os = "linux")]

mod common;

use std::ffi::CString;
use std::ptr::NonNull;

use common::{
    ChildExit, MapsSnapshot, become_nobody, err_code, page, run_in_child, set_soft_rlimit,
    step_failed, unique_name, vm_flags, vm_size,
};
use rawmap::{
    Advice, Errno, File, MapFlags, MapOptions, MapType, Mapping, MemfdFlags, ProtFlags, RemapFlags,
    raw,
};

/// Exit code of a child whose /proc/self/maps changed across a failed call.
const MAPS_CHANGED: i32 = 199;

fn rw() -> ProtFlags {
    ProtFlags::READ | ProtFlags::WRITE
}

/// A memfd of `len` zero bytes with a unique name (created before forking, so the child
/// allocates nothing).
fn memfd(tag: &str, len: usize) -> (File, String) {
    let name = format!("{}.", unique_name(tag));
    let f = File::memfd(&CString::new(name.clone()).unwrap(), MemfdFlags::CLOEXEC).unwrap();
    f.set_len(len as u64).unwrap();
    (f, name)
}

/// Whether `[addr, addr + len)` is mapped (mincore says ENOMEM for unmapped pages).
/// Allocates nothing, for children.
fn is_mapped(addr: *mut u8, len: usize) -> bool {
    let mut vec = [0u8; 64];
    assert!(len <= 64 * page());
    // SAFETY: `vec` has room for 64 pages; mincore only reads page tables.
    unsafe { raw::mincore(addr.cast(), len, vec.as_mut_ptr()) }.is_ok()
}

// ---------------------------------------------------------------------------------------
// RLIMIT_AS
// ---------------------------------------------------------------------------------------

/// Growing a mapping past RLIMIT_AS fails with `ENOMEM`; the mapping keeps its address,
/// length and contents, and /proc/self/maps is unchanged.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user does not apply RLIMIT_AS to the guest; asserted natively"
)]
fn remap_grow_over_rlimit_as_is_enomem_and_keeps_the_mapping() {
    let mut status = vec![0u8; 64 << 10];
    let mut before = MapsSnapshot::with_capacity(1 << 20);
    let mut after = MapsSnapshot::with_capacity(1 << 20);
    let exit = run_in_child(|| {
        let Ok(mut m) = MapOptions::new().len(2 * page()).map_anonymous() else {
            return step_failed(1);
        };
        m.fill(0x5a);
        let Some(vm) = vm_size(&mut status) else {
            return step_failed(2);
        };
        if !set_soft_rlimit(libc::RLIMIT_AS, vm + (8 << 20)) {
            return step_failed(3);
        }
        let old = m.as_ptr();
        if !before.take() {
            return step_failed(4);
        }
        let r = m.remap(64 << 20, RemapFlags::MAYMOVE);
        if !after.take() {
            return step_failed(5);
        }
        if !before.same_ranges(&after) {
            return MAPS_CHANGED;
        }
        if m.as_ptr() != old || m.len() != 2 * page() || m.iter().any(|&b| b != 0x5a) {
            return step_failed(6);
        }
        err_code(r)
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

/// Mapping a file past RLIMIT_AS fails with `ENOMEM` and maps nothing.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user does not apply RLIMIT_AS to the guest; asserted natively"
)]
fn map_file_over_rlimit_as_is_enomem_and_maps_nothing() {
    let (file, _name) = memfd("rlimit-as-file", 64 << 20);
    let mut status = vec![0u8; 64 << 10];
    let mut before = MapsSnapshot::with_capacity(1 << 20);
    let mut after = MapsSnapshot::with_capacity(1 << 20);
    let exit = run_in_child(|| {
        let Some(vm) = vm_size(&mut status) else {
            return step_failed(1);
        };
        if !set_soft_rlimit(libc::RLIMIT_AS, vm + (8 << 20)) {
            return step_failed(2);
        }
        if !before.take() {
            return step_failed(3);
        }
        // SAFETY: the memfd is private to this test.
        let r = unsafe { MapOptions::new().map(&file) };
        if !after.take() {
            return step_failed(4);
        }
        if !before.same_ranges(&after) {
            return MAPS_CHANGED;
        }
        err_code(r)
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

// ---------------------------------------------------------------------------------------
// RLIMIT_MEMLOCK (root ignores it: the children become nobody)
// ---------------------------------------------------------------------------------------

/// A locked mapping cannot grow past RLIMIT_MEMLOCK: mremap says `EAGAIN`, and the
/// mapping keeps its length, contents and lock.
#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user 7.2 leaves a 32-bit guest's mapping inaccessible after an mremap of it fails (SIGSEGV on the next access); asserted natively (i686)"
)]
fn remap_grow_of_locked_mapping_over_rlimit_memlock_is_eagain() {
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_MEMLOCK, 4 * page() as u64) {
            return step_failed(1);
        }
        if !become_nobody() {
            return step_failed(2);
        }
        let Ok(mut m) = MapOptions::new().len(2 * page()).map_anonymous() else {
            return step_failed(3);
        };
        m.fill(7);
        if m.lock().is_err() {
            return step_failed(4);
        }
        let r = m.remap(16 * page(), RemapFlags::MAYMOVE);
        if m.len() != 2 * page() || m.iter().any(|&b| b != 7) {
            return step_failed(5);
        }
        if m.residency().map(|r| r.resident) != Ok(2) {
            return step_failed(6);
        }
        err_code(r)
    });
    assert_eq!(exit, ChildExit::errno(Errno::AGAIN));
}

/// Locking a file mapping larger than RLIMIT_MEMLOCK: `ENOMEM` for `lock` and
/// `lock_on_fault` (ENOSYS under qemu-user, which does not implement mlock2), and
/// nothing is locked.
#[test]
fn lock_file_mapping_over_rlimit_memlock_is_enomem() {
    let (file, _name) = memfd("memlock-file", 16 * page());
    // SAFETY: the memfd is private to this test.
    let m = unsafe { MapOptions::new().map_mut(&file) }.unwrap();
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_MEMLOCK, 4 * page() as u64) || !become_nobody() {
            return step_failed(1);
        }
        // qemu-user answers ENOSYS for mlock2 (the lock_on_fault call).
        let on_fault = if cfg!(qemu) {
            Errno::NOSYS
        } else {
            Errno::NOMEM
        };
        match (m.lock(), m.lock_on_fault()) {
            (Err(a), Err(b)) if a == Errno::NOMEM && b == on_fault => 0,
            (Err(a), Err(_)) if a != Errno::NOMEM => err_code::<()>(Err(a)),
            (Err(_), Err(b)) => err_code::<()>(Err(b)),
            _ => step_failed(2),
        }
    });
    assert_eq!(exit, ChildExit::Exited(0));
    // Nothing locked: not observable under qemu for a 32-bit guest (QEMU_32BIT_SMAPS).
    if !cfg!(all(qemu, target_pointer_width = "32")) {
        assert!(!vm_flags(m.as_ptr().cast()).contains(&"lo".to_string()));
    }
}

// ---------------------------------------------------------------------------------------
// RLIMIT_FSIZE
// ---------------------------------------------------------------------------------------

/// SIGXFSZ: libc's value, except on mips64 with glibc, where libc 0.2.191 has the
/// generic 25 instead of the kernel's 31 (arch/mips/include/uapi/asm/signal.h; its
/// glibc port selects the mips headers for `mips` only).
const SIGXFSZ: i32 = if cfg!(all(target_arch = "mips64", target_env = "gnu")) {
    31
} else {
    libc::SIGXFSZ
};

/// Growing a file past RLIMIT_FSIZE fails with `EFBIG` (the kernel also raises
/// SIGXFSZ, fatal by default: the child ignores it) and keeps its length.
#[test]
fn set_len_over_rlimit_fsize_is_efbig_and_keeps_the_length() {
    let (file, _name) = memfd("rlimit-fsize", page());
    let exit = run_in_child(|| {
        // SAFETY: setting a signal to SIG_IGN is async-signal-safe.
        if unsafe { libc::signal(SIGXFSZ, libc::SIG_IGN) } == libc::SIG_ERR {
            return step_failed(1);
        }
        if !set_soft_rlimit(libc::RLIMIT_FSIZE, 2 * page() as u64) {
            return step_failed(2);
        }
        let r = file.set_len(3 * page() as u64);
        if file.len() != Ok(page() as u64) {
            return step_failed(3);
        }
        if file.set_len(2 * page() as u64).is_err() {
            return step_failed(4);
        }
        err_code(r)
    });
    assert_eq!(exit, ChildExit::errno(Errno::FBIG));
    // The same file: the child's last set_len is visible here.
    assert_eq!(file.len(), Ok(2 * page() as u64));
}

// ---------------------------------------------------------------------------------------
// RLIMIT_NOFILE
// ---------------------------------------------------------------------------------------

/// With no descriptor left under RLIMIT_NOFILE, `open`, `create` and `memfd` fail with
/// `EMFILE`, and `create` creates nothing.
#[test]
fn open_create_and_memfd_over_rlimit_nofile_are_emfile() {
    let name = format!("{}.", unique_name("nofile"));
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(&name);
    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    let exit = run_in_child(|| {
        // The lowest free descriptor: with the limit there, no new one fits.
        // SAFETY: F_DUPFD returns a new descriptor, closed right away.
        let lowest = unsafe { libc::fcntl(0, libc::F_DUPFD, 0) };
        // SAFETY: closes the descriptor just made.
        if lowest < 0 || unsafe { libc::close(lowest) } != 0 {
            return step_failed(1);
        }
        if !set_soft_rlimit(libc::RLIMIT_NOFILE, lowest as u64) {
            return step_failed(2);
        }
        let results = [
            File::open(c"/dev/null").map(File::into_raw_fd),
            File::create(&c_path).map(File::into_raw_fd),
            File::memfd(c"rawmap-nofile", MemfdFlags::CLOEXEC).map(File::into_raw_fd),
        ];
        if results.iter().any(|r| *r != Err(Errno::MFILE)) {
            return step_failed(3);
        }
        // SAFETY: access only reads the path.
        if unsafe { libc::access(c_path.as_ptr(), libc::F_OK) } == 0 {
            return step_failed(4);
        }
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
    assert!(!path.exists());
}

// ---------------------------------------------------------------------------------------
// vm.max_map_count
// ---------------------------------------------------------------------------------------

/// At `vm.max_map_count`, every operation that must split a mapping fails, and Drop's
/// munmap is one of them when the mapping sits in the middle of a larger region (its
/// neighbours merged with it). In a child, three adjacent `Mapping`s A|B|C (one kernel
/// region) are made, then the map count is filled up by making every other page of a
/// large read-only region writable until mprotect says ENOMEM. Then for B:
/// - `protect` is `ENOMEM` and B stays writable;
/// - `advise_range` with advice that changes the region's flags is `EAGAIN` (madvise
///   reports the failed split so);
/// - `lock` is `ENOMEM`;
/// - `remap` to shrink is `ENOMEM` and B keeps its length and contents;
/// - Drop does not panic and B stays mapped with its contents (the documented leak);
/// - one more mapping still fits (mmap allows the count to pass the limit by one), the
///   next fails with `ENOMEM`.
///
/// Unmapping the filler frees the count: B can then be unmapped by hand.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user's own mappings and mprotect emulation make the map count differ; asserted natively"
)]
fn at_max_map_count_splits_fail_and_drop_leaks() {
    let max: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        max <= 1 << 24,
        "vm.max_map_count = {max} is too large to exhaust in a test"
    );
    let p = page();
    let filler_pages = max + 64;
    let (file, _name) = memfd("max-map-count", 2 * p);
    let (file2, _name2) = memfd("max-map-count-2", 2 * p);
    let exit = run_in_child(|| {
        let Ok(mut abc) = MapOptions::new().len(6 * p).map_anonymous() else {
            return step_failed(1);
        };
        for (i, b) in abc.iter_mut().enumerate() {
            *b = (i / (2 * p)) as u8 + 1;
        }
        let start = abc.into_raw().cast::<u8>();
        let part = |i: usize| {
            let ptr = NonNull::new(start.as_ptr().wrapping_add(i * 2 * p)).unwrap();
            // SAFETY: each third of the mapping made above, owned by exactly one Mapping.
            unsafe { Mapping::from_raw(NonNull::slice_from_raw_parts(ptr, 2 * p), rw()) }
        };
        let (a, mut b, c) = (part(0), part(1), part(2));
        let b_ptr = b.as_mut_ptr();
        // SAFETY: a new read-only region at a kernel-chosen address; unmapped below.
        let Ok(filler) = (unsafe {
            raw::mmap(
                std::ptr::null_mut(),
                filler_pages * p,
                ProtFlags::READ,
                MapType::Private,
                MapFlags::ANONYMOUS | MapFlags::NORESERVE,
                -1,
                0,
            )
        }) else {
            return step_failed(2);
        };
        let mut full = false;
        for i in (1..filler_pages - 1).step_by(2) {
            // SAFETY: a page of the filler region, which nothing uses.
            match unsafe { raw::mprotect(filler.wrapping_byte_add(i * p), p, rw()) } {
                Ok(()) => {}
                Err(e) if e == Errno::NOMEM => {
                    full = true;
                    break;
                }
                Err(_) => return step_failed(3),
            }
        }
        if !full {
            return step_failed(4);
        }

        if b.protect(ProtFlags::READ) != Err(Errno::NOMEM) || b.protection() != rw() {
            return step_failed(10);
        }
        // Faults (and fails the test by signal) if B was made read-only after all.
        b[0] = 2;
        if b.advise_range(Advice::DontDump, 0, 2 * p) != Err(Errno::AGAIN) {
            return step_failed(11);
        }
        if b.lock() != Err(Errno::NOMEM) {
            return step_failed(12);
        }
        if b.remap(p, RemapFlags::empty()) != Err(Errno::NOMEM) || b.len() != 2 * p {
            return step_failed(13);
        }
        if b.iter().any(|&x| x != 2) {
            return step_failed(14);
        }
        drop(b);
        if !is_mapped(b_ptr, 2 * p) {
            return step_failed(15);
        }
        // SAFETY: B's pages are still mapped (checked above) and owned by nobody.
        if unsafe { std::slice::from_raw_parts(b_ptr, 2 * p) }
            .iter()
            .any(|&x| x != 2)
        {
            return step_failed(16);
        }
        // SAFETY: the memfds belong to this test.
        let one = unsafe { MapOptions::new().map(&file) };
        // SAFETY: as above.
        let two = unsafe { MapOptions::new().map(&file2) };
        match (&one, &two) {
            (Ok(_), Err(e)) if *e == Errno::NOMEM => {}
            _ => return step_failed(17),
        }
        drop(one);

        // SAFETY: the filler is unused; it is whole regions, so no split is needed.
        if unsafe { raw::munmap(filler, filler_pages * p) }.is_err() {
            return step_failed(20);
        }
        // SAFETY: B's leaked pages, owned by nobody.
        if unsafe { raw::munmap(b_ptr.cast(), 2 * p) }.is_err() || is_mapped(b_ptr, 2 * p) {
            return step_failed(21);
        }
        if a.iter().any(|&x| x != 1) || c.iter().any(|&x| x != 3) {
            return step_failed(22);
        }
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
}
