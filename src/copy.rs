//! The one routine that copies between a mapping and caller memory, used by
//! `read_at` / `write_at`, so that fault recovery (a truncated file becoming an error
//! instead of SIGBUS) can be added in exactly one place.

/// Copies `len` bytes from `src` to `dst`.
///
/// # Safety
/// Both ranges must be valid for `len` bytes and must not overlap.
#[inline]
pub(crate) unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) {
    // SAFETY: forwarded contract.
    unsafe { core::ptr::copy_nonoverlapping(src, dst, len) }
}
