//! The backend interface `mapping.rs` calls: one module per platform, each with the same
//! items, selected here as `imp`.
//!
//! - Linux (`linux.rs`): the raw syscalls of [`crate::raw`], no libc, `no_std`.
//! - macOS (`macos.rs`, feature `std`): mmap & co. through the `libc` crate.
//! - Windows (`windows.rs`, feature `std`): file mapping objects and views through
//!   `windows-sys`.
//!
//! `mapping.rs` does every range, alignment and ownership check before it calls in, so a
//! backend only turns a checked [`Request`] into its platform's calls and the platform's
//! error codes into [`Errno`](crate::Errno). What each backend provides:
//!
//! | item | meaning |
//! |---|---|
//! | `Handle` | an open file as the platform names it (`RawFd`, `RawHandle`) |
//! | `Keep` | what a mapping keeps besides its pages (Windows: the file, to flush it) |
//! | `page_size()`, `granularity()` | page size; the unit file offsets must be aligned to (both powers of two) |
//! | `huge_unit(shift)` | size of an explicit huge page, or `UNSUPPORTED` |
//! | `file_len(handle)` | the file's length |
//! | `map(&Request)` | map; returns the start of the pages and the `Keep` |
//! | `unmap`, `flush`, `protect`, `lock`, `unlock`, `advise`, `resident` | one call each over whole pages |
//! | `sequential` | read-ahead for `MapOptions::sequential`, and populating where the platform can |
//!
//! Linux adds `lock_on_fault`, `remap` and `is_verity`, which only Linux has.

#[cfg(target_os = "linux")]
#[path = "linux.rs"]
mod imp;

#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod imp;

#[cfg(windows)]
#[path = "windows.rs"]
mod imp;

/// Windows x86_64: the exception handler that makes `read_at` / `write_at` fault-safe
/// (Linux's SIGBUS handler is in `linux/fault/`).
#[cfg(all(windows, rawmap_fault_copy))]
pub(crate) mod windows_fault;

#[cfg(any(target_os = "macos", windows))]
pub use imp::page_size;
pub(crate) use imp::*;

#[cfg(any(target_os = "macos", windows))]
pub use portable::ProtFlags;

#[cfg(target_os = "linux")]
use crate::flags::ProtFlags;
use crate::mapping::HugePages;

/// What backs a mapping, decided by the `map*` function that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backing {
    /// Anonymous memory; `shared` means visible to children after fork (Unix).
    Anonymous { shared: bool },
    /// A file; `shared: false` is copy-on-write (writes stay in the mapping).
    File { shared: bool },
}

/// One mapping for a backend to make, already checked by `mapping.rs`: the offset is
/// aligned to `granularity()`, `map_len` is `bytes` rounded up to the page (or the
/// explicit huge page), and nothing overflows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    /// Map exactly here (`MapOptions::fixed_noreplace`), never replacing anything; the
    /// address is aligned to `granularity()`. `None`: anywhere.
    pub at: Option<usize>,
    /// Bytes the mapping must cover from `offset`: the hidden prefix plus the length.
    /// (Only Windows needs it: a view of a file must not pass the end of the file.)
    #[cfg_attr(not(windows), allow(dead_code))]
    pub bytes: usize,
    /// `bytes` rounded up to whole pages: what `unmap` and friends will be given.
    pub map_len: usize,
    /// File offset, aligned to `granularity()`; 0 for anonymous memory.
    pub offset: u64,
    /// Initial protection.
    pub prot: ProtFlags,
    /// Anonymous or file, shared or private.
    pub backing: Backing,
    /// The file, for `Backing::File`.
    pub file: Option<Handle>,
    /// `MapOptions::populate`.
    pub populate: bool,
    /// `MapOptions::locked`.
    pub locked: bool,
    /// `MapOptions::no_reserve` (macOS: accepted, no effect).
    #[cfg_attr(target_os = "macos", allow(dead_code))]
    pub no_reserve: bool,
    /// `MapOptions::stack` (macOS and Windows have no such flag: accepted, no effect).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub stack: bool,
    /// `MapOptions::validate`.
    pub validate: bool,
    /// `MapOptions::huge_pages`.
    pub huge: Option<HugePages>,
    /// Windows: size the section to cover the view, which extends a shorter file (for
    /// `MapCursor`'s growing mode). Unix grows files with `set_len` instead.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub extend_file: bool,
}

/// The protection flags of the platforms without Linux's generated tables.
#[cfg(any(target_os = "macos", windows))]
mod portable {
    use bitflags::bitflags;

    bitflags! {
        /// Access allowed to mapped pages. [`ProtFlags::empty()`] is no access.
        ///
        /// The values are the `PROT_*` values of Linux and macOS (1, 2, 4). On Windows the
        /// backend turns them into a `PAGE_*` constant: `READ` is `PAGE_READONLY`,
        /// `READ | WRITE` is `PAGE_READWRITE` (`PAGE_WRITECOPY` for copy-on-write
        /// mappings), `EXEC` adds `EXECUTE`; `WRITE` without `READ` is read-write there,
        /// as on x86 Linux, and unknown bits are refused with `Errno::INVAL`.
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct ProtFlags: u32 {
            /// Pages can be read.
            const READ = 1;
            /// Pages can be written.
            const WRITE = 2;
            /// Pages can be executed.
            const EXEC = 4;
            const _ = !0;
        }
    }
}
