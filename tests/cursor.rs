//! `MapCursor` against `std::io::Cursor` as the model: random sequences of reads,
//! writes, seeks and `BufRead` calls must give the same results, positions and bytes.
//!
//! - fixed mode (over an anonymous mapping) against `Cursor<Box<[u8]>>`, whose length
//!   is fixed as a mapping's is;
//! - growing mode (over a temp file) against `Cursor<Vec<u8>>`, which grows as the file
//!   must: after every step the file's length on disk equals the vector's, and at the
//!   end the file holds the vector's bytes.
//!
//! Runs on Linux natively and on Windows under Wine; compiled for macOS. Needs the `std`
//! feature (`MapCursor` is a std convenience).
#![cfg(all(
    feature = "std",
    any(target_os = "linux", target_os = "macos", windows)
))]

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, Cursor, IoSlice, IoSliceMut, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use rawmap::{Errno, MapCursor, MapOptions, ProtFlags, page_size};

/// A temp file path no other test uses, removed on drop (after the cursor is gone).
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rawmap-cursor-{}-{n}-{tag}", std::process::id());
        Self(std::env::temp_dir().join(name))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A growing cursor over a new file holding `initial`.
fn growing_cursor(path: &TempPath, initial: &[u8]) -> MapCursor {
    fs::write(&path.0, initial).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path.0)
        .unwrap();
    // SAFETY: the test owns the file and touches it only through the cursor (and reads
    // its length, which does not change it).
    unsafe { MapCursor::growing(file) }.unwrap()
}

/// A fixed cursor over anonymous memory holding `initial`.
fn fixed_cursor(initial: &[u8]) -> MapCursor {
    let mut m = MapOptions::new()
        .len(initial.len())
        .map_anonymous()
        .unwrap();
    m.write_at(0, initial).unwrap();
    MapCursor::new(m)
}

#[derive(Debug, Clone)]
enum Op {
    Read(usize),
    ReadExact(usize),
    ReadToEnd,
    /// `read_vectored` into buffers of these sizes.
    ReadVectored(Vec<usize>),
    Write(Vec<u8>),
    WriteAll(Vec<u8>),
    WriteVectored(Vec<Vec<u8>>),
    Seek(SeekFrom),
    /// `fill_buf`, then `consume` of this many of the bytes it gave (clamped).
    FillConsume(usize),
    ReadUntil(u8),
    StreamPosition,
    SetPosition(u64),
    Flush,
}

/// Positions and offsets reach a few pages past the end, where reads give nothing and
/// writes must pad (growing) or stop (fixed).
fn reach() -> i64 {
    3 * page_size() as i64
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => proptest::collection::vec(any::<u8>(), 0..2 * page_size() + 3),
    ]
}

fn seek(far: bool) -> BoxedStrategy<SeekFrom> {
    let r = reach();
    let near = prop_oneof![
        (0..r as u64).prop_map(SeekFrom::Start),
        (-r..r).prop_map(SeekFrom::End),
        (-r..r).prop_map(SeekFrom::Current),
    ];
    if far {
        // Far positions: reads there give nothing and fixed writes write nothing; also
        // the overflowing and negative seeks that must fail.
        prop_oneof![
            4 => near,
            1 => prop_oneof![
                Just(SeekFrom::Start(u64::MAX)),
                Just(SeekFrom::Current(i64::MAX)),
                Just(SeekFrom::Current(i64::MIN)),
                Just(SeekFrom::End(i64::MIN)),
                Just(SeekFrom::End(i64::MAX)),
            ],
        ]
        .boxed()
    } else {
        near.boxed()
    }
}

/// Operations; `far` allows positions so far that only a fixed cursor may write there
/// (a `Vec` would try to allocate them).
fn op(far: bool) -> impl Strategy<Value = Op> {
    let r = reach() as usize;
    let set_position = if far {
        prop_oneof![4 => 0..r as u64, 1 => Just(u64::MAX)].boxed()
    } else {
        (0..r as u64).boxed()
    };
    prop_oneof![
        3 => (0..2 * r).prop_map(Op::Read),
        1 => (0..r).prop_map(Op::ReadExact),
        1 => Just(Op::ReadToEnd),
        1 => proptest::collection::vec(0..r, 0..4).prop_map(Op::ReadVectored),
        3 => bytes().prop_map(Op::Write),
        2 => bytes().prop_map(Op::WriteAll),
        1 => proptest::collection::vec(bytes(), 0..4).prop_map(Op::WriteVectored),
        3 => seek(far).prop_map(Op::Seek),
        2 => (0..2 * r).prop_map(Op::FillConsume),
        1 => any::<u8>().prop_map(Op::ReadUntil),
        1 => Just(Op::StreamPosition),
        1 => set_position.prop_map(Op::SetPosition),
        1 => Just(Op::Flush),
    ]
}

/// What an operation returned, comparable between the model and the cursor.
#[derive(Debug, PartialEq)]
enum Outcome {
    Count(usize),
    Position(u64),
    Bytes(Vec<u8>),
    Unit,
    Error(io::ErrorKind),
}

fn outcome<T>(r: io::Result<T>, f: impl FnOnce(T) -> Outcome) -> Outcome {
    match r {
        Ok(v) => f(v),
        Err(e) => Outcome::Error(e.kind()),
    }
}

/// Applies `op` to anything cursor-like and reports what it returned.
fn apply<C: Read + Write + Seek + BufRead>(c: &mut C, op: &Op) -> Outcome {
    match op {
        Op::Read(n) => {
            let mut buf = vec![0u8; *n];
            outcome(c.read(&mut buf), |k| {
                buf.truncate(k);
                Outcome::Bytes(buf)
            })
        }
        Op::ReadExact(n) => {
            let mut buf = vec![0u8; *n];
            outcome(c.read_exact(&mut buf), |()| Outcome::Bytes(buf))
        }
        Op::ReadToEnd => {
            let mut buf = Vec::new();
            outcome(c.read_to_end(&mut buf), |_| Outcome::Bytes(buf))
        }
        Op::ReadVectored(sizes) => {
            let mut bufs: Vec<Vec<u8>> = sizes.iter().map(|&n| vec![0u8; n]).collect();
            let mut slices: Vec<IoSliceMut<'_>> =
                bufs.iter_mut().map(|b| IoSliceMut::new(b)).collect();
            let r = c.read_vectored(&mut slices);
            drop(slices);
            outcome(r, |k| {
                Outcome::Bytes(bufs.concat().into_iter().take(k).collect())
            })
        }
        Op::Write(b) => outcome(c.write(b), Outcome::Count),
        Op::WriteVectored(bs) => {
            let slices: Vec<IoSlice<'_>> = bs.iter().map(|b| IoSlice::new(b)).collect();
            outcome(c.write_vectored(&slices), Outcome::Count)
        }
        Op::WriteAll(b) => outcome(c.write_all(b), |()| Outcome::Unit),
        Op::Seek(s) => outcome(c.seek(*s), Outcome::Position),
        Op::FillConsume(k) => {
            let got = match c.fill_buf() {
                Ok(b) => b.to_vec(),
                Err(e) => return Outcome::Error(e.kind()),
            };
            c.consume((*k).min(got.len()));
            Outcome::Bytes(got)
        }
        Op::ReadUntil(delim) => {
            let mut buf = Vec::new();
            outcome(c.read_until(*delim, &mut buf), |_| Outcome::Bytes(buf))
        }
        Op::StreamPosition => outcome(c.stream_position(), Outcome::Position),
        Op::SetPosition(p) => outcome(c.seek(SeekFrom::Start(*p)), Outcome::Position),
        Op::Flush => outcome(c.flush(), |()| Outcome::Unit),
    }
}

/// Runs `ops` on the model and the cursor side by side; `check` runs after each step.
fn run_both<M: Read + Write + Seek + BufRead>(
    model: &mut M,
    cursor: &mut MapCursor,
    ops: &[Op],
    mut check: impl FnMut(&M, &MapCursor, usize),
) -> Result<(), TestCaseError> {
    for (i, op) in ops.iter().enumerate() {
        let want = apply(model, op);
        let got = apply(cursor, op);
        prop_assert_eq!(&got, &want, "step {} {:?}", i, op);
        prop_assert_eq!(
            cursor.position(),
            model.stream_position().unwrap(),
            "position after step {} {:?}",
            i,
            op
        );
        check(model, cursor, i);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Fixed mode is `Cursor<Box<[u8]>>`: same results, positions and final bytes.
    #[test]
    fn fixed_cursor_behaves_like_a_boxed_slice_cursor(
        initial in proptest::collection::vec(any::<u8>(), 0..3 * page_size()),
        ops in proptest::collection::vec(op(true), 1..40),
    ) {
        let mut model = Cursor::new(initial.clone().into_boxed_slice());
        let mut cursor = fixed_cursor(&initial);
        run_both(&mut model, &mut cursor, &ops, |_, _, _| {})?;
        prop_assert_eq!(cursor.get_ref().as_slice(), &model.get_ref()[..]);
    }
}

proptest! {
    // Each case makes a file and remaps it as it grows: fewer cases, same coverage of
    // the operations.
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Growing mode is `Cursor<Vec<u8>>`: same results and positions, the file always
    /// as long as the vector, and the same bytes in the mapping and in the file.
    #[test]
    #[cfg_attr(
        all(qemu, target_arch = "sparc64"),
        ignore = "qemu-sparc64 7.2 (8 KiB guest pages on 4 KiB host pages) fails accesses to a file mapping grown by remap (EFAULT); asserted natively"
    )]
    fn growing_cursor_behaves_like_a_vec_cursor(
        initial in proptest::collection::vec(any::<u8>(), 0..2 * page_size()),
        ops in proptest::collection::vec(op(false), 1..30),
    ) {
        let path = TempPath::new("model");
        let mut model = Cursor::new(initial.clone());
        let mut cursor = growing_cursor(&path, &initial);
        let mut lengths = Vec::new();
        run_both(&mut model, &mut cursor, &ops, |m, c, i| {
            let on_disk = fs::metadata(&path.0).unwrap().len();
            lengths.push((i, on_disk, m.get_ref().len() as u64, c.get_ref().len() as u64));
        })?;
        for (i, on_disk, model_len, mapped) in lengths {
            prop_assert_eq!(on_disk, model_len, "file length after step {}", i);
            prop_assert_eq!(mapped, model_len, "mapping length after step {}", i);
        }
        prop_assert_eq!(cursor.get_ref().as_slice(), &model.get_ref()[..]);
        drop(cursor);
        prop_assert_eq!(fs::read(&path.0).unwrap(), model.into_inner());
    }
}

#[test]
fn growing_from_an_empty_file() {
    let path = TempPath::new("empty");
    let mut c = growing_cursor(&path, b"");
    assert!(c.is_growing());
    assert!(c.get_ref().is_empty());
    c.write_all(b"hello").unwrap();
    assert_eq!(fs::metadata(&path.0).unwrap().len(), 5);
    // Past the end: the gap is zeros, in the mapping and the file.
    c.seek(SeekFrom::Start(8)).unwrap();
    c.write_all(b"!").unwrap();
    assert_eq!(c.get_ref().as_slice(), b"hello\0\0\0!");
    drop(c);
    assert_eq!(fs::read(&path.0).unwrap(), b"hello\0\0\0!");
}

/// As `Cursor<Vec<u8>>`: an empty write at a position past the end still pads, through
/// `write`, `write_all` (std's default would write nothing) and `write_vectored`.
#[test]
fn an_empty_write_past_the_end_pads_as_a_vec_does() {
    let path = TempPath::new("pad");
    let mut c = growing_cursor(&path, b"ab");
    let mut v = Cursor::new(b"ab".to_vec());
    assert_eq!(c.write(b"").unwrap(), 0);
    assert_eq!(v.write(b"").unwrap(), 0);
    assert_eq!(fs::metadata(&path.0).unwrap().len(), 2);
    for (pos, len) in [(5, 5), (9, 9), (12, 12)] {
        c.set_position(pos);
        v.set_position(pos);
        match pos {
            5 => {
                assert_eq!(c.write(b"").unwrap(), 0);
                assert_eq!(v.write(b"").unwrap(), 0);
            }
            9 => {
                c.write_all(b"").unwrap();
                v.write_all(b"").unwrap();
            }
            _ => {
                assert_eq!(c.write_vectored(&[]).unwrap(), 0);
                assert_eq!(v.write_vectored(&[]).unwrap(), 0);
            }
        }
        assert_eq!(c.get_ref().as_slice(), &v.get_ref()[..]);
        assert_eq!(fs::metadata(&path.0).unwrap().len(), len);
    }
}

#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-sparc64 7.2 (8 KiB guest pages on 4 KiB host pages) fails accesses to a file mapping grown by remap (EFAULT); asserted natively"
)]
fn growing_across_many_pages_keeps_the_data() {
    let path = TempPath::new("pages");
    let mut c = growing_cursor(&path, b"start");
    c.seek(SeekFrom::End(0)).unwrap();
    let chunk: Vec<u8> = (0..=255).collect();
    for _ in 0..(5 * page_size() / 256) {
        c.write_all(&chunk).unwrap();
    }
    let len = 5 + 5 * page_size();
    assert_eq!(c.get_ref().len(), len);
    assert_eq!(&c.get_ref()[..5], b"start");
    assert_eq!(&c.get_ref()[len - 256..], &chunk[..]);
    let (m, file) = c.into_parts();
    assert!(file.is_some());
    assert_eq!(m.len(), len);
    drop((m, file));
    assert_eq!(fs::metadata(&path.0).unwrap().len(), len as u64);
}

#[test]
fn a_growing_cursor_needs_a_writable_file() {
    let path = TempPath::new("ro");
    fs::write(&path.0, b"data").unwrap();
    let file = fs::File::open(&path.0).unwrap();
    // SAFETY: the test owns the file; the mapping fails (checked below).
    let e = unsafe { MapCursor::growing(file) }.unwrap_err();
    assert_eq!(e.raw_os_error(), Some(i32::from(Errno::ACCES.raw())));
}

/// Found by the model test: std's `Cursor::read_exact` moves to the end when the rest
/// is too short, even from a position past the end (the default `read_exact` would
/// leave it).
#[test]
fn read_exact_past_the_end_moves_to_the_end() {
    let mut c = fixed_cursor(b"12345");
    let mut model = Cursor::new(b"12345".to_vec().into_boxed_slice());
    for pos in [3, 9] {
        c.set_position(pos);
        model.set_position(pos);
        let mut buf = [0u8; 4];
        let e = c.read_exact(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        model.read_exact(&mut buf).unwrap_err();
        assert_eq!(c.position(), 5);
        assert_eq!(model.position(), 5);
    }
}

/// `write_vectored` writes every buffer, as std's cursors do (the default would write
/// only the first non-empty one); a fixed cursor stops at the first that does not fit.
#[test]
fn write_vectored_writes_every_buffer() {
    let mut c = fixed_cursor(&[0; 6]);
    let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cde")];
    assert_eq!(c.write_vectored(&bufs).unwrap(), 5);
    let bufs = [IoSlice::new(b"xy"), IoSlice::new(b"z")];
    assert_eq!(c.write_vectored(&bufs).unwrap(), 1);
    assert_eq!(c.get_ref().as_slice(), b"abcdex");
    let path = TempPath::new("vectored");
    let mut g = growing_cursor(&path, b"");
    assert_eq!(g.write_vectored(&bufs).unwrap(), 3);
    assert_eq!(g.get_ref().as_slice(), b"xyz");
}

#[test]
fn a_fixed_cursor_stops_at_the_end() {
    let mut c = fixed_cursor(b"12345");
    assert!(!c.is_growing());
    c.seek(SeekFrom::Start(3)).unwrap();
    assert_eq!(c.write(b"abc").unwrap(), 2);
    assert_eq!(c.write(b"x").unwrap(), 0);
    let e = c.write_all(b"x").unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WriteZero);
    assert_eq!(c.get_ref().as_slice(), b"123ab");
    let e = c.seek(SeekFrom::Current(-6)).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(c.position(), 5);
}

#[test]
fn unreadable_or_read_only_mappings_give_errors_not_faults() {
    let mut m = MapOptions::new().len(page_size()).map_anonymous().unwrap();
    m.protect(ProtFlags::READ).unwrap();
    let mut c = MapCursor::new(m);
    let e = c.write(b"x").unwrap_err();
    assert_eq!(e.raw_os_error(), Some(i32::from(Errno::ACCES.raw())));
    assert_eq!(c.position(), 0);
    let mut m = c.into_inner();
    m.protect(ProtFlags::empty()).unwrap();
    let mut c = MapCursor::new(m);
    let mut buf = [0u8; 4];
    let e = c.read(&mut buf).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    let e = c.fill_buf().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(i32::from(Errno::ACCES.raw())));
    // At the end nothing is read, so nothing is refused (as for a readable mapping).
    c.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(c.read(&mut buf).unwrap(), 0);
}

#[test]
fn find_and_rfind_start_at_the_position() {
    let mut c = fixed_cursor(b"abc--abc--abc");
    assert_eq!(c.find(b"abc"), Some(0));
    assert_eq!(c.rfind(b"abc"), Some(10));
    c.set_position(1);
    assert_eq!(c.find(b"abc"), Some(5));
    c.set_position(11);
    assert_eq!(c.find(b"abc"), None);
    assert_eq!(c.rfind(b"abc"), None);
    assert_eq!(c.find(b""), Some(11));
    c.set_position(100);
    assert_eq!(c.find(b""), Some(13));
}

#[test]
fn lines_of_a_mapped_file() {
    let path = TempPath::new("lines");
    fs::write(&path.0, b"first\nsecond\r\nthird").unwrap();
    // SAFETY: the test owns the file and does not change it.
    let m = unsafe { MapOptions::new().map_path(&path.0) }.unwrap();
    let lines: Vec<String> = MapCursor::new(m).lines().map(Result::unwrap).collect();
    assert_eq!(lines, ["first", "second", "third"]);
}
