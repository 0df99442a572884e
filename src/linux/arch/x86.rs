//! x86 (i686): `int 0x80`, number in eax, arguments in ebx ecx edx esi edi ebp, result in
//! eax. `int 0x80` preserves every other register and the flags (the kernel returns with
//! `iret`).
//!
//! Rust's `asm!` cannot take esi (LLVM's base pointer on x86-32) or ebp (the frame
//! pointer) as operands, so the stubs move those arguments in and out themselves: with
//! `xchg` through a spare register for esi, and for six arguments, where no spare
//! register is left, from a small array whose address travels in eax. The vDSO entry
//! (`__kernel_vsyscall`) would be faster but needs the auxiliary vector at every call
//! site; `int 0x80` works everywhere, including a 32-bit process on a 64-bit kernel.
//! No `nomem`/`readonly`: these calls change the address space, so memory accesses must
//! not move across them.

use core::arch::asm;

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> isize {
    let ret;
    // SAFETY: the caller upholds the contract of syscall `nr`; the asm only uses the
    // registers it declares.
    unsafe {
        asm!("int 0x80", inlateout("eax") nr as isize => ret,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("int 0x80", inlateout("eax") nr as isize => ret, in("ebx") a0,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("int 0x80", inlateout("eax") nr as isize => ret, in("ebx") a0, in("ecx") a1,
             options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("int 0x80", inlateout("eax") nr as isize => ret, in("ebx") a0, in("ecx") a1,
             in("edx") a2, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret;
    // SAFETY: as in `syscall0`. esi is swapped with the register holding `a3` and
    // swapped back after the call, so both leave the asm as they came in.
    unsafe {
        asm!("xchg esi, {a3}", "int 0x80", "xchg esi, {a3}",
             a3 = in(reg) a3, inlateout("eax") nr as isize => ret, in("ebx") a0,
             in("ecx") a1, in("edx") a2, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
) -> isize {
    let ret;
    // SAFETY: as in `syscall4`.
    unsafe {
        asm!("xchg esi, {a3}", "int 0x80", "xchg esi, {a3}",
             a3 = in(reg) a3, inlateout("eax") nr as isize => ret, in("ebx") a0,
             in("ecx") a1, in("edx") a2, in("edi") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> isize {
    let ret;
    // With eax, ebx, ecx, edx and edi taken, no register is left to carry esi's and
    // ebp's values in, so they come from memory: eax points at [a3, a5, nr].
    let rest = [a3, a5, nr];
    // SAFETY: as in `syscall0`. ebp and esi are saved on the stack and restored before
    // the asm ends; `rest` is readable for the three words loaded.
    unsafe {
        asm!(
            "push ebp",
            "push esi",
            "mov esi, [eax]",
            "mov ebp, [eax + 4]",
            "mov eax, [eax + 8]",
            "int 0x80",
            "pop esi",
            "pop ebp",
            inlateout("eax") rest.as_ptr().expose_provenance() as isize => ret, in("ebx") a0, in("ecx") a1,
            in("edx") a2, in("edi") a4, options(preserves_flags),
        );
    }
    ret
}
