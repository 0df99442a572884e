//! Turns the tables in `arch/` into Rust constants for the target architecture.
//!
//! Dependency-free on purpose: it only reads `CARGO_CFG_TARGET_*` (and `CARGO_FEATURE_STD`
//! for the `rawmap_mapping` cfg), parses the tables with `build/parse.rs` and writes
//! `$OUT_DIR/sys.rs`. A Linux target whose architecture has no table stops the build with
//! a message naming it.

#[path = "build/parse.rs"]
#[allow(dead_code)]
mod parse;

use std::fmt::Write as _;
use std::{env, fs, path::Path};

/// ABI cfgs the syscall layer switches on; declared for every target so check-cfg knows them.
const ABI_CFGS: &[(&str, &str)] = &[
    (
        "rawmap_mmap2",
        "mmap2: the offset is passed in 4096-byte units (32-bit ABIs)",
    ),
    (
        "rawmap_old_mmap",
        "old_mmap: mmap takes a pointer to six words (s390x)",
    ),
    (
        "rawmap_pair_pad",
        "64-bit arguments take a register pair starting at an even register (arm, mips o32, ppc32)",
    ),
];

fn main() {
    println!("cargo::rerun-if-changed=build/parse.rs");
    for (cfg, _) in ABI_CFGS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    // `cfg(rawmap_const = "MAP_SYNC")` is set when the arch defines that flag, so that
    // flag types follow the tables instead of repeating which arch has what (and the
    // fault handler knows from `SA_RESTORER` whether the kernel's sigaction has a
    // restorer field).
    println!("cargo::rustc-check-cfg=cfg(rawmap_const, values(any()))");
    // `cfg(rawmap_mapping)`: the target has a Mapping backend (src/os/): Linux always,
    // through raw syscalls; macOS and Windows with the `std` feature, through libc and
    // windows-sys. Elsewhere the crate offers only `Errno`.
    println!("cargo::rustc-check-cfg=cfg(rawmap_mapping)");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let std = env::var_os("CARGO_FEATURE_STD").is_some();
    if os == "linux" || (std && matches!(os.as_str(), "macos" | "windows")) {
        println!("cargo::rustc-cfg=rawmap_mapping");
    }
    // `cfg(rawmap_fault_copy)`: read_at/write_at are fault-safe here: the arch has a copy
    // routine (src/copy/<arch>.rs) and the OS a handler for its faults: Linux's SIGBUS
    // handler (src/linux/fault/, with that arch's signal frame in
    // src/linux/fault/<arch>.rs), or Windows x86_64's vectored exception handler
    // (src/os/windows_fault.rs, with the std backend). Elsewhere they copy plainly and
    // `fault::install` says UNSUPPORTED; the files' presence is the one place that says so.
    println!("cargo::rustc-check-cfg=cfg(rawmap_fault_copy)");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let src = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("src");
    let routine = src.join("copy").join(format!("{arch}.rs"));
    println!("cargo::rerun-if-changed={}", routine.display());
    if os == "windows" && std && arch == "x86_64" && routine.exists() {
        println!("cargo::rustc-cfg=rawmap_fault_copy");
    }
    if os != "linux" {
        return;
    }
    let frame = src.join("linux/fault").join(format!("{arch}.rs"));
    println!("cargo::rerun-if-changed={}", frame.display());
    match (routine.exists(), frame.exists()) {
        (true, true) => println!("cargo::rustc-cfg=rawmap_fault_copy"),
        (false, false) => {}
        (true, false) => panic!(
            "rawmap: src/copy/{arch}.rs has a fault-safe copy routine, but \
             src/linux/fault/{arch}.rs, where the SIGBUS handler finds the registers in \
             {arch}'s signal frame, is missing"
        ),
        (false, true) => panic!(
            "rawmap: src/linux/fault/{arch}.rs describes {arch}'s signal frame, but the copy \
             routine it serves is not in src/copy/{arch}.rs (routines live there, shared \
             by every OS; the Linux file keeps CONTEXT and restorer only)"
        ),
    }
    let width = env::var("CARGO_CFG_TARGET_POINTER_WIDTH").expect("cargo sets the pointer width");
    if let Some(abi) = parse::arch_abi(&arch) {
        if width != abi.pointer_width.to_string() {
            panic!(
                "rawmap: target_arch `{arch}` with {width}-bit pointers (x32, mips n32, arm64 \
                 ilp32) has its own syscall numbers, and arch/ has no table for it"
            );
        }
        for cfg in abi.cfgs {
            assert!(
                ABI_CFGS.iter().any(|(c, _)| c == cfg),
                "undeclared cfg {cfg}"
            );
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("arch");
    let read = |rel: &str| {
        let path = root.join(rel);
        println!("cargo::rerun-if-changed={}", path.display());
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    };
    let (calls, tables) = match parse::load(&arch, read) {
        Ok(t) => t,
        Err(e) => panic!(
            "rawmap: cannot build for Linux on target_arch `{arch}`: {e}. \
             Supported: {:?}. Adding an arch means adding its table to arch/ (see arch/README.md).",
            parse::ARCHES
        ),
    };
    for (table, consts) in &tables {
        if matches!(*table, "mman" | "fcntl" | "signal") {
            for c in consts {
                println!("cargo::rustc-cfg=rawmap_const=\"{}\"", c.name);
            }
        }
    }
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("sys.rs");
    fs::write(&out, render(&arch, &calls, &tables)).expect("write $OUT_DIR/sys.rs");
}

fn render(arch: &str, calls: &[parse::Syscall], tables: &[(&str, Vec<parse::Const>)]) -> String {
    let mut s = format!("// Generated by build.rs from arch/ for target_arch `{arch}`.\n");
    s += "/// Syscall numbers (`__NR_*`), without the prefix.\npub mod nr {\n";
    for c in calls {
        let _ = writeln!(
            s,
            "    pub const {}: usize = {};",
            c.name.to_uppercase(),
            c.nr
        );
    }
    s += "}\n";
    for (table, consts) in tables {
        let _ = writeln!(
            s,
            "/// Constants from `arch/*/{table}.tbl`.\npub mod {table} {{"
        );
        let ty = if *table == "errno" { "u16" } else { "u32" };
        for c in consts {
            let v = c.value.expect("merge drops removed names");
            let (ty, lit) = match v < 0 || *table == "errno" {
                true if v < 0 => ("i32", v.to_string()),
                true => (ty, v.to_string()),
                false => (ty, format!("{v:#x}")),
            };
            let _ = writeln!(s, "    pub const {}: {ty} = {lit};", c.name);
        }
        if *table == "errno" {
            s += &errno_tables(consts);
        }
        s += "}\n";
    }
    // Named Errno constants: `EINVAL` becomes `Errno::INVAL` (`E2BIG` becomes `TOOBIG`).
    if let Some((_, errnos)) = tables.iter().find(|(t, _)| *t == "errno") {
        s += "impl crate::Errno {\n";
        for c in errnos {
            let short = match &c.name[1..] {
                "2BIG" => "TOOBIG",
                other => other,
            };
            let _ = writeln!(
                s,
                "    #[doc = \"`{}`: {}.\"]\n    #[doc(alias = \"{}\")]\n    pub const {short}: Self = Self::from_table(errno::{});",
                c.name, c.message, c.name, c.name
            );
        }
        s += "}\n";
    }
    s
}

/// Packed lookup tables for `Errno::name`/`message`: codes, then names and messages as
/// one string each with end offsets. Names and messages are separate so a binary that
/// only asks for names does not carry the messages (about 1 KiB instead of 9).
fn errno_tables(consts: &[parse::Const]) -> String {
    let mut s = String::new();
    let codes: Vec<String> = consts
        .iter()
        .map(|c| c.value.unwrap().to_string())
        .collect();
    let _ = writeln!(s, "    /// Every errno of this arch, in table order.");
    let _ = writeln!(
        s,
        "    pub static CODES: [u16; {}] = [{}];",
        codes.len(),
        codes.join(", ")
    );
    for (what, field) in [("NAME", 0), ("MESSAGE", 1)] {
        let mut all = String::new();
        let mut ends = Vec::new();
        for c in consts {
            all += if field == 0 { &c.name } else { &c.message };
            ends.push(all.len().to_string());
        }
        let _ = writeln!(
            s,
            "    /// The {what}s of `CODES`, concatenated; entry `i` ends at `{what}_ENDS[i]`."
        );
        let _ = writeln!(s, "    pub static {what}S: &str = {all:?};");
        let _ = writeln!(s, "    #[allow(missing_docs)]");
        let _ = writeln!(
            s,
            "    pub static {what}_ENDS: [u16; {}] = [{}];",
            ends.len(),
            ends.join(", ")
        );
    }
    s
}
