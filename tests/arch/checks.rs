//! The per-architecture ABI checks: offsets through mmap2's unit or s390x's argument
//! block, 64-bit lengths through register pairs, the arch's own error convention and
//! errno numbers, the arch's constants. Written against `core` and rawmap alone, so the
//! same code runs as `#[test]`s (tests/arch.rs) and in a `no_std` static binary
//! (examples/nostd-cat/src/bin/arch-checks.rs) on targets where std cannot be linked.
//!
//! Each check returns `Err(Failure)` naming what went wrong; [`ALL`] lists them.

use core::ffi::c_void;
use core::fmt;
use core::ptr;

use rawmap::{
    AccessError, Errno, FaultCause, File, MapFlags, MapOptions, MapType, MemfdFlags, ProtFlags,
    SealFlags, fault, page_size, raw, sys,
};

/// What a failed check reports: the step, where, and the values involved.
#[derive(Debug)]
pub struct Failure {
    what: &'static str,
    line: u32,
    got: Option<u64>,
    want: Option<u64>,
    errno: Option<Errno>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (tests/arch/checks.rs:{})", self.what, self.line)?;
        if let Some(e) = self.errno {
            write!(f, ": {e:?}")?;
        }
        if let (Some(g), Some(w)) = (self.got, self.want) {
            write!(f, ": got {g:#x}, want {w:#x}")?;
        }
        Ok(())
    }
}

/// The result of one check.
pub type Outcome = Result<(), Failure>;

/// Fails the check with `$what` unless `$cond`.
macro_rules! ensure {
    ($cond:expr, $what:literal) => {
        if !$cond {
            return Err(Failure {
                what: $what,
                line: line!(),
                got: None,
                want: None,
                errno: None,
            });
        }
    };
}

/// Fails the check with `$what` and both values unless they are equal.
macro_rules! ensure_eq {
    ($got:expr, $want:expr, $what:literal) => {{
        let (got, want) = ($got, $want);
        if got != want {
            return Err(Failure {
                what: $what,
                line: line!(),
                got: Some(got as u64),
                want: Some(want as u64),
                errno: None,
            });
        }
    }};
}

/// Fails the check with `$what` unless `$result` is exactly `Err($errno)`.
macro_rules! ensure_err {
    ($result:expr, $errno:expr, $what:literal) => {
        match $result {
            Err(e) if e == $errno => {}
            Err(e) => {
                return Err(Failure {
                    what: $what,
                    line: line!(),
                    got: Some(u64::from(e.raw())),
                    want: Some(u64::from($errno.raw())),
                    errno: Some(e.into()),
                });
            }
            Ok(_) => {
                return Err(Failure {
                    what: concat!($what, ": succeeded"),
                    line: line!(),
                    got: None,
                    want: None,
                    errno: None,
                });
            }
        }
    };
}

/// The value of `$result`, or a failure of the check with `$what` and the errno.
macro_rules! ok {
    ($result:expr, $what:literal) => {
        match $result {
            Ok(v) => v,
            Err(e) => {
                return Err(Failure {
                    what: $what,
                    line: line!(),
                    got: None,
                    want: None,
                    errno: Some(e.into()),
                });
            }
        }
    };
}

/// Why a check cannot pass under qemu-user 7.2 for a 32-bit guest (it runs natively on
/// i686, where the kernel itself answers).
pub const QEMU_32BIT_OFFSETS: &str = "qemu-user 7.2 keeps a 32-bit guest's mmap offset in 32 bits (target_mmap takes an abi_ulong), so offsets from 4 GiB wrap; asserted natively (i686)";

/// Every check: its name, the check, and the reason it is skipped under qemu-user for a
/// 32-bit guest, if it is. In the order the `no_std` runner runs them.
#[allow(clippy::type_complexity)]
pub const ALL: &[(&str, fn() -> Outcome, Option<&str>)] = &[
    ("constants_are_this_arch_s", constants_are_this_arch_s, None),
    (
        "unknown_syscall_is_this_arch_s_enosys",
        unknown_syscall_is_this_arch_s_enosys,
        None,
    ),
    (
        "failed_calls_decode_through_this_arch_s_convention",
        failed_calls_decode_through_this_arch_s_convention,
        None,
    ),
    (
        "offset_mapping_reads_back_through_a_second_mapping",
        offset_mapping_reads_back_through_a_second_mapping,
        None,
    ),
    (
        "unaligned_offsets_are_einval_never_truncated",
        unaligned_offsets_are_einval_never_truncated,
        None,
    ),
    (
        "offset_above_4_gib_reads_back_through_a_second_mapping",
        offset_above_4_gib_reads_back_through_a_second_mapping,
        Some(QEMU_32BIT_OFFSETS),
    ),
    (
        "ftruncate_above_4_gib_reads_back_with_statx",
        ftruncate_above_4_gib_reads_back_with_statx,
        None,
    ),
    (
        "fcntl_adds_and_reads_seals",
        fcntl_adds_and_reads_seals,
        None,
    ),
    (
        "mapping_lengths_near_the_isize_limit",
        mapping_lengths_near_the_isize_limit,
        None,
    ),
    (
        "read_at_and_write_at_across_a_truncated_end_fault_exactly",
        read_at_and_write_at_across_a_truncated_end_fault_exactly,
        None,
    ),
];

/// 4 GiB: the first offset a 32-bit register cannot hold.
const FOUR_GIB: u64 = 1 << 32;

/// A new memfd of `len` bytes (sparse: nothing is allocated until written).
fn memfd(len: u64) -> Result<File, Failure> {
    let f = ok!(
        File::memfd(
            c"rawmap-arch-check",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING
        ),
        "memfd_create"
    );
    ok!(f.set_len(len), "ftruncate of the new memfd");
    Ok(f)
}

/// `len` bytes of `fd` mapped shared at `offset`, through the raw layer.
fn map_at(fd: raw::RawFd, len: usize, prot: ProtFlags, offset: u64) -> rawmap::Result<*mut u8> {
    // SAFETY: a new mapping at an address the kernel picks; every caller unmaps it.
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
    .map(<*mut c_void>::cast)
}

/// Unmaps a mapping a check made.
fn unmap(p: *mut u8, len: usize) -> Outcome {
    // SAFETY: `p` is a mapping of `len` bytes the calling check made and no longer uses.
    let r = unsafe { raw::munmap(p.cast(), len) };
    ok!(r, "munmap");
    Ok(())
}

/// The size `statx` reports for `fd`.
fn statx_size(fd: raw::RawFd) -> Result<u64, Failure> {
    let mut st = raw::Statx::default();
    // SAFETY: `st` is a valid buffer; an empty path with AT_EMPTY_PATH names `fd`.
    let r = unsafe { raw::statx(fd, c"", raw::AT_EMPTY_PATH, raw::STATX_SIZE, &mut st) };
    ok!(r, "statx");
    ensure!(st.stx_mask & raw::STATX_SIZE != 0, "statx filled stx_size");
    Ok(st.stx_size)
}

/// A byte that tells 4096-byte blocks apart: block `k` of the test files starts with it.
fn marker(k: u64) -> u8 {
    (k % 251) as u8 + 1
}

/// The arch's values (linux-abi.md section 3) of constants that differ between arches,
/// as build.rs compiled them in for this target: a wrong override directory in
/// `arch_abi()` shows here on the target itself.
pub fn constants_are_this_arch_s() -> Outcome {
    use sys::{errno, fcntl, mman};
    let mips = cfg!(any(target_arch = "mips", target_arch = "mips64"));
    let sparc = cfg!(target_arch = "sparc64");
    let powerpc = cfg!(any(target_arch = "powerpc", target_arch = "powerpc64"));
    let (enosys, eopnotsupp, eoverflow) = match () {
        _ if mips => (89, 122, 79),
        _ if sparc => (90, 45, 92),
        _ => (38, 95, 75),
    };
    ensure_eq!(errno::ENOSYS, enosys, "ENOSYS");
    ensure_eq!(errno::EOPNOTSUPP, eopnotsupp, "EOPNOTSUPP");
    ensure_eq!(errno::EOVERFLOW, eoverflow, "EOVERFLOW");
    ensure_eq!(Errno::NOSYS.raw(), enosys, "Errno::NOSYS");
    let (anonymous, noreserve, locked) = match () {
        _ if mips => (0x800, 0x400, 0x8000),
        _ if sparc => (0x20, 0x40, 0x100),
        _ if powerpc => (0x20, 0x40, 0x80),
        _ => (0x20, 0x4000, 0x2000),
    };
    ensure_eq!(mman::MAP_ANONYMOUS, anonymous, "MAP_ANONYMOUS");
    ensure_eq!(MapFlags::ANONYMOUS.bits(), anonymous, "MapFlags::ANONYMOUS");
    ensure_eq!(mman::MAP_NORESERVE, noreserve, "MAP_NORESERVE");
    ensure_eq!(mman::MAP_LOCKED, locked, "MAP_LOCKED");
    let mcl_current = if powerpc || sparc { 0x2000 } else { 1 };
    ensure_eq!(mman::MCL_CURRENT, mcl_current, "MCL_CURRENT");
    let o_largefile = match () {
        _ if mips => 0x2000,
        _ if sparc => 0x40000,
        _ if powerpc => 0x10000,
        _ if cfg!(any(target_arch = "arm", target_arch = "aarch64")) => 0x20000,
        _ => 0x8000,
    };
    ensure_eq!(fcntl::O_LARGEFILE, o_largefile, "O_LARGEFILE");
    let o_creat = match () {
        _ if mips => 0x100,
        _ if sparc => 0x200,
        _ => 0x40,
    };
    ensure_eq!(fcntl::O_CREAT, o_creat, "O_CREAT");
    Ok(())
}

/// A number no kernel assigns comes back as this arch's ENOSYS, through its error
/// convention (a3 on mips, cr0.SO on powerpc, carry on sparc64, -errno elsewhere).
pub fn unknown_syscall_is_this_arch_s_enosys() -> Outcome {
    // 500 above the newest call the crate knows: unassigned on every table.
    let unknown = sys::nr::MSEAL + 500;
    // SAFETY: the kernel rejects the number before looking at any argument.
    let r = unsafe { raw::__syscall6(unknown, [1, 2, 3, 4, 5, 6]) };
    ensure_err!(r, Errno::NOSYS, "syscall MSEAL + 500");
    Ok(())
}

/// Real failures of one-, two-, three- and six-argument calls decode to the errno the
/// kernel gives, and successes with large values are not taken for errors.
pub fn failed_calls_decode_through_this_arch_s_convention() -> Outcome {
    // SAFETY: each call fails without effect (bad descriptor, unaligned address).
    unsafe {
        ensure_err!(raw::close(-1), Errno::BADF, "close(-1)");
        ensure_err!(
            raw::munmap(ptr::without_provenance_mut(page_size() + 1), 1),
            Errno::INVAL,
            "munmap of an unaligned address"
        );
        ensure_err!(
            raw::fcntl(-1, raw::F_GET_SEALS, 0),
            Errno::BADF,
            "fcntl(-1)"
        );
    }
    ensure_err!(
        map_at(-1, 4096, ProtFlags::READ, 0),
        Errno::BADF,
        "mmap of fd -1 without MAP_ANONYMOUS"
    );
    // A length whose high half is 0 and low half has the top bit set: on 32-bit ABIs
    // one register of the pair is "negative", the other zero.
    let f = memfd(0)?;
    let big = u64::from(u32::MAX) - 4095;
    ok!(f.set_len(big), "set_len(4 GiB - 4 KiB)");
    ensure_eq!(ok!(f.len(), "File::len"), big, "File::len");
    // A mapping above 2 GiB: its address is "negative" as a 32-bit register and must
    // still decode as a success. 32-bit kernels other than mips o32 (whose user space
    // ends at 2 GiB) give a free address that is asked for; 64-bit ones always do. A
    // hint is only a hint: another test thread may hold that address, so several are
    // tried, and any address above 2 GiB will do.
    #[cfg(not(target_arch = "mips"))]
    {
        let len = page_size();
        let mut above = false;
        for hint in [
            0xb000_0000usize,
            0x9000_0000,
            0xd000_0000,
            0xa000_0000,
            0xc000_0000,
        ] {
            // SAFETY: without MAP_FIXED the hint replaces nothing; unmapped below.
            let r = unsafe {
                raw::mmap(
                    ptr::without_provenance_mut(hint),
                    len,
                    ProtFlags::READ,
                    MapType::Private,
                    MapFlags::ANONYMOUS,
                    -1,
                    0,
                )
            };
            let p = ok!(r, "mmap with a hint above 2 GiB");
            // SAFETY: `p` is a fresh readable anonymous page: a wrongly decoded address
            // would fault here instead of reading its zero.
            let byte = unsafe { p.cast::<u8>().read_volatile() };
            unmap(p.cast(), len)?;
            ensure_eq!(byte, 0, "first byte of a fresh anonymous page");
            if p.addr() >= 0x8000_0000 {
                above = true;
                break;
            }
        }
        ensure!(
            above,
            "one of five mmap hints above 2 GiB gave an address above 2 GiB"
        );
    }
    Ok(())
}

/// Blocks of a file mapped at each multiple of 4096 that is a multiple of the page size
/// show that block, read back through a second mapping; multiples of 4096 that are not
/// page multiples (16K and 64K page kernels) are refused by the kernel with `EINVAL`.
/// A wrong mmap2 unit would show another block (or fault past the end).
pub fn offset_mapping_reads_back_through_a_second_mapping() -> Outcome {
    let ps = page_size();
    let blocks = (4 * ps / 4096).max(8) as u64;
    let size = blocks * 4096;
    let f = memfd(size)?;
    // SAFETY: the memfd is this check's own; nothing else maps or truncates it.
    let r = unsafe { MapOptions::new().len(size as usize).map_mut(&f) };
    let mut whole = ok!(r, "map the whole file");
    for k in 0..blocks {
        ok!(
            whole.write_at((k * 4096) as usize, &[marker(k)]),
            "write a block marker"
        );
    }
    use rawmap::fd::AsRawFd;
    let fd = f.as_raw_fd();
    for k in 1..blocks {
        let off = k * 4096;
        let r = map_at(fd, 4096, ProtFlags::READ, off);
        if off % ps as u64 == 0 {
            let p = ok!(r, "map a block at a page-multiple offset");
            // SAFETY: `p` is one readable page of the memfd.
            let got = unsafe { p.read() };
            unmap(p, 4096)?;
            ensure_eq!(got, marker(k), "marker of the block mapped at k * 4096");
        } else {
            ensure_err!(r, Errno::INVAL, "map at a 4096 multiple that is not a page");
        }
    }
    // Through Mapping, at an offset inside a page: the crate maps the page and hides
    // the prefix.
    let k = blocks - 1;
    // SAFETY: as above.
    let r = unsafe { MapOptions::new().offset(k * 4096).len(1).map(&f) };
    let m = ok!(r, "Mapping at the last block");
    let mut b = [0u8];
    ok!(m.read_at(0, &mut b), "read_at");
    ensure_eq!(b[0], marker(k), "Mapping at the last block");
    drop(whole);
    Ok(())
}

/// An offset that is not a multiple of 4096 fails with `EINVAL`; it is never rounded
/// or cut to a unit (on mmap2 targets the crate refuses it before the call).
pub fn unaligned_offsets_are_einval_never_truncated() -> Outcome {
    let f = memfd(4 * 65536)?;
    use rawmap::fd::AsRawFd;
    for off in [1, 512, 2048, 4095, 4097, 65536 + 4096 + 1, FOUR_GIB + 1] {
        let r = map_at(f.as_raw_fd(), 4096, ProtFlags::READ, off);
        ensure_err!(
            r,
            Errno::INVAL,
            "mmap at an offset that is not a multiple of 4096"
        );
    }
    // An offset mmap2 cannot express at all (16 TiB, 2^32 units of 4096) is refused
    // before the call; 64-bit kernels accept a mapping there past the end of the file.
    // (Every 32-bit ABI takes mmap2; the target cfg, not rawmap's own, so the check
    // does not lean on the crate under test.)
    #[cfg(target_pointer_width = "32")]
    {
        let r = map_at(f.as_raw_fd(), 4096, ProtFlags::READ, 1 << 44);
        ensure_err!(r, Errno::OVERFLOW, "mmap2 at 16 TiB");
    }
    Ok(())
}

/// A block above 4 GiB of a sparse file, written through one mapping, reads back
/// through a second one at the same offset and not at the offset cut to 32 bits;
/// `Mapping` reaches it with an unaligned offset too.
pub fn offset_above_4_gib_reads_back_through_a_second_mapping() -> Outcome {
    let ps = page_size();
    let far = FOUR_GIB + ps as u64;
    let f = memfd(far + 2 * ps as u64)?;
    use rawmap::fd::AsRawFd;
    let fd = f.as_raw_fd();
    let rw = ProtFlags::READ | ProtFlags::WRITE;
    let writer = ok!(map_at(fd, ps, rw, far), "map at 4 GiB + 1 page");
    // SAFETY: `writer` is one writable page of the memfd.
    unsafe {
        writer.write(0xa5);
        writer.add(3).write(0x5a);
    }
    let reader = ok!(map_at(fd, ps, ProtFlags::READ, far), "map it again");
    let low = ok!(
        map_at(fd, ps, ProtFlags::READ, far - FOUR_GIB),
        "map the offset cut to 32 bits"
    );
    // SAFETY: both are one readable page of the memfd.
    let (again, truncated) = unsafe { (reader.read(), low.read()) };
    unmap(writer, ps)?;
    unmap(reader, ps)?;
    unmap(low, ps)?;
    ensure_eq!(
        again,
        0xa5,
        "the byte at 4 GiB + 1 page, through a second mapping"
    );
    ensure_eq!(
        truncated,
        0,
        "the byte at 1 page (the offset cut to 32 bits)"
    );
    // SAFETY: the memfd is this check's own.
    let r = unsafe { MapOptions::new().offset(far + 3).len(1).map(&f) };
    let m = ok!(r, "Mapping at 4 GiB + 1 page + 3");
    let mut b = [0u8];
    ok!(m.read_at(0, &mut b), "read_at");
    ensure_eq!(b[0], 0x5a, "Mapping at 4 GiB + 1 page + 3");
    Ok(())
}

/// `ftruncate` to 8 GiB + 1 reads back exactly with `statx`. On 32-bit ABIs the length
/// travels as two registers (after a padding register on arm, mips o32 and ppc32), so
/// two negative controls call ftruncate64 directly with the halves swapped and, where
/// the ABI pads, without the padding: each gives another size, so the exact read-back
/// would catch either mistake in `raw::ftruncate`.
pub fn ftruncate_above_4_gib_reads_back_with_statx() -> Outcome {
    const LEN: u64 = (2 << 32) | 1;
    let f = memfd(0)?;
    use rawmap::fd::AsRawFd;
    let fd = f.as_raw_fd();
    ok!(f.set_len(LEN), "set_len(8 GiB + 1)");
    ensure_eq!(
        statx_size(fd)?,
        LEN,
        "statx size after ftruncate(8 GiB + 1)"
    );
    ensure_eq!(ok!(f.len(), "File::len"), LEN, "File::len");
    #[cfg(target_pointer_width = "32")]
    {
        let (hi, lo) = ((LEN >> 32) as usize, LEN as u32 as usize);
        // Memory order is what the kernel expects; the opposite order is wrong.
        let swapped = if cfg!(target_endian = "little") {
            [hi, lo]
        } else {
            [lo, hi]
        };
        // The ABIs that start a 64-bit pair at an even register (linux-abi.md 2.3).
        let pads = cfg!(any(
            target_arch = "arm",
            target_arch = "mips",
            target_arch = "powerpc"
        ));
        let pad: &[usize] = if pads { &[0] } else { &[] };
        let mut args = [0usize; 6];
        args[0] = fd as usize;
        args[1..1 + pad.len()].copy_from_slice(pad);
        args[1 + pad.len()..3 + pad.len()].copy_from_slice(&swapped);
        // SAFETY: ftruncate64 of our own memfd; only its size changes.
        let r = unsafe { raw::__syscall6(sys::nr::FTRUNCATE64, args) };
        ok!(r, "ftruncate64 with swapped halves");
        // The two 32-bit halves exchanged.
        let want = LEN.rotate_right(32);
        ensure_eq!(statx_size(fd)?, want, "size after swapped halves");
        if pads {
            // The right halves in the right order, but starting at the odd register.
            let ordered = if cfg!(target_endian = "little") {
                [lo, hi]
            } else {
                [hi, lo]
            };
            let args = [fd as usize, ordered[0], ordered[1], 0, 0, 0];
            // SAFETY: as above.
            let r = unsafe { raw::__syscall6(sys::nr::FTRUNCATE64, args) };
            let size = statx_size(fd)?;
            ensure!(r.is_err() || size != LEN, "ftruncate64 without the pad");
        }
        ok!(f.set_len(LEN), "set_len(8 GiB + 1) again");
        ensure_eq!(
            statx_size(fd)?,
            LEN,
            "statx size after ftruncate(8 GiB + 1)"
        );
    }
    Ok(())
}

/// fcntl (fcntl64 on 32-bit ABIs) sets seals the kernel then enforces.
pub fn fcntl_adds_and_reads_seals() -> Outcome {
    let f = memfd(8192)?;
    ensure_eq!(
        ok!(f.seals(), "seals of a new memfd").bits(),
        0,
        "seals of a new memfd"
    );
    ok!(f.add_seals(SealFlags::SHRINK), "add_seals(SHRINK)");
    ensure!(
        ok!(f.seals(), "seals").contains(SealFlags::SHRINK),
        "SHRINK is set"
    );
    ensure_err!(
        f.set_len(4096),
        Errno::PERM,
        "shrinking a SHRINK-sealed memfd"
    );
    Ok(())
}

/// `Mapping` refuses lengths above `isize::MAX` (a slice cannot be longer) with
/// `ENOMEM` before the call, even where the kernel could map them (a 32-bit process
/// can have 3-4 GiB of address space); on 32-bit targets a mapping of 1.5 GiB, most of
/// the signed range, works end to end (512 MiB on mips o32, whose whole user address
/// space is 2 GiB and where qemu-mips puts the stack at 1 GiB, leaving no larger hole).
pub fn mapping_lengths_near_the_isize_limit() -> Outcome {
    let over = isize::MAX as usize + 1;
    ensure_err!(
        MapOptions::new().len(over).map_anonymous(),
        Errno::NOMEM,
        "Mapping of isize::MAX + 1 bytes"
    );
    #[cfg(target_pointer_width = "32")]
    {
        let len = if cfg!(target_arch = "mips") {
            1 << 29
        } else {
            3 << 29
        };
        let mut m = ok!(
            MapOptions::new().len(len).no_reserve().map_anonymous(),
            "Mapping of 1.5 GiB (512 MiB on mips)"
        );
        ensure_eq!(m.len(), len, "length of the big Mapping");
        ok!(m.write_at(len - 1, &[7]), "write the last byte");
        let mut b = [0u8];
        ok!(m.read_at(len - 1, &mut b), "read the last byte");
        ensure_eq!(b[0], 7, "the last byte");
        ensure_err!(
            m.read_at(len, &mut b).map_err(Errno::from),
            Errno::INVAL,
            "read_at one past the end"
        );
    }
    Ok(())
}

/// The architectures with a fault-safe copy routine (`src/linux/fault/<arch>.rs`), named
/// from the target rather than asked of the crate, so that a routine missing from a
/// build fails the check below instead of switching it to the other branch.
const FAULT_SAFE_COPY: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64",
    target_arch = "riscv32",
    target_arch = "loongarch64",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "s390x",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc64",
));

/// The byte at offset `i` of the test file: neighbours differ, and so do pages.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(131) ^ (i >> 12)) as u8
}

/// Fails unless `got` is a fault on a missing page after exactly `copied` bytes, at
/// offset `offset` of the mapping.
fn expect_fault(got: Result<(), AccessError>, copied: usize, offset: usize) -> Outcome {
    match got {
        Err(AccessError::Fault(f)) => {
            ensure_eq!(f.copied(), copied, "bytes copied before the fault");
            ensure_eq!(f.offset(), offset, "offset of the fault");
            ensure!(
                f.cause() == FaultCause::AddressError,
                "the fault's cause is BUS_ADRERR"
            );
            Ok(())
        }
        Err(e) => Err(Failure {
            what: "expected a fault, got another error",
            line: line!(),
            got: None,
            want: None,
            errno: Some(e.into()),
        }),
        Ok(()) => Err(Failure {
            what: "expected a fault, the copy succeeded",
            line: line!(),
            got: Some(offset as u64),
            want: None,
            errno: None,
        }),
    }
}

/// The fault-safe copy (`rawmap::fault`) on this arch: a memfd truncated to two pages
/// under a live mapping of three makes `read_at` and `write_at` across the new end
/// return the fault with the exact number of bytes copied, for every start and length
/// around that page boundary (each path of the routine: byte loop, word loop,
/// unaligned), with the caller's buffer at two alignments; the copied bytes are the
/// file's, and the process lives on. (The end is a page boundary because qemu-user
/// faults at its host's page size: with 16 KiB guest pages on a 4 KiB host, as
/// qemu-loongarch64 runs, the tail of a partial last page faults too, where a kernel
/// with 16 KiB pages reads zeros.) The
/// SIGBUS handler, its signal-frame offsets and the routine's exception table all have
/// to be right for this to pass. Where the crate has no routine for the arch yet, the
/// check asserts what `rawmap::fault` documents there instead: `install` is
/// `UNSUPPORTED` and the handler is not active (a fault would kill the process).
pub fn read_at_and_write_at_across_a_truncated_end_fault_exactly() -> Outcome {
    let ps = page_size();
    let f = memfd(3 * ps as u64)?;
    // SAFETY: the memfd is this check's own; the mapping is used only through
    // read_at/write_at, which stay sound when the file shrinks under them.
    let r = unsafe { MapOptions::new().map_mut(&f) };
    let mut m = ok!(r, "map the memfd");
    let mut buf = ok!(
        MapOptions::new().len(3 * ps).map_anonymous(),
        "map a buffer"
    );
    for (i, b) in buf.as_mut_slice().iter_mut().enumerate() {
        *b = pattern(i);
    }
    ok!(m.write_at(0, buf.as_slice()), "fill the file");
    if !FAULT_SAFE_COPY {
        ensure_err!(
            fault::install(),
            Errno::UNSUPPORTED,
            "fault::install on an arch without a routine"
        );
        ensure!(
            fault::is_active() == Ok(false),
            "no handler on an arch without a routine"
        );
        return Ok(());
    }
    ok!(fault::install(), "fault::install");
    ensure!(fault::is_active() == Ok(true), "the handler is active");
    let boundary = 2 * ps;
    ok!(f.set_len(boundary as u64), "truncate the mapped file");

    // All of it: up to the first missing page.
    let all = buf.as_mut_slice();
    all.fill(0xee);
    expect_fault(m.read_at(0, all), boundary, boundary)?;
    for (i, &b) in all[..boundary].iter().enumerate() {
        ensure_eq!(b, pattern(i), "a byte read before the fault");
    }

    // Every start and length around the boundary, reads then writes.
    for shift in [0, 1] {
        for start in boundary - 72..boundary + 2 {
            for len in 1..=100 {
                let copied = len.min(boundary.saturating_sub(start));
                let to = &mut buf.as_mut_slice()[shift..shift + len];
                to.fill(0xee);
                let r = m.read_at(start, to);
                if copied == len {
                    ok!(r, "read_at before the boundary");
                } else {
                    expect_fault(r, copied, start + copied)?;
                }
                for (k, &b) in to[..copied].iter().enumerate() {
                    ensure_eq!(b, pattern(start + k), "a byte read near the boundary");
                }
            }
        }
    }
    // Each write is checked by reading its bytes back, after zeroing them first so that
    // an earlier write of the same bytes cannot stand in for it.
    for (i, b) in buf.as_mut_slice().iter_mut().enumerate() {
        *b = !pattern(i);
    }
    let zeros = [0u8; 100];
    let mut back = [0u8; 100];
    for shift in [0, 1] {
        for start in boundary - 72..boundary + 2 {
            for len in 1..=100 {
                let copied = len.min(boundary.saturating_sub(start));
                ok!(m.write_at(start, &zeros[..copied]), "zero before writing");
                let from = &buf.as_slice()[shift..shift + len];
                let r = m.write_at(start, from);
                if copied == len {
                    ok!(r, "write_at before the boundary");
                } else {
                    expect_fault(r, copied, start + copied)?;
                }
                ok!(m.read_at(start, &mut back[..copied]), "read the write back");
                ensure!(
                    back[..copied] == from[..copied],
                    "the bytes written before the fault"
                );
            }
        }
    }
    // Before the end of the file all is as before, many times over.
    ok!(m.write_at(0, &buf.as_slice()[..ps]), "write the first page");
    let mut first = ok!(MapOptions::new().len(ps).map_anonymous(), "map a page");
    for _ in 0..10 {
        ok!(
            m.read_at(0, first.as_mut_slice()),
            "read_at of the first page"
        );
    }
    ensure!(
        first.as_slice() == &buf.as_slice()[..ps],
        "the first page after the faults"
    );
    Ok(())
}
