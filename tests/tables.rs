//! The tables in `arch/`, read with the parser build.rs uses: every file parses, every
//! override applies cleanly, every supported arch loads without duplicates, and a few
//! values per arch match the reference numbers in linux-abi.md. These run on the host for
//! all arches at once, including the ones (mips, powerpc, sparc) the crate cannot build for
//! yet, so a bad row is caught before anyone cross-compiles. Unix only: the walk names
//! tables with `/` separators, and the data is the same wherever it is read.
#![cfg(unix)]

#[path = "../build/parse.rs"]
#[allow(dead_code)]
mod parse;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("arch")
}

/// Every `.tbl` file under `arch/`, as paths relative to it (`x86/syscall_64.tbl`).
fn table_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "tbl") {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_str().expect("UTF-8 path").to_string());
            }
        }
    }
    let root = arch_dir();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn read(rel: &str) -> String {
    fs::read_to_string(arch_dir().join(rel)).unwrap_or_else(|e| panic!("arch/{rel}: {e}"))
}

/// The reader `parse::load` expects: `None` for a file that does not exist.
fn reader(rel: &str) -> Result<Option<String>, String> {
    match fs::read_to_string(arch_dir().join(rel)) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("arch/{rel}: {e}")),
    }
}

fn is_syscall_table(rel: &str) -> bool {
    Path::new(rel)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("syscall"))
}

/// `(dir, table)` of a constant file: `mips/mman.tbl` is `("mips", "mman")`.
fn split(rel: &str) -> (&str, &str) {
    let (dir, file) = rel.rsplit_once('/').expect("tables live in a directory");
    (dir, file.strip_suffix(".tbl").unwrap())
}

fn consts_of(rel: &str) -> Vec<parse::Const> {
    parse::consts(&read(rel)).unwrap_or_else(|e| panic!("arch/{rel}: {e}"))
}

/// generic/<table> with `dir`'s override applied, the way `load` builds an arch.
fn merged(dir: &str, table: &str) -> BTreeMap<String, i64> {
    let base = consts_of(&format!("generic/{table}.tbl"));
    let over = consts_of(&format!("{dir}/{table}.tbl"));
    parse::merge(base, over)
        .unwrap_or_else(|e| panic!("arch/{dir}/{table}.tbl: {e}"))
        .into_iter()
        .map(|c| (c.name, c.value.expect("merge drops removed names")))
        .collect()
}

fn loaded(
    arch: &str,
) -> (
    Vec<parse::Syscall>,
    BTreeMap<&'static str, Vec<parse::Const>>,
) {
    let (calls, tables) = parse::load(arch, reader).unwrap_or_else(|e| panic!("{arch}: {e}"));
    (calls, tables.into_iter().collect())
}

fn nr(calls: &[parse::Syscall], name: &str) -> Option<u32> {
    calls.iter().find(|c| c.name == name).map(|c| c.nr)
}

fn value(consts: &[parse::Const], name: &str) -> Option<i64> {
    consts.iter().find(|c| c.name == name).and_then(|c| c.value)
}

#[test]
fn the_walk_finds_the_known_tables() {
    // If the walk broke (wrong root, wrong extension) every other test here would pass
    // vacuously.
    let files = table_files();
    for known in [
        "generic/syscall.tbl",
        "x86/syscall_64.tbl",
        "generic/mman.tbl",
        "generic/errno.tbl",
        "mips/mman.tbl",
    ] {
        assert!(
            files.iter().any(|f| f == known),
            "{known} not found in {files:?}"
        );
    }
}

#[test]
fn every_table_file_parses_without_duplicate_rows() {
    for rel in table_files() {
        let text = read(&rel);
        if is_syscall_table(&rel) {
            let rows = parse::syscalls(&text).unwrap_or_else(|e| panic!("arch/{rel}: {e}"));
            assert!(!rows.is_empty(), "arch/{rel} has no rows");
            let mut seen = BTreeSet::new();
            for r in &rows {
                // One number may carry different calls for different ABIs (`25 32 fcntl64`
                // and `25 64 fcntl`), but never two rows for the same ABI.
                assert!(
                    seen.insert((r.nr, r.abi.clone())),
                    "arch/{rel}: number {} listed twice for ABI {}",
                    r.nr,
                    r.abi
                );
            }
            let mut names = BTreeSet::new();
            for r in &rows {
                assert!(
                    names.insert((r.name.clone(), r.abi.clone())),
                    "arch/{rel}: {} listed twice for ABI {}",
                    r.name,
                    r.abi
                );
            }
        } else {
            let rows = parse::consts(&text).unwrap_or_else(|e| panic!("arch/{rel}: {e}"));
            assert!(!rows.is_empty(), "arch/{rel} has no rows");
            let mut names = BTreeSet::new();
            for c in &rows {
                assert!(names.insert(&c.name), "arch/{rel}: {} listed twice", c.name);
            }
        }
    }
}

#[test]
fn generic_constant_tables_define_every_name() {
    // `-` means "absent on this arch" and only makes sense in an override file.
    for rel in table_files() {
        if split(&rel).0 == "generic" && !is_syscall_table(&rel) {
            for c in consts_of(&rel) {
                assert!(c.value.is_some(), "arch/{rel}: {} has no value", c.name);
            }
        }
    }
}

#[test]
fn every_override_file_applies_to_its_generic_table() {
    let mut overrides = 0;
    for rel in table_files() {
        let (dir, table) = split(&rel);
        if dir == "generic" || is_syscall_table(&rel) {
            continue;
        }
        // build.rs only reads the tables in CONST_TABLES: any other name would be ignored.
        assert!(
            parse::CONST_TABLES.contains(&table),
            "arch/{rel}: `{table}` is not in parse::CONST_TABLES, so build.rs never reads it"
        );
        let base: BTreeMap<String, Option<i64>> = consts_of(&format!("generic/{table}.tbl"))
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect();
        for o in consts_of(&rel) {
            match (base.get(&o.name), o.value) {
                (None, None) => panic!("arch/{rel}: `{} -` removes a name generic lacks", o.name),
                // Repeating the generic value would hide which values really differ.
                (Some(b), Some(v)) => {
                    assert_ne!(*b, Some(v), "arch/{rel}: {} repeats generic", o.name)
                }
                _ => {}
            }
        }
        // And the real merge agrees.
        merged(dir, table);
        overrides += 1;
    }
    assert!(overrides >= 10, "only {overrides} override files found");
}

#[test]
fn every_supported_arch_loads_cleanly() {
    // The calls src/raw.rs, src/page.rs and src/linux/fault/ make: an arch missing one
    // could not build. On 32-bit ABIs raw.rs takes mmap2, ftruncate64 and fcntl64
    // instead (see below).
    const USED: &[&str] = &[
        "munmap",
        "mremap",
        "msync",
        "madvise",
        "mprotect",
        "mlock",
        "mlock2",
        "munlock",
        "mlockall",
        "munlockall",
        "mincore",
        "memfd_create",
        "openat",
        "close",
        "statx",
        "process_madvise",
        "mseal",
        "read",
        "write",
        "exit_group",
        "prctl",
        // src/linux/fault/ (the SIGBUS handler).
        "rt_sigaction",
        "rt_sigprocmask",
        "getpid",
        "gettid",
        "tgkill",
    ];
    assert!(!parse::ARCHES.is_empty());
    for &arch in parse::ARCHES {
        let abi = parse::arch_abi(arch).unwrap_or_else(|| panic!("{arch} in ARCHES has no ABI"));
        // Every override directory the ABI names must exist, or its overrides are lost.
        for dir in abi.overrides {
            assert!(arch_dir().join(dir).is_dir(), "{arch}: arch/{dir}/ missing");
        }
        let (calls, tables) = loaded(arch);
        assert!(calls.iter().all(|c| abi.abis.contains(&c.abi.as_str())));
        let mut numbers = BTreeMap::new();
        for c in &calls {
            if let Some(other) = numbers.insert(c.nr, &c.name) {
                panic!("{arch}: {} and {other} share number {}", c.name, c.nr);
            }
        }
        let mut names = BTreeSet::new();
        for c in &calls {
            assert!(names.insert(&c.name), "{arch}: two numbers for {}", c.name);
        }
        let mmap = if abi.cfgs.contains(&"rawmap_mmap2") {
            "mmap2"
        } else {
            "mmap"
        };
        let wide: &[&str] = match abi.pointer_width {
            32 => &["ftruncate64", "fcntl64"],
            _ => &["ftruncate", "fcntl"],
        };
        for name in USED.iter().chain(wide).chain([&mmap]) {
            assert!(names.contains(&name.to_string()), "{arch}: no `{name}`");
        }
        assert_eq!(
            tables.keys().copied().collect::<BTreeSet<_>>(),
            parse::CONST_TABLES.iter().copied().collect(),
            "{arch}"
        );
        for (table, consts) in &tables {
            let mut seen = BTreeSet::new();
            for c in consts {
                assert!(seen.insert(&c.name), "{arch}: {table}: {} twice", c.name);
                assert!(c.value.is_some(), "{arch}: {table}: {} unresolved", c.name);
            }
        }
        // Errno values become `NonZeroU16`s and are decoded from -4095..=-1.
        for c in &tables["errno"] {
            let v = c.value.unwrap();
            assert!((1..=4095).contains(&v), "{arch}: {} = {v}", c.name);
        }
    }
}

#[test]
fn unknown_arch_is_an_error_not_a_guess() {
    let err = parse::load("no_such_arch", reader).unwrap_err();
    assert!(err.contains("no_such_arch"), "{err}");
    assert!(parse::arch_abi("no_such_arch").is_none());
}

#[test]
fn x86_64_numbers_and_constants() {
    let (calls, t) = loaded("x86_64");
    for (name, want) in [
        ("mmap", 9),
        ("mprotect", 10),
        ("munmap", 11),
        ("mremap", 25),
        ("msync", 26),
        ("mincore", 27),
        ("madvise", 28),
        ("ftruncate", 77),
        ("mlock", 149),
        ("exit_group", 231),
        ("openat", 257),
        ("memfd_create", 319),
        ("mlock2", 325),
        ("statx", 332),
        ("process_madvise", 440),
        ("mseal", 462),
    ] {
        assert_eq!(nr(&calls, name), Some(want), "x86_64 {name}");
    }
    // x86_64 has plain mmap and ftruncate, never the 32-bit variants.
    assert_eq!(nr(&calls, "mmap2"), None);
    assert_eq!(nr(&calls, "ftruncate64"), None);
    assert_eq!(value(&t["mman"], "MAP_32BIT"), Some(0x40));
    assert_eq!(value(&t["mman"], "MAP_ABOVE4G"), Some(0x80));
    assert_eq!(value(&t["mman"], "MAP_ANONYMOUS"), Some(0x20));
    assert_eq!(value(&t["mman"], "MAP_POPULATE"), Some(0x8000));
    assert_eq!(value(&t["mman"], "MAP_FIXED_NOREPLACE"), Some(0x100000));
    assert_eq!(value(&t["mman"], "MCL_CURRENT"), Some(1));
    assert_eq!(value(&t["mman"], "MAP_HUGE_2MB"), Some(21 << 26));
    assert_eq!(value(&t["mman"], "PROT_BTI"), None);
    assert_eq!(value(&t["fcntl"], "O_DIRECTORY"), Some(0x10000));
    assert_eq!(value(&t["fcntl"], "AT_FDCWD"), Some(-100));
    assert_eq!(value(&t["errno"], "ENOSYS"), Some(38));
    assert_eq!(value(&t["errno"], "EOPNOTSUPP"), Some(95));
}

#[test]
fn asm_generic_64_bit_numbers_and_constants() {
    for arch in ["aarch64", "riscv64"] {
        let (calls, t) = loaded(arch);
        for (name, want) in [
            ("ftruncate", 46),
            ("openat", 56),
            ("close", 57),
            ("write", 64),
            ("exit_group", 94),
            ("munmap", 215),
            ("mremap", 216),
            ("mmap", 222),
            ("mprotect", 226),
            ("mincore", 232),
            ("madvise", 233),
            ("memfd_create", 279),
            ("mlock2", 284),
            ("statx", 291),
            ("process_madvise", 440),
            ("memfd_secret", 447),
            ("mseal", 462),
        ] {
            assert_eq!(nr(&calls, name), Some(want), "{arch} {name}");
        }
        // The "32" rows of the shared table (mmap2 222, ftruncate64 46) are not selected.
        assert_eq!(nr(&calls, "mmap2"), None, "{arch}");
        assert_eq!(nr(&calls, "ftruncate64"), None, "{arch}");
        assert_eq!(nr(&calls, "fcntl64"), None, "{arch}");
        assert_eq!(value(&t["mman"], "MAP_ANONYMOUS"), Some(0x20), "{arch}");
        assert_eq!(value(&t["mman"], "MAP_32BIT"), None, "{arch}");
        assert_eq!(value(&t["errno"], "ENOSYS"), Some(38), "{arch}");
    }
    let (_, a64) = loaded("aarch64");
    assert_eq!(value(&a64["mman"], "PROT_BTI"), Some(0x10));
    assert_eq!(value(&a64["mman"], "PROT_MTE"), Some(0x20));
    assert_eq!(value(&a64["fcntl"], "O_DIRECTORY"), Some(0x4000));
    assert_eq!(value(&a64["fcntl"], "O_DIRECT"), Some(0x10000));
    assert_eq!(value(&a64["fcntl"], "O_TMPFILE"), Some(0x404000));
    let (_, rv) = loaded("riscv64");
    assert_eq!(value(&rv["mman"], "PROT_BTI"), None);
    assert_eq!(value(&rv["fcntl"], "O_DIRECTORY"), Some(0x10000));
}

#[test]
fn constants_libc_lacks_match_the_reference() {
    // tests/abi.rs compares the tables with libc, which lacks these (or has glibc's
    // user-space O_LARGEFILE of 0): check them against linux-abi.md instead, so that
    // every number the crate generates is compared with something.
    for (arch, o_largefile, prot_sem) in [
        ("x86_64", 0x8000, 0x8),
        ("x86", 0x8000, 0x8),
        ("aarch64", 0x20000, 0x8),
        ("arm", 0x20000, 0x8),
        ("riscv64", 0x8000, 0x8),
        ("riscv32", 0x8000, 0x8),
        ("loongarch64", 0x8000, 0x8),
        ("powerpc64", 0x10000, 0x8),
        ("powerpc", 0x10000, 0x8),
        ("s390x", 0x8000, 0x8),
        ("mips", 0x2000, 0x10),
        ("mips64", 0x2000, 0x10),
        ("sparc64", 0x40000, 0x8),
    ] {
        let (_, t) = loaded(arch);
        assert_eq!(value(&t["mman"], "PROT_SEM"), Some(prot_sem), "{arch}");
        let uninitialized = (!arch.starts_with("mips")).then_some(0x4000000);
        assert_eq!(
            value(&t["mman"], "MAP_UNINITIALIZED"),
            uninitialized,
            "{arch}"
        );
        assert_eq!(value(&t["mman"], "MADV_GUARD_INSTALL"), Some(102), "{arch}");
        assert_eq!(value(&t["mman"], "MADV_GUARD_REMOVE"), Some(103), "{arch}");
        assert_eq!(value(&t["mman"], "MAP_HUGE_16KB"), Some(14 << 26), "{arch}");
        assert_eq!(
            value(&t["fcntl"], "O_LARGEFILE"),
            Some(o_largefile),
            "{arch}"
        );
        assert_eq!(value(&t["auxv"], "PR_GET_AUXV"), Some(0x41555856), "{arch}");
        let x86 = arch.starts_with("x86").then_some(0x80);
        assert_eq!(value(&t["mman"], "MAP_ABOVE4G"), x86, "{arch}");
        let powerpc = arch.starts_with("powerpc");
        assert_eq!(
            value(&t["mman"], "PROT_SAO"),
            powerpc.then_some(0x10),
            "{arch}"
        );
        if powerpc {
            assert_eq!(value(&t["mman"], "MAP_RENAME"), Some(0x20), "{arch}");
        }
    }
}

/// linux-abi.md section 1 (generated from linux-raw-sys, v6.17 headers), one column per
/// arch in [`REFERENCE_ARCHES`] order; `None` where the arch has no such call.
const REFERENCE_ARCHES: [&str; 13] = [
    "x86_64",
    "x86",
    "aarch64",
    "arm",
    "riscv64",
    "riscv32",
    "loongarch64",
    "powerpc64",
    "powerpc",
    "s390x",
    "mips",
    "mips64",
    "sparc64",
];

const N: Option<u32> = None;

/// Shorthand for a row of the reference table: a number on every arch.
const fn row(v: [u32; 13]) -> [Option<u32>; 13] {
    let mut out = [None; 13];
    let mut i = 0;
    while i < 13 {
        out[i] = Some(v[i]);
        i += 1;
    }
    out
}

#[rustfmt::skip]
const REFERENCE: &[(&str, [Option<u32>; 13])] = &[
    //                x86_64    x86      aarch64   arm      riscv64   riscv32  loong64  ppc64    ppc      s390x    mips        mips64      sparc64
    ("mmap",         [Some(9),  Some(90),  Some(222), N,        Some(222), N,         Some(222), Some(90),  Some(90),  Some(90),  Some(4090), Some(5009), Some(71)]),
    ("mmap2",        [N,        Some(192), N,         Some(192), N,        Some(222), N,         N,         Some(192), N,         Some(4210), N,          N]),
    ("munmap",       row([11, 91, 215, 91, 215, 215, 215, 91, 91, 91, 4091, 5011, 73])),
    ("mremap",       row([25, 163, 216, 163, 216, 216, 216, 163, 163, 163, 4167, 5024, 250])),
    ("msync",        row([26, 144, 227, 144, 227, 227, 227, 144, 144, 144, 4144, 5025, 65])),
    ("madvise",      row([28, 219, 233, 220, 233, 233, 233, 205, 205, 219, 4218, 5027, 75])),
    ("mprotect",     row([10, 125, 226, 125, 226, 226, 226, 125, 125, 125, 4125, 5010, 74])),
    ("mlock",        row([149, 150, 228, 150, 228, 228, 228, 150, 150, 150, 4154, 5146, 237])),
    ("mlock2",       row([325, 376, 284, 390, 284, 284, 284, 378, 378, 374, 4359, 5319, 356])),
    ("munlock",      row([150, 151, 229, 151, 229, 229, 229, 151, 151, 151, 4155, 5147, 238])),
    ("mlockall",     row([151, 152, 230, 152, 230, 230, 230, 152, 152, 152, 4156, 5148, 239])),
    ("munlockall",   row([152, 153, 231, 153, 231, 231, 231, 153, 153, 153, 4157, 5149, 240])),
    ("mincore",      row([27, 218, 232, 219, 232, 232, 232, 206, 206, 218, 4217, 5026, 78])),
    ("ftruncate",    [Some(77), Some(93),  Some(46),  Some(93),  Some(46), N,         Some(46),  Some(93),  Some(93),  Some(93),  Some(4093), Some(5075), Some(130)]),
    ("ftruncate64",  [N,        Some(194), N,         Some(194), N,        Some(46),  N,         N,         Some(194), N,         Some(4212), N,          N]),
    ("fstat",        [Some(5),  Some(108), Some(80),  Some(108), Some(80), N,         Some(80),  Some(108), Some(108), Some(108), Some(4108), Some(5005), Some(62)]),
    ("fstat64",      [N,        Some(197), N,         Some(197), N,        N,         N,         N,         Some(197), N,         Some(4215), N,          Some(63)]),
    ("newfstatat",   [Some(262), N,        Some(79),  N,         Some(79), N,         Some(79),  Some(291), N,         Some(293), N,          Some(5252), N]),
    ("fstatat64",    [N,        Some(300), N,         Some(327), N,        N,         N,         N,         Some(291), N,         Some(4293), N,          Some(289)]),
    ("statx",        row([332, 383, 291, 397, 291, 291, 291, 383, 383, 379, 4366, 5326, 360])),
    ("memfd_create", row([319, 356, 279, 385, 279, 279, 279, 360, 360, 350, 4354, 5314, 348])),
    ("process_madvise", row([440, 440, 440, 440, 440, 440, 440, 440, 440, 440, 4440, 5440, 440])),
    ("openat",       row([257, 295, 56, 322, 56, 56, 56, 286, 286, 288, 4288, 5247, 284])),
    ("close",        row([3, 6, 57, 6, 57, 57, 57, 6, 6, 6, 4006, 5003, 6])),
    ("exit_group",   row([231, 252, 94, 248, 94, 94, 94, 234, 234, 248, 4246, 5205, 188])),
    ("write",        row([1, 4, 64, 4, 64, 64, 64, 4, 4, 4, 4004, 5001, 4])),
    ("rt_sigaction", row([13, 174, 134, 174, 134, 134, 134, 173, 173, 174, 4194, 5013, 102])),
    ("rt_sigreturn", row([15, 173, 139, 173, 139, 139, 139, 172, 172, 173, 4193, 5211, 101])),
    ("mseal",        row([462, 462, 462, 462, 462, 462, 462, 462, 462, 462, 4462, 5462, 462])),
    ("getpid",       row([39, 20, 172, 20, 172, 172, 172, 20, 20, 20, 4020, 5038, 20])),
    ("pkey_mprotect", row([329, 380, 288, 394, 288, 288, 288, 386, 386, 384, 4363, 5323, 362])),
    ("memfd_secret", [Some(447), Some(447), Some(447), N,        Some(447), Some(447), N,        N,         N,         Some(447), N,          N,          N]),
    ("process_mrelease", row([448, 448, 448, 448, 448, 448, 448, 448, 448, 448, 4448, 5448, 448])),
    ("userfaultfd",  row([323, 374, 282, 388, 282, 282, 282, 364, 364, 355, 4357, 5317, 352])),
    ("fallocate",    row([285, 324, 47, 352, 47, 47, 47, 309, 309, 314, 4320, 5279, 314])),
];

#[test]
fn every_arch_matches_the_reference_numbers() {
    // Independent of libc (which lacks numbers for some arches and cannot be linked for
    // riscv32 and loongarch64 here) and of the kernel tables we copied: a wrong ABI
    // list in arch_abi() or a wrong mips offset shows up as a wrong or missing number.
    assert_eq!(REFERENCE_ARCHES.len(), parse::ARCHES.len());
    for (i, &arch) in REFERENCE_ARCHES.iter().enumerate() {
        assert!(parse::ARCHES.contains(&arch), "{arch}");
        let (calls, _) = loaded(arch);
        for (name, per_arch) in REFERENCE {
            assert_eq!(nr(&calls, name), per_arch[i], "{arch} {name}");
        }
    }
}

#[test]
fn mips_overrides() {
    let mman = merged("mips", "mman");
    assert_eq!(mman["MAP_ANONYMOUS"], 0x800);
    assert_eq!(mman["MAP_NORESERVE"], 0x400);
    assert_eq!(mman["MAP_LOCKED"], 0x8000);
    assert_eq!(mman["MAP_POPULATE"], 0x10000);
    assert_eq!(mman["PROT_SEM"], 0x10);
    assert_eq!(mman["MAP_FIXED"], 0x10, "unchanged from generic");
    assert!(!mman.contains_key("MAP_SYNC"), "mips has no MAP_SYNC");
    assert!(!mman.contains_key("MAP_UNINITIALIZED"));
    assert!(!mman.contains_key("MADV_SOFT_OFFLINE"));
    let errno = merged("mips", "errno");
    assert_eq!(errno["EINIT"], 141);
    assert_eq!(errno["EREMDEV"], 142);
    assert_eq!(mman["MAP_RENAME"], 0x20);
    assert_eq!(mman["MAP_AUTOGROW"], 0x40);
    assert_eq!(mman["MAP_LOCAL"], 0x80);
    assert_eq!(mman["MAP_AUTORSRV"], 0x100);
    assert_eq!(errno["ENOSYS"], 89);
    assert_eq!(errno["EOPNOTSUPP"], 122);
    assert_eq!(errno["EOVERFLOW"], 79);
    assert_eq!(errno["EDEADLK"], 45);
    assert_eq!(errno["ECANCELED"], 158);
    assert_eq!(errno["EHWPOISON"], 168);
    assert_eq!(errno["EINVAL"], 22, "1-34 are the same everywhere");
    let fcntl = merged("mips", "fcntl");
    assert_eq!(fcntl["O_CREAT"], 0x100);
    assert_eq!(fcntl["O_EXCL"], 0x400);
    assert_eq!(fcntl["O_TRUNC"], 0x200);
    assert_eq!(fcntl["O_NONBLOCK"], 0x80);
}

#[test]
fn sparc_overrides() {
    let mman = merged("sparc", "mman");
    assert_eq!(mman["MAP_NORESERVE"], 0x40);
    assert_eq!(mman["MAP_LOCKED"], 0x100);
    assert_eq!(mman["MAP_GROWSDOWN"], 0x200);
    assert_eq!(mman["MCL_CURRENT"], 0x2000);
    assert_eq!(mman["MCL_FUTURE"], 0x4000);
    assert_eq!(mman["MCL_ONFAULT"], 0x8000);
    assert_eq!(mman["PROT_ADI"], 0x10);
    assert_eq!(mman["MAP_SYNC"], 0x80000, "sparc keeps generic MAP_SYNC");
    let errno = merged("sparc", "errno");
    assert_eq!(errno["EPROCLIM"], 67);
    assert_eq!(errno["ERREMOTE"], 81);
    assert_eq!(mman["MAP_RENAME"], 0x20);
    assert_eq!(mman["MAP_INHERIT"], 0x80);
    assert_eq!(errno["ENOSYS"], 90);
    assert_eq!(errno["EOPNOTSUPP"], 45);
    assert_eq!(errno["EOVERFLOW"], 92);
    assert_eq!(errno["EDEADLK"], 78);
    assert_eq!(errno["ECANCELED"], 127);
    assert_eq!(errno["EHWPOISON"], 135);
    let fcntl = merged("sparc", "fcntl");
    assert_eq!(fcntl["O_CREAT"], 0x200);
    assert_eq!(fcntl["O_EXCL"], 0x800);
    assert_eq!(fcntl["O_TRUNC"], 0x400);
    assert_eq!(fcntl["O_NONBLOCK"], 0x4000);
    assert_eq!(fcntl["O_CLOEXEC"], 0x400000);
    assert_eq!(fcntl["O_TMPFILE"], 0x2010000);
}

#[test]
fn powerpc_and_arm_overrides() {
    let mman = merged("powerpc", "mman");
    assert_eq!(mman["MAP_NORESERVE"], 0x40);
    assert_eq!(mman["MAP_LOCKED"], 0x80);
    assert_eq!(mman["MCL_CURRENT"], 0x2000);
    assert_eq!(mman["MCL_FUTURE"], 0x4000);
    assert_eq!(mman["MCL_ONFAULT"], 0x8000);
    assert_eq!(mman["PROT_SAO"], 0x10);
    let fcntl = merged("powerpc", "fcntl");
    assert_eq!(fcntl["O_DIRECTORY"], 0x4000);
    assert_eq!(fcntl["O_NOFOLLOW"], 0x8000);
    assert_eq!(fcntl["O_DIRECT"], 0x20000);
    assert_eq!(fcntl["O_LARGEFILE"], 0x10000);
    let fcntl = merged("arm", "fcntl");
    assert_eq!(fcntl["O_DIRECTORY"], 0x4000);
    assert_eq!(fcntl["O_NOFOLLOW"], 0x8000);
    assert_eq!(fcntl["O_DIRECT"], 0x10000);
    assert_eq!(fcntl["O_LARGEFILE"], 0x20000);
    assert_eq!(fcntl["O_TMPFILE"], 0x404000);
}

#[test]
fn parser_rejects_malformed_rows() {
    assert!(parse::syscalls("9 common").is_err(), "missing name");
    assert!(
        parse::syscalls("x common mmap sys_mmap").is_err(),
        "bad number"
    );
    assert!(parse::consts("MAP_FOO").is_err(), "missing value");
    assert!(parse::consts("map_foo 1").is_err(), "lowercase name");
    assert!(parse::consts("MAP_FOO 0xZZ").is_err(), "bad hex");
    assert!(parse::consts("MAP_FOO ten").is_err(), "bad decimal");
    let err = parse::consts("# comment\n\nMAP_FOO 1\nbad\n").unwrap_err();
    assert!(err.contains("line 4"), "{err}");
}

#[test]
fn parser_reads_values_and_merge_follows_the_override_rules() {
    let base = parse::consts("A 0x10\nB -100\nC 7 Some message here").unwrap();
    assert_eq!(base[0].value, Some(16));
    assert_eq!(base[1].value, Some(-100));
    assert_eq!(base[2].message, "Some message here");
    let over = parse::consts("A 0x20\nB -\nD 1").unwrap();
    assert_eq!(over[1].value, None);
    let m = parse::merge(base.clone(), over).unwrap();
    let got: Vec<_> = m.iter().map(|c| (c.name.as_str(), c.value)).collect();
    assert_eq!(got, [("A", Some(0x20)), ("C", Some(7)), ("D", Some(1))]);
    let bad = parse::consts("Z -").unwrap();
    assert!(parse::merge(base, bad).unwrap_err().contains('Z'));
}

#[test]
fn signal_overrides() {
    // The values the fault handler depends on, per arch (linux-abi.md §2.6 and the
    // kernel's arch/*/include/uapi/asm/signal.h).
    let (_, x86) = loaded("x86_64");
    let (_, a64) = loaded("aarch64");
    let (_, rv) = loaded("riscv64");
    for t in [&x86, &a64, &rv] {
        assert_eq!(value(&t["signal"], "SIGBUS"), Some(7));
        assert_eq!(value(&t["signal"], "SA_SIGINFO"), Some(4));
        assert_eq!(value(&t["signal"], "_NSIG"), Some(64));
        assert_eq!(value(&t["signal"], "BUS_ADRERR"), Some(2));
    }
    assert_eq!(value(&x86["signal"], "SA_RESTORER"), Some(0x04000000));
    assert_eq!(value(&a64["signal"], "SA_RESTORER"), Some(0x04000000));
    assert_eq!(
        value(&rv["signal"], "SA_RESTORER"),
        None,
        "riscv has no sa_restorer"
    );
    let mips = merged("mips", "signal");
    assert_eq!(mips["SIGBUS"], 10);
    assert_eq!(mips["SA_SIGINFO"], 8);
    assert_eq!(mips["_NSIG"], 128);
    assert_eq!(mips["SIG_BLOCK"], 1);
    assert!(!mips.contains_key("SA_RESTORER"));
    let sparc = merged("sparc", "signal");
    assert_eq!(sparc["SIGBUS"], 10);
    assert_eq!(sparc["SA_SIGINFO"], 0x200);
    assert_eq!(sparc["SA_ONSTACK"], 1);
    assert_eq!(sparc["SA_NODEFER"], 0x20);
    assert_eq!(sparc["SIG_SETMASK"], 4);
    for arch in ["arm", "powerpc", "s390"] {
        assert_eq!(merged(arch, "signal")["SA_RESTORER"], 0x04000000, "{arch}");
    }
    assert_eq!(mips["SIG_UNBLOCK"], 2);
    assert_eq!(mips["SIG_SETMASK"], 3);
    // And as each target_arch loads them (a missing override directory in arch_abi()
    // would silently give the generic values).
    for &arch in parse::ARCHES {
        let (_, t) = loaded(arch);
        let restorer = matches!(
            arch,
            "x86_64" | "x86" | "aarch64" | "arm" | "powerpc" | "powerpc64" | "s390x"
        );
        assert_eq!(
            value(&t["signal"], "SA_RESTORER"),
            restorer.then_some(0x04000000),
            "{arch}"
        );
        let sigbus = if matches!(arch, "mips" | "mips64" | "sparc64") {
            10
        } else {
            7
        };
        assert_eq!(value(&t["signal"], "SIGBUS"), Some(sigbus), "{arch}");
    }
}
