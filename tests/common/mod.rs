//! Helpers shared by the integration tests: running a check in a forked child (for
//! process-wide state such as rlimits, credentials, seals and fatal signals), memfds with
//! unique names, a leak check through `/proc/self`, and fault injection with seccomp
//! ([`seccomp`]).
#![allow(dead_code)]

pub mod seccomp;

use std::ffi::{CString, c_void};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use rawmap::raw::{self, RawFd};
use rawmap::{Errno, MapFlags, MapType, MemfdFlags, ProtFlags};

/// How a child started by [`run_in_child`] ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// `_exit(code)`, with the value the closure returned.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

/// Exit code of a child whose script went as planned.
pub const CHILD_OK: i32 = 0;
/// Exit code of a child when a call that should have failed succeeded.
pub const UNEXPECTED_OK: i32 = 254;
/// Exit code of a child that panicked (it must not: see [`run_in_child`]).
pub const CHILD_PANICKED: i32 = 255;

/// Exit code for "step `n` of a child's script went wrong"; 200 and up never collide
/// with the errno values the tests expect.
pub const fn step_failed(n: i32) -> i32 {
    200 + n
}

impl ChildExit {
    /// The exit a child reports for `e` with [`err_code`].
    pub fn errno(e: Errno) -> Self {
        Self::Exited(i32::from(e.raw()))
    }
}

impl fmt::Debug for ChildExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exited(CHILD_OK) => f.write_str("Exited(0: ok)"),
            Self::Exited(UNEXPECTED_OK) => f.write_str("Exited(254: unexpected success)"),
            Self::Exited(CHILD_PANICKED) => f.write_str("Exited(255: child panicked)"),
            Self::Exited(c) if c >= 200 => write!(f, "Exited({c}: step {} failed)", c - 200),
            Self::Exited(c) => match u16::try_from(c).ok().and_then(Errno::new) {
                Some(e) => write!(f, "Exited({c}: {e:?})"),
                None => write!(f, "Exited({c})"),
            },
            Self::Signaled(s) => write!(f, "Signaled({s})"),
        }
    }
}

/// The exit code for a call that should have failed: its errno, or [`UNEXPECTED_OK`].
pub fn err_code<T>(r: rawmap::Result<T>) -> i32 {
    match r {
        Ok(_) => UNEXPECTED_OK,
        Err(e) => i32::from(e.raw()),
    }
}

/// Runs `f` in a forked child and reports how the child ended.
///
/// The test process is multi-threaded (the harness runs tests in parallel), and after
/// `fork` only the calling thread exists in the child while locks other threads held stay
/// locked. So `f` must only make raw syscalls and async-signal-safe libc calls (setrlimit,
/// setuid, _exit): no allocation, no formatting, no printing, no panics. Everything it
/// needs (names, buffers, the page size) must be prepared before the call. Its result
/// becomes the exit status, so encode outcomes as small numbers: [`CHILD_OK`], an errno
/// via [`err_code`], or [`step_failed`].
pub fn run_in_child(f: impl FnOnce() -> i32) -> ChildExit {
    /// Ends the child if `f` unwinds, so it never returns into the test harness.
    struct ExitOnUnwind;
    impl Drop for ExitOnUnwind {
        fn drop(&mut self) {
            // SAFETY: _exit is async-signal-safe and ends the child without running
            // anything else.
            unsafe { libc::_exit(CHILD_PANICKED) }
        }
    }

    // SAFETY: the child only runs `f` (whose contract is above) and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let guard = ExitOnUnwind;
        let code = f();
        std::mem::forget(guard);
        // SAFETY: as above; exits with the closure's result.
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    loop {
        // SAFETY: waits for the child created above; `status` is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        assert_eq!(err.raw_os_error(), Some(libc::EINTR), "waitpid: {err}");
    }
    if libc::WIFEXITED(status) {
        ChildExit::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        ChildExit::Signaled(libc::WTERMSIG(status))
    } else {
        panic!("child neither exited nor was killed: status {status:#x}")
    }
}

/// `rawmap::page_size()`, under a short name.
pub fn page() -> usize {
    rawmap::page_size()
}

/// A name no other test (or test process) uses: `rawmap-<test>-<pid>-<n>`.
pub fn unique_name(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("rawmap-{test}-{}-{n}", std::process::id())
}

/// A memfd with a unique name, closed on drop.
pub struct Memfd {
    pub fd: RawFd,
    pub name: String,
}

impl Memfd {
    /// Creates a memfd named after `test`, with `MFD_CLOEXEC` so forked children and
    /// spawned processes of other tests do not inherit it.
    pub fn new(test: &str) -> Self {
        Self::with_flags(test, MemfdFlags::CLOEXEC)
    }

    pub fn with_flags(test: &str, flags: MemfdFlags) -> Self {
        let name = unique_name(test);
        let c = CString::new(name.clone()).unwrap();
        // SAFETY: `c` is a valid C string; the descriptor is owned by the returned value.
        let fd = unsafe { raw::memfd_create(&c, flags) }
            .unwrap_or_else(|e| panic!("memfd_create({name}): {e}"));
        Self { fd, name }
    }

    /// Sets the length with `ftruncate`.
    pub fn set_len(&self, len: u64) {
        // SAFETY: the memfd is ours and not mapped by anyone who could be cut short.
        unsafe { raw::ftruncate(self.fd, len) }.expect("ftruncate");
    }

    /// `/proc/self/fd/<fd>`, to open the same file again with other flags.
    pub fn proc_path(&self) -> CString {
        CString::new(format!("/proc/self/fd/{}", self.fd)).unwrap()
    }
}

impl Drop for Memfd {
    fn drop(&mut self) {
        // SAFETY: `fd` is owned by this value and closed exactly once, here.
        let r = unsafe { raw::close(self.fd) };
        if !std::thread::panicking() {
            r.expect("close memfd");
        }
    }
}

/// Whether `/proc/self/maps` has a line naming `name` (a memfd shows as `/memfd:<name>`).
pub fn maps_mention(name: &str) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
    maps.lines().any(|l| l.contains(name))
}

/// Whether any open descriptor of this process refers to a file whose name has `name`.
pub fn fds_mention(name: &str) -> bool {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .any(|target| target.to_string_lossy().contains(name))
}

/// The leak check: after cleanup nothing of `name` is mapped or open.
pub fn assert_no_leak(name: &str) {
    assert!(!maps_mention(name), "{name} is still mapped");
    assert!(!fds_mention(name), "{name} is still open");
}

/// A fresh private anonymous mapping of `len` bytes; panics if mmap fails.
pub fn map_anon(len: usize, prot: ProtFlags) -> *mut c_void {
    // SAFETY: a new mapping at a kernel-chosen address touches nothing that exists.
    unsafe {
        raw::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            MapType::Private,
            MapFlags::ANONYMOUS,
            -1,
            0,
        )
    }
    .unwrap_or_else(|e| panic!("mmap({len}): {e}"))
}

/// `PROT_READ | PROT_WRITE`.
pub fn rw() -> ProtFlags {
    ProtFlags::READ | ProtFlags::WRITE
}

/// An address inside `[0, vm.mmap_min_addr)` (one page above zero): the kernel never maps
/// it for an unprivileged process and nobody in the test process asks for it, so calls
/// on it fail the way they do on an unmapped range, without racing other test threads
/// over a range that was just unmapped.
pub fn never_mapped() -> *mut c_void {
    std::ptr::without_provenance_mut(page())
}

/// Why `/proc/self/smaps` cannot be read for a 32-bit guest under qemu-user 7.2: qemu
/// translates `/proc/self/maps` but passes the host's `smaps` through, whose addresses
/// are the guest's plus the guest base (4 GiB with the runners' `-B 0x100000000`, one
/// page by default, where a lookup found a neighbouring mapping's flags).
pub const QEMU_32BIT_SMAPS: &str = "qemu-user 7.2 shows a 32-bit guest the host's /proc/self/smaps, at the host's addresses (guest address + guest base); asserted natively (x86_64, i686)";

/// The `VmFlags` of the mapping containing `p`, from `/proc/self/smaps` (`lo` = locked,
/// `lf` = locked on fault, ...). Per mapping, so other test threads cannot disturb it.
///
/// # Panics
/// Under qemu-user for a 32-bit guest ([`QEMU_32BIT_SMAPS`]): callers skip it there.
pub fn vm_flags(p: *const c_void) -> Vec<String> {
    if cfg!(all(qemu, target_pointer_width = "32")) {
        panic!("{QEMU_32BIT_SMAPS}");
    }
    let addr = p.addr();
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("read /proc/self/smaps");
    let mut inside = false;
    for line in smaps.lines() {
        let range = line
            .split_whitespace()
            .next()
            .and_then(|r| r.split_once('-'));
        let bounds = range.and_then(|(a, b)| {
            Some((
                usize::from_str_radix(a, 16).ok()?,
                usize::from_str_radix(b, 16).ok()?,
            ))
        });
        if let Some((start, end)) = bounds {
            inside = (start..end).contains(&addr);
        } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
            return flags.split_whitespace().map(str::to_string).collect();
        }
    }
    panic!("no VmFlags for {p:?} in /proc/self/smaps")
}

/// A `kB` line of `/proc/self/smaps` (`Rss`, `Pss`, `Referenced`, ...) for the mapping
/// containing `p`, in bytes. `Rss` counts the pages this process has mapped in its page
/// tables, which is what populating changes (`mincore` only says which pages of a file
/// are cached).
pub fn smaps_bytes(p: *const c_void, field: &str) -> u64 {
    let addr = p.addr();
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("read /proc/self/smaps");
    let mut inside = false;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-')
            && let (Ok(start), Ok(end)) =
                (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
        {
            inside = (start..end).contains(&addr);
        } else if inside && first.strip_suffix(':') == Some(field) {
            let kb: u64 = words
                .next()
                .and_then(|w| w.parse().ok())
                .expect("a kB value");
            return kb * 1024;
        }
    }
    panic!("no {field} for {p:?} in /proc/self/smaps")
}

/// `mincore` over `pages` pages at `p`: which are resident.
pub fn resident(p: *mut c_void, pages: usize) -> Vec<bool> {
    let mut vec = vec![0u8; pages];
    // SAFETY: `vec` has one byte per page of the range.
    unsafe { raw::mincore(p, pages * page(), vec.as_mut_ptr()) }.expect("mincore");
    vec.iter().map(|b| b & 1 == 1).collect()
}

// ---------------------------------------------------------------------------------------
// For forked children: /proc readers that do not allocate, rlimits, credentials.
// (tests/mapping.rs has its own copies of some of these in its `support` module.)
// ---------------------------------------------------------------------------------------

/// Reads the file at `path` into `buf` without allocating (safe in a forked child).
/// `None` if it cannot be read or does not fit.
pub fn read_into(path: &std::ffi::CStr, buf: &mut [u8]) -> Option<usize> {
    let f = rawmap::File::open(path).ok()?;
    let fd = rawmap::fd::AsRawFd::as_raw_fd(&f);
    let mut n = 0;
    while n < buf.len() {
        // SAFETY: `buf[n..]` is valid for writes of its length.
        match unsafe { raw::read(fd, buf[n..].as_mut_ptr(), buf.len() - n) } {
            Ok(0) => return Some(n),
            Ok(k) => n += k,
            Err(e) if e == Errno::INTR => {}
            Err(_) => return None,
        }
    }
    None
}

/// A copy of /proc/self/maps in a buffer allocated up front, for comparing before and
/// after in a forked child, where no other thread maps anything.
pub struct MapsSnapshot {
    buf: Vec<u8>,
    len: usize,
}

impl MapsSnapshot {
    /// Room for `bytes` of /proc/self/maps; allocate before forking.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            buf: vec![0; bytes],
            len: 0,
        }
    }

    /// Reads /proc/self/maps now, without allocating; false if it did not fit.
    pub fn take(&mut self) -> bool {
        match read_into(c"/proc/self/maps", &mut self.buf) {
            Some(n) => {
                self.len = n;
                true
            }
            None => false,
        }
    }

    /// Whether both list the same address ranges with the same permissions (the rest of
    /// a line can change: a file another test deletes gains " (deleted)").
    pub fn same_ranges(&self, other: &Self) -> bool {
        /// `start-end perms`: up to the second space.
        fn key(line: &[u8]) -> &[u8] {
            let mut spaces = line.iter().enumerate().filter(|&(_, &c)| c == b' ');
            match spaces.nth(1) {
                Some((i, _)) => &line[..i],
                None => line,
            }
        }
        let mut a = self.buf[..self.len].split(|&c| c == b'\n');
        let mut b = other.buf[..other.len].split(|&c| c == b'\n');
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if key(x) == key(y) => {}
                _ => return false,
            }
        }
    }
}

/// `VmSize` of /proc/self/status in bytes, read into `buf` without allocating.
pub fn vm_size(buf: &mut [u8]) -> Option<u64> {
    let n = read_into(c"/proc/self/status", buf)?;
    let text = &buf[..n];
    let key = b"VmSize:";
    let at = text.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = text[at..]
        .iter()
        .skip_while(|c| c.is_ascii_whitespace())
        .take_while(|c| c.is_ascii_digit());
    let mut kb: Option<u64> = None;
    for &c in digits {
        kb = Some(kb.unwrap_or(0) * 10 + u64::from(c - b'0'));
    }
    kb.map(|kb| kb * 1024)
}

/// The type libc gives `RLIMIT_*` (glibc has its own enum type, musl an int).
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
#[cfg(not(target_env = "gnu"))]
pub type Resource = libc::c_int;

/// `setrlimit(resource, {cur: value, max: unchanged})`; true on success.
/// Async-signal-safe: for forked children.
pub fn set_soft_rlimit(resource: Resource, value: u64) -> bool {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-pointer and then a valid in-pointer.
    unsafe {
        if libc::getrlimit(resource, &mut lim) != 0 {
            return false;
        }
        lim.rlim_cur = value as libc::rlim_t;
        libc::setrlimit(resource, &lim) == 0
    }
}

/// Becomes `nobody` (uid and gid 65534) if root, so rlimits that root ignores
/// (`RLIMIT_MEMLOCK`) apply; true if unprivileged afterwards. Only for forked children.
pub fn become_nobody() -> bool {
    // SAFETY: plain credential calls, async-signal-safe.
    unsafe {
        if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
            return false;
        }
        libc::geteuid() != 0
    }
}
