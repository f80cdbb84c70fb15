#!/bin/sh
# uci-compat/launcher/build.sh OUT LIBDIR [CC-ARGS...]
#
# Builds the `uci` launcher OUT from launcher/uci.c, linked against
# LIBDIR/libuci.so (which holds the command: ucix_uci_main). Extra arguments
# go to the compiler (the tests add -Wl,-rpath,LIBDIR). $CC defaults to cc.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OUT LIBDIR [CC-ARGS...]" >&2; exit 2; }
out=$1 libdir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
exec "${CC:-cc}" -Os -s -o "$out" "$here/uci.c" -L"$libdir" -luci "$@"
