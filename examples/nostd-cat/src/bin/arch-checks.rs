//! `arch-checks [--qemu]`: the per-architecture ABI checks of rawmap's tests/arch.rs,
//! run from a `no_std` static binary, for targets where no C library is available to
//! link the std test harness (riscv32, loongarch64 on this project's Debian 12 hosts)
//! and, alongside the harness, on every other one.
//!
//! Prints `ok <name>`, `FAIL <name>: <why>` or, with `--qemu` on a 32-bit target,
//! `skip <name>: <reason>` for checks qemu-user cannot answer; then a summary line.
//! Exit status 0 when every check that ran passed, 1 otherwise, 2 on a bad argument.

#![no_std]
#![no_main]
// `global_asm!` (the `_start` in rt.rs) is still unstable on these (nightly only).
#![cfg_attr(
    any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64"),
    feature(asm_experimental_arch)
)]

#[path = "../rt.rs"]
#[allow(dead_code)]
mod rt;

// The checks themselves, shared with the std test harness.
#[path = "../../../../tests/arch/checks.rs"]
#[allow(dead_code)]
mod checks;

use core::fmt::Write;

use rt::{Args, put};

/// `core::fmt` output to a file descriptor, best effort.
struct Fd(i32);

impl Write for Fd {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        put(self.0, s.as_bytes());
        Ok(())
    }
}

/// The program, called by `rt::start`; returns the exit status.
fn main(args: Args) -> i32 {
    let qemu = match args.get(1).map(|a| a.to_bytes()) {
        None => false,
        Some(b"--qemu") => true,
        Some(_) => {
            put(2, b"usage: arch-checks [--qemu]\n");
            return 2;
        }
    };
    let mut out = Fd(1);
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (name, check, qemu_32bit) in checks::ALL {
        if let (true, true, Some(reason)) = (qemu, cfg!(target_pointer_width = "32"), qemu_32bit) {
            let _ = writeln!(out, "skip {name}: {reason}");
            skipped += 1;
            continue;
        }
        match check() {
            Ok(()) => {
                let _ = writeln!(out, "ok {name}");
                passed += 1;
            }
            Err(f) => {
                let _ = writeln!(out, "FAIL {name}: {f}");
                failed += 1;
            }
        }
    }
    let _ = writeln!(
        out,
        "arch-checks: {passed} passed, {failed} failed, {skipped} skipped"
    );
    i32::from(failed > 0)
}
