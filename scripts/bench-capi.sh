#!/usr/bin/env bash
# scripts/bench-capi.sh [N]
#
# Times N (default 10000) uci_lookup_ptr calls each on the 5000-lease dhcp
# config (../shared/testdata/large/5k/dhcp) through the release libuci.so:
# by position (@host[0], @host[2500], @host[-1]) and by name (host_4990), next
# to uci_lookup_section and a plain list walk (uci-compat/bench/lookup.c).
# Prints ns per lookup, and OpenWrt libuci's figures on the same file as
# recorded in issue #16 (not measured here: libuci is not built here).
# Honours CARGO_TARGET_DIR and UCIX_SHARED.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
n=${1:-10000}
shared=${UCIX_SHARED:-$repo/../shared}
data=$shared/testdata/large/5k/dhcp
if [ ! -f "$data" ]; then
    echo "skipped: $data not found"
    exit 0
fi
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$repo/$target_dir ;; esac
lib=$target_dir/release
if [ ! -f "$lib/libuci.so" ]; then
    cargo build --release -p uci-compat
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/config"
cp "$data" "$work/config/dhcp"
${CC:-cc} -std=gnu99 -O2 -Wall -Werror -I uci-compat/include -o "$work/lookup" \
    uci-compat/bench/lookup.c -L "$lib" -Wl,-rpath,"$lib" -luci
"$work/lookup" "$work/config" dhcp "$n" \
    'dhcp.@host[0].ip' 'dhcp.@host[2500].ip' 'dhcp.@host[-1].ip' 'dhcp.host_4990.ip'
cat <<'REF'
recorded reference (OpenWrt libuci on the same file, issue #16; not measured here):
  uci_lookup_ptr("dhcp.@host[-1].ip")   ~69 us/lookup   (target: >= 100x faster, <= 690 ns)
  uci_lookup_ptr("dhcp.host_4990.ip")   ~32 us/lookup   (target: >= 100x faster, <= 320 ns)
REF
