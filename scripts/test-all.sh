#!/usr/bin/env bash
# scripts/test-all.sh: the one command that checks rawmap. It installs what the checks
# need (on Debian/Ubuntu, as root or with passwordless sudo), then runs every step,
# keeps going after a failure, and ends with a summary table and the line
#   summary: N passed, N failed, N skipped
# It exits 1 if any step failed, 2 on a usage error, 0 otherwise.
#
# Usage:
#   scripts/test-all.sh              run every step
#   scripts/test-all.sh STEP...      run only these steps (names: see --list)
#   scripts/test-all.sh --list       print the step names and commands
#
# Environment knobs:
#   RAWMAP_SKIP_QEMU=1     do not run (or install for) the qemu-user cross steps; they
#                          are reported as SKIP, never as passed.
#   RAWMAP_FUZZ_SECONDS=N  how long the fuzz step runs (default 60).
#   RAWMAP_MODEL_CASES=N   cases of the model-based test (tests/model.rs; default 2500,
#                          250 under qemu-user).
#   RAWMAP_NO_INSTALL=1    install nothing; steps whose tools are missing are SKIPped.
#   RAWMAP_STRICT=1        count a skipped step as a failure (for CI that must run all).
#   RAWMAP_MIN_FREE_GIB=N  below N GiB free (default 8), the build directories of
#                          finished cross steps are removed (said loudly).
#   RAWMAP_STABLE=T, RAWMAP_NIGHTLY=T
#                          the toolchains to use instead of the pinned ones
#                          (scripts/toolchains.sh); missing ones are installed.
#
# A step is skipped only when a tool it needs is missing and could not be installed
# (no root and no sudo, apt or rustup failed, or a knob above); the reason is printed
# where the step would have run and again in the summary.
#
# Every Linux architecture Rust targets is tested: natively on x86_64 (gnu, musl) and
# i686 (static, on the same kernel: test-i686-native), and under qemu-user for the rest
# (test-<arch>, from CROSS_TABLE below; the no_std example runs on each, nostd-<arch>).
# Targets without a rustup std here, or whose asm! is still unstable (mips*, sparc64),
# use nightly with -Zbuild-std. riscv32 and loongarch64 have no C library in Debian 12,
# so their test steps are skipped with that reason; clippy-nightly-cross still compiles
# their tests (the libc cross-checks of tests/abi.rs are compile-time assertions) and
# nostd-riscv32/nostd-loongarch64 run the per-arch checks without std.
#
# The qemu steps build with `--cfg qemu` (set here, through CARGO_TARGET_<TRIPLE>_RUSTFLAGS,
# not in .cargo/config.toml, so a build on real arm64/riscv64 hardware is not marked as
# emulated): tests use it to check ABI plumbing instead of kernel semantics that
# qemu-user does not implement. Linker and runner per target are in .cargo/config.toml.
# qemu-user 7.2 intermittently crashes or hangs when several test threads map memory
# while others fork (first seen on 32-bit guests; then a child forked by
# seal_write_while_writably_mapped_is_ebusy on powerpc64le sat in futex waits, both its
# threads, for over ten minutes), so every qemu step runs one test thread; every qemu
# step has a time limit (RAWMAP_STEP_TIMEOUT seconds, default 1800).
# qemu-user has no seccomp, so the fault-injection tests (tests/faults.rs,
# tests/page_size_faults.rs) are ignored there; the summary names them, and they run in
# the native steps (test, test-no-default, test-musl).
#
# The miri and fuzz steps use the nightly toolchain. Miri cannot run inline asm, so it
# runs the library's unit tests that make no syscall; cargo-fuzz needs libFuzzer.

set -euo pipefail

# Run from the repository root whatever the caller's directory.
cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
# RAWMAP_STABLE and RAWMAP_NIGHTLY: the pinned toolchains.
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

# EPOCHREALTIME and awk must agree on the decimal point.
export LC_NUMERIC=C
export DEBIAN_FRONTEND=noninteractive
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

# ---------------------------------------------------------------------------------------
# The steps, in order: name and command. Each runs from the repo root.
# ---------------------------------------------------------------------------------------

# The cross targets, one line each: short name (step suffix), Rust triple, GNU triple
# (the cross gcc's prefix and the sysroot /usr/<gnu>), Debian packages of the gcc and of
# the C library ("-": Debian 12 has none), the qemu-user program, what `uname -m` says on
# a machine of that arch (whose native steps then cover it), and the toolchain: stable
# (rustup's std) or nightly (-Zbuild-std: no rustup std here, or asm! unstable).
CROSS_TABLE='
aarch64     aarch64-unknown-linux-gnu           aarch64-linux-gnu       gcc-aarch64-linux-gnu       libc6-dev-arm64-cross    qemu-aarch64     aarch64     stable
riscv64     riscv64gc-unknown-linux-gnu         riscv64-linux-gnu       gcc-riscv64-linux-gnu       libc6-dev-riscv64-cross  qemu-riscv64     riscv64     stable
i686        i686-unknown-linux-gnu              i686-linux-gnu          gcc-i686-linux-gnu          libc6-dev-i386-cross     qemu-i386        i686        stable
armv7       armv7-unknown-linux-gnueabihf       arm-linux-gnueabihf     gcc-arm-linux-gnueabihf     libc6-dev-armhf-cross    qemu-arm         armv7l      stable
thumbv7neon thumbv7neon-unknown-linux-gnueabihf arm-linux-gnueabihf     gcc-arm-linux-gnueabihf     libc6-dev-armhf-cross    qemu-arm         armv7l      stable
powerpc64le powerpc64le-unknown-linux-gnu       powerpc64le-linux-gnu   gcc-powerpc64le-linux-gnu   libc6-dev-ppc64el-cross  qemu-ppc64le     ppc64le     stable
powerpc64   powerpc64-unknown-linux-gnu         powerpc64-linux-gnu     gcc-powerpc64-linux-gnu     libc6-dev-ppc64-cross    qemu-ppc64       ppc64       stable
powerpc     powerpc-unknown-linux-gnu           powerpc-linux-gnu       gcc-powerpc-linux-gnu       libc6-dev-powerpc-cross  qemu-ppc         ppc         stable
s390x       s390x-unknown-linux-gnu             s390x-linux-gnu         gcc-s390x-linux-gnu         libc6-dev-s390x-cross    qemu-s390x       s390x       stable
mips        mips-unknown-linux-gnu              mips-linux-gnu          gcc-mips-linux-gnu          libc6-dev-mips-cross     qemu-mips        mips        nightly
mipsel      mipsel-unknown-linux-gnu            mipsel-linux-gnu        gcc-mipsel-linux-gnu        libc6-dev-mipsel-cross   qemu-mipsel      mips        nightly
mips64      mips64-unknown-linux-gnuabi64       mips64-linux-gnuabi64   gcc-mips64-linux-gnuabi64   libc6-dev-mips64-cross   qemu-mips64      mips64      nightly
mips64el    mips64el-unknown-linux-gnuabi64     mips64el-linux-gnuabi64 gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross qemu-mips64el    mips64      nightly
sparc64     sparc64-unknown-linux-gnu           sparc64-linux-gnu       gcc-sparc64-linux-gnu       libc6-dev-sparc64-cross  qemu-sparc64     sparc64     nightly
riscv32     riscv32gc-unknown-linux-gnu         riscv32-linux-gnu       -                           -                        qemu-riscv32     riscv32     nightly
loongarch64 loongarch64-unknown-linux-gnu       loongarch64-linux-gnu   -                           -                        qemu-loongarch64 loongarch64 nightly
'
declare -A X_TRIPLE=() X_GNU=() X_GCC=() X_LIBC=() X_QEMU=() X_UNAME=() X_TOOLCHAIN=()
declare -A X_BY_GNU=()
X_NAMES=()
while read -r name triple gnu gcc libc qemu uname toolchain; do
    [[ -n "$name" ]] || continue
    X_NAMES+=("$name")
    X_TRIPLE[$name]=$triple X_GNU[$name]=$gnu X_GCC[$name]=$gcc X_LIBC[$name]=$libc
    X_QEMU[$name]=$qemu X_UNAME[$name]=$uname X_TOOLCHAIN[$name]=$toolchain
    X_BY_GNU[$gnu]=$name
done <<<"$CROSS_TABLE"

STEPS=(fmt clippy clippy-no-default clippy-cross clippy-nightly-cross doc test
    test-no-default test-musl test-i686-native)
for x in "${X_NAMES[@]}"; do STEPS+=("test-$x"); done
STEPS+=(miri fuzz test-windows check-macos-x86_64 check-macos-aarch64 tour tour-aarch64
    tour-riscv64 nostd-x86_64)
for x in "${X_NAMES[@]}"; do STEPS+=("nostd-$x"); done
STEPS+=(bench-build)

# The fuzz target and how long it runs.
FUZZ_TARGET=options_and_ranges
FUZZ_SECONDS=${RAWMAP_FUZZ_SECONDS:-60}

# The cross targets clippy checks: their asm (src/linux/arch/) is only compiled there.
CROSS=() NIGHTLY_CROSS=()
for x in "${X_NAMES[@]}"; do
    if [[ ${X_TOOLCHAIN[$x]} == stable ]]; then
        CROSS+=(--target "${X_TRIPLE[$x]}")
    else
        NIGHTLY_CROSS+=(--target "${X_TRIPLE[$x]}")
    fi
done

# What each step runs, as shown in --list and the summary.
declare -A DESCRIBE=(
    [fmt]="cargo fmt --all -- --check"
    [clippy]="cargo clippy --all-targets -- -D warnings"
    [clippy-no-default]="cargo clippy --all-targets --no-default-features -- -D warnings"
    [clippy-cross]="cargo clippy --all-targets ${CROSS[*]} -- -D warnings"
    [clippy-nightly-cross]="cargo +$RAWMAP_NIGHTLY clippy -Zbuild-std --all-targets ${NIGHTLY_CROSS[*]} -- -D warnings (also compiles the tests of riscv32 and loongarch64, which cannot link)"
    [test-i686-native]="cargo test --no-fail-fast --target i686-unknown-linux-gnu, static, run natively on this x86_64 kernel (RAWMAP_I686_NATIVE=1)"
    [doc]='RUSTDOCFLAGS="-D warnings" cargo doc --no-deps'
    [test]="cargo test --no-fail-fast"
    [test-no-default]="cargo test --no-fail-fast --no-default-features"
    [test-musl]="cargo test --no-fail-fast --target x86_64-unknown-linux-musl"
    [miri]="cargo +$RAWMAP_NIGHTLY miri test --lib (range arithmetic, errno tables; syscall tests ignored)"
    [fuzz]="cargo +$RAWMAP_NIGHTLY fuzz run $FUZZ_TARGET -s none -- -max_total_time=$FUZZ_SECONDS"
    [tour]="cargo run --example tour"
    [tour-aarch64]="cargo run --example tour --target aarch64-unknown-linux-gnu (qemu-user)"
    [tour-riscv64]="cargo run --example tour --target riscv64gc-unknown-linux-gnu (qemu-user)"
    [nostd-x86_64]="scripts/nostd-example.sh x86_64-unknown-linux-gnu"
    [bench-build]="cargo bench --no-run"
    [test-windows]="clippy -D warnings, doc -D warnings, check --lib --no-default-features, then cargo test --no-fail-fast, for x86_64-pc-windows-gnu (mingw linker, wine64 runner: scripts/wine/runner.sh, --cfg wine)"
    [check-macos-x86_64]="cargo check --all-targets, clippy -D warnings, doc -D warnings, check --lib --no-default-features, for x86_64-apple-darwin (compile only: no macOS here)"
    [check-macos-aarch64]="the same for aarch64-apple-darwin (compile only)"
)
for x in "${X_NAMES[@]}"; do
    t=${X_TRIPLE[$x]} how=""
    if [[ ${X_TOOLCHAIN[$x]} == nightly ]]; then
        DESCRIBE[test-$x]="cargo +$RAWMAP_NIGHTLY test -Zbuild-std --no-fail-fast --target $t"
    else
        DESCRIBE[test-$x]="cargo test --no-fail-fast --target $t"
    fi
    how="${X_QEMU[$x]}, --cfg qemu, one test thread"
    DESCRIBE[test-$x]+=" ($how)"
    DESCRIBE[nostd-$x]="scripts/nostd-example.sh $t"
done

# What each step needs before it can run, as space-separated requirements:
#   component:NAME        a rustup component of the active toolchain
#   target:TRIPLE         the standard library for TRIPLE
#   cmd:PROGRAM:PACKAGE   PROGRAM on PATH, from Debian PACKAGE
#   file:PATH:PACKAGE     PATH exists, from Debian PACKAGE
#   benches               a benches/*.rs file to compile
#   qemu                  not disabled by RAWMAP_SKIP_QEMU
#   host:ARCH / nothost:ARCH   the machine is (is not) ARCH, as `uname -m` says
#   nightly               the nightly toolchain (rustup)
#   nightly-component:NAME     a rustup component of the nightly toolchain
#   cargo-fuzz            the cargo-fuzz subcommand (cargo install)
#   sysroot:GNU-TRIPLE    GNU-TRIPLE-gcc and a C library in /usr/GNU-TRIPLE, for which
#                         Debian 12 has no package (so nothing is installed for it)
# Whatever compiles build.rs or a test binary links with the host C compiler, and the
# gcc package alone (without recommends) does not bring libc6-dev.
HOST_CC="cmd:cc:gcc file:/usr/include/stdio.h:libc6-dev"
CLIPPY_TARGETS=""
declare -A NEEDS=(
    [fmt]="component:rustfmt"
    [clippy]="component:clippy $HOST_CC"
    [clippy-no-default]="component:clippy $HOST_CC"
    [clippy-cross]="component:clippy $HOST_CC"
    [clippy-nightly-cross]="$HOST_CC nightly nightly-component:rust-src
        nightly-component:clippy"
    [test-i686-native]="host:x86_64 $HOST_CC target:i686-unknown-linux-gnu
        cmd:i686-linux-gnu-gcc:gcc-i686-linux-gnu
        file:/usr/i686-linux-gnu/lib/libc.a:libc6-dev-i386-cross"
    [doc]="$HOST_CC"
    [test]="$HOST_CC"
    [test-no-default]="$HOST_CC"
    [test-musl]="host:x86_64 target:x86_64-unknown-linux-musl $HOST_CC"
    [tour]="$HOST_CC"
    [bench-build]="benches $HOST_CC"
    [test-windows]="host:x86_64 component:clippy $HOST_CC target:x86_64-pc-windows-gnu
        cmd:x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64
        file:/usr/x86_64-w64-mingw32/lib/libkernel32.a:mingw-w64-x86-64-dev
        file:/usr/lib/wine/wine64:wine64"
    [check-macos-x86_64]="component:clippy $HOST_CC target:x86_64-apple-darwin"
    [check-macos-aarch64]="component:clippy $HOST_CC target:aarch64-apple-darwin"
    [miri]="nightly nightly-component:miri nightly-component:rust-src $HOST_CC"
    [fuzz]="nightly cargo-fuzz $HOST_CC cmd:c++:g++"
)
# Each cross target's test step needs its std (rustup's, or nightly's rust-src to build
# one), its cross gcc and C library, and its qemu; its nostd step the same, without the
# C library (and without the gcc where rust-lld links: riscv32, loongarch64).
for x in "${X_NAMES[@]}"; do
    t=${X_TRIPLE[$x]} gnu=${X_GNU[$x]}
    if [[ ${X_TOOLCHAIN[$x]} == nightly ]]; then
        std="nightly nightly-component:rust-src"
    else
        std="target:$t"
        CLIPPY_TARGETS+=" target:$t"
    fi
    if [[ ${X_GCC[$x]} == - ]]; then
        cc="sysroot:$gnu" nostd_cc=""
    else
        cc="cmd:$gnu-gcc:${X_GCC[$x]} file:/usr/$gnu/lib/crt1.o:${X_LIBC[$x]}"
        nostd_cc="cmd:$gnu-gcc:${X_GCC[$x]}"
    fi
    run="cmd:${X_QEMU[$x]}:qemu-user"
    NEEDS[test-$x]="nothost:${X_UNAME[$x]} qemu $HOST_CC $std $cc $run"
    if [[ $x == i686 ]]; then
        # A static i686 binary runs natively on an x86_64 kernel.
        NEEDS[nostd-$x]="host:x86_64 $HOST_CC $std $nostd_cc"
    else
        NEEDS[nostd-$x]="nothost:${X_UNAME[$x]} qemu $HOST_CC $std $nostd_cc $run"
    fi
done
NEEDS[clippy-cross]+=$CLIPPY_TARGETS
# The example steps need what the test step of the same target needs.
NEEDS[tour-aarch64]=${NEEDS[test-aarch64]}
NEEDS[tour-riscv64]=${NEEDS[test-riscv64]}
NEEDS[nostd-x86_64]="host:x86_64 ${NEEDS[test]}"

# The command of each step. Kept next to DESCRIBE above; a function so the qemu steps
# can set their per-target flags without leaking them into the other steps.
# `--no-fail-fast`: a failing test binary must not hide the results of the others.
step_command() {
    case "$1" in
    fmt) cargo fmt --all -- --check ;;
    clippy) cargo clippy --all-targets -- -D warnings ;;
    clippy-no-default) cargo clippy --all-targets --no-default-features -- -D warnings ;;
    clippy-cross) cargo clippy --all-targets "${CROSS[@]}" -- -D warnings ;;
    clippy-nightly-cross)
        cargo "+$RAWMAP_NIGHTLY" clippy -Zbuild-std --all-targets "${NIGHTLY_CROSS[@]}" -- -D warnings
        ;;
    test-i686-native) i686_native_test ;;
    doc) RUSTDOCFLAGS="-D warnings" cargo doc --no-deps ;;
    test) cargo test --no-fail-fast ;;
    test-no-default) cargo test --no-fail-fast --no-default-features ;;
    test-musl) cargo test --no-fail-fast --target x86_64-unknown-linux-musl ;;
    miri) cargo "+$RAWMAP_NIGHTLY" miri test --lib ;;
    fuzz) cargo "+$RAWMAP_NIGHTLY" fuzz run "$FUZZ_TARGET" -s none -- -max_total_time="$FUZZ_SECONDS" ;;
    tour) cargo run --example tour ;;
    tour-aarch64) cargo run --example tour --target aarch64-unknown-linux-gnu ;;
    tour-riscv64) cargo run --example tour --target riscv64gc-unknown-linux-gnu ;;
    bench-build) cargo bench --no-run ;;
    test-windows) windows_test ;;
    check-macos-x86_64) macos_check x86_64-apple-darwin ;;
    check-macos-aarch64) macos_check aarch64-apple-darwin ;;
    nostd-x86_64) scripts/nostd-example.sh x86_64-unknown-linux-gnu ;;
    test-*) qemu_test "${1#test-}" ;;
    nostd-*) scripts/nostd-example.sh "${X_TRIPLE[${1#nostd-}]}" ;;
    *) echo "unknown step $1" >&2 && return 2 ;;
    esac
}

# `cargo test --target TRIPLE` under qemu-user with `--cfg qemu` for that target only.
# RUSTFLAGS and CARGO_ENCODED_RUSTFLAGS would override the per-target variable, so any
# flags the caller set there are moved into it instead of silently dropping --cfg qemu
# (cargo splits that variable on whitespace, so an encoded flag containing a space would
# not survive; none of the usual ones do).
#
# $1 is a short name from CROSS_TABLE. Nightly targets build std from source
# (-Zbuild-std). One test thread (see the header). sparc64 runs
# without panic backtraces (qemu-sparc64 takes about 40 s to unwind for one, and four
# tests panic on purpose) and with 16 proptest cases instead of 256 (a case of the
# cursor model test takes about 5 s there). loongarch64 code is built without LSX,
# which qemu 7.2 lacks.
qemu_test() {
    local x=$1 triple=${X_TRIPLE[$1]} var
    var="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_RUSTFLAGS"
    local encoded=${CARGO_ENCODED_RUSTFLAGS:-}
    local flags="${encoded//$'\x1f'/ } ${RUSTFLAGS:-} ${!var:-} --cfg qemu"
    [[ $x != loongarch64 ]] || flags+=" -C target-feature=-lsx"
    local cargo=(cargo test)
    [[ ${X_TOOLCHAIN[$x]} == stable ]] || cargo=(cargo "+$RAWMAP_NIGHTLY" test -Zbuild-std)
    local backtrace=${RUST_BACKTRACE:-1} cases=${PROPTEST_CASES:-256}
    [[ $x != sparc64 ]] || backtrace=0 cases=${PROPTEST_CASES:-16}
    env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS "$var=$flags" RUST_BACKTRACE="$backtrace" \
        PROPTEST_CASES="$cases" \
        timeout --kill-after=30 "${RAWMAP_STEP_TIMEOUT:-1800}" \
        "${cargo[@]}" --no-fail-fast --target "$triple" -- --test-threads=1
}

# i686 natively: a static build (the host has no 32-bit loader) in its own target
# directory, run on this x86_64 kernel through the config's runner
# (RAWMAP_I686_NATIVE=1). Doctests are built with the same flag.
i686_native_test() {
    env -u CARGO_ENCODED_RUSTFLAGS RAWMAP_I686_NATIVE=1 \
        RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -C target-feature=+crt-static" \
        cargo test --no-fail-fast --target i686-unknown-linux-gnu --target-dir target/i686-static
}

# Windows under Wine. The runner (scripts/wine/runner.sh, named in .cargo/config.toml)
# prepares a private prefix in target/wine-prefix and builds the bcryptprimitives.dll
# shim that Wine < 8.13 lacks; the first run takes about 20 s for `wineboot`.
# `--cfg wine` (for this target only, as --cfg qemu is for the qemu steps) runs the
# tests that need Wine underneath: tests/fault_windows.rs shrinks mapped files with
# Linux system calls, which Windows does not have.
windows_test() {
    local t=x86_64-pc-windows-gnu var=CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS
    local encoded=${CARGO_ENCODED_RUSTFLAGS:-}
    local flags="${encoded//$'\x1f'/ } ${RUSTFLAGS:-} ${!var:-} --cfg wine"
    (
        unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
        export "$var=$flags"
        cargo clippy --all-targets --target $t -- -D warnings &&
            RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --target $t &&
            cargo check --lib --no-default-features --target $t &&
            cargo test --no-fail-fast --target $t
    )
}

# macOS cannot run here (no macOS host, no Apple SDK to link): compile and lint only.
macos_check() {
    local t=$1
    cargo check --all-targets --target "$t" &&
        cargo clippy --all-targets --target "$t" -- -D warnings &&
        RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --target "$t" &&
        cargo check --lib --no-default-features --target "$t"
}

# ---------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

SELECTED=()
for arg in "$@"; do
    case "$arg" in
    -h | --help) usage && exit 0 ;;
    --list)
        for s in "${STEPS[@]}"; do printf '%-20s %s\n' "$s" "${DESCRIBE[$s]}"; done
        exit 0
        ;;
    *)
        if [[ -z "${DESCRIBE[$arg]+set}" ]]; then
            echo "test-all.sh: unknown step '$arg' (see --list)" >&2
            exit 2
        fi
        SELECTED+=("$arg")
        ;;
    esac
done
[[ ${#SELECTED[@]} -gt 0 ]] || SELECTED=("${STEPS[@]}")

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

banner() { printf '\n==> %s\n' "$*"; }
loud() { printf '\n!!! %s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

rust_sysroot() { rustc --print sysroot 2>/dev/null; }

# Whether requirement $1 is satisfied right now.
have() {
    local kind=${1%%:*} rest=${1#*:}
    case "$kind" in
    component)
        case "$rest" in
        rustfmt) cargo fmt --version >/dev/null 2>&1 ;;
        clippy) cargo clippy --version >/dev/null 2>&1 ;;
        esac
        ;;
    target)
        local root
        root=$(rust_sysroot) && [[ -d "$root/lib/rustlib/$rest/lib" ]]
        ;;
    cmd) command -v "${rest%%:*}" >/dev/null 2>&1 ;;
    file) [[ -e "${rest%%:*}" ]] ;;
    benches) compgen -G 'benches/*.rs' >/dev/null ;;
    qemu) [[ "${RAWMAP_SKIP_QEMU:-0}" != 1 ]] ;;
    host) [[ "$(uname -m)" == "$rest" ]] ;;
    nothost) [[ "$(uname -m)" != "$rest" ]] ;;
    nightly) rustup run "$RAWMAP_NIGHTLY" rustc --version >/dev/null 2>&1 ;;
    nightly-component)
        case "$rest" in
        miri) cargo "+$RAWMAP_NIGHTLY" miri --version >/dev/null 2>&1 ;;
        *) rustup component list --toolchain "$RAWMAP_NIGHTLY" --installed 2>/dev/null |
            grep -q "^$rest" ;;
        esac
        ;;
    cargo-fuzz) cargo fuzz --version >/dev/null 2>&1 ;;
    sysroot) command -v "$rest-gcc" >/dev/null 2>&1 && [[ -e /usr/$rest/lib/crt1.o ]] ;;
    esac
}

# Why installs fail, keyed by package, target or component name.
declare -A INSTALL_ERROR=()

# How to run apt-get with root rights, or why that is impossible (sets PRIV / NOPRIV).
PRIV=() NOPRIV=""
if [[ ${EUID} -eq 0 ]]; then
    PRIV=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    PRIV=(sudo -n)
else
    NOPRIV="not root and passwordless sudo is unavailable"
fi

# Installs the Debian packages given, one apt-get update at most; records failures.
apt_install() {
    local pkg why=""
    if [[ "${RAWMAP_NO_INSTALL:-0}" == 1 ]]; then
        why="RAWMAP_NO_INSTALL=1"
    elif ! command -v apt-get >/dev/null 2>&1; then
        why="apt-get not found (not Debian/Ubuntu?)"
    elif [[ -n "$NOPRIV" ]]; then
        why=$NOPRIV
    fi
    if [[ -n "$why" ]]; then
        for pkg in "$@"; do INSTALL_ERROR[$pkg]="cannot install package $pkg: $why"; done
        return 0
    fi
    local apt=("${PRIV[@]}" apt-get -q -o DPkg::Lock::Timeout=300)
    banner "installing Debian packages: $*"
    "${apt[@]}" update </dev/null || loud "apt-get update failed; trying the install anyway"
    if ! "${apt[@]}" install -y --no-install-recommends "$@" </dev/null; then
        # One bad package must not block the others: retry them one by one.
        for pkg in "$@"; do
            "${apt[@]}" install -y --no-install-recommends "$pkg" </dev/null ||
                INSTALL_ERROR[$pkg]="apt-get install $pkg failed"
        done
    fi
}

# Adds rustup targets or components ("target" or "component", then names).
rustup_add() {
    local what=$1 name why=""
    shift
    if [[ "${RAWMAP_NO_INSTALL:-0}" == 1 ]]; then
        why="RAWMAP_NO_INSTALL=1"
    elif ! command -v rustup >/dev/null 2>&1; then
        why="rustup not found"
    fi
    for name in "$@"; do
        if [[ -n "$why" ]]; then
            INSTALL_ERROR[$name]="cannot add rustup $what $name: $why"
        else
            banner "rustup $what add $name"
            rustup "$what" add "$name" </dev/null ||
                INSTALL_ERROR[$name]="rustup $what add $name failed"
        fi
    done
}

# Installs the nightly toolchain (minimal profile); records a failure.
nightly_install() {
    local why=""
    if [[ "${RAWMAP_NO_INSTALL:-0}" == 1 ]]; then
        why="RAWMAP_NO_INSTALL=1"
    elif ! command -v rustup >/dev/null 2>&1; then
        why="rustup not found"
    fi
    if [[ -n "$why" ]]; then
        INSTALL_ERROR[nightly]="cannot install the nightly toolchain: $why"
        return 0
    fi
    banner "rustup toolchain install $RAWMAP_NIGHTLY --profile minimal"
    rustup toolchain install "$RAWMAP_NIGHTLY" --profile minimal </dev/null ||
        INSTALL_ERROR[nightly]="rustup toolchain install $RAWMAP_NIGHTLY failed"
}

# Adds components to the nightly toolchain; records failures.
nightly_component_add() {
    local name why=""
    if [[ "${RAWMAP_NO_INSTALL:-0}" == 1 ]]; then
        why="RAWMAP_NO_INSTALL=1"
    elif ! rustup run "$RAWMAP_NIGHTLY" rustc --version >/dev/null 2>&1; then
        why="no $RAWMAP_NIGHTLY toolchain${INSTALL_ERROR[nightly]:+ (${INSTALL_ERROR[nightly]})}"
    fi
    for name in "$@"; do
        if [[ -n "$why" ]]; then
            INSTALL_ERROR[nightly-$name]="cannot add nightly component $name: $why"
        else
            banner "rustup component add --toolchain $RAWMAP_NIGHTLY $name"
            rustup component add --toolchain "$RAWMAP_NIGHTLY" "$name" </dev/null ||
                INSTALL_ERROR[nightly-$name]="rustup component add --toolchain $RAWMAP_NIGHTLY $name failed"
        fi
    done
}

# Installs cargo-fuzz from crates.io; records a failure.
cargo_fuzz_install() {
    if [[ "${RAWMAP_NO_INSTALL:-0}" == 1 ]]; then
        INSTALL_ERROR[cargo-fuzz]="cannot install cargo-fuzz: RAWMAP_NO_INSTALL=1"
        return 0
    fi
    banner "cargo install cargo-fuzz --locked"
    cargo install cargo-fuzz --locked </dev/null ||
        INSTALL_ERROR[cargo-fuzz]="cargo install cargo-fuzz failed"
}

# Why requirement $1 is unmet (call only when `have` said no).
reason() {
    local kind=${1%%:*} rest=${1#*:} what pkg
    case "$kind" in
    component | target) echo "${INSTALL_ERROR[$rest]:-rustup $kind $rest is missing}" ;;
    cmd | file)
        what=${rest%%:*} pkg=${rest#*:}
        if [[ "$kind" == cmd ]]; then what="$what not on PATH"; else what="$what not found"; fi
        echo "$what (${INSTALL_ERROR[$pkg]:-even after installing package $pkg})"
        ;;
    benches) echo "no benches/*.rs to compile" ;;
    qemu) echo "RAWMAP_SKIP_QEMU=1 is set" ;;
    host) echo "runs $rest binaries natively, and this machine is $(uname -m)" ;;
    nothost) echo "this machine is $rest: the native test steps already run these tests" ;;
    nightly) echo "${INSTALL_ERROR[nightly]:-the $RAWMAP_NIGHTLY toolchain is missing}" ;;
    nightly-component)
        echo "${INSTALL_ERROR[nightly-$rest]:-nightly component $rest is missing}"
        ;;
    cargo-fuzz) echo "${INSTALL_ERROR[cargo-fuzz]:-cargo-fuzz is not installed}" ;;
    sysroot) echo "no $rest-gcc and C library in /usr/$rest (Debian 12 packages none):" \
        "std's test harness links against a C library; the tests are compiled by" \
        "clippy-nightly-cross and the per-arch checks run without std in nostd-${X_BY_GNU[$rest]:-?}" ;;
    esac
}

# ---------------------------------------------------------------------------------------
# Setup: find what the selected steps lack and install it.
# ---------------------------------------------------------------------------------------

setup_start=$EPOCHREALTIME
banner "setup"

# Free space where the builds go, said up front and again in the summary: a full run
# writes about 18 GiB (a target directory per architecture, nightly std builds, the
# no-std example), and a filled disk shows up as odd failures in whichever step was
# building at the time.
free_gib() { df -Pk "${CARGO_TARGET_DIR:-target}" . 2>/dev/null | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }
mkdir -p "${CARGO_TARGET_DIR:-target}"
echo "free disk for builds: $(free_gib) GiB"
if [[ "$(free_gib)" -lt 20 ]]; then
    loud "only $(free_gib) GiB free for builds; a full run writes about 18 GiB"
fi

# Rust itself is not optional: without cargo every step fails (it is never a skip).
# rustup's installer puts cargo in ~/.cargo/bin, which a non-login shell may not have.
if ! command -v cargo >/dev/null 2>&1 && [[ -f "${CARGO_HOME:-$HOME/.cargo}/env" ]]; then
    # shellcheck disable=SC1091
    . "${CARGO_HOME:-$HOME/.cargo}/env"
fi
NO_RUST=""
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    NO_RUST="cargo/rustc not found on PATH: install Rust (https://rustup.rs) first"
    loud "$NO_RUST"
fi
# The pinned stable toolchain (scripts/toolchains.sh): installed if missing, then made
# the one every plain `cargo` and `rustup` call below uses. Without rustup, cargo is
# whatever is on PATH.
if [[ -z "$NO_RUST" ]] && command -v rustup >/dev/null 2>&1; then
    if ! rustup run "$RAWMAP_STABLE" rustc --version >/dev/null 2>&1 &&
        [[ "${RAWMAP_NO_INSTALL:-0}" != 1 ]]; then
        banner "rustup toolchain install $RAWMAP_STABLE --profile minimal -c rustfmt -c clippy"
        rustup toolchain install "$RAWMAP_STABLE" --profile minimal -c rustfmt -c clippy \
            </dev/null || true
    fi
    if rustup run "$RAWMAP_STABLE" rustc --version >/dev/null 2>&1; then
        export RUSTUP_TOOLCHAIN=$RAWMAP_STABLE
    else
        loud "the pinned toolchain $RAWMAP_STABLE is missing and could not be installed:" \
            "every step runs with the default one, $(rustc --version 2>&1)"
    fi
fi
declare -A want_pkg=() want_target=() want_component=() want_nightly_component=()
want_nightly=0 want_cargo_fuzz=0
for step in "${SELECTED[@]}"; do
    # A step ruled out by the machine or RAWMAP_SKIP_QEMU needs nothing installed.
    ruled_out=0
    for need in ${NEEDS[$step]:-}; do
        case "$need" in
        qemu | host:* | nothost:*) have "$need" || ruled_out=1 ;;
        esac
    done
    if ((ruled_out)); then
        continue
    fi
    for need in ${NEEDS[$step]:-}; do
        if have "$need"; then
            continue
        fi
        case "$need" in
        cmd:* | file:*) want_pkg[${need##*:}]=1 ;;
        target:*) want_target[${need#target:}]=1 ;;
        component:*) want_component[${need#component:}]=1 ;;
        nightly) want_nightly=1 ;;
        nightly-component:*) want_nightly_component[${need#nightly-component:}]=1 ;;
        cargo-fuzz) want_cargo_fuzz=1 ;;
        esac
    done
done
if [[ -z "$NO_RUST" ]]; then
    [[ ${#want_pkg[@]} -eq 0 ]] || apt_install "${!want_pkg[@]}"
    [[ ${#want_target[@]} -eq 0 ]] || rustup_add target "${!want_target[@]}"
    [[ ${#want_component[@]} -eq 0 ]] || rustup_add component "${!want_component[@]}"
    ((want_nightly == 0)) || nightly_install
    [[ ${#want_nightly_component[@]} -eq 0 ]] ||
        nightly_component_add "${!want_nightly_component[@]}"
    ((want_cargo_fuzz == 0)) || cargo_fuzz_install
fi

# Decide, after installing, which steps must be skipped and why.
declare -A SKIP_REASON=()
for step in "${SELECTED[@]}"; do
    why=""
    for need in ${NEEDS[$step]:-}; do
        if ! have "$need"; then
            why+="${why:+; }$(reason "$need")"
            # These say it all: the tools they kept us from installing are moot.
            case "$need" in qemu | host:* | nothost:*) break ;; esac
        fi
    done
    if [[ -n "$why" ]]; then
        SKIP_REASON[$step]=$why
    fi
done

# Versions of what will run, for the log.
for tool in rustc cargo qemu-aarch64; do
    if command -v "$tool" >/dev/null 2>&1; then
        echo "$tool: $("$tool" --version 2>&1 | head -n1)"
    fi
done
if rustup run "$RAWMAP_NIGHTLY" rustc --version >/dev/null 2>&1; then
    echo "$RAWMAP_NIGHTLY: $(rustup run "$RAWMAP_NIGHTLY" rustc --version 2>&1 | head -n1)"
fi
if [[ -x /usr/lib/wine/wine64 ]]; then
    echo "wine64: $(/usr/lib/wine/wine64 --version 2>&1 | head -n1)"
fi
setup_secs=$(elapsed "$setup_start" "$EPOCHREALTIME")
echo "setup took ${setup_secs}s"

# ---------------------------------------------------------------------------------------
# Run the steps.
# ---------------------------------------------------------------------------------------

# Each step's output is also kept, so the summary can name what qemu-user ignored.
LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT

RESULT=() SECS=() FINISHED_DIRS=()
for step in "${SELECTED[@]}"; do
    if [[ -n "$NO_RUST" ]]; then
        loud "FAILED $step: $NO_RUST"
        RESULT+=(FAIL) SECS+=(0.0)
        continue
    fi
    if [[ -n "${SKIP_REASON[$step]:-}" ]]; then
        loud "SKIPPED $step (${DESCRIBE[$step]}): ${SKIP_REASON[$step]}"
        RESULT+=(SKIP) SECS+=(0.0)
        continue
    fi
    banner "$step: ${DESCRIBE[$step]}"
    start=$EPOCHREALTIME
    # Output goes straight to the terminal, complete (CI reads the "test result:" lines).
    rc=0
    (set -o pipefail && step_command "$step" 2>&1 | tee "$LOGDIR/$step.log") || rc=$?
    if [[ $rc -eq 0 ]]; then
        status=PASS
    else
        status=FAIL
        loud "FAILED $step (exit $rc)"
    fi
    RESULT+=("$status") SECS+=("$(elapsed "$start" "$EPOCHREALTIME")")
    # A cross step's build directory is not needed by the steps after it (tour-<arch>
    # rebuilds what it uses); on a nearly full disk it goes, so the later steps can build.
    if [[ "$step" == test-* && -n "${X_TRIPLE[${step#test-}]:-}" ]]; then
        FINISHED_DIRS+=("${CARGO_TARGET_DIR:-target}/${X_TRIPLE[${step#test-}]}")
    fi
    if [[ "$(free_gib)" -lt "${RAWMAP_MIN_FREE_GIB:-8}" && ${#FINISHED_DIRS[@]} -gt 0 ]]; then
        loud "only $(free_gib) GiB free: removing the build directories of finished" \
            "cross steps: ${FINISHED_DIRS[*]}"
        rm -rf "${FINISHED_DIRS[@]}"
        FINISHED_DIRS=()
        echo "free disk for builds now: $(free_gib) GiB"
    fi
done

# ---------------------------------------------------------------------------------------
# Summary.
# ---------------------------------------------------------------------------------------

# The details come first and the step table last, so the end of the output (all a CI
# log viewer may show) says which steps failed and which tests in them.
banner "summary (setup ${setup_secs}s)"
# What each cross step ran and ignored, with the reasons (grouped), from its log.
for x in "${X_NAMES[@]}"; do
    log="$LOGDIR/test-$x.log"
    [[ -f "$log" ]] || continue
    awk -v step="test-$x" '
        /^test result:/ { for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^passed;?$/) p += $(i - 1); if ($(i) ~ /^ignored;?$/) g += $(i - 1) } }
        /\.\.\. ignored, / { sub(/.*\.\.\. ignored, /, ""); n[$0]++ }
        END { printf "%s: %d tests passed, %d ignored\n", step, p, g
              for (r in n) printf "    %3d ignored: %s\n", n[r], r }' "$log"
done
# The fault-injection tests qemu-user cannot run, by name (the native steps ran them).
for step in test-aarch64 test-riscv64; do
    log="$LOGDIR/$step.log"
    [[ -f "$log" ]] || continue
    names=$(awk '/^ *Running /{bin=$2}
        /\.\.\. ignored, seccomp is not available under qemu-user/{print bin ": " $2}' "$log")
    if [[ -n "$names" ]]; then
        echo "IGNORED in $step: $(wc -l <<<"$names") seccomp fault-injection tests" \
            "(seccomp is not available under qemu-user; they ran in the native test steps):"
        while IFS= read -r name; do echo "    $name"; done <<<"$names"
    fi
done
echo
passed=0 failed=0 skipped=0 failed_steps=()
printf '%-20s %-6s %8s  %s\n' step result seconds command
for i in "${!SELECTED[@]}"; do
    step=${SELECTED[$i]}
    printf '%-20s %-6s %8s  %s\n' "$step" "${RESULT[$i]}" "${SECS[$i]}" "${DESCRIBE[$step]}"
    case "${RESULT[$i]}" in
    PASS) passed=$((passed + 1)) ;;
    FAIL) failed=$((failed + 1)) failed_steps+=("$step") ;;
    SKIP) skipped=$((skipped + 1)) ;;
    esac
done
for i in "${!SELECTED[@]}"; do
    if [[ "${RESULT[$i]}" == SKIP ]]; then
        echo "SKIPPED ${SELECTED[$i]}: ${SKIP_REASON[${SELECTED[$i]}]}"
    fi
done
echo "free disk for builds at the end: $(free_gib) GiB"
# Each failed step with the tests that failed in it and the first lines of their panics.
for step in "${failed_steps[@]}"; do
    echo "FAILED $step:"
    log="$LOGDIR/$step.log"
    [[ -f "$log" ]] || continue
    # (awk stops printing itself: `| head` could kill it with SIGPIPE, which pipefail and
    # set -e would turn into the end of this script before its summary line.)
    awk '/^test .* \.\.\. FAILED$/ { if (t++ < 16) print "    " $0 }
        /panicked at|^error(\[|:)|timed out|Killed|core dumped/ { if (n++ < 8) print "    " $0 }' \
        "$log"
    echo "    last lines of its output:"
    tail -n 6 "$log" | sed 's/^/    | /'
done
status=0
if ((failed > 0)); then
    status=1
elif ((skipped > 0)) && [[ "${RAWMAP_STRICT:-0}" == 1 ]]; then
    echo "RAWMAP_STRICT=1: the skipped steps make this run fail"
    status=1
fi
# Always the last line, in this exact form: CI and people grep for it.
echo "summary: $passed passed, $failed failed, $skipped skipped"
exit "$status"
