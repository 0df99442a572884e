//! Link arguments for the nostd-cat binary alone (not for dependencies or build
//! scripts): a static executable with no C runtime and no C library.

fn main() {
    // -nostartfiles: our own `_start`, no crt1.o/crti.o. -nostdlib: no libc and no
    // libgcc, so nothing of C can creep in (the memory routines the compiler may call
    // are in main.rs). -static: no dynamic section, no interpreter. --build-id=none,
    // -z noseparate-code and -z norelro: no note, no page-aligned padding between
    // segments, no RELRO padding (which would cost more than the program itself; and
    // RELRO does nothing without a dynamic loader or libc to apply it).
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-Wl,--build-id=none",
        "-Wl,-z,noseparate-code",
        "-Wl,-z,norelro",
    ] {
        println!("cargo::rustc-link-arg-bins={arg}");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
