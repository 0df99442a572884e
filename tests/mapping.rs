//! Tests of the safe layer: `Mapping`, `MapOptions`, `Advice` and `UncheckedAdvice`,
//! against the running kernel.
//!
//! Error paths make the kernel (or the crate's own range checks) really fail and assert
//! the exact `Errno`, then check that nothing leaked: file mappings by their unique memfd
//! or file name in `/proc/self/maps`, anonymous ones by comparing two snapshots of
//! `/proc/self/maps` taken in a forked child, where no other test thread changes them.
//! rlimits, credentials and fatal signals are also tried in forked children.
//!
//! Under qemu-user (`--cfg qemu`) tests of kernel semantics that qemu does not implement
//! are ignored with the reason; everything else runs there too, as a check of the
//! plumbing.
#![cfg(target_os = "linux")]

mod common;

use std::ptr::NonNull;

use common::{
    ChildExit, become_nobody, err_code, maps_mention, page, run_in_child, set_soft_rlimit,
    step_failed,
};
use rawmap::fd::AsRawFd;
use rawmap::{
    AccessError, Advice, Errno, File, HugePages, MapOptions, Mapping, MemfdFlags, OpenFlags,
    ProtFlags, RemapFlags, SealFlags, UncheckedAdvice, raw,
};
use support::{
    TempFile, anon_fails_without_leak, child_maps_unchanged, file_bytes, memfd, not_open_fd,
    pattern, reopen,
};

fn rw() -> ProtFlags {
    ProtFlags::READ | ProtFlags::WRITE
}

// ---------------------------------------------------------------------------------------
// Zero length (checklist 1)
// ---------------------------------------------------------------------------------------

/// A zero length maps nothing and makes no mmap call: options that would make the kernel
/// fail (hugetlb with no pages reserved, MAP_FIXED_NOREPLACE over a live mapping) still
/// give an empty mapping.
#[test]
fn zero_len_anonymous_is_empty_and_calls_no_mmap() {
    let live = MapOptions::new().len(page()).map_anonymous().unwrap();
    let options = [
        MapOptions::new().len(0),
        MapOptions::new().len(0).huge_pages(HugePages::SIZE_2MB),
        MapOptions::new()
            .len(0)
            .fixed_noreplace(live.as_ptr().addr()),
        MapOptions::new().len(0).locked().populate(),
    ];
    for o in options {
        let m = o.map_anonymous().unwrap_or_else(|e| panic!("{o:?}: {e}"));
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        assert_eq!(m.as_slice(), &[] as &[u8]);
        assert_eq!(&m[..], &[] as &[u8]);
        assert_eq!(m.residency().unwrap().pages, 0);
        m.advise(Advice::Normal).unwrap();
        m.flush().unwrap();
        m.lock().unwrap();
    }
    // Nonzero, the same options do reach the kernel and fail.
    assert_eq!(
        MapOptions::new()
            .len(page())
            .fixed_noreplace(live.as_ptr().addr())
            .map_anonymous()
            .unwrap_err(),
        Errno::EXIST
    );
}

/// Zero-length file mappings: an empty file with `len` omitted, `len(0)` on a non-empty
/// file (even on a write-only descriptor, which mmap would refuse), and an offset at the
/// end of the file with `len` omitted. None of them shows up in /proc/self/maps.
#[test]
fn zero_len_file_mappings_are_empty_and_map_nothing() {
    let (empty, empty_name) = memfd("zero-len-empty", &[]);
    // SAFETY: the memfd is private to this test and nobody writes it.
    let m = unsafe { MapOptions::new().map(&empty) }.unwrap();
    assert!(m.is_empty());
    assert_eq!(m.as_slice(), &[] as &[u8]);
    // SAFETY: as above.
    let mm = unsafe { MapOptions::new().map_mut(&empty) }.unwrap();
    assert!(mm.is_empty());
    assert!(!maps_mention(&empty_name));
    drop((m, mm));

    let (full, full_name) = memfd("zero-len-full", &pattern(2 * page()));
    let write_only = reopen(&full, OpenFlags::WRONLY);
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().len(0).map(&write_only) }.unwrap();
    assert!(m.is_empty());
    // SAFETY: as above.
    let at_end = unsafe { MapOptions::new().offset(2 * page() as u64).map(&full) }.unwrap();
    assert!(at_end.is_empty());
    assert!(!maps_mention(&full_name));
    // The same file does show up once something is mapped, so the check above can fail.
    // SAFETY: as above.
    let real = unsafe { MapOptions::new().map(&full) }.unwrap();
    assert!(maps_mention(&full_name));
    drop(real);
    assert!(!maps_mention(&full_name));
}

/// Dropping an empty mapping unmaps nothing, even one made (with `from_raw`) from a
/// zero-length slice inside a live mapping.
#[test]
fn dropping_an_empty_mapping_unmaps_nothing() {
    let (f, name) = memfd("drop-empty", &pattern(page()));
    // SAFETY: the memfd is private to this test and nobody writes it.
    let live = unsafe { MapOptions::new().map(&f) }.unwrap();
    let inside = NonNull::new(live.as_ptr().cast_mut()).unwrap();
    // SAFETY: an empty slice owns no pages.
    let empty = unsafe { Mapping::from_raw(NonNull::slice_from_raw_parts(inside, 0), rw()) };
    assert!(empty.is_empty());
    drop(empty);
    assert!(maps_mention(&name));
    assert_eq!(live[..], pattern(page())[..]);
}

// ---------------------------------------------------------------------------------------
// Offsets and lengths (checklist 2, 3, 4, 5)
// ---------------------------------------------------------------------------------------

/// Offsets page-1, page and page+1 (and others): the mapping starts exactly at the
/// offset, with an explicit length and with the length omitted (to the end of the file).
#[test]
fn unaligned_offsets_map_the_files_bytes() {
    let p = page();
    let bytes = pattern(4 * p);
    let (f, name) = memfd("unaligned", &bytes);
    for off in [0, 1, p - 1, p, p + 1, 2 * p + 123, 4 * p - 1] {
        let opts = MapOptions::new()
            .offset(off as u64)
            .len(100.min(4 * p - off));
        // SAFETY: the memfd is private to this test and nobody writes it.
        let m = unsafe { opts.map(&f) }.unwrap();
        assert_eq!(m[..], bytes[off..off + m.len()], "offset {off}");
        assert_eq!(
            m.as_ptr().addr() % p,
            off % p,
            "offset {off}: in-page position"
        );
        // SAFETY: as above.
        let rest = unsafe { MapOptions::new().offset(off as u64).map(&f) }.unwrap();
        assert_eq!(
            rest.len(),
            4 * p - off,
            "offset {off}: len omitted maps to EOF"
        );
        assert_eq!(rest[..], bytes[off..], "offset {off}");
        let mut buf = vec![0; rest.len()];
        rest.read_at(0, &mut buf).unwrap();
        assert_eq!(buf[..], bytes[off..]);
    }
    assert!(!maps_mention(&name));
}

/// With `len` omitted the mapping covers the file from `offset` to its end, and
/// `map_copy` / `map_mut` agree with `map`.
#[test]
fn len_omitted_maps_to_end_of_file() {
    let bytes = pattern(3 * page() + 17);
    let (f, _) = memfd("to-eof", &bytes);
    // SAFETY: the memfd is private to this test; only `c` writes, privately.
    unsafe {
        let a = MapOptions::new().map(&f).unwrap();
        let b = MapOptions::new().map_mut(&f).unwrap();
        let c = MapOptions::new().map_copy(&f).unwrap();
        for m in [&a, &b, &c] {
            assert_eq!(m.len(), bytes.len());
            assert_eq!(m[..], bytes[..]);
        }
    }
}

/// An offset past the end of the file with `len` omitted: there is nothing to map, and
/// the crate says `EINVAL` (before any mmap) instead of mapping a negative length.
#[test]
fn offset_past_eof_with_len_omitted_is_einval() {
    let (f, name) = memfd("past-eof", &pattern(page()));
    for off in [page() as u64 + 1, 2 * page() as u64, u64::MAX] {
        // SAFETY: the memfd is private to this test and nobody writes it.
        let r = unsafe { MapOptions::new().offset(off).map(&f) };
        assert_eq!(r.unwrap_err(), Errno::INVAL, "offset {off}");
    }
    assert!(!maps_mention(&name));
}

/// An offset far past the end with an explicit `len` is what mmap allows (checklist 5):
/// the mapping is made; touching it would raise SIGBUS, so it is not touched. Drop
/// unmaps it.
#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-sparc64 7.2 (8 KiB guest pages on 4 KiB host pages) refuses a file mapping past EOF with ENOMEM; asserted natively"
)]
fn offset_past_eof_with_len_is_mapped() {
    let (f, name) = memfd("past-eof-len", &pattern(page()));
    // SAFETY: the memfd is private to this test; the pages past EOF are never touched.
    let m = unsafe {
        MapOptions::new()
            .offset(64 * page() as u64)
            .len(page())
            .map(&f)
    }
    .unwrap();
    assert_eq!(m.len(), page());
    assert!(maps_mention(&name));
    drop(m);
    assert!(!maps_mention(&name));
}

/// `offset + len` past `u64::MAX` fails with `EOVERFLOW` in the crate; an offset the
/// kernel cannot express as a page offset of a file (2^63) fails with `EOVERFLOW` from
/// the kernel. Nothing is mapped.
#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-sparc64 7.2 (8 KiB guest pages on 4 KiB host pages) answers a 2^63 offset with ENOMEM, not the kernel's EOVERFLOW; asserted natively"
)]
fn offset_plus_len_overflow_is_eoverflow() {
    let p = page();
    let (f, name) = memfd("overflow", &pattern(p));
    let top = u64::MAX - (p as u64 - 1); // page-aligned, the last page of the u64 range
    for (off, len) in [(top, p), (u64::MAX - 10, 100), (u64::MAX, 1), (1 << 63, p)] {
        // SAFETY: the memfd is private to this test and nobody writes it.
        let r = unsafe { MapOptions::new().offset(off).len(len).map(&f) };
        assert_eq!(r.unwrap_err(), Errno::OVERFLOW, "offset {off:#x} len {len}");
        // SAFETY: as above.
        let r = unsafe { MapOptions::new().offset(off).len(len).map_copy(&f) };
        assert_eq!(r.unwrap_err(), Errno::OVERFLOW, "offset {off:#x} len {len}");
    }
    assert!(!maps_mention(&name));
}

/// `len` of `usize::MAX`, or anything above `isize::MAX`, fails with `ENOMEM` before the
/// syscall (the page round-up would wrap); on 64-bit targets `isize::MAX` itself fails in
/// the kernel with `ENOMEM`. (On 32-bit ones a 2 GiB mapping can fit: tests/arch.rs.)
/// Anonymous and file mappings, nothing leaked.
#[test]
fn huge_len_is_enomem() {
    let mut lens = vec![usize::MAX, usize::MAX - 1, isize::MAX as usize + 1];
    if cfg!(target_pointer_width = "64") {
        lens.push(isize::MAX as usize);
    }
    for &len in &lens {
        anon_fails_without_leak(Errno::NOMEM, || MapOptions::new().len(len).map_anonymous());
    }
    let (f, name) = memfd("huge-len", &pattern(page()));
    for len in lens {
        for off in [0, 1] {
            // SAFETY: the memfd is private to this test and nobody writes it.
            let r = unsafe { MapOptions::new().offset(off).len(len).map(&f) };
            assert_eq!(r.unwrap_err(), Errno::NOMEM, "len {len:#x} offset {off}");
        }
    }
    assert!(!maps_mention(&name));
}

// ---------------------------------------------------------------------------------------
// Descriptors (checklist 6, 7, 8, 9, 10)
// ---------------------------------------------------------------------------------------

/// A read-only descriptor mapped shared and writable: `EACCES` (checklist 6).
#[test]
fn map_mut_of_read_only_fd_is_eacces() {
    let t = TempFile::new("ro-mut", &pattern(page()));
    let f = File::open(&t.c_path).unwrap();
    // SAFETY: the file is private to this test and nobody writes it.
    let r = unsafe { MapOptions::new().map_mut(&f) };
    assert_eq!(r.unwrap_err(), Errno::ACCES);
    assert!(!maps_mention(&t.name));
    // Read-only works on the same descriptor.
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().map(&f) }.unwrap();
    assert!(maps_mention(&t.name));
    drop(m);
    assert!(!maps_mention(&t.name));
}

/// A write-only descriptor cannot be mapped at all, not even read-only: `EACCES`.
#[test]
fn map_of_write_only_fd_is_eacces() {
    let (f, name) = memfd("wronly", &pattern(page()));
    let w = reopen(&f, OpenFlags::WRONLY);
    // SAFETY: the memfd is private to this test and nobody writes it.
    unsafe {
        assert_eq!(MapOptions::new().map(&w).unwrap_err(), Errno::ACCES);
        assert_eq!(MapOptions::new().map_mut(&w).unwrap_err(), Errno::ACCES);
        assert_eq!(MapOptions::new().map_copy(&w).unwrap_err(), Errno::ACCES);
    }
    assert!(!maps_mention(&name));
}

/// A private writable mapping of a read-only descriptor is allowed (checklist 7), and
/// its writes stay in the mapping.
#[test]
fn map_copy_of_read_only_fd_is_allowed_and_private() {
    let bytes = pattern(page());
    let t = TempFile::new("ro-copy", &bytes);
    let f = File::open(&t.c_path).unwrap();
    // SAFETY: the file is private to this test and nobody writes it.
    let mut m = unsafe { MapOptions::new().map_copy(&f) }.unwrap();
    m[..4].copy_from_slice(b"priv");
    assert_eq!(&m[..4], b"priv");
    assert_eq!(std::fs::read(&t.path).unwrap(), bytes);
}

/// A shared writable mapping of an `O_APPEND` descriptor is allowed (checklist 8).
#[test]
fn map_mut_of_append_fd_is_allowed() {
    let t = TempFile::new("append", &pattern(page()));
    let f = File::open_at(
        raw::AT_FDCWD,
        &t.c_path,
        OpenFlags::RDWR | OpenFlags::APPEND,
        0,
    )
    .unwrap();
    // SAFETY: the file is private to this test; only `m` writes it.
    let mut m = unsafe { MapOptions::new().map_mut(&f) }.unwrap();
    m.write_at(1, b"app").unwrap();
    m.flush().unwrap();
    assert_eq!(&std::fs::read(&t.path).unwrap()[1..4], b"app");
}

/// Descriptors that are not mappable files: a directory, a pipe and a /proc file give
/// `ENODEV` (checklist 10), except where the kernel says otherwise (below).
#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-sparc64 7.2 (8 KiB guest pages on 4 KiB host pages) answers mmap of a directory with EINVAL, not the kernel's ENODEV; asserted natively"
)]
fn map_of_unmappable_files_is_enodev() {
    let dir = File::open(&support::tmp_dir_c()).unwrap();
    // SAFETY: nothing is mapped; the calls fail.
    unsafe {
        assert_eq!(MapOptions::new().map(&dir).unwrap_err(), Errno::NODEV);
        let r = MapOptions::new().len(page()).map(&dir);
        assert_eq!(r.unwrap_err(), Errno::NODEV);
    }
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 returns.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 just returned these descriptors and nothing else owns them.
    let (r, w) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    // SAFETY: nothing is mapped; the calls fail.
    unsafe {
        assert_eq!(
            MapOptions::new().len(page()).map(&r).unwrap_err(),
            Errno::NODEV
        );
        let e = MapOptions::new().len(page()).map_mut(&w).unwrap_err();
        // A pipe's write end is write-only: the access check comes first.
        assert_eq!(e, Errno::ACCES);
    }
    // A seq_file in /proc has no mmap: ENODEV. An entry of procfs's own without mmap
    // gets EIO from procfs's wrapper (the kernel's answer, asserted as such).
    for (path, errno) in [
        (c"/proc/self/mounts", Errno::NODEV),
        (c"/proc/version", Errno::IO),
    ] {
        let proc_file = File::open(path).unwrap();
        // SAFETY: nothing is mapped; the call fails.
        let e = unsafe { MapOptions::new().len(page()).map(&proc_file) }.unwrap_err();
        assert_eq!(e, errno, "{path:?}");
    }
}

/// A descriptor number that is not open gives `EBADF`, from statx (`len` omitted) and
/// from mmap (`len` given); so does an `O_PATH` descriptor (checklist 9).
#[test]
fn map_of_closed_or_path_fd_is_ebadf() {
    let bad = not_open_fd();
    // SAFETY: nothing is mapped; every call fails with EBADF.
    unsafe {
        assert_eq!(MapOptions::new().map(bad).unwrap_err(), Errno::BADF);
        assert_eq!(
            MapOptions::new().len(page()).map(bad).unwrap_err(),
            Errno::BADF
        );
        let e = MapOptions::new().len(page()).map_mut(bad).unwrap_err();
        assert_eq!(e, Errno::BADF);
    }
    assert_eq!(MapOptions::new().map_if_safe(bad).unwrap_err(), Errno::BADF);

    let t = TempFile::new("o-path", &pattern(page()));
    let path_fd = File::open_at(raw::AT_FDCWD, &t.c_path, OpenFlags::PATH, 0).unwrap();
    // SAFETY: nothing is mapped; the call fails.
    let e = unsafe { MapOptions::new().len(page()).map(&path_fd) }.unwrap_err();
    assert_eq!(e, Errno::BADF);
    assert!(!maps_mention(&t.name));
}

// ---------------------------------------------------------------------------------------
// MAP_FIXED_NOREPLACE (checklist 13)
// ---------------------------------------------------------------------------------------

/// Mapping over a live mapping with `fixed_noreplace` fails with `EEXIST` and leaves the
/// live mapping's contents alone. Natively the kernel refuses; under qemu-user (which
/// ignores the flag) the crate's check of the returned address does, and unmaps what
/// qemu mapped elsewhere: either way the new file is not left mapped.
#[test]
fn fixed_noreplace_over_live_mapping_is_eexist() {
    let bytes = pattern(2 * page());
    let (a, a_name) = memfd("noreplace-live", &bytes);
    let (b, b_name) = memfd("noreplace-new", &pattern(page()));
    // SAFETY: the memfd is private to this test and nobody writes it.
    let live = unsafe { MapOptions::new().map(&a) }.unwrap();
    for addr in [live.as_ptr().addr(), live.as_ptr().addr() + page()] {
        let opts = MapOptions::new().len(page()).fixed_noreplace(addr);
        // SAFETY: the call must fail; nothing is replaced.
        let e = unsafe { opts.map(&b) }.unwrap_err();
        assert_eq!(e, Errno::EXIST);
        assert_eq!(opts.map_anonymous().unwrap_err(), Errno::EXIST);
        assert!(!maps_mention(&b_name));
        assert_eq!(live[..], bytes[..]);
    }
    assert!(maps_mention(&a_name));
    // The anonymous attempt leaks nothing either (snapshot comparison in a child).
    let addr = live.as_ptr().addr();
    anon_fails_without_leak(Errno::EXIST, || {
        MapOptions::new()
            .len(page())
            .fixed_noreplace(addr)
            .map_anonymous()
    });
    assert_eq!(live[..], bytes[..]);
}

/// `fixed_noreplace` with an address that is not page-aligned: `EINVAL`, no mmap.
#[test]
fn fixed_noreplace_unaligned_is_einval() {
    let hole = support::free_range(page());
    for addr in [hole + 1, hole + page() / 2, hole + page() - 1] {
        anon_fails_without_leak(Errno::INVAL, || {
            MapOptions::new()
                .len(page())
                .fixed_noreplace(addr)
                .map_anonymous()
        });
    }
}

/// Address 0 is refused with `EINVAL` by `fixed_noreplace` and `remap_fixed`, before
/// any syscall: a `Mapping` cannot start there. (Root may map page 0: the crate then
/// returned ENOMEM and leaked the page.)
#[test]
fn fixed_address_zero_is_einval() {
    anon_fails_without_leak(Errno::INVAL, || {
        MapOptions::new()
            .len(page())
            .fixed_noreplace(0)
            .map_anonymous()
    });
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.fill(3);
    let at = m.as_ptr();
    // SAFETY: a null target is refused before anything is moved or unmapped.
    let r = unsafe { m.remap_fixed(page(), std::ptr::null_mut()) };
    assert_eq!(r, Err(Errno::INVAL));
    assert_eq!((m.as_ptr(), m.len()), (at, page()));
    assert!(m.iter().all(|&b| b == 3));
}

/// On a free range `fixed_noreplace` maps exactly there; with an unaligned offset the
/// data starts `offset % page` bytes after the address. Run in a forked child, where no
/// other thread can map into the range between freeing it and mapping it again.
#[test]
fn fixed_noreplace_on_free_range_maps_there() {
    let p = page();
    let bytes = pattern(3 * p);
    let (f, _) = memfd("noreplace-free", &bytes);
    let exit = run_in_child(|| {
        let hole = support::free_range(4 * p);
        let Ok(m) = MapOptions::new()
            .len(p)
            .fixed_noreplace(hole)
            .map_anonymous()
        else {
            return step_failed(1);
        };
        if m.as_ptr().addr() != hole {
            return step_failed(2);
        }
        let at = hole + 2 * p;
        let opts = MapOptions::new().offset(p as u64 + 5).fixed_noreplace(at);
        // SAFETY: the memfd is private to this test and nobody writes it.
        let Ok(fm) = (unsafe { opts.map(&f) }) else {
            return step_failed(3);
        };
        if fm.as_ptr().addr() != at + 5 {
            return step_failed(4);
        }
        if fm[..] != bytes[p + 5..] {
            return step_failed(5);
        }
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
}

// ---------------------------------------------------------------------------------------
// Huge pages (checklist 14)
// ---------------------------------------------------------------------------------------

/// `MAP_HUGETLB` with 2 MiB pages when none are reserved: `ENOMEM`, nothing leaked.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 rejects MAP_HUGETLB with EINVAL; asserted natively"
)]
fn hugetlb_without_reserved_pages_is_enomem() {
    // Reserved or overcommittable huge pages would let the mapping succeed.
    let knobs = [
        "/proc/sys/vm/nr_hugepages",
        "/proc/sys/vm/nr_overcommit_hugepages",
        "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
        "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages",
    ];
    for knob in knobs {
        let v = std::fs::read_to_string(knob).unwrap_or_else(|e| panic!("{knob}: {e}"));
        if v.trim() != "0" {
            println!(
                "skipped: {knob} is {}, so huge pages can be allocated",
                v.trim()
            );
            return;
        }
    }
    anon_fails_without_leak(Errno::NOMEM, || {
        MapOptions::new()
            .len(4 << 20)
            .huge_pages(HugePages::SIZE_2MB)
            .map_anonymous()
    });
    anon_fails_without_leak(Errno::NOMEM, || {
        MapOptions::new()
            .len(1)
            .huge_pages(HugePages::Explicit { shift: 0 })
            .map_anonymous()
    });
}

/// `no_reserve` with explicit huge pages is refused before any mmap: unreserved
/// hugetlb pages raise SIGBUS at the first touch when the pool is empty (as it is on a
/// machine with no huge pages reserved, where the kernel would grant the mapping).
#[test]
fn no_reserve_with_explicit_huge_pages_is_einval() {
    for huge in [HugePages::SIZE_2MB, HugePages::Explicit { shift: 0 }] {
        anon_fails_without_leak(Errno::INVAL, || {
            MapOptions::new()
                .len(page())
                .huge_pages(huge)
                .no_reserve()
                .map_anonymous()
        });
    }
}

/// Transparent huge pages: the mapping starts on a huge-page boundary (the crate
/// over-reserves and trims), works, and leaves nothing behind when dropped.
#[test]
fn transparent_huge_pages_align_and_trim() {
    let thp = page() * (page() / 8);
    let mut m = MapOptions::new()
        .len(3 * page())
        .huge_pages(HugePages::Transparent)
        .map_anonymous()
        .unwrap();
    assert_eq!(m.as_ptr().addr() % thp, 0);
    m.fill(7);
    assert!(m.iter().all(|&b| b == 7));
    drop(m);
    let exit = child_maps_unchanged(|| {
        match MapOptions::new()
            .len(thp + 1)
            .huge_pages(HugePages::Transparent)
            .map_anonymous()
        {
            Ok(m) if m.as_ptr().addr() % thp == 0 => 0,
            Ok(_) => step_failed(5),
            Err(e) => i32::from(e.raw()),
        }
    });
    assert_eq!(exit, ChildExit::Exited(0));
}

/// Transparent huge pages on a file show the file's bytes from the offset asked for.
/// (The over-reserve-and-trim alignment moved the start of a file mapping to another
/// file offset: wrong bytes, or SIGBUS past the end of a small file through the safe
/// `map_if_safe`. Found by the fuzz target.) Runs in a child, where a SIGBUS is a
/// result rather than the end of the test binary.
#[test]
fn transparent_huge_pages_on_files_map_the_right_bytes() {
    let p = page();
    let thp = p * (p / 8);
    for file_len in [8 * p, thp + 5 * p] {
        let data = pattern(file_len);
        let (f, _name) = memfd("thp-file", &data);
        let (sealed, _sealed_name) = memfd("thp-file-sealed", &data);
        sealed
            .add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)
            .unwrap();
        for offset in [0, p as u64, 3 * p as u64 + 17] {
            let o = MapOptions::new()
                .offset(offset)
                .huge_pages(HugePages::Transparent);
            let want = &data[offset as usize..];
            let exit = run_in_child(|| {
                // SAFETY: the memfd is private to this test; nothing writes it.
                let Ok(m) = (unsafe { o.map(&f) }) else {
                    return step_failed(1);
                };
                if m[..] != *want {
                    return step_failed(2);
                }
                let Ok(Some(m)) = o.map_if_safe(&sealed) else {
                    return step_failed(3);
                };
                if m[..] != *want {
                    return step_failed(4);
                }
                0
            });
            assert_eq!(
                exit,
                ChildExit::Exited(0),
                "file {file_len} offset {offset}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Ranges given to methods
// ---------------------------------------------------------------------------------------

/// Every method that takes a range rejects one that ends past the mapping, or whose
/// `offset + len` overflows `usize`, with `EINVAL`, and changes nothing.
#[test]
fn ranges_past_the_end_are_einval() {
    let mut m = MapOptions::new()
        .len(3 * page() + 10)
        .map_anonymous()
        .unwrap();
    m.fill(0x5a);
    let len = m.len();
    let bad = [
        (len, 1),
        (len + 1, 0),
        (0, len + 1),
        (len - 1, 2),
        (usize::MAX, 1),
        (usize::MAX, 2),
        (1, usize::MAX),
        (usize::MAX, usize::MAX),
    ];
    for (off, n) in bad {
        let what = format!("offset {off:#x} len {n:#x}");
        assert_eq!(
            m.advise_range(Advice::WillNeed, off, n),
            Err(Errno::INVAL),
            "{what}"
        );
        // SAFETY: the call fails before any madvise; the contents are checked below.
        unsafe {
            let r = m.advise_range_unchecked(UncheckedAdvice::DontNeed, off, n);
            assert_eq!(r, Err(Errno::INVAL), "{what}");
            let dontneed = UncheckedAdvice::DontNeed as u32;
            assert_eq!(m.advise_raw(dontneed, off, n), Err(Errno::INVAL), "{what}");
        }
        assert_eq!(m.flush_range(off, n), Err(Errno::INVAL), "{what}");
        assert_eq!(m.flush_async_range(off, n), Err(Errno::INVAL), "{what}");
    }
    for (off, n) in [
        (len, 1),
        (len + 1, 0),
        (0, len + 1),
        (len - 1, 2),
        (usize::MAX, 1),
    ] {
        let mut buf = vec![0u8; n];
        assert_eq!(m.read_at(off, &mut buf), Err(AccessError::OutOfRange));
        assert_eq!(m.write_at(off, &vec![1u8; n]), Err(AccessError::OutOfRange));
    }
    let mut two = [0u8; 2];
    assert_eq!(
        m.read_at(usize::MAX, &mut two),
        Err(AccessError::OutOfRange)
    );
    assert_eq!(
        m.write_at(usize::MAX - 1, &two),
        Err(AccessError::OutOfRange)
    );
    assert!(
        m.iter().all(|&b| b == 0x5a),
        "a failed call changed the contents"
    );
}

/// The same methods accept ranges that end exactly at the end, empty ranges anywhere
/// up to the end, and unaligned starts (the crate aligns down for the syscall).
#[test]
fn ranges_inside_the_mapping_are_accepted() {
    let mut m = MapOptions::new()
        .len(3 * page() + 10)
        .map_anonymous()
        .unwrap();
    let len = m.len();
    for (off, n) in [
        (0, len),
        (len, 0),
        (len - 1, 1),
        (0, 0),
        (page() + 1, 5),
        (7, len - 7),
    ] {
        m.advise_range(Advice::WillNeed, off, n).unwrap();
        m.flush_range(off, n).unwrap();
        m.flush_async_range(off, n).unwrap();
        m.write_at(off, &vec![3; n]).unwrap();
        let mut buf = vec![0; n];
        m.read_at(off, &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 3));
    }
}

/// read_at and write_at copy exactly the bytes asked for, at the right place, also in a
/// mapping with a hidden alignment prefix.
#[test]
fn read_at_and_write_at_copy_the_right_bytes() {
    let p = page();
    let bytes = pattern(3 * p);
    let (f, _) = memfd("read-write-at", &bytes);
    // SAFETY: the memfd is private to this test; only this mapping writes it.
    let mut m = unsafe { MapOptions::new().offset(p as u64 - 3).map_mut(&f) }.unwrap();
    let mut buf = [0u8; 10];
    m.read_at(2, &mut buf).unwrap();
    assert_eq!(buf[..], bytes[p - 1..p + 9]);
    m.write_at(p, b"0123456789").unwrap();
    assert_eq!(&m[p..p + 10], b"0123456789");
    assert_eq!(m[p - 1], bytes[2 * p - 4]);
    assert_eq!(m[p + 10], bytes[2 * p + 7]);
    let file = file_bytes(&f);
    assert_eq!(&file[2 * p - 3..2 * p + 7], b"0123456789");
    assert_eq!(file[..2 * p - 3], bytes[..2 * p - 3]);
    assert_eq!(file[2 * p + 7..], bytes[2 * p + 7..]);
}

// ---------------------------------------------------------------------------------------
// Shared and private writes
// ---------------------------------------------------------------------------------------

/// Writes through `map_mut` reach the file and every other shared mapping of it.
#[test]
fn shared_writes_reach_the_file_and_other_mappings() {
    let bytes = pattern(2 * page());
    let t = TempFile::new("shared-file", &bytes);
    let f = File::open_rw(&t.c_path).unwrap();
    // SAFETY: the file is private to this test; only `a` writes it, and no slice of
    // `b` is alive while it does.
    let (mut a, b) = unsafe {
        (
            MapOptions::new().map_mut(&f).unwrap(),
            MapOptions::new().map(&f).unwrap(),
        )
    };
    a.write_at(10, b"hello").unwrap();
    a[page() + 1] = b'!';
    assert_eq!(&b[10..15], b"hello");
    assert_eq!(b[page() + 1], b'!');
    a.flush().unwrap();
    let on_disk = std::fs::read(&t.path).unwrap();
    assert_eq!(&on_disk[10..15], b"hello");
    assert_eq!(on_disk[page() + 1], b'!');
    let mut via_read = vec![0u8; 5];
    let fresh = File::open(&t.c_path).unwrap();
    // SAFETY: `via_read` has room for 5 bytes.
    let n = unsafe { raw::read(fresh.as_raw_fd(), via_read.as_mut_ptr(), 5) }.unwrap();
    assert_eq!(n, 5);
    assert_eq!(via_read[..], bytes[..5]);

    // And for a memfd, without flush.
    let (m, _) = memfd("shared-memfd", &bytes);
    // SAFETY: as above.
    let (mut a, b) = unsafe {
        (
            MapOptions::new().map_mut(&m).unwrap(),
            MapOptions::new().map(&m).unwrap(),
        )
    };
    a[..3].copy_from_slice(b"abc");
    assert_eq!(&b[..3], b"abc");
    assert_eq!(&file_bytes(&m)[..3], b"abc");
}

/// Writes through `map_copy` reach neither the file nor other mappings; pages it has
/// not written still show later changes to the file (it is not a snapshot).
#[test]
fn private_writes_stay_private() {
    let bytes = pattern(2 * page());
    let (f, _) = memfd("private", &bytes);
    // SAFETY: the memfd is private to this test; `shared` writes only page 1, and no
    // slice of `c` or `other` is alive while it does.
    let (mut c, other, mut shared) = unsafe {
        (
            MapOptions::new().map_copy(&f).unwrap(),
            MapOptions::new().map(&f).unwrap(),
            MapOptions::new().map_mut(&f).unwrap(),
        )
    };
    c[..4].copy_from_slice(b"mine");
    c.write_at(8, b"too").unwrap();
    assert_eq!(&c[..4], b"mine");
    assert_eq!(other[..], bytes[..]);
    assert_eq!(shared[..], bytes[..]);
    assert_eq!(file_bytes(&f), bytes);
    shared[page()] = !bytes[page()];
    assert_eq!(
        c[page()],
        !bytes[page()],
        "untouched private page follows the file"
    );
    assert_eq!(&c[..4], b"mine");
}

// ---------------------------------------------------------------------------------------
// Advice
// ---------------------------------------------------------------------------------------

const ADVICE: [Advice; 17] = [
    Advice::Normal,
    Advice::Random,
    Advice::Sequential,
    Advice::WillNeed,
    Advice::DoFork,
    Advice::Mergeable,
    Advice::Unmergeable,
    Advice::HugePage,
    Advice::NoHugePage,
    Advice::DontDump,
    Advice::DoDump,
    Advice::KeepOnFork,
    Advice::Cold,
    Advice::PageOut,
    Advice::PopulateRead,
    Advice::PopulateWrite,
    Advice::Collapse,
];

/// Every `UncheckedAdvice` variant; the two that act on physical memory frames
/// (`HwPoison`, `SoftOffline`) are only probed, never applied.
fn unchecked_advice() -> Vec<UncheckedAdvice> {
    vec![
        UncheckedAdvice::DontNeed,
        UncheckedAdvice::Free,
        UncheckedAdvice::Remove,
        UncheckedAdvice::DontFork,
        UncheckedAdvice::WipeOnFork,
        UncheckedAdvice::DontNeedLocked,
        UncheckedAdvice::HwPoison,
        #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
        UncheckedAdvice::SoftOffline,
        UncheckedAdvice::GuardInstall,
        UncheckedAdvice::GuardRemove,
    ]
}

#[test]
fn normal_advice_is_supported() {
    assert!(Advice::Normal.is_supported());
}

/// Advice that works on memory frames (`HwPoison`, `SoftOffline`): the kernel knows it
/// only when built with `CONFIG_MEMORY_FAILURE`.
fn is_memory_failure(a: UncheckedAdvice) -> bool {
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    if a == UncheckedAdvice::SoftOffline {
        return true;
    }
    a == UncheckedAdvice::HwPoison
}

/// Linux 6.18 knows every advice the crate defines, except the memory-failure ones,
/// which depend on the kernel's configuration (next test). qemu-user accepts any value,
/// so there this holds trivially.
#[test]
fn every_advice_variant_is_known() {
    for a in ADVICE {
        assert!(a.is_supported(), "{a:?}");
    }
    for a in unchecked_advice() {
        if !is_memory_failure(a) {
            assert!(a.is_supported(), "{a:?}");
        }
    }
}

/// `HwPoison` and `SoftOffline` are supported exactly when the kernel has
/// `CONFIG_MEMORY_FAILURE`, which also creates `/proc/sys/vm/memory_failure_early_kill`:
/// an oracle independent of madvise.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user accepts every madvise advice; asserted natively"
)]
fn memory_failure_advice_is_known_iff_configured() {
    let configured = std::path::Path::new("/proc/sys/vm/memory_failure_early_kill").exists();
    for a in unchecked_advice()
        .into_iter()
        .filter(|&a| is_memory_failure(a))
    {
        assert_eq!(a.is_supported(), configured, "{a:?}");
    }
}

/// `is_supported` asks whether the kernel knows the value, which does not depend on
/// privileges: an unprivileged process gets the same answers as root.
#[test]
fn is_supported_does_not_depend_on_privilege() {
    let unchecked = unchecked_advice();
    let as_root: Vec<bool> = unchecked.iter().map(|a| a.is_supported()).collect();
    let safe_as_root: Vec<bool> = ADVICE.iter().map(|a| a.is_supported()).collect();
    let exit = run_in_child(|| {
        if !become_nobody() {
            return step_failed(1);
        }
        for (i, a) in unchecked.iter().enumerate() {
            if a.is_supported() != as_root[i] {
                return step_failed(10 + i as i32);
            }
        }
        for (i, a) in ADVICE.iter().enumerate() {
            if a.is_supported() != safe_as_root[i] {
                return step_failed(30 + i as i32);
            }
        }
        0
    });
    assert_eq!(exit, ChildExit::Exited(0), "{unchecked:?}");
}

/// Each safe advice applied for real agrees with `is_supported`: a known advice is
/// accepted on a mapping it applies to, anonymous memory and a shared memfd mapping.
/// (`Collapse`: next test.)
#[test]
fn safe_advice_is_accepted_by_the_kernel() {
    let thp = page() * (page() / 8);
    let mut anon = MapOptions::new()
        .len(thp)
        .huge_pages(HugePages::Transparent)
        .map_anonymous()
        .unwrap();
    anon.fill(1);
    let (f, _) = memfd("advice", &pattern(4 * page()));
    // SAFETY: the memfd is private to this test and nobody writes it (advice does not).
    let file = unsafe { MapOptions::new().map_mut(&f) }.unwrap();
    for a in ADVICE {
        assert!(a.is_supported());
        if a == Advice::Collapse {
            continue; // Next test.
        }
        assert_eq!(anon.advise(a), Ok(()), "{a:?} on anonymous memory");
        assert_eq!(anon.advise_range(a, 1, page()), Ok(()), "{a:?} range");
        if !matches!(a, Advice::Collapse | Advice::Mergeable | Advice::HugePage) {
            assert_eq!(file.advise(a), Ok(()), "{a:?} on a shared file mapping");
        }
    }
    assert!(
        anon.iter().all(|&b| b == 1),
        "safe advice changed the contents"
    );
    assert_eq!(file[..], pattern(4 * page())[..]);
}

/// `Collapse` on a huge-page-aligned anonymous range is accepted. Run in a forked child
/// that makes the mapping itself: pages shared with a child forked by another test
/// thread cannot be collapsed (the kernel says EAGAIN).
#[test]
fn collapse_advice_is_accepted_by_the_kernel() {
    let thp = page() * (page() / 8);
    let exit = run_in_child(|| {
        let huge = MapOptions::new()
            .len(thp)
            .huge_pages(HugePages::Transparent);
        let Ok(mut anon) = huge.map_anonymous() else {
            return step_failed(1);
        };
        anon.fill(1);
        if anon.as_ptr().addr() % thp != 0 {
            return step_failed(2);
        }
        if anon.advise(Advice::HugePage).is_err() {
            return step_failed(5);
        }
        if let Err(e) = anon.advise(Advice::Collapse) {
            return i32::from(e.raw());
        }
        if anon.advise_range(Advice::Collapse, 1, page()).is_err() {
            return step_failed(6);
        }
        if !anon.iter().all(|&b| b == 1) {
            return step_failed(7);
        }
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
}

/// The unchecked advice that can be applied without harming the machine is accepted by
/// the kernel on a mapping it applies to (`Remove` needs a shared mapping).
#[test]
fn unchecked_advice_is_accepted_by_the_kernel() {
    let m = MapOptions::new().len(4 * page()).map_anonymous().unwrap();
    let (f, _) = memfd("unchecked-advice", &pattern(4 * page()));
    // SAFETY: the memfd is private to this test; `shared` is the only mapping of it.
    let shared = unsafe { MapOptions::new().map_mut(&f) }.unwrap();
    for a in unchecked_advice() {
        if is_memory_failure(a) {
            continue;
        }
        let target = if a == UncheckedAdvice::Remove {
            &shared
        } else {
            &m
        };
        // SAFETY: no reference into either mapping is alive; their contents are not
        // relied on after this.
        let r = unsafe { target.advise_unchecked(a) };
        assert_eq!(r, Ok(()), "{a:?}");
    }
}

/// Kernel semantics of rejected advice: an unknown value, `MADV_REMOVE` on private
/// anonymous memory, and `MADV_COLLAPSE` of a range advised `NOHUGEPAGE` fail with
/// `EINVAL`.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns 0 for every madvise advice; asserted natively"
)]
fn unknown_or_inapplicable_advice_is_einval() {
    let m = MapOptions::new().len(page()).map_anonymous().unwrap();
    // SAFETY: the calls fail; no reference into the mapping is alive.
    unsafe {
        assert_eq!(m.advise_raw(9999, 0, 1), Err(Errno::INVAL));
        assert_eq!(
            m.advise_unchecked(UncheckedAdvice::Remove),
            Err(Errno::INVAL)
        );
    }
    let thp = page() * (page() / 8);
    let huge = MapOptions::new()
        .len(thp)
        .huge_pages(HugePages::Transparent);
    let h = huge.map_anonymous().unwrap();
    h.advise(Advice::NoHugePage).unwrap();
    assert_eq!(h.advise(Advice::Collapse), Err(Errno::INVAL));
}

/// `MADV_DONTNEED` on private anonymous memory drops the pages: they read as zeros and
/// are no longer resident.
#[test]
fn dontneed_zeroes_private_anonymous_pages() {
    let mut m = MapOptions::new().len(8 * page()).map_anonymous().unwrap();
    m.fill(0xee);
    assert_eq!(m.residency().unwrap().resident, 8);
    // SAFETY: no reference into the mapping is alive.
    unsafe { m.advise_range_unchecked(UncheckedAdvice::DontNeed, page() + 1, 1) }.unwrap();
    assert!(m[page()..2 * page()].iter().all(|&b| b == 0));
    assert!(m[..page()].iter().all(|&b| b == 0xee));
    assert!(m[2 * page()..].iter().all(|&b| b == 0xee));
    // SAFETY: as above.
    unsafe { m.advise_unchecked(UncheckedAdvice::DontNeed) }.unwrap();
    assert!(m.iter().all(|&b| b == 0));
}

/// `MADV_WIPEONFORK`: a forked child sees zeros where the parent keeps its data.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user ignores MADV_WIPEONFORK (returns 0); asserted natively"
)]
fn wipeonfork_child_sees_zeros() {
    let mut m = MapOptions::new().len(2 * page()).map_anonymous().unwrap();
    m.fill(9);
    // SAFETY: no reference into the mapping is alive; the child reads it as zeros.
    unsafe { m.advise_unchecked(UncheckedAdvice::WipeOnFork) }.unwrap();
    let exit = run_in_child(|| {
        if m.iter().all(|&b| b == 0) {
            0
        } else {
            step_failed(1)
        }
    });
    assert_eq!(exit, ChildExit::Exited(0));
    assert!(m.iter().all(|&b| b == 9));
}

/// `MADV_DONTFORK`: a forked child has nothing mapped there and faults on access.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user ignores MADV_DONTFORK (returns 0); asserted natively"
)]
fn dontfork_child_has_no_mapping() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.fill(9);
    // SAFETY: the child touches the range only to fault.
    unsafe { m.advise_unchecked(UncheckedAdvice::DontFork) }.unwrap();
    let p = m.as_ptr();
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_CORE, 0) {
            return step_failed(1);
        }
        // SAFETY: in the parent this is a live page; in the child it is unmapped, and the
        // read is meant to fault.
        let _ = unsafe { p.read_volatile() };
        step_failed(2)
    });
    assert_eq!(exit, ChildExit::Signaled(libc::SIGSEGV));
    assert_eq!(m[0], 9);
}

// ---------------------------------------------------------------------------------------
// Protection
// ---------------------------------------------------------------------------------------

/// After `protect(READ)` reads work and a write faults with SIGSEGV (in a child).
#[test]
fn protect_read_only_makes_writes_fault() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m[0] = 1;
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_CORE, 0) {
            return step_failed(1);
        }
        if m.protect(ProtFlags::READ).is_err() {
            return step_failed(2);
        }
        if m.protection() != ProtFlags::READ || m[0] != 1 {
            return step_failed(3);
        }
        // SAFETY: inside the mapping; the write is meant to fault.
        unsafe { m.as_mut_ptr().write_volatile(2) };
        step_failed(4)
    });
    assert_eq!(exit, ChildExit::Signaled(libc::SIGSEGV));
    // The parent's copy is still writable.
    m[0] = 3;
    m.protect(ProtFlags::READ).unwrap();
    assert_eq!(m.protection(), ProtFlags::READ);
    assert_eq!(m[0], 3);
    assert_eq!(m.write_at(0, b"x"), Err(AccessError::Protection));
    m.protect(rw()).unwrap();
    m[0] = 4;
    assert_eq!(m[0], 4);
}

/// A failed protect (write access to a shared mapping of a read-only descriptor gives
/// `EACCES`) leaves `protection()` and access as they were.
#[test]
fn failed_protect_keeps_protection() {
    let bytes = pattern(page());
    let t = TempFile::new("protect-ro", &bytes);
    let f = File::open(&t.c_path).unwrap();
    // SAFETY: the file is private to this test and nobody writes it.
    let mut m = unsafe { MapOptions::new().map(&f) }.unwrap();
    assert_eq!(m.protect(rw()), Err(Errno::ACCES));
    assert_eq!(m.protection(), ProtFlags::READ);
    assert_eq!(m[..], bytes[..]);
    assert_eq!(m.write_at(0, b"x"), Err(AccessError::Protection));
}

#[test]
#[should_panic(expected = "not readable")]
fn as_slice_of_prot_none_panics() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.protect(ProtFlags::empty()).unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(m.read_at(0, &mut buf), Err(AccessError::Protection));
    let _ = m.as_slice();
}

#[test]
#[should_panic(expected = "not readable")]
fn deref_of_prot_none_panics() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.protect(ProtFlags::empty()).unwrap();
    let _ = m[0];
}

#[test]
#[should_panic(expected = "not writable")]
fn as_mut_slice_of_read_only_mapping_panics() {
    let (f, _) = memfd("mut-slice-ro", &pattern(page()));
    // SAFETY: the memfd is private to this test and nobody writes it.
    let mut m = unsafe { MapOptions::new().map(&f) }.unwrap();
    m.as_mut_slice()[0] = 1;
}

#[test]
#[should_panic(expected = "not writable")]
fn deref_mut_after_protect_read_panics() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.protect(ProtFlags::READ).unwrap();
    m[0] = 1;
}

// ---------------------------------------------------------------------------------------
// Residency and locking
// ---------------------------------------------------------------------------------------

/// A fresh anonymous mapping has no resident pages; touching three makes three resident.
#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-user 7.2 passes mincore to the host, which answers per 4 KiB host page where sparc64 has 8 KiB pages; asserted natively"
)]
fn residency_counts_touched_pages() {
    let p = page();
    let mut m = MapOptions::new().len(16 * p).map_anonymous().unwrap();
    let r = m.residency().unwrap();
    assert_eq!((r.resident, r.pages), (0, 16));
    for i in [0, 5, 15] {
        m[i * p + 3] = 1;
    }
    let r = m.residency().unwrap();
    assert_eq!((r.resident, r.pages), (3, 16));
}

/// `populate` faults every page in at once.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 does not prefault MAP_POPULATE (mincore: 0); asserted natively"
)]
fn populate_makes_every_page_resident() {
    let m = MapOptions::new()
        .len(16 * page())
        .populate()
        .map_anonymous()
        .unwrap();
    assert_eq!(m.residency().unwrap().resident, 16);
}

// ---------------------------------------------------------------------------------------
// Sequential readers: MapOptions::sequential
// ---------------------------------------------------------------------------------------

/// `sequential` gives the mapping `MADV_SEQUENTIAL` (smaps `VmFlags` "sr") and maps every
/// page before returning (smaps `Rss` is the whole mapping), while a plain mapping of the
/// same cached file has neither until it is touched. The bytes are the file's.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 accepts madvise without passing it on (no VmFlags, no populate); asserted natively"
)]
fn sequential_advises_and_maps_every_page_up_front() {
    let pages = 64;
    let data = pattern(pages * page());
    let (f, name) = memfd("sequential", &data);
    // SAFETY: the memfd is private to this test; nothing writes or truncates it.
    let plain = unsafe { MapOptions::new().map(&f) }.unwrap();
    let p = plain.as_ptr().cast();
    assert_eq!(
        common::smaps_bytes(p, "Rss"),
        0,
        "plain: nothing mapped yet"
    );
    assert!(!common::vm_flags(p).contains(&"sr".to_string()));
    // SAFETY: as above.
    let seq = unsafe { MapOptions::new().sequential().map(&f) }.unwrap();
    let p = seq.as_ptr().cast();
    assert_eq!(common::smaps_bytes(p, "Rss"), (pages * page()) as u64);
    assert!(common::vm_flags(p).contains(&"sr".to_string()));
    assert_eq!(seq.residency().unwrap().resident, pages);
    assert_eq!(&seq[..], &data[..]);
    drop((plain, seq));
    assert!(!maps_mention(&name));
}

/// A file that is not in the page cache is read in by `map` itself: `mincore` finds no
/// page cached before and every page after. (The file is written back and dropped from
/// the cache with `posix_fadvise(DONTNEED)`, in cargo's temporary directory for tests,
/// on the file system of `target/`.)
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 accepts MADV_POPULATE_READ without populating; asserted natively"
)]
fn sequential_reads_an_uncached_file_in() {
    let pages = 32;
    let data = pattern(pages * page());
    let tmp = TempFile::new("sequential-cold", &data);
    let f = File::open(&tmp.c_path).unwrap();
    std::fs::File::open(&tmp.path).unwrap().sync_all().unwrap();
    // SAFETY: fadvise on our open descriptor; DONTNEED only drops clean cached pages.
    let r = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(r, 0);
    // SAFETY: the file is private to this test; nothing writes or truncates it.
    let plain = unsafe { MapOptions::new().map(&f) }.unwrap();
    assert_eq!(
        plain.residency().unwrap().resident,
        0,
        "the file must start out of the page cache ({} on a file system that keeps it?)",
        env!("CARGO_TARGET_TMPDIR")
    );
    drop(plain);
    // SAFETY: as above.
    let seq = unsafe { MapOptions::new().sequential().map(&f) }.unwrap();
    assert_eq!(seq.residency().unwrap().resident, pages);
    assert_eq!(&seq[..], &data[..]);
}

/// Pages wholly past the end of the file cannot be read (a touch raises SIGBUS), so
/// populating them fails: the kernel's `EFAULT` is returned, and the mapping is gone.
/// Without `sequential` the same range maps (see `offset_past_eof_with_len_is_mapped`).
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 accepts MADV_POPULATE_READ without populating, so nothing faults; asserted natively"
)]
fn sequential_past_the_end_of_the_file_is_efault() {
    let (f, name) = memfd("sequential-past-eof", &pattern(2 * page()));
    // SAFETY: the memfd is private to this test; the pages past EOF are never touched.
    let r = unsafe { MapOptions::new().len(4 * page()).sequential().map(&f) };
    assert_eq!(r.err(), Some(Errno::FAULT));
    assert!(!maps_mention(&name));
    // The last byte of the file is still fine: a partial last page reads as zeros.
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().len(2 * page()).sequential().map(&f) }.unwrap();
    assert_eq!(m.residency().unwrap().resident, 2);
}

/// What `sequential` does not change: an empty mapping makes no call, offsets keep their
/// hidden prefix, anonymous and writable mappings work as without it.
#[test]
fn sequential_keeps_every_other_rule() {
    let data = pattern(8 * page());
    let (f, _name) = memfd("sequential-rules", &data);
    // SAFETY: the memfd is private to this test; nothing else writes or truncates it.
    let empty = unsafe { MapOptions::new().len(0).sequential().map(&f) }.unwrap();
    assert!(empty.is_empty());
    // SAFETY: as above.
    let m = unsafe {
        MapOptions::new()
            .offset(3 * page() as u64 + 5)
            .sequential()
            .map(&f)
    }
    .unwrap();
    assert_eq!(&m[..], &data[3 * page() + 5..]);
    // SAFETY: as above; this test is the only writer.
    let mut w = unsafe { MapOptions::new().sequential().map_mut(&f) }.unwrap();
    w[7] = 99;
    assert_eq!(file_bytes(&f)[7], 99);
    let mut a = MapOptions::new()
        .len(4 * page())
        .sequential()
        .map_anonymous()
        .unwrap();
    assert!(a.iter().all(|&b| b == 0));
    a[0] = 1;
    assert_eq!(a[0], 1);
}

/// Within the memlock limit (or as root), `lock` faults the pages in and `unlock`
/// undoes it.
#[test]
fn lock_and_unlock_succeed_within_the_limit() {
    let m = MapOptions::new().len(4 * page()).map_anonymous().unwrap();
    assert_eq!(m.residency().unwrap().resident, 0);
    m.lock().unwrap();
    assert_eq!(m.residency().unwrap().resident, 4);
    m.unlock().unwrap();
}

/// `MAP_LOCKED` over `RLIMIT_MEMLOCK` for an unprivileged process: `EAGAIN`
/// (checklist 27), nothing leaked; a locked mapping within the limit works.
#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-user 7.2 passes mincore to the host, which answers per 4 KiB host page where sparc64 has 8 KiB pages; asserted natively"
)]
fn map_locked_over_memlock_limit_is_eagain() {
    let limit = 16 * page();
    support::unprivileged_child_with_memlock(limit, Errno::AGAIN, || {
        MapOptions::new().len(64 * page()).locked().map_anonymous()
    });
}

/// `mlock` over `RLIMIT_MEMLOCK` for an unprivileged process: `ENOMEM` (checklist 27),
/// and the mapping is unchanged.
#[test]
fn lock_over_memlock_limit_is_enomem() {
    let m = MapOptions::new().len(64 * page()).map_anonymous().unwrap();
    let limit = 16 * page();
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_MEMLOCK, limit as u64) {
            return step_failed(1);
        }
        if !become_nobody() {
            return step_failed(2);
        }
        let small = match MapOptions::new().len(page()).map_anonymous() {
            Ok(s) => s,
            Err(_) => return step_failed(3),
        };
        if small.lock().is_err() {
            return step_failed(4);
        }
        let code = err_code(m.lock());
        if m.len() != 64 * page() {
            return step_failed(5);
        }
        code
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

/// `mlock2(MLOCK_ONFAULT)` over the limit: `ENOMEM` as for mlock.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user 7.2 has no mlock2 (ENOSYS); asserted natively"
)]
fn lock_on_fault_over_memlock_limit_is_enomem() {
    let m = MapOptions::new().len(64 * page()).map_anonymous().unwrap();
    m.lock_on_fault().unwrap();
    m.unlock().unwrap();
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_MEMLOCK, 16 * page() as u64) || !become_nobody() {
            return step_failed(1);
        }
        err_code(m.lock_on_fault())
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

/// Under a lowered `RLIMIT_AS`, a mapping that would pass it fails with `ENOMEM` and
/// leaks nothing, while a small one still fits (checklist 28).
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user does not apply RLIMIT_AS to the guest; asserted natively"
)]
fn mapping_over_rlimit_as_is_enomem() {
    let (f, _) = memfd("rlimit-as", &pattern(page()));
    let mut status = vec![0u8; 1 << 14];
    let mut before = vec![0u8; 1 << 20];
    let mut after = vec![0u8; 1 << 20];
    let exit = run_in_child(|| {
        let Some(vm) = support::vm_size(&mut status) else {
            return step_failed(1);
        };
        if !set_soft_rlimit(libc::RLIMIT_AS, vm + (8 << 20)) {
            return step_failed(2);
        }
        match MapOptions::new().len(1 << 20).map_anonymous() {
            Ok(m) if m.len() == 1 << 20 => {}
            _ => return step_failed(3),
        }
        let Some(n1) = support::maps_snapshot(&mut before) else {
            return step_failed(4);
        };
        let anon = MapOptions::new().len(64 << 20).map_anonymous();
        if anon.as_ref().err() != Some(&Errno::NOMEM) {
            return step_failed(5);
        }
        // SAFETY: the memfd is private to this test; the call fails.
        let file = unsafe { MapOptions::new().len(64 << 20).map(&f) };
        let Some(n2) = support::maps_snapshot(&mut after) else {
            return step_failed(6);
        };
        if !support::same_ranges(&before[..n1], &after[..n2]) {
            return step_failed(7);
        }
        err_code(file)
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

// ---------------------------------------------------------------------------------------
// Remap (checklist 18, 19)
// ---------------------------------------------------------------------------------------

/// Growing into an occupied neighbour without `MAYMOVE` fails with `ENOMEM` and keeps
/// the old mapping (address, length, contents); with `MAYMOVE` it moves and keeps them.
#[test]
fn remap_grow_into_occupied_neighbour_keeps_the_mapping() {
    let p = page();
    let base = common::map_anon(2 * p, rw());
    let second = base.wrapping_byte_add(p);
    // SAFETY: the second page of the fresh mapping above; making it read-only splits it
    // into its own VMA, the neighbour `a` cannot grow into.
    unsafe { raw::mprotect(second, p, ProtFlags::READ) }.unwrap();
    let bytes = |ptr: *mut core::ffi::c_void| {
        NonNull::slice_from_raw_parts(NonNull::new(ptr.cast::<u8>()).unwrap(), p)
    };
    // SAFETY: each page is part of the mapping made above, owned by nothing else, and
    // has the protection given.
    let (mut a, b) = unsafe {
        (
            Mapping::from_raw(bytes(base), rw()),
            Mapping::from_raw(bytes(second), ProtFlags::READ),
        )
    };
    a.fill(0x42);
    let at = a.as_ptr();
    assert_eq!(a.remap(2 * p, RemapFlags::empty()), Err(Errno::NOMEM));
    assert_eq!((a.as_ptr(), a.len()), (at, p));
    assert!(a.iter().all(|&x| x == 0x42));
    assert!(b.iter().all(|&x| x == 0));
    a.remap(3 * p, RemapFlags::MAYMOVE).unwrap();
    assert_ne!(a.as_ptr(), at, "could not grow in place, so it moved");
    assert_eq!(a.len(), 3 * p);
    assert!(a[..p].iter().all(|&x| x == 0x42));
    assert!(a[p..].iter().all(|&x| x == 0));
    assert!(b.iter().all(|&x| x == 0));
}

/// `remap` refuses `FIXED` and `DONTUNMAP` (they have their own methods), a zero length,
/// and growing an empty mapping, all with `EINVAL` and the mapping unchanged.
#[test]
fn remap_rejects_bad_requests_with_einval() {
    let mut m = MapOptions::new().len(2 * page()).map_anonymous().unwrap();
    m.fill(5);
    let at = m.as_ptr();
    for flags in [
        RemapFlags::FIXED,
        RemapFlags::DONTUNMAP,
        RemapFlags::MAYMOVE | RemapFlags::FIXED,
        RemapFlags::MAYMOVE | RemapFlags::DONTUNMAP,
        RemapFlags::from_bits_retain(0x80),
    ] {
        assert_eq!(m.remap(4 * page(), flags), Err(Errno::INVAL), "{flags:?}");
    }
    assert_eq!(m.remap(0, RemapFlags::MAYMOVE), Err(Errno::INVAL));
    assert_eq!(m.remap(usize::MAX, RemapFlags::MAYMOVE), Err(Errno::NOMEM));
    assert_eq!((m.as_ptr(), m.len()), (at, 2 * page()));
    assert!(m.iter().all(|&b| b == 5));
    let mut empty = MapOptions::new().len(0).map_anonymous().unwrap();
    assert_eq!(empty.remap(page(), RemapFlags::MAYMOVE), Err(Errno::INVAL));
    empty.remap(0, RemapFlags::MAYMOVE).unwrap();
    assert!(empty.is_empty());
}

/// Shared anonymous memory is backed by a hidden file of the size first mapped: mremap
/// can grow the mapping, but touching the grown pages raises SIGBUS (shown with raw
/// calls in a child). So safe `remap` refuses to grow it (`EINVAL`), like a file
/// mapping, and still shrinks it.
#[test]
fn remap_does_not_grow_shared_anonymous_memory() {
    let p = page();
    let exit = run_in_child(|| {
        if !set_soft_rlimit(libc::RLIMIT_CORE, 0) {
            return step_failed(1);
        }
        let Ok(mut m) = MapOptions::new().len(p).shared().map_anonymous() else {
            return step_failed(2);
        };
        let old = m.as_mut_ptr().cast();
        // SAFETY: the pages are the Mapping's, which is forgotten: the raw calls own them.
        let Ok(grown) = (unsafe { raw::mremap(old, p, 2 * p, RemapFlags::MAYMOVE, old) }) else {
            return step_failed(3);
        };
        std::mem::forget(m);
        // SAFETY: the grown range is mapped; the write is expected to raise SIGBUS.
        unsafe { grown.cast::<u8>().add(p).write_volatile(1) };
        0
    });
    // The crate's SIGBUS (10 on mips and sparc): libc 0.2.191 has 7 for mips64-gnu.
    assert_eq!(
        exit,
        ChildExit::Signaled(rawmap::sys::signal::SIGBUS as i32)
    );

    let mut m = MapOptions::new()
        .len(2 * p)
        .shared()
        .map_anonymous()
        .unwrap();
    m.fill(9);
    assert_eq!(m.remap(3 * p, RemapFlags::MAYMOVE), Err(Errno::INVAL));
    assert_eq!(m.len(), 2 * p);
    m.remap(p, RemapFlags::MAYMOVE).unwrap();
    assert_eq!(m.len(), p);
    assert!(m.iter().all(|&b| b == 9));
}

/// Advice the kernel records per region, given to part of a mapping, splits its region:
/// growing the mapping then fails with `EFAULT` (mremap resizes one region), the mapping
/// unchanged; shrinking works; the same advice over the whole mapping merges it back and
/// growing works again. (Found by tests/model.rs; documented on `Mapping::remap`.)
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns success for madvise hints without passing them on; asserted natively"
)]
fn remap_grow_after_partial_advice_is_efault() {
    let p = page();
    let mut m = MapOptions::new().len(3 * p).map_anonymous().unwrap();
    m.fill(4);
    m.advise_range(Advice::Random, 0, 1).unwrap();
    let at = m.as_ptr();
    assert_eq!(m.remap(4 * p, RemapFlags::MAYMOVE), Err(Errno::FAULT));
    assert_eq!((m.as_ptr(), m.len()), (at, 3 * p));
    assert!(m.iter().all(|&b| b == 4));
    m.remap(2 * p, RemapFlags::MAYMOVE).unwrap();
    m.advise(Advice::Random).unwrap();
    m.remap(4 * p, RemapFlags::MAYMOVE).unwrap();
    assert!(m[..2 * p].iter().all(|&b| b == 4));
}

/// Growing and shrinking with `MAYMOVE` keep the contents up to the smaller length; a
/// file mapping with a hidden prefix shows the following file bytes when it grows.
#[test]
fn remap_grow_and_shrink_keep_contents() {
    let p = page();
    let mut m = MapOptions::new().len(3 * p).map_anonymous().unwrap();
    for (i, b) in m.iter_mut().enumerate() {
        *b = (i % 253) as u8;
    }
    m.remap(64 * p + 3, RemapFlags::MAYMOVE).unwrap();
    assert_eq!(m.len(), 64 * p + 3);
    assert!(
        m[..3 * p]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 253) as u8)
    );
    assert!(m[3 * p..].iter().all(|&b| b == 0));
    m.remap(p + 1, RemapFlags::MAYMOVE).unwrap();
    assert_eq!(m.len(), p + 1);
    assert!(m.iter().enumerate().all(|(i, &b)| b == (i % 253) as u8));
    m.remap(p - 1, RemapFlags::empty()).unwrap();
    assert_eq!(m.len(), p - 1);

    let bytes = pattern(8 * p);
    let (f, name) = memfd("remap-file", &bytes);
    // SAFETY: the memfd is private to this test and nobody writes it.
    let mut fm = unsafe { MapOptions::new().offset(p as u64 + 7).len(10).map(&f) }.unwrap();
    assert_eq!(fm[..], bytes[p + 7..p + 17]);
    // Safe remap never grows a file mapping: only the caller knows the file is long enough.
    assert_eq!(fm.remap(5 * p, RemapFlags::MAYMOVE), Err(Errno::INVAL));
    assert_eq!(fm[..], bytes[p + 7..p + 17]);
    // SAFETY: the memfd is 8 pages long, more than offset + 5 pages, and nobody writes it.
    unsafe { fm.remap_file(5 * p, RemapFlags::MAYMOVE) }.unwrap();
    assert_eq!(fm[..], bytes[p + 7..6 * p + 7]);
    fm.remap(3, RemapFlags::MAYMOVE).unwrap();
    assert_eq!(fm[..], bytes[p + 7..p + 10]);
    drop(fm);
    assert!(!maps_mention(&name));
}

/// `remap_dontunmap` moves the pages: `self` keeps the data at a new address, and the
/// returned old range stays mapped and reads as zeros (anonymous memory).
#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user 7.2 leaves a 32-bit guest's MREMAP_DONTUNMAP source inaccessible (reading it is SIGSEGV); asserted natively (x86_64, i686)"
)]
fn remap_dontunmap_leaves_zeroed_old_range() {
    let mut m = MapOptions::new().len(3 * page()).map_anonymous().unwrap();
    m.fill(0x77);
    let at = m.as_ptr();
    let old = m.remap_dontunmap().unwrap();
    assert_eq!(old.as_ptr(), at);
    assert_ne!(m.as_ptr(), at);
    assert_eq!((old.len(), m.len()), (3 * page(), 3 * page()));
    assert!(m.iter().all(|&b| b == 0x77));
    assert!(old.iter().all(|&b| b == 0));
    let mut empty = MapOptions::new().len(0).map_anonymous().unwrap();
    assert_eq!(empty.remap_dontunmap().unwrap_err(), Errno::INVAL);
}

// ---------------------------------------------------------------------------------------
// Ownership
// ---------------------------------------------------------------------------------------

/// `into_raw` keeps the pages mapped and hands out exactly the user's bytes; `from_raw`
/// takes them back (recomputing the hidden prefix), and dropping that unmaps them.
#[test]
fn into_raw_from_raw_round_trip_then_drop_unmaps() {
    let p = page();
    let bytes = pattern(4 * p);
    let (f, name) = memfd("into-raw", &bytes);
    // SAFETY: the memfd is private to this test and nobody writes it.
    let m = unsafe { MapOptions::new().offset(p as u64 + 9).len(2 * p).map(&f) }.unwrap();
    let raw_bytes = m.into_raw();
    assert_eq!(raw_bytes.len(), 2 * p);
    assert_eq!(raw_bytes.cast::<u8>().as_ptr().addr() % p, 9);
    assert!(maps_mention(&name), "into_raw must not unmap");
    // SAFETY: `raw_bytes` came from `into_raw` of a read-only mapping of this memfd.
    let back = unsafe { Mapping::from_raw(raw_bytes, ProtFlags::READ) };
    assert_eq!(back.len(), 2 * p);
    assert_eq!(back[..], bytes[p + 9..3 * p + 9]);
    drop(back);
    assert!(!maps_mention(&name));
}

/// Dropping a mapping unmaps it: anonymous mappings leave the maps as they were.
#[test]
fn drop_unmaps_anonymous_mappings() {
    let exit = child_maps_unchanged(|| {
        let mut m = match MapOptions::new().len(5 * page() + 1).map_anonymous() {
            Ok(m) => m,
            Err(e) => return i32::from(e.raw()),
        };
        m.fill(1);
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
}

/// The leak check of anonymous mappings can fail: a forgotten mapping is seen.
#[test]
fn leak_check_sees_a_leaked_anonymous_mapping() {
    let exit = child_maps_unchanged(|| match MapOptions::new().len(page()).map_anonymous() {
        Ok(m) => {
            let _ = m.into_raw();
            0
        }
        Err(e) => i32::from(e.raw()),
    });
    assert_eq!(exit, ChildExit::Exited(support::MAPS_CHANGED));
}

/// A `Mapping` moves to another thread and is read there; `&Mapping` is shared by
/// several threads at once.
#[test]
fn mapping_is_send_and_sync() {
    let mut m = MapOptions::new().len(2 * page()).map_anonymous().unwrap();
    m.fill(0x31);
    let m = std::thread::spawn(move || {
        assert!(m.iter().all(|&b| b == 0x31));
        m
    })
    .join()
    .unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut buf = [0u8; 8];
                m.read_at(page() - 4, &mut buf).unwrap();
                assert_eq!(buf, [0x31; 8]);
                assert_eq!(m.residency().unwrap().pages, 2);
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// map_if_safe and seals (checklist 26)
// ---------------------------------------------------------------------------------------

/// Files whose contents the kernel does not freeze get `None`: memfds without the seals
/// (with and without `ALLOW_SEALING`, or with only one of SHRINK and WRITE) and a
/// regular file without fs-verity.
#[test]
fn map_if_safe_is_none_without_seals_or_verity() {
    let (f, name) = memfd("if-safe-unsealed", &pattern(page()));
    assert!(MapOptions::new().map_if_safe(&f).unwrap().is_none());
    f.add_seals(SealFlags::GROW).unwrap();
    assert!(MapOptions::new().map_if_safe(&f).unwrap().is_none());
    f.add_seals(SealFlags::SHRINK).unwrap();
    assert!(MapOptions::new().map_if_safe(&f).unwrap().is_none());

    let (g, _) = memfd("if-safe-write-only-seal", &pattern(page()));
    g.add_seals(SealFlags::WRITE | SealFlags::FUTURE_WRITE)
        .unwrap();
    assert!(MapOptions::new().map_if_safe(&g).unwrap().is_none());

    let no_sealing = File::memfd(c"rawmap-no-sealing", MemfdFlags::CLOEXEC).unwrap();
    no_sealing.set_len(page() as u64).unwrap();
    assert_eq!(no_sealing.seals().unwrap(), SealFlags::SEAL);
    assert!(
        MapOptions::new()
            .map_if_safe(&no_sealing)
            .unwrap()
            .is_none()
    );

    let t = TempFile::new("if-safe-regular", &pattern(page()));
    let regular = File::open(&t.c_path).unwrap();
    assert!(MapOptions::new().map_if_safe(&regular).unwrap().is_none());
    assert!(!maps_mention(&name));
    assert!(!maps_mention(&t.name));
}

/// A memfd sealed against shrinking and writing maps safely, read-only, with its
/// contents; writes to it then fail, and it cannot be mapped writable any more.
#[test]
fn map_if_safe_maps_a_sealed_memfd() {
    let bytes = pattern(2 * page() + 5);
    let (f, name) = memfd("if-safe-sealed", &bytes);
    f.add_seals(SealFlags::SHRINK | SealFlags::WRITE).unwrap();
    let mut m = MapOptions::new()
        .map_if_safe(&f)
        .unwrap()
        .expect("sealed memfd");
    assert_eq!(m.len(), bytes.len());
    assert_eq!(m[..], bytes[..]);
    assert_eq!(m.protection(), ProtFlags::READ);
    assert_eq!(m.write_at(0, b"x"), Err(AccessError::Protection));
    let part = MapOptions::new()
        .offset(page() as u64 + 1)
        .len(3)
        .map_if_safe(&f);
    assert_eq!(part.unwrap().unwrap()[..], bytes[page() + 1..page() + 4]);
    assert!(maps_mention(&name));
    // SAFETY: the call fails: the file is sealed against writing.
    let denied = unsafe { MapOptions::new().map_mut(&f) };
    assert_eq!(denied.unwrap_err(), Errno::PERM);
    assert_eq!(f.set_len(1), Err(Errno::PERM));
    // The mapping is private: made writable, its writes stay in it.
    m.protect(rw()).unwrap();
    m[0] = !bytes[0];
    assert_eq!(file_bytes(&f), bytes);
    drop(m);
    assert!(!maps_mention(&name));
}

/// A range past the end of a sealed memfd is refused (`EINVAL`): its whole pages past
/// the end would raise SIGBUS when read through the safe slice. Within the file, up to
/// its exact end, is fine.
#[test]
fn map_if_safe_refuses_a_range_past_the_end() {
    let bytes = pattern(page() + 10);
    let (f, name) = memfd("if-safe-past-end", &bytes);
    f.add_seals(SealFlags::SHRINK | SealFlags::WRITE).unwrap();
    let size = bytes.len();
    for (off, len) in [
        (0, 3 * page()),
        (0, size + 1),
        (page() as u64, 11),
        (size as u64, 1),
    ] {
        let r = MapOptions::new().offset(off).len(len).map_if_safe(&f);
        assert_eq!(r.unwrap_err(), Errno::INVAL, "offset {off} len {len}");
    }
    let r = MapOptions::new().offset(u64::MAX).len(2).map_if_safe(&f);
    assert_eq!(r.unwrap_err(), Errno::OVERFLOW);
    let r = MapOptions::new().offset(2 * page() as u64).map_if_safe(&f);
    assert_eq!(r.unwrap_err(), Errno::INVAL);
    assert!(!maps_mention(&name));
    let m = MapOptions::new()
        .offset(page() as u64)
        .len(10)
        .map_if_safe(&f)
        .unwrap();
    assert_eq!(m.unwrap()[..], bytes[page()..]);
    let whole = MapOptions::new()
        .len(size)
        .map_if_safe(&f)
        .unwrap()
        .unwrap();
    assert_eq!(whole[..], bytes[..]);
}

/// A mapping from `map_if_safe` cannot grow (`EINVAL`, unchanged): its file ends where
/// it does, and pages past the end would raise SIGBUS through the safe slices. It can
/// shrink. Mappings from the `unsafe` constructors grow as before.
#[test]
fn map_if_safe_mapping_cannot_grow() {
    let bytes = pattern(page());
    let (f, _) = memfd("if-safe-grow", &bytes);
    f.add_seals(SealFlags::SHRINK | SealFlags::WRITE).unwrap();
    let mut m = MapOptions::new().map_if_safe(&f).unwrap().unwrap();
    let at = m.as_ptr();
    for flags in [RemapFlags::empty(), RemapFlags::MAYMOVE] {
        assert_eq!(m.remap(3 * page(), flags), Err(Errno::INVAL));
        assert_eq!(m.remap(page() + 1, flags), Err(Errno::INVAL));
    }
    assert_eq!((m.as_ptr(), m.len()), (at, page()));
    assert_eq!(m[..], bytes[..]);
    m.remap(10, RemapFlags::empty()).unwrap();
    assert_eq!(m[..], bytes[..10]);
    assert_eq!(m.remap(11, RemapFlags::MAYMOVE), Err(Errno::INVAL));
    // SAFETY: the memfd is private to this test; the grown pages are never touched.
    let mut unsafe_made = unsafe { MapOptions::new().map(&f) }.unwrap();
    assert_eq!(
        unsafe_made.remap(3 * page(), RemapFlags::MAYMOVE),
        Err(Errno::INVAL)
    );
    // SAFETY: as above: growth past the end is vouched for by the caller, and the grown
    // pages are never touched.
    unsafe { unsafe_made.remap_file(3 * page(), RemapFlags::MAYMOVE) }.unwrap();
    assert_eq!(unsafe_made.len(), 3 * page());
}

/// `F_SEAL_WRITE` cannot be added while a writable shared mapping exists (`EBUSY`); it
/// can once that mapping is dropped. Run in a forked child: a child forked by another
/// test thread would inherit the writable mapping and keep the seal busy.
#[test]
fn seal_write_while_writably_mapped_is_ebusy() {
    let exit = run_in_child(|| {
        let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
        let Ok(f) = File::memfd(c"rawmap-seal-busy", flags) else {
            return step_failed(1);
        };
        if f.set_len(page() as u64).is_err() {
            return step_failed(2);
        }
        // SAFETY: the memfd is private to this child; only `w` writes it.
        let Ok(mut w) = (unsafe { MapOptions::new().map_mut(&f) }) else {
            return step_failed(3);
        };
        w[0] = 1;
        if f.add_seals(SealFlags::WRITE) != Err(Errno::BUSY) {
            return step_failed(4);
        }
        if f.seals() != Ok(SealFlags::empty()) {
            return step_failed(5);
        }
        drop(w);
        if f.add_seals(SealFlags::WRITE).is_err() || f.seals() != Ok(SealFlags::WRITE) {
            return step_failed(6);
        }
        // SAFETY: the call fails: the file is sealed against writing.
        err_code(unsafe { MapOptions::new().map_mut(&f) })
    });
    assert_eq!(exit, ChildExit::errno(Errno::PERM));
}

// ---------------------------------------------------------------------------------------
// MAP_SHARED_VALIDATE (checklist 11, 12)
// ---------------------------------------------------------------------------------------

/// `validate` on a shared file mapping: the kernel knows every flag, so it maps, and
/// writes reach the file.
#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user rejects MAP_SHARED_VALIDATE with EINVAL; asserted natively"
)]
fn validate_maps_shared_files() {
    let (f, _) = memfd("validate", &pattern(page()));
    // SAFETY: the memfd is private to this test; only `m` writes it.
    let mut m = unsafe { MapOptions::new().validate().populate().map_mut(&f) }.unwrap();
    m[0] = !m[0];
    assert_eq!(file_bytes(&f)[0], m[0]);
}

/// `validate` with `shared` anonymous memory: the kernel refuses `EINVAL`; without
/// `shared` validate does not apply.
#[test]
fn validate_on_anonymous_shared_is_einval() {
    anon_fails_without_leak(Errno::INVAL, || {
        MapOptions::new()
            .len(page())
            .shared()
            .validate()
            .map_anonymous()
    });
    let m = MapOptions::new()
        .len(page())
        .validate()
        .map_anonymous()
        .unwrap();
    assert_eq!(m.len(), page());
}

/// `shared` anonymous memory is seen by a forked child's writes.
#[test]
fn shared_anonymous_memory_is_shared_with_children() {
    let mut m = MapOptions::new()
        .len(page())
        .shared()
        .map_anonymous()
        .unwrap();
    let exit = run_in_child(|| {
        m[..5].copy_from_slice(b"child");
        0
    });
    assert_eq!(exit, ChildExit::Exited(0));
    assert_eq!(&m[..5], b"child");
}

/// Test helpers this file needs beyond `common`: files with contents, maps snapshots
/// taken without allocating (for forked children), rlimits and dropping root.
mod support {
    use std::ffi::CString;
    use std::path::PathBuf;

    use super::common::{
        self, ChildExit, become_nobody, err_code, run_in_child, set_soft_rlimit, step_failed,
    };
    use rawmap::fd::{AsRawFd, BorrowedFd};
    use rawmap::{Errno, File, MapOptions, Mapping, MemfdFlags, OpenFlags, raw};

    /// Exit code of a child whose maps changed across a call that should leave them.
    pub const MAPS_CHANGED: i32 = 199;

    /// Bytes that differ from page to page at the same in-page offset.
    pub fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// A memfd (sealable) holding `contents`, and its name. The name ends in `.` so that
    /// it is never a prefix of another name in /proc/self/maps.
    pub fn memfd(tag: &str, contents: &[u8]) -> (File, String) {
        let name = format!("{}.", common::unique_name(tag));
        let c = CString::new(name.clone()).unwrap();
        let f = File::memfd(&c, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).unwrap();
        write_all(&f, contents);
        (f, name)
    }

    fn write_all(f: &File, mut buf: &[u8]) {
        while !buf.is_empty() {
            // SAFETY: `buf` is valid for reads of its length.
            let n = unsafe { raw::write(f.as_raw_fd(), buf.as_ptr(), buf.len()) }.unwrap();
            buf = &buf[n..];
        }
    }

    /// The whole contents of `f`, read through a new open file description.
    pub fn file_bytes(f: &File) -> Vec<u8> {
        std::fs::read(format!("/proc/self/fd/{}", f.as_raw_fd())).unwrap()
    }

    /// `f` opened again with other access flags.
    pub fn reopen(f: &File, flags: OpenFlags) -> File {
        let path = CString::new(format!("/proc/self/fd/{}", f.as_raw_fd())).unwrap();
        File::open_at(raw::AT_FDCWD, &path, flags, 0).unwrap()
    }

    pub fn tmp_dir_c() -> CString {
        CString::new(env!("CARGO_TARGET_TMPDIR")).unwrap()
    }

    /// A regular file with a unique name in cargo's temporary directory for tests,
    /// removed on drop.
    pub struct TempFile {
        pub path: PathBuf,
        pub c_path: CString,
        pub name: String,
    }

    impl TempFile {
        pub fn new(tag: &str, contents: &[u8]) -> Self {
            let name = format!("{}.", common::unique_name(tag));
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(&name);
            std::fs::write(&path, contents).unwrap();
            let c_path = CString::new(path.to_str().unwrap()).unwrap();
            Self { path, c_path, name }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// A descriptor number that cannot be open: `i32::MAX` is above the highest
    /// `fs.nr_open` the kernel allows (`INT_MAX` rounded down to a multiple of 64), so no
    /// descriptor ever gets that number.
    pub fn not_open_fd() -> BorrowedFd<'static> {
        // SAFETY: the number is never open in this process (see above); the BorrowedFd
        // only passes it to the kernel, which answers EBADF. It is not -1 (the niche
        // std's BorrowedFd reserves).
        unsafe { BorrowedFd::borrow_raw(i32::MAX) }
    }

    /// An address range of `len` bytes that was just mapped and unmapped: free unless
    /// another thread maps there in between (use it in a forked child to be sure).
    pub fn free_range(len: usize) -> usize {
        let m = MapOptions::new().len(len).map_anonymous().unwrap();
        m.as_ptr().addr()
    }

    /// Reads /proc/self/maps into `buf` without allocating (safe in a forked child).
    /// `None` if it does not fit or cannot be read.
    pub fn maps_snapshot(buf: &mut [u8]) -> Option<usize> {
        read_proc(c"/proc/self/maps", buf)
    }

    fn read_proc(path: &std::ffi::CStr, buf: &mut [u8]) -> Option<usize> {
        let f = File::open(path).ok()?;
        let mut n = 0;
        while n < buf.len() {
            // SAFETY: the range `buf[n..]` is valid for writes of its length.
            let r = unsafe { raw::read(f.as_raw_fd(), buf[n..].as_mut_ptr(), buf.len() - n) };
            match r {
                Ok(0) => return Some(n),
                Ok(k) => n += k,
                Err(_) => return None,
            }
        }
        None
    }

    /// `VmSize` of /proc/self/status in bytes, read without allocating.
    pub fn vm_size(buf: &mut [u8]) -> Option<u64> {
        let n = read_proc(c"/proc/self/status", buf)?;
        let text = &buf[..n];
        let key = b"VmSize:";
        let at = text.windows(key.len()).position(|w| w == key)? + key.len();
        let mut kb: u64 = 0;
        let mut seen = false;
        for &c in &text[at..] {
            match c {
                b' ' | b'\t' if !seen => {}
                b'0'..=b'9' => {
                    kb = kb * 10 + u64::from(c - b'0');
                    seen = true;
                }
                _ => break,
            }
        }
        seen.then_some(kb * 1024)
    }

    /// Whether two snapshots of /proc/self/maps list the same address ranges with the
    /// same permissions. The rest of a line can change under a still child: a file that
    /// another test deletes gains " (deleted)". Allocates nothing.
    pub fn same_ranges(a: &[u8], b: &[u8]) -> bool {
        /// `start-end perms`: up to the second space.
        fn key(line: &[u8]) -> &[u8] {
            let mut spaces = line.iter().enumerate().filter(|&(_, &c)| c == b' ');
            match spaces.nth(1) {
                Some((i, _)) => &line[..i],
                None => line,
            }
        }
        let mut la = a.split(|&c| c == b'\n');
        let mut lb = b.split(|&c| c == b'\n');
        loop {
            match (la.next(), lb.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if key(x) == key(y) => {}
                _ => return false,
            }
        }
    }

    /// Runs `f` in a forked child between two snapshots of /proc/self/maps. The child
    /// exits with `f`'s result, or [`MAPS_CHANGED`] if the mapped ranges differ
    /// afterwards.
    pub fn child_maps_unchanged(f: impl FnOnce() -> i32) -> ChildExit {
        let mut before = vec![0u8; 1 << 20];
        let mut after = vec![0u8; 1 << 20];
        run_in_child(|| {
            let Some(n1) = maps_snapshot(&mut before) else {
                return step_failed(1);
            };
            let code = f();
            let Some(n2) = maps_snapshot(&mut after) else {
                return step_failed(2);
            };
            if !same_ranges(&before[..n1], &after[..n2]) {
                return MAPS_CHANGED;
            }
            code
        })
    }

    /// Asserts that `f` fails with `expected` and leaves /proc/self/maps unchanged
    /// (checked in a forked child, where no other thread maps anything).
    pub fn anon_fails_without_leak(expected: Errno, f: impl FnOnce() -> rawmap::Result<Mapping>) {
        let exit = child_maps_unchanged(|| err_code(f()));
        assert_eq!(exit, ChildExit::errno(expected));
    }

    /// In an unprivileged child under `RLIMIT_MEMLOCK = limit`: a locked one-page
    /// mapping works, then `f` fails with `expected` and leaks nothing.
    pub fn unprivileged_child_with_memlock(
        limit: usize,
        expected: Errno,
        f: impl FnOnce() -> rawmap::Result<Mapping>,
    ) {
        let exit = child_maps_unchanged(|| {
            if !set_soft_rlimit(libc::RLIMIT_MEMLOCK, limit as u64) {
                return step_failed(3);
            }
            if !become_nobody() {
                return step_failed(4);
            }
            match MapOptions::new()
                .len(common::page())
                .locked()
                .map_anonymous()
            {
                Ok(m) if m.residency().is_ok_and(|r| r.resident == 1) => {}
                Ok(_) => return step_failed(5),
                Err(_) => return step_failed(6),
            }
            err_code(f())
        });
        assert_eq!(exit, ChildExit::errno(expected));
    }
}
