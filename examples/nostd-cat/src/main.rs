//! `nostd-cat FILE`: writes FILE to stdout by mapping it. A `#![no_std]` static binary
//! with its own `_start` (src/rt.rs) and no libc: every system call goes through rawmap.
//!
//! Exit status 0 on success; 1 with `nostd-cat: <what>: errno <N>` on stderr when the
//! argument is missing or opening, mapping or writing fails; 101 on a panic. Files
//! whose size `statx` reports as 0 (empty files, but also pipes and most of /proc)
//! print nothing: a mapping has no other way to know their length.

#![no_std]
#![no_main]
// `global_asm!` (the `_start` in rt.rs) is still unstable on these (nightly only).
#![cfg_attr(
    any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64"),
    feature(asm_experimental_arch)
)]

mod rt;

use core::ffi::CStr;

use rawmap::{Errno, File, MapOptions};
use rt::{Args, put, put_decimal, write_all};

/// The program, called by `rt::start`; returns the exit status. Inlined there: as a
/// separate function it costs 80 bytes.
#[inline(always)]
fn main(args: Args) -> i32 {
    let Some(path) = args.get(1) else {
        put(2, b"usage: nostd-cat FILE\n");
        return 1;
    };
    match cat(path) {
        Ok(()) => 0,
        Err((what, e)) => {
            put(2, b"nostd-cat: ");
            put(2, what.as_bytes());
            put(2, b": ");
            // The number, not `e.name()`: the name table would add 1.6 KiB to a binary
            // whose budget is 4 KiB. `errno -l` or `Errno::name` translate it.
            put(2, b"errno ");
            put_decimal(2, e.raw());
            put(2, b"\n");
            1
        }
    }
}

/// Maps `path` and writes its bytes to stdout. The error names the step that failed.
fn cat(path: &CStr) -> Result<(), (&'static str, Errno)> {
    let file = File::open(path).map_err(|e| ("open", e))?;
    // SAFETY: `map`'s contract (nothing modifies or truncates the file while it is
    // mapped) is one no `cat` can enforce; like every mmap-based reader we assume it for
    // the file we were asked to print. A violation still cannot become undefined
    // behaviour here: no Rust reference to the bytes is ever made, only the kernel reads
    // them, in write(2), where a concurrent change alters the output and a truncation
    // makes the call fail with EFAULT instead of raising SIGBUS.
    let map = unsafe { MapOptions::new().map(&file) }.map_err(|e| ("map", e))?;
    // SAFETY: the mapping is readable for its `len()` bytes while `map` lives.
    unsafe { write_all(1, map.as_ptr(), map.len()) }.map_err(|e| ("write", e))
}
