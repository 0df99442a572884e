//! Memory mapping for Linux without libc.
//!
//! `rawmap` talks to the kernel through inline-asm syscalls whose numbers and constants
//! come from per-architecture tables (`arch/` in the source), so it works in `#![no_std]`
//! code: static binaries, loaders, allocators, code that runs before TLS exists or in a
//! signal handler. [`raw`] is the unsafe layer, one function per syscall.
//!
//! ```
//! use rawmap::{raw, MapFlags, MapType, ProtFlags, page_size};
//!
//! let len = page_size();
//! // SAFETY: a fresh anonymous mapping; nothing else refers to it; unmapped below.
//! unsafe {
//!     let p = raw::mmap(core::ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE,
//!                       MapType::Private, MapFlags::ANONYMOUS, -1, 0)?;
//!     raw::munmap(p, len)?;
//! }
//! # Ok::<(), rawmap::Errno>(())
//! ```
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
mod advice;
#[cfg(target_os = "linux")]
pub use advice::{Advice, UncheckedAdvice};

#[cfg(target_os = "linux")]
mod copy;

#[cfg(target_os = "linux")]
pub mod fd;
#[cfg(target_os = "linux")]
pub use fd::File;

#[cfg(target_os = "linux")]
mod mapping;
#[cfg(target_os = "linux")]
pub use mapping::{HugePages, MapOptions, Mapping, Residency};
