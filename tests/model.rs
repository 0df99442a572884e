//! Model-based test: random sequences of operations on memfds and mappings, checked
//! after every step against a plain model: a `Vec<u8>` per file, a `Vec<u8>` per
//! anonymous mapping, and per page of a private file mapping either its private copy
//! or "still the file's page".
//!
//! Operations: create a memfd, map it (shared read-only, shared read-write, private
//! copy-on-write; any offset, explicit or implied length), map anonymous memory
//! (private or shared), `write_at`, `read_at`, slice reads and writes, writes to the
//! file (pwrite), `set_len` (grow and shrink under live mappings), `remap` (grow and
//! shrink; `remap_file` where the file covers the new range), `protect`, `advise`,
//! `flush`, dropping mappings, closing files.
//!
//! After every operation the test compares every readable byte of every mapping and
//! every open file with the model, and the lengths, and checks that nothing leaked: a
//! memfd is named in /proc/self/maps exactly while the model has a mapping of it and in
//! /proc/self/fd exactly while its `File` is open; a dropped anonymous mapping's pages
//! are unmapped. At the end of each case everything is dropped and checked again. (This
//! file has one test, so no other test thread maps anything meanwhile.)
//!
//! The kernel semantics the model encodes, each of which the test would catch if the
//! crate got them wrong: pages wholly past the end of the file raise SIGBUS, so the
//! model only touches bytes the file covers (and reads the end-of-file page's tail as
//! zeros); a private mapping is not a snapshot: pages not yet written show later changes
//! to the file; shrinking a file discards even private copies of pages past the new
//! end; mremap keeps page contents, including bytes past the length in the last page.
//!
//! Cases: `RAWMAP_MODEL_CASES` (default 2500: 8-21 s in a debug build on a 2-core
//! machine; 250 under qemu-user), e.g.
//! `RAWMAP_MODEL_CASES=100000 cargo test --release --test model`.
//! proptest shrinks a failure to a minimal sequence and saves its seed under
//! `proptest-regressions/`.
#![cfg(target_os = "linux")]

mod common;

use std::ffi::CString;

use common::{fds_mention, maps_mention, unique_name};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use rawmap::fd::AsRawFd;
use rawmap::{Advice, Errno, File, MapOptions, Mapping, MemfdFlags, ProtFlags, RemapFlags, raw};

/// Cases when `RAWMAP_MODEL_CASES` is not set (fewer under qemu-user, which runs these
/// syscalls about ten times slower: there the run checks the plumbing).
const DEFAULT_CASES: u32 = if cfg!(qemu) { 250 } else { 2500 };
/// Most operations in one case.
const MAX_OPS: usize = 40;
/// Most files and mappings alive at once.
const MAX_FILES: usize = 3;
const MAX_MAPS: usize = 6;

fn page() -> usize {
    rawmap::page_size()
}

fn round_up(n: usize) -> usize {
    n.next_multiple_of(page())
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

/// How to map a file.
#[derive(Debug, Clone, Copy)]
enum How {
    /// `map`: shared, read-only.
    Shared,
    /// `map_mut`: shared, read-write.
    SharedMut,
    /// `map_copy`: private, copy-on-write.
    Private,
}

/// Safe advice that keeps contents and page state (so the model needs no change).
const ADVICE: [Advice; 8] = [
    Advice::Normal,
    Advice::Random,
    Advice::Sequential,
    Advice::WillNeed,
    Advice::DontDump,
    Advice::DoDump,
    Advice::Cold,
    Advice::PageOut,
];

/// The advice above that changes a region's flags: given to part of a mapping, the
/// kernel splits its region there.
const SPLITS: [Advice; 5] = [
    Advice::Normal,
    Advice::Random,
    Advice::Sequential,
    Advice::DontDump,
    Advice::DoDump,
];

const PROTS: [ProtFlags; 3] = [
    ProtFlags::READ,
    ProtFlags::READ.union(ProtFlags::WRITE),
    ProtFlags::empty(),
];

/// One step. Indices pick a live file or mapping modulo how many there are (the step is
/// skipped if there is none); sizes straddle page boundaries.
#[derive(Debug, Clone)]
enum Op {
    NewFile {
        len: usize,
        seed: u8,
    },
    Map {
        file: usize,
        how: How,
        offset: usize,
        len: Option<usize>,
    },
    MapAnon {
        len: usize,
        shared: bool,
    },
    WriteAt {
        map: usize,
        off: usize,
        len: usize,
        seed: u8,
    },
    ReadAt {
        map: usize,
        off: usize,
        len: usize,
    },
    SliceWrite {
        map: usize,
        off: usize,
        val: u8,
    },
    SliceRead {
        map: usize,
    },
    FileWrite {
        file: usize,
        off: usize,
        len: usize,
        seed: u8,
    },
    SetLen {
        file: usize,
        len: usize,
    },
    Remap {
        map: usize,
        len: usize,
        maymove: bool,
    },
    Protect {
        map: usize,
        prot: usize,
    },
    Advise {
        map: usize,
        advice: usize,
        range: Option<(usize, usize)>,
    },
    Flush {
        map: usize,
        range: Option<(usize, usize)>,
        asynchronous: bool,
    },
    DropMap {
        map: usize,
    },
    CloseFile {
        file: usize,
    },
}

/// A size near page boundaries: 0, small, or whole pages plus 0, 1, page-1 or any.
fn size() -> BoxedStrategy<usize> {
    let p = page();
    prop_oneof![
        1 => Just(0),
        2 => 1..200usize,
        4 => (0..4usize, prop_oneof![Just(0), Just(1), Just(p - 1), 0..p])
            .prop_map(move |(pages, extra)| pages * p + extra),
    ]
    .boxed()
}

fn op() -> impl Strategy<Value = Op> {
    let idx = || 0..8usize;
    let how = prop_oneof![Just(How::Shared), Just(How::SharedMut), Just(How::Private)];
    let range = || proptest::option::of((size(), 0..300usize));
    prop_oneof![
        2 => (size(), any::<u8>()).prop_map(|(len, seed)| Op::NewFile { len, seed }),
        3 => (idx(), how, size(), proptest::option::of(size()))
            .prop_map(|(file, how, offset, len)| Op::Map { file, how, offset, len }),
        2 => (size(), any::<bool>()).prop_map(|(len, shared)| Op::MapAnon { len, shared }),
        4 => (idx(), size(), 0..300usize, any::<u8>())
            .prop_map(|(map, off, len, seed)| Op::WriteAt { map, off, len, seed }),
        2 => (idx(), size(), 0..300usize).prop_map(|(map, off, len)| Op::ReadAt { map, off, len }),
        2 => (idx(), size(), any::<u8>())
            .prop_map(|(map, off, val)| Op::SliceWrite { map, off, val }),
        1 => idx().prop_map(|map| Op::SliceRead { map }),
        2 => (idx(), size(), 0..300usize, any::<u8>())
            .prop_map(|(file, off, len, seed)| Op::FileWrite { file, off, len, seed }),
        2 => (idx(), size()).prop_map(|(file, len)| Op::SetLen { file, len }),
        3 => (idx(), size(), any::<bool>())
            .prop_map(|(map, len, maymove)| Op::Remap { map, len, maymove }),
        2 => (idx(), 0..PROTS.len()).prop_map(|(map, prot)| Op::Protect { map, prot }),
        1 => (idx(), 0..ADVICE.len(), range())
            .prop_map(|(map, advice, range)| Op::Advise { map, advice, range }),
        1 => (idx(), range(), any::<bool>())
            .prop_map(|(map, range, asynchronous)| Op::Flush { map, range, asynchronous }),
        1 => idx().prop_map(|map| Op::DropMap { map }),
        1 => idx().prop_map(|file| Op::CloseFile { file }),
    ]
}

// ---------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------

/// A memfd and what it should contain. Kept after it is closed (its mappings keep the
/// file alive), to check its name leaves /proc/self at the end.
struct FileModel {
    file: Option<File>,
    name: String,
    data: Vec<u8>,
}

impl FileModel {
    /// Bytes `[pos, pos + n)` as a mapping sees them, or `None` if any is on a page
    /// wholly past the end of the file (touching it would raise SIGBUS). The tail of the
    /// last page reads as zeros.
    fn bytes(&self, pos: usize, n: usize) -> Option<Vec<u8>> {
        if n > 0 && pos + n > round_up(self.data.len()) {
            return None;
        }
        let mut v = vec![0; n];
        let have = self.data.len().saturating_sub(pos).min(n);
        if have > 0 {
            v[..have].copy_from_slice(&self.data[pos..pos + have]);
        }
        Some(v)
    }
}

enum Kind {
    /// Anonymous memory: `bytes` has every byte of the mapped pages (`map_len`), since
    /// bytes past the length in the last page survive a remap.
    Anon { shared: bool, bytes: Vec<u8> },
    /// Shared file mapping: the file is the model.
    Shared { file: usize },
    /// Private file mapping: per mapped page, its private copy once written.
    Private {
        file: usize,
        cow: Vec<Option<Vec<u8>>>,
    },
}

struct MapModel {
    map: Mapping,
    kind: Kind,
    /// Page-aligned file offset of the first mapped page.
    start: usize,
    /// Hidden bytes before the first byte of the mapping.
    prefix: usize,
    len: usize,
    prot: ProtFlags,
    /// Advice that changes the kernel's per-region flags (read-ahead, dump) was given to
    /// part of the mapping, so the kernel may hold it as several regions, and mremap,
    /// which resizes one region, can only shrink it (growing is `EFAULT`).
    maybe_split: bool,
}

impl MapModel {
    fn map_len(&self) -> usize {
        if self.len == 0 {
            0
        } else {
            round_up(self.prefix + self.len)
        }
    }

    fn file(&self) -> Option<usize> {
        match self.kind {
            Kind::Anon { .. } => None,
            Kind::Shared { file } | Kind::Private { file, .. } => Some(file),
        }
    }

    /// Expected bytes `[off, off + n)` of the mapping, or `None` if any is on a page that
    /// would raise SIGBUS.
    fn expected(&self, files: &[FileModel], off: usize, n: usize) -> Option<Vec<u8>> {
        let at = self.prefix + off;
        match &self.kind {
            Kind::Anon { bytes, .. } => Some(bytes[at..at + n].to_vec()),
            Kind::Shared { file } => files[*file].bytes(self.start + at, n),
            Kind::Private { file, cow } => {
                let p = page();
                let mut out = Vec::with_capacity(n);
                let mut i = at;
                while i < at + n {
                    let end = (i / p + 1) * p;
                    let chunk = end.min(at + n) - i;
                    match &cow[i / p] {
                        Some(copy) => out.extend_from_slice(&copy[i % p..i % p + chunk]),
                        None => out.extend(files[*file].bytes(self.start + i, chunk)?),
                    }
                    i += chunk;
                }
                Some(out)
            }
        }
    }

    /// Whether writing `[off, off + n)` is safe (raises no SIGBUS and, for shared
    /// mappings, stays inside the file, so bytes past its end never hold data).
    fn writable(&self, files: &[FileModel], off: usize, n: usize) -> bool {
        let at = self.prefix + off;
        match &self.kind {
            Kind::Anon { .. } => true,
            Kind::Shared { file } => self.start + at + n <= files[*file].data.len(),
            Kind::Private { file, cow } => {
                let p = page();
                (at..at + n).step_by(1).all(|i| {
                    cow[i / p].is_some()
                        || self.start + (i / p) * p < round_up(files[*file].data.len())
                })
            }
        }
    }

    /// Applies a successful write of `data` at `off` to the model.
    fn write(&mut self, files: &mut [FileModel], off: usize, data: &[u8]) {
        let at = self.prefix + off;
        match &mut self.kind {
            Kind::Anon { bytes, .. } => bytes[at..at + data.len()].copy_from_slice(data),
            Kind::Shared { file } => {
                files[*file].data[self.start + at..self.start + at + data.len()]
                    .copy_from_slice(data);
            }
            Kind::Private { file, cow } => {
                let p = page();
                for (k, &b) in data.iter().enumerate() {
                    let i = at + k;
                    let copy = cow[i / p].get_or_insert_with(|| {
                        files[*file]
                            .bytes(self.start + (i / p) * p, p)
                            .expect("writable() checked the page")
                    });
                    copy[i % p] = b;
                }
            }
        }
    }
}

struct World {
    files: Vec<FileModel>,
    maps: Vec<MapModel>,
    /// The anonymous range dropped in the last step, to check it is unmapped. Not a
    /// Vec: pushing could allocate, and musl's malloc may map its memory right into
    /// the range just unmapped.
    dropped_anon: Option<(usize, usize)>,
}

/// `prop_assert!` for our result type.
macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)*)));
        }
    };
}

type Step = Result<(), TestCaseError>;

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn pwrite_all(f: &File, mut off: usize, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of its length.
        let n = unsafe {
            libc::pwrite(
                f.as_raw_fd(),
                buf.as_ptr().cast(),
                buf.len(),
                off as libc::off_t,
            )
        };
        assert!(n > 0, "pwrite: {}", std::io::Error::last_os_error());
        off += n as usize;
        buf = &buf[n as usize..];
    }
}

fn pread_all(f: &File, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len + 1];
    let mut got = 0;
    loop {
        // SAFETY: `buf[got..]` is valid for writes of its length.
        let n = unsafe {
            libc::pread(
                f.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
                got as libc::off_t,
            )
        };
        assert!(n >= 0, "pread: {}", std::io::Error::last_os_error());
        if n == 0 {
            break;
        }
        got += n as usize;
        if got == buf.len() {
            break;
        }
    }
    buf.truncate(got);
    buf
}

/// Whether any page of `[addr, addr + len)` is mapped. Allocates nothing, so nothing
/// can be mapped there between an unmap and this check.
fn any_page_mapped(addr: usize, len: usize) -> bool {
    let mut vec = [0u8; 1];
    (0..len / page()).any(|i| {
        let p = std::ptr::with_exposed_provenance_mut(addr + i * page());
        // SAFETY: one page, one byte of result; mincore only reads page tables.
        unsafe { raw::mincore(p, page(), vec.as_mut_ptr()) }.is_ok()
    })
}

impl World {
    fn new() -> Self {
        Self {
            files: Vec::new(),
            maps: Vec::new(),
            dropped_anon: None,
        }
    }

    fn open_file(&self, i: usize) -> Option<usize> {
        let open: Vec<usize> = (0..self.files.len())
            .filter(|&f| self.files[f].file.is_some())
            .collect();
        (!open.is_empty()).then(|| open[i % open.len()])
    }

    fn map_index(&self, i: usize) -> Option<usize> {
        (!self.maps.is_empty()).then(|| i % self.maps.len())
    }

    /// Runs one step against the crate and the model, checking what the call returned.
    fn apply(&mut self, op: &Op) -> Step {
        let p = page();
        match *op {
            Op::NewFile { len, seed } => {
                if self.files.iter().filter(|f| f.file.is_some()).count() >= MAX_FILES {
                    return Ok(());
                }
                let name = format!("{}.", unique_name("model"));
                let c = CString::new(name.clone()).unwrap();
                let file = File::memfd(&c, MemfdFlags::CLOEXEC).unwrap();
                let data = pattern(len, seed);
                pwrite_all(&file, 0, &data);
                self.files.push(FileModel {
                    file: Some(file),
                    name,
                    data,
                });
            }
            Op::Map {
                file,
                how,
                offset,
                len,
            } => {
                let Some(fi) = self.open_file(file) else {
                    return Ok(());
                };
                if self.maps.len() >= MAX_MAPS {
                    return Ok(());
                }
                let mut o = MapOptions::new().offset(offset as u64);
                if let Some(len) = len {
                    o = o.len(len);
                }
                let f = self.files[fi].file.as_ref().unwrap();
                // SAFETY: the memfd is private to this test. It is written and truncated
                // under live mappings, which the constructors' contract forbids for
                // references: the model never reads or writes a byte the file does not
                // cover, and makes slices only while the file covers the whole mapping.
                let r = unsafe {
                    match how {
                        How::Shared => o.map(f),
                        How::SharedMut => o.map_mut(f),
                        How::Private => o.map_copy(f),
                    }
                };
                let file_len = self.files[fi].data.len();
                let want_len = match len {
                    Some(l) => Some(l),
                    None => file_len.checked_sub(offset),
                };
                let Some(want_len) = want_len else {
                    check!(
                        r.as_ref().err() == Some(&Errno::INVAL),
                        "map past the end without len: {r:?}"
                    );
                    return Ok(());
                };
                let m = r.map_err(|e| TestCaseError::fail(format!("map: {e}")))?;
                check!(m.len() == want_len, "map len {} != {want_len}", m.len());
                let prot = match how {
                    How::Shared => ProtFlags::READ,
                    _ => ProtFlags::READ | ProtFlags::WRITE,
                };
                check!(m.protection() == prot, "protection {:?}", m.protection());
                let prefix = offset % p;
                let pages = round_up(prefix + want_len) / p;
                let kind = match how {
                    How::Private => Kind::Private {
                        file: fi,
                        cow: vec![None; if want_len == 0 { 0 } else { pages }],
                    },
                    _ => Kind::Shared { file: fi },
                };
                self.maps.push(MapModel {
                    map: m,
                    kind,
                    start: offset - prefix,
                    prefix,
                    len: want_len,
                    prot,
                    maybe_split: false,
                });
            }
            Op::MapAnon { len, shared } => {
                if self.maps.len() >= MAX_MAPS {
                    return Ok(());
                }
                let mut o = MapOptions::new().len(len);
                if shared {
                    o = o.shared();
                }
                let m = o
                    .map_anonymous()
                    .map_err(|e| TestCaseError::fail(format!("map_anonymous: {e}")))?;
                check!(m.len() == len, "anon len");
                let map_len = if len == 0 { 0 } else { round_up(len) };
                self.maps.push(MapModel {
                    map: m,
                    kind: Kind::Anon {
                        shared,
                        bytes: vec![0; map_len],
                    },
                    start: 0,
                    prefix: 0,
                    len,
                    prot: ProtFlags::READ | ProtFlags::WRITE,
                    maybe_split: false,
                });
            }
            Op::WriteAt {
                map,
                off,
                len,
                seed,
            } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let data = pattern(len, seed);
                let m = &self.maps[mi];
                let expect = if off.checked_add(len).is_none_or(|end| end > m.len) {
                    Err(Errno::INVAL)
                } else if len > 0 && !m.prot.contains(ProtFlags::WRITE) {
                    Err(Errno::ACCES)
                } else if !m.writable(&self.files, off, len) {
                    return Ok(());
                } else {
                    Ok(())
                };
                let r = self.maps[mi].map.write_at(off, &data).map_err(Errno::from);
                check!(
                    r == expect,
                    "write_at({off}, {len}): {r:?}, model {expect:?}"
                );
                if r.is_ok() {
                    self.maps[mi].write(&mut self.files, off, &data);
                }
                return Ok(());
            }
            Op::ReadAt { map, off, len } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = &self.maps[mi];
                let mut buf = vec![0xEEu8; len];
                let expect = if off.checked_add(len).is_none_or(|end| end > m.len) {
                    Err(Errno::INVAL)
                } else if len > 0 && !m.prot.contains(ProtFlags::READ) {
                    Err(Errno::ACCES)
                } else {
                    match m.expected(&self.files, off, len) {
                        Some(v) => Ok(v),
                        None => return Ok(()),
                    }
                };
                let r = m.map.read_at(off, &mut buf).map_err(Errno::from);
                match expect {
                    Ok(v) => check!(r.is_ok() && buf == v, "read_at({off}, {len}): {r:?}"),
                    Err(e) => {
                        check!(r == Err(e), "read_at({off}, {len}): {r:?}, model {e:?}");
                        check!(buf.iter().all(|&b| b == 0xEE), "failed read_at wrote");
                        return Ok(());
                    }
                }
            }
            Op::SliceWrite { map, off, val } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = &self.maps[mi];
                let rw = ProtFlags::READ | ProtFlags::WRITE;
                if off >= m.len
                    || !m.prot.contains(rw)
                    || !self.covered(mi)
                    || !m.writable(&self.files, off, 1)
                {
                    return Ok(());
                }
                self.maps[mi].map[off] = val;
                self.maps[mi].write(&mut self.files, off, &[val]);
            }
            Op::SliceRead { map } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = &self.maps[mi];
                if !(m.len == 0 || m.prot.contains(ProtFlags::READ)) || !self.covered(mi) {
                    return Ok(());
                }
                let want = m.expected(&self.files, 0, m.len).unwrap();
                check!(m.map[..] == want[..], "slice differs from the model");
            }
            Op::FileWrite {
                file,
                off,
                len,
                seed,
            } => {
                let Some(fi) = self.open_file(file) else {
                    return Ok(());
                };
                let data = pattern(len, seed);
                pwrite_all(self.files[fi].file.as_ref().unwrap(), off, &data);
                let f = &mut self.files[fi];
                // A write of nothing does not extend the file.
                if len > 0 && off + len > f.data.len() {
                    f.data.resize(off + len, 0);
                }
                if len > 0 {
                    f.data[off..off + len].copy_from_slice(&data);
                }
            }
            Op::SetLen { file, len } => {
                let Some(fi) = self.open_file(file) else {
                    return Ok(());
                };
                let r = self.files[fi].file.as_ref().unwrap().set_len(len as u64);
                check!(r.is_ok(), "set_len: {r:?}");
                let old = self.files[fi].data.len();
                self.files[fi].data.resize(len, 0);
                // Shrinking unmaps the pages from round_up(len) on in every mapping,
                // private copies included (the kernel's even_cows).
                let hole = round_up(len);
                if old > hole {
                    for m in &mut self.maps {
                        if let Kind::Private { file, cow } = &mut m.kind
                            && *file == fi
                        {
                            for (i, c) in cow.iter_mut().enumerate() {
                                if m.start + i * p >= hole {
                                    *c = None;
                                }
                            }
                        }
                    }
                }
            }
            Op::Remap { map, len, maymove } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                return self.remap(mi, len, maymove);
            }
            Op::Protect { map, prot } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let prot = PROTS[prot];
                let r = self.maps[mi].map.protect(prot);
                check!(r.is_ok(), "protect({prot:?}): {r:?}");
                check!(
                    self.maps[mi].map.protection() == prot,
                    "protection not kept"
                );
                self.maps[mi].prot = prot;
            }
            Op::Advise { map, advice, range } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = &self.maps[mi];
                let advice = ADVICE[advice];
                let (r, in_range) = match range {
                    None => (m.map.advise(advice), true),
                    Some((off, len)) => (m.map.advise_range(advice, off, len), off + len <= m.len),
                };
                let expect = if in_range { Ok(()) } else { Err(Errno::INVAL) };
                check!(r == expect, "advise {advice:?} {range:?}: {r:?}");
                if let (Ok(()), Some((off, len))) = (r, range)
                    && SPLITS.contains(&advice)
                    && len > 0
                {
                    let first = (m.prefix + off) / p;
                    let end = (m.prefix + off + len).div_ceil(p);
                    let pages = m.map_len() / p;
                    if first > 0 || end < pages {
                        self.maps[mi].maybe_split = true;
                    }
                }
                return Ok(());
            }
            Op::Flush {
                map,
                range,
                asynchronous,
            } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = &self.maps[mi].map;
                let (r, in_range) = match (range, asynchronous) {
                    (None, false) => (m.flush(), true),
                    (None, true) => (m.flush_async(), true),
                    (Some((off, len)), false) => (m.flush_range(off, len), off + len <= m.len()),
                    (Some((off, len)), true) => {
                        (m.flush_async_range(off, len), off + len <= m.len())
                    }
                };
                let expect = if in_range { Ok(()) } else { Err(Errno::INVAL) };
                check!(r == expect, "flush {range:?}: {r:?}");
                return Ok(());
            }
            Op::DropMap { map } => {
                let Some(mi) = self.map_index(map) else {
                    return Ok(());
                };
                let m = self.maps.swap_remove(mi);
                let anon = matches!(m.kind, Kind::Anon { .. }) && m.map_len() > 0;
                let range = (m.map.as_ptr().addr(), m.map_len());
                drop(m);
                if anon {
                    self.dropped_anon = Some(range);
                }
            }
            Op::CloseFile { file } => {
                let Some(fi) = self.open_file(file) else {
                    return Ok(());
                };
                drop(self.files[fi].file.take());
            }
        }
        Ok(())
    }

    /// Whether every page of the mapping may be touched (so a slice over it is sound).
    fn covered(&self, mi: usize) -> bool {
        let m = &self.maps[mi];
        m.len == 0 || m.expected(&self.files, 0, m.len).is_some()
    }

    fn remap(&mut self, mi: usize, len: usize, maymove: bool) -> Step {
        let p = page();
        let flags = if maymove {
            RemapFlags::MAYMOVE
        } else {
            RemapFlags::empty()
        };
        let m = &self.maps[mi];
        let backed = match m.kind {
            Kind::Anon { shared, .. } => shared,
            _ => true,
        };
        // remap_file where the file really covers the new range (its contract).
        let file_covers = m
            .file()
            .is_some_and(|f| m.start + m.prefix + len <= self.files[f].data.len());
        let old_map_len = m.map_len();
        let new_map_len = round_up(m.prefix + len);
        let expect_err = if old_map_len == 0 {
            (len != 0).then_some(Errno::INVAL)
        } else if len == 0 || (backed && !file_covers && len > m.len) {
            Some(Errno::INVAL)
        } else {
            None
        };
        let m = &mut self.maps[mi];
        let before = m.map.as_ptr();
        let r = if file_covers {
            // SAFETY: the file covers the new range (checked above); see `Op::Map`.
            unsafe { m.map.remap_file(len, flags) }
        } else {
            m.map.remap(len, flags)
        };
        match (r, expect_err) {
            (Err(e), Some(want)) => {
                check!(e == want, "remap({len}): {e:?}, model {want:?}");
                check!(
                    m.map.len() == m.len && m.map.as_ptr() == before,
                    "failed remap moved"
                );
                return Ok(());
            }
            // Growing in place fails when the next pages are taken; growing a mapping the
            // kernel holds as several regions fails with EFAULT.
            (Err(e), None)
                if new_map_len > old_map_len
                    && ((e == Errno::NOMEM && !maymove)
                        || (e == Errno::FAULT && m.maybe_split)) =>
            {
                check!(
                    m.map.len() == m.len && m.map.as_ptr() == before,
                    "failed remap moved"
                );
                return Ok(());
            }
            (Err(e), _) => return Err(TestCaseError::fail(format!("remap({len}): {e:?}"))),
            (Ok(()), Some(want)) => {
                return Err(TestCaseError::fail(format!(
                    "remap({len}) ok, model {want:?}"
                )));
            }
            (Ok(()), None) => {}
        }
        check!(m.map.len() == len, "remap len");
        if old_map_len == 0 {
            return Ok(());
        }
        m.len = len;
        match &mut m.kind {
            Kind::Anon { bytes, .. } => bytes.resize(new_map_len, 0),
            Kind::Private { cow, .. } => cow.resize(new_map_len / p, None),
            Kind::Shared { .. } => {}
        }
        Ok(())
    }

    /// Compares every mapping and open file with the model.
    fn check_contents(&self) -> Step {
        for (i, m) in self.maps.iter().enumerate() {
            check!(
                m.map.len() == m.len,
                "map {i}: len {} != {}",
                m.map.len(),
                m.len
            );
            if !m.prot.contains(ProtFlags::READ) {
                continue;
            }
            // Page by page, the readable parts.
            let p = page();
            let mut off = 0;
            while off < m.len {
                let n = ((m.prefix + off) / p + 1) * p - (m.prefix + off);
                let n = n.min(m.len - off);
                if let Some(want) = m.expected(&self.files, off, n) {
                    let mut got = vec![0; n];
                    m.map.read_at(off, &mut got).unwrap();
                    check!(got == want, "map {i}: bytes {off}..{} differ", off + n);
                }
                off += n;
            }
        }
        for f in &self.files {
            if let Some(file) = &f.file {
                check!(file.len() == Ok(f.data.len() as u64), "{}: length", f.name);
                check!(
                    pread_all(file, f.data.len()) == f.data,
                    "{}: contents",
                    f.name
                );
            }
        }
        Ok(())
    }

    /// /proc/self agrees with the model: each memfd is mapped exactly while the model has
    /// a non-empty mapping of it, open exactly while its File is; dropped anonymous
    /// mappings are gone.
    fn check_leaks(&mut self) -> Step {
        for (i, f) in self.files.iter().enumerate() {
            let mapped = self
                .maps
                .iter()
                .any(|m| m.file() == Some(i) && m.map_len() > 0);
            check!(
                maps_mention(&f.name) == mapped,
                "{}: mapped is not {mapped}",
                f.name
            );
            let open = f.file.is_some();
            check!(
                fds_mention(&f.name) == open,
                "{}: open is not {open}",
                f.name
            );
        }
        Ok(())
    }

    /// A dropped anonymous range must be unmapped; checked right after the step, before
    /// anything in this (only) test thread allocates and could map there again.
    fn check_dropped(&mut self) -> Step {
        if let Some((addr, len)) = self.dropped_anon.take() {
            check!(
                !any_page_mapped(addr, len),
                "anonymous {addr:#x}+{len:#x} still mapped"
            );
        }
        Ok(())
    }
}

fn run_case(ops: &[Op]) -> Step {
    let mut w = World::new();
    for op in ops {
        w.apply(op)?;
        w.check_dropped()?;
        w.check_contents()?;
        w.check_leaks()?;
    }
    // Everything goes; then nothing of the case may be left.
    while let Some(m) = w.maps.pop() {
        let anon = matches!(m.kind, Kind::Anon { .. }) && m.map_len() > 0;
        let range = (m.map.as_ptr().addr(), m.map_len());
        drop(m);
        if anon {
            w.dropped_anon = Some(range);
        }
        w.check_dropped()?;
    }
    for f in &mut w.files {
        f.file = None;
    }
    w.check_leaks()
}

#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-sparc64 7.2 emulates 8 KiB pages with 4 KiB host pages: the tail of a file's last page beyond the next 4 KiB raises SIGBUS instead of reading zeros; asserted natively"
)]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user 7.2 leaves a 32-bit guest's mapping inaccessible after an mremap of it fails (SIGSEGV on the next access); asserted natively (i686)"
)]
fn mappings_match_the_model() {
    let cases = std::env::var("RAWMAP_MODEL_CASES")
        .ok()
        .map(|v| v.parse().expect("RAWMAP_MODEL_CASES must be a number"))
        .unwrap_or(DEFAULT_CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        // Failing cases are saved here and tried first on the next run.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/model.proptest-regressions",
        ))),
        ..Config::default()
    });
    let strategy = proptest::collection::vec(op(), 1..MAX_OPS);
    let result = runner.run(&strategy, |ops| run_case(&ops));
    if let Err(e) = result {
        panic!("{e}");
    }
    println!("{cases} cases of up to {MAX_OPS} operations matched the model");
}
