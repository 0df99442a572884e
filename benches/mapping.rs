//! The safe `Mapping` against memmap2, rustix and libc, side by side in one run:
//!
//! 1. `map`: map and unmap a whole file read-only (4 KiB and 64 MiB files on disk, a
//!    64 MiB memfd), the descriptor opened once;
//! 2. `fault`: write-fault a fresh 256 MiB anonymous mapping, one byte per 4 KiB, with
//!    and without transparent huge pages, against the rate at which this machine zeroes
//!    memory that is already mapped;
//! 3. `scan`: sum the u64 words of a 1 GiB page-cached file, map to unmap, with each
//!    kind of advice, against `read(2)` and against the same sum in RAM (a `Vec`, and a
//!    THP-backed buffer), for a file cached in 2 MiB folios and one in 4 KiB folios;
//! 4. `random`: 8-byte reads at random offsets of a 256 MiB cached file, from a mapping
//!    against `pread`;
//! 5. `reader`: what `MapOptions::sequential()` costs where it does not pay: whole
//!    cached files of 4 KiB to 16 MiB read once, and a reader that stops after the first
//!    page of a 256 MiB file.
//!
//! `cargo bench --bench mapping` runs all five; name sections to run only those
//! (`cargo bench --bench mapping -- scan random`, or `MAPPING_BENCH=scan,random`).
//! Without `--bench` (`cargo test --all-targets`) every candidate runs a few times on
//! small sizes, untimed. BENCHMARKS.md has the figures.
//!
//! Temporary files go to `std::env::temp_dir()` and are deleted when their section ends
//! (also on panic).

mod common;

/// The candidates map Linux files and memory; other platforms (macOS and Windows, which
/// `cargo check --all-targets` covers) have nothing to compare here.
#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the mapping bench measures Linux mappings: nothing to run here");
}

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::Cell;
    use std::ffi::c_void;
    use std::fs::{File, OpenOptions};
    use std::hint::black_box;
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::path::PathBuf;
    use std::ptr::null_mut;
    use std::rc::Rc;
    use std::time::Duration;

    use super::common::{self, Bench, measuring};
    use rawmap::{Advice, HugePages, MapOptions, Mapping, MemfdFlags};

    const SECTIONS: [&str; 5] = ["map", "fault", "scan", "random", "reader"];

    pub fn main() {
        let wanted = selected_sections();
        println!(
            "mapping bench: sections {wanted:?}; THP enabled: {}; THP defrag: {}; load average {}",
            read_trimmed("/sys/kernel/mm/transparent_hugepage/enabled"),
            read_trimmed("/sys/kernel/mm/transparent_hugepage/defrag"),
            load(),
        );
        for section in wanted {
            match section {
                "map" => map_unmap(),
                "fault" => fault(),
                "scan" => scan(),
                "random" => random(),
                "reader" => reader(),
                _ => unreachable!(),
            }
            println!("\n(section {section} done, load average {})", load());
        }
    }

    /// Section names from the command line (arguments not starting with `-`) or from
    /// `MAPPING_BENCH` (comma-separated); all of them when neither names one. Other words
    /// are ignored with a note: `cargo test <filter>` passes its filter to every target.
    fn selected_sections() -> Vec<&'static str> {
        let mut names: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if let Ok(v) = std::env::var("MAPPING_BENCH") {
            names.extend(v.split(',').map(|s| s.trim().to_owned()));
        }
        names.retain(|n| !n.is_empty());
        let (known, unknown): (Vec<String>, Vec<String>) = names
            .into_iter()
            .partition(|n| SECTIONS.contains(&n.as_str()));
        if !unknown.is_empty() {
            println!("mapping bench: ignoring {unknown:?}; sections are {SECTIONS:?}");
        }
        SECTIONS
            .into_iter()
            .filter(|s| known.is_empty() || known.iter().any(|n| n == s))
            .collect()
    }

    fn read_trimmed(path: &str) -> String {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|e| format!("({path}: {e})"))
    }

    /// The 1, 5 and 15 minute load averages.
    fn load() -> String {
        let s = read_trimmed("/proc/loadavg");
        s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    }

    /// `n` bytes in KiB or MiB, for titles.
    fn human(n: usize) -> String {
        if n >= 1 << 20 {
            format!("{} MiB", n >> 20)
        } else {
            format!("{} KiB", n >> 10)
        }
    }

    /// `full` when measuring, `smoke` otherwise, so `cargo test` stays fast.
    fn size(full: usize, smoke: usize) -> usize {
        if measuring() { full } else { smoke }
    }

    // ---------------------------------------------------------------------------------
    // Files

    /// A file in the temp directory, deleted on drop.
    struct TempFile {
        path: PathBuf,
        file: File,
    }

    impl TempFile {
        /// Creates the file with `data` in writes of `chunk` bytes, writes it back to disk
        /// (so no writeback runs during timing), and reads it until `mincore` finds every
        /// page in the page cache (see [`ensure_cached`]).
        ///
        /// The write size decides the page cache's folio size: ext4 on the 6.18 kernel
        /// this was written on caches a large write in large folios, up to 2 MiB, which
        /// the kernel can map with one PMD entry; 4 KiB writes leave 4 KiB folios.
        fn new(tag: &str, data: &[u8], chunk: usize) -> Self {
            let path =
                std::env::temp_dir().join(format!("rawmap-bench-{}-{tag}", std::process::id()));
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
            let tmp = TempFile {
                path,
                file: file.try_clone().expect("dup"),
            };
            for chunk in data.chunks(chunk) {
                file.write_all(chunk).expect("write bench file");
            }
            file.sync_all().expect("fsync bench file");
            read_all(&file);
            ensure_cached(&file, data.len());
            tmp
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Reads the whole file once, in 1 MiB chunks.
    fn read_all(mut file: &File) {
        file.seek(SeekFrom::Start(0)).expect("seek");
        let mut buf = vec![0u8; 1 << 20];
        while file.read(&mut buf).expect("read bench file") != 0 {}
    }

    /// Makes sure every page of the first `len` bytes of `file` is in the page cache,
    /// reading the file again while `mincore` finds holes; returns how many pages were
    /// missing. Needed because clean page cache can be dropped at any time, free memory
    /// or not: this VM runs DAMON with a proactive `pageout` scheme.
    fn ensure_cached(file: &File, len: usize) -> usize {
        if len == 0 {
            return 0;
        }
        let mut missing = 0;
        for _ in 0..10 {
            let res = map_file(file, len).residency().expect("mincore");
            if res.resident == res.pages {
                return missing;
            }
            missing += res.pages - res.resident;
            read_all(file);
        }
        panic!("the bench file does not stay in the page cache");
    }

    /// Checks, when dropped (outside the timed span), that a file-reading iteration still
    /// found the whole file cached at its end; counts pages that were not and reads them
    /// back, so the next iteration starts cached. A check after rather than before each
    /// iteration keeps the `mincore` walk's cache footprint away from the timed scan.
    struct CacheCheck {
        file: Rc<File>,
        len: usize,
        misses: Rc<Cell<(usize, usize)>>,
    }

    impl Drop for CacheCheck {
        fn drop(&mut self) {
            let missing = ensure_cached(&self.file, self.len);
            let (iters, pages) = self.misses.get();
            self.misses
                .set((iters + usize::from(missing != 0), pages + missing));
        }
    }

    /// Write size for files meant to be cached in large folios.
    const BIG_WRITES: usize = 64 << 20;

    /// Maps `len` bytes of `file` read-only with rawmap (no advice).
    fn map_file(file: &File, len: usize) -> Mapping {
        // SAFETY: bench files are private to this process; nothing writes or truncates
        // them while they are mapped.
        unsafe { MapOptions::new().len(len).map(file) }.expect("rawmap map")
    }

    /// `len` bytes of pseudo-random data (xorshift64), so sums mean something.
    fn pattern(len: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut v = vec![0u8; len];
        for w in v.chunks_mut(8) {
            x = xorshift(x);
            w.copy_from_slice(&x.to_ne_bytes()[..w.len()]);
        }
        v
    }

    fn xorshift(mut x: u64) -> u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }

    /// Lines of /proc/self/smaps: the sum of `field` (in kB) over the VMAs that overlap
    /// `[addr, addr + len)`. A VMA that extends past the range counts whole.
    fn smaps_kb(addr: usize, len: usize, field: &str) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("read /proc/self/smaps");
        let mut inside = false;
        let mut kb = 0;
        for line in smaps.lines() {
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or("");
            if let Some((lo, hi)) = first.split_once('-')
                && let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = lo < addr + len && addr < hi;
            } else if inside && first.strip_suffix(':') == Some(field) {
                kb += words
                    .next()
                    .and_then(|w| w.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        kb
    }

    // ---------------------------------------------------------------------------------
    // 1. map + unmap

    fn map_unmap() {
        let big = size(64 << 20, 64 << 10);
        let small = TempFile::new("4k", &pattern(4096), BIG_WRITES);
        map_unmap_one(
            "a 4 KiB file on ext4",
            Rc::new(small.file.try_clone().expect("dup")),
            4096,
        );
        let large = TempFile::new("64m", &pattern(big), BIG_WRITES);
        let title = format!("a {} file on ext4", human(big));
        map_unmap_one(&title, Rc::new(large.file.try_clone().expect("dup")), big);
        let memfd = rawmap::File::memfd(c"rawmap-bench", MemfdFlags::CLOEXEC).expect("memfd");
        memfd.set_len(big as u64).expect("ftruncate memfd");
        let memfd = File::from(OwnedFd::from(memfd));
        let title = format!("a {} memfd (sparse)", human(big));
        map_unmap_one(&title, Rc::new(memfd), big);
    }

    fn map_unmap_one(what: &str, f: Rc<File>, n: usize) {
        let (f1, f2, f3, f4, f5, f6, f7) = (
            f.clone(),
            f.clone(),
            f.clone(),
            f.clone(),
            f.clone(),
            f.clone(),
            f,
        );
        Bench::new(format!(
            "map + unmap of {what}, read-only shared, whole file"
        ))
        .rounds(101)
        .case("rawmap (len)", move || {
            // SAFETY: the bench file is private to this process (see `map_file`).
            let m = unsafe { MapOptions::new().len(black_box(n)).map(&*f1) }.unwrap();
            black_box(m.as_ptr());
        })
        .case("rawmap (statx)", move || {
            // SAFETY: as above.
            let m = unsafe { MapOptions::new().map(&*f2) }.unwrap();
            assert_eq!(m.len(), n);
            black_box(m.as_ptr());
        })
        .case("rawmap::raw", move || {
            use rawmap::{MapFlags, MapType, ProtFlags, raw};
            let fd = f7.as_raw_fd();
            // SAFETY: as for rustix below.
            let p = unsafe {
                raw::mmap(
                    null_mut(),
                    black_box(n),
                    ProtFlags::READ,
                    MapType::Shared,
                    MapFlags::empty(),
                    fd,
                    0,
                )
            }
            .unwrap();
            black_box(p);
            // SAFETY: as for rustix below.
            unsafe { raw::munmap(p, n) }.unwrap();
        })
        .case("rustix", move || {
            use rustix::mm::{MapFlags, ProtFlags, mmap, munmap};
            // SAFETY: a new read-only mapping at a kernel-chosen address; unmapped below.
            let p = unsafe {
                mmap(
                    null_mut(),
                    black_box(n),
                    ProtFlags::READ,
                    MapFlags::SHARED,
                    &*f3,
                    0,
                )
            }
            .unwrap();
            black_box(p);
            // SAFETY: `p` is the mapping just made, referenced by nothing.
            unsafe { munmap(p, n) }.unwrap();
        })
        .case("libc", move || {
            let fd = f4.as_raw_fd();
            // SAFETY: as for rustix.
            let p = unsafe {
                libc::mmap(
                    null_mut(),
                    black_box(n),
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    fd,
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            black_box(p);
            // SAFETY: as for rustix.
            assert_eq!(unsafe { libc::munmap(p, n) }, 0);
        })
        .case("memmap2 (fstat)", move || {
            // SAFETY: as for rawmap.
            let m = unsafe { memmap2::MmapOptions::new().map(&*f5) }.unwrap();
            assert_eq!(m.len(), n);
            black_box(m.as_ptr());
        })
        .case("memmap2 (len)", move || {
            // SAFETY: as for rawmap.
            let m = unsafe { memmap2::MmapOptions::new().len(black_box(n)).map(&*f6) }.unwrap();
            black_box(m.as_ptr());
        })
        .baseline("rustix")
        .ratio("rawmap (len)", "rustix")
        .ratio("rawmap::raw", "rustix")
        .ratio("rawmap (len)", "rawmap::raw")
        .ratio("rawmap (len)", "memmap2 (fstat)")
        .ratio("rawmap (len)", "memmap2 (len)")
        .ratio("rawmap (statx)", "memmap2 (fstat)")
        .run();
    }

    // ---------------------------------------------------------------------------------
    // 2. page faults of anonymous memory

    /// Writes one byte per 4 KiB: one fault per base page, or one per huge page with THP.
    fn touch(p: *mut u8, len: usize) {
        for off in (0..len).step_by(4096) {
            // SAFETY: callers pass a writable mapping of `len` bytes.
            unsafe { p.add(off).write_volatile(1) };
        }
    }

    /// An anonymous mapping made with libc, unmapped on drop (outside the timed span).
    struct LibcMap(*mut c_void, usize);

    impl LibcMap {
        fn new(len: usize, advice: Option<libc::c_int>) -> Self {
            // SAFETY: a new private anonymous mapping at a kernel-chosen address.
            let p = unsafe {
                libc::mmap(
                    null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            if let Some(a) = advice {
                // SAFETY: advice on our own mapping (HUGEPAGE does not change contents).
                assert_eq!(unsafe { libc::madvise(p, len, a) }, 0);
            }
            LibcMap(p, len)
        }
    }

    impl Drop for LibcMap {
        fn drop(&mut self) {
            // SAFETY: the mapping is owned and no longer used.
            unsafe { libc::munmap(self.0, self.1) };
        }
    }

    fn rawmap_anon(len: usize, thp: bool) -> Mapping {
        let opts = MapOptions::new().len(len);
        let opts = if thp {
            opts.huge_pages(HugePages::Transparent)
        } else {
            opts
        };
        opts.map_anonymous().expect("rawmap map_anonymous")
    }

    /// Reports how each way of mapping is backed after a full touch: huge pages per
    /// smaps, and whether the start is 2 MiB-aligned.
    fn fault_check(len: usize) {
        println!(
            "\nTHP check, {} touched once (AnonHugePages from /proc/self/smaps):\n",
            human(len)
        );
        println!(
            "| mapping | start 2 MiB-aligned | AnonHugePages | of the mapping |\n|---|---|---|---|"
        );
        let report = |name: &str, p: *mut u8| {
            touch(p, len);
            let kb = smaps_kb(p.addr(), len, "AnonHugePages");
            let pct = 100.0 * (kb << 10) as f64 / len as f64;
            println!(
                "| {name} | {} | {kb} kB | {pct:.0} % |",
                p.addr().is_multiple_of(2 << 20)
            );
        };
        let mut m = rawmap_anon(len, true);
        report("rawmap huge_pages(Transparent)", m.as_mut_ptr());
        drop(m);
        let mut m = rawmap_anon(len, false);
        m.advise(Advice::NoHugePage).unwrap();
        report("rawmap + Advice::NoHugePage", m.as_mut_ptr());
        drop(m);
        let mut m = rawmap_anon(len, false);
        report("rawmap, no advice", m.as_mut_ptr());
        drop(m);
        let m = LibcMap::new(len, Some(libc::MADV_HUGEPAGE));
        report("libc mmap + MADV_HUGEPAGE", m.0.cast());
        drop(m);
        let m = LibcMap::new(len + 4096, Some(libc::MADV_HUGEPAGE));
        report("libc mmap (len + 4 KiB) + MADV_HUGEPAGE", m.0.cast());
        drop(m);
        let mut m = memmap2::MmapMut::map_anon(len).unwrap();
        report("memmap2 map_anon", m.as_mut_ptr());
        drop(m);
        let mut m = memmap2::MmapMut::map_anon(len).unwrap();
        m.advise(memmap2::Advice::HugePage).unwrap();
        report("memmap2 map_anon + advise(HugePage)", m.as_mut_ptr());
    }

    /// Zeroes `len` bytes one 4 KiB page at a time with `rep stosb`, as the kernel's
    /// `clear_page_erms` clears each base page of a huge page it faults in.
    #[cfg(target_arch = "x86_64")]
    fn zero_pages_rep_stosb(p: *mut u8, len: usize) {
        for off in (0..len).step_by(4096) {
            // SAFETY: callers pass a writable mapping of `len` bytes, a multiple of 4 KiB;
            // `rep stosb` writes rcx bytes of al from rdi upwards (DF is clear per the ABI).
            unsafe {
                std::arch::asm!(
                    "rep stosb",
                    inout("rcx") 4096usize => _,
                    inout("rdi") p.add(off) => _,
                    in("al") 0u8,
                    options(nostack, preserves_flags),
                )
            };
        }
    }

    fn fault() {
        let len = size(256 << 20, 4 << 20);
        let bytes = Some(len as u64);
        fault_check(len);
        let mut b = Bench::new(format!(
            "write-fault {} of fresh anonymous memory, 1 byte per 4 KiB (map + touch timed, unmap not)",
            human(len)
        ))
        .rounds(11);
        // The references: zeroing memory that is already mapped by huge pages, the work a
        // huge page fault does (clear the page) without the fault.
        let mut zeroed = rawmap_anon(len, true);
        touch(zeroed.as_mut_ptr(), len);
        b = b.case_bytes("memset, faulted THP memory (ref)", len as u64, move || {
            // SAFETY: `zeroed` is a writable mapping of `len` bytes.
            unsafe { zeroed.as_mut_ptr().write_bytes(0, black_box(len)) };
            black_box(zeroed.as_ptr());
        });
        #[cfg(target_arch = "x86_64")]
        {
            let mut zeroed = rawmap_anon(len, true);
            touch(zeroed.as_mut_ptr(), len);
            b = b.case_bytes(
                "rep stosb per 4 KiB, faulted THP (ref)",
                len as u64,
                move || {
                    zero_pages_rep_stosb(zeroed.as_mut_ptr(), black_box(len));
                },
            );
        }
        b = b
            .case_with_setup(
                "rawmap THP",
                bytes,
                || None,
                move |m: &mut Option<Mapping>| {
                    let mut map = rawmap_anon(len, true);
                    touch(map.as_mut_ptr(), len);
                    *m = Some(map);
                },
            )
            .case_with_setup(
                "rawmap THP + PopulateWrite",
                bytes,
                || None,
                move |m: &mut Option<Mapping>| {
                    let map = rawmap_anon(len, true);
                    map.advise(Advice::PopulateWrite).unwrap();
                    *m = Some(map);
                },
            )
            .case_with_setup(
                "rawmap 4K (NoHugePage)",
                bytes,
                || None,
                move |m: &mut Option<Mapping>| {
                    let mut map = rawmap_anon(len, false);
                    map.advise(Advice::NoHugePage).unwrap();
                    touch(map.as_mut_ptr(), len);
                    *m = Some(map);
                },
            )
            .case_with_setup(
                "libc + MADV_HUGEPAGE",
                bytes,
                || None,
                move |m: &mut Option<LibcMap>| {
                    let map = LibcMap::new(len, Some(libc::MADV_HUGEPAGE));
                    touch(map.0.cast(), len);
                    *m = Some(map);
                },
            )
            .case_with_setup(
                "memmap2 map_anon",
                bytes,
                || None,
                move |m: &mut Option<memmap2::MmapMut>| {
                    let mut map = memmap2::MmapMut::map_anon(len).unwrap();
                    touch(map.as_mut_ptr(), len);
                    *m = Some(map);
                },
            )
            .case_with_setup(
                "memmap2 map_anon + HugePage",
                bytes,
                || None,
                move |m: &mut Option<memmap2::MmapMut>| {
                    let mut map = memmap2::MmapMut::map_anon(len).unwrap();
                    map.advise(memmap2::Advice::HugePage).unwrap();
                    touch(map.as_mut_ptr(), len);
                    *m = Some(map);
                },
            )
            .baseline("memset, faulted THP memory (ref)")
            .ratio("rawmap THP", "memset, faulted THP memory (ref)");
        #[cfg(target_arch = "x86_64")]
        {
            b = b.ratio("rawmap THP", "rep stosb per 4 KiB, faulted THP (ref)");
        }
        b.ratio("rawmap THP", "rawmap 4K (NoHugePage)")
            .ratio("rawmap THP", "libc + MADV_HUGEPAGE")
            .ratio("rawmap THP", "memmap2 map_anon")
            .run();
    }

    // ---------------------------------------------------------------------------------
    // 3. sequential scan

    /// The scan: wrapping sum of the native-endian u64 words (the compiler vectorises it).
    #[inline(never)]
    fn sum_words(bytes: &[u8]) -> u64 {
        let mut lanes = [0u64; 8];
        let (blocks, rest) = bytes.as_chunks::<64>();
        for block in blocks {
            for (lane, w) in lanes.iter_mut().zip(block.as_chunks::<8>().0) {
                *lane = lane.wrapping_add(u64::from_ne_bytes(*w));
            }
        }
        let mut sum = lanes.iter().fold(0u64, |a, &b| a.wrapping_add(b));
        for w in rest.as_chunks::<8>().0 {
            sum = sum.wrapping_add(u64::from_ne_bytes(*w));
        }
        sum
    }

    /// How a rawmap scan maps and advises.
    #[derive(Clone, Copy)]
    enum Way {
        Plain,
        Advise(Advice),
        Populate,
        PopulateSequential,
        SequentialPopulateRead,
        /// `MapOptions::sequential()`: the same two calls, made by `map` itself.
        Sequential,
        Thp,
        ThpPopulateRead,
    }

    fn rawmap_scan_map(file: &File, len: usize, way: Way) -> Mapping {
        let opts = MapOptions::new().len(len);
        let opts = match way {
            Way::Populate | Way::PopulateSequential => opts.populate(),
            Way::Thp | Way::ThpPopulateRead => opts.huge_pages(HugePages::Transparent),
            Way::Sequential => opts.sequential(),
            Way::Plain | Way::Advise(_) | Way::SequentialPopulateRead => opts,
        };
        // SAFETY: the bench file is private to this process (see `map_file`).
        let m = unsafe { opts.map(file) }.expect("rawmap map");
        match way {
            Way::Advise(a) => m.advise(a).unwrap(),
            Way::PopulateSequential => m.advise(Advice::Sequential).unwrap(),
            Way::SequentialPopulateRead => {
                m.advise(Advice::Sequential).unwrap();
                m.advise(Advice::PopulateRead).unwrap();
            }
            Way::ThpPopulateRead => m.advise(Advice::PopulateRead).unwrap(),
            _ => {}
        }
        m
    }

    const SCAN_WAYS: [(&str, Way); 11] = [
        ("rawmap", Way::Plain),
        ("rawmap + Sequential", Way::Advise(Advice::Sequential)),
        ("rawmap + WillNeed", Way::Advise(Advice::WillNeed)),
        ("rawmap + PopulateRead", Way::Advise(Advice::PopulateRead)),
        ("rawmap + HugePage advice", Way::Advise(Advice::HugePage)),
        ("rawmap populate()", Way::Populate),
        ("rawmap populate() + Sequential", Way::PopulateSequential),
        (
            "rawmap + Sequential + PopulateRead",
            Way::SequentialPopulateRead,
        ),
        ("rawmap sequential()", Way::Sequential),
        ("rawmap huge_pages(THP)", Way::Thp),
        (
            "rawmap huge_pages(THP) + PopulateRead",
            Way::ThpPopulateRead,
        ),
    ];

    /// After one scan, how each rawmap way is mapped: PMD-mapped file pages (smaps
    /// `FilePmdMapped`), and the start's alignment; the time of each phase of that one
    /// scan on the bench's clock (one sample each: a breakdown, not a measurement); and
    /// what `MADV_COLLAPSE` says about the file.
    fn scan_check(file: &File, len: usize, expect: u64) {
        println!(
            "\nScan check, one full scan each (FilePmdMapped and Rss from /proc/self/smaps):\n"
        );
        println!(
            "| variant | start 2 MiB-aligned | FilePmdMapped | Rss | map+advise | scan | unmap |\n\
             |---|---|---|---|---|---|---|"
        );
        let ms = |t: Duration| (common::now() - t).as_secs_f64() * 1e3;
        for (name, way) in SCAN_WAYS {
            let t = common::now();
            let m = rawmap_scan_map(file, len, way);
            let map_ms = ms(t);
            let t = common::now();
            assert_eq!(sum_words(&m), expect);
            let scan_ms = ms(t);
            let (p, l) = (m.as_ptr().addr(), m.len());
            let (pmd, rss) = (smaps_kb(p, l, "FilePmdMapped"), smaps_kb(p, l, "Rss"));
            let t = common::now();
            drop(m);
            println!(
                "| {name} | {} | {pmd} kB | {rss} kB | {map_ms:.1} ms | {scan_ms:.1} ms | {:.1} ms |",
                p.is_multiple_of(2 << 20),
                ms(t),
            );
        }
        let m = rawmap_scan_map(file, len, Way::Thp);
        println!(
            "\nMADV_COLLAPSE on a THP-aligned mapping of the file: {:?}; FilePmdMapped after it: {} kB",
            m.advise(Advice::Collapse),
            smaps_kb(m.as_ptr().addr(), len, "FilePmdMapped"),
        );
    }

    fn scan() {
        let len = size(1 << 30, 512 << 10);
        let data = Rc::new(pattern(len));
        let expect = sum_words(&data);
        // The same bytes in THP-backed anonymous memory: in-RAM with the TLB reach that a
        // PMD-mapped file gets (the Vec has 4 KiB pages, THP being in madvise mode here).
        let mut thp = rawmap_anon(len, true);
        thp.copy_from_slice(&data);
        println!(
            "\nscan: the Vec has AnonHugePages {} kB, the THP buffer {} kB, of {} kB",
            smaps_kb(data.as_ptr().addr(), len, "AnonHugePages"),
            smaps_kb(thp.as_ptr().addr(), len, "AnonHugePages"),
            len >> 10
        );
        let thp = Rc::new(thp);
        for (tag, what, chunk) in [
            (
                "1g-big",
                "written in 64 MiB writes (2 MiB folios)",
                BIG_WRITES,
            ),
            ("1g-4k", "written in 4 KiB writes (4 KiB folios)", 4096),
        ] {
            let tmp = TempFile::new(tag, &data, chunk);
            scan_one(&tmp.file, what, &data, &thp, expect);
            // The in-RAM references are only references while they keep their pages:
            // a THP buffer whose huge pages were split scans like the Vec.
            println!(
                "\nscan: after the table, the Vec has AnonHugePages {} kB, the THP buffer {} kB",
                smaps_kb(data.as_ptr().addr(), len, "AnonHugePages"),
                smaps_kb(thp.as_ptr().addr(), len, "AnonHugePages"),
            );
        }
    }

    fn scan_one(file: &File, what: &str, data: &Rc<Vec<u8>>, thp: &Rc<Mapping>, expect: u64) {
        let len = data.len();
        let file = Rc::new(file.try_clone().expect("dup"));
        scan_check(&file, len, expect);
        let (data, thp) = (data.clone(), thp.clone());
        // Every candidate, in-RAM ones included, is followed by the same page cache check,
        // so each starts after the same `mincore` walk.
        let misses = Rc::new(Cell::new((0, 0)));
        let check = {
            let (file, misses) = (file.clone(), misses.clone());
            move || CacheCheck {
                file: file.clone(),
                len,
                misses: misses.clone(),
            }
        };
        let bytes = Some(len as u64);
        let mut b = Bench::new(format!(
            "sum of the u64 words of a {} page-cached file {what}, end to end (map, advise, scan, unmap)",
            human(len)
        ))
        .rounds(11)
        .batch(Duration::from_millis(1))
        .case_with_setup("Vec in RAM, 4 KiB pages", bytes, check.clone(), move |_| {
            assert_eq!(sum_words(black_box(&data)), expect);
        })
        .case_with_setup("in RAM, THP", bytes, check.clone(), move |_| {
            assert_eq!(sum_words(black_box(&thp)), expect);
        });
        let f = file.clone();
        let mut buf = vec![0u8; len.min(1 << 20)];
        b = b.case_with_setup("read(2), 1 MiB chunks", bytes, check.clone(), move |_| {
            let mut file = &*f;
            file.seek(SeekFrom::Start(0)).unwrap();
            let mut sum = 0u64;
            // (The file is a whole number of chunks: 1 MiB, or all of it when smaller.)
            for _ in 0..len / buf.len() {
                file.read_exact(&mut buf).unwrap();
                sum = sum.wrapping_add(sum_words(&buf));
            }
            assert_eq!(sum, expect);
        });
        let f = file.clone();
        b = b.case_with_setup("memmap2", bytes, check.clone(), move |_| {
            // SAFETY: as for rawmap.
            let m = unsafe { memmap2::MmapOptions::new().len(len).map(&*f) }.unwrap();
            assert_eq!(sum_words(&m), expect);
        });
        for (name, way) in SCAN_WAYS {
            let f = file.clone();
            b = b.case_with_setup(name, bytes, check.clone(), move |_| {
                let m = rawmap_scan_map(&f, len, way);
                assert_eq!(sum_words(&m), expect);
            });
        }
        b.baseline("Vec in RAM, 4 KiB pages")
            .ratio("rawmap", "in RAM, THP")
            .ratio("rawmap populate()", "in RAM, THP")
            .ratio("rawmap populate()", "rawmap")
            .ratio("rawmap + Sequential + PopulateRead", "rawmap")
            .ratio("rawmap sequential()", "rawmap")
            .ratio("rawmap sequential()", "in RAM, THP")
            .ratio("rawmap", "memmap2")
            .run();
        let (iters, pages) = misses.get();
        println!(
            "\nPage cache: after {iters} of the timed iterations, {pages} pages of the file had \
             left the cache (read back before the next one)."
        );
    }

    // ---------------------------------------------------------------------------------
    // 4. random reads

    /// Walks precomputed random offsets. `next(prev)` folds the value just read into the
    /// index through `zero` (0, hidden from the compiler by `black_box`), so the dependent
    /// candidates cannot start a read before the previous one finished: latency instead
    /// of throughput. The independent ones pass 0 and let reads overlap.
    struct Cursor {
        offs: Rc<[usize]>,
        k: usize,
        zero: usize,
    }

    impl Cursor {
        #[inline(always)]
        fn next(&mut self, prev: u64) -> usize {
            self.k = self
                .k
                .wrapping_add(1)
                .wrapping_add(prev as usize & self.zero);
            self.offs[self.k & (self.offs.len() - 1)]
        }
    }

    fn random() {
        let len = size(256 << 20, 1 << 20);
        let tmp = TempFile::new("256m", &pattern(len), BIG_WRITES);
        let file = Rc::new(tmp.file.try_clone().expect("dup"));
        // 64 Ki precomputed offsets, anywhere an 8-byte read fits.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let offsets: Rc<[usize]> = (0..1 << 16)
            .map(|_| {
                x = xorshift(x);
                (x % (len as u64 - 7)) as usize
            })
            .collect();
        // The mappings are faulted in before timing: the reads measure access, not faults.
        // SAFETY: the bench file is private to this process (see `map_file`).
        let populated = unsafe { MapOptions::new().len(len).populate().map(&*file) }.unwrap();
        let populated = Rc::new(populated);
        // SAFETY: as above.
        let thp = unsafe {
            MapOptions::new()
                .len(len)
                .huge_pages(HugePages::Transparent)
                .map(&*file)
        }
        .unwrap();
        thp.advise(Advice::PopulateRead).unwrap();
        let thp = Rc::new(thp);
        // Page-table state of the two rawmap mappings: Rss counts pages mapped in this
        // process, so a drop after the run means reclaim unmapped some (reads then fault).
        let state = |when: &str| {
            for (name, m) in [("populated", &populated), ("THP-aligned", &thp)] {
                let p = m.as_ptr().addr();
                println!(
                    "random, {when}: {name} mapping Rss {} kB, FilePmdMapped {} kB, of {} kB",
                    smaps_kb(p, len, "Rss"),
                    smaps_kb(p, len, "FilePmdMapped"),
                    len >> 10
                );
            }
        };
        println!();
        state("before");
        // SAFETY: as above.
        let mm2 = unsafe { memmap2::MmapOptions::new().len(len).populate().map(&*file) }.unwrap();

        let cursor = || Cursor {
            offs: offsets.clone(),
            k: 0,
            zero: black_box(0),
        };
        let (mut c1, mut c2, mut c3, mut c4, mut c5, mut c6, mut c7, mut c8, mut c9) = (
            cursor(),
            cursor(),
            cursor(),
            cursor(),
            cursor(),
            cursor(),
            cursor(),
            cursor(),
            cursor(),
        );
        let (f1, f2, f3) = (file.clone(), file.clone(), file.clone());
        let (m1, m2, m3, m4) = (
            populated.clone(),
            populated.clone(),
            populated.clone(),
            populated.clone(),
        );
        let thp1 = thp.clone();
        let pread = |fd: i32, off: usize| {
            let mut buf = [0u8; 8];
            // SAFETY: `buf` has room for 8 bytes; the descriptor is open.
            let r = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), 8, off as libc::off_t) };
            assert_eq!(r, 8);
            u64::from_ne_bytes(buf)
        };
        let read_at = |m: &Mapping, off: usize| {
            let mut buf = [0u8; 8];
            m.read_at(off, &mut buf).unwrap();
            u64::from_ne_bytes(buf)
        };
        let index = |m: &[u8], off: usize| u64::from_ne_bytes(m[off..off + 8].try_into().unwrap());
        // The value each dependent candidate read last.
        let (mut p1, mut p2, mut p3) = (0u64, 0u64, 0u64);
        Bench::new(format!(
            "8-byte reads at random offsets of a {} page-cached file",
            human(len)
        ))
        .rounds(101)
        .case("libc pread", move || {
            black_box(pread(f1.as_raw_fd(), c1.next(0)));
        })
        .case("rustix pread", move || {
            let mut buf = [0u8; 8];
            let r = rustix::io::pread(&*f2, &mut buf, c2.next(0) as u64).unwrap();
            assert_eq!(r, 8);
            black_box(buf);
        })
        .case("rawmap read_at", move || {
            black_box(read_at(&m1, c3.next(0)));
        })
        .case("rawmap slice index", move || {
            black_box(index(&m2, c4.next(0)));
        })
        .case("rawmap read_at, THP-aligned", move || {
            black_box(read_at(&thp1, c5.next(0)));
        })
        .case("memmap2 slice index", move || {
            black_box(index(&mm2, c6.next(0)));
        })
        .case("libc pread, dependent", move || {
            p1 = pread(f3.as_raw_fd(), c7.next(p1));
        })
        .case("rawmap read_at, dependent", move || {
            p2 = read_at(&m3, c8.next(p2));
        })
        .case("rawmap slice index, dependent", move || {
            p3 = index(&m4, c9.next(p3));
        })
        .baseline("libc pread")
        .ratio("libc pread", "rawmap read_at")
        .ratio("libc pread, dependent", "rawmap read_at, dependent")
        .ratio("rawmap read_at", "memmap2 slice index")
        .run();
        state("after");
        drop(tmp);
    }
    // ---------------------------------------------------------------------------------
    // 5. where sequential() does not pay

    /// Whole cached files read once, by size, and a reader that stops early: what
    /// `sequential()` costs against a plain mapping where there is little or nothing to
    /// gain, which decides whether anything should use it by default.
    fn reader() {
        let sizes: &[usize] = if measuring() {
            &[4 << 10, 64 << 10, 1 << 20, 16 << 20]
        } else {
            &[4 << 10, 64 << 10]
        };
        for &n in sizes {
            let tmp = TempFile::new(&format!("reader-{n}"), &pattern(n), 4096);
            reader_whole(&tmp.file, n);
        }
        // 4 KiB writes: 4 KiB folios, the case where populating costs the most.
        let big = size(256 << 20, 1 << 20);
        let tmp = TempFile::new("reader-early", &pattern(big), 4096);
        reader_first_page(&tmp.file, big);
    }

    /// Map, sum every word, unmap, for one cached file of `n` bytes (written 4 KiB at a
    /// time), plain and `sequential()`, with `read(2)` of the whole file for scale.
    fn reader_whole(file: &File, n: usize) {
        let expect = sum_words(&pattern(n));
        let file = Rc::new(file.try_clone().expect("dup"));
        let (f1, f2, f3) = (file.clone(), file.clone(), file);
        let mut buf = vec![0u8; n];
        Bench::new(format!(
            "read a {} page-cached file once (4 KiB folios), map to unmap",
            human(n)
        ))
        .rounds(41)
        .case_bytes("rawmap", n as u64, move || {
            // SAFETY: the bench file is private to this process (see `map_file`).
            let m = unsafe { MapOptions::new().len(n).map(&*f1) }.unwrap();
            assert_eq!(sum_words(&m), expect);
        })
        .case_bytes("rawmap sequential()", n as u64, move || {
            // SAFETY: as above.
            let m = unsafe { MapOptions::new().len(n).sequential().map(&*f2) }.unwrap();
            assert_eq!(sum_words(&m), expect);
        })
        .case_bytes("pread(2), one call", n as u64, move || {
            let r = rustix::io::pread(&*f3, &mut buf, 0).unwrap();
            assert_eq!(r, n);
            assert_eq!(sum_words(&buf), expect);
        })
        .baseline("rawmap")
        .ratio("rawmap sequential()", "rawmap")
        .run();
    }

    /// Map, read the first 4 KiB, unmap: a reader that stops early (a header, a
    /// magic number) pays for populating all of the file with `sequential()`.
    fn reader_first_page(file: &File, n: usize) {
        let file = Rc::new(file.try_clone().expect("dup"));
        let (f1, f2) = (file.clone(), file);
        Bench::new(format!(
            "read the first 4 KiB of a {} page-cached file (4 KiB folios), map to unmap",
            human(n)
        ))
        .rounds(11)
        .batch(Duration::from_millis(1))
        .case("rawmap", move || {
            // SAFETY: the bench file is private to this process (see `map_file`).
            let m = unsafe { MapOptions::new().len(n).map(&*f1) }.unwrap();
            black_box(sum_words(&m[..4096]));
        })
        .case("rawmap sequential()", move || {
            // SAFETY: as above.
            let m = unsafe { MapOptions::new().len(n).sequential().map(&*f2) }.unwrap();
            black_box(sum_words(&m[..4096]));
        })
        .baseline("rawmap")
        .run();
    }
}
