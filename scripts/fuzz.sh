#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets of fuzz/ (cargo-fuzz: libFuzzer with
# AddressSanitizer and debug assertions, on the stable toolchain through
# RUSTC_BOOTSTRAP=1).
#
#   scripts/fuzz.sh [--corpus-only] [SECONDS] [TARGET...]
#       Runs each TARGET (default: every target) for SECONDS (default 60),
#       one after the other, then prints executions and time per target.
#       Inputs: fuzz/corpus/<target> (committed seeds), plus, unless
#       --corpus-only, seeds built at run time from ../shared/testdata
#       (real-world configs; never committed). New inputs are kept in
#       fuzz/target/corpus/<target>, crashes in fuzz/artifacts/<target>/.
#       CI runs `scripts/fuzz.sh --corpus-only 5`.
#   scripts/fuzz.sh --regen-corpus [TARGET...]
#       Rebuilds fuzz/corpus/<target> (default: every target) from
#       ../shared/conformance/cases (fuzz/seeds.py, with index files written
#       by target/release/uci, or a debug uci it builds, for cache_index;
#       then a libFuzzer merge that keeps one input per new coverage
#       feature). Replaces what long runs added to the committed corpus.
#   scripts/fuzz.sh --list
#       Lists the targets.
#
# Environment: FUZZ_MAX_LEN (default 8192) is libFuzzer's -max_len;
# UCIX_SHARED overrides the location of ../shared.
# Installs cargo-fuzz with `cargo install` when missing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz="$repo/fuzz"
shared=${UCIX_SHARED:-$repo/../shared}
max_len=${FUZZ_MAX_LEN:-8192}
export RUSTC_BOOTSTRAP=1

# The targets run the core in-process (loads write cache indexes, commits
# record history): keep every ucix system location inside fuzz/target.
state="$fuzz/target/ucix-state"
mkdir -p "$state"
: "${UCIX_CACHE_DIR:=$state/cache}" "${UCIX_STATE_DIR:=$state/state}" "${UCIX_HOOKS_DIR:=$state/hooks.d}"
: "${UCIX_CONFIG_MD5:=$state/config.md5}" "${UCIX_UBUS_SOCKET:=$state/ubus.sock}"
export UCIX_CACHE_DIR UCIX_STATE_DIR UCIX_HOOKS_DIR UCIX_CONFIG_MD5 UCIX_UBUS_SOCKET

die() { printf 'scripts/fuzz.sh: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! have cargo && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
have cargo || die "cargo not found"

targets() {
    sed -n 's/^name = "\(.*\)"$/\1/p' "$fuzz/Cargo.toml" | grep -vx 'ucix-fuzz'
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "==> installing cargo-fuzz (cargo install cargo-fuzz --locked)"
        cargo install cargo-fuzz --locked
    fi
}

# Target binaries: built once, in release mode with debug assertions.
build() {
    ensure_cargo_fuzz
    echo "==> building fuzz targets (cargo fuzz build -a)"
    (cd "$fuzz" && cargo fuzz build -a)
}

bin_dir() {
    local triple
    triple=$(rustc -vV | sed -n 's/^host: //p')
    echo "$fuzz/target/$triple/release"
}

# Extra libFuzzer flags per target.
flags_for() {
    case "$1" in
        batch|argv) echo "-close_fd_mask=3" ;;  # commands print to stdout/stderr
        *) echo "" ;;
    esac
}

corpus_only=0
case "${1:-}" in
    --list) targets; exit 0 ;;
    --regen-corpus)
        [ -d "$shared/conformance/cases" ] || die "$shared/conformance/cases not found"
        build
        bins=$(bin_dir)
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        # the cache_index seeds include index files written by `uci` itself
        uci_bin="$repo/target/release/uci"
        if [ ! -x "$uci_bin" ]; then
            echo "==> building uci for the cache index seeds (cargo build --bin uci)"
            (cd "$repo" && cargo build --bin uci)
            uci_bin="$repo/target/debug/uci"
        fi
        UCI_BIN="$uci_bin" python3 "$fuzz/seeds.py" conformance "$shared/conformance/cases" "$tmp"
        shift
        regen=("$@")
        [ ${#regen[@]} -gt 0 ] || mapfile -t regen < <(targets)
        for t in "${regen[@]}"; do
            targets | grep -qx "$t" || die "unknown target: $t (see --list)"
        done
        for t in "${regen[@]}"; do
            rm -rf "$fuzz/corpus/$t"
            mkdir -p "$fuzz/corpus/$t"
            # shellcheck disable=SC2046
            "$bins/$t" -merge=1 -max_len="$max_len" $(flags_for "$t") \
                "$fuzz/corpus/$t" "$tmp/$t" </dev/null >"$tmp/$t.log" 2>&1 \
                || { tail -20 "$tmp/$t.log"; die "merge of $t failed"; }
            echo "$t: $(find "$fuzz/corpus/$t" -type f | wc -l) inputs kept"
        done
        exit 0
        ;;
    --corpus-only) corpus_only=1; shift ;;
esac

seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
if [ $# -gt 0 ]; then
    selected=("$@")
    for t in "${selected[@]}"; do
        targets | grep -qx "$t" || die "unknown target: $t (see --list)"
    done
else
    mapfile -t selected < <(targets)
fi

build
bins=$(bin_dir)

seeds="$fuzz/target/seeds-testdata"
if [ "$corpus_only" -eq 0 ]; then
    if [ -d "$shared/testdata" ]; then
        rm -rf "$seeds"
        python3 "$fuzz/seeds.py" testdata "$shared/testdata" "$seeds" >/dev/null
    else
        echo "note: $shared/testdata not found: fuzzing the committed corpus only"
    fi
fi

failed=()
summary=()
for t in "${selected[@]}"; do
    work="$fuzz/target/corpus/$t"
    if [ "$corpus_only" -eq 1 ]; then
        # only what is committed: start from an empty working corpus
        work="$fuzz/target/corpus-only/$t"
        rm -rf "$work"
    fi
    artifacts="$fuzz/artifacts/$t"
    log="$fuzz/target/logs/$t.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    dirs=("$work" "$fuzz/corpus/$t")
    if [ "$corpus_only" -eq 0 ] && [ -n "$(ls -A "$seeds/$t" 2>/dev/null)" ]; then
        dirs+=("$seeds/$t")
    fi
    echo "==> $t: ${seconds}s on ${dirs[*]#"$repo/"}"
    status=0
    # shellcheck disable=SC2046
    "$bins/$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        $(flags_for "$t") "${dirs[@]}" </dev/null >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corpus=$(find "$work" -type f | wc -l)
    line=$(printf '%-16s %12s runs %6ss %10s exec/s  corpus %s' "$t" "${runs:-?}" "${secs:-?}" \
        "$( [ -n "${runs:-}" ] && [ -n "${secs:-}" ] && [ "$secs" -gt 0 ] && echo $((runs / secs)) || echo '?')" "$corpus")
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        line="$line  FAILED (exit $status, see ${log#"$repo/"})"
        grep -E 'panicked at|ERROR: |SUMMARY|Test unit written' "$log" | head -20 || true
    fi
    echo "$line"
    summary+=("$line")
done

# sandboxes of the targets (libFuzzer exits without removing them)
for d in /dev/shm/ucix-fuzz-* "${TMPDIR:-/tmp}"/ucix-fuzz-*; do
    [ -d "$d" ] && [ ! -d "/proc/${d##*-}" ] && rm -rf "$d"
done

echo
echo "==> fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
echo "fuzz: $((${#selected[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ "${#failed[@]}" -gt 0 ]; then
    die "failing targets: ${failed[*]} (reproduce: fuzz/target/<triple>/release/<target> fuzz/artifacts/<target>/crash-…)"
fi
