//! Fault injection for the one syscall of the fault handler: `rt_sigaction(SIGBUS)`,
//! failed with seccomp (`common::seccomp`) under `fault::install`, `fault::is_active`
//! and the implicit installation on the first `read_at` / `write_at`.
//!
//! The documented behaviour checked here: `install` returns the injected errno and leaves
//! the SIGBUS action as it was; `is_active` returns it too; copies keep working but are
//! unprotected (a fault in `read_at` then kills the process with SIGBUS, as it would
//! without the crate); a failed installation is retried only by an explicit `install`,
//! never by every `read_at` (which would add two syscalls to each copy under a seccomp
//! policy that refuses them); once installed, nothing calls `rt_sigaction` again.
//!
//! Installation is process-wide state, so this file holds a single test that goes
//! through the states in order, in a process where nothing else installs the handler;
//! the children that must start uninstalled are forked before the first success.
//! seccomp is not available under qemu-user (it answers ENOSYS), so the test is ignored
//! with `--cfg qemu` and runs natively.
// Only the architectures with a fault-safe copy routine (src/copy/<arch>.rs);
// elsewhere `rawmap::fault::install` is UNSUPPORTED and makes no syscall.
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

use common::seccomp::{Fault, Hits, in_child_with_fault, with_fault};
use std::ffi::CString;

use common::{CHILD_OK, ChildExit, page, step_failed, unique_name};
use rawmap::sys::nr;
use rawmap::{AccessError, Errno, File, MapOptions, Mapping, MemfdFlags, fault};

const SIGBUS: i32 = rawmap::sys::signal::SIGBUS as i32;

/// Errnos `rt_sigaction` is failed with: the two its man page lists, and EPERM, which is
/// what a seccomp policy refusing it usually answers.
const SIGACTION_ERRS: [Errno; 3] = [Errno::INVAL, Errno::FAULT, Errno::PERM];

/// Every `rt_sigaction` call on SIGBUS.
fn on_sigbus(e: Errno) -> Fault {
    Fault::new(nr::RT_SIGACTION, e).arg(0, SIGBUS as usize)
}

/// The SIGBUS handler address as libc reads it back (the harness's own, std's
/// stack-overflow handler, before ours).
fn current_handler() -> usize {
    // SAFETY: a zeroed sigaction is a valid out-parameter; only reads the action.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(SIGBUS, std::ptr::null(), &mut sa), 0);
        sa.sa_sigaction
    }
}

/// A memfd of three pages mapped shared, truncated to one page and a byte: offsets from
/// `2 * page` fault.
fn truncated(test: &str) -> (File, Mapping) {
    let name = CString::new(unique_name(test)).unwrap();
    let f = File::memfd(&name, MemfdFlags::CLOEXEC).unwrap();
    f.set_len(3 * page() as u64).unwrap();
    // SAFETY: used only through read_at; the missing page only by the deliberate faults.
    let m = unsafe { MapOptions::new().map(&f) }.unwrap();
    f.set_len(page() as u64 + 1).unwrap();
    (f, m)
}

/// `read_at` across the missing page: 16 bytes copied, then the fault at `2 * page`.
fn read_at_is_caught(m: &Mapping) -> bool {
    let mut buf = [0u8; 64];
    match m.read_at(2 * page() - 16, &mut buf) {
        Err(AccessError::Fault(f)) => f.copied() == 16 && f.offset() == 2 * page(),
        _ => false,
    }
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn rt_sigaction_failures_leave_copies_working_but_unprotected() {
    // Rust's std puts a SIGBUS handler in place at startup that, for a fault that is not
    // a stack overflow, restores SIG_DFL with sigaction and returns. In the children of
    // step 1 that sigaction is refused too, so the fault would repeat forever: start
    // from the default action instead (this file has only this test).
    // SAFETY: sets the default action for SIGBUS in this test process.
    let previous = unsafe { libc::signal(SIGBUS, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR);
    let (_f, m) = truncated("sigaction");
    let before = current_handler();
    assert_eq!(before, libc::SIG_DFL);

    // 1. In children that start uninstalled, with every rt_sigaction(SIGBUS) failing:
    //    the first read_at still copies; install and is_active return the errno; a
    //    fault in read_at then kills the child with SIGBUS, as without the crate.
    for e in SIGACTION_ERRS {
        let exit = in_child_with_fault(on_sigbus(e), || {
            let mut buf = [0u8; 16];
            if m.read_at(0, &mut buf).is_err() {
                return step_failed(1);
            }
            if fault::install() != Err(e) {
                return step_failed(2);
            }
            if fault::is_active() != Err(e) {
                return step_failed(3);
            }
            let _ = read_at_is_caught(&m);
            step_failed(4) // not reached: the fault above is not caught
        });
        assert_eq!(
            exit,
            ChildExit::Signaled(SIGBUS),
            "rt_sigaction failing with {e:?}"
        );
    }

    // 2. In this process: the query succeeds and setting our action fails. install
    //    returns the errno after exactly those two calls, and the action is unchanged.
    for e in SIGACTION_ERRS {
        let r = with_fault(on_sigbus(e).nth(2), fault::install);
        assert_eq!(r.value, Err(e));
        assert_eq!(
            r.hits,
            [Hits {
                calls: 2,
                injected: 1
            }]
        );
        assert_eq!(
            current_handler(),
            before,
            "the failed install changed the action"
        );
        assert_eq!(fault::is_active(), Ok(false));
    }

    // 3. After a failure, read_at does not retry on every call: no rt_sigaction at all.
    let r = with_fault(Fault::watch(nr::RT_SIGACTION), || {
        let mut buf = [0u8; 16];
        m.read_at(0, &mut buf)
    });
    assert_eq!(r.value, Ok(()));
    assert_eq!(r.calls(), 0, "read_at retried the failed installation");

    // 4. The query itself failing (act == NULL): the errno after one call.
    let r = with_fault(on_sigbus(Errno::INVAL).arg(1, 0), fault::install);
    assert_eq!(r.value, Err(Errno::INVAL));
    assert_eq!(
        r.hits,
        [Hits {
            calls: 1,
            injected: 1
        }]
    );
    assert_eq!(current_handler(), before);

    // 5. An explicit install retries and succeeds; faults are caught from then on.
    assert_eq!(fault::install(), Ok(()));
    assert_eq!(fault::is_active(), Ok(true));
    assert_ne!(current_handler(), before);
    assert!(read_at_is_caught(&m));

    // 6. is_active reports its own failing query; install, once done, makes no call.
    for e in SIGACTION_ERRS {
        let r = with_fault(on_sigbus(e), fault::is_active);
        assert_eq!(r.value, Err(e));
        assert_eq!(
            r.hits,
            [Hits {
                calls: 1,
                injected: 1
            }]
        );
    }
    let r = with_fault(Fault::watch(nr::RT_SIGACTION), || {
        (fault::install(), read_at_is_caught(&m))
    });
    assert_eq!(r.value, (Ok(()), true));
    assert_eq!(r.calls(), 0, "install called rt_sigaction again");

    // 7. A child forked now inherits the handler and is protected without any call.
    let exit = in_child_with_fault(on_sigbus(Errno::PERM), || {
        if read_at_is_caught(&m) {
            CHILD_OK
        } else {
            step_failed(7)
        }
    });
    assert_eq!(exit, ChildExit::Exited(CHILD_OK));
}
