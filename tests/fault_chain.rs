//! What the fault handler does with a SIGBUS that is not its own: each test forks a child
//! that sets the action "installed before" (the default, `SIG_IGN`, an `SA_SIGINFO`
//! handler, a plain handler, a one-shot handler, or the one Rust's std installs), then
//! installs the crate's handler, and checks that faults inside `read_at` become errors
//! while every other SIGBUS (sent with `kill`/`tgkill`, by another process, or a real
//! fault outside the copy routine) gets exactly what that earlier action would have
//! given it.
//!
//! This file's own process never installs the handler (nothing here calls `read_at` on
//! faulting memory outside a child), so every child starts from the state a program has
//! before its first `read_at`. Children follow `run_in_child`'s rules: no allocation,
//! only raw syscalls and async-signal-safe libc calls.
// Only the architectures with a fault-safe copy routine (src/copy/<arch>.rs);
// elsewhere `rawmap::fault::install` is UNSUPPORTED and read_at copies plainly.
#![cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "powerpc",
        target_arch = "sparc64",
        target_arch = "arm",
        target_arch = "riscv32",
        target_arch = "loongarch64",
    )
))]

mod common;

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use common::{ChildExit, page, run_in_child, step_failed};
use rawmap::{AccessError, File, MapOptions, Mapping, MemfdFlags, fault};

const SIGBUS: i32 = rawmap::sys::signal::SIGBUS as i32;
/// The crate's value: libc 0.2.191's glibc port has the generic 4 on mips64 (8 there).
const SA_SIGINFO: i32 = rawmap::sys::signal::SA_SIGINFO as i32;
/// SIGUSR1: 16 on mips (`arch/mips/include/uapi/asm/signal.h`), where libc 0.2.191's
/// glibc port has the generic 10 for mips64 (SIGBUS there).
const SIGUSR1: i32 = if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
    16
} else {
    libc::SIGUSR1
};

/// Exit code of a child whose handler was not active after `install`.
const NOT_ACTIVE: i32 = 100;
/// Exit codes the earlier handlers use when they see a real fault (they cannot return
/// into it).
const SIGINFO_SAW_FAULT: i32 = 42;
const PLAIN_SAW_SECOND: i32 = 43;
/// Exit code of an earlier handler called during `read_at`, whose fault the crate's
/// handler should have taken (without this, that mistake could end a child the way the
/// test expects it to end anyway).
const MISROUTED: i32 = 61;

/// Set while `read_at_is_caught` runs.
static IN_READ_AT: AtomicBool = AtomicBool::new(false);

/// Called first by every earlier handler: exits with `MISROUTED` during `read_at`.
fn not_during_read_at() {
    if IN_READ_AT.load(Ordering::SeqCst) {
        // SAFETY: async-signal-safe exit of the child.
        unsafe { libc::_exit(MISROUTED) };
    }
}

/// A memfd of three pages mapped shared, truncated to one and a half pages and a byte:
/// offsets from `2 * page` fault.
fn truncated() -> (File, Mapping) {
    let p = page();
    let f = File::memfd(c"rawmap-chain", MemfdFlags::CLOEXEC).unwrap();
    f.set_len(3 * p as u64).unwrap();
    // SAFETY: used only through read_at, and the missing page by the deliberate faults.
    let m = unsafe { MapOptions::new().map(&f) }.unwrap();
    // In the second half of the page, so that qemu-user on sparc64 (8 KiB guest pages on
    // 4 KiB host pages) faults from the third page too, as a kernel does.
    f.set_len((p + p / 2 + 1) as u64).unwrap();
    (f, m)
}

/// In the child: a hang becomes SIGALRM within a minute.
fn watchdog() {
    // SAFETY: arms a timer for this process only.
    unsafe { libc::alarm(60) };
}

/// In the child: sets SIGBUS's action with libc (as any other library would).
fn set_action(handler: libc::sighandler_t, flags: i32, mask: &[i32]) -> bool {
    // SAFETY: a zeroed sigaction is valid; the fields set are the ones libc reads.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler;
        sa.sa_flags = flags;
        libc::sigemptyset(&mut sa.sa_mask);
        for &s in mask {
            libc::sigaddset(&mut sa.sa_mask, s);
        }
        common::sigaction(SIGBUS, &sa, std::ptr::null_mut()) == 0
    }
}

/// In the child: installs the crate's handler and checks it is in place.
fn install_ours() -> bool {
    fault::install().is_ok() && fault::is_active() == Ok(true)
}

/// In the child: `read_at` over the missing page fails with the exact count.
fn read_at_is_caught(m: &Mapping) -> bool {
    let p = page();
    let mut buf = [0u8; 64];
    IN_READ_AT.store(true, Ordering::SeqCst);
    let r = m.read_at(2 * p - 16, &mut buf);
    IN_READ_AT.store(false, Ordering::SeqCst);
    match r {
        Err(AccessError::Fault(f)) => f.copied() == 16 && f.offset() == 2 * p,
        _ => false,
    }
}

/// With the earlier action that `earlier` sets (the default, `SIG_IGN`, Rust's own),
/// a child survives a fault in `read_at` and sees the exact count. The tests that then
/// expect a child to die of SIGBUS run this first, so that a `read_at` the handler fails
/// to catch (which would also kill with SIGBUS) cannot pass them by accident.
fn assert_read_at_survives(earlier: fn() -> bool) {
    let (_f, m) = truncated();
    let exit = run_in_child(|| {
        watchdog();
        if !earlier() {
            return step_failed(1);
        }
        if !install_ours() {
            return NOT_ACTIVE;
        }
        if !read_at_is_caught(&m) {
            return step_failed(2);
        }
        0
    });
    assert_eq!(
        exit,
        ChildExit::Exited(0),
        "read_at under this earlier action"
    );
}

/// In the child: SIGBUS to this thread, as `raise` does (`SI_TKILL`).
fn tgkill_self() {
    // SAFETY: signals this thread.
    unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), SIGBUS) };
}

/// In the child: a real fault outside the copy routine.
fn touch(missing: *const u8) {
    // SAFETY: deliberately reads a page past the end of the file.
    unsafe { std::ptr::read_volatile(missing) };
}

fn is_blocked(sig: i32) -> bool {
    // SAFETY: reads this thread's mask into a zeroed set.
    unsafe {
        let mut cur: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut cur);
        libc::sigismember(&cur, sig) == 1
    }
}

// What the earlier handlers saw (each child has its own copy).
static CALLS: AtomicUsize = AtomicUsize::new(0);
static LAST_SIG: AtomicI32 = AtomicI32::new(0);
static LAST_CODE: AtomicI32 = AtomicI32::new(0);
static BUS_BLOCKED: AtomicI32 = AtomicI32::new(-1);
static USR1_BLOCKED: AtomicI32 = AtomicI32::new(-1);
static FAULT_ADDR: AtomicUsize = AtomicUsize::new(0);

/// An earlier `SA_SIGINFO` handler: records what it got and the mask it runs with; on a
/// real fault at the expected address it exits with `SIGINFO_SAW_FAULT`.
extern "C" fn earlier_siginfo(sig: i32, info: *mut libc::siginfo_t, _uc: *mut libc::c_void) {
    not_during_read_at();
    CALLS.fetch_add(1, Ordering::SeqCst);
    LAST_SIG.store(sig, Ordering::SeqCst);
    // SAFETY: the kernel's (or the crate's, passing it on) siginfo.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as usize) };
    LAST_CODE.store(code, Ordering::SeqCst);
    BUS_BLOCKED.store(is_blocked(SIGBUS) as i32, Ordering::SeqCst);
    USR1_BLOCKED.store(is_blocked(SIGUSR1) as i32, Ordering::SeqCst);
    if code == libc::BUS_ADRERR {
        let exit = if qemu_si_addr(addr) == FAULT_ADDR.load(Ordering::SeqCst) {
            SIGINFO_SAW_FAULT
        } else {
            step_failed(50)
        };
        // SAFETY: async-signal-safe exit of the child.
        unsafe { libc::_exit(exit) };
    }
}

/// `si_addr` as a kernel would have given it: qemu-user hands a host SIGBUS to 64-bit
/// big-endian guests with the address's 32-bit halves exchanged (see `qemu_si_addr` in
/// `src/linux/fault/mod.rs` and `scripts/qemu-quirks/`).
fn qemu_si_addr(addr: usize) -> usize {
    #[cfg(all(qemu, target_endian = "big", target_pointer_width = "64"))]
    let addr = addr.rotate_left(32);
    addr
}

/// An earlier plain handler: counts; the second call (the real fault) exits.
extern "C" fn earlier_plain(sig: i32) {
    not_during_read_at();
    LAST_SIG.store(sig, Ordering::SeqCst);
    if CALLS.fetch_add(1, Ordering::SeqCst) == 1 {
        // SAFETY: async-signal-safe exit of the child.
        unsafe { libc::_exit(PLAIN_SAW_SECOND) };
    }
}

fn addr_of(f: extern "C" fn(i32, *mut libc::siginfo_t, *mut libc::c_void)) -> usize {
    f as usize
}

// ---------------------------------------------------------------------------------------

/// Default action before: `read_at` faults are errors; a SIGBUS sent with tgkill, one
/// sent with kill, and a real fault elsewhere each kill the child with SIGBUS.
#[test]
fn with_the_default_action_foreign_sigbus_still_kills() {
    assert_read_at_survives(|| set_action(libc::SIG_DFL, 0, &[]));
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    for how in 0..3 {
        let exit = run_in_child(|| {
            watchdog();
            if !set_action(libc::SIG_DFL, 0, &[]) {
                return step_failed(1);
            }
            if !install_ours() {
                return NOT_ACTIVE;
            }
            if !read_at_is_caught(&m) {
                return step_failed(2);
            }
            match how {
                0 => tgkill_self(),
                // SAFETY: signals this process.
                1 => unsafe {
                    libc::kill(libc::getpid(), SIGBUS);
                },
                _ => touch(missing),
            }
            step_failed(3)
        });
        assert_eq!(exit, ChildExit::Signaled(SIGBUS), "case {how}");
    }
}

/// SIGBUS sent by another process to a child that has the handler installed (and the
/// default action before it) kills the child with SIGBUS.
#[test]
fn sigbus_from_another_process_kills() {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let [rd, wr] = fds;
    let killer = std::thread::spawn(move || {
        let mut pid = [0u8; 4];
        // SAFETY: reads into a 4-byte buffer from our pipe.
        let n = unsafe { libc::read(rd, pid.as_mut_ptr().cast(), 4) };
        assert_eq!(n, 4, "child pid");
        // SAFETY: signals the child that asked for it.
        assert_eq!(unsafe { libc::kill(i32::from_ne_bytes(pid), SIGBUS) }, 0);
    });
    let exit = run_in_child(|| {
        watchdog();
        if !set_action(libc::SIG_DFL, 0, &[]) || !install_ours() {
            return NOT_ACTIVE;
        }
        // SAFETY: getpid and write to our pipe are async-signal-safe.
        let pid = unsafe { libc::getpid() }.to_ne_bytes();
        // SAFETY: writes 4 bytes from `pid` to our pipe.
        if unsafe { libc::write(wr, pid.as_ptr().cast(), 4) } != 4 {
            return step_failed(1);
        }
        loop {
            // SAFETY: waits for a signal.
            unsafe { libc::pause() };
        }
    });
    killer.join().unwrap();
    // SAFETY: our pipe, closed once.
    unsafe {
        libc::close(rd);
        libc::close(wr);
    }
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// An `SA_SIGINFO` handler installed before: it still gets every foreign SIGBUS, with the
/// siginfo the kernel made and its own mask applied (SIGBUS itself blocked since it
/// has no `SA_NODEFER`, plus its `sa_mask`), the mask is back afterwards, and it sees
/// none of the faults `read_at` handles.
#[test]
fn an_earlier_siginfo_handler_still_gets_foreign_signals() {
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    let exit = run_in_child(|| {
        watchdog();
        FAULT_ADDR.store(missing as usize, Ordering::SeqCst);
        if !set_action(addr_of(earlier_siginfo), SA_SIGINFO, &[SIGUSR1]) {
            return step_failed(1);
        }
        if !install_ours() {
            return NOT_ACTIVE;
        }
        if !read_at_is_caught(&m) || CALLS.load(Ordering::SeqCst) != 0 {
            return step_failed(2);
        }
        tgkill_self();
        if CALLS.load(Ordering::SeqCst) != 1
            || LAST_SIG.load(Ordering::SeqCst) != SIGBUS
            || LAST_CODE.load(Ordering::SeqCst) != libc::SI_TKILL
        {
            return step_failed(3);
        }
        if BUS_BLOCKED.load(Ordering::SeqCst) != 1 || USR1_BLOCKED.load(Ordering::SeqCst) != 1 {
            return step_failed(4);
        }
        if is_blocked(SIGUSR1) || is_blocked(SIGBUS) {
            return step_failed(5);
        }
        // SAFETY: signals this process.
        unsafe { libc::kill(libc::getpid(), SIGBUS) };
        if CALLS.load(Ordering::SeqCst) != 2 || LAST_CODE.load(Ordering::SeqCst) != libc::SI_USER {
            return step_failed(6);
        }
        // Still protected after all that.
        if !read_at_is_caught(&m) || CALLS.load(Ordering::SeqCst) != 2 {
            return step_failed(7);
        }
        touch(missing);
        step_failed(8)
    });
    assert_eq!(exit, ChildExit::Exited(SIGINFO_SAW_FAULT));
}

/// A plain (one-argument) handler installed before is called with the signal number,
/// for a sent signal and for a real fault elsewhere.
#[test]
fn an_earlier_plain_handler_still_gets_foreign_signals() {
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    let exit = run_in_child(|| {
        watchdog();
        if !set_action(earlier_plain as extern "C" fn(i32) as usize, 0, &[]) {
            return step_failed(1);
        }
        if !install_ours() {
            return NOT_ACTIVE;
        }
        if !read_at_is_caught(&m) || CALLS.load(Ordering::SeqCst) != 0 {
            return step_failed(2);
        }
        tgkill_self();
        if CALLS.load(Ordering::SeqCst) != 1 || LAST_SIG.load(Ordering::SeqCst) != SIGBUS {
            return step_failed(3);
        }
        touch(missing);
        step_failed(4)
    });
    assert_eq!(exit, ChildExit::Exited(PLAIN_SAW_SECOND));
}

/// `SIG_IGN` before: a sent SIGBUS is still ignored, but a real fault elsewhere kills
/// (the kernel never lets a fault be ignored).
#[test]
fn with_sig_ign_sent_signals_are_ignored_and_faults_kill() {
    assert_read_at_survives(|| set_action(libc::SIG_IGN, 0, &[]));
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    let exit = run_in_child(|| {
        watchdog();
        if !set_action(libc::SIG_IGN, 0, &[]) {
            return step_failed(1);
        }
        if !install_ours() {
            return NOT_ACTIVE;
        }
        tgkill_self();
        // SAFETY: signals this process.
        unsafe { libc::kill(libc::getpid(), SIGBUS) };
        if !read_at_is_caught(&m) || fault::is_active() != Ok(true) {
            return step_failed(2);
        }
        touch(missing);
        step_failed(3)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// A one-shot (`SA_RESETHAND`) handler before: called once, then the default action
/// applies to the next foreign signal, as the kernel would have done; `read_at` stays
/// protected in between.
#[test]
fn an_earlier_one_shot_handler_is_used_once() {
    let (_f, m) = truncated();
    let exit = run_in_child(|| {
        watchdog();
        let flags = SA_SIGINFO | libc::SA_RESETHAND;
        if !set_action(addr_of(earlier_siginfo), flags, &[]) {
            return step_failed(1);
        }
        if !install_ours() {
            return NOT_ACTIVE;
        }
        // Checked while the earlier handler can still tell (MISROUTED).
        if !read_at_is_caught(&m) {
            return step_failed(2);
        }
        tgkill_self();
        if CALLS.load(Ordering::SeqCst) != 1 {
            return step_failed(3);
        }
        if !read_at_is_caught(&m) {
            return step_failed(4);
        }
        tgkill_self();
        step_failed(5)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}

/// Rust's std installs a SIGBUS handler of its own (stack overflow detection) in every
/// program; for a SIGBUS outside a guard page it restores the default action and
/// returns. Chained behind the crate's handler, a program behaves as it would without
/// the crate: a real fault elsewhere kills with SIGBUS; a *sent* SIGBUS is swallowed
/// the first time (std's doing) and kills the second time. And the crate's handler
/// stays in front of the action std put in place, so `read_at` stays fault-safe.
#[test]
fn behind_rusts_own_handler_programs_behave_as_without_the_crate() {
    assert_read_at_survives(|| true);
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    for sent in [false, true] {
        let exit = run_in_child(|| {
            watchdog();
            // The action this test process started with, left as it is.
            // SAFETY: reads the current action into a zeroed struct.
            let before = unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                common::sigaction(SIGBUS, std::ptr::null(), &mut sa);
                sa.sa_sigaction
            };
            if before == libc::SIG_DFL || before == libc::SIG_IGN {
                // std did not install its handler: nothing to test here.
                return step_failed(1);
            }
            if !install_ours() {
                return NOT_ACTIVE;
            }
            if !read_at_is_caught(&m) {
                return step_failed(2);
            }
            if !sent {
                touch(missing);
                return step_failed(3);
            }
            tgkill_self();
            // Swallowed by std; ours is still in front and still catches faults.
            if fault::is_active() != Ok(true) || !read_at_is_caught(&m) {
                return step_failed(4);
            }
            tgkill_self();
            step_failed(5)
        });
        assert_eq!(exit, ChildExit::Signaled(SIGBUS), "sent: {sent}");
    }
}

/// An earlier handler that changes the action (to `SIG_IGN` here) keeps the crate's
/// handler in front: later sent signals meet the new action (ignored), and `read_at`
/// faults are still errors.
#[test]
fn an_earlier_handler_that_changes_the_action_is_followed() {
    extern "C" fn to_ignore(_sig: i32) {
        not_during_read_at();
        CALLS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: signal() is async-signal-safe in glibc and musl (a sigaction call).
        unsafe { libc::signal(SIGBUS, libc::SIG_IGN) };
    }
    let (_f, m) = truncated();
    let missing = m.as_ptr().wrapping_add(2 * page());
    let exit = run_in_child(|| {
        watchdog();
        if !set_action(to_ignore as extern "C" fn(i32) as usize, 0, &[]) || !install_ours() {
            return NOT_ACTIVE;
        }
        // Checked while the earlier handler can still tell (MISROUTED).
        if !read_at_is_caught(&m) {
            return step_failed(4);
        }
        tgkill_self();
        if CALLS.load(Ordering::SeqCst) != 1 || fault::is_active() != Ok(true) {
            return step_failed(1);
        }
        tgkill_self();
        tgkill_self();
        if CALLS.load(Ordering::SeqCst) != 1 || !read_at_is_caught(&m) {
            return step_failed(2);
        }
        // A real fault cannot be ignored.
        touch(missing);
        step_failed(3)
    });
    assert_eq!(exit, ChildExit::Signaled(SIGBUS));
}
