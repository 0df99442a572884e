//! Files without libc: [`File`], an owned descriptor that opens, creates, sizes and
//! closes, and [`File::memfd`]; plus the `AsFd`/`BorrowedFd` pair mapping functions take.
//!
//! Under `std` the traits and `BorrowedFd` are std's own, so a `std::fs::File`, a
//! `std::os::fd::OwnedFd` or anything else `AsFd` maps directly. Without `std` the crate
//! defines items of the same names and shape, so code written against them compiles
//! either way.

use core::ffi::CStr;

use crate::flags::{MemfdFlags, OpenFlags, SealFlags};
use crate::raw::{self, RawFd};
use crate::{Errno, Result};

#[cfg(feature = "std")]
pub use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

#[cfg(not(feature = "std"))]
pub use nostd::{AsFd, AsRawFd, BorrowedFd};

#[cfg(not(feature = "std"))]
mod nostd {
    use super::RawFd;
    use core::marker::PhantomData;

    /// A borrowed file descriptor: valid for `'fd`, not closed on drop (as std's).
    #[derive(Debug, Clone, Copy)]
    #[repr(transparent)]
    pub struct BorrowedFd<'fd> {
        fd: RawFd,
        _borrow: PhantomData<&'fd ()>,
    }

    impl BorrowedFd<'_> {
        /// Borrows a raw descriptor.
        ///
        /// # Safety
        /// `fd` must stay open for the lifetime of the result.
        pub const unsafe fn borrow_raw(fd: RawFd) -> Self {
            Self {
                fd,
                _borrow: PhantomData,
            }
        }
    }

    /// Something that can lend a file descriptor (as `std::os::fd::AsFd`).
    pub trait AsFd {
        /// Borrows the descriptor.
        fn as_fd(&self) -> BorrowedFd<'_>;
    }

    /// Something with a raw descriptor number (as `std::os::fd::AsRawFd`).
    pub trait AsRawFd {
        /// The descriptor number, without transferring ownership.
        fn as_raw_fd(&self) -> RawFd;
    }

    impl AsFd for BorrowedFd<'_> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            *self
        }
    }

    impl AsRawFd for BorrowedFd<'_> {
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &T {
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &mut T {
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }
}

/// An open file descriptor this value owns: closed when dropped.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use rawmap::File;
/// let f = File::memfd(c"example", rawmap::MemfdFlags::CLOEXEC)?;
/// f.set_len(8192)?;
/// assert_eq!(f.len()?, 8192);
/// # }
/// # Ok::<(), rawmap::Errno>(())
/// ```
#[derive(Debug)]
pub struct File {
    fd: RawFd,
}

/// Read-write for owner, read for others: the usual mode of a new file.
const DEFAULT_MODE: u32 = 0o644;

impl File {
    /// Opens `path` read-only.
    pub fn open(path: &CStr) -> Result<Self> {
        Self::open_at(raw::AT_FDCWD, path, OpenFlags::empty(), 0)
    }

    /// Opens `path` for reading and writing.
    pub fn open_rw(path: &CStr) -> Result<Self> {
        Self::open_at(raw::AT_FDCWD, path, OpenFlags::RDWR, 0)
    }

    /// Creates `path` (mode 0644 before the umask) for reading and writing, truncating
    /// it if it exists.
    pub fn create(path: &CStr) -> Result<Self> {
        Self::open_at(
            raw::AT_FDCWD,
            path,
            OpenFlags::RDWR | OpenFlags::CREAT | OpenFlags::TRUNC,
            DEFAULT_MODE,
        )
    }

    /// `openat(dirfd, path, flags | O_CLOEXEC, mode)`: a path relative to a directory
    /// descriptor ([`raw::AT_FDCWD`] for the current directory). `mode` applies when
    /// `flags` creates the file. On 32-bit targets `O_LARGEFILE` is added so files
    /// above 2 GiB open.
    pub fn open_at(dirfd: RawFd, path: &CStr, flags: OpenFlags, mode: u32) -> Result<Self> {
        let flags = flags | OpenFlags::CLOEXEC | large_file();
        // SAFETY: the new descriptor is owned by the returned File and closed once.
        let fd = unsafe { raw::openat(dirfd, path, flags, mode)? };
        Ok(Self { fd })
    }

    /// A new anonymous in-memory file (`memfd_create`); `name` shows in
    /// `/proc/self/maps` and `/proc/self/fd` as `/memfd:name`.
    pub fn memfd(name: &CStr, flags: MemfdFlags) -> Result<Self> {
        // SAFETY: the new descriptor is owned by the returned File and closed once.
        let fd = unsafe { raw::memfd_create(name, flags)? };
        Ok(Self { fd })
    }

    /// The file's length in bytes (`statx`).
    pub fn len(&self) -> Result<u64> {
        Ok(statx(self.fd)?.stx_size)
    }

    /// Whether the file's length is 0.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Sets the file's length (`ftruncate`): zero-filled when it grows.
    ///
    /// Shrinking a file that is mapped makes access to the cut pages raise SIGBUS;
    /// mappings made by this crate from `unsafe` constructors carry that contract.
    pub fn set_len(&self, len: u64) -> Result<()> {
        // SAFETY: the caller's mappings of this file are covered by their constructors'
        // contracts (see above); the descriptor is owned.
        unsafe { raw::ftruncate(self.fd, len) }
    }

    /// Adds seals to a memfd created with [`MemfdFlags::ALLOW_SEALING`].
    pub fn add_seals(&self, seals: SealFlags) -> Result<()> {
        // SAFETY: F_ADD_SEALS takes an integer argument.
        unsafe { raw::fcntl(self.fd, raw::F_ADD_SEALS, seals.bits() as usize) }.map(|_| ())
    }

    /// The seals of a memfd; `EINVAL` for files that cannot be sealed.
    pub fn seals(&self) -> Result<SealFlags> {
        seals(self.fd)
    }

    /// Closes the descriptor, reporting the error `close` gives (Drop ignores it).
    pub fn close(self) -> Result<()> {
        let fd = self.into_raw_fd();
        // SAFETY: ownership of `fd` was just taken from self, so it is closed once.
        unsafe { raw::close(fd) }
    }

    /// Gives up ownership: the caller closes the returned descriptor.
    pub fn into_raw_fd(self) -> RawFd {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// Takes ownership of a descriptor.
    ///
    /// # Safety
    /// `fd` must be open and owned by nothing else: it is closed when the File drops.
    pub const unsafe fn from_raw_fd(fd: RawFd) -> Self {
        Self { fd }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned; an error (EINTR, EIO on NFS) cannot be
        // reported from Drop and the descriptor is released either way.
        let _ = unsafe { raw::close(self.fd) };
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor stays open while `self` is borrowed.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }
}

#[cfg(feature = "std")]
impl From<File> for std::os::fd::OwnedFd {
    fn from(f: File) -> Self {
        use std::os::fd::FromRawFd;
        // SAFETY: ownership moves from `f` to the OwnedFd.
        unsafe { Self::from_raw_fd(f.into_raw_fd()) }
    }
}

#[cfg(feature = "std")]
impl From<std::os::fd::OwnedFd> for File {
    fn from(f: std::os::fd::OwnedFd) -> Self {
        use std::os::fd::IntoRawFd;
        Self {
            fd: f.into_raw_fd(),
        }
    }
}

const fn large_file() -> OpenFlags {
    if cfg!(target_pointer_width = "32") {
        OpenFlags::LARGEFILE
    } else {
        OpenFlags::empty()
    }
}

/// `statx` of an open descriptor (fstat with one struct layout on every arch).
pub(crate) fn statx(fd: RawFd) -> Result<raw::Statx> {
    let mut st = raw::Statx::default();
    let mask = raw::STATX_SIZE;
    // SAFETY: `st` is a valid Statx; AT_EMPTY_PATH with "" describes `fd` itself.
    unsafe { raw::statx(fd, c"", raw::AT_EMPTY_PATH, mask, &mut st)? };
    if st.stx_mask & mask == 0 {
        return Err(Errno::NOSYS);
    }
    Ok(st)
}

/// `fcntl(F_GET_SEALS)`.
pub(crate) fn seals(fd: RawFd) -> Result<SealFlags> {
    // SAFETY: F_GET_SEALS takes no argument.
    let bits = unsafe { raw::fcntl(fd, raw::F_GET_SEALS, 0)? };
    Ok(SealFlags::from_bits_retain(bits as u32))
}
