//! The cost of one cheap syscall through `rawmap::raw`, libc and rustix, side by side:
//! `madvise(page, page_size, MADV_NORMAL)` on a mapped page, which the kernel accepts
//! and does almost nothing for, so the wrapper's share of the time is as large as it gets.
//! `getpid` through libc runs in the same rounds as the floor: the kernel's entry and
//! exit cost with the least work inside.
//!
//! Run with `cargo bench --bench syscall`; BENCHMARKS.md has the figures.

mod common;

#[cfg(target_os = "linux")]
use std::hint::black_box;

#[cfg(target_os = "linux")]
use common::Bench;
#[cfg(target_os = "linux")]
use rawmap::sys::mman::MADV_NORMAL;

/// The candidates are Linux syscall wrappers; other platforms (macOS and Windows, which
/// `cargo check --all-targets` covers) have nothing to compare.
#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the syscall bench compares Linux syscall wrappers: nothing to run here");
}

#[cfg(target_os = "linux")]
fn main() {
    let len = rawmap::page_size();
    // SAFETY: a fresh anonymous private page; nothing else refers to it, and it stays
    // mapped until the end of `main`.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(page, libc::MAP_FAILED, "mmap of the bench page failed");
    // SAFETY: the page is mapped writable; touching it makes it resident.
    unsafe { page.cast::<u8>().write(1) };

    // Each candidate checks its result, as real code would; a failure would panic.
    Bench::new("madvise(page, page_size, MADV_NORMAL) on one mapped page")
        .case("libc", move || {
            // SAFETY: MADV_NORMAL on our own mapped page changes nothing observable.
            let r = unsafe { libc::madvise(black_box(page), black_box(len), libc::MADV_NORMAL) };
            assert_eq!(r, 0);
        })
        .case("rustix", move || {
            // SAFETY: as for libc.
            let r = unsafe {
                rustix::mm::madvise(black_box(page), black_box(len), rustix::mm::Advice::Normal)
            };
            assert!(r.is_ok());
        })
        .case("rawmap", move || {
            // SAFETY: as for libc.
            let r = unsafe { rawmap::raw::madvise(black_box(page), black_box(len), MADV_NORMAL) };
            assert!(r.is_ok());
        })
        .case("getpid (libc, floor)", || {
            // SAFETY: getpid has no preconditions.
            black_box(unsafe { libc::getpid() });
        })
        .baseline("libc")
        .ratio("rawmap", "rustix")
        .run();

    // SAFETY: the page is ours and no longer used.
    unsafe { libc::munmap(page, len) };
}
