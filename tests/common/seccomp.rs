//! Fault injection with seccomp: make one chosen syscall (optionally only its N-th
//! matching call) fail with a chosen errno, so error paths are tested with the kernel
//! really saying no. LD_PRELOAD cannot do this: the crate's syscalls are inline `asm!`
//! and never pass through libc.
//!
//! # How it is scoped, and why
//!
//! A seccomp filter applies to the thread that installs it (without
//! `SECCOMP_FILTER_FLAG_TSYNC`) and to threads and children it creates later; it can
//! never be removed. So every injection gets a fresh thread ([`with_faults`]) or a fresh
//! forked child ([`in_child_with_faults`]) that installs the filter, runs only the
//! operation under test and ends. `PR_SET_NO_NEW_PRIVS` first means no root is needed.
//!
//! The crate's syscalls are inlined at every call site, so there is no single syscall
//! instruction whose address the filter could match (the trick in
//! reliability.md §3). Instead a [`Fault`] matches the syscall number **and the
//! arguments that identify the call under test**: the mapping's address for munmap,
//! mremap, mprotect, madvise, msync, mlock and mincore, the descriptor for statx,
//! ftruncate, fcntl and close, a distinctive length for mmap. The test harness, std and
//! malloc make the same syscalls (malloc mmaps arenas, a thread's exit madvises and
//! unmaps its stack), but never on those arguments. Syscalls with nothing to match
//! (openat, memfd_create) are matched by number alone; the filtered thread makes no
//! other such call between installing the filter and the end of the operation, because
//! it initialises the page size and its malloc arena *before* installing the filter.
//!
//! Two ways to fail a call:
//! - [`with_faults`] (threads): the filter answers `SECCOMP_RET_USER_NOTIF`, and the
//!   calling test thread, which has no filter, acts as supervisor: it reads each
//!   notification from the listener descriptor, counts the calls each fault matched,
//!   fails the chosen one (`error = -errno`) and lets every other one run
//!   (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`, Linux 5.5). BPF cannot count, which is why
//!   "the N-th call" needs a supervisor; the counts it returns also prove that the
//!   operation really made the call (a test whose fault never fired fails). A fault can
//!   also make a call "succeed" with a chosen value without running it
//!   ([`Fault::returning`]), to reach paths a modern kernel never takes.
//! - [`in_child_with_faults`] (forked child): the filter answers
//!   `SECCOMP_RET_ERRNO | errno` for every matching call; no supervisor is needed, so it
//!   works in a child that may only make async-signal-safe calls. Used where the check
//!   needs a process no other thread disturbs (comparing /proc/self/maps snapshots) or
//!   process-wide state.
//!
//! A call failed this way never reaches the kernel: a failed close leaves the descriptor
//! open, a failed munmap leaves the pages mapped. The tests assert exactly that and
//! clean up themselves.
//!
//! qemu-user answers `seccomp()` with ENOSYS, so the tests that use this module are
//! `#[cfg_attr(qemu, ignore = ...)]` and run natively: on x86_64 (glibc and musl), and
//! on i686, arm64, riscv64, powerpc, s390x, mips and sparc64 hosts, whose `AUDIT_ARCH`
//! values are here too (those of powerpc, s390x, mips and sparc64 come from
//! `include/uapi/linux/audit.h` and have not met a real host of theirs). Arguments
//! are compared as the kernel stores them (zero-extended on 32-bit targets), so nothing
//! here assumes 64-bit registers.

use std::ffi::{c_int, c_uint, c_ulong};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc;
use std::time::Duration;

use rawmap::Errno;

use super::{ChildExit, run_in_child};

/// Exit code of a child whose seccomp filter could not be installed.
pub const FILTER_FAILED: i32 = 197;

/// The numbers of the syscalls `rawmap::raw` makes for mmap, ftruncate and fcntl, which
/// differ from `rawmap::sys::nr::{MMAP, FTRUNCATE, FCNTL}` on 32-bit ABIs (mmap2,
/// ftruncate64 and fcntl64; the argument positions are the same, except that ftruncate64
/// passes the length as a register pair). A filter on the plain numbers would never fire.
pub mod crate_nr {
    use rawmap::sys::nr;
    /// What `raw::mmap` calls.
    #[cfg(target_pointer_width = "64")]
    pub const MMAP: usize = nr::MMAP;
    /// What `raw::mmap` calls.
    #[cfg(target_pointer_width = "32")]
    pub const MMAP: usize = nr::MMAP2;
    /// What `raw::ftruncate` calls.
    #[cfg(target_pointer_width = "64")]
    pub const FTRUNCATE: usize = nr::FTRUNCATE;
    /// What `raw::ftruncate` calls.
    #[cfg(target_pointer_width = "32")]
    pub const FTRUNCATE: usize = nr::FTRUNCATE64;
    /// What `raw::fcntl` calls.
    #[cfg(target_pointer_width = "64")]
    pub const FCNTL: usize = nr::FCNTL;
    /// What `raw::fcntl` calls.
    #[cfg(target_pointer_width = "32")]
    pub const FCNTL: usize = nr::FCNTL64;

    /// mmap's sixth argument for a page-aligned file offset: bytes, or mmap2's 4096-byte
    /// units on 32-bit ABIs.
    pub const fn mmap_offset(bytes: usize) -> usize {
        if cfg!(target_pointer_width = "32") {
            bytes / 4096
        } else {
            bytes
        }
    }
}

/// `AUDIT_ARCH_*` of the target: the filter only matches calls of the native ABI.
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: Option<u32> = Some(0xC000_003E);
#[cfg(target_arch = "x86")]
const AUDIT_ARCH: Option<u32> = Some(0x4000_0003);
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: Option<u32> = Some(0xC000_00B7);
#[cfg(target_arch = "riscv64")]
const AUDIT_ARCH: Option<u32> = Some(0xC000_00F3);
// include/uapi/linux/audit.h: EM_* | 0x8000_0000 (64-bit) | 0x4000_0000 (little-endian).
#[cfg(all(target_arch = "powerpc64", target_endian = "big"))]
const AUDIT_ARCH: Option<u32> = Some(0x8000_0015);
#[cfg(all(target_arch = "powerpc64", target_endian = "little"))]
const AUDIT_ARCH: Option<u32> = Some(0xC000_0015);
#[cfg(target_arch = "powerpc")]
const AUDIT_ARCH: Option<u32> = Some(0x0000_0014);
#[cfg(target_arch = "s390x")]
const AUDIT_ARCH: Option<u32> = Some(0x8000_0016);
#[cfg(all(target_arch = "mips", target_endian = "big"))]
const AUDIT_ARCH: Option<u32> = Some(0x0000_0008);
#[cfg(all(target_arch = "mips", target_endian = "little"))]
const AUDIT_ARCH: Option<u32> = Some(0x4000_0008);
#[cfg(all(target_arch = "mips64", target_endian = "big"))]
const AUDIT_ARCH: Option<u32> = Some(0x8000_0008);
#[cfg(all(target_arch = "mips64", target_endian = "little"))]
const AUDIT_ARCH: Option<u32> = Some(0xC000_0008);
#[cfg(target_arch = "sparc64")]
const AUDIT_ARCH: Option<u32> = Some(0x8000_002B);
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "riscv64",
    target_arch = "powerpc64",
    target_arch = "powerpc",
    target_arch = "s390x",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc64",
)))]
const AUDIT_ARCH: Option<u32> = None;

// Classic BPF, as seccomp takes it (linux/filter.h, linux/seccomp.h).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;

// Offsets in `struct seccomp_data`: nr, arch, instruction_pointer, args[6] (u64 each).
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;
const fn data_arg_lo(i: usize) -> u32 {
    let base = 16 + 8 * i as u32;
    if cfg!(target_endian = "little") {
        base
    } else {
        base + 4
    }
}
const fn data_arg_hi(i: usize) -> u32 {
    let base = 16 + 8 * i as u32;
    if cfg!(target_endian = "little") {
        base + 4
    } else {
        base
    }
}

/// What a matched call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Fails with this errno, without running.
    Fail(Errno),
    /// Returns this value as a success, without running (threads only).
    Return(usize),
}

/// One syscall to fail: its number, the arguments that single out the call under test,
/// which matching call to fail, and how.
#[derive(Debug, Clone)]
pub struct Fault {
    nr: u32,
    args: Vec<(usize, u64)>,
    nth: Option<u32>,
    outcome: Outcome,
}

impl Fault {
    /// Fails every call of syscall `nr` (a `rawmap::sys::nr` constant: the number the
    /// crate itself uses) with `errno`.
    pub fn new(nr: usize, errno: Errno) -> Self {
        Self {
            nr: u32::try_from(nr).expect("syscall number"),
            args: Vec::new(),
            nth: None,
            outcome: Outcome::Fail(errno),
        }
    }

    /// Only calls whose argument `i` (0-based) is `value`, compared as the kernel passes
    /// it (the whole register; on 32-bit targets the upper half is 0).
    pub fn arg(mut self, i: usize, value: usize) -> Self {
        assert!(i < 6, "syscalls have six arguments");
        self.args.push((i, value as u64));
        self
    }

    /// `arg(i, p.addr())`.
    pub fn ptr<T>(self, i: usize, p: *const T) -> Self {
        self.arg(i, p.addr())
    }

    /// `arg(i, fd)`: a descriptor as the kernel sees it.
    pub fn fd(self, i: usize, fd: c_int) -> Self {
        self.arg(i, fd as usize)
    }

    /// Only the `n`-th matching call (1-based) is failed; the others run. Needs the
    /// supervisor of [`with_faults`].
    pub fn nth(mut self, n: u32) -> Self {
        assert!(n >= 1, "calls are counted from 1");
        self.nth = Some(n);
        self
    }

    /// Only counts the matching calls, failing none (threads only): to assert that an
    /// operation made a call, or did not.
    pub fn watch(nr: usize) -> Self {
        Self::new(nr, Errno::INVAL).nth(u32::MAX)
    }

    /// The matched call is not run and "succeeds" with `value` (threads only).
    pub fn returning(mut self, value: usize) -> Self {
        self.outcome = Outcome::Return(value);
        self
    }

    fn matches(&self, data: &libc::seccomp_data) -> bool {
        data.nr as u32 == self.nr && self.args.iter().all(|&(i, v)| data.args[i] == v)
    }
}

/// How often each fault of an injection matched and fired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hits {
    /// Calls that matched the fault (failed or let through).
    pub calls: u32,
    /// Calls that were failed (or answered with the chosen value).
    pub injected: u32,
}

/// What [`with_faults`] returns: the operation's result and the counts per fault.
#[derive(Debug)]
pub struct Injected<R> {
    pub value: R,
    pub hits: Vec<Hits>,
}

impl<R> Injected<R> {
    /// Calls failed, over all faults.
    pub fn injected(&self) -> u32 {
        self.hits.iter().map(|h| h.injected).sum()
    }

    /// Calls matched, over all faults.
    pub fn calls(&self) -> u32 {
        self.hits.iter().map(|h| h.calls).sum()
    }
}

/// The BPF program: for each fault, "number and arguments match → `action(fault)`",
/// otherwise allow. Calls of another ABI (x86_64's int 0x80) are allowed.
fn program(faults: &[Fault], action: impl Fn(&Fault) -> u32) -> Vec<libc::sock_filter> {
    let arch = AUDIT_ARCH.expect("no AUDIT_ARCH known for this target");
    let ins = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let mut p = Vec::new();
    // The jump over everything to the final ALLOW is patched when the length is known.
    p.push(ins(BPF_LD_W_ABS, 0, 0, DATA_ARCH));
    p.push(ins(BPF_JEQ_K, 0, 0, arch));
    for f in faults {
        // Block: ld nr; jeq; (ld lo; jeq; ld hi; jeq)*; ret. A mismatch skips the rest
        // of the block, to the next block (or the final ALLOW).
        let len = 3 + 4 * f.args.len();
        let skip = |at: usize| u8::try_from(len - at - 1).expect("filter too long");
        let mut block = vec![
            ins(BPF_LD_W_ABS, 0, 0, DATA_NR),
            ins(BPF_JEQ_K, 0, skip(1), f.nr),
        ];
        for &(i, v) in &f.args {
            let at = block.len();
            block.push(ins(BPF_LD_W_ABS, 0, 0, data_arg_lo(i)));
            block.push(ins(BPF_JEQ_K, 0, skip(at + 1), v as u32));
            block.push(ins(BPF_LD_W_ABS, 0, 0, data_arg_hi(i)));
            block.push(ins(BPF_JEQ_K, 0, skip(at + 3), (v >> 32) as u32));
        }
        block.push(ins(BPF_RET_K, 0, 0, action(f)));
        p.extend(block);
    }
    let to_allow = p.len() - 2;
    p[1].jf = u8::try_from(to_allow).expect("filter too long");
    p.push(ins(BPF_RET_K, 0, 0, RET_ALLOW));
    p
}

/// `PR_SET_NO_NEW_PRIVS`, then the filter for the calling thread only. Returns what
/// seccomp returned (the listener descriptor with `NEW_LISTENER`). Async-signal-safe.
fn install(prog: &[libc::sock_filter], flags: c_ulong) -> io::Result<c_int> {
    let fprog = libc::sock_fprog {
        len: u16::try_from(prog.len()).expect("filter too long"),
        filter: prog.as_ptr().cast_mut(),
    };
    // SAFETY: prctl with integer arguments; seccomp reads `fprog` and the program it
    // points to, both alive for the call.
    unsafe {
        if libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        let r = libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER as c_ulong,
            flags,
            &fprog as *const libc::sock_fprog,
        );
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(r as c_int)
    }
}

/// Runs `f` on a fresh thread whose calls matching `faults` are decided by this thread:
/// the `nth` matching call of each fault (every one without `nth`) fails with its errno,
/// the others run normally. Returns `f`'s result and the counts per fault. Panics if
/// seccomp is unavailable (so a test cannot pass without injecting), and re-raises a
/// panic of `f`.
///
/// Only the new thread is filtered: other test threads, and this one, are not. `f` must
/// not start threads (they would inherit the filter with nobody to answer it after this
/// returns) and should make the matched syscalls only in the operation under test.
pub fn with_faults<R: Send>(faults: &[Fault], f: impl FnOnce() -> R + Send) -> Injected<R> {
    let prog = program(faults, |_| RET_USER_NOTIF);
    let (tx, rx) = mpsc::sync_channel::<io::Result<OwnedFd>>(1);
    let mut hits = vec![Hits::default(); faults.len()];
    let value = std::thread::scope(|s| {
        let worker = s.spawn(move || {
            // Everything the thread would otherwise do lazily, and which makes syscalls
            // a fault may match, happens before the filter exists.
            let _ = rawmap::page_size();
            drop(std::hint::black_box(vec![0u8; 4096]));
            let listener = install(&prog, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as c_ulong)
                // SAFETY: seccomp returned a new descriptor that nothing else owns.
                .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
            let ok = listener.is_ok();
            tx.send(listener)
                .expect("the supervisor waits for the listener");
            ok.then(f)
        });
        let listener = match rx.recv().expect("the worker sends the listener") {
            Ok(fd) => fd,
            Err(e) => {
                let _ = worker.join();
                panic!("cannot install a seccomp filter: {e} (needs Linux 5.5 and no qemu-user)");
            }
        };
        while !worker.is_finished() {
            supervise_once(&listener, faults, &mut hits);
        }
        drop(listener);
        match worker.join() {
            Ok(v) => v.expect("the filter was installed"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    Injected { value, hits }
}

/// [`with_faults`] with one fault.
pub fn with_fault<R: Send>(fault: Fault, f: impl FnOnce() -> R + Send) -> Injected<R> {
    with_faults(std::slice::from_ref(&fault), f)
}

/// Waits up to a few milliseconds for one notification and answers it.
fn supervise_once(listener: &OwnedFd, faults: &[Fault], hits: &mut [Hits]) {
    let mut pfd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, 5) };
    if n <= 0 || pfd.revents & libc::POLLIN == 0 {
        if pfd.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
            // The worker is gone; `is_finished` turns true very soon.
            std::thread::sleep(Duration::from_millis(1));
        }
        return;
    }
    // SAFETY: the kernel requires a zeroed buffer; all-zero is a valid seccomp_notif.
    let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: RECV writes one seccomp_notif to `req`.
    if unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &mut req,
        )
    } != 0
    {
        // ENOENT: the caller was interrupted (a signal) before we read it.
        return;
    }
    // libc's constant is a `c_ulong`: the cast is needed on 64-bit targets only.
    #[allow(clippy::unnecessary_cast)]
    let mut resp = libc::seccomp_notif_resp {
        id: req.id,
        val: 0,
        error: 0,
        flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
    };
    // The first fault that matches decides (the filter matched at least one).
    if let Some(i) = faults.iter().position(|f| f.matches(&req.data)) {
        hits[i].calls += 1;
        let fire = faults[i].nth.is_none_or(|n| n == hits[i].calls);
        if fire {
            hits[i].injected += 1;
            resp.flags = 0;
            match faults[i].outcome {
                Outcome::Fail(e) => resp.error = -i32::from(e.raw()),
                Outcome::Return(v) => resp.val = v as i64,
            }
        }
    }
    // SAFETY: SEND reads one seccomp_notif_resp. ENOENT (the caller went away) is fine.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut resp,
        )
    };
}

/// Runs `f` in a forked child (see [`run_in_child`] for what `f` may do) after
/// installing a filter that fails **every** call matching `faults` with its errno
/// (`SECCOMP_RET_ERRNO`; `nth` and `returning` need the supervisor of [`with_faults`]
/// and are refused). The child exits with [`FILTER_FAILED`] if the filter cannot be
/// installed.
pub fn in_child_with_faults(faults: &[Fault], f: impl FnOnce() -> i32) -> ChildExit {
    let prog = program(faults, |f| match (f.nth, f.outcome) {
        (None, Outcome::Fail(e)) => RET_ERRNO | c_uint::from(e.raw()),
        _ => panic!("in a child every matching call fails: no nth() or returning()"),
    });
    run_in_child(|| {
        if install(&prog, 0).is_err() {
            return FILTER_FAILED;
        }
        f()
    })
}

/// [`in_child_with_faults`] with one fault.
pub fn in_child_with_fault(fault: Fault, f: impl FnOnce() -> i32) -> ChildExit {
    in_child_with_faults(std::slice::from_ref(&fault), f)
}
