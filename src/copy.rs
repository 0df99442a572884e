//! The one routine that copies between a mapping and caller memory, used by
//! `read_at` / `write_at`: on Linux a fault on the mapping's side (a truncated file, an
//! I/O error) becomes an error here instead of a SIGBUS that kills the process (see
//! `linux/fault/`). On macOS, Windows and Linux architectures without a routine in
//! `linux/fault/` it is a plain copy for now.

use crate::fault::Fault;

/// Which side of a copy is the mapping, the only side allowed to fault.
#[derive(Clone, Copy)]
pub(crate) enum Mapped {
    /// Reading from the mapping.
    Src,
    /// Writing into the mapping.
    Dst,
}

/// Copies `len` bytes from `src` to `dst`. On a fault on the `mapped` side, returns how
/// many bytes were copied (always a prefix) and where the fault was, as an offset from
/// `base` (the mapping's first byte).
///
/// # Safety
/// Both ranges must lie inside memory that is mapped and accessible with the needed
/// protection, and must not overlap; the `mapped` one must be inside the mapping that
/// starts at `base`. Its pages may raise SIGBUS; the other range's may not.
#[inline]
pub(crate) unsafe fn copy(
    dst: *mut u8,
    src: *const u8,
    len: usize,
    mapped: Mapped,
    base: *const u8,
) -> Result<(), Fault> {
    if len == 0 {
        return Ok(());
    }
    #[cfg(not(all(target_os = "linux", rawmap_fault_copy)))]
    {
        let _ = (mapped, base);
        // SAFETY: forwarded contract (without fault recovery the pages must not fault).
        unsafe { core::ptr::copy_nonoverlapping(src, dst, len) };
        Ok(())
    }
    #[cfg(all(target_os = "linux", rawmap_fault_copy))]
    {
        let lo = match mapped {
            Mapped::Src => src.addr(),
            Mapped::Dst => dst.addr(),
        };
        // SAFETY: forwarded contract; `lo + len` is the end of a valid range, so no
        // overflow.
        let (left, raw) = unsafe { crate::linux::fault::copy(dst, src, len, lo, lo + len) };
        if left == 0 {
            return Ok(());
        }
        Err(fault(len - left, raw, base))
    }
}

/// Builds the error, out of the way of the copy's fast path.
#[cfg(all(target_os = "linux", rawmap_fault_copy))]
#[cold]
fn fault(copied: usize, raw: crate::linux::fault::RawFault, base: *const u8) -> Fault {
    Fault::new(
        copied,
        raw.addr.wrapping_sub(base.addr()),
        crate::fault::FaultCause::from_si_code(raw.code),
    )
}
