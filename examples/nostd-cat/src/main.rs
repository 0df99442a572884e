//! `nostd-cat FILE`: writes FILE to stdout by mapping it. A `#![no_std]` static binary
//! with its own `_start` and no libc: every system call goes through rawmap.
//!
//! Exit status 0 on success; 1 with `nostd-cat: <what>: <ERRNO>` on stderr when the
//! argument is missing or opening, mapping or writing fails; 101 on a panic. Files
//! whose size `statx` reports as 0 (empty files, but also pipes and most of /proc)
//! print nothing: a mapping has no other way to know their length.

#![no_std]
#![no_main]

use core::ffi::{CStr, c_char};

use rawmap::{Errno, File, MapOptions, raw};

// Entry: the kernel leaves argc, argv[], NULL, envp[], NULL, auxv at the stack pointer.
// Pass that address to `start`, with the stack 16-byte aligned and the frame chain
// ended, as each ABI expects; `start` never returns.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {start}",
    "ud2",
    start = sym start,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov x29, xzr",
    "mov x30, xzr",
    "mov x0, sp",
    "bl {start}",
    "brk #0",
    start = sym start,
);

// gp is set (without letting the linker relax the `la` itself) in case the linker
// relaxed other accesses to be gp-relative, as GNU ld does.
#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    ".option push",
    ".option norelax",
    "la gp, __global_pointer$",
    ".option pop",
    "mv a0, sp",
    "andi sp, sp, -16",
    "call {start}",
    "unimp",
    start = sym start,
);

/// Called by `_start` with the initial stack pointer.
///
/// # Safety
/// `sp` must point at the process's initial stack as the kernel left it.
unsafe extern "C" fn start(sp: *const usize) -> ! {
    // SAFETY: the kernel's layout (caller's contract): argc, then argc pointers to
    // NUL-terminated strings and a NULL; argv[1] is read only when argc >= 2.
    let arg = unsafe {
        let argv = sp.add(1).cast::<*const c_char>();
        (*sp >= 2).then(|| CStr::from_ptr(*argv.add(1)))
    };
    let Some(path) = arg else {
        put(2, b"usage: nostd-cat FILE\n");
        raw::exit_group(1);
    };
    match cat(path) {
        Ok(()) => raw::exit_group(0),
        Err((what, e)) => {
            put(2, b"nostd-cat: ");
            put(2, what.as_bytes());
            put(2, b": ");
            // The number, not `e.name()`: the name table would add 1.6 KiB to a binary
            // whose budget is 4 KiB. `errno -l` or `Errno::name` translate it.
            put(2, b"errno ");
            put_decimal(2, e.raw());
            put(2, b"\n");
            raw::exit_group(1)
        }
    }
}

/// Writes `n` in decimal, without core::fmt (which would add kilobytes).
fn put_decimal(fd: i32, mut n: u16) {
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(fd, &buf[i..]);
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

/// Writes `len` bytes from `buf` to `fd`, continuing after partial writes and EINTR.
///
/// # Safety
/// `buf` must be readable for `len` bytes.
unsafe fn write_all(fd: raw::RawFd, buf: *const u8, len: usize) -> rawmap::Result<()> {
    let mut done = 0;
    while done < len {
        // SAFETY: `done < len`, so the rest is inside the caller's readable range.
        match unsafe { raw::write(fd, buf.wrapping_add(done), len - done) } {
            Ok(0) => return Err(Errno::IO),
            Ok(n) => done += n,
            Err(e) if e == Errno::INTR => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Best-effort message output: there is nowhere to report a failure to write to stderr.
fn put(fd: raw::RawFd, msg: &[u8]) {
    // SAFETY: a slice is readable for its length.
    let _ = unsafe { write_all(fd, msg.as_ptr(), msg.len()) };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    put(2, b"panic\n");
    raw::exit_group(101)
}

/// The C memory routines the compiler calls for copies and fills, and that `core`
/// calls (`CStr::from_ptr` uses `strlen`). With no libc they are ours: plain byte loops
/// with volatile accesses, so the optimizer cannot turn a loop back into a call to the
/// very function it is in. Optimized builds rarely call them, and the linker drops the
/// ones nothing calls.
mod libc_mem {
    use core::ptr::{read_volatile, write_volatile};

    /// # Safety
    /// `src` readable and `dst` writable for `n` bytes; the ranges do not overlap.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: `i < n`, inside both ranges (forwarded contract).
            unsafe { write_volatile(dst.add(i), read_volatile(src.add(i))) };
        }
        dst
    }

    /// # Safety
    /// `src` readable and `dst` writable for `n` bytes; the ranges may overlap.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        if dst.cast_const() < src {
            // SAFETY: copying upwards never reads a byte already overwritten.
            unsafe { memcpy(dst, src, n) }
        } else {
            for i in (0..n).rev() {
                // SAFETY: `i < n`; copying downwards never reads a byte already written.
                unsafe { write_volatile(dst.add(i), read_volatile(src.add(i))) };
            }
            dst
        }
    }

    /// # Safety
    /// `dst` writable for `n` bytes.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: `i < n`, inside the range (forwarded contract).
            unsafe { write_volatile(dst.add(i), c as u8) };
        }
        dst
    }

    /// # Safety
    /// `a` and `b` readable for `n` bytes.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        for i in 0..n {
            // SAFETY: `i < n`, inside both ranges (forwarded contract).
            let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
            if x != y {
                return i32::from(x) - i32::from(y);
            }
        }
        0
    }

    /// # Safety
    /// As `memcmp`.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: forwarded contract.
        unsafe { memcmp(a, b, n) }
    }

    /// # Safety
    /// `s` points to a NUL-terminated string.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn strlen(s: *const u8) -> usize {
        let mut n = 0;
        // SAFETY: every byte up to and including the NUL is readable (contract).
        while unsafe { read_volatile(s.add(n)) } != 0 {
            n += 1;
        }
        n
    }
}

/// The prebuilt `core` is compiled for unwinding and its objects refer to this symbol.
/// With `panic = "abort"` nothing calls it; builds without LTO (debug) still need it to
/// link.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
