#!/usr/bin/env bash
# Commit latency, side by side: `uci set` + `uci commit` of one package, N
# times, with a reference uci and with ours (journaled: more fsyncs), plus a
# 3-package `ucix commit`. Prints milliseconds per commit and the ratio.
#   scripts/bench-commit.sh REFERENCE_UCI [OUR_TARGET_DIR (default target/release)] [N (default 50)]
# The config directory is created under $BENCH_DIR (default: a temp dir in
# the current directory, i.e. on the disk, not tmpfs, so fsync costs count).
set -euo pipefail
ref=${1:?usage: $0 REFERENCE_UCI [TARGET_DIR] [N]}
tdir=${2:-target/release}
n=${3:-50}
ours="$tdir/uci"
ucix="$tdir/ucix"
base=$(mktemp -d "${BENCH_DIR:-.}/bench-commit.XXXXXX")
trap 'rm -rf "$base"' EXIT
export UCIX_STATE_DIR="$base/state" UCIX_HOOKS_DIR="$base/hooks"

setup() {
    rm -rf "$base/config" "$base/delta"
    mkdir -p "$base/config" "$base/delta"
    for p in network firewall system; do
        printf "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n" > "$base/config/$p"
    done
}

ms_per() { # command... ; runs it n times, prints ms per run
    local start end
    start=$(date +%s%N)
    for ((i = 0; i < n; i++)); do "$@" "$i"; done
    end=$(date +%s%N)
    echo $(( (end - start) / n / 1000 ))
}

one() { # bin i
    "$1" -c "$base/config" -t "$base/delta" set "network.lan.x=$2"
    "$1" -c "$base/config" -t "$base/delta" commit network
}
three() { # i
    for p in network firewall system; do "$ours" -c "$base/config" -t "$base/delta" set "$p.lan.x=$1"; done
    "$ucix" -c "$base/config" -t "$base/delta" commit
}
three_ref() { # i
    for p in network firewall system; do "$ref" -c "$base/config" -t "$base/delta" set "$p.lan.x=$1"; done
    for p in network firewall system; do "$ref" -c "$base/config" -t "$base/delta" commit "$p"; done
}

setup; r1=$(ms_per one "$ref")
setup; o1=$(ms_per one "$ours")
setup; r3=$(ms_per three_ref)
setup; o3=$(ms_per three)
awk -v r1="$r1" -v o1="$o1" -v r3="$r3" -v o3="$o3" -v n="$n" 'BEGIN {
    printf "set+commit of 1 package (%d runs): reference %.2f ms, ucix %.2f ms, ratio %.2f\n", n, r1/1000, o1/1000, o1/r1
    printf "3 sets + commit of 3 packages:      reference %.2f ms (3 uci commits), ucix %.2f ms (1 atomic ucix commit), ratio %.2f\n", r3/1000, o3/1000, o3/r3
}'
