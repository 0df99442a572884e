//! Fuzzes `MapOptions` (length, offset, flags, huge pages, fixed address) and the range
//! methods of `Mapping` (`advise_range`, `flush_range`, `read_at`, `write_at`, `remap`,
//! `protect`, `residency`) with arbitrary values, on anonymous memory and on memfds.
//!
//! Asserts: no panic and no crash, and results consistent with the documented rules:
//! a zero length maps nothing; `len > isize::MAX` is `ENOMEM`; `offset + len`
//! overflowing is `EOVERFLOW`; a range not inside the mapping is `EINVAL`; reading or
//! writing without the protection for it is `EACCES`; a successful mapping has the
//! length asked for and starts `offset % page` into a page (at the fixed address, if
//! one was given); a successful remap has the new length, a failed one the old;
//! `write_at` then `read_at` give the bytes back; `sequential()` over pages past the
//! end of a file fails (`EFAULT`) instead of returning a mapping.
//!
//! RLIMIT_AS is lowered once so that no length the fuzzer picks can exhaust the
//! machine (the run uses `-s none`: AddressSanitizer's shadow memory would not fit
//! under it, and the crate's memory is mmap'd, which ASan does not track anyway).
#![no_main]

use std::sync::Once;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rawmap::{
    Advice, Errno, File, HugePages, MapOptions, Mapping, MemfdFlags, ProtFlags, RemapFlags,
    SealFlags, page_size,
};

/// A size that often lands near page boundaries, sometimes anywhere.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Size {
    Small(u16),
    Pages { pages: u8, extra: u16 },
    Any(usize),
    NearMax(u8),
}

impl Size {
    fn get(self) -> usize {
        match self {
            Self::Small(n) => usize::from(n),
            Self::Pages { pages, extra } => {
                usize::from(pages) * page_size() + usize::from(extra) % page_size()
            }
            Self::Any(n) => n,
            Self::NearMax(k) => usize::MAX - usize::from(k),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Source {
    Anon { shared: bool },
    File { len: u16, how: How },
    Sealed { len: u16 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum How {
    Map,
    MapMut,
    MapCopy,
}

#[derive(Arbitrary, Debug)]
enum Huge {
    Transparent,
    Explicit(u8),
}

#[derive(Arbitrary, Debug)]
struct Options {
    len: Option<Size>,
    offset: Size,
    offset_high: Option<u32>,
    populate: bool,
    locked: bool,
    no_reserve: bool,
    stack: bool,
    huge: Option<Huge>,
    fixed: Option<usize>,
    validate: bool,
    sequential: bool,
}

/// Advice that succeeds on any mapped range.
const ADVICE: [Advice; 4] = [
    Advice::Normal,
    Advice::WillNeed,
    Advice::Cold,
    Advice::PageOut,
];

const PROTS: [ProtFlags; 3] = [
    ProtFlags::READ,
    ProtFlags::READ.union(ProtFlags::WRITE),
    ProtFlags::empty(),
];

#[derive(Arbitrary, Debug)]
enum Op {
    AdviseRange {
        advice: u8,
        off: Size,
        len: Size,
    },
    FlushRange {
        off: Size,
        len: Size,
        asynchronous: bool,
    },
    ReadAt {
        off: Size,
        len: u16,
    },
    WriteAt {
        off: Size,
        len: u16,
        byte: u8,
    },
    Remap {
        len: Size,
        maymove: bool,
    },
    Protect {
        prot: u8,
    },
    Residency,
}

#[derive(Arbitrary, Debug)]
struct Input {
    source: Source,
    options: Options,
    ops: Vec<Op>,
}

/// Keeps every mapping the fuzzer asks for under 4 GiB of address space.
fn limit_address_space() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let lim = libc::rlimit {
            rlim_cur: 4 << 30,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: a valid rlimit for the duration of the call.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) }, 0);
    });
}

fn in_range(off: usize, len: usize, total: usize) -> bool {
    off.checked_add(len).is_some_and(|end| end <= total)
}

/// What the mapping is over, for deciding which bytes may be touched.
struct Backing {
    /// File length, for file mappings: pages wholly past it raise SIGBUS.
    file_len: Option<usize>,
    /// File offset of the mapping's first byte.
    offset: u64,
    /// Growth is refused (file or shared anonymous).
    fixed_size: bool,
    /// hugetlbfs pages: mremap wants huge-page multiples, which the crate does not round
    /// to (only reachable with huge pages reserved), so remap results are not checked.
    hugetlb: bool,
    /// Mapped `locked`: the kernel refuses `Cold` and `PageOut` (EINVAL).
    locked: bool,
    /// Mapped `sequential`: `Normal` advice on part of it splits the kernel's region,
    /// after which growing is `EFAULT` (as `Mapping::remap` documents).
    sequential: bool,
}

impl Backing {
    /// Whether bytes `[off, off + n)` of the mapping may be touched without SIGBUS.
    fn touchable(&self, off: usize, n: usize) -> bool {
        match self.file_len {
            None => true,
            Some(flen) => {
                let end = self.offset as u128 + off as u128 + n as u128;
                end <= flen.next_multiple_of(page_size()) as u128
            }
        }
    }
}

fn build(o: &Options, len_cap: bool) -> MapOptions {
    let mut m = MapOptions::new().offset(offset_of(o));
    if let Some(len) = o.len {
        m = m.len(len.get());
    }
    // Populating or locking huge lengths would use real memory: only small ones.
    let small = o.len.is_some_and(|l| l.get() <= 1 << 20) || len_cap;
    if o.populate && small {
        m = m.populate();
    }
    if is_sequential(o, len_cap) {
        m = m.sequential();
    }
    if is_locked(o, len_cap) {
        m = m.locked();
    }
    if o.no_reserve {
        m = m.no_reserve();
    }
    if o.stack {
        m = m.stack();
    }
    match o.huge {
        Some(Huge::Transparent) => m = m.huge_pages(HugePages::Transparent),
        Some(Huge::Explicit(shift)) => m = m.huge_pages(HugePages::Explicit { shift }),
        None => {}
    }
    if let Some(addr) = o.fixed {
        m = m.fixed_noreplace(addr);
    }
    if o.validate {
        m = m.validate();
    }
    m
}

fn offset_of(o: &Options) -> u64 {
    o.offset.get() as u64 | u64::from(o.offset_high.unwrap_or(0)) << 32
}

/// Errors the crate must return before asking the kernel, given the options and the
/// resolved length: the first rule broken, in the documented terms.
fn precondition(len: usize, offset: u64) -> Option<Errno> {
    if len == 0 {
        None
    } else if len > isize::MAX as usize {
        Some(Errno::NOMEM)
    } else if offset.checked_add(len as u64).is_none() {
        Some(Errno::OVERFLOW)
    } else {
        None
    }
}

/// Whether `build` really asked for `locked` (only for small lengths).
fn is_locked(o: &Options, len_cap: bool) -> bool {
    o.locked && (o.len.is_some_and(|l| l.get() <= 1 << 20) || len_cap)
}

/// Whether `build` really asked for `sequential` (it populates: only small lengths).
fn is_sequential(o: &Options, len_cap: bool) -> bool {
    o.sequential && (o.len.is_some_and(|l| l.get() <= 1 << 20) || len_cap)
}

/// Whether a file mapping reaches a page wholly past the end of the file, which
/// `sequential()`'s populate refuses with `EFAULT` (the mapping is then undone) on
/// kernels that have `MADV_POPULATE_READ` (5.14+; older ones skip the populate).
fn past_eof_pages(offset: u64, len: usize, file_len: usize) -> bool {
    let page = page_size() as u64;
    len != 0 && (offset + len as u64).div_ceil(page) > (file_len as u64).div_ceil(page)
}

fn is_hugetlb(o: &Options) -> bool {
    matches!(o.huge, Some(Huge::Explicit(_)))
}

/// A fixed address must be page-aligned: `EINVAL` (or `ENOMEM` when the length
/// rounded up to the huge page size overflows first).
fn check_fixed(o: &Options, r: &rawmap::Result<impl core::fmt::Debug>, len: usize) {
    if len != 0 && o.fixed.is_some_and(|a| a % page_size() != 0) {
        let e = r.as_ref().err().copied();
        assert!(
            e == Some(Errno::INVAL) || e == Some(Errno::NOMEM),
            "unaligned fixed address: {r:?}"
        );
    }
}

/// Checks a mapping the options produced.
fn check_mapped(m: &Mapping, o: &Options, len: usize, anon: bool) {
    let page = page_size();
    let offset = offset_of(o);
    assert_eq!(m.len(), len);
    assert_eq!(m.is_empty(), len == 0);
    if len == 0 {
        return;
    }
    if !matches!(o.huge, Some(Huge::Explicit(s)) if s != 0) {
        assert_eq!(m.as_ptr().addr() % page, (offset % page as u64) as usize);
    }
    if let Some(addr) = o.fixed {
        assert_eq!(m.as_ptr().addr(), addr + (offset % page as u64) as usize);
    }
    // Anonymous memory is aligned; files are placed by the kernel.
    if anon && matches!(o.huge, Some(Huge::Transparent)) && o.fixed.is_none() {
        let thp = page * (page / 8);
        let base = m.as_ptr().addr() - (offset % page as u64) as usize;
        assert_eq!(base % thp, 0, "transparent huge page alignment");
    }
}

fn run_ops(m: &mut Mapping, backing: &Backing, ops: &[Op]) {
    let page = page_size();
    // Whether the kernel may hold the mapping as several regions (see `Backing`).
    let mut split = false;
    for op in ops.iter().take(16) {
        let len = m.len();
        match *op {
            Op::AdviseRange {
                advice,
                off,
                len: n,
            } => {
                let (off, n) = (off.get(), n.get());
                let advice = ADVICE[usize::from(advice) % ADVICE.len()];
                let r = m.advise_range(advice, off, n);
                let refused = backing.locked && matches!(advice, Advice::Cold | Advice::PageOut);
                if in_range(off, n, len) && n > 0 && refused {
                    assert_eq!(r, Err(Errno::INVAL), "{advice:?} on locked memory");
                } else if in_range(off, n, len) {
                    assert_eq!(r, Ok(()), "advise_range {advice:?} {off} {n}");
                    split |= backing.sequential && advice == Advice::Normal && n > 0;
                } else {
                    assert_eq!(r, Err(Errno::INVAL));
                }
            }
            Op::FlushRange {
                off,
                len: n,
                asynchronous,
            } => {
                let (off, n) = (off.get(), n.get());
                let r = if asynchronous {
                    m.flush_async_range(off, n)
                } else {
                    m.flush_range(off, n)
                };
                if in_range(off, n, len) {
                    assert_eq!(r, Ok(()));
                } else {
                    assert_eq!(r, Err(Errno::INVAL));
                }
            }
            Op::ReadAt { off, len: n } => {
                let (off, n) = (off.get(), usize::from(n));
                let mut buf = vec![0u8; n];
                if !in_range(off, n, len) {
                    assert_eq!(
                        m.read_at(off, &mut buf).map_err(Errno::from),
                        Err(Errno::INVAL)
                    );
                } else if n > 0 && !m.protection().contains(ProtFlags::READ) {
                    assert_eq!(
                        m.read_at(off, &mut buf).map_err(Errno::from),
                        Err(Errno::ACCES)
                    );
                } else if backing.touchable(off, n) {
                    assert_eq!(m.read_at(off, &mut buf).map_err(Errno::from), Ok(()));
                }
            }
            Op::WriteAt { off, len: n, byte } => {
                let (off, n) = (off.get(), usize::from(n));
                let buf = vec![byte; n];
                if !in_range(off, n, len) {
                    assert_eq!(
                        m.write_at(off, &buf).map_err(Errno::from),
                        Err(Errno::INVAL)
                    );
                } else if n > 0 && !m.protection().contains(ProtFlags::WRITE) {
                    assert_eq!(
                        m.write_at(off, &buf).map_err(Errno::from),
                        Err(Errno::ACCES)
                    );
                } else if backing.touchable(off, n) {
                    assert_eq!(m.write_at(off, &buf).map_err(Errno::from), Ok(()));
                    if m.protection().contains(ProtFlags::READ) {
                        let mut back = vec![!byte; n];
                        assert_eq!(m.read_at(off, &mut back).map_err(Errno::from), Ok(()));
                        assert_eq!(back, buf);
                    }
                }
            }
            Op::Remap { len: n, maymove } => {
                let n = n.get();
                // A locked mapping is faulted in and locked as it grows: real memory.
                if backing.locked && n > 1 << 20 && n <= isize::MAX as usize {
                    continue;
                }
                let flags = if maymove {
                    RemapFlags::MAYMOVE
                } else {
                    RemapFlags::empty()
                };
                let before = (m.as_ptr(), m.len());
                let r = m.remap(n, flags);
                let expect = if len == 0 {
                    (n != 0).then_some(Errno::INVAL)
                } else if n == 0 {
                    Some(Errno::INVAL)
                } else if n > isize::MAX as usize {
                    Some(Errno::NOMEM)
                } else if backing.fixed_size && n > len {
                    Some(Errno::INVAL)
                } else {
                    None
                };
                match (r, expect) {
                    _ if backing.hugetlb => {}
                    (Ok(()), None) => assert_eq!(m.len(), n),
                    (Err(e), Some(want)) => assert_eq!(e, want, "remap {n}"),
                    // The kernel may refuse growth: no room in place, or RLIMIT_AS; and a
                    // length past the user address space (TASK_SIZE) is EINVAL.
                    (Err(e), None) if e == Errno::NOMEM && n > len => {}
                    (Err(e), None) if e == Errno::INVAL && n > 1 << 46 => {}
                    (Err(e), None) if e == Errno::FAULT && split && n > len => {}
                    other => panic!("remap({n}, {flags:?}) of {len}: {other:?}"),
                }
                if r.is_err() {
                    assert_eq!((m.as_ptr(), m.len()), before);
                }
            }
            Op::Protect { prot } => {
                let prot = PROTS[usize::from(prot) % PROTS.len()];
                assert_eq!(m.protect(prot), Ok(()));
                assert_eq!(m.protection(), prot);
            }
            Op::Residency => {
                let r = m.residency().expect("residency");
                let span = if len == 0 {
                    0
                } else {
                    let prefix = m.as_ptr().addr() % page;
                    (prefix + len).div_ceil(page)
                };
                assert!(r.resident <= r.pages);
                // Huge-page mappings span more small pages than the length needs.
                assert!(r.pages >= span, "{r:?} for {len} bytes");
            }
        }
    }
}

fn fuzz(input: Input) {
    limit_address_space();
    let o = &input.options;
    let offset = offset_of(o);
    match input.source {
        Source::Anon { shared } => {
            let mut opts = build(o, false);
            if shared {
                opts = opts.shared();
            }
            let r = opts.map_anonymous();
            let Some(len) = o.len.map(Size::get) else {
                assert_eq!(r.err(), Some(Errno::INVAL), "map_anonymous without len");
                return;
            };
            if let Some(e) = precondition(len, offset) {
                assert_eq!(r.err(), Some(e), "len {len} offset {offset}");
                return;
            }
            if len == 0 {
                assert!(
                    r.as_ref().is_ok_and(Mapping::is_empty),
                    "zero length: {r:?}"
                );
            }
            check_fixed(o, &r, len);
            let Ok(mut m) = r else { return };
            check_mapped(&m, o, len, true);
            let backing = Backing {
                file_len: None,
                offset: 0,
                fixed_size: shared,
                hugetlb: is_hugetlb(o),
                locked: is_locked(o, false),
                sequential: is_sequential(o, false),
            };
            run_ops(&mut m, &backing, &input.ops);
        }
        Source::File { len: flen, how } => {
            let flen = usize::from(flen);
            let f = File::memfd(c"rawmap-fuzz", MemfdFlags::CLOEXEC).unwrap();
            f.set_len(flen as u64).unwrap();
            let opts = build(o, true);
            // SAFETY: the memfd is private to this run; nothing writes or truncates it,
            // and the ops touch only bytes the file covers.
            let r = unsafe {
                match how {
                    How::Map => opts.map(&f),
                    How::MapMut => opts.map_mut(&f),
                    How::MapCopy => opts.map_copy(&f),
                }
            };
            let len = match o.len {
                Some(l) => l.get(),
                None => match (flen as u64).checked_sub(offset) {
                    Some(rest) => rest as usize,
                    None => {
                        assert_eq!(r.err(), Some(Errno::INVAL), "offset past the end");
                        return;
                    }
                },
            };
            if let Some(e) = precondition(len, offset) {
                assert_eq!(r.err(), Some(e), "len {len} offset {offset}");
                return;
            }
            if len == 0 {
                assert!(
                    r.as_ref().is_ok_and(Mapping::is_empty),
                    "zero length: {r:?}"
                );
            }
            check_fixed(o, &r, len);
            let populates = Advice::PopulateRead.is_supported();
            if is_sequential(o, true) && populates && past_eof_pages(offset, len, flen) && r.is_ok()
            {
                panic!("sequential() populated pages past the end of a {flen}-byte file");
            }
            let Ok(mut m) = r else { return };
            check_mapped(&m, o, len, false);
            let backing = Backing {
                file_len: Some(flen),
                offset,
                fixed_size: true,
                hugetlb: is_hugetlb(o),
                locked: is_locked(o, true),
                sequential: is_sequential(o, true),
            };
            run_ops(&mut m, &backing, &input.ops);
        }
        Source::Sealed { len: flen } => {
            let flen = usize::from(flen);
            let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
            let f = File::memfd(c"rawmap-fuzz-sealed", flags).unwrap();
            f.set_len(flen as u64).unwrap();
            f.add_seals(SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE)
                .unwrap();
            let r = build(o, true).map_if_safe(&f);
            let len = match o.len {
                Some(l) => {
                    let l = l.get();
                    match offset.checked_add(l as u64) {
                        None => {
                            assert_eq!(r.err(), Some(Errno::OVERFLOW));
                            return;
                        }
                        Some(end) if end > flen as u64 => {
                            assert_eq!(r.err(), Some(Errno::INVAL), "past the end");
                            return;
                        }
                        Some(_) => l,
                    }
                }
                None => match (flen as u64).checked_sub(offset) {
                    Some(rest) => rest as usize,
                    None => {
                        assert_eq!(r.err(), Some(Errno::INVAL), "offset past the end");
                        return;
                    }
                },
            };
            let Ok(m) = r else { return };
            let mut m = m.expect("a sealed memfd is safe to map");
            check_mapped(&m, o, len, false);
            assert_eq!(m.protection(), ProtFlags::READ);
            let backing = Backing {
                file_len: Some(flen),
                offset,
                fixed_size: true,
                hugetlb: is_hugetlb(o),
                locked: is_locked(o, true),
                sequential: is_sequential(o, true),
            };
            run_ops(&mut m, &backing, &input.ops);
        }
    }
}

fuzz_target!(|input: Input| fuzz(input));
