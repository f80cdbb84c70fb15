#!/usr/bin/env bash
# Re-copy the shared conformance set (../shared/conformance, or
# $UCIX_SHARED/conformance) into testdata/conformance.
#
# The shared set may grow; tests/conformance.rs has a test that fails while
# testdata/conformance differs from it. Run this script, review `git status`,
# and commit the result (plus any new known failures).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${UCIX_SHARED:-$repo/../shared}
src=$shared/conformance
dst=$repo/testdata/conformance

if [ ! -d "$src" ]; then
    echo "sync-conformance: $src not found (set UCIX_SHARED to the shared directory)" >&2
    exit 1
fi
src=$(cd "$src" && pwd -P)
for f in README.md run_conformance.py run_capi_conformance.py run_lua_conformance.py cases capi lua; do
    if [ ! -e "$src/$f" ]; then
        echo "sync-conformance: $src/$f is missing; refusing to sync an incomplete set" >&2
        exit 1
    fi
done

umask 022
mkdir -p "$repo/testdata"
tmp=$(mktemp -d "$repo/testdata/conformance-sync-XXXXXX")
old=
cleanup() {
    rm -rf -- "$tmp"
    if [ -n "$old" ]; then rm -rf -- "$old"; fi
}
trap cleanup EXIT

# The shared tree is read-only; do not carry its modes into the repository
# (a read-only copy could not be replaced by the next sync).
cp -R --no-preserve=mode,ownership,timestamps -- "$src/." "$tmp/"
find "$tmp" -name __pycache__ -type d -prune -exec rm -rf -- {} +
chmod 0755 "$tmp" "$tmp"/run_*.py

if [ -e "$dst" ]; then
    old="$dst.old-$$"
    chmod -R u+w -- "$dst"
    mv -- "$dst" "$old"
fi
mv -- "$tmp" "$dst"

cases=$(find "$dst/cases" -name '*.json' | wc -l)
capi=$(find "$dst/capi" -name '*.json' | wc -l)
lua=$(find "$dst/lua" -name '*.json' | wc -l)
echo "sync-conformance: copied $src -> testdata/conformance ($cases CLI, $capi C API, $lua Lua cases)"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$repo" status --short -- testdata/conformance | head -n 40
fi
