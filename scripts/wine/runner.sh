#!/bin/sh
# scripts/wine/runner.sh: cargo's runner for x86_64-pc-windows-gnu (.cargo/config.toml).
# Prepares the Wine prefix (setup.sh: private prefix, bcryptprimitives shim) and runs
# the Windows binary under wine64 with its arguments; the exit status is the binary's.
set -eu
here=$(cd -P -- "$(dirname -- "$0")" && pwd)
WINEPREFIX=$("$here/setup.sh")
export WINEPREFIX
export WINEDEBUG="${WINEDEBUG:--all}"
if [ -z "${WINE64:-}" ]; then
    WINE64=$(command -v wine64 2>/dev/null || echo /usr/lib/wine/wine64)
fi
exec "$WINE64" "$@"
