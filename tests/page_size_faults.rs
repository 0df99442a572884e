//! Fault injection into `page_size()`'s first call, which asks the kernel once and
//! caches the answer: `prctl(PR_GET_AUXV)`, else `/proc/self/auxv` (openat, read, close),
//! else a probe mapping (mmap, mprotect, munmap). Every other test binary has the value
//! cached before it could inject anything, so this one is separate and its parent
//! process never calls `page_size()`: each case runs in a forked child that starts with
//! an empty cache, with a seccomp filter failing the chosen syscalls
//! (`common::seccomp::in_child_with_faults`).
//!
//! seccomp is not available under qemu-user, so these run natively only.
#![cfg(target_os = "linux")]

mod common;

use common::seccomp::{Fault, crate_nr, in_child_with_faults};
use common::{CHILD_PANICKED, ChildExit, step_failed};
use rawmap::Errno;
use rawmap::sys::auxv::PR_GET_AUXV;
use rawmap::sys::nr;

/// The page size as libc reports it (sysconf does not touch rawmap's cache).
fn expected() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// Runs `page_size()` in a child under `faults`: `Exited(0)` if it returned the right
/// value, `Exited(CHILD_PANICKED)` if it panicked.
fn page_size_under(faults: &[Fault]) -> ChildExit {
    let want = expected();
    in_child_with_faults(faults, || {
        if rawmap::page_size() == want {
            0
        } else {
            step_failed(1)
        }
    })
}

fn prctl_auxv(e: Errno) -> Fault {
    Fault::new(nr::PRCTL, e).arg(0, PR_GET_AUXV as usize)
}

/// The cases run one after another in one test, and the first proves the premise: with
/// every source failed, `page_size()` panics, so the children really start uncached.
#[test]
#[cfg_attr(
    qemu,
    ignore = "seccomp is not available under qemu-user; runs natively"
)]
fn page_size_falls_back_source_by_source_and_panics_without_any() {
    // Nothing works: prctl, /proc and the probe's mmap all fail. The panic says why.
    let nothing = [
        prctl_auxv(Errno::INVAL),
        Fault::new(nr::OPENAT, Errno::NOENT),
        Fault::new(crate_nr::MMAP, Errno::NOMEM),
    ];
    assert_eq!(
        page_size_under(&nothing),
        ChildExit::Exited(CHILD_PANICKED),
        "page_size() was cached in the parent, or found a source the test did not fail"
    );
    // The probe's mprotect never succeeds: it cannot measure either.
    let no_mprotect = [
        prctl_auxv(Errno::INVAL),
        Fault::new(nr::OPENAT, Errno::NOENT),
        Fault::new(nr::MPROTECT, Errno::NOMEM),
    ];
    assert_eq!(
        page_size_under(&no_mprotect),
        ChildExit::Exited(CHILD_PANICKED)
    );

    // Each fallback alone gives the right value.
    for e in [Errno::INVAL, Errno::PERM, Errno::NOSYS] {
        assert_eq!(
            page_size_under(&[prctl_auxv(e)]),
            ChildExit::Exited(0),
            "/proc"
        );
    }
    let cases: [(&str, Vec<Fault>); 4] = [
        (
            "probe after openat fails",
            vec![
                prctl_auxv(Errno::INVAL),
                Fault::new(nr::OPENAT, Errno::ACCES),
            ],
        ),
        (
            "probe after read fails",
            vec![prctl_auxv(Errno::INVAL), Fault::new(nr::READ, Errno::IO)],
        ),
        (
            "/proc with its close failing (ignored)",
            vec![prctl_auxv(Errno::INVAL), Fault::new(nr::CLOSE, Errno::IO)],
        ),
        (
            "probe with its munmap failing (ignored: the probe leaks 2 MiB of address space)",
            vec![
                prctl_auxv(Errno::INVAL),
                Fault::new(nr::OPENAT, Errno::NOENT),
                Fault::new(nr::MUNMAP, Errno::NOMEM),
            ],
        ),
    ];
    for (what, faults) in &cases {
        assert_eq!(page_size_under(faults), ChildExit::Exited(0), "{what}");
    }
}
