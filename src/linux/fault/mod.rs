//! Fault-safe copies on Linux: the SIGBUS handler that turns a fault inside the crate's
//! copy routine into an error.
//!
//! The design is the kernel's `copy_from_user` exception table. The copy routines and
//! their table are in `copy/` (shared with Windows); each architecture's file here
//! (`x86_64.rs`, ...) holds a [`Context`] saying where the signal frame keeps the program
//! counter and the routine's arguments, and the restorer where the kernel has
//! `SA_RESTORER`. The SIGBUS handler here, installed once with raw `rt_sigaction`, takes
//! a signal only when it is a kernel-reported access fault (`BUS_ADRERR`, `BUS_OBJERR`,
//! `BUS_MCEERR_AR`) at an instruction in one of the routines' ranges, on an address
//! inside the range the caller declared as the mapping's side (`copy::fixup`). It then
//! records the fault for the caller and moves the program counter to the fixup; the
//! routine returns how many bytes it did not copy.
//!
//! Nothing here uses thread-local state, locks, allocation or longjmp: the handler reads
//! the frame, asks the routines for their table, writes two words and returns, so any
//! number of threads can fault at once. Every other SIGBUS goes to the action that was
//! installed before (called as the kernel would have called it), or, if that was the
//! default, is given back to the kernel so the process dies as it would have.
//!
//! Adding an architecture: its routine as `copy/<arch>.rs` (see `copy/x86_64.rs` for the
//! contract) with a `path` line in `copy/mod.rs`, and here a file with `CONTEXT` and,
//! where the kernel has `SA_RESTORER`, `restorer`, with a `path` line below.

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "x86", path = "x86.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arm.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
#[cfg_attr(target_arch = "powerpc64", path = "powerpc64.rs")]
#[cfg_attr(target_arch = "s390x", path = "s390x.rs")]
#[cfg_attr(target_arch = "mips", path = "mips.rs")]
#[cfg_attr(target_arch = "mips64", path = "mips64.rs")]
#[cfg_attr(target_arch = "powerpc", path = "powerpc.rs")]
#[cfg_attr(target_arch = "sparc64", path = "sparc64.rs")]
#[cfg_attr(target_arch = "riscv32", path = "riscv32.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "loongarch64.rs")]
mod arch;

use core::ffi::c_void;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::Result;
use crate::copy::RawFault;
use crate::fault::FaultCause;
use crate::linux::sys::signal as sg;
use crate::raw::{self, KernelSigaction, SigFlags, SigSet};

/// Where an architecture's signal frame keeps what the handler reads and writes: byte
/// offsets into the `ucontext` and `siginfo` the kernel passes to an `SA_SIGINFO`
/// handler. Each offset names a full register (a `usize`).
pub(super) struct Context {
    /// The interrupted program counter.
    pc: usize,
    /// The saved registers holding the copy routine's 4th, 5th and 6th arguments: the
    /// protected range `[lo, hi)` and the `RawFault` slot.
    lo: usize,
    hi: usize,
    out: usize,
    /// `si_code` (an `i32`) and `si_addr` in `siginfo`.
    si_code: usize,
    si_addr: usize,
}

// ---------------------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------------------

/// The action that was in place before ours, for signals that are not ours. Written
/// before our handler is installed, read by it.
static PREV_HANDLER: AtomicUsize = AtomicUsize::new(sg::SIG_DFL as usize);
static PREV_FLAGS: AtomicUsize = AtomicUsize::new(0);
static PREV_MASK: [AtomicUsize; size_of::<SigSet>() / size_of::<usize>()] =
    [const { AtomicUsize::new(0) }; size_of::<SigSet>() / size_of::<usize>()];

/// Installs the SIGBUS handler in front of the current action.
///
/// Threads that get here at the same time (see `copy::install`) are harmless: each
/// reads the current action, remembers it unless it is ours, and puts ours in place;
/// whatever the interleaving, the earlier action remembered is the one that was there
/// before any of them, and ours ends up installed.
pub(crate) fn install_now() -> Result<()> {
    let mut old = KernelSigaction::default();
    // SAFETY: reads the current action only.
    unsafe { sigaction(None, Some(&mut old))? };
    remember(&old);
    let mut replaced = KernelSigaction::default();
    // SAFETY: `on_sigbus` is async-signal-safe and handles every SIGBUS (its own or by
    // passing it on), and the restorer calls rt_sigreturn; the previous action is saved.
    unsafe { sigaction(Some(&our_action(&old)), Some(&mut replaced))? };
    // Someone changed the action between the two calls: chain to what we replaced.
    if replaced != old {
        remember(&replaced);
    }
    Ok(())
}

/// The address of `on_sigbus`, as the kernel's action holds it.
fn ours() -> usize {
    on_sigbus as unsafe extern "C" fn(i32, *mut c_void, *mut c_void) as usize
}

/// Our action, in front of `earlier` (whose `SA_RESTART` it keeps, so system calls
/// interrupted by a sent SIGBUS behave as they did).
fn our_action(earlier: &KernelSigaction) -> KernelSigaction {
    #[allow(unused_mut)]
    let mut flags = (sg::SA_SIGINFO | sg::SA_ONSTACK | sg::SA_NODEFER) as SigFlags
        | (earlier.flags & sg::SA_RESTART as SigFlags);
    #[cfg(rawmap_const = "SA_RESTORER")]
    {
        flags |= sg::SA_RESTORER as SigFlags;
    }
    KernelSigaction {
        handler: ours(),
        flags,
        #[cfg(rawmap_const = "SA_RESTORER")]
        restorer: arch::restorer as unsafe extern "C" fn() as usize,
        // sparc64's kernel makes the handler return to the restorer plus 8.
        #[cfg(target_arch = "sparc64")]
        restorer: arch::restorer as unsafe extern "C" fn() as usize - 8,
        mask: [0; size_of::<SigSet>() / size_of::<usize>()],
    }
}

/// Saves `act` as the action to pass foreign signals to (never our own handler, which
/// would loop).
fn remember(act: &KernelSigaction) {
    if act.handler == ours() {
        return;
    }
    for (slot, word) in PREV_MASK.iter().zip(act.mask) {
        slot.store(word, Ordering::Relaxed);
    }
    #[allow(clippy::unnecessary_cast)] // SigFlags is a u32 on mips
    PREV_FLAGS.store(act.flags as usize, Ordering::Relaxed);
    PREV_HANDLER.store(act.handler, Ordering::Release);
}

/// Whether the kernel's SIGBUS action is still this crate's handler: `false` before
/// installation or after other code replaced it (which disables fault-safe copies).
pub(crate) fn is_active() -> Result<bool> {
    let mut cur = KernelSigaction::default();
    // SAFETY: reads the current action only.
    unsafe { sigaction(None, Some(&mut cur))? };
    Ok(cur.handler == ours())
}

/// A [`KernelSigaction`] and one zeroed word after it. qemu-user 7.2 gives riscv32,
/// riscv64 and loongarch64 guests a `struct sigaction` with an `sa_restorer` field that
/// their kernels do not have: it reads the restorer where the kernel has the mask and the
/// mask one word further, and writes one word past the kernel's struct (seen: 20 bytes
/// written on riscv32, 32 on riscv64 and loongarch64). Without the spare word it
/// overwrote a neighbouring local of an optimized build and installed `SIG_DFL`.
/// Kernels read and write only their own struct, so the word costs them nothing.
#[repr(C)]
#[derive(Default)]
struct Slack {
    act: KernelSigaction,
    spare: usize,
}

/// `rt_sigaction(SIGBUS, act, old)` through [`Slack`] buffers.
///
/// # Safety
/// As [`raw::rt_sigaction`].
unsafe fn sigaction(
    act: Option<&KernelSigaction>,
    old: Option<&mut KernelSigaction>,
) -> Result<()> {
    let new = act.map(|&act| Slack { act, spare: 0 });
    let mut prev = Slack::default();
    let new_ptr = new
        .as_ref()
        .map_or(core::ptr::null(), |n| core::ptr::from_ref(n).cast());
    let prev_ptr = if old.is_some() {
        (&raw mut prev).cast()
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: forwarded contract; both buffers are valid, with a word to spare.
    unsafe { raw::rt_sigaction(sg::SIGBUS, new_ptr, prev_ptr)? };
    if let Some(old) = old {
        *old = prev.act;
    }
    Ok(())
}

/// The cause of a fault this handler redirected, from its `si_code`.
pub(crate) fn cause(code: i32) -> FaultCause {
    match code as u32 {
        sg::BUS_OBJERR => FaultCause::ObjectError,
        sg::BUS_MCEERR_AR => FaultCause::MemoryError,
        _ => FaultCause::AddressError,
    }
}

// ---------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------

/// Reads the `T` at byte offset `off` of `base`.
///
/// # Safety
/// `base + off` must be readable as a `T`.
#[inline(always)]
unsafe fn peek<T: Copy>(base: *const c_void, off: usize) -> T {
    // SAFETY: forwarded contract; the kernel's frames are aligned for their fields.
    unsafe { base.byte_add(off).cast::<T>().read() }
}

/// The SIGBUS handler. Async-signal-safe: loads from the frame, a table query (pure
/// code), two stores; foreign signals additionally take `rt_sigaction`,
/// `rt_sigprocmask` or `tgkill`.
///
/// # Safety
/// Only for the kernel to call, as an `SA_SIGINFO` handler for SIGBUS.
unsafe extern "C" fn on_sigbus(sig: i32, info: *mut c_void, uc: *mut c_void) {
    let ctx = &arch::CONTEXT;
    // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
    let code: i32 = unsafe { peek(info, ctx.si_code) };
    if matches!(
        code as u32,
        sg::BUS_ADRERR | sg::BUS_OBJERR | sg::BUS_MCEERR_AR
    ) {
        // SAFETY: as above, and `uc` is the valid ucontext of the interrupted thread;
        // the registers are only trusted as the routine's arguments once `fixup` has
        // found the PC in a routine.
        let (addr, pc, lo, hi): (usize, usize, usize, usize) = unsafe {
            (
                peek(info, ctx.si_addr),
                peek(uc, ctx.pc),
                peek(uc, ctx.lo),
                peek(uc, ctx.hi),
            )
        };
        let addr = qemu_si_addr(addr);
        if let Some(fixup) = crate::copy::fixup(pc, addr, lo, hi) {
            // SAFETY: the PC is in a routine, so `out` holds its sixth argument, a valid
            // RawFault that the interrupted caller waits on; the PC slot is ours to
            // rewrite (the kernel restores the frame on return).
            unsafe {
                let out: usize = peek(uc, ctx.out);
                core::ptr::with_exposed_provenance_mut::<RawFault>(out)
                    .write(RawFault { code, addr });
                uc.byte_add(ctx.pc).cast::<usize>().write(fixup);
                // sparc continues at the next program counter after the first
                // instruction, so that must follow the fixup.
                #[cfg(target_arch = "sparc64")]
                uc.byte_add(arch::NPC).cast::<usize>().write(fixup + 4);
            }
            return;
        }
    }
    // SAFETY: forwarded from the kernel.
    unsafe { pass_on(sig, code, info, uc) }
}

/// qemu-user (7.2, and current qemu's `host_to_target_siginfo_noswap`) does not know a
/// host SIGBUS with `BUS_ADRERR` as a fault: it passes the host's `si_addr` on as the
/// two 32-bit fields `si_pid` and `si_uid` and byte-swaps each for the guest. On 64-bit
/// big-endian guests the guest then reads the address with its halves exchanged
/// (`scripts/qemu-quirks/` reproduces it in C). Only test builds under qemu (`--cfg
/// qemu`) undo that, so the fault tests can run there; a kernel reports the address
/// as it is. (32-bit guests get the host address's low half: the test runners place
/// the guest at a multiple of 4 GiB, where that is the guest address.)
#[inline(always)]
fn qemu_si_addr(addr: usize) -> usize {
    #[cfg(all(qemu, target_endian = "big", target_pointer_width = "64"))]
    let addr = addr.rotate_left(32);
    addr
}

/// Gives a signal that is not ours to the action that was installed before.
///
/// # Safety
/// The arguments of a SIGBUS handler invocation.
unsafe fn pass_on(sig: i32, code: i32, info: *mut c_void, uc: *mut c_void) {
    let handler = PREV_HANDLER.load(Ordering::Acquire);
    let flags = PREV_FLAGS.load(Ordering::Relaxed);
    // A fault returns to the instruction that raised it, and raises it again.
    let refaults = matches!(
        code as u32,
        sg::BUS_ADRALN | sg::BUS_ADRERR | sg::BUS_OBJERR | sg::BUS_MCEERR_AR
    );
    if handler == sg::SIG_DFL as usize || handler == sg::SIG_IGN as usize {
        // Ignoring a sent signal is what would have happened; a fault cannot be ignored
        // (the kernel forces the default action).
        if handler == sg::SIG_IGN as usize && !refaults {
            return;
        }
        let dfl = KernelSigaction {
            handler: sg::SIG_DFL as usize,
            ..KernelSigaction::default()
        };
        // SAFETY: restoring the default action; the process is about to die of this
        // signal, as it would have without us. A fault re-executes on return; anything
        // else is sent again (SA_NODEFER: delivered at once).
        unsafe {
            let _ = sigaction(Some(&dfl), None);
            if !refaults {
                let _ = raw::tgkill(raw::getpid(), raw::gettid(), sig as u32);
            }
        }
        return;
    }
    if flags & sg::SA_RESETHAND as usize != 0 {
        // A one-shot action is used up, as the kernel would have done.
        PREV_HANDLER.store(sg::SIG_DFL as usize, Ordering::Release);
    }
    // Block what the kernel would have blocked while that handler runs; our return
    // restores the interrupted mask.
    let mut mask: SigSet = [0; size_of::<SigSet>() / size_of::<usize>()];
    for (word, slot) in mask.iter_mut().zip(&PREV_MASK) {
        *word = slot.load(Ordering::Relaxed);
    }
    if flags & sg::SA_NODEFER as usize == 0 {
        let bit = sig as usize - 1;
        mask[bit / usize::BITS as usize] |= 1 << (bit % usize::BITS as usize);
    }
    // SAFETY: only adds blocked signals for this thread until the handler returns.
    let _ = unsafe { raw::rt_sigprocmask(sg::SIG_BLOCK, &mask, core::ptr::null_mut()) };
    if flags & sg::SA_SIGINFO as usize != 0 {
        // SAFETY: the previous owner installed this address as an SA_SIGINFO handler.
        let f: unsafe extern "C" fn(i32, *mut c_void, *mut c_void) =
            unsafe { core::mem::transmute(handler) };
        // SAFETY: called as the kernel would have called it.
        unsafe { f(sig, info, uc) }
    } else {
        // SAFETY: the previous owner installed this address as a plain handler.
        let f: unsafe extern "C" fn(i32) = unsafe { core::mem::transmute(handler) };
        // SAFETY: as above.
        unsafe { f(sig) }
    }
    // A handler may change the action it believes is its own: Rust's std restores
    // SIG_DFL for every SIGBUS that is not a stack overflow, and would thereby remove
    // ours. Take the new action as the earlier one and stay in front of it, so the next
    // foreign SIGBUS meets what it would have met without us, and read_at stays safe.
    let mut cur = KernelSigaction::default();
    // SAFETY: reads the current action, then (if it changed) installs ours in front of
    // it, as `install_now` does.
    unsafe {
        if sigaction(None, Some(&mut cur)).is_ok() && cur.handler != ours() {
            remember(&cur);
            let _ = sigaction(Some(&our_action(&cur)), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    /// Where libc's `ucontext_t` (glibc lays it out as the kernel does) keeps the program
    /// counter and the registers of the routine's 4th, 5th and 6th arguments on this
    /// arch: `[pc, lo, hi, out]`, as `Context` names them.
    #[cfg(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "riscv32",
        target_arch = "loongarch64"
    ))]
    const LIBC_FRAME: [usize; 4] = {
        let mc = offset_of!(libc::ucontext_t, uc_mcontext);
        #[cfg(target_arch = "x86_64")]
        let frame = {
            let g = mc + offset_of!(libc::mcontext_t, gregs);
            let regs = [libc::REG_RIP, libc::REG_RCX, libc::REG_R8, libc::REG_R9];
            [
                g + regs[0] as usize * 8,
                g + regs[1] as usize * 8,
                g + regs[2] as usize * 8,
                g + regs[3] as usize * 8,
            ]
        };
        #[cfg(target_arch = "x86")]
        let frame = {
            let g = mc + offset_of!(libc::mcontext_t, gregs);
            let regs = [libc::REG_EIP, libc::REG_EBX, libc::REG_EBP, libc::REG_EDX];
            [
                g + regs[0] as usize * 4,
                g + regs[1] as usize * 4,
                g + regs[2] as usize * 4,
                g + regs[3] as usize * 4,
            ]
        };
        #[cfg(target_arch = "aarch64")]
        let frame = {
            let x = mc + offset_of!(libc::mcontext_t, regs);
            [
                mc + offset_of!(libc::mcontext_t, pc),
                x + 3 * 8,
                x + 4 * 8,
                x + 5 * 8,
            ]
        };
        #[cfg(target_arch = "arm")]
        let frame = [
            mc + offset_of!(libc::mcontext_t, arm_pc),
            mc + offset_of!(libc::mcontext_t, arm_r3),
            mc + offset_of!(libc::mcontext_t, arm_r4),
            mc + offset_of!(libc::mcontext_t, arm_r5),
        ];
        // glibc's __gregs[0] is the pc, __gregs[n] is xn (a3-a5 are x13-x15).
        #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
        let frame = {
            let x = mc + offset_of!(libc::mcontext_t, __gregs);
            let w = size_of::<usize>();
            [x, x + 13 * w, x + 14 * w, x + 15 * w]
        };
        // __gregs[n] is rn ($a3-$a5 are r7-r9); the pc has its own field.
        #[cfg(target_arch = "loongarch64")]
        let frame = {
            let r = mc + offset_of!(libc::mcontext_t, __gregs);
            [
                mc + offset_of!(libc::mcontext_t, __pc),
                r + 7 * 8,
                r + 8 * 8,
                r + 9 * 8,
            ]
        };
        frame
    };

    // Checked when the tests are compiled, so also for the targets whose tests cannot be
    // linked here (riscv32, loongarch64: `clippy-nightly-cross` compiles them).
    #[cfg(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "riscv32",
        target_arch = "loongarch64"
    ))]
    const _: () = {
        let ctx = &arch::CONTEXT;
        assert!(
            ctx.pc == LIBC_FRAME[0],
            "Context::pc differs from libc's ucontext_t"
        );
        assert!(
            ctx.lo == LIBC_FRAME[1],
            "Context::lo differs from libc's ucontext_t"
        );
        assert!(
            ctx.hi == LIBC_FRAME[2],
            "Context::hi differs from libc's ucontext_t"
        );
        assert!(
            ctx.out == LIBC_FRAME[3],
            "Context::out differs from libc's ucontext_t"
        );
        assert!(ctx.si_code == offset_of!(libc::siginfo_t, si_code));
    };

    /// Each arch's frame description against libc's `ucontext_t`/`siginfo_t`, which
    /// glibc lays out as the kernel does (checked at run time by the tests that fault).
    /// Where libc has no `ucontext_t` (mips, sparc64, powerpc), against a transcription
    /// of the kernel's header in `frames` below.
    #[test]
    fn context_offsets_match_libc() {
        let ctx = &arch::CONTEXT;
        #[cfg(not(any(
            target_arch = "mips",
            target_arch = "mips64",
            target_arch = "sparc64",
            target_arch = "powerpc"
        )))]
        let mc = offset_of!(libc::ucontext_t, uc_mcontext);
        #[cfg(target_arch = "x86_64")]
        {
            let greg = |r: i32| mc + offset_of!(libc::mcontext_t, gregs) + r as usize * 8;
            assert_eq!(ctx.pc, greg(libc::REG_RIP));
            assert_eq!(ctx.lo, greg(libc::REG_RCX));
            assert_eq!(ctx.hi, greg(libc::REG_R8));
            assert_eq!(ctx.out, greg(libc::REG_R9));
        }
        #[cfg(target_arch = "aarch64")]
        {
            let x = |n: usize| mc + offset_of!(libc::mcontext_t, regs) + n * 8;
            assert_eq!(ctx.pc, mc + offset_of!(libc::mcontext_t, pc));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (x(3), x(4), x(5)));
        }
        #[cfg(any(target_arch = "riscv64", target_arch = "riscv32"))]
        {
            // glibc's __gregs[0] is the pc, __gregs[n] is xn.
            let w = size_of::<usize>();
            let x = |n: usize| mc + offset_of!(libc::mcontext_t, __gregs) + n * w;
            assert_eq!(ctx.pc, x(0));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (x(13), x(14), x(15)));
        }
        #[cfg(target_arch = "x86")]
        {
            let greg = |r: i32| mc + offset_of!(libc::mcontext_t, gregs) + r as usize * 4;
            assert_eq!(ctx.pc, greg(libc::REG_EIP));
            assert_eq!(ctx.lo, greg(libc::REG_EBX));
            assert_eq!(ctx.hi, greg(libc::REG_EBP));
            assert_eq!(ctx.out, greg(libc::REG_EDX));
        }
        #[cfg(target_arch = "arm")]
        {
            assert_eq!(ctx.pc, mc + offset_of!(libc::mcontext_t, arm_pc));
            assert_eq!(ctx.lo, mc + offset_of!(libc::mcontext_t, arm_r3));
            assert_eq!(ctx.hi, mc + offset_of!(libc::mcontext_t, arm_r4));
            assert_eq!(ctx.out, mc + offset_of!(libc::mcontext_t, arm_r5));
        }
        #[cfg(target_arch = "loongarch64")]
        {
            // __gregs[n] is rn ($a3-$a5 are r7-r9); the pc has its own field.
            let r = |n: usize| mc + offset_of!(libc::mcontext_t, __gregs) + n * 8;
            assert_eq!(ctx.pc, mc + offset_of!(libc::mcontext_t, __pc));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(7), r(8), r(9)));
        }
        #[cfg(target_arch = "powerpc64")]
        {
            // gp_regs[n] is rn; gp_regs[32] (PT_NIP) is the pc.
            let r = |n: usize| mc + offset_of!(libc::mcontext_t, gp_regs) + n * 8;
            assert_eq!(ctx.pc, r(32));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(6), r(7), r(8)));
        }
        #[cfg(target_arch = "s390x")]
        {
            let psw = mc + offset_of!(libc::mcontext_t, psw);
            let r = |n: usize| mc + offset_of!(libc::mcontext_t, gregs) + n * 8;
            assert_eq!(ctx.pc, psw + offset_of!(libc::__psw_t, addr));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(5), r(6), r(1)));
        }
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        {
            use frames::mips::{Sigcontext, Ucontext};
            // o32 keeps 32-bit registers in 64-bit slots: the low half (big-endian: +4).
            let low = if cfg!(target_endian = "big") {
                8 - size_of::<usize>()
            } else {
                0
            };
            let mc = offset_of!(Ucontext, uc_mcontext);
            let r = |n: usize| mc + offset_of!(Sigcontext, sc_regs) + n * 8 + low;
            assert_eq!(ctx.pc, mc + offset_of!(Sigcontext, sc_pc) + low);
            #[cfg(target_arch = "mips")]
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(7), r(14), r(15)));
            #[cfg(target_arch = "mips64")]
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(7), r(8), r(9)));
        }
        #[cfg(target_arch = "powerpc")]
        {
            use frames::powerpc::{Mcontext, Ucontext};
            let mc = offset_of!(Ucontext, uc_mcontext);
            let r = |n: usize| mc + offset_of!(Mcontext, mc_gregs) + n * 4;
            assert_eq!(ctx.pc, r(32));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (r(6), r(7), r(8)));
        }
        #[cfg(target_arch = "sparc64")]
        {
            use frames::sparc64::{PtRegs, RtFrame};
            // Offsets count from the siginfo, which the handler gets as its third
            // argument.
            let regs = offset_of!(RtFrame, regs) - offset_of!(RtFrame, info);
            let o = |n: usize| regs + offset_of!(PtRegs, u_regs) + (8 + n) * 8;
            assert_eq!(ctx.pc, regs + offset_of!(PtRegs, tpc));
            assert_eq!(arch::NPC, regs + offset_of!(PtRegs, tnpc));
            assert_eq!((ctx.lo, ctx.hi, ctx.out), (o(3), o(4), o(5)));
            assert_eq!(size_of::<libc::siginfo_t>(), 128);
        }
        assert_eq!(ctx.si_code, offset_of!(libc::siginfo_t, si_code));
        // SAFETY: a zeroed siginfo_t is valid; the address is written at our offset and
        // read back through libc's accessor.
        let addr = unsafe {
            let mut info: libc::siginfo_t = core::mem::zeroed();
            (&raw mut info)
                .cast::<u8>()
                .add(ctx.si_addr)
                .cast::<usize>()
                .write(0x1234_5678);
            info.si_addr() as usize
        };
        assert_eq!(addr, 0x1234_5678);
    }

    /// The kernel's signal frame structures where libc has none, transcribed from the
    /// uapi headers named on each (Linux 6.12), for `context_offsets_match_libc`.
    #[allow(dead_code)] // only their layout is used
    mod frames {
        /// `struct rt_signal_frame` of `arch/sparc/kernel/signal_64.c` up to its
        /// registers: `struct sparc_stackf` (`asm/ptrace.h`: 16 window registers, the
        /// struct pointer, 6 + 1 argument words), the `siginfo_t`, then `struct pt_regs`
        /// (`uapi/asm/ptrace.h`).
        #[cfg(target_arch = "sparc64")]
        pub mod sparc64 {
            #[repr(C)]
            pub struct RtFrame {
                pub locals: [u64; 8],
                pub ins: [u64; 8],
                pub structptr: u64,
                pub xargs: [u64; 6],
                pub xxargs: [u64; 1],
                pub info: libc::siginfo_t,
                pub regs: PtRegs,
            }
            #[repr(C)]
            pub struct PtRegs {
                pub u_regs: [u64; 16],
                pub tstate: u64,
                pub tpc: u64,
                pub tnpc: u64,
                pub y: u32,
                pub magic: u32,
            }
        }
        /// `arch/powerpc/include/uapi/asm/ucontext.h` (32-bit); `stack_t` from
        /// `asm/signal.h` (`ss_sp`, `ss_flags`, `ss_size`).
        #[cfg(target_arch = "powerpc")]
        pub mod powerpc {
            #[repr(C)]
            pub struct Ucontext {
                pub uc_flags: u32,
                pub uc_link: u32,
                pub ss_sp: u32,
                pub ss_flags: i32,
                pub ss_size: u32,
                pub uc_pad: [i32; 7],
                pub uc_regs: u32,
                pub uc_sigmask: [u32; 2],
                pub uc_maskext: [i32; 30],
                pub uc_pad2: [i32; 3],
                pub uc_mcontext: Mcontext,
            }
            /// `mc_vregs` is `__attribute__((__aligned__(16)))`, which aligns the struct.
            #[repr(C, align(16))]
            pub struct Mcontext {
                pub mc_gregs: [u32; 48],
                pub mc_fregs: [f64; 33],
                pub mc_pad: [u32; 2],
            }
        }
        /// `arch/mips/include/uapi/asm/{ucontext,sigcontext}.h`; `stack_t` from
        /// `asm/signal.h` (`ss_sp`, `ss_size`, `ss_flags`).
        #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
        pub mod mips {
            #[repr(C)]
            pub struct Ucontext {
                pub uc_flags: usize,
                pub uc_link: usize,
                pub ss_sp: usize,
                pub ss_size: usize,
                pub ss_flags: i32,
                pub uc_mcontext: Sigcontext,
            }
            /// o32 (`_MIPS_SIM_ABI32`).
            #[cfg(target_arch = "mips")]
            #[repr(C)]
            pub struct Sigcontext {
                pub sc_regmask: u32,
                pub sc_status: u32,
                pub sc_pc: u64,
                pub sc_regs: [u64; 32],
                pub sc_fpregs: [u64; 32],
            }
            /// n64 (`_MIPS_SIM_ABI64`).
            #[cfg(target_arch = "mips64")]
            #[repr(C)]
            pub struct Sigcontext {
                pub sc_regs: [u64; 32],
                pub sc_fpregs: [u64; 32],
                pub sc_mdhi: u64,
                pub sc_hi1: u64,
                pub sc_hi2: u64,
                pub sc_hi3: u64,
                pub sc_mdlo: u64,
                pub sc_lo1: u64,
                pub sc_lo2: u64,
                pub sc_lo3: u64,
                pub sc_pc: u64,
            }
        }
    }

    /// Each routine this CPU can run, called directly (so the one `copy` does not pick
    /// is tested too), stops at exactly the first missing byte of a truncated memfd, in
    /// both directions, for every start and length around the boundary: each size path
    /// faults at each position.
    #[test]
    #[cfg_attr(miri, ignore = "runs the asm copy routines, which Miri cannot run")]
    fn every_routine_stops_at_the_exact_byte() {
        use crate::copy::arch;
        use crate::flags::{MapFlags, MapType, MemfdFlags, ProtFlags};
        crate::copy::install().unwrap();
        let page = crate::page_size();
        // SAFETY: a new memfd and a new shared mapping of it, both released below; the
        // second page faults after the truncation, and only the routines touch it.
        let (fd, base) = unsafe {
            let fd = raw::memfd_create(c"rawmap-unit", MemfdFlags::CLOEXEC).unwrap();
            raw::ftruncate(fd, 2 * page as u64).unwrap();
            let prot = ProtFlags::READ | ProtFlags::WRITE;
            let p = raw::mmap(
                core::ptr::null_mut(),
                2 * page,
                prot,
                MapType::Shared,
                MapFlags::empty(),
                fd,
                0,
            )
            .unwrap();
            raw::ftruncate(fd, page as u64).unwrap();
            (fd, p.cast::<u8>())
        };
        let mut buf = [0x5au8; 300];
        for &routine in arch::usable_routines() {
            for start in page - 140..page + 2 {
                for len in 1..=buf.len() {
                    let copied = len.min(page.saturating_sub(start));
                    let at = base.wrapping_add(start);
                    let (lo, hi) = (at.addr(), at.addr() + len);
                    for write in [false, true] {
                        let mut f = RawFault::default();
                        let (dst, src) = if write {
                            (at, buf.as_ptr())
                        } else {
                            (buf.as_mut_ptr(), at.cast_const())
                        };
                        // SAFETY: `buf` and the mapping are valid for `len` bytes except
                        // for the missing page, inside `[lo, hi)`, the declared side.
                        let left = unsafe { routine(dst, src, len, lo, hi, &mut f) };
                        assert_eq!(len - left, copied, "start {start} len {len} write {write}");
                        if left != 0 {
                            // Where the kernel may report only the page (ADDR_GRAIN),
                            // it is that of the byte (qemu-user reports the byte).
                            let byte = base.addr() + page.max(start);
                            let grain = crate::copy::ADDR_GRAIN;
                            assert!(
                                f.addr == byte || f.addr == byte & !(grain - 1),
                                "{:#x} for {byte:#x}",
                                f.addr
                            );
                            assert_eq!(f.code as u32, sg::BUS_ADRERR);
                        }
                    }
                }
            }
            // Long copies (x86's `rep movsb` from 2048 bytes, every unrolled loop many
            // times over) from a few starts, ending at the boundary, past it, and at the
            // end of the mapping.
            // SAFETY: a new private anonymous mapping of 2 pages, unmapped below.
            let big = unsafe {
                raw::mmap(
                    core::ptr::null_mut(),
                    2 * page,
                    ProtFlags::READ | ProtFlags::WRITE,
                    MapType::Private,
                    MapFlags::ANONYMOUS,
                    -1,
                    0,
                )
            }
            .unwrap()
            .cast::<u8>();
            for start in [
                0,
                1,
                63,
                page / 2 + 5,
                page - 2049,
                page - 2048,
                page - 2047,
            ] {
                let ends = [page - 1, page, page + 1, page + 300, 2 * page];
                for len in ends.map(|end| end - start) {
                    let copied = len.min(page - start);
                    let at = base.wrapping_add(start);
                    let (lo, hi) = (at.addr(), at.addr() + len);
                    for write in [false, true] {
                        let mut f = RawFault::default();
                        let (dst, src) = if write {
                            (at, big.cast_const())
                        } else {
                            (big, at.cast_const())
                        };
                        // SAFETY: as above; `big` holds the longest copy, 2 pages.
                        let left = unsafe { routine(dst, src, len, lo, hi, &mut f) };
                        assert_eq!(len - left, copied, "start {start} len {len} write {write}");
                        if left != 0 {
                            let byte = base.addr() + page;
                            let grain = crate::copy::ADDR_GRAIN;
                            assert!(f.addr == byte || f.addr == byte & !(grain - 1));
                        }
                    }
                }
            }
            // SAFETY: the buffer mapped above, released once.
            unsafe { raw::munmap(big.cast(), 2 * page).unwrap() };
        }
        // SAFETY: our mapping and descriptor, released once.
        unsafe {
            raw::munmap(base.cast(), 2 * page).unwrap();
            raw::close(fd).unwrap();
        }
    }
}
