#!/usr/bin/env bash
# Builds the release `uci` and shows the bundled example config
# (testdata/examples/network) with `uci show` and `uci export`.
#
# uci always reads /tmp/.uci (delta files) and /var/run/uci (override
# configs) from the host. As root the demo runs uci in a private mount
# namespace where both are empty (util-linux unshare); otherwise it runs it
# directly. ucix's own cache and state go to a scratch directory under
# target/ that is removed afterwards (unless UCIX_CACHE_DIR/UCIX_STATE_DIR
# are already set).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

echo "==> cargo build --release --bin uci"
cargo build --release --bin uci
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$repo/$target_dir ;; esac
uci_bin=$target_dir/release/uci

scratch=$(mktemp -d "$target_dir/demo-XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT
export UCIX_CACHE_DIR=${UCIX_CACHE_DIR:-$scratch/cache}
export UCIX_STATE_DIR=${UCIX_STATE_DIR:-$scratch/state}

isolated=no
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
    isolated=yes
fi

# run_uci ARGS...: uci with argv[0] "uci", isolated from the host's
# /tmp/.uci and /var/run/uci when root.
run_uci() {
    printf '\n$ uci %s\n' "$*"
    if [ "$isolated" = yes ]; then
        # target/ may itself live under /tmp: bind it back after hiding /tmp
        unshare -m --propagation private sh -c '
            set -e
            bin=$1; shift
            case $bin in
                /tmp/*) top=/tmp/$(printf %s "${bin#/tmp/}" | cut -d/ -f1)
                        mount -t tmpfs tmpfs /mnt; mkdir -p /mnt/keep
                        mount --bind "$top" /mnt/keep ;;
                *) top= ;;
            esac
            mount -t tmpfs tmpfs /tmp
            if [ -n "$top" ]; then mkdir -p "$top"; mount --bind /mnt/keep "$top"; fi
            if [ -d /var/run/uci ]; then mount -t tmpfs tmpfs /var/run/uci; fi
            PATH=${bin%/*}:$PATH exec uci "$@"
        ' sh "$uci_bin" "$@"
    else
        PATH=${uci_bin%/*}:$PATH uci "$@"
    fi
}

if [ "$isolated" = yes ]; then
    echo "==> running uci in a private mount namespace (host /tmp/.uci and /var/run/uci hidden)"
else
    echo "==> not root: running uci directly (host /tmp/.uci and /var/run/uci, if present, are read)"
fi
echo "==> config: testdata/examples/network"

run_uci -c testdata/examples show network
run_uci -c testdata/examples get network.lan.dns
run_uci -c testdata/examples export network
