//! Link arguments for the binaries alone (not for dependencies or build scripts): a
//! static executable with no C runtime and no C library. Also sets `cfg(thumb)` for
//! Thumb targets, whose `_start` differs (the `thumb-mode` target feature is not
//! visible to `cfg` on stable Rust).

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(thumb)");
    let target = env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumb") {
        println!("cargo::rustc-cfg=thumb");
    }
    // Linked by rust-lld itself (targets with no cross gcc, such as riscv32 and
    // loongarch64 on Debian 12) or through a C compiler driver.
    let lld = env::var("RUSTC_LINKER").is_ok_and(|l| l.ends_with("lld"));
    // No crt1.o/crti.o (our own `_start`), no libc and no libgcc, so nothing of C can
    // creep in (the memory routines the compiler may call are in src/rt.rs). Static: no
    // dynamic section, no interpreter. No build-id note, no page-aligned padding
    // between segments, no RELRO padding (which would cost more than the program itself;
    // and RELRO does nothing without a dynamic loader or libc to apply it).
    let args: &[&str] = if lld {
        &[
            "-static",
            "--build-id=none",
            "-z",
            "noseparate-code",
            "-z",
            "norelro",
        ]
    } else {
        &[
            "-nostartfiles",
            "-nostdlib",
            "-static",
            "-Wl,--build-id=none",
            "-Wl,-z,noseparate-code",
            "-Wl,-z,norelro",
        ]
    };
    for arg in args {
        println!("cargo::rustc-link-arg-bins={arg}");
    }
    println!("cargo::rerun-if-env-changed=RUSTC_LINKER");
}
