//! The shared API tests: the same `Mapping` / `MapOptions` behaviour on every platform
//! with a backend, checked through std files in the temp directory. They run natively on
//! Linux and under Wine for Windows (x86_64-pc-windows-gnu), and are compiled and linted
//! for macOS (no macOS host here). Platform differences are asserted where they are the
//! documented behaviour (unsupported options, Windows' refusal to map past the end of a
//! file or to truncate a mapped file); everything else is asserted identically.
//!
//! Linux-specific behaviour (rlimits, seals, `/proc` leak checks, remap) is tested in
//! `tests/mapping.rs`, `tests/raw.rs` and `tests/file.rs`.
//!
//! They need the `std` feature (the path helpers, `find`, std files as `MapFile`).
#![cfg(all(
    feature = "std",
    any(target_os = "linux", target_os = "macos", windows)
))]
// `map(&file)` is the form that compiles everywhere (Windows takes `&T: AsRawHandle`);
// on Unix clippy would drop the borrow of temporaries.
#![allow(clippy::needless_borrows_for_generic_args)]

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rawmap::{
    AccessError, Advice, Errno, HugePages, MapOptions, Mapping, ProtFlags, UncheckedAdvice,
    allocation_granularity, page_size,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A file in the temp directory with a name no other test uses, removed on drop. Drop
/// mappings of it first: Windows cannot delete a mapped file.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rawmap-api-{}-{n}-{tag}", std::process::id());
        Self {
            path: std::env::temp_dir().join(name),
        }
    }

    /// A new file holding `bytes`.
    fn with(tag: &str, bytes: &[u8]) -> Self {
        let t = Self::new(tag);
        fs::write(&t.path, bytes).unwrap();
        t
    }

    fn read_only(&self) -> File {
        File::open(&self.path).unwrap()
    }

    fn read_write(&self) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .unwrap()
    }

    fn contents(&self) -> Vec<u8> {
        fs::read(&self.path).unwrap()
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// `n` bytes that differ from their neighbours and from zero pages.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ 0x5a).collect()
}

fn page() -> usize {
    page_size()
}

fn granularity() -> usize {
    allocation_granularity()
}

fn rw() -> ProtFlags {
    ProtFlags::READ | ProtFlags::WRITE
}

// ---------------------------------------------------------------------------------------
// Sizes and units
// ---------------------------------------------------------------------------------------

#[test]
fn page_size_and_granularity_are_sane() {
    assert!(page().is_power_of_two() && page() >= 4096);
    assert!(granularity().is_power_of_two() && granularity() >= page());
    if cfg!(windows) {
        // Every Windows version so far: 64 KiB.
        assert_eq!(granularity(), 65536);
    } else {
        assert_eq!(granularity(), page());
    }
}

// ---------------------------------------------------------------------------------------
// Anonymous memory
// ---------------------------------------------------------------------------------------

#[test]
fn anonymous_memory_is_zeroed_and_writable() {
    let len = 3 * page() + 5;
    let mut m = MapOptions::new().len(len).map_anonymous().unwrap();
    assert_eq!(m.len(), len);
    assert!(!m.is_empty());
    assert_eq!(m.protection(), rw());
    assert!(m.iter().all(|&b| b == 0));
    let p = pattern(len);
    m.copy_from_slice(&p);
    assert_eq!(&m[..], &p[..]);
    let mut buf = [0u8; 9];
    m.read_at(len - 9, &mut buf).unwrap();
    assert_eq!(buf, p[len - 9..]);
    m.write_at(1, b"abc").unwrap();
    assert_eq!(&m[..4], &[p[0], b'a', b'b', b'c']);
    // Flushing memory no file backs succeeds and changes nothing.
    m.flush().unwrap();
    m.flush_async_range(page(), 1).unwrap();
    assert_eq!(&m[4..], &p[4..]);
}

#[test]
fn anonymous_without_len_is_einval() {
    assert_eq!(MapOptions::new().map_anonymous().err(), Some(Errno::INVAL));
}

#[test]
fn zero_len_anonymous_is_empty_and_every_call_succeeds() {
    let mut m = MapOptions::new().len(0).map_anonymous().unwrap();
    assert!(m.is_empty());
    assert_eq!(&m[..], &[] as &[u8]);
    m.flush().unwrap();
    m.flush_async().unwrap();
    m.lock().unwrap();
    m.unlock().unwrap();
    m.advise(Advice::Normal).unwrap();
    assert_eq!(m.residency().unwrap().pages, 0);
    m.protect(ProtFlags::READ).unwrap();
    assert_eq!(m.find(b""), Some(0));
}

#[test]
fn huge_len_is_enomem() {
    let r = MapOptions::new().len(usize::MAX).map_anonymous();
    assert_eq!(r.err(), Some(Errno::NOMEM));
    let r = MapOptions::new()
        .len(isize::MAX as usize + 1)
        .map_anonymous();
    assert_eq!(r.err(), Some(Errno::NOMEM));
}

#[test]
fn shared_anonymous_and_hints_are_accepted() {
    for o in [
        MapOptions::new().len(page()).shared(),
        MapOptions::new().len(page()).stack(),
        MapOptions::new()
            .len(page())
            .huge_pages(HugePages::Transparent),
        MapOptions::new().len(page()).locked(),
    ] {
        let mut m = o.map_anonymous().unwrap_or_else(|e| panic!("{o:?}: {e}"));
        m[0] = 1;
        assert_eq!(m[0], 1);
    }
}

// ---------------------------------------------------------------------------------------
// Files: whole, offsets, zero length, copy-on-write
// ---------------------------------------------------------------------------------------

#[test]
fn read_only_file_mapping_sees_the_file() {
    let p = pattern(3 * granularity() + 100);
    let t = TempFile::with("ro", &p);
    // SAFETY: the test owns the file and does not change it while mapped.
    let m = unsafe { MapOptions::new().map(&t.read_only()) }.unwrap();
    assert_eq!(m.len(), p.len());
    assert_eq!(&m[..], &p[..]);
    assert_eq!(m.protection(), ProtFlags::READ);
    // The mapping outlives the handle (a temporary, closed at the end of the statement).
    // SAFETY: as above.
    let m2 = unsafe { MapOptions::new().len(10).map(&t.read_only()) }.unwrap();
    assert_eq!(&m2[..], &p[..10]);
}

#[test]
fn writes_through_map_mut_reach_the_file() {
    let p = pattern(2 * page() + 17);
    let t = TempFile::with("rw", &p);
    {
        // SAFETY: the test owns the file.
        let mut m = unsafe { MapOptions::new().map_mut(&t.read_write()) }.unwrap();
        m[0] = 0xAA;
        m.write_at(page() + 3, b"xyz").unwrap();
        m.flush_range(page(), 10).unwrap();
        m.flush_async().unwrap();
        let last = m.len() - 1;
        m[last] = 0xBB;
        m.flush().unwrap();
        // The file sees it while mapped, through ordinary reads.
        let now = t.contents();
        assert_eq!(now[0], 0xAA);
        assert_eq!(&now[page() + 3..page() + 6], b"xyz");
        assert_eq!(now[last], 0xBB);
    }
    let after = t.contents();
    assert_eq!(after.len(), p.len());
    assert_eq!(after[0], 0xAA);
    assert_eq!(after[p.len() - 1], 0xBB);
    assert_eq!(&after[1..page()], &p[1..page()]);
}

#[test]
fn a_second_shared_view_sees_writes() {
    let t = TempFile::with("views", &pattern(page()));
    let f = t.read_write();
    // SAFETY: the test owns the file; the views only write through `a`.
    let mut a = unsafe { MapOptions::new().map_mut(&f) }.unwrap();
    // SAFETY: as above.
    let b = unsafe { MapOptions::new().map(&f) }.unwrap();
    a[10] = 99;
    assert_eq!(b[10], 99);
}

#[test]
fn copy_on_write_stays_private() {
    let p = pattern(page() + 1);
    let t = TempFile::with("cow", &p);
    // A read-only handle is enough for a private mapping.
    let f = t.read_only();
    // SAFETY: the test owns the file and does not change it.
    let mut c = unsafe { MapOptions::new().map_copy(&f) }.unwrap();
    assert_eq!(c.protection(), rw());
    c[0] = !p[0];
    c.write_at(page(), &[7]).unwrap();
    assert_eq!(c[0], !p[0]);
    // Protection round trip on a copy-on-write view (PAGE_WRITECOPY on Windows).
    c.protect(ProtFlags::READ).unwrap();
    c.protect(rw()).unwrap();
    c[1] = !p[1];
    c.flush().unwrap();
    drop(c);
    assert_eq!(
        t.contents(),
        p,
        "a private mapping must not change the file"
    );
    // SAFETY: as above.
    let fresh = unsafe { MapOptions::new().map(&f) }.unwrap();
    assert_eq!(&fresh[..], &p[..]);
}

#[test]
fn unaligned_offsets_map_the_files_bytes() {
    let g = granularity();
    let p = pattern(4 * g + 3 * page());
    let t = TempFile::with("offsets", &p);
    let f = t.read_only();
    for off in [
        1,
        7,
        page() - 1,
        page(),
        page() + 7,
        g - 1,
        g,
        g + 3,
        2 * g + page() + 1,
    ] {
        for len in [1, 100, page() + 1] {
            // SAFETY: the test owns the file and does not change it.
            let m = unsafe { MapOptions::new().offset(off as u64).len(len).map(&f) }
                .unwrap_or_else(|e| panic!("offset {off} len {len}: {e}"));
            assert_eq!(m.len(), len);
            assert_eq!(&m[..], &p[off..off + len], "offset {off} len {len}");
        }
        // Without a length: to the end of the file.
        // SAFETY: as above.
        let m = unsafe { MapOptions::new().offset(off as u64).map(&f) }.unwrap();
        assert_eq!(&m[..], &p[off..], "offset {off} to the end");
    }
}

/// `sequential` (populate on Linux, read-ahead hints on macOS, `PrefetchVirtualMemory`
/// on Windows) gives the same bytes as a plain mapping, with offsets and for every kind
/// of mapping. That it populates on Linux is checked in `tests/mapping.rs` and
/// `tests/faults.rs` (smaps `Rss`).
#[test]
fn sequential_maps_the_same_bytes() {
    let g = granularity();
    let p = pattern(3 * g + 5);
    let t = TempFile::with("sequential", &p);
    let f = t.read_only();
    for off in [0, 1, g + 7] {
        // SAFETY: the test owns the file and does not change it.
        let m = unsafe { MapOptions::new().offset(off as u64).sequential().map(&f) }
            .unwrap_or_else(|e| panic!("offset {off}: {e}"));
        assert_eq!(&m[..], &p[off..], "offset {off}");
    }
    // SAFETY: as above.
    let c = unsafe { MapOptions::new().sequential().map_copy(&f) }.unwrap();
    assert_eq!(&c[..], &p[..]);
    drop(c);
    let w = t.read_write();
    // SAFETY: as above; this test is the only writer.
    let mut m = unsafe { MapOptions::new().sequential().map_mut(&w) }.unwrap();
    m[3] = 0;
    m.flush().unwrap();
    drop(m);
    assert_eq!(t.contents()[3], 0);
    let a = MapOptions::new()
        .len(g)
        .sequential()
        .map_anonymous()
        .unwrap();
    assert!(a.iter().all(|&b| b == 0));
}

#[test]
fn writes_at_an_unaligned_offset_land_there() {
    let g = granularity();
    let p = pattern(2 * g + 10);
    let t = TempFile::with("offset-write", &p);
    let off = g + 5;
    {
        // SAFETY: the test owns the file.
        let mut m = unsafe {
            MapOptions::new()
                .offset(off as u64)
                .len(3)
                .map_mut(&t.read_write())
        }
        .unwrap();
        m.copy_from_slice(b"abc");
        m.flush().unwrap();
    }
    let after = t.contents();
    assert_eq!(&after[off..off + 3], b"abc");
    assert_eq!(&after[..off], &p[..off]);
    assert_eq!(&after[off + 3..], &p[off + 3..]);
}

#[test]
fn zero_length_files_map_as_empty() {
    let t = TempFile::with("empty", b"");
    // SAFETY: the test owns the (empty) file.
    unsafe {
        for m in [
            MapOptions::new().map(&t.read_only()).unwrap(),
            MapOptions::new().map_mut(&t.read_write()).unwrap(),
            MapOptions::new().map_copy(&t.read_only()).unwrap(),
            MapOptions::new().map_path(t.path()).unwrap(),
            MapOptions::new().map_path_mut(t.path()).unwrap(),
        ] {
            assert!(m.is_empty());
            assert_eq!(&m[..], &[] as &[u8]);
            m.flush().unwrap();
        }
    }
    // An offset at the end of a non-empty file is empty too.
    let t = TempFile::with("at-end", &pattern(10));
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().offset(10).map(&t.read_only()) }.unwrap();
    assert!(m.is_empty());
}

#[test]
fn offset_past_eof_without_len_is_einval() {
    let t = TempFile::with("past", &pattern(10));
    // SAFETY: nothing is mapped.
    let r = unsafe { MapOptions::new().offset(11).map(&t.read_only()) };
    assert_eq!(r.err(), Some(Errno::INVAL));
}

#[test]
fn offset_plus_len_overflow_is_eoverflow() {
    let t = TempFile::with("overflow", &pattern(10));
    // SAFETY: nothing is mapped.
    let r = unsafe {
        MapOptions::new()
            .offset(u64::MAX - 10)
            .len(100)
            .map(&t.read_only())
    };
    assert_eq!(r.err(), Some(Errno::OVERFLOW));
}

#[test]
fn map_mut_of_a_read_only_handle_is_eacces() {
    let t = TempFile::with("ro-handle", &pattern(page()));
    // SAFETY: nothing is mapped.
    let r = unsafe { MapOptions::new().map_mut(&t.read_only()) };
    assert_eq!(r.err(), Some(Errno::ACCES));
}

/// A range past the end of the file: Unix maps it (touching whole pages past the end
/// would raise SIGBUS, so the test does not); Windows refuses, since a view cannot pass
/// the end of its section.
#[test]
fn a_range_past_the_end_of_the_file() {
    let t = TempFile::with("short", &pattern(100));
    // SAFETY: the test reads only the bytes inside the file.
    let r = unsafe { MapOptions::new().len(3 * granularity()).map(&t.read_only()) };
    if cfg!(windows) {
        assert_eq!(r.err(), Some(Errno::ACCES));
    } else {
        let m = r.unwrap();
        assert_eq!(m.len(), 3 * granularity());
        let mut head = [0u8; 100];
        m.read_at(0, &mut head).unwrap();
        assert_eq!(&head[..], &pattern(100)[..]);
    }
}

#[test]
fn map_if_safe_of_an_ordinary_file_is_none() {
    let t = TempFile::with("not-sealed", &pattern(page()));
    assert!(
        MapOptions::new()
            .map_if_safe(&t.read_only())
            .unwrap()
            .is_none()
    );
}

// ---------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------

#[test]
fn ranges_outside_the_mapping_are_einval() {
    let len = 2 * page() + 3;
    let mut m = MapOptions::new().len(len).map_anonymous().unwrap();
    let mut buf = [0u8; 4];
    for (off, n) in [(len - 3, 4), (len + 1, 0), (usize::MAX, 2), (1, usize::MAX)] {
        let what = format!("offset {off} len {n}");
        assert_eq!(
            m.advise_range(Advice::Normal, off, n),
            Err(Errno::INVAL),
            "{what}"
        );
        assert_eq!(m.flush_range(off, n), Err(Errno::INVAL), "{what}");
        assert_eq!(m.flush_async_range(off, n), Err(Errno::INVAL), "{what}");
    }
    assert_eq!(m.read_at(len - 3, &mut buf), Err(AccessError::OutOfRange));
    assert_eq!(m.write_at(len - 3, &buf), Err(AccessError::OutOfRange));
    assert_eq!(
        m.read_at(usize::MAX, &mut buf),
        Err(AccessError::OutOfRange)
    );
    // The edges themselves are fine.
    m.read_at(len - 4, &mut buf).unwrap();
    m.write_at(len, &[]).unwrap();
    m.flush_range(len, 0).unwrap();
    m.advise_range(Advice::Normal, 0, len).unwrap();
}

// ---------------------------------------------------------------------------------------
// Protection, locking, residency, advice
// ---------------------------------------------------------------------------------------

#[test]
fn protect_changes_what_the_crate_allows() {
    let mut m = MapOptions::new().len(2 * page()).map_anonymous().unwrap();
    m[5] = 5;
    m.protect(ProtFlags::READ).unwrap();
    assert_eq!(m.protection(), ProtFlags::READ);
    assert_eq!(m[5], 5);
    assert_eq!(m.write_at(0, &[1]), Err(AccessError::Protection));
    m.protect(ProtFlags::empty()).unwrap();
    let mut b = [0u8];
    assert_eq!(m.read_at(0, &mut b), Err(AccessError::Protection));
    m.protect(rw()).unwrap();
    m[6] = 6;
    assert_eq!(&m[5..7], &[5, 6]);
}

/// Anonymous memory can become executable and back, on every platform (a JIT's first
/// need). The crate only changes protections here; running code is not its business.
#[test]
fn anonymous_memory_can_be_made_executable() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m[0] = 0xC3;
    m.protect(ProtFlags::READ | ProtFlags::EXEC).unwrap();
    assert_eq!(m.protection(), ProtFlags::READ | ProtFlags::EXEC);
    assert_eq!(m[0], 0xC3);
    m.protect(rw()).unwrap();
    m[1] = 1;
    assert_eq!(&m[..2], &[0xC3, 1]);
}

#[test]
#[should_panic(expected = "not writable")]
fn as_mut_slice_of_a_read_only_mapping_panics() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.protect(ProtFlags::READ).unwrap();
    m[0] = 1;
}

#[test]
#[should_panic(expected = "not readable")]
fn find_in_an_unreadable_mapping_panics() {
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.protect(ProtFlags::empty()).unwrap();
    let _ = m.find(b"x");
}

#[test]
fn lock_and_unlock_a_page() {
    let m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m.lock().unwrap();
    m.unlock().unwrap();
}

#[test]
fn residency_counts_pages_and_sees_touched_ones() {
    let mut m = MapOptions::new().len(8 * page()).map_anonymous().unwrap();
    m[0] = 1;
    m[3 * page()] = 1;
    let r = m.residency().unwrap();
    assert_eq!(r.pages, 8);
    assert!(
        (2..=8).contains(&r.resident),
        "touched pages must count: {r:?}"
    );
}

#[test]
fn portable_advice() {
    let m = MapOptions::new().len(4 * page()).map_anonymous().unwrap();
    m.advise(Advice::Normal).unwrap();
    m.advise(Advice::WillNeed).unwrap();
    m.advise_range(Advice::WillNeed, page() + 1, 10).unwrap();
    assert!(Advice::Normal.is_supported());
    assert!(Advice::WillNeed.is_supported());
    for a in [Advice::Random, Advice::Sequential] {
        let r = m.advise(a);
        if cfg!(windows) {
            assert_eq!(r, Err(Errno::UNSUPPORTED), "{a:?}");
            assert!(!a.is_supported());
        } else {
            assert_eq!(r, Ok(()), "{a:?}");
        }
    }
}

#[test]
fn unchecked_free_lets_the_pages_go() {
    let mut m = MapOptions::new().len(4 * page()).map_anonymous().unwrap();
    m.fill(7);
    // SAFETY: nothing relies on the old contents: the test rewrites them below.
    unsafe { m.advise_unchecked(UncheckedAdvice::Free) }.unwrap();
    m.fill(9);
    assert!(m.iter().all(|&b| b == 9));
    // SAFETY: as above; DONTNEED on Windows is refused before anything happens.
    let r = unsafe { m.advise_range_unchecked(UncheckedAdvice::DontNeed, 0, page()) };
    if cfg!(windows) {
        assert_eq!(r, Err(Errno::UNSUPPORTED));
    } else {
        r.unwrap();
    }
}

/// `Free` is for anonymous memory: Linux refuses `MADV_FREE` on a shared file mapping
/// and Windows refuses `MEM_RESET` on a view of a file (the file's pages are its
/// contents, not scratch).
#[test]
#[cfg(any(target_os = "linux", windows))]
#[cfg_attr(
    qemu,
    ignore = "qemu-user accepts every madvise advice; asserted natively"
)]
fn unchecked_free_of_a_file_mapping_is_refused() {
    let t = TempFile::with("free-file", &pattern(page()));
    // SAFETY: the test owns the file.
    let m = unsafe { MapOptions::new().map_mut(&t.read_write()) }.unwrap();
    // SAFETY: refused before anything happens (checked below).
    let r = unsafe { m.advise_unchecked(UncheckedAdvice::Free) };
    assert_eq!(r, Err(Errno::INVAL));
    assert_eq!(&m[..], &pattern(page())[..]);
}

/// Options that need Linux fail with `Errno::UNSUPPORTED` elsewhere, which `io::Error`
/// reports as `ErrorKind::Unsupported`.
#[test]
#[cfg(not(target_os = "linux"))]
fn linux_only_options_are_unsupported() {
    let mut unsupported = vec![
        MapOptions::new().len(page()).populate(),
        MapOptions::new()
            .len(page())
            .huge_pages(HugePages::SIZE_2MB),
        MapOptions::new().len(page()).shared().validate(),
    ];
    if cfg!(windows) {
        unsupported.push(MapOptions::new().len(page()).no_reserve());
    } else {
        MapOptions::new()
            .len(page())
            .no_reserve()
            .map_anonymous()
            .unwrap();
    }
    for o in unsupported {
        let e = o.map_anonymous().err();
        assert_eq!(e, Some(Errno::UNSUPPORTED), "{o:?}");
        let io = io::Error::from(e.unwrap());
        assert_eq!(io.kind(), io::ErrorKind::Unsupported, "{o:?}");
    }
    // The same for files.
    let t = TempFile::with("unsupported", &pattern(page()));
    // SAFETY: nothing is mapped.
    let r = unsafe { MapOptions::new().populate().map(&t.read_only()) };
    assert_eq!(r.err(), Some(Errno::UNSUPPORTED));
}

// ---------------------------------------------------------------------------------------
// Placement and ownership
// ---------------------------------------------------------------------------------------

#[test]
fn fixed_noreplace_never_replaces_a_live_mapping() {
    let g = granularity();
    let live = MapOptions::new().len(g).map_anonymous().unwrap();
    let addr = live.as_ptr().addr();
    assert_eq!(addr % g, 0, "fresh mappings start on the granularity");
    let r = MapOptions::new()
        .len(g)
        .fixed_noreplace(addr)
        .map_anonymous();
    assert_eq!(r.err(), Some(Errno::EXIST));
    let r = MapOptions::new()
        .len(g)
        .fixed_noreplace(addr + page() / 2)
        .map_anonymous();
    assert_eq!(r.err(), Some(Errno::INVAL));
    assert!(live.iter().all(|&b| b == 0));
}

#[test]
fn fixed_noreplace_maps_at_a_free_address() {
    let g = granularity();
    // Reserve, free, and map there. Another test thread may take the range in between,
    // which shows as EXIST: retry a few times.
    for attempt in 0..20 {
        let probe = MapOptions::new().len(4 * g).map_anonymous().unwrap();
        let addr = (probe.as_ptr().addr() + g).next_multiple_of(g);
        drop(probe);
        match MapOptions::new()
            .len(g)
            .fixed_noreplace(addr)
            .map_anonymous()
        {
            Ok(mut m) => {
                assert_eq!(m.as_ptr().addr(), addr, "attempt {attempt}");
                m[0] = 1;
                return;
            }
            Err(e) if e == Errno::EXIST => continue,
            Err(e) => panic!("attempt {attempt}: {e}"),
        }
    }
    panic!("the freed range was taken 20 times in a row");
}

#[test]
fn into_raw_and_from_raw_round_trip_at_an_unaligned_offset() {
    let g = granularity();
    let p = pattern(2 * g + 2 * page());
    let t = TempFile::with("raw", &p);
    let off = g + page() + 5;
    // SAFETY: the test owns the file and does not change it.
    let m = unsafe {
        MapOptions::new()
            .offset(off as u64)
            .len(20)
            .map(&t.read_only())
    }
    .unwrap();
    let raw = m.into_raw();
    assert_eq!(raw.len(), 20);
    // SAFETY: `raw` came from into_raw of a read-only mapping, owned by nobody else.
    let back = unsafe { Mapping::from_raw(raw, ProtFlags::READ) };
    assert_eq!(&back[..], &p[off..off + 20]);
    drop(back);
    // The view is gone: the file can be removed (on Windows only once unmapped).
    drop(t);
}

#[test]
fn mapping_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Mapping>();
    check::<rawmap::MapCursor>();
    let mut m = MapOptions::new().len(page()).map_anonymous().unwrap();
    m[0] = 42;
    let m = std::thread::spawn(move || {
        assert_eq!(m[0], 42);
        m
    })
    .join()
    .unwrap();
    assert_eq!(m[0], 42);
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn errno_converts_to_io_error_with_the_platform_code() {
    for (e, kind) in [
        (Errno::INVAL, io::ErrorKind::InvalidInput),
        (Errno::NOMEM, io::ErrorKind::OutOfMemory),
        (Errno::ACCES, io::ErrorKind::PermissionDenied),
        (Errno::UNSUPPORTED, io::ErrorKind::Unsupported),
    ] {
        let io = io::Error::from(e);
        assert_eq!(io.raw_os_error(), Some(i32::from(e.raw())), "{e:?}");
        assert_eq!(io.kind(), kind, "{e:?}");
        assert!(e.name().is_some(), "{e:?} has a name");
    }
    if cfg!(windows) {
        assert_eq!(Errno::INVAL.name(), Some("ERROR_INVALID_PARAMETER"));
        assert_eq!(
            Errno::INVAL.to_string(),
            "ERROR_INVALID_PARAMETER: The parameter is incorrect."
        );
    } else {
        assert_eq!(Errno::INVAL.name(), Some("EINVAL"));
        assert_eq!(Errno::INVAL.to_string(), "EINVAL: Invalid argument");
    }
}

// ---------------------------------------------------------------------------------------
// find / rfind
// ---------------------------------------------------------------------------------------

#[test]
fn find_and_rfind() {
    let len = 3 * page();
    let mut m = MapOptions::new().len(len).map_anonymous().unwrap();
    assert_eq!(m.find(b"needle"), None);
    assert_eq!(m.rfind(b"needle"), None);
    // Across a page boundary, twice.
    let first = page() - 3;
    let last = 2 * page() - 2;
    m[first..first + 6].copy_from_slice(b"needle");
    m[last..last + 6].copy_from_slice(b"needle");
    assert_eq!(m.find(b"needle"), Some(first));
    assert_eq!(m.rfind(b"needle"), Some(last));
    assert_eq!(m.find(b"needlex"), None);
    assert_eq!(m.find(b""), Some(0));
    assert_eq!(m.rfind(b""), Some(len));
    assert_eq!(m.find(&vec![0u8; len + 1]), None);
    m[len - 1] = b'!';
    assert_eq!(m.rfind(b"!"), Some(len - 1));
    assert_eq!(m.find(b"\0!"), Some(len - 2));
}

// ---------------------------------------------------------------------------------------
// Path helpers
// ---------------------------------------------------------------------------------------

#[test]
fn create_path_sets_the_length_and_maps_it() {
    let t = TempFile::with("create", b"old contents that get truncated");
    let len = 3 * page() as u64 + 1;
    {
        // SAFETY: the test owns the file.
        let mut m = unsafe { MapOptions::new().create_path(t.path(), len) }.unwrap();
        assert_eq!(m.len() as u64, len);
        assert!(m.iter().all(|&b| b == 0), "created with zeros");
        m[..5].copy_from_slice(b"hello");
        m.flush().unwrap();
    }
    assert_eq!(fs::metadata(t.path()).unwrap().len(), len);
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().map_path(t.path()) }.unwrap();
    assert_eq!(&m[..5], b"hello");
    assert_eq!(m.len() as u64, len);
    // SAFETY: as above.
    let mut w = unsafe { MapOptions::new().offset(1).len(2).map_path_mut(t.path()) }.unwrap();
    w.copy_from_slice(b"EL");
    drop(w);
    assert_eq!(&m[..5], b"hELlo");
}

#[test]
fn path_helpers_report_io_errors() {
    let t = TempFile::new("missing");
    // SAFETY: nothing is mapped.
    let e = unsafe { MapOptions::new().map_path(t.path()) }.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
    // SAFETY: nothing is mapped.
    let e = unsafe { MapOptions::new().map_path_mut(t.path()) }.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
}

// ---------------------------------------------------------------------------------------
// Windows only: what a mapped view does to its file
// ---------------------------------------------------------------------------------------

/// Windows refuses to shrink a file below a mapped view (`ERROR_USER_MAPPED_FILE`,
/// 1224) instead of leaving the view over nothing; the mapping stays whole and readable.
#[test]
#[cfg(windows)]
fn shrinking_a_mapped_file_fails_and_keeps_the_mapping() {
    let p = pattern(2 * page());
    let t = TempFile::with("shrink", &p);
    let f = t.read_write();
    // SAFETY: the test owns the file; the truncation below fails (that is the point).
    let m = unsafe { MapOptions::new().map(&f) }.unwrap();
    let e = f.set_len(10).unwrap_err();
    assert_eq!(
        e.raw_os_error(),
        Some(i32::from(Errno::USER_MAPPED_FILE.raw()))
    );
    assert_eq!(Errno::USER_MAPPED_FILE.raw(), 1224);
    assert_eq!(&m[..], &p[..]);
    assert_eq!(fs::metadata(t.path()).unwrap().len(), p.len() as u64);
    drop(m);
    // Once unmapped, the same call succeeds.
    f.set_len(10).unwrap();
}

/// A writable mapping keeps its own duplicate of the file handle for `flush`
/// (`FlushFileBuffers`): closing the caller's handle first changes nothing.
#[test]
#[cfg(windows)]
fn flush_works_after_the_callers_handle_is_closed() {
    let t = TempFile::with("flush-dup", &pattern(page()));
    // SAFETY: the test owns the file.
    let mut m = unsafe { MapOptions::new().map_mut(&t.read_write()) }.unwrap();
    m[0] = 0xEE;
    m.flush().unwrap();
    drop(m);
    assert_eq!(t.contents()[0], 0xEE);
}
