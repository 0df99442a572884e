#!/bin/sh
# scripts/wine/setup.sh: prepares the Wine prefix the Windows tests run in, idempotently.
#
#   WINEPREFIX   the prefix (default: target/wine-prefix in this checkout, so the tests
#                never touch ~/.wine)
#   WINE64       the wine64 loader (default: wine64 on PATH, else /usr/lib/wine/wine64,
#                where Debian 12's wine64 package puts it)
#
# Creates the prefix (wineboot --init) if it does not exist, then builds the
# bcryptprimitives.dll shim from bcryptprimitives.c with the mingw-w64 cross gcc and
# installs it into the prefix's system32 when Wine lacks the DLL (Wine < 8.13). Prints
# the prefix path on stdout. scripts/wine/runner.sh calls it before every test binary.
set -eu

here=$(cd -P -- "$(dirname -- "$0")" && pwd)
root=$(cd -P -- "$here/../.." && pwd)
: "${WINEPREFIX:=$root/target/wine-prefix}"
export WINEPREFIX
export WINEDEBUG="${WINEDEBUG:--all}"
if [ -z "${WINE64:-}" ]; then
    WINE64=$(command -v wine64 2>/dev/null || echo /usr/lib/wine/wine64)
fi
[ -x "$WINE64" ] || { echo "setup.sh: wine64 not found ($WINE64)" >&2; exit 1; }

mkdir -p "$WINEPREFIX"
# One setup at a time per prefix (cargo runs test binaries one by one, but two cargo
# invocations may share the prefix).
exec 9>"$WINEPREFIX.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "setup.sh: creating Wine prefix $WINEPREFIX" >&2
    # No Gecko/Mono installer dialogs: the tests need neither.
    WINEDLLOVERRIDES="mscoree,mshtml=" "$WINE64" wineboot --init >&2
    "$(dirname -- "$WINE64")/wineserver" -w 2>/dev/null || true
fi

sys32="$WINEPREFIX/drive_c/windows/system32"
dll="$sys32/bcryptprimitives.dll"
# Wine 8.13 and later ship a real bcryptprimitives.dll: keep theirs. A Wine builtin
# placeholder starts with "Wine builtin DLL" in the DOS stub; ours is marked below.
wine_has_it() {
    [ -f "$dll" ] && ! grep -q "rawmap-shim" "$dll" 2>/dev/null
}
if ! wine_has_it; then
    if [ ! -f "$dll" ] || [ "$here/bcryptprimitives.c" -nt "$dll" ]; then
        cc=${MINGW_CC:-x86_64-w64-mingw32-gcc}
        tmp="$dll.tmp.$$"
        "$cc" -shared -O2 -s -o "$tmp" "$here/bcryptprimitives.c" -ladvapi32 >&2
        # A marker so later runs know this DLL is the shim, not Wine's.
        printf 'rawmap-shim' >>"$tmp"
        mv -f "$tmp" "$dll"
        echo "setup.sh: installed the bcryptprimitives.dll shim in $sys32" >&2
    fi
fi
echo "$WINEPREFIX"
