//! The runtime of the crate's `no_std`, no-libc binaries: the process entry (`_start`)
//! for every architecture rawmap supports, the panic handler, the C memory routines the
//! compiler may call, and small output helpers. Each binary includes this file as a
//! module and provides `fn main(args: Args) -> i32` at its crate root.

use core::ffi::{CStr, c_char};

use rawmap::{Errno, raw};

// Entry: the kernel leaves argc, argv[], NULL, envp[], NULL, auxv at the stack pointer
// (on sparc64 at the stack pointer + 2047 (its stack bias) + 128 (the register window
// save area)). Each `_start` passes that address to `start` with the stack aligned as
// the ABI expects and the frame chain ended; `start` never returns.
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

// cdecl: the argument goes on the stack, which is 16-byte aligned at the call.
#[cfg(target_arch = "x86")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov eax, esp",
    "and esp, -16",
    "sub esp, 12",
    "push eax",
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

// A32 code (armv7): `bic` can write sp directly.
#[cfg(all(target_arch = "arm", not(thumb)))]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, %function",
    "_start:",
    "mov fp, #0",
    "mov lr, #0",
    "mov r0, sp",
    "bic sp, sp, #15",
    "bl {start}",
    "udf #0",
    start = sym start,
);

// Thumb-2 code (thumbv7neon): `.thumb_func` makes the entry address odd, so the kernel
// starts in Thumb state; sp cannot be the destination of `bic` here.
#[cfg(all(target_arch = "arm", thumb))]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, %function",
    ".thumb_func",
    "_start:",
    "mov r7, #0",
    "mov lr, #0",
    "mov r0, sp",
    "mov r1, sp",
    "bic r1, r1, #15",
    "mov sp, r1",
    "bl {start}",
    "udf #0",
    start = sym start,
);

// gp is set (without letting the linker relax the `la` itself) in case the linker
// relaxed other accesses to be gp-relative, as GNU ld does.
#[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
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

#[cfg(target_arch = "loongarch64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "move $fp, $zero",
    "move $ra, $zero",
    "move $a0, $sp",
    "bstrins.d $sp, $zero, 3, 0",
    "bl {start}",
    "break 0",
    start = sym start,
);

// 16-byte aligned stack with a terminated back chain (a zero word at the new sp).
#[cfg(target_arch = "powerpc")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mr 3, 1",
    "clrrwi 1, 1, 4",
    "li 0, 0",
    "stwu 0, -16(1)",
    "bl {start}",
    "trap",
    start = sym start,
);

// ELFv2 (little-endian): enter through the global entry point with r12 holding its
// address, so the callee's prologue derives the TOC pointer (r2) from it.
#[cfg(all(target_arch = "powerpc64", target_endian = "little"))]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mr 3, 1",
    "clrrdi 1, 1, 4",
    "li 0, 0",
    "stdu 0, -32(1)",
    "lis 12, {start}@highest",
    "ori 12, 12, {start}@higher",
    "rldicr 12, 12, 32, 31",
    "oris 12, 12, {start}@h",
    "ori 12, 12, {start}@l",
    "mtctr 12",
    "bctrl",
    "trap",
    start = sym start,
);

// ELFv1 (big-endian): a function symbol names a descriptor (code address, TOC, env)
// in .opd, and the kernel reads the entry point as one: it jumps to the code and loads
// r2 from the descriptor. One TOC serves the whole static executable, so the call needs
// no TOC switch (the `nop` after `bl` is the slot the linker may use for one).
#[cfg(all(target_arch = "powerpc64", target_endian = "big"))]
core::arch::global_asm!(
    ".section .opd, \"aw\"",
    ".align 3",
    ".globl _start",
    "_start:",
    ".quad .L_start_code, .TOC.@tocbase, 0",
    ".text",
    ".L_start_code:",
    "mr 3, 1",
    "clrrdi 1, 1, 4",
    "li 0, 0",
    "stdu 0, -128(1)",
    "bl {start}",
    "nop",
    "trap",
    start = sym start,
);

// A 160-byte register save area below the stack pointer, with a zero back chain.
#[cfg(target_arch = "s390x")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "lgr %r2, %r15",
    "aghi %r15, -160",
    "xc 0(8,%r15), 0(%r15)",
    "brasl %r14, {start}",
    "j .",
    start = sym start,
);

// o32: the callee may store its four register arguments in the 16 bytes above sp, and
// position-independent callees expect their own address in $t9 ($25). GNU ld's default
// entry symbol on mips is `__start`.
#[cfg(target_arch = "mips")]
core::arch::global_asm!(
    ".globl _start",
    ".globl __start",
    "_start:",
    "__start:",
    "move $4, $sp",
    "addiu $sp, $sp, -32",
    "li $2, -16",
    "and $sp, $sp, $2",
    "la $25, {start}",
    "jalr $25",
    "nop",
    "break",
    start = sym start,
);

#[cfg(target_arch = "mips64")]
core::arch::global_asm!(
    ".globl _start",
    ".globl __start",
    "_start:",
    "__start:",
    "move $4, $sp",
    "daddiu $sp, $sp, -32",
    "li $2, -16",
    "and $sp, $sp, $2",
    "dla $25, {start}",
    "jalr $25",
    "nop",
    "break",
    start = sym start,
);

// The stack pointer is biased by 2047; the callee's `save` allocates its own frame.
#[cfg(target_arch = "sparc64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov %g0, %fp",
    "add %sp, 2175, %o0",
    "sub %sp, 48, %sp",
    "call {start}",
    "nop",
    "illtrap 0",
    start = sym start,
);

/// The process's arguments, as the kernel left them.
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
}

impl Args {
    /// Argument `i` (0 is the program), if there is one.
    pub fn get(&self, i: usize) -> Option<&'static CStr> {
        // SAFETY: the kernel's layout: argc pointers to NUL-terminated strings that
        // live as long as the process, read only below argc.
        (i < self.argc).then(|| unsafe { CStr::from_ptr(*self.argv.add(i)) })
    }
}

/// Called by `_start` with the initial stack pointer.
///
/// # Safety
/// `sp` must point at the process's initial stack as the kernel left it.
unsafe extern "C" fn start(sp: *const usize) -> ! {
    // SAFETY: argc is the first word, the argv array follows (caller's contract).
    let args = unsafe {
        Args {
            argc: *sp,
            argv: sp.add(1).cast(),
        }
    };
    raw::exit_group(crate::main(args))
}

/// Writes `n` in decimal, without core::fmt (which would add kilobytes).
pub fn put_decimal(fd: i32, mut n: u16) {
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

/// Writes `len` bytes from `buf` to `fd`, continuing after partial writes and EINTR.
///
/// # Safety
/// `buf` must be readable for `len` bytes.
pub unsafe fn write_all(fd: raw::RawFd, buf: *const u8, len: usize) -> rawmap::Result<()> {
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
pub fn put(fd: raw::RawFd, msg: &[u8]) {
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

/// On arm, every function's unwind table entry (`.ARM.exidx`) names one of the EHABI
/// personality routines, which libgcc would provide. Nothing unwinds here
/// (`panic = "abort"`); empty definitions satisfy the references.
#[cfg(target_arch = "arm")]
mod arm_ehabi {
    #[unsafe(no_mangle)]
    extern "C" fn __aeabi_unwind_cpp_pr0() {}
    #[unsafe(no_mangle)]
    extern "C" fn __aeabi_unwind_cpp_pr1() {}
    #[unsafe(no_mangle)]
    extern "C" fn __aeabi_unwind_cpp_pr2() {}
}
