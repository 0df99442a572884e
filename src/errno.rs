//! `Errno`: the error every fallible call returns.

use core::fmt;
use core::num::NonZeroU16;

/// An error number from the kernel, such as `Errno::INVAL` for `EINVAL`.
///
/// Values are the target architecture's own (mips and sparc number many errors
/// differently), so compare with the named constants, never with literals. Two bytes,
/// and `Result<(), Errno>` is two bytes too.
///
/// The same type on every platform, holding the platform's own code: Linux and macOS
/// `errno` values, Windows `GetLastError` codes (all the codes the crate's calls give
/// fit in 16 bits; one that does not becomes `Errno::UNKNOWN` there). The errors the
/// crate raises itself have the same names everywhere: `INVAL` (a range outside the
/// mapping, a bad argument), `NOMEM`, `OVERFLOW`, `ACCES`, `EXIST`, `BADF`, and
/// `UNSUPPORTED` for what a platform cannot do; on Windows they are aliases of Win32
/// codes (`Errno::INVAL` is `ERROR_INVALID_PARAMETER`). Under `std` it converts to
/// `std::io::Error` with `from_raw_os_error`, so `raw_os_error()` and `kind()` are the
/// platform's.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use rawmap::Errno;
/// let e = Errno::INVAL;
/// assert_eq!(e.name(), Some("EINVAL"));
/// assert_eq!(e.to_string(), "EINVAL: Invalid argument");
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Errno(NonZeroU16);

/// `core::result::Result` with [`Errno`] as the error.
pub type Result<T> = core::result::Result<T, Errno>;

impl Errno {
    /// The `Errno` with this raw value, or `None` for 0.
    pub const fn new(code: u16) -> Option<Self> {
        match NonZeroU16::new(code) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// The raw error number, as the kernel of this architecture reports it.
    pub const fn raw(self) -> u16 {
        self.0.get()
    }

    /// Used by the generated named constants; the tables contain no 0.
    #[allow(dead_code)]
    pub(crate) const fn from_table(code: u16) -> Self {
        match Self::new(code) {
            Some(e) => e,
            None => panic!("errno tables hold no zero"),
        }
    }

    /// Used by the syscall layer for values it checked to be in `1..=4095`.
    #[allow(dead_code)]
    #[inline(always)]
    pub(crate) const fn from_kernel(code: u16) -> Self {
        match Self::new(code) {
            Some(e) => e,
            // Cannot happen (callers pass 1..=4095); 1 rather than a panic keeps the
            // syscall path free of panics.
            None => Self(NonZeroU16::MIN),
        }
    }

    /// Index of this value in the target's errno table.
    #[cfg(target_os = "linux")]
    fn index(self) -> Option<usize> {
        crate::linux::sys::errno::CODES
            .iter()
            .position(|&c| c == self.raw())
    }

    /// This value's `(code, name, message)` in the backend's table (macOS, Windows).
    #[cfg(all(not(target_os = "linux"), rawmap_mapping))]
    fn entry(self) -> Option<&'static (u16, &'static str, &'static str)> {
        crate::os::ERRNO_TABLE.iter().find(|e| e.0 == self.raw())
    }

    /// The symbolic name, such as `"EINVAL"` (Windows: `"ERROR_INVALID_PARAMETER"`),
    /// if the target's table knows the value.
    pub fn name(self) -> Option<&'static str> {
        #[cfg(target_os = "linux")]
        {
            use crate::linux::sys::errno::{NAME_ENDS, NAMES};
            self.index().and_then(|i| entry(NAMES, &NAME_ENDS, i))
        }
        #[cfg(all(not(target_os = "linux"), rawmap_mapping))]
        {
            self.entry().map(|e| e.1)
        }
        #[cfg(not(any(target_os = "linux", rawmap_mapping)))]
        {
            None
        }
    }

    /// A short description, such as `"Invalid argument"`, if the table has one.
    pub fn message(self) -> Option<&'static str> {
        #[cfg(target_os = "linux")]
        {
            use crate::linux::sys::errno::{MESSAGE_ENDS, MESSAGES};
            self.index()
                .and_then(|i| entry(MESSAGES, &MESSAGE_ENDS, i))
                .filter(|m| !m.is_empty())
        }
        #[cfg(all(not(target_os = "linux"), rawmap_mapping))]
        {
            self.entry().map(|e| e.2)
        }
        #[cfg(not(any(target_os = "linux", rawmap_mapping)))]
        {
            None
        }
    }
}

/// Entry `i` of a packed string table (see build.rs `errno_tables`). `get` rather than
/// indexing, so no panic path (and its formatting code) reaches no_std binaries.
#[cfg(target_os = "linux")]
fn entry(all: &'static str, ends: &[u16], i: usize) -> Option<&'static str> {
    let start = match i {
        0 => 0,
        _ => usize::from(*ends.get(i - 1)?),
    };
    all.get(start..usize::from(*ends.get(i)?))
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.message()) {
            (Some(n), Some(m)) => write!(f, "{n}: {m}"),
            (Some(n), None) => f.write_str(n),
            _ => write!(f, "errno {}", self.raw()),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "Errno({n})"),
            None => write!(f, "Errno({})", self.raw()),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(feature = "std")]
impl From<Errno> for std::io::Error {
    /// An OS error with the same code, so `raw_os_error()` and `kind()` work as usual.
    fn from(e: Errno) -> Self {
        std::io::Error::from_raw_os_error(i32::from(e.raw()))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    //! The errno tables and formatting, without syscalls (Miri runs these).
    extern crate std;
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn known_values_have_names_and_messages() {
        assert_eq!(Errno::INVAL.name(), Some("EINVAL"));
        assert_eq!(Errno::INVAL.message(), Some("Invalid argument"));
        assert_eq!(Errno::NOMEM.name(), Some("ENOMEM"));
        assert_eq!(Errno::TOOBIG.name(), Some("E2BIG"));
        assert_eq!(Errno::INVAL.to_string(), "EINVAL: Invalid argument");
        assert_eq!(format!("{:?}", Errno::NOMEM), "Errno(ENOMEM)");
    }

    #[test]
    fn every_table_entry_round_trips() {
        use crate::linux::sys::errno::CODES;
        for &code in CODES.iter() {
            let e = Errno::new(code).expect("no zero in the table");
            assert_eq!(e.raw(), code);
            let name = e.name().expect("every code has a name");
            assert!(name.starts_with('E') && name.len() > 1, "{name}");
            assert!(e.to_string().starts_with(name));
        }
    }

    #[test]
    fn unknown_values_format_as_numbers() {
        let e = Errno::new(4000).unwrap();
        assert_eq!(e.name(), None);
        assert_eq!(e.message(), None);
        assert_eq!(e.to_string(), "errno 4000");
        assert_eq!(format!("{e:?}"), "Errno(4000)");
        assert_eq!(Errno::new(0), None);
        assert_eq!(Errno::from_kernel(0).raw(), 1);
    }

    #[test]
    fn packed_table_lookup_is_bounds_checked() {
        let ends = [3u16, 5];
        assert_eq!(entry("abcde", &ends, 0), Some("abc"));
        assert_eq!(entry("abcde", &ends, 1), Some("de"));
        assert_eq!(entry("abcde", &ends, 2), None);
        assert_eq!(entry("abc", &[3, 9], 1), None);
    }
}
