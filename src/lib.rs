//! Memory mapping for Linux without libc, and the same API on macOS and Windows.
//!
//! On Linux `rawmap` talks to the kernel through inline-asm syscalls whose numbers and
//! constants come from per-architecture tables (`arch/` in the source), so it works in
//! `#![no_std]` code: static binaries, loaders, allocators, code that runs before TLS
//! exists or in a signal handler. `raw` is the unsafe layer, one function per syscall.
//! On macOS and Windows, with the `std` feature, [`Mapping`] and [`MapOptions`] work the
//! same way through the platform's own C interfaces (`libc`, `windows-sys`).
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use rawmap::{raw, MapFlags, MapType, ProtFlags, page_size};
//!
//! let len = page_size();
//! // SAFETY: a fresh anonymous mapping; nothing else refers to it; unmapped below.
//! unsafe {
//!     let p = raw::mmap(core::ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE,
//!                       MapType::Private, MapFlags::ANONYMOUS, -1, 0)?;
//!     raw::munmap(p, len)?;
//! }
//! # }
//! # Ok::<(), rawmap::Errno>(())
//! ```
//!
//! Under `std`, on every platform: [`MapCursor`] (`io::Read`, `Write`, `Seek`, `BufRead`
//! over a mapping, optionally growing the file), [`Mapping::find`] / [`Mapping::rfind`],
//! and [`MapOptions::map_path`] & co. to map a path in one call.
//!
//! # Platforms
//!
//! The same names work on Linux, macOS and Windows (the last two with the `std`
//! feature). What differs:
//!
//! | item | Linux | macOS | Windows |
//! |---|---|---|---|
//! | file offsets | any (page-aligned inside) | any (page-aligned inside) | any (aligned to the 64 KiB allocation granularity inside) |
//! | [`MapOptions::populate`] | `MAP_POPULATE` | `Errno::UNSUPPORTED` | `Errno::UNSUPPORTED` |
//! | [`MapOptions::sequential`] | `MADV_SEQUENTIAL` + `MADV_POPULATE_READ` (its errors returned, but `EINVAL`) | `MADV_SEQUENTIAL` + `MADV_WILLNEED`, hints | `PrefetchVirtualMemory`, a hint |
//! | [`MapOptions::locked`] | `MAP_LOCKED` | emulated: `mlock` after mapping; on failure unmapped | emulated: `VirtualLock` after mapping; on failure unmapped |
//! | [`MapOptions::no_reserve`] | `MAP_NORESERVE` | accepted, no effect: macOS never reserves swap | `Errno::UNSUPPORTED`: pagefile-backed memory is always committed |
//! | [`MapOptions::stack`] | `MAP_STACK` | accepted, no effect (no such flag) | accepted, no effect |
//! | [`MapOptions::validate`] | `MAP_SHARED_VALIDATE` | `Errno::UNSUPPORTED` | `Errno::UNSUPPORTED` |
//! | [`HugePages::Transparent`] | aligned + `MADV_HUGEPAGE` | accepted, no effect (a hint, as on Linux) | accepted, no effect |
//! | [`HugePages::Explicit`] | `MAP_HUGETLB` | `Errno::UNSUPPORTED` | `Errno::UNSUPPORTED` |
//! | [`MapOptions::fixed_noreplace`] | `MAP_FIXED_NOREPLACE` | emulated: an address hint, unmapped with `EEXIST` if not honoured; never replaces | `MapViewOfFileEx` at the address (granularity-aligned); taken: `Errno::EXIST` |
//! | [`MapOptions::shared`] (anonymous) | `MAP_SHARED` | `MAP_SHARED` | accepted; pagefile sections have no fork to share with |
//! | [`MapOptions::map_if_safe`] | memfd seals, fs-verity | always `Ok(None)`: nothing to prove it with | always `Ok(None)` |
//! | range past the end of the file | maps; whole pages past the end raise SIGBUS | as Linux | fails: a view cannot pass the end of its section |
//! | [`Mapping::flush`] | `msync(MS_SYNC)` | `msync(MS_SYNC)` | `FlushViewOfFile` + `FlushFileBuffers` (writable file mappings) |
//! | [`Mapping::flush_async`] | `msync(MS_ASYNC)` | `msync(MS_ASYNC)` | `FlushViewOfFile` |
//! | [`Mapping::residency`] | `mincore` | `mincore` | `QueryWorkingSetEx` |
//! | `remap*`, `lock_on_fault` | yes | absent | absent |
//!
//! Advice per platform: see [`Advice`] and [`UncheckedAdvice`].
//!
//! Errors are the platform's own codes in [`Errno`], with portable names for the ones
//! the crate gives itself (see [`Errno`]).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
// `asm!` is still unstable on these three (rust-lang/rust#93335): they build on nightly
// only; every other architecture builds on stable.
#![cfg_attr(
    all(
        target_os = "linux",
        any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64")
    ),
    feature(asm_experimental_arch)
)]

#[cfg(feature = "std")]
extern crate std;

mod errno;
pub use errno::{Errno, Result};

#[cfg(rawmap_mapping)]
pub mod fault;
#[cfg(rawmap_mapping)]
pub use fault::{AccessError, Fault, FaultCause};

#[cfg(target_os = "linux")]
mod linux;

/// Syscall numbers and constants of the target architecture, generated from `arch/`.
///
/// Not a stable interface: it exists so the crate's tests can compare the tables with
/// independent sources (`libc`, `sc`).
#[cfg(target_os = "linux")]
#[doc(hidden)]
pub use linux::sys;

#[cfg(target_os = "linux")]
mod flags;
#[cfg(target_os = "linux")]
pub use flags::{
    MapFlags, MapType, MemfdFlags, MlockAllFlags, MlockFlags, MsyncFlags, OpenFlags, ProtFlags,
    RemapFlags, SealFlags,
};

#[cfg(target_os = "linux")]
mod page;
#[cfg(target_os = "linux")]
pub use page::page_size;

#[cfg(target_os = "linux")]
pub mod raw;

#[cfg(target_os = "linux")]
pub mod fd;
#[cfg(target_os = "linux")]
pub use fd::File;

/// The Unix file traits the `map*` functions take (std's own under `std`).
#[cfg(all(unix, not(target_os = "linux"), rawmap_mapping))]
mod fd {
    pub use std::os::fd::{AsFd, AsRawFd};
}

#[cfg(rawmap_mapping)]
mod os;
#[cfg(all(rawmap_mapping, not(target_os = "linux")))]
pub use os::{ProtFlags, page_size};

#[cfg(rawmap_mapping)]
mod advice;
#[cfg(rawmap_mapping)]
pub use advice::{Advice, UncheckedAdvice};

#[cfg(rawmap_mapping)]
mod copy;

#[cfg(rawmap_mapping)]
mod mapping;
#[cfg(rawmap_mapping)]
pub use mapping::{HugePages, MapFile, MapOptions, Mapping, Residency};

#[cfg(all(feature = "std", rawmap_mapping))]
mod io;
#[cfg(all(feature = "std", rawmap_mapping))]
pub use io::MapCursor;

/// The unit file offsets are aligned to when mapped: the page size on Linux and macOS,
/// the allocation granularity (64 KiB) on Windows. [`MapOptions::offset`] takes any
/// offset and hides the difference; this is for callers who want aligned views, as
/// Python's `mmap.ALLOCATIONGRANULARITY`.
///
/// ```
/// let g = rawmap::allocation_granularity();
/// assert!(g.is_power_of_two() && g >= rawmap::page_size());
/// ```
#[cfg(rawmap_mapping)]
pub fn allocation_granularity() -> usize {
    os::granularity()
}
