//! Every function of `rawmap::raw` against the running kernel: a success path that checks
//! the effect, and error paths where the kernel really returns the error, compared with
//! the named `Errno`.
//!
//! Under qemu-user (`--cfg qemu`) the same tests run, except those asserting kernel
//! semantics qemu-user 7.2 does not emulate; they are ignored with the reason, and run
//! natively. Process-wide state (rlimits, uid, seals, fatal signals) is only changed in
//! forked children (`common::run_in_child`), so the test process stays clean.
#![cfg(target_os = "linux")]

mod common;

use std::ffi::{CString, c_void};
use std::ptr;

use common::*;
use rawmap::raw::{self, IoVec, Statx};
use rawmap::sys::mman;
use rawmap::{
    Errno, MapFlags, MapType, MemfdFlags, MlockAllFlags, MlockFlags, MsyncFlags, OpenFlags,
    ProtFlags, RemapFlags,
};

/// Reads `len` bytes at `p`.
///
/// # Safety
/// `p` must be mapped readable for `len` bytes and not written concurrently.
unsafe fn bytes<'a>(p: *mut c_void, len: usize) -> &'a [u8] {
    // SAFETY: forwarded contract.
    unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }
}

/// Maps `len` bytes of `fd` shared with `prot` at `offset`.
fn map_shared(
    fd: raw::RawFd,
    len: usize,
    prot: ProtFlags,
    offset: u64,
) -> rawmap::Result<*mut c_void> {
    // SAFETY: a new mapping at a kernel-chosen address; callers unmap it.
    unsafe {
        raw::mmap(
            ptr::null_mut(),
            len,
            prot,
            MapType::Shared,
            MapFlags::empty(),
            fd,
            offset,
        )
    }
}

/// Unmaps a mapping the test created; panics on failure.
fn unmap(p: *mut c_void, len: usize) {
    // SAFETY: every caller passes a mapping it created and no longer uses.
    unsafe { raw::munmap(p, len) }.expect("munmap");
}

/// The size `statx` reports for `fd`.
fn statx_size(fd: raw::RawFd) -> u64 {
    let mut st = Statx::default();
    // SAFETY: `st` is a valid statx buffer; an empty path with AT_EMPTY_PATH names `fd`.
    unsafe { raw::statx(fd, c"", raw::AT_EMPTY_PATH, raw::STATX_SIZE, &mut st) }.expect("statx");
    assert_ne!(
        st.stx_mask & raw::STATX_SIZE,
        0,
        "statx did not fill stx_size"
    );
    st.stx_size
}

/// Opens `path` with `flags`; panics on failure.
fn open(path: &std::ffi::CStr, flags: OpenFlags) -> raw::RawFd {
    // SAFETY: the caller closes the returned descriptor.
    unsafe { raw::openat(raw::AT_FDCWD, path, flags | OpenFlags::CLOEXEC, 0) }
        .unwrap_or_else(|e| panic!("open {path:?}: {e}"))
}

fn close(fd: raw::RawFd) {
    // SAFETY: callers pass a descriptor they opened and no longer use.
    unsafe { raw::close(fd) }.expect("close");
}

/// Asks for no transparent huge pages on a small mapping, so that touching one page
/// cannot make its neighbours resident (which would spoil the mincore checks).
fn no_thp(p: *mut c_void, len: usize) {
    // SAFETY: NOHUGEPAGE changes no contents.
    unsafe { raw::madvise(p, len, mman::MADV_NOHUGEPAGE) }.expect("madvise(NOHUGEPAGE)");
}

/// A pipe as `(read end, write end)`, both close-on-exec.
fn pipe() -> (raw::RawFd, raw::RawFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    (fds[0], fds[1])
}

// ---------------------------------------------------------------------------------------
// mmap

#[test]
fn mmap_anonymous_is_zeroed_writable_and_unmaps() {
    let len = 3 * page();
    let p = map_anon(len, rw());
    // SAFETY: fresh readable mapping of `len` bytes.
    assert!(unsafe { bytes(p, len) }.iter().all(|&b| b == 0));
    // SAFETY: the mapping is writable and ours.
    unsafe { ptr::write_bytes(p.cast::<u8>(), 0x5a, len) };
    // SAFETY: as above.
    assert!(unsafe { bytes(p, len) }.iter().all(|&b| b == 0x5a));
    unmap(p, len);
}

#[test]
fn mmap_shared_memfd_shows_the_file() {
    let ps = page();
    let m = Memfd::new("mmap_shared");
    m.set_len(2 * ps as u64);
    // Data written through the descriptor (at file offset 0)...
    // SAFETY: the buffer is valid for 5 bytes.
    assert_eq!(unsafe { raw::write(m.fd, b"hello".as_ptr(), 5) }, Ok(5));
    let p = map_shared(m.fd, 2 * ps, rw(), 0).expect("mmap shared");
    assert!(maps_mention(&m.name), "the mapping names its memfd");
    // ...is in the mapping, and writes to the mapping reach the file.
    // SAFETY: the mapping is 2 pages, readable and writable.
    unsafe {
        assert_eq!(bytes(p, 5), b"hello");
        p.cast::<u8>().add(ps).write(b'!');
    }
    let mut buf = [0u8; 1];
    let fd2 = open(&m.proc_path(), OpenFlags::empty());
    // Through a second descriptor: mapped at file offset `ps` it sees the byte written
    // to the second page above (the offset argument works), and read(2) starts at 0.
    let q = map_shared(fd2, ps, ProtFlags::READ, ps as u64).expect("mmap at offset");
    // SAFETY: `q` is one readable page.
    assert_eq!(unsafe { bytes(q, 1) }, b"!");
    // SAFETY: `buf` has room for 1 byte.
    assert_eq!(unsafe { raw::read(fd2, buf.as_mut_ptr(), 1) }, Ok(1));
    assert_eq!(&buf, b"h");
    unmap(q, ps);
    unmap(p, 2 * ps);
    close(fd2);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn mmap_offset_above_4_gib_arrives_whole() {
    // A truncated offset register would map file offset 0 instead: the byte written at
    // 4 GiB + 1 page must not show up there.
    let ps = page();
    let far = (4u64 << 30) + ps as u64;
    let m = Memfd::new("mmap_far_offset");
    m.set_len(far + ps as u64);
    let hi = map_shared(m.fd, ps, rw(), far).expect("mmap at 4 GiB + 1 page");
    let lo = map_shared(m.fd, ps, rw(), 0).expect("mmap at 0");
    // SAFETY: both are one readable, writable page of our memfd.
    unsafe {
        hi.cast::<u8>().write(0xab);
        assert_eq!(lo.cast::<u8>().read(), 0);
        lo.cast::<u8>().write(0xcd);
        assert_eq!(hi.cast::<u8>().read(), 0xab);
    }
    unmap(hi, ps);
    unmap(lo, ps);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn mmap_private_file_mapping_is_copy_on_write() {
    let ps = page();
    let m = Memfd::new("mmap_private");
    m.set_len(ps as u64);
    // SAFETY: a new mapping at a kernel-chosen address.
    let p = unsafe {
        raw::mmap(
            ptr::null_mut(),
            ps,
            rw(),
            MapType::Private,
            MapFlags::empty(),
            m.fd,
            0,
        )
    }
    .expect("mmap private");
    // SAFETY: one writable page.
    unsafe { p.cast::<u8>().write(7) };
    let mut buf = [0xffu8; 1];
    // SAFETY: `buf` has room for 1 byte.
    assert_eq!(unsafe { raw::read(m.fd, buf.as_mut_ptr(), 1) }, Ok(1));
    assert_eq!(buf, [0], "a private write must not reach the file");
    unmap(p, ps);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn mmap_of_zero_length_is_einval() {
    // SAFETY: fails before mapping anything.
    let r = unsafe {
        raw::mmap(
            ptr::null_mut(),
            0,
            rw(),
            MapType::Private,
            MapFlags::ANONYMOUS,
            -1,
            0,
        )
    };
    assert_eq!(r, Err(Errno::INVAL));
}

#[test]
fn mmap_with_unaligned_offset_is_einval() {
    let m = Memfd::new("mmap_unaligned_off");
    m.set_len(2 * page() as u64);
    assert_eq!(map_shared(m.fd, page(), rw(), 1), Err(Errno::INVAL));
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn mmap_without_anonymous_of_fd_minus_one_is_ebadf() {
    assert_eq!(map_shared(-1, page(), rw(), 0), Err(Errno::BADF));
}

#[test]
fn mmap_of_a_closed_fd_is_ebadf() {
    // In a child: there no other thread can reuse the closed descriptor's number.
    let name = CString::new(unique_name("closed_fd")).unwrap();
    let ps = page();
    let exit = run_in_child(|| {
        // SAFETY: raw syscalls only; the memfd is closed before it is mapped.
        unsafe {
            let Ok(fd) = raw::memfd_create(&name, MemfdFlags::empty()) else {
                return step_failed(1);
            };
            if raw::close(fd).is_err() {
                return step_failed(2);
            }
            err_code(raw::mmap(
                ptr::null_mut(),
                ps,
                ProtFlags::READ,
                MapType::Shared,
                MapFlags::empty(),
                fd,
                0,
            ))
        }
    });
    assert_eq!(exit, ChildExit::errno(Errno::BADF));
}

#[test]
fn mmap_shared_writable_of_read_only_fd_is_eacces() {
    let m = Memfd::new("mmap_eacces");
    m.set_len(page() as u64);
    let ro = open(&m.proc_path(), OpenFlags::empty());
    assert_eq!(map_shared(ro, page(), rw(), 0), Err(Errno::ACCES));
    // Read-only shared, and private writable (copy-on-write), are allowed.
    let p = map_shared(ro, page(), ProtFlags::READ, 0).expect("read-only shared map");
    unmap(p, page());
    // SAFETY: a new mapping at a kernel-chosen address, unmapped below.
    let p = unsafe {
        raw::mmap(
            ptr::null_mut(),
            page(),
            rw(),
            MapType::Private,
            MapFlags::empty(),
            ro,
            0,
        )
    }
    .expect("private writable map of a read-only descriptor");
    unmap(p, page());
    close(ro);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn mmap_of_a_directory_is_enodev() {
    let dir = open(c"/", OpenFlags::DIRECTORY);
    // SAFETY: fails without mapping anything.
    let r = unsafe {
        raw::mmap(
            ptr::null_mut(),
            page(),
            ProtFlags::READ,
            MapType::Private,
            MapFlags::empty(),
            dir,
            0,
        )
    };
    assert_eq!(r, Err(Errno::NODEV));
    close(dir);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user ignores MAP_FIXED_NOREPLACE (maps elsewhere); asserted natively"
)]
fn mmap_fixed_noreplace_over_a_mapping_is_eexist() {
    let len = 2 * page();
    let p = map_anon(len, rw());
    // SAFETY: NOREPLACE never replaces what is mapped; the range is ours anyway.
    let r = unsafe {
        raw::mmap(
            p,
            len,
            rw(),
            MapType::Private,
            MapFlags::ANONYMOUS | MapFlags::FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    assert_eq!(r, Err(Errno::EXIST));
    unmap(p, len);
}

#[test]
fn mmap_fixed_noreplace_into_a_free_range_maps_there() {
    // Map, unmap, and ask for exactly the freed address. In a child, so no other
    // thread can take the hole in between.
    let ps = page();
    let exit = run_in_child(|| {
        let map = |addr, flags| {
            // SAFETY: a new mapping; NOREPLACE never replaces anything.
            unsafe {
                raw::mmap(
                    addr,
                    2 * ps,
                    rw(),
                    MapType::Private,
                    MapFlags::ANONYMOUS | flags,
                    -1,
                    0,
                )
            }
        };
        let Ok(p) = map(ptr::null_mut(), MapFlags::empty()) else {
            return step_failed(1);
        };
        // SAFETY: unmaps the mapping made above.
        if unsafe { raw::munmap(p, 2 * ps) }.is_err() {
            return step_failed(2);
        }
        match map(p, MapFlags::FIXED_NOREPLACE) {
            Ok(q) if q == p => {}
            Ok(_) => return step_failed(3),
            Err(e) => return err_code::<()>(Err(e)),
        }
        // SAFETY: unmaps the mapping made above.
        match unsafe { raw::munmap(p, 2 * ps) } {
            Ok(()) => CHILD_OK,
            Err(_) => step_failed(4),
        }
    });
    assert_eq!(exit, ChildExit::Exited(CHILD_OK));
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user rejects MAP_SHARED_VALIDATE with EINVAL; asserted natively"
)]
fn mmap_shared_validate_rejects_unknown_flags_with_eopnotsupp() {
    let m = Memfd::new("shared_validate");
    m.set_len(page() as u64);
    let map = |flags| {
        // SAFETY: a new mapping at a kernel-chosen address.
        unsafe {
            raw::mmap(
                ptr::null_mut(),
                page(),
                rw(),
                MapType::SharedValidate,
                flags,
                m.fd,
                0,
            )
        }
    };
    // MAP_SYNC is only valid on DAX files; plain MAP_SHARED would silently ignore it.
    // (mips has no MAP_SYNC.)
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    {
        let sync = MapFlags::from_bits_retain(mman::MAP_SYNC);
        assert_eq!(map(sync), Err(Errno::OPNOTSUPP));
    }
    let p = map(MapFlags::empty()).expect("SHARED_VALIDATE without unknown flags");
    unmap(p, page());
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user ignores setrlimit(RLIMIT_AS) for the guest; asserted natively"
)]
fn mmap_under_a_lowered_rlimit_as_is_enomem() {
    let len = 16 * page();
    let exit = run_in_child(|| {
        let map = || {
            // SAFETY: a new anonymous mapping in the child.
            unsafe {
                raw::mmap(
                    ptr::null_mut(),
                    len,
                    ProtFlags::READ,
                    MapType::Private,
                    MapFlags::ANONYMOUS,
                    -1,
                    0,
                )
            }
        };
        // Control: the same call succeeds before the limit.
        match map() {
            // SAFETY: unmaps the mapping made just above.
            Ok(p) => unsafe {
                if raw::munmap(p, len).is_err() {
                    return step_failed(2);
                }
            },
            Err(_) => return step_failed(1),
        }
        // The process already uses far more than 1 MiB, so any new mapping is over.
        let lim = libc::rlimit {
            rlim_cur: 1 << 20,
            rlim_max: 1 << 20,
        };
        // SAFETY: setrlimit is a plain syscall wrapper, async-signal-safe in practice.
        if unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) } != 0 {
            return step_failed(3);
        }
        err_code(map())
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

// ---------------------------------------------------------------------------------------
// munmap

#[test]
fn munmap_removes_the_mapping() {
    // In a child, so no other thread can map the freed range before mincore looks at it.
    let ps = page();
    let exit = run_in_child(|| {
        // SAFETY: raw syscalls on a mapping the child creates.
        unsafe {
            let Ok(p) = raw::mmap(
                ptr::null_mut(),
                3 * ps,
                ProtFlags::READ,
                MapType::Private,
                MapFlags::ANONYMOUS,
                -1,
                0,
            ) else {
                return step_failed(1);
            };
            let mid = p.cast::<u8>().add(ps).cast::<c_void>();
            if raw::munmap(mid, ps).is_err() {
                return step_failed(2);
            }
            let mut vec = [0u8; 1];
            // The pages on either side survive the split...
            if raw::mincore(p, ps, vec.as_mut_ptr()).is_err()
                || raw::mincore(p.cast::<u8>().add(2 * ps).cast(), ps, vec.as_mut_ptr()).is_err()
            {
                return step_failed(3);
            }
            // ...and unmapping an already unmapped range is not an error.
            if raw::munmap(mid, ps).is_err() {
                return step_failed(4);
            }
            // The hole is gone: mincore fails on it.
            err_code(raw::mincore(mid, ps, vec.as_mut_ptr()))
        }
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

#[test]
fn munmap_unaligned_or_empty_is_einval() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: both calls fail before touching the mapping.
    unsafe {
        assert_eq!(raw::munmap(unaligned, ps), Err(Errno::INVAL));
        assert_eq!(raw::munmap(p, 0), Err(Errno::INVAL));
    }
    // Still mapped and intact.
    // SAFETY: the mapping is writable and still ours.
    unsafe { p.cast::<u8>().write(1) };
    unmap(p, 2 * ps);
}

// ---------------------------------------------------------------------------------------
// mremap

#[test]
fn mremap_grows_and_shrinks_keeping_content() {
    let ps = page();
    let p = map_anon(ps, rw());
    // SAFETY: one writable page.
    unsafe { ptr::write_bytes(p.cast::<u8>(), 0xa7, ps) };
    // SAFETY: the old range is ours and not used after the move.
    let q = unsafe { raw::mremap(p, ps, 4 * ps, RemapFlags::MAYMOVE, ptr::null_mut()) }
        .expect("mremap grow");
    // SAFETY: `q` is 4 readable pages: the old content, then zeroes.
    let all = unsafe { bytes(q, 4 * ps) };
    assert!(all[..ps].iter().all(|&b| b == 0xa7), "content moved");
    assert!(all[ps..].iter().all(|&b| b == 0), "new pages are zero");
    // SAFETY: shrinking in place frees the tail, which nothing uses.
    let r = unsafe { raw::mremap(q, 4 * ps, 2 * ps, RemapFlags::empty(), ptr::null_mut()) };
    assert_eq!(r, Ok(q), "shrinking never moves");
    // SAFETY: two readable pages remain.
    assert!(unsafe { bytes(q, ps) }.iter().all(|&b| b == 0xa7));
    unmap(q, 2 * ps);
}

#[test]
fn mremap_fixed_moves_to_the_given_address() {
    let ps = page();
    let src = map_anon(ps, rw());
    let dst = map_anon(2 * ps, ProtFlags::empty());
    // SAFETY: one writable page.
    unsafe { src.cast::<u8>().write(0x3c) };
    // SAFETY: FIXED replaces the reservation at `dst`, which is ours.
    let r = unsafe { raw::mremap(src, ps, ps, RemapFlags::MAYMOVE | RemapFlags::FIXED, dst) };
    assert_eq!(r, Ok(dst));
    // SAFETY: the page now lives at `dst`, readable and writable.
    assert_eq!(unsafe { dst.cast::<u8>().read() }, 0x3c);
    unmap(dst, 2 * ps);
}

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user 7.2 leaves a 32-bit guest's MREMAP_DONTUNMAP source inaccessible (reading it is SIGSEGV); asserted natively (x86_64, i686)"
)]
fn mremap_dontunmap_leaves_an_empty_source() {
    let ps = page();
    let src = map_anon(ps, rw());
    // SAFETY: one writable page.
    unsafe { src.cast::<u8>().write(0x11) };
    // SAFETY: the source stays mapped (emptied); the new range is ours.
    let dst = unsafe {
        raw::mremap(
            src,
            ps,
            ps,
            RemapFlags::MAYMOVE | RemapFlags::DONTUNMAP,
            ptr::null_mut(),
        )
    }
    .expect("mremap DONTUNMAP");
    assert_ne!(dst, src);
    // SAFETY: both ranges are mapped readable.
    unsafe {
        assert_eq!(dst.cast::<u8>().read(), 0x11, "content moved");
        assert_eq!(src.cast::<u8>().read(), 0, "source left mapped and empty");
    }
    unmap(src, ps);
    unmap(dst, ps);
}

#[test]
fn mremap_grow_in_place_into_an_occupied_range_is_enomem() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    // SAFETY: the first page is writable.
    unsafe { p.cast::<u8>().write(9) };
    // Growing the first page in place would run into the second, which is mapped.
    // SAFETY: fails without changing anything.
    let r = unsafe { raw::mremap(p, ps, 2 * ps, RemapFlags::empty(), ptr::null_mut()) };
    assert_eq!(r, Err(Errno::NOMEM));
    // SAFETY: the old mapping is unchanged.
    assert_eq!(unsafe { p.cast::<u8>().read() }, 9);
    unmap(p, 2 * ps);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user answers mremap to length 0 with ENOMEM; asserted natively"
)]
fn mremap_to_zero_length_is_einval() {
    let p = map_anon(page(), rw());
    // SAFETY: fails without changing the mapping.
    let r = unsafe { raw::mremap(p, page(), 0, RemapFlags::MAYMOVE, ptr::null_mut()) };
    assert_eq!(r, Err(Errno::INVAL));
    unmap(p, page());
}

#[test]
fn mremap_bad_arguments_are_einval() {
    let ps = page();
    let p = map_anon(ps, rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: every call fails without changing the mapping.
    unsafe {
        assert_eq!(
            raw::mremap(unaligned, ps, ps, RemapFlags::empty(), ptr::null_mut()),
            Err(Errno::INVAL)
        );
        // FIXED without MAYMOVE is rejected.
        assert_eq!(
            raw::mremap(p, ps, ps, RemapFlags::FIXED, never_mapped()),
            Err(Errno::INVAL)
        );
        p.cast::<u8>().write(1);
    }
    unmap(p, ps);
}

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user reserves a 32-bit guest's whole address space, so unmapped guest pages are mapped on the host and this call succeeds; asserted natively (x86_64, i686)"
)]
fn mremap_of_an_unmapped_range_is_efault() {
    let ps = page();
    // SAFETY: fails without effect.
    let r = unsafe { raw::mremap(never_mapped(), ps, ps, RemapFlags::empty(), ptr::null_mut()) };
    assert_eq!(r, Err(Errno::FAULT));
}

// ---------------------------------------------------------------------------------------
// msync

#[test]
fn msync_accepts_each_mode_on_a_shared_mapping() {
    // On a memfd there is no disk to write back to, so what this shows is that the three
    // MS_* values are the kernel's: any unknown bit, or SYNC together with ASYNC (see
    // `msync_errors`), is EINVAL.
    let m = Memfd::new("msync");
    m.set_len(page() as u64);
    let p = map_shared(m.fd, page(), rw(), 0).expect("mmap");
    // SAFETY: one writable page; the range is ours for every msync below.
    unsafe {
        p.cast::<u8>().write(b'x');
        assert_eq!(raw::msync(p, page(), MsyncFlags::SYNC), Ok(()));
        assert_eq!(raw::msync(p, page(), MsyncFlags::ASYNC), Ok(()));
        assert_eq!(
            raw::msync(p, page(), MsyncFlags::SYNC | MsyncFlags::INVALIDATE),
            Ok(())
        );
    }
    let mut b = [0u8; 1];
    // SAFETY: `b` has room for 1 byte.
    assert_eq!(unsafe { raw::read(m.fd, b.as_mut_ptr(), 1) }, Ok(1));
    assert_eq!(&b, b"x");
    unmap(p, page());
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn msync_errors() {
    let p = map_anon(page(), rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: msync only reads; each call fails.
    unsafe {
        assert_eq!(
            raw::msync(p, page(), MsyncFlags::SYNC | MsyncFlags::ASYNC),
            Err(Errno::INVAL)
        );
        assert_eq!(
            raw::msync(unaligned, 1, MsyncFlags::SYNC),
            Err(Errno::INVAL)
        );
    }
    unmap(p, page());
}

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user reserves a 32-bit guest's whole address space, so unmapped guest pages are mapped on the host and this call succeeds; asserted natively (x86_64, i686)"
)]
fn msync_of_an_unmapped_range_is_enomem() {
    // SAFETY: msync only reads; the call fails.
    let r = unsafe { raw::msync(never_mapped(), page(), MsyncFlags::SYNC) };
    assert_eq!(r, Err(Errno::NOMEM));
}

// ---------------------------------------------------------------------------------------
// madvise

#[test]
fn madvise_dontneed_zeroes_a_private_anonymous_page() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    // SAFETY: the mapping is ours; DONTNEED drops the first page, nothing refers to it.
    unsafe {
        ptr::write_bytes(p.cast::<u8>(), 0xee, 2 * ps);
        raw::madvise(p, ps, mman::MADV_DONTNEED).expect("madvise(DONTNEED)");
        assert!(
            bytes(p, ps).iter().all(|&b| b == 0),
            "dropped page reads as zero"
        );
        assert!(
            bytes(p.cast::<u8>().add(ps).cast(), ps)
                .iter()
                .all(|&b| b == 0xee)
        );
    }
    unmap(p, 2 * ps);
}

#[test]
fn madvise_dontneed_keeps_shared_file_pages() {
    // The same advice on a shared file mapping only drops the page-table entries; the
    // data comes back from the file, which shows the advice value reached the kernel as
    // DONTNEED and not as something destructive to the file.
    let m = Memfd::new("madvise_shared");
    m.set_len(page() as u64);
    let p = map_shared(m.fd, page(), rw(), 0).expect("mmap");
    // SAFETY: one writable page; DONTNEED on a shared mapping keeps the file's data.
    unsafe {
        p.cast::<u8>().write(0x42);
        raw::madvise(p, page(), mman::MADV_DONTNEED).expect("madvise");
        assert_eq!(p.cast::<u8>().read(), 0x42);
    }
    unmap(p, page());
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn madvise_normal_and_willneed_are_accepted() {
    // Hints without an observable effect on a memfd; the kernel rejects unknown values
    // (`madvise_unknown_advice_is_einval`), so success shows these two are known.
    let ps = page();
    let m = Memfd::new("madvise_populate");
    m.set_len(2 * ps as u64);
    let p = map_shared(m.fd, 2 * ps, ProtFlags::READ, 0).expect("mmap");
    // SAFETY: benign advice on our mapping.
    unsafe {
        raw::madvise(p, 2 * ps, mman::MADV_NORMAL).expect("NORMAL");
        raw::madvise(p, 2 * ps, mman::MADV_WILLNEED).expect("WILLNEED");
    }
    unmap(p, 2 * ps);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user does not populate on MADV_POPULATE_WRITE; asserted natively"
)]
fn madvise_populate_write_makes_pages_resident() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    no_thp(p, 2 * ps);
    assert_eq!(resident(p, 2), [false, false]);
    // SAFETY: populating changes no contents.
    unsafe { raw::madvise(p, 2 * ps, mman::MADV_POPULATE_WRITE) }.expect("POPULATE_WRITE");
    assert_eq!(resident(p, 2), [true, true]);
    unmap(p, 2 * ps);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns 0 for any madvise advice; asserted natively"
)]
fn madvise_unknown_advice_is_einval() {
    let p = map_anon(page(), rw());
    // SAFETY: rejected before any effect.
    assert_eq!(unsafe { raw::madvise(p, page(), 9999) }, Err(Errno::INVAL));
    unmap(p, page());
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns 0 for madvise on an unmapped range; asserted natively"
)]
fn madvise_unmapped_is_enomem() {
    // SAFETY: fails before any effect.
    let r = unsafe { raw::madvise(never_mapped(), page(), mman::MADV_NORMAL) };
    assert_eq!(r, Err(Errno::NOMEM));
}

#[test]
fn madvise_unaligned_is_einval() {
    let p = map_anon(page(), rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: fails before any effect.
    let r = unsafe { raw::madvise(unaligned, 1, mman::MADV_NORMAL) };
    assert_eq!(r, Err(Errno::INVAL));
    unmap(p, page());
}

// ---------------------------------------------------------------------------------------
// mprotect

#[test]
fn mprotect_read_only_makes_writes_fault() {
    let ps = page();
    let p = map_anon(ps, rw());
    // SAFETY: the page is writable until the mprotect below, and ours.
    unsafe {
        p.cast::<u8>().write(5);
        raw::mprotect(p, ps, ProtFlags::READ).expect("mprotect READ");
    }
    // Reading still works here; writing kills a child with SIGSEGV.
    // SAFETY: the page is readable.
    assert_eq!(unsafe { p.cast::<u8>().read() }, 5);
    let exit = run_in_child(|| {
        // SAFETY: deliberately writes to a read-only page; the fault ends the child.
        unsafe { ptr::write_volatile(p.cast::<u8>(), 6) };
        UNEXPECTED_OK
    });
    assert_eq!(exit, ChildExit::Signaled(libc::SIGSEGV));
    // Restoring write access works again.
    // SAFETY: our page, made writable again before the write.
    unsafe {
        raw::mprotect(p, ps, rw()).expect("mprotect RW");
        p.cast::<u8>().write(7);
    }
    unmap(p, ps);
}

#[test]
fn mprotect_errors() {
    let p = map_anon(page(), rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: the call fails before any effect.
    unsafe {
        assert_eq!(
            raw::mprotect(unaligned, 1, ProtFlags::READ),
            Err(Errno::INVAL)
        );
    }
    unmap(p, page());
}

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user reserves a 32-bit guest's whole address space, so unmapped guest pages are mapped on the host and this call succeeds; asserted natively (x86_64, i686)"
)]
fn mprotect_of_an_unmapped_range_is_enomem() {
    // SAFETY: fails before any effect.
    let r = unsafe { raw::mprotect(never_mapped(), page(), ProtFlags::READ) };
    assert_eq!(r, Err(Errno::NOMEM));
}

// ---------------------------------------------------------------------------------------
// mlock, mlock2, munlock, mlockall, munlockall

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user's /proc/self/smaps for a 32-bit guest shows the host reservation's VmFlags (no `lo`); asserted natively (x86_64, i686)"
)]
fn mlock_faults_pages_in_and_munlock_unlocks() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    no_thp(p, 2 * ps);
    assert_eq!(resident(p, 2), [false, false]);
    assert!(!vm_flags(p).contains(&"lo".into()));
    // SAFETY: the range is ours and mapped.
    unsafe { raw::mlock(p, 2 * ps) }.expect("mlock");
    assert_eq!(resident(p, 2), [true, true], "mlock populates");
    assert!(vm_flags(p).contains(&"lo".into()), "{:?}", vm_flags(p));
    // SAFETY: unlocks what was locked above.
    unsafe { raw::munlock(p, 2 * ps) }.expect("munlock");
    assert!(!vm_flags(p).contains(&"lo".into()), "{:?}", vm_flags(p));
    unmap(p, 2 * ps);
}

#[test]
#[cfg_attr(
    all(qemu, target_pointer_width = "32"),
    ignore = "qemu-user reserves a 32-bit guest's whole address space, so unmapped guest pages are mapped on the host and this call succeeds; asserted natively (x86_64, i686)"
)]
fn mlock_and_munlock_of_unmapped_range_are_enomem() {
    // SAFETY: both fail without effect.
    unsafe {
        assert_eq!(raw::mlock(never_mapped(), page()), Err(Errno::NOMEM));
        assert_eq!(raw::munlock(never_mapped(), page()), Err(Errno::NOMEM));
    }
}

#[test]
fn mlock_over_rlimit_memlock_is_enomem_for_an_unprivileged_process() {
    // Root ignores RLIMIT_MEMLOCK, so the child drops to nobody (65534) first.
    let ps = page();
    let exit = run_in_child(|| {
        // SAFETY: raw syscalls and async-signal-safe libc calls on the child's own mapping.
        unsafe {
            let Ok(p) = raw::mmap(
                ptr::null_mut(),
                4 * ps,
                rw(),
                MapType::Private,
                MapFlags::ANONYMOUS,
                -1,
                0,
            ) else {
                return step_failed(1);
            };
            let lim = libc::rlimit {
                rlim_cur: ps as libc::rlim_t,
                rlim_max: ps as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) != 0 {
                return step_failed(2);
            }
            if libc::getuid() == 0 && libc::setuid(65534) != 0 {
                return step_failed(3);
            }
            // Control: one page fits the limit.
            if raw::mlock(p, ps).is_err() || raw::munlock(p, ps).is_err() {
                return step_failed(4);
            }
            err_code(raw::mlock(p, 4 * ps))
        }
    });
    assert_eq!(exit, ChildExit::errno(Errno::NOMEM));
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns ENOSYS for mlock2; asserted natively"
)]
fn mlock2_onfault_locks_without_populating() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    no_thp(p, 2 * ps);
    // SAFETY: the range is ours and mapped.
    unsafe { raw::mlock2(p, 2 * ps, MlockFlags::ONFAULT) }.expect("mlock2(ONFAULT)");
    // Locked on fault: unlike mlock, untouched pages stay out.
    let flags = vm_flags(p);
    assert!(
        flags.contains(&"lo".into()) && flags.contains(&"lf".into()),
        "{flags:?}"
    );
    assert_eq!(resident(p, 2), [false, false]);
    // And without flags it behaves like mlock: everything is faulted in.
    // SAFETY: as above.
    unsafe { raw::mlock2(p, 2 * ps, MlockFlags::empty()) }.expect("mlock2");
    let flags = vm_flags(p);
    assert!(
        flags.contains(&"lo".into()) && !flags.contains(&"lf".into()),
        "{flags:?}"
    );
    assert_eq!(resident(p, 2), [true, true]);
    // SAFETY: unlocks what was locked above.
    unsafe { raw::munlock(p, 2 * ps) }.expect("munlock");
    unmap(p, 2 * ps);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns ENOSYS for mlock2; asserted natively"
)]
fn mlock2_with_unknown_flags_is_einval() {
    let p = map_anon(page(), rw());
    // SAFETY: rejected before any effect.
    let r = unsafe { raw::mlock2(p, page(), MlockFlags::from_bits_retain(0x2)) };
    assert_eq!(r, Err(Errno::INVAL));
    unmap(p, page());
}

#[test]
fn mlockall_future_populates_new_mappings_until_munlockall() {
    // mlockall changes the whole process: only in a child.
    let ps = page();
    let exit = run_in_child(|| {
        let map = || {
            // SAFETY: a new anonymous mapping in the child.
            unsafe {
                raw::mmap(
                    ptr::null_mut(),
                    ps,
                    rw(),
                    MapType::Private,
                    MapFlags::ANONYMOUS,
                    -1,
                    0,
                )
            }
        };
        let in_core = |p: *mut c_void| {
            let mut v = [0u8; 1];
            // SAFETY: one byte for one page.
            unsafe { raw::mincore(p, ps, v.as_mut_ptr()) }.map(|()| v[0] & 1 == 1)
        };
        // SAFETY: locking the child's address space is its own business.
        if unsafe { raw::mlockall(MlockAllFlags::FUTURE) }.is_err() {
            return step_failed(1);
        }
        match map().and_then(in_core) {
            Ok(true) => {}
            Ok(false) => return step_failed(2),
            Err(_) => return step_failed(3),
        }
        // SAFETY: as above.
        if unsafe { raw::munlockall() }.is_err() {
            return step_failed(4);
        }
        match map().and_then(in_core) {
            Ok(false) => CHILD_OK,
            Ok(true) => step_failed(5),
            Err(_) => step_failed(6),
        }
    });
    assert_eq!(exit, ChildExit::Exited(CHILD_OK));
}

#[test]
fn mlockall_with_no_or_only_onfault_flags_is_einval() {
    // SAFETY: rejected before any effect.
    unsafe {
        assert_eq!(raw::mlockall(MlockAllFlags::empty()), Err(Errno::INVAL));
        assert_eq!(raw::mlockall(MlockAllFlags::ONFAULT), Err(Errno::INVAL));
    }
}

// ---------------------------------------------------------------------------------------
// mincore

#[test]
#[cfg_attr(
    all(qemu, target_arch = "sparc64"),
    ignore = "qemu-user 7.2 passes mincore to the host, which answers per 4 KiB host page where sparc64 has 8 KiB pages; asserted natively"
)]
fn mincore_tells_touched_from_untouched_pages() {
    let ps = page();
    let p = map_anon(2 * ps, rw());
    no_thp(p, 2 * ps);
    assert_eq!(resident(p, 2), [false, false]);
    // SAFETY: the second page is writable.
    unsafe { p.cast::<u8>().add(ps).write(1) };
    assert_eq!(resident(p, 2), [false, true]);
    unmap(p, 2 * ps);
}

#[test]
fn mincore_errors() {
    let ps = page();
    let p = map_anon(ps, rw());
    let ro = map_anon(ps, ProtFlags::READ);
    let mut v = [0u8; 1];
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: each call fails; the EFAULT one would write to `ro`, which the kernel refuses.
    unsafe {
        assert_eq!(
            raw::mincore(never_mapped(), ps, v.as_mut_ptr()),
            Err(Errno::NOMEM)
        );
        assert_eq!(
            raw::mincore(unaligned, 1, v.as_mut_ptr()),
            Err(Errno::INVAL)
        );
        assert_eq!(raw::mincore(p, ps, ro.cast()), Err(Errno::FAULT));
    }
    unmap(p, ps);
    unmap(ro, ps);
}

// ---------------------------------------------------------------------------------------
// ftruncate, statx, memfd_create

#[test]
fn ftruncate_sets_the_size_statx_reports() {
    let m = Memfd::new("ftruncate");
    assert_eq!(statx_size(m.fd), 0);
    // Not a multiple of anything, and above 4 GiB to catch a truncated register.
    let big = (5u64 << 30) + 12345;
    // SAFETY: the memfd is ours and unmapped.
    unsafe {
        raw::ftruncate(m.fd, big).expect("grow");
        assert_eq!(statx_size(m.fd), big);
        raw::ftruncate(m.fd, 3).expect("shrink");
    }
    assert_eq!(statx_size(m.fd), 3);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn ftruncate_errors() {
    let m = Memfd::with_flags(
        "ftruncate_err",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    );
    let ro = open(&m.proc_path(), OpenFlags::empty());
    m.set_len(page() as u64);
    // SAFETY: the descriptor is ours; sealing only restricts this memfd.
    let sealed = unsafe { libc::fcntl(m.fd, libc::F_ADD_SEALS, libc::F_SEAL_SHRINK) };
    assert_eq!(sealed, 0);
    // SAFETY: every call fails and changes nothing.
    unsafe {
        assert_eq!(raw::ftruncate(-1, 0), Err(Errno::BADF));
        assert_eq!(
            raw::ftruncate(ro, 0),
            Err(Errno::INVAL),
            "read-only descriptor"
        );
        assert_eq!(
            raw::ftruncate(m.fd, u64::MAX),
            Err(Errno::INVAL),
            "negative length"
        );
        assert_eq!(raw::ftruncate(m.fd, 0), Err(Errno::PERM), "F_SEAL_SHRINK");
    }
    assert_eq!(statx_size(m.fd), page() as u64);
    close(ro);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn statx_matches_std_metadata() {
    use std::os::unix::fs::MetadataExt;
    let path = std::env::temp_dir().join(unique_name("statx"));
    std::fs::write(&path, b"twelve bytes").unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    let mut st = Statx::default();
    // SAFETY: valid path and buffer.
    unsafe { raw::statx(raw::AT_FDCWD, &cpath, 0, raw::STATX_BASIC_STATS, &mut st) }
        .expect("statx");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(st.stx_size, 12);
    assert_eq!(st.stx_ino, meta.ino());
    assert_eq!(u32::from(st.stx_mode), meta.mode());
    assert_eq!(st.stx_uid, meta.uid());
    assert_eq!(st.stx_gid, meta.gid());
    assert_eq!(u64::from(st.stx_nlink), meta.nlink());
    assert_eq!(st.stx_mtime.tv_sec, meta.mtime());
    assert_eq!(i64::from(st.stx_mtime.tv_nsec), meta.mtime_nsec());
}

#[test]
fn statx_errors() {
    let mut st = Statx::default();
    let missing = CString::new(format!("/nonexistent-{}", unique_name("statx"))).unwrap();
    // SAFETY: valid strings and buffer; each call fails.
    unsafe {
        assert_eq!(
            raw::statx(raw::AT_FDCWD, &missing, 0, raw::STATX_SIZE, &mut st),
            Err(Errno::NOENT)
        );
        assert_eq!(
            raw::statx(-1, c"", raw::AT_EMPTY_PATH, raw::STATX_SIZE, &mut st),
            Err(Errno::BADF)
        );
        // Without AT_EMPTY_PATH an empty path names nothing.
        assert_eq!(
            raw::statx(raw::AT_FDCWD, c"", 0, raw::STATX_SIZE, &mut st),
            Err(Errno::NOENT)
        );
        // Bit 31 of the mask is reserved.
        assert_eq!(
            raw::statx(raw::AT_FDCWD, c"/", 0, 0x8000_0000, &mut st),
            Err(Errno::INVAL)
        );
    }
}

#[test]
fn memfd_create_names_the_file_and_honours_cloexec() {
    let m = Memfd::new("memfd_name");
    let link = std::fs::read_link(format!("/proc/self/fd/{}", m.fd)).unwrap();
    assert_eq!(
        link.to_str().unwrap(),
        format!("/memfd:{} (deleted)", m.name)
    );
    // SAFETY: F_GETFD only reads the descriptor flags.
    let fd_flags = unsafe { libc::fcntl(m.fd, libc::F_GETFD) };
    assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    let plain = Memfd::with_flags("memfd_plain", MemfdFlags::empty());
    // SAFETY: as above.
    let fd_flags = unsafe { libc::fcntl(plain.fd, libc::F_GETFD) };
    assert_eq!(fd_flags & libc::FD_CLOEXEC, 0);
    // ALLOW_SEALING decides whether seals can be added.
    // SAFETY: F_GET_SEALS only reads.
    let seals = unsafe { libc::fcntl(plain.fd, libc::F_GET_SEALS) };
    assert_eq!(seals, libc::F_SEAL_SEAL);
    let names = [m.name.clone(), plain.name.clone()];
    drop((m, plain));
    for n in &names {
        assert_no_leak(n);
    }
}

#[test]
fn memfd_create_errors() {
    let long = CString::new("x".repeat(300)).unwrap();
    // SAFETY: valid C strings; both calls fail, so no descriptor is created.
    unsafe {
        assert_eq!(
            raw::memfd_create(&long, MemfdFlags::empty()),
            Err(Errno::INVAL),
            "name too long"
        );
        assert_eq!(
            raw::memfd_create(c"rawmap-bad-flags", MemfdFlags::from_bits_retain(0x100)),
            Err(Errno::INVAL),
            "unknown flag"
        );
    }
}

// ---------------------------------------------------------------------------------------
// fcntl

#[test]
fn fcntl_adds_and_reports_seals() {
    use rawmap::sys::fcntl as fc;
    let m = Memfd::with_flags(
        "fcntl_seals",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    );
    m.set_len(page() as u64);
    let seals = fc::F_SEAL_SHRINK | fc::F_SEAL_GROW;
    // SAFETY: integer commands on our memfd; sealing only restricts it.
    unsafe {
        assert_eq!(raw::fcntl(m.fd, raw::F_GET_SEALS, 0), Ok(0));
        assert_eq!(raw::fcntl(m.fd, raw::F_ADD_SEALS, seals as usize), Ok(0));
        assert_eq!(raw::fcntl(m.fd, raw::F_GET_SEALS, 0), Ok(seals as usize));
        // The seals bite: the size is frozen both ways.
        assert_eq!(raw::ftruncate(m.fd, 2 * page() as u64), Err(Errno::PERM));
        assert_eq!(raw::ftruncate(m.fd, 0), Err(Errno::PERM));
        let fl = raw::fcntl(m.fd, fc::F_GETFL, 0).expect("F_GETFL");
        assert_eq!(fl as u32 & fc::O_ACCMODE, fc::O_RDWR);
    }
    assert_eq!(statx_size(m.fd), page() as u64);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

#[test]
fn fcntl_errors() {
    use rawmap::sys::fcntl as fc;
    let plain = Memfd::new("fcntl_plain");
    let sealable = Memfd::with_flags("fcntl_err", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING);
    // SAFETY: integer commands; each call fails and changes nothing.
    unsafe {
        assert_eq!(raw::fcntl(-1, fc::F_GETFL, 0), Err(Errno::BADF));
        // Without MFD_ALLOW_SEALING the memfd starts with F_SEAL_SEAL.
        let r = raw::fcntl(plain.fd, raw::F_ADD_SEALS, fc::F_SEAL_GROW as usize);
        assert_eq!(r, Err(Errno::PERM));
        // Unknown seal bits and unknown commands are rejected.
        assert_eq!(
            raw::fcntl(sealable.fd, raw::F_ADD_SEALS, 0x4000),
            Err(Errno::INVAL)
        );
        assert_eq!(raw::fcntl(sealable.fd, 0x7fff, 0), Err(Errno::INVAL));
        assert_eq!(raw::fcntl(sealable.fd, raw::F_GET_SEALS, 0), Ok(0));
    }
    let names = [plain.name.clone(), sealable.name.clone()];
    drop((plain, sealable));
    for n in &names {
        assert_no_leak(n);
    }
}

// ---------------------------------------------------------------------------------------
// openat, close, read, write

#[test]
fn openat_creates_writes_and_reads_back() {
    let dir = std::env::temp_dir();
    let name = unique_name("openat");
    let cname = CString::new(name.clone()).unwrap();
    let cdir = CString::new(dir.to_str().unwrap()).unwrap();
    let dirfd = open(&cdir, OpenFlags::DIRECTORY | OpenFlags::PATH);
    let create = OpenFlags::CREAT | OpenFlags::EXCL | OpenFlags::WRONLY | OpenFlags::CLOEXEC;
    // SAFETY: valid strings; the descriptor is closed below.
    let fd =
        unsafe { raw::openat(dirfd, &cname, create, 0o600) }.expect("create relative to dirfd");
    // SAFETY: the buffer is valid for its length.
    assert_eq!(unsafe { raw::write(fd, b"abc".as_ptr(), 3) }, Ok(3));
    close(fd);
    let path = dir.join(&name);
    assert_eq!(std::fs::read(&path).unwrap(), b"abc");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // SAFETY: valid strings; fails with no descriptor.
    let again = unsafe { raw::openat(dirfd, &cname, create, 0o600) };
    assert_eq!(again, Err(Errno::EXIST));
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    let fd = open(&cpath, OpenFlags::empty());
    let mut buf = [0u8; 8];
    // SAFETY: `buf` is valid for 8 bytes.
    assert_eq!(unsafe { raw::read(fd, buf.as_mut_ptr(), 8) }, Ok(3));
    // SAFETY: as above; at end of file read returns 0.
    assert_eq!(unsafe { raw::read(fd, buf.as_mut_ptr(), 8) }, Ok(0));
    assert_eq!(&buf[..3], b"abc");
    // SAFETY: valid string; O_DIRECTORY on a regular file fails with no descriptor.
    let r = unsafe { raw::openat(raw::AT_FDCWD, &cpath, OpenFlags::DIRECTORY, 0) };
    assert_eq!(r, Err(Errno::NOTDIR));
    close(fd);
    close(dirfd);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn openat_errors() {
    let missing = CString::new(format!("/nonexistent-{}", unique_name("openat"))).unwrap();
    // SAFETY: valid strings; every call fails, so no descriptor is created.
    unsafe {
        assert_eq!(
            raw::openat(raw::AT_FDCWD, &missing, OpenFlags::empty(), 0),
            Err(Errno::NOENT)
        );
        // A relative path needs a valid directory descriptor.
        assert_eq!(
            raw::openat(-1, c"relative", OpenFlags::empty(), 0),
            Err(Errno::BADF)
        );
    }
}

#[test]
fn close_of_minus_one_is_ebadf() {
    // SAFETY: -1 is never a descriptor.
    assert_eq!(unsafe { raw::close(-1) }, Err(Errno::BADF));
}

#[test]
fn close_releases_the_descriptor() {
    // In a child: after close, the number is free, and no other thread can reuse it
    // before the second close looks.
    let name = CString::new(unique_name("close")).unwrap();
    let exit = run_in_child(|| {
        // SAFETY: raw syscalls on a descriptor the child owns.
        unsafe {
            let Ok(fd) = raw::memfd_create(&name, MemfdFlags::empty()) else {
                return step_failed(1);
            };
            if raw::close(fd).is_err() {
                return step_failed(2);
            }
            err_code(raw::close(fd))
        }
    });
    assert_eq!(exit, ChildExit::errno(Errno::BADF));
}

#[test]
fn read_and_write_through_a_pipe() {
    let (r, w) = pipe();
    let mut buf = [0u8; 16];
    // SAFETY: buffers are valid for the lengths given.
    unsafe {
        assert_eq!(raw::write(w, b"ping".as_ptr(), 4), Ok(4));
        assert_eq!(raw::read(r, buf.as_mut_ptr(), buf.len()), Ok(4));
    }
    assert_eq!(&buf[..4], b"ping");
    close(w);
    // SAFETY: as above; with the write end closed and the pipe empty, read says EOF.
    assert_eq!(unsafe { raw::read(r, buf.as_mut_ptr(), buf.len()) }, Ok(0));
    close(r);
}

#[test]
fn read_and_write_errors() {
    let (r, w) = pipe();
    let ro = map_anon(page(), ProtFlags::READ);
    let mut buf = [0u8; 4];
    // SAFETY: every call fails before the kernel copies anything: wrong end of the pipe,
    // a destination it may not write, a source that is not mapped.
    unsafe {
        assert_eq!(raw::read(w, buf.as_mut_ptr(), 4), Err(Errno::BADF));
        assert_eq!(raw::write(r, b"x".as_ptr(), 1), Err(Errno::BADF));
        assert_eq!(raw::write(w, never_mapped().cast(), 4), Err(Errno::FAULT));
        assert_eq!(raw::write(w, b"data".as_ptr(), 4), Ok(4));
        assert_eq!(raw::read(r, ro.cast(), 4), Err(Errno::FAULT));
        assert_eq!(raw::read(-1, buf.as_mut_ptr(), 4), Err(Errno::BADF));
    }
    unmap(ro, page());
    close(r);
    close(w);
}

// ---------------------------------------------------------------------------------------
// process_madvise

/// `pidfd_open(pid, 0)` through libc's generic `syscall`.
fn pidfd_open(pid: libc::pid_t) -> raw::RawFd {
    // SAFETY: pidfd_open takes two integers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    assert!(fd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    fd as raw::RawFd
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns ENOSYS for process_madvise; asserted natively"
)]
fn process_madvise_advises_every_range() {
    // MADV_COLD has no effect a test can observe; an effect check with PAGEOUT on clean
    // file pages was tried and left the pages resident in 2 of 80 runs under parallel
    // load. The byte count shows both ranges of the vector reached the kernel.
    let ps = page();
    let a = map_anon(ps, rw());
    let b = map_anon(2 * ps, rw());
    let pidfd = pidfd_open(std::process::id() as libc::pid_t);
    let iov = [
        IoVec { base: a, len: ps },
        IoVec {
            base: b,
            len: 2 * ps,
        },
    ];
    // SAFETY: `iov` holds two valid ranges of ours; COLD does not change contents.
    let r = unsafe { raw::process_madvise(pidfd, iov.as_ptr(), 2, mman::MADV_COLD, 0) };
    assert_eq!(r, Ok(3 * ps), "returns the bytes advised");
    // SAFETY: as above; flags must be 0.
    let r = unsafe { raw::process_madvise(pidfd, iov.as_ptr(), 2, mman::MADV_COLD, 1) };
    assert_eq!(r, Err(Errno::INVAL));
    close(pidfd);
    unmap(a, ps);
    unmap(b, 2 * ps);
}

#[test]
#[cfg_attr(
    qemu,
    ignore = "qemu-user returns ENOSYS for process_madvise; asserted natively"
)]
fn process_madvise_with_a_bad_pidfd() {
    let ps = page();
    let a = map_anon(ps, rw());
    let iov = [IoVec { base: a, len: ps }];
    let advise = |fd| {
        // SAFETY: `iov` is valid; COLD does not change contents.
        unsafe { raw::process_madvise(fd, iov.as_ptr(), 1, mman::MADV_COLD, 0) }
    };
    assert_eq!(advise(-1), Err(Errno::BADF));
    let m = Memfd::new("process_madvise");
    assert_eq!(advise(m.fd), Err(Errno::BADF), "not a pidfd");
    // A pidfd whose process has exited and been reaped.
    let child = fork_exiting_child();
    let pidfd = pidfd_open(child);
    let mut status = 0;
    // SAFETY: reaps the child created above.
    assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
    assert_eq!(advise(pidfd), Err(Errno::SRCH));
    close(pidfd);
    unmap(a, ps);
    let name = m.name.clone();
    drop(m);
    assert_no_leak(&name);
}

/// Forks a child that exits at once, without reaping it (it stays a zombie, so a pidfd
/// can still be opened for it).
fn fork_exiting_child() -> libc::pid_t {
    // SAFETY: the child only calls _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: async-signal-safe.
        unsafe { libc::_exit(0) }
    }
    pid
}

// ---------------------------------------------------------------------------------------
// mseal

#[test]
#[cfg_attr(qemu, ignore = "qemu-user returns ENOSYS for mseal; asserted natively")]
fn mseal_forbids_unmap_protect_and_remap() {
    // A sealed range lives as long as the process: seal only in a child.
    let ps = page();
    let exit = run_in_child(|| {
        // SAFETY: raw syscalls on a mapping the child creates and never frees.
        unsafe {
            let Ok(p) = raw::mmap(
                ptr::null_mut(),
                2 * ps,
                rw(),
                MapType::Private,
                MapFlags::ANONYMOUS,
                -1,
                0,
            ) else {
                return step_failed(1);
            };
            if raw::mseal(p, 2 * ps, 0).is_err() {
                return step_failed(2);
            }
            if raw::mprotect(p, ps, ProtFlags::READ) != Err(Errno::PERM) {
                return step_failed(3);
            }
            if raw::mremap(p, 2 * ps, 4 * ps, RemapFlags::MAYMOVE, ptr::null_mut())
                != Err(Errno::PERM)
            {
                return step_failed(4);
            }
            // Still writable: the seal froze the mapping, not the data.
            p.cast::<u8>().write(1);
            err_code(raw::munmap(p, ps))
        }
    });
    assert_eq!(exit, ChildExit::errno(Errno::PERM));
}

#[test]
#[cfg_attr(qemu, ignore = "qemu-user returns ENOSYS for mseal; asserted natively")]
fn mseal_errors_leave_the_range_unsealed() {
    let ps = page();
    let p = map_anon(ps, rw());
    let unaligned = p.cast::<u8>().wrapping_add(1).cast::<c_void>();
    // SAFETY: each call fails before sealing anything.
    unsafe {
        assert_eq!(raw::mseal(p, ps, 1), Err(Errno::INVAL), "flags must be 0");
        assert_eq!(raw::mseal(unaligned, ps, 0), Err(Errno::INVAL));
        assert_eq!(raw::mseal(never_mapped(), ps, 0), Err(Errno::NOMEM));
    }
    // Not sealed: unmapping works.
    unmap(p, ps);
}

// ---------------------------------------------------------------------------------------
// exit_group

#[test]
fn exit_group_ends_the_process_with_the_status() {
    let exit = run_in_child(|| raw::exit_group(42));
    assert_eq!(exit, ChildExit::Exited(42));
}

// ---------------------------------------------------------------------------------------
// Errno

#[test]
fn errno_known_value() {
    let e = Errno::INVAL;
    assert_eq!(e.raw() as i32, libc::EINVAL);
    assert_eq!(e.name(), Some("EINVAL"));
    assert_eq!(e.message(), Some("Invalid argument"));
    assert_eq!(e.to_string(), "EINVAL: Invalid argument");
    assert_eq!(format!("{e:?}"), "Errno(EINVAL)");
    assert_eq!(Errno::new(e.raw()), Some(e));
    assert_eq!(Errno::new(0), None);
    assert_eq!(Errno::TOOBIG.name(), Some("E2BIG"));
}

#[test]
fn errno_unknown_value() {
    let e = Errno::new(4000).unwrap();
    assert_eq!(e.raw(), 4000);
    assert_eq!(e.name(), None);
    assert_eq!(e.message(), None);
    assert_eq!(e.to_string(), "errno 4000");
    assert_eq!(format!("{e:?}"), "Errno(4000)");
}

#[test]
#[cfg(feature = "std")]
fn errno_into_io_error_keeps_the_code() {
    let io: std::io::Error = Errno::NOENT.into();
    assert_eq!(io.raw_os_error(), Some(libc::ENOENT));
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    let io: std::io::Error = Errno::new(4000).unwrap().into();
    assert_eq!(io.raw_os_error(), Some(4000));
    let err: Box<dyn std::error::Error> = Box::new(Errno::ACCES);
    assert_eq!(err.to_string(), "EACCES: Permission denied");
}

/// `rt_sigaction` and `KernelSigaction` have the kernel's layout on this arch (flags
/// first and 32 bits wide on mips; the restorer as an argument on sparc64): the action
/// libc installs reads back field by field, one set through `rawmap` reads back through
/// libc, and SIGKILL's action cannot be changed (EINVAL). In a child: it changes
/// SIGQUIT's action. (Signals whose numbers are the same on every arch: libc 0.2.191
/// has mips64's wrong.)
#[test]
fn rt_sigaction_agrees_with_libc() {
    extern "C" fn on_quit(_sig: i32) {}
    let sig = libc::SIGQUIT;
    let bit = |s: i32| (s as usize - 1) / usize::BITS as usize;
    let has = |set: &raw::SigSet, s: i32| {
        set[bit(s)] & 1 << ((s as usize - 1) % usize::BITS as usize) != 0
    };
    let wanted = (libc::SA_RESTART | libc::SA_NODEFER) as usize;
    let exit = run_in_child(|| {
        // SAFETY: a zeroed sigaction is valid; the handler does nothing, and SIGQUIT is
        // not raised.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_quit as extern "C" fn(i32) as libc::sighandler_t;
            sa.sa_flags = wanted as i32;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaddset(&mut sa.sa_mask, libc::SIGHUP);
            if common::sigaction(sig, &sa, ptr::null_mut()) != 0 {
                return step_failed(1);
            }
        }
        let mut k = raw::KernelSigaction::default();
        // SAFETY: reads the action only.
        if unsafe { raw::rt_sigaction(sig as u32, ptr::null(), &mut k) }.is_err() {
            return step_failed(2);
        }
        if k.handler != on_quit as extern "C" fn(i32) as usize {
            return step_failed(3);
        }
        #[allow(clippy::unnecessary_cast)] // SigFlags is a u32 on mips
        if k.flags as usize & wanted != wanted {
            return step_failed(4);
        }
        if !has(&k.mask, libc::SIGHUP) || has(&k.mask, libc::SIGTERM) {
            return step_failed(5);
        }
        // Set through rawmap (ignored: no handler, so no restorer is needed), read back
        // through libc.
        let ign = raw::KernelSigaction {
            handler: libc::SIG_IGN,
            ..k
        };
        // SAFETY: SIG_IGN for SIGQUIT in this child.
        if unsafe { raw::rt_sigaction(sig as u32, &ign, ptr::null_mut()) }.is_err() {
            return step_failed(6);
        }
        // SAFETY: reads the action into a zeroed sigaction.
        let back = unsafe {
            let mut back: libc::sigaction = std::mem::zeroed();
            common::sigaction(sig, ptr::null(), &mut back);
            back
        };
        if back.sa_sigaction != libc::SIG_IGN || back.sa_flags as usize & wanted != wanted {
            return step_failed(7);
        }
        // SAFETY: reads a valid sigset.
        if unsafe { libc::sigismember(&back.sa_mask, libc::SIGHUP) } != 1 {
            return step_failed(8);
        }
        // SAFETY: the kernel refuses to change SIGKILL's action.
        err_code(unsafe { raw::rt_sigaction(libc::SIGKILL as u32, &ign, ptr::null_mut()) })
    });
    assert_eq!(exit, ChildExit::errno(Errno::INVAL));
}
