#!/usr/bin/env bash
# scripts/nostd-example.sh TARGET: builds examples/nostd-cat (a no_std, no-libc static
# binary that prints a file by mapping it) for TARGET, checks that it is static with no
# libc, runs it on files of known content and on error cases, and prints its size.
#
# Usage:
#   scripts/nostd-example.sh x86_64-unknown-linux-gnu      (runs natively)
#   scripts/nostd-example.sh aarch64-unknown-linux-gnu     (cross gcc, qemu-aarch64)
#   scripts/nostd-example.sh riscv64gc-unknown-linux-gnu   (cross gcc, qemu-riscv64)
#
# Output: one "ok: ..." or "FAIL: ..." line per check, then
#   nostd-cat <target>: <N> bytes
# (the stripped release binary). Exit status:
#   0  every check passed
#   1  a build, static-linking, output (cmp) or exit-code check failed
#   2  usage error, or a tool is missing (cross gcc, qemu-user, rustup target)
#   3  every functional check passed but the binary is larger than NOSTD_CAT_MAX_BYTES
#      (default 4096, the issue's goal); the sections are listed

set -euo pipefail

# Run from the repository root whatever the caller's directory.
cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

usage() {
    echo "usage: $0 x86_64-unknown-linux-gnu|aarch64-unknown-linux-gnu|riscv64gc-unknown-linux-gnu" >&2
    exit 2
}
[[ $# -eq 1 ]] || usage
target=$1
max_bytes=${NOSTD_CAT_MAX_BYTES:-4096}

# Linker driver and emulator per target; a target whose arch is the host's runs natively.
case $target in
    x86_64-unknown-linux-gnu) gcc=cc qemu=qemu-x86_64 arch=x86_64 ;;
    aarch64-unknown-linux-gnu) gcc=aarch64-linux-gnu-gcc qemu=qemu-aarch64 arch=aarch64 ;;
    riscv64gc-unknown-linux-gnu) gcc=riscv64-linux-gnu-gcc qemu=qemu-riscv64 arch=riscv64 ;;
    *) usage ;;
esac
runner=()
[[ $(uname -m) == "$arch" ]] || runner=("$qemu")

for tool in cargo "$gcc" readelf file cmp mktemp "${runner[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$target"; then
    echo "missing rustup target: $target (rustup target add $target)" >&2
    exit 2
fi

crate=examples/nostd-cat
# The crate's .cargo/config.toml and build.rs hold the flags; flags from the caller's
# environment would replace them (RUSTFLAGS wins over config), so clear them. The
# linker is set here rather than left to the repository's .cargo/config.toml.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
triple_env=$(tr 'a-z-' 'A-Z_' <<<"$target")
unset "CARGO_TARGET_${triple_env}_RUSTFLAGS"
export "CARGO_TARGET_${triple_env}_LINKER=$gcc"
export CARGO_TARGET_DIR=$PWD/$crate/target

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Build both profiles: release is the one measured; debug links without LTO, so it
# shows which C symbols the unoptimized code needs and that main.rs provides them.
for profile in release dev; do
    if (cd "$crate" && cargo build --quiet --profile "$profile" --target "$target"); then
        ok "cargo build --profile $profile --target $target"
    else
        fail "cargo build --profile $profile --target $target"
        echo "nostd-cat $target: build failed"
        exit 1
    fi
done
release=$CARGO_TARGET_DIR/$target/release/nostd-cat
debug=$CARGO_TARGET_DIR/$target/debug/nostd-cat

# Static, no interpreter, no dynamic section, nothing undefined, nothing from a libc.
for bin in "$release" "$debug"; do
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
# The release binary is stripped; the debug one keeps its symbol table to inspect.
syms=$(readelf -sW "$debug")
undefined=$(awk '$7 == "UND" && $8 != "" { print $8 }' <<<"$syms")
if [[ -z $undefined ]]; then ok "debug: no undefined symbols"
else fail "debug: undefined: $undefined"; fi
libc=$(grep -E '__libc_|GLIBC|_IO_|malloc|printf|_dl_|__stack_chk' <<<"$syms" || true)
if [[ -z $libc ]]; then ok "debug: no libc symbols"; else fail "debug: libc symbols: $libc"; fi

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

bytes=$(stat -c %s "$release")
echo "nostd-cat $target: $bytes bytes"
if [[ $failures -ne 0 ]]; then
    echo "nostd-cat $target: $failures check(s) failed"
    exit 1
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
