//! Tests of `rawmap::File`, the no-libc owned descriptor: opening relative to the current
//! directory and to a directory descriptor, lengths, memfds and their seals, ownership
//! (close, into/from raw, drop), and the errors the kernel gives for bad requests, each
//! asserted as the exact `Errno`. Under `std`, `std::fs::File` maps directly.
#![cfg(target_os = "linux")]

mod common;

use std::ffi::CString;
use std::path::{Path, PathBuf};

use common::{fds_mention, maps_mention, page, unique_name};
use rawmap::fd::AsRawFd;
use rawmap::{Errno, File, MapOptions, MemfdFlags, OpenFlags, SealFlags, raw};

/// A fresh, empty directory in cargo's temporary directory for tests, removed (with
/// what is in it) on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(tag: &str) -> Self {
        let path =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.", unique_name(tag)));
        std::fs::create_dir(&path).unwrap();
        Self { path }
    }

    /// `name` inside the directory, as a C string.
    fn c(&self, name: &str) -> CString {
        cstr(&self.path.join(name))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn cstr(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

/// Where `/proc/self/fd/<fd>` points, if it exists.
fn fd_target(fd: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|t| t.to_string_lossy().into_owned())
}

/// Writes all of `buf` at the descriptor's file position.
fn write_all(f: &File, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of its length.
        let n = unsafe { raw::write(f.as_raw_fd(), buf.as_ptr(), buf.len()) }.unwrap();
        buf = &buf[n..];
    }
}

#[test]
fn create_then_open_read_only_and_read_write() {
    let dir = TempDir::new("file-create");
    let path = dir.c("a");
    let f = File::create(&path).unwrap();
    assert_eq!(f.len(), Ok(0));
    assert_eq!(f.is_empty(), Ok(true));
    write_all(&f, b"hello");
    assert_eq!(f.len(), Ok(5));
    assert_eq!(f.is_empty(), Ok(false));
    drop(f);
    assert_eq!(std::fs::read(dir.path.join("a")).unwrap(), b"hello");

    let ro = File::open(&path).unwrap();
    assert_eq!(ro.len(), Ok(5));
    // A read-only descriptor cannot be written or truncated (checklist 24).
    // SAFETY: the buffer is valid for 1 byte.
    let w = unsafe { raw::write(ro.as_raw_fd(), b"x".as_ptr(), 1) };
    assert_eq!(w, Err(Errno::BADF));
    assert_eq!(ro.set_len(0), Err(Errno::INVAL));

    let rw = File::open_rw(&path).unwrap();
    write_all(&rw, b"J");
    assert_eq!(std::fs::read(dir.path.join("a")).unwrap(), b"Jello");
    // `create` truncates an existing file.
    let again = File::create(&path).unwrap();
    assert_eq!(again.len(), Ok(0));
    assert_eq!(rw.len(), Ok(0));
}

#[test]
fn set_len_grows_with_zeros_and_shrinks() {
    let dir = TempDir::new("file-set-len");
    let f = File::create(&dir.c("f")).unwrap();
    write_all(&f, b"abc");
    f.set_len(3 * page() as u64 + 1).unwrap();
    assert_eq!(f.len(), Ok(3 * page() as u64 + 1));
    let bytes = std::fs::read(dir.path.join("f")).unwrap();
    assert_eq!(&bytes[..3], b"abc");
    assert!(bytes[3..].iter().all(|&b| b == 0));
    f.set_len(2).unwrap();
    assert_eq!(std::fs::read(dir.path.join("f")).unwrap(), b"ab");
    f.set_len(0).unwrap();
    assert_eq!(f.is_empty(), Ok(true));
    // A length that is negative as the kernel's off_t: EINVAL (checklist 24).
    assert_eq!(f.set_len(u64::MAX), Err(Errno::INVAL));
    assert_eq!(f.set_len(1 << 63), Err(Errno::INVAL));
    assert_eq!(f.len(), Ok(0));
}

/// `open_at` resolves relative paths against a directory descriptor, whether that was
/// opened `O_PATH | O_DIRECTORY` or plainly; absolute paths ignore it.
#[test]
fn open_at_is_relative_to_the_directory_descriptor() {
    let dir = TempDir::new("file-open-at");
    std::fs::write(dir.path.join("inside"), b"in dir").unwrap();
    let path_dir = File::open_at(
        raw::AT_FDCWD,
        &cstr(&dir.path),
        OpenFlags::DIRECTORY | OpenFlags::PATH,
        0,
    )
    .unwrap();
    let plain_dir = File::open(&cstr(&dir.path)).unwrap();
    for d in [&path_dir, &plain_dir] {
        let f = File::open_at(d.as_raw_fd(), c"inside", OpenFlags::empty(), 0).unwrap();
        assert_eq!(f.len(), Ok(6));
    }
    let created = File::open_at(
        path_dir.as_raw_fd(),
        c"new",
        OpenFlags::RDWR | OpenFlags::CREAT | OpenFlags::EXCL,
        0o600,
    )
    .unwrap();
    write_all(&created, b"12");
    assert_eq!(std::fs::read(dir.path.join("new")).unwrap(), b"12");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path.join("new"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    // O_EXCL on an existing name: EEXIST.
    let e = File::open_at(
        plain_dir.as_raw_fd(),
        c"new",
        OpenFlags::RDWR | OpenFlags::CREAT | OpenFlags::EXCL,
        0o600,
    );
    assert_eq!(e.unwrap_err(), Errno::EXIST);
    // A relative path is not found from the current directory.
    assert_eq!(File::open(c"inside").unwrap_err(), Errno::NOENT);
    // An absolute path ignores the directory descriptor.
    let abs = File::open_at(
        plain_dir.as_raw_fd(),
        &dir.c("inside"),
        OpenFlags::empty(),
        0,
    );
    assert_eq!(abs.unwrap().len(), Ok(6));
    // A regular file as the directory: ENOTDIR.
    let file = File::open(&dir.c("inside")).unwrap();
    let e = File::open_at(file.as_raw_fd(), c"x", OpenFlags::empty(), 0).unwrap_err();
    assert_eq!(e, Errno::NOTDIR);
}

#[test]
fn open_errors_are_the_kernels() {
    let dir = TempDir::new("file-errors");
    assert_eq!(File::open(&dir.c("missing")).unwrap_err(), Errno::NOENT);
    assert_eq!(File::open_rw(&dir.c("missing")).unwrap_err(), Errno::NOENT);
    assert_eq!(
        File::create(&dir.c("no-dir/file")).unwrap_err(),
        Errno::NOENT
    );
    assert_eq!(File::open_rw(&cstr(&dir.path)).unwrap_err(), Errno::ISDIR);
    assert_eq!(File::create(&cstr(&dir.path)).unwrap_err(), Errno::ISDIR);
    // Nothing was created by the failed calls.
    assert_eq!(std::fs::read_dir(&dir.path).unwrap().count(), 0);
}

/// A memfd's name shows in /proc/self/fd as `/memfd:NAME (deleted)`; it starts empty.
#[test]
fn memfd_name_is_visible_in_proc() {
    let name = format!("{}.", unique_name("file-memfd"));
    let f = File::memfd(&CString::new(name.clone()).unwrap(), MemfdFlags::CLOEXEC).unwrap();
    assert_eq!(
        fd_target(f.as_raw_fd()),
        Some(format!("/memfd:{name} (deleted)"))
    );
    assert_eq!(f.len(), Ok(0));
    f.set_len(5).unwrap();
    assert_eq!(f.len(), Ok(5));
    // Names longer than 249 bytes are refused.
    let long = CString::new("n".repeat(250)).unwrap();
    assert_eq!(
        File::memfd(&long, MemfdFlags::CLOEXEC).unwrap_err(),
        Errno::INVAL
    );
}

/// Seals: none on a sealable memfd at first, `F_SEAL_SEAL` on one created without
/// `ALLOW_SEALING`; added seals are reported and enforced (checklist 26); regular files
/// on a disk file system cannot be sealed (`EINVAL`).
#[test]
fn seals_are_added_reported_and_enforced() {
    let sealable = File::memfd(
        c"rawmap-seals",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    )
    .unwrap();
    assert_eq!(sealable.seals(), Ok(SealFlags::empty()));
    sealable.set_len(2 * page() as u64).unwrap();
    sealable.add_seals(SealFlags::SHRINK).unwrap();
    assert_eq!(sealable.seals(), Ok(SealFlags::SHRINK));
    assert_eq!(sealable.set_len(page() as u64), Err(Errno::PERM));
    sealable.set_len(3 * page() as u64).unwrap();
    sealable
        .add_seals(SealFlags::GROW | SealFlags::SEAL)
        .unwrap();
    assert_eq!(
        sealable.seals(),
        Ok(SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)
    );
    assert_eq!(sealable.set_len(4 * page() as u64), Err(Errno::PERM));
    assert_eq!(sealable.add_seals(SealFlags::WRITE), Err(Errno::PERM));
    assert_eq!(sealable.len(), Ok(3 * page() as u64));

    let unsealable = File::memfd(c"rawmap-no-seals", MemfdFlags::CLOEXEC).unwrap();
    assert_eq!(unsealable.seals(), Ok(SealFlags::SEAL));
    assert_eq!(unsealable.add_seals(SealFlags::SHRINK), Err(Errno::PERM));

    let dir = TempDir::new("file-seals");
    let regular = File::create(&dir.c("r")).unwrap();
    assert_eq!(regular.seals(), Err(Errno::INVAL));
    assert_eq!(regular.add_seals(SealFlags::SHRINK), Err(Errno::INVAL));
}

/// `close` reports success for an open descriptor, after which the number no longer
/// refers to the file; for a number that is not open it reports `EBADF`.
#[test]
fn close_reports_the_result() {
    let name = format!("{}.", unique_name("file-close"));
    let f = File::memfd(&CString::new(name.clone()).unwrap(), MemfdFlags::CLOEXEC).unwrap();
    let fd = f.as_raw_fd();
    assert!(fds_mention(&name));
    assert_eq!(f.close(), Ok(()));
    assert!(fd_target(fd).is_none_or(|t| !t.contains(&name)));
    assert!(!fds_mention(&name));

    // SAFETY: no descriptor ever has the number i32::MAX (it is above the highest
    // `fs.nr_open` the kernel allows), so closing it cannot close anything else; it fails
    // with EBADF.
    let bogus = unsafe { File::from_raw_fd(i32::MAX) };
    assert_eq!(bogus.close(), Err(Errno::BADF));
}

/// Dropping a `File` closes its descriptor (checked right after the drop; should another
/// test thread reuse the number at once, the target differs).
#[test]
fn drop_closes_the_descriptor() {
    let name = format!("{}.", unique_name("file-drop"));
    let f = File::memfd(&CString::new(name.clone()).unwrap(), MemfdFlags::CLOEXEC).unwrap();
    let fd = f.as_raw_fd();
    assert_eq!(fd_target(fd), Some(format!("/memfd:{name} (deleted)")));
    drop(f);
    assert!(fd_target(fd).is_none_or(|t| !t.contains(&name)));
    assert!(!fds_mention(&name));
}

/// `into_raw_fd` gives up ownership without closing; `from_raw_fd` takes it back, and
/// its drop closes.
#[test]
fn into_raw_fd_and_from_raw_fd_round_trip() {
    let name = format!("{}.", unique_name("file-raw"));
    let f = File::memfd(&CString::new(name.clone()).unwrap(), MemfdFlags::CLOEXEC).unwrap();
    f.set_len(7).unwrap();
    let fd = f.into_raw_fd();
    assert_eq!(fd_target(fd), Some(format!("/memfd:{name} (deleted)")));
    // SAFETY: `fd` came from `into_raw_fd` just above and nothing else owns it.
    let back = unsafe { File::from_raw_fd(fd) };
    assert_eq!(back.as_raw_fd(), fd);
    assert_eq!(back.len(), Ok(7));
    drop(back);
    assert!(!fds_mention(&name));
}

/// Descriptors are opened close-on-exec (`open_at` adds `O_CLOEXEC`).
#[test]
fn descriptors_are_close_on_exec() {
    let dir = TempDir::new("file-cloexec");
    let f = File::create(&dir.c("c")).unwrap();
    // SAFETY: F_GETFD takes no argument.
    let flags = unsafe { raw::fcntl(f.as_raw_fd(), libc::F_GETFD as u32, 0) }.unwrap();
    assert_eq!(flags & libc::FD_CLOEXEC as usize, libc::FD_CLOEXEC as usize);
}

/// A file opened with `File` maps, and the mapping keeps the file alive after the
/// descriptor is closed.
#[test]
fn mapping_outlives_the_file_descriptor() {
    let dir = TempDir::new("file-map");
    std::fs::write(dir.path.join("m"), b"mapped bytes").unwrap();
    let f = File::open(&dir.c("m")).unwrap();
    // SAFETY: the file is private to this test and nobody writes it.
    let m = unsafe { MapOptions::new().map(&f) }.unwrap();
    drop(f);
    assert_eq!(&m[..], b"mapped bytes");
    let name = dir.path.join("m").to_string_lossy().into_owned();
    assert!(maps_mention(&name));
    drop(m);
    assert!(!maps_mention(&name));
}

/// Under `std`, anything `AsFd` maps: a `std::fs::File` by value or reference, an
/// `OwnedFd`, and `File` converts to and from `OwnedFd`.
#[cfg(feature = "std")]
#[test]
fn std_files_map_directly() {
    use std::os::fd::{AsRawFd as _, OwnedFd};

    let dir = TempDir::new("file-std");
    let path = dir.path.join("s");
    std::fs::write(&path, b"from std").unwrap();
    let std_file = std::fs::File::open(&path).unwrap();
    // SAFETY: the file is private to this test and nobody writes it.
    let m = unsafe { MapOptions::new().map(&std_file) }.unwrap();
    assert_eq!(&m[..], b"from std");
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().offset(5).map(std_file) }.unwrap();
    assert_eq!(&m[..], b"std");

    let rw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    // SAFETY: the file is private to this test; only this mapping writes it.
    let mut w = unsafe { MapOptions::new().map_mut(&rw) }.unwrap();
    w[..4].copy_from_slice(b"FROM");
    drop(w);
    assert_eq!(std::fs::read(&path).unwrap(), b"FROM std");

    let owned: OwnedFd = std::fs::File::open(&path).unwrap().into();
    let raw_fd = owned.as_raw_fd();
    let ours = File::from(owned);
    assert_eq!(ours.as_raw_fd(), raw_fd);
    assert_eq!(ours.len(), Ok(8));
    let owned_again = OwnedFd::from(ours);
    assert_eq!(owned_again.as_raw_fd(), raw_fd);
    // SAFETY: as above.
    let m = unsafe { MapOptions::new().len(4).map(&owned_again) }.unwrap();
    assert_eq!(&m[..], b"FROM");
    let e: std::io::Error = File::open(&dir.c("missing")).unwrap_err().into();
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
}
