#!/usr/bin/env bash
# scripts/nostd-example.sh TARGET: builds the no_std, no-libc static binaries of
# examples/nostd-cat for TARGET: nostd-cat (prints a file by mapping it) and arch-checks
# (the per-arch ABI checks of tests/arch.rs). Checks that they are static with no libc,
# runs nostd-cat on files of known content and on error cases, runs arch-checks, and
# prints nostd-cat's size.
#
# Usage: scripts/nostd-example.sh TARGET, one of
#   x86_64-unknown-linux-gnu i686-unknown-linux-gnu          (native on an x86_64 host)
#   aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu armv7-unknown-linux-gnueabihf
#   thumbv7neon-unknown-linux-gnueabihf powerpc64le-unknown-linux-gnu
#   powerpc64-unknown-linux-gnu powerpc-unknown-linux-gnu s390x-unknown-linux-gnu
#                                                (stable Rust, cross gcc, qemu-user)
#   mips-unknown-linux-gnu mipsel-unknown-linux-gnu mips64-unknown-linux-gnuabi64
#   mips64el-unknown-linux-gnuabi64 sparc64-unknown-linux-gnu
#                                                (nightly -Zbuild-std=core, cross gcc, qemu)
#   riscv32gc-unknown-linux-gnu loongarch64-unknown-linux-gnu
#                                                (nightly -Zbuild-std=core, rust-lld, qemu)
#
# Output: one "ok: ..." or "FAIL: ..." line per check, arch-checks' own lines, then
#   nostd-cat <target>: <N> bytes
# (the stripped release binary). Exit status:
#   0  every check passed
#   1  a build, static-linking, output (cmp), exit-code or arch check failed
#   2  usage error, or a tool is missing (cross gcc, qemu-user, rustup target, rust-src)
#   3  every functional check passed but the binary is larger than NOSTD_CAT_MAX_BYTES
#      (default 4096, the goal set for x86_64, aarch64 and riscv64; other targets have
#      no size goal unless NOSTD_CAT_MAX_BYTES is set); the sections are listed

set -euo pipefail

# Run from the repository root whatever the caller's directory.
cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
# RAWMAP_STABLE and RAWMAP_NIGHTLY: the pinned toolchains.
# shellcheck source=scripts/toolchains.sh
. scripts/toolchains.sh

usage() {
    sed -n '8,18p' "${BASH_SOURCE[0]}" >&2
    exit 2
}
[[ $# -eq 1 ]] || usage
target=$1
case $target in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu | riscv64gc-unknown-linux-gnu)
        max_bytes=${NOSTD_CAT_MAX_BYTES:-4096} ;;
    *) max_bytes=${NOSTD_CAT_MAX_BYTES:-} ;;
esac

# Per target: the linker (a cross gcc used as driver, or rust-lld where Debian has no
# cross gcc), the emulator, what `uname -m` says on a machine that runs it natively,
# and whether std's prebuilt `core` exists (stable) or it is built from source (nightly).
toolchain=stable
case $target in
    x86_64-unknown-linux-gnu) gcc=cc qemu=qemu-x86_64 arch=x86_64 ;;
    i686-unknown-linux-gnu) gcc=i686-linux-gnu-gcc qemu=qemu-i386 arch=i686 ;;
    aarch64-unknown-linux-gnu) gcc=aarch64-linux-gnu-gcc qemu=qemu-aarch64 arch=aarch64 ;;
    riscv64gc-unknown-linux-gnu) gcc=riscv64-linux-gnu-gcc qemu=qemu-riscv64 arch=riscv64 ;;
    armv7-unknown-linux-gnueabihf | thumbv7neon-unknown-linux-gnueabihf)
        gcc=arm-linux-gnueabihf-gcc qemu=qemu-arm arch=armv7l ;;
    powerpc64le-unknown-linux-gnu) gcc=powerpc64le-linux-gnu-gcc qemu=qemu-ppc64le arch=ppc64le ;;
    powerpc64-unknown-linux-gnu) gcc=powerpc64-linux-gnu-gcc qemu=qemu-ppc64 arch=ppc64 ;;
    powerpc-unknown-linux-gnu) gcc=powerpc-linux-gnu-gcc qemu=qemu-ppc arch=ppc ;;
    s390x-unknown-linux-gnu) gcc=s390x-linux-gnu-gcc qemu=qemu-s390x arch=s390x ;;
    mips-unknown-linux-gnu) gcc=mips-linux-gnu-gcc qemu=qemu-mips arch=mips toolchain=nightly ;;
    mipsel-unknown-linux-gnu) gcc=mipsel-linux-gnu-gcc qemu=qemu-mipsel arch=mips toolchain=nightly ;;
    mips64-unknown-linux-gnuabi64)
        gcc=mips64-linux-gnuabi64-gcc qemu=qemu-mips64 arch=mips64 toolchain=nightly ;;
    mips64el-unknown-linux-gnuabi64)
        gcc=mips64el-linux-gnuabi64-gcc qemu=qemu-mips64el arch=mips64 toolchain=nightly ;;
    sparc64-unknown-linux-gnu) gcc=sparc64-linux-gnu-gcc qemu=qemu-sparc64 arch=sparc64 toolchain=nightly ;;
    riscv32gc-unknown-linux-gnu) gcc=rust-lld qemu=qemu-riscv32 arch=riscv32 toolchain=nightly ;;
    loongarch64-unknown-linux-gnu) gcc=rust-lld qemu=qemu-loongarch64 arch=loongarch64 toolchain=nightly ;;
    *) usage ;;
esac
# Native when the machine is that arch; a static i686 binary also runs on x86_64 Linux
# (IA32 emulation), against the real kernel.
host=$(uname -m)
runner=()
if [[ $host != "$arch" ]] && ! [[ $arch == i686 && $host == x86_64 ]]; then
    runner=("$qemu")
    # 32-bit guests with a fault-safe copy run with guest base 4 GiB: qemu-user 7.2 gives
    # them the host's SIGBUS address cut to 32 bits (see .cargo/config.toml).
    case $arch in i686 | armv7l | riscv32 | ppc | mips) runner+=(-B 0x100000000) ;; esac
fi

# The pinned toolchains of scripts/toolchains.sh, when rustup is there to pick them.
cargo_cmd=(cargo)
command -v rustup >/dev/null && cargo_cmd=(cargo "+$RAWMAP_STABLE")
if [[ $toolchain == nightly ]]; then
    # mips, mips64 and sparc64 need `asm_experimental_arch`; all of these lack a
    # prebuilt `core` here, so it is built from source (the rust-src component).
    cargo_cmd=(cargo "+$RAWMAP_NIGHTLY")
fi
build_std=()
[[ $toolchain == nightly ]] && build_std=(-Zbuild-std=core)

tools=(cargo readelf file cmp mktemp "${runner[@]:0:1}")
[[ $gcc == rust-lld ]] || tools+=("$gcc")
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if command -v rustup >/dev/null; then
    if [[ $toolchain == stable ]] &&
        ! rustup target list --installed --toolchain "$RAWMAP_STABLE" | grep -qx "$target"; then
        echo "missing rustup target: $target" \
            "(rustup target add --toolchain $RAWMAP_STABLE $target)" >&2
        exit 2
    fi
    if [[ $toolchain == nightly ]] &&
        ! rustup component list --installed --toolchain "$RAWMAP_NIGHTLY" 2>/dev/null |
        grep -q '^rust-src'; then
        echo "missing rust-src of $RAWMAP_NIGHTLY" \
            "(rustup toolchain install $RAWMAP_NIGHTLY --profile minimal -c rust-src)" >&2
        exit 2
    fi
fi

crate=examples/nostd-cat
# The crate's .cargo/config.toml and build.rs hold the flags; flags from the caller's
# environment would replace them (RUSTFLAGS wins over config), so clear them. The
# linker is set here rather than left to the repository's .cargo/config.toml.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
triple_env=$(tr 'a-z-' 'A-Z_' <<<"$target")
unset "CARGO_TARGET_${triple_env}_RUSTFLAGS"
export "CARGO_TARGET_${triple_env}_LINKER=$gcc"
# Rust's loongarch64 target enables LSX (128-bit vectors) by default, which qemu-user
# 7.2 does not implement (SIGILL); LoongArch CPUs without LSX exist too.
target_flags=()
if [[ $target == loongarch64-* ]]; then
    target_flags+=(-C target-feature=-lsx)
fi
# qemu-user 7.2 gives 64-bit big-endian guests SIGBUS addresses with their 32-bit halves
# swapped; `--cfg qemu` makes the crate's fault handler undo that, as in the qemu test
# steps (src/linux/fault/mod.rs, qemu_si_addr). Without it arch-checks' fault-safe
# copy check dies of SIGBUS there. It changes nothing else in the binaries.
case $target in
powerpc64-* | s390x-* | mips64-* | sparc64-*) target_flags+=(--cfg qemu) ;;
esac
if ((${#target_flags[@]})); then
    export "CARGO_TARGET_${triple_env}_RUSTFLAGS=${target_flags[*]}"
fi
export CARGO_TARGET_DIR=$PWD/$crate/target

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Build both profiles: release is the one measured; debug links without LTO, so it
# shows which C symbols the unoptimized code needs and that main.rs provides them.
for profile in release dev; do
    if (cd "$crate" && "${cargo_cmd[@]}" build --quiet "${build_std[@]}" --profile "$profile" \
        --target "$target"); then
        ok "cargo build --profile $profile --target $target"
    else
        fail "cargo build --profile $profile --target $target"
        echo "nostd-cat $target: build failed"
        exit 1
    fi
done
release=$CARGO_TARGET_DIR/$target/release/nostd-cat
debug=$CARGO_TARGET_DIR/$target/debug/nostd-cat
checks_release=$CARGO_TARGET_DIR/$target/release/arch-checks
checks_debug=$CARGO_TARGET_DIR/$target/debug/arch-checks

# Static, no interpreter, no dynamic section, nothing undefined, nothing from a libc.
for bin in "$release" "$debug" "$checks_release" "$checks_debug"; do
    name=${bin#"$PWD"/}
    desc=$(file -b "$bin")
    if [[ $desc == *"statically linked"* ]]; then ok "$name: file says statically linked"
    else fail "$name: file says: $desc"; fi
    dynamic=$(readelf -d "$bin")
    if [[ $dynamic == *"no dynamic section"* ]]; then ok "$name: no dynamic section"
    else fail "$name: has a dynamic section: $dynamic"; fi
    if readelf -lW "$bin" | grep -q INTERP; then fail "$name: has an INTERP segment"; else
        ok "$name: no INTERP segment"; fi
done
# The release binaries are stripped; the debug ones keep their symbol tables to inspect.
for bin in "$debug" "$checks_debug"; do
    name=${bin#"$PWD"/}
    syms=$(readelf -sW "$bin")
    undefined=$(awk '$7 == "UND" && $8 != "" { print $8 }' <<<"$syms")
    if [[ -z $undefined ]]; then ok "$name: no undefined symbols"
    else fail "$name: undefined: $undefined"; fi
    libc=$(grep -E '__libc_|GLIBC|_IO_|malloc|printf|_dl_|__stack_chk' <<<"$syms" || true)
    if [[ -z $libc ]]; then ok "$name: no libc symbols"; else fail "$name: libc symbols: $libc"; fi
done

# Test files: varied bytes of a length that is not a page multiple, a larger one, an
# empty one, a directory (opens but cannot be mapped), and a name that does not exist.
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
for i in $(seq 0 255); do printf '%b' "\\$(printf %03o "$i")"; done >"$tmp/bytes256"
{ cat "$tmp/bytes256" "$tmp/bytes256"; printf 'rawmap nostd-cat\n'; head -c 3000 /dev/urandom
    cat "$tmp/bytes256"; } >"$tmp/small"
head -c $((1024 * 1024 + 4097)) /dev/urandom >"$tmp/large"
: >"$tmp/empty"
mkdir "$tmp/dir"
: >"$tmp/dir/entry" # a non-empty directory has a non-zero size on every filesystem

# run BIN ARGS...: runs the binary (under qemu when cross), stdout to $tmp/out, stderr
# to $tmp/err; sets $rc.
run() {
    local bin=$1
    shift
    rc=0
    "${runner[@]}" "$bin" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

for bin in "$release" "$debug"; do
    kind=$([[ $bin == "$release" ]] && echo release || echo debug)
    for f in small large empty; do
        run "$bin" "$tmp/$f"
        size=$(stat -c %s "$tmp/$f")
        if [[ $rc -eq 0 ]] && cmp -s "$tmp/$f" "$tmp/out" && [[ ! -s $tmp/err ]]; then
            ok "$kind: $f file ($size bytes): exit 0, stdout identical"
        else
            fail "$kind: $f file ($size bytes): exit $rc, cmp: $(cmp "$tmp/$f" "$tmp/out" 2>&1), stderr: $(cat "$tmp/err")"
        fi
    done
    # Through a pipe too: the bytes arrive in pipe-sized pieces.
    rc=0
    "${runner[@]}" "$bin" "$tmp/large" 2>"$tmp/err" | cat >"$tmp/out" || rc=$?
    if [[ $rc -eq 0 ]] && cmp -s "$tmp/large" "$tmp/out"; then
        ok "$kind: large file through a pipe: stdout identical"
    else
        fail "$kind: large file through a pipe: exit $rc, cmp: $(cmp "$tmp/large" "$tmp/out" 2>&1)"
    fi
    # Errors: exit 1, nothing on stdout, the step and the errno name on stderr.
    check_error() {
        local what=$1 want=$2
        if [[ $rc -eq 1 && ! -s $tmp/out ]] && [[ $(cat "$tmp/err") == "$want" ]]; then
            ok "$kind: $what: exit 1, stderr \"$want\""
        else
            fail "$kind: $what: exit $rc, stderr \"$(cat "$tmp/err")\", want exit 1 and \"$want\", stdout $(stat -c %s "$tmp/out") bytes"
        fi
    }
    run "$bin" "$tmp/missing"
    check_error "missing file" "nostd-cat: open: errno 2"
    run "$bin" "$tmp/dir"
    check_error "directory" "nostd-cat: map: errno 19"
    run "$bin"
    check_error "no argument" "usage: nostd-cat FILE"
    rc=0
    "${runner[@]}" "$bin" "$tmp/small" >&- 2>"$tmp/err" || rc=$?
    : >"$tmp/out"
    check_error "stdout closed" "nostd-cat: write: errno 9"
done

# The per-arch checks; under qemu-user the few that qemu cannot answer for a 32-bit
# guest are skipped by name (--qemu), natively every one runs.
checks_args=()
[[ ${#runner[@]} -eq 0 ]] || checks_args=(--qemu)
for bin in "$checks_release" "$checks_debug"; do
    kind=$([[ $bin == "$checks_release" ]] && echo release || echo debug)
    rc=0
    "${runner[@]}" "$bin" "${checks_args[@]}" >"$tmp/out" 2>"$tmp/err" || rc=$?
    sed "s/^/    $kind arch-checks: /" "$tmp/out"
    if [[ $rc -eq 0 ]] && grep -q '^arch-checks: [1-9][0-9]* passed, 0 failed' "$tmp/out"; then
        ok "$kind: arch-checks ${checks_args[*]}: exit 0"
    else
        fail "$kind: arch-checks ${checks_args[*]}: exit $rc, stderr: $(cat "$tmp/err")"
    fi
done

bytes=$(stat -c %s "$release")
echo "nostd-cat $target: $bytes bytes"
if [[ $failures -ne 0 ]]; then
    echo "nostd-cat $target: $failures check(s) failed"
    exit 1
fi
if [[ -z $max_bytes ]]; then
    echo "ok: no size goal for $target (set NOSTD_CAT_MAX_BYTES to enforce one)"
    exit 0
fi
if [[ $bytes -gt $max_bytes ]]; then
    echo "FAIL: $bytes bytes > $max_bytes (NOSTD_CAT_MAX_BYTES); sections:"
    # Name and size of each section (readelf reads every target's ELF; `size` may not).
    readelf -SW "$release" | sed -n 's/^ *\[ *[0-9]*\] *//p' | while read -r sec _ _ _ hex _; do
        if [[ $sec != NULL && $hex =~ ^[0-9a-f]+$ ]]; then
            printf '    %-18s %6d\n' "$sec" "$((16#$hex))"
        fi
    done
    exit 3
fi
echo "ok: $bytes bytes <= $max_bytes"
