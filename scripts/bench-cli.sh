#!/usr/bin/env bash
# Side-by-side timings of the `uci` command (issue #5). For each case it
# prints the median wall time and peak RSS of:
#   ucix          our uci with the cache (warm index, private cache dir)
#   ucix-nocache  our uci with UCIX_CACHE=0
#   ref           a second uci binary, when UCI_REF=/path/to/uci is set
# with the ratios and the time to exec /bin/true (the floor). Runs alternate
# between the variants, so changes in machine load hit them alike.
#
# usage: scripts/bench-cli.sh [path/to/our/uci]   (default target/release/uci)
# env:   UCI_REF=/path/to/uci  RUNS=N (default 15)  BUDGET=seconds per case (40)
#        CASES=substring (only the cases whose title contains it)
#        UCIX_SHARED=dir (default ../shared beside the repository or, from a
#        git worktree, beside its main worktree)
# The write cases also show OpenWrt uci's figures recorded in issue #17.
#
# As root it runs in a private mount namespace with an empty /tmp and no
# /var/run/uci, so the host's pending changes and overrides are not read.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ours=$(realpath "${1:-$repo/target/release/uci}")
# The shared directory: $UCIX_SHARED, else ../shared beside the repository,
# else beside the main worktree (when this is a `git worktree`).
shared=${UCIX_SHARED:-$repo/../shared}
if [ -z "${UCIX_SHARED:-}" ] && [ ! -d "$shared" ]; then
    common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    if [ -n "$common" ]; then shared=$(dirname "$common")/../shared; fi
fi
shared=$(realpath "$shared")
[ -x "$ours" ] || { echo "bench-cli: $ours is not built (cargo build --release)" >&2; exit 1; }
if [ ! -d "$shared/testdata/large" ]; then
    echo "bench-cli: skipped: $shared/testdata/large not found"
    exit 0
fi
ref=""
if [ -n "${UCI_REF:-}" ]; then ref=$(realpath "$UCI_REF"); fi

scratch=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ucix-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

cmd=(python3 "$repo/scripts/bench_cli.py" "$ours" "$ref" "$shared" "$scratch" "${RUNS:-15}")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
    unshare -m --propagation private sh -c \
        'mount -t tmpfs tmpfs /tmp; if [ -d /var/run/uci ]; then mount -t tmpfs tmpfs /var/run/uci; fi; exec "$@"' \
        sh "${cmd[@]}"
else
    echo "note: not root: running without a private mount namespace" >&2
    "${cmd[@]}"
fi
