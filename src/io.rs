//! The `std` conveniences, the same on every platform: [`MapCursor`] (`io::Read`,
//! `io::Write`, `io::Seek`, `io::BufRead` over a mapping, optionally growing the file as
//! a write passes its end), [`Mapping::find`] / [`Mapping::rfind`] (Python's
//! `mmap.find`), and [`MapOptions::map_path`] & co., which open and map a path in one
//! call (Go's `OpenFile` / `Create`, Python's `mmap(f.fileno(), 0)`).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, IoSlice, IoSliceMut, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{AccessError, Errno, MapOptions, Mapping, ProtFlags};

impl Mapping {
    /// The offset of the first occurrence of `needle` in the mapping, or `None`
    /// (Python's `mmap.find` over the whole mapping). An empty needle is found at 0.
    /// A vectorised search (`memchr::memmem`).
    ///
    /// # Panics
    /// If the mapping is not readable, as [`as_slice`](Self::as_slice).
    ///
    /// ```
    /// let mut m = rawmap::MapOptions::new().len(4096).map_anonymous()?;
    /// m[100..105].copy_from_slice(b"hello");
    /// assert_eq!(m.find(b"hello"), Some(100));
    /// assert_eq!(m.find(b"world"), None);
    /// # Ok::<(), rawmap::Errno>(())
    /// ```
    pub fn find(&self, needle: &[u8]) -> Option<usize> {
        memchr::memmem::find(self.as_slice(), needle)
    }

    /// The offset of the last occurrence of `needle`, or `None` (Python's
    /// `mmap.rfind`). An empty needle is found at `len()`.
    ///
    /// # Panics
    /// If the mapping is not readable.
    pub fn rfind(&self, needle: &[u8]) -> Option<usize> {
        memchr::memmem::rfind(self.as_slice(), needle)
    }
}

impl MapOptions {
    /// Opens `path` read-only and maps it read-only with [`map`](Self::map): with no
    /// [`len`](Self::len), the whole file from [`offset`](Self::offset), so an empty file
    /// gives an empty mapping (Python's `mmap(f.fileno(), 0)`). The file is closed
    /// before this returns; the mapping does not need it.
    ///
    /// To read a whole file once, front to back, add [`sequential`](Self::sequential).
    /// It is not the default: it reads and maps all of the file before returning, which
    /// a reader that stops early, or one of a file larger than memory, pays for in full.
    ///
    /// # Safety
    /// As [`map`](Self::map): while the mapping lives, nothing may modify or truncate
    /// the mapped part of the file.
    pub unsafe fn map_path<P: AsRef<Path>>(&self, path: P) -> io::Result<Mapping> {
        let file = File::open(path)?;
        // SAFETY: forwarded contract.
        Ok(unsafe { self.map(&file)? })
    }

    /// Opens `path` for reading and writing and maps it read-write and shared with
    /// [`map_mut`](Self::map_mut) (Go's `OpenFile(name, RDWR)`).
    ///
    /// # Safety
    /// As [`map_mut`](Self::map_mut).
    pub unsafe fn map_path_mut<P: AsRef<Path>>(&self, path: P) -> io::Result<Mapping> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        // SAFETY: forwarded contract.
        Ok(unsafe { self.map_mut(&file)? })
    }

    /// Creates `path` (truncating it if it exists), sets its length to `len` bytes of
    /// zeros, and maps it read-write and shared with [`map_mut`](Self::map_mut) (Go's
    /// `Create(name, size)`). With no [`len`](Self::len) set on the options, the whole
    /// file is mapped.
    ///
    /// # Safety
    /// As [`map_mut`](Self::map_mut).
    pub unsafe fn create_path<P: AsRef<Path>>(&self, path: P, len: u64) -> io::Result<Mapping> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        file.set_len(len)?;
        // SAFETY: forwarded contract.
        Ok(unsafe { self.map_mut(&file)? })
    }
}

/// A cursor over a [`Mapping`]: `io::Read`, `io::Write`, `io::Seek` and `io::BufRead`
/// with exactly the semantics of `std::io::Cursor`, so mapped files plug into
/// `io::copy`, `BufRead::lines`, parsers that take `Read + Seek`, and so on.
///
/// Two modes:
/// - **fixed** ([`new`](Self::new)): the mapping's length is the end, as
///   `Cursor<&mut [u8]>`: reads stop there, and a write past it writes what fits
///   (`Ok(0)` at or past the end, so `write_all` fails with `WriteZero`).
/// - **growing** ([`growing`](Self::growing)): the cursor owns the file, and a write
///   that passes the end first extends the file and the mapping to cover it, as
///   `Cursor<Vec<u8>>` extends its vector (a write at a position past the end, even an
///   empty one, first fills the gap with zeros, as the vector does). The file's length
///   always equals the mapping's. Each extension costs a `set_len` and a remap
///   (Linux `mremap`; macOS and Windows map anew and unmap the old view, so the
///   address may change), so it suits appends of some size rather than single bytes.
///
/// Reads and writes go through [`Mapping::read_at`] / [`Mapping::write_at`]: a mapping
/// that is not readable (or writable) gives an error (`EACCES`), not a fault. Where
/// they are fault-safe (Linux, Windows x86_64: see [`fault`](crate::fault)), when the
/// file was truncated under the mapping or an I/O error hits, a read or write stops at
/// the faulting byte and returns the bytes before it as a short count, as `io::Read`
/// and `io::Write` expect;
/// the next call, which starts at that byte, fails with an `io::Error` (kind `Other`)
/// whose inner error is the [`AccessError::Fault`] with the offset (`get_ref` /
/// `downcast`). `read_exact` and `write_all` fail with that error directly, the position
/// after the bytes that were copied.
/// `Write::flush` does nothing, as for `std::fs::File` (the bytes are already in the
/// mapping); use [`Mapping::flush`] through [`get_ref`](Self::get_ref) to write back.
///
/// ```
/// use std::io::{BufRead, Read, Seek, SeekFrom, Write};
/// use rawmap::{MapCursor, MapOptions};
///
/// let mut c = MapCursor::new(MapOptions::new().len(64).map_anonymous()?);
/// c.write_all(b"one\ntwo\n")?;
/// c.seek(SeekFrom::Start(0))?;
/// let mut line = String::new();
/// c.read_line(&mut line)?;
/// assert_eq!(line, "one\n");
/// assert_eq!(c.find(b"two"), Some(4));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct MapCursor {
    map: Mapping,
    pos: u64,
    /// The mapped file, in growing mode: the whole file, shared and read-write.
    file: Option<File>,
}

impl MapCursor {
    /// A fixed-size cursor at position 0.
    pub fn new(map: Mapping) -> Self {
        Self {
            map,
            pos: 0,
            file: None,
        }
    }

    /// A growing cursor over the whole of `file`, mapped read-write and shared (an
    /// empty file gives an empty mapping), at position 0. The file must be open for
    /// reading and writing.
    ///
    /// # Safety
    /// As [`MapOptions::map_mut`]: while the cursor (or the mapping taken out of it)
    /// lives, nothing else may modify or truncate the file. The cursor keeps the file,
    /// so only other handles and processes are concerned.
    pub unsafe fn growing(file: File) -> io::Result<Self> {
        // SAFETY: forwarded contract.
        let map = unsafe { MapOptions::new().map_mut(&file)? };
        Ok(Self {
            map,
            pos: 0,
            file: Some(file),
        })
    }

    /// The current position.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Moves to `pos`, which may be past the end (as `std::io::Cursor`).
    pub fn set_position(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// The mapping. (No `get_mut`: in growing mode the mapping must keep the file's
    /// length; take it out with [`into_inner`](Self::into_inner).)
    pub fn get_ref(&self) -> &Mapping {
        &self.map
    }

    /// Whether writes past the end grow the file.
    pub fn is_growing(&self) -> bool {
        self.file.is_some()
    }

    /// The mapping, giving up the cursor (and closing the file of a growing cursor; the
    /// mapping stays valid).
    pub fn into_inner(self) -> Mapping {
        self.map
    }

    /// The mapping and, for a growing cursor, the file.
    pub fn into_parts(self) -> (Mapping, Option<File>) {
        (self.map, self.file)
    }

    /// The first occurrence of `needle` at or after the position, as an offset from the
    /// start of the mapping (Python's `mmap.find`, whose search starts at the current
    /// position).
    ///
    /// # Panics
    /// If the mapping is not readable.
    pub fn find(&self, needle: &[u8]) -> Option<usize> {
        let start = self.start();
        memchr::memmem::find(&self.map.as_slice()[start..], needle).map(|i| start + i)
    }

    /// The last occurrence of `needle` at or after the position (Python's
    /// `mmap.rfind`).
    ///
    /// # Panics
    /// If the mapping is not readable.
    pub fn rfind(&self, needle: &[u8]) -> Option<usize> {
        let start = self.start();
        memchr::memmem::rfind(&self.map.as_slice()[start..], needle).map(|i| start + i)
    }

    /// The position clamped to the end, as an index.
    fn start(&self) -> usize {
        // The clamp makes the value at most `len`, a usize.
        self.pos.min(self.map.len() as u64) as usize
    }

    /// Extends the file and the mapping to `new_len` bytes (growing mode). On error the
    /// mapping and position are unchanged; the file may be left longer, with zeros.
    fn grow(&mut self, new_len: usize) -> io::Result<()> {
        let Some(file) = &self.file else {
            return Err(Errno::INVAL.into());
        };
        let old_len = self.map.len();
        #[cfg(unix)]
        file.set_len(new_len as u64)?;
        #[cfg(target_os = "linux")]
        if old_len != 0 {
            use crate::RemapFlags;
            // SAFETY: the file was just extended to `new_len`, so it covers the grown
            // range; the contract of `growing` (nothing else truncates it) carries over.
            let r = unsafe { self.map.remap_file(new_len, RemapFlags::MAYMOVE) };
            return match r {
                Ok(()) => Ok(()),
                Err(e) => {
                    // The old mapping is intact and covers `old_len` bytes: safe to cut.
                    let _ = file.set_len(old_len as u64);
                    Err(e.into())
                }
            };
        }
        let options = MapOptions::new().len(new_len);
        #[cfg(windows)]
        let options = options.extend_file();
        // SAFETY: the file covers `new_len` bytes (extended above, or by the section on
        // Windows); the contract of `growing` covers the new mapping too.
        match unsafe { options.map_mut(file) } {
            Ok(map) => {
                // The old view is unmapped here; its writes are in the file already.
                self.map = map;
                Ok(())
            }
            Err(e) => {
                // Best effort: the old mapping covers only `old_len` bytes. (Windows
                // refuses to shrink below a live view's section: the file stays longer.)
                let _ = file.set_len(old_len as u64);
                Err(e.into())
            }
        }
    }
}

/// The outcome of a `read_at` / `write_at` of `n` bytes as an `io` count: a fault after
/// some bytes is a short count (io's convention: the error comes with the next call,
/// which starts at the faulting byte); a fault before any byte, or another error, is
/// the error.
fn counted(r: Result<(), AccessError>, n: usize) -> io::Result<usize> {
    match r {
        Ok(()) => Ok(n),
        Err(AccessError::Fault(f)) if f.copied() > 0 => Ok(f.copied()),
        Err(e) => Err(e.into()),
    }
}

/// The result of a vectored operation that moved `total` bytes before `r`: an error
/// after some bytes is reported by the next call instead.
fn vectored(total: usize, r: io::Result<usize>) -> io::Result<usize> {
    match r {
        Err(_) if total > 0 => Ok(total),
        r => r,
    }
}

impl Read for MapCursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = self.start();
        let n = buf.len().min(self.map.len() - start);
        let got = counted(self.map.read_at(start, &mut buf[..n]), n)?;
        self.pos += got as u64;
        Ok(got)
    }

    /// As `std::io::Cursor`: fills the buffers in order, stopping at the first one the
    /// rest of the mapping cannot fill (or that a fault cuts short).
    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let mut total = 0;
        for buf in bufs {
            let n = match self.read(buf) {
                Ok(n) => n,
                e => return vectored(total, e),
            };
            total += n;
            if n < buf.len() {
                break;
            }
        }
        Ok(total)
    }

    /// As `std::io::Cursor`: when the rest is too short, the position moves to the end
    /// (even from past it) and the error is `UnexpectedEof`.
    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let start = self.start();
        if buf.len() > self.map.len() - start {
            self.pos = self.map.len() as u64;
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "failed to fill whole buffer",
            ));
        }
        if let Err(e) = self.map.read_at(start, buf) {
            // As a loop of `read` would leave it: after the bytes that were copied.
            if let Some(f) = e.fault() {
                self.pos = (start + f.copied()) as u64;
            }
            return Err(e.into());
        }
        // As `Cursor`: advance by what was read, so an empty read past the end leaves
        // the position where it was (not at the end).
        self.pos += buf.len() as u64;
        Ok(())
    }
}

impl BufRead for MapCursor {
    /// The rest of the mapping from the position (empty at or past the end);
    /// `EACCES` if the mapping is not readable.
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let start = self.start();
        if start < self.map.len() && !self.map.protection().contains(ProtFlags::READ) {
            return Err(Errno::ACCES.into());
        }
        Ok(&self.map.as_slice()[start..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
    }
}

impl Seek for MapCursor {
    /// As `std::io::Cursor`: any position from 0 up, including past the end; a negative
    /// or overflowing one is `InvalidInput`.
    fn seek(&mut self, style: SeekFrom) -> io::Result<u64> {
        let (base, offset) = match style {
            SeekFrom::Start(n) => {
                self.pos = n;
                return Ok(n);
            }
            SeekFrom::End(n) => (self.map.len() as u64, n),
            SeekFrom::Current(n) => (self.pos, n),
        };
        match base.checked_add_signed(offset) {
            Some(n) => {
                self.pos = n;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid seek to a negative or overflowing position",
            )),
        }
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

impl MapCursor {
    /// Growing mode: makes `[position, position + total)` part of the mapping (padding
    /// with zeros from the end, even for `total == 0`) and returns the position.
    fn reserve(&mut self, total: usize) -> io::Result<usize> {
        let too_far = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "cursor position exceeds the largest possible mapping",
            )
        };
        let start = usize::try_from(self.pos).map_err(|_| too_far())?;
        let end = start.checked_add(total).ok_or_else(too_far)?;
        if end > isize::MAX as usize {
            return Err(too_far());
        }
        if end > self.map.len() {
            self.grow(end)?;
        }
        Ok(start)
    }

    /// Fixed mode: writes what fits at the position.
    fn write_fixed(&mut self, buf: &[u8]) -> io::Result<usize> {
        let start = self.start();
        let n = buf.len().min(self.map.len() - start);
        let got = counted(self.map.write_at(start, &buf[..n]), n)?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl Write for MapCursor {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() {
            return self.write_fixed(buf);
        }
        let start = self.reserve(buf.len())?;
        let got = counted(self.map.write_at(start, buf), buf.len())?;
        self.pos = (start + got) as u64;
        Ok(got)
    }

    /// As `std::io::Cursor`: every buffer in order. Fixed mode stops at the first one
    /// that does not fit; growing mode grows once for all of them.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if self.file.is_none() {
            let mut total = 0;
            for buf in bufs {
                let n = match self.write_fixed(buf) {
                    Ok(n) => n,
                    e => return vectored(total, e),
                };
                total += n;
                if n < buf.len() {
                    break;
                }
            }
            return Ok(total);
        }
        let total = bufs
            .iter()
            .try_fold(0usize, |a, b| a.checked_add(b.len()))
            .ok_or_else(|| io::Error::from(Errno::NOMEM))?;
        let start = self.reserve(total)?;
        let mut at = start;
        for buf in bufs {
            let r = counted(self.map.write_at(at, buf), buf.len());
            let n = match r {
                Ok(n) => n,
                e => {
                    self.pos = at as u64;
                    return vectored(at - start, e);
                }
            };
            at += n;
            if n < buf.len() {
                break;
            }
        }
        self.pos = at as u64;
        Ok(at - start)
    }

    /// One `write`, as `std::io::Cursor` does: in growing mode it writes everything
    /// (an empty buffer past the end still pads, as `Cursor<Vec<u8>>::write_all` does,
    /// where the default `write_all` would write nothing); in fixed mode what does not
    /// fit is a `WriteZero` error.
    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        let mut n = self.write(buf)?;
        // Short only at the end of a fixed mapping (the next write gives 0) or at a
        // fault (the next write gives the fault's error).
        while n < buf.len() {
            buf = &buf[n..];
            n = self.write(buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write whole buffer",
                ));
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
