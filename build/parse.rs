//! Parsers for the tables in `arch/`, shared by `build.rs` and `tests/tables.rs`.
//!
//! Two formats, both line-based, `#` starting a comment line:
//! - syscall tables, rows verbatim from the kernel: `<number> <abi> <name> [<entry>...]`;
//! - constant tables: `NAME VALUE [message...]`, where VALUE is decimal, `0x` hex, negative
//!   decimal, or `-` in an override file to say the name does not exist on that arch.

/// One row of a kernel syscall table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syscall {
    pub nr: u32,
    pub abi: String,
    pub name: String,
}

/// One row of a constant table; `value: None` removes the name (override files only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Const {
    pub name: String,
    pub value: Option<i64>,
    pub message: String,
}

fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i, l.split_whitespace().collect()))
}

/// Parses a kernel `.tbl` file.
pub fn syscalls(text: &str) -> Result<Vec<Syscall>, String> {
    rows(text)
        .map(|(line, f)| {
            if f.len() < 3 {
                return Err(format!("line {line}: expected `<number> <abi> <name>`"));
            }
            let nr = f[0]
                .parse()
                .map_err(|_| format!("line {line}: bad number `{}`", f[0]))?;
            Ok(Syscall {
                nr,
                abi: f[1].to_string(),
                name: f[2].to_string(),
            })
        })
        .collect()
}

/// Parses a `NAME VALUE [message]` file.
pub fn consts(text: &str) -> Result<Vec<Const>, String> {
    rows(text)
        .map(|(line, f)| {
            if f.len() < 2 {
                return Err(format!("line {line}: expected `NAME VALUE`"));
            }
            let (name, v) = (f[0], f[1]);
            if !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!("line {line}: bad name `{name}`"));
            }
            let value = match v {
                "-" => None,
                _ => Some(number(v).ok_or_else(|| format!("line {line}: bad value `{v}`"))?),
            };
            Ok(Const {
                name: name.to_string(),
                value,
                message: f[2..].join(" "),
            })
        })
        .collect()
}

fn number(v: &str) -> Option<i64> {
    match v.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Applies `overrides` to `base` the way an arch's `asm/mman.h` overrides asm-generic:
/// a name present in both takes the override's value, `-` deletes it, new names are added.
pub fn merge(mut base: Vec<Const>, overrides: Vec<Const>) -> Result<Vec<Const>, String> {
    for o in overrides {
        match (base.iter().position(|c| c.name == o.name), o.value) {
            (Some(i), Some(_)) => base[i] = o,
            (Some(i), None) => {
                base.remove(i);
            }
            (None, Some(_)) => base.push(o),
            (None, None) => {
                return Err(format!(
                    "`{} -` removes a name the base does not have",
                    o.name
                ));
            }
        }
    }
    Ok(base)
}

/// How one Rust `target_arch` uses the tables.
pub struct ArchAbi {
    /// Syscall table, relative to `arch/`.
    pub table: &'static str,
    /// The table rows this ABI uses: the kernel's `--abis` list for the arch's
    /// `unistd*.h` (`arch/*/kernel/syscalls/Makefile`, `arch/arm/tools/Makefile`,
    /// `scripts/Makefile.asm-headers` plus `arch/*/kernel/Makefile.syscalls`).
    pub abis: &'static [&'static str],
    /// Added to every number of the table: mips tables count from 0, and the kernel adds
    /// `__NR_Linux` (4000 for o32, 5000 for n64).
    pub nr_offset: u32,
    /// Directories under `arch/` whose constant tables override `generic/`, in order.
    pub overrides: &'static [&'static str],
    /// The ABI cfgs (build.rs `ABI_CFGS`) this arch sets for `src/raw.rs`.
    pub cfgs: &'static [&'static str],
    /// The pointer width of the ABI the table describes; another width on the same
    /// `target_arch` (x32, mips n32, arm64 ilp32) has other numbers and is refused.
    pub pointer_width: u32,
}

/// The ABI of each supported Linux `target_arch`, or `None` when the crate has no table for it.
pub fn arch_abi(arch: &str) -> Option<ArchAbi> {
    const NONE: &[&str] = &[];
    // 32-bit ABIs that take mmap2 (4096-byte offset units) and split 64-bit arguments
    // into register pairs starting at an even register.
    const MMAP2_PAIRS: &[&str] = &["rawmap_mmap2", "rawmap_pair_pad"];
    let abi = |table, abis, nr_offset, overrides, cfgs, pointer_width| ArchAbi {
        table,
        abis,
        nr_offset,
        overrides,
        cfgs,
        pointer_width,
    };
    Some(match arch {
        "x86_64" => abi(
            "x86/syscall_64.tbl",
            &["common", "64"],
            0,
            &["x86"],
            NONE,
            64,
        ),
        "x86" => abi(
            "x86/syscall_32.tbl",
            &["i386"],
            0,
            &["x86"],
            &["rawmap_mmap2"],
            32,
        ),
        "aarch64" => abi(
            "generic/syscall.tbl",
            &["common", "64", "renameat", "rlimit", "memfd_secret"],
            0,
            &["arm64"],
            NONE,
            64,
        ),
        "arm" => abi(
            "arm/syscall.tbl",
            &["common", "eabi"],
            0,
            &["arm"],
            MMAP2_PAIRS,
            32,
        ),
        "riscv64" => abi(
            "generic/syscall.tbl",
            &["common", "64", "riscv", "rlimit", "memfd_secret"],
            0,
            NONE,
            NONE,
            64,
        ),
        "riscv32" => abi(
            "generic/syscall.tbl",
            &["common", "32", "riscv", "memfd_secret"],
            0,
            NONE,
            &["rawmap_mmap2"],
            32,
        ),
        "loongarch64" => abi("generic/syscall.tbl", &["common", "64"], 0, NONE, NONE, 64),
        "powerpc" => abi(
            "powerpc/syscall.tbl",
            &["common", "nospu", "32"],
            0,
            &["powerpc"],
            MMAP2_PAIRS,
            32,
        ),
        "powerpc64" => abi(
            "powerpc/syscall.tbl",
            &["common", "nospu", "64"],
            0,
            &["powerpc"],
            NONE,
            64,
        ),
        "s390x" => abi(
            "s390/syscall.tbl",
            &["common", "64"],
            0,
            &["s390"],
            &["rawmap_old_mmap"],
            64,
        ),
        "mips" => abi(
            "mips/syscall_o32.tbl",
            &["o32"],
            4000,
            &["mips"],
            MMAP2_PAIRS,
            32,
        ),
        "mips64" => abi("mips/syscall_n64.tbl", &["n64"], 5000, &["mips"], NONE, 64),
        "sparc64" => abi(
            "sparc/syscall.tbl",
            &["common", "64"],
            0,
            &["sparc"],
            NONE,
            64,
        ),
        _ => return None,
    })
}

/// Every Rust `target_arch` that has a table, for tests that walk them all.
pub const ARCHES: &[&str] = &[
    "x86_64",
    "x86",
    "aarch64",
    "arm",
    "riscv64",
    "riscv32",
    "loongarch64",
    "powerpc",
    "powerpc64",
    "s390x",
    "mips",
    "mips64",
    "sparc64",
];

/// The constant tables, each a file under `generic/` with optional per-arch overrides.
pub const CONST_TABLES: &[&str] = &["mman", "fcntl", "auxv", "errno", "signal"];

/// Each constant table's name with its merged rows.
pub type ConstTables = Vec<(&'static str, Vec<Const>)>;

/// Reads the syscall numbers and constants of `arch` from the `arch/` directory at `root`.
/// `read` is handed each path it needs, so build.rs can register it for rerun-if-changed.
pub fn load(
    arch: &str,
    mut read: impl FnMut(&str) -> Result<Option<String>, String>,
) -> Result<(Vec<Syscall>, ConstTables), String> {
    let abi = arch_abi(arch).ok_or_else(|| format!("no syscall table for target_arch `{arch}`"))?;
    let table = read(abi.table)?.ok_or_else(|| format!("missing arch/{}", abi.table))?;
    let mut calls: Vec<Syscall> = syscalls(&table)
        .map_err(|e| format!("arch/{}: {e}", abi.table))?
        .into_iter()
        .filter(|s| abi.abis.contains(&s.abi.as_str()))
        .map(|mut s| {
            s.nr += abi.nr_offset;
            s
        })
        .collect();
    calls.sort_by_key(|s| s.nr);
    let mut tables = Vec::new();
    for &t in CONST_TABLES {
        let path = format!("generic/{t}.tbl");
        let text = read(&path)?.ok_or_else(|| format!("missing arch/{path}"))?;
        let mut merged = consts(&text).map_err(|e| format!("arch/{path}: {e}"))?;
        for dir in abi.overrides {
            let path = format!("{dir}/{t}.tbl");
            if let Some(text) = read(&path)? {
                let o = consts(&text).map_err(|e| format!("arch/{path}: {e}"))?;
                merged = merge(merged, o).map_err(|e| format!("arch/{path}: {e}"))?;
            }
        }
        tables.push((t, merged));
    }
    Ok((calls, tables))
}
